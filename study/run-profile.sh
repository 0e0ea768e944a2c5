#!/bin/bash
# Profile the VM exits of a full guest boot and workloads in the lab, then
# write the report (study/analyze.py).  `make demo` runs the full profile on
# both vendors, `make study-test` the short one.
#
# usage: study/run-profile.sh [--vendor amd|intel|both] PROFILE [REPORT_DIR]
#   full   boot, files/cpu/disk/CPUID+port-I/O workloads, reboot, poweroff;
#          report in build/report/ (default; Intel alone: build/report/intel/)
#   short  smaller workloads and no reboot (for the test); report in
#          build/study/report-short/ (default; Intel: .../report-short-intel/)
#   distro the real distribution (study/distro/: Debian 12 through SeaBIOS,
#          GRUB, initrd and systemd; make study-distro-image builds it):
#          boot, files/cpu/disk/packages/network/idle/CPUID+port-I/O
#          workloads, reboot, poweroff; report in build/study/report-distro/;
#          AMD only so far
#   distro-short  the same guest, one boot and one workload (the CPUID and
#          port-I/O burst), no reboot; build/study/report-distro-short/
#   demo   what make demo runs: distro on AMD beside full (the quick busybox
#          guest) on AMD and, with --vendor both, Intel (its lab on the other
#          core); the distro report in REPORT_DIR (default build/report/) with
#          a column for the quick guest, whose own report goes to
#          REPORT_DIR/quick/ (Intel's to REPORT_DIR/quick/intel/)
#   --vendor  amd (default): L1 is QEMU TCG with nested SVM (lab/run-l1.sh);
#          intel: L1 is Bochs with VMX (lab/bochs/run-bochs.sh, about 10
#          minutes for the full profile); both: the two side by side (one
#          core each), the AMD report in REPORT_DIR with a column per vendor,
#          the Intel one in REPORT_DIR/intel/
# RUNS=N (default 1) profiles N times in a row on AMD, INTEL_RUNS=N (default
# 1: about 10 minutes of a core each) on Intel; the report gives min /
# median / max over the runs.
# The raw runs (sampler output) land in build/study/run-<profile>[-intel]/<i>/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '/^# usage:/,/^# The raw/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
vendor=amd run_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--vendor) [ $# -ge 2 ] || usage; vendor=$2; shift 2 ;;
	--run-only) run_only=1; shift ;;  # internal: --vendor both analyzes
	-h|--help) usage ;;
	-*) echo "run-profile: unknown option '$1'" >&2; usage ;;
	*) break ;;
	esac
done
case $vendor in
amd|intel|both) ;;
*) echo "run-profile: unknown vendor '$vendor' (amd, intel or both)" >&2; usage ;;
esac
{ [ $# -ge 1 ] && [ $# -le 2 ]; } || usage
profile=$1
# A run counts when its sampler wrote samples: RUN_DIR/<i>/samples.csv.
has_samples() { compgen -G "$1/*/samples.csv" > /dev/null; }
# No file of an earlier report (or of an older analysis) may stand in for
# this one's; subdirectories (the Intel report in intel/) have their own turn.
clean_report() {
	[ -d "$1" ] || return 0
	find "$1" -maxdepth 1 -type f -delete
	rm -rf "$1/runs"
}
# lane VENDOR PROFILE STATUS_FILE: VENDOR's lab runs of PROFILE, each line
# of output tagged with the vendor (lanes run side by side), the exit
# status written to STATUS_FILE.
lane() {
	local tag
	tag=$(printf '%-8s' "[$1]")
	{ st=0; "$0" --vendor "$1" --run-only "$2" || st=$?; echo $st > "$3"; } 2>&1 |
		sed -u "s/^/$tag/"
}

if [ "$profile" = demo ]; then
	[ "$vendor" != intel ] || { echo "run-profile: demo needs AMD (--vendor amd or both)" >&2; exit 2; }
	report=${2:-$top/build/report}
	start=$(date +%s)
	clean_report "$report"
	rm -rf "$report/quick" "$report/intel"
	rc=0
	# One lab per core: with --vendor both the Intel lab runs the quick
	# guest beside the AMD lab, which runs the quick guest, then the
	# distribution.
	status_dir=$(mktemp -d)
	trap 'rm -rf "$status_dir"' EXIT
	if [ "$vendor" = both ]; then
		lane intel full "$status_dir/intel" &
	fi
	"$0" --vendor amd --run-only full || rc=1
	"$0" --vendor amd --run-only distro || rc=1
	wait
	quick_args=(--profile quick --command "make demo")
	if [ "$vendor" = both ]; then
		[ "$(cat "$status_dir/intel" 2>/dev/null)" = 0 ] || rc=1
		has_samples "$top/build/study/run-full-intel" &&
			quick_args+=(--second-vendor "$top/build/study/run-full-intel" "$report/quick/intel")
	fi
	echo
	echo "study: the quick guest's report"
	python3 "$top/study/analyze.py" "${quick_args[@]}" "$top/build/study/run-full" "$report/quick" || rc=1
	# The distribution's report gets a column for the quick guest on AMD and,
	# where it ran, on Intel: Bochs' lab has no host share for the disk image.
	compare=(--compare "$report/quick/summary.json")
	[ -s "$report/quick/intel/summary.json" ] && compare+=(--compare "$report/quick/intel/summary.json")
	echo
	echo "study: the distribution's report, with the quick guest's columns"
	python3 "$top/study/analyze.py" --profile distro --command "make demo" \
		"${compare[@]}" "$top/build/study/run-distro" "$report" || rc=1
	echo "study: total time $(($(date +%s) - start)) s"
	exit $rc
fi
# What the guest boots, for the report: quick (busybox initramfs) or distro.
guest_kind=quick
l2_mem=256 guest_settings=()
intel_only=
[ "$vendor" != intel ] || intel_only=1
case $profile in
full)
	report=${2:-$top/build/report${intel_only:+/intel}}
	guest="study.files=3000 study.cpu=300000 study.disk_mb=96 study.burst=20000 study.reboot=1"
	l2_timeout=900 l1_timeout=1080 disk_mb=128 ;;
short)
	report=${2:-$top/build/study/report-short${intel_only:+-intel}}
	guest="study.files=100 study.cpu=5000 study.disk_mb=4 study.burst=2000 study.reboot=0"
	l2_timeout=420 l1_timeout=540 disk_mb=16 ;;
