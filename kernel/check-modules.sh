#!/bin/bash
# Check the modules make modules built for the kernel line $KERNEL (default
# kernel/default) against Debian's stock modules of the same ABI: the same
# vermagic, and every symbol imported from the kernel or a stock module
# with the CRC the headers' Module.symvers gives (imports from our kvm.ko
# with the CRC our build gave).  Prints ok/not ok lines.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
abi=$("$top/lab/fetch-debian.sh") || { echo "not ok modules-$KERNEL fetch-debian.sh failed"; exit 1; }
out=$top/build/modules/$abi
stock=$debs_root/lib/modules/$abi-amd64/kernel/arch/x86/kvm
symvers=$debs_root/usr/src/linux-headers-$abi-amd64/Module.symvers
ours=$stage_dir/arch/x86/kvm/Module.symvers
status=0
fail() { echo "not ok modules-$KERNEL $*"; status=1; }

for m in kvm kvm-amd kvm-intel; do
	ko=$out/$m.ko
	[ -f "$ko" ] || { fail "$m.ko missing in ${out#"$top"/}"; continue; }
	stock_ko=$stock/$m.ko
	[ -f "$stock_ko" ] || stock_ko=$stock/$m.ko.xz
	[ -f "$stock_ko" ] || { fail "$m.ko: no stock module in ${stock#"$top"/}"; continue; }
	magic=$(modinfo -F vermagic "$ko")
	stock_magic=$(modinfo -F vermagic "$stock_ko")
	if [ -n "$magic" ] && [ "$magic" = "$stock_magic" ]; then
		echo "ok modules-$KERNEL $m.ko vermagic $magic"
	else
		fail "$m.ko vermagic '$magic', stock '$stock_magic'"
	fi
	# Imported symbols and their CRCs against the exporters': stock
	# Module.symvers, but our own build's for what our kvm.ko exports.
	modprobe --dump-modversions "$ko" > "$out/.$m.versions"
	bad=$(awk -F'\t' '
		FNR == 1 { f++ }
		f == 1 { if ($3 != "arch/x86/kvm/kvm") crc[$2] = $1; next }
		f == 2 { crc[$2] = $1; next }
		{ n++; if (crc[$2] != $1) print $2, $1, (crc[$2] == "" ? "missing" : crc[$2]) }
		END { if (!n) print "no __versions" }' "$symvers" "$ours" "$out/.$m.versions")
	n=$(wc -l < "$out/.$m.versions")
	rm -f "$out/.$m.versions"
	if [ -z "$bad" ]; then
		echo "ok modules-$KERNEL $m.ko $n imported symbol CRCs match"
	else
		fail "$m.ko symbol CRCs differ (symbol, CRC in the module, the exporter's):"
		echo "$bad" | head -20 | sed 's/^/#   /'
	fi
done
exit $status
