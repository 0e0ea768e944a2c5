#!/bin/bash
# Write the files our patch series creates (exit_stats_abi.h, exit_stats.{c,h},
# exit_stats_reasons.c) into build/kvm-new/, without needing the kernel
# source: a patch that creates a file carries all of it.  User-space code
# (unit tests, exitstat, docs)
# compiles against these, so the series stays the one source of truth.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/build/kvm-new
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
newfiles=()
while read -r patch; do
	case "$patch" in ''|'#'*) continue ;; esac
	# Files this patch creates join the set; later patches may change them.
	for f in $(awk '/^diff --git/ { f = $4 } /^new file mode/ { sub("^b/", "", f); print f }' \
		   "$top/kernel/patches/$patch"); do
		newfiles+=("$f")
	done
	[ ${#newfiles[@]} -gt 0 ] || continue
	includes=()
	for f in "${newfiles[@]}"; do includes+=("--include=$f"); done
	# Hunks for existing kernel files are excluded: they are not here.
	GIT_CEILING_DIRECTORIES=$top/build git -C "$dest.tmp" apply "${includes[@]}" \
		"$top/kernel/patches/$patch"
done < "$top/kernel/patches/series"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$dest"
