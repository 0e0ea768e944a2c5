# The Intel (VMX) lab: L1 emulated by Bochs, since QEMU's TCG has no VMX.
# See lab/bochs/run-bochs.sh and lab/bochs/intel-suite.sh.
#   make e2e-intel        one Bochs boot (about 2 min on an idle core, more
#                         when the machine is busy): lab/bochs/vmx-exits and
#                         tests/e2e's suite with our modules, the e2e suite
#                         with kvm.exit_stats=0 and with Debian's stock
#                         modules, on Debian's kernel of KERNEL; log in
#                         build/e2e-intel/<KERNEL>/intel.log
#   make lab-intel-tools  just the static test program
# A script of your own: lab/bochs/run-bochs.sh [--include FILE]... SCRIPT
.PHONY: e2e-intel lab-intel-tools

BOCHS_BUILD := $(TOP)/build/bochs
# L1 under Bochs has no host share: its programs are static.  On the VMM
# library of tests/lib/kvm; result lines from the shared tests/lib/tap.c.
include $(TOP)/tests/lib/kvm/kvm.mk
VMX_EXITS_SRCS := $(TOP)/lab/bochs/vmx-exits.c $(TOP)/tests/lib/tap.c $(KVM_LIB_SRCS)
$(BOCHS_BUILD)/vmx-exits: $(VMX_EXITS_SRCS) $(TOP)/tests/lib/tap.h $(KVM_LIB_HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(KVM_LIB_CFLAGS) -o $@ $(VMX_EXITS_SRCS)

lab-intel-tools: $(BOCHS_BUILD)/vmx-exits

# tests/e2e's static binary, when that part of the project is present.
INTEL_E2E_BUILD := $(if $(wildcard $(TOP)/tests/e2e/e2e.mk),e2e-build)

# Each kernel's log (make e2e-intel KERNEL=...).
INTEL_DIR := $(TOP)/build/e2e-intel/$(KERNEL)

e2e-intel: modules lab-intel-tools $(INTEL_E2E_BUILD)
	@mkdir -p $(INTEL_DIR)
	@set -o pipefail; stock=$$($(TOP)/lab/stock-modules.sh) && \
	e2e=$(TOP)/build/e2e/exit_stats_e2e && \
	$(TOP)/lab/bochs/run-bochs.sh --timeout $${INTEL_TIMEOUT:-1500} \
		--include $(BOCHS_BUILD)/vmx-exits \
		$$([ -x $$e2e ] && echo --include $$e2e) \
		--include $$stock/kvm.ko:/lab/stock/kvm.ko \
		--include $$stock/kvm-intel.ko:/lab/stock/kvm-intel.ko \
		$(TOP)/lab/bochs/intel-suite.sh 2>&1 | tee $(INTEL_DIR)/intel.log
