#!/bin/bash
# Host side of `make hostview`: boots the lab's L1 (kernel line $KERNEL,
# default kernel/default) once for MODE and runs the host-view suite there
# (l1-hostview.sh, hostview.py) with Debian's QEMU and the kernel's own
# kvm_stat, writing build/hostview/KERNEL/MODE.log (result lines for
# tests/summarize.sh) and MODE.console (the lab's messages).
#
#   tests/hostview/run-lab.sh ours    our modules (HOSTVIEW_MODULES=DIR: those
#                                     in DIR): every check passes
#   tests/hostview/run-lab.sh stock   Debian's stock modules: every stats
#                                     check must fail
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-}
case $mode in
ours) lab_args=(--modules "${HOSTVIEW_MODULES:-ours}"); flags=() ;;
stock) lab_args=(--modules stock); flags=(--expect-stock --tag hostview-stock-) ;;
*) echo "usage: $0 ours|stock" >&2; exit 2 ;;
esac
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
dir=$top/build/hostview/$KERNEL
guest=$top/build/hostview/guest.bin
[ -r "$guest" ] || { echo "run-lab: $guest missing; run 'make hostview-build'" >&2; exit 2; }

# kvm_stat as this kernel's linux-source ships it.
kvm_stat=$dir/kvm_stat
if [ ! -s "$kvm_stat" ]; then
	mkdir -p "$dir"
	"$top/lab/fetch-debian.sh" >/dev/null || exit 1
	if ! tar -xJOf "$debs_root/usr/src/$src_pkg.tar.xz" \
		"$src_pkg/tools/kvm/kvm_stat/kvm_stat" > "$kvm_stat.tmp"; then
		echo "run-lab: no tools/kvm/kvm_stat/kvm_stat in $src_pkg" >&2
		exit 1
	fi
	mv "$kvm_stat.tmp" "$kvm_stat"
fi

out=$dir/run-$mode
rm -rf "$out"
mkdir -p "$out"
log=$dir/$mode.log console=$dir/$mode.console
"$top/lab/run-l1.sh" --timeout "${HOSTVIEW_TIMEOUT:-300}" --name "hostview-$KERNEL-$mode-$$" \
	--out "$out" --host-root "${lab_args[@]}" "$top/tests/hostview/l1-hostview.sh" \
	--kvm-stat "$kvm_stat" --guest "$guest" "${flags[@]}" > "$console" 2>&1
status=$?
"$top/tests/lib/lab-suite-log.sh" hostview "$mode" "hostview $KERNEL $mode" "$status" \
	"$out/hostview.out" "$console" "$log"
exit $status
