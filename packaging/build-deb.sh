#!/bin/bash
# `make deb`: build/deb/kvm-exit-stats-dkms_VERSION_all.deb (the patched KVM
# source of every kernel line in kernel/*/, for DKMS) and
# build/deb/exitstat_VERSION_amd64.deb (the static guest tool and its man
# page), with dpkg-deb from the files in packaging/.
#
# usage: packaging/build-deb.sh [--exitstat-only] EXITSTAT-BINARY
# (--exitstat-only: make exitstat-l2, which needs no kernel sources.)
# VERSION is packaging/VERSION plus the date and hash of the commit built.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
exitstat_only=0
[ "${1:-}" = --exitstat-only ] && { exitstat_only=1; shift; }
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 [--exitstat-only] EXITSTAT-BINARY (make deb builds it first)" >&2
	exit 64
fi
exitstat_bin=$1
pkg=$top/packaging
out=$top/build/deb
work=$out/work
fail() { echo "build-deb: $*" >&2; exit 1; }

maintainer="Seed efadbe31 maintainers <maintainers@users.noreply.b-seed-efadbe31.example>"
version=$(cat "$pkg/VERSION")+git$(git -C "$top" log -1 --format=%cd --date=format:%Y%m%d).$(git -C "$top" rev-parse --short=7 HEAD)
# Dates in the packages are the commit's, so a build repeats byte for byte.
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct)

mkdir -p "$work"

# Fills @VERSION@ and the other fields of a template.
fill() {
	sed -e "s%@VERSION@%$version%g" -e "s%@MAINTAINER@%$maintainer%g" \
	    -e "s%@HEADERS@%$headers_deps%g" -e "s%@SUPPORTED@%$supported%g" \
	    -e "s%@BUILT_USING@%${built_using:-}%g" "$@"
}
# The files every package has under /usr/share/doc/NAME.
add_doc() {
	local root=$1 name=$2 doc
	doc=$root/usr/share/doc/$name
	mkdir -p "$doc"
	fill "$pkg/debian/copyright.in" > "$doc/copyright"
	{
		echo "kvm-exit-stats ($version) unstable; urgency=medium"
		echo
		echo "  * Built from commit $(git -C "$top" rev-parse HEAD)."
		echo
		echo " -- $maintainer  $(date -R -u -d "@$SOURCE_DATE_EPOCH")"
	} | gzip -9n > "$doc/changelog.gz"
}
# Control file with the installed size, then the package, owned by root.
build_package() {
	local root=$1 template=$2 deb=$3 size
	mkdir -p "$root/DEBIAN"
	size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
	fill "$template" | sed "s%@SIZE@%$size%" > "$root/DEBIAN/control"
	# Conffiles (all of /etc here) are not listed, as dh_md5sums does.
	(cd "$root" && find . \( -path ./DEBIAN -o -path ./etc \) -prune -o -type f -printf '%P\0' |
		LC_ALL=C sort -z | xargs -0r md5sum) > "$root/DEBIAN/md5sums"
	find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
	echo "build-deb: ${deb#"$top"/}"
}

# --- kvm-exit-stats-dkms: one source tree per supported kernel -----------
headers_deps="" supported=""
if [ $exitstat_only = 0 ]; then
root=$work/kvm-exit-stats-dkms
rm -rf "$root" "$out"/kvm-exit-stats-dkms_*.deb
src=$root/usr/src/kvm-exit-stats-$version
mkdir -p "$src/kernels"
for conf in "$top"/kernel/*/kernel.conf; do
	line=${conf%/kernel.conf}
	line=${line##*/}
	abi=$(KERNEL=$line "$top/lab/fetch-debian.sh")
	pristine=$(KERNEL=$line "$top/kernel/extract-source.sh")
	# The version fetch-debian.sh resolved: that of the source we patch.
	(
		# shellcheck source=kernel/kernel-env.sh
		KERNEL=$line
		. "$top/kernel/kernel-env.sh"
		read -r resolved_abi headers_version _ < "$cache_dir/resolved"
		[ "$resolved_abi" = "$abi" ] || fail "$cache_dir/resolved names $resolved_abi, not $abi"
		release=$abi-amd64
		dest=$src/kernels/$release
		mkdir -p "$dest"
		(cd "$pristine" && cp -a --parents arch virt include "$dest/")
		# Kernel's .gitignore files have no use in a package.
		find "$dest" -name .gitignore -delete
		while read -r patch; do
			case "$patch" in ''|'#'*) continue ;; esac
			GIT_CEILING_DIRECTORIES=$top/build git -C "$dest" apply \
				--whitespace=error-all "$patches_dir/$patch" ||
				fail "kernel/$line/patches/$patch does not apply to $src_pkg $headers_version"
		done < "$patches_dir/series"
		cat > "$dest/kernel.env" <<ENV
