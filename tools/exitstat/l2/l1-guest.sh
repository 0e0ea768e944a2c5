#!/bin/sh
# Runs inside L1 as the lab's SCRIPT (busybox sh; see lab/README.md):
# boots the L2 guest (Debian's kernel + our initramfs) with QEMU on our KVM,
# then unpacks the archive the guest wrote to its virtio disk into
# $OUT/results and copies the guest's console to $OUT/console.log.
# tools/exitstat/l2/run.sh starts it.
#
# usage: l1-guest.sh VMLINUZ=<path relative to the repository>
#                    INITRAMFS=<path relative to the repository>
#                    PORTS=<N> L2_TIMEOUT_S=<seconds>
#                    [L2_SMP=<vCPUs, default 1>] [L2_APPEND=<more kernel args>]
set -u
fail() { echo "l1-guest: $*"; exit 1; }

for kv in "$@"; do
	# shellcheck disable=SC2163  # exports the NAME=VALUE argument itself
	case $kv in
	VMLINUZ=*|INITRAMFS=*|PORTS=*|L2_TIMEOUT_S=*|L2_SMP=*|L2_APPEND=*) export "$kv" ;;
	*) fail "unknown argument '$kv' (want VMLINUZ=, INITRAMFS=, PORTS=, L2_TIMEOUT_S=, L2_SMP=, L2_APPEND=)" ;;
	esac
done
for key in VMLINUZ INITRAMFS PORTS L2_TIMEOUT_S; do
	eval "[ -n \"\${$key:-}\" ]" || fail "$key=... missing"
done
{ [ -n "${TOP:-}" ] && [ -n "${OUT:-}" ]; } || fail "TOP and OUT must be set by the lab"
[ -r /sys/module/kvm/parameters/exit_stats ] ||
	fail "the loaded kvm has no exit_stats parameter: run with our modules"
[ "$(cat /sys/module/kvm/parameters/exit_stats)" = Y ] ||
	fail "kvm.exit_stats is off: the guest would see no exit statistics"
[ -c /host/dev/kvm ] || fail "no /dev/kvm inside /host"

# QEMU runs in the host's root (chroot /host) and sees host paths.
top_in_chroot=${LAB_HOST_TOP:-${TOP#/host}}
kernel=$top_in_chroot/$VMLINUZ
# shellcheck disable=SC2153  # INITRAMFS is one of the exported arguments
initramfs=$top_in_chroot/$INITRAMFS
[ -r "/host$kernel" ] || fail "no guest kernel /host$kernel"
[ -r "/host$initramfs" ] || fail "no guest initramfs /host$initramfs"

# Scratch space in L1's RAM that QEMU (chroot) and this script both see.
work_in_chroot=/tmp/exitstat-l2
work=/host$work_in_chroot
rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
dd if=/dev/zero of="$work/disk.raw" bs=1M count=0 seek=16 2>/dev/null ||
	fail "cannot create $work/disk.raw"

L2_SMP=${L2_SMP:-1}
L2_APPEND=${L2_APPEND:-}
echo "l1-guest: booting L2 ($L2_SMP vCPU(s), 256 MiB, $PORTS port writes per run)"
start=$(date +%s)
chroot /host /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	timeout -s KILL "$L2_TIMEOUT_S" \
	qemu-system-x86_64 -accel kvm -cpu host -smp "$L2_SMP" -m 256 \
	-nodefaults -no-user-config -display none -no-reboot \
	-chardev "file,id=console,path=$work_in_chroot/console.log" \
	-serial chardev:console \
	-drive "file=$work_in_chroot/disk.raw,if=virtio,format=raw" \
	-kernel "$kernel" -initrd "$initramfs" \
	-append "console=ttyS0 panic=-1 quiet exitstat_l2.ports=$PORTS $L2_APPEND"
rc=$?
echo "l1-guest: QEMU exit status $rc after $(($(date +%s) - start)) s"
[ $rc = 137 ] && echo "l1-guest: L2 did not power off within $L2_TIMEOUT_S s"
grep '^@@L2' "$work/console.log"
cp "$work/console.log" "$OUT/console.log" || fail "cannot copy the console to $OUT"
mkdir -p "$OUT/results"
tar -xf "$work/disk.raw" -C "$OUT/results" ||
	{ echo "l1-guest: no archive on the guest's disk"; rc=1; }
rm -rf "$work"
exit $rc
