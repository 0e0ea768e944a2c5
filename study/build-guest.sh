#!/bin/bash
# Build the profiled guest's initramfs: busybox (Debian's busybox-static),
# the virtio block driver and its dependencies from Debian's modules of the
# same kernel (the kernel line $KERNEL's; those built into the kernel are
# left out, /lib/modules/order lists the others in load order), study/guest/init, exitburst, and exitstat when it has been
# built (build/exitstat/exitstat; the profile works without it).
# Usage: build-guest.sh ABI EXITBURST OUTPUT.cpio.gz
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 ABI EXITBURST OUTPUT.cpio.gz" >&2; exit 2; }
abi=$1 exitburst=$2 output=$3
top=$(cd "$(dirname "$0")/.." && pwd)
debs=$(. "$top/kernel/kernel-env.sh" && echo "$debs_root")
modules=$debs/lib/modules/$abi-amd64/kernel
stage=$top/build/study/guest-root

rm -rf "$stage"
mkdir -p "$stage"/{bin,lib/modules,proc,sys,dev,tmp}
cp "$debs/bin/busybox" "$stage/bin/busybox"
cp "$top/study/guest/init" "$stage/init"
chmod 755 "$stage/init"
cp "$exitburst" "$stage/bin/exitburst"
"$top/lab/guest-virtio-modules.sh" "$modules" "$stage/lib/modules"
exitstat=$top/build/exitstat/exitstat
if [ -x "$exitstat" ]; then
	if ! readelf -l "$exitstat" 2>/dev/null | grep -q 'program interpreter'; then
		cp "$exitstat" "$stage/bin/exitstat"
	else
		echo "build-guest: $exitstat is not static; leaving it out" >&2
	fi
else
	echo "build-guest: no $exitstat yet (make exitstat); profiling without it" >&2
fi
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
	gzip -1 > "$output.tmp"
mv "$output.tmp" "$output"
