#!/usr/bin/env python3
"""Turn profile runs (the sampler's files) into a report: summary.json,
report.md and plots.

usage: analyze.py [--profile NAME] [--command CMD] [--no-plots]
                  [--second-vendor RUN REPORT] [--compare SUMMARY_JSON]...
                  RUN REPORT

RUN is one run's directory (samples.csv, console.tsv, meta.txt, written by
study-sampler in L1) or a directory of runs 1/, 2/, ... (RUNS=N).  REPORT
gets summary.json (study/summary.py: every number, computed once),
report.md (study/render.py) and the plots (study/plots.py), both rendered
from the summary alone, and runs/<i>/ (copies of the raw files).
--second-vendor analyzes the other vendor's runs into their own report
first and adds them as a column; --compare adds the column of a summary
written earlier (e.g. another profile).  Prints the Answers section; exits
1 when a consistency check failed.
"""
import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plots  # noqa: E402
import rawrun  # noqa: E402
import render  # noqa: E402
import summary  # noqa: E402


def analyze(run_path, out_dir, profile="quick", command=None, with_plots=True,
            others=()):
    """Writes the report of the runs under run_path; `others` are summaries
    for the side-by-side columns.  Returns this report's summary."""
    dirs = rawrun.run_dirs(run_path)
    if not dirs:
        raise SystemExit(f"analyze: no run under {run_path} (want samples.csv "
                         "there or in numbered subdirectories)")
    os.makedirs(out_dir, exist_ok=True)
    s = summary.summarize(dirs, profile, command, rawrun.missing_runs(run_path))
    for r in s["runs"]:
        dest = os.path.join(out_dir, "runs", str(r["index"]))
        os.makedirs(dest, exist_ok=True)
        for name in ("samples.csv", "console.tsv", "meta.txt"):
            src = os.path.join(r["dir"], name)
            if os.path.exists(src) and os.path.abspath(src) != os.path.abspath(
                    os.path.join(dest, name)):
                shutil.copy(src, dest)
    with open(os.path.join(out_dir, "summary.json"), "w") as f:
        json.dump(s, f, indent=1)
        f.write("\n")
    every = [s] + list(others)
    if len(every) > 1:
        with open(os.path.join(out_dir, "side_by_side.json"), "w") as f:
            json.dump({"columns": [{"vendor": x["vendor"]["name"], "profile": x["profile"],
                                    "numbering": x["numbering"]} for x in every],
                       "rows": [{"key": k, "label": label, "values": v}
                                for k, label, v in render.side_by_side_rows(every)]},
                      f, indent=1)
            f.write("\n")
    if with_plots:
        plots.plot_all(every, out_dir)
    render.render(every, out_dir, with_plots)
    return s


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", help="a run's directory, or a directory of runs 1/, 2/, ...")
    ap.add_argument("report_dir", help="where summary.json, report.md and the plots go")
    ap.add_argument("--profile", default="quick",
                    help="what the guest booted: quick (busybox) or distro")
    ap.add_argument("--command", help="the command that produced the runs")
    ap.add_argument("--no-plots", action="store_true", help="skip gnuplot")
    ap.add_argument("--second-vendor", nargs=2, metavar=("RUN", "REPORT_DIR"),
                    help="the other vendor's runs: their own report goes to "
                    "REPORT_DIR, and this report gets a column for them")
    ap.add_argument("--compare", action="append", default=[], metavar="SUMMARY_JSON",
                    help="another report's summary.json, as one more column")
    a = ap.parse_args(argv)
    for path in [a.run] + ([a.second_vendor[0]] if a.second_vendor else []):
        if not rawrun.run_dirs(path):
            ap.error(f"{path} holds no run (samples.csv, or numbered run "
                     "directories): pass the directory a profile run wrote "
                     "(e.g. build/study/run-full)")
    others = []
    if a.second_vendor:
        others.append(analyze(a.second_vendor[0], a.second_vendor[1], a.profile,
                              a.command, not a.no_plots))
    for path in a.compare:
        with open(path) as f:
            others.append(json.load(f))
    s = analyze(a.run, a.report_dir, a.profile, a.command, not a.no_plots, others)
    print("\n".join(render.answers([s] + others)))
    for x in [s] + others[:1] if a.second_vendor else [s]:
        for r in x["runs"]:
            for c in r["checks"]:
                if not c["ok"]:
                    print(f"check FAILED ({x['vendor']['name']}, run {r['index']}): "
                          f"{c['name']} ({c['detail']})")
    print(f"Report: {os.path.join(a.report_dir, 'report.md')}")
    ok = s["checks_ok"] and all(x["checks_ok"] for x in others[:1 if a.second_vendor else 0])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
