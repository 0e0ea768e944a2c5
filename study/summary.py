"""Everything the report says, computed once from the raw runs: summary.json.

summarize(run_dirs, profile) reads one or several runs of the same profile
on the same vendor (RUNS=N) and returns a dict that study/render.py turns
into report.md and study/plots.py into the plots, and that
study/check_report.py checks against the raw samples.  Nothing here writes
Markdown.  Times are seconds since the VM was created (the sampler's
"VM created" sample), counts are exits, cycles are L1 TSC cycles.
"""
import json
import os
import re
import statistics

import rawrun
from rawrun import PHASE_MARK, EXITSTAT_MARK

SCHEMA = "kvm-exit-stats-study-summary/2"
KERNEL_START_LABELS = ("first console output", "Probing EDD",
                       "[    0.000000] Linux version")
# Phases that make up a boot (up to the first workload); after the guest's
# "reboot" marker every phase but shutdown is named reboot_<name>.  The quick profile has
# firmware, kernel, userspace; a distribution boot may announce more.
BOOT_PHASES = ("firmware", "loader", "kernel", "initrd", "userspace")
# A sampling interval this many times the nominal one is a gap: the
# sampler was late (an emulated L1 under load), and the interval's rate is
# an average over all of it.
GAP_FACTOR = 2.0
# The burstiness figure: the share of the exits that happen in the busiest
# BUSIEST share of the run's time (an even rate gives the same share).
BUSIEST = 0.10
PROFILES = {
    "quick": "Debian's kernel booted by QEMU -kernel with a busybox initramfs, "
             "every kernel message on the serial console",
    "distro": "a Debian 12 disk image: firmware, GRUB, the distribution's kernel and "
              "initrd, systemd, quiet console",
}
VENDOR = {
    "svm": {"name": "AMD SVM", "l1": "QEMU TCG, `-cpu EPYC,+svm`",
            "codes": "AMD SVM exit codes", "ref": "AMD APM Vol. 2 Appendix C"},
    "vmx": {"name": "Intel VMX", "l1": "Bochs 2.7, `corei7_skylake_x`, VMX with EPT",
            "codes": "Intel VMX basic exit reasons", "ref": "Intel SDM Appendix C"},
}
UNKNOWN_VENDOR = {"name": "unknown vendor", "l1": "unknown L1",
                  "codes": "exit reasons of an unknown numbering", "ref": "no table"}


def find_boundaries(run):
    """[(phase name, sample that opens it)] in order."""
    bounds, current, rebooted = [], None, False
    # A guest that announces its kernel itself (the distribution's GRUB
    # does) has console output before it (GRUB's) that is no kernel's.
    announced = any(s.label == PHASE_MARK + "kernel" for s in run.samples)
    for s in run.samples:
        if s.kind != "event":
            continue
        name = None
        if s.label.startswith("VM created"):
            name = "firmware"
        elif s.label.startswith(KERNEL_START_LABELS) and not announced:
            if current in ("firmware", "reboot_firmware", "loader", "reboot_loader"):
                name = "reboot_kernel" if rebooted else "kernel"
        elif s.label.startswith(PHASE_MARK):
            name = s.label[len(PHASE_MARK):].strip()
            if name == "reboot":
                rebooted, name = True, "firmware"
            # Every phase of the second boot but the final one gets its own
            # name: a guest may announce the same phase in both boots.
            if rebooted and name != "shutdown":
                name = "reboot_" + name
        if name and name != current:
            bounds.append((name, s))
            current = name
    return bounds


def share(part, whole):
    return part / whole if whole else 0.0


def reason_rows(counts, cycles, numbers, categories, tsc_khz):
    """Per reason: count, shares, cycles, mean cost; largest count first."""
    total, total_cycles = sum(counts.values()), sum(cycles.values())
    rows = []
    for name, c in counts.items():
        if not c:
            continue
        y = cycles.get(name, 0)
        rows.append({
            "name": name, "code": numbers.get(name, ""),
            "category": categories.get(name, "other"),
            "count": c, "share": share(c, total),
            "cycles": y, "cycle_share": share(y, total_cycles),
            "mean_cycles": y / c,
            "mean_us": y / c / tsc_khz * 1000.0 if tsc_khz else None})
    rows.sort(key=lambda r: (-r["count"], r["name"]))
    return rows


def rankings(rows):
    return {"by_count": [r["name"] for r in rows],
            "by_cycles": [r["name"] for r in sorted(rows, key=lambda r: (-r["cycles"],
                                                                         r["name"]))]}


def delta(a, b, attr):
    """Per-reason difference of two samples' counts or cycles."""
    da, db = getattr(a, attr), getattr(b, attr)
    return {n: db.get(n, 0) - da.get(n, 0) for n in set(da) | set(db)}


