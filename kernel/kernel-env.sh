# Sourced by the kernel and lab scripts, with $top set: the settings of the
# kernel line $KERNEL (default: kernel/default) from kernel/$KERNEL/kernel.conf
# and the directories of its packages and builds, which no two kernels share.
# shellcheck shell=bash disable=SC2034 # the variables are for the caller
KERNEL=${KERNEL:-$(cat "$top/kernel/default")}
kernel_dir=$top/kernel/$KERNEL
if [ ! -f "$kernel_dir/kernel.conf" ]; then
	known=("$top"/kernel/*/kernel.conf)
	known=("${known[@]%/kernel.conf}")
	echo "KERNEL=$KERNEL: no kernel/$KERNEL/kernel.conf (kernels: ${known[*]##*/})" >&2
	exit 1
fi
# shellcheck source=kernel/6.1/kernel.conf
. "$kernel_dir/kernel.conf"
patches_dir=$kernel_dir/patches
cache_dir=$top/build/cache$dir_suffix		# downloaded .deb files
debs_root=$top/build/debs$dir_suffix/root	# and unpacked
src_dir=$top/build/linux-kvm-src$dir_suffix	# pristine sources, checkpatch
stage_dir=$top/build/kvm-stage$dir_suffix	# patched sources, module build
fetch_lock=$top/build/.fetch-debian$dir_suffix.lock
build_lock=$top/build/.build-modules$dir_suffix.lock
