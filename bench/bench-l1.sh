# shellcheck shell=sh
# Runs inside L1 (busybox sh): the AMD L1 of bench/run.sh through
# lab/run-l1.sh under QEMU -icount, where L1's clock counts executed
# instructions, or the Intel L1 under Bochs (lab/bochs/run-bochs.sh), whose
# clock follows Bochs' instruction count.
# usage: bench-l1.sh STOCK_DIR OURS_DIR PLAN EXITS_1VCPU EXITS_PER_VCPU_SMP EXITS_QUERY REPS
#   STOCK_DIR, OURS_DIR: module directories (absolute in L1, or relative to
#     $TOP), each holding kvm.ko and the vendor module
#   PLAN: full (make bench, AMD), gate (make bench-gate, AMD: CPUID and port
#     I/O, 1 vCPU, stock and ours only, and the total query in a 255-vCPU VM) or intel (make bench's Intel half:
#     every kind with 1 vCPU and the queries, stock and ours only: no host
#     share for the tracers under Bochs)
# Configurations, one after the other (the order does not matter: nothing
# drifts when the clock is an instruction count):
#   stock     Debian's stock kvm + kvm-amd/kvm-intel (the baseline)
#   ours-off  ours with kvm.exit_stats=0
#   ours-on   ours with kvm.exit_stats=1
#   perf-kvm-stat, bpftrace, kvm_stat   stock KVM watched by the tools a user
#     would pick instead of us (full plan only), run as the host's programs
#     through hostrun
# Samples go to $OUT/samples.txt, facts about L1 to $OUT/l1-facts.txt, each
# tracer's own output to $OUT/tracer-*.txt.  Exits non-zero as soon as
# anything fails, saying what.
set -u
[ $# = 7 ] || { echo "usage: bench-l1.sh STOCK_DIR OURS_DIR PLAN EXITS_1VCPU EXITS_PER_VCPU_SMP EXITS_QUERY REPS" >&2; exit 2; }
in_l1() { case $1 in /*) echo "$1" ;; *) echo "$TOP/$1" ;; esac; }
stock_dir=$(in_l1 "$1") ours_dir=$(in_l1 "$2") plan=$3 exits1=$4 exits_smp=$5 exits_query=$6 reps=$7
samples=$OUT/samples.txt
: > "$samples"

fail() { echo "bench-l1: $*" >&2; exit 1; }
case $plan in
intel) want=intel ;;
*) want=amd ;;
esac
[ "$LAB_KVM_VENDOR" = $want ] || fail "plan $plan needs an $want L1, got vendor '$LAB_KVM_VENDOR'"
vendor_module=kvm_$want
# The vendor module of a directory: kvm-amd.ko as Debian names it, or
# kvm_amd.ko as the lab's initramfs does.
vendor_ko() {
	for f in "$1/kvm-$want.ko" "$1/kvm_$want.ko"; do
		[ -r "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
for d in "$stock_dir" "$ours_dir"; do
	if [ ! -r "$d/kvm.ko" ] || ! vendor_ko "$d" > /dev/null; then
		fail "no kvm.ko and kvm-$want.ko in $d"
	fi
done

# Work directory on a tmpfs.  With the host share (AMD) it is /host/tmp, which
# host programs see as /tmp inside hostrun's chroot; under Bochs the
# programs come included in /lab.  A local copy means no 9p traffic while
# measuring.
if [ -d /host/tmp ]; then
	work=/host/tmp/bench host_work=/tmp/bench
	bin=$TOP/build/bench scripts=$TOP/bench
else
	work=/tmp/bench host_work=
	bin=/lab scripts=/lab
fi
mkdir -p $work
cp "$bin/exitbench" "$scripts/run-variants.sh" $work/ || fail "cannot copy exitbench"

{
	echo "l1_kernel=$(uname -r)"
	echo "l1_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "l1_cpus=$(grep -c ^processor /proc/cpuinfo)"
	echo "l1_clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	[ $want = amd ] && echo "kvm_amd_nrips=$(cat /sys/module/kvm_amd/parameters/nrips)"
	# 1.000 when L1's clock counts instructions as -icount shift=0 promises;
	# under Bochs the factor that turns L1 nanoseconds into instructions.
	$work/exitbench --calibrate | sed -n 's/^calibration //p'
} > "$OUT/l1-facts.txt"

# Replaces the loaded KVM with configuration $1 and checks that it took.
load_config() {
	case $1 in
	stock) dir=$stock_dir args= ;;
	ours-off) dir=$ours_dir args=exit_stats=0 ;;
	ours-on) dir=$ours_dir args=exit_stats=1 ;;
	esac
	for m in $vendor_module kvm; do
		[ -d "/sys/module/$m" ] || continue
		rmmod "$m" || fail "rmmod $m"
	done
	# shellcheck disable=SC2086 # empty args must vanish
	insmod "$dir/kvm.ko" $args || fail "insmod $dir/kvm.ko $args"
	insmod "$(vendor_ko "$dir")" || fail "insmod $(vendor_ko "$dir")"
	[ -c /dev/kvm ] || fail "no /dev/kvm with configuration $1"
	param=/sys/module/kvm/parameters/exit_stats
	case $1 in
	stock) [ ! -e $param ] || fail "configuration stock is not the stock kvm: it has $param" ;;
	ours-off) [ "$(cat $param 2>/dev/null)" = N ] || fail "configuration ours-off: $param is '$(cat $param 2>&1)', want N" ;;
	ours-on) [ "$(cat $param 2>/dev/null)" = Y ] || fail "configuration ours-on: $param is '$(cat $param 2>&1)', want Y" ;;
	esac
}

# The variants, one per line: mode vcpus idle_vcpus exits_per_vcpu.
kinds="cpuid pio pio-user rdmsr hlt x2apic-icr"
gate_variants="cpuid 1 0 $exits1
pio 1 0 $exits1"
kind_variants=$(for k in $kinds; do echo "$k 1 0 $exits1"; done)
smp_variants="cpuid 4 0 $exits_smp
cpuid 8 0 $exits_smp
pio 4 0 $exits_smp
pio 8 0 $exits_smp"
# A VM of 1, 64 and 255 vCPUs, one of them asking; plain CPUID in the same
# VM for comparison (with 1 vCPU it is already among the kinds).  Fewer
# exits: a query in a large VM costs a hundred times a plain exit.
query_variants=$(for idle in 0 63 254; do
	[ $idle = 0 ] || echo "cpuid 1 $idle $exits_query"
	echo "query-total 1 $idle $exits_query"
	echo "query-reason 1 $idle $exits_query"
done)

# run_set LABEL VARIANTS [WRAPPER...]: runs the variants under LABEL, inside
# WRAPPER when given (a tracer that runs a command and stops with it).
run_set() {
	label=$1 variants=$2
	shift 2
	echo "$variants" > $work/variants
	: > "$work/samples-$label.txt"
	echo "bench-l1: $label: $(echo "$variants" | wc -l) variants${1:+, under $*}"
	if [ $# = 0 ]; then
		sh $work/run-variants.sh $work "$label" "$reps" || fail "$label: a variant failed"
	else
		"$@" /bin/sh $host_work/run-variants.sh $host_work "$label" "$reps" ||
			fail "$label: the run under '$*' failed"
	fi
	cat "$work/samples-$label.txt" >> "$samples"
}

# Which path the x2apic-icr exits take: a kretprobe on
# handle_fastpath_set_msr_irqoff (x86.c) records what it returns for each
# exit (2 is EXIT_FASTPATH_EXIT_HANDLED: handle_exit is skipped), and a
# kprobe on kvm_emulate_wrmsr counts the writes that took the full path.
check_fastpath() {
	t=/sys/kernel/tracing
	# shellcheck disable=SC2016 # $retval is kprobe_events syntax
	{ echo 'r:bench_fastpath handle_fastpath_set_msr_irqoff ret=$retval:u32' &&
		echo 'p:bench_full_wrmsr kvm_emulate_wrmsr'; } >> $t/kprobe_events ||
		fail "cannot place the probes on handle_fastpath_set_msr_irqoff and kvm_emulate_wrmsr"
	echo > $t/trace
	for e in bench_fastpath bench_full_wrmsr; do echo 1 > $t/events/kprobes/$e/enable; done
	$work/exitbench --label fastpath-check --mode x2apic-icr --exits 500 --reps 1 > /dev/null ||
		fail "exitbench x2apic-icr failed under the probes"
	for e in bench_fastpath bench_full_wrmsr; do echo 0 > $t/events/kprobes/$e/enable; done
	{
		# Warm-up and one repetition, each with one more WRMSR that
		# switches the LAPIC to x2APIC mode.
		echo "guest_exits=1000"
		echo "calls=$(grep -c 'bench_fastpath:' $t/trace)"
		echo "exit_handled=$(grep -c 'bench_fastpath:.* ret=2$' $t/trace)"
		echo "full_path_wrmsr=$(grep -c 'bench_full_wrmsr:' $t/trace)"
	} > "$OUT/fastpath-check.txt"
	{ echo '-:bench_fastpath' && echo '-:bench_full_wrmsr'; } >> $t/kprobe_events
	echo "bench-l1: fastpath check: $(tr '\n' ' ' < "$OUT/fastpath-check.txt")"
}

case $plan in
intel)
	# Bochs runs some 20 times slower than QEMU's TCG: the queries only in
	# VMs of 1 and 64 vCPUs.
	for cfg in stock ours-off ours-on; do
		load_config $cfg
		run_set $cfg "$kind_variants
$(echo "$query_variants" | grep -v ' 254 ')"
	done
	check_fastpath
	;;
gate)
	# ours-on also answers a query of the totals in a VM of 255 vCPUs, the
	# most KVM allows: bench/thresholds.json bounds its cost.
	for cfg in stock ours-off ours-on; do
		load_config $cfg
		if [ $cfg = ours-on ]; then
			run_set $cfg "$gate_variants
query-total 1 254 $exits_query"
		else
			run_set $cfg "$gate_variants"
		fi
	done
	;;
full)
	for cfg in stock ours-off ours-on; do
		load_config $cfg
		run_set $cfg "$kind_variants
$smp_variants
$query_variants"
	done
	load_config stock
	check_fastpath
	# perf kvm stat record: system-wide, as the issue's try and most users.
	run_set perf-kvm-stat "$kind_variants" \
		hostrun perf kvm stat record -a -q -o $host_work/perf.data --
	# bpftrace the way bcc's kvmexit counts: a per-reason count on every
	# kvm:kvm_exit.  -c starts the command only once the probe is attached.
	run_set bpftrace "$kind_variants" \
		hostrun sh -c 'exec bpftrace -e "tracepoint:kvm:kvm_exit { @exits[args->exit_reason] = count(); }" -c "$*" > /tmp/bench/tracer-bpftrace.txt' bpftrace
	cp $work/tracer-bpftrace.txt "$OUT/" || fail "bpftrace left no output"
	# kvm_stat's tracepoint mode (-t) in log mode (-l): it opens one perf
	# counter per kvm tracepoint and per kvm_exit reason, then prints its
	# header; only then does the benchmark start.  It has no "run this
	# command" option, so it is stopped with SIGTERM afterwards.
	hostrun python3 "$TOP/build/bench/kvm_stat" -t -l -s 25 > $work/tracer-kvm_stat.txt 2>&1 &
	kvm_stat_pid=$!
	waited=0
	until [ -s $work/tracer-kvm_stat.txt ]; do
		kill -0 $kvm_stat_pid 2>/dev/null ||
			fail "kvm_stat exited before printing its header: $(cat $work/tracer-kvm_stat.txt)"
		[ $waited -lt 3000 ] || fail "kvm_stat printed no header in 3000 s of L1 time"
		sleep 1
		waited=$((waited + 1))
	done
	echo "bench-l1: kvm_stat ready: $(head -c 120 $work/tracer-kvm_stat.txt)..."
	run_set kvm_stat "$kind_variants"
	kill $kvm_stat_pid
	wait $kvm_stat_pid
	cp $work/tracer-kvm_stat.txt "$OUT/"
	;;
*) fail "unknown plan '$plan' (full or gate)" ;;
esac
# Leave the stock configuration loaded, as the lab found it.
load_config stock
echo "bench-l1: $(grep -c '^sample' "$samples") samples in $samples"
