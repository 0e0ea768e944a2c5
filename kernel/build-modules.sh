#!/bin/bash
# Build kvm.ko, kvm-intel.ko and kvm-amd.ko from Debian's linux-source of
# the kernel line $KERNEL (6.1, 6.12; default kernel/default) with that
# kernel's patch series applied, against Debian's headers packages, so they
# load into Debian's stock kernel of the same ABI (same vermagic and symbol
# versions).  No kernel is built.  Output: build/modules/<abi>/*.ko
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
series=$patches_dir/series
abi=$("$top/lab/fetch-debian.sh")

# Several make targets (lab, e2e, study, bench) depend on the modules and may
# run at once: one build at a time, the others then find it up to date.
exec 9>"$build_lock"
flock 9
root=$debs_root
hdr=$root/usr/src/linux-headers-$abi-amd64
stage=$stage_dir
out=$top/build/modules/$abi

# Skip the build when nothing that goes into it changed.
mapfile -t patch_files < <(sed -e '/^#/d' -e '/^$/d' -e "s|^|$patches_dir/|" "$series")
inputs_hash=$(cat "$0" "$kernel_dir/kernel.conf" "$series" "${patch_files[@]}" |
	      { cat; echo "$abi"; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/.inputs" ] && [ "$(cat "$out/.inputs")" = "$inputs_hash" ] &&
   [ -f "$out/kvm.ko" ] && [ -f "$out/kvm-amd.ko" ] && [ -f "$out/kvm-intel.ko" ]; then
	echo "build-modules: up to date in ${out#"$top"/}"
	exit 0
fi

# Where the pristine KVM sources and the headers the series patches come from.
"$top/kernel/extract-source.sh" >/dev/null
pristine=$src_dir

# The -amd64 headers include the -common ones by absolute path; point them at
# our unpacked copy instead of /usr/src.
sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdr/Makefile"

rm -rf "$stage"
mkdir -p "$stage"
cp -a "$pristine/." "$stage/"
while read -r patch; do
	case "$patch" in ''|'#'*) continue ;; esac
	GIT_CEILING_DIRECTORIES=$top/build git -C "$stage" apply \
		--whitespace=error-all "$patches_dir/$patch" ||
		{ echo "build-modules: $patch does not apply" >&2; exit 1; }
done < "$series"

# Headers outside arch/x86/kvm and virt/kvm that the series changes must win
# over the headers package's copies: put exactly those first on the path.
override=$stage/override
mkdir -p "$override"
for f in $(cd "$stage" && find include arch/x86/include -name '*.h' 2>/dev/null); do
	mkdir -p "$override/$(dirname "$f")"
	cp "$stage/$f" "$override/$f"
done

# trace.h sets TRACE_INCLUDE_PATH to ../../arch/x86/kvm, which the
# preprocessor resolves against the include path: give it a directory two
# levels below the stage root.
mkdir -p "$stage/trace-anchor/dir"

# Upstream's Makefile with $(srctree) pointing at our stage, as a Kbuild file.
sed "s|\$(srctree)|$stage|g" "$stage/arch/x86/kvm/Makefile" > "$stage/arch/x86/kvm/Kbuild"
cat >> "$stage/arch/x86/kvm/Kbuild" <<KBUILD
ccflags-y += -I$stage/trace-anchor/dir
KBUILD

jobs=$(nproc)
make -s -C "$hdr" M="$stage/arch/x86/kvm" -j"$jobs" \
	NOSTDINC_FLAGS="-I$override/arch/x86/include -I$override/include" \
	"${make_vars[@]}" modules

mkdir -p "$out"
for m in kvm kvm-intel kvm-amd; do
	strip --strip-debug -o "$out/$m.ko" "$stage/arch/x86/kvm/$m.ko"
done
echo "$inputs_hash" > "$out/.inputs"
echo "build-modules: kvm-amd.ko kvm-intel.ko kvm.ko in ${out#"$top"/}"
