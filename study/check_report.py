#!/usr/bin/env python3
"""Check a profile's report against itself and against the raw run.

usage: check_report.py RUN_DIR REPORT_DIR [--reboot] [--prefix NAME]
       check_report.py --side-by-side REPORT_DIR OTHER_REPORT_DIR

Reads report.md as a reader would (its markdown tables), and the raw
samples.csv / console.tsv / meta.txt independently of analyze.py, and
prints one "ok NAME" / "not ok NAME - details" line per check (NAME
prefixed with "NAME:" when --prefix is given).  --side-by-side checks the
vendor comparison in REPORT_DIR/report.md against both vendors' own
reports.
"""
import csv
import json
import os
import re
import sys


PREFIX = ""


def check(name, ok, detail=""):
    name = PREFIX + name
    print(f"ok {name}" if ok else f"not ok {name} - {detail}")
    return ok


def number(cell):
    return int(cell.replace(" ", "").replace(",", ""))


def tables_after(text, heading):
    """Rows (lists of cells) of the first markdown table after `heading`."""
    at = text.find(heading)
    if at < 0:
        return None
    rows = []
    for line in text[at:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                rows.append(cells)
        elif rows:
            break
    return rows


def leading_number(cell, separator):
    """The number a cell like "12 345 in 64 s" starts with, or None."""
    head, found, _ = cell.partition(separator)
    return number(head) if found and re.fullmatch(r"[0-9 ]+", head) else None


def read_report(report_dir):
    path = os.path.join(report_dir, "report.md")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return f.read()


def reason_categories():
    """{numbering: {reason name: category}} from build/reasons/reasons.json
    (make reasons-json; make exports REASONS_JSON), the C side's table."""
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    path = os.environ.get("REASONS_JSON") or os.path.join(top, "build", "reasons",
                                                         "reasons.json")
    with open(path, encoding="utf-8") as f:
        tables = json.load(f)["numberings"]
    return {n: {r["name"]: r["category"] for r in t["reasons"]} for n, t in tables.items()}


def side_by_side(report_dir, other_dir):
    """The comparison table's cells against each vendor's own tables."""
    global PREFIX
    PREFIX = "side-by-side:"
    texts = [read_report(report_dir), read_report(other_dir)]
    if not check("reports-exist", all(texts), f"no report.md in {report_dir} or {other_dir}"):
        return 1
    table = tables_after(texts[0], "## Both vendors side by side")
    if not check("table", table and len(table[0]) == 3,
                 "no three-column table after '## Both vendors side by side'"):
        return 1
    rows = {r[0]: r[1:] for r in table[1:]}
    check("vendors", table[0][1:] == ["AMD SVM", "Intel VMX"], f"columns {table[0][1:]}")
    for col, text in enumerate(texts):
        vendor = table[0][col + 1].lower().replace(" ", "-")
        reasons = tables_after(text, "## Exits by reason")
        total = number(reasons[-1][2]) if reasons else None
        whole = rows.get("exits of the whole run", ["", ""])[col]
        check(f"{vendor}-whole-run-equals-its-report",
              total is not None and leading_number(whole, " in ") == total,
              f"cell '{whole}', report TOTAL {total}")
        phases = tables_after(text, "## Phases") or []
        by_name = {r[0]: number(r[4]) for r in phases[1:-1]}
        boot = sum(by_name.get(n, 0) for n in ("firmware", "kernel", "userspace"))
        cell = rows.get("exits of the first boot (firmware + kernel + user space)",
                        ["", ""])[col]
        check(f"{vendor}-first-boot-equals-its-phases",
              cell and number(cell) == boot, f"cell '{cell}', phases sum {boot}")
        bad = [n for n, e in by_name.items()
               if leading_number(rows.get(f"phase {n}", ["", ""])[col], " (") != e]
        check(f"{vendor}-phase-rows-equal-its-phases", by_name and not bad,
              f"phases differing: {bad}")
        # Category rows: the vendor's own reason rows summed by category.
        categories = reason_categories()["vmx" if "intel" in vendor else "svm"]
        want = {}
        for r in (reasons or [])[1:-1]:
            cat = categories.get(r[0], "other")
            want[cat] = want.get(cat, 0) + number(r[2])
        got = {name[len("category "):]: leading_number(cells[col], " (")
               for name, cells in rows.items() if name.startswith("category ")}
        check(f"{vendor}-category-rows-equal-its-reasons",
              want and {c: n for c, n in got.items() if n} == want,
              f"category rows {got}, its reasons by category {want}")
    return 0


def main(argv):
    global PREFIX
    if len(argv) == 3 and argv[0] == "--side-by-side":
        return side_by_side(argv[1], argv[2])
    positional, want_reboot, args = [], False, list(argv)
    while args:
        a = args.pop(0)
        if a == "--reboot":
            want_reboot = True
        elif a == "--prefix" and args:
            PREFIX = args.pop(0) + ":"
        elif a.startswith("-"):
            positional = None
            break
        else:
            positional.append(a)
    if not positional or len(positional) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    run_dir, report_dir = positional
    meta = {}
    path = os.path.join(run_dir, "meta.txt")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                meta[k] = v
    check("sampler-exit-status", meta.get("sampler_exit_status") == "0",
          f"sampler_exit_status={meta.get('sampler_exit_status')!r} "
          f"(timed_out={meta.get('timed_out')!r}); see {run_dir}")
    check("qemu-exited-normally", meta.get("qemu_exit_status") == "0",
          f"qemu_exit_status={meta.get('qemu_exit_status')!r}")

    # The final sample, straight from the sampler's file.
    final_total = final_kvm = None
    path = os.path.join(run_dir, "samples.csv")
    if os.path.exists(path):
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if row["kind"] == "final":
                    if row["name"] == "TOTAL":
                        final_total = int(row["count"])
                    elif row["name"] == "KVM_STAT_EXITS":
                        final_kvm = int(row["count"])
    check("raw-final-sample", final_total is not None and final_kvm is not None,
          f"no final TOTAL/KVM_STAT_EXITS rows in {path}")
    check("raw-total-equals-kvm-exits", final_total == final_kvm and final_total,
          f"TOTAL {final_total} vs KVM exits {final_kvm}")

    path = os.path.join(report_dir, "report.md")
    if not check("report-exists", os.path.exists(path), f"no {path}"):
        return 1
    with open(path) as f:
        report = f.read()

    reasons = tables_after(report, "## Exits by reason")
    if check("reasons-table", reasons and reasons[-1][0] == "TOTAL" and len(reasons) > 2,
             "no reasons table ending in a TOTAL row"):
        rows = reasons[1:-1]
        total = number(reasons[-1][2])
        row_sum = sum(number(r[2]) for r in rows)
        check("reasons-rows-sum-to-total", row_sum == total, f"{row_sum} vs {total}")
        check("report-total-equals-kvm-exits", total == final_kvm,
              f"report TOTAL {total} vs KVM's exits {final_kvm}")
        check("report-total-equals-raw-total", total == final_total,
              f"report {total} vs samples.csv {final_total}")
        cyc_sum = sum(number(r[4]) for r in rows)
        check("reasons-cycles-sum-to-total", cyc_sum == number(reasons[-1][4]),
              f"{cyc_sum} vs {reasons[-1][4]}")
    phases = tables_after(report, "## Phases")
    if check("phases-table", phases and phases[-1][0] == "TOTAL", "no phases table"):
        rows = phases[1:-1]
        names = [r[0] for r in rows]
        psum = sum(number(r[4]) for r in rows)
        check("phases-sum-to-total", psum == number(phases[-1][4]) == final_total,
              f"phases {psum}, TOTAL row {phases[-1][4]}, raw {final_total}")
        expected = ["firmware", "kernel", "userspace", "files", "cpu", "disk",
                    "cpuid_pio"]
        if "exitstat_dump" in names:  # only when the guest has exitstat
            expected.append("exitstat_dump")
        if want_reboot:
            expected += ["reboot_firmware", "reboot_kernel", "reboot_userspace"]
        expected += ["shutdown"]
        check("phases-all-present", names == expected, f"{names}, want {expected}")
        check("phases-nonzero", all(number(r[4]) > 0 for r in rows),
              f"{[(r[0], r[4]) for r in rows]}")
    check("report-says-match", "**match**" in report and "MISMATCH" not in report,
          "the report's cross-check line does not say match")
    failed = [line for line in report.splitlines() if line.startswith("- FAILED")]
    check("report-consistency-checks", not failed and "- ok: " in report, "; ".join(failed))

    # The guest-controlled bursts: exact counts, read by the guest itself.
    bursts = []
    path = os.path.join(run_dir, "console.tsv")
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for line in f:
                m = re.search(r"@@STUDY exitburst (\w+) n=(\d+) reason=(\S+) "
                              r"delta=(\S+) expected=(\S+)", line)
                if m:
                    bursts.append(m.groups())
    check("exitburst-ran", len(bursts) == 2, f"{len(bursts)} exitburst lines in console.tsv")
    for burst, n, reason, delta, expected in bursts:
        check(f"exitburst-{burst}-exact", delta == expected and delta != "unknown",
              f"{n} instructions: {reason} delta {delta}, expected {expected}")
    for png in ("exits_per_second.png", "totals_by_reason.png"):
        p = os.path.join(report_dir, png)
        ok = os.path.exists(p) and os.path.getsize(p) > 1000
        check(f"plot-{png}", ok, f"{p} missing or tiny")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
