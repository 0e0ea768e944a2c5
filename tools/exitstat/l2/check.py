#!/usr/bin/env python3
"""Check what the L2 guest of `make exitstat-l2` captured (on the host:
python3 is not in L2) and copy each mode's output to CAPTURED_DIR.

usage: check.py RESULTS_DIR CAPTURED_DIR

RESULTS_DIR holds the guest's files (tools/exitstat/l2/guest-init): for
each step NAME.out, NAME.err, NAME.status; run-json.report; ports; the
cmp-* files of the cpuid comparison.  Prints one "ok NAME" or
"not ok NAME - why" line per check, and "# ..." lines with the figures.
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "tests", "lib"))
import tap  # noqa: E402
from tap import check as report  # noqa: E402  (name, good, why)

def reason_tables():
    """build/reasons/reasons.json, the reason tables and the ABI version
    as the C side has them (make reasons-json; make exports REASONS_JSON),
    so no reason number or version is copied here."""
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
    path = os.environ.get("REASONS_JSON") or os.path.join(top, "build", "reasons", "reasons.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"check.py: cannot read the reason tables {path} ({e}): run make reasons-json")


REASONS = reason_tables()
SVM_NUMBER = {r["name"]: r["reason"] for r in REASONS["numberings"]["svm"]["reasons"]}
IOIO, CPUID, VMMCALL = SVM_NUMBER["IOIO"], SVM_NUMBER["CPUID"], SVM_NUMBER["VMMCALL"]
ABI_VERSION = REASONS["abi_version"]
SIGNATURE_REGS = {"eax": ABI_VERSION, "ebx": 0x74697845, "ecx": 0x74617453,
                  "edx": 0x4D564B73}  # the version, "ExitStatsKVM"
CSV_HEADER = ["reason", "reason_label", "name", "count", "share_pct",
              "cycles", "mean_cycles", "mean_us"]

GUEST_VCPUS = None  # what the guest's /proc/cpuinfo counted


def note(text):
    print(f"# {text}")


class Results:
    def __init__(self, directory):
        self.dir = directory

    def text(self, name):
        try:
            with open(os.path.join(self.dir, name), encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except OSError:
            return None

    def status(self, step):
        text = self.text(step + ".status")
        try:
            return int(text.strip())
        except (AttributeError, ValueError):
            return None


def table_rows(text):
    """REASON NAME COUNT ... rows of a table as {reason: (name, count)},
    and the TOTAL row's count."""
    rows, total = {}, None
    for line in text.splitlines():
        m = re.match(r"\s*(0x[0-9a-f]+|-?\d+)\s+(\S+)\s+(\d+)\s", line)
        if m:
            rows[int(m.group(1), 0)] = (m.group(2), int(m.group(3)))
            continue
        m = re.match(r"\s+TOTAL\s+(\d+)\s", line)
        if m:
            total = int(m.group(1))
    return rows, total


def check_line_sound(name, out, rows, total):
    """The check line, exact or not, must agree with the table: exact means
    the rows sum to the TOTAL row; otherwise the rows' sum S lies within
    TOTAL T and T + K, K the exits of other activity during the read (a
    full Linux guest's timer tick exits while exitstat reads)."""
    row_sum = sum(count for _, count in rows.values())
    exact = re.search(r"^check: sum over reasons = total = (\d+) \(exact", out,
                      re.M)
    ranged = re.search(r"^check: sum over reasons (\d+) is within total (\d+)"
                       r" \+ (\d+) exits by other activity", out, re.M)
    if exact:
        good = int(exact.group(1)) == total == row_sum
        other = 0
    elif ranged:
        s, t, other = (int(g) for g in ranged.groups())
        good = s == row_sum and t == total and t <= s <= t + other
    else:
        good, other = False, None
    line = (exact or ranged).group(0) if exact or ranged else None
    report(f"{name}-check-line", good,
           f"check line {line!r}, rows sum to {row_sum}, TOTAL row {total}")
    note(f"{name}: check {'exact' if exact else 'within a range'}, "
         f"{other} other exits during the read")


