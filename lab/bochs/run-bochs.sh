#!/bin/bash
# Run a script inside an Intel L1 emulated by Bochs (which, unlike QEMU's TCG,
# emulates VMX), with our KVM modules (or Debian's) loaded, and report.
#
#   lab/bochs/run-bochs.sh [--modules ours|stock|DIR] [--kvm-args ARGS]
#       [--vendor-args ARGS] [--timeout SECONDS] [--megs MiB] [--ips N]
#       [--append KERNEL-ARGS] [--cpu BOCHS-MODEL] [--results DIR]
#       [--include HOSTPATH[:GUESTPATH]]... SCRIPT [SCRIPT-ARGS...]
#
#   --modules      KVM modules to load in L1 (default ours: build/modules/<abi>)
#   --kvm-args     parameters for kvm.ko, e.g. "exit_stats=0"
#   --vendor-args  parameters for kvm-intel.ko, e.g. "preemption_timer=0"
#   --timeout      wall-clock limit for the whole Bochs run (default 1200 s);
#                  Bochs is killed when it is reached
#   --megs         L1 memory (default 512)
#   --ips          Bochs' emulated instructions per second: with clock
#                  sync=none it only sets how much guest time an instruction
#                  takes (default 4000000)
#   --append       extra L1 kernel command line arguments.  The default line
#                  has tsc_early_khz=400000: kvm-intel turns the VMX
#                  preemption timer off when TSC kHz >> (the rate in
#                  IA32_VMX_MISC) exceeds 429496, and with Bochs' small rate
#                  and its CPUID's 3.5 GHz TSC it does.  And
#                  noxsave: Bochs' XSAVE area sizes for this model fail the
#                  kernel's consistency check (a boot WARNING, after which the
#                  kernel runs without XSAVE anyway).
#   --cpu          Bochs CPU model (default corei7_skylake_x)
#   --include      copy a host file or directory into L1 (Bochs has no
#                  virtio, so no host share): to GUESTPATH, default
#                  /lab/<basename>.  Programs must be statically linked
#                  (or come with their loader: lab/bochs/qemu-bundle.sh).
#   --results DIR  what SCRIPT leaves in $OUT (/out in L1) comes back to the
#                  host directory DIR: after SCRIPT, L1 sends it as a
#                  base64 tar.gz over the serial console (not printed here).
#
# SCRIPT (a busybox sh script) runs in L1 as root with /lab as its inputs
# directory.  Its output is printed here as it arrives; its exit status comes
# back over the serial console as a marker line.  Then L1's dmesg is checked.
# Output ends with "ok"/"not ok" lines for the run itself (bochs-script-exit,
# bochs-dmesg-clean); the exit status is non-zero if the script failed, the
# run timed out, L1 panicked or triple-faulted, or dmesg holds a BUG, WARNING,
# Oops, general protection fault or Call Trace (the dmesg tail is printed).
# Files of the last run: build/bochs/last/ (serial.log, bochs.log, bochsrc).
# Only one Bochs runs at a time: a second invocation waits for the first.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/lab/bochs
work_root=$top/build/bochs

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
die() { echo "run-bochs: $*" >&2; exit 2; }
bad_usage() { die "$*; see 'lab/bochs/run-bochs.sh --help'"; }

