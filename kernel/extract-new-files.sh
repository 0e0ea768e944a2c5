#!/bin/bash
# Write the files our patch series creates (exit_stats_abi.h, exit_stats.{c,h},
# exit_stats_reasons.c) into DEST (default build/kvm-new/), without needing
# the kernel source: a patch that creates a file carries all of it.  The
# series is kernel/$KERNEL/patches (default kernel/default).  User-space code
# (unit tests, exitstat, docs) compiles against build/kvm-new, so the series
# stays the one source of truth.
#   [KERNEL=6.12] kernel/extract-new-files.sh [DEST]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
dest=${1:-$top/build/kvm-new}
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
newfiles=()
while read -r patch; do
	case "$patch" in ''|'#'*) continue ;; esac
	# Files this patch creates join the set; later patches may change them.
	while read -r f; do
		newfiles+=("$f")
	done < <(awk '/^diff --git/ { f = $4 } /^new file mode/ { sub("^b/", "", f); print f }' \
		 "$patches_dir/$patch")
	[ ${#newfiles[@]} -gt 0 ] || continue
	includes=()
	for f in "${newfiles[@]}"; do includes+=("--include=$f"); done
	# Hunks for existing kernel files are excluded: they are not here.
	GIT_CEILING_DIRECTORIES=$top/build git -C "$dest.tmp" apply "${includes[@]}" \
		"$patches_dir/$patch"
done < "$patches_dir/series"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$dest"
