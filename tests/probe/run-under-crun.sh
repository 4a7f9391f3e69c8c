#!/usr/bin/env bash
# run-under-crun.sh PROBE: run the escape probe as `crun run` does with
# the config of `crun spec` (its defaults: namespaces, capabilities,
# masked paths, no seccomp profile unless one is added, no network) and
# print its JSON report, to compare berth's answers with crun's.
# crun refuses this host's hybrid cgroup layout; like the benchmark, the
# run happens in a private mount namespace where an empty file hides
# /sys/fs/cgroup/unified/cgroup.controllers (the host's mounts are never
# touched).  Root only.
set -euo pipefail
probe=${1:?usage: run-under-crun.sh PROBE}
bundle=$(mktemp -d /tmp/berth-crun-probe-XXXXXX)
trap 'crun delete -f "berth-probe-$$" >/dev/null 2>&1 || true; rm -rf "$bundle"' EXIT
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/tmp" "$bundle/rootfs/proc" "$bundle/rootfs/sys" \
  "$bundle/rootfs/dev" "$bundle/rootfs/etc"
chmod 1777 "$bundle/rootfs/tmp"
install -m 0755 "$probe" "$bundle/rootfs/bin/berth-probe"
(cd "$bundle" && crun spec)
/usr/bin/python3 - "$bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = ["/bin/berth-probe"]
c["process"]["terminal"] = False
json.dump(c, open(p, "w"))
PY
hide=$bundle/empty
: >"$hide"
unshare -m --propagation private sh -c '
  if [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
    mount --bind "$1" /sys/fs/cgroup/unified/cgroup.controllers
  fi
  exec crun run -b "$2" "berth-probe-$3"' sh "$hide" "$bundle" "$$"
