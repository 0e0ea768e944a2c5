#!/usr/bin/env python3
"""Unit test of the benchmark's analysis, report and gate on synthetic
samples (no VM needed): the gate passes within the limits, fails above them
and on a disturbed measurement; the analysis
refuses samples where KVM counted fewer exits than the guest took.

Prints one "ok NAME" / "not ok NAME - details" line per check.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import tap  # noqa: E402
from tap import check  # noqa: E402


def sample(label, mode, per_exit, rep, exits=1000, kvm_exits=None):
    if kvm_exits is None:
        kvm_exits = exits + 2
    return (f"sample label={label} mode={mode} vcpus=1 idle_vcpus=0 exits={exits} rep={rep} "
            f"wall_ns_per_exit={per_exit} cpu_ns_per_exit={per_exit} kvm_exits={kvm_exits}\n")


def write_run(directory, figures, ns_per_instruction=1.0001, **kwargs):
    """figures: {(label, mode): [per_exit per repetition]}"""
    out = os.path.join(directory, "out")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "samples.txt"), "w", encoding="utf-8") as f:
        for (label, mode), values in figures.items():
            for rep, value in enumerate(values, 1):
                f.write(sample(label, mode, value, rep, **kwargs))
    with open(os.path.join(out, "l1-facts.txt"), "w", encoding="utf-8") as f:
        f.write(f"ns_per_instruction={ns_per_instruction}\n")
    meta = os.path.join(directory, "meta.json")
    with open(meta, "w", encoding="utf-8") as f:
        json.dump({"plan": "gate", "icount": "shift=0"}, f)
    return out, meta


def run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)


def analyze(directory, figures, **kwargs):
    out, meta = write_run(directory, figures, **kwargs)
    result = run(os.path.join(HERE, "analyze.py"), out, meta)
    path = os.path.join(directory, "summary.json")
    if result.returncode == 0:
        with open(path, "w", encoding="utf-8") as f:
            f.write(result.stdout)
    return result, path


def gate(directory, summary, limits):
    path = os.path.join(directory, "limits.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(limits, f)
    return run(os.path.join(HERE, "gate.py"), summary, path)


GOOD = {
    ("stock", "cpuid"): [1000.0, 1000.5, 999.5],
    ("ours-on", "cpuid"): [1050.0, 1050.0, 1050.5],
    ("stock", "pio"): [500.0, 500.0, 500.0],
    ("ours-on", "pio"): [540.0, 540.0, 540.0],
}
LIMITS = {"max_ratio_to_stock": {"ours-on": {"cpuid": 1.06, "pio": 1.09}}, "max_disturbance_pct": 0.5}

with tempfile.TemporaryDirectory() as tmp:
    result, summary_path = analyze(tmp, GOOD)
    check("analyze-runs", result.returncode == 0, result.stderr.strip())
    summary = json.loads(result.stdout or "{}")
    by_key = {(r["config"], r["mode"]): r for r in summary.get("results", [])}
    r = by_key.get(("ours-on", "cpuid"), {})
    check("analyze-median-and-ratio", r.get("per_exit") == 1050.0 and r.get("ratio_to_stock") == 1.05,
          f"got {r.get('per_exit')} and {r.get('ratio_to_stock')}, want 1050.0 and 1.05")
    check("analyze-spread", by_key.get(("stock", "cpuid"), {}).get("spread_pct") == 0.1,
          f"got {by_key.get(('stock', 'cpuid'), {}).get('spread_pct')}, want 0.1")

    result = gate(tmp, summary_path, LIMITS)
    check("gate-passes-within-limits", result.returncode == 0 and "not ok" not in result.stdout,
          result.stdout.strip())

    strict = {"max_ratio_to_stock": {"ours-on": {"cpuid": 1.04, "pio": 1.09}}, "max_disturbance_pct": 0.5}
    result = gate(tmp, summary_path, strict)
    check("gate-fails-above-limit",
          result.returncode == 1 and "not ok bench-gate-ours-on-cpuid" in result.stdout
          and "ok bench-gate-ours-on-pio" in result.stdout, result.stdout.strip())

    missing = {"max_ratio_to_stock": {"ours-off": {"cpuid": 1.01}}, "max_disturbance_pct": 0.5}
    result = gate(tmp, summary_path, missing)
    check("gate-fails-on-missing-figure",
          result.returncode == 1 and "not ok bench-gate-ours-off-cpuid" in result.stdout,
          result.stdout.strip())

    result = run(os.path.join(HERE, "compare.py"), summary_path, summary_path)
    check("compare-same-run", result.returncode == 0, result.stdout.strip()[-300:])
    other_dir = os.path.join(tmp, "other")
    os.makedirs(other_dir)
    shifted = dict(GOOD)
    shifted[("stock", "pio")] = [504.0, 504.0, 504.0]
    _, other_path = analyze(other_dir, shifted)
    result = run(os.path.join(HERE, "compare.py"), summary_path, other_path)
    check("compare-finds-0.8pct-difference",
          result.returncode == 1 and "0.800%" in result.stdout, result.stdout.strip()[-300:])

    result = run(os.path.join(HERE, "render.py"), summary_path)
    check("render-runs", result.returncode == 0 and "| 1050 (+5.0%) |" in result.stdout,
          (result.stderr or result.stdout)[-400:])

with tempfile.TemporaryDirectory() as tmp:
    noisy = dict(GOOD)
    noisy[("ours-on", "pio")] = [540.0, 545.0, 560.0]
    result, summary_path = analyze(tmp, noisy)
    result = gate(tmp, summary_path, LIMITS)
    check("gate-fails-on-spread",
          result.returncode == 1 and "not ok bench-gate-deterministic" in result.stdout,
          result.stdout.strip())

with tempfile.TemporaryDirectory() as tmp:
    # The bound on a query of the totals in a VM of 255 vCPUs (1 asking).
    query_row = {"config": "ours-on", "mode": "query-total", "vcpus": 1, "idle_vcpus": 254,
                 "per_exit": 60000.0, "ratio_to_stock": None, "disturbance_pct": 0.01}
    path = os.path.join(tmp, "summary.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"results": [query_row]}, f)
    bound = {"max_ratio_to_stock": {}, "max_disturbance_pct": 0.5,
             "max_query_instructions": {"ours-on": {"query-total": {"vm_vcpus": 255, "max": 70000}}}}
    result = gate(tmp, path, bound)
    check("gate-query-bound-passes", result.returncode == 0
          and "ok bench-gate-ours-on-query-total-255-vcpus" in result.stdout, result.stdout.strip())
    bound["max_query_instructions"]["ours-on"]["query-total"]["max"] = 50000
    result = gate(tmp, path, bound)
    check("gate-query-bound-fails-above",
          result.returncode == 1 and "not ok bench-gate-ours-on-query-total-255-vcpus" in result.stdout,
          result.stdout.strip())
    bound["max_query_instructions"]["ours-on"]["query-total"]["vm_vcpus"] = 64
    result = gate(tmp, path, bound)
    check("gate-query-bound-fails-on-missing-figure",
          result.returncode == 1 and "no figure for ours-on, query-total in a VM of 64" in result.stdout,
          result.stdout.strip())

with tempfile.TemporaryDirectory() as tmp:
    result, _ = analyze(tmp, GOOD, kvm_exits=900)
    check("analyze-refuses-missing-exits",
          result.returncode == 1 and "fewer than the guest's" in result.stderr,
          f"status {result.returncode}: {result.stderr.strip()}")

with tempfile.TemporaryDirectory() as tmp:
    result, _ = analyze(tmp, GOOD, ns_per_instruction=2.5)
    check("analyze-refuses-uncalibrated-clock",
          result.returncode == 1 and "-icount shift=0" in result.stderr,
          f"status {result.returncode}: {result.stderr.strip()}")

sys.exit(tap.exit_status())
