#!/bin/bash
# Unpack from Debian's linux-source-6.1 tarball only what we need: KVM's
# sources, the headers our series patches, and checkpatch.  Prints the path.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/lab/fetch-debian.sh" >/dev/null
tarball=$top/build/debs/root/usr/src/linux-source-6.1.tar.xz
dest=$top/build/linux-kvm-src
if [ ! -e "$dest/.done" ]; then
	rm -rf "$dest"
	mkdir -p "$dest"
	tar -xJf "$tarball" -C "$dest" --strip-components=1 \
		linux-source-6.1/arch/x86/kvm \
		linux-source-6.1/virt/kvm \
		linux-source-6.1/arch/x86/include/asm/kvm_host.h \
		linux-source-6.1/arch/x86/include/asm/kvm-x86-ops.h \
		linux-source-6.1/include/linux/kvm_host.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch "$dest/.done"
fi
echo "$dest"
