#!/bin/bash
# `make exitstat-l2`: one L1 boot (our modules) that boots a full L2 Linux
# guest running every exitstat mode and Debian's cpuid tool; the checks run
# here on the host afterwards.  Results in build/exitstat-l2/<KERNEL>/ (the
# kernel line L1 and L2 boot, $KERNEL, default kernel/default):
#   l2.log      ok / not ok lines (and "# ..." figures)
#   captured/   each mode's real output, one file per mode
#   run/        the raw run: guest results, L2 console, L1's run files
#
# usage: tools/exitstat/l2/run.sh [PORTS]   (writes to port 0x80 per run,
#                                           default 1000)
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
ports=${1:-1000}
case $ports in
''|*[!0-9]*) echo "usage: $0 [PORTS]  (PORTS: a positive number of port writes)" >&2; exit 64 ;;
esac
kernel=${KERNEL:-$(cat "$top/kernel/default")}
dir=$top/build/exitstat-l2/$kernel
initramfs=build/exitstat-l2/$kernel/guest.cpio.gz
[ -r "$top/$initramfs" ] ||
	{ echo "run: no $initramfs; run 'make exitstat-l2' (it builds it)" >&2; exit 2; }
abi=$("$top/lab/fetch-debian.sh") || exit 2
# L2 boots the same Debian kernel as L1 (the kernel line $KERNEL).
debs=$(. "$top/kernel/kernel-env.sh" && echo "$debs_root") || exit 2
vmlinuz=${debs#"$top"/}/boot/vmlinuz-$abi-amd64

rm -rf "$dir/run" "$dir/captured" "$dir"/*.log
mkdir -p "$dir/run"
log=$dir/l2.log
start=$(date +%s)
KERNEL=$kernel "$top/lab/run-l1.sh" --name "exitstat-l2-$kernel-$$" --modules ours --out "$dir/run" \
	--timeout 300 --log "$dir/run/l1-console.log" \
	"$top/tools/exitstat/l2/l1-guest.sh" \
	VMLINUZ="$vmlinuz" INITRAMFS="$initramfs" PORTS="$ports" L2_TIMEOUT_S=200 \
	L2_SMP="${EXITSTAT_L2_SMP:-1}" L2_APPEND="${EXITSTAT_L2_APPEND:-}"
rc=$?
elapsed=$(($(date +%s) - start))
{
	if [ $rc = 0 ]; then
		echo "ok l1-run-clean"
	else
		echo "not ok l1-run-clean - lab/run-l1.sh exit status $rc (see $dir/run/l1-console.log)"
	fi
	echo "# L1 run: $elapsed s, kernel $abi"
	python3 "$top/tools/exitstat/l2/check.py" "$dir/run/results" "$dir/captured"
} > "$log" 2>&1
cat "$log"
exit 0
