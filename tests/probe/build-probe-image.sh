#!/usr/bin/env bash
# build-probe-image.sh PROBE OUT_DIR: OUT_DIR/probe-oci.tar, the busybox
# test image (OUT_DIR/busybox-oci.tar) with one more layer holding PROBE
# at /bin/berth-probe, tagged localhost/probe:1.  Idempotent: nothing to
# do when the archive is newer than the probe and this script.
set -euo pipefail
probe=${1:?usage: build-probe-image.sh PROBE OUT_DIR}
out=${2:?usage: build-probe-image.sh PROBE OUT_DIR}
tar_out=$out/probe-oci.tar
if [ -f "$tar_out" ] && [ "$tar_out" -nt "$probe" ] && [ "$tar_out" -nt "$0" ]; then
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
mv "$tar_out.tmp" "$tar_out"
