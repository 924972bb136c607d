#!/usr/bin/env bash
# Installs abcsmc's build and test dependencies from Debian's apt (Debian 12). Idempotent:
# does nothing when every package is already installed. Run as root.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libopenmpi-dev openmpi-bin libeigen3-dev libhdf5-dev hdf5-tools libcli11-dev libspdlog-dev
  catch2 libyaml-cpp-dev libhiredis-dev redis-server librandom123-dev
  iproute2  # network namespaces of the multi-host tests (tests/multihost)
  libssl-dev  # libcrypto: HMAC-SHA256 of authenticated Redis runs (--key-file)
  clang-format  # the house style (.clang-format), checked by ctest layout: clang-format
  python3-h5py
  # The Python package (python/abcsmc), its tests and the report test's browser; R's HDF5 reader
  # for the documented R snippet (examples/analysis/read_results.R).
  python3-numpy python3-pandas python3-matplotlib python3-scipy python3-pytest python3-pip
  python3-setuptools python3-venv chromium r-cran-hdf5r
  # Schedulers for the template tests (tests/sched): a single-node Slurm and an SGE cell.
  slurm-wlm munge gridengine-master gridengine-exec gridengine-client
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
# gridengine asks debconf for its cell and master host: answer it (TOOLCHAIN.md section 6).
debconf-set-selections <<PRESEED
gridengine-common shared/gridengineconfig boolean true
gridengine-common shared/gridenginecell string default
gridengine-common shared/gridenginemaster string $(hostname -f)
PRESEED
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
