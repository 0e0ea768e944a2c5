#!/bin/bash
# The Debian 12 root of the study's real-distribution guest, the slow half
# of its disk image (study/distro/build-image.sh makes the image from it):
# debootstrap (minbase) with what a cloud VM boots with (systemd, udev,
# dbus, initramfs-tools, e2fsprogs, grub-pc) and Debian's linux-image
# package of the lab's kernel line, the very .deb the lab boots as L1
# (build/cache*/, lab/fetch-debian.sh), with its initrd.  The initrd's
# configuration (study/distro/root/etc/initramfs-tools/) is in place before
# the kernel is installed, so the kernel's own hook builds it.
#
# Kept in build/study/distro-<KERNEL>/root and made again only when an input
# changes: this script, the initramfs configuration, the suite and mirror,
# the kernel .deb, and the versions of the included packages the host's
# package lists name (apt-cache; `apt-get update` on the host picks up a
# point release).  The installed versions are listed in
# build/study/distro-<KERNEL>/packages.txt.  Prints the root's path.
#
# DEB_MIRROR (default http://deb.debian.org/debian) and DEB_SECURITY_MIRROR
# (default http://deb.debian.org/debian-security) choose the archive.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lab/debian-root.sh
. "$top/lab/debian-root.sh"
suite=$debian_suite mirror=$debian_mirror security_mirror=$debian_security_mirror
# What the guest has beyond minbase.  grub-pc: the boot loader on the disk
# (build-image.sh writes its boot sector and core image as grub-install
# would; the package's own scripts find no disk in a chroot and do nothing).
packages=(systemd systemd-sysv udev dbus initramfs-tools zstd e2fsprogs grub-pc)
fail() { echo "distro-root: $*" >&2; exit 1; }
# shellcheck source=study/distro/chroot.sh
. "$top/study/distro/chroot.sh"

# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
abi=$("$top/lab/fetch-debian.sh")
read -r _ kernel_version image_pkg < "$cache_dir/resolved"
kernel_deb=("$cache_dir/${image_pkg}_${kernel_version//:/%3a}_"*.deb)
[ -e "${kernel_deb[0]}" ] || fail "no $image_pkg $kernel_version in ${cache_dir#"$top"/}"
dir=$top/build/study/distro-$KERNEL
root=$dir/root
initramfs_conf=$top/study/distro/root/etc/initramfs-tools

mkdir -p "$dir"
exec 6>"$dir/.root.lock"
flock 6
versions=$(apt-cache policy "${packages[@]}" 2>/dev/null | awk '/^[^ ]/ { p = $1 } /Candidate:/ { print p, $2 }')
key=$( { cat "$0" "$top/lab/debian-root.sh"; find "$initramfs_conf" -type f | LC_ALL=C sort | xargs cat;
	 echo "$suite $mirror $security_mirror ${kernel_deb[0]##*/}"; echo "$versions"; } |
	sha256sum | cut -d' ' -f1)
if [ -f "$root/.key" ] && [ "$(cat "$root/.key")" = "$key" ]; then
	echo "$root"
	exit 0
fi

command -v debootstrap >/dev/null || fail "debootstrap missing (make deps installs it)"
echo "distro-root: debootstrap $suite from $mirror into ${root#"$top"/} (cached afterwards)" >&2
start=$(date +%s)
new=$root.new
chroot_clear "$new"
rm -rf "$root"
debian_root "$new" "$(IFS=,; echo "${packages[*]}")" ||
	fail "debootstrap $suite $mirror failed (log: ${new#"$top"/}/debootstrap/debootstrap.log)"
cp -a "$initramfs_conf/." "$new/etc/initramfs-tools/"

chroot_enter "$new"
mkdir -p "$new/tmp/kernel"
cp "${kernel_deb[0]}" "$new/tmp/kernel/"
in_root() { in_chroot "$new" "$@"; }
in_root apt-get update -q >&2
in_root apt-get dist-upgrade -y -q >&2
in_root sh -c 'apt-get install -y -q --no-install-recommends /tmp/kernel/*.deb' >&2
[ -s "$new/boot/initrd.img-$abi-amd64" ] || fail "the kernel's hook made no initrd.img-$abi-amd64"
in_root apt-get clean
rm -rf "$new/tmp/kernel" "$new/usr/sbin/policy-rc.d"
chroot_leave
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
in_root dpkg-query -W -f '${Package} ${Version}\n' > "$dir/packages.txt"
echo "$key" > "$new/.key"
mv "$new" "$root"
echo "distro-root: made in $(($(date +%s) - start)) s, $(du -sm --exclude=proc "$root" | cut -f1) MB" >&2
echo "$root"
