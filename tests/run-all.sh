#!/bin/bash
# `make test`: run every suite, keep going past failures so one red suite
# does not hide the others, then print the closing "N passed, N failed" line
# over all their logs.  A suite that produced no log counts as a failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
start=$(date +%s)
# A suite whose make fails is counted as a failure here even when its own
# logs hold only "ok" lines (it may have died before writing the rest).
runner_log=build/run-all.log
mkdir -p build
: > "$runner_log"
patterns=("$runner_log")
# run_suite TARGET 'LOG-GLOB' [VAR=VALUE...]: the glob is expanded after the
# suite ran; the variables go to make.
run_suite() {
	local target=$1 pattern=$2 status name
	shift 2
	name=$(echo "$target" "$@" | tr ' ' '-')
	echo "=== make $target${*:+ $*} ($(($(date +%s) - start)) s elapsed)"
	make --no-print-directory "$target" "$@"
	status=$?
	if [ $status != 0 ]; then
		echo "=== make $target${*:+ $*} exited with status $status"
		echo "not ok make-$name - exited with status $status" >> "$runner_log"
	fi
	patterns+=("$pattern")
}
run_suite checkpatch 'build/checkpatch/checkpatch.log'
run_suite kernel-shared-check 'build/kernel-shared/shared.log'
# Every kernel with a series (kernel/*/kernel.conf).
kernels=()
for conf in kernel/*/kernel.conf; do
	kernel=${conf#kernel/}
	kernels+=("${kernel%/kernel.conf}")
done
# Every kernel's modules build, with the stock vermagic and CRCs.
for kernel in "${kernels[@]}"; do
	run_suite modules-test "build/modules-test/$kernel.log" "KERNEL=$kernel"
done
run_suite shellcheck 'build/shellcheck/shellcheck.log'
run_suite docs-check 'build/unit-docs/docs.log'
run_suite unit 'build/unit/*.log'
run_suite exitstat-test 'build/exitstat/*.log'
run_suite lab-selftest 'build/lab/selftest.log'
# The lab suites on every kernel: each boots that kernel's Debian image in
# L1 (QEMU/SVM, Bochs/VMX) with that kernel's modules, logs per kernel.
for kernel in "${kernels[@]}"; do
	run_suite e2e "build/e2e/$kernel/*.log" "KERNEL=$kernel"
	run_suite hostview "build/hostview/$kernel/*.log" "KERNEL=$kernel"
	run_suite bench-gate "build/bench-gate/$kernel/*.log" "KERNEL=$kernel"
	run_suite exitstat-l2 "build/exitstat-l2/$kernel/*.log" "KERNEL=$kernel"
	[ -f lab/bochs/bochs.mk ] && [ "${SKIP_INTEL:-0}" != 1 ] &&
		run_suite e2e-intel "build/e2e-intel/$kernel/*.log" "KERNEL=$kernel"
done
# The study's profile on the default kernel, the one make demo profiles:
# what it checks of the kernel (the report against the raw counts) the
# suites above check on every kernel.
[ -f study/study.mk ] && run_suite study-test 'build/study/*.log'
# The real distribution's short profile: one boot and the CPUID/port burst.
[ -f study/study.mk ] && run_suite study-distro-test 'build/study/distro-test/*.log'
# The Debian packages installed, built by dkms and booted in L1, removed;
# the exitstat package in the L2 image: on the default kernel only, to keep
# make test's time (about 2 minutes a kernel; the packages are the same).
run_suite deb-test "build/deb-test/$(cat kernel/default)/deb-test.log"
echo "=== all suites done in $(($(date +%s) - start)) s"
logs=()
for pattern in "${patterns[@]}"; do
	mapfile -t matches < <(compgen -G "$pattern")
	# A suite that left no log is passed on as missing, counted as failed.
	[ ${#matches[@]} -gt 0 ] && logs+=("${matches[@]}") || logs+=("$pattern")
done
exec tests/summarize.sh "${logs[@]}"
