#!/usr/bin/env bash
# tests/validation/window_accuracy.sh — the splitting error of the tiled engine at the
# window `window accuracy E` chooses, measured against exact BKL with the same deck
# (kmc/split.h, docs/performance.md).
#
#   window_accuracy.sh KMC DECK BOX TILES T SEEDS TARGET CHECK_WINDOWS
#
# The deck runs on a BOX x BOX column (its own height) for a simulated time T s,
# SEEDS seeds (1..SEEDS) each: exact (`tiles none`), tiled (`tiles TILES`) at
# `window accuracy TARGET`, and tiled at each `window auto F` of CHECK_WINDOWS (a
# space-separated list; windows large enough that the deficit stands out of the
# scatter). The deficit is d = 1 - (mean events of the tiled runs)/(mean events of the
# exact runs), with its standard error se from the scatter of both samples. Passes if
#   - at the accuracy window the printed estimate is the target and d <= TARGET + 2 se
#     (one-sided, ~98 % for a normal mean);
#   - at each check window the printed estimate e and the measured deficit agree within
#     a factor 2: e/2 <= d + 2 se and d - 2 se <= 2 e.
set -u
kmc="$1"; deck="$2"; box="$3"; tiles="$4"; T="$5"; seeds="$6"; target="$7"; checks="$8"
mpiexec="${MPIEXEC:-mpiexec}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the same deck, with its box, tiles, window and run length set here; the potential
# resolved against the deck's folder as the deck itself does
ddir="$(cd "$(dirname "$here/$deck")" && pwd)"
sed -e "s#^box \([^ ]*\) \([^ ]*\) \([^ ]*\)#box $box $box \3#" \
    -e "s#^tiles .*#tiles \${kt_tiles}#" -e "s#^window .*#window \${kt_wmode} \${kt_w}#" \
    -e "s#^run .*#run time $T s#" -e "s#^potential \([^/][^ ]*\)#potential $ddir/\1#" \
    "$here/$deck" > "$tmp/deck"
grep -q '^window ' "$tmp/deck" || sed -i 's#^\(tiles .*\)#\1\nwindow ${kt_wmode} ${kt_w}#' "$tmp/deck"

# run TILES WMODE W -> "events estimate" per seed on stdout
run() {
  for s in $(seq 1 "$seeds"); do
    out=$("$mpiexec" -n 1 "$kmc" "$tmp/deck" -var kt_tiles "$1" -var kt_wmode "$2" -var kt_w "$3" \
          -seed "$s" 2>&1 </dev/null)
    ev=$(printf '%s\n' "$out" | sed -n 's/^  events *\([0-9]*\) .*/\1/p')
    est=$(printf '%s\n' "$out" | sed -n 's/^  splitting error *~\([0-9.e+-]*\) %.*/\1/p')
    if [ -z "$ev" ]; then
      echo "FAIL: no event count (tiles $1, window $2 $3, seed $s)" >&2
      printf '%s\n' "$out" | tail -5 >&2
      exit 1
    fi
    echo "$ev ${est:-0}"
  done
}
# mean and standard error of the mean of column 1
stats() { awk '{s+=$1; q+=$1*$1; n++} END{m=s/n; v=(n>1)?(q-n*m*m)/(n-1):0; if(v<0)v=0; printf "%.10g %.10g\n", m, sqrt(v/n)}'; }

run none auto 4 > "$tmp/exact" || exit 1
read -r m0 se0 < <(stats < "$tmp/exact")
echo "exact: $m0 events in $T s (se $se0), $seeds seeds, box $box, $deck"
fail=0
check() { # label file mode(acc|factor)
  read -r m se < <(stats < "$2")
  est=$(awk 'NR==1{print $2}' "$2")
  awk -v l="$1" -v m="$m" -v se="$se" -v m0="$m0" -v se0="$se0" -v est="$est" -v tg="$target" \
      -v mode="$3" 'BEGIN{
    d = 1 - m/m0; s = sqrt((se/m0)^2 + (m*se0/m0/m0)^2); e = est/100
    printf "%-14s deficit %6.2f %% +- %5.2f %% (se), printed estimate %6.3g %%", l, 100*d, 100*s, est
    if (mode == "acc") { ok = (e <= tg*1.0001 && d <= tg + 2*s); printf ", target %g %%", 100*tg }
    else ok = (e/2 <= d + 2*s && d - 2*s <= 2*e)
    print ok ? ": ok" : ": FAIL"; exit ok ? 0 : 1 }' || fail=1
}
run "$tiles" accuracy "$target" > "$tmp/acc" || exit 1
check "accuracy $target" "$tmp/acc" acc
for f in $checks; do
  run "$tiles" auto "$f" > "$tmp/f$f" || exit 1
  check "auto $f" "$tmp/f$f" factor
done
[ $fail -eq 0 ] && echo "passed" || echo "failed"
exit $fail
