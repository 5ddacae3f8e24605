#!/usr/bin/python3
"""kmc-sweep: run a deck over a grid of -var values and seeds, and collect the results.

    tools/kmc-sweep DECK --var NAME=V1,V2 [--var NAME2=...] [--seeds N | --seed-list S,...]
                    [-np P] [--jobs J] --out DIR              run the grid here (resumable)
    tools/kmc-sweep DECK ... --out DIR --slurm FILE           write a SLURM job-array script
    tools/kmc-sweep --collect --out DIR                       only (re)write the summary
    tools/kmc-sweep --status --out DIR                        print each run's state

Every run gets its own folder DIR/runs/NAME (NAME from its values, e.g. J-3e8_seed-2);
kmc runs there under `mpirun -np P`, with `-var prefix NAME` when the deck uses
${prefix}. A run is finished when DIR/runs/NAME/DONE exists, which is written only after
kmc exited 0; finished runs are skipped, an interrupted run continues from its newest
checkpoint (PREFIX.ckpt.latest), and a failed one (FAILED) is reported with its log and
retried only with --retry-failed. The summary (DIR/summary.csv, DIR/runs.csv,
DIR/summary.h5) has the swept values and the seed as columns; see docs/tools.md.

Exit codes: 0 every run finished; 1 at least one run failed (the others ran); 64 usage;
65 a bad sweep folder or plan; 66 the deck cannot be read; 69 no h5py; 75 interrupted
(SIGINT, SIGTERM or SIGUSR1: the running kmc processes were told to checkpoint) or runs
left unfinished (held by another process): run the same command again to continue.
"""
import argparse
import csv
import ctypes
import fcntl
import hashlib
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import time

EX_OK, EX_FAILED, EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_TEMPFAIL = 0, 1, 64, 65, 66, 75
KMC_STOPPED = 75          # kmc's exit code after a checkpoint on SIGUSR1 or `checkpoint walltime`
MAX_ATTEMPTS = 50         # continuations of one run after `checkpoint walltime` stops

# The per-cycle table kmc writes as PREFIX.cycles.csv (read by header name, never by
# position: columns may be added).
CYCLE_COLUMNS = ["cycle", "t_end_s", "plated_mAh_cm2", "stripped_mAh_cm2", "ce_pct",
                 "dead_li_mAh_cm2", "sei_li_mAh_cm2", "sei_dead_mAh_cm2", "trapped_mAh_cm2",
                 "recovered_mAh_cm2", "void_fraction", "contact_lost_fraction", "porosity",
                 "thickness_um", "dense_thickness_um", "rms_roughness_nm",
                 "active_area_ratio", "eta_end_mV"]
# What the cycle-end lines of kmc's log give (the fallback when there is no cycles.csv)
LOG_CYCLE_COLUMNS = ["plated_atoms", "stripped_atoms", "dead_li_added_atoms",
                     "dead_li_added_mAh_cm2"]


class SweepError(Exception):
    """A message for the user and the exit code."""

    def __init__(self, msg, code=EX_USAGE):
        super().__init__(msg)
        self.code = code


def say(msg):
    print("kmc-sweep: " + msg, flush=True)


# ---------------------------------------------------------------------------- plan

def sanitize(value):
    """A value as a piece of a folder name: letters, digits, '.', '+', '-'."""
    s = re.sub(r"[^A-Za-z0-9.+-]+", "_", str(value)).strip("_")
    return s or "_"


def parse_vars(items):
    """--var NAME=V1,V2 (repeatable; the same NAME again adds values), in order."""
    names, values = [], {}
    for item in items or []:
        if "=" not in item:
            raise SweepError("--var %r: expected NAME=V1,V2,..." % item)
        name, vals = item.split("=", 1)
        name = name.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise SweepError("--var %r: %r is not a deck variable name" % (item, name))
        if name == "prefix":
            raise SweepError("--var prefix: kmc-sweep sets the prefix of each run itself")
        vs = [v.strip() for v in vals.split(",")]
        if any(v == "" for v in vs):
            raise SweepError("--var %r: an empty value" % item)
        if name not in values:
            names.append(name)
            values[name] = []
        for v in vs:
            if v in values[name]:
                raise SweepError("--var %s: value %r given twice" % (name, v))
            values[name].append(v)
    return [(n, values[n]) for n in names]


def parse_seeds(args):
    if args.seeds is not None and args.seed_list is not None:
        raise SweepError("give --seeds N or --seed-list, not both")
    if args.seeds is not None:
        if args.seeds < 1:
            raise SweepError("--seeds %d: at least 1" % args.seeds)
        return [args.seed_base + i for i in range(args.seeds)]
    if args.seed_list is not None:
        try:
            seeds = [int(s) for s in args.seed_list.split(",")]
        except ValueError:
            raise SweepError("--seed-list %r: expected integers separated by commas"
                             % args.seed_list)
        if any(s < 0 or s >= 2 ** 64 for s in seeds) or len(set(seeds)) != len(seeds):
            raise SweepError("--seed-list %r: distinct integers from 0 to 2^64-1"
                             % args.seed_list)
        return seeds
    return None                     # the deck's own seed


