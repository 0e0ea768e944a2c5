#!/bin/bash
# The Debian 12 root `make deb-test` installs our packages into: debootstrap
# (minbase) plus dkms and the lab kernel's image and headers packages from
# build/cache/ (the very ones the lab boots), and the headers of another
# flavour of the same kernel (cloud-amd64), which the DKMS package must
# refuse.  The root is kept in build/deb-test/root/ and made again only when
# an input changes: this script, the mirror, the suite, the kernel packages.
# It is only ever used read-only, as the lower layer of an overlay (see
# packaging/test/deb-test.sh), so a test can not change it.  Prints the path
# (build/deb-test/<KERNEL>/root).
#
# DEB_MIRROR (default http://deb.debian.org/debian, what CI reaches) and
# DEB_SECURITY_MIRROR (default http://deb.debian.org/debian-security) choose
# where debootstrap and apt download from.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lab/debian-root.sh
. "$top/lab/debian-root.sh"
suite=$debian_suite mirror=$debian_mirror security_mirror=$debian_security_mirror
fail() { echo "make-root: $*" >&2; exit 1; }

# The lab's kernel ($KERNEL, default kernel/default): its packages are what
# the test installs into the root.
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
abi=$("$top/lab/fetch-debian.sh")
read -r _ kernel_version image_pkg < "$cache_dir/resolved"
kernel_debs=()
for pkg in "$image_pkg" "linux-headers-$abi-amd64" "linux-headers-$abi-common"; do
	found=("$cache_dir/${pkg}_${kernel_version//:/%3a}_"*.deb)
	[ -e "${found[0]}" ] || fail "no ${pkg} ${kernel_version} in ${cache_dir#"$top"/} (lab/fetch-debian.sh fetches it)"
	kernel_debs+=("${found[0]}")
done
other_flavour=linux-headers-$abi-cloud-amd64
dir=$top/build/deb-test/$KERNEL
root=$dir/root

mkdir -p "$dir"
exec 6>"$dir/.root.lock"
flock 6
key=$( { cat "$0" "$top/lab/debian-root.sh"; echo "$suite $mirror $security_mirror $other_flavour=$kernel_version";
	 for deb in "${kernel_debs[@]}"; do basename "$deb"; done; } | sha256sum | cut -d' ' -f1)
if [ -f "$root/.key" ] && [ "$(cat "$root/.key")" = "$key" ]; then
	echo "$root"
	exit 0
fi

command -v debootstrap >/dev/null || fail "debootstrap missing (make deps installs it)"
echo "make-root: debootstrap $suite from $mirror into ${root#"$top"/} (cached afterwards)" >&2
new=$root.new
# A build killed before its cleanup leaves its mounts: undo them first, and
# never let rm cross into a mount (the bind-mounted /dev is the host's).
awk -v new="$new/" 'index($2, new) == 1 { print $2 }' /proc/mounts | sort -r |
	while read -r stale; do umount -l "$stale"; done
rm -rf --one-file-system "$root" "$new"
debian_root "$new" ca-certificates ||
	fail "debootstrap $suite $mirror failed (log: ${new#"$top"/}/debootstrap/debootstrap.log)"

# dpkg and dkms need /proc and /dev; unmounted on any exit.
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" || true; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mount -t proc proc "$new/proc" && mounts+=("$new/proc")
mount --bind /dev "$new/dev" && mounts+=("$new/dev")
mkdir -p "$new/tmp/kernel-debs"
cp "${kernel_debs[@]}" "$new/tmp/kernel-debs/"
in_root() { chroot "$new" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
in_root apt-get update -q >&2
# dkms first, so its kernel hooks are in place as on a host that has it.
in_root apt-get install -y -q --no-install-recommends dkms >&2
in_root sh -c 'apt-get install -y -q --no-install-recommends /tmp/kernel-debs/*.deb' >&2
in_root apt-get install -y -q --no-install-recommends "$other_flavour=$kernel_version" >&2
in_root apt-get clean
rm -rf "$new/tmp/kernel-debs"
cleanup
trap - EXIT
echo "$key" > "$new/.key"
mv "$new" "$root"
echo "$root"
