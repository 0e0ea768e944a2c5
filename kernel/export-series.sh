#!/bin/bash
# Developer tool: regenerate kernel/$KERNEL/patches/ (KERNEL=6.1|6.12,
# default kernel/default) from a git tree whose commits after the base commit
# are the series (see kernel/README.md).
#   KERNEL=6.12 kernel/export-series.sh <tree> <base-commit>
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:?usage: [KERNEL=...] export-series.sh <tree> <base-commit>}
base=${2:?usage: [KERNEL=...] export-series.sh <tree> <base-commit>}
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
mkdir -p "$patches_dir"
rm -f "$patches_dir"/*.patch
git -C "$tree" -c core.abbrev=12 format-patch -q --no-signature --zero-commit \
	-o "$patches_dir" "$base..HEAD"
(cd "$patches_dir" && ls -- *.patch) > "$patches_dir/series"
cat "$patches_dir/series"
