#!/usr/bin/env python3
"""Read a kmc run file (PREFIX.h5) with h5py (Debian: python3-h5py).

    python3 tools/kmc_read.py run.h5          # summary: columns, last row, snapshots

As a module:
    from kmc_read import load
    run = load("run.h5")
    run["timeseries"]["time_s"], run["timeseries"]["dead_Li"]       # numpy arrays
    index, time_s, species, flags = run["snapshots"][-1]              # [nz][ny][nx][basis]
    li = (species == 1)                                                # species codes: README
    dead = (flags == 2)                                                # 1 active, 2 dead, 3 void
    run["cycles"]["ce_pct"], run["cycles"]["dead_li_mAh_cm2"]          # a protocol run: one
                                                                       # entry per cycle
    run["units"]["cycles"]["thickness_um"]                             # "um"

The per-cycle table (/cycles, written by runs with `step` lines) has the columns of
PREFIX.cycles.csv (README, 'Outputs'); it is {} for runs without a protocol.
"""
import sys

import h5py
import numpy as np


def load(path):
    """Time series (dict of columns) and snapshots (index, time_s, species, flags),
    the snapshots in increasing index (the order of the run), so [-1] is the last."""
    with h5py.File(path, "r") as f:
        ts = f["timeseries"]
        cols = ts.attrs["columns"].decode() if isinstance(ts.attrs["columns"], bytes) else ts.attrs["columns"]
        data = ts[()]
        series = {name: data[:, i] for i, name in enumerate(cols.split(","))}
        units = {"timeseries": dict(zip(cols.split(","), _text(ts.attrs["units"]).split(",")))}
        cycles = {}
        if "cycles" in f:  # a protocol run's per-cycle table: one row per cycle
            c = f["cycles"]
            names = _text(c.attrs["columns"]).split(",")
            table = c[()].reshape(-1, len(names))
            cycles = {name: table[:, i] for i, name in enumerate(names)}
            units["cycles"] = dict(zip(names, _text(c.attrs["units"]).split(",")))
        snaps = []
        for name in f["snapshots"].keys():
            g = f["snapshots"][name]
            snaps.append((int(g.attrs["index"]), float(g.attrs["time_s"]),
                          np.asarray(g["species"]), np.asarray(g["flags"])))
        # in the order of the run: by the stored index (event or sweep), then time; never
        # by the group name (older files padded names to 6 digits, and exact-mode
        # runs pass 10^6 events, so names sorted as text were out of order)
        snaps.sort(key=lambda s: (s[0], s[1]))
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    return {"timeseries": series, "snapshots": snaps, "attrs": attrs, "cycles": cycles,
            "units": units}


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 64
    run = load(argv[1])
    ts = run["timeseries"]
    print("kmc %s, seed %s, %s ranks, checksum %s" % (run["attrs"].get("kmc_version"),
          run["attrs"].get("seed"), run["attrs"].get("ranks"), run["attrs"].get("checksum")))
    n = len(ts["step"])
    print("time series: %d rows; columns: %s" % (n, ", ".join(ts)))
    if n:
        print("last row: " + ", ".join("%s=%g" % (k, v[-1]) for k, v in ts.items()))
    cyc = run["cycles"]
    if cyc:
        print("cycles: %d rows; columns: %s" % (len(cyc["cycle"]), ", ".join(cyc)))
        for i in range(len(cyc["cycle"])):
            print("cycle %d  t_end = %.6e s  CE %.4f %%  dead Li %.4g  SEI %.4g mAh/cm2  "
                  "thickness %.4g um" % (cyc["cycle"][i], cyc["t_end_s"][i], cyc["ce_pct"][i],
                                         cyc["dead_li_mAh_cm2"][i], cyc["sei_li_mAh_cm2"][i],
                                         cyc["thickness_um"][i]))
    for index, t, sp, fl in run["snapshots"]:
        # species 8 is lizn: a Zn site holding one trapped Li (kmc/evt_alloy.c)
        print("snapshot %12d  t = %.6e s  shape %s  Li %d  dead %d  void %d  LiZn %d" % (
            index, t, sp.shape, int((sp == 1).sum()), int((fl == 2).sum()), int((fl == 3).sum()),
            int((sp == 8).sum())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
