#!/bin/bash
# Host side of `make e2e`: boots the lab's L1 (Debian's kernel of the kernel
# line $KERNEL, default kernel/default) once for MODE and runs the end-to-end
# binary there, writing build/e2e/KERNEL/MODE.log (result lines for
# tests/summarize.sh) and build/e2e/KERNEL/MODE.console (the lab's own
# messages).
#
#   tests/e2e/run-lab.sh ours        our modules, kvm.exit_stats=1 (default);
#                                    the static build, then the ASan/UBSan one
#   tests/e2e/run-lab.sh param-off   our modules loaded with exit_stats=0
#   tests/e2e/run-lab.sh stock       Debian's stock modules: must fail
#
# Extra arguments go to the test binary (e.g. --only t3 --seed 42).
# E2E_TIMEOUT (seconds, default 300) bounds each boot.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-}
[ $# -gt 0 ] && shift
case $mode in
ours) lab_args=(--modules ours); flags=(--with-san) ;;
param-off) lab_args=(--modules ours --kvm-args exit_stats=0); flags=(--expect-param-off) ;;
stock) lab_args=(--modules stock); flags=(--expect-stock) ;;
*) echo "usage: $0 ours|param-off|stock [test binary flags...]" >&2; exit 2 ;;
esac
kernel=${KERNEL:-$(cat "$top/kernel/default")}
bin=$top/build/e2e/exit_stats_e2e
[ -x "$bin" ] || { echo "run-lab: $bin missing; run 'make e2e-build'" >&2; exit 2; }
dir=$top/build/e2e/$kernel
out=$dir/run-$mode
rm -rf "$out"
mkdir -p "$out"
log=$dir/$mode.log console=$dir/$mode.console

# One TCG thread for L1's vCPUs: the suite creates and destroys hundreds of
# VMs, each flipping a static key in L1's kernel (lab/run-l1.sh).
KERNEL=$kernel "$top/lab/run-l1.sh" --tcg-thread single --timeout "${E2E_TIMEOUT:-300}" \
	--name "e2e-$kernel-$mode-$$" \
	--out "$out" "${lab_args[@]}" "$top/tests/e2e/l1-run.sh" "${flags[@]}" "$@" \
	> "$console" 2>&1
status=$?
"$top/tests/lib/lab-suite-log.sh" e2e "$mode" "e2e $kernel $mode" "$status" \
	"$out/e2e.out" "$console" "$log"
exit $status