def make_runs(grid, seeds):
    """The Cartesian product of the values (first --var outermost), times the seeds."""
    combos = [[]]
    for name, vals in grid:
        combos = [c + [(name, v)] for c in combos for v in vals]
    runs = []
    for combo in combos:
        for seed in (seeds if seeds is not None else [None]):
            parts = ["%s-%s" % (n, sanitize(v)) for n, v in combo]
            if seed is not None:
                parts.append("seed-%d" % seed)
            runs.append({"name": "_".join(parts) or "run", "vars": dict(combo), "seed": seed})
    seen = {}
    for r in runs:                   # two values that sanitize alike: tell them apart
        seen.setdefault(r["name"], []).append(r)
    for name, same in seen.items():
        if len(same) > 1:
            for r in same:
                h = hashlib.sha1(json.dumps([r["vars"], r["seed"]]).encode()).hexdigest()[:8]
                r["name"] = name + "_" + h
    return runs


def deck_texts(path, depth=0):
    """The deck and its includes (paths relative to the including file), as text."""
    if depth > 16:
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    out = [text]
    for m in re.finditer(r"^\s*include\s+(\S+)", text, re.M):
        inc = os.path.join(os.path.dirname(path), m.group(1))
        if "${" not in inc and os.path.isfile(inc):
            out += deck_texts(inc, depth + 1)
    return out


def deck_uses_prefix(path):
    """Whether the deck's `output prefix` takes ${prefix}; an absolute prefix without it
    would make every run write the same files."""
    uses = False
    for text in deck_texts(path):
        for m in re.finditer(r"^\s*output\s+prefix\s+(\S+)", text, re.M):
            if "${prefix}" in m.group(1):
                uses = True
            elif m.group(1).startswith("/"):
                raise SweepError("%s: `output prefix %s` is an absolute path: every run would "
                                 "write the same files; use `output prefix ${prefix}`"
                                 % (path, m.group(1)))
    return uses


def deck_has_checkpoints(path):
    return any(re.search(r"^\s*checkpoint\s+every\s", t, re.M) for t in deck_texts(path))


def default_kmc():
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(here, "..", "build", "bin", "kmc")
    if os.environ.get("KMC"):
        return os.environ["KMC"]
    return os.path.abspath(built) if os.access(built, os.X_OK) else "kmc"


# ---------------------------------------------------------------------------- runs

def run_dir(out, run):
    return os.path.join(out, "runs", run["name"])


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def latest_checkpoint(d):
    """The newest checkpoint of the run in folder d: PREFIX.ckpt.latest's file, or the
    highest-numbered PREFIX.ckpt.N.h5 when the pointer is gone; None without one."""
    for name in sorted(os.listdir(d)):
        if name.endswith(".ckpt.latest"):
            with open(os.path.join(d, name)) as f:
                target = f.read().strip()
            if target and os.path.isfile(os.path.join(d, target)):
                return target
    best = None
    for name in os.listdir(d):
        m = re.fullmatch(r".*\.ckpt\.(\d+)\.h5", name)
        if m and (best is None or int(m.group(1)) > best[0]):
            best = (int(m.group(1)), name)
    return best[1] if best else None


def run_state(out, run):
    """done / failed / interrupted (started, no marker) / pending (never started)."""
    d = run_dir(out, run)
    if os.path.isfile(os.path.join(d, "DONE")):
        return "done"
    if os.path.isfile(os.path.join(d, "FAILED")):
        return "failed"
    if os.path.isfile(os.path.join(d, "run.log")):
        return "interrupted"
    return "pending"


def kmc_args(plan, run, restart=None):
    """kmc's own arguments for one run (without mpirun)."""
    a = [plan["kmc"]]
    if restart:
        a += ["-restart", restart]
    a.append(plan["deck"])
    for name, value in run["vars"].items():
        a += ["-var", name, value]
    if plan["prefix_var"]:
        a += ["-var", "prefix", run["name"]]
    if run["seed"] is not None:
        a += ["-seed", str(run["seed"])]
    return a + plan["kmc_extra"]


STEP_RE = re.compile(r"^step (\d+)/(\d+) cycle (\d+)/(\d+) (start|end)", re.M)


