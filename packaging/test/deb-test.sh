#!/bin/bash
# `make deb-test`: the packages of `make deb` used as an administrator would,
# in a Debian 12 root (packaging/test/make-root.sh) with the lab kernel's
# image and headers installed, then those modules booted in the lab:
#   - apt-get install ./kvm-exit-stats-dkms_*.deb: dkms builds and installs
#     for the lab's kernel, modprobe resolves kvm to updates/dkms/, and the
#     kernel of another flavour (headers installed) is refused by name;
#   - dkms install for that unsupported kernel fails with the message naming
#     the supported kernels and changes nothing; a package built from another
#     point release is refused as well;
#   - L1 boots with exactly the modules dkms installed (lab/run-l1.sh
#     --modules DIR) and the end-to-end t1 checks (exact port-I/O and CPUID
#     counts) pass with them;
#   - apt-get remove: modprobe resolves kvm to the stock module again, which
#     has no exit_stats parameter;
#   - apt-get install ./exitstat_*.deb works, and the L2 guest image of
#     make exitstat-l2 carries the package's exitstat as its only one.
# Result lines in build/deb-test/<KERNEL>/deb-test.log; the root itself is only read
# (it is the lower layer of an overlay), so every run starts from the same.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# The lab's kernel line: $KERNEL, default kernel/default.
# shellcheck source=kernel/kernel-env.sh
. "$top/kernel/kernel-env.sh"
dir=$top/build/deb-test/$KERNEL
log=$dir/deb-test.log
start=$(date +%s)
mkdir -p "$dir"
: > "$log"

ok() { echo "ok deb-$1${2:+ # $2}" | tee -a "$log"; }
not_ok() { echo "not ok deb-$1 - $2" | tee -a "$log"; }
# check NAME WHY-IF-FAILED COMMAND...: one result line from a command's status.
check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then ok "$name"; else not_ok "$name" "$why"; fi
}
finish() {
	echo "# deb-test: $(($(date +%s) - start)) s" | tee -a "$log"
	exec "$top/tests/summarize.sh" "$log"
}

root=$("$top/packaging/test/make-root.sh") ||
	{ not_ok root "packaging/test/make-root.sh failed"; finish; }
