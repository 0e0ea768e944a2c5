# The Intel (VMX) lab: L1 emulated by Bochs, since QEMU's TCG has no VMX.
# See lab/bochs/run-bochs.sh.
#   make e2e-intel      exact VMX exit counts with our modules (~3 min);
#                       log in build/e2e-intel/intel.log
#   make lab-intel-shell-check   same run with Debian's stock modules:
#                       must fail (no exit statistics)
.PHONY: e2e-intel lab-intel-tools lab-intel-stock-check

BOCHS_BUILD := $(TOP)/build/bochs
BOCHS_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2
# L1 under Bochs has no host share: its programs are static.
$(BOCHS_BUILD)/vmx-exits: $(TOP)/lab/bochs/vmx-exits.c $(ABI_DIR)/exit_stats_abi.h | deps
	@mkdir -p $(@D)
	$(CC) $(BOCHS_CFLAGS) -static -I$(ABI_DIR) -o $@ $<

lab-intel-tools: $(BOCHS_BUILD)/vmx-exits

e2e-intel: modules lab-intel-tools
	@mkdir -p $(TOP)/build/e2e-intel
	@set -o pipefail; $(TOP)/lab/bochs/run-bochs.sh --timeout 1200 \
		--include $(BOCHS_BUILD)/vmx-exits \
		$(TOP)/lab/bochs/intel-suite.sh 2>&1 | tee $(TOP)/build/e2e-intel/intel.log

# Debian's stock KVM has no exit statistics: the checks must fail there.
lab-intel-stock-check: deps lab-intel-tools
	@mkdir -p $(TOP)/build/bochs
	@if $(TOP)/lab/bochs/run-bochs.sh --modules stock --timeout 1200 \
		--include $(BOCHS_BUILD)/vmx-exits $(TOP)/lab/bochs/intel-suite.sh \
		> $(TOP)/build/bochs/stock.log 2>&1; then \
		echo "not ok intel-stock-fails - the checks passed on stock KVM"; exit 1; \
	else grep '^not ok vmx-signature' $(TOP)/build/bochs/stock.log && \
		echo "ok intel-stock-fails"; fi
