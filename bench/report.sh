#!/bin/bash
# Turns the samples of bench/bench-l1.sh into the Markdown report of
# `make bench` (printed on stdout).
# usage: bench/report.sh SAMPLES_FILE [CONTEXT_LINE...]
#   CONTEXT_LINEs are printed as a list under the title (how it was run).
# Exits 1 if the file lacks samples of any configuration or variant.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/report.sh SAMPLES_FILE [CONTEXT_LINE...]" >&2; exit 2; }
samples=$1
shift
[ -s "$samples" ] || { echo "report: no samples in '$samples'" >&2; exit 1; }

echo "# Exit overhead benchmark"
echo
for line in "$@"; do echo "- $line"; done
[ $# = 0 ] || echo

awk '
function field(name,    i, kv) {
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == name) return kv[2]
	}
	return ""
}
# Median of v[1..n] (sorts a copy).
function median(v, n,    s, i, j, t) {
	for (i = 1; i <= n; i++) s[i] = v[i]
	for (i = 2; i <= n; i++) {
		t = s[i]
		for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]
		s[j + 1] = t
	}
	if (n % 2) return s[(n + 1) / 2]
	return (s[n / 2] + s[n / 2 + 1]) / 2
}
function minmax(v, n,    i) {
	lo = hi = v[1]
	for (i = 2; i <= n; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
}
# Fills tmp[1..] with the samples of one (variant, config[, round]); returns n.
function collect(arr, count, key,    i) {
	for (i = 1; i <= count[key]; i++) tmp[i] = arr[key, i]
	return count[key]
}
$1 == "sample" {
	cfg = field("label")
	variant = field("mode") " " field("vcpus")
	r = field("round")
	if (!(variant in seen_variant)) { seen_variant[variant] = 1; variants[++nvariants] = variant; exits[variant] = field("exits") }
	if (r > rounds) rounds = r
	k = variant SUBSEP cfg
	wall[k, ++nwall[k]] = field("wall_ns_per_exit")
	cpu[k, ++ncpu[k]] = field("cpu_ns_per_exit")
	kexits[k, ++nkexits[k]] = field("kvm_exits")
	rk = k SUBSEP r
	rwall[rk, ++nrwall[rk]] = field("wall_ns_per_exit")
}
END {
	split("A B C", cfgs, " ")
	name["A"] = "A: stock"; name["B"] = "B: ours, exit_stats=0"; name["C"] = "C: ours, exit_stats=1"
	bad = 0
	for (i = 1; i <= nvariants; i++)
		for (c = 1; c <= 3; c++)
			if (!nwall[variants[i], cfgs[c]]) {
				printf "report: no samples for configuration %s, %s\n", cfgs[c], variants[i] > "/dev/stderr"
				bad = 1
			}
	if (bad || !nvariants) exit 1

	print "## Wall-clock ns per exit: median [min-max] over all repetitions"
	print ""
	print "CLOCK_MONOTONIC around KVM_RUN, divided by the exits the guest code takes, averaged over the vCPU threads.  Noise from the host (other processes taking the CPU from QEMU) only adds time, so the minima are the least disturbed samples."
	print ""
	print "| variant | " name["A"] " | " name["B"] " | " name["C"] " | B/A | C/A | C/B | B/A of minima | C/A of minima |"
	print "|---|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= nvariants; i++) {
		v = variants[i]
		split(v, mv, " ")
		row = sprintf("| %s, %s vCPU%s, %s exits/vCPU |", mv[1], mv[2], mv[2] == 1 ? "" : "s", exits[v])
		for (c = 1; c <= 3; c++) {
			n = collect(wall, nwall, v SUBSEP cfgs[c])
			med[cfgs[c]] = median(tmp, n)
			minmax(tmp, n)
			least[cfgs[c]] = lo
			row = row sprintf(" %.0f [%.0f-%.0f] n=%d |", med[cfgs[c]], lo, hi, n)
		}
		row = row sprintf(" %.3f | %.3f | %.3f | %.3f | %.3f |", med["B"] / med["A"], med["C"] / med["A"], med["C"] / med["B"], least["B"] / least["A"], least["C"] / least["A"])
		print row
		all_ca[v] = med["C"] / med["A"]
	}

	print ""
	print "## Ratios paired by round: median [min-max] over the " rounds " rounds"
	print ""
	print "Each round loads A, B and C one after the other, so a ratio of the same round compares measurements taken within seconds of each other."
	print ""
	print "| variant | B/A | C/A | C/B |"
	print "|---|---|---|---|"
	for (i = 1; i <= nvariants; i++) {
		v = variants[i]
		nr = 0
		for (r = 1; r <= rounds; r++) {
			ok = 1
			for (c = 1; c <= 3; c++) {
				n = collect(rwall, nrwall, v SUBSEP cfgs[c] SUBSEP r)
				if (!n) { ok = 0; break }
				rm[cfgs[c]] = median(tmp, n)
			}
			if (!ok) continue
			nr++
			ba[nr] = rm["B"] / rm["A"]; ca[nr] = rm["C"] / rm["A"]; cb[nr] = rm["C"] / rm["B"]
		}
		row = "| " v " |"
		minmax(ba, nr); row = row sprintf(" %.3f [%.3f-%.3f] |", median(ba, nr), lo, hi)
		minmax(ca, nr); row = row sprintf(" %.3f [%.3f-%.3f] |", median(ca, nr), lo, hi)
		minmax(cb, nr); row = row sprintf(" %.3f [%.3f-%.3f] |", median(cb, nr), lo, hi)
		print row
	}

	print ""
	print "## Growth with vCPUs: (C/A with 4 vCPUs) / (C/A with 1 vCPU)"
	print ""
	print "1.000 means the overhead of exit statistics does not change with the number of vCPUs."
	print ""
	for (i = 1; i <= nvariants; i++) {
		split(variants[i], mv, " ")
		one = mv[1] " 1"
		if (mv[2] == 1 || !(one in all_ca)) continue
		printf "- %s: %.3f (C/A %.3f with %s vCPUs, %.3f with 1)\n", mv[1], all_ca[variants[i]] / all_ca[one], all_ca[variants[i]], mv[2], all_ca[one]
	}

	print ""
	print "## For reference: thread CPU time per exit and KVM exits per repetition (medians)"
	print ""
	print "CPU time (CLOCK_THREAD_CPUTIME_ID) leaves out time a vCPU thread waited for a CPU; KVM exits is KVM'"'"'s own \"exits\" statistic summed over the vCPUs: the guest'"'"'s exits plus one HLT plus host interrupts."
	print ""
	print "| variant | CPU ns/exit A | B | C | C/A | KVM exits A | B | C |"
	print "|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= nvariants; i++) {
		v = variants[i]
		row = "| " v " |"
		for (c = 1; c <= 3; c++) { n = collect(cpu, ncpu, v SUBSEP cfgs[c]); cm[cfgs[c]] = median(tmp, n); row = row sprintf(" %.0f |", cm[cfgs[c]]) }
		row = row sprintf(" %.3f |", cm["C"] / cm["A"])
		for (c = 1; c <= 3; c++) { n = collect(kexits, nkexits, v SUBSEP cfgs[c]); row = row sprintf(" %.0f |", median(tmp, n)) }
		print row
	}
}
' "$samples"
