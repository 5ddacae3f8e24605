#!/usr/bin/python3
"""Tests of tools/kmc-plot (ctest label tools; tests/tools.cmake).

    test_plot.py KMC OUTDIR

From real small runs (tests/data/sweep_tiny.deck, a two-cycle protocol, and
inputs/dead_lithium.deck, which leaves dead Li): each PNG is written and holds what the
run holds — CE per cycle equal to the log's, an overpotential curve per cycle and
direction with kmc's own charge per atom, porosity and roughness at each cycle's end,
a cross-section whose dead-Li pixels are the slab's dead Li sites; porosity checked
against a brute-force count. From the fixtures (tests/data/tools, made-up numbers in
the formats kmc is to write): the cycle, voltage and morphology plots. Bad inputs: exit
65/66 and a message naming what is missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLOT = os.path.join(ROOT, "tools", "kmc-plot")
PY = sys.executable
FIX = os.path.join(ROOT, "tests", "data", "tools")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import kmc_plot  # noqa: E402
import kmc_sweep  # noqa: E402

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg, flush=True)
    return cond


def kmc_run(kmc, out, deck, args):
    p = subprocess.run(["mpirun", "-np", "1", "--oversubscribe", kmc, deck] + args, cwd=out,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def plot(args):
    p = subprocess.run([PY, PLOT] + args, capture_output=True, text=True, timeout=120)
    print("$ kmc-plot %s -> %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr),
          flush=True)
    return p


def plot_here(args):
    """kmc-plot's main() in this process (one matplotlib import for the error cases)."""
    import contextlib
    import io
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        rc = kmc_plot.main(args)
    print("$ kmc-plot %s -> %d\n%s%s" % (" ".join(args), rc, o.getvalue(), e.getvalue()))
    return subprocess.CompletedProcess(args, rc, o.getvalue(), e.getvalue())


def png_ok(path):
    """A real PNG with more than one colour in it."""
    import matplotlib.image as mpimg
    if not check(os.path.isfile(path), "%s written" % path):
        return
    with open(path, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "%s is a PNG" % path)
    img = mpimg.imread(path)
    check(img.ndim == 3 and img.shape[0] > 200 and len(np.unique(img.reshape(-1, img.shape[2]),
          axis=0)) > 10, "%s is not blank" % path)


def meta(d, name):
    return json.load(open(os.path.join(d, name + ".json")))["axes"]


def porosity_brute(species):
    """Empty sites between the collector top and the topmost Li of each column, over
    all sites there: loops, independent of the tool's array code."""
    nz, ny, nx, nb = species.shape
    empty = total = 0
    for y in range(ny):
        for x in range(nx):
            col = species[:, y, x, :]
            zc = max((z for z in range(nz) if any(c in (2, 3, 4, 5, 7) for c in col[z])),
                     default=-1)
            zl = max((z for z in range(nz) if 1 in col[z]), default=-1)
            for z in range(zc + 1, zl + 1):
                total += nb
                empty += int((col[z] == 0).sum())
    return empty / total if total else float("nan")


