#!/bin/bash
# Run the kernel's own checkpatch.pl --strict (from the same linux-source) on
# every patch of the series.  Prints one ok/not ok line per patch.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=$("$top/kernel/extract-source.sh")
status=0
while read -r patch; do
	case "$patch" in ''|'#'*) continue ;; esac
	if out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --showfile \
		 --ignore FILE_PATH_CHANGES "$top/kernel/patches/$patch" 2>&1); then
		echo "ok checkpatch $patch"
	else
		echo "not ok checkpatch $patch"
		echo "$out" | grep -E -A3 "^(ERROR|WARNING|CHECK)" | head -60 | sed "s/^/#   /"
		status=1
	fi
done < "$top/kernel/patches/series"
exit $status
