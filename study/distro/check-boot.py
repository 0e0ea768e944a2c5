#!/usr/bin/env python3
"""Checks that the real-distribution guest booted to its workloads unit and
that every marker arrived, from a raw run of study/run-profile.sh (the
sampler's console.tsv, samples.csv and meta.txt; study/distro/README.md).

usage: check-boot.py RUN_DIR PHASE...
  RUN_DIR  build/study/run-<profile>, holding one run or numbered runs 1/ 2/ ...
  PHASE    the guest's "@@STUDY phase NAME" markers expected, in order

Prints "ok NAME" / "not ok NAME - why" lines and, as "#" lines, what each
run measured: boot to multi-user.target, exits of each boot, systemd's
own account.  Then checks itself: the same checks on a copy of the first
run without its "booted" marker must fail.  Exit status 1 if any check
failed."""
import csv
import os
import shutil
import sys
import tempfile

MARK = "@@STUDY "
PHASE = MARK + "phase "
results = []


def check(name, good, why=""):
    results.append((name, bool(good), why))
    return bool(good)


def read_run(run):
    """(meta dict, [(t, line)] of the console, {event label: [TOTAL at it]})"""
    meta = {}
    with open(os.path.join(run, "meta.txt")) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            meta[key] = value
    console = []
    with open(os.path.join(run, "console.tsv")) as f:
        for line in f:
            t, _, text = line.rstrip("\n").partition("\t")
            console.append((float(t), text))
    totals = {}
    with open(os.path.join(run, "samples.csv")) as f:
        for row in csv.DictReader(f):
            if row["kind"] == "event" and row["name"] == "TOTAL":
                totals.setdefault(row["label"], []).append(int(row["count"]))
    return meta, console, totals


def check_run(name, run, expected):
    """The checks of one run; returns [comment lines]."""
    try:
        meta, console, totals = read_run(run)
    except (OSError, KeyError, ValueError) as e:
        check(f"{name}-files", False, f"cannot read the run in {run}: {e}")
        return []
    check(f"{name}-sampler-status", meta.get("sampler_exit_status") == "0",
          f"sampler_exit_status={meta.get('sampler_exit_status')}, timed_out={meta.get('timed_out')}")
    check(f"{name}-qemu-exited", meta.get("qemu_exit_status") == "0",
          f"qemu_exit_status={meta.get('qemu_exit_status')} (the guest did not power off)")
    phases = [text[len(PHASE):].strip() for _, text in console if text.startswith(PHASE)]
    check(f"{name}-markers-in-order", phases == expected,
          f"got {phases}, want {expected}")
    # Every phase marker the console shows must have its event sample.
    missing = [p for p in phases if PHASE + p not in totals]
    check(f"{name}-markers-sampled", phases and not missing, f"no event sample for {missing}")
    bursts = [text for _, text in console if text.startswith(MARK + "exitburst ")]
    if "cpuid_pio" in expected:
        exact = [b for b in bursts if "delta=" in b and
                 b.split("delta=")[1].split()[0] == b.split("expected=")[1].split()[0]]
        check(f"{name}-exitburst-exact", len(bursts) == 2 and len(exact) == 2,
              f"exitburst lines {bursts}")
    analyze = [text for _, text in console if text.startswith(MARK + "systemd-analyze ")]
    check(f"{name}-systemd-analyze", any("Startup finished" in a for a in analyze),
          f"no 'Startup finished' among {analyze}")
    if "packages" in expected:
        got = [t for _, t in console if t.startswith(MARK + "packages-installed ")]
        check(f"{name}-packages-installed",
              got and all(p in got[0] for p in ("study-demo", "study-lib", "study-data")),
              f"{got}")
    if "network" in expected:
        got = [t for _, t in console if t.startswith(MARK + "network-bytes ")]
        words = got[0].split() if len(got) == 1 else []
        check(f"{name}-network-bytes", len(words) == 5 and words[2] == words[4] != "0",
              f"{got}")

    notes = []
    created = float(meta.get("vm_created_t_s", "nan"))
    booted = [t for t, text in console if text == PHASE + "booted"]
    boot_totals = totals.get(PHASE + "booted", [])
    reboot = [(t, total) for (t, text), total in
              zip([c for c in console if c[1] == PHASE + "reboot"], totals.get(PHASE + "reboot", []))]
    for i, (t, total) in enumerate(zip(booted, boot_totals)):
        since, start, which = created, 0, "first boot: from the VM's creation"
        if i == 1 and reboot:
            (since, start), which = reboot[0], "reboot: from the reboot marker"
        notes.append(f"# {name}: {which} to multi-user.target {t - since:.1f} s, "
                     f"{total - start} exits")
    for a in analyze:
        notes.append(f"# {name}: {a[len(MARK):]}")
    return notes


def runs_of(run_dir):
    numbered = sorted((d for d in os.listdir(run_dir) if d.isdigit()), key=int)
    if numbered:
        return [(f"run{d}", os.path.join(run_dir, d)) for d in numbered]
    return [("run", run_dir)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    run_dir, expected = sys.argv[1], sys.argv[2:]
    notes = []
    runs = runs_of(run_dir) if os.path.isdir(run_dir) else []
    if check("distro-runs-found", runs, f"no run in {run_dir}"):
        for name, run in runs:
            notes += check_run(f"distro-{name}", run, expected)
        # The checks must be able to fail: a run whose "booted" marker never
        # came is flagged.
        before = len(results)
        with tempfile.TemporaryDirectory() as tmp:
            for f in ("meta.txt", "console.tsv", "samples.csv"):
                shutil.copy(os.path.join(runs[0][1], f), tmp)
            with open(os.path.join(runs[0][1], "console.tsv")) as src, \
                    open(os.path.join(tmp, "console.tsv"), "w") as dst:
                dst.writelines(line for line in src if not line.endswith(PHASE + "booted\n"))
            check_run("tampered", tmp, expected)
        flagged = [n for n, good, _ in results[before:] if not good]
        del results[before:]
        check("distro-check-flags-a-missing-marker", "tampered-markers-in-order" in flagged,
              f"the run without its booted marker was flagged by {flagged}")
    for name, good, why in results:
        print(f"ok {name}" if good else f"not ok {name} - {why}")
    for n in notes:
        print(n)
    sys.exit(0 if all(good for _, good, _ in results) else 1)


if __name__ == "__main__":
    main()
