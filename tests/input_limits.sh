#!/usr/bin/env bash
# tests/input_limits.sh KMC OUT SANITIZE — input files that are not small text files
# are refused at once, with the exit code and one message (kmc/base/parse.h):
#   a device (include /dev/zero, potential /dev/zero, kmc /dev/zero -check) or a
#   folder as the deck: exit 66; a file over 64 MiB, a line over 64 KiB (in the deck
#   or an include, with the include chain): exit 65; at 1 and 2 ranks.
#   Out of memory while reading (under `ulimit -v`): exit 71, not taken for the end of
#   the file (skipped in a sanitizer build, which cannot run under ulimit -v).
set -u
kmc=$1 out=$2 sanitize=${3:-OFF}
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$out"; mkdir -p "$out"

# expect NP CODE MESSAGE ARGS...: exit CODE, MESSAGE (fixed text) seen exactly once
expect() {
  local np=$1 code=$2 msg=$3; shift 3
  if [ "$np" = 1 ]; then # a singleton: quicker than mpirun
    timeout 60 "$kmc" "$@" > "$out/log" 2>&1
  else
    timeout 60 mpirun -np "$np" --oversubscribe "$kmc" "$@" > "$out/log" 2>&1
  fi
  local rc=$?
  local n; n=$(grep -cF -- "$msg" "$out/log")
  if [ "$rc" != "$code" ] || [ "$n" != 1 ]; then
    cat "$out/log"
    fail "np $np kmc $*: exit $rc (want $code), '$msg' seen $n times (want 1)"
  fi
  echo "ok: np $np kmc $*: exit $rc"
}

cat > "$out/li.pot" <<'EOF'
lattice bcc a 3.51 Ang
attempt_frequency 1e13 Hz
hop 1nn base 0.1 eV
EOF
deck_head() { printf 'box 8 8 8\ntemperature 300 K\nrun events 10\n'; }
{ deck_head; printf 'potential li.pot\ninclude /dev/zero\n'; } > "$out/inc_zero.deck"
{ deck_head; printf 'potential /dev/zero\n'; } > "$out/pot_zero.deck"
{ deck_head; printf 'potential li.pot\n# %070000d\n' 0; } > "$out/long_line.deck"
printf '# fine\n# %070000d\n' 0 > "$out/long.inc"
{ deck_head; printf 'potential li.pot\ninclude long.inc\n'; } > "$out/long_inc.deck"
truncate -s 65M "$out/huge.deck" # sparse: no disk space used
{ deck_head; printf 'potential li.pot\ninclude huge.deck\n'; } > "$out/huge_inc.deck"

for np in 1 2; do
  expect $np 66 "inc_zero.deck:5:9: cannot read include file '/dev/zero': it is a device, not a regular file" \
    "$out/inc_zero.deck"
  expect $np 66 "cannot read potential file '/dev/zero': it is a device, not a regular file" \
    "$out/pot_zero.deck"
  expect $np 66 "cannot read deck '/dev/zero': it is a device, not a regular file" /dev/zero -check
  expect $np 66 "cannot read deck '$out': it is a folder, not a regular file" "$out" -check
  expect $np 65 "long_line.deck:5: line is 70002 bytes long; lines may hold at most 65536 bytes" \
    "$out/long_line.deck" -check
  expect $np 65 "long.inc:2: line is 70002 bytes long; lines may hold at most 65536 bytes" \
    "$out/long_inc.deck" -check
  grep -qF "= in a file included from $out/long_inc.deck:5" "$out/log" || fail "no include chain"
  expect $np 65 "deck '$out/huge.deck' is 68157440 bytes, larger than 64 MiB" "$out/huge.deck"
  expect $np 65 "huge_inc.deck:5:9: include file '$out/huge.deck' is 68157440 bytes, larger than 64 MiB" \
    "$out/huge_inc.deck"
done

if [ "$sanitize" = ON ]; then
  echo "skipped: out of memory under ulimit -v (sanitizer build)"
  exit 0
fi
# The smallest address-space limit (KiB) under which kmc starts and reads a deck: found
# by bisection (to 8 MiB) on the folder-as-deck case, so the test does not depend on how much
# the MPI library maps. 40 MiB more is too little for a 60 MiB deck.
runs_at() { (ulimit -v "$1"; "$kmc" "$out" -check > /dev/null 2>&1; [ $? = 66 ]); }
lo=20000 hi=4000000
runs_at $hi || fail "kmc does not start under ulimit -v $hi"
while [ $((hi - lo)) -gt 8000 ]; do
  mid=$(((lo + hi) / 2))
  if runs_at $mid; then hi=$mid; else lo=$mid; fi
done
truncate -s 60M "$out/big.deck"
(ulimit -v $((hi + 40000)); "$kmc" "$out/big.deck" -check > "$out/log" 2>&1); rc=$?
grep -qF "out of memory reading deck '$out/big.deck'" "$out/log" && [ $rc = 71 ] || {
  cat "$out/log"; fail "60 MiB deck under ulimit -v $((hi + 40000)): exit $rc (want 71)"; }
echo "ok: out of memory under ulimit -v $((hi + 40000)) KiB: exit 71"
