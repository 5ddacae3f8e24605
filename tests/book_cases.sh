#!/usr/bin/env bash
# tests/book_cases.sh MODE KMC OUTDIR — the cycle bookkeeping (kmc/book.h) of a two-cycle
# protocol with a current profile (tests/decks/good/cycle_book.deck):
#   ranks    1, 2, 3 and 4 ranks: the same checksum, byte-identical PREFIX.cycles.csv
#            and PREFIX.bdf.csv, every cycle's inventory closed exactly (the run
#            checks it: exit 70 otherwise); tests/check_cycles.py on the files (columns,
#            CE, capacities that integrate the current, 4.86 um per mAh/cm2)
#   restart  `checkpoint every 100` (keep 5) and `snapshot every 1000`, killed right after
#            its 3rd checkpoint (sweep 300, cycle 2: KMC_TEST_CKPT_KILL) and restarted
#            on 3 ranks from the 1st (sweep 100, inside the profile step of cycle 1):
#            the rows written after it (200 cycler rows, cycle 1's row) are cut, and the
#            CSVs and the run file's /cycles table end equal to a straight run's
#   ckpt     a protocol checkpoint (inputs/cycling.deck, sweep 100) damaged one way each,
#            at 1 and 2 ranks, exit 65 and one message: the attribute 'protocol' changed
#            (its content hash), its step out of range in a file without hashes (format
#            2: the value check), the position removed (a protocol deck given a
#            checkpoint without it), 'cycle_book' removed, 'cycle_book' out of range
# Exit 0 = pass.
set -u
mode=$1 kmc=$2 out=$3
deck=tests/decks/good/cycle_book.deck
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$out"; mkdir -p "$out"
case "$mode" in
ranks)
sum1=""
for np in 1 2 3 4; do
  mpirun -np $np --oversubscribe "$kmc" "$deck" -var prefix "$out/np$np" > "$out/np$np.log" 2>&1 \
    || { cat "$out/np$np.log"; fail "the run on $np ranks failed"; }
  s=$(grep '^checksum ' "$out/np$np.log") || fail "no checksum on $np ranks"
  [ "$(grep -c 'change of active Li: exact' "$out/np$np.log")" = 2 ] || fail "not 2 closed cycles on $np ranks"
  if [ -z "$sum1" ]; then sum1=$s; else
    [ "$s" = "$sum1" ] || fail "$np ranks: $s, 1 rank: $sum1"
    for f in cycles.csv bdf.csv; do
      cmp -s "$out/np1.$f" "$out/np$np.$f" || fail "$f differs between 1 and $np ranks"
    done
  fi
done
echo "ok: 1-4 ranks, $sum1, identical cycles.csv and bdf.csv"
fill=$(sed -n 's/^  Li atoms .* + \([0-9]*\) filled)$/\1/p' "$out/np1.log")
box=$(python3 -c "print(16 * 8 * (3.51e-10) ** 2)")
FILL_LI_ATOMS=$fill python3 tests/check_cycles.py "$out/np1" 2 "$box" || fail "check_cycles.py"
# recovered Li: the floating fragments of the fill reconnect as the film grows into them
rec=$(awk -F, 'NR == 2 { print $10 }' "$out/np1.cycles.csv")
awk -v r="$rec" 'BEGIN { exit !(r > 0) }' || fail "no recovered Li in cycle 1 ($rec mAh/cm2)"
;;
restart)
# a restart inside the profile, from an earlier checkpoint than the kill
w=$out/ck.deck
printf 'include %s/%s\ncheckpoint every 100\ncheckpoint keep 5\nsnapshot every 1000\n' "$PWD" "$deck" > "$w"
mpirun -np 2 --oversubscribe "$kmc" "$w" -var prefix "$out/straight" > "$out/straight.log" 2>&1 \
  || { cat "$out/straight.log"; fail "the straight run with checkpoints failed"; }
KMC_TEST_CKPT_KILL=3 mpirun -np 2 --oversubscribe "$kmc" "$w" -var prefix "$out/k" > "$out/killed.log" 2>&1
grep -q "SIGKILL after checkpoint $out/k.ckpt.000300.h5" "$out/killed.log" \
  || { cat "$out/killed.log"; fail "not killed after checkpoint 300"; }
ck=$out/k.ckpt.000100.h5
h5dump -a /protocol "$ck" | grep -q "(0): 1, 0, 1, 0, " \
  || { h5dump -a /protocol "$ck"; fail "checkpoint 100 is not inside step 2 (the profile) of cycle 1"; }
