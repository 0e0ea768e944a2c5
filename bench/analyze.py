#!/usr/bin/env python3
"""Turn one benchmark run into build/bench/summary.json (printed on stdout).

usage: bench/analyze.py OUT_DIR META_JSON [INTEL_SUMMARY_JSON]

OUT_DIR is what bench/bench-l1.sh left: samples.txt (exitbench's "sample"
lines), l1-facts.txt (key=value) and, for the full plan, tracer-bpftrace.txt
(bpftrace's per-reason counts) and fastpath-check.txt (how many x2APIC ICR
writes KVM completed in its fastpath).  META_JSON is what bench/run.sh knew on the
host (emulator and its version, kernel, icount options).  An
INTEL_SUMMARY_JSON (this script's output for the Intel L1's run) is nested
under "intel".

Every figure is "L1 instructions per exit": under QEMU -icount shift=0 L1's
clocks advance one nanosecond per executed instruction.  per_exit is the
vCPU threads' CPU time (CLOCK_THREAD_CPUTIME_ID) per exit: the exit path,
without whatever else L1 runs meanwhile (a kworker, the lab's heartbeat).
machine_per_exit is CLOCK_MONOTONIC per exit: everything L1 executed, which
for a tracer includes its own process (perf writing out its buffer).  For
each configuration and variant (mode, running vCPUs, idle vCPUs) the
summary has the median over the measured repetitions, their spread, and
the ratios to stock KVM for the same variant.  Standard
library only.  Exits 1, saying why, when the samples are incomplete or show
that a guest did not take the exits it should have.
"""
import json
import os
import re
import statistics
import sys

CONFIGS = [
    ("stock", "Debian's stock KVM modules"),
    ("ours-off", "ours, kvm.exit_stats=0"),
    ("ours-on", "ours, kvm.exit_stats=1"),
    ("perf-kvm-stat", "stock under `perf kvm stat record -a`"),
    ("bpftrace", "stock under bpftrace counting kvm:kvm_exit per reason"),
    ("kvm_stat", "stock under `kvm_stat -t` (tracepoint counters per reason)"),
]
MODES = [
    ("cpuid", "CPUID", "CPUID leaf 0, handled in KVM"),
    ("pio", "port I/O (ioeventfd)", "OUT to a port claimed by KVM_IOEVENTFD, completed in KVM"),
    ("pio-user", "port I/O (user space)", "OUT to an unclaimed port: KVM_EXIT_IO to the VMM and back"),
    ("rdmsr", "MSR read", "RDMSR of IA32_APIC_BASE, handled in KVM"),
    ("hlt", "HLT (user space)", "HLT without in-kernel irqchip: KVM_EXIT_HLT to the VMM and back"),
    ("x2apic-icr", "x2APIC ICR write",
     "WRMSR to the x2APIC ICR, a fixed IPI to an absent APIC ID: the exit KVM completes in "
     "its fastpath, without handle_exit, when the CPU has next-RIP saving (SVM NRIPS)"),
    ("query-total", "query: CPUID 0x4FFFFFFF", "our total-exits leaf (stock KVM: an ordinary unknown leaf)"),
    ("query-reason", "query: CPUID 0x4FFFFFFD", "our per-reason leaf for the CPUID reason"),
]
SAMPLE_KEYS = ("label", "mode", "vcpus", "idle_vcpus", "exits", "rep",
               "wall_ns_per_exit", "cpu_ns_per_exit", "kvm_exits")


def fail(message):
    print(f"analyze: {message}", file=sys.stderr)
    sys.exit(1)


def parse_samples(path, scale):
    """exitbench's sample lines, ns per exit turned into instructions."""
    samples = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.startswith("sample "):
                continue
            fields = dict(kv.split("=", 1) for kv in line.split()[1:])
            missing = [k for k in SAMPLE_KEYS if k not in fields]
            if missing:
                fail(f"{path}:{number}: sample without {', '.join(missing)}")
            for k in ("vcpus", "idle_vcpus", "exits", "rep", "kvm_exits"):
                fields[k] = int(fields[k])
            for k in ("wall_ns_per_exit", "cpu_ns_per_exit"):
                fields[k] = float(fields[k]) * scale
            samples.append(fields)
    if not samples:
        fail(f"no samples in {path}")
    return samples


