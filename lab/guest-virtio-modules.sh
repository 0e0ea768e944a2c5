#!/bin/bash
# Puts the virtio modules a Debian guest kernel needs for its virtio disk
# into an initramfs being staged, with the order to load them in, for the
# guests the study and exitstat-l2 boot in L1.
#   usage: lab/guest-virtio-modules.sh KERNEL_MODULES_DIR STAGE_MODULES_DIR
# KERNEL_MODULES_DIR is /lib/modules/<release>/kernel of an unpacked image;
# STAGE_MODULES_DIR gets NAME.ko files and "order" (one NAME per line).
# 6.1 ships these as modules (.ko); 6.12 has all but virtio_blk built in
# and compresses its modules (.ko.xz).
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 KERNEL_MODULES_DIR STAGE_MODULES_DIR" >&2; exit 2; }
modules=$1 dest=$2
mkdir -p "$dest"
: > "$dest/order"
for m in drivers/virtio/virtio_ring drivers/virtio/virtio \
	 drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev \
	 drivers/virtio/virtio_pci drivers/block/virtio_blk; do
	name=${m##*/}
	if grep -qxF "kernel/$m.ko" "$modules/../modules.builtin" 2>/dev/null; then
		continue
	elif [ -f "$modules/$m.ko" ]; then
		cp "$modules/$m.ko" "$dest/"
	elif [ -f "$modules/$m.ko.xz" ]; then
		xz -dc "$modules/$m.ko.xz" > "$dest/$name.ko"
	else
		echo "guest-virtio-modules: missing $modules/$m.ko (run lab/fetch-debian.sh)" >&2
		exit 1
	fi
	echo "$name" >> "$dest/order"
done
