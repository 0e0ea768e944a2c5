#!/bin/bash
# The lab's end-to-end smoke check (make lab-smoke): boots L1 with our
# modules, then with Debian's stock ones, runs lab/smoke-l1.sh in each and
# checks what came back.  Prints "ok NAME" / "not ok NAME - ..." lines and
# the timings; exits 1 if any check failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
failed=0
ok() { echo "ok $1"; }
not_ok() { echo "not ok $1 - $2"; failed=1; }
now() { date +%s.%N; }
secs() { printf '%.1f' "$(echo "$2 - $1" | bc)"; }

for tool in kvm-smoke kvm-smoke-asan; do
	[ -x "$top/build/lab/tools/$tool" ] ||
		{ echo "smoke: build/lab/tools/$tool missing; run 'make lab-smoke'" >&2; exit 2; }
done

smoke_run() { # NAME MODULES [RUN-L1 OPTIONS...] -- [SMOKE-L1 ARGS...]
	local name=$1 modules=$2 opts=() start ready end status dir
	shift 2
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	dir=$top/build/lab/runs/smoke-$name-$$
	rm -rf "$dir"
	mkdir -p "$top/build/lab/runs"
	start=$(now)
	"$top/lab/run-l1.sh" --name "smoke-$name-$$" --modules "$modules" --timeout 300 \
		"${opts[@]}" "$top/lab/smoke-l1.sh" "$modules" "$@"
	status=$?
	end=$(now)
	if [ $status = 0 ]; then ok "lab-run-$name"; else not_ok "lab-run-$name" "run-l1.sh exited $status"; fi
	ready=$(printf '%.1f' "$(cat "$dir/ready-seconds" 2>/dev/null || echo 0)")
	echo "# $name: QEMU start to script start $ready s, whole run $(secs "$start" "$end") s"
	local from_l1 from_hostrun
	from_l1=$(cat "$dir/out/from-l1.txt" 2>/dev/null)
	from_hostrun=$(cat "$dir/out/from-hostrun.txt" 2>/dev/null)
	if [ "$from_l1" = "written in L1 with $modules modules" ]; then ok "out-on-host-$name"
	else not_ok "out-on-host-$name" "from-l1.txt holds '$from_l1'"; fi
	if [ "$from_hostrun" = "written by hostrun" ]; then ok "hostrun-out-on-host-$name"
	else not_ok "hostrun-out-on-host-$name" "from-hostrun.txt holds '$from_hostrun'"; fi
}

begin=$(now)
smoke_run ours ours --
smoke_run stock stock --kvm-args halt_poll_ns=12345 -- halt_poll_ns=12345
echo "# lab smoke total $(secs "$begin" "$(now)") s"
exit $failed
