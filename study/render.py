"""report.md from summary.json (study/summary.py), and nothing else.

render(summaries, out_dir, plots) writes the report of summaries[0]; the
other summaries (the other vendor, another profile) become columns of the
side-by-side section.  Every number printed here is in a summary.
"""
import os
import statistics

from summary import typical

# What each phase covers, for the phase table (the guest's own phases
# that are not listed get an empty cell).
PHASE_MEANING = {
    "firmware": "VM created, firmware (SeaBIOS), loading the kernel",
    "loader": "boot loader (GRUB) from the disk",
    "kernel": "kernel's first console line until its init starts",
    "initrd": "the initrd's init until the root file system is mounted",
    "userspace": "init in the root file system until the workloads",
    "files": "create+delete small files (loop)",
    "cpu": "shell arithmetic loop (CPU-bound)",
    "disk": "dd to/from the virtio disk",
    "cpuid_pio": "burst of CPUID and port 0x80 writes",
    "exitstat_dump": "guest prints the exitstat records it kept",
    "reboot_firmware": "reboot, reset, firmware of the 2nd boot",
    "reboot_loader": "2nd boot: boot loader",
    "reboot_kernel": "2nd boot: kernel until its init",
    "reboot_initrd": "2nd boot: initrd",
    "reboot_userspace": "2nd boot: init until shutdown",
    "shutdown": "poweroff until QEMU exits",
}
# Published figure the Answers compare with: an Ubuntu guest's boot on
# Intel hardware with nested virtualization (EPT), counted by the host.
PUBLISHED = {"low": 1_350_000, "high": 1_500_000,
             "what": "an Ubuntu boot on Intel with nested hardware virtualization",
             "first": "EPT violations and I/O"}


def fmt_int(n):
    return "-" if n is None else f"{round(n):,}".replace(",", " ")


def pct(x, digits=1):
    return "-" if x is None else f"{x * 100:.{digits}f}%"


def md_table(headers, rows, align=None):
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def spread_text(st, fmt=fmt_int):
    """'median (min–max over N runs)' or the one value."""
    if st is None:
        return "-"
    if st["n"] == 1 or st["min"] == st["max"]:
        return fmt(st["median"])
    return f"{fmt(st['median'])} ({fmt(st['min'])}–{fmt(st['max'])})"


def column_label(s):
    return f"{s['vendor']['name']}, {s['profile']}"


def phase(run, name):
    return next((p for p in run["phases"] if p["name"] == name), None)


def reason_list(rows, key, share_key, n):
    return ", ".join(f"{r['name']} ({pct(r[share_key])})"
                     for r in sorted(rows, key=lambda r: -r[key])[:n])


