#!/bin/sh
# Runs inside the lab's L1 (busybox sh, as root; see lab/run-l1.sh): the
# end-to-end test binary with the given flags, its output both on the
# console and in $OUT/e2e.out.  With --with-san first, the ASan/UBSan build
# then runs too (check names prefixed "san-").  Exit status: non-zero if
# any run failed.
#   usage (from the host): lab/run-l1.sh [...] tests/e2e/l1-run.sh [--with-san] [FLAGS...]
with_san=0
[ "$1" = --with-san ] && { with_san=1; shift; }
bin=$TOP/build/e2e/exit_stats_e2e
[ -n "$OUT" ] || { echo "not ok e2e-results-dir - no \$OUT (lab/run-l1.sh shares one)"; exit 2; }
echo "# L1: $(uname -r), KVM modules $LAB_MODULES, kvm.exit_stats=$(cat /sys/module/kvm/parameters/exit_stats 2>/dev/null || echo '(no such parameter)')" > "$OUT/e2e.out"
status=0
run() { # binary, flags...
	b=$1; shift
	if [ ! -x "$b" ]; then
		echo "not ok e2e-binary - $b missing: run 'make e2e-build' on the host" >> "$OUT/e2e.out"
		status=2
		return
	fi
	"$b" "$@" >> "$OUT/e2e.out" 2>&1
	s=$?
	echo "# $(basename "$b") $* exited $s" >> "$OUT/e2e.out"
	[ $s = 0 ] || status=$s
}
run "$bin" "$@"
[ $with_san = 1 ] && run "$bin-san" --tag san- "$@"
cat "$OUT/e2e.out"
exit $status
