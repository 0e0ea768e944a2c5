#!/bin/bash
# The host side's end of a lab suite run (tests/e2e/run-lab.sh,
# tests/hostview/run-lab.sh): writes LOG for tests/summarize.sh from the
# result lines the suite left in OUTPUT (a "not ok" when it left none) and
# one line for the lab run's STATUS, then prints a one-line count and the
# failures.
#   usage: tests/lib/lab-suite-log.sh SUITE MODE LABEL STATUS OUTPUT CONSOLE LOG
# e.g. e2e ours "e2e 6.1 ours" 0 build/e2e/6.1/run-ours/e2e.out ... ours.log
set -uo pipefail
[ $# = 7 ] || { echo "usage: $0 SUITE MODE LABEL STATUS OUTPUT CONSOLE LOG" >&2; exit 2; }
suite=$1 mode=$2 label=$3 status=$4 output=$5 console=$6 log=$7
{
	if [ -s "$output" ]; then
		cat "$output"
	else
		echo "not ok $suite-$mode-output - the suite wrote nothing (see $console)"
	fi
	if [ "$status" = 0 ]; then
		echo "ok $suite-$mode-lab-run # L1 script passed, L1 dmesg clean"
	else
		echo "not ok $suite-$mode-lab-run - lab/run-l1.sh exited $status (see $console)"
	fi
} > "$log"
echo "$label: $(grep -c '^ok ' "$log") passed"
grep -E '^not ok ' "$log" || true
