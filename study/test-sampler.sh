#!/bin/bash
# Unit test of study-sampler (built with ASan/UBSan) against a fake KVM
# debugfs directory, no VM: the "QEMU" it runs is a shell script that
# creates the VM's directory, changes the counters and prints console lines.
# usage: test-sampler.sh SAMPLER
# Prints one "ok NAME" / "not ok NAME - details" line per check.
set -u
sampler=${1:?usage: test-sampler.sh SAMPLER}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
ok() { echo "ok $1"; }
not_ok() { echo "not ok $1 - $2"; failed=1; }
expect() { # NAME DETAIL COMMAND...
	local name=$1 detail=$2
	shift 2
	if "$@"; then ok "$name"; else not_ok "$name" "$detail"; fi
}

# The fake VM.  Counters are rewritten in place with fixed-width numbers,
# so a concurrent read never sees a truncated file.  Before changing them
# it waits for the sampler to report the sample of the previous step on
# its stdout (a handshake, not a guess at how long the sampler takes).
cat > "$work/fake-qemu.sh" <<'EOF'
#!/bin/bash
set -e
fake=$1 console=$2 progress=$3
sampled() { # TEXT: wait (10 s at most) until the sampler reported TEXT
	local _
	for _ in $(seq 200); do
		grep -qF -- "$1" "$progress" && return 0
		sleep 0.05
	done
	echo "fake-qemu: the sampler never reported '$1'" >&2
	exit 1
}
# Fill the directory before it appears, as a whole (rename).
vm=$fake/../stage-$$
mkdir -p "$vm/vcpu0"
set_counts() { # IOIO CPUID
	printf '# numbering svm tsc_khz 2000000\n# reason name count cycles\n114 CPUID %08d %08d\n120 HLT 00000000 00000000\n123 IOIO %08d %08d\n- TOTAL %08d %08d\n' \
		"$2" "$((2 * $2))" "$1" "$((3 * $1))" "$(($1 + $2))" "$((3 * $1 + 2 * $2))" |
		dd of="$vm/exit_stats" conv=notrunc status=none
	printf '%08d\n' "$(($1 + $2))" | dd of="$vm/exits" conv=notrunc status=none
}
set_counts 0 0
mv "$vm" "$fake/$$-11"
vm=$fake/$$-11
sampled 'VM created'
set_counts 10 1
printf 'Probing EDD (edd=off to disable)... ok\r\nplain line\n' >> "$console"
sampled 'Probing EDD'
set_counts 20 2
printf '@@STUDY phase userspace\n' >> "$console"
sampled '@@STUDY phase userspace'
set_counts 30 3
printf '@@STUDY phase shutdown\n' >> "$console"
sampled '@@STUDY phase shutdown'
# Not ordering: the run lasts long enough for the periodic samples checked
# below (at least 8 at 50 ms).
sleep 0.9
set_counts 40 4
printf 'last line without newline' >> "$console"
exit 0
EOF
chmod +x "$work/fake-qemu.sh"
mkdir -p "$work/debugfs" "$work/out"
# A VM directory that was there before must not be taken for ours.
mkdir -p "$work/debugfs/1-99"

# shellcheck disable=SC2094  # the fake QEMU only reads what the sampler has written
"$sampler" --out "$work/out" --console "$work/console.log" --debugfs "$work/debugfs" \
	--interval-ms 50 --timeout 20 --event-prefix "@@STUDY " --event-prefix "Probing EDD" \
	-- "$work/fake-qemu.sh" "$work/debugfs" "$work/console.log" "$work/stdout" \
	> "$work/stdout" 2> "$work/stderr"
status=$?
expect sampler-exit-status "status $status, stderr: $(head -c 600 "$work/stderr")" test $status = 0

