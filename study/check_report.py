#!/usr/bin/env python3
"""Check a profile report's summary.json against the raw runs.

usage: check_report.py RUN REPORT_DIR [--reboot] [--prefix NAME]
       check_report.py --side-by-side REPORT_DIR OTHER_REPORT_DIR

RUN is what study/run-profile.sh wrote (one run's directory or numbered
runs 1/, 2/, ...).  The raw samples.csv, console.tsv and meta.txt are read
here on their own (not through study/summary.py's arithmetic): the final
TOTAL equals KVM's `exits`, and summary.json's totals, reasons, phases,
boots, bursts and spread over the runs equal what the raw samples say.
Prints one "ok NAME" / "not ok NAME - details" line per check (NAME
prefixed with "NAME:" when --prefix is given).  --side-by-side checks the
comparison rows of REPORT_DIR (side_by_side.json) against both reports'
summaries.
"""
import csv
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rawrun  # noqa: E402  (file layout and the reason table only)

PREFIX = ""
QUICK_PHASES = ["firmware", "kernel", "userspace", "files", "cpu", "disk", "cpuid_pio"]
QUICK_REBOOT = ["reboot_firmware", "reboot_kernel", "reboot_userspace"]
PLOTS = ("cumulative_exits.png", "rates_by_reason.png", "burstiness.png",
         "totals_by_reason.png")


def check(name, ok, detail=""):
    name = PREFIX + name
    print(f"ok {name}" if ok else f"not ok {name} - {detail}")
    return ok


def raw_samples(run_dir):
    """{seq: {"label", "kind", name: (count, cycles)}} straight from samples.csv."""
    by_seq = {}
    with open(os.path.join(run_dir, "samples.csv"), newline="") as f:
        for row in csv.DictReader(f):
            s = by_seq.setdefault(int(row["seq"]), {"label": row["label"],
                                                     "kind": row["kind"]})
            s[row["name"]] = (int(row["count"]), int(row["cycles"]))
    return by_seq


def reasons_of(sample):
    return {k: v for k, v in sample.items()
            if k not in ("label", "kind", "TOTAL", "KVM_STAT_EXITS")}


def diff(a, b, i):
    """Per-reason count (i=0) or cycles (i=1) from sample a to b, nonzero only."""
    ra, rb = reasons_of(a), reasons_of(b)
    d = {n: rb.get(n, (0, 0))[i] - ra.get(n, (0, 0))[i] for n in set(ra) | set(rb)}
    return {n: v for n, v in d.items() if v}


def marker_of(phase_name):
    """The raw label that opens a phase named by a guest marker."""
    base = phase_name[len("reboot_"):] if phase_name.startswith("reboot_") else phase_name
    if phase_name == "reboot_firmware":
        base = "reboot"
    return "@@STUDY phase " + base