def answers(summaries):
    """The Answers section: plain sentences, numbers from the summaries."""
    s = summaries[0]
    run, sp, n = typical(s), s["spread"], s["n_runs"]
    over = f"median of {n} runs, min–max in brackets" if n > 1 else "one run"
    a = ["## Answers\n",
         f"Numbers from {n} run{'s' if n > 1 else ''} of the {s['profile']} profile "
         f"({s['guest']}) on {s['vendor']['name']}; a figure given as "
         f"`median (min–max)` is over the runs, single figures come from run "
         f"{s['typical_run']}, the run with the median total.\n"]
    if s.get("missing_runs"):
        a.append(f"Run{'s' if len(s['missing_runs']) > 1 else ''} "
                 f"{', '.join(str(i) for i in s['missing_runs'])} brought no samples back "
                 "(the lab run failed; its output says why) and "
                 f"{'are' if len(s['missing_runs']) > 1 else 'is'} left out.\n")
    # Steady or bursts.
    b = sp["burst_share"]
    ps = [p for p in run["phases"] if p["duration_s"] > 0 and p["exits"]]
    if b and ps:
        busy = sorted(ps, key=lambda p: -p["rate"])[:3]
        quiet = min(ps, key=lambda p: p["rate"])
        bursty = b["median"] >= 2 * s["runs"][0]["burstiness"]["busiest_time_share"]
        busiest = s["runs"][0]["burstiness"]["busiest_time_share"]
        a.append(
            f"- **Steady or in bursts?** {'In bursts' if bursty else 'Fairly steady'}: "
            f"the busiest {pct(busiest, 0)} of the time holds {spread_text(b, pct)} of "
            f"the exits (a steady rate would give {pct(busiest, 0)}; {over}). The "
            "bursts are " + "; ".join(
                f"{p['name']} ({fmt_int(p['rate'])}/s, mostly "
                f"{p['reasons'][0]['name']})" for p in busy) +
            f"; the quietest phase is {quiet['name']} ({fmt_int(quiet['rate'])}/s, mostly "
            f"{quiet['reasons'][0]['name']}). `cumulative_exits.png` shows it: steep "
            "where the exits come in bursts, flat in between.")
    # Boots.
    for key, label in (("first", "the first boot (VM created until the workloads)"),
                       ("reboot", "the reboot (reset until the guest is up again)")):
        st = sp["boots"][key]
        if st:
            secs = statistics.median(r["boots"][key]["seconds"] for r in s["runs"]
                                     if r["boots"][key])
            a.append(f"- **Exits of a full boot:** {label} takes "
                     f"**{spread_text(st)}** exits, in about {secs:.0f} s "
                     f"({', '.join(run['boots'][key]['phases']) if run['boots'][key] else ''}).")
    a.append(f"- Whole run: {spread_text(sp['total'])} exits in "
             f"{spread_text(sp['seconds'], lambda x: f'{x:.0f} s')}.")
    rows = run["reasons"]
    if rows:
        a.append(f"- **Most frequent by count:** {reason_list(rows, 'count', 'share', 3)} "
                 "of the exits. **By time** (KVM's handling cycles): "
                 f"{reason_list(rows, 'cycles', 'cycle_share', 3)} of the cycles.")
        least = sorted(rows, key=lambda r: (r["count"], r["name"]))[:3]
        a.append("- **Least frequent** (seen at least once): " + ", ".join(
            f"{r['name']} ({fmt_int(r['count'])})" for r in least) +
            "; least time: " + ", ".join(
                f"{r['name']} ({pct(r['cycle_share'], 3)})"
                for r in sorted(rows, key=lambda r: (r["cycles"], r["name"]))[:3]) + ".")
        # The reason whose share of the time most exceeds its share of the
        # exits: where ranking by count misleads most.
        dear = max(rows, key=lambda r: r["cycle_share"] - r["share"])
        cheap = max(rows, key=lambda r: r["share"] - r["cycle_share"])
        a.append(f"- **Count and time rank differently:** {dear['name']} is "
                 f"{pct(dear['share'])} of the exits but {pct(dear['cycle_share'])} of the "
                 f"cycles ({fmt_int(dear['mean_cycles'])} cycles per exit); {cheap['name']} "
                 f"is {pct(cheap['share'])} of the exits but {pct(cheap['cycle_share'])} of "
                 f"the cycles ({fmt_int(cheap['mean_cycles'])} per exit).")
    a.append("")
    a += comparison(summaries)
    return a


