#!/bin/bash
# make shellcheck: every shell script of the repository through shellcheck
# at its default severity (style included).  Prints "ok FILE" or "not ok FILE
# - N findings" per script, the findings as "#" lines under it.
#
# The scripts: tracked files named *.sh, and tracked files whose first line
# starts a shell (#!/bin/bash, #!/bin/sh; #!/bin/busybox sh is checked as
# dash, the shell shellcheck knows closest to busybox's ash).  A finding
# that is intended is disabled in the script itself, next to the line, with
# its reason ("# shellcheck disable=SCnnnn  # why"); there is no list of
# exceptions elsewhere.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

command -v shellcheck >/dev/null ||
	{ echo "not ok shellcheck - not installed (make deps installs it)"; exit 1; }

scripts() {
	local f
	git ls-files | while read -r f; do
		[ -f "$f" ] || continue
		case $f in
		*.sh) echo "$f" ;;
		*) head -n 1 "$f" | grep -Eq '^#!.*/(env +)?(ba|da)?sh( |$)|^#!/bin/busybox sh' && echo "$f" ;;
		esac
	done
}

failed=0
for f in $(scripts); do
	opts=()
	head -n 1 "$f" | grep -q '^#!/bin/busybox sh' && opts+=(--shell=dash)
	findings=$(shellcheck "${opts[@]}" -f gcc "$f" 2>&1)
	if [ -z "$findings" ]; then
		echo "ok $f"
	else
		echo "not ok $f - $(wc -l <<<"$findings") findings"
		mapfile -t lines <<<"$findings"
		printf '# %s\n' "${lines[@]}"
		failed=1
	fi
done
exit $failed
