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
#   damaged   checkpoints damaged one way each (a flipped lattice byte, time_s = NaN, an
#             attribute replaced by random bytes, a changed tile counter, a truncated
#             file; format 3 by its content hashes, the committed format-2 file by its
#             values) at 1 and 2 ranks: exit 65 and one message naming the item
#   killed    kill -9 (test hook KMC_TEST_CKPT_KILL=N: SIGKILL after the Nth checkpoint)
#             after a checkpoint on a snapshot sweep that is no thermo sweep: the
#             restarted run file holds every snapshot of the straight run, no .tmp left
#   runfile   a full disk while the run file is written (test hook
#             KMC_TEST_RUNFILE_ENOSPC=N: the Nth flush fails on the last rank) at the
#             first, second and fourth flush on 1-3 ranks: exit 74, one message saying the
#             disk is full, and the checkpoint written before it restarts
#   nodeck    a restart without a deck runs the checkpoint's own rate model: killed
#             after its 1st checkpoint (KMC_TEST_CKPT_KILL=1), a run of a kra deck
#             (li_bcc.pot) continued from that checkpoint with no deck ends with the
#             straight run's checksum
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
runfile)
  for np in 1 2 3; do
    for n in 1 2 4; do
      KMC_TEST_RUNFILE_ENOSPC=$n run $np "$deck" -var events 80000 -var prefix "$out/r$np$n" \
        > "$out/r$np$n.log" 2>&1; rc=$?
      [ $rc -eq 74 ] || { cat "$out/r$np$n.log"; fail "np $np, flush $n: exit $rc, want 74"; }
      c=$(grep -c "cannot write the time series of '$out/r$np$n.h5': the disk is full (ENOSPC)" "$out/r$np$n.log")
      [ "$c" -eq 1 ] || { cat "$out/r$np$n.log"; fail "np $np, flush $n: the message is printed $c times"; }
    done
    # by the fourth flush a checkpoint exists; it is untouched and restarts
    [ -f "$out/r${np}4.ckpt.latest" ] || fail "np $np: no checkpoint before the fourth flush"
    usable "$out/r${np}4.ckpt.latest"
  done ;;