def comparison(summaries):
    """Ours against the published figure, with the reasons for each difference."""
    p = PUBLISHED
    mid = (p["low"] + p["high"]) / 2
    a = ["### Compared with published figures\n",
         f"Published: about {fmt_int(p['low'])}–{fmt_int(p['high'])} exits for "
         f"{p['what']}, {p['first']} first. Ours, first boot:\n"]
    for s in summaries:
        st = s["spread"]["boots"]["first"]
        if st:
            a.append(f"- {column_label(s)}: {spread_text(st)} exits, "
                     f"{mid / st['median']:.0f} times fewer than {fmt_int(mid)} (the middle "
                     "of the published range).")
    a.append("\nWhy, difference by difference:\n")
    for s in summaries:
        run = typical(s)
        boot = run["boots"]["first"]
        if not boot:
            continue
        names = boot["phases"]
        counts, cycles = {}, {}
        for ph in (phase(run, n) for n in names):
            for r in ph["reasons"]:
                counts[r["name"]] = counts.get(r["name"], 0) + r["count"]
                cycles[r["name"]] = cycles.get(r["name"], 0) + r["cycles"]
        cat_of = {r["name"]: r["category"] for r in run["reasons"]}
        by_cat = {}
        for name, c in counts.items():
            by_cat[cat_of.get(name, "other")] = by_cat.get(cat_of.get(name, "other"), 0) + c
        io = by_cat.get("io", 0)
        npf = by_cat.get("npf_ept", 0)
        console = sum(phase(run, n)["console_bytes"] for n in names)
        label = column_label(s)
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:2]
        a.append(f"- **{label}:** its first boot's leading reasons are "
                 + " and ".join(f"{n} ({pct(share(c, boot['exits']))})" for n, c in top)
                 + ".")
        if s["profile"] == "quick":
            a.append(f"  - *What boots:* QEMU loads the kernel itself (`-kernel`, no boot "
                     "loader, no disk reads by the firmware), a busybox initramfs instead "
                     "of systemd, udev and services: far less work than a distribution "
                     "boot, so far fewer exits of every kind.")
            if console:
                a.append(f"  - *I/O is the serial console:* the boot printed "
                         f"{fmt_int(console)} bytes on the 16550 UART (every kernel "
                         f"message), {fmt_int(io)} I/O exits, "
                         f"{share(io, console):.1f} per byte. A quiet real boot prints "
                         "little; its I/O exits come from disks, PCI configuration and "
                         "timers instead.")
        else:
            io_by_phase = sorted(((sum(r["count"] for r in phase(run, n)["reasons"]
                                       if r["category"] == "io"), n) for n in names),
                                 reverse=True)[:2]
            a.append(f"  - *I/O without a chatty console:* {fmt_int(io)} I/O exits "
                     f"({pct(share(io, boot['exits']))}) with {fmt_int(console)} bytes on "
                     "the serial console; most of them in " + " and ".join(
                         f"{n} ({fmt_int(c)})" for c, n in io_by_phase if c) + ".")
        a.append(f"  - *Memory:* {fmt_int(npf)} nested page faults "
                 f"({'EPT violations' if s['numbering'] == 'vmx' else 'NPF'}, "
                 f"{pct(share(npf, boot['exits']))} of its boot): the first touch of a "
                 "guest page exits once. Our guest is small (1 vCPU, a few hundred MiB); "
                 "a cloud VM with gigabytes and several vCPUs faults in far more pages, "
                 "which is why EPT violations lead the published count.")
        if s["numbering"] == "svm":
            a.append("  - *Vendor:* the published figure is Intel (VMX); AMD's exit "
                     "reasons and the events that cause them differ (see the Intel "
                     "column where present).")
        else:
            a.append("  - *Timers:* Bochs' local APIC timer fires far more often than "
                     "the guest asked for (study/README.md), so EXTERNAL_INTERRUPT "
                     "counts are an artifact of the emulated L1.")
    # The two guests on the same vendor: what the headline number depends on.
    for s in summaries:
        q = next((x for x in summaries if x["profile"] == "quick"
                  and x["numbering"] == s["numbering"]), None)
        st, qt = s["spread"]["boots"]["first"], q and q["spread"]["boots"]["first"]
        if s["profile"] == "distro" and st and qt:
            io = [share(sum(c["count"] for c in typical(x)["categories"] if c["name"] == "io"),
                        typical(x)["total"]["count"]) for x in (s, q)]
            a.append(f"\nOn {s['vendor']['name']} the real distribution's first boot takes "
                     f"{fmt_int(st['median'])} exits, the busybox boot's "
                     f"{fmt_int(qt['median'])}: {st['median'] / qt['median']:.1f} times as "
                     f"many; I/O is {pct(io[0])} of the distribution run's exits against "
                     f"{pct(io[1])} of the busybox run's.")
    profiles = {s["profile"] for s in summaries}
    intel_profiles = {s["profile"] for s in summaries if s["numbering"] == "vmx"}
    if "distro" in profiles and "distro" not in intel_profiles:
        a.append("\nThe distribution is profiled on AMD only: the Intel lab (Bochs) has "
                 "no host share, so the disk image would have to travel in its L1's "
                 "initramfs beside the guest's memory, and one Bochs run of the quick "
                 "guest alone takes 6 to 10 minutes of a core"
                 + (" (the Intel column is the quick guest)." if intel_profiles else "."))
    if "distro" not in profiles:
        a.append("\nNo real-distribution run is in this report (its profile "
                 "`distro` was not run), so the console-dominated boot above is the "
                 "only one measured here: the headline number depends on what the "
                 "guest boots and how much it prints.")
    a.append("")
    return a


def share(part, whole):
    return part / whole if whole else 0.0


MMM = ("min", "median", "max")


