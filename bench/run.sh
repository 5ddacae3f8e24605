#!/usr/bin/env bash
# bench/run.sh — the engine's benchmarks. Not a test: prints figures.
#   events/s on one core for the benchmark model (sc 96x96x40, 1nn hops, ~1e7 events)
#   bytes per site, peak, for a flat film of 50 million sites
# usage: bash bench/run.sh [BUILD_DIR]      (default: build, configured Release)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build-bench}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target bench_engine bench_window bench_perc >/dev/null
echo "== events per second, one core (1e7 events) =="
"$build/bin/bench_engine" 1e7
echo
echo
echo "== the whole program on the same model: one tile; tiled on 1 and 2 ranks =="
cmake --build "$build" -j2 --target kmc >/dev/null
cd "$here"
for run in "1 none" "1 12_12" "2 12_12" "1 4_4" "2 4_4"; do
  np=${run%% *}; tiles=${run#* }; tiles=${tiles/_/ }
  echo "-- np $np, tiles $tiles"
  mpirun -np "$np" "$build/bin/kmc" bench/bench_model.deck -var tiles "$tiles" \
    -var events "${KMC_BENCH_EVENTS:-3000000}" | grep -E "wall time|time split|events per tile|tile-edge|checksum"
done
echo "== bytes per site, flat film: sc 1000 x 1000 x 50 = 5e7 sites, 25-cell collector =="
"$build/bin/bench_engine" 1e5 1000 1000 50 25
echo
echo "== convergence in the phase window: random vs Strang colour order =="
"$build/bin/bench_window" "${KMC_BENCH_SEEDS:-64}"
echo
echo "== dead-lithium pass: 256^3 sc sites filled at p = 0.5, 1 and 2 ranks =="
for np in 1 2; do mpirun -np "$np" "$build/bin/bench_perc" 256 5 0.5; done
echo
echo "== checkpoint write and restart read, 5e7 sites (bench/ckpt_big.deck), 1 and 2 ranks =="
tmp=$(mktemp -d)
for np in 1 2; do
  mpirun -np "$np" "$build/bin/kmc" bench/ckpt_big.deck -var prefix "$tmp/w$np" | grep -E "^checkpoint" | tail -1
  mpirun -np "$np" "$build/bin/kmc" -restart "$(cat "$tmp/w$np.ckpt.latest")" bench/ckpt_big.deck \
    -var prefix "$tmp/r$np" | grep -E "^restarted"
done
rm -rf "$tmp"