class Job:
    """One kmc process of a run, started in the run's folder."""

    def __init__(self, plan, run, out):
        self.run, self.dir = run, run_dir(out, run)
        self.plan, self.proc, self.t0 = plan, None, None
        self.lockf = None

    def lock(self):
        """An exclusive lock on the run folder, inherited by mpirun, so that a second
        sweep (or an orphan of a killed one) never runs the same run at once."""
        os.makedirs(self.dir, exist_ok=True)
        self.lockf = open(os.path.join(self.dir, ".lock"), "w")
        try:
            fcntl.flock(self.lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.lockf.close()
            self.lockf = None
            return False
        return True

    def start(self):
        d = self.dir
        info = {"name": self.run["name"], "vars": self.run["vars"], "seed": self.run["seed"],
                "deck": self.plan["deck"]}
        old = read_json(os.path.join(d, "run.json"))
        if old is not None and (old.get("vars"), old.get("seed"), old.get("deck")) != \
                (info["vars"], info["seed"], info["deck"]):
            raise SweepError("%s holds another run (%s); use another --out" % (d, old),
                             EX_DATAERR)
        write_json(os.path.join(d, "run.json"), info)
        for stale in ("FAILED",):
            if os.path.exists(os.path.join(d, stale)):
                os.remove(os.path.join(d, stale))
        ckpt = latest_checkpoint(d)
        log = os.path.join(d, "run.log")
        if ckpt is None:               # from the start: nothing of an earlier attempt stays
            for name in os.listdir(d):
                if name not in ("run.json", "run.log", ".lock"):
                    p = os.path.join(d, name)
                    if os.path.isfile(p):
                        os.remove(p)
        cmd = self.plan["mpirun"] + ["-np", str(self.plan["np"])] + self.plan["mpi_args"] + \
            kmc_args(self.plan, self.run, ckpt)
        self.restarted = ckpt
        with open(log, "a") as f:
            f.write("# kmc-sweep %s %s: %s\n" % (
                "restart" if ckpt else "start", time.strftime("%Y-%m-%d %H:%M:%S"),
                " ".join(shlex.quote(c) for c in cmd)))
        self.logf = open(log, "a")
        self.t0 = time.time()
        self.f0 = self.fraction() if ckpt else 0.0     # a restart: the part done before
        self.proc = subprocess.Popen(cmd, cwd=d, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=self.plan["env"],
                                     start_new_session=True, preexec_fn=_die_with_parent,
                                     pass_fds=(self.lockf.fileno(),))
        return ckpt

    def fraction(self):
        """How far the protocol has got, from the log's last step line: steps done over
        steps x cycles (None for a deck without `step`, or before the first line)."""
        try:
            with open(os.path.join(self.dir, "run.log"), "rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - 65536))
                tail = f.read().decode(errors="replace")
        except OSError:
            return None
        hits = STEP_RE.findall(tail)
        if not hits:
            return None
        i, n, c, m, what = hits[-1]
        done = (int(c) - 1) * int(n) + int(i) - (0 if what == "end" else 1)
        return done / float(int(n) * int(m))

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            try:
                if sig == signal.SIGKILL:
                    os.killpg(self.proc.pid, sig)
                else:          # mpirun forwards SIGUSR1 to the ranks: they checkpoint
                    self.proc.send_signal(sig)
            except ProcessLookupError:
                pass

    def close(self):
        self.logf.close()
        if self.lockf:
            self.lockf.close()
            self.lockf = None


def _die_with_parent():
    """In the child, before exec: if the sweep dies (even by SIGKILL), mpirun receives
    SIGUSR1 and the run stops with a checkpoint instead of running on unattended."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGUSR1)      # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass


def log_tail(path, n=4):
    """The last lines of a log worth showing: kmc's errors first, else the last lines."""
    try:
        with open(path, errors="replace") as f:
            lines = [l.rstrip() for l in f if l.strip()]
    except OSError:
        return []
    errs = [l for l in lines if "error" in l.lower() and not l.startswith("#")]
    return (errs or lines)[-n:]


def fmt_time(s):
    if s is None or not math.isfinite(s):
        return "?"
    s = int(round(s))
    return "%d:%02d:%02d" % (s // 3600, s % 3600 // 60, s % 60)


class Progress:
    """Runs done / running / failed / left, and an estimate of the time left from the
    wall time of the runs finished in this session (a resumed run counts its part)."""

    def __init__(self, total, jobs, done, failed):
        self.total, self.jobs = total, jobs
        self.done, self.failed = done, failed
        self.durations = []
        self.t0 = time.time()
        self.last = 0.0

    @staticmethod
    def _pace(j, now):
        """(wall time left, wall time of a whole run) of a running protocol run from its
        step lines, or (None, None) before it has passed a step."""
        f = j.fraction()
        f0 = j.f0 or 0.0
        if f is None or f <= f0 + 1e-12:
            return None, None
        el = max(now - j.t0, 1e-3)
        rate = (f - f0) / el                  # protocol fraction per second
        return (1.0 - f) / rate, 1.0 / rate

    def eta(self, running, pending):
        """Seconds left: pending runs at the mean wall time of the runs finished in this
        session (before any, the pace of the running ones), running ones at their own
        pace through the protocol's steps; None without any measure yet."""
        now = time.time()
        pace = {id(j): self._pace(j, now) for j in running}
        whole = list(self.durations) or [p[1] for p in pace.values() if p[1] is not None]
        if not whole:
            return None
        mean = sum(whole) / len(whole)
        work = pending * mean
        for j in running:
            left = pace[id(j)][0]
            work += left if left is not None else max(mean - (now - j.t0), 0.0)
        return work / max(1, min(self.jobs, pending + len(running)))

    def line(self, running, pending):
        eta = self.eta(running, pending)
        return "[%s] %d/%d done, %d running, %d failed, %d to go; time left %s" % (
            fmt_time(time.time() - self.t0), self.done, self.total, len(running), self.failed,
            pending, "?" if eta is None else "~" + fmt_time(eta))

    def maybe_print(self, running, pending, every, force=False):
        now = time.time()
        if force or (every > 0 and now - self.last >= every):
            self.last = now
            say(self.line(running, pending))


def execute(plan, out, runs, args):
    """Run what is not finished, args.jobs at a time; returns the exit code."""
    for r in runs:            # a folder of another run under the same name: stop first
        old = read_json(os.path.join(run_dir(out, r), "run.json"))
        if old is not None and (old.get("vars"), old.get("seed"), old.get("deck")) != \
                (r["vars"], r["seed"], plan["deck"]):
            raise SweepError("%s holds another run (%s, seed %s, deck %s); use another --out"
                             % (run_dir(out, r), old.get("vars"), old.get("seed"),
                                old.get("deck")), EX_DATAERR)
    states = {r["name"]: run_state(out, r) for r in runs}
    pending = []
    for r in runs:
        st = states[r["name"]]
        if st == "done":
            say("skip %s: finished before" % r["name"])
        elif st == "failed" and not args.retry_failed:
            f = read_json(os.path.join(run_dir(out, r), "FAILED")) or {}
            say("skip %s: failed before (exit %s; log %s); --retry-failed runs it again"
                % (r["name"], f.get("exit_code", "?"), os.path.join(run_dir(out, r), "run.log")))
        else:
            pending.append(r)
    ndone = sum(1 for s in states.values() if s == "done")
    nfail = sum(1 for r in runs if states[r["name"]] == "failed" and r not in pending)
    prog = Progress(len(runs), args.jobs, ndone, nfail)
    stop = {"n": 0}
    running, attempts, interrupted, busy = [], {}, [], []

    def on_signal(signum, frame):
        stop["n"] += 1
        if stop["n"] == 1:
            say("%s: asking the running kmc to checkpoint and stop (again: kill them)"
                % signal.Signals(signum).name)
            for j in running:
                j.signal(signal.SIGUSR1)
        else:
            for j in running:
                j.signal(signal.SIGKILL)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1)}
    try:
        while (pending and not stop["n"]) or running:
            while pending and len(running) < args.jobs and not stop["n"]:
                r = pending.pop(0)
                j = Job(plan, r, out)
                if not j.lock():
                    say("skip %s: another process is running it (its folder is locked)"
                        % r["name"])
                    busy.append(r["name"])
                    continue
                attempts[r["name"]] = attempts.get(r["name"], 0) + 1
                ckpt = j.start()
                say("%s %s%s" % ("resume" if ckpt else "start", r["name"],
                                 " from %s" % ckpt if ckpt else ""))
                running.append(j)
                prog.maybe_print(running, len(pending), 0, force=True)
            time.sleep(0.1)
            for j in list(running):
                rc = j.proc.poll()
                if rc is None:
                    continue
                running.remove(j)
                j.close()
                name, d = j.run["name"], j.dir
                wall = time.time() - j.t0
                log = os.path.join(d, "run.log")
                if rc == 0:
                    write_json(os.path.join(d, "DONE"), {
                        "exit_code": 0, "wall_s": wall, "attempts": attempts[name],
                        "finished": time.strftime("%Y-%m-%d %H:%M:%S")})
                    prog.done += 1
                    prog.durations.append(wall)
                    say("done %s in %s" % (name, fmt_time(wall)))
                elif rc == KMC_STOPPED and not stop["n"] and attempts[name] < MAX_ATTEMPTS:
                    say("%s stopped with a checkpoint (exit 75, e.g. `checkpoint walltime`): "
                        "continuing it" % name)
                    pending.insert(0, j.run)
                elif rc == KMC_STOPPED or stop["n"]:
                    interrupted.append(name)
                    say("%s stopped (exit %d); it continues from its checkpoint next time"
                        % (name, rc))
                else:
                    write_json(os.path.join(d, "FAILED"), {
                        "exit_code": rc, "log": os.path.abspath(log), "wall_s": wall,
                        "finished": time.strftime("%Y-%m-%d %H:%M:%S")})
                    prog.failed += 1
                    say("FAILED %s (exit %d); log: %s" % (name, rc, os.path.abspath(log)))
                    for l in log_tail(log):
                        print("    | " + l, flush=True)
                prog.maybe_print(running, len(pending), 0, force=True)
            prog.maybe_print(running, len(pending), args.status_every)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    if stop["n"]:
        left = len(pending) + len(interrupted)
        say("interrupted: %d runs left (%d with a checkpoint or partial output); "
            "run the same command again to continue" % (left, len(interrupted)))
        return EX_TEMPFAIL
    if prog.failed:
        return EX_FAILED
    if busy:
        say("%d runs are still running elsewhere: run again once they end" % len(busy))
        return EX_TEMPFAIL
    return EX_OK


# ---------------------------------------------------------------------------- collect

NUM = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf)"
CYCLE_RE = re.compile(
    r"^cycle (\d+)/(\d+) end at t = (" + NUM + r") s: plated (" + NUM + r") mAh/cm2 \((\d+) "
    r"atoms\), stripped (" + NUM + r") mAh/cm2 \((\d+) atoms\), CE (" + NUM + r" %|n/a[^,]*)"
    r"(?:, dead Li ([-+]?\d+) atoms \((" + NUM + r") mAh/cm2)?")


