#!/usr/bin/env python3
"""Unit test of the study's analysis (summary.py, render.py, plots.py,
analyze.py) and of check_report.py on small synthetic runs (no VM needed).

Prints one "ok NAME" / "not ok NAME - details" line per check.
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import analyze  # noqa: E402
import rawrun  # noqa: E402
import render  # noqa: E402
import summary  # noqa: E402
import tap  # noqa: E402
from tap import check  # noqa: E402

# Cumulative counts per reason at each sample.  SVM codes: IOIO 123,
# CPUID 114, HLT 120.  Each row: (t, kind, label, IOIO, CPUID, HLT).
# The sampler's clock starts 1 s before the VM exists; the periodic
# samples at 1.7 and 2.1 s are 0.4 s apart, a gap (nominal 100 ms).
TIMELINE = [
    (1.0, "event", "VM created (firmware starts)", 0, 0, 0),
    (1.1, "periodic", "", 10, 5, 0),
    (1.2, "event", "first console output", 20, 10, 0),
    (1.2, "event", "Probing EDD (edd=off to disable)... ok", 22, 10, 0),
    (1.3, "periodic", "", 220, 10, 1),
    (1.4, "periodic", "", 1220, 10, 2),
    (1.5, "event", "@@STUDY phase userspace", 1300, 12, 2),
    (1.6, "event", "@@STUDY exitstat {json}", 1300, 100, 2),
    (1.6, "event", "@@STUDY phase files", 1310, 100, 2),
    (1.7, "periodic", "", 1310, 100, 50),
    (2.0, "event", "@@STUDY phase shutdown", 1400, 100, 60),
    (2.1, "periodic", "", 1401, 100, 60),
    (2.2, "final", "QEMU exited (VM frozen)", 1402, 100, 61),
]
# (code, name, cycles per exit): HLT is rare and dear, so the ranking by
# cycles (HLT, IOIO, CPUID) differs from the one by count (IOIO, CPUID, HLT).
REASONS = (("123", "IOIO", 3), ("114", "CPUID", 4), ("120", "HLT", 100))
CONSOLE = [
    (1.2, "Probing EDD (edd=off to disable)... ok"),
    (1.25, "[    0.000000] Linux version 6.1.0-56-amd64 (x) #1 SMP"),
    (1.5, "@@STUDY phase userspace"),
    (1.6, "@@STUDY phase files"),
    (1.9, "@@STUDY exitburst cpuid n=10 reason=CPUID delta=11 expected=11"),
    (1.95, "@@STUDY exitburst pio n=10 reason=IOIO delta=PIO expected=10"),
    (2.0, "@@STUDY phase shutdown"),
    (2.05, '@@STUDY exitstat-at files {"tool":"exitstat","reasons":[],"total":{"count":1399,"cycles":5}}'),
    (2.06, '@@STUDY exitstat-at shutdown {"tool":"exitstat","total":{"count":SHUT}}'),
    (2.07, "@@STUDY systemd-analyze Startup finished in 105ms (kernel) + 1min 2.5s "
           "(userspace) = 1min 2.605s"),
]


def write_run(d, kvm_offset=0, drop_row=None, drop_final=False, extra=0, clean=False):
    """A synthetic run in d; `extra` IOIO exits more in the shutdown phase
    (a second run that differs), `clean` has no planted errors."""
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "meta.txt"), "w") as f:
        f.write("interval_ms=100\nexit_stats_header=# numbering svm tsc_khz 1000000\n"
                "exit_stats_header=# reason name count cycles\nvcpus=1\n"
                "qemu_exit_status=0\nsampler_exit_status=0\n")
    with open(os.path.join(d, "samples.csv"), "w") as f:
        f.write("t_s,seq,kind,label,reason,name,count,cycles\n")
        for seq, (t, kind, label, *counts) in enumerate(TIMELINE, 1):
            if drop_final and kind == "final":
                continue
            if t > 2.0:
                counts[0] += extra
            total = sum(counts)
            for (num, name, cyc), c in zip(REASONS, counts):
                if c and not (drop_row == name and kind == "final"):
                    f.write(f"{t},{seq},{kind},{label},{num},{name},{c},{c * cyc * 1000}\n")
            cycles = sum(c * cyc * 1000 for (_, _, cyc), c in zip(REASONS, counts))
            f.write(f"{t},{seq},{kind},{label},-,TOTAL,{total},{cycles}\n")
            off = kvm_offset if kind == "final" else 0
            f.write(f"{t},{seq},{kind},{label},kvm,KVM_STAT_EXITS,{total + off},0\n")
    with open(os.path.join(d, "console.tsv"), "w") as f:
        for t, line in CONSOLE:
            line = line.replace("PIO", "10" if clean else "9")
            line = line.replace("SHUT", "1500" if clean else "1561")
            f.write(f"{t}\t{line}\n")


def quiet(fn, *args, **kw):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kw)


def read(path):
    with open(path) as f:
        return f.read()


def failed_checks(s):
    return [c["name"] for r in s["runs"] for c in r["checks"] if not c["ok"]]


with tempfile.TemporaryDirectory() as d:
    write_run(d)
    r = summary.summarize_run(d)
    names = [p["name"] for p in r["phases"]]
    check("phase-names", names == ["firmware", "kernel", "userspace", "files", "shutdown"],
          f"{names}")
    by = {p["name"]: p for p in r["phases"]}
    # firmware: 0 -> 30 at the first console byte; kernel: 30 -> 1314.
    check("firmware-exits", by["firmware"]["exits"] == 30, f"{by['firmware']['exits']}")
    check("kernel-exits", by["kernel"]["exits"] == 1314 - 30, f"{by['kernel']['exits']}")
    check("files-exits", by["files"]["exits"] == 1560 - 1412, f"{by['files']['exits']}")
    check("phases-sum-to-total", sum(p["exits"] for p in r["phases"]) == 1563,
          f"{sum(p['exits'] for p in r['phases'])}")
    check("times-since-vm-created", r["vm_created_t_s"] == 1.0 and
          abs(by["kernel"]["start_s"] - 0.2) < 1e-9 and abs(r["seconds"] - 1.2) < 1e-9,
          f"t0 {r['vm_created_t_s']}, kernel at {by['kernel']['start_s']}, "
          f"run {r['seconds']}")
    check("kernel-rate", abs(by["kernel"]["rate"] - 1284 / 0.3) < 1e-6,
          f"{by['kernel']['rate']}")
    files = {x["name"]: (x["count"], x["cycles"]) for x in by["files"]["reasons"]}
    check("phase-by-reason", files == {"IOIO": (90, 270000), "HLT": (58, 5800000)},
          f"{files}")
    check("phase-rankings", by["files"]["rank"] == {"by_count": ["IOIO", "HLT"],
                                                   "by_cycles": ["HLT", "IOIO"]},
          f"{by['files']['rank']}")
    check("run-rankings", r["rank"] == {"by_count": ["IOIO", "CPUID", "HLT"],
                                        "by_cycles": ["HLT", "IOIO", "CPUID"]},
          f"{r['rank']}")
    io_row = r["reasons"][0]
    want_share = 1402 * 3000 / (1402 * 3000 + 100 * 4000 + 61 * 100000)
    check("reason-shares", io_row["name"] == "IOIO" and
          abs(io_row["share"] - 1402 / 1563) < 1e-12 and
          abs(io_row["cycle_share"] - want_share) < 1e-12 and
          io_row["mean_cycles"] == 3000 and abs(io_row["mean_us"] - 3.0) < 1e-9,
          f"{io_row}")
    check("first-boot", r["boots"]["first"] == {
        "phases": ["firmware", "kernel", "userspace"], "exits": 1412,
        "cycles": by["firmware"]["cycles"] + by["kernel"]["cycles"]
        + by["userspace"]["cycles"], "seconds": r["boots"]["first"]["seconds"]}
        and r["boots"]["reboot"] is None, f"{r['boots']}")
    iv = r["intervals"]
    # Periodic samples 1.1, 1.3, 1.4, 1.7, 2.1 and the final one at 2.2.
    spans = [(round(x["start_s"], 3), round(x["end_s"], 3), x["exits"], x["gap"])
             for x in iv["list"]]
    check("intervals", spans == [(0.1, 0.3, 216, False), (0.3, 0.4, 1001, False),
                                 (0.4, 0.7, 228, True), (0.7, 1.1, 101, True),
                                 (1.1, 1.2, 2, False)], f"{spans}")
    check("gaps-counted", iv["gaps"] == 2 and abs(iv["longest_s"] - 0.4) < 1e-9,
          f"{iv['gaps']} gaps, longest {iv['longest_s']}")
    # Time-weighted: the busiest 10% of the 1.1 s is 0.11 s: all of the
    # 0.1 s interval with 1001 exits, then 0.01 s of the next busiest
    # (216 exits in 0.2 s).
    want = (1001 + 216 / 0.2 * 0.01) / (216 + 1001 + 228 + 101 + 2)
    b = r["burstiness"]
    check("burstiness-time-weighted", abs(b["exit_share"] - want) < 1e-12 and
          b["curve"][-1] == (1.0, 1.0), f"{b['exit_share']} vs {want}")
    es = [(x["phase"], x["guest"], x["low"], x["high"], x["ok"])
          for x in r["exitstat_readings"]]
    # files' reading 1399 lies between the host's count when the previous
    # phase began (userspace, 1314) and files' marker (1412); shutdown's
    # 1561 is above the 1560 at its marker: must be caught.
    check("exitstat-readings", es == [("files", 1399, 1314, 1412, True),
                                      ("shutdown", 1561, 1412, 1560, False)], f"{es}")
    check("exitburst-parse", [(x["burst"], x["delta"], x["ok"]) for x in r["exitbursts"]]
          == [("cpuid", "11", True), ("pio", "9", False)], f"{r['exitbursts']}")
    check("systemd-view", r["systemd_analyze"] == [
        {"kernel": 0.105, "userspace": 62.5, "total": 62.605}], f"{r['systemd_analyze']}")
    check("planted-errors-flagged", sorted(c["name"].split(":")[0].split(" lies")[0]
                                           for c in r["checks"] if not c["ok"])
          == ["exitburst pio", "guest's exitstat reading before phase shutdown"],
          f"{[c for c in r['checks'] if not c['ok']]}")

    out = os.path.join(d, "report")
    s = quiet(analyze.analyze, d, out, "quick", "test", True)
    report = read(os.path.join(out, "report.md"))
    answers = report.split("## Answers")[1].split("\n## ")[0]
    check("report-answers", "**1 412** exits" in answers and "In bursts" in answers
          and "HLT" in answers.split("By time")[1].split(".")[0],
          answers[:400])
    check("report-both-rankings", "ranked by count" in report and "ranked by cycles"
          in report and report.index("| HLT |") < report.index("| IOIO |",
                                                                report.index("ranked by cycles")),
          "no cycle ranking with HLT first")
    check("report-systemd-beside-ours", "| first boot | kernel | 0.10 | 0.30 | 1 284 |"
          in report, "no systemd-analyze row beside the kernel phase")
    check("report-flags-failures", "FAILED: exitburst pio" in report and not s["checks_ok"],
          "the pio burst with delta 9 != 10 was not flagged")
    check("summary-json-is-the-source",
          json.loads(read(os.path.join(out, "summary.json")))["runs"][0]["total"]
          == {"count": 1563, "cycles": 1402 * 3000 + 100 * 4000 + 61 * 100000,
              "kvm_exits": 1563}, "summary.json total")
    for png in ("cumulative_exits.png", "rates_by_reason.png", "burstiness.png",
                "totals_by_reason.png"):
        with open(os.path.join(out, png), "rb") as f:
            magic = f.read(8)
        check(f"plot-{png}", magic == b"\x89PNG\r\n\x1a\n", f"{magic!r}")
    rates = read(os.path.join(out, "rates_by_reason.dat")).splitlines()[1:]
    # Each interval is drawn over its real length: the 0.4 s gap from 0.7 s
    # to 1.1 s is one step, not a 100 ms one.
    check("plot-gap-real-length", "0.7000 " in rates[6] and "1.1000 " in rates[7]
          and rates[6].split()[1:] == rates[7].split()[1:], f"{rates[6:8]}")
    gp = read(os.path.join(out, "cumulative_exits.gp"))
    check("plot-gaps-shaded", gp.count("set object") == 2 and "set xrange [0:*]" in gp,
          gp[:300])
    # Categories come from build/reasons/reasons.json, the C side's table.
    cats = {c["name"]: c["count"] for c in s["runs"][0]["categories"]}
    check("categories-from-reason-table", cats == {"io": 1402, "cpuid": 100, "hlt": 61},
          f"{cats}")

with tempfile.TemporaryDirectory() as d:
    # Three runs, 0, 40 and 10 IOIO exits more at the end: the spread.
    for i, extra in enumerate((0, 40, 10), 1):
        write_run(os.path.join(d, "runs", str(i)), extra=extra, clean=True)
    check("run-dirs", rawrun.run_dirs(os.path.join(d, "runs"))
          == [os.path.join(d, "runs", x) for x in "123"], "")
    out = os.path.join(d, "report")
    # Not "quick": these runs lack the quick profile's workload phases.
    s = quiet(analyze.analyze, os.path.join(d, "runs"), out, "synthetic", "test", True)
    sp = s["spread"]
    check("spread-total", (sp["total"]["min"], sp["total"]["median"], sp["total"]["max"])
          == (1563, 1573, 1603) and s["typical_run"] == 3 and s["n_runs"] == 3,
          f"{sp['total']}, typical run {s['typical_run']}")
    check("spread-phase", sp["phases"]["shutdown"]["exits"]["values"] == [3, 43, 13],
          f"{sp['phases']['shutdown']}")
    check("spread-reason", sp["reasons"]["IOIO"]["count"]["median"] == 1412,
          f"{sp['reasons']['IOIO']}")
    check("clean-runs-pass", s["checks_ok"], f"{failed_checks(s)}")
    report = read(os.path.join(out, "report.md"))
    check("report-spread", "## Spread over 3 runs" in report and
          "| min | median | max | runs 1 / 2 / 3 |" in report and
          "| exits, whole run | 1 563 | 1 573 | 1 603 | 1 563 / 1 603 / 1 573 |" in report,
          "no spread table with 1 563 / 1 573 / 1 603")

    # check_report.py against the raw runs: all ok, then a tampered summary.
    def check_report(*args):
        p = subprocess.run([sys.executable, os.path.join(HERE, "check_report.py"), *args],
                           capture_output=True, text=True)
        return p.stdout.splitlines()
    lines = check_report(os.path.join(d, "runs"), out)
    bad = [x for x in lines if not x.startswith("ok ")]
    check("check-report-passes", lines and not bad, f"{bad}")
    doc = json.loads(read(os.path.join(out, "summary.json")))
    doc["runs"][1]["phases"][3]["exits"] += 1
    doc["runs"][2]["reasons"][0]["count"] -= 1
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(doc, f)
    bad = [x.split(" - ")[0] for x in check_report(os.path.join(d, "runs"), out)
           if not x.startswith("ok ")]
    check("check-report-catches-tampering", bad == ["not ok run2-phases-equal-raw",
                                                    "not ok run2-phases-sum-to-total",
                                                    "not ok run3-summary-reasons-equal-raw"],
          f"{bad}")

    # Side by side: the same runs as a second column ("Intel" by name).
    other = json.loads(json.dumps(s))
    other["vendor"] = dict(other["vendor"], name="Intel VMX")
    rows = {k: v for k, _, v in render.side_by_side_rows([s, other])}
    quick, distro = json.loads(json.dumps(s)), json.loads(json.dumps(s))
    quick["profile"], distro["profile"] = "quick", "distro"
    distro["spread"]["boots"]["first"]["median"] *= 20
    cmp_dir = os.path.join(d, "compare")
    os.makedirs(cmp_dir)
    render.render([distro, quick], cmp_dir, False)
    check("compare-profiles", "the real distribution's first boot takes 28 240 exits, the "
          "busybox boot's 1 412: 20.0 times as many" in read(os.path.join(cmp_dir,
                                                                          "report.md")),
          "no quick vs distro sentence in the Answers")
    check("side-by-side-rows", rows["total"] == [1573, 1573] and
          rows["boot:first"] == [1412, 1412] and rows["category:io"] == [1412, 1412],
          f"{rows}")

with tempfile.TemporaryDirectory() as d:
    # Run 1 brought nothing back: runs 2 and 3 keep their numbers.
    os.makedirs(os.path.join(d, "1"))
    write_run(os.path.join(d, "2"), extra=5, clean=True)
    write_run(os.path.join(d, "3"), clean=True)
    s = quiet(analyze.analyze, d, os.path.join(d, "report"), "quick", None, False)
    report = read(os.path.join(d, "report", "report.md"))
    check("failed-run-leaves-a-hole", [r["index"] for r in s["runs"]] == [2, 3]
          and s["missing_runs"] == [1] and "Run 1 brought no samples back" in report
          and s["typical_run"] == 3 and summary.typical(s)["total"]["count"] == 1563,
          f"runs {[r['index'] for r in s['runs']]}, typical {s['typical_run']}")

# A guest that announces loader and kernel itself (the distribution's
# GRUB): its first console output is the loader's, not the kernel's; after
# the reboot every phase but shutdown is reboot_<name>.
run = rawrun.Run("-")
for seq, label in enumerate(["VM created (firmware starts)", "first console output",
                             "@@STUDY phase loader", "@@STUDY phase kernel",
                             "[    0.000000] Linux version 6.1.0-57-amd64",
                             "@@STUDY phase userspace", "@@STUDY phase booted",
                             "@@STUDY phase reboot", "first console output",
                             "@@STUDY phase loader", "@@STUDY phase kernel",
                             "@@STUDY phase booted", "@@STUDY phase shutdown"], 1):
    run.samples.append(rawrun.Sample(seq, seq / 10, "event", label))
names = [n for n, _ in summary.find_boundaries(run)]
check("announced-kernel-and-reboot-names", names == [
    "firmware", "loader", "kernel", "userspace", "booted", "reboot_firmware",
    "reboot_loader", "reboot_kernel", "reboot_booted", "shutdown"], f"{names}")

for name, kw, want in (
        ("mismatch-detected", {"kvm_offset": 5},
         "TOTAL equals KVM's `exits` statistic (final sample, VM frozen)"),
        ("row-sum-mismatch-detected", {"drop_row": "HLT"},
         "sum of the reason rows equals TOTAL"),
        ("missing-final-detected", {"drop_final": True},
         "a final sample was taken after QEMU exited")):
    with tempfile.TemporaryDirectory() as d:
        write_run(d, clean=True, **kw)
        s = summary.summarize([d])
        check(name, not s["checks_ok"] and want in failed_checks(s), f"{failed_checks(s)}")

with tempfile.TemporaryDirectory() as d:
    write_run(d)
    with open(os.path.join(d, "samples.csv")) as f:
        lines = f.read().splitlines()
    with open(os.path.join(d, "samples.csv"), "w") as f:
        f.write("\n".join(lines[:-1]) + "\n")
    try:
        rawrun.load_run(d)
        check("truncated-csv-rejected", False, "load_run accepted a sample without KVM row")
    except SystemExit as e:
        check("truncated-csv-rejected", "truncated" in str(e), str(e))

sys.exit(tap.exit_status())
