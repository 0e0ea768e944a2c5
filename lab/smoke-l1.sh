# shellcheck shell=sh disable=SC2317  # no shebang: run-l1.sh starts it with busybox sh in L1; same() is called through check
# Runs inside L1 (busybox sh), started by lab/smoke.sh through run-l1.sh.
# usage: smoke-l1.sh ours|stock [KVM_PARAM=VALUE]
# Prints one "ok NAME" / "not ok NAME - ..." line per check; exits 1 if any
# check failed.
set -u
expect_modules=$1
expect_param=${2:-}
failed=0
check() { # NAME DETAIL COMMAND...
	name=$1 detail=$2
	shift 2
	if "$@"; then
		echo "ok $name"
	else
		echo "not ok $name - $detail"
		failed=1
	fi
}
same() { [ "$1" = "$2" ]; }

check modules-set "LAB_MODULES is '$LAB_MODULES'" same "${LAB_MODULES%%-*}" "$expect_modules"
check dev-kvm "no character device /dev/kvm" test -c /dev/kvm
check kvm-amd-loaded "no /sys/module/kvm_amd" test -d /sys/module/kvm_amd
param=/sys/module/kvm/parameters/exit_stats
if [ "$expect_modules" = ours ]; then
	check exit-stats-param "$param: '$(cat $param 2>&1)'" same "$(cat $param 2>/dev/null)" Y
else
	check no-exit-stats-param "stock kvm has $param" test ! -e $param
fi
if [ -n "$expect_param" ]; then
	p=/sys/module/kvm/parameters/${expect_param%%=*}
	check kvm-args "$p: '$(cat "$p" 2>&1)', want '${expect_param#*=}'" \
		same "$(cat "$p" 2>/dev/null)" "${expect_param#*=}"
fi
check debugfs-kvm "no /sys/kernel/debug/kvm" test -d /sys/kernel/debug/kvm
check tracefs-kvm "no /sys/kernel/tracing/events/kvm" test -d /sys/kernel/tracing/events/kvm
check host-share "TOP='$TOP' has no lab/run-l1.sh" test -r "$TOP/lab/run-l1.sh"
check host-tmp-writable "cannot write /host/tmp" touch /host/tmp/lab-smoke

# A static program from the host share, then the same source built with
# ASan/UBSan, dynamically linked: found through /lib64 -> /host/lib64.
"$TOP/build/lab/tools/kvm-smoke" || failed=1
"$TOP/build/lab/tools/kvm-smoke-asan" > /tmp/asan.out 2>&1
status=$?
check dynamic-host-program "kvm-smoke-asan exited $status: $(tail -n 3 /tmp/asan.out)" \
	test $status = 0

# hostrun: a dynamically linked host program in the host's root, with host
# paths: the same file must hash the same as seen from L1.
want=$(sha256sum "$TOP/lab/run-l1.sh" | cut -d' ' -f1)
got=$(hostrun /usr/bin/sha256sum "$TOP/lab/run-l1.sh" | cut -d' ' -f1)
check hostrun-sha256sum "L1 hashes '$want', hostrun '$got'" same "$got" "$want"
# shellcheck disable=SC2016  # the single-quoted $ is for the shells hostrun and eval start
got=$(hostrun /bin/bash -c 'echo "$BASH_VERSION $TOP"')
# shellcheck disable=SC2016  # as above
check hostrun-bash "hostrun bash printed '$got'" \
	eval 'case $got in [0-9]*" $LAB_HOST_TOP") true ;; *) false ;; esac'

# Results travel back through the writable share, from L1 and from hostrun.
echo "written in L1 with $expect_modules modules" > "$OUT/from-l1.txt"
check out-writable "cannot write $OUT/from-l1.txt" test -s "$OUT/from-l1.txt"
# shellcheck disable=SC2016  # as above
hostrun /bin/sh -c 'echo "written by hostrun" > "$OUT/from-hostrun.txt"'
check hostrun-out-writable "hostrun could not write \$OUT" test -s "$OUT/from-hostrun.txt"
exit $failed
