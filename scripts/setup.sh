#!/usr/bin/env bash
# Installs the Debian 12 packages that the build, the tests and the demo need.
# Idempotent: when everything is present it only runs dpkg-query and returns.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config ninja-build
  libosmocore-dev libosmo-sigtran-dev libosmo-netif-dev osmo-stp
  libboost-dev libboost-system-dev
  libssl-dev libsqlite3-dev sqlite3 libpcap-dev libyaml-cpp-dev nlohmann-json3-dev
  doctest-dev
  tshark
  clang libclang-rt-14-dev
  strongswan-swanctl strongswan-charon libcharon-extra-plugins
  iproute2 curl
  python3
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# osmo-stp starts a system service on install; the project runs its own.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now osmo-stp >/dev/null 2>&1 || true
fi