def log_segments(path):
    """The log's parts since the last start from scratch: one per kmc process. A log
    written by kmc itself (stdout, -log FILE) has no such marks: one part."""
    segs, plain, marked = [], [], False
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("# kmc-sweep start"):
                    segs, marked = [[]], True
                elif line.startswith("# kmc-sweep restart"):
                    segs.append([])
                    marked = True
                elif segs:
                    segs[-1].append(line.rstrip("\n"))
                else:
                    plain.append(line.rstrip("\n"))
    except OSError:
        pass
    return segs if marked else [plain]


def parse_log(path):
    """From kmc's output: the cycle-end lines (a restart's repeat of a cycle replaces the
    earlier one), the last thermo line (by its header's names), the checksum and seed."""
    cycles, thermo, checksum, seed = {}, {}, None, None
    for seg in log_segments(path):
        header = None
        for line in seg:
            m = CYCLE_RE.match(line)
            if m:
                ce = m.group(8)
                row = {"cycle": int(m.group(1)), "t_end_s": float(m.group(3)),
                       "plated_mAh_cm2": float(m.group(4)), "plated_atoms": int(m.group(5)),
                       "stripped_mAh_cm2": float(m.group(6)), "stripped_atoms": int(m.group(7)),
                       "ce_pct": float(ce.split()[0]) if ce.endswith("%") else float("nan")}
                if m.group(9) is not None:
                    row["dead_li_added_atoms"] = int(m.group(9))
                    row["dead_li_added_mAh_cm2"] = float(m.group(10))
                cycles[row["cycle"]] = row
                continue
            toks = line.split()
            if toks and toks[0] in ("sweep", "events") and "time_s" in toks:
                header = toks
                continue
            if header and len(toks) == len(header):
                try:
                    vals = [float(t) for t in toks]
                except ValueError:
                    continue
                thermo = dict(zip(header, vals))
                continue
            m = re.match(r"^checksum (0x[0-9a-f]+)$", line)
            if m:
                checksum = m.group(1)
            m = re.match(r"^\s+seed\s+(\d+)$", line)
            if m:
                seed = int(m.group(1))
    return [cycles[k] for k in sorted(cycles)], thermo, checksum, seed


