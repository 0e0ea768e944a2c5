#!/bin/bash
# make shellcheck: every shell script of the repository through shellcheck
# at its default severity (style included).  Prints "ok FILE" or "not ok FILE
# - N findings" per script, the findings as "#" lines under it.
#
# The scripts: tracked files named *.sh, and tracked files whose first line
# starts a shell (#!/bin/bash, #!/bin/sh; #!/bin/busybox sh is checked as
# dash, the shell shellcheck knows closest to busybox's ash).  A finding
# that is intended is disabled in the script itself with a reason
# ("# shellcheck disable=SCnnnn  # why"), or, for a script that cannot be
# edited at the moment (the lab's, while other work changes them), listed
# with its reason in tests/shellcheck-exceptions; an exception that no
# longer matches anything is reported so it can go.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
exceptions=tests/shellcheck-exceptions

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

# exception_of FILE: the codes listed for FILE ("SC1007,SC2086"), or nothing.
exception_of() {
	awk -F'|' -v f="$1" '!/^#/ && NF >= 3 { gsub(/ /, "", $1); gsub(/ /, "", $2); if ($1 == f) print $2 }' "$exceptions"
}

failed=0
for f in $(scripts); do
	opts=()
	head -n 1 "$f" | grep -q '^#!/bin/busybox sh' && opts+=(--shell=dash)
	codes=$(exception_of "$f")
	[ -n "$codes" ] && opts+=(--exclude="$codes")
	findings=$(shellcheck "${opts[@]}" -f gcc "$f" 2>&1)
	if [ -z "$findings" ]; then
		echo "ok $f${codes:+ (exceptions: $codes)}"
	else
		echo "not ok $f - $(wc -l <<<"$findings") findings"
		mapfile -t lines <<<"$findings"
		printf '# %s\n' "${lines[@]}"
		failed=1
	fi
	# Exceptions that nothing needs any more.
	if [ -n "$codes" ]; then
		unneeded=$(comm -23 <(tr ',' '\n' <<<"$codes" | sort -u) \
			<(shellcheck "${opts[@]:0:${#opts[@]}-1}" -f gcc "$f" 2>&1 |
			  grep -o 'SC[0-9]*' | sort -u) | tr '\n' ' ')
		[ -n "$unneeded" ] && echo "# $f: $exceptions lists $unneeded which no longer occur: remove them"
	fi
done
# Every file the exceptions name must still be a script here.
while IFS='|' read -r f _; do
	f=${f// /}
	case $f in '#'*|'') continue ;; esac
	if ! scripts | grep -qxF "$f"; then
		echo "not ok $exceptions - lists $f, which is not a shell script of the repository"
		failed=1
	fi
done <"$exceptions"
exit $failed
