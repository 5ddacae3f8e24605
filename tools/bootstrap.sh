#!/usr/bin/env bash
# Set up a fresh Debian 12 machine (as root) for kmc, build it, then either run the
# quick-start deck on 2 MPI ranks (`run`) or the whole test suite (`test`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkgs=(build-essential cmake pkg-config openssh-client libopenmpi-dev openmpi-bin
      libhdf5-openmpi-dev hdf5-tools libcmocka-dev python3 python3-h5py python3-numpy)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
