#!/usr/bin/env bash
# tools/bootstrap.sh — set up a fresh Debian 12 machine (as root) for kmc, build it,
# then run the quick-start deck (`run`) or the whole test suite (`test`).
#
#   bash tools/bootstrap.sh run    install what is missing, build, run inputs/quickstart.deck
#   bash tools/bootstrap.sh test   install what is missing, build twice (Release, and
#                                  AddressSanitizer + UBSan), run every test in both
# Environment: KMC_JOBS (build jobs, default: cores), KMC_SKIP_ASAN=1 (test: one build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-}"
case "$mode" in
  run|test) ;;
  *) echo "usage: bash tools/bootstrap.sh run|test" >&2; exit 64 ;;
esac

# Debian packages: compiler and build tools, Open MPI, parallel HDF5, cmocka.
# openssh-client: Open MPI's launcher looks for an rsh agent even on one node.
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
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Open MPI refuses root without these; --oversubscribe for more ranks than cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
jobs="${KMC_JOBS:-$(nproc)}"

build() { # build DIR [cmake options...]
  local dir="$1"; shift
  cmake -S "$here" -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

if [ "$mode" = run ]; then
  build "$here/build" -DCMAKE_BUILD_TYPE=Release
  # Two ranks: the tiled engine gives the same lattice (checksum) on any rank count.
  cd "$here"
  exec mpirun -np 2 build/bin/kmc inputs/quickstart.deck
fi

build "$here/build" -DCMAKE_BUILD_TYPE=Release
(cd "$here/build" && ctest -j "$jobs" --output-on-failure --timeout 600)
if [ "${KMC_SKIP_ASAN:-0}" != 1 ]; then
  echo "bootstrap: the same tests under AddressSanitizer + UBSan"
  build "$here/build-asan" -DCMAKE_BUILD_TYPE=Debug -DKMC_SANITIZE=ON
  (cd "$here/build-asan" && ctest -j "$jobs" --output-on-failure --timeout 900)
fi
