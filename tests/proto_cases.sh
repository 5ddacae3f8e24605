#!/usr/bin/env bash
# tests/proto_cases.sh KMC OUTDIR — a cycling protocol in checkpoints: inputs/cycling.deck
# (two cycles of four steps) run straight on 2 ranks gives the reference checksum and
# step/cycle lines; the same run with `checkpoint every 100` stores its steps in the
# described configuration (step.count, step.N.kind ...) and its position in the
# protocol, is killed right after its 8th checkpoint (sweep 800, inside the Discharge
# step 3 of cycle 2: test hook KMC_TEST_CKPT_KILL) and restarted on 3 ranks, with the
# deck and without: the straight run's checksum, and the straight run's step and cycle
# lines from the killed step on (the cycle's CE from the counters before the kill).
# Exit 0 = pass.
set -u
kmc=$1 out=$2
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$out"; mkdir -p "$out"
mpirun -np 2 --oversubscribe "$kmc" inputs/cycling.deck > "$out/straight.log" 2>&1 \
  || { cat "$out/straight.log"; fail "the straight protocol run failed"; }
grep -q "^cycle 2/2 end at" "$out/straight.log" || fail "no end-of-cycle line"
[ "$(grep -c '^step [0-9]/4 cycle [12]/2 start' "$out/straight.log")" = 8 ] || fail "not 8 step starts"
[ "$(grep -c '^step [0-9]/4 cycle [12]/2 end' "$out/straight.log")" = 8 ] || fail "not 8 step ends"
sum=$(grep '^checksum ' "$out/straight.log") || fail "no checksum in the straight run"
deck=$out/ck.deck
printf 'include %s/inputs/cycling.deck\ncheckpoint every 100\noutput prefix %s/p\n' "$PWD" "$out" > "$deck"
KMC_TEST_CKPT_KILL=8 mpirun -np 2 --oversubscribe "$kmc" "$deck" > "$out/killed.log" 2>&1
grep -q "KMC_TEST_CKPT_KILL: SIGKILL after checkpoint $out/p.ckpt.000800.h5" "$out/killed.log" \
  || { cat "$out/killed.log"; fail "not killed after checkpoint 800"; }
grep -q '^checksum ' "$out/killed.log" && fail "the killed run ran to its end"
ck=$(cat "$out/p.ckpt.latest" 2>/dev/null) || fail "no checkpoint pointer"
[ "$ck" = "$out/p.ckpt.000800.h5" ] || fail "the newest checkpoint is $ck"
h5dump -a /config/step.count "$ck" | grep -q "(0): 4" || fail "step.count is not 4 in $ck"
h5dump -a /config/step.3.kind "$ck" | grep -q "(0): 2" || fail "step 3 is not a Discharge in $ck"
h5dump -a /config/cycles "$ck" | grep -q "(0): 2" || fail "cycles is not 2 in $ck"
# step index 2 (Discharge), cycle index 1, started, not done
h5dump -a /protocol "$ck" | grep -q "(0): 2, 1, 1, 0, " \
  || { h5dump -a /protocol "$ck"; fail "the position is not inside step 3 of cycle 2"; }
h5dump -a /protocol_t0_s "$ck" | grep -q "(0): 6.71" || fail "the step's start time is not stored"
cp "$ck" "$out/kept.h5" # the first restart's `keep` prunes the original
grep -E '^(step|cycle) ' "$out/straight.log" > "$out/straight.lines"
for how in deck nodeck; do
  cp "$out/kept.h5" "$out/kept.$how.h5"
  args=("$out/kept.$how.h5"); [ $how = deck ] && args+=("$deck")
  mpirun -np 3 --oversubscribe "$kmc" -restart "${args[@]}" > "$out/r.$how.log" 2>&1 \
    || { cat "$out/r.$how.log"; fail "the restart ($how) failed"; }
  got=$(grep '^checksum ' "$out/r.$how.log")
  [ "$got" = "$sum" ] || fail "restart ($how): $got, straight: $sum"
  grep -E '^(step|cycle) ' "$out/r.$how.log" > "$out/r.$how.lines"
  head -n1 "$out/r.$how.lines" | grep -q '^step 3/4 cycle 2/2 end ' \
    || { cat "$out/r.$how.lines"; fail "restart ($how) does not go on inside step 3 of cycle 2"; }
  n=$(wc -l < "$out/r.$how.lines")
  [ "$n" = 4 ] || { cat "$out/r.$how.lines"; fail "restart ($how): $n step/cycle lines, want 4"; }
  tail -n "$n" "$out/straight.lines" | diff - "$out/r.$how.lines" \
    || fail "restart ($how): step/cycle lines differ from the straight run's"
done
echo "ok: killed inside a Discharge, restarted on 3 ranks with and without the deck: $sum"
# the overpotential cutoff of stripping: ends before the film is gone, at >= 100 mV
kmc_log=$out/cutoff.log
mpirun -np 1 "$kmc" tests/decks/good/strip_cutoff.deck > "$kmc_log" 2>&1 \
  || { cat "$kmc_log"; fail "the cutoff run failed"; }
line=$(grep '^step 1/1 cycle 1/1 end' "$kmc_log") || { cat "$kmc_log"; fail "no step end line"; }
case "$line" in *"on the active area reached the cutoff 100 mV"*) ;; *) fail "not ended by the cutoff: $line" ;; esac
eta=$(printf '%s\n' "$line" | sed -n 's/.*; overpotential \([0-9.e+]*\) mV on the active area.*/\1/p')
awk -v e="$eta" 'BEGIN { exit !(e >= 100 && e < 1000) }' || fail "overpotential '$eta' mV at the cutoff"
n=$(printf '%s\n' "$line" | sed -n 's/.*(\([0-9]*\) atoms stripped.*/\1/p')
[ -n "$n" ] && [ "$n" -gt 256 ] && [ "$n" -lt 384 ] \
  || fail "$n atoms stripped: the cutoff must come in the last planes of the 6 x 64-atom film"
echo "ok: cutoff at $eta mV after $n atoms"
