#!/bin/bash
# Download (never install) the Debian packages the lab and the module build
# need, for one matching 6.1 kernel version, into build/cache/, and unpack
# them under build/debs/. Prints the resolved ABI name (e.g. 6.1.0-56).
#
# The version is resolved at run time: the linux-source-6.1 candidate and
# the newest linux-image-6.1.0-NN-amd64 whose version equals it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/build/cache
debs=$top/build/debs
mkdir -p "$cache" "$debs"

# Callers may run concurrently; downloads and unpacking happen one at a time.
exec 8>"$top/build/.fetch-debian.lock"
flock 8

die() { echo "fetch-debian: $*" >&2; exit 1; }

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }

resolve_abi() {
	local src_ver pkg ver best=""
	src_ver=$(candidate linux-source-6.1)
	[ -n "$src_ver" ] && [ "$src_ver" != "(none)" ] ||
		die "linux-source-6.1 not in the package lists; run apt-get update"
	for pkg in $(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
		     awk '{ print $1 }' | sort -V); do
		ver=$(candidate "$pkg")
		[ "$ver" = "$src_ver" ] && best=${pkg#linux-image-}
	done
	[ -n "$best" ] || die "no linux-image-6.1.0-NN-amd64 at version $src_ver"
	echo "${best%-amd64}"
}

abi_file=$cache/abi
if [ -s "$abi_file" ] && [ "${REFRESH:-0}" != 1 ]; then
	abi=$(cat "$abi_file")
else
	abi=$(resolve_abi)
	echo "$abi" > "$abi_file"
fi

pkgs="linux-image-$abi-amd64 linux-headers-$abi-amd64 linux-headers-$abi-common
      linux-kbuild-6.1 linux-source-6.1 busybox-static"
cd "$cache"
for p in $pkgs; do
	ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download -q "$p" >&2 ||
		die "apt-get download $p failed"
done
for p in $pkgs; do
	deb=$(ls "${p}"_*.deb | sort -V | tail -1)
	stamp=$debs/.$(basename "$deb").unpacked
	[ -e "$stamp" ] && continue
	dpkg-deb -x "$deb" "$debs/root" && touch "$stamp"
done
echo "$abi"