def check_run(r, run_dir, profile, want_reboot):
    i = r["index"]
    meta, _, _ = rawrun.read_meta(run_dir)
    check(f"run{i}-sampler-exit-status", meta.get("sampler_exit_status") == "0",
          f"sampler_exit_status={meta.get('sampler_exit_status')!r} "
          f"(timed_out={meta.get('timed_out')!r}); see {run_dir}")
    check(f"run{i}-qemu-exited-normally", meta.get("qemu_exit_status") == "0",
          f"qemu_exit_status={meta.get('qemu_exit_status')!r}")
    raw = raw_samples(run_dir)
    finals = [s for s in raw.values() if s["kind"] == "final"]
    fin = finals[-1] if finals else None
    total = fin.get("TOTAL") if fin else None
    kvm = fin.get("KVM_STAT_EXITS") if fin else None
    if not check(f"run{i}-raw-final-sample", total and kvm,
                 f"no final TOTAL/KVM_STAT_EXITS rows in {run_dir}/samples.csv"):
        return None
    check(f"run{i}-raw-total-equals-kvm-exits", total[0] == kvm[0] and total[0] > 0,
          f"TOTAL {total[0]} vs KVM exits {kvm[0]}")
    check(f"run{i}-summary-total-equals-raw",
          (r["total"]["count"], r["total"]["cycles"], r["total"]["kvm_exits"])
          == (total[0], total[1], kvm[0]),
          f"summary {r['total']}, raw TOTAL {total}, KVM {kvm[0]}")
    want = {n: v for n, v in reasons_of(fin).items() if v[0]}
    got = {x["name"]: (x["count"], x["cycles"]) for x in r["reasons"]}
    check(f"run{i}-summary-reasons-equal-raw", got == want,
          f"summary {got}, raw final rows {want}")
    check(f"run{i}-raw-reason-rows-sum-to-total",
          sum(c for c, _ in want.values()) == total[0],
          f"{sum(c for c, _ in want.values())} vs {total[0]}")
    counts = [got[n][0] for n in r["rank"]["by_count"]]
    cycles = [got[n][1] for n in r["rank"]["by_cycles"]]
    check(f"run{i}-rankings", sorted(r["rank"]["by_count"]) == sorted(want)
          == sorted(r["rank"]["by_cycles"]) and counts == sorted(counts, reverse=True)
          and cycles == sorted(cycles, reverse=True),
          f"by count {r['rank']['by_count']}, by cycles {r['rank']['by_cycles']}")
    # Phases: contiguous from the VM's creation to the final sample, each
    # opened by its marker, its exits the raw TOTAL's difference.
    ps = r["phases"]
    names = [p["name"] for p in ps]
    bad = []
    for k, p in enumerate(ps):
        a, b = raw.get(p["start_seq"]), raw.get(p["end_seq"])
        if a is None or b is None:
            bad.append(f"{p['name']}: no sample {p['start_seq']}/{p['end_seq']}")
            continue
        if (p["exits"], p["cycles"]) != (b["TOTAL"][0] - a["TOTAL"][0],
                                         b["TOTAL"][1] - a["TOTAL"][1]):
            bad.append(f"{p['name']}: exits {p['exits']} vs raw "
                       f"{b['TOTAL'][0] - a['TOTAL'][0]}")
        if {x["name"]: x["count"] for x in p["reasons"]} != diff(a, b, 0):
            bad.append(f"{p['name']}: reasons differ from the raw samples")
        if k + 1 < len(ps) and ps[k + 1]["start_seq"] != p["end_seq"]:
            bad.append(f"{p['name']} ends at {p['end_seq']}, next starts at "
                       f"{ps[k + 1]['start_seq']}")
        if p["name"] not in ("firmware", "kernel", "reboot_kernel") and \
                a["label"] != marker_of(p["name"]):
            bad.append(f"{p['name']} opens at '{a['label']}'")
    check(f"run{i}-phases-equal-raw", ps and not bad, "; ".join(bad) or "no phases")
    check(f"run{i}-phases-span-the-run", ps and
          raw[ps[0]["start_seq"]]["label"].startswith("VM created")
          and raw[ps[0]["start_seq"]]["TOTAL"][0] == 0
          and raw[ps[-1]["end_seq"]]["kind"] == "final",
          "the phases do not run from 'VM created' (0 exits) to the final sample")
    check(f"run{i}-phases-sum-to-total", sum(p["exits"] for p in ps) == total[0],
          f"{sum(p['exits'] for p in ps)} vs {total[0]}")
    if profile == "quick":
        expected = list(QUICK_PHASES)
        if "exitstat_dump" in names:  # only when the guest has exitstat
            expected.append("exitstat_dump")
        expected += (QUICK_REBOOT if want_reboot else []) + ["shutdown"]
    else:
        expected = ["firmware"] + names[1:-1] + ["shutdown"]
    check(f"run{i}-phases-all-present", names == expected, f"{names}, want {expected}")
    check(f"run{i}-phases-nonzero", all(p["exits"] > 0 for p in ps),
          f"{[(p['name'], p['exits']) for p in ps]}")
    first = sum(p["exits"] for p in ps if p["name"] in ("firmware", "loader", "kernel",
                                                          "initrd", "userspace"))
    check(f"run{i}-first-boot-equals-its-phases",
          (r["boots"]["first"] or {}).get("exits") == first,
          f"summary {r['boots']['first']}, phases {first}")
    # The guest-controlled bursts: exact counts, read by the guest itself.
    bursts = []
    with open(os.path.join(run_dir, "console.tsv"), errors="replace") as f:
        for line in f:
            m = re.search(r"@@STUDY exitburst (\w+) n=(\d+) reason=(\S+) "
                          r"delta=(\S+) expected=(\S+)", line)
            if m:
                bursts.append(m.groups())
    # The quick profile always runs both bursts; another profile may leave
    # its cpuid_pio phase out (a size of 0), but then has no burst line.
    check(f"run{i}-exitburst-ran", len(bursts) == 2 or
          (profile != "quick" and not bursts and "cpuid_pio" not in names),
          f"{len(bursts)} exitburst lines in console.tsv")
    for burst, n, reason, d, e in bursts:
        check(f"run{i}-exitburst-{burst}-exact", d == e and d != "unknown",
              f"{n} instructions: {reason} delta {d}, expected {e}")
    failed = [c["name"] for c in r["checks"] if not c["ok"]]
    check(f"run{i}-summary-checks", r["checks"] and not failed, "; ".join(failed))
    return total[0], first


