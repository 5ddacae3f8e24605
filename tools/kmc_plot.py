#!/usr/bin/python3
"""kmc-plot: PNG figures from kmc runs and sweeps (matplotlib, Agg; docs/tools.md).

    tools/kmc-plot INPUT... [--out DIR] [--plot NAME]... [--json]

INPUT: a run file (PREFIX.h5), a per-cycle table (PREFIX.cycles.csv), a Battery Data
Format time series (PREFIX.bdf.csv), kmc's log (stdout or -log FILE: its cycle lines),
a run folder (any of those inside), or a sweep folder / its summary.h5 / summary.csv.
Plots (--plot, repeatable; default: every plot the inputs can make):
    cycles      CE, dead Li0 and SEI Li+ versus cycle (a sweep: mean over seeds per
                grid point)
    voltage     voltage (BDF) or overpotential (run file) versus capacity, each cycle
    morphology  porosity and roughness versus cycle (or versus time from a run file)
    section     an x-z cross-section of a snapshot coloured by species, dead Li marked
    response    a swept parameter's effect (e.g. dead Li after N cycles), mean and
                standard error over seeds
--json writes NAME.json next to each NAME.png: per axes its labels, curves and points.
Exit codes: 0 the figures were written; 64 usage; 65 an input lacks what a requested
plot needs (the message says what); 66 an input cannot be read.
"""
import argparse
import csv
import json
import math
import os
import re
import sys

import numpy as np

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import kmc_sweep  # noqa: E402  (the log parser and the sweep folder's layout)

E_C = 1.602176634e-19          # elementary charge, C
C_PER_MAH = 3.6                # 1 mAh = 3.6 C
PLOTS = ["cycles", "voltage", "morphology", "section", "response"]

# Species codes of the site byte's low 4 bits (kmc/base/species.h) and their colours
SPECIES = {0: ("electrolyte", "#ffffff"), 1: ("Li", "#7fb3e6"), 2: ("Cu", "#c87533"),
           3: ("Ag", "#a8a9ad"), 4: ("implant", "#8e44ad"), 5: ("Zn", "#6c7a89"),
           6: ("SEI", "#d4c25a"), 7: ("oxide", "#5d4037")}
DEAD_COLOUR, VOID_COLOUR, NOSITE_COLOUR = "#e41a1c", "#222222", "#eeeeee"
COLLECTOR_SPECIES = (2, 3, 4, 5, 7)
FLAG_DEAD, FLAG_VOID = 2, 3
BDF = {"t": "Test Time / s", "V": "Voltage / V", "I": "Current / A",
       "cycle": "Cycle Count / 1", "step": "Step Count / 1",
       "qc": "Charge Capacity / Ah", "qd": "Discharge Capacity / Ah"}


class PlotError(Exception):
    def __init__(self, msg, code=65):
        super().__init__(msg)
        self.code = code


# ------------------------------------------------------------------------- inputs

def sniff(path):
    """The kind of one input: runfile, cycles, bdf, log, summary_h5, summary_csv,
    sweep (folder) or rundir (folder)."""
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, "sweep.json")):
            return "sweep"
        return "rundir"
    if not os.path.isfile(path):
        raise PlotError("cannot open '%s': no such file or folder" % path, 66)
    if path.endswith(".h5"):
        import h5py
        try:
            with h5py.File(path, "r") as f:
                if "timeseries" in f:
                    return "runfile"
                if "cycles" in f and "runs" in f:
                    return "summary_h5"
                if "site" in f:
                    raise PlotError("'%s' is a checkpoint; give the run file PREFIX.h5 "
                                    "(`snapshot every N`)" % path)
        except OSError as e:
            raise PlotError("cannot read '%s' as HDF5: %s" % (path, e), 66)
        raise PlotError("'%s' is neither a kmc run file (/timeseries) nor a sweep summary "
                        "(/cycles, /runs)" % path)
    with open(path, errors="replace") as f:
        head = f.readline()
        rest = f.read(200000)
    cols = [c.strip() for c in head.strip().split(",")]
    if BDF["t"] in cols:
        return "bdf"
    if "run" in cols and "status" in cols:
        return "summary_csv"
    if "cycle" in cols:
        return "cycles"
    if head.startswith("kmc ") or head.startswith("# kmc-sweep") or "cycle " in rest:
        return "log"
    raise PlotError("'%s': not a kmc input (a run file, cycles.csv, bdf.csv, log or "
                    "sweep summary); its first line is %r" % (path, head[:80]))


