#!/bin/bash
# Download (never install) a newer QEMU for the lab's L1 from Debian 12's
# backports (bookworm-backports, on the same archive as the rest), unpack it
# under build/qemu-backports/<version>/ and print the path of a
# qemu-system-x86_64 that runs it with its own firmware.  lab/run-l1.sh uses
# it for the kernel lines whose kernel.conf says lab_qemu=backports.
#
# Why: Debian 12's QEMU 7.2 emulates 6.12's L1 badly.  With a TCG thread
# per vCPU, L1 died of a stale int3 after KVM flipped a static key; with one
# thread for all vCPUs, L1's nested guests went astray now and then (a
# Linux L2 spun forever on its hrtimer lock with interrupts off, SeaBIOS
# jumped into its string table).  See kernel/port-6.12/NOTES.md.
#
# The system's apt configuration is not touched: a private sources list and
# package lists under build/ (apt still checks the archive's signatures with
# the system's keyring).  The resolved version is kept in build/; REFRESH=1
# resolves again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
suite=${LAB_QEMU_SUITE:-bookworm-backports}
base=$top/build/qemu-backports
apt_dir=$base/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$base/debs"

die() { echo "fetch-qemu: $*" >&2; exit 1; }

# Callers may run concurrently: one download and unpack at a time.
exec 8>"$base/.lock"
flock 8

# Every lab run asks: once unpacked, the answer needs no apt.
resolved=$base/resolved
wrapper_of() { echo "$base/${1//[:~+]/_}/qemu-system-x86_64"; }
if [ -s "$resolved" ] && [ "${REFRESH:-0}" != 1 ] && [ -x "$(wrapper_of "$(cat "$resolved")")" ]; then
	wrapper_of "$(cat "$resolved")"
	exit 0
fi

# The mirror the system's own sources use, so CI's archive access suffices.
mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
	/etc/apt/sources.list.d/ 2>/dev/null | head -1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
echo "deb $mirror $suite main" > "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=-"
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir"
	-o "Dir::State::status=/var/lib/dpkg/status" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)

if [ ! -s "$resolved" ] || [ "${REFRESH:-0}" = 1 ]; then
	apt-get "${apt_opts[@]}" -q update >&2 ||
		die "apt-get update of $suite ($mirror) failed"
	version=$(apt-cache "${apt_opts[@]}" madison qemu-system-x86 |
		awk -F'|' -v s="$suite" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }')
	[ -n "$version" ] || die "no qemu-system-x86 in $suite ($mirror)"
	echo "$version" > "$resolved"
fi
version=$(cat "$resolved")
wrapper=$(wrapper_of "$version")
dir=${wrapper%/*}
if [ ! -x "$wrapper" ]; then
	cd "$base/debs"
	# The emulator, its common parts and data at that version, and the
	# firmware it was built against (backports' SeaBIOS is newer too).
	for p in "qemu-system-x86=$version" "qemu-system-common=$version" \
		"qemu-system-data=$version" seabios/"$suite"; do
		apt-get "${apt_opts[@]}" -q download "$p" >&2 ||
			die "apt-get download $p from $suite failed"
	done
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp/root"
	v=${version//:/%3a}
	for deb in qemu-system-x86_"${v}"_*.deb qemu-system-common_"${v}"_*.deb \
		qemu-system-data_"${v}"_*.deb "$(printf '%s\n' seabios_*.deb | sort -V | tail -1)"; do
		dpkg-deb -x "$deb" "$dir.tmp/root"
	done
	missing=$(ldd "$dir.tmp/root/usr/bin/qemu-system-x86_64" | awk '/not found/ { print $1 }')
	[ -z "$missing" ] ||
		die "QEMU $version needs libraries this machine lacks: $missing" \
		    "(install Debian 12's qemu-system-x86, make deps, which pulls them in)"
	root=$dir/root
	cat > "$dir.tmp/qemu-system-x86_64" <<-EOF
	#!/bin/sh
	# QEMU $version from $suite, unpacked by lab/fetch-qemu.sh.
	exec "$root/usr/bin/qemu-system-x86_64" -L "$root/usr/share/qemu" \\
		-L "$root/usr/share/seabios" "\$@"
	EOF
	chmod 755 "$dir.tmp/qemu-system-x86_64"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
echo "$wrapper"