samples=$work/out/samples.csv
final_total=$(awk -F, '$3 == "final" && $6 == "TOTAL" { print $7 }' "$samples")
final_kvm=$(awk -F, '$3 == "final" && $6 == "KVM_STAT_EXITS" { print $7 }' "$samples")
final_ioio=$(awk -F, '$3 == "final" && $6 == "IOIO" { print $7 "/" $8 }' "$samples")
expect final-total "TOTAL $final_total, want 44" test "$final_total" = 44
expect final-kvm-exits "KVM_STAT_EXITS $final_kvm, want 44" test "$final_kvm" = 44
expect final-reason-row "IOIO count/cycles '$final_ioio', want 40/120" test "$final_ioio" = 40/120
expect zero-rows-skipped "HLT (count 0) has rows" \
	test "$(grep -c ',HLT,' "$samples")" = 0
events=$(awk -F, '$3 == "event" && $6 == "TOTAL" { print $4 "=" $7 }' "$samples" | tr '\n' ';')
want="VM created (firmware starts)=0;first console output=11;Probing EDD (edd=off to disable)... ok=11;@@STUDY phase userspace=22;@@STUDY phase shutdown=33;"
expect event-samples "events '$events', want '$want'" test "$events" = "$want"
periodic=$(awk -F, '$3 == "periodic" && $6 == "TOTAL"' "$samples" | wc -l)
expect periodic-samples "$periodic periodic samples in over 0.9 s at 50 ms" test "$periodic" -ge 8
# shellcheck disable=SC2016  # $1 is awk's field, not the shell's
expect times-increase "t_s not monotonic" \
	awk -F, 'NR > 1 { if ($1 + 0 < last) exit 1; last = $1 + 0 }' "$samples"
lines=$(cut -f2 "$work/out/console.tsv" | tr '\n' ';')
want="Probing EDD (edd=off to disable)... ok;plain line;@@STUDY phase userspace;@@STUDY phase shutdown;last line without newline;"
expect console-lines "console.tsv lines '$lines'" test "$lines" = "$want"
expect meta-vm-dir "meta.txt: $(tr '\n' ' ' < "$work/out/meta.txt")" \
	grep -Eq "^vm_debugfs_dir=$work/debugfs/[0-9]+-11$" "$work/out/meta.txt"
expect meta-vcpus "no vcpus=1 in meta.txt" grep -qx 'vcpus=1' "$work/out/meta.txt"
expect meta-header "no numbering header in meta.txt" \
	grep -qx 'exit_stats_header=# numbering svm tsc_khz 2000000' "$work/out/meta.txt"
expect progress-lines "stdout: $(head -c 300 "$work/stdout")" \
	grep -q '@@STUDY phase shutdown' "$work/stdout"

# A QEMU that never finishes: the sampler stops it at the timeout.
cat > "$work/hang.sh" <<'EOF'
#!/bin/bash
mkdir -p "$1/../hang-$$"
printf '# numbering svm tsc_khz 1\n- TOTAL 0 0\n' > "$1/../hang-$$/exit_stats"
echo 0 > "$1/../hang-$$/exits"
mv "$1/../hang-$$" "$1/$$-5"
exec sleep 60
EOF
chmod +x "$work/hang.sh"
rm -rf "$work/debugfs"/* "$work/out"/*
"$sampler" --out "$work/out" --console "$work/console2.log" --debugfs "$work/debugfs" \
	--timeout 1 -- "$work/hang.sh" "$work/debugfs" > /dev/null 2> "$work/stderr"
status=$?
expect timeout-status "status $status, want 3; $(head -c 300 "$work/stderr")" test $status = 3
expect timeout-meta "no timed_out=1" grep -qx 'timed_out=1' "$work/out/meta.txt"

# Bad command lines say what to do.
"$sampler" --out "$work/out" > /dev/null 2> "$work/stderr"
status=$?
expect usage-missing-args "status $status" test $status = 2
expect usage-message "stderr: $(head -c 200 "$work/stderr")" grep -q 'usage: study-sampler' "$work/stderr"
"$sampler" --out "$work/out" --console x --interval-ms 0 -- true > /dev/null 2> "$work/stderr"
expect usage-bad-interval "stderr: $(head -c 200 "$work/stderr")" \
	grep -q -- '--interval-ms must be an integer >= 1' "$work/stderr"
exit $failed
