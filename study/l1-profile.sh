#!/bin/sh
# Runs inside L1 as the lab's SCRIPT (busybox sh; see lab/run-l1.sh):
# boots the profiled guest (L2) with QEMU on our KVM, under study-sampler,
# and copies the sampler's files to $OUT.  study/run-profile.sh starts it.
#
# usage: l1-profile.sh KEY=VALUE...   with the keys
#   ABI            Debian kernel ABI (e.g. 6.1.0-56): the guest's kernel
#   DEBS           optional: where that kernel's packages are unpacked,
#                  relative to the repository (default build/debs/root)
#   GUEST_APPEND   guest command line additions (workload sizes, study.*=N)
#   L2_MEM_MB      guest memory
#   L2_TIMEOUT_S   the sampler stops QEMU after this many seconds
#   INTERVAL_MS    sampling interval
#   DISK_IMAGE_MB  size of the guest's virtio disk (a file in L1's RAM)
#   INITRAMFS      the guest's initramfs, relative to the repository
#   BUNDLE         optional: a directory in L1 holding everything (the
#                  Intel lab under Bochs has no host share): study-sampler,
#                  vmlinuz, the initramfs (INITRAMFS is then relative to
#                  BUNDLE) and qemu/ from lab/bochs/qemu-bundle.sh
# From the lab: OUT (results); without BUNDLE also TOP (the repository in L1,
# under /host), LAB_HOST_TOP, the host's root at /host with tmpfs /host/tmp.
set -u
fail() { echo "l1-profile: $*"; exit 1; }

for kv in "$@"; do
	case $kv in
	ABI=*|DEBS=*|GUEST_APPEND=*|L2_MEM_MB=*|L2_TIMEOUT_S=*|INTERVAL_MS=*|DISK_IMAGE_MB=*|INITRAMFS=*|BUNDLE=*)
		export "$kv" ;;
	*) fail "unknown argument '$kv' (want KEY=VALUE, see the header)" ;;
	esac
done
for key in ABI GUEST_APPEND L2_MEM_MB L2_TIMEOUT_S INTERVAL_MS DISK_IMAGE_MB INITRAMFS; do
	eval "[ -n \"\${$key:-}\" ]" || fail "$key=... missing"
done
[ -n "${OUT:-}" ] || fail "OUT must be set by the lab"
debugfs=/sys/kernel/debug
[ -d $debugfs/kvm ] || mount -t debugfs none $debugfs 2>/dev/null
[ -d $debugfs/kvm ] || fail "no $debugfs/kvm: is debugfs mounted and kvm loaded?"
[ -r /sys/module/kvm/parameters/exit_stats ] ||
	fail "the loaded kvm has no exit_stats parameter: run with our modules"
[ "$(cat /sys/module/kvm/parameters/exit_stats)" = Y ] ||
	fail "kvm.exit_stats is off: the VM would have no exit_stats file"

# Where QEMU runs and what it sees: QEMU's paths are $root-relative.
# A scratch dir both QEMU and the sampler see, in RAM: the console file is
# followed with inotify, which 9p lacks.
if [ -n "${BUNDLE:-}" ]; then
	root=
	qemu="$BUNDLE/qemu/qemu-system-x86_64"
	kernel=$BUNDLE/vmlinuz
	initramfs=$BUNDLE/$INITRAMFS
	sampler=$BUNDLE/study-sampler
	[ -x "$qemu" ] || fail "no $qemu (lab/bochs/qemu-bundle.sh)"
else
	# QEMU runs in the host's root (chroot /host), which sees host paths.
	[ -n "${TOP:-}" ] || fail "TOP must be set by the lab (or BUNDLE=...)"
	top_in_chroot=${LAB_HOST_TOP:-${TOP#/host}}
	[ -r "/host$top_in_chroot/study/l1-profile.sh" ] ||
		fail "cannot find the repository at /host$top_in_chroot"
	[ -c /host/dev/kvm ] || fail "no /dev/kvm inside /host"
	root=/host
	qemu="chroot /host /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin qemu-system-x86_64"
	kernel=$top_in_chroot/${DEBS:-build/debs/root}/boot/vmlinuz-$ABI-amd64
	initramfs=$top_in_chroot/$INITRAMFS
	sampler=/host$top_in_chroot/build/study/study-sampler
fi
work_in_root=/tmp/study-profile
work=$root$work_in_root
rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work (is $root/tmp a tmpfs?)"
dd if=/dev/zero of="$work/disk.raw" bs=1M count=0 seek="$DISK_IMAGE_MB" 2>/dev/null ||
	fail "cannot create $work/disk.raw"
[ -x "$sampler" ] || fail "no $sampler (make study-tools)"
[ -r "$root$kernel" ] || fail "no guest kernel $root$kernel"
[ -r "$root$initramfs" ] || fail "no guest initramfs $root$initramfs"

echo "l1-profile: guest: $GUEST_APPEND, $L2_MEM_MB MiB, 1 vCPU; sampling every $INTERVAL_MS ms"
# $qemu is a command with arguments: split on purpose.
# shellcheck disable=SC2086
"$sampler" --out "$work" --console "$work/console.log" \
	--interval-ms "$INTERVAL_MS" --timeout "$L2_TIMEOUT_S" \
	--event-prefix "@@STUDY " --event-prefix "Probing EDD" \
	--event-prefix "[    0.000000] Linux version" -- \
	$qemu -accel kvm -cpu host -smp 1 \
	-m "$L2_MEM_MB" -nodefaults -no-user-config -display none \
	-chardev "file,id=console,path=$work_in_root/console.log" \
	-serial chardev:console \
	-drive "file=$work_in_root/disk.raw,if=virtio,format=raw" \
	-kernel "$kernel" -initrd "$initramfs" \
	-append "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 $GUEST_APPEND"
rc=$?
echo "l1-profile: sampler exit status $rc"
cp "$work/samples.csv" "$work/console.tsv" "$work/meta.txt" \
	"$work/console.log" "$OUT/" || fail "cannot copy the results to $OUT"
echo "sampler_exit_status=$rc" >> "$OUT/meta.txt"
rm -rf "$work"
exit $rc
