#!/usr/bin/env bash
# build-test-images.sh OUT_DIR: the images the tests run, built locally
# from Debian's busybox-static with umoci and skopeo (no registry, no
# network):
#   busybox-oci.tar     oci-archive, busybox:1 (Cmd: echo hello from busybox)
#   busybox-docker.tar  docker-archive of the same, busybox:1
#   layered-oci.tar     localhost/layered:1, a second layer with a whiteout
#                       and an opaque directory
# Idempotent: does nothing when the outputs are newer than this script.
set -euo pipefail
out=${1:?usage: build-test-images.sh OUT_DIR}
mkdir -p "$out"
if [ -f "$out/layered-oci.tar" ] && [ "$out/layered-oci.tar" -nt "$0" ]; then
  exit 0
fi
work=$(mktemp -d /tmp/berth-images-XXXXXX)
trap 'rm -rf "$work"' EXIT

applets="sh ash echo cat sleep ls id env pwd httpd wc head tail dd true false yes md5sum
  sha256sum grep ps mkdir rm touch hostname uname date seq nc wget mount umount printf
  test [ kill stat readlink cut tr sort uniq du df ip ping nslookup chmod chown ln cp mv
  find xargs awk sed basename dirname timeout od hexdump"
rootfs() { # DIR
  mkdir -p "$1/bin" "$1/etc" "$1/tmp" "$1/root" "$1/home/app" "$1/var"
  chmod 1777 "$1/tmp"
  cp /bin/busybox "$1/bin/busybox"
  for a in $applets; do ln -sf busybox "$1/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$1/etc/passwd"
  printf 'root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n' >"$1/etc/group"
}

layout=$work/layout
umoci init --layout "$layout"
umoci new --image "$layout:1"
umoci unpack --image "$layout:1" "$work/b"
rootfs "$work/b/rootfs"
umoci repack --image "$layout:1" "$work/b"
umoci config --image "$layout:1" --config.cmd sh --config.cmd -c \
  --config.cmd 'echo hello from busybox' \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.workingdir / --os linux --architecture amd64
skopeo copy -q "oci:$layout:1" "oci-archive:$out/busybox-oci.tar:busybox:1"
skopeo copy -q "oci:$layout:1" "docker-archive:$out/busybox-docker.tar:busybox:1"

# Layered: layer 2 deletes /etc/motd and replaces /data (opaque).
umoci unpack --image "$layout:1" "$work/l"
echo "old motd" >"$work/l/rootfs/etc/motd"
mkdir -p "$work/l/rootfs/data" && echo old >"$work/l/rootfs/data/old.txt"
umoci repack --image "$layout:1" --refresh-bundle "$work/l"
rm "$work/l/rootfs/etc/motd"
rm -rf "$work/l/rootfs/data" && mkdir "$work/l/rootfs/data" && echo new >"$work/l/rootfs/data/new.txt"
umoci repack --image "$layout:1" "$work/l"
skopeo copy -q "oci:$layout:1" "oci-archive:$out/layered-oci.tar:localhost/layered:1"
