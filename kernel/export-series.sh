#!/bin/bash
# Developer tool: regenerate kernel/patches/ from a git tree whose commits
# after the base commit are the series (see kernel/README.md).
#   kernel/export-series.sh <tree> <base-commit>
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:?usage: export-series.sh <tree> <base-commit>}
base=${2:?usage: export-series.sh <tree> <base-commit>}
rm -f "$top"/kernel/patches/*.patch
git -C "$tree" -c core.abbrev=12 format-patch -q --no-signature --zero-commit \
	-o "$top/kernel/patches" "$base..HEAD"
(cd "$top/kernel/patches" && ls -- *.patch) > "$top/kernel/patches/series"
cat "$top/kernel/patches/series"