nodeck)
  run 2 "$deck" -var events 60000 -var prefix "$out/straight" > "$out/straight.log" 2>&1 \
    || { cat "$out/straight.log"; fail "straight run failed"; }
  KMC_TEST_CKPT_KILL=1 run 2 "$deck" -var events 60000 -var prefix "$out/k" > "$out/k.log" 2>&1
  [ -f "$out/k.ckpt.latest" ] || { cat "$out/k.log"; fail "no checkpoint before the kill"; }
  run 2 -restart "$(cat "$out/k.ckpt.latest")" > "$out/r.log" 2>&1 \
    || { cat "$out/r.log"; fail "restart without a deck failed"; }
  grep -q "restarted from" "$out/r.log" || fail "no restart line"
  a=$(grep -o 'checksum 0x[0-9a-f]*' "$out/straight.log"); b=$(grep -o 'checksum 0x[0-9a-f]*' "$out/r.log")
  [ -n "$a" ] && [ "$a" = "$b" ] || fail "restart without a deck gave '$b', the straight run '$a'" ;;
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
damaged)
  # a checkpoint of this build (format 3: content hashes) and the committed format-2 file
  # (no hashes: values only), each damaged one way; at 1 and 2 ranks: exit 65 and one
  # message naming the file and the damaged item; never a crash
  run 2 "$deck" -var events 3000 -var prefix "$out/ok" > "$out/ok.log" 2>&1 || { cat "$out/ok.log"; fail "base run"; }
  ck=$(cat "$out/ok.ckpt.latest") v2=tests/data/restart_v2.ckpt.h5 v2deck=tests/data/restart_v2.deck
  py=/usr/bin/python3 # Debian's, with python3-h5py
  damage() { # damage NAME FROM PYTHON: a copy of FROM as $out/NAME.h5, changed by PYTHON (f: the file)
    cp "$2" "$out/$1.h5"
    $py -c "import h5py, numpy as np, os
f = h5py.File('$out/$1.h5', 'r+')
$3
f.close()" || fail "cannot damage $1"
  }
  flip() { # flip NAME FROM DATASET INDEX MASK: XOR one byte of a contiguous dataset, on disk
    cp "$2" "$out/$1.h5"
    $py -c "import h5py
with h5py.File('$out/$1.h5', 'r') as f: off = f['$3'].id.get_offset() + $4
with open('$out/$1.h5', 'r+b') as b:
    b.seek(off); v = b.read(1)[0]; b.seek(off); b.write(bytes([v ^ $5]))" || fail "cannot flip $1"
  }
  expect65() { # expect65 FILE DECK MESSAGE: at 1 and 2 ranks
    for np in 1 2; do
      run $np -restart "$1" "$2" -var prefix "$out/x$np" > "$out/d.log" 2>&1; local rc=$?
      local n; n=$(grep -cF -- "$3" "$out/d.log")
      [ $rc -eq 65 ] && [ "$n" -eq 1 ] \
        || { cat "$out/d.log"; fail "$1 on $np ranks: exit $rc (want 65), '$3' seen $n times"; }
      grep -qiE "segmentation|signal|core dumped|sanitizer" "$out/d.log" && { cat "$out/d.log"; fail "$1 crashed"; }
    done
  }
  # format 3: every item against its hash
  flip site3 "$ck" site 4000 0x01
  expect65 "$out/site3.h5" "$deck" "checkpoint '$out/site3.h5' is damaged: dataset 'site' does not match its stored content hash"
  damage time3 "$ck" "f.attrs.modify('time_s', np.array([np.nan]))"
  expect65 "$out/time3.h5" "$deck" "checkpoint '$out/time3.h5' is damaged: attribute 'time_s' does not match its stored content hash"
  damage blob3 "$ck" "del f['pot_model'].attrs['hop_base']; f['pot_model'].attrs['hop_base'] = np.frombuffer(os.urandom(16), np.uint8)"
  expect65 "$out/blob3.h5" "$deck" "checkpoint '$out/blob3.h5' is damaged: attribute 'pot_model/hop_base' does not match its stored content hash"
  damage cfg3 "$ck" "f['config'].attrs.modify('box', np.array([24, 24, 17], np.int32))"
  expect65 "$out/cfg3.h5" "$deck" "checkpoint '$out/cfg3.h5' is damaged: attribute 'config/box' does not match its stored content hash"
  damage tiles3 "$ck" "t = f['tiles'][()]; t[1, 2, 2] += 1; f['tiles'][...] = t"
  expect65 "$out/tiles3.h5" "$deck" "checkpoint '$out/tiles3.h5' is damaged: dataset 'tiles' does not match its stored content hash"
  damage hash3 "$ck" "del f['content_fnv1a64'].attrs['@sweeps']"
  expect65 "$out/hash3.h5" "$deck" "checkpoint '$out/hash3.h5' is damaged: attribute 'sweeps' has no stored content hash"
  damage fmt3 "$ck" "f.attrs.modify('format', np.array([2], np.int32))"
  expect65 "$out/fmt3.h5" "$deck" "checkpoint '$out/fmt3.h5' is damaged: attribute 'format' says 2, but the file holds the content hashes of format 3"
  head -c $(( $(stat -c %s "$ck") * 2 / 3 )) "$ck" > "$out/trunc3.h5"
  expect65 "$out/trunc3.h5" "$deck" "cannot read '$out/trunc3.h5' as HDF5 (truncated?)"
  # format 2: no hashes, so the values themselves
  damage time2 "$v2" "f.attrs.modify('time_s', np.array([np.nan]))"
  expect65 "$out/time2.h5" "$v2deck" "checkpoint '$out/time2.h5' is damaged: time_s holds nan (a time is finite and >= 0)"
  flip sp2 "$v2" site 5000 0x0f # an empty site (z 4: above the fill) becomes species 15
  expect65 "$out/sp2.h5" "$v2deck" "checkpoint '$out/sp2.h5' is damaged: dataset 'site' holds byte 0x0f at site (x 4, y 8, z 4, basis 0), which is no species with flags"
  damage li2 "$v2" "s = f['site'][()]; s[12, 0, 0, 0] = 1; f['site'][...] = s" # an empty site turned Li
  expect65 "$out/li2.h5" "$v2deck" "checkpoint '$out/li2.h5' is damaged: dataset 'site' holds 1411 Li sites, but li_initial (1402) and the event counters of dataset 'tiles' (+8) give 1410"
  damage rng2 "$v2" "t = f['tiles'][()]; t[2, 3, 1] ^= np.uint64(1); f['tiles'][...] = t"
  expect65 "$out/rng2.h5" "$v2deck" "checkpoint '$out/rng2.h5' is damaged: dataset 'tiles' holds an even PCG32 increment for tile (3, 2) (an increment is odd)"
  damage blob2 "$v2" "f['pot_model'].attrs.modify('table', np.array([1, 0], np.uint8)); f['pot_model'].attrs.modify('table_len', np.array([123456789, 0], np.int32))"
  expect65 "$out/blob2.h5" "$v2deck" "checkpoint '$out/blob2.h5' is damaged: pot_model field 'table_len' holds 123456789; kmc writes 1 to 16"
  damage text2 "$v2" "del f['config'].attrs['prefix']; f['config'].attrs['prefix'] = np.bytes_(b'ab\x01\x02\x1b[2Jcd')"
  expect65 "$out/text2.h5" "$v2deck" "checkpoint '$out/text2.h5': config field 'prefix' (\`output prefix\`) is damaged"
  ;;