def read_table(path):
    """A CSV as a dict of columns (numpy float arrays where every value parses)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise PlotError("'%s' is empty" % path)
    header = [h.strip() for h in rows[0]]
    cols = {}
    for i, h in enumerate(header):
        vals = [r[i] if i < len(r) else "" for r in rows[1:]]
        try:
            cols[h] = np.array([float(v) if v != "" else np.nan for v in vals])
        except ValueError:
            cols[h] = np.array(vals, dtype=object)
    return cols


def log_cycles(path):
    """The cycle table of kmc's log (today's stand-in for PREFIX.cycles.csv): a log of
    kmc-sweep's (restarts marked) or kmc's own stdout / -log FILE."""
    rows, _, _, _ = kmc_sweep.parse_log(path)
    if not rows:
        return None
    keys = sorted({k for r in rows for k in r}, key=lambda k: (k != "cycle", k))
    return {k: np.array([r.get(k, np.nan) for r in rows], dtype=float) for k in keys}


def load_runfile(path):
    import kmc_read
    run = kmc_read.load(path)
    pot = run["attrs"].get("potential", "")
    m = re.search(r"^\s*lattice\s+\w+\s+a\s+([0-9.eE+-]+)\s+(Ang|nm)", pot, re.M)
    run["a_ang"] = (float(m.group(1)) * (10.0 if m.group(2) == "nm" else 1.0)) if m else None
    return run


class Inputs:
    """What the inputs hold: a cycle table, a BDF series, a run file, a sweep summary."""

    def __init__(self, paths):
        self.cycles = self.cycles_src = self.bdf = self.run = self.sweep = None
        self.names = []
        for p in paths:
            self.add(p)

    def add(self, path):
        kind = sniff(path)
        self.names.append(path)
        if kind == "sweep":
            for n in ("summary.h5", "summary.csv"):
                if os.path.isfile(os.path.join(path, n)):
                    self.add(os.path.join(path, n))
                    break
            else:
                raise PlotError("sweep folder '%s' has no summary yet: run `kmc-sweep "
                                "--collect --out %s`" % (path, path), 66)
        elif kind == "rundir":
            found = False
            for n in sorted(os.listdir(path)):
                p = os.path.join(path, n)
                if n.endswith((".cycles.csv", ".bdf.csv")) or n == "run.log" or \
                        (n.endswith(".h5") and ".ckpt." not in n):
                    self.add(p)
                    found = True
            if not found:
                raise PlotError("folder '%s' holds no run file, cycles.csv, bdf.csv or "
                                "run.log" % path, 66)
        elif kind == "cycles":
            self.cycles, self.cycles_src = read_table(path), path
        elif kind == "log":
            t = log_cycles(path)
            if t is not None and self.cycles is None:   # a cycles.csv wins over the log
                self.cycles, self.cycles_src = t, path
        elif kind == "bdf":
            self.bdf = read_table(path)
            self.bdf_src = path
        elif kind == "runfile":
            self.run = load_runfile(path)
            self.run_src = path
        elif kind == "summary_h5":
            self.sweep = load_summary_h5(path)
        elif kind == "summary_csv":
            self.sweep = load_summary_csv(path)


def load_summary_h5(path):
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        for g in ("cycles", "runs"):
            cols = f[g].attrs["columns"]
            cols = (cols.decode() if isinstance(cols, bytes) else cols).split(",")
            t = {}
            for c in cols:
                d = f[g][c.replace("/", "_")][()]
                if d.dtype.kind in "OS":
                    d = np.array([x.decode() if isinstance(x, bytes) else x for x in d], dtype=object)
                t[c] = d
            out[g] = t
        sw = f.attrs.get("swept", "")
        out["swept"] = [s for s in (sw.decode() if isinstance(sw, bytes) else sw).split(",") if s]
    out["src"] = path
    return out


def load_summary_csv(path):
    cyc = read_table(path)
    runs_csv = os.path.join(os.path.dirname(path), "runs.csv")
    runs = read_table(runs_csv) if os.path.isfile(runs_csv) else {}
    plan = kmc_sweep.read_json(os.path.join(os.path.dirname(path), "sweep.json")) or {}
    swept = [n for n, _ in plan.get("grid", [])]
    if not swept:                  # the columns between run and seed
        keys = list(cyc)
        swept = keys[keys.index("run") + 1:keys.index("seed")] if "seed" in keys else []
    return {"cycles": cyc, "runs": runs, "swept": swept, "src": path}


# ------------------------------------------------------------------------- helpers

def need(table, cols, what, src):
    miss = [c for c in cols if table is None or c not in table]
    if miss:
        raise PlotError("%s: %s has no column %s" % (what, src, ", ".join(repr(c) for c in miss)))


def finite(a):
    a = np.asarray(a, dtype=float)
    return a[np.isfinite(a)]


def dead_li_series(t):
    """Dead Li per cycle, mAh/cm2: the table's column, or (kmc's log) the running sum of
    the dead Li created in each cycle. Returns (values, label) or (None, None)."""
    if "dead_li_mAh_cm2" in t and np.isfinite(t["dead_li_mAh_cm2"].astype(float)).any():
        return t["dead_li_mAh_cm2"].astype(float), "dead Li$^0$"
    if "dead_li_added_mAh_cm2" in t:
        return np.cumsum(np.nan_to_num(t["dead_li_added_mAh_cm2"].astype(float))), \
            "dead Li$^0$ (sum of the log's per-cycle changes)"
    return None, None


def fmt_value(v):
    """A swept value as the user typed it: 2.0 -> '2', 3e8 -> '3e+08'."""
    if isinstance(v, (float, np.floating)):
        return "%d" % v if float(v).is_integer() and abs(v) < 1e6 else "%g" % v
    return str(v)


def value_order(key):
    """Sort grid points by their values as numbers where they are numbers."""
    out = []
    for v in key:
        try:
            out.append((0, float(v), ""))
        except ValueError:
            out.append((1, 0.0, v))
    return out


def describe(fig):
    """What a figure shows, for the --json sidecar and the tests: per axes its labels,
    the curves (points each), images (shape) and error bars."""
    axes = []
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        # a curve: a line with a label (helper lines such as the zero line start with
        # '_'), or the data line of an error-bar container (its caps are not curves)
        curves, seen, nerr = [], set(), 0
        for c in ax.containers:
            if c.__class__.__name__ == "ErrorbarContainer":
                nerr += 1
                data, caps, _ = c
                seen.update([data] + list(caps))
                if data is not None:
                    curves.append((c.get_label(), data))
        curves += [(l.get_label(), l) for l in ax.get_lines()
                   if l not in seen and not l.get_label().startswith("_")]
        axes.append({
            "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "curves": [{"label": lab, "points": int(np.isfinite(
                np.asarray(l.get_ydata(), dtype=float)).sum())} for lab, l in curves],
            "errorbars": nerr,
            "images": [list(im.get_array().shape) for im in ax.get_images()],
        })
    return {"axes": axes}


# ------------------------------------------------------------------------- plots

def plot_cycles(inp):
    t, src = inp.cycles, inp.cycles_src
    if t is None:
        if inp.sweep is not None:
            return plot_cycles_sweep(inp.sweep)
        raise PlotError("cycles: no cycle table in the inputs (PREFIX.cycles.csv, or kmc's "
                        "log with its cycle lines); a run file alone has no cycle ends")
    need(t, ["cycle", "ce_pct"], "cycles", src)
    cyc = t["cycle"].astype(float)
    fig, (a1, a2) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 6.0))
    a1.plot(cyc, t["ce_pct"].astype(float), "o-", color="C0", label="CE")
    a1.set_ylabel("Coulombic efficiency / %")
    a1.set_title("Coulombic efficiency and lost lithium per cycle")
    a1.grid(alpha=0.3)
    dead, dlabel = dead_li_series(t)
    n = 0
    if dead is not None:
        a2.plot(cyc, dead, "s-", color=DEAD_COLOUR, label=dlabel)
        n += 1
    if "sei_li_mAh_cm2" in t and np.isfinite(t["sei_li_mAh_cm2"].astype(float)).any():
        a2.plot(cyc, t["sei_li_mAh_cm2"].astype(float), "^-", color="#b8a100", label="SEI Li$^+$")
        n += 1
    if n == 0:
        raise PlotError("cycles: %s has neither dead Li (dead_li_mAh_cm2, or the log's "
                        "'dead Li' with `percolate every N`) nor SEI Li (sei_li_mAh_cm2)" % src)
    a2.set_ylabel("lithium / mAh cm$^{-2}$")
    a2.set_xlabel("cycle")
    a2.xaxis.set_major_locator(MaxNLocator(integer=True))
    a2.legend(loc="best", fontsize=8)
    a2.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def sweep_groups(sw):
    """The finished runs' cycle rows of a sweep, grouped by their swept values:
    {(value, ...): {run: row indices}}."""
    cyc = sw["cycles"]
    need(cyc, ["run", "status", "cycle"], "cycles", sw["src"])
    groups = {}
    for i, (name, st) in enumerate(zip(cyc["run"], cyc["status"])):
        if st != "done" or not np.isfinite(float(cyc["cycle"][i])):
            continue
        key = tuple(fmt_value(cyc[p][i]) for p in sw["swept"])
        groups.setdefault(key, {}).setdefault(name, []).append(i)
    if not groups:
        raise PlotError("cycles: no finished run of the sweep has a cycle")
    return groups


def mean_sem_by_cycle(cyc, runs, values):
    """Per cycle: mean and standard error over the runs (seeds) that reached it."""
    per = {}
    for name, rows in runs.items():
        for i in rows:
            if np.isfinite(values[i]):
                per.setdefault(float(cyc["cycle"][i]), []).append(values[i])
    xs = sorted(per)
    mean = [float(np.mean(per[x])) for x in xs]
    sem = [float(np.std(per[x], ddof=1) / math.sqrt(len(per[x]))) if len(per[x]) > 1 else 0.0
           for x in xs]
    return xs, mean, sem


def plot_cycles_sweep(sw):
    """CE (top) and dead Li (bottom) per cycle, one curve per grid point: the mean
    over its seeds with the standard error."""
    cyc = sw["cycles"]
    need(cyc, ["ce_pct"], "cycles", sw["src"])
    groups = sweep_groups(sw)
    ce = cyc["ce_pct"].astype(float)
    if "dead_li_mAh_cm2" in cyc and np.isfinite(cyc["dead_li_mAh_cm2"].astype(float)).any():
        dead, dlabel = cyc["dead_li_mAh_cm2"].astype(float), "dead Li$^0$ / mAh cm$^{-2}$"
    elif "dead_li_added_mAh_cm2" in cyc:       # from logs: the running sum per run
        dead = np.full(len(ce), np.nan)
        add = np.nan_to_num(cyc["dead_li_added_mAh_cm2"].astype(float))
        for runs in groups.values():
            for rows in runs.values():
                rows = sorted(rows, key=lambda i: float(cyc["cycle"][i]))
                dead[rows] = np.cumsum(add[rows])
        dlabel = "dead Li$^0$ / mAh cm$^{-2}$ (sum of the logs' changes)"
    else:
        dead, dlabel = None, None
    fig, axs = plt.subplots(2 if dead is not None else 1, 1, sharex=True,
                            figsize=(6.4, 6.0 if dead is not None else 4.2), squeeze=False)
    a1 = axs[0][0]
    for key, runs in sorted(groups.items(), key=lambda kv: value_order(kv[0])):
        lab = ", ".join("%s = %s" % (p, v) for p, v in zip(sw["swept"], key)) or "all runs"
        lab += " (%d runs)" % len(runs)
        x, m, e = mean_sem_by_cycle(cyc, runs, ce)
        a1.errorbar(x, m, yerr=e, fmt="o-", capsize=3, label=lab)
        if dead is not None:
            x, m, e = mean_sem_by_cycle(cyc, runs, dead)
            axs[1][0].errorbar(x, m, yerr=e, fmt="s-", capsize=3, label=lab)
    a1.set_ylabel("Coulombic efficiency / %")
    a1.set_title("Per cycle, mean and standard error over seeds", fontsize=10)
    a1.legend(fontsize=7)
    last = axs[-1][0]
    if dead is not None:
        last.set_ylabel(dlabel, fontsize=8)
    last.set_xlabel("cycle")
    last.xaxis.set_major_locator(MaxNLocator(integer=True))
    for a in axs[:, 0]:
        a.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def voltage_from_bdf(b, src):
    need(b, [BDF["V"], BDF["cycle"], BDF["qc"], BDF["qd"]], "voltage", src)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    cyc = b[BDF["cycle"]].astype(float)
    V = b[BDF["V"]].astype(float)
    cycles = [c for c in np.unique(cyc[np.isfinite(cyc)])]
    colours = plt.cm.viridis(np.linspace(0, 0.9, max(1, len(cycles))))
    for c, col in zip(cycles, colours):
        idx = np.nonzero(cyc == c)[0]
        for key, style, word in (("qc", "-", "charge"), ("qd", "--", "discharge")):
            q = b[BDF[key]].astype(float)[idx]
            grow = np.nonzero(np.diff(q) > 0)[0]
            if len(grow) == 0:
                continue
            sel = np.union1d(grow, grow + 1)      # the row before each increase starts it
            qq = (q[sel] - q[sel[0]]) * 1e3       # mAh, from the step's start
            ax.plot(qq, V[idx][sel], style, color=col, label="cycle %d %s" % (c, word))
    if not ax.get_lines():
        raise PlotError("voltage: %s has no rows where a capacity grows" % src)
    ax.set_xlabel("capacity / mAh")
    ax.set_ylabel("voltage / V")
    ax.set_title("Voltage versus capacity, each cycle")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def box_area_cm2(run):
    """The box's x-y area from a snapshot's shape and the .pot's lattice constant."""
    if not run["snapshots"] or not run.get("a_ang"):
        return None
    nz, ny, nx, nb = run["snapshots"][0][2].shape
    return nx * ny * (run["a_ang"] * 1e-8) ** 2