def summarize_phases(run, t0, categories, intervals):
    bounds = find_boundaries(run)
    end = run.final()
    phases = []
    for i, (name, start) in enumerate(bounds):
        stop = bounds[i + 1][1] if i + 1 < len(bounds) else end
        if stop is None:
            break
        rows = reason_rows(delta(start, stop, "counts"), delta(start, stop, "cycles"),
                           run.numbers, categories, run.tsc_khz)
        dur = stop.t - start.t
        exits = stop.total - start.total
        inside = [iv["rate"] for iv in intervals
                  if start.t - t0 <= iv["start_s"] and iv["end_s"] <= stop.t - t0]
        phases.append({
            "name": name, "index": i + 1,
            "start_seq": start.seq, "end_seq": stop.seq,
            "start_s": start.t - t0, "end_s": stop.t - t0, "duration_s": dur,
            "exits": exits, "cycles": stop.total_cycles - start.total_cycles,
            "rate": exits / dur if dur > 0 else 0.0,
            "interval_rates": ({"n": len(inside), "min": min(inside),
                                "median": statistics.median(inside),
                                "max": max(inside)} if inside else None),
            "console_bytes": sum(len(line.encode()) + 1 for t, line in run.console
                                 if start.t <= t < stop.t),
            "reasons": rows, "rank": rankings(rows)})
    return phases


def boots(phases):
    """First boot: the boot phases from VM creation up to the first
    workload; reboot: the reboot_ phases.  None when a part is missing."""
    out = {}
    for key, prefix in (("first", ""), ("reboot", "reboot_")):
        names = [prefix + n for n in BOOT_PHASES]
        ps = [p for p in phases if p["name"] in names]
        if not any(p["name"] == prefix + "firmware" for p in ps) or \
                not any(p["name"] == prefix + "userspace" for p in ps):
            out[key] = None
            continue
        out[key] = {"phases": [p["name"] for p in ps],
                    "exits": sum(p["exits"] for p in ps),
                    "cycles": sum(p["cycles"] for p in ps),
                    "seconds": sum(p["duration_s"] for p in ps)}
    return out


def summarize_intervals(run, t0):
    """Consecutive periodic (and the final) samples: each interval's real
    length, exits/s in total and by reason, and whether it is a gap."""
    nominal = int(run.meta.get("interval_ms", "100") or 100) / 1000.0
    pts = [s for s in run.samples if s.kind in ("periodic", "final")]
    out = []
    for a, b in zip(pts, pts[1:]):
        dt = b.t - a.t
        if dt <= 0:
            continue
        by = {n: d / dt for n, d in delta(a, b, "counts").items() if d}
        out.append({"start_s": a.t - t0, "end_s": b.t - t0, "exits": b.total - a.total,
                    "rate": (b.total - a.total) / dt, "by_reason": by,
                    "gap": dt > GAP_FACTOR * nominal})
    return nominal, out


def burstiness(intervals, busiest=BUSIEST):
    """Time-weighted: sort the intervals by rate, busiest first, and walk
    along the time axis; returns the share of exits in the busiest
    `busiest` share of the time and the curve (time share, exit share)."""
    total_t = sum(iv["end_s"] - iv["start_s"] for iv in intervals)
    total_e = sum(iv["exits"] for iv in intervals)
    if not total_t or not total_e:
        return {"busiest_time_share": busiest, "exit_share": None, "curve": []}
    curve, t, e, at = [(0.0, 0.0)], 0.0, 0.0, None
    for iv in sorted(intervals, key=lambda iv: -iv["rate"]):
        dt = iv["end_s"] - iv["start_s"]
        if at is None and t + dt >= busiest * total_t:
            # The interval that crosses the mark counts pro rata.
            at = (e + iv["rate"] * (busiest * total_t - t)) / total_e
        t, e = t + dt, e + iv["exits"]
        curve.append((t / total_t, e / total_e))
    return {"busiest_time_share": busiest, "exit_share": at, "curve": curve}


