"""The report's plots (gnuplot), from summary.json alone (study/summary.py).

Each plot is a .dat file and a .gp script next to its .png, so a reader can
redraw it.  Times are seconds since the VM was created.
"""
import os
import subprocess

from summary import typical

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
# Phase numbers above the plot go to this many rows in turn, so that
# neighbouring short phases do not print over each other.
LABEL_ROWS = 3


def run_gnuplot(out_dir, name, lines):
    with open(os.path.join(out_dir, name + ".gp"), "w") as f:
        f.write("\n".join(lines) + "\n")
    r = subprocess.run(["gnuplot", name + ".gp"], cwd=out_dir, capture_output=True,
                       text=True)
    if r.returncode:
        raise SystemExit(f"study: gnuplot {name}.gp failed:\n{r.stderr}")


def head(name, title, size="1400,700", above_marks=False):
    # above_marks: the title goes above the staggered phase numbers
    # (phase_marks), in a top margin made for both.
    return [f'set terminal pngcairo size {size} font "sans,10"',
            f'set output "{name}.png"', "set termoption noenhanced",
            f'set title "{title}"' + (' offset 0,2.2' if above_marks else '')] + \
        (["set tmargin 7"] if above_marks else [])


def phase_marks(run):
    """Dashed lines at the phase starts, numbered as in the phase table,
    the numbers staggered over LABEL_ROWS rows above the plot area."""
    g = []
    for p in run["phases"]:
        i = p["index"]
        g.append(f"set arrow {i} from {p['start_s']:.3f}, graph 0 to {p['start_s']:.3f}, "
                 "graph 1 nohead dt 2 lc rgb '#444444'")
        row = (i - 1) % LABEL_ROWS
        g.append(f'set label {i} "{i}" at {p["start_s"]:.3f}, graph '
                 f'{1.015 + 0.03 * row:.3f} center font ",8"')
    return g


def gap_marks(run):
    """Grey rectangles over the sampling gaps."""
    return [f"set object {k + 1} rect from {iv['start_s']:.3f}, graph 0 to "
            f"{iv['end_s']:.3f}, graph 1 back fc rgb '#dddddd' fs solid 0.6 noborder"
            for k, iv in enumerate(x for x in run["intervals"]["list"] if x["gap"])]


def cumulative(s, out_dir):
    run = typical(s)
    curves = []
    for r in s["runs"]:
        name = f"cumulative_{r['index']}.dat"
        with open(os.path.join(out_dir, name), "w") as f:
            f.write("# seconds since VM created, exits so far (every sample)\n")
            for t, total, _ in r["series"]:
                if t >= 0:
                    f.write(f"{t:.4f} {total}\n")
        width = 2.5 if r is run else 1
        curves.append(f'"{name}" using 1:2 with lines lw {width} '
                      f'lc rgb "{COLORS[(r["index"] - 1) % len(COLORS)]}" '
                      f'title "run {r["index"]}"')
    g = head("cumulative_exits", f"Cumulative VM exits, {s['vendor']['name']}, "
             f"{s['profile']} profile ({s['n_runs']} run{'s' if s['n_runs'] > 1 else ''}; "
             "phases and gaps of run "
             f"{s['typical_run']})", above_marks=True)
    g += ['set xlabel "seconds since the VM was created"',
          'set ylabel "exits so far"', "set xrange [0:*]", "set yrange [0:*]",
          "set format y '%.0f'", "set grid", "set key top left opaque"]
    g += phase_marks(run) + gap_marks(run)
    g.append("plot " + ", ".join(curves))
    run_gnuplot(out_dir, "cumulative_exits", g)


def rates(s, out_dir, top_k=6):
    run = typical(s)
    shown = run["rank"]["by_count"][:top_k]
    cols = ["total"] + shown
    with open(os.path.join(out_dir, "rates_by_reason.dat"), "w") as f:
        f.write("# start and end of every interval, exits/s: " + " ".join(cols) + "\n")
        for iv in run["intervals"]["list"]:
            vals = [iv["rate"]] + [iv["by_reason"].get(n, 0.0) for n in shown]
            # Steps: the interval's rate over its whole real length; a zero
            # rate sits on the axis (the log scale's floor, 1/s).
            cells = " ".join(f"{max(v, 1.0):.3f}" for v in vals)
            f.write(f"{iv['start_s']:.4f} {cells}\n{iv['end_s']:.4f} {cells}\n")
    g = head("rates_by_reason", f"VM exits per second by reason, run {s['typical_run']} "
             f"({s['vendor']['name']}, {s['profile']}); lines, not stacked; log scale",
             above_marks=True)
    g += ['set xlabel "seconds since the VM was created"',
          'set ylabel "exits/s (zero drawn at 1)"', "set logscale y", "set yrange [1:*]",
          "set xrange [0:*]", "set grid", "set key outside right top"]
    g += phase_marks(run) + gap_marks(run)
    curves = [f'"rates_by_reason.dat" using 1:{i + 2} with lines '
              f'lw {2 if i == 0 else 1.2} lc rgb "{"#000000" if i == 0 else COLORS[i - 1]}" '
              f'title "{c}"' for i, c in enumerate(cols)]
    g.append("plot " + ", ".join(curves))
    run_gnuplot(out_dir, "rates_by_reason", g)