def check_spread(st, values, name):
    values = [v for v in values if v is not None]
    want = (min(values), statistics.median(values), max(values)) if values else None
    got = (st["min"], st["median"], st["max"]) if st else None
    check(f"spread-{name}", got == want and st["n"] == len(values),
          f"summary {got}, raw {want}")


def load_summary(report_dir):
    path = os.path.join(report_dir, "summary.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def side_by_side(report_dir, other_dir):
    """The comparison rows against each column's own summary."""
    global PREFIX
    PREFIX = "side-by-side:"
    sums = [load_summary(report_dir), load_summary(other_dir)]
    path = os.path.join(report_dir, "side_by_side.json")
    if not check("summaries-exist", all(sums) and os.path.exists(path),
                 f"no summary.json in {report_dir} or {other_dir}, or no {path}"):
        return 1
    with open(path) as f:
        table = json.load(f)
    check("vendors", [c["vendor"] for c in table["columns"]] == ["AMD SVM", "Intel VMX"],
          f"columns {table['columns']}")
    rows = {r["key"]: r["values"] for r in table["rows"]}
    tables = rawrun.reason_tables()["numberings"]
    for col, s in enumerate(sums):
        vendor = s["vendor"]["name"].lower().replace(" ", "-")
        sp = s["spread"]
        check(f"{vendor}-whole-run", rows["total"][col] == sp["total"]["median"],
              f"row {rows['total'][col]}, its summary {sp['total']['median']}")
        check(f"{vendor}-first-boot",
              rows["boot:first"][col] == (sp["boots"]["first"] or {}).get("median"),
              f"row {rows['boot:first'][col]}, its summary {sp['boots']['first']}")
        bad = [n for n, st in sp["phases"].items()
               if rows.get(f"phase:{n}", [None] * 2)[col] != st["exits"]["median"]]
        check(f"{vendor}-phase-rows", sp["phases"] and not bad, f"phases differing: {bad}")
        # Category rows: the reasons of its typical run summed by the
        # category reasons.json gives them.
        cat_of = {x["name"]: x["category"] for x in tables[s["numbering"]]["reasons"]}
        run = next(r for r in s["runs"] if r["index"] == s["typical_run"])
        want = {}
        for x in run["reasons"]:
            c = cat_of.get(x["name"], "other")
            want[c] = want.get(c, 0) + x["count"]
        got = {k[len("category:"):]: v[col] for k, v in rows.items()
               if k.startswith("category:") and v[col]}
        check(f"{vendor}-category-rows", want and got == want,
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
    run_path, report_dir = positional
    dirs = rawrun.run_dirs(run_path)
    s = load_summary(report_dir)
    if not check("summary-exists", s is not None, f"no summary.json in {report_dir}"):
        return 1
    check("runs", dirs and s["n_runs"] == len(dirs) == len(s["runs"]),
          f"{len(dirs)} raw runs under {run_path}, summary has {s['n_runs']}")
    totals, firsts = [], []
    for r, d in zip(s["runs"], dirs):
        got = check_run(r, d, s["profile"], want_reboot)
        totals.append(got and got[0])
        firsts.append(got and got[1])
    check_spread(s["spread"]["total"], totals, "total")
    check_spread(s["spread"]["boots"]["first"], firsts, "first-boot")
    path = os.path.join(report_dir, "report.md")
    text = open(path).read() if os.path.exists(path) else ""
    st = s["spread"]["boots"]["first"]
    median = f"{round(st['median']):,}".replace(",", " ") if st else "?"
    check("report-answers", text.startswith("# ") and "\n## Answers\n" in text
          and f"**{median}" in text.split("## Answers")[1].split("\n## ")[0],
          f"no Answers section with the first boot's {median} exits in {path}")
    for png in PLOTS:
        p = os.path.join(report_dir, png)
        magic = b""
        if os.path.exists(p):
            with open(p, "rb") as f:
                magic = f.read(8)
        check(f"plot-{png}", magic == b"\x89PNG\r\n\x1a\n" and os.path.getsize(p) > 1000,
              f"{p} missing or not a PNG")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