[ "$(wc -l < "$out/k.cycles.csv")" = 2 ] || fail "the killed run did not write cycle 1's row"
mpirun -np 3 --oversubscribe "$kmc" -restart "$ck" "$w" -var prefix "$out/k" > "$out/restart.log" 2>&1 \
  || { cat "$out/restart.log"; fail "the restart failed"; }
[ "$(grep '^checksum ' "$out/restart.log")" = "$(grep '^checksum ' "$out/straight.log")" ] \
  || fail "restart checksum differs from the straight run's"
for f in cycles.csv bdf.csv; do
  cmp "$out/straight.$f" "$out/k.$f" || fail "$f after the restart differs from the straight run's"
done
/usr/bin/python3 -c "
import h5py, numpy as np, sys
a = h5py.File('$out/straight.h5', 'r')['cycles']; b = h5py.File('$out/k.h5', 'r')['cycles']
cols = a.attrs['columns']; cols = cols.decode() if isinstance(cols, bytes) else cols
assert cols.split(',')[0] == 'cycle' and len(cols.split(',')) == 18, cols
assert a.shape == (2, 18) and b.shape == a.shape, (a.shape, b.shape)
assert np.array_equal(a[()], b[()]), 'the /cycles tables differ'
c = np.loadtxt('$out/straight.cycles.csv', delimiter=',', skiprows=1)
assert np.allclose(a[()], c, rtol=1e-9, atol=0), 'the /cycles table is not the CSV'
" || fail "the run file's cycle table"
echo "ok: restarted inside the profile from an earlier checkpoint: identical CSVs and /cycles"
;;
ckpt)
w=$out/ck.deck
printf 'include %s/inputs/cycling.deck\ncheckpoint every 100\noutput prefix %s/p\n' "$PWD" "$out" > "$w"
KMC_TEST_CKPT_KILL=1 mpirun -np 2 --oversubscribe "$kmc" "$w" > "$out/k.log" 2>&1
ck=$out/p.ckpt.000100.h5
[ -f "$ck" ] || { cat "$out/k.log"; fail "no checkpoint 100"; }
damage() { # damage NAME PYTHON MESSAGE: a copy of the checkpoint changed by PYTHON (f: the
           # file) restarts with the deck at 1 and 2 ranks: exit 65, MESSAGE once
  cp "$ck" "$out/$1.h5"
  /usr/bin/python3 -c "import h5py, numpy as np
f = h5py.File('$out/$1.h5', 'r+')
$2
f.close()" || fail "cannot damage $1"
  for np in 1 2; do
    mpirun -np $np --oversubscribe "$kmc" -restart "$out/$1.h5" "$w" > "$out/$1.log" 2>&1; local rc=$?
    local n; n=$(grep -cF -- "$3" "$out/$1.log")
    [ $rc -eq 65 ] && [ "$n" -eq 1 ] || { cat "$out/$1.log"; fail "$1 on $np ranks: exit $rc (want 65), '$3' seen $n times"; }
  done
}
nohash="del f['content_fnv1a64']; f.attrs.modify('format', np.array([2], np.int32))"
damage hash "f.attrs.modify('protocol', np.array([2, 0, 1, 0, 0, 0, 0, 0, 0, 0], np.int64))" \
  "checkpoint '$out/hash.h5' is damaged: attribute 'protocol' does not match its stored content hash"
damage step2 "$nohash; f.attrs.modify('protocol', np.array([7, 0, 1, 0, 0, 0, 0, 0, 0, 0], np.int64))" \
  "checkpoint '$out/step2.h5' is damaged: protocol holds 7 as the step (0 to 3)"
damage t02 "$nohash; f.attrs.modify('protocol_t0_s', np.array([1.0]))" \
  "checkpoint '$out/t02.h5' is damaged: protocol_t0_s holds 1 (a step starts at a finite time from 0 to time_s"
damage nopos "del f.attrs['protocol']; del f.attrs['protocol_t0_s']; h = f['content_fnv1a64']; del h.attrs['@protocol']; del h.attrs['@protocol_t0_s']" \
  "checkpoint '$out/nopos.h5' holds no position in a cycling protocol (a run without \`step\` lines, or written by a kmc that did not store it); start the protocol again from its deck"
damage nobook "del f.attrs['cycle_book']; del f['content_fnv1a64'].attrs['@cycle_book']" \
  "checkpoint '$out/nobook.h5' holds a position in a cycling protocol but not its cycle bookkeeping"
damage book2 "$nohash; b = f.attrs['cycle_book']; b[2] = 5; f.attrs.modify('cycle_book', b)" \
  "checkpoint '$out/book2.h5' is damaged: cycle_book holds 5 in entry 3 (0 to 1)"
echo "ok: damaged protocol checkpoints give their messages at 1 and 2 ranks"
;;
*) fail "unknown mode $mode" ;;
esac
