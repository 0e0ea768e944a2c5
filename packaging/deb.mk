# Debian packages (packaging/README.md):
#   make deb        build/deb/kvm-exit-stats-dkms_VERSION_all.deb and
#                   build/deb/exitstat_VERSION_amd64.deb, then lintian (an
#                   error fails; the warnings are explained in the README)
#   make deb-test   a Debian 12 root (debootstrap, cached): install, dkms
#                   build, one L1 boot with the modules dkms installed,
#                   remove, refusals, the L2 image, on KERNEL's Debian
#                   kernel; build/deb-test/<KERNEL>/deb-test.log
.PHONY: deb deb-exitstat deb-test

# The DKMS package carries the patched KVM source of every kernel line.
deb: deps exitstat
	@for conf in $(TOP)/kernel/*/kernel.conf; do \
		line=$${conf%/kernel.conf}; \
		KERNEL=$${line##*/} $(TOP)/lab/fetch-debian.sh >/dev/null || exit 1; \
	done
	@$(TOP)/packaging/build-deb.sh $(EXITSTAT_OUT)/exitstat
	@echo 'lintian (errors fail; warnings: packaging/README.md):'
	@lintian --fail-on error --tag-display-limit 0 $(TOP)/build/deb/*.deb 2>&1 | \
		grep -v '^running with root privileges'; test $${PIPESTATUS[0]} = 0

# Only the guest tool's package: needs no kernel sources.
deb-exitstat: exitstat
	@$(TOP)/packaging/build-deb.sh --exitstat-only $(EXITSTAT_OUT)/exitstat

deb-test: deb e2e-build $(EXITSTAT_L2_OUT)/portwrite
	@$(TOP)/packaging/test/deb-test.sh
