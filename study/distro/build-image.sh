#!/bin/bash
# The study's real-distribution guest as a disk image, a file:
# build/study/distro-<KERNEL>.img (raw, 2 GiB, sparse), from the cached
# Debian 12 root of study/distro/make-root.sh plus study/distro/root/ (the
# workloads unit, initrd phase markers, network), exitstat and exitburst,
# and a local package repository; its initrd made again with the markers.
# The disk: an MBR with one bootable partition at 1 MiB, an ext4 root made
# from the tree (mkfs.ext4 -d, no loop device), GRUB's boot.img in the MBR
# and its core.img (grub-mkimage of the image's own grub-pc) in the gap
# before the partition, as grub-install writes them; /boot/grub/grub.cfg
# is ours (grub-mkconfig would probe the host's disks).  See
# study/distro/README.md.
#
# Made again only when an input changes (the root's key, the files above,
# this script); prints the image's path.
# usage: build-image.sh EXITSTAT EXITBURST
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 EXITSTAT EXITBURST" >&2; exit 2; }
exitstat=$1 exitburst=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "distro-image: $*" >&2; exit 1; }
# shellcheck source=study/distro/chroot.sh
. "$top/study/distro/chroot.sh"
size_mb=2048
part_start=2048 # sectors: 1 MiB, GRUB's core.img lives in the gap before
# Fixed, so the command line and fstab are the same in every build.
uuid=5f0d5c2e-6b1e-4c55-9c1e-5717d1570001
# The local repository's packages, "name depends": study-demo pulls in the
# others, so one apt-get install resolves dependencies, unpacks and
# configures several packages.
repo_packages=("study-demo study-lib, study-data" "study-lib study-data" "study-data")

# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
abi=$("$top/lab/fetch-debian.sh")
root=$("$top/study/distro/make-root.sh")
dir=${root%/root}
image=$top/build/study/distro-$KERNEL.img
for f in "$exitstat" "$exitburst"; do
	[ -x "$f" ] || fail "no $f"
	readelf -l "$f" | grep -q 'program interpreter' && fail "$f is not static"
done
command -v sfdisk >/dev/null || fail "sfdisk missing (make study-distro-image installs fdisk)"

exec 7>"$dir/.image.lock"
flock 7
key=$( { cat "$root/.key" "$0"; sha256sum "$exitstat" "$exitburst" | cut -d' ' -f1;
	 echo "${repo_packages[*]} $size_mb $uuid";
	 (cd "$top/study/distro/root" && find . -type f | LC_ALL=C sort | while read -r f; do
		 echo "$f $(stat -c %a "$f")"; cat "$f"; done); } | sha256sum | cut -d' ' -f1)
if [ -f "$image.key" ] && [ "$(cat "$image.key")" = "$key" ] && [ -f "$image" ]; then
	echo "$image"
	exit 0
fi
echo "distro-image: assembling ${image#"$top"/} (cached afterwards)" >&2
start=$(date +%s)
stage=$dir/stage
chroot_clear "$stage"
cp -a "$root" "$stage"
rm -f "$stage/.key"
cp -a "$top/study/distro/root/." "$stage/"
install -m 755 "$exitstat" "$exitburst" "$stage/usr/local/bin/"

# The local repository: small packages built here, indexed, and the only
# apt source of the image (no internet in the guest).
repo=$stage/srv/study-repo
mkdir -p "$repo"
for entry in "${repo_packages[@]}"; do
	read -r name depends <<<"$entry"
	pkg=$dir/pkg/$name
	rm -rf "$pkg"
	mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/$name"
	# A few hundred KiB of text to unpack (and decompress).
	seq 1 40000 | sed "s/^/$name line /" > "$pkg/usr/share/$name/data.txt"
	{
		echo "Package: $name"
		echo "Version: 1.0"
		echo "Architecture: all"
		echo "Maintainer: kvm-exit-stats study <study@localhost>"
		[ -z "$depends" ] || echo "Depends: $depends"
		echo "Description: study workload package $name"
	} > "$pkg/DEBIAN/control"
	# shellcheck disable=SC2016 # the postinst's own $1
	printf '#!/bin/sh\nset -e\n[ "$1" = configure ] && wc -l /usr/share/%s/data.txt > /var/lib/%s.lines\nexit 0\n' \
		"$name" "$name" > "$pkg/DEBIAN/postinst"
	chmod 755 "$pkg/DEBIAN/postinst"
	dpkg-deb --root-owner-group -Zxz --build "$pkg" "$repo/${name}_1.0_all.deb" >/dev/null
