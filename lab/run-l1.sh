#!/bin/bash
# Boot the lab's L1 (Debian's kernel of the kernel line $KERNEL, 6.1 or 6.12,
# default kernel/default, under QEMU TCG with nested SVM), load KVM modules
# in it and run a shell script there as root, or give an
# interactive shell.  See lab/README.md for what L1 provides.
#
# usage: lab/run-l1.sh [options] SCRIPT [ARGS...]
#        lab/run-l1.sh [options] --shell [SCRIPT [ARGS...]]
#
#   --modules ours|stock|DIR  KVM modules to load: ours (build/modules/<abi>,
#                         the default), Debian's stock ones, or a directory
#                         holding kvm.ko, kvm-amd.ko, kvm-intel.ko
#   --kvm-args ARGS       parameters for insmod kvm.ko, e.g. "exit_stats=0"
#   --vendor-args ARGS    parameters for insmod kvm-amd.ko / kvm-intel.ko
#   --no-kvm              do not load KVM (the modules are in /modules)
#   --timeout SEC         power off and fail after SEC seconds (default 600;
#                         with --shell 28800)
#   --smp N, --mem MB     L1's vCPUs and memory (default 2 and 2048)
#   --cpu MODEL           QEMU CPU model (default EPYC,+svm)
#   --tcg-thread multi|single  a host thread per L1 vCPU (QEMU's default,
#                         except with -icount), or one for all of them:
#                         slower, but safe for scripts that start and end
#                         many VMs (see below)
#   --append ARGS         more kernel command line
#   --qemu-arg ARG        one more QEMU argument (repeat as needed)
#   --host-root           run SCRIPT chrooted into the host's root (hostrun):
#                         bash, python and host paths work there
#   --dmesg-ignore REGEX  dmesg lines matching REGEX (grep -E) are not
#                         counted as problems (repeat as needed)
#   --name NAME           run name (default SCRIPT's name + time + pid)
#   --out DIR             host directory shared writable at /out (default
#                         build/lab/runs/NAME/out)
#   --log FILE            full console log (default build/lab/runs/NAME/console.log)
#   --shell               interactive shell on this terminal (after SCRIPT,
#                         if given); leave with 'exit' or Ctrl-a x
#
# Exit status: SCRIPT's status when it is non-zero; otherwise 0 if L1's dmesg
# is clean, 123 if it is not; 124 on timeout; 125 when L1 failed to boot,
# to set up or died before SCRIPT finished.
#
# A soft lockup or RCU stall of L1's kernel, or L1 silent for 90 s (no console
# line, not even /init's heartbeat; LAB_SILENCE_LIMIT_S=N to change), before
# SCRIPT printed anything, is an emulation hiccup of TCG, not SCRIPT's fault:
# L1 reboots once, saying so; a second one fails the run with 125.  A failing
# SCRIPT is never retried.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
bad_usage() { echo "run-l1: $*" >&2; echo "run-l1: see 'lab/run-l1.sh --help'" >&2; exit 2; }

modules=ours kvm_args="" vendor_args="" load_kvm=1 timeout="" smp=2 mem=2048
cpu=EPYC,+svm tcg_thread="" append="" qemu_extra=() in_host_root=0 ignores=() name=""
out="" log="" shell=0
need() { [ "$2" -ge 2 ] || bad_usage "$1 needs a value"; }
while [ $# -gt 0 ]; do
	case $1 in
	--modules) need "$1" $#; modules=$2; shift 2 ;;
	--kvm-args) need "$1" $#; kvm_args=$2; shift 2 ;;
	--vendor-args) need "$1" $#; vendor_args=$2; shift 2 ;;
	--no-kvm) load_kvm=0; shift ;;
	--timeout) need "$1" $#; timeout=$2; shift 2 ;;
	--smp) need "$1" $#; smp=$2; shift 2 ;;
	--mem) need "$1" $#; mem=$2; shift 2 ;;
	--cpu) need "$1" $#; cpu=$2; shift 2 ;;
	--tcg-thread) need "$1" $#; tcg_thread=$2; shift 2 ;;
	--append) need "$1" $#; append="$append $2"; shift 2 ;;
	--qemu-arg) need "$1" $#; qemu_extra+=("$2"); shift 2 ;;
	--host-root) in_host_root=1; shift ;;
	--dmesg-ignore) need "$1" $#; ignores+=("$2"); shift 2 ;;
	--name) need "$1" $#; name=$2; shift 2 ;;
	--out) need "$1" $#; out=$2; shift 2 ;;
	--log) need "$1" $#; log=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) bad_usage "unknown option '$1'" ;;
	*) break ;;
	esac