def read_csv_table(path):
    """A CSV with a header row: a list of dicts, numbers as floats where they parse."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        d = {}
        for k, v in r.items():
            if k is None:
                continue
            k = k.strip()
            try:
                d[k] = float(v)
            except (TypeError, ValueError):
                d[k] = v
        out.append(d)
    return out


def find_output(d, suffix):
    """The run's file ending in suffix (PREFIX.suffix), or None."""
    hits = sorted(n for n in os.listdir(d) if n.endswith(suffix)) if os.path.isdir(d) else []
    hits = [n for n in hits if ".ckpt." not in n]
    return os.path.join(d, hits[0]) if hits else None


def runfile_final(path):
    """The last time-series row and the checksum attribute of a run file."""
    try:
        import h5py
        with h5py.File(path, "r") as f:
            out = {}
            if "timeseries" in f:
                ts = f["timeseries"]
                cols = ts.attrs["columns"]
                cols = (cols.decode() if isinstance(cols, bytes) else str(cols)).split(",")
                data = ts[()]
                if len(data):
                    out = {c: float(v) for c, v in zip(cols, data[-1])}
            ck = f.attrs.get("checksum")
            if ck is not None:
                ck = ck.decode() if isinstance(ck, bytes) else ck
                out["checksum"] = ck if isinstance(ck, str) else "0x%016x" % int(ck)
            return out
    except Exception:             # a run file cut short by a kill: fall back to the log
        return {}


def collect_run(out, plan, run):
    """One run's rows of the per-cycle summary and its row of runs.csv."""
    d = run_dir(out, run)
    state = run_state(out, run)
    log = os.path.join(d, "run.log")
    cycles_log, thermo, checksum, seed = parse_log(log)
    base = {"run": run["name"]}
    for name, _ in plan["grid"]:
        base[name] = run["vars"].get(name, "")
    base["seed"] = run["seed"] if run["seed"] is not None else (seed if seed is not None else "")
    base["status"] = state
    cyc_csv = find_output(d, ".cycles.csv")
    if cyc_csv:
        rows, source = read_csv_table(cyc_csv), "cycles.csv"
    elif cycles_log:
        rows, source = cycles_log, "log"
    else:
        rows, source = [], "none"
    h5 = find_output(d, ".h5")
    final = runfile_final(h5) if h5 else {}
    info = dict(base)
    marker = read_json(os.path.join(d, "DONE")) or read_json(os.path.join(d, "FAILED")) or {}
    info.update({"exit_code": marker.get("exit_code", ""), "wall_s": marker.get("wall_s", ""),
                 "cycles_source": source, "cycles": len(rows),
                 "checksum": checksum or final.get("checksum", ""),
                 "log": os.path.relpath(log, out), "dir": os.path.relpath(d, out)})
    for k, v in (thermo or final).items():
        if k not in ("checksum", "events/s", "events_per_s"):
            info["final_" + k] = v
    srows = []
    for r in rows:
        row = dict(base)
        row["source"] = source
        row.update(r)
        row["checksum"] = info["checksum"]
        srows.append(row)
    if not srows:                     # still listed: its state and final values
        row = dict(base)
        row.update({"source": source, "checksum": info["checksum"]})
        srows.append(row)
    return srows, info


def ordered_columns(rows, first):
    cols = list(first)
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def write_csv(path, rows, cols):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(c) is None else _csv_value(r.get(c, "")) for c in cols])
    os.replace(tmp, path)


def _csv_value(v):
    if isinstance(v, float):
        if not math.isfinite(v):
            return "nan" if v != v else str(v)
        return "%d" % v if v.is_integer() and abs(v) < 2 ** 53 else repr(v)
    return v


def column_array(values):
    """Numbers as float64 (missing: NaN); anything else as UTF-8 strings."""
    import numpy as np
    nums = []
    for v in values:
        if v is None or v == "":
            nums.append(float("nan"))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            nums.append(float(v))
        else:
            try:
                nums.append(float(v))
            except (TypeError, ValueError):
                return np.array([("" if x is None else str(x)) for x in values], dtype=object)
    return np.array(nums, dtype=np.float64)


