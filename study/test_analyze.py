#!/usr/bin/env python3
"""Unit test of study/analyze.py on small synthetic runs (no VM needed).

Prints one "ok NAME" / "not ok NAME - details" line per check.
"""
import contextlib
import io
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import analyze  # noqa: E402
import tap  # noqa: E402
from tap import check  # noqa: E402



# Cumulative counts per reason at each sample.  SVM codes: IOIO 123,
# CPUID 114, HLT 120.  Each row: (t, kind, label, IOIO, CPUID, HLT).
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
REASONS = (("123", "IOIO", 3), ("114", "CPUID", 4), ("120", "HLT", 5))
CONSOLE = [
    (1.2, "Probing EDD (edd=off to disable)... ok"),
    (1.25, "[    0.000000] Linux version 6.1.0-56-amd64 (x) #1 SMP"),
    (1.5, "@@STUDY phase userspace"),
    (1.6, "@@STUDY phase files"),
    (1.9, "@@STUDY exitburst cpuid n=10 reason=CPUID delta=11 expected=11"),
    (1.95, "@@STUDY exitburst pio n=10 reason=IOIO delta=9 expected=10"),
    (2.0, "@@STUDY phase shutdown"),
    (2.05, '@@STUDY exitstat-at files {"tool":"exitstat","reasons":[],"total":{"count":1399,"cycles":5}}'),
    (2.06, '@@STUDY exitstat-at shutdown {"tool":"exitstat","total":{"count":1561}}'),
]


def write_run(d, kvm_offset=0, drop_row=None, drop_final=False):
    with open(os.path.join(d, "meta.txt"), "w") as f:
        f.write("interval_ms=100\nexit_stats_header=# numbering svm tsc_khz 1000000\n"
                "exit_stats_header=# reason name count cycles\n")
    with open(os.path.join(d, "samples.csv"), "w") as f:
        f.write("t_s,seq,kind,label,reason,name,count,cycles\n")
        for seq, (t, kind, label, *counts) in enumerate(TIMELINE, 1):
            if drop_final and kind == "final":
                continue
            total = sum(counts)
            for (num, name, cyc), c in zip(REASONS, counts):
                if c and not (drop_row == name and kind == "final"):
                    f.write(f"{t},{seq},{kind},{label},{num},{name},{c},{c * cyc * 1000}\n")
            cycles = sum(c * cyc * 1000 for (_, _, cyc), c in zip(REASONS, counts))
            f.write(f"{t},{seq},{kind},{label},-,TOTAL,{total},{cycles}\n")
            extra = kvm_offset if kind == "final" else 0
            f.write(f"{t},{seq},{kind},{label},kvm,KVM_STAT_EXITS,{total + extra},0\n")
    with open(os.path.join(d, "console.tsv"), "w") as f:
        for t, line in CONSOLE:
            f.write(f"{t}\t{line}\n")


def run_analysis(d, plots=False):
    out = os.path.join(d, "report")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ok, _ = analyze.analyze(d, out, "test", plots)
    with open(os.path.join(out, "report.md")) as f:
        return ok, f.read(), buf.getvalue(), out


