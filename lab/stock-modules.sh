#!/bin/bash
# Prints a directory that holds Debian's stock kvm.ko, kvm-amd.ko and
# kvm-intel.ko of the kernel line $KERNEL (default kernel/default) as plain
# .ko files, for the labs' busybox insmod, which cannot unpack the .ko.xz
# files Debian's 6.12 ships: the package tree's own directory when its
# modules are plain (6.1), else build/lab/stock-ko/<abi>/, unpacked there.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
abi=$("$top/lab/fetch-debian.sh")
debs=$(. "$top/kernel/kernel-env.sh" && echo "$debs_root")
src=$debs/lib/modules/$abi-amd64/kernel/arch/x86/kvm
if [ -e "$src/kvm.ko" ]; then
	echo "$src"
	exit 0
fi
dst=$top/build/lab/stock-ko/$abi
mkdir -p "$dst"
for m in kvm kvm-amd kvm-intel; do
	[ -e "$src/$m.ko.xz" ] ||
		{ echo "stock-modules: no $src/$m.ko or .ko.xz; run lab/fetch-debian.sh" >&2; exit 1; }
	[ "$dst/$m.ko" -nt "$src/$m.ko.xz" ] && continue
	# Concurrent callers each write their own file; the rename is atomic.
	xz -dc "$src/$m.ko.xz" > "$dst/$m.ko.$$"
	mv "$dst/$m.ko.$$" "$dst/$m.ko"
done
echo "$dst"
