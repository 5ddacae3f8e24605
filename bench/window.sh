#!/usr/bin/env bash
# bench/window.sh — the figures of docs/performance.md: the splitting error of the
# tiled engine against its phase window, and throughput at the accuracy target.
# Not a test: prints figures (wall times depend on the machine and its load).
#
#   bash bench/window.sh deficit  [BUILD]   deficit in events per simulated time vs
#                                           window on the benchmark model (exact and
#                                           tiled, KMC_BENCH_SEEDS seeds each, default 3)
#   bash bench/window.sh speed    [BUILD]   events/s and simulated time per wall second
#                                           at `window accuracy 0.02`, 1 and 2 ranks
#   bash bench/window.sh instr    [BUILD]   instructions per event (valgrind cachegrind),
#                                           exact and tiled at the accuracy window, 1 rank
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
what="${1:-speed}"
build="${2:-$here/build}"
kmc="$build/bin/kmc"
deck="$here/bench/bench_model.deck"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the benchmark deck run for a simulated time T instead of an event count
sed "s#^run events.*#run time \${T} s#; s#\.\./potentials#$here/potentials#" "$deck" > "$tmp/bench_t.deck"
field() { sed -n "s/^  $1 *\([0-9.e+-]*\).*/\1/p"; }

case "$what" in
deficit)
  seeds=${KMC_BENCH_SEEDS:-3}; T=${KMC_BENCH_T:-1e-7}
  printf '%-22s %14s %10s %10s %10s\n' window "events/T (1/s)" deficit "+-se" model
  for w in none 0.0625 0.25 1 4 20 100; do
    n=0; list=""
    for s in $(seq 1 "$seeds"); do
      if [ "$w" = none ]; then args=(-var tiles none); else args=(-var tiles "12 12" -var window "$w"); fi
      out=$(mpirun -np 1 "$kmc" "$tmp/bench_t.deck" "${args[@]}" -var T "$T" -seed "$s" 2>&1)
      ev=$(printf '%s\n' "$out" | field events)
      est=$(printf '%s\n' "$out" | sed -n 's/^  splitting error *~\([0-9.e+-]*\) %.*/\1/p')
      list="$list $ev"; n=$((n + 1))
    done
    read -r mean se <<< "$(echo "$list" | awk -v T="$T" '{s=0; q=0; for(i=1;i<=NF;i++){s+=$i; q+=$i*$i}
      m=s/NF; v=(NF>1)?(q-NF*m*m)/(NF-1):0; if(v<0)v=0; printf "%.6g %.6g\n", m/T, sqrt(v/NF)/T}')"
    if [ "$w" = none ]; then ref=$mean; refse=$se; echo "exact                  $mean +- $se"; continue; fi
    awk -v w="$w" -v m="$mean" -v se="$se" -v r="$ref" -v rse="$refse" -v est="$est" 'BEGIN{
      d=1-m/r; e=sqrt((se/r)^2+(m*rse/r/r)^2); printf "auto %-17s %14.5g %9.1f%% %9.1f%% %9s%%\n", w, m, 100*d, 100*e, est}'
  done ;;
speed)
  for np in 1 2; do
    for run in "exact:none" "tiled:12 12"; do
      name=${run%%:*}; tiles=${run#*:}
      [ "$name" = exact ] && [ "$np" = 2 ] && continue
      out=$(mpirun -np "$np" "$kmc" "$deck" -var tiles "$tiles" -var wmode accuracy -var window 0.02 \
            -var events "${KMC_BENCH_EVENTS:-1000000}" 2>&1)
      ev=$(printf '%s\n' "$out" | field events); t=$(printf '%s\n' "$out" | field "simulated time")
      wall=$(printf '%s\n' "$out" | field "wall time")
      echo "== np $np $name: $ev events, $t s simulated, $wall s wall"
      awk -v e="$ev" -v t="$t" -v w="$wall" -v p="$np" 'BEGIN{printf "   %.4g events/s per core, %.4g s simulated per wall second\n", e/w/p, t/w}'
      printf '%s\n' "$out" | grep -E "time split|events per tile|splitting error|ghost messages" | sed 's/^/  /'
    done
  done ;;
instr)
  for run in "exact:none" "tiled:12 12"; do
    name=${run%%:*}; tiles=${run#*:}
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$tmp/cg.$name" \
      "$kmc" "$deck" -var tiles "$tiles" -var wmode accuracy -var window 0.02 \
      -var events "${KMC_BENCH_EVENTS:-300000}" > "$tmp/out.$name" 2> "$tmp/err.$name"
    ev=$(field events < "$tmp/out.$name")
    ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.$name")
    awk -v n="$name" -v e="$ev" -v i="$ir" 'BEGIN{printf "%-6s %d events, %.4g instructions, %.0f per event\n", n, e, i, i/e}'
  done ;;
*) echo "usage: bash bench/window.sh deficit|speed|instr [BUILD_DIR]" >&2; exit 64 ;;
esac
