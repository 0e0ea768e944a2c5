#!/usr/bin/env python3
"""Draw build/bench/bench.md from summary.json (bench/analyze.py's output).

usage: bench/render.py SUMMARY_JSON > bench.md

Only renders: every figure comes from the summary, nothing is computed
here but the formatting of a ratio.  Standard library only.
"""
import json
import sys


def fmt_ratio(ratio):
    if ratio is None:
        return ""
    if ratio >= 1.5:
        return f"x{ratio:.2f}"
    # No "-0.0%": a change too small to show is 0.0%.
    return f"{(ratio - 1) * 100:+.1f}%".replace("-0.0%", "+0.0%")


def cell(result, figure="per_exit", ratio="ratio_to_stock"):
    """A table cell: the figure, and for all but stock its ratio to stock."""
    if result is None:
        return "–"
    text = f"{result[figure]:.0f}"
    if result["config"] != "stock":
        text += f" ({fmt_ratio(result[ratio])})"
    return text


def render(s, w, title, depth=1):
    """Appends, through w, the report of one summary; its headings start at
    markdown level depth."""
    h = "#" * depth
    meta, results = s["meta"], s["results"]
    index = {(r["config"], r["mode"], r["vcpus"], r["idle_vcpus"]): r for r in results}
    configs = [c for c in s["configs"] if any(r["config"] == c["name"] for r in results)]
    modes = {m["name"]: m for m in s["modes"]}
    kinds = [m["name"] for m in s["modes"]
             if not m["name"].startswith("query-")
             and any(r["mode"] == m["name"] and r["vcpus"] == 1 for r in results)]
    w(f"{h} {title}")
    w("")
    w(f"- Method: {s['method']}")
    emulator = (f"Bochs {meta.get('bochs', '?')}" if meta.get("emulator") == "bochs"
                else f"QEMU: {meta.get('qemu', '?')}")
    w(f"- {emulator}, CPU model `{meta.get('cpu_model', '?')}` "
      f"(L1 sees \"{meta.get('l1_cpu', '?')}\", {meta.get('l1_cpus', '?')} vCPU, "
      f"clocksource {meta.get('l1_clocksource', '?')}; a calibration loop of known length "
      f"took {meta.get('ns_per_instruction', '?')} ns per instruction)")
    w(f"- Kernel in L1: {meta.get('kernel', '?')} (`uname -r` {meta.get('l1_kernel', '?')})")
    w(f"- Run: {meta.get('date', '?')}, plan {meta.get('plan', '?')}, "
      f"{meta.get('exits_per_rep_1vcpu', '?')} exits per repetition with 1 vCPU, "
      f"{meta.get('exits_per_rep_per_vcpu_smp', '?')} per vCPU with more, "
      f"{meta.get('exits_per_rep_query', '?')} per query repetition, "
      f"1 warm-up + {meta.get('measured_reps', '?')} measured repetitions; "
      f"the L1 run took {meta.get('l1_wall_seconds', '?')} s of wall time on {meta.get('host', '?')}")
    w(f"- Repeatability: the largest distance of any median above its least disturbed "
      f"repetition is {s['max_disturbance_pct']:.2f}% (interference only adds "
      f"instructions); the largest spread (max-min)/median {s['max_spread_pct']:.2f}%")
    w("")
    w(f"{h}# Per exit, 1 vCPU")
    w("")
    w("Median L1 instructions per exit on the vCPU thread; in brackets the change "
      "against stock KVM for the same exit in the same run.")
    w("")
    w("| configuration | " + " | ".join(modes[k]["title"] for k in kinds) + " |")
    w("|---|" + "---:|" * len(kinds))
    for c in configs:
        row = [cell(index.get((c["name"], k, 1, 0))) for k in kinds]
        if any(x != "–" for x in row):
            w(f"| {c['description']} | " + " | ".join(row) + " |")
    w("")
    for k in kinds:
        w(f"- {modes[k]['title']}: {modes[k]['description']}.")
    fastpath = s.get("fastpath_check")
    if fastpath:
        w(f"- Fastpath, checked with a kretprobe on `handle_fastpath_set_msr_irqoff`: "
          f"{fastpath['exit_handled']} of the {fastpath['guest_exits']} ICR writes of a "
          f"check run returned EXIT_FASTPATH_EXIT_HANDLED ({fastpath['calls']} calls in all), "
          f"and a kprobe on `kvm_emulate_wrmsr` counted {fastpath['full_path_wrmsr']} WRMSRs "
          f"on the full exit path" +
          (f" (kvm_amd nrips={meta['kvm_amd_nrips']})." if "kvm_amd_nrips" in meta else "."))
        if fastpath["exit_handled"] < fastpath["guest_exits"]:
            w("  So here the ICR write took KVM's full MSR exit path: SVM's fastpath needs "
              "the next RIP the CPU saves on an exit (NRIPS), and QEMU's TCG does not "
              "emulate NRIPS (not even with `-cpu EPYC,+svm,+nrip-save`). No exit reaches "
              "KVM's fastpath in the AMD lab: the TSC-deadline fastpath needs the VMX "
              "preemption timer.")

    tracers = [c for c in configs if c["name"] not in ("stock", "ours-off", "ours-on")]
    if tracers:
        w("")
        w(f"{h}## Tracers machine-wide")
        w("")
        w("The figures above count the vCPU thread: what the tracepoint and the "
          "tracer's kernel-side work add to each exit. A tracer's own process (perf "
          "writing out its buffer, bpftrace, kvm_stat's Python) runs on L1's one vCPU "
          "too; counting everything L1 executed per exit:")
        w("")
        w("| configuration | " + " | ".join(modes[k]["title"] for k in kinds) + " |")
        w("|---|" + "---:|" * len(kinds))
        for c in [x for x in configs if x["name"] == "stock"] + tracers:
            row = [cell(index.get((c["name"], k, 1, 0)), "machine_per_exit",
                        "machine_ratio_to_stock") for k in kinds]
            w(f"| {c['description']}, machine-wide | " + " | ".join(row) + " |")

    growth = s["derived"]["vcpu_growth"]
    if growth:
        w("")
        w(f"{h}# With more vCPUs")
        w("")
        w("Per exit over all vCPUs of the VM (one thread each, sharing L1's one vCPU), "
          "and the ratio to stock with N vCPUs divided by the same ratio with 1 vCPU: "
          "1.000 means the statistics' cost does not grow with the number of vCPUs.")
        w("")
        w("| configuration | exit | vCPUs | per exit | vs stock | growth vs 1 vCPU |")
        w("|---|---|---:|---:|---:|---:|")
        for g in growth:
            if g["config"] == "stock":
                continue
            r = index[(g["config"], g["mode"], g["vcpus"], 0)]
            w(f"| {g['config']} | {modes[g['mode']]['title']} | {g['vcpus']} | "
              f"{r['per_exit']:.0f} | {fmt_ratio(g['ratio_to_stock'])} | {g['growth']:.3f} |")

    queries = s["derived"]["query_cost"]
    if queries:
        w("")
        w(f"{h}# One guest query, by VM size")
        w("")
        w("One vCPU asks in a loop; the others exist but never run. Our leaves sum "
          "every vCPU's counters, so their cost may grow with the VM; stock KVM answers "
          "the same leaves as unknown ones. Plain CPUID (leaf 0) in the same VM for "
          "comparison.")
        w("")
        w("| configuration | leaf | VM vCPUs | per exit | x plain CPUID |")
        w("|---|---|---:|---:|---:|")
        for q in queries:
            if q["config"] not in ("stock", "ours-on"):
                continue
            # make bench-gate runs no plain CPUID in the large VM.
            times = q["times_plain_cpuid"]
            w(f"| {q['config']} | {modes[q['mode']]['title']} | {q['vm_vcpus']} | "
              f"{q['per_exit']:.0f} | {'-' if times is None else f'{times:.2f}'} |")

    counts = s.get("bpftrace_counts")
    if counts:
        w("")
        w(f"bpftrace counted {counts['total']} exits (guests' own: at least "
          f"{counts['guest_exits_at_least']}), by SVM exit code: " +
          ", ".join(f"{k}: {v}" for k, v in counts["by_reason"].items()) + ".")



