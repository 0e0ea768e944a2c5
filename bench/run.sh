#!/bin/bash
# `make bench` and `make bench-gate`: one boot of the lab's L1 under QEMU's
# deterministic instruction counting (-icount shift=0,sleep=off,align=off:
# L1's clock advances one nanosecond per executed instruction), in which
# bench/bench-l1.sh loads each KVM configuration in turn and runs exitbench.
# Then bench/analyze.py computes build/.../summary.json from the samples and
# bench/render.py draws bench.md from it.
#
# usage: bench/run.sh full|gate|intel   (make bench / make bench-gate build
#        first; make bench runs full and intel side by side)
#   full   every exit kind, 1/4/8 vCPUs, the query cost in VMs of 1/64/255
#          vCPUs, and the tracers; results in build/bench/<KERNEL>/
#   gate   CPUID and port I/O with 1 vCPU, stock and ours only; results in
#          build/bench-gate/<KERNEL>/, then bench/gate.py checks them against
#          bench/thresholds.json and writes build/bench-gate/<KERNEL>/gate.log
#   intel  the Intel L1 under Bochs (no QEMU -icount there: Bochs' clock
#          follows its own instruction count, calibrated in L1); every kind
#          with 1 vCPU and the queries, stock and ours; results in
#          build/bench-intel/<KERNEL>/
# Environment: BENCH_EXITS (20000 exits per repetition with 1 vCPU; Intel:
#   BENCH_INTEL_EXITS, 5000, BENCH_INTEL_EXITS_QUERY, 1000, and
#   BENCH_INTEL_REPS, 5),
#   BENCH_EXITS_SMP (5000 per vCPU with 4 and 8), BENCH_EXITS_QUERY (2000
#   per repetition of the query variants), BENCH_REPS (3 measured
#   repetitions after one warm-up).  Many exits per repetition make the
#   timer interrupts that land in one repetition and not in another a small
#   share of it.
#
# Exit status: full: 0 whatever the numbers say, 1 if something failed to
# run; gate: 1 also when a threshold is exceeded.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
plan=${1:-}
# Results per kernel line ($KERNEL, default kernel/default): the L1 kernel
# and its stock modules are that line's.
kernel=${KERNEL:-$(cat "$top/kernel/default")}
export KERNEL=$kernel
case $plan in
full) build=$top/build/bench/$kernel ;;
gate) build=$top/build/bench-gate/$kernel ;;
intel) build=$top/build/bench-intel/$kernel ;;
*) echo "usage: bench/run.sh full|gate|intel  (or: make bench, make bench-gate)" >&2; exit 2 ;;
esac
exits1=${BENCH_EXITS:-20000} exits_smp=${BENCH_EXITS_SMP:-5000}
exits_query=${BENCH_EXITS_QUERY:-2000} reps=${BENCH_REPS:-3}
# Bochs runs some 20 times slower than QEMU's TCG.
# Some of its figures also vary more between repetitions (CPUID by a few
# per cent): more of them, fewer exits each.
if [ "$plan" = intel ]; then
	exits1=${BENCH_INTEL_EXITS:-5000} exits_query=${BENCH_INTEL_EXITS_QUERY:-1000}
	reps=${BENCH_INTEL_REPS:-5}
fi
for v in exits1 exits_smp exits_query reps; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] ||
		{ echo "bench: $v must be a positive number (got '${!v}'); see bench/run.sh" >&2; exit 2; }
done