def spread_section(s):
    sp = s["spread"]
    if s["n_runs"] < 2:
        return ["## Runs\n\nOne run (RUNS=1): no spread to report.\n"]
    r = [f"## Spread over {s['n_runs']} runs\n",
         "min / median / max of each headline number over the runs, and every "
         "run's own value.\n"]
    rows = []

    def row(label, st, fmt=fmt_int):
        if st:
            rows.append([label, fmt(st["min"]), fmt(st["median"]), fmt(st["max"]),
                         " / ".join(fmt(v) for v in st["values"])])
    row("exits, whole run", sp["total"])
    row("exits, first boot", sp["boots"]["first"])
    row("exits, reboot", sp["boots"]["reboot"])
    row("seconds, whole run", sp["seconds"], lambda x: "-" if x is None else f"{x:.1f}")
    row("busiest 10% of the time holds", sp["burst_share"], pct)
    for name, st in sp["phases"].items():
        row(f"exits, phase {name}", st["exits"])
    r.append(md_table(["", "min", "median", "max", "runs " + " / ".join(
        str(x["index"]) for x in s["runs"])], rows))
    r.append("\nBy reason (every reason seen in any run; 0 where a run had none):\n")
    r.append(md_table(["reason", "exits min / median / max", "cycles min / median / max"],
                      [[name, " / ".join(fmt_int(st["count"][k]) for k in MMM),
                        " / ".join(fmt_int(st["cycles"][k]) for k in MMM)]
                       for name, st in sp["reasons"].items()]))
    r.append("")
    return r


def side_by_side_rows(summaries):
    """The comparison's rows as numbers: [(key, label, [value per column])];
    the report formats them and side_by_side.json keeps them for
    check_report.py."""
    rows = [("runs", "runs", [s["n_runs"] for s in summaries])]

    def med(st):
        return st["median"] if st else None
    for key, label in (("first", "exits of the first boot"),
                       ("reboot", "exits of the reboot")):
        rows.append((f"boot:{key}", label, [med(s["spread"]["boots"][key])
                                            for s in summaries]))
    rows.append(("total", "exits of the whole run", [med(s["spread"]["total"])
                                                    for s in summaries]))
    names = []
    for s in summaries:
        names += [n for n in s["spread"]["phases"] if n not in names]
    for n in names:
        rows.append((f"phase:{n}", f"phase {n}",
                     [med((s["spread"]["phases"].get(n) or {}).get("exits"))
                      for s in summaries]))
    cats = []
    for s in summaries:
        cats += [c["name"] for c in typical(s)["categories"] if c["name"] not in cats]
    for c in cats:
        rows.append((f"category:{c}", f"category {c}",
                     [next((x["count"] for x in typical(s)["categories"] if x["name"] == c), 0)
                      for s in summaries]))
    rows.append(("burst", "busiest 10% of the time holds",
                 [med(s["spread"]["burst_share"]) for s in summaries]))
    return rows


def side_by_side(summaries, plots):
    r = ["## Side by side\n",
         "Each column is its own profile run(s) on our KVM in that vendor's lab "
         "machine (medians over its runs). Reason names follow each vendor's "
         "numbering (IOIO is IO_INSTRUCTION, NPF is EPT_VIOLATION, INTR is "
         "EXTERNAL_INTERRUPT); the category rows group them the same way "
         "(`exitstat --by category`), in each column's run with the median total. "
         "Seconds are L1's clock: Bochs' follows its "
         "instruction count, QEMU TCG's the host's, so compare exits, not rates, "
         "across vendors.\n"]
    table = []
    for key, label, values in side_by_side_rows(summaries):
        fmt = pct if key == "burst" else fmt_int
        table.append([label] + [fmt(v) for v in values])
    for k in range(5):
        table.append([f"reason #{k + 1} by count / by cycles"] + [
            " / ".join(f"{typical(s)['rank'][by][k]}" if len(typical(s)["rank"][by]) > k
                       else "-" for by in ("by_count", "by_cycles")) for s in summaries])
    table.append(["checks"] + ["all ok" if s["checks_ok"] else "FAILED" for s in summaries])
    r.append(md_table([""] + [column_label(s) for s in summaries], table,
                      ["l"] * (len(summaries) + 1)))
    r.append("")
    if plots:
        r.append("![exits per phase, side by side](phases_side_by_side.png)\n")
    return r


def reasons_table(rows, total, order):
    out = []
    for r in sorted(rows, key=order):
        out.append([r["name"], r["code"], fmt_int(r["count"]), pct(r["share"], 2),
                    fmt_int(r["cycles"]), pct(r["cycle_share"], 2),
                    fmt_int(r["mean_cycles"]),
                    "-" if r["mean_us"] is None else f"{r['mean_us']:.1f}"])
    out.append(["TOTAL", "", fmt_int(total["count"]), "100.00%", fmt_int(total["cycles"]),
                "100.00%", fmt_int(share(total["cycles"], total["count"])), ""])
    return md_table(["reason", "code", "exits", "share", "cycles", "share of cycles",
                     "mean cycles", "mean µs"], out)