def main():
    if len(sys.argv) != 2:
        print("usage: bench/render.py SUMMARY_JSON", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as f:
        s = json.load(f)
    out = []
    w = out.append
    render(s, w, "Exit-path cost, in L1 instructions per VM exit")
    if s.get("intel"):
        w("")
        render(s["intel"], w, "Intel VMX, in the Bochs L1", depth=2)
    w("")
    w("## What an instruction count says and does not say")
    w("")
    w("It counts work, exactly and repeatably: everything L1 executes from the "
      "L2 guest's exit through KVM (and the VMM, for exits that go to user space) "
      "back to the next entry, every instruction weighing the same. On hardware they "
      "do not: RDTSC takes about 25 cycles on Intel Skylake and about 35 on AMD Zen "
      "(Agner Fog's instruction tables), a cache miss to DRAM hundreds, and a return "
      "through the SRSO or retbleed return thunk more than a plain one. And the "
      "largest cost of an exit on hardware is not in the count at all: the world "
      "switch of VMRUN/#VMEXIT or VM entry/exit, which the emulator performs "
      "without L1 instructions, and which takes hundreds to over a thousand cycles "
      "on real CPUs. So the stock figures are the software part of an exit, the "
      "ratios overstate the relative cost of added ordinary instructions on "
      "hardware and can understate added RDTSCs and cache misses: give a change's "
      "RDTSCs, calls and touched cache lines beside its instruction figure.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
