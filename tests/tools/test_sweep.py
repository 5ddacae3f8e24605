#!/usr/bin/python3
"""Tests of tools/kmc-sweep (ctest label tools; tests/tools.cmake).

    test_sweep.py grid|resume|slurm|collect KMC OUTDIR

grid     a 2 x 2 grid (nx x tx) of tests/data/sweep_tiny.deck where nx 8 with 4 tiles is
         rejected by kmc: three runs finish, one fails with its log named, the exit code
         is 1, the summary has the right rows and columns and agrees with each log; run
         again, every run is skipped; --retry-failed runs only the failed one; the
         response plot of the real sweep has error bars over seeds.
resume   a sweep interrupted by SIGTERM (graceful) and later by SIGKILL of the driver (its
         kmc gets SIGUSR1 from the kernel and checkpoints): run again, finished runs are
         skipped, stopped ones continue from their checkpoints and end with the straight
         run's checksum and cycle lines.
slurm    the job-array script run as two array tasks (SLURM_ARRAY_TASK_ID): SIGUSR1
         to the task stops kmc with a checkpoint (exit 75), the task again continues
         from it to the straight run's checksum, and once more skips; --collect.
collect  fixture run folders with PREFIX.cycles.csv in the exact header (columns
         shuffled, one extra): the summary reads them by name (tests/data/tools).
"""
import csv
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SWEEP = os.path.join(ROOT, "tools", "kmc-sweep")
PLOT = os.path.join(ROOT, "tools", "kmc-plot")
DECK = os.path.join(ROOT, "tests", "data", "sweep_tiny.deck")
PY = sys.executable
sys.path.insert(0, os.path.join(ROOT, "tools"))
import kmc_sweep  # noqa: E402

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg, flush=True)
    return cond


def sweep(args, timeout=300):
    p = subprocess.run([PY, SWEEP] + args + ["--status-every", "0"], capture_output=True,
                       text=True, timeout=timeout)
    print("$ kmc-sweep %s -> %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr),
          flush=True)
    return p


