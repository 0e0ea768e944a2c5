#!/usr/bin/env python3
"""Turn one profile run (the sampler's files) into build/report/.

Input, RUN_DIR (written by study-sampler in L1, see study/sampler.c):
  samples.csv   t_s,seq,kind,label,reason,name,count,cycles  (long format)
  console.tsv   t_s<TAB>line of the guest's serial console
  meta.txt      key=value
Output, REPORT_DIR:
  report.md, timeseries.csv (wide: one row per sample, one column per
  reason), phases.csv, reasons.csv, samples.csv (copy of the raw samples),
  console.tsv (copy), exits_per_second.png, totals_by_reason.png, and the
  gnuplot scripts and data files behind the plots.
Prints the summary table on stdout.  Standard library only.
"""
import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

PHASE_MARK = "@@STUDY phase "
EXITSTAT_MARK = "@@STUDY exitstat-at "
EXITBURST_MARK = "@@STUDY exitburst "
KERNEL_START_LABELS = ("first console output", "Probing EDD",
                       "[    0.000000] Linux version")

# What each phase covers, for the report's phase table.
PHASE_MEANING = {
    "firmware": "VM created, SeaBIOS, loading the kernel",
    "kernel": "kernel's first console line until /init starts",
    "userspace": "/init: mounts, virtio modules, until the workloads",
    "files": "create+delete small files in tmpfs (loop)",
    "cpu": "shell arithmetic loop (CPU-bound)",
    "disk": "dd to/from the virtio disk, O_DIRECT",
    "cpuid_pio": "burst of CPUID and port 0x80 writes",
    "exitstat_dump": "guest prints the exitstat records it kept",
    "reboot_firmware": "reboot -f, reset, firmware of the 2nd boot",
    "reboot_kernel": "2nd boot: kernel until /init",
    "reboot_userspace": "2nd boot: /init until shutdown",
    "shutdown": "poweroff -f until QEMU exits",
}
# The lab's two L1 machines, keyed by the numbering KVM reports in the
# exit_stats header (svm: AMD APM exit codes, vmx: Intel SDM basic exit
# reasons).
VENDOR = {
    "svm": {"name": "AMD SVM",
            "l1": "QEMU TCG, `-cpu EPYC,+svm`",
            "codes": "AMD SVM exit codes", "ref": "AMD APM Vol. 2 Appendix C"},
    "vmx": {"name": "Intel VMX",
            "l1": "Bochs 2.7, `corei7_skylake_x`, VMX with EPT",
            "codes": "Intel VMX basic exit reasons", "ref": "Intel SDM Appendix C"},
}
UNKNOWN_VENDOR = {"name": "unknown vendor", "l1": "unknown L1",
                  "codes": "exit reasons of an unknown numbering", "ref": "no table"}
FIRST_BOOT = ("firmware", "kernel", "userspace")
TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def reason_tables():
    """build/reasons/reasons.json (make reasons-json; make exports
    REASONS_JSON): every reason's name and vendor-neutral category as the C
    side has them, so nothing here copies a name by hand."""
    path = os.environ.get("REASONS_JSON") or os.path.join(TOP, "build", "reasons",
                                                         "reasons.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"analyze: cannot read the reason tables {path} ({e}): "
                         "run make reasons-json")


def reason_categories(numbering):
    """{reason name: category} of a numbering ("svm", "vmx"); {} if unknown."""
    table = reason_tables()["numberings"].get(numbering)
    return {r["name"]: r["category"] for r in table["reasons"]} if table else {}


def by_category(counts, categories):
    """Exits per category, largest first; names without one go to "other"."""
    sums = {}
    for name, count in counts.items():
        cat = categories.get(name, "other")
        sums[cat] = sums.get(cat, 0) + count
    return sorted(((c, n) for c, n in sums.items() if n), key=lambda kv: (-kv[1], kv[0]))
SECOND_BOOT = ("reboot_firmware", "reboot_kernel", "reboot_userspace")


class Sample:
    def __init__(self, seq, t, kind, label):
        self.seq, self.t, self.kind, self.label = seq, t, kind, label
        self.counts = {}   # reason name -> count
        self.cycles = {}   # reason name -> cycles
        self.total = None
        self.total_cycles = None
        self.kvm_exits = None


class Run:
    def __init__(self):
        self.samples = []
        self.numbers = {}  # reason name -> number as printed by KVM
        self.console = []  # (t, line)
        self.meta = {}
        self.tsc_khz = None
        self.numbering = None


