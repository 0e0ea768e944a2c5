# shellcheck shell=bash
# Sourced by make-root.sh and build-image.sh: running dpkg, apt and the
# image's own tools in a root under build/, never touching the host's.

# chroot_clear DIR: remove DIR, after undoing the mounts a build killed
# before its cleanup left below it; rm never crosses into a mount (the
# bind-mounted /dev is the host's).
chroot_clear() {
	awk -v dir="$1/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r stale; do umount -l "$stale"; done
	rm -rf --one-file-system "$1"
}

chroot_mounts=()
# chroot_enter DIR: /proc and /dev in DIR, which dpkg's scripts need;
# chroot_leave (or the script's exit) undoes them.
chroot_enter() {
	trap chroot_leave EXIT
	trap 'exit 1' INT TERM
	mount -t proc proc "$1/proc" && chroot_mounts+=("$1/proc")
	mount --bind /dev "$1/dev" && chroot_mounts+=("$1/dev")
}

chroot_leave() {
	local i
	for ((i = ${#chroot_mounts[@]} - 1; i >= 0; i--)); do umount -l "${chroot_mounts[i]}" || true; done
	chroot_mounts=()
	trap - EXIT
}

# in_chroot DIR COMMAND...: COMMAND inside DIR, with no questions asked.
in_chroot() {
	local dir=$1
	shift
	chroot "$dir" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"
}
