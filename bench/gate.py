#!/usr/bin/env python3
"""The exit-path budget as a test: check a benchmark summary against limits.

usage: bench/gate.py SUMMARY_JSON THRESHOLDS_JSON

THRESHOLDS_JSON (bench/thresholds.json) is the one place the budget is
written: for each configuration and exit kind (1 vCPU), the largest allowed
ratio of L1 instructions per exit to stock KVM's in the same run; the
largest cost of a query of the totals in a VM of the most vCPUs KVM allows
(stated in L1 instructions: stock KVM has no such leaf); and how far a
median may lie above the least disturbed repetition (more means the
measurement was disturbed and proves nothing).  Prints one TAP
line ("ok NAME - ..." / "not ok NAME - ...") per check, for make test's
summary; exits 1 if any check failed.
"""
import json
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: bench/gate.py SUMMARY_JSON THRESHOLDS_JSON", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as f:
        summary = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        limits = json.load(f)
    index = {(r["config"], r["mode"]): r for r in summary["results"]
             if r["vcpus"] == 1 and r["idle_vcpus"] == 0}
    failed = 0

    def report(ok, name, text):
        nonlocal failed
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {name} - {text}")

    checked = []
    for config, modes in limits["max_ratio_to_stock"].items():
        for mode, limit in modes.items():
            name = f"bench-gate-{config}-{mode}"
            r, base = index.get((config, mode)), index.get(("stock", mode))
            if r is None or base is None:
                report(False, name, f"no figure for {config} or stock, {mode}, 1 vCPU in the summary")
                continue
            checked += [r, base]
            ratio = r["ratio_to_stock"]
            report(ratio <= limit, name,
                   f"{config} costs {ratio:.4f} x stock per {mode} exit "
                   f"({r['per_exit']:.0f} vs {base['per_exit']:.0f} L1 instructions), "
                   f"limit {limit} in bench/thresholds.json")
    for config, modes in limits.get("max_query_instructions", {}).items():
        for mode, bound in modes.items():
            vm_vcpus, limit = bound["vm_vcpus"], bound["max"]
            name = f"bench-gate-{config}-{mode}-{vm_vcpus}-vcpus"
            r = next((r for r in summary["results"] if r["config"] == config and
                      r["mode"] == mode and r["vcpus"] + r["idle_vcpus"] == vm_vcpus), None)
            if r is None:
                report(False, name, f"no figure for {config}, {mode} in a VM of {vm_vcpus} vCPUs")
                continue
            checked.append(r)
            report(r["per_exit"] <= limit, name,
                   f"a {mode} query in a VM of {vm_vcpus} vCPUs costs {r['per_exit']:.0f} "
                   f"L1 instructions ({config}), limit {limit} in bench/thresholds.json")
    if checked:
        worst = max(checked, key=lambda r: r["disturbance_pct"])
        limit = limits["max_disturbance_pct"]
        report(worst["disturbance_pct"] <= limit, "bench-gate-deterministic",
               f"largest distance of a median above its least disturbed repetition "
               f"{worst['disturbance_pct']:.3f}% ({worst['config']}, {worst['mode']}), "
               f"limit {limit}%")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
