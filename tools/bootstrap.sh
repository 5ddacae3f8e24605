#!/usr/bin/env bash
# tools/bootstrap.sh — set up a Debian 12 machine for kmc, build it, then run the
# quick-start deck (`run`) or the whole test suite (`test`).
#
#   bash tools/bootstrap.sh run    install what is missing, build, run inputs/quickstart.deck
#   bash tools/bootstrap.sh test   install what is missing, build twice (Release, and
#                                  AddressSanitizer + UBSan), run every test in both;
#                                  then, with clang, fuzz the readers (ctest -L fuzz)
#
# Packages: as root it runs apt-get itself; as another user it uses sudo if there is
# one, and otherwise prints the apt-get command to run (or to ask for) and stops.
# Nothing else needs root. Each step prints what it does and how long it took.
# Environment: KMC_JOBS (build and test jobs, default: cores), KMC_SKIP_ASAN=1 (test:
# no sanitizer build), KMC_SKIP_FUZZ=1 (test: no fuzz build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-}"
case "$mode" in
  run|test) ;;
  *) echo "usage: bash tools/bootstrap.sh run|test" >&2; exit 64 ;;
esac

t0=$SECONDS
say() { printf 'bootstrap [%4ds] %s\n' $((SECONDS - t0)) "$*"; }
# step MESSAGE COMMAND...: say what runs, run it, say how long it took
step() {
  local msg="$1" t=$SECONDS; shift
  say "$msg ..."
  "$@"
  say "$msg: done in $((SECONDS - t)) s"
}

# Debian packages: compiler and build tools, Open MPI, parallel HDF5, cmocka.
# openssh-client: Open MPI's launcher looks for an rsh agent even on one node.
pkgs=(build-essential cmake pkg-config openssh-client libopenmpi-dev openmpi-bin
      libhdf5-openmpi-dev hdf5-tools libcmocka-dev python3 python3-h5py python3-numpy
      python3-matplotlib)   # matplotlib: tools/kmc-plot (docs/tools.md)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
    say "not root: installing the packages with sudo (it may ask for your password)"
  else
    echo "bootstrap: these Debian packages are missing: ${missing[*]}" >&2
    echo "bootstrap: ask an administrator to run, as root:" >&2
    echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
    echo "bootstrap: then run this script again; nothing else needs root." >&2
    exit 69
  fi
  install_pkgs() {
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  }
  step "installing ${#missing[@]} Debian packages (${missing[*]}; a few minutes on a fresh system)" install_pkgs
else
  say "all ${#pkgs[@]} Debian packages are installed"
fi

# Open MPI refuses to run as root without these (harmless for other users);
# oversubscribe: more ranks than cores. They hold inside this script only: as root,
# export the first two in your shell too before you call mpirun yourself.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
jobs="${KMC_JOBS:-$(nproc)}"

configure() { cmake -S "$here" -B "$@" >/dev/null; }        # configure DIR [options]
compile() { cmake --build "$1" -j "$jobs" >/dev/null; }     # errors still reach stderr
build() { # build DIR [cmake options...]
  local dir="$1"; shift
  step "configuring ${dir#"$here"/} ($*)" configure "$dir" "$@"
  step "building ${dir#"$here"/} with $jobs jobs (1-2 min on 2 cores)" compile "$dir"
}

if [ "$mode" = run ]; then
  build "$here/build" -DCMAKE_BUILD_TYPE=Release
  cd "$here"
  # Two ranks: the tiled engine gives the same lattice (checksum) on any rank count.
  say "running: mpirun -np 2 build/bin/kmc inputs/quickstart.deck (300 000 events, about half a minute)"
  exec mpirun -np 2 build/bin/kmc inputs/quickstart.deck
fi

suite() { # suite DIR TIMEOUT [CTEST ARGS...]
  (cd "$1" && ctest -j "$jobs" --output-on-failure --timeout "$2" "${@:3}")
}
say "test: two builds and two suites; on 2 cores the Release tests take about 6 min,"
say "      the AddressSanitizer + UBSan tests several times as long"
build "$here/build" -DCMAKE_BUILD_TYPE=Release
step "running every test in build/ (about 6 min on 2 cores)" suite "$here/build" 600
if [ "${KMC_SKIP_ASAN:-0}" != 1 ]; then
  say "the same tests under AddressSanitizer + UBSan (KMC_SKIP_ASAN=1 skips them)"
  build "$here/build-asan" -DCMAKE_BUILD_TYPE=Debug -DKMC_SANITIZE=ON
    # the golden-checksum table (pure trajectories, 25 whole runs) runs in the Release
  # suite only: under the sanitizers it alone would take over 15 min
  step "running every test but the golden table in build-asan/ (several times the Release suite)" suite "$here/build-asan" 900 -LE golden
fi

# Fuzzing: libFuzzer comes with clang (Debian: clang, and libclang-rt-dev for the
# runtime, only a recommendation of clang). Optional: without them the step is skipped
# with a message, never failed.
fuzz_links() { # does clang link a libFuzzer harness with ASan + UBSan?
  local d rc; d=$(mktemp -d)
  printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' > "$d/t.c"
  clang -fsanitize=fuzzer,address,undefined "$d/t.c" -o "$d/t" >/dev/null 2>&1; rc=$?
  rm -rf "$d"; return $rc
}
if [ "${KMC_SKIP_FUZZ:-0}" = 1 ]; then
  say "KMC_SKIP_FUZZ=1: no fuzz build"
else
  fuzz_pkgs=(clang libclang-rt-dev) fmissing=()
  for p in "${fuzz_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || fmissing+=("$p")
  done
  if [ ${#fmissing[@]} -gt 0 ]; then
    fsudo=(); [ "$(id -u)" = 0 ] || fsudo=(sudo)
    if [ "$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1; then
      install_fuzz() {
        "${fsudo[@]}" apt-get update -qq &&
        "${fsudo[@]}" env DEBIAN_FRONTEND=noninteractive \
          apt-get install -y -qq --no-install-recommends "${fmissing[@]}" >/dev/null
      }
      step "installing ${fmissing[*]} for the fuzz targets" install_fuzz \
        || say "could not install ${fmissing[*]}"
    fi
  fi
  if command -v clang >/dev/null 2>&1 && fuzz_links; then
    say "fuzzing the deck, .pot and checkpoint readers (libFuzzer, ASan + UBSan, 45 s each)"
    CC=clang build "$here/build-fuzz" -DCMAKE_BUILD_TYPE=Debug -DKMC_FUZZ=ON
    step "running the fuzz tests in build-fuzz/ (about 1.5 min)" suite "$here/build-fuzz" 300 -L fuzz
  else
    say "skipping the fuzz tests: clang with libFuzzer is not available (Debian: apt-get install clang libclang-rt-dev)"
  fi
fi
say "all tests passed"
