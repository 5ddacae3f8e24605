#!/usr/bin/env python3
"""tests/check_snap_order.py RUN.h5 LOG [STEP] — snapshots of an exact-mode run past
10^6 events, read through tools/kmc_read.py:
  - come back in increasing index and time (every STEP events, then the end);
  - the last one is the final lattice: its index is the summary's event count, its
    Li site count the summary's "Li atoms", and the checksum recomputed here from
    species + flags (sum of mix64(gid * 256 + byte) mod 2^64, as the engine's
    eng_checksum_global) is the one the summary and the file print;
  - the group names list in index order (a plain h5ls sorts);
  - a copy with the 6-digit names of older files still reads in index order."""
import os
import re
import shutil
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from kmc_read import load  # noqa: E402

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix64(x):
    """SplitMix64 finaliser (kmc/base/pcg32.c pcg32_mix64), on uint64 arrays"""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def checksum(species, flags):
    byte = species.astype(np.uint64) | (flags.astype(np.uint64) << np.uint64(4))
    gid = np.arange(species.size, dtype=np.uint64)  # [z][y][x][basis], C order
    with np.errstate(over="ignore"):
        return int(mix64(gid * np.uint64(256) + byte.ravel()).sum(dtype=np.uint64))


def check_order(snaps, step, final_events, what):
    idx = [s[0] for s in snaps]
    t = [s[1] for s in snaps]
    want = list(range(0, final_events, step)) + [final_events]
    if idx != want:
        sys.exit("FAIL %s: snapshot indices %s, expected %s" % (what, idx, want))
    if any(b <= a for a, b in zip(t, t[1:])):
        sys.exit("FAIL %s: snapshot times not increasing: %s" % (what, t))


def main():
    h5, log = sys.argv[1], open(sys.argv[2]).read()
    step = int(sys.argv[3]) if len(sys.argv) > 3 else 400000
    events = int(re.search(r"^  events +(\d+)", log, re.M).group(1))
    li = int(re.search(r"^  Li atoms +(\d+)", log, re.M).group(1))
    csum = int(re.search(r"^checksum 0x([0-9a-f]+)$", log, re.M).group(1), 16)
    if events <= 1000000:
        sys.exit("FAIL: the run must pass 10^6 events, it made %d" % events)
    run = load(h5)
    snaps = run["snapshots"]
    check_order(snaps, step, events, "reader")
    index, t, sp, fl = snaps[-1]
    if int((sp == 1).sum()) != li:
        sys.exit("FAIL: last snapshot has %d Li sites, the summary %d" % ((sp == 1).sum(), li))
    got = checksum(sp, fl)
    if got != csum:
        sys.exit("FAIL: checksum of the last snapshot 0x%016x, the run's 0x%016x" % (got, csum))
    if str(run["attrs"].get("checksum")) not in ("0x%016x" % csum, str(csum)):
        print("note: file checksum attribute %r" % run["attrs"].get("checksum"))
    with h5py.File(h5, "r") as f:
        names = list(f["snapshots"].keys())
        by_idx = sorted(names, key=lambda n: int(f["snapshots"][n].attrs["index"]))
        if sorted(names) != by_idx:
            sys.exit("FAIL: group names do not sort in index order: %s" % names)
    # an older file: 6-digit names, which as text sort 1000000 before 400000
    old = h5 + ".old6.h5"
    shutil.copyfile(h5, old)
    with h5py.File(old, "r+") as f:
        g = f["snapshots"]
        for n in list(g.keys()):
            g.move(n, "%06d" % int(g[n].attrs["index"]))
        if sorted(g.keys()) == [("%06d" % i) for i in sorted(int(n) for n in g.keys())]:
            sys.exit("FAIL: the 6-digit copy sorts by name anyway; the test proves nothing")
    check_order(load(old)["snapshots"], step, events, "reader on 6-digit names")
    print("ok: %d snapshots in index order up to %d events; last = final lattice "
          "(%d Li, checksum 0x%016x)" % (len(snaps), events, li, csum))


main()
