#!/bin/bash
# Build the L2 guest's initramfs for `make exitstat-l2`: Debian's static
# busybox, tools/exitstat/l2/guest-init as /init, the static exitstat and
# portwrite, Debian's cpuid tool (dynamically linked: copied with the
# shared libraries ldd names, at the same paths) and the virtio block
# driver with its dependencies from Debian's modules of the guest kernel
# (the kernel line $KERNEL's, as L1's; those built into the kernel are left
# out, /lib/modules/order lists the others in load order).
#
# usage: build-initramfs.sh ABI EXITSTAT PORTWRITE OUTPUT.cpio.gz
# EXITSTAT is the binary or the exitstat .deb of make deb, which dpkg then
# installs into the image (/usr/bin/exitstat, /bin/exitstat links to it).
set -euo pipefail
if [ $# -ne 4 ]; then
	echo "usage: $0 ABI EXITSTAT PORTWRITE OUTPUT.cpio.gz" >&2
	echo "  ABI as printed by lab/fetch-debian.sh (e.g. 6.1.0-56)" >&2
	exit 64
fi
abi=$1 exitstat=$2 portwrite=$3 output=$4
top=$(cd "$(dirname "$0")/../../.." && pwd)
debs=$(. "$top/kernel/kernel-env.sh" && echo "$debs_root")
modules=$debs/lib/modules/$abi-amd64/kernel
cpuid_tool=/usr/bin/cpuid
stage=$(dirname "$output")/guest-root

fail() { echo "build-initramfs: $*" >&2; exit 1; }
is_static() { ! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'; }

[ -x "$debs/bin/busybox" ] || fail "no $debs/bin/busybox (run lab/fetch-debian.sh)"
is_deb=0
case $exitstat in *.deb) is_deb=1 ;; esac
for f in "$exitstat" "$portwrite"; do
	[ $is_deb = 1 ] && [ "$f" = "$exitstat" ] && { [ -f "$f" ] || fail "no $f (make deb builds it)"; continue; }
	[ -x "$f" ] || fail "no $f (make exitstat-l2 builds it)"
	is_static "$f" || fail "$f is not statically linked: the guest has no libc for it"
done
[ -x "$cpuid_tool" ] || fail "no $cpuid_tool: install Debian's package (apt-get install cpuid)"

rm -rf "$stage"
mkdir -p "$stage"/{bin,lib/modules,proc,sys,dev,tmp}
cp "$debs/bin/busybox" "$stage/bin/busybox"
install -m 755 "$top/tools/exitstat/l2/guest-init" "$stage/init"
if [ $is_deb = 1 ]; then
	# As on a Debian guest: dpkg, with its database in the image, so the
	# guest runs the packaged file (PATH is /bin: a link, as merged /usr).
	mkdir -p "$stage/var/lib/dpkg/info" "$stage/var/lib/dpkg/updates"
	: > "$stage/var/lib/dpkg/status"
	dpkg --root="$stage" --log=/dev/null --force-unsafe-io -i "$exitstat" >/dev/null ||
		fail "dpkg could not install $exitstat into the image"
	is_static "$stage/usr/bin/exitstat" || fail "$exitstat's exitstat is not statically linked"
	ln -s ../usr/bin/exitstat "$stage/bin/exitstat"
else
	cp "$exitstat" "$stage/bin/exitstat"
fi
cp "$portwrite" "$stage/bin/portwrite"

# cpuid and its libraries (libc, the loader) at the paths ldd prints, so
# the loader's default search path finds them without /etc/ld.so.cache.
cp "$cpuid_tool" "$stage/bin/cpuid"
libs=$(ldd "$cpuid_tool" | grep -o '/[^ ]*' | sort -u)
[ -n "$libs" ] || fail "ldd found no libraries for $cpuid_tool"
for lib in $libs; do
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done

"$top/lab/guest-virtio-modules.sh" "$modules" "$stage/lib/modules" ||
	fail "no virtio modules for the guest"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
	gzip -1 > "$output.tmp"
mv "$output.tmp" "$output"