def check_table(res, step):
    out, status = res.text(step + ".out") or "", res.status(step)
    report(f"{step}-status", status == 0,
           f"exit status {status}, stderr: {(res.text(step + '.err') or '').strip()!r}")
    rows, total = table_rows(out)
    for reason, name in ((IOIO, "IOIO"), (CPUID, "CPUID")):
        got = rows.get(reason)
        report(f"{step}-row-{name}", got is not None and got[0] == name
               and (got[1] > 0), f"row 0x{reason:x}: {got}")
    check_line_sound(step, out, rows, total)
    note(f"{step}: {len(rows)} rows, TOTAL {total}, "
         f"IOIO {rows.get(IOIO)}, CPUID {rows.get(CPUID)}")
    return rows, total


def check_by_category(res):
    """exitstat --by category: a row for every category of the reason
    tables, io and cpuid among those with exits, a sound check line."""
    out, status = res.text("by-category.out") or "", res.status("by-category")
    report("by-category-status", status == 0,
           f"exit status {status}, stderr: {(res.text('by-category.err') or '').strip()!r}")
    rows, total = {}, None
    for line in out.splitlines():
        m = re.match(r"([a-z_]+)\s+(\d+)\s", line)
        if m:
            rows[m.group(1)] = int(m.group(2))
        m = re.match(r"TOTAL\s+(\d+)\s", line)
        if m:
            total = int(m.group(1))
    names = [c["name"] for c in REASONS["categories"]]
    report("by-category-every-category", sorted(rows) == sorted(names),
           f"rows {sorted(rows)}")
    report("by-category-io-cpuid", rows.get("io", 0) > 0 and rows.get("cpuid", 0) > 0,
           f"io {rows.get('io')}, cpuid {rows.get('cpuid')}")
    check_line_sound("by-category", out,
                     {i: (name, count) for i, (name, count) in enumerate(rows.items())},
                     total)