def exitstat_readings(run, phases):
    """The guest's own readings (exitstat --json, taken just before it
    announced phase PHASE, printed later as "@@STUDY exitstat-at PHASE
    {json}") against the host's samples: the count when the previous phase
    began <= the guest's <= the count when PHASE's marker arrived."""
    starts = {s.seq: s for s in run.samples}
    out = []
    for t, line in run.console:
        if not line.startswith(EXITSTAT_MARK):
            continue
        name, _, text = line[len(EXITSTAT_MARK):].partition(" ")
        index = None
        for i, p in enumerate(phases):
            s = starts[p["start_seq"]]
            if s.label == PHASE_MARK + name and s.t <= t:
                index = i
        guest = None
        try:
            total = json.loads(text).get("total")
            if isinstance(total, dict) and isinstance(total.get("count"), int):
                guest = total["count"]
        except (ValueError, AttributeError):
            pass
        if index is None or guest is None:
            out.append({"phase": name, "guest": guest, "low": None, "high": None,
                        "ok": False})
            continue
        low = starts[phases[index - 1]["start_seq"]].total if index > 0 else 0
        high = starts[phases[index]["start_seq"]].total
        out.append({"phase": name, "guest": guest, "low": low, "high": high,
                    "ok": low <= guest <= high})
    return out


def systemd_view(run):
    """systemd's own account of each boot, from the guest's "@@STUDY
    systemd-analyze Startup finished in 1.2s (firmware) + ... = 9.8s"
    lines: [{part: seconds}] in boot order (none on the busybox guest)."""
    units = {"min": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}
    out = []
    for _, line in run.console:
        if not line.startswith("@@STUDY systemd-analyze Startup finished in "):
            continue
        parts = {}
        for piece in re.split(r" \+ | = ", line.split(" finished in ", 1)[1]):
            m = re.fullmatch(r"((?:[\d.]+(?:min|ms|us|s) ?)+)(?: \((\w[\w ]*)\))?",
                             piece.strip())
            if not m:
                continue
            secs = sum(float(v) * units[u] for v, u in
                       re.findall(r"([\d.]+)(min|ms|us|s)", m.group(1)))
            parts[m.group(2) or "total"] = secs
        out.append(parts)
    return out


def kernel_version(run):
    """The guest kernel's release: from its banner, or, for a guest with a
    quiet console (the distribution), what l1-profile.sh booted."""
    for _, line in run.console:
        m = re.search(r"Linux version (\S+)", line)
        if m:
            return m.group(1)
    return run.meta.get("guest_kernel")


def summarize_run(run_dir, index=1):
    run = rawrun.load_run(run_dir)
    categories = rawrun.reason_categories(run.numbering)
    created = [s for s in run.samples if s.label.startswith("VM created")]
    t0 = created[0].t if created else run.samples[0].t
    fin, last = run.final(), run.last()
    nominal, intervals = summarize_intervals(run, t0)
    phases = summarize_phases(run, t0, categories, intervals)
    rows = reason_rows(last.counts, last.cycles, run.numbers, categories, run.tsc_khz)
    cats = {}
    for r in rows:
        c = cats.setdefault(r["category"], {"name": r["category"], "count": 0, "cycles": 0})
        c["count"] += r["count"]
        c["cycles"] += r["cycles"]
    for c in cats.values():
        c["share"] = share(c["count"], last.total)
        c["cycle_share"] = share(c["cycles"], last.total_cycles)
    readings = exitstat_readings(run, phases)
    bursts = [dict(b, ok=b.get("delta") == b.get("expected") and b.get("delta") != "unknown")
              for b in rawrun.exitburst_lines(run.console)]
    checks = []

    def check(name, ok, detail):
        checks.append({"name": name, "ok": bool(ok), "detail": detail})

    row_sum = sum(last.counts.values())
    check("sum of the reason rows equals TOTAL", row_sum == last.total,
          f"{row_sum} vs {last.total}")
    if fin:
        check("TOTAL equals KVM's `exits` statistic (final sample, VM frozen)",
              fin.total == fin.kvm_exits, f"{fin.total} vs {fin.kvm_exits}")
    else:
        check("a final sample was taken after QEMU exited", False,
              "no final sample (run cut short?)")
    if phases:
        psum = sum(p["exits"] for p in phases)
        check("phases add up to the run's total", psum == last.total,
              f"{psum} vs {last.total}")
    # Mid-run, KVM's counter is read just after ours: an exit counted by us
    # (when it begins) may not have reached KVM's yet, at most one per vCPU.
    vcpus = int(run.meta.get("vcpus", "1") or 1)
    gaps = [s.kvm_exits - s.total for s in run.samples]
    check(f"every sample: KVM's `exits` (read just after TOTAL) >= TOTAL - {vcpus} "
          "vCPU(s) in flight", min(gaps) >= -vcpus,
          f"KVM minus TOTAL from {min(gaps)} to {max(gaps)} over {len(gaps)} samples")
    for r in readings:
        check(f"guest's exitstat reading before phase {r['phase']} lies between the "
              "host's samples around it", r["ok"],
              f"{r['low']} <= {r['guest']} <= {r['high']}")
    for b in bursts:
        if b.get("delta", "unknown") != "unknown":
            check(f"exitburst {b['burst']}: {b.get('reason')} exits counted for "
                  f"{b.get('n')} instructions", b["ok"],
                  f"delta {b['delta']}, expected {b.get('expected')}")
    io_names = [n for n, c in categories.items() if c == "io"]
    return {
        "index": index, "dir": run_dir, "numbering": run.numbering,
        "tsc_khz": run.tsc_khz, "interval_ms": nominal * 1000, "meta": run.meta,
        "kernel": kernel_version(run), "vm_created_t_s": t0,
        "seconds": last.t - t0, "final": fin is not None,
        "total": {"count": last.total, "cycles": last.total_cycles,
                  "kvm_exits": fin.kvm_exits if fin else None},
        "reasons": rows, "rank": rankings(rows),
        "categories": sorted(cats.values(), key=lambda c: (-c["count"], c["name"])),
        "io_reason": io_names[0] if io_names else None,
        "console_bytes": sum(p["console_bytes"] for p in phases),
        "phases": phases, "boots": boots(phases),
        "intervals": {"nominal_s": nominal, "gap_factor": GAP_FACTOR,
                      "n": len(intervals), "gaps": sum(iv["gap"] for iv in intervals),
                      "longest_s": max((iv["end_s"] - iv["start_s"] for iv in intervals),
                                       default=None),
                      "list": intervals},
        "series": [[s.t - t0, s.total, s.kind] for s in run.samples],
        "burstiness": burstiness(intervals),
        "exitstat_readings": readings, "exitbursts": bursts,
        "systemd_analyze": systemd_view(run),
        "checks": checks, "checks_ok": all(c["ok"] for c in checks),
    }