def load_run(run_dir):
    run = Run()
    with open(os.path.join(run_dir, "meta.txt")) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            run.meta.setdefault(key, value)
            m = re.match(r"# numbering (\w+) tsc_khz (\d+)", value)
            if key == "exit_stats_header" and m:
                run.numbering, run.tsc_khz = m.group(1), int(m.group(2))
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
            raise SystemExit(f"analyze: sample {s.seq} lacks its TOTAL or "
                             "KVM_STAT_EXITS row: truncated samples.csv?")
    path = os.path.join(run_dir, "console.tsv")
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for line in f:
                t, _, text = line.rstrip("\n").partition("\t")
                run.console.append((float(t), text))
    if not run.samples:
        raise SystemExit("analyze: no samples in " + run_dir)
    return run


def final_sample(run):
    finals = [s for s in run.samples if s.kind == "final"]
    return finals[-1] if finals else None


def find_boundaries(run):
    """(phase name, sample that opens it), in order."""
    bounds = []
    current = None
    rebooted = False

    def open_phase(name, sample):
        nonlocal current
        bounds.append((name, sample))
        current = name

    for s in run.samples:
        if s.kind != "event":
            continue
        label = s.label
        if label.startswith("VM created"):
            open_phase("firmware", s)
        elif label.startswith(KERNEL_START_LABELS):
            if current == "firmware":
                open_phase("kernel", s)
            elif current == "reboot_firmware":
                open_phase("reboot_kernel", s)
        elif label.startswith(PHASE_MARK):
            name = label[len(PHASE_MARK):].strip()
            if name == "reboot":
                rebooted = True
                name = "reboot_firmware"
            elif name == "userspace" and rebooted:
                name = "reboot_userspace"
            open_phase(name, s)
    return bounds


class Phase:
    def __init__(self, name, start, end):
        self.name, self.start, self.end = name, start, end
        self.duration = end.t - start.t
        self.exits = end.total - start.total
        self.cycles = end.total_cycles - start.total_cycles
        self.by_reason = {}
        for name_ in set(start.counts) | set(end.counts):
            d = end.counts.get(name_, 0) - start.counts.get(name_, 0)
            if d:
                self.by_reason[name_] = d
        self.rate = self.exits / self.duration if self.duration > 0 else 0.0
        self.interval_rates = []
        self.console_bytes = 0

    def top_reason(self):
        if not self.by_reason:
            return ("-", 0)
        return max(self.by_reason.items(), key=lambda kv: kv[1])


def phases_of(run):
    end = final_sample(run)
    bounds = find_boundaries(run)
    phases = []
    for i, (name, start) in enumerate(bounds):
        stop = bounds[i + 1][1] if i + 1 < len(bounds) else end
        if stop is None:
            break
        phases.append(Phase(name, start, stop))
    for p in phases:
        p.console_bytes = sum(len(line.encode()) + 1 for t, line in run.console
                              if p.start.t <= t < p.end.t)
    periodic = [s for s in run.samples if s.kind == "periodic"]
    for a, b in zip(periodic, periodic[1:]):
        for p in phases:
            if p.start.t <= a.t and b.t <= p.end.t and b.t > a.t:
                p.interval_rates.append((b.total - a.total) / (b.t - a.t))
    return phases


def interval_rates(run):
    """Per-interval exits/s by reason between consecutive periodic samples
    (and the final one): [(t_mid, t_end, dt, {reason: rate}, total_rate)]."""
    pts = [s for s in run.samples if s.kind in ("periodic", "final")]
    out = []
    for a, b in zip(pts, pts[1:]):
        dt = b.t - a.t
        if dt <= 0:
            continue
        rates = {}
        for name in set(a.counts) | set(b.counts):
            d = b.counts.get(name, 0) - a.counts.get(name, 0)
            if d:
                rates[name] = d / dt
        out.append(((a.t + b.t) / 2, b.t, dt, rates, (b.total - a.total) / dt))
    return out


