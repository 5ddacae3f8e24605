#!/usr/bin/env bash
# tests/ckpt_cases.sh MODE KMC OUT — checkpoint behaviour a batch user relies on.
#   signal    SIGUSR1 to a running mpirun: exit 75, a restart message, a usable checkpoint
#   walltime  `checkpoint walltime`: the same
#   crash     a crash in the middle of a checkpoint write keeps the previous one usable
#   bad       missing, truncated, foreign and incompatible checkpoints: clear errors;
#             -seed or -var on a restart without a deck: refused (exit 64), not ignored
#   enospc    a full disk during a checkpoint (test hook KMC_TEST_CKPT_ENOSPC=N: the Nth
#             write fails with ENOSPC) at 1, 2, 3 ranks: exit 74, one message saying
#             the disk is full and which checkpoint is kept, no hang, no .tmp left, the
#             kept checkpoint restarts
#   keep      `checkpoint keep 2` counts the files on disk: after a restart with the
#             same prefix, exactly the two newest checkpoints remain
#   committed a checkpoint committed under tests/data/ (written by an earlier build)
#             restarts and continues bit for bit; a changed `fill` is refused by name
# Waits for log lines, never for a fixed time. Exit 0 = pass.
set -u
mode=$1 kmc=$2 out=$3
deck=tests/decks/good/restart.deck
run() { mpirun -np "$1" --oversubscribe "$kmc" "${@:2}"; }
fail() { echo "FAIL ($mode): $*"; exit 1; }
rm -rf "$out"; mkdir -p "$out"

usable() { # usable POINTER [ARGS...]: the checkpoint it names restarts and runs on 2 ranks
  local ck; ck=$(cat "$1") || fail "no pointer $1"
  [ -f "$ck" ] || fail "pointer $1 names a missing file '$ck'"
  run 2 -restart "$ck" "$deck" -var events 1 -var prefix "$out/after" "${@:2}" > "$out/after.log" 2>&1 \
    || { cat "$out/after.log"; fail "restart from $ck failed"; }
  grep -q "restarted from $ck" "$out/after.log" || fail "no restart line"
}

case "$mode" in
signal)
  # mpirun itself in the background (not a subshell), so the signal reaches it
  mpirun -np 2 --oversubscribe "$kmc" "$deck" -var events 1000000000 -var flux 1e5 \
    -var prefix "$out/sig" > "$out/run.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do # up to 60 s for the first thermo lines after sweep 50
    grep -qE '^ +100 ' "$out/run.log" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  grep -qE '^ +100 ' "$out/run.log" || { cat "$out/run.log"; fail "run did not reach sweep 100"; }
  kill -USR1 $pid
  wait $pid; rc=$?
  [ $rc -eq 75 ] || { cat "$out/run.log"; fail "exit $rc, want 75"; }
  grep -q "stopped by SIGUSR1" "$out/run.log" || fail "no stop message"
  grep -q "kmc -restart" "$out/run.log" || fail "no restart instructions"
  usable "$out/sig.ckpt.latest" -var flux 1e5 ;;
slurm) # tools/slurm_kmc.sh: USR1 to the batch shell reaches the ranks; a second
  # submission continues from the newest checkpoint
  cp "$deck" "$out/job.deck"
  sed -i 's|\.\./\.\./\.\./potentials|'"$PWD"'/potentials|' "$out/job.deck"
  (cd "$out" && KMC="$kmc" MPIRUN_ARGS="-np 2 --oversubscribe" \
     exec bash "$OLDPWD/tools/slurm_kmc.sh" job.deck -var events 1000000000 -var flux 1e5 -var prefix job \
     > run.log 2>&1) &
  pid=$!
  for _ in $(seq 1 600); do
    grep -qE '^ +100 ' "$out/run.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -qE '^ +100 ' "$out/run.log" || { cat "$out/run.log"; fail "run did not reach sweep 100"; }
  kill -USR1 $pid
  wait $pid; rc=$?
  [ $rc -eq 75 ] || { cat "$out/run.log"; fail "batch script exit $rc, want 75"; }
  grep -q "submit this script again" "$out/run.log" || fail "no resubmit message"
  (cd "$out" && KMC="$kmc" MPIRUN_ARGS="-np 3 --oversubscribe" \
     bash "$OLDPWD/tools/slurm_kmc.sh" job.deck -var events 1 -var flux 1e5 -var prefix job2 \
     > run2.log 2>&1) || { cat "$out/run2.log"; fail "second submission failed"; }
  grep -q "restarted from job.ckpt" "$out/run2.log" || fail "second submission did not restart" ;;
walltime)
  run 2 "$deck" -var events 1000000000 -var flux 1e5 -var walltime 1 -var prefix "$out/wt" \
    > "$out/run.log" 2>&1; rc=$?
  [ $rc -eq 75 ] || { cat "$out/run.log"; fail "exit $rc, want 75"; }
  grep -q "stopped by the wall-clock limit" "$out/run.log" || fail "no stop message"
  usable "$out/wt.ckpt.latest" -var flux 1e5 ;;