modules=ours kvm_args="" vendor_args="" timeout=1200 megs=512
ips=4000000 append="" cpu_model=corei7_skylake_x results=""
includes=()
while [ $# -gt 0 ]; do
	case $1 in
	--modules) [ $# -ge 2 ] || bad_usage "$1 needs a value"; modules=$2; shift 2 ;;
	--kvm-args) [ $# -ge 2 ] || bad_usage "$1 needs a value"; kvm_args=$2; shift 2 ;;
	--vendor-args) [ $# -ge 2 ] || bad_usage "$1 needs a value"; vendor_args=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || bad_usage "$1 needs a value"; timeout=$2; shift 2 ;;
	--megs) [ $# -ge 2 ] || bad_usage "$1 needs a value"; megs=$2; shift 2 ;;
	--ips) [ $# -ge 2 ] || bad_usage "$1 needs a value"; ips=$2; shift 2 ;;
	--append) [ $# -ge 2 ] || bad_usage "$1 needs a value"; append=$2; shift 2 ;;
	--cpu) [ $# -ge 2 ] || bad_usage "$1 needs a value"; cpu_model=$2; shift 2 ;;
	--include) [ $# -ge 2 ] || bad_usage "$1 needs a value"; includes+=("$2"); shift 2 ;;
	--results) [ $# -ge 2 ] || bad_usage "$1 needs a value"; results=$2; shift 2 ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) bad_usage "unknown option '$1'" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || bad_usage "missing SCRIPT (a shell script to run in L1)"
script=$1; shift
[ -f "$script" ] || die "script '$script' not found"
{ [[ $timeout =~ ^[0-9]+$ ]] && [ "$timeout" -gt 0 ]; } ||
	die "--timeout takes a positive number of seconds (got '$timeout')"
{ [[ $megs =~ ^[0-9]+$ ]] && [ "$megs" -ge 128 ]; } ||
	die "--megs takes a number of MiB, at least 128 (got '$megs')"
[[ $ips =~ ^[0-9]+$ ]] || die "--ips takes a number (got '$ips')"
[[ $cpu_model =~ ^[a-z0-9_]+$ ]] || die "--cpu takes a Bochs CPU model name (got '$cpu_model')"
if [ -n "$results" ]; then
	{ mkdir -p "$results" 2>/dev/null && [ -w "$results" ]; } ||
		die "--results: cannot write to directory '$results'"
	results=$(cd "$results" && pwd)
fi
for tool in bochs script genisoimage base64 tar; do
	command -v "$tool" >/dev/null || die "$tool not found; run 'make deps'"
done
isolinux_bin=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
{ [ -r "$isolinux_bin" ] && [ -r "$ldlinux" ]; } ||
	die "isolinux not installed; run 'make deps'"

# Debian's kernel of the kernel line $KERNEL (6.1, 6.12; default
# kernel/default), from that line's own package tree.
abi=$("$top/lab/fetch-debian.sh")
kernel=$(. "$top/kernel/kernel-env.sh" && echo "$debs_root")/boot/vmlinuz-$abi-amd64
[ -r "$kernel" ] || die "no kernel at $kernel; run lab/fetch-debian.sh"

# One Bochs at a time: it takes a whole core for minutes.
mkdir -p "$work_root"
exec 9>"$work_root/lock"
if ! flock -n 9; then
	echo "run-bochs: waiting for another Bochs run to finish" >&2
	flock 9
fi

work=$work_root/last
rm -rf "$work"
mkdir -p "$work/overlay/lab" "$work/iso/isolinux"

# The overlay on top of the lab's initramfs: /init's settings, the script
# and the included files.
nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
script_args=""
for a in "$@"; do script_args+=" $(quote "$a")"; done
{
	echo "LAB_MODE=run"
	echo "LAB_NONCE=$nonce"
	echo "LAB_LOAD_KVM=1"
	echo "LAB_KVM_ARGS=$(quote "$kvm_args")"
	echo "LAB_VENDOR_ARGS=$(quote "$vendor_args")"
	echo "LAB_SCRIPT_ARGS=$(quote "$script_args")"
} > "$work/overlay/lab/run.env"
# /init runs /lab/script, then dumps dmesg and powers off at once, which
# under Bochs loses the end of what is still queued for the serial console.
# So /lab/script is a wrapper that reports SCRIPT's status and dmesg itself
# between markers of its own: /init's later output pushes them out.
cp "$script" "$work/overlay/lab/user-script"
# With --results, /out is SCRIPT's results directory, sent back after it.
send_results=""
[ -z "$results" ] || send_results="echo '@@bochs:$nonce:results-begin'
(cd /out && tar -cf - . | gzip -c | base64)
echo '@@bochs:$nonce:results-end'"
cat > "$work/overlay/lab/script" <<WRAPPER
#!/bin/sh
mkdir -p /out
export OUT=/out
echo "@@bochs:$nonce:begin"
sh /lab/user-script "\$@"
status=\$?
echo "@@bochs:$nonce:status:\$status"
$send_results
echo "@@bochs:$nonce:dmesg-begin"
dmesg
echo "@@bochs:$nonce:dmesg-end"
exit \$status
WRAPPER
for inc in "${includes[@]}"; do
	src=${inc%%:*}
	if [ "$src" = "$inc" ]; then dst=/lab/$(basename "$src"); else dst=${inc#*:}; fi
	[ -e "$src" ] || die "--include: '$src' does not exist"
	case $dst in /*) ;; *) die "--include: guest path '$dst' must be absolute" ;; esac
	if [ -f "$src" ] && [ -x "$src" ] && readelf -l "$src" 2>/dev/null | grep -q INTERP; then
		die "--include: '$src' is dynamically linked; L1 under Bochs has no host libraries (link it with -static)"
	fi
	mkdir -p "$work/overlay$(dirname "$dst")"
	cp -a "$src" "$work/overlay$dst"
done
"$top/lab/mkinitramfs.sh" --modules "$modules" --overlay "$work/overlay" \
	--output "$work/iso/initrd.img" >/dev/null

# A CD that isolinux boots: Bochs cannot load a Linux kernel directly.
cp "$kernel" "$work/iso/vmlinuz"
cp "$isolinux_bin" "$ldlinux" "$work/iso/isolinux/"
cat > "$work/iso/isolinux/isolinux.cfg" <<EOF
default l1
prompt 0
timeout 0
label l1
  kernel /vmlinuz
  append initrd=/initrd.img console=ttyS0 panic=-1 quiet tsc_early_khz=400000 noxsave $append
EOF
genisoimage -quiet -o "$work/boot.iso" -b isolinux/isolinux.bin \
	-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
	-R -J "$work/iso" || die "genisoimage failed"

sed -e "s|@MEGS@|$megs|g" -e "s|@IPS@|$ips|g" -e "s|@CPU@|$cpu_model|g" -e "s|@WORK@|$work|g" "$here/bochsrc.in" > "$work/bochsrc"
# Bochs is built with its debugger: without a command file it stops at the
# debugger prompt before the first instruction.
echo c > "$work/debugger-commands"
serial=$work/serial.log
: > "$serial"

# Debian's Bochs has no headless display; the curses one ("term") needs a
# terminal, which script(1) provides even when we have none.
start=$(date +%s)
setsid script -qfec "bochs -q -f $work/bochsrc -rc $work/debugger-commands" \
	/dev/null </dev/null >"$work/term.out" 2>&1 &
bochs_pid=$!

# With its debugger built in, Bochs' term display writes the screen to a pty
# of its own ('connected to screen "/dev/pts/N"' in term.out).  Nobody reads
# it, and once about 20 KB are pending Bochs blocks in write() and the guest
# silently freezes (after ~7 minutes).  Read and discard it.
drain_screen() {
	local pty=""
	for _ in $(seq 1 120); do
		pty=$(grep -ao 'connected to screen "/dev/pts/[0-9]*"' "$work/term.out" 2>/dev/null |
		      grep -o '/dev/pts/[0-9]*' | head -1 || true)
		[ -n "$pty" ] && exec cat "$pty" >/dev/null 2>&1
		kill -0 "$bochs_pid" 2>/dev/null || return 0
		sleep 1
	done
}
drain_screen &
drainer_pid=$!
stop_bochs() {
	kill "$drainer_pid" 2>/dev/null || true
	kill -TERM -- "-$bochs_pid" 2>/dev/null || true
	for _ in 1 2 3 4 5; do
		kill -0 "$bochs_pid" 2>/dev/null || break
		sleep 1
	done
	kill -KILL -- "-$bochs_pid" 2>/dev/null || true
	wait "$bochs_pid" 2>/dev/null || true
}
trap 'stop_bochs' EXIT
trap 'exit 130' INT TERM

# Follow the console: print the script's output as it comes, stop at the
# end marker, at a panic (panic=-1 would reboot), when Bochs ends (it does on
# a triple fault: reset_on_triple_fault=0) or at the timeout.
marker="@@bochs:$nonce:"
lab_marker="@@lab:$nonce:"
printed=0 in_script=0 outcome=""
follow() {
	local lines n line
	lines=$(tr -d '\r' < "$serial" | sed -n '$!p' ; true)
	# Only complete lines: the last one may still be being written,
	# unless Bochs has ended.
	kill -0 "$bochs_pid" 2>/dev/null || lines=$(tr -d '\r' < "$serial")
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		[ "$n" -le "$printed" ] && continue
		printed=$n
		case $line in
		"${marker}begin") in_script=1 ;;
		"${marker}status:"*) in_script=0 ;;
		"${marker}dmesg-end") outcome="done" ;;
		"${lab_marker}setup-failed:"*) outcome="setup failed: ${line#"${lab_marker}"setup-failed:}" ;;
		*"Kernel panic - not syncing"*) outcome="L1 kernel panic: $line" ;;
		*) if [ "$in_script" = 1 ]; then printf '%s\n' "$line"; fi ;;
		esac
	done <<< "$lines"
}
while :; do
	sleep 2
	follow
	[ -n "$outcome" ] && break
	if ! kill -0 "$bochs_pid" 2>/dev/null; then
		follow
		[ -n "$outcome" ] || outcome="Bochs exited early (see $work/bochs.log)"
		break
	fi
	if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
		outcome="timeout after $timeout s"; break
	fi
done
stop_bochs
trap - EXIT
elapsed=$(($(date +%s) - start))

clean=$(tr -d '\r' < "$serial")
status=$(sed -n "s/^${marker}status:\([0-9]*\)$/\1/p" <<< "$clean" | tail -1)
# dmesg as /init dumped it, or the whole console when it never got there.
dmesg_text=$(sed -n "/^${marker}dmesg-begin\$/,/^${marker}dmesg-end\$/p" <<< "$clean" |
	sed '1d;$d')
[ -n "$dmesg_text" ] || dmesg_text=$(grep -v -e "^$marker" -e "^$lab_marker" <<< "$clean" || true)
# A notice every boot of this CPU model prints; not a kernel bug.
benign='RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable to RETBleed attacks'
# Debian's 6.12 checks the CPU's topology leaves at boot and warns (with a
# call trace) that this model's CPUID leaf 1 counts fewer logical CPUs than
# its leaf 4 has cores; it then uses leaf 4's count.  Bochs' CPUID, not a
# kernel bug: that one warning, up to its end-of-trace line, is dropped.
cpuid_topology_warning='WARNING: CPU: 0 PID: 0 at arch/x86/kernel/cpu/topology_common.c:[0-9]+ parse_legacy'
dmesg_text=$(awk -v w="$cpuid_topology_warning" '
	$0 ~ w { skip = 1 }
	!skip { print }
	skip && /---\[ end trace/ { skip = 0 }' <<< "$dmesg_text")
bad=$(grep -E 'BUG|WARNING|Oops|general protection fault|Call Trace' <<< "$dmesg_text" |
	grep -v -F "$benign" || true)

failed=0
echo "run-bochs: L1 run took $elapsed s (modules $modules, $megs MiB)"
if [ -n "$results" ]; then
	if grep -qxF "${marker}results-end" <<< "$clean" &&
	   # -m: L1's clock is Bochs' emulated one, file times are meaningless.
	   sed -n "/^${marker}results-begin\$/,/^${marker}results-end\$/p" <<< "$clean" |
	   sed '1d;$d' | base64 -d | tar -xzmf - -C "$results"; then
		echo "ok bochs-results - $(find "$results" -type f | wc -l) files in $results"
	else
		echo "not ok bochs-results - SCRIPT's /out did not come back whole ($outcome)"
		failed=1
	fi
fi
if [ "$outcome" = "done" ] && [ "$status" = 0 ]; then
	echo "ok bochs-script-exit"
elif [ "$outcome" = "done" ]; then
	echo "not ok bochs-script-exit - script exited with status $status"
	failed=1
else
	echo "not ok bochs-script-exit - $outcome"
	failed=1
fi
if [ -z "$bad" ] && [ "$outcome" = "done" ]; then
	echo "ok bochs-dmesg-clean"
elif [ -z "$bad" ]; then
	echo "not ok bochs-dmesg-clean - no dmesg dump ($outcome)"
	failed=1
else
	echo "not ok bochs-dmesg-clean - $(head -1 <<< "$bad")"
	failed=1
fi
if [ "$failed" = 1 ]; then
	echo "run-bochs: last 40 lines of L1's dmesg/console ($work/serial.log):"
	if [ -n "$dmesg_text" ]; then
		tail -n 40 <<< "$dmesg_text" | sed 's/^/  | /'
	else
		echo "  (nothing on the console; Bochs' own log: $work/bochs.log)"
	fi
	exit 1
fi
exit 0