distro|distro-short)
	# The Bochs lab's bundle has no disk image mode (yet).
	[ "$vendor" = amd ] || { echo "run-profile: the $profile profile runs on --vendor amd only" >&2; exit 2; }
	guest_kind=distro
	image=build/study/distro-$(. "$top/kernel/kernel-env.sh" && echo "$KERNEL").img
	[ -e "$top/$image" ] || { echo "run-profile: $image missing; run 'make study-distro-image'" >&2; exit 2; }
	l2_mem=512 guest_settings=(DISK_IMAGE="$image") disk_mb=0
	if [ "$profile" = distro ]; then
		report=${2:-$top/build/study/report-distro}
		guest="study.files=1000 study.cpu=300000 study.disk_mb=96 study.packages=1 study.net_kb=16384 study.idle_s=30 study.burst=20000 study.reboot=1"
		l2_timeout=900 l1_timeout=1080
	else
		report=${2:-$top/build/study/report-distro-short}
		guest="study.files=0 study.cpu=0 study.disk_mb=0 study.packages=0 study.net_kb=0 study.idle_s=0 study.burst=2000 study.reboot=0"
		l2_timeout=420 l1_timeout=540
	fi ;;
*) echo "run-profile: unknown profile '$profile' (full, short, distro, distro-short or demo)" >&2; usage ;;
esac
command="make demo"
case $profile in *short) command="make study-test (study/run-profile.sh $profile)" ;; esac
analyze=(--profile "$guest_kind" --command "$command")
start=$(date +%s)

if [ "$vendor" = both ]; then
	# Each vendor's L1 is one emulator thread (Bochs) or mostly one (TCG):
	# run them side by side, each line of output tagged with its vendor.
	amd_run=$top/build/study/run-$profile intel_run=$top/build/study/run-$profile-intel
	# No earlier run's samples may stand in for a run that fails early.
	rm -rf "$amd_run" "$intel_run"
	clean_report "$report"
	clean_report "$report/intel"
	mkdir -p "$report"
	status_dir=$(mktemp -d)
	trap 'rm -rf "$status_dir"' EXIT
	for v in amd intel; do
		lane "$v" "$profile" "$status_dir/$v" &
	done
	wait
	rc=0
	for v in amd intel; do
		[ "$(cat "$status_dir/$v" 2>/dev/null)" = 0 ] || rc=1
	done
	echo
	# A vendor whose lab run brought nothing back must not cost the other
	# vendor's report.
	if has_samples "$amd_run" && has_samples "$intel_run"; then
		echo "study: both vendors"
		python3 "$top/study/analyze.py" "${analyze[@]}" \
			--second-vendor "$intel_run" "$report/intel" "$amd_run" "$report" || rc=1
	elif has_samples "$amd_run"; then
		echo "study: the Intel run brought back no samples (its output is above, tagged [intel]); report without the Intel column"
		python3 "$top/study/analyze.py" "${analyze[@]}" "$amd_run" "$report" || true
		rc=1
	elif has_samples "$intel_run"; then
		echo "study: the AMD run brought back no samples (its output is above, tagged [amd]); only the Intel report"
		python3 "$top/study/analyze.py" "${analyze[@]}" "$intel_run" "$report/intel" || true
		rc=1
	else
		echo "study: neither vendor's run brought back samples" >&2
		rc=1
	fi
	echo "study: total time $(($(date +%s) - start)) s"
	exit $rc
