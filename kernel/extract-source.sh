#!/bin/bash
# Unpack from Debian's linux-source tarball of the kernel line $KERNEL
# (default kernel/default) only what we need: KVM's sources, the headers our
# series patches, and checkpatch.  Prints the path.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
"$top/lab/fetch-debian.sh" >/dev/null
tarball=$debs_root/usr/src/$src_pkg.tar.xz
dest=$src_dir
# The stamp names the package version fetch-debian resolved and the tarball
# it unpacked (size, time), so a newer Debian point release is unpacked anew
# instead of its headers meeting the old KVM sources.
read -r _ src_version _ <"$cache_dir/resolved"
tarball_id=$(stat -c '%s %Y' "$tarball")
stamp="$src_pkg $src_version ($tarball_id)"
# make checkpatch and make modules may run at once: one unpacks, the other waits.
exec 7>"$dest.lock"
flock 7
if [ "$(cat "$dest/.done" 2>/dev/null)" != "$stamp" ]; then
	# Unpacked beside and swapped in, so a reader of the old tree (a
	# checkpatch run of another make) loses it only for a moment.
	rm -rf "$dest.new" "$dest.old"
	mkdir -p "$dest.new"
	tar -xJf "$tarball" -C "$dest.new" --strip-components=1 \
		"$src_pkg/arch/x86/kvm" \
		"$src_pkg/virt/kvm" \
		"$src_pkg/arch/x86/include/asm/kvm_host.h" \
		"$src_pkg/arch/x86/include/asm/kvm-x86-ops.h" \
		"$src_pkg/include/linux/kvm_host.h" \
		"$src_pkg/scripts/checkpatch.pl" \
		"$src_pkg/scripts/spelling.txt" \
		"$src_pkg/scripts/const_structs.checkpatch"
	echo "$stamp" >"$dest.new/.done"
	[ ! -e "$dest" ] || mv "$dest" "$dest.old"
	mv "$dest.new" "$dest"
	rm -rf "$dest.old"
fi
echo "$dest"
