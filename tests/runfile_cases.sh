#!/usr/bin/env bash
# tests/runfile_cases.sh KMC OUT — the run file PREFIX.h5 / PREFIX.xmf:
#   identical (datasets) on 1 and 3 ranks; the XDMF names existing datasets with their
#   shapes; the last snapshot equals the checkpoint lattice; h5dump and the h5py reader
#   read it; a restart from an older checkpoint truncates the run file back to it and
#   continues to the same file as the straight run.
set -u
kmc=$1 out=$2
deck=tests/decks/good/restart.deck
py=/usr/bin/python3  # Debian's, with python3-h5py
fail() { echo "FAIL: $*"; exit 1; }
run() { mpirun -np "$1" --oversubscribe "$kmc" "${@:2}" > "$out/log.$RANDOM" 2>&1 || fail "kmc ${*:2}"; }
rm -rf "$out"; mkdir -p "$out"
args="-var snap 200"
run 1 "$deck" -var events 80000 -var prefix "$out/s1" $args
run 3 "$deck" -var events 80000 -var prefix "$out/s3" $args
$py tests/check_runfile.py same "$out/s1.h5" "$out/s3.h5" || fail "rank counts"
$py tests/check_runfile.py xdmf "$out/s1.xmf" || fail "xdmf"
$py tests/check_runfile.py roundtrip "$out/s1.h5" "$(cat "$out/s1.ckpt.latest")" || fail "roundtrip"
h5dump -H "$out/s1.h5" > /dev/null || fail "h5dump"
$py tools/kmc_read.py "$out/s1.h5" > "$out/reader.txt" || fail "reader"
grep -q "^snapshot" "$out/reader.txt" || fail "reader printed no snapshot"
# half run, then restart from its OLDER checkpoint (keep 2): the run file has rows and
# snapshots beyond it, which the restart must cut back
run 2 "$deck" -var events 40000 -var prefix "$out/h" $args
older=$(ls "$out"/h.ckpt.*.h5 | sort | head -1)
run 3 -restart "$older" "$deck" -var events 80000 -var prefix "$out/h" $args
$py tests/check_runfile.py same "$out/s1.h5" "$out/h.h5" || fail "restarted run file"
echo "PASS"