done
script=${1:-}
[ $# -gt 0 ] && shift
[ -n "$script" ] || [ "$shell" = 1 ] ||
	bad_usage "give the SCRIPT to run in L1 (or --shell for a shell)"
[ -z "$script" ] || [ -f "$script" ] || bad_usage "script '$script' not found"
[ -n "$timeout" ] || { [ "$shell" = 1 ] && timeout=28800 || timeout=600; }
[[ $timeout =~ ^[1-9][0-9]*$ ]] || bad_usage "--timeout takes seconds > 0 (got '$timeout')"
[[ $smp =~ ^[1-9][0-9]*$ ]] || bad_usage "--smp takes a number of vCPUs (got '$smp')"
[[ $mem =~ ^[1-9][0-9]*$ ]] || bad_usage "--mem takes megabytes (got '$mem')"
# With a host thread per vCPU, Debian 12's QEMU 7.2 let a vCPU run code
# translated before another vCPU patched it: Debian's 6.12 in L1 hit the
# int3 of a finished text_poke_bp() (the preempt notifier key KVM flips when
# the first VM is created and the last destroyed) in __schedule and died
# ("Oops: int3") in 2 of 3 e2e runs.  With one thread, 7.2 sent L1's Linux
# guests astray now and then (6.12 and 6.1 alike; kernel/port-6.12/NOTES.md).
# So 6.12's L1 runs under the newer QEMU of Debian 12's backports
# (lab_qemu=backports in its kernel.conf, lab/l1-qemu.sh) with a thread per
# vCPU; 6.1, which never showed either problem with a thread per vCPU,
# keeps Debian 12's QEMU.
# Without the option QEMU decides: a thread per vCPU, or one with -icount.
case $tcg_thread in
"") accel=tcg ;;
multi|single) accel=tcg,thread=$tcg_thread ;;
*) bad_usage "--tcg-thread takes multi or single (got '$tcg_thread')" ;;
esac
silence_limit=${LAB_SILENCE_LIMIT_S:-90}
[[ $silence_limit =~ ^[1-9][0-9]*$ ]] ||
	bad_usage "LAB_SILENCE_LIMIT_S takes seconds > 0 (got '$silence_limit')"
for arg in "${qemu_extra[@]}"; do
	case $arg in
	-enable-kvm|*accel=kvm*|kvm|kvm,*|-accel*kvm*)
		bad_usage "QEMU on this machine must use TCG; refusing '$arg'" ;;
	esac
done
[ "$in_host_root" = 0 ] || [ -n "$script" ] || bad_usage "--host-root needs a SCRIPT"
# Debian 12's QEMU, or the newer one of its backports where the kernel line
# needs it (lab_qemu in kernel/*/kernel.conf; lab/l1-qemu.sh).
qemu_bin=$("$top/lab/l1-qemu.sh") || exit 125

# Debian's kernel of the kernel line $KERNEL (6.1, 6.12; default
# kernel/default), from that line's own package tree.
abi=$("$top/lab/fetch-debian.sh")
kernel=$(. "$top/kernel/kernel-env.sh" && echo "$debs_root")/boot/vmlinuz-$abi-amd64
[ -r "$kernel" ] || { echo "run-l1: no kernel at $kernel" >&2; exit 125; }

[ -n "$name" ] || name=$(basename "${script:-shell}" .sh)-$(date +%Y%m%d-%H%M%S)-$$
run_dir=$top/build/lab/runs/$name
mkdir -p "$run_dir"
[ -n "$out" ] || out=$run_dir/out
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -n "$log" ] || log=$run_dir/console.log
mkdir -p "$(dirname "$log")"
: > "$log"
dmesg_file=$run_dir/l1-dmesg.txt

started=$(date +%s.%N)
progress() {
	printf '[lab %s +%5.1fs] %s\n' "$(date +%H:%M:%S)" \
		"$(echo "$(date +%s.%N) - $started" | bc)" "$*" >&2
}

# Per-run configuration for /init, as an overlay on the cached initramfs.
quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
nonce=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
overlay=$run_dir/overlay
rm -rf "$overlay"
mkdir -p "$overlay/lab"
script_args=""
for a in "$@"; do script_args+="$(quote "$a") "; done
rows="" cols=""
if [ "$shell" = 1 ] && [ -t 0 ]; then read -r rows cols < <(stty size) || true; fi
{
	echo "LAB_MODE=$([ "$shell" = 1 ] && echo shell || echo script)"
	echo "LAB_NONCE=$nonce"
	echo "LAB_LOAD_KVM=$load_kvm"
	echo "LAB_KVM_ARGS=$(quote "$kvm_args")"
	echo "LAB_VENDOR_ARGS=$(quote "$vendor_args")"
	echo "LAB_HOST_TOP=$(quote "$top")"
	echo "LAB_HOST_OUT=$(quote "$out")"
	echo "LAB_SCRIPT_ARGS=$(quote "$script_args")"
	echo "LAB_IN_HOST_ROOT=$in_host_root"
	# Several heartbeats fit in the silence that counts as a stall.
	echo "LAB_HEARTBEAT_S=$(( (silence_limit + 5) / 6 ))"
	echo "LAB_TTY_ROWS=$rows LAB_TTY_COLS=$cols"
	echo "TERM=$(quote "${TERM:-linux}")"
} > "$overlay/lab/run.env"
[ -z "$script" ] || cp "$script" "$overlay/lab/script"
initrd=$run_dir/initrd
"$top/lab/mkinitramfs.sh" --modules "$modules" --overlay "$overlay" --output "$initrd" >/dev/null

