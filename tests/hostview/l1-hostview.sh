#!/bin/sh
# Runs inside the lab's L1 through hostrun (lab/run-l1.sh --host-root), so
# TOP and OUT are host paths and Debian's QEMU and python3 are at hand: the
# host-view suite (hostview.py), its result lines in $OUT/hostview.out and
# the tools' own output (for the README) beside it.
#   usage (from the host): tests/hostview/run-lab.sh ours|stock
if [ -z "$OUT" ] || [ -z "$TOP" ]; then
	echo "not ok hostview-lab - TOP and OUT must be set by hostrun"
	exit 2
fi
echo "# L1: $(uname -r), kvm.exit_stats=$(cat /sys/module/kvm/parameters/exit_stats 2>/dev/null || echo '(no such parameter)')" > "$OUT/hostview.out"
python3 "$TOP/tests/hostview/hostview.py" --save "$OUT" "$@" >> "$OUT/hostview.out" 2>&1
status=$?
cat "$OUT/hostview.out"
exit $status