done
(cd "$repo" && dpkg-scanpackages --multiversion . > Packages 2>/dev/null)
echo "deb [trusted=yes] file:/srv/study-repo ./" > "$stage/etc/apt/sources.list"
rm -rf "$stage"/var/lib/apt/lists/*

# The guest's machine-id is made at its first boot, as a cloud image's is.
: > "$stage/etc/machine-id"
rm -f "$stage/var/lib/dbus/machine-id"
echo "UUID=$uuid / ext4 errors=remount-ro 0 1" > "$stage/etc/fstab"

chroot_enter "$stage"
in_stage() { in_chroot "$stage" "$@"; }
in_stage apt-get update -q >&2
in_stage systemctl enable -q study-workloads.service systemd-networkd.service
# The console carries the markers: no login prompt on it.  The apt timers
# would try the (absent) internet at random moments of the profile.
in_stage systemctl mask -q serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer
in_stage update-initramfs -u -k "$abi-amd64" >&2
# The boot loader's files where grub-install puts them, and its core image.
mkdir -p "$stage/boot/grub/i386-pc"
cp "$stage"/usr/lib/grub/i386-pc/*.{mod,lst} "$stage/boot/grub/i386-pc/"
in_stage grub-mkimage -O i386-pc -o /tmp/core.img -p '(hd0,msdos1)/boot/grub' \
	biosdisk part_msdos ext2
chroot_leave
mv "$stage/tmp/core.img" "$dir/core.img"
cp "$stage/usr/lib/grub/i386-pc/boot.img" "$dir/boot.img"
# GRUB on the serial port only, printing nothing but the markers: commands
# at the top level (no menu entry) neither clear the screen nor announce the
# entry.  Switching to the serial terminal sends a few escape sequences
# without a newline: the empty line keeps them off the first marker's line.
cat > "$stage/boot/grub/grub.cfg" <<GRUB
# study/distro/build-image.sh; see study/distro/README.md
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
echo
echo "@@STUDY phase loader"
linux /boot/vmlinuz-$abi-amd64 root=UUID=$uuid ro console=ttyS0 quiet
initrd /boot/initrd.img-$abi-amd64
echo "@@STUDY phase kernel"
boot
GRUB
core_sectors=$(( ($(stat -c %s "$dir/core.img") + 511) / 512 ))
[ "$core_sectors" -lt "$part_start" ] || fail "core.img ($core_sectors sectors) does not fit before the partition"

new=$image.new
rm -f "$new"
truncate -s "${size_mb}M" "$new"
printf "label: dos\nstart=%s, type=83, bootable\n" "$part_start" | sfdisk -q "$new" >&2
# orphan_file and metadata_csum_seed are unknown to bookworm's GRUB 2.06.
mkfs.ext4 -q -F -U "$uuid" -L debian-root -O ^orphan_file,^metadata_csum_seed \
	-E offset=$((part_start * 512)) -d "$stage" "$new" "$((size_mb - 1))M"
# The MBR's code (its first 440 bytes; the partition table stays), the
# sector of core.img in boot.img's default (1) where grub-setup writes it,
# and the boot-drive check replaced by NOPs for a hard disk, as grub-setup
# does; core.img's own blocklist defaults to sector 2 onward, which is where
# it goes.
dd if="$dir/boot.img" of="$new" bs=440 count=1 conv=notrunc status=none
printf '\x90\x90' | dd of="$new" bs=1 seek=$((0x66)) conv=notrunc status=none
dd if="$dir/core.img" of="$new" bs=512 seek=1 conv=notrunc status=none
mv "$new" "$image"
echo "$key" > "$image.key"
rm -rf --one-file-system "$stage"
echo "distro-image: made in $(($(date +%s) - start)) s" >&2
echo "$image"
