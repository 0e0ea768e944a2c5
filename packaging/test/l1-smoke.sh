#!/bin/sh
# Runs inside the lab's L1 (busybox sh, root; lab/run-l1.sh --modules DIR
# with the modules dkms installed): which kvm.ko is loaded, then the
# end-to-end suite's t1 (exact port-I/O and CPUID counts, among others),
# check names prefixed "dkms-".  Output on the console and in $OUT/smoke.out.
#   usage (host): lab/run-l1.sh --modules DIR packaging/test/l1-smoke.sh
bin=$TOP/build/e2e/exit_stats_e2e
{
	echo "# L1 $(uname -r), modules $LAB_MODULES"
	echo "# loaded-kvm-sha256 $(sha256sum /modules/kvm.ko | cut -d' ' -f1)"
	echo "# kvm.exit_stats=$(cat /sys/module/kvm/parameters/exit_stats 2>/dev/null || echo none), version $(cat /sys/module/kvm/version 2>/dev/null || echo none)"
	if [ -x "$bin" ]; then
		"$bin" --only t1 --tag dkms-
		echo "# exit_stats_e2e exited $?"
	else
		echo "not ok dkms-e2e-binary - $bin missing (make e2e-build)"
	fi
} > "$OUT/smoke.out" 2>&1
cat "$OUT/smoke.out"
! grep -q '^not ok' "$OUT/smoke.out"