def parse_facts(path):
    facts = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("=")
                if key:
                    facts[key] = value
    return facts


def bpftrace_counts(path):
    """bpftrace's map printout: '@exits[114]: 10000' lines."""
    counts = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"@exits\[(\d+)\]: (\d+)$", line.strip())
                if m:
                    counts[int(m.group(1))] = int(m.group(2))
    return counts


def summarize(samples):
    groups = {}
    for s in samples:
        key = (s["label"], s["mode"], s["vcpus"], s["idle_vcpus"])
        groups.setdefault(key, []).append(s)
    results = []
    for (config, mode, vcpus, idle), group in groups.items():
        exits = group[0]["exits"]
        # Each vCPU takes its loop's exits plus the one that ends it.
        least = vcpus * (exits + 1)
        short = [s["kvm_exits"] for s in group if s["kvm_exits"] < least]
        if short:
            fail(f"{config} {mode} {vcpus} vCPUs: KVM counted {short[0]} exits in a "
                 f"repetition, fewer than the guest's {least}")
        cpu = [s["cpu_ns_per_exit"] for s in group]
        wall = [s["wall_ns_per_exit"] for s in group]
        median = statistics.median(cpu)
        results.append({
            "config": config, "mode": mode, "vcpus": vcpus, "idle_vcpus": idle,
            "vm_vcpus": vcpus + idle, "exits_per_vcpu": exits, "reps": len(group),
            "per_exit": round(median, 1),
            "per_exit_min": min(cpu), "per_exit_max": max(cpu),
            "spread_pct": round(100 * (max(cpu) - min(cpu)) / median, 3),
            # Interference only ever adds instructions: how far the median
            # lies above the least disturbed repetition.
            "disturbance_pct": round(100 * (median - min(cpu)) / median, 3),
            "machine_per_exit": round(statistics.median(wall), 1),
            "kvm_exits_per_rep": statistics.median(s["kvm_exits"] for s in group),
        })
    baseline = {(r["mode"], r["vcpus"], r["idle_vcpus"]): r
                for r in results if r["config"] == "stock"}
    for r in results:
        base = baseline.get((r["mode"], r["vcpus"], r["idle_vcpus"]))
        r["ratio_to_stock"] = round(r["per_exit"] / base["per_exit"], 4) if base else None
        r["machine_ratio_to_stock"] = (round(r["machine_per_exit"] / base["machine_per_exit"], 4)
                                       if base else None)
    order = {name: i for i, (name, _) in enumerate(CONFIGS)}
    modes = {name: i for i, (name, _, _) in enumerate(MODES)}
    results.sort(key=lambda r: (order.get(r["config"], 99), modes.get(r["mode"], 99),
                                r["idle_vcpus"], r["vcpus"]))
    return results


def find(results, config, mode, vcpus=1, idle=0):
    for r in results:
        if (r["config"], r["mode"], r["vcpus"], r["idle_vcpus"]) == (config, mode, vcpus, idle):
            return r
    return None


def derive(results):
    """Figures computed from several results: growth with vCPUs and VM size."""
    growth = []
    for r in results:
        if r["vcpus"] == 1 or r["idle_vcpus"] or r["ratio_to_stock"] is None:
            continue
        one = find(results, r["config"], r["mode"])
        if one and one["ratio_to_stock"]:
            growth.append({"config": r["config"], "mode": r["mode"], "vcpus": r["vcpus"],
                           "ratio_to_stock": r["ratio_to_stock"],
                           "ratio_to_stock_1vcpu": one["ratio_to_stock"],
                           "growth": round(r["ratio_to_stock"] / one["ratio_to_stock"], 4)})
    queries = []
    for r in results:
        if not r["mode"].startswith("query-"):
            continue
        plain = find(results, r["config"], "cpuid", 1, r["idle_vcpus"])
        queries.append({"config": r["config"], "mode": r["mode"], "vm_vcpus": r["vm_vcpus"],
                        "per_exit": r["per_exit"],
                        "plain_cpuid_per_exit": plain["per_exit"] if plain else None,
                        "times_plain_cpuid": (round(r["per_exit"] / plain["per_exit"], 3)
                                              if plain else None)})
    return {"vcpu_growth": growth, "query_cost": queries}