crash)
  KMC_TEST_CKPT_CRASH=2 run 2 "$deck" -var prefix "$out/cr" > "$out/run.log" 2>&1 && fail "no crash"
  grep -q "KMC_TEST_CKPT_CRASH" "$out/run.log" || { cat "$out/run.log"; fail "crash not injected"; }
  grep -q "cr.ckpt.000025.h5" "$out/cr.ckpt.latest" || fail "pointer does not name the first checkpoint"
  usable "$out/cr.ckpt.latest" ;;
bad)
  run 1 "$deck" -var events 3000 -var prefix "$out/ok" > "$out/ok.log" 2>&1 || fail "base run"
  ck=$(cat "$out/ok.ckpt.latest")
  expect() { # expect EXIT MESSAGE ARGS...: the message exactly once, the exit code
    local want=$1 msg=$2; shift 2
    run 2 "$@" > "$out/bad.log" 2>&1; local rc=$?
    local n; n=$(grep -c -- "$msg" "$out/bad.log")
    [ $rc -eq "$want" ] && [ "$n" -eq 1 ] || { cat "$out/bad.log"; fail "exit $rc (want $want), '$msg' seen $n times"; }
  }
  expect 66 "cannot open checkpoint '$out/nope.h5'" -restart "$out/nope.h5" "$deck"
  head -c 3000 "$ck" > "$out/trunc.h5"
  expect 65 "as HDF5 (truncated?)" -restart "$out/trunc.h5" "$deck"
  head -c 100 /dev/urandom > "$out/noise.h5"
  expect 65 "is not an HDF5 file (truncated, or not a checkpoint)" -restart "$out/noise.h5" "$deck"
  /usr/bin/python3 -c "import h5py; h5py.File('$out/foreign.h5','w').create_dataset('x', data=[1,2,3])"
  expect 65 "is an HDF5 file but not a kmc checkpoint" -restart "$out/foreign.h5" "$deck"
  expect 65 "the deck changes 'seed'" -restart "$ck" "$deck" -var seed 6
  # without a deck the stored settings run: -seed and -var would be dropped, so they
  # are refused as usage errors that say what to do
  expect 64 "-seed with -restart: the seed is part of the checkpoint and cannot change" -restart "$ck" -seed 6
  expect 64 "-var events with -restart but no deck: .*give the deck after the checkpoint (kmc -restart $ck DECK -var events 9000)" -restart "$ck" -var events 9000
  expect 64 "-var events with -restart but no deck" -var events 9000 -restart "$ck" -log "$out/x.log"
  expect 65 "the deck changes 'percolate every'" -restart "$ck" tests/decks/good/restart.deck -var events 5 -var seed 5 -var prefix "$out/x" -var walltime 1e6 -var flux 2e7 -var perc 3 ;;
enospc)
  for np in 1 2 3; do
    KMC_TEST_CKPT_ENOSPC=2 run $np "$deck" -var prefix "$out/e$np" > "$out/e$np.log" 2>&1; rc=$?
    [ $rc -eq 74 ] || { cat "$out/e$np.log"; fail "np $np: exit $rc, want 74"; }
    n=$(grep -c "cannot write checkpoint '$out/e$np.ckpt.[0-9]*.h5.tmp': the disk is full (ENOSPC" "$out/e$np.log")
    [ "$n" -eq 1 ] || { cat "$out/e$np.log"; fail "np $np: the ENOSPC message is printed $n times"; }
    grep -q "the previous checkpoint '$out/e$np.ckpt.000025.h5' is kept" "$out/e$np.log" \
      || { cat "$out/e$np.log"; fail "np $np: does not name the kept checkpoint"; }
    ! ls "$out"/e$np.ckpt.*.tmp >/dev/null 2>&1 || fail "np $np: a .tmp file is left"
    grep -q "e$np.ckpt.000025.h5" "$out/e$np.ckpt.latest" || fail "np $np: the pointer moved"
    usable "$out/e$np.ckpt.latest"
  done
  # the first write fails: there is no earlier checkpoint, and the message says so
  KMC_TEST_CKPT_ENOSPC=1 run 2 "$deck" -var prefix "$out/f" > "$out/f.log" 2>&1; rc=$?
  [ $rc -eq 74 ] || { cat "$out/f.log"; fail "first write: exit $rc, want 74"; }
  grep -q "the disk is full (ENOSPC.*; no earlier checkpoint of this run exists" "$out/f.log" \
    || { cat "$out/f.log"; fail "first write: wrong message"; }
  grep -q "is kept" "$out/f.log" && fail "first write: claims a checkpoint is kept"
  [ ! -e "$out/f.ckpt.latest" ] || fail "first write: a pointer was written" ;;