def runfile_segments(run):
    """The time series cut where the current changes direction: plating (eta < 0) and
    stripping (eta > 0) segments, rests dropped; a plating segment after a stripping
    one starts the next cycle. Yields (cycle, 'plate'|'strip', row indices)."""
    ts = run["timeseries"]
    eta = ts["eta_mV"]
    kind = np.where(eta < 0, 1, np.where(eta > 0, 2, 0))
    cycle, last, segs, cur = 1, 0, [], None
    for i, k in enumerate(kind):
        if k == 0:
            cur = None
            continue
        if cur is None or cur[1] != k:
            if k == 1 and last == 2:
                cycle += 1
            cur = [cycle, k, [i - 1] if i > 0 else []]   # from the row before the change
            segs.append(cur)
            last = k
        cur[2].append(i)
    return [(c, "plate" if k == 1 else "strip", np.array(rows)) for c, k, rows in segs]


def voltage_from_runfile(run, src):
    ts = run["timeseries"]
    need(ts, ["eta_mV", "deposited", "stripped"], "voltage", src)
    area = box_area_cm2(run)
    scale = E_C / C_PER_MAH / area if area else 1.0
    unit = "mAh cm$^{-2}$" if area else "atoms"
    segs = runfile_segments(run)
    if not segs:
        raise PlotError("voltage: %s has no time-series row with a current (eta_mV is 0 "
                        "throughout)" % src)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ncyc = max(s[0] for s in segs)
    colours = plt.cm.viridis(np.linspace(0, 0.9, ncyc))
    for c, word, rows in segs:
        col = ts["deposited"] if word == "plate" else ts["stripped"]
        q = (col[rows] - col[rows[0]]) * scale
        eta = ts["eta_mV"][rows].copy()
        eta[0] = eta[1] if len(eta) > 1 else eta[0]   # the row before the step: its current
        ax.plot(q, eta, "-" if word == "plate" else "--", marker=".", color=colours[c - 1],
                label="cycle %d %s" % (c, "plating" if word == "plate" else "stripping"))
    ax.axhline(0, color="k", lw=0.5, label="_zero")
    ax.set_xlabel("charge passed in the step / %s" % unit)
    ax.set_ylabel("overpotential $\\eta$ / mV (plating < 0)")
    ax.set_title("Overpotential versus capacity, each cycle (run file, thermo rows)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_voltage(inp):
    if inp.bdf is not None:
        return voltage_from_bdf(inp.bdf, inp.bdf_src)
    if inp.run is not None:
        return voltage_from_runfile(inp.run, inp.run_src)
    raise PlotError("voltage: needs a Battery Data Format series (PREFIX.bdf.csv) or a run "
                    "file (PREFIX.h5, `snapshot every N`)")


def porosity_of(species):
    """Empty fraction of the sites between the collector's top and each column's
    topmost Li site: the pores inside the deposit (0 for a dense film)."""
    sp = species
    nz = sp.shape[0]
    coll = np.isin(sp, COLLECTOR_SPECIES)
    li = (sp == 1)
    z = np.arange(nz).reshape(nz, 1, 1, 1)
    ztop_li = np.where(li, z, -1).max(axis=(0, 3))                # per (y, x) column
    zcoll = np.where(coll, z, -1).max(axis=(0, 3))
    under = np.broadcast_to((z > zcoll[None, :, :, None]) & (z <= ztop_li[None, :, :, None]),
                            sp.shape)       # every basis site of those cell layers
    n = under.sum()
    return float((under & (sp == 0)).sum() / n) if n else np.nan


def plot_morphology(inp):
    t = inp.cycles
    if t is not None and "porosity" in t and "rms_roughness_nm" in t:
        fig, (a1, a2) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 6.0))
        c = t["cycle"].astype(float)
        a1.plot(c, t["porosity"].astype(float), "o-", color="C2", label="porosity")
        a1.set_ylabel("porosity")
        a1.set_title("Deposit porosity and roughness at each cycle's end")
        a2.plot(c, t["rms_roughness_nm"].astype(float), "s-", color="C1", label="RMS roughness")
        a2.set_ylabel("RMS roughness / nm")
        a2.set_xlabel("cycle")
        a2.xaxis.set_major_locator(MaxNLocator(integer=True))
        for a in (a1, a2):
            a.grid(alpha=0.3)
        fig.tight_layout()
        return fig
    if inp.run is None:
        if t is not None:
            need(t, ["porosity", "rms_roughness_nm"], "morphology", inp.cycles_src)
        raise PlotError("morphology: needs a cycle table with porosity and rms_roughness_nm, "
                        "or a run file (PREFIX.h5)")
    run, ts = inp.run, inp.run["timeseries"]
    need(ts, ["time_s", "roughness_A"], "morphology", inp.run_src)
    if not run["snapshots"]:
        raise PlotError("morphology: %s holds no snapshot (porosity comes from the lattice)"
                        % inp.run_src)
    ts_t, rough = ts["time_s"], ts["roughness_A"] / 10.0
    st = np.array([s[1] for s in run["snapshots"]])
    por = np.array([porosity_of(s[2]) for s in run["snapshots"]])
    fig, (a1, a2) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 6.0))
    if t is not None and "t_end_s" in t:          # cycle ends known (cycles table or log)
        ends = t["t_end_s"].astype(float)
        c = t["cycle"].astype(float)
        # the last snapshot and thermo row at or before each cycle's end
        pi = np.searchsorted(st, ends * (1 + 1e-9), side="right") - 1
        ri = np.searchsorted(ts_t, ends * (1 + 1e-9), side="right") - 1
        ok = (pi >= 0) & (ri >= 0)
        a1.plot(c[ok], por[pi[ok]], "o-", color="C2", label="porosity (last snapshot)")
        a2.plot(c[ok], rough[ri[ok]], "s-", color="C1", label="RMS roughness (last thermo row)")
        a2.set_xlabel("cycle")
        a2.xaxis.set_major_locator(MaxNLocator(integer=True))
        a1.set_title("Porosity (empty sites under the deposit's top) and roughness\n"
                     "at each cycle's end (run file)", fontsize=10)
    else:
        a1.plot(st * 1e9, por, "o-", color="C2", label="porosity")
        a2.plot(ts_t * 1e9, rough, "-", color="C1", label="RMS roughness")
        a2.set_xlabel("time / ns")
        a1.set_title("Porosity (empty sites under the deposit's top; snapshots) and\n"
                     "roughness (thermo rows) versus time", fontsize=10)
    a1.set_ylabel("porosity")
    a2.set_ylabel("RMS roughness / nm")
    for a in (a1, a2):
        a.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def section_image(species, flags, y):
    """Codes of an x-z image of the one-cell slab at cell row y, on a half-cell grid:
    0..15 species, 16 dead Li, 17 void, 18 no lattice site at that pixel (bcc)."""
    nz, ny, nx, nb = species.shape
    basis = {1: [(0, 0, 0)], 2: [(0, 0, 0), (1, 1, 1)],
             4: [(0, 0, 0), (1, 1, 0), (1, 0, 1), (0, 1, 1)]}.get(nb)
    if basis is None:
        raise PlotError("section: a snapshot with %d basis sites per cell (expected 1, 2, 4)"
                        % nb)
    r = 1 if nb == 1 else 2                  # pixels per cell edge
    img = np.full((r * nz, r * nx), 18, dtype=np.int16)
    for b, (bx, by, bz) in enumerate(basis):
        sp = species[:, y, :, b].astype(np.int16)
        fl = flags[:, y, :, b]
        code = np.where((sp == 1) & (fl == FLAG_DEAD), 16, sp)
        code = np.where((sp == 0) & (fl == FLAG_VOID), 17, code)
        img[bz * (r - 1)::r, bx * (r - 1)::r][:nz, :nx] = code
    # bcc: half the pixels hold no site; each takes the site of the same cell and
    # column (the other half-cell row), so every site is drawn as a half-cell wide,
    # one-cell tall block and covers exactly two pixels
    if r == 2:
        hole = img == 18
        partner = img[np.arange(2 * nz) ^ 1]
        img[hole] = partner[hole]
    return img


