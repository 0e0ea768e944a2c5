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
#   DISK_IMAGE     instead of the last two and -kernel: a bootable disk image
#                  (study/distro/build-image.sh), relative to the repository;
#                  the guest boots it through SeaBIOS and its own boot loader,
#                  writing to a qcow2 overlay in L1's RAM, with virtio-net on
#                  QEMU's user network, GUEST_APPEND in the fw_cfg file
#                  opt/study/params, and a TCP source at 10.0.2.100:5000
#                  sending study.net_kb KiB (from GUEST_APPEND) per connection
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
	ABI=*|DEBS=*|GUEST_APPEND=*|L2_MEM_MB=*|L2_TIMEOUT_S=*|INTERVAL_MS=*|DISK_IMAGE_MB=*|INITRAMFS=*|BUNDLE=*|DISK_IMAGE=*)
		# shellcheck disable=SC2163  # exports NAME=VALUE arguments on purpose
		export "$kv" ;;
	*) fail "unknown argument '$kv' (want KEY=VALUE, see the header)" ;;
	esac
done
keys="ABI GUEST_APPEND L2_MEM_MB L2_TIMEOUT_S INTERVAL_MS"
[ -n "${DISK_IMAGE:-}" ] || keys="$keys DISK_IMAGE_MB INITRAMFS"
for key in $keys; do
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
	[ -z "${DISK_IMAGE:-}" ] || fail "DISK_IMAGE is not supported with BUNDLE yet"
	root=
	qemu="$BUNDLE/qemu/qemu-system-x86_64"
	kernel=$BUNDLE/vmlinuz
	# shellcheck disable=SC2153  # INITRAMFS is one of the arguments
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
	initramfs=$top_in_chroot/${INITRAMFS:-}
	sampler=/host$top_in_chroot/build/study/study-sampler
fi
work_in_root=/tmp/study-profile
work=$root$work_in_root
rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work (is $root/tmp a tmpfs?)"
[ -x "$sampler" ] || fail "no $sampler (make study-tools)"
if [ -n "${DISK_IMAGE:-}" ]; then
	# The image stays on the host (read over 9p as the backing file);
	# what the guest writes stays in L1's RAM, and the image unchanged.
	image=$top_in_chroot/$DISK_IMAGE
	[ -r "/host$image" ] || fail "no guest disk image /host$image (make study-distro-image)"
	chroot /host qemu-img create -q -f qcow2 -F raw -b "$image" "$work_in_root/disk.qcow2" ||
		fail "cannot create the overlay $work/disk.qcow2"
	# QEMU's user network makes the guestfwd's connection to its command
	# over loopback, which L1 does not bring up by itself.
	ip link set lo up || fail "cannot bring up L1's loopback interface"
	net_kb=$(echo "$GUEST_APPEND" | tr ' ' '\n' | sed -n 's/^study\.net_kb=//p' | tail -1)
	set -- -drive "file=$work_in_root/disk.qcow2,if=virtio,format=qcow2" \
		-netdev "user,id=n0,guestfwd=tcp:10.0.2.100:5000-cmd:head -c $((${net_kb:-0} * 1024)) /dev/zero" \
		-device virtio-net-pci,netdev=n0 \
		-fw_cfg "name=opt/study/params,string=$GUEST_APPEND"
else
	dd if=/dev/zero of="$work/disk.raw" bs=1M count=0 seek="$DISK_IMAGE_MB" 2>/dev/null ||
		fail "cannot create $work/disk.raw"
	[ -r "$root$kernel" ] || fail "no guest kernel $root$kernel"
	[ -r "$root$initramfs" ] || fail "no guest initramfs $root$initramfs"
	set -- -drive "file=$work_in_root/disk.raw,if=virtio,format=raw" \
		-kernel "$kernel" -initrd "$initramfs" \
		-append "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 $GUEST_APPEND"
fi

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
	-serial chardev:console "$@"
rc=$?
echo "l1-profile: sampler exit status $rc"
cp "$work/samples.csv" "$work/console.tsv" "$work/meta.txt" \
	"$work/console.log" "$OUT/" || fail "cannot copy the results to $OUT"
echo "sampler_exit_status=$rc" >> "$OUT/meta.txt"
# The guest's kernel release, for a guest that does not print its banner.
echo "guest_kernel=$ABI-amd64" >> "$OUT/meta.txt"
rm -rf "$work"
exit $rc