keep)
  run 2 "$deck" -var events 5000 -var prefix "$out/k" > "$out/k1.log" 2>&1 || { cat "$out/k1.log"; fail "first run"; }
  ck=$(cat "$out/k.ckpt.latest")
  run 2 -restart "$ck" "$deck" -var events 60000 -var prefix "$out/k" > "$out/k2.log" 2>&1 \
    || { cat "$out/k2.log"; fail "restarted run"; }
  n2=$(grep -c "^checkpoint $out/k.ckpt" "$out/k2.log")
  [ "$n2" -ge 2 ] || fail "the restarted run wrote $n2 checkpoints; the test needs 2 or more"
  kept=$(cd "$out" && ls k.ckpt.*.h5 | tr '\n' ' ')
  newest=$(grep "^checkpoint $out/k.ckpt" "$out/k2.log" | tail -2 | sed 's|^checkpoint \([^ ]*\) .*|\1|' | xargs -n1 basename | tr '\n' ' ')
  [ "$kept" = "$newest" ] || fail "keep 2 left '$kept', want the two newest '$newest'" ;;
committed)
  # tests/data/restart_v2.ckpt.h5: restart.deck run to 3000 events on 2 ranks by the
  # build that introduced checkpoint format 2, with the .pot of that time
  # (tests/data/restart_v2.deck and li_bcc_v1.pot). The physics has changed since (dead
  # Li stays put), so no recorded straight-run checksum can hold; what must hold is that
  # the file restarts at all, gives the same continuation on 1 and 3 ranks, and that
  # continuing in two legs (with a checkpoint between) equals continuing in one.
  ck=tests/data/restart_v2.ckpt.h5
  deck=tests/data/restart_v2.deck
  for np in 1 3; do
    run $np -restart "$ck" "$deck" -var events 6000 -var prefix "$out/c$np" > "$out/c$np.log" 2>&1 \
      || { cat "$out/c$np.log"; fail "restart from $ck on $np ranks failed"; }
    grep -q "restarted from $ck" "$out/c$np.log" || fail "no restart line"
  done
  s1=$(grep -o 'checksum 0x[0-9a-f]*' "$out/c1.log"); s3=$(grep -o 'checksum 0x[0-9a-f]*' "$out/c3.log")
  [ -n "$s1" ] && [ "$s1" = "$s3" ] || fail "1 rank gave '$s1', 3 ranks '$s3'"
  run 2 -restart "$ck" "$deck" -var events 4500 -var prefix "$out/leg" > "$out/leg1.log" 2>&1 \
    || { cat "$out/leg1.log"; fail "first leg failed"; }
  run 2 -restart "$(cat "$out/leg.ckpt.latest")" "$deck" -var events 6000 -var prefix "$out/leg" \
    > "$out/leg2.log" 2>&1 || { cat "$out/leg2.log"; fail "second leg failed"; }
  s2=$(grep -o 'checksum 0x[0-9a-f]*' "$out/leg2.log")
  [ "$s2" = "$s1" ] || fail "two legs gave '$s2', one leg '$s1'"
  # a changed fill is refused whatever changes: fraction, region, species
  refused() { # refused SED-EXPR MESSAGE
    sed -e "$1" -e 's|^potential li_bcc_v1.pot|potential '"$PWD"'/tests/data/li_bcc_v1.pot|' "$deck" > "$out/changed.deck"
    run 1 -restart "$ck" "$out/changed.deck" -var prefix "$out/x" > "$out/changed.log" 2>&1; local rc=$?
    [ $rc -eq 65 ] && grep -qF -- "$2" "$out/changed.log" \
      || { cat "$out/changed.log"; fail "exit $rc (want 65) or no '$2' for '$1'"; }
  }
  refused 's/^fill li 0.6 /fill li 0.5 /' "the deck changes 'fill' (fill 1 fraction: 0.6 in the checkpoint, 0.5 in the deck)"
  refused 's/region 2 4/region 2 5/' "the deck changes 'fill' (fill 1 zhi: 4 in the checkpoint, 5 in the deck)"
  refused 's/^fill li /fill ag /' "the deck changes 'fill' (fill 1 species: 1 in the checkpoint, 3 in the deck)"
  refused 's/^fill li 0.6 region 2 4/&\nfill ag 0.1/' "the deck changes 'fill' (1 \`fill\` command in the checkpoint, 2 in the deck)"
  refused 's/^temperature 300 K/temperature 310 K/' "the deck changes 'temperature' (temp_K: 300 in the checkpoint, 310 in the deck)"
  # the unchanged deck (with the potential by another path) is accepted
  sed -e 's|^potential li_bcc_v1.pot|potential '"$PWD"'/tests/data/li_bcc_v1.pot|' "$deck" > "$out/same.deck"
  run 1 -restart "$ck" "$out/same.deck" -var events 3001 -var prefix "$out/y" > "$out/same.log" 2>&1 \
    || { cat "$out/same.log"; fail "the same deck by another path is refused"; } ;;
*) fail "unknown mode" ;;
esac
echo "PASS ($mode)"
