#!/bin/bash
# `make bench`: one L1 boot in which bench/bench-l1.sh measures the cost of a
# VM exit under stock KVM (A), ours with kvm.exit_stats=0 (B) and ours with
# exit_stats=1 (C), in interleaved rounds; then bench/report.sh writes the
# table to build/bench/bench.md and this prints it.
#
# usage: bench/run.sh    (make bench builds what it needs first)
# Environment, for shorter or longer runs:
#   BENCH_ROUNDS (default 6)   rounds of A, B, C
#   BENCH_REPS (default 4)     measured repetitions per variant and load
#   BENCH_EXITS (default 2000) exits per repetition with 1 vCPU
#   BENCH_EXITS_4 (default 1000) exits per vCPU and repetition with 4 vCPUs
#
# Exit status 0 whatever the numbers say (a benchmark, not a test); non-zero
# if something failed to run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build/bench
rounds=${BENCH_ROUNDS:-6} reps=${BENCH_REPS:-4}
exits1=${BENCH_EXITS:-2000} exits4=${BENCH_EXITS_4:-1000}
for v in rounds reps exits1 exits4; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] ||
		{ echo "bench: $v must be a positive number (got '${!v}'); see bench/run.sh" >&2; exit 2; }
done

abi=$("$top/lab/fetch-debian.sh")
stock_dir=build/debs/root/lib/modules/$abi-amd64/kernel/arch/x86/kvm
ours_dir=build/modules/$abi
[ -x "$build/exitbench" ] || { echo "bench: no $build/exitbench; run 'make bench'" >&2; exit 1; }
[ -r "$top/$ours_dir/kvm.ko" ] || { echo "bench: no $ours_dir/kvm.ko; run 'make modules'" >&2; exit 1; }
[ -r "$top/$stock_dir/kvm.ko" ] || { echo "bench: no $stock_dir/kvm.ko; run lab/fetch-debian.sh" >&2; exit 1; }

out=$build/out
rm -rf "$out"
mkdir -p "$out"
started=$(date +%s)
# Boot with the stock set; bench-l1.sh swaps the modules itself.
status=0
"$top/lab/run-l1.sh" --modules stock --name "bench-$(date +%Y%m%d-%H%M%S)-$$" \
	--out "$out" --timeout 600 \
	"$top/bench/bench-l1.sh" "$stock_dir" "$ours_dir" "$rounds" "$reps" "$exits1" "$exits4" ||
	status=$?
if [ $status != 0 ]; then
	echo "bench: the run in L1 failed (status $status); no report" >&2
	exit 1
fi
elapsed=$(( $(date +%s) - started ))

"$top/bench/report.sh" "$out/samples.txt" \
	"$(date -u '+%Y-%m-%d %H:%M UTC'), kernel $abi-amd64 in L1 = QEMU TCG -cpu EPYC,+svm, 2 vCPUs; L1 run took ${elapsed} s" \
	"A = Debian's stock kvm + kvm-amd, B = ours with kvm.exit_stats=0, C = ours with kvm.exit_stats=1" \
	"$rounds rounds (orders ABC, BCA, CAB, ...), each load runs every variant with 1 warm-up + $reps measured repetitions" \
	"guest: real-mode loop of CPUID (EAX=0) or OUT to port 0x80 claimed by a KVM_IOEVENTFD, all handled in the kernel, then HLT" \
	"host load when done: $(cut -d' ' -f1-3 /proc/loadavg) (other QEMU processes on this $(nproc)-core machine add noise)" \
	> "$build/bench.md"
cat "$build/bench.md"
echo
echo "bench: report written to build/bench/bench.md"