# shellcheck disable=SC2054  # the commas are inside QEMU option values
qemu=("$qemu_bin" -accel "$accel" -cpu "$cpu" -smp "$smp" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 quiet$append"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$out,mount_tag=labout,security_model=none,multidevs=remap"
	"${qemu_extra[@]}")

# QEMU's EPYC model names features TCG lacks; QEMU warns about each of them
# (twice).  The guest simply does not see them; keep other messages.
quiet_qemu_stderr() {
	grep --line-buffered -v "TCG doesn't support requested feature" >&2 || true
}

if [ "$shell" = 1 ]; then
	progress "L1 booting (kernel $abi, $modules modules); leave with 'exit' or Ctrl-a x; log: $log"
	set +e
	timeout -k 10 --foreground "$timeout" "${qemu[@]}" \
		-chardev "stdio,id=con,mux=on,signal=off,logfile=$log" \
		-serial chardev:con -mon chardev=con,mode=readline \
		2> >(quiet_qemu_stderr)
	rc=$?
	set -e
	rm -f "$initrd"
	[ $rc = 124 ] && progress "timeout after $timeout s"
	exit $rc
fi

# L1 itself stalling: its kernel reports a soft lockup or an RCU stall, or
# it goes silent (no console line, not even /init's heartbeat, for
# $silence_limit seconds: its vCPUs froze).  Both were seen about once in
# 50-75 boots under TCG, and L1 never recovered.  That is the emulator's
# doing, not the script's, so L1 is rebooted once, as long as the script has
# printed nothing yet (its output would otherwise come twice).
l1_stall_re='BUG: soft lockup|rcu: INFO: .*(detected stalls|self-detected stall)|rcu_[a-z]+ kthread starved'
# The reader of the console and the silence watcher are separate processes:
# they share what they know through these files.  no_reboot_file: the script
# has printed output or ended, so a stall from then on is not retried.
stall_file=$run_dir/l1-stall alive_file=$run_dir/l1-alive no_reboot_file=$run_dir/no-reboot
# watch_silence: kills L1 when it has shown no sign of life for too long.
watch_silence() {
	local age
	while kill -0 "$qemu_pid" 2>/dev/null; do
		sleep 2
		age=$(( $(date +%s) - $(stat -c %Y "$alive_file") ))
		[ "$age" -ge "$silence_limit" ] || continue
		if [ -e "$no_reboot_file" ]; then
			progress "L1 silent for $age s after the script printed output or ended (no reboot)"
			return
		fi
		echo "no console output, not even /init's heartbeat, for $age s" > "$stall_file"
		progress "L1 stalled: silent for $age s"
		kill "$qemu_pid" 2>/dev/null
		return
	done
}
# boot_l1 ATTEMPT: one boot of L1 running SCRIPT; sets qemu_rc and stall
# ("" or what showed L1 stalled before SCRIPT printed a line).
boot_l1() {
	local attempt=$1 watcher_pid
	: > "$log"
	: > "$alive_file"
	rm -f "$stall_file" "$no_reboot_file"
	progress "L1 booting: kernel $abi, $modules modules, smp $smp, mem $mem MiB, script $script; log: $log${attempt:+ (boot $attempt)}"
	qemu_started=$(date +%s.%N)
	set +e
	timeout -k 10 "$timeout" "${qemu[@]}" -serial "file:$log" </dev/null \
		2> >(quiet_qemu_stderr) &
	qemu_pid=$!
	trap 'kill $qemu_pid 2>/dev/null; wait $qemu_pid; exit 130' INT TERM
	watch_silence &
	watcher_pid=$!

	# Stream SCRIPT's output (between the ready and exit markers) as it comes.
	tail -n +1 -s 0.2 -f --pid=$qemu_pid "$log" 2>/dev/null | {
		phase=boot printed=0 late_stall_said=0
		while IFS= read -r line; do
			line=${line%$'\r'}
			: > "$alive_file"
			if [ $phase != after ] && [[ $line =~ $l1_stall_re ]]; then
				if [ $printed = 0 ]; then
					printf '%s\n' "$line" > "$stall_file"
					progress "L1 stalled ($phase): $line"
					kill "$qemu_pid" 2>/dev/null
					break
				fi
				[ $late_stall_said = 1 ] ||
					progress "L1 stalled after the script printed output (no reboot): $line"
				late_stall_said=1
			fi
			case $line in
			"@@lab:$nonce:alive") ;;
			"@@lab:$nonce:ready")
				phase=script
				# For smoke.sh and boot-time studies.
				echo "$(date +%s.%N) - $qemu_started" | bc > "$run_dir/ready-seconds"
				progress "L1 ready (kernel + modules), running script" ;;
			*"@@lab:$nonce:exit:"*)
				# Output without a final newline shares the marker's line.
				[ "${line%%@@lab:*}" = "" ] || printf '%s\n' "${line%%@@lab:*}"
				phase=after
				: > "$no_reboot_file"
				progress "script exited ${line##*:}" ;;
			"@@lab:$nonce:setup-failed:"*)
				phase=after ;;
			*) if [ $phase = script ]; then
				printf '%s\n' "$line"
				[ $printed = 1 ] || : > "$no_reboot_file"
				printed=1
			   fi ;;
			esac
		done
	}
	wait $qemu_pid
	qemu_rc=$?
	kill "$watcher_pid" 2>/dev/null
	wait "$watcher_pid" 2>/dev/null
	trap - INT TERM
	set -e
	stall=$(cat "$stall_file" 2>/dev/null || true)
}