# Kernel $release: the KVM source here is Debian's $src_pkg $headers_version
# with kernel/$line/patches applied (sourced by kernel-check, build-kvm.sh).
release=$release
headers_version=$headers_version
make_vars="${make_vars[*]}"
ENV
	)
	headers_version=$(sed -n 's/^headers_version=//p' "$src/kernels/$abi-amd64/kernel.env")
	headers_deps+="${headers_deps:+ | }linux-headers-$abi-amd64 (= $headers_version)"
	supported+="${supported:+, }$abi-amd64"
done
install -m 755 "$pkg/dkms/kernel-check" "$pkg/dkms/build-kvm.sh" "$src/"
echo "$version" > "$src/VERSION"
fill "$pkg/dkms/dkms.conf.in" > "$src/dkms.conf"
add_doc "$root" kvm-exit-stats-dkms
install -m 644 "$pkg/README.admin" "$root/usr/share/doc/kvm-exit-stats-dkms/README.Debian"
mkdir -p "$root/usr/share/doc/kvm-exit-stats-dkms/examples"
install -m 644 "$pkg/examples/kvm-exit-stats-off.conf" "$root/usr/share/doc/kvm-exit-stats-dkms/examples/"
# Our KVM for kernels installed later (dkms's autoinstall is not used).
for dir in postinst.d header_postinst.d; do
	mkdir -p "$root/etc/kernel/$dir"
	fill "$pkg/debian/kernel-hook" > "$root/etc/kernel/$dir/kvm-exit-stats"
	chmod 755 "$root/etc/kernel/$dir/kvm-exit-stats"
done
mkdir -p "$root/DEBIAN"
printf '%s\n' /etc/kernel/postinst.d/kvm-exit-stats \
	/etc/kernel/header_postinst.d/kvm-exit-stats > "$root/DEBIAN/conffiles"
for script in postinst prerm; do
	fill "$pkg/debian/dkms.$script" > "$root/DEBIAN/$script"
	chmod 755 "$root/DEBIAN/$script"
done
build_package "$root" "$pkg/debian/dkms.control" "$out/kvm-exit-stats-dkms_${version}_all.deb"
fi

# --- exitstat -------------------------------------------------------------
root=$work/exitstat
rm -rf "$root" "$out"/exitstat_*.deb
readelf -l "$exitstat_bin" | grep -q 'program interpreter' &&
	fail "$exitstat_bin is not statically linked"
# Static: glibc's code is in the binary, which Debian records as Built-Using.
built_using="glibc (= $(dpkg-query -W -f '${source:Version}' libc6-dev))"
install -D -m 755 "$exitstat_bin" "$root/usr/bin/exitstat"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/exitstat"
mkdir -p "$root/usr/share/man/man1"
gzip -9n < "$top/tools/exitstat/exitstat.1" > "$root/usr/share/man/man1/exitstat.1.gz"
add_doc "$root" exitstat
# Static on purpose: the one file runs in any x86-64 guest, also one without
# Debian's libc (the lab's L2 initramfs); Built-Using names the glibc in it.
install -D -m 644 "$pkg/debian/exitstat.lintian-overrides" \
	"$root/usr/share/lintian/overrides/exitstat"
build_package "$root" "$pkg/debian/exitstat.control" "$out/exitstat_${version}_amd64.deb"
