#!/bin/bash
# Build the lab's L1 initramfs: busybox-static, lab/initramfs/ (the /init and
# its helpers), the virtio + 9p modules L1 needs for its host shares, and one
# set of KVM modules with their dependencies.  See lab/README.md.
#
#   lab/mkinitramfs.sh [--modules ours|stock|DIR]
#       prints the path of the cached base image (gzip'ed newc cpio),
#       rebuilding it only when one of its inputs changed.
#   lab/mkinitramfs.sh [--modules ...] --overlay DIR --output FILE
#       writes FILE = base image followed by an uncompressed cpio of DIR's
#       contents (the kernel unpacks concatenated archives in order, so the
#       overlay adds or replaces files; run-l1.sh puts /lab/run.env there).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lab=$top/lab
image_dir=$top/build/lab/initramfs

die() { echo "mkinitramfs: $*" >&2; exit 1; }
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

modules=ours overlay="" output=""
while [ $# -gt 0 ]; do
	case $1 in
	--modules) [ $# -ge 2 ] || usage; modules=$2; shift 2 ;;
	--modules=*) modules=${1#*=}; shift ;;
	--overlay) [ $# -ge 2 ] || usage; overlay=$2; shift 2 ;;
	--output) [ $# -ge 2 ] || usage; output=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "mkinitramfs: unknown argument '$1'" >&2; usage ;;
	esac
done
[ -z "$overlay" ] || [ -n "$output" ] || die "--overlay needs --output FILE"
[ -z "$overlay" ] || [ -d "$overlay" ] || die "overlay '$overlay' is not a directory"
for tool in cpio gzip strip readelf modinfo sha256sum flock; do
	command -v "$tool" >/dev/null || die "$tool not found; run 'make deps'"
done

abi=$("$lab/fetch-debian.sh")
# The kernel line $KERNEL (default kernel/default) has its own package tree.
debs=$(. "$top/kernel/kernel-env.sh" && echo "$debs_root")
stock=$debs/lib/modules/$abi-amd64/kernel
[ -d "$stock" ] || die "no stock modules at $stock; run lab/fetch-debian.sh"

case $modules in
ours) kvm_dir=$top/build/modules/$abi
      [ -e "$kvm_dir/kvm.ko" ] || die "no $kvm_dir/kvm.ko; run 'make modules'"
      set_name=ours-$abi ;;
stock) kvm_dir=$stock/arch/x86/kvm; set_name=stock-$abi ;;
*) [ -e "$modules/kvm.ko" ] ||
	die "--modules takes ours, stock or a directory holding kvm.ko (got '$modules')"
   kvm_dir=$(cd "$modules" && pwd)
   set_name=dir-$(echo "$kvm_dir" | sha256sum | cut -c1-12) ;;
esac

busybox=$debs/bin/busybox
[ -x "$busybox" ] || busybox=$(command -v busybox || true)
[ -n "$busybox" ] && readelf -l "$busybox" 2>/dev/null | grep -q INTERP && busybox=""
[ -n "$busybox" ] || die "no statically linked busybox; run lab/fetch-debian.sh"