def burstiness(rates):
    """Share of the exits that fell into the busiest 10% of intervals."""
    weighted = sorted(((r * dt) for _, _, dt, _, r in rates), reverse=True)
    total = sum(weighted)
    if not weighted or total == 0:
        return 0.0
    top = weighted[:max(1, len(weighted) // 10)]
    return sum(top) / total


def guest_total_from_json(text):
    # From console.tsv: the sampler's CSV labels lost their commas and quotes.
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return find_total(doc)


def find_total(doc):
    """exitstat --json: {"reasons": [...], "total": {"count": N, ...}}."""
    if isinstance(doc, dict):
        total = doc.get("total")
        if isinstance(total, dict) and isinstance(total.get("count"), int):
            return total["count"]
    return None


def exitstat_checks(run, phases):
    """The guest's own readings (exitstat --json, taken just before it
    announced the phase PHASE and printed later as "@@STUDY exitstat-at
    PHASE {json}") against the host's samples around them: the host's
    count when the previous phase began <= the guest's <= the host's count
    when the marker of PHASE arrived.
    Returns [(phase, guest_total or None, low, high)]."""
    out = []
    for t, line in run.console:
        if not line.startswith(EXITSTAT_MARK):
            continue
        name, _, text = line[len(EXITSTAT_MARK):].partition(" ")
        marker = PHASE_MARK + name
        index = None
        for i, p in enumerate(phases):
            if p.start.label == marker and p.start.t <= t:
                index = i
        if index is None:
            out.append((name, None, None, None))
            continue
        low = phases[index - 1].start.total if index > 0 else 0
        out.append((name, guest_total_from_json(text), low, phases[index].start.total))
    return out


def exitburst_results(run):
    res = []
    for _, line in run.console:
        if line.startswith(EXITBURST_MARK):
            fields = dict(kv.split("=", 1) for kv in line.split()[3:] if "=" in kv)
            fields["burst"] = line.split()[2]
            res.append(fields)
    return res


def fmt_int(n):
    return f"{n:,}".replace(",", " ")


def mean_us(cycles, count, tsc_khz):
    if not count or not tsc_khz:
        return None
    return cycles / count / tsc_khz * 1000.0


def md_table(headers, rows, align=None):
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def text_table(headers, rows, left_last=False):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    out = []
    for i, r in enumerate([headers] + rows):
        cells = [str(c).ljust(w) if j in (0, len(r) - 1) and left_last or j == 0
                 else str(c).rjust(w) for j, (c, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def write_csvs(run, phases, out_dir):
    names = sorted(run.numbers, key=lambda n: (-(final_or_last(run).counts.get(n, 0)), n))
    with open(os.path.join(out_dir, "timeseries.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t_s", "seq", "kind", "label", "total", "kvm_stat_exits",
                    "total_cycles"] + names)
        for s in run.samples:
            w.writerow([f"{s.t:.6f}", s.seq, s.kind, s.label, s.total,
                        s.kvm_exits, s.total_cycles]
                       + [s.counts.get(n, 0) for n in names])
    with open(os.path.join(out_dir, "phases.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["phase", "start_s", "duration_s", "exits", "exits_per_s",
                    "cycles", "top_reason", "top_reason_exits"])
        for p in phases:
            top = p.top_reason()
            w.writerow([p.name, f"{p.start.t:.3f}", f"{p.duration:.3f}",
                        p.exits, f"{p.rate:.1f}", p.cycles, top[0], top[1]])
    fin = final_or_last(run)
    with open(os.path.join(out_dir, "reasons.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["reason", "name", "count", "cycles", "mean_cycles", "mean_us"])
        for n in names:
            c, y = fin.counts.get(n, 0), fin.cycles.get(n, 0)
            if not c:
                continue
            mu = mean_us(y, c, run.tsc_khz)
            w.writerow([run.numbers[n], n, c, y, f"{y / c:.0f}",
                        "" if mu is None else f"{mu:.2f}"])


def final_or_last(run):
    return final_sample(run) or run.samples[-1]


def plot(run, phases, rates, out_dir, top_k=8):
    fin = final_or_last(run)
    ranked = sorted((n for n in fin.counts if fin.counts[n]),
                    key=lambda n: -fin.counts[n])
    shown = ranked[:top_k]
    other = ranked[top_k:]
    layers = shown + (["other"] if other else [])
    # Stacked: column i+2 is the sum of the rates of layers 0..i.
    with open(os.path.join(out_dir, "exits_per_second.dat"), "w") as f:
        f.write("# t_s " + " ".join(layers) + " (cumulative exits/s)\n")
        for t, _, _, r, _ in rates:
            acc, cols = 0.0, []
            for name in shown:
                acc += r.get(name, 0.0)
                cols.append(acc)
            if other:
                acc += sum(r.get(n, 0.0) for n in other)
                cols.append(acc)
            f.write(f"{t:.3f} " + " ".join(f"{c:.3f}" for c in cols) + "\n")
    with open(os.path.join(out_dir, "totals_by_reason.dat"), "w") as f:
        f.write("# index name count\n")
        for i, n in enumerate(ranked):
            f.write(f'{i} "{n}" {fin.counts[n]}\n')
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    g = []
    g.append('set terminal pngcairo size 1400,700 font "sans,10"')
    g.append('set output "exits_per_second.png"')
    g.append("set termoption noenhanced")
    g.append('set title "VM exits per second by reason (stacked, log scale; '
             f'{run.meta.get("interval_ms", "?")} ms samples)"')
    g.append('set xlabel "seconds since the sampler started"')
    g.append('set ylabel "exits/s"')
    g.append("set logscale y")
    g.append("set yrange [1:*]")
    g.append("set key outside right top")
    g.append("set grid ytics")
    g.append("set style fill solid 0.85 noborder")
    for i, p in enumerate(phases):
        g.append(f"set arrow {i + 1} from {p.start.t:.3f}, graph 0 to "
                 f"{p.start.t:.3f}, graph 1 nohead dt 2 lc rgb '#444444'")
        g.append(f'set label {i + 1} "{p.name}" at {p.start.t:.3f}, graph '
                 f'{0.98 - 0.035 * (i % 4):.3f} left front font ",8" offset 0.3,0')
    curves = []
    for i in reversed(range(len(layers))):
        lower = f"(${i + 1} > 1 ? ${i + 1} : 1)" if i > 0 else "(1)"
        upper = f"(${i + 2} > 1 ? ${i + 2} : 1)"
        curves.append(f'"exits_per_second.dat" using 1:{lower}:{upper} '
                      f'with filledcurves lc rgb "{colors[i % len(colors)]}" '
                      f'title "{layers[i]}"')
    g.append("plot " + ", \\\n     ".join(curves) if curves else
             'plot 1 title "no data"')
    with open(os.path.join(out_dir, "exits_per_second.gp"), "w") as f:
        f.write("\n".join(g) + "\n")
    b = ['set terminal pngcairo size 1200,600 font "sans,10"',
         'set output "totals_by_reason.png"', "set termoption noenhanced",
         'set title "VM exits by reason over the whole run (log scale)"',
         "set logscale y", "set yrange [0.8:*]", "set style fill solid 0.8",
         "set boxwidth 0.7", "set grid ytics", "unset key",
         "set xtics rotate by -45 font ',9'", 'set ylabel "exits"',
         'plot "totals_by_reason.dat" using 1:3:xtic(2) with boxes lc rgb "#1f77b4", '
         '"" using 1:3:(sprintf("%d", $3)) with labels offset 0,0.7 font ",8"']
    with open(os.path.join(out_dir, "totals_by_reason.gp"), "w") as f:
        f.write("\n".join(b) + "\n")
    for script in ("exits_per_second.gp", "totals_by_reason.gp"):
        r = subprocess.run(["gnuplot", script], cwd=out_dir,
                           capture_output=True, text=True)
        if r.returncode:
            raise SystemExit(f"analyze: gnuplot {script} failed:\n{r.stderr}")


def analyze(run_dir, out_dir, command=None, plots=True, others=()):
    """Writes the report of one run; `others` are the summaries of other
    vendors' runs for the side-by-side section.  Returns (all checks
    passed, this run's summary)."""
    run = load_run(run_dir)
    os.makedirs(out_dir, exist_ok=True)
    phases = phases_of(run)
    rates = interval_rates(run)
    fin = final_sample(run)
    last = final_or_last(run)
    for name in ("samples.csv", "console.tsv", "meta.txt"):
        src = os.path.join(run_dir, name)
        if os.path.exists(src) and os.path.abspath(src) != os.path.abspath(
                os.path.join(out_dir, name)):
            shutil.copy(src, out_dir)
    write_csvs(run, phases, out_dir)
    if plots:
        plot(run, phases, rates, out_dir)

    tsc = run.tsc_khz
    row_sum = sum(last.counts.values())
    checks = []
    checks.append(("sum of the reason rows equals TOTAL", row_sum == last.total,
                   f"{fmt_int(row_sum)} vs {fmt_int(last.total)}"))
    if fin:
        checks.append(("TOTAL equals KVM's `exits` statistic (final, frozen VM)",
                       fin.total == fin.kvm_exits,
                       f"{fmt_int(fin.total)} vs {fmt_int(fin.kvm_exits)}"))
    else:
        checks.append(("a final sample was taken after QEMU exited", False,
                       "no final sample (run cut short?)"))
    if phases:
        psum = sum(p.exits for p in phases)
        span = phases[-1].end.total - phases[0].start.total
        checks.append(("phases add up to the run's total", psum == span == last.total,
                       f"{fmt_int(psum)} vs {fmt_int(last.total)}"))
    # Mid-run, KVM's counter is read just after ours; an exit counted by us
    # (when it begins) may not have reached KVM's counter yet: at most one
    # in flight per vCPU.
    vcpus = int(run.meta.get("vcpus", "1") or 1)
    gaps = [s.kvm_exits - s.total for s in run.samples]
    checks.append((f"every sample: KVM's `exits` (read just after TOTAL) >= TOTAL - "
                   f"{vcpus} vCPU(s) in flight", min(gaps) >= -vcpus,
                   f"KVM minus TOTAL from {min(gaps)} to {max(gaps)} over "
                   f"{len(gaps)} samples"))
    for name, guest, low, high in exitstat_checks(run, phases):
        if guest is None:
            checks.append((f"guest's exitstat reading before phase {name} found",
                           False, "no total in its JSON or no such phase"))
        else:
            checks.append((f"guest's exitstat reading before phase {name} lies "
                           "between the host's samples around it",
                           low <= guest <= high,
                           f"{fmt_int(low)} <= {fmt_int(guest)} <= {fmt_int(high)}; "
                           f"{high - guest} exits from the reading to the marker"))
    for b in exitburst_results(run):
        if b.get("delta", "unknown") != "unknown":
            checks.append((f"exitburst {b['burst']}: {b.get('reason')} exits counted for "
                           f"{b.get('n')} instructions", b["delta"] == b.get("expected"),
                           f"delta {b['delta']}, expected {b.get('expected')}"))

    # ---- report.md
    r = []
    r.append("# VM exits of a full guest boot and workloads\n")
    if command:
        r.append(f"Produced by `{command}`; every number below comes from that run.\n")
    vendor = VENDOR.get(run.numbering, UNKNOWN_VENDOR)
    r.append("Setup: the guest (L2: Debian's kernel "
             f"{kernel_version(run)}, busybox initramfs, 1 vCPU) runs under QEMU "
             f"`-accel kvm` on our KVM inside L1 ({vendor['l1']}), so "
             f"exit reasons are {vendor['codes']} ({vendor['ref']}; numbering "
             f"`{run.numbering}`). "
             f"A sampler in L1 read the VM's debugfs `exit_stats` every "
             f"{run.meta.get('interval_ms', '?')} ms and when the guest announced a "
             "phase on its serial console. Cycles are L1 TSC cycles "
             f"({tsc} kHz) KVM spent handling the exits (an emulated machine: "
             "absolute costs are much higher than on hardware; compare them "
             "relative to each other).\n")
    boots = []
    boot_exits = [None, None]  # first and second boot, for the vendor table
    for i, (label, names) in enumerate((
            ("first boot: VM start until the workloads start", FIRST_BOOT),
            ("second boot: reboot -f until its /init announces shutdown",
             SECOND_BOOT))):
        ps = [p for p in phases if p.name in names]
        if len(ps) == len(names):
            boots.append((label, sum(p.exits for p in ps), sum(p.duration for p in ps)))
            boot_exits[i] = boots[-1][1]
    r.append("## Answers\n")
    for label, n, d in boots:
        r.append(f"- **Exits of a full boot** ({label}; firmware + kernel + "
                 f"user space): **{fmt_int(n)}** exits in {d:.1f} s.")
    if fin:
        r.append(f"- Whole run: {fmt_int(fin.total)} exits in "
                 f"{fin.t - phases[0].start.t if phases else fin.t:.1f} s.")
    if rates:
        share = burstiness(rates)
        per_phase = [p for p in phases if p.duration > 0]
        if per_phase:
            hi = max(per_phase, key=lambda p: p.rate)
            lo = min(per_phase, key=lambda p: p.rate)
            bursty = hi.rate >= 3 * max(lo.rate, 1e-9) or share >= 0.2
            r.append(f"- **Steady or bursty?** "
                     f"{'In bursts' if bursty else 'Fairly steady'}: phase averages "
                     f"range from {fmt_int(round(lo.rate))}/s ({lo.name}) to "
                     f"{fmt_int(round(hi.rate))}/s ({hi.name}, mostly "
                     f"{hi.top_reason()[0]}); the sparsest phase is mostly "
                     f"{lo.top_reason()[0]}. The busiest 10% of the {len(rates)} "
                     f"sampling intervals hold {share:.0%} of all exits (an even "
                     "rate would give 10%).")
    ranked = sorted(((n, c) for n, c in last.counts.items() if c), key=lambda kv: -kv[1])
    if ranked:
        r.append("- **Most frequent reasons:** " + ", ".join(
            f"{n} ({fmt_int(c)}, {c / last.total:.1%})" for n, c in ranked[:5]) + ".")
        r.append("- **Least frequent (seen at least once):** " + ", ".join(
            f"{n} ({fmt_int(c)})" for n, c in reversed(ranked[-5:])) + ".")
    categories = reason_categories(run.numbering)
    io_name = next((n for n, c in categories.items() if c == "io"), None)
    io_exits = last.counts.get(io_name, 0)
    console_bytes = sum(p.console_bytes for p in phases)
    if io_exits and console_bytes:
        lead = (f"Why {io_name} leads" if ranked and ranked[0][0] == io_name
                else f"{io_name} and the serial console")
        r.append(f"- **{lead}:** the guest's serial console (a "
                 f"16550 UART, one port access per register read or write) printed "
                 f"{fmt_int(console_bytes)} bytes; {fmt_int(io_exits)} {io_name} exits "
                 f"is {io_exits / console_bytes:.1f} per byte printed. Phases that print "
                 "little (the workloads) are dominated by other reasons.")
    cpu = next((p for p in phases if p.name == "cpu"), None)
    if exitstat_checks(run, phases) and cpu:
        r.append(f"- **Cost of the guest's own readings:** the cpu phase executes no "
                 f"CPUID itself, so its {fmt_int(cpu.by_reason.get('CPUID', 0))} CPUID "
                 "exits are what one `exitstat --json` reading costs; the guest takes one "
                 "at the end of every phase (inside the phase it closes).")
    ok_all = all(ok for _, ok, _ in checks)
    if fin:
        r.append(f"- **Cross-check:** our TOTAL {fmt_int(fin.total)} vs KVM's "
                 f"`exits` statistic {fmt_int(fin.kvm_exits)}: "
                 f"{'**match**' if fin.total == fin.kvm_exits else '**MISMATCH**'}.")
    r.append("")
    summary = {
        "vendor": vendor["name"], "l1": vendor["l1"], "boot_exits": boot_exits,
        "total": last.total, "kvm_exits": fin.kvm_exits if fin else None,
        "seconds": (last.t - phases[0].start.t) if phases else last.t,
        "phases": [(p.name, p.exits, p.duration, p.rate) for p in phases],
        "ranked": ranked, "burst_share": burstiness(rates) if rates else None,
        "by_category": by_category(last.counts, categories),
        "checks_ok": ok_all, "out_dir": out_dir,
    }
    if others:
        r += side_by_side([summary] + list(others), out_dir, plots)

    r.append("## Phases\n")
    prow = []
    for p in phases:
        top, topn = p.top_reason()
        rr = p.interval_rates
        spread = (f"{fmt_int(round(min(rr)))} / {fmt_int(round(statistics.median(rr)))}"
                  f" / {fmt_int(round(max(rr)))}") if rr else "-"
        prow.append([p.name, PHASE_MEANING.get(p.name, ""), f"{p.start.t:.1f}",
                     f"{p.duration:.2f}", fmt_int(p.exits), fmt_int(round(p.rate)),
                     spread, f"{top} ({topn / p.exits:.0%})" if p.exits else "-",
                     fmt_int(p.console_bytes)])
    prow.append(["TOTAL", "", "", f"{sum(p.duration for p in phases):.2f}",
                 fmt_int(sum(p.exits for p in phases)), "", "", "",
                 fmt_int(sum(p.console_bytes for p in phases))])
    r.append(md_table(["phase", "what", "start s", "duration s", "exits", "exits/s",
                       "exits/s per interval min / median / max", "top reason",
                       "console bytes"],
                      prow, ["l", "l", "r", "r", "r", "r", "r", "l", "r"]))
    r.append("\nPhase boundaries are the samples taken when the guest's marker "
             "line (or the kernel's first console line) reached L1: the exits of "
             "printing a marker count in the phase before it.\n")

    r.append("## Exits by reason (whole run)\n")
    rrow = []
    for n, c in ranked:
        y = last.cycles.get(n, 0)
        mu = mean_us(y, c, tsc)
        rrow.append([f"{n}", run.numbers.get(n, ""), fmt_int(c), f"{c / last.total:.2%}",
                     fmt_int(y), fmt_int(round(y / c)), "" if mu is None else f"{mu:.1f}"])
    rrow.append(["TOTAL", "", fmt_int(last.total), "100.00%", fmt_int(last.total_cycles),
                 fmt_int(round(last.total_cycles / last.total)) if last.total else "", ""])
    r.append(md_table(["reason", "code", "exits", "share", "cycles", "mean cycles",
                       "mean µs"], rrow))
    r.append("")
    r.append("## Exits by category (whole run)\n")
    r.append("Vendor-neutral groups of the reasons above (`exitstat --by category`'s, "
             "from build/reasons/reasons.json), the same rows on AMD and Intel.\n")
    crow = []
    for cat, c in summary["by_category"]:
        y = sum(last.cycles.get(n, 0) for n in last.counts if categories.get(n, "other") == cat)
        crow.append([cat, fmt_int(c), f"{c / last.total:.2%}", fmt_int(y),
                     fmt_int(round(y / c))])
    r.append(md_table(["category", "exits", "share", "cycles", "mean cycles"], crow))
    r.append("")
    if phases:
        r.append("## Reasons per phase\n")
        cols = [n for n, _ in ranked[:8]]
        prow = []
        for p in phases:
            other = p.exits - sum(p.by_reason.get(n, 0) for n in cols)
            prow.append([p.name] + [fmt_int(p.by_reason.get(n, 0)) for n in cols]
                        + [fmt_int(other), fmt_int(p.exits)])
        r.append(md_table(["phase"] + cols + ["other", "total"], prow))
        r.append("")
    bursts = exitburst_results(run)
    if bursts:
        r.append("## CPUID / port I/O burst (guest-controlled exits)\n")
        r.append(md_table(["burst", "instructions", "reason", "exits counted",
                           "expected"],
                          [[b["burst"], b.get("n", ""), b.get("reason", ""),
                            b.get("delta", ""), b.get("expected", "")] for b in bursts]))
        r.append("\nCounted by the guest itself through the exit-statistics CPUID "
                 "leaves before and after each burst.\n")
    r.append("## Consistency checks\n")
    for name, ok, detail in checks:
        r.append(f"- {'ok' if ok else 'FAILED'}: {name} ({detail})")
    r.append("")
    if plots:
        r.append("## Plots\n")
        r.append("![exits per second](exits_per_second.png)\n")
        r.append("![totals by reason](totals_by_reason.png)\n")
    r.append("## Files\n")
    r.append("- `samples.csv`: raw samples (long format: t_s, seq, kind, label, "
             "reason, name, count, cycles; a TOTAL and a KVM_STAT_EXITS row per sample)")
    r.append("- `timeseries.csv`: the same, one row per sample, one column per reason "
             "(cumulative counts)")
    r.append("- `phases.csv`, `reasons.csv`: the tables above")
    r.append("- `console.tsv`: the guest's serial console, each line with its arrival time")
    r.append("- `*.gp`, `*.dat`: gnuplot scripts and data of the plots")
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write("\n".join(r) + "\n")

    # ---- terminal summary
    print("Phases:")
    print(text_table(["phase", "start s", "dur s", "exits", "exits/s", "top reason"],
                     [[p.name, f"{p.start.t:.1f}", f"{p.duration:.2f}", fmt_int(p.exits),
                       fmt_int(round(p.rate)), p.top_reason()[0]] for p in phases]
                     + [["TOTAL", "", f"{sum(p.duration for p in phases):.2f}",
                         fmt_int(sum(p.exits for p in phases)), "", ""]],
                     left_last=True))
    print()
    print("Reasons (top 5 and bottom 5 of those seen):")
    sel = ranked[:5] + [x for x in ranked[-5:] if x not in ranked[:5]]
    print(text_table(["reason", "exits", "share", "mean cycles"],
                     [[n, fmt_int(c), f"{c / last.total:.2%}",
                       fmt_int(round(last.cycles.get(n, 0) / c))] for n, c in sel]))
    print()
    for label, n, d in boots:
        print(f"Exits of a full boot ({label}): {fmt_int(n)} in {d:.1f} s")
    for name, ok, detail in checks:
        print(f"check {'ok' if ok else 'FAILED'}: {name} ({detail})")
    if others:
        print()
        print("Both vendors (exits):")
        print(text_table(*side_by_side_rows([summary] + list(others), plain=True)))
    print(f"\nReport: {os.path.join(out_dir, 'report.md')}")
    return ok_all, summary


def phase_names(summaries):
    """Every phase any of the runs has, in the order they first appear."""
    names = []
    for s in summaries:
        names += [n for n, *_ in s["phases"] if n not in names]
    return names


def phase_of(summary, name):
    """(name, exits, duration, rate) of that phase of the run, or None."""
    return next((p for p in summary["phases"] if p[0] == name), None)


def side_by_side_rows(summaries, plain=False):
    """Headers and rows of the vendor comparison: one column per run."""
    def cell_phase(s, name):
        p = phase_of(s, name)
        return f"{fmt_int(p[1])} ({fmt_int(round(p[3]))}/s)" if p else "-"
    headers = [""] + [s["vendor"] for s in summaries]
    rows = [["L1"] + [s["l1"].replace("`", "") if plain else s["l1"] for s in summaries]]
    for i, label in enumerate(("first boot (firmware + kernel + user space)",
                               "second boot (after reboot -f)")):
        rows.append([f"exits of the {label}"] +
                    [fmt_int(s["boot_exits"][i]) if s["boot_exits"][i] is not None
                     else "-" for s in summaries])
    rows.append(["exits of the whole run"] +
                [f"{fmt_int(s['total'])} in {s['seconds']:.0f} s" for s in summaries])
    for name in phase_names(summaries):
        rows.append([f"phase {name}"] + [cell_phase(s, name) for s in summaries])
    for k in range(5):
        rows.append([f"reason #{k + 1}"] +
                    [f"{s['ranked'][k][0]} ({s['ranked'][k][1] / s['total']:.1%})"
                     if len(s["ranked"]) > k and s["total"] else "-" for s in summaries])
    # Categories line the vendors up where reason names cannot.
    totals = {}
    for s in summaries:
        for cat, c in s.get("by_category", []):
            totals[cat] = totals.get(cat, 0) + c
    for cat in sorted(totals, key=lambda k: (-totals[k], k)):
        cells = []
        for s in summaries:
            c = dict(s.get("by_category", [])).get(cat, 0)
            cells.append(f"{fmt_int(c)} ({c / s['total']:.1%})" if s["total"] else "-")
        rows.append([f"category {cat}"] + cells)
    rows.append(["busiest 10% of intervals hold"] +
                [f"{s['burst_share']:.0%}" if s["burst_share"] is not None else "-"
                 for s in summaries])
    rows.append(["TOTAL vs KVM's `exits`" if not plain else "TOTAL vs KVM's exits"] +
                [("match" if s["kvm_exits"] == s["total"] else "MISMATCH")
                 + ("" if s["checks_ok"] else ", checks FAILED") for s in summaries])
    return headers, rows


def side_by_side(summaries, out_dir, plots):
    """The report section comparing this run with the other vendor's."""
    headers, rows = side_by_side_rows(summaries)
    r = ["## Both vendors side by side\n"]
    r.append("The same guest and workloads on our KVM on each vendor's lab machine; "
             "each column comes from its own run of this command. Reason names "
             "follow each vendor's numbering (IOIO is IO_INSTRUCTION, NPF is "
             "EPT_VIOLATION, INTR is EXTERNAL_INTERRUPT); the category rows group "
             "them the same way on both (`exitstat --by category`). Seconds are L1's clock: "
             "Bochs' clock follows its instruction count (`clock: sync=none`) and "
             "QEMU TCG's the host's, so compare exits, not exits per second, across "
             "the columns; timer-driven reasons differ most.\n")
    r.append(md_table(headers, rows, ["l"] * len(headers)))
    r.append("")
    for s in summaries[1:]:
        rel = os.path.relpath(os.path.join(s["out_dir"], "report.md"), out_dir)
        r.append(f"The {s['vendor']} run's full report: [{rel}]({rel}).\n")
    if plots:
        plot_vendor_phases(summaries, out_dir)
        r.append("![exits per phase by vendor](phases_by_vendor.png)\n")
    return r


def plot_vendor_phases(summaries, out_dir):
    top = 1
    with open(os.path.join(out_dir, "phases_by_vendor.dat"), "w") as f:
        f.write("# phase " + " ".join(s["vendor"].replace(" ", "_") for s in summaries)
                + " (exits)\n")
        for name in phase_names(summaries):
            counts = [(phase_of(s, name) or (name, 0))[1] for s in summaries]
            f.write(f'"{name}" ' + " ".join(str(max(c, 0)) for c in counts) + "\n")
            top = max([top] + counts)
    g = ['set terminal pngcairo size 1200,600 font "sans,10"',
         'set output "phases_by_vendor.png"', "set termoption noenhanced",
         'set title "VM exits per phase, by vendor (log scale)"',
         # Headroom on the log scale: autoscale would cut the highest bar.
         "set logscale y", f"set yrange [0.8:{top * 3}]", "set style data histograms",
         "set style histogram clustered gap 1", "set style fill solid 0.85 noborder",
         "set grid ytics", "set key top right", "set xtics rotate by -30 font ',9'",
         'set ylabel "exits"']
    colors = ["#1f77b4", "#ff7f0e"]
    curves = [f'"phases_by_vendor.dat" using {i + 2}:xtic(1) lc rgb '
              f'"{colors[i % 2]}" title "{s["vendor"]}"' for i, s in enumerate(summaries)]
    g.append("plot " + ", ".join(curves))
    with open(os.path.join(out_dir, "phases_by_vendor.gp"), "w") as f:
        f.write("\n".join(g) + "\n")
    r = subprocess.run(["gnuplot", "phases_by_vendor.gp"], cwd=out_dir,
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"analyze: gnuplot phases_by_vendor.gp failed:\n{r.stderr}")


def kernel_version(run):
    for _, line in run.console:
        m = re.search(r"Linux version (\S+)", line)
        if m:
            return m.group(1)
    return "(unknown)"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run_dir", help="directory with samples.csv, console.tsv, meta.txt")
    ap.add_argument("report_dir", help="where report.md and the plots go")
    ap.add_argument("--command", help="the command that produced the run (for the report)")
    ap.add_argument("--no-plots", action="store_true", help="skip gnuplot")
    ap.add_argument("--second-vendor", nargs=2, metavar=("RUN_DIR", "REPORT_DIR"),
                    help="the other vendor's run: its own report goes to REPORT_DIR, "
                    "and the main report gets a column for it")
    a = ap.parse_args(argv)
    runs = [a.run_dir] + ([a.second_vendor[0]] if a.second_vendor else [])
    for run_dir in runs:
        for name in ("samples.csv", "meta.txt"):
            if not os.path.exists(os.path.join(run_dir, name)):
                ap.error(f"{run_dir} has no {name}: pass the directory a profile "
                         "run wrote (e.g. build/study/run-full)")
    others, ok_others = [], True
    if a.second_vendor:
        ok_others, other = analyze(a.second_vendor[0], a.second_vendor[1], a.command,
                                   not a.no_plots)
        others.append(other)
        print()
    ok, _ = analyze(a.run_dir, a.report_dir, a.command, not a.no_plots, others)
    return 0 if ok and ok_others else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