def plot_section(inp, snapshot=-1, y=None):
    if inp.run is None:
        raise PlotError("section: needs a run file with snapshots (PREFIX.h5, `snapshot "
                        "every N`)")
    snaps = inp.run["snapshots"]
    if not snaps:
        raise PlotError("section: %s holds no snapshot" % inp.run_src)
    if not -len(snaps) <= snapshot < len(snaps):
        raise PlotError("section: --snapshot %d: the run file holds %d snapshots"
                        % (snapshot, len(snaps)), 64)
    index, t, species, flags = snaps[snapshot]
    nz, ny, nx, nb = species.shape
    if y is None:     # the row with the most dead Li, else the middle
        dead_rows = ((species == 1) & (flags == FLAG_DEAD)).sum(axis=(0, 2, 3))
        y = int(np.argmax(dead_rows)) if dead_rows.max() > 0 else ny // 2
    if not 0 <= y < ny:
        raise PlotError("section: --y %d outside the box (0..%d)" % (y, ny - 1), 64)
    img = section_image(species, flags, y)
    colours = [SPECIES.get(i, ("species %d" % i, "#ff00ff"))[1] for i in range(16)] + \
        [DEAD_COLOUR, VOID_COLOUR, NOSITE_COLOUR]
    a = inp.run.get("a_ang") or 1.0
    fig, ax = plt.subplots(figsize=(7.0, 4.8))
    ax.imshow(img, origin="lower", cmap=ListedColormap(colours), vmin=-0.5, vmax=18.5,
              interpolation="nearest", extent=(0, nx * a / 10, 0, nz * a / 10), aspect="equal")
    sp, fl = species[:, y], flags[:, y]           # the slab's sites, for the legend
    codes = np.where((sp == 1) & (fl == FLAG_DEAD), 16,
                     np.where((sp == 0) & (fl == FLAG_VOID), 17, sp))
    names = {16: "dead Li", 17: "void"}
    handles = [Patch(facecolor=colours[c], edgecolor="#888888", label="%s (%d)" % (
        names.get(c, SPECIES.get(c, ("species %d" % c,))[0]), int((codes == c).sum())))
        for c in np.unique(codes)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8,
              title="sites in the slab")
    unit = "nm" if inp.run.get("a_ang") else "cells"
    ax.set_xlabel("x / %s" % unit)
    ax.set_ylabel("z / %s (collector at the bottom)" % unit)
    ndead = int(((species == 1) & (flags == FLAG_DEAD)).sum())
    ax.set_title("x-z section at cell row y = %d, t = %.3g ns (snapshot %d); dead Li in the "
                 "box: %d" % (y, t * 1e9, index, ndead), fontsize=9)
    fig.tight_layout()
    return fig