# Where a module comes from: the KVM set for kvm*, Debian's tree otherwise.
# Debian's 6.1 ships plain .ko files, its 6.12 .ko.xz; .ko.zst is accepted too.
declare -A stock_path=()
while read -r f; do
	n=${f##*/}
	n=${n%%.ko*}
	stock_path[${n//-/_}]=$f
done < <(find "$stock" -name '*.ko*')
# Modules built into the kernel (6.12 has virtio_pci and its ring in the
# image) need no file: they count as loaded.
declare -A builtin=()
while read -r f; do
	n=${f##*/}
	n=${n%%.ko*}
	builtin[${n//-/_}]=1
done < <(cat "$stock/../modules.builtin" 2>/dev/null)
find_module() {
	local name=${1//-/_} f
	case $name in
	kvm|kvm_amd|kvm_intel)
		for f in "$kvm_dir/${name//_/-}".ko "$kvm_dir/${name//_/-}".ko.*; do
			[ -e "$f" ] && { echo "$f"; return; }
		done
		die "$kvm_dir has no ${name//_/-}.ko" ;;
	esac
	[ -n "${stock_path[$name]:-}" ] || die "module $name not found under $stock"
	echo "${stock_path[$name]}"
}

# Module names (as modinfo spells them) in load order, dependencies first.
declare -A seen=()
ordered=()
add_with_deps() {
	local name=${1//-/_} file dep deps
	[ -n "${seen[$name]:-}" ] && return
	seen[$name]=1
	[ -n "${builtin[$name]:-}" ] && return
	file=$(find_module "$name")
	deps=$(modinfo -F depends "$file" | tr ',' ' ')
	for dep in $deps; do add_with_deps "$dep"; done
	ordered+=("$name")
}
order_of() {
	ordered=()
	local m
	for m in "$@"; do add_with_deps "$m"; done
	echo "${ordered[@]}"
}
# The 9p share needs the virtio PCI transport and 9p itself.
base_order=$(order_of virtio_pci 9pnet_virtio 9p)
amd_order=$(order_of kvm_amd)
intel_order=$(order_of kvm_intel)
# shellcheck disable=SC2086  # the module lists are split into words on purpose
all_modules=$(printf '%s\n' $base_order $amd_order $intel_order | awk '!x[$0]++')

# Cache key: everything that ends up in the image.
key=$( {
	echo "format 1 $set_name"
	sha256sum "$0" "$busybox"
	(cd "$lab/initramfs" && find . -type f | sort | xargs sha256sum)
	for m in $all_modules; do sha256sum "$(find_module "$m")"; done
} | sha256sum | cut -c1-64)

image=$image_dir/$set_name.cpio.gz
mkdir -p "$image_dir"
# Runs may start side by side: one builds, the others wait and reuse.
exec 9>"$image_dir/.lock"
flock 9
if [ ! -s "$image" ] || [ "$(cat "$image.key" 2>/dev/null)" != "$key" ]; then
	stage=$(mktemp -d "$image_dir/.stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage"/{bin,dev,etc,proc,sys,tmp,run,root,mnt,host,out,lab,modules}
	ln -s bin "$stage/sbin"
	# Dynamically linked host programs find their loader and libraries
	# through the host share (see README: "Host programs").
	ln -s /host/lib "$stage/lib"
	ln -s /host/lib64 "$stage/lib64"
	ln -s /host/usr "$stage/usr"
	cp "$busybox" "$stage/bin/busybox"
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
	done
	cp -a "$lab/initramfs/." "$stage/"
	chmod 755 "$stage/init" "$stage"/bin/*
	# The kernel opens /dev/console for /init before anything is mounted.
	mknod "$stage/dev/console" c 5 1 2>/dev/null || true
	for m in $all_modules; do
		src=$(find_module "$m")
		dst=$stage/modules/$m.ko
		case $src in
		*.xz) xz -dc "$src" > "$dst" ;;
		*.zst) zstd -qdc "$src" > "$dst" ;;
		*.gz) gzip -dc "$src" > "$dst" ;;
		*) cp "$src" "$dst" ;;
		esac
		# Strip only modules that carry debug info: stripping would
		# also drop the signature Debian appends to its modules.
		if readelf -S "$dst" | grep -q '\.debug_'; then
			strip --strip-debug "$dst"
		fi
	done
	echo "$base_order" > "$stage/modules/order-base"
	echo "$amd_order" > "$stage/modules/order-amd"
	echo "$intel_order" > "$stage/modules/order-intel"
	echo "$set_name" > "$stage/modules/set"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | gzip -6 > "$image.tmp"
	mv "$image.tmp" "$image"
	echo "$key" > "$image.key"
	echo "mkinitramfs: built $image ($(du -k "$image" | cut -f1) KiB)" >&2
fi
flock -u 9

if [ -z "$overlay" ]; then
	echo "$image"
	exit 0
fi
# The kernel takes an uncompressed archive after a compressed one only at a
# 4-byte aligned offset; it skips the zero bytes in between.
size=$(stat -c %s "$image")
{
	cat "$image"
	head -c $(( (4 - size % 4) % 4 )) /dev/zero
	(cd "$overlay" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0)
} > "$output.tmp"
mv "$output.tmp" "$output"
echo "$output"
