#!/bin/bash
# Prints the qemu-system-x86_64 that emulates the lab's L1 for the kernel
# line $KERNEL: Debian 12's own, or, where kernel/$KERNEL/kernel.conf says
# lab_qemu=backports, the newer one of bookworm-backports (lab/fetch-qemu.sh
# downloads and unpacks it under build/).  LAB_QEMU=system|backports
# overrides the kernel line's choice.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
choice=${LAB_QEMU:-$(. "$top/kernel/kernel-env.sh" && echo "${lab_qemu:-system}")}
case $choice in
system)
	command -v qemu-system-x86_64 ||
		{ echo "l1-qemu: qemu-system-x86_64 missing; run 'make deps'" >&2; exit 1; } ;;
backports) "$top/lab/fetch-qemu.sh" ;;
*) echo "l1-qemu: lab_qemu/LAB_QEMU takes system or backports (got '$choice')" >&2; exit 2 ;;
esac