fi

abi=$("$top/lab/fetch-debian.sh")
# L1 and the guest boot Debian's kernel of the kernel line $KERNEL.
debs=$(. "$top/kernel/kernel-env.sh" && echo "$debs_root")
for f in build/study/study-sampler build/study/guest.cpio.gz; do
	[ -e "$top/$f" ] || { echo "run-profile: $f missing; run 'make study-tools'" >&2; exit 2; }
done
run_dir=$top/build/study/run-$profile${intel_only:+-intel}
runs=${RUNS:-1}
[ "$vendor" = amd ] || runs=${INTEL_RUNS:-1}
case $runs in
''|*[!0-9]*|0) echo "run-profile: RUNS and INTEL_RUNS must be positive numbers" >&2; exit 2 ;;
esac
rm -rf "$run_dir"
[ "$run_only" = 1 ] || clean_report "$report"
mkdir -p "$run_dir"
settings=(ABI="$abi" DEBS="${debs#"$top"/}" GUEST_APPEND="$guest" L2_MEM_MB="$l2_mem" L2_TIMEOUT_S="$l2_timeout"
	INTERVAL_MS=100 DISK_IMAGE_MB="$disk_mb" "${guest_settings[@]}")

if [ "$vendor" != amd ]; then
	# No host share under Bochs: QEMU, the sampler and the guest go into
	# L1's initramfs as one directory.
	bundle=$top/build/study/intel-bundle
	rm -rf "$bundle"
	mkdir -p "$bundle"
	"$top/lab/bochs/qemu-bundle.sh" "$bundle/qemu" /lab/study/qemu
	cp "$top/build/study/study-sampler" "$top/build/study/guest.cpio.gz" "$bundle/"
	cp "$debs/boot/vmlinuz-$abi-amd64" "$bundle/vmlinuz"
fi
rc=0
for i in $(seq "$runs"); do
	out=$run_dir/$i
	mkdir -p "$out"
	set +e
	if [ "$vendor" = amd ]; then
		echo "study: $profile profile, run $i of $runs, in the lab (L1: QEMU TCG, nested SVM; guest: QEMU -accel kvm on our KVM)"
		"$top/lab/run-l1.sh" --name "study-$profile-$$-$i" --modules ours --out "$out" \
			--timeout "$l1_timeout" "$top/study/l1-profile.sh" \
			"${settings[@]}" INITRAMFS=build/study/guest.cpio.gz
		st=$?
	else
		echo "study: $profile profile, run $i of $runs, in the Intel lab (L1: Bochs, VMX; guest: QEMU -accel kvm on our KVM)"
		# L1 holds the initramfs, the guest's RAM and its disk image.
		"$top/lab/bochs/run-bochs.sh" --megs 1024 --timeout "$((l1_timeout + 300))" \
			--results "$out" --include "$bundle:/lab/study" \
			"$top/study/l1-profile.sh" "${settings[@]}" BUNDLE=/lab/study INITRAMFS=guest.cpio.gz
		st=$?
	fi
	set -e
	echo "study: lab run $i of $runs finished with status $st after $(($(date +%s) - start)) s"
	[ "$st" = 0 ] || rc=$st
	# A run without samples is left out of the report (and fails this script).
	[ -s "$out/samples.csv" ] || { echo "study: run $i: no samples came back from L1" >&2; rc=1; }
done
has_samples "$run_dir" || { echo "study: no samples came back from L1" >&2; exit 1; }

[ "$run_only" = 1 ] && exit $rc
echo
python3 "$top/study/analyze.py" "${analyze[@]}" "$run_dir" "$report" || rc=1
echo "study: total time $(($(date +%s) - start)) s"
exit $rc