def systemd_section(run):
    """systemd-analyze's boot times beside our phases of the same boot."""
    if not run["systemd_analyze"]:
        return []
    r = ["### systemd's view of the boot beside ours\n",
         "`systemd-analyze time` in the guest against our phases (our seconds run "
         "from marker to marker as L1 saw them; systemd's from its own clocks).\n"]
    rows = []
    for k, view in enumerate(run["systemd_analyze"]):
        prefix = "reboot_" if k else ""
        for part, secs in view.items():
            p = phase(run, prefix + part)
            rows.append([f"{'reboot' if k else 'first boot'}", part, f"{secs:.2f}",
                         f"{p['duration_s']:.2f}" if p else "-",
                         fmt_int(p["exits"]) if p else "-"])
    r.append(md_table(["boot", "part", "systemd s", "our phase s", "our phase exits"],
                      rows, ["l", "l", "r", "r", "r"]))
    r.append("")
    return r


def detail_sections(s, plots):
    run = typical(s)
    r = []
    r.append(f"## Phases (run {s['typical_run']})\n")
    rows = []
    for p in run["phases"]:
        ir = p["interval_rates"]
        rows.append([p["index"], p["name"], PHASE_MEANING.get(p["name"], ""),
                     f"{p['start_s']:.1f}", f"{p['duration_s']:.2f}", fmt_int(p["exits"]),
                     pct(share(p["exits"], run["total"]["count"])),
                     pct(share(p["cycles"], run["total"]["cycles"])), fmt_int(p["rate"]),
                     " / ".join(fmt_int(ir[k]) for k in ("min", "median", "max"))
                     if ir else "-",
                     ", ".join(p["rank"]["by_count"][:2]) or "-",
                     ", ".join(p["rank"]["by_cycles"][:2]) or "-",
                     fmt_int(p["console_bytes"])])
    rows.append(["", "TOTAL", "", "", f"{sum(p['duration_s'] for p in run['phases']):.2f}",
                 fmt_int(sum(p["exits"] for p in run["phases"])), "100%", "100%", "", "",
                 "", "", fmt_int(run["console_bytes"])])
    r.append(md_table(["#", "phase", "what", "start s", "duration s", "exits",
                       "share", "share of cycles", "exits/s",
                       "exits/s per interval min / median / max",
                       "top reasons by count", "top reasons by cycles", "console bytes"],
                      rows, ["r", "l", "l"] + ["r"] * 7 + ["l", "l", "r"]))
    r.append("\nSeconds since the VM was created. A phase begins with the sample taken "
             "when the guest's marker line (or the kernel's first console line) reached "
             "L1, so the exits of printing a marker count in the phase before it. "
             "The # is the phase's number in the plots.\n")
    r += systemd_section(run)
    r.append(f"## Exits by reason, ranked by count (run {s['typical_run']})\n")
    r.append(reasons_table(run["reasons"], run["total"],
                           lambda x: (-x["count"], x["name"])))
    r.append(f"\n## Exits by reason, ranked by cycles (run {s['typical_run']})\n")
    r.append("The time KVM spent handling them: a reason can be rare and dear.\n")
    r.append(reasons_table(run["reasons"], run["total"],
                           lambda x: (-x["cycles"], x["name"])))
    r.append("\n## Exits by category\n")
    r.append("Vendor-neutral groups of the reasons (build/reasons/reasons.json).\n")
    r.append(md_table(["category", "exits", "share", "cycles", "share of cycles"],
                      [[c["name"], fmt_int(c["count"]), pct(c["share"], 2),
                        fmt_int(c["cycles"]), pct(c["cycle_share"], 2)]
                       for c in run["categories"]]))
    r.append("\n## Reasons per phase, by count and by cycles\n")
    rows = []
    for p in run["phases"]:
        rows.append([p["name"], fmt_int(p["exits"]),
                     reason_list(p["reasons"], "count", "share", 3) or "-",
                     reason_list(p["reasons"], "cycles", "cycle_share", 3) or "-"])
    r.append(md_table(["phase", "exits", "top 3 by count (share of the phase's exits)",
                       "top 3 by cycles (share of the phase's cycles)"], rows,
                      ["l", "r", "l", "l"]))
    iv = run["intervals"]
    r.append("\n## Sampling\n")
    r.append(f"The sampler read the counters every {iv['nominal_s'] * 1000:.0f} ms "
             f"(nominal) and at every marker. Of the {iv['n']} periodic intervals of run "
             f"{s['typical_run']}, {iv['gaps']} are gaps longer than "
             f"{iv['gap_factor']:g} times the nominal (the longest "
             f"{iv['longest_s'] or 0:.2f} s): the plots draw each interval over its "
             "real length and shade the gaps grey; a rate there is an average over "
             "the whole gap.\n")
    bursts = run["exitbursts"]
    if bursts:
        r.append("## CPUID / port I/O burst (guest-controlled exits)\n")
        r.append(md_table(["run", "burst", "instructions", "reason", "exits counted",
                           "expected"],
                          [[x["index"], b["burst"], b.get("n", ""), b.get("reason", ""),
                            b.get("delta", ""), b.get("expected", "")]
                           for x in s["runs"] for b in x["exitbursts"]]))
        r.append("\nCounted by the guest itself through the exit-statistics CPUID leaves "
                 "before and after each burst.\n")
    cpu = phase(run, "cpu")
    if run["exitstat_readings"] and cpu:
        cpuid = next((x["count"] for x in cpu["reasons"] if x["name"] == "CPUID"), 0)
        r.append(f"The guest read its own counters (`exitstat --json`) at every phase "
                 f"boundary: the cpu phase executes no CPUID itself, so its "
                 f"{fmt_int(cpuid)} CPUID exits are what one reading costs.\n")
    r.append("## Consistency checks\n")
    for x in s["runs"]:
        for c in x["checks"]:
            r.append(f"- run {x['index']}: {'ok' if c['ok'] else 'FAILED'}: "
                     f"{c['name']} ({c['detail']})")
    r.append("")
    if plots:
        r.append("## Plots\n")
        r.append("Cumulative exits since the VM was created (every run; phase numbers "
                 "as in the phase table; gaps shaded):\n")
        r.append("![cumulative exits](cumulative_exits.png)\n")
        r.append(f"Exits per second by reason, run {s['typical_run']} (lines, not "
                 "stacked; each interval drawn over its real length; a zero rate sits "
                 "on the bottom axis):\n")
        r.append("![exits per second by reason](rates_by_reason.png)\n")
        r.append("How bursty, over time: the share of the exits against the share of "
                 "the time, busiest time first (a steady rate is the diagonal):\n")
        r.append("![burstiness](burstiness.png)\n")
        r.append("Share of exits and share of cycles by reason:\n")
        r.append("![totals by reason](totals_by_reason.png)\n")
    r.append("## Files\n")
    r.append("- `summary.json`: every number of this report (study/summary.py); the "
             "report and plots are rendered from it alone")
    r.append("- `runs/<i>/`: each run's raw files: `samples.csv` (t_s, seq, kind, label, "
             "reason, name, count, cycles; a TOTAL and a KVM_STAT_EXITS row per sample), "
             "`console.tsv`, `meta.txt`")
    r.append("- `*.gp`, `*.dat`: gnuplot scripts and data of the plots")
    return r


