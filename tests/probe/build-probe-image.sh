#!/usr/bin/env bash
# build-probe-image.sh PROBE OUT_DIR: from the busybox test image
# (OUT_DIR/busybox-oci.tar), with one more layer each:
#   probe-oci.tar    localhost/probe:1, PROBE at /bin/berth-probe
#   symlinks-oci.tar localhost/symlinks:1, the probe plus the files berth
#                    mounts over (/etc/hosts, /etc/hostname,
#                    /etc/resolv.conf) planted as symlinks that point out
#                    of the root, to /tmp/berth-escaped-*
# Idempotent: nothing to do when the archives are newer than the probe
# and this script.
set -euo pipefail
probe=${1:?usage: build-probe-image.sh PROBE OUT_DIR}
out=${2:?usage: build-probe-image.sh PROBE OUT_DIR}
tar_out=$out/probe-oci.tar
evil_out=$out/symlinks-oci.tar
if [ -f "$evil_out" ] && [ "$evil_out" -nt "$probe" ] && [ "$evil_out" -nt "$0" ]; then
  exit 0
fi
work=$(mktemp -d /tmp/berth-probe-image-XXXXXX)
trap 'rm -rf "$work"' EXIT
skopeo copy -q "oci-archive:$out/busybox-oci.tar:busybox:1" "oci:$work/layout:1"
umoci unpack --image "$work/layout:1" "$work/b"
install -m 0755 "$probe" "$work/b/rootfs/bin/berth-probe"
umoci repack --image "$work/layout:1" "$work/b"
umoci config --image "$work/layout:1" --config.cmd /bin/berth-probe
skopeo copy -q "oci:$work/layout:1" "oci-archive:$tar_out.tmp:localhost/probe:1"

r=$work/b/rootfs
rm -f "$r/etc/hosts" "$r/etc/hostname" "$r/etc/resolv.conf"
ln -s ../../../../../../../../tmp/berth-escaped-hosts "$r/etc/hosts"
ln -s /tmp/../../../tmp/berth-escaped-hostname "$r/etc/hostname"
ln -s /proc/self/root/tmp/berth-escaped-resolv "$r/etc/resolv.conf"
umoci repack --image "$work/layout:1" "$work/b"
skopeo copy -q "oci:$work/layout:1" "oci-archive:$evil_out.tmp:localhost/symlinks:1"
mv "$tar_out.tmp" "$tar_out"
mv "$evil_out.tmp" "$evil_out"
