#!/usr/bin/env bash
# run-guest.sh: run one command inside a small qemu guest whose cgroups are
# pure v2, and exit with that command's status.
#
#   run-guest.sh [--timeout SECONDS] [--env NAME=VALUE]... [--cwd DIR] -- CMD [ARG]...
#
# The guest boots Debian's cloud kernel (downloaded once with apt-get
# download and unpacked with dpkg -x into $BERTH_VM_CACHE, default
# /var/cache/berth-vm; never installed into the host's /boot) under
# software emulation (/dev/kvm here cannot run a stock kernel), with
# cgroup_no_v1=all.  A busybox-static initramfs loads the virtio-fs
# modules in dependency order, mounts the host's root (exported read-only
# by virtiofsd from a private mount namespace) under a tmpfs overlay, mounts
# cgroup2 at /sys/fs/cgroup, enables +cpu +memory +pids +io, runs CMD with
# BERTH_EXPECT_LAYOUT=v2 in the same directory (and a 16 MiB scratch disk,
# /dev/vda, named in BERTH_TEST_BLOCKDEV for io figures), prints
# "BERTH-VM-STATUS=<n>" and powers off.  Everything is bounded by the
# timeout (default 800 s).  Exit 77 with "SKIP: ..." only when qemu cannot
# run here at all (not root, no qemu, no kernel package to be had).
set -uo pipefail

CACHE=${BERTH_VM_CACHE:-/var/cache/berth-vm}
TIMEOUT=${BERTH_VM_TIMEOUT:-800}
QEMU=qemu-system-x86_64
VIRTIOFSD=/usr/lib/qemu/virtiofsd
BIOS=/usr/share/qemu/qboot.rom
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk fuse virtiofs overlay)
ENVS=(BERTH_EXPECT_LAYOUT=v2 BERTH_TEST_BLOCKDEV=/dev/vda)
CWD=$PWD

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "run-guest: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --timeout) TIMEOUT=$2; shift 2 ;;
    --env) ENVS+=("$2"); shift 2 ;;
    --cwd) CWD=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || fail "usage: run-guest.sh [--timeout S] [--env K=V]... [--cwd DIR] -- CMD [ARG]..."
[ "$(id -u)" = 0 ] || skip "the cgroup v2 guest needs root (virtiofsd)"

ensure_qemu() {
  if ! command -v $QEMU >/dev/null || [ ! -x $VIRTIOFSD ] || [ ! -f $BIOS ]; then
    echo "run-guest: installing qemu-system-x86"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 >/dev/null 2>&1; }
  fi
  command -v $QEMU >/dev/null || skip "qemu-system-x86_64 is not installed and cannot be"
  [ -x $VIRTIOFSD ] || skip "no $VIRTIOFSD (qemu 7.2's virtiofsd)"
  [ -f $BIOS ] || skip "no $BIOS"
  command -v busybox >/dev/null && busybox --list | grep -qx cpio ||
    skip "busybox (static, with cpio) is needed for the initramfs"
}

# Name of the newest Debian cloud kernel package (linux-image-6.1.0-N-cloud-amd64).
kernel_pkg() {
  local p
  p=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$p" ] || p=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' 2>/dev/null |
    awk '{print $1}' | sort -V | tail -n1)
  echo "$p"
}