abi=$("$top/lab/fetch-debian.sh")
stock_dir=$("$top/lab/stock-modules.sh")
stock_dir=${stock_dir#"$top"/}
ours_dir=build/modules/$abi
[ -x "$top/build/bench/exitbench" ] || { echo "bench: no build/bench/exitbench; run 'make bench'" >&2; exit 1; }
[ "$plan" != full ] || [ -r "$top/build/bench/kvm_stat" ] ||
	{ echo "bench: no build/bench/kvm_stat; run 'make bench'" >&2; exit 1; }
[ -r "$top/$ours_dir/kvm.ko" ] || { echo "bench: no $ours_dir/kvm.ko; run 'make modules'" >&2; exit 1; }
[ -r "$top/$stock_dir/kvm.ko" ] || { echo "bench: no $stock_dir/kvm.ko; run lab/fetch-debian.sh" >&2; exit 1; }

out=$build/out
rm -rf "$out" "$build/summary.json" "$build/bench.md" "$build/gate.log"
mkdir -p "$out"
icount=shift=0,sleep=off,align=off
started=$(date +%s)
# make bench: the Intel half in the Bochs L1 beside the AMD one (each
# emulator takes one core); SKIP_INTEL=1 leaves it out.
intel_pid=""
if [ "$plan" = full ] && [ "${SKIP_INTEL:-0}" != 1 ]; then
	echo "bench: the Intel run goes on beside this one; its log: build/bench/$kernel/intel.log"
	"$0" intel > "$build/intel.log" 2>&1 &
	intel_pid=$!
fi
status=0
if [ "$plan" = intel ]; then
	# Bochs has no host share: the programs and the stock modules come in
	# the initramfs; ours are the ones /init loads from /modules.
	emulator=bochs cpu_model=corei7_skylake_x
	"$top/lab/bochs/run-bochs.sh" --modules ours --timeout 3000 --results "$out" \
		--include "$top/build/bench/exitbench" --include "$top/bench/run-variants.sh" \
		--include "$top/$stock_dir/kvm.ko:/lab/stock/kvm.ko" \
		--include "$top/$stock_dir/kvm-intel.ko:/lab/stock/kvm-intel.ko" \
		"$top/bench/bench-l1.sh" /lab/stock /modules intel "$exits1" "$exits_smp" "$exits_query" "$reps" ||
		status=$?
else
	emulator=qemu-icount cpu_model=EPYC,+svm
	# One vCPU in L1: every instruction L1 executes between two clock
	# reads is on the path being measured (or on a tracer's, which is the
	# point).
	"$top/lab/run-l1.sh" --modules stock --smp 1 --qemu-arg -icount --qemu-arg "$icount" \
		--name "bench-$plan-$(date +%Y%m%d-%H%M%S)-$$" --out "$out" --timeout 2400 \
		"$top/bench/bench-l1.sh" "$stock_dir" "$ours_dir" "$plan" "$exits1" "$exits_smp" "$exits_query" "$reps" ||
		status=$?
fi
intel_summary=() intel_status=0
if [ -n "$intel_pid" ]; then
	wait "$intel_pid" || intel_status=$?
	if [ $intel_status = 0 ]; then
		intel_summary=("$top/build/bench-intel/$kernel/summary.json")
	else
		echo "bench: the Intel run failed (status $intel_status); see build/bench/$kernel/intel.log" >&2
	fi
fi
if [ $status != 0 ]; then
	echo "bench: the run in L1 failed (status $status); no report" >&2
	exit 1
fi
elapsed=$(( $(date +%s) - started ))

cache=$(. "$top/kernel/kernel-env.sh" && echo "$cache_dir")
# The image package is linux-image-<abi>-amd64 or its -unsigned twin.
images=("$cache"/linux-image-"$abi"-amd64*_*.deb)
src_version=$(dpkg-deb -f "${images[0]}" Version)
cat > "$build/meta.json" <<EOF
{
  "plan": "$plan",
  "date": "$(date -u '+%Y-%m-%d %H:%M UTC')",
  "emulator": "$emulator",
  "qemu": "$("$(KERNEL=$kernel "$top/lab/l1-qemu.sh")" --version | head -1)",
  "bochs": "$(dpkg-query -W -f '${Version}' bochs 2>/dev/null)",
  "cpu_model": "$cpu_model",
  "icount": "$icount",
  "kernel": "Debian linux-image-$abi-amd64 $src_version",
  "host": "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end",
  "l1_wall_seconds": $elapsed,
  "exits_per_rep_1vcpu": $exits1,
  "exits_per_rep_per_vcpu_smp": $exits_smp,
  "exits_per_rep_query": $exits_query,
  "measured_reps": $reps
}
EOF
python3 "$top/bench/analyze.py" "$out" "$build/meta.json" "${intel_summary[@]}" > "$build/summary.json"
python3 "$top/bench/render.py" "$build/summary.json" > "$build/bench.md"
if [ "$plan" = gate ]; then
	# pipefail and -e: a failed gate fails this script.
	python3 "$top/bench/gate.py" "$build/summary.json" "$top/bench/thresholds.json" |
		tee "$build/gate.log"
	exit 0
fi
cat "$build/bench.md"
echo
echo "bench: report in ${build#"$top"/}/bench.md, data in ${build#"$top"/}/summary.json"
# A missing Intel half fails make bench, after the AMD report is written.
[ $intel_status = 0 ]
