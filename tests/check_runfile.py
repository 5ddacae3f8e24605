#!/usr/bin/env python3
"""Checks of kmc run files (tests/runfile_cases.sh). Exit 0 = pass.
  xdmf FILE.xmf               well-formed XML; every HDF path it names exists with the stated shape
  same A.h5 B.h5              the same run on two rank counts: equal time series (but the wall-clock
                              column), snapshots and checksum
  roundtrip RUN.h5 CKPT.h5    the last snapshot equals the checkpoint's lattice (species + flags)
"""
import os
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def xdmf(path):
    root = ET.parse(path).getroot()
    folder = os.path.dirname(path)
    n = 0
    for item in root.iter("DataItem"):
        if item.get("Format") != "HDF":
            continue
        fname, dset = item.text.strip().split(":")
        dims = tuple(int(d) for d in item.get("Dimensions").split())
        with h5py.File(os.path.join(folder, fname), "r") as f:
            if dset not in f:
                fail("%s names %s:%s, which does not exist" % (path, fname, dset))
            if f[dset].shape != dims:
                fail("%s: %s has shape %s, the XDMF says %s" % (path, dset, f[dset].shape, dims))
        n += 1
    if n == 0:
        fail("no HDF data items in " + path)
    print("xdmf ok: %d data items" % n)


def same(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        ta, tb = fa["timeseries"][()], fb["timeseries"][()]
        cols = fa["timeseries"].attrs["columns"]
        cols = (cols.decode() if isinstance(cols, bytes) else cols).split(",")
        keep = [i for i, c in enumerate(cols) if c != "events_per_s"]
        if ta.shape != tb.shape or not np.array_equal(ta[:, keep], tb[:, keep]):
            fail("time series differ: %s vs %s" % (ta.shape, tb.shape))
        sa, sb = sorted(fa["snapshots"].keys()), sorted(fb["snapshots"].keys())
        if sa != sb:
            fail("snapshots differ: %s vs %s" % (sa, sb))
        for s in sa:
            for d in ("species", "flags"):
                if not np.array_equal(fa["snapshots"][s][d][()], fb["snapshots"][s][d][()]):
                    fail("snapshot %s/%s differs" % (s, d))
            if fa["snapshots"][s].attrs["time_s"] != fb["snapshots"][s].attrs["time_s"]:
                fail("snapshot %s time differs" % s)
        if fa.attrs["checksum"] != fb.attrs["checksum"]:
            fail("checksums differ")
    print("same ok: %d rows, %d snapshots" % (ta.shape[0], len(sa)))


def roundtrip(run, ckpt):
    with h5py.File(run, "r") as fr, h5py.File(ckpt, "r") as fc:
        # the newest snapshot by its stored index, never by name (older files pad
        # names to 6 digits, which sort 1000000 before 400000)
        last = max(fr["snapshots"].keys(), key=lambda k: int(fr["snapshots"][k].attrs["index"]))
        sp, fl = fr["snapshots"][last]["species"][()], fr["snapshots"][last]["flags"][()]
        site = fc["site"][()]
        if not np.array_equal(site, sp | (fl << 4)):
            fail("snapshot %s differs from the checkpoint lattice" % last)
    print("roundtrip ok: snapshot %s == checkpoint" % last)


if __name__ == "__main__":
    mode = sys.argv[1]
    {"xdmf": lambda: xdmf(sys.argv[2]), "same": lambda: same(sys.argv[2], sys.argv[3]),
     "roundtrip": lambda: roundtrip(sys.argv[2], sys.argv[3])}[mode]()
