#!/usr/bin/env bash
# tests/runfile_order.sh KMC OUT — an exact-mode run past 10^6 events with a snapshot
# every 400000: tools/kmc_read.py returns the snapshots in index and time order, the
# last is the final lattice (Li count, checksum), the names list in order, old
# 6-digit names still read in order, and the XDMF is well formed (check_runfile.py).
set -u
kmc=$1 out=$2
py=/usr/bin/python3  # Debian's, with python3-h5py
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$out"; mkdir -p "$out"
mpirun -np 1 "$kmc" tests/data/snap_exact.deck -var prefix "$out/se" > "$out/log" 2>&1 ||
  { cat "$out/log"; fail "kmc exit $?"; }
$py tests/check_snap_order.py "$out/se.h5" "$out/log" 400000 || fail "snapshot order"
$py tests/check_runfile.py xdmf "$out/se.xmf" || fail "xdmf"
# the XDMF lists the snapshots in time order
$py - "$out/se.xmf" <<'PY' || fail "xdmf time order"
import re, sys
t = [float(v) for v in re.findall(r'<Time Value="([^"]+)"', open(sys.argv[1]).read())]
sys.exit(0 if len(t) == 5 and t == sorted(t) and len(set(t)) == 5 else "times %s" % t)
PY
echo PASS