def test_real(kmc, out):
    # a two-cycle protocol: 1 ns plating, 0.3 ns rest, 0.6 ns stripping (Li is left at
    # each cycle's end); thermo every 5 sweeps
    d = os.path.join(out, "cyc")
    os.makedirs(d)
    deck = os.path.join(ROOT, "tests", "data", "sweep_tiny.deck")
    log = kmc_run(kmc, d, deck, ["-var", "prefix", "cyc", "-var", "thermo", "5",
                                 "-var", "strip", "0.6"])
    open(os.path.join(d, "cyc.log"), "w").write(log)
    cyc_lines = [m.groupdict() for m in re.finditer(
        r"^cycle (?P<c>\d+)/2 end at t = \S+ s: plated (?P<pq>\S+) mAh/cm2 \((?P<pa>\d+) atoms\)"
        r", stripped \S+ mAh/cm2 \((?P<sa>\d+) atoms\), CE (?P<ce>\S+) %", log, re.M)]
    check(len(cyc_lines) == 2, "the run prints two cycle lines")
    pd = os.path.join(out, "cyc_plots")
    p = plot([os.path.join(d, "cyc.h5"), os.path.join(d, "cyc.log"), "--json", "--out", pd])
    check(p.returncode == 0, "kmc-plot on a real protocol run")
    for n in ("cycles", "voltage", "morphology", "section"):
        png_ok(os.path.join(pd, n + ".png"))
    check("skipped response: needs a sweep" in p.stdout, "response is skipped with a reason")

    ax = meta(pd, "cycles")
    check(len(ax) == 2 and [c["points"] for c in ax[0]["curves"]] == [2] and
          [c["points"] for c in ax[1]["curves"]] == [2],
          "cycles: CE (2 cycles) above, dead Li (2 cycles) below; no SEI in today's log: %s" % ax)
    inp = kmc_plot.Inputs([os.path.join(d, "cyc.h5"), os.path.join(d, "cyc.log")])
    fig = kmc_plot.plot_cycles(inp)
    ce = list(fig.axes[0].get_lines()[0].get_ydata())
    check(ce == [float(c["ce"]) for c in cyc_lines], "CE points are the log's: %s" % ce)

    ax = meta(pd, "voltage")[0]
    labels = [c["label"] for c in ax["curves"]]
    check(labels == ["cycle 1 plating", "cycle 1 stripping", "cycle 2 plating",
                     "cycle 2 stripping"], "voltage: a curve per cycle and direction: %s" % labels)
    check(all(c["points"] >= 10 for c in ax["curves"]), "each with the thermo rows (>= 10)")
    fig = kmc_plot.plot_voltage(inp)
    lines = [l for l in fig.axes[0].get_lines() if not l.get_label().startswith("_")]
    run = inp.run
    scale = kmc_plot.E_C / kmc_plot.C_PER_MAH / kmc_plot.box_area_cm2(run)
    per_atom = float(cyc_lines[0]["pq"]) / int(cyc_lines[0]["pa"])
    check(abs(scale / per_atom - 1) < 1e-5, "charge per atom %.6g mAh/cm2 is kmc's %.6g"
          % (scale, per_atom))
    for i, l in enumerate(lines):
        y, x = np.asarray(l.get_ydata()), np.asarray(l.get_xdata())
        plating = i % 2 == 0
        check((y < 0).all() if plating else (y > 0).all(),
              "%s: eta < 0 plating, > 0 stripping" % l.get_label())
        check(x[0] == 0 and (np.diff(x) >= 0).all(), "%s: charge from 0, growing" % l.get_label())
        if plating:
            q = float(cyc_lines[i // 2]["pq"])
            check(0.8 * q <= x[-1] <= q * (1 + 1e-6), "%s reaches %.4g of the cycle's %.4g "
                  "mAh/cm2 (the last thermo row before the step's end)" % (l.get_label(), x[-1], q))

    ax = meta(pd, "morphology")
    check(len(ax) == 2 and ax[0]["curves"][0]["points"] == 2 and
          ax[1]["curves"][0]["points"] == 2 and ax[1]["xlabel"] == "cycle",
          "morphology: porosity and roughness at the 2 cycle ends: %s" % ax)
    fig = kmc_plot.plot_morphology(inp)
    t_end = inp.cycles["t_end_s"]
    snaps = run["snapshots"]
    for k, te in enumerate(t_end):
        last = [s for s in snaps if s[1] <= te * (1 + 1e-9)][-1]
        check(abs(fig.axes[0].get_lines()[0].get_ydata()[k] - porosity_brute(last[2])) < 1e-12,
              "porosity at cycle %d's end = brute-force count of the last snapshot" % (k + 1))

    # dead lithium: a porous Li film plated over; dead clusters stay in the lattice
    d2 = os.path.join(out, "dl")
    os.makedirs(d2)
    kmc_run(kmc, d2, os.path.join(ROOT, "inputs", "dead_lithium.deck"), ["-var", "prefix", "dl"])
    pd2 = os.path.join(out, "dl_plots")
    p = plot_here([d2, "--json", "--out", pd2])
    check(p.returncode == 0, "kmc-plot on a run folder")
    for n in ("voltage", "morphology", "section"):
        png_ok(os.path.join(pd2, n + ".png"))
    check("skipped cycles: no cycle table" in p.stdout, "cycles skipped: the deck has no protocol")
    inp2 = kmc_plot.Inputs([os.path.join(d2, "dl.h5")])
    idx, t, sp, fl = inp2.run["snapshots"][-1]
    dead = (sp == 1) & (fl == 2)
    check(dead.sum() > 0, "the run leaves dead Li (%d sites)" % dead.sum())
    fig = kmc_plot.plot_section(inp2)
    img = fig.axes[0].get_images()[0].get_array()
    nz, ny, nx, nb = sp.shape
    y = int(np.argmax(dead.sum(axis=(0, 2, 3))))
    check(img.shape == (2 * nz, 2 * nx), "bcc: a half-cell grid (%s)" % (img.shape,))
    check("cell row y = %d" % y in fig.axes[0].get_title(), "the section cuts the row with "
          "the most dead Li (%d)" % y)
    # each bcc site is drawn as two pixels (the site and the gap above or below it)
    check(int((img == 16).sum()) == 2 * int(dead[:, y].sum()),
          "dead-Li pixels = 2 x the slab's %d dead Li sites" % dead[:, y].sum())
    check(int((img == 1).sum()) == 2 * int(((sp == 1) & (fl != 2))[:, y].sum()),
          "Li pixels = 2 x the slab's live Li sites")
    check(int((img == 2).sum()) == 2 * int((sp == 2)[:, y].sum()), "Cu pixels: the collector")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    check("dead Li (%d)" % dead[:, y].sum() in legend, "the legend counts dead Li: %s" % legend)
    ax = meta(pd2, "morphology")
    check(ax[1]["xlabel"] == "time / ns" and ax[0]["curves"][0]["points"] == len(
        inp2.run["snapshots"]) and ax[1]["curves"][0]["points"] == len(
        inp2.run["timeseries"]["time_s"]), "no cycles: porosity per snapshot and roughness per "
        "thermo row versus time")
    fig = kmc_plot.plot_morphology(inp2)
    por = fig.axes[0].get_lines()[0].get_ydata()
    check(all(abs(a - porosity_brute(s[2])) < 1e-12 for a, s in zip(por, inp2.run["snapshots"])),
          "porosity of every snapshot = the brute-force count")
    check(por[0] > por[-1], "plating fills the porous film: porosity %.3f -> %.3f"
          % (por[0], por[-1]))


def test_fixtures(out):
    pd = os.path.join(out, "fix_plots")
    cyc, bdf = os.path.join(FIX, "fixture.cycles.csv"), os.path.join(FIX, "fixture.bdf.csv")
    p = plot_here([cyc, bdf, "--json", "--out", pd, "--plot", "cycles", "--plot", "voltage",
              "--plot", "morphology"])
    check(p.returncode == 0, "fixtures: cycles, voltage, morphology")
    for n in ("cycles", "voltage", "morphology"):
        png_ok(os.path.join(pd, n + ".png"))
    ax = meta(pd, "cycles")
    check([c["points"] for c in ax[0]["curves"]] == [5] and
          [c["label"] for c in ax[1]["curves"]] == ["dead Li$^0$", "SEI Li$^+$"] and
          [c["points"] for c in ax[1]["curves"]] == [5, 5],
          "cycles: CE, then dead Li and SEI Li over 5 cycles: %s" % ax)
    ax = meta(pd, "voltage")[0]
    check([c["points"] for c in ax["curves"]] == [11, 10] * 3,
          "voltage: 3 cycles x (charge 11 rows, discharge 10 rows): %s" % ax["curves"])
    tab = kmc_plot.read_table(cyc)
    inp = kmc_plot.Inputs([cyc])
    fig = kmc_plot.plot_morphology(inp)
    check(list(fig.axes[0].get_lines()[0].get_ydata()) == list(tab["porosity"]) and
          list(fig.axes[1].get_lines()[0].get_ydata()) == list(tab["rms_roughness_nm"]),
          "morphology: the table's porosity and roughness")
    fig = kmc_plot.plot_voltage(kmc_plot.Inputs([bdf]))
    x = fig.axes[0].get_lines()[0].get_xdata()
    check(abs(x[-1] - 1.0) < 1e-9, "charge of cycle 1: 10 x 1 mA x 360 s = 1 mAh (%g)" % x[-1])


def test_section_lattices():
    """sc: a pixel per site; fcc: the four basis sites fill the half-cell grid, each
    once (bcc is checked on the real run)."""
    rng = np.random.default_rng(5)
    for nb, shape in ((1, (6, 5)), (4, (12, 10))):
        sp = rng.integers(0, 3, size=(6, 3, 5, nb)).astype(np.uint8)
        fl = np.where(sp == 1, rng.integers(1, 3, size=sp.shape), 0).astype(np.uint8)
        img = kmc_plot.section_image(sp, fl, 1)
        check(img.shape == shape, "%d basis sites: image %s" % (nb, img.shape))
        dead = int(((sp == 1) & (fl == 2))[:, 1].sum())
        check(int((img == 16).sum()) == dead and int((img == 18).sum()) == 0,
              "%d basis sites: one pixel per dead Li site (%d), no empty pixel" % (nb, dead))
        if nb == 4:   # basis (0,0,0) at the cell's lower-left pixel, (1,0,1) upper right
            check(img[2 * 3, 2 * 2] == (16 if sp[3, 1, 2, 0] == 1 and fl[3, 1, 2, 0] == 2
                                        else sp[3, 1, 2, 0]) and
                  img[2 * 3 + 1, 2 * 2 + 1] == (16 if sp[3, 1, 2, 2] == 1 and fl[3, 1, 2, 2] == 2
                                                else sp[3, 1, 2, 2]),
                  "fcc: each basis site at its position in the cell")


def test_errors(kmc, out):
    cyc = os.path.join(FIX, "fixture.cycles.csv")
    p = plot_here([cyc, "--plot", "section", "--out", out])
    check(p.returncode == 65 and "section: needs a run file with snapshots" in p.stderr,
          "section without a run file: exit 65 and why")
    bad = os.path.join(out, "bad.cycles.csv")
    open(bad, "w").write("cycle,porosity\n1,0.1\n")
    p = plot_here([bad, "--plot", "cycles", "--out", out])
    check(p.returncode == 65 and "has no column 'ce_pct'" in p.stderr,
          "a table without ce_pct: the missing column is named")
    badb = os.path.join(out, "bad.bdf.csv")
    open(badb, "w").write("Test Time / s,Current / A\n0,1\n")
    p = plot_here([badb, "--plot", "voltage", "--out", out])
    check(p.returncode == 65 and "'Voltage / V'" in p.stderr, "BDF without voltage: named")
    p = plot_here([os.path.join(out, "nothing.h5"), "--out", out])
    check(p.returncode == 66 and "cannot open" in p.stderr, "a missing input: exit 66")
    ck = [f for f in os.listdir(os.path.join(out, "cyc")) if ".ckpt." in f and f.endswith(".h5")]
    if ck:
        p = plot_here([os.path.join(out, "cyc", ck[0]), "--out", out])
        check(p.returncode == 65 and "is a checkpoint" in p.stderr, "a checkpoint: named")
    p = plot_here([badb, "--out", out])
    check(p.returncode == 65 and "none of the plots" in p.stderr,
          "no plot possible: exit 65")
    p = plot_here([os.path.join(out, "dl", "dl.h5"), "--plot", "section", "--y", "999", "--out", out])
    check(p.returncode == 64 and "outside the box" in p.stderr, "a bad --y: exit 64")


def main():
    kmc, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    import time
    t0 = time.time()
    test_real(kmc, out)
    t1 = time.time()
    test_fixtures(out)
    test_section_lattices()
    t2 = time.time()
    test_errors(kmc, out)
    print("times: real runs %.1f s, fixtures %.1f s, errors %.1f s"
          % (t1 - t0, t2 - t1, time.time() - t2))
    print("plot: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