def main():
    if len(sys.argv) not in (3, 4):
        print("usage: bench/analyze.py OUT_DIR META_JSON [INTEL_SUMMARY_JSON]", file=sys.stderr)
        sys.exit(2)
    out_dir, meta_path = sys.argv[1:3]
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    meta.update(parse_facts(os.path.join(out_dir, "l1-facts.txt")))
    try:
        ns_per_insn = float(meta.get("ns_per_instruction", ""))
    except ValueError:
        fail("l1-facts.txt has no ns_per_instruction calibration")
    if meta.get("emulator", "qemu-icount") == "qemu-icount":
        # Under -icount shift=0 a loop of known length must take 1 ns per
        # instruction; anything else means the figures are not instructions.
        if abs(ns_per_insn - 1) > 0.005:
            fail(f"L1 took {ns_per_insn} ns per instruction of a calibration loop, not 1: "
                 "is QEMU running with -icount shift=0?")
        scale = 1.0
    else:
        # Bochs with clock: sync=none: L1's clock follows the instruction
        # count at a rate the calibration loop measured.
        scale = 1 / ns_per_insn
    results = summarize(parse_samples(os.path.join(out_dir, "samples.txt"), scale))
    if not find(results, "stock", "cpuid"):
        fail("no stock CPUID result to compare with")
    if meta.get("emulator", "qemu-icount") == "qemu-icount":
        clock = ("QEMU TCG with -icount " + meta.get("icount", "?") + ": L1's clock advances "
                 "1 ns per executed instruction (a calibration loop checks it), so ns per exit "
                 "measured by exitbench around its KVM_RUN calls is L1 instructions per exit ")
    else:
        clock = ("Bochs with clock: sync=none: L1's clock follows Bochs' instruction count; a "
                 f"calibration loop of known length took {ns_per_insn} ns per instruction, so "
                 "ns per exit measured by exitbench around its KVM_RUN calls, divided by it, is "
                 "L1 instructions per exit (the loop absorbs L1's timer interrupts as the exits "
                 "do: under Bochs they are frequent, and the factor is "
                 f"{(ns_per_insn / 2.5 - 1) * 100:.1f}% above the 2.5 ns per Bochs tick that "
                 "L1's tsc_early_khz=400000 sets; ratios within the run carry the same "
                 "factor) ")
    summary = {
        "unit": "L1 instructions per exit",
        "method": (clock +
                   "(L1 kernel + KVM + the exitbench VMM + the few L2 instructions of the loop). "
                   "per_exit counts the vCPU threads' CPU time (CLOCK_THREAD_CPUTIME_ID), "
                   "machine_per_exit CLOCK_MONOTONIC (also other L1 processes, e.g. a tracer's). "
                   "Median over the measured repetitions; ratios are to stock KVM in the same run."),
        "meta": meta,
        "configs": [{"name": n, "description": d} for n, d in CONFIGS],
        "modes": [{"name": n, "title": t, "description": d} for n, t, d in MODES],
        "results": results,
        "derived": derive(results),
        "max_spread_pct": max(r["spread_pct"] for r in results),
        "max_disturbance_pct": max(r["disturbance_pct"] for r in results),
    }
    counts = bpftrace_counts(os.path.join(out_dir, "tracer-bpftrace.txt"))
    if find(results, "bpftrace", "cpuid"):
        if not counts:
            fail("bpftrace ran but printed no per-reason counts")
        # The tracer must have seen at least the guest's own exits.
        expected = sum((r["reps"] + 1) * r["vcpus"] * (r["exits_per_vcpu"] + 1)
                       for r in results if r["config"] == "bpftrace")
        summary["bpftrace_counts"] = {"by_reason": {str(k): v for k, v in sorted(counts.items())},
                                      "total": sum(counts.values()),
                                      "guest_exits_at_least": expected}
        if sum(counts.values()) < expected:
            fail(f"bpftrace counted {sum(counts.values())} exits, fewer than the guests' {expected}")
    fastpath = parse_facts(os.path.join(out_dir, "fastpath-check.txt"))
    if fastpath:
        fastpath = {k: int(v) for k, v in fastpath.items()}
        summary["fastpath_check"] = fastpath
    if len(sys.argv) == 4:
        with open(sys.argv[3], encoding="utf-8") as f:
            summary["intel"] = json.load(f)
    json.dump(summary, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
