#!/bin/bash
# Put the host's QEMU into a directory that the Intel L1 (Bochs, no host
# share, see README.md) can run it from: the binary, the shared libraries
# `ldd` names and their loader, the firmware a `-kernel` boot reads, and a
# busybox-sh wrapper `qemu-system-x86_64` that starts it through the loader.
#
#   lab/bochs/qemu-bundle.sh OUTDIR [GUESTDIR]
#       GUESTDIR: where OUTDIR will be in L1 (default /lab/qemu); the
#       wrapper uses absolute paths there.
# About 50 MB.  Firmware: SeaBIOS (bios-256k.bin), linuxboot_dma.bin for
# -kernel, kvmvapic.bin (QEMU loads it on every PC); -nodefaults needs no
# other option ROM.  An -accel kvm run needs no QEMU module.
set -euo pipefail
die() { echo "qemu-bundle: $*" >&2; exit 2; }
{ [ $# -ge 1 ] && [ $# -le 2 ]; } || die "usage: lab/bochs/qemu-bundle.sh OUTDIR [GUESTDIR]"
out=$1 guest=${2:-/lab/qemu}
case $guest in /*) ;; *) die "GUESTDIR '$guest' must be an absolute path" ;; esac
qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found; run 'make deps'"
firmware=(/usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin
	/usr/share/qemu/kvmvapic.bin)
for f in "${firmware[@]}"; do [ -r "$f" ] || die "missing firmware $f; run 'make deps'"; done

rm -rf "$out"
mkdir -p "$out/lib" "$out/firmware"
cp "$qemu" "$out/qemu-system-x86_64.bin"
loader=""
while read -r lib; do
	case $lib in */ld-linux*) loader=$(basename "$lib") ;; esac
	cp -L "$lib" "$out/lib/"
done < <(ldd "$qemu" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
[ -n "$loader" ] || die "ldd named no program loader for $qemu"
cp "${firmware[@]}" "$out/firmware/"
cat > "$out/qemu-system-x86_64" <<WRAPPER
#!/bin/sh
# The host's QEMU, run through its own loader and libraries (lab/bochs/qemu-bundle.sh).
exec $guest/lib/$loader --library-path $guest/lib $guest/qemu-system-x86_64.bin -L $guest/firmware "\$@"
WRAPPER
chmod 755 "$out/qemu-system-x86_64"
echo "qemu-bundle: $(du -sh "$out" | cut -f1) in $out (for $guest)" >&2
