#!/usr/bin/env python3
"""Compare two benchmark summaries figure by figure: is the method as
repeatable as it claims?

usage: bench/compare.py SUMMARY_A SUMMARY_B [MAX_PCT]

For every result present in both (vendor, configuration, mode, vCPUs, idle
vCPUs) prints the two per-exit figures and their difference in per cent,
largest last, and exits 1 if any differs by more than MAX_PCT (default 0.5)
or if a result is in one summary only.
"""
import json
import sys


def figures(summary, vendor="amd"):
    out = {}
    for r in summary["results"]:
        out[(vendor, r["config"], r["mode"], r["vcpus"], r["idle_vcpus"])] = r["per_exit"]
    if summary.get("intel"):
        out.update(figures(summary["intel"], "intel"))
    return out


def main():
    if len(sys.argv) not in (3, 4):
        print("usage: bench/compare.py SUMMARY_A SUMMARY_B [MAX_PCT]", file=sys.stderr)
        sys.exit(2)
    loaded = []
    for path in sys.argv[1:3]:
        with open(path, encoding="utf-8") as f:
            loaded.append(figures(json.load(f)))
    limit = float(sys.argv[3]) if len(sys.argv) == 4 else 0.5
    a, b = loaded
    bad = 0
    rows = []
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            print(f"only in {'B' if key in b else 'A'}: {' '.join(map(str, key))}")
            bad += 1
            continue
        diff = 100 * abs(a[key] - b[key]) / min(a[key], b[key])
        rows.append((diff, key))
    rows.sort()
    for diff, key in rows:
        print(f"{diff:7.3f}%  {a[key]:10.1f} {b[key]:10.1f}  {' '.join(map(str, key))}")
        bad += diff > limit
    print(f"{len(rows)} figures compared, largest difference "
          f"{rows[-1][0] if rows else 0:.3f}%, {bad} over {limit}% or unmatched")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
