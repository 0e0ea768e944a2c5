#!/bin/sh
# Runs inside the Intel L1 under Bochs (see lab/bochs/run-bochs.sh): notes
# what kvm-intel enabled on Bochs' VMX, then the exact-count VMX checks.
# Usage (from the host): make e2e-intel
echo "# L1: $(uname -r), KVM modules $LAB_MODULES, vendor $LAB_KVM_VENDOR"
echo "# L1 CPU flags: $(grep -o -w -E 'vmx|ept|vpid|flexpriority|x2apic|tsc_deadline_timer|ept_ad' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "# kvm_intel parameters: $(cd /sys/module/kvm_intel/parameters && for p in *; do printf '%s=%s ' "$p" "$(cat "$p")"; done)"
dmesg | grep -E 'tsc:|TSC_DEADLINE|kvm' | sed 's/^/# dmesg: /'
if [ "$LAB_KVM_VENDOR" = intel ]; then
	echo "ok intel-l1-has-vmx"
else
	echo "not ok intel-l1-has-vmx - vendor '$LAB_KVM_VENDOR'"
	exit 1
fi
/lab/vmx-exits "$@"
