#!/bin/bash
# Unpack from Debian's linux-source tarball of the kernel line $KERNEL
# (default kernel/default) only what we need: KVM's sources, the headers our
# series patches, and checkpatch.  Prints the path.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
"$top/lab/fetch-debian.sh" >/dev/null
tarball=$debs_root/usr/src/$src_pkg.tar.xz
dest=$src_dir
# make checkpatch and make modules may run at once: one unpacks, the other waits.
exec 7>"$dest.lock"
flock 7
if [ ! -e "$dest/.done" ]; then
	rm -rf "$dest"
	mkdir -p "$dest"
	tar -xJf "$tarball" -C "$dest" --strip-components=1 \
		"$src_pkg/arch/x86/kvm" \
		"$src_pkg/virt/kvm" \
		"$src_pkg/arch/x86/include/asm/kvm_host.h" \
		"$src_pkg/arch/x86/include/asm/kvm-x86-ops.h" \
		"$src_pkg/include/linux/kvm_host.h" \
		"$src_pkg/scripts/checkpatch.pl" \
		"$src_pkg/scripts/spelling.txt" \
		"$src_pkg/scripts/const_structs.checkpatch"
	touch "$dest/.done"
fi
echo "$dest"