def read_csv(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        return header, [dict(zip(header, row)) for row in r]


def log_checksum(path):
    with open(path) as f:
        hits = re.findall(r"^checksum (0x[0-9a-f]+)$", f.read(), re.M)
    return hits[-1] if hits else None


def straight(kmc, out, name, args):
    """The reference: the same run without interruption, straight from kmc."""
    d = os.path.join(out, "straight_" + name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    cmd = ["mpirun", "-np", "1", "--oversubscribe", kmc, DECK, "-var", "prefix", "s"] + args
    p = subprocess.run(cmd, cwd=d, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = [l for l in p.stdout.splitlines() if l.startswith("cycle ")]
    return re.search(r"^checksum (0x[0-9a-f]+)$", p.stdout, re.M).group(1), lines


def cycle_lines(log):
    """A run's cycle-end lines, the last of each cycle (a restart may repeat one)."""
    out = {}
    for seg in kmc_sweep.log_segments(log):
        for l in seg:
            m = re.match(r"^cycle (\d+)/", l)
            if m:
                out[int(m.group(1))] = l
    return [out[k] for k in sorted(out)]


def unlocked(path):
    """Whether no process (the orphaned mpirun) holds the run folder's lock."""
    import fcntl
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(f, fcntl.LOCK_UN)
        return True


def wait_for(cond, timeout, what):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if cond():
            return True
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


# ----------------------------------------------------------------------------- grid

def test_grid(kmc, out):
    d = os.path.join(out, "grid")
    args = [DECK, "--var", "nx=8,16", "--var", "tx=2,4", "--jobs", "2", "--kmc", kmc,
            "--out", d]
    p = sweep(args)
    check(p.returncode == 1, "a sweep with a failed run exits 1 (got %d)" % p.returncode)
    bad = os.path.join(d, "runs", "nx-8_tx-4", "run.log")
    check(re.search(r"FAILED nx-8_tx-4 \(exit 65\); log: %s" % re.escape(bad), p.stdout),
          "the failed run is reported with its exit code and log path")
    check("tile edge 2 cells in x" in p.stdout, "the failure's kmc message is shown")
    check("failed: nx-8_tx-4 (exit 65)" in p.stdout, "the final report lists the failure")
    for name in ("nx-8_tx-2", "nx-16_tx-2", "nx-16_tx-4"):
        rd = os.path.join(d, "runs", name)
        check(os.path.isfile(os.path.join(rd, "DONE")), "%s has its DONE marker" % name)
        check(os.path.isfile(os.path.join(rd, name + ".h5")),
              "%s wrote its run file under its own prefix" % name)
    check(not os.path.exists(os.path.join(d, "runs", "nx-8_tx-4", "DONE")),
          "the failed run has no DONE marker")
    fail = json.load(open(os.path.join(d, "runs", "nx-8_tx-4", "FAILED")))
    check(fail["exit_code"] == 65 and fail["log"] == bad, "FAILED names exit 65 and the log")

    header, rows = read_csv(os.path.join(d, "summary.csv"))
    check(header[:6] == ["run", "nx", "tx", "seed", "status", "source"],
          "summary.csv starts with run, the swept values, seed, status, source: %s" % header[:6])
    for c in ("cycle", "t_end_s", "plated_mAh_cm2", "stripped_mAh_cm2", "ce_pct", "checksum"):
        check(c in header, "summary.csv has column %s" % c)
    check(len(rows) == 3 * 2 + 1, "summary.csv: 2 cycles x 3 finished runs + 1 row for the "
          "failed run (got %d)" % len(rows))
    for r in rows:
        if r["status"] == "done":
            # kmc writes PREFIX.cycles.csv once the per-cycle table lands; until then the
            # rows come from its cycle lines
            has_csv = glob.glob(os.path.join(d, "runs", r["run"], "*.cycles.csv"))
            check(r["source"] == ("cycles.csv" if has_csv else "log"),
                  "the rows come from %s" % ("cycles.csv" if has_csv else "the log"))
            if not has_csv:
                ce = 100.0 * float(r["stripped_atoms"]) / float(r["plated_atoms"])
                check(abs(ce - float(r["ce_pct"])) < 1e-3, "CE = stripped/plated atoms (%s)" % r)
            ce = 100.0 * float(r["stripped_mAh_cm2"]) / float(r["plated_mAh_cm2"])
            check(abs(ce - float(r["ce_pct"])) < 1e-3 * max(1.0, ce),
                  "CE = stripped/plated charge (%s)" % r)
            check(r["seed"] == "7", "the deck's seed (7) is read from the log")
            check(r["checksum"] == log_checksum(os.path.join(d, "runs", r["run"], "run.log")),
                  "the checksum is the log's")
            rd = os.path.join(d, "runs", r["run"])
            check(r["nx"] == r["run"].split("_")[0][3:], "nx column matches the run's value")
        else:
            check(r["run"] == "nx-8_tx-4" and r["status"] == "failed" and r["cycle"] == "",
                  "the failed run is listed without cycles: %s" % r)
    byrun = {}
    for r in rows:
        byrun.setdefault(r["run"], []).append(r["cycle"])
    check(all(v == ["1", "2"] for k, v in byrun.items() if k != "nx-8_tx-4"),
          "each finished run has cycles 1, 2: %s" % byrun)
    rh, runs = read_csv(os.path.join(d, "runs.csv"))
    check(len(runs) == 4 and sorted(r["status"] for r in runs) == ["done"] * 3 + ["failed"],
          "runs.csv: 4 runs, 3 done, 1 failed")
    for c in ("final_time_s", "final_atoms", "final_deposited", "final_stripped", "checksum",
              "log", "exit_code"):
        check(c in rh, "runs.csv has %s" % c)
    for r in runs:
        if r["status"] == "done":
            check(float(r["final_atoms"]) == float(r["final_deposited"]) -
                  float(r["final_stripped"]), "final atoms = deposited - stripped (%s)" % r["run"])
    import h5py
    with h5py.File(os.path.join(d, "summary.h5"), "r") as f:
        cols = f["cycles"].attrs["columns"]
        cols = cols.decode() if isinstance(cols, bytes) else cols
        check(cols.split(",") == header, "summary.h5 /cycles has the CSV's columns")
        check(f["cycles"]["ce_pct"].shape == (7,), "summary.h5 has 7 cycle rows")
        ce5 = [float(r["ce_pct"]) for r in rows if r["ce_pct"]]
        h5ce = [x for x in f["cycles"]["ce_pct"][()] if x == x]
        check(ce5 == h5ce, "summary.h5 ce_pct equals the CSV's")
        check(f.attrs["swept"] in ("nx,tx", b"nx,tx"), "summary.h5 names the swept variables")

    mt = {n: os.path.getmtime(os.path.join(d, "runs", n, "DONE"))
          for n in ("nx-8_tx-2", "nx-16_tx-2", "nx-16_tx-4")}
    p = sweep(args)
    check(p.returncode == 1, "again: still exit 1 (the failed run is not retried)")
    check(p.stdout.count("finished before") == 3 and "start " not in p.stdout,
          "again: the three finished runs are skipped, nothing starts")
    check("skip nx-8_tx-4: failed before (exit 65" in p.stdout, "again: the failure is named")
    import fcntl                          # a run held by another process: left alone
    with open(os.path.join(d, "runs", "nx-8_tx-4", ".lock"), "a") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        p = sweep(args + ["--retry-failed"])
    check(p.returncode == 75 and "skip nx-8_tx-4: another process is running it" in p.stdout
          and "start " not in p.stdout, "a locked run is skipped, the sweep exits 75")
    p = sweep(args + ["--retry-failed"])
    check(p.returncode == 1 and p.stdout.count("start nx-8_tx-4") == 1 and
          p.stdout.count("start ") == 1, "--retry-failed runs only the failed run again")
    check(all(os.path.getmtime(os.path.join(d, "runs", n, "DONE")) == t for n, t in mt.items()),
          "finished runs were not touched")

    # the response against nx from this real sweep: tx = 2 has nx 8 and 16, tx = 4 only 16
    pd = os.path.join(out, "grid_plots")
    p = subprocess.run([PY, PLOT, d, "--plot", "response", "--response", "ce_pct",
                        "--param", "nx", "--json", "--out", pd], capture_output=True, text=True)
    check(p.returncode == 0, "kmc-plot response on the real sweep: %s" % p.stderr)
    if p.returncode == 0:
        ax = json.load(open(os.path.join(pd, "response.json")))["axes"][0]
        pts = sorted(c["points"] for c in ax["curves"])
        check(pts == [1, 2] and ax["errorbars"] == 2,
              "response: a curve per tx (2 and 1 points), with error bars: %s" % ax)


# ----------------------------------------------------------------------------- resume

def test_resume(kmc, out):
    d = os.path.join(out, "resume")
    shutil.rmtree(d, ignore_errors=True)
    args = [DECK, "--var", "plate=1,1.3", "--seeds", "2", "--jobs", "1", "--kmc", kmc,
            "--out", d]
    runs = os.path.join(d, "runs")

    def ckpt_of(name):
        return glob.glob(os.path.join(runs, name, "*.ckpt.latest"))

    # 1: SIGTERM to the sweep once its second run has a checkpoint
    drv = subprocess.Popen([PY, SWEEP] + args + ["--status-every", "0"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    wait_for(lambda: os.path.exists(os.path.join(runs, "plate-1_seed-1", "DONE")) and
             ckpt_of("plate-1_seed-2"), 120, "run 1 done, run 2 checkpointed")
    drv.send_signal(signal.SIGTERM)
    text = drv.communicate(timeout=120)[0]
    print(text)
    check(drv.returncode == 75, "an interrupted sweep exits 75 (got %d)" % drv.returncode)
    check("plate-1_seed-2 stopped (exit 75)" in text, "the running kmc stopped with exit 75")
    log2 = os.path.join(runs, "plate-1_seed-2", "run.log")
    check("stopped by SIGUSR1" in open(log2).read(), "kmc checkpointed on SIGUSR1")
    check(not os.path.exists(os.path.join(runs, "plate-1_seed-2", "DONE")),
          "the stopped run is not marked finished")
    check(not os.path.exists(os.path.join(runs, "plate-1.3_seed-1")), "later runs never started")

    # 2: resume; SIGKILL the sweep itself once the third run has a checkpoint
    drv = subprocess.Popen([PY, SWEEP] + args + ["--status-every", "0"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    wait_for(lambda: ckpt_of("plate-1.3_seed-1"), 120, "run 3 checkpointed")
    drv.kill()
    text = drv.communicate(timeout=30)[0]
    print(text)
    check("skip plate-1_seed-1: finished before" in text, "resume: the finished run is skipped")
    check(re.search(r"resume plate-1_seed-2 from plate-1_seed-2\.ckpt\.\d+\.h5", text),
          "resume: the stopped run continues from its checkpoint")
    log3 = os.path.join(runs, "plate-1.3_seed-1", "run.log")
    # the orphaned mpirun got SIGUSR1 when the sweep died: it checkpoints and exits
    wait_for(lambda: "stopped by SIGUSR1" in open(log3).read() and
             unlocked(os.path.join(runs, "plate-1.3_seed-1", ".lock")), 120,
             "the orphaned run to stop with a checkpoint")

    # 3: finish
    p = sweep(args)
    check(p.returncode == 0, "the resumed sweep finishes (exit 0)")
    check(p.stdout.count("finished before") == 2, "two finished runs skipped")
    check(re.search(r"resume plate-1\.3_seed-1 from plate-1\.3_seed-1\.ckpt\.\d+\.h5",
                    p.stdout), "the run stopped by the kill continues from its checkpoint")
    check(open(os.path.join(runs, "plate-1_seed-1", "run.log")).read()
          .count("# kmc-sweep start") == 1, "the first run ran once")
    for name, a in (("plate-1_seed-2", ["-var", "plate", "1", "-seed", "2"]),
                    ("plate-1.3_seed-1", ["-var", "plate", "1.3", "-seed", "1"])):
        ck, lines = straight(kmc, out, name, a)
        log = os.path.join(runs, name, "run.log")
        check(log_checksum(log) == ck, "%s resumed ends with the straight run's checksum %s"
              % (name, ck))
        check(cycle_lines(log) == lines, "%s: the straight run's cycle lines" % name)
    h, rows = read_csv(os.path.join(d, "summary.csv"))
    check(len(rows) == 8 and {r["status"] for r in rows} == {"done"},
          "summary: 4 runs x 2 cycles, all done")
    check([r["seed"] for r in rows] == ["1", "1", "2", "2"] * 2, "seed column")


# ----------------------------------------------------------------------------- slurm

def test_slurm(kmc, out):
    d = os.path.join(out, "slurm")
    shutil.rmtree(d, ignore_errors=True)
    script = os.path.join(out, "array.sbatch")
    p = sweep([DECK, "--var", "plate=1,0.8", "--seed-list", "2", "-np", "2", "--kmc", kmc,
               "--out", d, "--slurm", script, "--time", "1:00:00", "--max-parallel", "2"])
    check(p.returncode == 0, "the array script is written")
    text = open(script).read()
    for s in ("#SBATCH --array=0-1%2", "#SBATCH --ntasks=2", "#SBATCH --time=1:00:00",
              "#SBATCH --signal=B:USR1@600"):
        check(s in text, "the script has %s" % s)
    env = dict(os.environ, SLURM_ARRAY_TASK_ID="0")
    rd = os.path.join(d, "runs", "plate-1_seed-2")
    task = subprocess.Popen(["bash", script], env=env, cwd=out, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    wait_for(lambda: glob.glob(os.path.join(rd, "*.ckpt.latest")), 120, "a checkpoint")
    task.send_signal(signal.SIGUSR1)      # what SLURM sends before the time limit
    t = task.communicate(timeout=120)[0]
    print(t)
    check(task.returncode == 75, "SIGUSR1: the task stops with exit 75 (got %d)" % task.returncode)
    check("submit" in t and not os.path.exists(os.path.join(rd, "DONE")),
          "no DONE marker; the message says to submit again")
    p = subprocess.run(["bash", script], env=env, cwd=out, capture_output=True, text=True,
                       timeout=120)
    check(p.returncode == 0 and os.path.isfile(os.path.join(rd, "DONE")),
          "resubmitted, the task continues to the end: %s" % p.stdout[-300:])
    log = open(os.path.join(rd, "run.log")).read()
    check(re.search(r"# kmc-sweep restart .*from plate-1_seed-2\.ckpt\.\d+\.h5", log),
          "it restarted from its checkpoint")
    ck, lines = straight(kmc, out, "slurm", ["-var", "plate", "1", "-seed", "2"])
    check(log_checksum(os.path.join(rd, "run.log")) == ck,
          "2 ranks, stopped and continued: the straight 1-rank run's checksum")
    check(cycle_lines(os.path.join(rd, "run.log")) == lines, "and its cycle lines")
    p = subprocess.run(["bash", script], env=env, cwd=out, capture_output=True, text=True)
    check(p.returncode == 0 and "finished before" in p.stdout, "a third time: skipped")
    p = sweep(["--collect", "--out", d])
    check(p.returncode == 75 and "1 done, 0 failed, 0 interrupted, 1 not started" in p.stdout,
          "--collect: exit 75 while a run has not finished")
    h, rows = read_csv(os.path.join(d, "summary.csv"))
    check([r["status"] for r in rows] == ["done", "done", "pending"], "collected rows")


# ----------------------------------------------------------------------------- collect

def test_collect(kmc, out):
    """Fixture cycle tables (made-up numbers, tests/data/tools/README.md) in the exact
    header, columns in another order plus one extra: read by name."""
    d = os.path.join(out, "fixture_sweep")
    shutil.rmtree(d, ignore_errors=True)
    hdr, rows = read_csv(os.path.join(ROOT, "tests", "data", "tools", "fixture.cycles.csv"))
    check(hdr == kmc_sweep.CYCLE_COLUMNS, "the fixture has exactly the agreed header")
    grid = [("pressure", ["0", "1"])]
    runs = kmc_sweep.make_runs(grid, [1, 2, 3])
    plan = {"deck": "fixture.deck", "grid": grid, "seeds": [1, 2, 3], "runs": runs}
    cols = list(reversed(hdr)) + ["extra_col"]
    for r in runs:
        rd = kmc_sweep.run_dir(d, r)
        os.makedirs(rd)
        with open(os.path.join(rd, "run.log"), "w") as f:
            f.write("# kmc-sweep start fixture\nchecksum 0x%016x\n" % r["seed"])
        kmc_sweep.write_json(os.path.join(rd, "DONE"), {"exit_code": 0, "wall_s": 1.0})
        p, s = float(r["vars"]["pressure"]), r["seed"]
        with open(os.path.join(rd, r["name"] + ".cycles.csv"), "w") as f:
            f.write(",".join(cols) + "\n")
            for row in rows:
                v = dict(row)
                v["dead_li_mAh_cm2"] = str(float(row["dead_li_mAh_cm2"]) * (1 - 0.5 * p) +
                                           0.001 * s)
                v["extra_col"] = "x"
                f.write(",".join(v[c] for c in cols) + "\n")
    kmc_sweep.write_json(os.path.join(d, "sweep.json"), plan)
    srows, infos = kmc_sweep.collect(d, plan)
    h, got = read_csv(os.path.join(d, "summary.csv"))
    check(h[:6] == ["run", "pressure", "seed", "status", "source", "cycle"] and
          h[5:5 + len(hdr)] == hdr and "extra_col" in h,
          "summary columns: keys, then the cycle table in its agreed order, then extras")
    check(len(got) == 6 * 5 and all(r["source"] == "cycles.csv" for r in got),
          "6 runs x 5 cycles from cycles.csv")
    r0 = [r for r in got if r["run"] == "pressure-1_seed-3" and r["cycle"] == "5"][0]
    check(abs(float(r0["dead_li_mAh_cm2"]) - (0.165 * 0.5 + 0.003)) < 1e-12,
          "a value is read by its name, whatever the column order")
    p = subprocess.run([PY, PLOT, d, "--plot", "response", "--json", "--out", d + "_plots"],
                       capture_output=True, text=True)
    check(p.returncode == 0, "response plot from the fixture sweep: %s" % p.stderr)
    ax = json.load(open(os.path.join(d + "_plots", "response.json")))["axes"][0]
    check(len(ax["curves"]) == 1 and ax["curves"][0]["points"] == 2 and ax["errorbars"] == 1,
          "one curve of 2 pressures with error bars: %s" % ax)
    check("dead_li_mAh_cm2 after cycle 5" in ax["ylabel"], "the default response is dead Li "
          "at the last cycle: %s" % ax["ylabel"])
    import kmc_plot
    inp = kmc_plot.Inputs([d])
    fig = kmc_plot.plot_response(inp)
    line = fig.axes[0].get_lines()[0]
    want = [0.165 + 0.002, 0.165 * 0.5 + 0.002]      # mean over seeds 1..3: +0.002
    fig = kmc_plot.plot_cycles(inp)        # a sweep: per grid point, mean over seeds
    check(len(fig.axes) == 2 and [len(a.containers) for a in fig.axes] == [2, 2],
          "cycles of a sweep: CE and dead Li, a curve with error bars per pressure")
    dl = [c[0].get_ydata() for c in fig.axes[1].containers]
    check(abs(dl[0][4] - (0.165 + 0.002)) < 1e-12 and abs(dl[1][4] - (0.0825 + 0.002)) < 1e-12
          and len(dl[0]) == 5, "dead Li at cycle 5: the mean over seeds of each pressure")
    check(list(line.get_xdata()) == [0.0, 1.0] and
          all(abs(a - b) < 1e-12 for a, b in zip(line.get_ydata(), want)),
          "the response means over seeds: %s" % list(line.get_ydata()))


def test_eta():
    """The time-left estimate: pending runs at the mean wall time, running ones at their
    own pace through the protocol's steps (a restarted one from where it restarted)."""
    class Fake:
        def __init__(self, el, f0, f):
            self.t0, self.f0, self.f = time.time() - el, f0, f

        def fraction(self):
            return self.f
    prog = kmc_sweep.Progress(total=4, jobs=2, done=0, failed=0)
    run = [Fake(10, 0.0, 0.25), Fake(10, 0.0, 0.25)]   # 40 s a run, 30 s left each
    check(abs(prog.eta(run, 2) - (2 * 40 + 30 + 30) / 2) < 0.5,
          "no run finished yet: the pace of the running ones (%s)" % prog.eta(run, 2))
    prog.durations = [20.0]
    check(abs(prog.eta(run, 2) - (2 * 20 + 30 + 30) / 2) < 0.5, "pending runs at the mean")
    run = [Fake(10, 0.5, 0.75)]                         # restarted at half: 10 s left
    check(abs(prog.eta(run, 0) - 10) < 0.5, "a restarted run: its pace since the restart")
    check(kmc_sweep.Progress(4, 1, 0, 0).eta([Fake(1, 0.0, None)], 3) is None,
          "nothing to go by: unknown")


def main():
    mode, kmc, out = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    if mode == "grid":
        shutil.rmtree(os.path.join(out, "grid"), ignore_errors=True)
    t0 = time.time()
    {"grid": test_grid, "resume": test_resume, "slurm": test_slurm,
     "collect": lambda k, o: (test_collect(k, o), test_eta())}[mode](kmc, out)
    print("%s: %d failures in %.1f s" % (mode, len(failures), time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
