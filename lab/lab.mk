# The lab: L1 under QEMU TCG with nested SVM (see lab/README.md).
#   make lab-shell [MODULES=ours|stock]   interactive root shell in L1
# Every target takes KERNEL=6.1|6.12: L1 boots Debian's image of that kernel.
#   make lab-smoke                        end-to-end check of the lab
#   make lab-initramfs [MODULES=...]      (re)build the cached initramfs
#   make lab-tools                        the static /dev/kvm check program
#   make lab-selftest                     run-l1.sh: stall reboot, no retry of failures
.PHONY: lab-shell lab-smoke lab-initramfs lab-tools lab-selftest

MODULES ?= ours
LAB_TOOLS_DIR := $(TOP)/build/lab/tools
# Ours needs `make modules`; stock only needs Debian's packages.
lab_modules_prereq = $(if $(filter ours,$(MODULES)),modules,deps)

lab-tools: $(LAB_TOOLS_DIR)/kvm-smoke $(LAB_TOOLS_DIR)/kvm-smoke-asan

# On the VMM library of tests/lib/kvm; result lines from tests/lib/tap.c.
include $(TOP)/tests/lib/kvm/kvm.mk
KVM_SMOKE_SRCS := $(TOP)/lab/tools/kvm-smoke.c $(TOP)/tests/lib/tap.c $(KVM_LIB_SRCS)
KVM_SMOKE_DEPS := $(KVM_SMOKE_SRCS) $(TOP)/tests/lib/tap.h $(KVM_LIB_HDRS)

$(LAB_TOOLS_DIR)/kvm-smoke: $(KVM_SMOKE_DEPS) | deps
	@mkdir -p $(@D)
	$(CC) $(KVM_LIB_CFLAGS) -o $@ $(KVM_SMOKE_SRCS)

# Same program under ASan/UBSan, dynamically linked: it checks that L1 runs
# host binaries that need the host's shared libraries.
$(LAB_TOOLS_DIR)/kvm-smoke-asan: $(KVM_SMOKE_DEPS) | deps
	@mkdir -p $(@D)
	$(CC) $(KVM_LIB_SAN_CFLAGS) -o $@ $(KVM_SMOKE_SRCS)

lab-initramfs: $(lab_modules_prereq)
	$(TOP)/lab/mkinitramfs.sh --modules $(MODULES)

lab-shell: $(lab_modules_prereq)
	$(TOP)/lab/run-l1.sh --modules $(MODULES) --shell

lab-smoke: modules lab-tools
	$(TOP)/lab/smoke.sh

# lab/run-l1.sh's own behaviour: reboot once on an L1 stall, never retry a
# failing script (a few L1 boots with the stock modules).
lab-selftest: deps
	@mkdir -p $(TOP)/build/lab
	@set -o pipefail; $(TOP)/lab/selftest.sh | tee $(TOP)/build/lab/selftest.log
