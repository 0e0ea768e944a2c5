# End-to-end tests: a small VMM and guests run inside the lab's L1 against
# /dev/kvm (tests/e2e/README.md).
#   make e2e            build, then three L1 boots: our modules, our modules
#                       with kvm.exit_stats=0, Debian's stock modules (must
#                       fail where the leaves are missing); logs in
#                       build/e2e/<KERNEL>/ (the binary is the same for all)
#   make e2e-build      just the static test binary
#   make e2e-ours / e2e-param-off / e2e-stock   one boot each
.PHONY: e2e e2e-build e2e-ours e2e-param-off e2e-stock

E2E_DIR := $(TOP)/build/e2e
# The logs of each kernel's boots (make e2e KERNEL=...).
E2E_LOG_DIR := $(E2E_DIR)/$(KERNEL)
E2E_BIN := $(E2E_DIR)/exit_stats_e2e
include $(TOP)/tests/lib/kvm/kvm.mk
# The suite on the VMM library of tests/lib/kvm/.
E2E_SRCS := $(TOP)/tests/e2e/exit_stats_e2e.c $(TOP)/tests/e2e/t11_nested.c \
	$(TOP)/tests/e2e/t12_clock.c $(TOP)/tests/e2e/report.c $(KVM_LIB_SRCS)
E2E_HDRS := $(TOP)/tests/e2e/report.h $(TOP)/tests/e2e/t11_nested.h \
	$(TOP)/tests/e2e/t12_clock.h $(KVM_LIB_HDRS)
E2E_CFLAGS := $(KVM_LIB_CFLAGS) -I$(TOP)/tests/e2e
# The same tests with the host side under ASan and UBSan.
E2E_SAN_CFLAGS := $(KVM_LIB_SAN_CFLAGS) -I$(TOP)/tests/e2e

e2e-build: $(E2E_BIN) $(E2E_BIN)-san

$(E2E_BIN): $(E2E_SRCS) $(E2E_HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(E2E_CFLAGS) -o $@ $(E2E_SRCS)

$(E2E_BIN)-san: $(E2E_SRCS) $(E2E_HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(E2E_SAN_CFLAGS) -o $@ $(E2E_SRCS)

e2e-ours: modules e2e-build
	$(TOP)/tests/e2e/run-lab.sh ours

e2e-param-off: modules e2e-build
	$(TOP)/tests/e2e/run-lab.sh param-off

e2e-stock: deps e2e-build
	$(TOP)/tests/e2e/run-lab.sh stock

# Every boot runs even if an earlier one failed; the summary has the say.
e2e: modules e2e-build
	@rm -f $(E2E_LOG_DIR)/*.log
	-$(TOP)/tests/e2e/run-lab.sh ours
	-$(TOP)/tests/e2e/run-lab.sh param-off
	-$(TOP)/tests/e2e/run-lab.sh stock
	$(TOP)/tests/summarize.sh $(E2E_LOG_DIR)/ours.log $(E2E_LOG_DIR)/param-off.log \
		$(E2E_LOG_DIR)/stock.log
