#!/bin/bash
# The lab runner's own behaviour (make lab-selftest): how lab/run-l1.sh
# treats an L1 kernel stall, a frozen (silent) L1 and a failing script.
# Each case boots L1 (stock modules, a few seconds) with a script that plays
# its part, e.g. by putting a soft-lockup line into L1's kernel log, and
# checks status and output.
# Prints "ok NAME" / "not ok NAME - ..." lines; exits 1 if any failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$top/build/lab/selftest
rm -rf "$work"
mkdir -p "$work"
failed=0
check() { # NAME OK-CONDITION-STATUS DETAIL
	if [ "$2" = 0 ]; then echo "ok $1"; else echo "not ok $1 - $3"; failed=1; fi
}
# The line the kernel's soft-lockup watchdog prints, at KERN_CRIT so that it
# reaches the console despite 'quiet'.
fake_stall='echo "<2>watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [lab-selftest:1]" > /dev/kmsg'

# run_case NAME SCRIPT-BODY [VAR=VALUE...]: runs it in L1 (the variables in
# run-l1.sh's environment); sets status, out (stdout), err (stderr) and dir
# (the host directory shared as /out).
run_case() {
	local name=$1
	dir=$work/$name
	mkdir -p "$dir/out"
	printf '%s\n' "$2" > "$dir/script.sh"
	env "${@:3}" "$top/lab/run-l1.sh" --name "selftest-$name-$$" --modules stock --timeout 120 \
		--out "$dir/out" "$dir/script.sh" > "$dir/stdout" 2> "$dir/stderr"
	status=$?
	out=$(cat "$dir/stdout") err=$(cat "$dir/stderr")
	echo "# $name: run-l1.sh exited $status; its progress lines (all of stderr: $dir/stderr):"
	grep -E '^\[lab ' "$dir/stderr" | sed 's/^/#   /'
}
has() { grep -qF -- "$2" <<<"$1"; }
# check_boots NAME N: the case's run booted L1 exactly N times.
check_boots() {
	local boots
	boots=$(grep -c 'L1 booting' <<<"$err")
	check "$1" "$([ "$boots" = "$2" ]; echo $?)" "$boots boots, want $2"
}

# 1. A stall before the script printed anything: one reboot, then success.
# (Without the reboot, the first boot's script would end with status 3.)
run_case stall-then-clean "
if [ -e /out/first-boot-done ]; then echo 'second boot ran the script'; exit 0; fi
: > /out/first-boot-done
$fake_stall
sleep 100; exit 3"
check stall-reboots-once-and-passes $status "status $status, want 0"
has "$err" "rebooting L1 once"; check stall-reboot-is-announced $? "stderr lacks 'rebooting L1 once'"
has "$out" "second boot ran the script"; check stall-second-boot-ran-script $? "stdout: '$out'"
check_boots stall-exactly-two-boots 2

# 2. A stall on both boots: give up with 125, no third boot.
run_case stall-always "
$fake_stall
sleep 100"
check stall-twice-fails-125 "$([ $status = 125 ]; echo $?)" "status $status, want 125"
has "$err" "stalled again on the second boot"; check stall-twice-says-so $? "stderr lacks 'stalled again'"
check_boots stall-twice-no-third-boot 2

# 3. A stall after the script printed output: no reboot (its output would
# come twice); the BUG line fails the dmesg check instead.  The kernel
# writes its console lines straight to the UART and can overtake a script's
# tty output: stty sets the console's unchanged mode with TCSADRAIN, which
# returns once the line has left the UART.
run_case stall-after-output "
echo 'script output before the stall'
stty -F /dev/console \"\$(stty -F /dev/console -g)\" || exit 4
$fake_stall
exit 0"
check late-stall-fails-dmesg-check "$([ $status = 123 ]; echo $?)" "status $status, want 123"
! has "$err" "rebooting L1"; check late-stall-no-reboot $? "it rebooted"
[ "$(grep -c 'script output before the stall' <<<"$out")" = 1 ]; check late-stall-output-once $? \
	"stdout: '$out'"

# 4. L1 frozen before the script printed anything: no console line, not
# even /init's heartbeat (stopped here with SIGSTOP), for the silence limit.
run_case silent-l1-then-clean "
if [ -e /out/first-boot-done ]; then echo 'second boot ran the script'; exit 0; fi
: > /out/first-boot-done
kill -STOP \$(cat /run/lab-heartbeat.pid)
sleep 100; exit 3" LAB_SILENCE_LIMIT_S=20
check silent-l1-reboots-once-and-passes $status "status $status, want 0"
has "$err" "L1 stalled: silent for"; check silent-l1-is-announced $? "stderr lacks 'L1 stalled: silent for'"
check_boots silent-l1-exactly-two-boots 2

# 5. A script that is quiet for longer than the limit while L1 lives (the
# heartbeat goes on) is left alone.
run_case quiet-script "sleep 35; echo 'quiet script done'" LAB_SILENCE_LIMIT_S=20
check quiet-script-passes $status "status $status, want 0"
check_boots quiet-script-one-boot 1
has "$out" "quiet script done"; check quiet-script-output $? "stdout: '$out'"

# 6. A failing script is never retried: its status comes back after one boot.
run_case failing-script "echo 'failing on purpose'; exit 7"
check failing-script-status "$([ $status = 7 ]; echo $?)" "status $status, want 7"
check_boots failing-script-one-boot 1
exit $failed
