# Sourced (bash) by the scripts that build a Debian 12 root with debootstrap
# (packaging/test/make-root.sh, study/distro/make-root.sh), with $top set.
# shellcheck shell=bash disable=SC2034  # the variables are for the caller
debian_suite=bookworm
debian_mirror=${DEB_MIRROR:-http://deb.debian.org/debian}
debian_security_mirror=${DEB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# debian_root DIR INCLUDE: a minbase root of $debian_suite in DIR with the
# packages INCLUDE (comma-separated) and their dependencies, the suite and
# its updates and security suites in sources.list, and a policy-rc.d that
# keeps daemons from starting in the chroot.  Returns non-zero (debootstrap
# keeps its log in DIR/debootstrap/) when debootstrap fails.
debian_root() {
	local dir=$1 include=$2
	debootstrap --variant=minbase --include="$include" \
		"$debian_suite" "$dir" "$debian_mirror" >&2 || return 1
	cat > "$dir/etc/apt/sources.list" <<-SOURCES
	deb $debian_mirror $debian_suite main
	deb $debian_mirror $debian_suite-updates main
	deb $debian_security_mirror $debian_suite-security main
	SOURCES
	printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
}