ok root "debootstrap root ${root#"$top"/}, $(($(date +%s) - start)) s"
abi=$("$top/lab/fetch-debian.sh") || { not_ok abi "lab/fetch-debian.sh failed"; finish; }
kernel=$abi-amd64 other=$abi-cloud-amd64
shopt -s nullglob
dkms_debs=("$top"/build/deb/kvm-exit-stats-dkms_*_all.deb)
exitstat_debs=("$top"/build/deb/exitstat_*_amd64.deb)
shopt -u nullglob
if [ ${#dkms_debs[@]} != 1 ] || [ ${#exitstat_debs[@]} != 1 ]; then
	not_ok packages "want one of each package in build/deb/ (make deb), found: ${dkms_debs[*]} ${exitstat_debs[*]}"
	finish
fi
# Copies: another make deb may replace build/deb/ while this runs.
rm -rf "$dir/debs"
mkdir -p "$dir/debs"
cp "${dkms_debs[0]}" "${exitstat_debs[0]}" "$dir/debs/"
dkms_deb=$dir/debs/${dkms_debs[0]##*/} exitstat_deb=$dir/debs/${exitstat_debs[0]##*/}
version=$(dpkg-deb -f "$dkms_deb" Version)

# A fresh overlay on the cached root; unmounted on any exit.
run=$dir/run
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null; done
	mounts=()
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# A run killed before its cleanup leaves its mounts: undo them first, and
# never let rm cross into a mount (the bind-mounted /dev is the host's).
awk -v run="$run/" 'index($2, run) == 1 { print $2 }' /proc/mounts | sort -r |
	while read -r stale; do umount -l "$stale"; done
rm -rf --one-file-system "$run"
mkdir -p "$run"/{upper,work,merged}
mnt=$run/merged
if ! mount -t overlay deb-test -o "lowerdir=$root,upperdir=$run/upper,workdir=$run/work" "$mnt"; then
	not_ok overlay "mount of an overlay on ${root#"$top"/} failed"
	finish
fi
mounts+=("$mnt")
mount -t proc proc "$mnt/proc" && mounts+=("$mnt/proc")
mount --bind /dev "$mnt/dev" && mounts+=("$mnt/dev")
mkdir -p "$mnt/tmp/debs"
cp "$dkms_deb" "$exitstat_deb" "$mnt/tmp/debs/"
in_root() { chroot "$mnt" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
modules_listing() { (cd "$mnt/lib/modules" && find . -printf '%p %s %T@\n' | sort); }

# --- install -----------------------------------------------------------
lib_before=$(modules_listing | grep "^./$other")
in_root apt-get install -y -q "/tmp/debs/${dkms_deb##*/}" > "$dir/install.out" 2>&1
check install "apt-get install ./${dkms_deb##*/} failed (see ${dir#"$top"/}/install.out)" \
	test $? = 0
check dkms-installed "dkms status does not show kvm-exit-stats/$version installed for $kernel" \
	grep -q "kvm-exit-stats/$version, $kernel, x86_64: installed" <(in_root dkms status)
for module in kvm kvm_amd kvm_intel; do
	file=$(in_root modinfo -k "$kernel" -F filename "$module")
	# dkms compresses as the kernel's own modules are (6.12: .ko.xz).
	check "modprobe-$module-from-updates-dkms" "modinfo -k $kernel $module resolves to $file" \
		test "${file%.xz}" = "/lib/modules/$kernel/updates/dkms/${module//_/-}.ko"
done
check exit-stats-parameter "the installed kvm.ko has no exit_stats parameter" \
	grep -q '^exit_stats:' <(in_root modinfo -k "$kernel" -F parm kvm)
check module-version "modinfo -k $kernel kvm does not show version $version" \
	test "$(in_root modinfo -k "$kernel" -F version kvm)" = "$version"
check install-names-refused-flavour "apt-get install did not say it refuses $other (see install.out)" \
	grep -q "not building for kernel $other: this package has no KVM source for it" "$dir/install.out"
check refused-flavour-untouched "apt-get install changed /lib/modules/$other" \
	test "$(modules_listing | grep "^./$other")" = "$lib_before"

# --- an unsupported kernel, asked for by name ------------------------------
before=$(modules_listing; in_root dkms status 2>/dev/null)
in_root dkms install -m kvm-exit-stats -v "$version" -k "$other" > "$dir/refuse.out" 2>&1
status=$?
check unsupported-kernel-fails "dkms install -k $other exited 0" test $status != 0
check unsupported-kernel-message "dkms install -k $other did not name the supported kernels (see refuse.out)" \
	grep -q "kvm-exit-stats: supported kernels: .*$kernel (linux-headers-$kernel " "$dir/refuse.out"
check unsupported-kernel-changes-nothing "dkms install -k $other changed /lib/modules or dkms status" \
	test "$(modules_listing; in_root dkms status 2>/dev/null)" = "$before"
# Installing that kernel's headers runs these hooks (dkms's autoinstall and
# ours) as linux-headers' postinst does: they must pass, or the kernel's
# installation stops, and build nothing.
in_root run-parts --report --exit-on-error --arg="$other" /etc/kernel/header_postinst.d \
	> "$dir/kernel-hooks.out" 2>&1
status=$?
check unsupported-kernel-hooks-pass "the kernel hooks for $other exited $status (see kernel-hooks.out)" \
	test $status = 0
check unsupported-kernel-hooks-name-refusal "the kernel hooks did not say why $other is refused (see kernel-hooks.out)" \
	grep -q "not building for kernel $other" "$dir/kernel-hooks.out"
check unsupported-kernel-hooks-change-nothing "the kernel hooks for $other changed /lib/modules or dkms status" \
	test "$(modules_listing; in_root dkms status 2>/dev/null)" = "$before"
# A supported kernel installed later: its hooks build and install our KVM
# (dkms's autoinstall is not used, so only the package's hook can).
in_root dkms remove -m kvm-exit-stats -v "$version" -k "$kernel" > "$dir/kernel-hooks-supported.out" 2>&1
in_root run-parts --report --exit-on-error --arg="$kernel" /etc/kernel/header_postinst.d \
	>> "$dir/kernel-hooks-supported.out" 2>&1
status=$?
check supported-kernel-hooks-install "after dkms remove -k $kernel, its kernel hooks (status $status) did not install our KVM again (see kernel-hooks-supported.out)" \
	grep -q "kvm-exit-stats/$version, $kernel, x86_64: installed" <(in_root dkms status 2>/dev/null)
# A package built from another point release of the same ABI: kernel-check
# of a copy whose recorded headers version differs from the installed one.
src=/usr/src/kvm-exit-stats-$version
cp -a "$mnt$src" "$mnt/tmp/other-release"
sed -i 's/^headers_version=.*/headers_version=0.0-other-point-release/' \
	"$mnt/tmp/other-release/kernels/$kernel/kernel.env"
in_root /tmp/other-release/kernel-check "$kernel" > "$dir/point-release.out" 2>&1
status=$?
check other-point-release-refused "kernel-check accepted source of another point release (see point-release.out)" \
	eval "[ $status != 0 ] && grep -q 'KVM source is from 0.0-other-point-release' '$dir/point-release.out'"

# --- the lab boots the modules dkms installed -------------------------------
modules=$dir/modules
rm -rf "$modules"
mkdir -p "$modules"
for module in kvm kvm-amd kvm-intel; do
	installed=$mnt/lib/modules/$kernel/updates/dkms/$module.ko
	if [ -f "$installed.xz" ]; then
		xz -dc "$installed.xz" > "$modules/$module.ko"
	else
		cp "$installed" "$modules/" 2>/dev/null
	fi
done
if [ -f "$modules/kvm.ko" ] && [ -f "$modules/kvm-amd.ko" ] && [ -f "$modules/kvm-intel.ko" ]; then
	dkms_sha=$(sha256sum < "$modules/kvm.ko" | cut -d' ' -f1)
	lab_start=$(date +%s)
	# No results of an earlier run may pass for this one's.
	rm -rf "$dir/lab-out"
	flock "$top/build/.lab-cpu.lock" "$top/lab/run-l1.sh" --modules "$modules" \
		--name "deb-test-$$" --out "$dir/lab-out" --timeout 400 \
		"$top/packaging/test/l1-smoke.sh" > "$dir/lab.console" 2>&1
	status=$?
	smoke=$dir/lab-out/smoke.out
	if [ -f "$smoke" ]; then
		grep -E '^(not )?ok ' "$smoke" | sed 's/^\(\(not \)\?ok \)dkms-/\1deb-lab-/' | tee -a "$log"
	fi
	check lab-boots-dkms-modules "L1's /modules/kvm.ko is not the one dkms installed (see ${dir#"$top"/}/lab.console)" \
		grep -q "^# loaded-kvm-sha256 $dkms_sha" "$smoke"
	check lab-t1-ran "no t1 result lines in $smoke" grep -q '^ok dkms-t1-cpuid' "$smoke"
	check lab-run "lab/run-l1.sh exited $status (see ${dir#"$top"/}/lab.console)" test $status = 0
	echo "# lab boot and smoke: $(($(date +%s) - lab_start)) s" | tee -a "$log"
else
	not_ok lab-run "dkms installed no kvm.ko, kvm-amd.ko, kvm-intel.ko under updates/dkms"
fi

# --- remove ----------------------------------------------------------------
in_root apt-get remove -y -q kvm-exit-stats-dkms > "$dir/remove.out" 2>&1
check remove "apt-get remove kvm-exit-stats-dkms failed (see remove.out)" test $? = 0
file=$(in_root modinfo -k "$kernel" -F filename kvm)
check remove-stock-in-charge "after remove, modinfo -k $kernel kvm resolves to $file" \
	test "${file%.xz}" = "/lib/modules/$kernel/kernel/arch/x86/kvm/kvm.ko"
check remove-no-exit-stats-parameter "after remove, kvm still has the exit_stats parameter" \
	eval "! in_root modinfo -k '$kernel' -F parm kvm | grep -q '^exit_stats:'"
check remove-no-dkms-modules "after remove, updates/dkms still has KVM modules" \
	eval "! ls '$mnt/lib/modules/$kernel/updates/dkms/'kvm*.ko >/dev/null 2>&1"

# --- exitstat ---------------------------------------------------------------
in_root apt-get install -y -q "/tmp/debs/${exitstat_deb##*/}" > "$dir/exitstat-install.out" 2>&1
check exitstat-install "apt-get install ./${exitstat_deb##*/} failed (see exitstat-install.out)" test $? = 0
check exitstat-help "exitstat --help failed in the root" eval "in_root exitstat --help >/dev/null"
check exitstat-man-page "no man page exitstat(1) in the root" \
	test -f "$mnt/usr/share/man/man1/exitstat.1.gz"
cleanup

# The L2 guest image of make exitstat-l2 (its rule installs the package):
# the package's exitstat is the only one in it.
image=$dir/l2/guest.cpio.gz
rm -rf "$dir/l2"
mkdir -p "$dir/l2"
if "$top/tools/exitstat/l2/build-initramfs.sh" "$abi" "$exitstat_deb" \
	"$top/build/exitstat-l2/portwrite" "$image" > "$dir/l2/build.out" 2>&1; then
	ok l2-image-built
	mkdir -p "$dir/l2/x"
	(cd "$dir/l2/x" && zcat "$image" | cpio -id --quiet)
	deb_sha=$(dpkg-deb --fsys-tarfile "$exitstat_deb" | tar -xO ./usr/bin/exitstat | sha256sum | cut -d' ' -f1)
	check l2-exitstat-from-package "the image's /usr/bin/exitstat is not the package's" \
		test "$(sha256sum < "$dir/l2/x/usr/bin/exitstat" | cut -d' ' -f1)" = "$deb_sha"
	check l2-package-registered "the image's dpkg status does not list exitstat $version as installed" \
		grep -qzP "Package: exitstat\nStatus: install ok installed\n(.*\n)*?Version: \Q$version\E\n" "$dir/l2/x/var/lib/dpkg/status"
	others=$(cd "$dir/l2/x" && find . -name exitstat -type f -perm -u+x ! -path ./usr/bin/exitstat)
	check l2-only-one-exitstat "the image has other exitstat programs: $others" test -z "$others"
	check l2-path-finds-package "the guest's PATH (/bin) does not lead to /usr/bin/exitstat" \
		test "$(readlink "$dir/l2/x/bin/exitstat")" = ../usr/bin/exitstat
else
	not_ok l2-image-built "tools/exitstat/l2/build-initramfs.sh with the package failed (see ${dir#"$top"/}/l2/build.out)"
fi
finish