def response_values(sw, response, at_cycle):
    """Per run: (swept values, seed, value) of the response. A runs.csv column (final_*,
    or any per-run column) directly; a per-cycle column at cycle N (default: the last
    cycle every finished run reached)."""
    runs, cyc = sw["runs"], sw["cycles"]
    out = []
    if response in runs:
        for i, name in enumerate(runs["run"]):
            if runs["status"][i] != "done":
                continue
            out.append((name, float(runs[response][i])))
        return out, "%s (end of run)" % response
    col = response
    derived = False
    if col not in cyc and response == "dead_li_mAh_cm2" and "dead_li_added_mAh_cm2" in cyc:
        col, derived = "dead_li_added_mAh_cm2", True
    if col not in cyc:
        have = sorted(set(list(cyc) + list(runs)))
        raise PlotError("response: the summary has no column %r (it has: %s)"
                        % (response, ", ".join(have)))
    done = np.array([s == "done" for s in cyc["status"]])
    cycn = cyc["cycle"].astype(float)
    names = cyc["run"]
    if at_cycle is None:
        last = [np.nanmax(cycn[(names == n) & done]) for n in np.unique(names[done])
                if np.isfinite(cycn[(names == n) & done]).any()]
        if not last:
            raise PlotError("response: no finished run has a cycle in the summary")
        at_cycle = int(min(last))
    for n in np.unique(names[done]):
        sel = (names == n) & done
        if derived:
            v = np.nansum(cyc[col].astype(float)[sel & (cycn <= at_cycle)])
            if not (cycn[sel] == at_cycle).any():
                continue
        else:
            hit = sel & (cycn == at_cycle)
            if not hit.any():
                continue
            v = float(cyc[col].astype(float)[hit][0])
        out.append((n, v))
    label = "%s after cycle %d" % (response, at_cycle)
    if derived:
        label += " (sum of the log's per-cycle dead Li)"
    return out, label