def check_prometheus(res):
    """exitstat --format prometheus, the format only (the counters are the
    snapshot's): promtool accepts it, a counter per SVM reason with its
    labels, the reasons' sum at least the total, # EOF last."""
    out, status = res.text("prometheus.out") or "", res.status("prometheus")
    report("prometheus-status", status == 0, f"exit status {status}")
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=out,
                           capture_output=True, text=True)
        report("prometheus-promtool", r.returncode == 0,
               (r.stdout + r.stderr).strip()[:200])
    else:
        report("prometheus-promtool", False, "no promtool on the host: make deps installs it")
    exits, total = {}, None
    for line in out.splitlines():
        m = re.match(r"exitstat_exits_total\{(.*)\} (\d+)$", line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            exits[(labels.get("vendor"), labels.get("reason"), labels.get("name"),
                   labels.get("category"))] = int(m.group(2))
        m = re.match(r"exitstat_all_exits_total (\d+)$", line)
        if m:
            total = int(m.group(1))
    want = {("amd", r["reason_label"], r["name"], r["category"])
            for r in REASONS["numberings"]["svm"]["reasons"]}
    report("prometheus-every-reason", set(exits) == want,
           f"{len(exits)} samples, {len(want)} SVM reasons, differing: "
           f"{sorted(set(exits) ^ want)[:3]}")
    ioio = exits.get(("amd", f"0x{IOIO:x}", "IOIO", "io"), 0)
    report("prometheus-counts", ioio > 0 and total is not None
           and sum(exits.values()) >= total,
           f"IOIO {ioio}, reasons sum to {sum(exits.values())}, total {total}")
    report("prometheus-eof", out.endswith("\n# EOF\n"), repr(out[-30:]))


def load_json(res, filename, name):
    try:
        data = json.loads(res.text(filename) or "")
        report(f"{name}-parses", isinstance(data, dict), type(data).__name__)
        return data if isinstance(data, dict) else {}
    except json.JSONDecodeError as e:
        report(f"{name}-parses", False, str(e))
        return {}


def check_json_common(name, data, mode):
    report(f"{name}-header", data.get("tool") == "exitstat"
           and data.get("format_version") == 1 and data.get("mode") == mode,
           f"tool {data.get('tool')!r} format_version "
           f"{data.get('format_version')!r} mode {data.get('mode')!r}")
    iface = data.get("interface") or {}
    want = {"hypervisor": "KVMKVMKVM", "signature": True, "version": ABI_VERSION,
            "counter_bits": 64, "numbering": "svm",
            "numbering_source": "info-leaf", "vcpus": GUEST_VCPUS,
            "tsc_source": "info-leaf"}
    wrong = {k: iface.get(k) for k, v in want.items() if iface.get(k) != v}
    if not isinstance(iface.get("tsc_khz"), int) or iface.get("tsc_khz") <= 0:
        wrong["tsc_khz"] = iface.get("tsc_khz")
    report(f"{name}-interface", not wrong, f"unexpected {wrong}")
    reasons = data.get("reasons") or []
    fields = {"reason", "reason_label", "name", "count", "share_pct",
              "cycles", "mean_cycles", "mean_us"}
    missing = [r.get("reason") for r in reasons if not fields <= set(r)]
    report(f"{name}-reason-fields", reasons and not missing,
           f"{len(reasons)} reasons, rows lacking fields: {missing}")
    by_reason = {r.get("reason"): r for r in reasons}
    total = (data.get("total") or {}).get("count")
    row_sum = sum(r.get("count", 0) for r in reasons)
    return by_reason, total, row_sum


def check_json_snapshot(res):
    data = load_json(res, "json.out", "json")
    report("json-status", res.status("json") == 0,
           f"exit status {res.status('json')}")
    by_reason, total, row_sum = check_json_common("json", data, "snapshot")
    for reason, name in ((IOIO, "IOIO"), (CPUID, "CPUID")):
        r = by_reason.get(reason, {})
        report(f"json-reason-{name}", r.get("name") == name
               and r.get("reason_label") == f"0x{reason:x}"
               and r.get("count", 0) > 0, f"{r}")
    check = data.get("check") or {}
    other = check.get("other_exits_during_read")
    report("json-check", check.get("consistent") is True
           and check.get("total") == total and isinstance(other, int)
           and check.get("exact") is (other == 0)
           and check.get("sum_of_reasons") == row_sum
           and total <= row_sum <= total + other,
           f"check {check}, reasons sum to {row_sum}, total {total}")
    note(f"json: {len(by_reason)} reasons, total {total}, check {check}")


def check_csv(res):
    report("csv-status", res.status("csv") == 0,
           f"exit status {res.status('csv')}")
    rows = list(csv.reader(io.StringIO(res.text("csv.out") or "")))
    report("csv-header", rows and rows[0] == CSV_HEADER,
           f"header {rows[0] if rows else None}")
    body = [r for r in rows[1:] if len(r) == len(CSV_HEADER)]
    report("csv-row-width", len(body) == len(rows) - 1,
           f"{len(rows) - 1 - len(body)} rows of the wrong width")
    report("csv-only-reasons", all(r[0].isdigit() and r[2] != "TOTAL" for r in body),
           f"rows that are not a reason: {[r for r in body if not r[0].isdigit()][:3]}")
    reasons = {int(r[0]): r for r in body if r[0].isdigit()}
    for reason, name in ((IOIO, "IOIO"), (CPUID, "CPUID")):
        r = reasons.get(reason)
        report(f"csv-row-{name}", r is not None and r[2] == name, f"{r}")
    row_sum = sum(int(r[3]) for r in reasons.values())
    # CSV carries no total (the interface's total is not the rows' sum);
    # the guest's own exits alone make the sum non-zero.
    report("csv-sum", row_sum > 0, f"reasons sum to {row_sum}")
    note(f"csv: {len(reasons)} reasons, sum {row_sum}")


def check_watch(res):
    out = res.text("watch.out") or ""
    report("watch-status", res.status("watch") == 0,
           f"exit status {res.status('watch')}")
    intervals = re.findall(r"^interval (\d+): ([\d.]+) s", out, re.M)
    report("watch-two-intervals", [i for i, _ in intervals] == ["1", "2"],
           f"intervals {intervals}")
    blocks = re.split(r"^interval \d+:", out, flags=re.M)[1:]
    report("watch-total-rows", len(blocks) == 2 and all(
        re.search(r"^\s+TOTAL\s+\d+", b, re.M) for b in blocks),
        f"{len(blocks)} blocks")
    note(f"watch: intervals {intervals}")


def check_run(res, ports):
    status = res.status("run")
    report("run-passes-exit-status", status == 7,
           f"exitstat run exited {status}, the command with 7")
    err = res.text("run.err") or ""
    report("run-report-names-status", "exited with status 7" in err,
           f"report starts {err[:120]!r}")
    rows, total = table_rows(err)
    ioio = rows.get(IOIO, (None, 0))[1]
    report("run-ioio-exact", ioio == ports,
           f"{ioio} IOIO exits for {ports} writes to /dev/port")
    note(f"run: IOIO {ioio} for {ports} writes, CPUID {rows.get(CPUID)}, "
         f"TOTAL {total}")

    data = load_json(res, "run-json.report", "run-json")
    report("run-json-status", res.status("run-json") == 0,
           f"exit status {res.status('run-json')}")
    by_reason, total, row_sum = check_json_common("run-json", data, "run")
    report("run-json-command", data.get("command") == ["portwrite",
           str(ports), "0"] and data.get("exit_status") == 0
           and data.get("signal") is None,
           f"command {data.get('command')} exit_status "
           f"{data.get('exit_status')} signal {data.get('signal')}")
    ioio = by_reason.get(IOIO, {}).get("count")
    report("run-json-ioio-exact", ioio == ports,
           f"{ioio} IOIO exits for {ports} writes to /dev/port")
    note(f"run-json: IOIO {ioio}, CPUID "
         f"{by_reason.get(CPUID, {}).get('count')}, total {total}, "
         f"own queries subtracted {data.get('own_queries_subtracted')}, "
         f"reasons sum to {row_sum}")


def note_read_cost(res):
    """What else exits while exitstat takes one snapshot (no check)."""
    try:
        outer = json.loads(res.text("read-cost.report") or "")
        inner = json.loads(res.text("read-cost.out") or "")
    except json.JSONDecodeError as e:
        note(f"read-cost: no JSON ({e})")
        return
    counts = {r["name"]: r["count"] for r in outer.get("reasons", [])}
    seconds = outer.get("seconds") or 0
    note(f"read-cost: one `exitstat --json` took {seconds:.3f} s "
         f"({(inner.get('check') or {}).get('attempts')} attempts, "
         f"{(inner.get('check') or {}).get('other_exits_during_read')} other "
         f"exits in the last); VM exits meanwhile: {counts}")


def parse_regs(text):
    m = re.search(r"eax=0x([0-9a-f]+) ebx=0x([0-9a-f]+) ecx=0x([0-9a-f]+) "
                  r"edx=0x([0-9a-f]+)", text or "")
    return dict(zip(("eax", "ebx", "ecx", "edx"),
                    (int(g, 16) for g in m.groups()))) if m else None


def check_raw(res):
    report("raw-status", res.status("raw") == 0,
           f"exit status {res.status('raw')}")
    regs = parse_regs(res.text("raw.out"))
    report("raw-signature", regs == SIGNATURE_REGS,
           f"got {res.text('raw.out')!r}")


def check_cpuid_tool(res):
    lines = []
    for name in ("ioio", "cpuid", "vmmcall", "signature", "info"):
        got = {}
        for part in ("cpuid-before", "raw", "cpuid-after"):
            text = res.text(f"cmp-{name}.{part}")
            status = res.text(f"cmp-{name}.{part}.status")
            got[part] = parse_regs(text)
            if got[part] is None or (status or "").strip() != "0":
                report(f"cpuid-tool-{name}-{part}-reads", False,
                       f"status {status!r} output {text!r}")
        lines.append(f"{name}: " + "  ".join(
            f"{part} {got[part]}" for part in got))
        if None in got.values():
            continue
        before, raw, after = (got[p] for p in ("cpuid-before", "raw",
                                               "cpuid-after"))
        if name == "ioio":
            # Nothing between the reads does port I/O: the count must not
            # move; at least it must lie between the cpuid tool's readings.
            report("cpuid-tool-ioio-between", before["eax"] <= raw["eax"]
                   <= after["eax"], f"cpuid {before['eax']}, exitstat raw "
                   f"{raw['eax']}, cpuid {after['eax']}")
            report("cpuid-tool-ioio-equal", before["eax"] == raw["eax"]
                   == after["eax"], f"cpuid {before['eax']}, exitstat raw "
                   f"{raw['eax']}, cpuid {after['eax']}")
        elif name == "cpuid":
            # Each program's own CPUIDs count: strictly increasing.
            report("cpuid-tool-cpuid-reason-increases", before["eax"] <
                   raw["eax"] < after["eax"], f"cpuid {before['eax']}, "
                   f"exitstat raw {raw['eax']}, cpuid {after['eax']}")
        else:
            report(f"cpuid-tool-{name}-identical", before == raw == after,
                   f"cpuid {before}, exitstat raw {raw}, cpuid {after}")
            if name == "signature":
                report("cpuid-tool-signature-value", raw == SIGNATURE_REGS,
                       f"{raw}")
    for line in lines:
        note(line)
    return lines


def capture(res, captured):
    os.makedirs(captured, exist_ok=True)
    files = {"table.txt": "table.out", "json.json": "json.out",
             "csv.csv": "csv.out", "all.txt": "all.out",
             "by-category.txt": "by-category.out", "prometheus.prom": "prometheus.out",
             "watch.txt": "watch.out", "run.txt": "run.err",
             "run-json.json": "run-json.report", "raw.txt": "raw.out"}
    commands = {
        "table.txt": "exitstat",
        "json.json": "exitstat --json",
        "csv.csv": "exitstat --csv",
        "all.txt": "exitstat --all",
        "by-category.txt": "exitstat --by category",
        "prometheus.prom": "exitstat --format prometheus",
        "watch.txt": "exitstat watch -i 1 -n 2",
        "run.txt": "exitstat run -- portwrite N 7  (report on stderr)",
        "run-json.json": "exitstat run --json -o FILE -- portwrite N 0",
        "raw.txt": "exitstat raw 0x4ffffffb",
    }
    for target, source in files.items():
        path = os.path.join(res.dir, source)
        if os.path.exists(path):
            shutil.copyfile(path, os.path.join(captured, target))
    with open(os.path.join(captured, "COMMANDS"), "w") as f:
        for target, command in commands.items():
            f.write(f"{target}\t{command}\n")
    compare = []
    for name, leaf, sub in (("ioio", "0x4ffffffd", "0x7b"),
                            ("cpuid", "0x4ffffffd", "0x72"),
                            ("vmmcall", "0x4ffffffd", "0x81"),
                            ("signature", "0x4ffffffb", "0"),
                            ("info", "0x4ffffffa", "0")):
        compare.append(f"$ cpuid -1 -r -l {leaf} -s {sub}\n"
                       f"{res.text(f'cmp-{name}.cpuid-before') or ''}"
                       f"$ exitstat raw {leaf} {sub}\n"
                       f"{res.text(f'cmp-{name}.raw') or ''}"
                       f"$ cpuid -1 -r -l {leaf} -s {sub}\n"
                       f"{res.text(f'cmp-{name}.cpuid-after') or ''}")
    with open(os.path.join(captured, "cpuid-vs-raw.txt"), "w") as f:
        f.write("\n".join(compare))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check.py RESULTS_DIR CAPTURED_DIR "
                 "(the guest's results unpacked by l1-guest.sh)")
    res = Results(sys.argv[1])
    ports_text = res.text("ports")
    report("guest-results-present", ports_text is not None,
           f"no {sys.argv[1]}/ports: the guest's archive did not come back")
    if ports_text is None:
        return 1
    ports = int(ports_text.strip())
    global GUEST_VCPUS
    GUEST_VCPUS = int((res.text("vcpus") or "0").strip() or 0)
    capture(res, sys.argv[2])
    table_rows_seen, _ = check_table(res, "table")
    check_json_snapshot(res)
    check_csv(res)
    all_rows, _ = check_table(res, "all")
    report("all-has-more-rows", set(table_rows_seen) <= set(all_rows) and
           len(all_rows) > len(table_rows_seen) and any(
               count == 0 for _, count in all_rows.values()),
           f"table {len(table_rows_seen)} rows, --all {len(all_rows)} rows")
    check_by_category(res)
    check_prometheus(res)
    check_watch(res)
    check_run(res, ports)
    check_raw(res)
    check_cpuid_tool(res)
    note_read_cost(res)
    note(f"L2 clocksource: {(res.text('clocksource') or '').strip()}")
    return tap.exit_status()


if __name__ == "__main__":
    sys.exit(main())