def stat(values):
    """min / median / max over the runs that have the value."""
    vs = [v for v in values if v is not None]
    if not vs:
        return None
    return {"n": len(vs), "min": min(vs), "median": statistics.median(vs),
            "max": max(vs), "values": values}


def spread(runs):
    """The headline numbers over the runs."""
    phase_names = []
    for r in runs:
        phase_names += [p["name"] for p in r["phases"] if p["name"] not in phase_names]
    reason_names = []
    for r in runs:
        reason_names += [x["name"] for x in r["reasons"] if x["name"] not in reason_names]

    def phase_val(r, name, key):
        p = next((p for p in r["phases"] if p["name"] == name), None)
        return p[key] if p else None

    def reason_val(r, name, key):
        return next((x[key] for x in r["reasons"] if x["name"] == name), 0)
    return {
        "total": stat([r["total"]["count"] for r in runs]),
        "total_cycles": stat([r["total"]["cycles"] for r in runs]),
        "seconds": stat([r["seconds"] for r in runs]),
        "boots": {k: stat([(r["boots"][k] or {}).get("exits") for r in runs])
                  for k in ("first", "reboot")},
        "burst_share": stat([r["burstiness"]["exit_share"] for r in runs]),
        "phases": {n: {"exits": stat([phase_val(r, n, "exits") for r in runs]),
                       "rate": stat([phase_val(r, n, "rate") for r in runs])}
                   for n in phase_names},
        "reasons": {n: {"count": stat([reason_val(r, n, "count") for r in runs]),
                        "cycles": stat([reason_val(r, n, "cycles") for r in runs])}
                    for n in reason_names},
    }


def summarize(run_dirs, profile="quick", command=None, missing=()):
    """The summary of several runs of one profile on one vendor; `missing`
    are the numbers of runs that brought no samples back."""
    # A run keeps the number of its directory (runs/<i>/): a failed lab
    # run leaves a hole rather than renumbering the others.
    runs = [summarize_run(d, int(os.path.basename(d)) if os.path.basename(d).isdigit()
                          else i + 1) for i, d in enumerate(run_dirs)]
    if not runs:
        raise SystemExit("study: no runs to summarize")
    numbering = runs[0]["numbering"]
    # The run whose total is the median stands for the others in the
    # detailed tables and plots; every run's headline numbers are in spread.
    order = sorted(range(len(runs)), key=lambda i: runs[i]["total"]["count"])
    return {
        "schema": SCHEMA, "profile": profile,
        "guest": PROFILES.get(profile, profile),
        "command": command, "numbering": numbering,
        "vendor": VENDOR.get(numbering, UNKNOWN_VENDOR),
        "n_runs": len(runs), "missing_runs": list(missing),
        "typical_run": runs[order[(len(order) - 1) // 2]]["index"],
        "runs": runs, "spread": spread(runs),
        "checks_ok": all(r["checks_ok"] for r in runs),
    }


def typical(summary):
    """The run the detailed tables show."""
    return next(r for r in summary["runs"] if r["index"] == summary["typical_run"])
