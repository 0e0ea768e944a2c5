#!/bin/bash
# Run the kernel's own checkpatch.pl --strict (from the same linux-source) on
# every patch of the series of each kernel given (default: kernel/default),
#   kernel/checkpatch.sh [6.1 6.12 ...]
# Prints one ok/not ok line per patch, naming the kernel.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$(cat "$top/kernel/default")"
status=0
for kernel in "$@"; do
	if ! src=$(KERNEL=$kernel "$top/kernel/extract-source.sh"); then
		echo "not ok checkpatch $kernel - no checkpatch.pl (extract-source.sh failed)"
		status=1
		continue
	fi
	patches=$top/kernel/$kernel/patches
	while read -r patch; do
		case "$patch" in ''|'#'*) continue ;; esac
		if out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --showfile \
			 --ignore FILE_PATH_CHANGES "$patches/$patch" 2>&1); then
			echo "ok checkpatch $kernel $patch"
		else
			echo "not ok checkpatch $kernel $patch"
			echo "$out" | grep -E -A3 "^(ERROR|WARNING|CHECK)" | head -60 | sed "s/^/#   /"
			status=1
		fi
	done < "$patches/series"
done
exit $status