def write_h5(path, tables, attrs):
    try:
        import h5py
    except ImportError:
        raise SweepError("cannot write %s: no h5py in %s (Debian: apt-get install "
                         "python3-h5py; run the tool with /usr/bin/python3)"
                         % (path, sys.executable), 69)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        for gname, (rows, cols) in tables.items():
            g = f.create_group(gname)
            g.attrs["columns"] = ",".join(cols)
            for c in cols:
                arr = column_array([r.get(c) for r in rows])
                if arr.dtype == object:
                    g.create_dataset(c.replace("/", "_"), data=arr.astype(object),
                                     dtype=h5py.string_dtype("utf-8"))
                else:
                    g.create_dataset(c.replace("/", "_"), data=arr)
    os.replace(tmp, path)


def collect(out, plan):
    """Write DIR/summary.csv (one row per run and cycle), DIR/runs.csv (one per run) and
    DIR/summary.h5 (both, a dataset per column). Returns (cycle rows, run rows)."""
    runs = plan["runs"]
    srows, infos = [], []
    for run in runs:
        s, i = collect_run(out, plan, run)
        srows += s
        infos.append(i)
    keys = ["run"] + [n for n, _ in plan["grid"]] + ["seed", "status", "source"]
    scols = ordered_columns(srows, keys + CYCLE_COLUMNS)
    # columns nobody has (e.g. the cycles.csv columns when every run fell back on its log)
    scols = [c for c in scols if c in keys or any(c in r for r in srows)]
    icols = ordered_columns(infos, ["run"] + [n for n, _ in plan["grid"]] + ["seed", "status"])
    write_csv(os.path.join(out, "summary.csv"), srows, scols)
    write_csv(os.path.join(out, "runs.csv"), infos, icols)
    write_h5(os.path.join(out, "summary.h5"), {"cycles": (srows, scols), "runs": (infos, icols)},
             {"deck": plan["deck"], "swept": ",".join(n for n, _ in plan["grid"]),
              "grid": json.dumps(plan["grid"]), "seeds": json.dumps(plan["seeds"]),
              "command_line": plan.get("command_line", "")})
    return srows, infos


# ---------------------------------------------------------------------------- SLURM

SLURM_TEMPLATE = r"""#!/usr/bin/env bash
# A SLURM job array for the kmc sweep in {out}, written by kmc-sweep.
# One array task per run (the list: {runlist}). Submit it (again after a time limit or
# a failure: finished runs are skipped, the others continue from their checkpoints):
#   sbatch {script}
# then collect the summary:  {collect}
#SBATCH --job-name={jobname}
#SBATCH --array=0-{last}{throttle}
#SBATCH --ntasks={np}
#SBATCH --time={time}
#SBATCH --signal=B:USR1@{signal_s}
#SBATCH --output={out}/runs/slurm-%A_%a.out
{sbatch_extra}set -u
export OMPI_ALLOW_RUN_AS_ROOT=${{OMPI_ALLOW_RUN_AS_ROOT:-1}} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}}
task=${{SLURM_ARRAY_TASK_ID:?run this script with sbatch (or set SLURM_ARRAY_TASK_ID)}}
line=$(sed -n "$((task + 1))p" {runlist})
[ -n "$line" ] || {{ echo "no run for array task $task in {runlist}" >&2; exit 64; }}
IFS=$'\t' read -r name args <<< "$line"
dir={out}/runs/$name
mkdir -p "$dir" && cd "$dir" || exit 71
if [ -f DONE ]; then echo "$name: finished before"; exit 0; fi
exec 9>.lock
flock -n 9 || {{ echo "$name: another job is running it" >&2; exit 75; }}
rm -f FAILED
eval "set -- $args"          # kmc's arguments, quoted in the run list
restart=()
ckpt=""
for p in *.ckpt.latest; do [ -f "$p" ] && ckpt=$(cat "$p"); done
if [ -n "$ckpt" ] && [ -f "$ckpt" ]; then
  restart=(-restart "$ckpt")
  echo "# kmc-sweep restart $(date '+%F %T'): slurm task $task, from $ckpt" >> run.log
else
  find . -maxdepth 1 -type f ! -name run.json ! -name run.log ! -name .lock -delete
  echo "# kmc-sweep start $(date '+%F %T'): slurm task $task" >> run.log
fi
t0=$(date +%s)
${{MPIRUN:-mpirun}} ${{MPIRUN_ARGS:-{mpi_args}}} -np ${{SLURM_NTASKS:-{np}}} {kmc} "${{restart[@]}}" "$@" >> run.log 2>&1 &
pid=$!
trap 'kill -USR1 $pid 2>/dev/null' USR1   # SLURM's warning: kmc checkpoints and exits 75
while :; do
  wait $pid
  rc=$?
  kill -0 $pid 2>/dev/null || break
done
wall=$(( $(date +%s) - t0 ))
if [ $rc -eq 0 ]; then
  printf '{{"exit_code": 0, "wall_s": %d, "slurm_job": "%s"}}\n' "$wall" "${{SLURM_JOB_ID:-}}" > DONE.tmp && mv DONE.tmp DONE
elif [ $rc -eq 75 ]; then
  echo "$name: stopped with a checkpoint; submit {script} again to continue"
else
  printf '{{"exit_code": %d, "log": "%s", "wall_s": %d}}\n' $rc "$PWD/run.log" "$wall" > FAILED
  echo "$name: FAILED (exit $rc); log: $PWD/run.log" >&2
fi
exit $rc
"""


