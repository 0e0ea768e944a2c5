#!/bin/bash
# Download (never install) the Debian packages the lab and the module build
# need, for one matching kernel version of the kernel line $KERNEL (6.1,
# 6.12; default kernel/default), into build/cache*/, and unpack them under
# build/debs*/root (see kernel/kernel-env.sh). Prints the resolved ABI name
# (e.g. 6.1.0-57, 6.12.118+deb12).
#
# The version is resolved at run time: the newest version of the source
# package (kernel/$KERNEL/kernel.conf) that a linux-headers-<abi>-amd64 and
# a linux-image-<abi>-amd64 (signed, else -unsigned) also have. The result
# is kept in build/cache*/resolved; REFRESH=1 resolves again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
cache=$cache_dir
mkdir -p "$cache" "$debs_root"

# Callers may run concurrently; downloads and unpacking happen one at a time.
exec 8>"$fetch_lock"
flock 8

die() { echo "fetch-debian: KERNEL=$KERNEL: $*" >&2; exit 1; }

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }

# The image package of ABI $1 at version $2: the signed one if it has that
# version, else the unsigned one.
image_at() {
	local p
	for p in "linux-image-$1-amd64" "linux-image-$1-amd64-unsigned"; do
		[ "$(candidate "$p")" = "$2" ] && { echo "$p"; return 0; }
	done
	return 1
}

# Prints "ABI VERSION IMAGE-PACKAGE".
resolve() {
	local src_vers pkg abi ver image best="" best_ver="" seen=""
	src_vers=$(apt-cache madison "$src_pkg" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
	[ -n "$src_vers" ] ||
		die "$src_pkg not in the package lists; run apt-get update"
	for pkg in $(apt-cache search --names-only "^linux-headers-${abi_re}-amd64\$" |
		     awk '{ print $1 }'); do
		abi=${pkg#linux-headers-}
		abi=${abi%-amd64}
		ver=$(candidate "$pkg")
		seen="$seen $abi=$ver"
		grep -qxF -- "$ver" <<<"$src_vers" || continue
		image=$(image_at "$abi" "$ver") || continue
		if [ -z "$best_ver" ] || dpkg --compare-versions "$ver" gt "$best_ver"; then
			best="$abi $ver $image"
			best_ver=$ver
		fi
	done
	[ -n "$best" ] ||
		die "no matching set in the archive: no linux-headers-<abi>-amd64 (found:${seen:- none})" \
		    "with a linux-image-<abi>-amd64[-unsigned] at a version of $src_pkg" \
		    "($(echo "$src_vers" | tr '\n' ' ' | sed 's/ $//'))"
	echo "$best"
}

resolved_file=$cache/resolved
if [ -s "$resolved_file" ] && [ "${REFRESH:-0}" != 1 ]; then
	read -r abi ver image < "$resolved_file"
else
	resolved=$(resolve) || exit 1
	read -r abi ver image <<<"$resolved"
	echo "$resolved" > "$resolved_file"
fi
[ -n "$image" ] || die "bad $resolved_file; run with REFRESH=1"

# Every kernel package at the resolved version, by file name.
pkgs=("$image=$ver" "linux-headers-$abi-amd64=$ver" "linux-headers-$abi-common=$ver"
      "${kbuild_pkg//ABI/$abi}=$ver" "$src_pkg=$ver" busybox-static)
cd "$cache"
debs=()
for p in "${pkgs[@]}"; do
	name=${p%%=*}
	vers='*'
	[ "$name" != "$p" ] && vers=${ver//:/%3a}
	# shellcheck disable=SC2206 # a glob, of file names without blanks
	found=(${name}_${vers}_*.deb)
	if [ ! -e "${found[0]}" ]; then
		apt-get download -q "$p" >&2 || die "apt-get download $p failed"
		# shellcheck disable=SC2206
		found=(${name}_${vers}_*.deb)
	fi
	debs+=("$(printf '%s\n' "${found[@]}" | sort -V | tail -1)")
done
for deb in "${debs[@]}"; do
	stamp=$debs_root/../.$deb.unpacked
	[ -e "$stamp" ] && continue
	dpkg-deb -x "$deb" "$debs_root" && touch "$stamp"
done
echo "$abi"
