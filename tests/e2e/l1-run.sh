#!/bin/sh
# Runs inside the lab's L1 (busybox sh, as root; see lab/run-l1.sh): the
# end-to-end test binary with the given flags, its output both on the
# console and in $OUT/e2e.out.  Exit status: the binary's.
#   usage (from the host): lab/run-l1.sh [...] tests/e2e/l1-run.sh [FLAGS...]
bin=$TOP/build/e2e/exit_stats_e2e
[ -x "$bin" ] || { echo "not ok e2e-binary - $bin missing: run 'make e2e-build' on the host"; exit 2; }
[ -n "$OUT" ] || { echo "not ok e2e-results-dir - no \$OUT (lab/run-l1.sh shares one)"; exit 2; }
echo "# L1: $(uname -r), KVM modules $LAB_MODULES, kvm args: $(cat /sys/module/kvm/parameters/exit_stats 2>/dev/null || echo 'no exit_stats param')"
"$bin" "$@" > "$OUT/e2e.out" 2>&1
status=$?
cat "$OUT/e2e.out"
echo "# exit_stats_e2e $* exited $status"
exit $status
