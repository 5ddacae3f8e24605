#!/usr/bin/env bash
# tests/setup_cases.sh CASE KMC OUT — what a user reads before a run:
#   adatom   the set-up block of tests/data/nucleation_cu.deck (with -check and in a run,
#            at 1 and 2 ranks) prints each surface's adatom hop rate and D/F equal to
#            nu exp(-E/kT) from the .pot (tests/check_adatom_rates.py), exactly once
#   help     every line of `kmc -h` fits 80 columns; one usage heading; it says that
#            `thermo N` counts sweeps in tiled mode and which units `run time` takes
set -u
case_=$1 kmc=$2 out=$3
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$out"; mkdir -p "$out"
case "$case_" in
adatom)
  # `tiles none` runs on one rank only: 2 ranks check a tiled copy (the same rates;
  # its run would take minutes: at D/F ~ 1e9 the auto window sees few depositions)
  sed -e 's/^tiles none/tiles 2 2/' \
      -e "s|^potential nucleation_cu.pot|potential $PWD/tests/data/nucleation_cu.pot|" \
      tests/data/nucleation_cu.deck > "$out/tiled.deck"
  for np in 1 2; do
    deck=tests/data/nucleation_cu.deck; [ "$np" = 2 ] && deck=$out/tiled.deck
    for mode in -check run; do
      a=(); [ "$mode" = -check ] && a=(-check)
      [ "$mode" = run ] && [ "$np" = 2 ] && continue
      mpirun -np $np --oversubscribe "$kmc" "$deck" "${a[@]}" > "$out/log.$np$mode" 2>&1 || fail "kmc np $np $mode"
      $py tests/check_adatom_rates.py "$out/log.$np$mode" || fail "np $np $mode"
    done
  done ;;
help)
  "$kmc" -h > "$out/help.txt" 2>&1 || fail "kmc -h exits $?"
  awk 'length($0) > 80 { print "line " NR " has " length($0) " columns: " $0; bad = 1 }
       END { exit bad }' "$out/help.txt" || fail "kmc -h is wider than 80 columns"
  [ "$(grep -c '^usage:' "$out/help.txt")" = 1 ] || fail "kmc -h: want one usage heading"
  [ "$(grep -ci '^kmc.*deck commands\|^deck commands' "$out/help.txt")" = 1 ] || \
    fail "kmc -h: want one 'deck commands' heading"
  flat=$(tr '\n' ' ' < "$out/help.txt" | tr -s ' ')  # wrapped lines joined
  grep -q 'thermo N print a thermo line every N >= 1 events (exact mode, `tiles none`) or N sweeps (tiled mode' \
    <<< "$flat" || fail "kmc -h does not say that thermo N counts sweeps in tiled mode"
  grep -q 'run time T s run events N stop at simulated time T > 0 (a time unit: s, ms, us, ns, min, h)' \
    <<< "$flat" || fail "kmc -h does not name the units of run time" ;;
*) fail "unknown case $case_" ;;
esac
echo PASS
