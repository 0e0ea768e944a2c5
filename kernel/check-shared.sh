#!/bin/bash
# The files the series create (exit_stats_abi.h, exit_stats_reasons.c,
# exit_stats.{c,h}) must be byte-identical in every kernel's series: extract
# them from each series and compare them with the first kernel's.
#   kernel/check-shared.sh 6.1 6.12 ...
# Prints one ok/not ok line per file and kernel.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: check-shared.sh KERNEL..." >&2; exit 2; }
work=$top/build/kernel-shared
status=0
for kernel in "$@"; do
	if ! KERNEL=$kernel "$top/kernel/extract-new-files.sh" "$work/$kernel" >/dev/null; then
		echo "not ok shared $kernel - extract-new-files.sh failed"
		exit 1
	fi
done
ref=$1
shift
[ $# -gt 0 ] || echo "ok shared $ref is the only series"
mapfile -t ref_files < <(cd "$work/$ref" && find . -type f | sed 's|^\./||' | sort)
[ ${#ref_files[@]} -gt 0 ] || { echo "not ok shared $ref - the series creates no file"; exit 1; }
for kernel in "$@"; do
	mapfile -t files < <(cd "$work/$kernel" && find . -type f | sed 's|^\./||' | sort)
	if [ "${files[*]}" = "${ref_files[*]}" ]; then
		echo "ok shared $kernel creates the same ${#files[@]} files as $ref"
	else
		echo "not ok shared $kernel creates ${files[*]}, $ref ${ref_files[*]}"
		status=1
	fi
	for f in "${ref_files[@]}"; do
		if cmp -s "$work/$ref/$f" "$work/$kernel/$f"; then
			echo "ok shared $kernel $f identical to $ref"
		else
			echo "not ok shared $kernel $f differs from $ref"
			diff -u "$work/$ref/$f" "$work/$kernel/$f" 2>&1 | head -40 | sed 's/^/#   /'
			status=1
		fi
	done
done
exit $status