killed)
  # kill -9 right after a checkpoint whose sweep is a snapshot sweep but no thermo sweep
  # (test hook KMC_TEST_CKPT_KILL=N: SIGKILL after the Nth checkpoint is committed): the
  # snapshots written since the last thermo row must be on disk, and the restarted run's
  # file must hold every snapshot the straight run's does. Checkpoints and snapshots
  # every 5 sweeps, thermo every 50: killed after checkpoint 4, at sweep 20.
  sed -e 's/^checkpoint every 25/checkpoint every 5/' -e 's|\.\./\.\./\.\./potentials|'"$PWD"'/potentials|' \
    "$deck" > "$out/k.deck"
  args=(-var events 40000 -var snap 5)
  run 2 "$out/k.deck" "${args[@]}" -var prefix "$out/s" > "$out/s.log" 2>&1 || { cat "$out/s.log"; fail "straight run"; }
  KMC_TEST_CKPT_KILL=4 run 2 "$out/k.deck" "${args[@]}" -var prefix "$out/k" > "$out/k1.log" 2>&1 \
    && { cat "$out/k1.log"; fail "the killed run exited 0"; }
  grep -q "KMC_TEST_CKPT_KILL: SIGKILL after checkpoint $out/k.ckpt.000020.h5" "$out/k1.log" \
    || { cat "$out/k1.log"; fail "not killed after checkpoint 20"; }
  grep -q "k.ckpt.000020.h5" "$out/k.ckpt.latest" || fail "the pointer does not name checkpoint 20"
  have=$(/usr/bin/python3 -c "import h5py; print(' '.join(str(int(k)) for k in sorted(h5py.File('$out/k.h5', 'r')['snapshots'])))")
  [ "$have" = "0 5 10 15 20" ] || fail "after kill -9 at sweep 20 the run file holds snapshots '$have', want '0 5 10 15 20'"
  run 2 -restart "$(cat "$out/k.ckpt.latest")" "$out/k.deck" "${args[@]}" -var prefix "$out/k" > "$out/k2.log" 2>&1 \
    || { cat "$out/k2.log"; fail "restart"; }
  /usr/bin/python3 tests/check_runfile.py same "$out/s.h5" "$out/k.h5" > "$out/same.log" \
    || { cat "$out/same.log"; fail "the restarted run file differs from the straight run's"; }
  /usr/bin/python3 tests/check_runfile.py xdmf "$out/k.xmf" > /dev/null || fail "xdmf"
  ! ls "$out"/*.tmp >/dev/null 2>&1 || fail "a .tmp file is left: $(ls "$out"/*.tmp)" ;;
*) fail "unknown mode" ;;
esac
echo "PASS ($mode)"