def burstiness(summaries, out_dir):
    curves = ['x with lines dt 2 lc rgb "#888888" title "steady rate"']
    for k, s in enumerate(summaries):
        for r in s["runs"]:
            name = f"burstiness_{k}_{r['index']}.dat"
            with open(os.path.join(out_dir, name), "w") as f:
                f.write("# share of the time (busiest first), share of the exits\n")
                for x, y in r["burstiness"]["curve"]:
                    f.write(f"{x:.5f} {y:.5f}\n")
            curves.append(f'"{name}" using 1:2 with lines lw 1.5 '
                          f'lc rgb "{COLORS[k % len(COLORS)]}" '
                          f'title "{s["vendor"]["name"]}, {s["profile"]}, run {r["index"]}"')
    busiest = summaries[0]["runs"][0]["burstiness"]["busiest_time_share"]
    g = head("burstiness", "Share of the exits in the busiest share of the time",
             "900,700")
    g += ['set xlabel "share of the time, busiest sampling intervals first"',
          'set ylabel "share of the exits"', "set xrange [0:1]", "set yrange [0:1]",
          "set grid", "set key bottom right",
          f"set arrow 1 from {busiest}, graph 0 to {busiest}, graph 1 nohead dt 3"]
    g.append("plot " + ", ".join(curves))
    run_gnuplot(out_dir, "burstiness", g)


def totals(s, out_dir):
    run = typical(s)
    with open(os.path.join(out_dir, "totals_by_reason.dat"), "w") as f:
        f.write("# reason, percent of exits, percent of cycles (by count)\n")
        for r in run["reasons"]:
            f.write(f'"{r["name"]}" {r["share"] * 100:.3f} {r["cycle_share"] * 100:.3f}\n')
    g = head("totals_by_reason", f"Share of exits and of handling cycles by reason, run "
             f"{s['typical_run']} ({s['vendor']['name']}, {s['profile']})", "1200,600")
    g += ["set style data histograms", "set style histogram clustered gap 1",
          "set style fill solid 0.85 noborder", "set grid ytics", "set key top right",
          "set xtics rotate by -45 font ',9'", 'set ylabel "percent"', "set yrange [0:*]",
          'plot "totals_by_reason.dat" using 2:xtic(1) lc rgb "#1f77b4" title '
          '"share of exits", "" using 3 lc rgb "#d62728" title "share of cycles"']
    run_gnuplot(out_dir, "totals_by_reason", g)


def side_by_side(summaries, out_dir):
    names = []
    for s in summaries:
        names += [n for n in s["spread"]["phases"] if n not in names]
    top = 1
    with open(os.path.join(out_dir, "phases_side_by_side.dat"), "w") as f:
        f.write("# phase, median exits of each column\n")
        for n in names:
            vals = []
            for s in summaries:
                st = (s["spread"]["phases"].get(n) or {}).get("exits")
                vals.append(max(st["median"], 0) if st else 0)
            top = max([top] + vals)
            f.write(f'"{n}" ' + " ".join(f"{v:.0f}" for v in vals) + "\n")
    g = head("phases_side_by_side", "VM exits per phase (median over runs; log scale)",
             "1200,600")
    g += ["set logscale y", f"set yrange [0.8:{top * 3}]", "set style data histograms",
          "set style histogram clustered gap 1", "set style fill solid 0.85 noborder",
          "set grid ytics", "set key top right", "set xtics rotate by -30 font ',9'",
          'set ylabel "exits"']
    g.append("plot " + ", ".join(
        f'"phases_side_by_side.dat" using {i + 2}:xtic(1) lc rgb "{COLORS[i]}" '
        f'title "{s["vendor"]["name"]}, {s["profile"]}"' for i, s in enumerate(summaries)))
    run_gnuplot(out_dir, "phases_side_by_side", g)


def plot_all(summaries, out_dir):
    s = summaries[0]
    cumulative(s, out_dir)
    rates(s, out_dir)
    burstiness(summaries, out_dir)
    totals(s, out_dir)
    if len(summaries) > 1:
        side_by_side(summaries, out_dir)
