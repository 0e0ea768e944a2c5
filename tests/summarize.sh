#!/bin/bash
# Count TAP-style result lines ("ok NAME", "not ok NAME - why") in the given
# log files and print the closing line CI reads: "N passed, N failed".
# Exits non-zero if anything failed or nothing ran.
set -u
passed=0 failed=0
for log in "$@"; do
	[ -f "$log" ] || { echo "summarize: missing log $log (suite did not run)"; failed=$((failed + 1)); continue; }
	p=$(grep -Ec '^ok ' "$log")
	f=$(grep -Ec '^not ok ' "$log")
	passed=$((passed + p)); failed=$((failed + f))
	# The path below the current directory: two kernels' logs share names.
	grep -E '^not ok ' "$log" | sed "s|^|${log#"$PWD"/}: |"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
