# Runs inside L1 (busybox sh), started by bench/run.sh through lab/run-l1.sh.
# usage: bench-l1.sh STOCK_DIR OURS_DIR ROUNDS REPS EXITS_1VCPU EXITS_4VCPU
#   STOCK_DIR, OURS_DIR: module directories relative to $TOP, each holding
#   kvm.ko and kvm-amd.ko.
# Loads the three configurations in turn, rotating their order every round
# (ABC, BCA, CAB, ...) so slow drift of the machine spreads over all three:
#   A = Debian's stock kvm + kvm-amd        (the baseline)
#   B = ours with kvm.exit_stats=0
#   C = ours with kvm.exit_stats=1
# and runs every exitbench variant under each.  Samples go to
# $OUT/samples.txt (one "sample ... round=R" line per repetition); the console
# gets one median line per variant.  Exits non-zero as soon as anything fails.
set -u
[ $# = 6 ] || { echo "usage: bench-l1.sh STOCK_DIR OURS_DIR ROUNDS REPS EXITS_1VCPU EXITS_4VCPU" >&2; exit 2; }
stock_dir=$TOP/$1 ours_dir=$TOP/$2 rounds=$3 reps=$4 exits1=$5 exits4=$6
samples=$OUT/samples.txt
: > "$samples"

fail() { echo "bench-l1: $*" >&2; exit 1; }
[ "$LAB_KVM_VENDOR" = amd ] || fail "needs an AMD (SVM) L1, got vendor '$LAB_KVM_VENDOR'"
for d in "$stock_dir" "$ours_dir"; do
	[ -r "$d/kvm.ko" ] && [ -r "$d/kvm-amd.ko" ] || fail "no kvm.ko/kvm-amd.ko in $d"
done
# A local copy: no 9p traffic while measuring.
cp "$TOP/build/bench/exitbench" /tmp/exitbench || fail "no $TOP/build/bench/exitbench"

# Replaces the loaded KVM with configuration $1 and checks that it took.
load_config() {
	case $1 in
	A) dir=$stock_dir args= ;;
	B) dir=$ours_dir args=exit_stats=0 ;;
	C) dir=$ours_dir args=exit_stats=1 ;;
	esac
	for m in kvm_amd kvm; do
		[ -d /sys/module/$m ] || continue
		rmmod $m || fail "rmmod $m"
	done
	# shellcheck disable=SC2086 # empty args must vanish
	insmod "$dir/kvm.ko" $args || fail "insmod $dir/kvm.ko $args"
	insmod "$dir/kvm-amd.ko" || fail "insmod $dir/kvm-amd.ko"
	[ -c /dev/kvm ] || fail "no /dev/kvm with configuration $1"
	param=/sys/module/kvm/parameters/exit_stats
	case $1 in
	A) [ ! -e $param ] || fail "configuration A is not the stock kvm: it has $param" ;;
	B) [ "$(cat $param 2>/dev/null)" = N ] || fail "configuration B: $param is '$(cat $param 2>&1)', want N" ;;
	C) [ "$(cat $param 2>/dev/null)" = Y ] || fail "configuration C: $param is '$(cat $param 2>&1)', want Y" ;;
	esac
}

# mode vcpus exits: the variants every configuration runs, in this order.
variants="cpuid 1 $exits1
pio 1 $exits1
cpuid 4 $exits4
pio 4 $exits4"

round=1
order=ABC
while [ $round -le "$rounds" ]; do
	echo "bench-l1: round $round/$rounds, order $order"
	for cfg in $(echo $order | sed 's/./& /g'); do
		# Said before loading, so that a hang shows where it happened.
		echo "bench-l1: configuration $cfg"
		load_config $cfg
		echo "$variants" | while read -r mode vcpus exits; do
			# A guest that never halts would otherwise hang the run
			# until the lab's timeout.
			timeout 120 /tmp/exitbench --label $cfg --mode $mode --vcpus $vcpus \
				--exits $exits --reps "$reps" > /tmp/result ||
				fail "exitbench failed: configuration $cfg, $mode, $vcpus vCPUs"
			sed -n "s/^sample .*/& round=$round/p" /tmp/result >> "$samples"
			grep '^median' /tmp/result
		done || exit 1
	done
	order=$(echo $order | sed 's/^\(.\)\(.*\)/\2\1/')
	round=$((round + 1))
done
# Leave the stock configuration loaded, as the lab found it.
load_config A
echo "bench-l1: $(grep -c '^sample' "$samples") samples in $samples"
