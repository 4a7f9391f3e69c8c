#!/usr/bin/env bash
# install-deps.sh: install (idempotently) every Debian package berth needs
# to build, run and test.  Runs apt-get only when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev libcjson-dev libcgroup-dev
  libmicrohttpd-dev libcurl4-openssl-dev libarchive-dev libssl-dev libsqlite3-dev
  libcmocka-dev libnftables-dev zlib1g-dev
  busybox-static awscli python3-boto3 skopeo umoci crun docker-registry apache2-utils
  jq curl iproute2 nftables e2fsprogs util-linux
)
if [ "${BERTH_WITH_VM:-1}" = 1 ]; then
  PKGS+=(qemu-system-x86 qemu-utils)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# docker-registry's package starts a system service on port 5000; the tests
# run their own registries on free loopback ports instead.
if systemctl is-enabled docker-registry >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