def write_slurm(plan, out, args):
    script = os.path.abspath(args.slurm)
    runlist = os.path.join(out, "runs.tsv")
    with open(runlist, "w") as f:
        for r in plan["runs"]:
            a = kmc_args(plan, r)[1:]            # without the kmc path (the script adds it)
            f.write("%s\t%s\n" % (r["name"], " ".join(shlex.quote(x) for x in a)))
    os.makedirs(os.path.join(out, "runs"), exist_ok=True)
    for r in plan["runs"]:
        d = run_dir(out, r)
        os.makedirs(d, exist_ok=True)
        write_json(os.path.join(d, "run.json"), {"name": r["name"], "vars": r["vars"],
                                                 "seed": r["seed"], "deck": plan["deck"]})
    extra = "".join("#SBATCH %s\n" % o for o in args.sbatch_opt or [])
    me = os.path.abspath(sys.argv[0])
    text = SLURM_TEMPLATE.format(
        out=shlex.quote(out), runlist=shlex.quote(runlist), script=shlex.quote(script),
        collect="%s --collect --out %s" % (shlex.quote(me), shlex.quote(out)),
        jobname=args.job_name, last=len(plan["runs"]) - 1,
        throttle="%%%d" % args.max_parallel if args.max_parallel else "",
        np=plan["np"], time=args.time, signal_s=args.signal_s, sbatch_extra=extra,
        kmc=shlex.quote(plan["kmc"]), mpi_args=" ".join(plan["mpi_args"]))
    with open(script, "w") as f:
        f.write(text)
    os.chmod(script, 0o755)
    say("wrote %s: a job array of %d runs of %d ranks each; submit with `sbatch %s`, then "
        "`%s --collect --out %s`" % (script, len(plan["runs"]), plan["np"], script, me, out))


# ---------------------------------------------------------------------------- main