# Unpack the kernel once into $CACHE/<pkg>; sets KDIR.
ensure_kernel() {
  mkdir -p "$CACHE" || skip "cannot create $CACHE"
  exec 9>"$CACHE/.lock"
  flock -w 600 9 || fail "cache $CACHE is locked"
  KDIR=$(ls -d "$CACHE"/linux-image-*-cloud-amd64 2>/dev/null | sort -V | tail -n1)
  if [ -z "$KDIR" ] || [ ! -f "$KDIR/.complete" ]; then
    local pkg dl
    pkg=$(kernel_pkg)
    if [ -z "$pkg" ]; then apt-get update -qq >/dev/null 2>&1; pkg=$(kernel_pkg); fi
    [ -n "$pkg" ] || skip "no linux-image-*-cloud-amd64 package known to apt"
    dl=$(mktemp -d "$CACHE/dl.XXXXXX")
    chmod 755 "$dl"
    (cd "$dl" && apt-get download -qq "$pkg" >/dev/null 2>&1) || { rm -rf "$dl"; skip "cannot download $pkg"; }
    KDIR=$CACHE/$pkg
    rm -rf "$KDIR"
    dpkg -x "$dl"/*.deb "$KDIR" || { rm -rf "$dl"; fail "cannot unpack $pkg"; }
    rm -rf "$dl"
    touch "$KDIR/.complete"
  fi
  exec 9>&-
  VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* | head -n1)
  MODDIR=$(ls -d "$KDIR"/lib/modules/* | head -n1)
  [ -f "$VMLINUZ" ] && [ -d "$MODDIR" ] || fail "incomplete kernel in $KDIR"
}

mod_file() { find "$MODDIR" -name "$1.ko" -o -name "$1.ko.xz" | head -n1; }
mod_depends() {
  if command -v modinfo >/dev/null; then modinfo -F depends "$1"
  else tr '\0' '\n' <"$1" | sed -n 's/^depends=//p'; fi
}

# Copy MODULES and what they depend on into $1, writing load order to $1/order.
collect_modules() {
  local out=$1 seen=" " m
  add() {
    local name=${1//-/_} f d
    case $seen in *" $name "*) return ;; esac
    f=$(mod_file "$name")
    [ -n "$f" ] || { grep -q "/$name.ko" "$MODDIR/modules.builtin" && return; fail "module $name not found"; }
    for d in $(mod_depends "$f" | tr ',' ' '); do add "$d"; done
    seen+="$name "
    case $f in *.xz) xz -dc "$f" >"$out/$name.ko" ;; *) cp "$f" "$out/$name.ko" ;; esac
    echo "$name" >>"$out/order"
  }
  for m in "${MODULES[@]}"; do add "$m"; done
}

write_init() {
  cat >"$1" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko || echo "berth-vm: insmod $m failed"; done
mkdir -p /host /rw /newroot
die() { echo "berth-vm: $*"; echo "BERTH-VM-STATUS=125"; poweroff -f; }
mount -t virtiofs -o ro hostroot /host || die "mount virtiofs"
mount -t tmpfs -o mode=755 tmpfs /rw && mkdir -p /rw/upper /rw/work
if ! mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot; then
  echo "berth-vm: no overlay; read-only root with tmpfs on /tmp /run /var/lib"
  mount --bind /host /newroot
  mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
fi
# /tmp stays visible (the build tree may live there); writes land in the overlay.
for d in run var/lib; do mount -t tmpfs -o mode=1777 tmpfs /newroot/$d; done
mount -t proc proc /newroot/proc; mount -t sysfs sys /newroot/sys; mount -t devtmpfs dev /newroot/dev
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup || die "mount cgroup2"
echo "+cpu +memory +pids +io" >/newroot/sys/fs/cgroup/cgroup.subtree_control || die "enable controllers"
cp /cmd.sh /newroot/run/berth-vm-cmd.sh
echo "berth-vm: running on $(uname -r), cgroup2 controllers: $(cat /newroot/sys/fs/cgroup/cgroup.subtree_control)"
chroot /newroot /bin/sh /run/berth-vm-cmd.sh </dev/null
echo "BERTH-VM-STATUS=$?"
poweroff -f
EOF
  chmod 755 "$1"
}

write_cmd() {
  local out=$1
  shift
  {
    echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root"
    for e in "${ENVS[@]}"; do printf 'export %q\n' "$e"; done
    printf 'cd %q || exit 124\n' "$CWD"
    printf 'exec'; printf ' %q' "$@"; echo
  } >"$out"
}

build_initramfs() {
  local root=$WORK/initramfs
  mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
  cp "$(command -v busybox)" "$root/bin/busybox"
  collect_modules "$root/lib/modules"
  write_init "$root/init"
  write_cmd "$root/cmd.sh" "$@"
  (cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) >"$WORK/initrd" || fail "cpio"
}

# virtiofsd in its own mount namespace, exporting a read-only bind of the
# host's root file system (and of the one holding CWD, if another).
start_virtiofsd() {
  local export=$WORK/export
  mkdir -p "$export"
  local extra=""
  local cwdmnt
  cwdmnt=$(findmnt -n -o TARGET -T "$CWD" 2>/dev/null || echo /)
  [ "$cwdmnt" = / ] || extra="mount --bind '$cwdmnt' '$export$cwdmnt' && mount -o remount,bind,ro '$export$cwdmnt' &&"
  unshare -m --propagation private -- bash -c "
    mount --bind / '$export' && mount -o remount,bind,ro '$export' && $extra
    exec $VIRTIOFSD --socket-path='$WORK/vfs.sock' -o source='$export' -o cache=always \
      -o log_level=err" 2>"$WORK/virtiofsd.log" &
  VFS_PID=$!
  for _ in $(seq 100); do [ -S "$WORK/vfs.sock" ] && return 0; sleep 0.05; done
  cat "$WORK/virtiofsd.log" >&2
  fail "virtiofsd did not start"
}

cleanup() {
  [ -n "${QEMU_PID:-}" ] && kill "$QEMU_PID" 2>/dev/null
  [ -n "${VFS_PID:-}" ] && kill "$VFS_PID" 2>/dev/null && wait "$VFS_PID" 2>/dev/null
  rm -rf "$WORK"
}

ensure_qemu
ensure_kernel
WORK=$(mktemp -d /tmp/berth-vm.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM
build_initramfs "$@"
truncate -s 16M "$WORK/scratch.img" || fail "scratch disk"
start_virtiofsd

start=${EPOCHREALTIME/./}
status=""
exec 8< <(exec timeout --kill-after=10 "$TIMEOUT" $QEMU -accel tcg,thread=multi -cpu max -m 1G -smp 2 \
  -nographic -no-reboot -nic none -bios $BIOS \
  -object memory-backend-memfd,id=mem,size=1G,share=on -numa node,memdev=mem \
  -drive file="$WORK/scratch.img",format=raw,if=virtio,cache=unsafe \
  -chardev socket,id=vfs,path="$WORK/vfs.sock" -device vhost-user-fs-pci,chardev=vfs,tag=hostroot \
  -kernel "$VMLINUZ" -initrd "$WORK/initrd" \
  -append "console=ttyS0 cgroup_no_v1=all quiet loglevel=3 panic=-1 rdinit=/init" </dev/null 2>&1)
QEMU_PID=$!
while IFS= read -r line <&8; do
  line=${line%$'\r'}
  case $line in
    "berth-vm: running"*)
      now=${EPOCHREALTIME/./}
      printf '%s\nberth-vm: guest up %d.%03d s after launch\n' "$line" \
        $(((now - start) / 1000000)) $((((now - start) / 1000) % 1000)) ;;
    BERTH-VM-STATUS=*) status=${line#BERTH-VM-STATUS=}; echo "$line" ;;
    *) printf '%s\n' "$line" ;;
  esac
done
exec 8<&-
wait "$QEMU_PID" 2>/dev/null
qemu_rc=$?
QEMU_PID=""
end=${EPOCHREALTIME/./}
echo "berth-vm: done in $(((end - start) / 1000000)) s (qemu exit $qemu_rc)"
if [ -z "$status" ]; then
  [ "$qemu_rc" = 124 ] && fail "guest timed out after $TIMEOUT s"
  fail "guest ended without a status line"
fi
exit "$status"
