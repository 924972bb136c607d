#!/usr/bin/env bash
# Installs abcsmc's build and test dependencies from Debian's apt (Debian 12). Idempotent:
# does nothing when every package is already installed. Run as root.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libopenmpi-dev openmpi-bin libeigen3-dev libhdf5-dev hdf5-tools libcli11-dev libspdlog-dev
  catch2 libyaml-cpp-dev libhiredis-dev redis-server librandom123-dev
  python3-h5py
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