with tempfile.TemporaryDirectory() as d:
    write_run(d)
    run = analyze.load_run(d)
    phases = analyze.phases_of(run)
    names = [p.name for p in phases]
    check("phase-names", names == ["firmware", "kernel", "userspace", "files", "shutdown"],
          f"{names}")
    by = {p.name: p for p in phases}
    # firmware: 0 -> 30 at the first console byte; kernel: 30 -> 1314.
    check("firmware-exits", by["firmware"].exits == 30, f"{by['firmware'].exits}")
    check("kernel-exits", by["kernel"].exits == 1314 - 30, f"{by['kernel'].exits}")
    check("files-exits", by["files"].exits == 1560 - 1412, f"{by['files'].exits}")
    check("phases-sum-to-total", sum(p.exits for p in phases) == 1563,
          f"{sum(p.exits for p in phases)}")
    check("kernel-rate", abs(by["kernel"].rate - 1284 / 0.3) < 1e-6, f"{by['kernel'].rate}")
    check("kernel-top-reason", by["kernel"].top_reason() == ("IOIO", 1280),
          f"{by['kernel'].top_reason()}")
    check("phase-by-reason", by["files"].by_reason == {"IOIO": 90, "HLT": 58},
          f"{by['files'].by_reason}")
    rates = analyze.interval_rates(run)
    # Periodic samples 1.1, 1.3, 1.4, 1.7, 2.1 and the final one at 2.2.
    check("interval-count", len(rates) == 5, f"{len(rates)}")
    check("interval-rate", abs(rates[1][4] - (1232 - 231) / 0.1) < 1e-6, f"{rates[1][4]}")
    share = analyze.burstiness(rates)
    check("burstiness-top-interval", abs(share - 1001 / (1563 - 15)) < 1e-9, f"{share}")
    # files: previous boundary (userspace) 1314 <= 1399 <= 1412; shutdown's
    # reading 1561 is above the host's 1560 at its marker: must be caught.
    es = analyze.exitstat_checks(run, phases)
    check("exitstat-readings", es == [("files", 1399, 1314, 1412),
                                      ("shutdown", 1561, 1412, 1560)], f"{es}")
    bursts = analyze.exitburst_results(run)
    check("exitburst-parse", [(b["burst"], b["delta"], b["expected"]) for b in bursts]
          == [("cpuid", "11", "11"), ("pio", "9", "10")], f"{bursts}")

    ok, report, stdout, out = run_analysis(d, plots=True)
    check("report-total-row", "| TOTAL |  | 1 563 | 100.00% |" in report,
          "no TOTAL row with 1 563 in the reasons table")
    check("report-cross-check-match",
          "our TOTAL 1 563 vs KVM's `exits` statistic 1 563: **match**" in report,
          "cross-check line missing")
    check("report-exitstat-out-of-range-flagged",
          "FAILED: guest's exitstat reading before phase shutdown" in report and
          "ok: guest's exitstat reading before phase files" in report,
          "exitstat range checks not reported as expected")
    check("report-exitburst-mismatch-flagged",
          "FAILED: exitburst pio" in report and not ok,
          "the pio burst with delta 9 != 10 was not flagged")
    check("report-first-boot", "**1 412** exits" in report, "first boot total missing")
    check("summary-printed", "Phases:" in stdout and "IOIO" in stdout, stdout[:200])
    # Categories come from build/reasons/reasons.json, the C side's table.
    fin = analyze.final_sample(run)
    svm_cats = dict(analyze.by_category(fin.counts, analyze.reason_categories("svm")))
    check("categories-from-reason-table",
          svm_cats == {"io": fin.counts["IOIO"], "cpuid": fin.counts["CPUID"],
                       "hlt": fin.counts["HLT"]}, f"{svm_cats} from {fin.counts}")
    check("report-category-table",
          f"| io | {analyze.fmt_int(fin.counts['IOIO'])} |" in report,
          "no io row in the category table of report.md")
    with contextlib.redirect_stdout(io.StringIO()):
        _, amd = analyze.analyze(d, out + "-again", "test", False)
    intel = dict(amd, vendor="Intel VMX", total=10, by_category=analyze.by_category(
        {"IO_INSTRUCTION": 7, "EPT_VIOLATION": 3, "CPUID": 0},
        analyze.reason_categories("vmx")))
    _, rows = analyze.side_by_side_rows([amd, intel], plain=True)
    cat_rows = {r[0]: r[1:] for r in rows if r[0].startswith("category ")}
    check("side-by-side-category-rows",
          cat_rows.get("category io", [""])[0].startswith(analyze.fmt_int(fin.counts["IOIO"]))
          and cat_rows["category io"][1] == "7 (70.0%)"
          and cat_rows.get("category npf_ept") == ["0 (0.0%)", "3 (30.0%)"],
          f"{cat_rows}")
    for png in ("exits_per_second.png", "totals_by_reason.png"):
        p = os.path.join(out, png)
        with open(p, "rb") as f:
            magic = f.read(8)
        check(f"plot-{png}", magic == b"\x89PNG\r\n\x1a\n", f"{magic!r}")
    with open(os.path.join(out, "timeseries.csv")) as f:
        rows = f.read().splitlines()
    check("timeseries-rows", len(rows) == 1 + len(TIMELINE) and
          rows[0].startswith("t_s,seq,kind,label,total,kvm_stat_exits,total_cycles,IOIO"),
          f"{len(rows)} rows, header {rows[0]}")

with tempfile.TemporaryDirectory() as d:
    write_run(d, kvm_offset=5)
    ok, report, _, _ = run_analysis(d)
    check("mismatch-detected", not ok and "**MISMATCH**" in report,
          "a final KVM `exits` 5 above TOTAL was not reported")

with tempfile.TemporaryDirectory() as d:
    write_run(d, drop_row="HLT")
    ok, report, _, _ = run_analysis(d)
    check("row-sum-mismatch-detected",
          not ok and "FAILED: sum of the reason rows equals TOTAL" in report,
          "a missing reason row was not flagged")

with tempfile.TemporaryDirectory() as d:
    write_run(d, drop_final=True)
    ok, report, _, _ = run_analysis(d)
    check("missing-final-detected",
          not ok and "FAILED: a final sample was taken" in report,
          "a run without its final sample was not flagged")

with tempfile.TemporaryDirectory() as d:
    write_run(d)
    with open(os.path.join(d, "samples.csv")) as f:
        lines = f.read().splitlines()
    with open(os.path.join(d, "samples.csv"), "w") as f:
        f.write("\n".join(lines[:-1]) + "\n")
    try:
        analyze.load_run(d)
        check("truncated-csv-rejected", False, "load_run accepted a sample without KVM row")
    except SystemExit as e:
        check("truncated-csv-rejected", "truncated" in str(e), str(e))

sys.exit(tap.exit_status())
