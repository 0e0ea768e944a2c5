"""The sampler's files of one profile run, read as they are (see study/sampler.c).

  samples.csv   t_s,seq,kind,label,reason,name,count,cycles  (long format)
  console.tsv   t_s<TAB>line of the guest's serial console
  meta.txt      key=value

and the generated reason table, build/reasons/reasons.json.  Both
study/summary.py (the analysis) and study/check_report.py (which checks the
analysis against these files) read the raw files through here, so a run is
parsed one way; the arithmetic on it is not shared.
"""
import csv
import json
import os
import re

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PHASE_MARK = "@@STUDY phase "
EXITSTAT_MARK = "@@STUDY exitstat-at "
EXITBURST_MARK = "@@STUDY exitburst "


def reason_tables():
    """build/reasons/reasons.json (make reasons-json; make exports
    REASONS_JSON): every reason's name, number and vendor-neutral category
    as the C side has them, so nothing here copies a name by hand."""
    path = os.environ.get("REASONS_JSON") or os.path.join(TOP, "build", "reasons",
                                                         "reasons.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"study: cannot read the reason tables {path} ({e}): "
                         "run make reasons-json")


def reason_categories(numbering):
    """{reason name: category} of a numbering ("svm", "vmx"); {} if unknown."""
    table = reason_tables()["numberings"].get(numbering)
    return {r["name"]: r["category"] for r in table["reasons"]} if table else {}


class Sample:
    def __init__(self, seq, t, kind, label):
        self.seq, self.t, self.kind, self.label = seq, t, kind, label
        self.counts = {}   # reason name -> count
        self.cycles = {}   # reason name -> cycles
        self.total = None
        self.total_cycles = None
        self.kvm_exits = None


class Run:
    def __init__(self, run_dir):
        self.dir = run_dir
        self.samples = []
        self.numbers = {}  # reason name -> number as printed by KVM
        self.console = []  # (t, line)
        self.meta = {}
        self.tsc_khz = None
        self.numbering = None

    def final(self):
        """The sample taken after QEMU exited (VM frozen), or None."""
        finals = [s for s in self.samples if s.kind == "final"]
        return finals[-1] if finals else None

    def last(self):
        return self.final() or self.samples[-1]


def read_meta(run_dir):
    """meta.txt as {key: first value}, plus the numbering and TSC kHz of
    the exit_stats header: (meta, numbering, tsc_khz)."""
    meta, numbering, tsc_khz = {}, None, None
    with open(os.path.join(run_dir, "meta.txt")) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            meta.setdefault(key, value)
            m = re.match(r"# numbering (\w+) tsc_khz (\d+)", value)
            if key == "exit_stats_header" and m:
                numbering, tsc_khz = m.group(1), int(m.group(2))
    return meta, numbering, tsc_khz


def load_run(run_dir):
    run = Run(run_dir)
    run.meta, run.numbering, run.tsc_khz = read_meta(run_dir)
    by_seq = {}
    with open(os.path.join(run_dir, "samples.csv"), newline="") as f:
        for row in csv.DictReader(f):
            seq = int(row["seq"])
            s = by_seq.get(seq)
            if s is None:
                s = by_seq[seq] = Sample(seq, float(row["t_s"]), row["kind"],
                                         row["label"])
            name, count, cycles = row["name"], int(row["count"]), int(row["cycles"])
            if name == "TOTAL":
                s.total, s.total_cycles = count, cycles
            elif name == "KVM_STAT_EXITS":
                s.kvm_exits = count
            else:
                s.counts[name] = count
                s.cycles[name] = cycles
                run.numbers[name] = row["reason"]
    run.samples = [by_seq[k] for k in sorted(by_seq)]
    for s in run.samples:
        if s.total is None or s.kvm_exits is None:
            raise SystemExit(f"study: sample {s.seq} of {run_dir} lacks its TOTAL or "
                             "KVM_STAT_EXITS row: truncated samples.csv?")
    path = os.path.join(run_dir, "console.tsv")
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for line in f:
                t, _, text = line.rstrip("\n").partition("\t")
                run.console.append((float(t), text))
    if not run.samples:
        raise SystemExit("study: no samples in " + run_dir)
    return run


def exitburst_lines(console):
    """The guest's burst results: [{burst, n, reason, delta, expected}]."""
    res = []
    for _, line in console:
        if line.startswith(EXITBURST_MARK):
            fields = dict(kv.split("=", 1) for kv in line.split()[3:] if "=" in kv)
            fields["burst"] = line.split()[2]
            res.append(fields)
    return res


def run_dirs(path):
    """The runs under PATH: PATH itself when it holds samples.csv, else its
    numbered subdirectories 1/, 2/, ... (RUNS=N), in order."""
    if os.path.exists(os.path.join(path, "samples.csv")):
        return [path]
    subs = sorted((d for d in os.listdir(path) if d.isdigit()
                   and os.path.exists(os.path.join(path, d, "samples.csv"))), key=int) \
        if os.path.isdir(path) else []
    return [os.path.join(path, d) for d in subs]


def missing_runs(path):
    """Numbers of the run directories under PATH without samples.csv: lab
    runs that brought nothing back."""
    if not os.path.isdir(path) or os.path.exists(os.path.join(path, "samples.csv")):
        return []
    return sorted(int(d) for d in os.listdir(path) if d.isdigit()
                  and not os.path.exists(os.path.join(path, d, "samples.csv")))