def plot_response(inp, response=None, param=None, at_cycle=None):
    sw = inp.sweep
    if sw is None:
        raise PlotError("response: needs a sweep (its folder, summary.h5 or summary.csv)")
    swept = sw["swept"]
    if not swept:
        raise PlotError("response: the sweep varied no -var (only seeds): nothing to plot "
                        "against")
    param = param or swept[0]
    if param not in swept:
        raise PlotError("response: --param %s was not swept (swept: %s)"
                        % (param, ", ".join(swept)), 64)
    if response is None:
        cyc = sw["cycles"]
        def has(c):
            return c in cyc and np.isfinite(cyc[c].astype(float)).any()
        response = "dead_li_mAh_cm2" if has("dead_li_mAh_cm2") or has("dead_li_added_mAh_cm2") \
            else ("ce_pct" if has("ce_pct") else None)
        if response is None:
            raise PlotError("response: the summary has no cycles; name a per-run column "
                            "with --response (e.g. final_dead_Li)")
    vals, label = response_values(sw, response, at_cycle)
    if not vals:
        raise PlotError("response: no finished run has %s" % label)
    runs = sw["runs"] if "run" in sw["runs"] else None
    table = sw["cycles"] if runs is None else runs

    def attr(name, col):
        i = list(table["run"]).index(name)
        return table[col][i]
    others = [p for p in swept if p != param]
    groups = {}
    for name, v in vals:
        key = tuple(fmt_value(attr(name, o)) for o in others)
        x = float(attr(name, param))
        groups.setdefault(key, {}).setdefault(x, []).append(v)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for key, pts in sorted(groups.items(), key=lambda kv: value_order(kv[0])):
        xs = sorted(pts)
        mean = [float(np.mean(pts[x])) for x in xs]
        sem = [float(np.std(pts[x], ddof=1) / math.sqrt(len(pts[x]))) if len(pts[x]) > 1
               else 0.0 for x in xs]
        lab = ", ".join("%s = %s" % (o, k) for o, k in zip(others, key)) or "all runs"
        ax.errorbar(xs, mean, yerr=sem, fmt="o-", capsize=4, label="%s (n = %s)" % (
            lab, "/".join(str(len(pts[x])) for x in xs)))
    ax.set_xlabel(param)
    ax.set_ylabel(label)
    ax.set_title("%s versus %s: mean and standard error over seeds" % (response, param),
                 fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def make(name, inp, args):
    if name == "cycles":
        return plot_cycles(inp)
    if name == "voltage":
        return plot_voltage(inp)
    if name == "morphology":
        return plot_morphology(inp)
    if name == "section":
        return plot_section(inp, args.snapshot, args.y)
    if name == "response":
        return plot_response(inp, args.response, args.param, args.at_cycle)
    raise PlotError("unknown plot %r (%s)" % (name, ", ".join(PLOTS)), 64)


class UsageParser(argparse.ArgumentParser):
    """argparse with the usage error's exit code of sysexits (64), not 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(64, "%s: error: %s\n" % (self.prog, message))


def build_parser():
    p = UsageParser(prog="kmc-plot", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.split("\n")[4:]))
    p.add_argument("inputs", nargs="+", help="run file, cycles.csv, bdf.csv, log, run or "
                   "sweep folder, summary.h5/.csv")
    p.add_argument("--out", default=".", help="folder for the PNGs (default: here)")
    p.add_argument("--plot", action="append", choices=PLOTS, help="only this plot "
                   "(repeatable); a plot asked for that the inputs cannot make is an error")
    p.add_argument("--json", action="store_true", help="write NAME.json beside each PNG")
    p.add_argument("--snapshot", type=int, default=-1, help="section: snapshot number in "
                   "run order (default -1, the last)")
    p.add_argument("--y", type=int, default=None, help="section: cell row (default: the row "
                   "with the most dead Li, else the middle)")
    p.add_argument("--response", help="response: a summary column (default dead_li_mAh_cm2, "
                   "else ce_pct), or a runs.csv column such as final_dead_Li")
    p.add_argument("--at-cycle", type=int, help="response: at this cycle (default: the last "
                   "cycle every finished run reached)")
    p.add_argument("--param", help="response: the swept variable on the x axis (default: "
                   "the first --var of the sweep)")
    p.add_argument("--dpi", type=int, default=120)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        inp = Inputs(args.inputs)
        os.makedirs(args.out, exist_ok=True)
        wanted = args.plot or PLOTS
        made = []
        for name in wanted:
            try:
                fig = make(name, inp, args)
            except PlotError as e:
                if args.plot:
                    raise
                print("kmc-plot: skipped %s" % e)
                continue
            png = os.path.join(args.out, name + ".png")
            fig.savefig(png, dpi=args.dpi)
            if args.json:
                with open(os.path.join(args.out, name + ".json"), "w") as f:
                    json.dump(describe(fig), f, indent=1)
            plt.close(fig)
            made.append(png)
            print("kmc-plot: wrote %s" % png)
        if not made:
            raise PlotError("none of the plots (%s) can be made from %s"
                            % (", ".join(wanted), ", ".join(args.inputs)))
        return 0
    except PlotError as e:
        print("kmc-plot: error: %s" % e, file=sys.stderr)
        return e.code


if __name__ == "__main__":
    sys.exit(main())
