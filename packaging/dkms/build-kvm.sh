#!/bin/sh
# The DKMS build of kvm.ko, kvm-amd.ko and kvm-intel.ko for one kernel
# (run by dkms in a copy of /usr/src/kvm-exit-stats-VERSION/):
#   build-kvm.sh KERNELRELEASE   builds into out/
#   build-kvm.sh --clean         removes what a build left
# The patched KVM source of that kernel is in kernels/KERNELRELEASE/; it is
# built as an external module against the kernel's headers, with the
# headers the patches change put first on the include path.
set -eu
here=$(pwd)
if [ "${1:-}" = --clean ]; then
	rm -rf "$here/out"
	exit 0
fi
if [ $# -ne 1 ]; then
	echo "usage: $0 KERNELRELEASE | --clean" >&2
	exit 64
fi
kernel=$1
"$here/kernel-check" "$kernel"
src=$here/kernels/$kernel
# shellcheck source=/dev/null
. "$src/kernel.env"
kvm=$src/arch/x86/kvm

# trace.h sets TRACE_INCLUDE_PATH to ../../arch/x86/kvm, which the
# preprocessor resolves against the include path: give it a directory two
# levels below the source root.
mkdir -p "$src/trace-anchor/dir"
# KVM's own Makefile refers to $(srctree), the kernel tree, which a headers
# package does not have: point it at our source as a Kbuild file.
sed "s|\$(srctree)|$src|g" "$kvm/Makefile" > "$kvm/Kbuild"
echo "ccflags-y += -I$src/trace-anchor/dir" >> "$kvm/Kbuild"
# A module version (the stock modules have none): dkms installs a module only
# when its version differs from the kernel's own, and modinfo and
# /sys/module/kvm/version then tell which KVM is which.  One object per
# module, as kbuild links an object into one module only.
for module in kvm kvm-amd kvm-intel; do
	{
		echo '// SPDX-License-Identifier: GPL-2.0'
		echo '#include <linux/module.h>'
		echo "MODULE_VERSION(\"$(cat "$here/VERSION")\");"
	} > "$kvm/$module-exit-stats-version.c"
	echo "$module-y += $module-exit-stats-version.o" >> "$kvm/Kbuild"
done

# $make_vars: extra variables of this kernel line (kernel.env), one word each.
# shellcheck disable=SC2086,SC2154 # set by kernel.env
make -C "/lib/modules/$kernel/build" M="$kvm" -j"$(nproc)" \
	NOSTDINC_FLAGS="-I$src/arch/x86/include -I$src/include" $make_vars modules
mkdir -p "$here/out"
for module in kvm kvm-amd kvm-intel; do
	cp "$kvm/$module.ko" "$here/out/"
done