class UsageParser(argparse.ArgumentParser):
    """argparse with the usage error's exit code of sysexits (64), not 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(64, "%s: error: %s\n" % (self.prog, message))


def build_parser():
    p = UsageParser(
        prog="kmc-sweep", description="Run a kmc deck over a grid of -var values and seeds; "
        "collect the per-cycle tables into one summary (docs/tools.md).",
        epilog="Exit codes: 0 every run finished; 1 some runs failed (the others ran); "
        "64 usage; 65 bad sweep folder; 66 deck not found; 69 no h5py; 75 interrupted or "
        "runs left unfinished (run again to continue).")
    p.add_argument("deck", nargs="?", help="the deck")
    p.add_argument("--var", action="append", metavar="NAME=V1,V2",
                   help="values of a deck variable (repeat for a grid; the same NAME again "
                   "adds values, e.g. for values with commas or spaces)")
    p.add_argument("--seeds", type=int, metavar="N", help="N seeds per grid point: "
                   "SEED_BASE, SEED_BASE+1, ... (default: the deck's seed)")
    p.add_argument("--seed-base", type=int, default=1, metavar="S")
    p.add_argument("--seed-list", metavar="S1,S2", help="these seeds per grid point")
    p.add_argument("-np", "--np", type=int, default=1, dest="np", metavar="P",
                   help="MPI ranks of each run (default 1)")
    p.add_argument("--jobs", type=int, default=1, metavar="J",
                   help="runs at once (default 1); ranks in use: J x P")
    p.add_argument("--out", required=True, metavar="DIR", help="the sweep folder")
    p.add_argument("--kmc", default=None, help="the kmc binary (default: $KMC if set, else "
                   "build/bin/kmc of this checkout, else kmc on the PATH)")
    p.add_argument("--mpirun", default="mpirun", help="the MPI launcher (default mpirun)")
    p.add_argument("--mpi-args", default=None, help="extra launcher options (default: "
                   "--oversubscribe, and --bind-to none when --jobs > 1)")
    p.add_argument("--kmc-arg", action="append", default=[], metavar="ARG",
                   help="an extra kmc argument for every run (repeatable)")
    p.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    p.add_argument("--status-every", type=float, default=30.0, metavar="S",
                   help="a progress line every S seconds (and at every change)")
    p.add_argument("--dry-run", action="store_true", help="print the runs and commands only")
    p.add_argument("--collect", action="store_true", help="only write the summary of --out")
    p.add_argument("--status", action="store_true", help="only print each run's state")
    p.add_argument("--slurm", metavar="FILE", help="write a SLURM job-array script instead "
                   "of running")
    p.add_argument("--time", default="24:00:00", help="SLURM: time limit of each task")
    p.add_argument("--signal-s", type=int, default=600, help="SLURM: SIGUSR1 this many "
                   "seconds before the limit (kmc checkpoints and stops)")
    p.add_argument("--max-parallel", type=int, default=0, help="SLURM: array tasks at once")
    p.add_argument("--job-name", default="kmc-sweep", help="SLURM: the job name")
    p.add_argument("--sbatch-opt", action="append", metavar="OPT",
                   help="SLURM: an extra #SBATCH line, e.g. --sbatch-opt=--partition=short")
    return p


def make_plan(args):
    deck = os.path.abspath(args.deck)
    if not os.path.isfile(deck):
        raise SweepError("cannot open deck '%s'" % args.deck, EX_NOINPUT)
    if args.np < 1 or args.jobs < 1:
        raise SweepError("-np and --jobs must be at least 1")
    grid = parse_vars(args.var)
    seeds = parse_seeds(args)
    runs = make_runs(grid, seeds)
    env = dict(os.environ)
    if os.geteuid() == 0:             # Open MPI refuses root without these
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    if args.mpi_args is None:
        mpi_args = ["--oversubscribe"] + (["--bind-to", "none"] if args.jobs > 1 else [])
    else:
        mpi_args = shlex.split(args.mpi_args)
    with open(deck, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    return {"deck": deck, "deck_sha256": sha, "grid": grid, "seeds": seeds, "runs": runs,
            "np": args.np, "kmc": os.path.abspath(args.kmc) if args.kmc and os.sep in args.kmc
            else (args.kmc or default_kmc()), "mpirun": shlex.split(args.mpirun),
            "mpi_args": mpi_args, "kmc_extra": list(args.kmc_arg),
            "prefix_var": deck_uses_prefix(deck), "env": env,
            "command_line": " ".join(shlex.quote(a) for a in sys.argv)}


def load_plan(out):
    plan = read_json(os.path.join(out, "sweep.json"))
    if plan is None:
        raise SweepError("%s holds no sweep (no readable sweep.json)" % out, EX_NOINPUT)
    plan["grid"] = [(n, v) for n, v in plan["grid"]]
    return plan


def save_plan(out, plan):
    old = read_json(os.path.join(out, "sweep.json"))
    if old and old.get("deck") == plan["deck"] and old.get("deck_sha256") != plan["deck_sha256"]:
        say("warning: %s changed since this sweep began; finished runs used the old text"
            % plan["deck"])
    keep = {k: v for k, v in plan.items() if k != "env"}
    write_json(os.path.join(out, "sweep.json"), keep)


def main(argv=None):
    args = build_parser().parse_args(argv)
    out = os.path.abspath(args.out)
    try:
        if args.collect or args.status:
            if args.deck:
                raise SweepError("--collect and --status read the plan from --out; no deck")
            plan = load_plan(out)
            if args.status:
                for r in plan["runs"]:
                    print("%-12s %s" % (run_state(out, r), r["name"]))
                return EX_OK
            srows, infos = collect(out, plan)
            say("summary of %d runs, %d rows: %s, %s, %s" % (
                len(infos), len(srows), os.path.join(out, "summary.csv"),
                os.path.join(out, "runs.csv"), os.path.join(out, "summary.h5")))
            count = {s: sum(1 for i in infos if i["status"] == s)
                     for s in ("done", "failed", "interrupted", "pending")}
            say("%(done)d done, %(failed)d failed, %(interrupted)d interrupted, "
                "%(pending)d not started" % count)
            if count["failed"]:
                return EX_FAILED
            return EX_TEMPFAIL if count["interrupted"] + count["pending"] else EX_OK
        if not args.deck:
            raise SweepError("no deck (usage: kmc-sweep DECK --var NAME=V1,V2 --out DIR)")
        plan = make_plan(args)
        if args.dry_run:
            for r in plan["runs"]:
                print("%s: cd %s && %s" % (r["name"], run_dir(out, r), " ".join(
                    shlex.quote(c) for c in plan["mpirun"] + ["-np", str(plan["np"])] +
                    plan["mpi_args"] + kmc_args(plan, r))))
            return EX_OK
        os.makedirs(os.path.join(out, "runs"), exist_ok=True)
        save_plan(out, plan)
        if not deck_has_checkpoints(plan["deck"]):
            say("note: the deck writes no checkpoints (`checkpoint every N`): an interrupted "
                "run starts again from the beginning")
        if args.slurm:
            write_slurm(plan, out, args)
            return EX_OK
        say("%d runs of %s (%s), %d rank%s each, %d at once; folder %s" % (
            len(plan["runs"]), os.path.basename(plan["deck"]),
            " x ".join("%s: %d values" % (n, len(v)) for n, v in plan["grid"]) +
            (" x %d seeds" % len(plan["seeds"]) if plan["seeds"] else "") or "one run",
            plan["np"], "" if plan["np"] == 1 else "s", args.jobs, out))
        rc = execute(plan, out, plan["runs"], args)
        srows, infos = collect(out, plan)
        failed = [i for i in infos if i["status"] == "failed"]
        say("summary: %s (%d rows), %s, %s" % (os.path.join(out, "summary.csv"), len(srows),
            os.path.join(out, "runs.csv"), os.path.join(out, "summary.h5")))
        for i in failed:
            say("failed: %s (exit %s); log: %s" % (i["run"], i["exit_code"],
                                                   os.path.join(out, i["log"])))
        if rc == EX_OK and failed:
            rc = EX_FAILED
        return rc
    except SweepError as e:
        print("kmc-sweep: error: %s" % e, file=sys.stderr)
        return e.code
    except OSError as e:
        print("kmc-sweep: error: %s" % e, file=sys.stderr)
        return 74 if e.errno not in (2,) else EX_NOINPUT


if __name__ == "__main__":
    sys.exit(main())
