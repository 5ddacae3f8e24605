#!/usr/bin/env bash
# tests/proto_cases.sh KMC OUTDIR — a cycling protocol in checkpoints: a run of
# inputs/cycling.deck (one cycle) with checkpoints stores its steps in the described
# configuration (step.count, step.N.kind ...), and a restart from it is refused with a
# clear message (exit 64) instead of running the wrong protocol. Exit 0 = pass.
set -u
kmc=$1 out=$2
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$out"; mkdir -p "$out"
deck=$out/ck.deck
printf 'include %s/inputs/cycling.deck\ncheckpoint every 300\noutput prefix %s/p\n' "$PWD" "$out" > "$deck"
mpirun -np 2 --oversubscribe "$kmc" "$deck" > "$out/run.log" 2>&1 \
  || { cat "$out/run.log"; fail "the protocol run failed"; }
grep -q "^cycle 2/2 end at" "$out/run.log" || fail "no end-of-cycle line"
[ "$(grep -c '^step [0-9]/4 cycle [12]/2 start' "$out/run.log")" = 8 ] || fail "not 8 step starts"
[ "$(grep -c '^step [0-9]/4 cycle [12]/2 end' "$out/run.log")" = 8 ] || fail "not 8 step ends"
ck=$(cat "$out/p.ckpt.latest" 2>/dev/null) || fail "no checkpoint pointer"
h5dump -a /config/step.count "$ck" | grep -q "(0): 4" || fail "step.count is not 4 in $ck"
h5dump -a /config/step.3.kind "$ck" | grep -q "(0): 2" || fail "step 3 is not a Discharge in $ck"
h5dump -a /config/cycles "$ck" | grep -q "(0): 2" || fail "cycles is not 2 in $ck"
mpirun -np 1 "$kmc" -restart "$ck" > "$out/restart.log" 2>&1; rc=$?
[ $rc = 64 ] || { cat "$out/restart.log"; fail "restart exit $rc, want 64"; }
grep -q "restarting a cycling protocol (\`step\`) is not supported yet" "$out/restart.log" \
  || { cat "$out/restart.log"; fail "no refusal message"; }
echo "ok: steps stored, restart refused"
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