boot_l1 ""
if [ -n "$stall" ]; then
	cp "$log" "$run_dir/console-stalled-boot.log"
	progress "rebooting L1 once (console of the stalled boot: $run_dir/console-stalled-boot.log)"
	boot_l1 2
	if [ -n "$stall" ]; then
		progress "L1 stalled again on the second boot: giving up"
		tail -n 40 "$log" >&2
		exit 125
	fi
fi
rm -f "$initrd"

# What happened, from the whole log.
log_text=$(tr -d '\r' < "$log")
marker_line() { grep -m1 -F "@@lab:$nonce:$1" <<<"$log_text" || true; }
exit_line=$(marker_line exit:)
setup_line=$(marker_line setup-failed:)
sed -n "/^@@lab:$nonce:dmesg-begin\$/,/^@@lab:$nonce:dmesg-end\$/p" <<<"$log_text" |
	sed '1d;$d' > "$dmesg_file"
have_dmesg=0
grep -qxF "@@lab:$nonce:dmesg-end" <<<"$log_text" && have_dmesg=1

show_tail() {
	if [ $have_dmesg = 1 ]; then
		echo "--- L1 dmesg (last 40 lines; all of it: $dmesg_file) ---" >&2
		tail -n 40 "$dmesg_file" >&2
	else
		echo "--- L1 console (last 40 lines; all of it: $log) ---" >&2
		tail -n 40 <<<"$log_text" >&2
	fi
	echo "---" >&2
}

if [ -n "$setup_line" ]; then
	progress "L1 setup failed: ${setup_line#*setup-failed:}"
	show_tail
	exit 125
fi
if [ -z "$exit_line" ] || [ $have_dmesg = 0 ]; then
	if [ "$qemu_rc" = 124 ]; then
		# Whether L1 itself was still alive tells a hung script from a hung L1.
		progress "timeout after $timeout s ($([ -n "$exit_line" ] && echo "after the script" || echo "script did not finish"); L1's last console line or heartbeat came $(( $(date +%s) - $(stat -c %Y "$alive_file") )) s before the end)"
		show_tail
		exit 124
	fi
	progress "L1 died before the script finished (panic or boot failure; qemu status $qemu_rc)"
	show_tail
	exit 125
fi
status=${exit_line##*:}

# Kernel trouble in L1 fails the run.  QEMU's EPYC model always gets the
# benign "Speculative Return Stack Overflow: WARNING: See ..." notice.
problems=$(grep -E '(^|[^A-Za-z0-9_])BUG([^A-Za-z0-9_]|$)|WARNING|Oops|general protection fault|Call Trace' \
	"$dmesg_file" | grep -v 'Speculative Return Stack Overflow: WARNING' || true)
for re in "${ignores[@]}"; do
	[ -n "$problems" ] && problems=$(grep -Ev -- "$re" <<<"$problems" || true)
done
if [ -n "$problems" ]; then
	progress "L1's dmesg shows kernel problems:"
	# shellcheck disable=SC2001  # indents every line of a multi-line text
	sed 's/^/    /' <<<"$problems" >&2
	show_tail
	[ "$status" != 0 ] && exit "$status"
	exit 123
fi
if [ "$status" != 0 ]; then
	progress "script failed with status $status"
	show_tail
	exit "$status"
fi
progress "done: script passed, L1 dmesg clean; results in $out"
exit 0
