#!/bin/sh
# Runs inside the Intel L1 under Bochs (lab/bochs/run-bochs.sh; from the
# host: make e2e-intel).  One boot, three KVM configurations, because a boot
# costs minutes and a module reload seconds:
#   1. our modules as /init loaded them: /lab/vmx-exits (exact VMX counts,
#      fastpath and retpoline-shortcut reasons), then the portable suite
#      /lab/exit_stats_e2e if it was included;
#   2. our modules reloaded with kvm.exit_stats=0: exit_stats_e2e
#      --expect-param-off (result names prefixed "param-off:");
#   3. Debian's stock modules from /lab/stock/: exit_stats_e2e --expect-stock
#      ("stock:").  Reloading also runs our module's exit path under the
#      dmesg check.
# Exit status: non-zero if any phase failed.
echo "# L1: $(uname -r), KVM modules $LAB_MODULES, vendor $LAB_KVM_VENDOR"
echo "# L1 CPU flags: $(grep -o -w -E 'vmx|ept|vpid|flexpriority|x2apic|tsc_deadline_timer|ept_ad' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "# kvm_intel parameters: $(cd /sys/module/kvm_intel/parameters && for p in *; do printf '%s=%s ' "$p" "$(cat "$p")"; done)"
dmesg | grep -E 'tsc:|TSC_DEADLINE|kvm' | sed 's/^/# dmesg: /'
if [ "$LAB_KVM_VENDOR" != intel ]; then
	echo "not ok intel-l1-has-vmx - vendor '$LAB_KVM_VENDOR'"
	exit 1
fi
echo "ok intel-l1-has-vmx"

failed=0
e2e=/lab/exit_stats_e2e
elapsed() { cut -d' ' -f1 /proc/uptime; }

echo "# phase 1: our modules, exit_stats=1 (L1 uptime $(elapsed) s)"
/lab/vmx-exits || failed=1
if [ -x "$e2e" ]; then
	"$e2e" || failed=1
else
	echo "# $e2e not included: portable suite skipped"
fi

# rmmod/insmod with the given kvm.ko parameters; $1: directory of the
# modules, named kvm.ko and kvm_intel.ko or kvm-intel.ko.
reload() {
	dir=$1; shift
	rmmod kvm_intel && rmmod kvm || return 1
	intel=$dir/kvm_intel.ko
	[ -e "$intel" ] || intel=$dir/kvm-intel.ko
	insmod "$dir/kvm.ko" "$@" && insmod "$intel" || return 1
	[ -c /dev/kvm ]
}
# Result lines of a phase get the phase's name in front of the test name.
prefixed() { sed -e "s/^ok /ok $1:/" -e "s/^not ok /not ok $1:/"; }

if [ -x "$e2e" ]; then
	echo "# phase 2: our modules, exit_stats=0 (L1 uptime $(elapsed) s)"
	if reload /modules exit_stats=0; then
		echo "ok param-off:reload"
		{ "$e2e" --expect-param-off; echo "status $?" > /tmp/status; } | prefixed param-off
		[ "$(cat /tmp/status)" = "status 0" ] || failed=1
	else
		echo "not ok param-off:reload - could not reload our modules with exit_stats=0"
		failed=1
	fi
	if [ -e /lab/stock/kvm.ko ]; then
		echo "# phase 3: Debian's stock modules (L1 uptime $(elapsed) s)"
		if reload /lab/stock; then
			echo "ok stock:reload"
			{ "$e2e" --expect-stock; echo "status $?" > /tmp/status; } | prefixed stock
			[ "$(cat /tmp/status)" = "status 0" ] || failed=1
		else
			echo "not ok stock:reload - could not load the stock modules"
			failed=1
		fi
	fi
fi
echo "# intel suite done (L1 uptime $(elapsed) s)"
exit $failed