def render(summaries, out_dir, plots=True):
    s = summaries[0]
    run = typical(s)
    r = ["# VM exits of a full guest boot and workloads\n"]
    if s["command"]:
        r.append(f"Produced by `{s['command']}`; every number below comes from its "
                 f"{s['n_runs']} run{'s' if s['n_runs'] > 1 else ''}.\n")
    v = s["vendor"]
    r.append(f"Setup: the guest (L2: {s['guest']}; kernel {run['kernel'] or 'unknown'}; "
             f"1 vCPU) runs under QEMU `-accel kvm` on our KVM inside L1 ({v['l1']}), so "
             f"exit reasons are {v['codes']} ({v['ref']}; numbering `{s['numbering']}`). "
             f"A sampler in L1 read the VM's debugfs `exit_stats` every "
             f"{run['interval_ms']:.0f} ms and when the guest announced a phase on its "
             f"serial console. Cycles are L1 TSC cycles ({run['tsc_khz']} kHz) KVM spent "
             "handling the exits (an emulated machine: compare them with each other, "
             "not with hardware).\n")
    r += answers(summaries)
    r += spread_section(s)
    if len(summaries) > 1:
        r += side_by_side(summaries, plots)
    r += detail_sections(s, plots)
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write("\n".join(r) + "\n")
