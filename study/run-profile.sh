#!/bin/bash
# Profile the VM exits of a full guest boot and workloads in the lab, then
# write the report (study/analyze.py).  `make demo` runs the full profile,
# `make study-test` the short one.
#
# usage: study/run-profile.sh full|short [REPORT_DIR]
#   full   boot, files/cpu/disk/CPUID+port-I/O workloads, reboot, poweroff;
#          report in build/report/ (default)
#   short  smaller workloads and no reboot (for the test); report in
#          build/study/report-short/ (default)
# The raw run (sampler output) lands in build/study/run-<profile>/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '/^# usage:/,/^# The raw/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
profile=$1
case $profile in
full)
	report=${2:-$top/build/report}
	guest="study.files=3000 study.cpu=300000 study.disk_mb=96 study.burst=20000 study.reboot=1"
	l2_timeout=900 l1_timeout=1080 ;;
short)
	report=${2:-$top/build/study/report-short}
	guest="study.files=100 study.cpu=5000 study.disk_mb=4 study.burst=2000 study.reboot=0"
	l2_timeout=420 l1_timeout=540 ;;
*) echo "run-profile: unknown profile '$profile' (full or short)" >&2; usage ;;
esac

abi=$("$top/lab/fetch-debian.sh")
for f in build/study/study-sampler build/study/guest.cpio.gz; do
	[ -e "$top/$f" ] || { echo "run-profile: $f missing; run 'make study-tools'" >&2; exit 2; }
done
run_dir=$top/build/study/run-$profile
rm -rf "$run_dir"
mkdir -p "$run_dir"

start=$(date +%s)
echo "study: $profile profile in the lab (L1: QEMU TCG; guest: QEMU -accel kvm on our KVM)"
set +e
"$top/lab/run-l1.sh" --name "study-$profile-$$" --modules ours --out "$run_dir" \
	--timeout "$l1_timeout" "$top/study/l1-profile.sh" \
	ABI="$abi" GUEST_APPEND="$guest" L2_MEM_MB=256 L2_TIMEOUT_S="$l2_timeout" \
	INTERVAL_MS=100 DISK_IMAGE_MB=128 INITRAMFS=build/study/guest.cpio.gz
rc=$?
set -e
echo "study: lab run finished with status $rc after $(($(date +%s) - start)) s"
[ -s "$run_dir/samples.csv" ] || { echo "study: no samples came back from L1" >&2; exit 1; }

command="make demo"
[ "$profile" = short ] && command="make study-test (study/run-profile.sh short)"
echo
python3 "$top/study/analyze.py" --command "$command" "$run_dir" "$report"
echo "study: total time $(($(date +%s) - start)) s"
exit $rc
