# shellcheck shell=sh
# Runs exitbench once per line of DIR/variants ("mode vcpus idle_vcpus
# exits_per_vcpu") and appends its sample lines to DIR/samples-LABEL.txt.
# POSIX sh: bench/bench-l1.sh runs it in L1 directly (busybox) and as the
# command a tracer starts (the host's dash, chrooted by hostrun).
# usage: sh run-variants.sh DIR LABEL REPS
[ $# = 3 ] || { echo "usage: run-variants.sh DIR LABEL REPS" >&2; exit 2; }
dir=$1 label=$2 reps=$3
while read -r mode vcpus idle exits; do
	[ -n "$mode" ] || continue
	# A guest that never finishes would otherwise hang the run until the
	# lab's timeout.
	if ! timeout 600 "$dir/exitbench" --label "$label" --mode "$mode" --vcpus "$vcpus" \
		--idle-vcpus "$idle" --exits "$exits" --reps "$reps" > "$dir/result"; then
		echo "run-variants: exitbench failed: $label, $mode, $vcpus vCPUs, $idle idle" >&2
		exit 1
	fi
	grep '^sample' "$dir/result" >> "$dir/samples-$label.txt"
	grep '^median' "$dir/result"
done < "$dir/variants"
