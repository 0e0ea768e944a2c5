# The exit overhead benchmark (see bench/README.md).
#   make bench        one L1 boot under QEMU -icount: every exit kind, 1/4/8
#                     vCPUs, query cost, tracers; build/bench/<KERNEL>/bench.md
#                     and build/bench/<KERNEL>/summary.json
#   make bench-gate   the short run make test uses: CPUID and port I/O with
#                     1 vCPU, ours against stock, checked against
#                     bench/thresholds.json; build/bench-gate/<KERNEL>/gate.log
.PHONY: bench bench-gate

BENCH_BUILD := $(TOP)/build/bench

# On the VMM library of tests/lib/kvm.  Static: it runs in L1 straight from
# the host share, and in the Bochs L1 from its initramfs.
include $(TOP)/tests/lib/kvm/kvm.mk
EXITBENCH_SRCS := $(TOP)/bench/exitbench.c $(KVM_LIB_SRCS)
$(BENCH_BUILD)/exitbench: $(EXITBENCH_SRCS) $(KVM_LIB_HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(KVM_LIB_CFLAGS) -o $@ $(EXITBENCH_SRCS)

# kvm_stat as the kernel ships it, from the linux-source package of the
# first KERNEL it is made for (a user-space script; it reads what every
# kernel's KVM offers, debugfs and the kvm tracepoints).
$(BENCH_BUILD)/kvm_stat: | deps
	@mkdir -p $(@D)
	$(TOP)/lab/fetch-debian.sh >/dev/null
	src=$$(top=$(TOP) && . $(TOP)/kernel/kernel-env.sh && echo "$$debs_root/usr/src/$$src_pkg") && \
	tar -xJOf $$src.tar.xz $${src##*/}/tools/kvm/kvm_stat/kvm_stat > $@.tmp
	mv $@.tmp $@

bench: modules $(BENCH_BUILD)/exitbench $(BENCH_BUILD)/kvm_stat
	$(TOP)/bench/run.sh full

# The analysis and the gate on synthetic samples first (no VM), then the
# run; a run that ends before the gate judged it still leaves a "not ok".
BENCH_GATE_DIR := $(TOP)/build/bench-gate/$(KERNEL)
bench-gate: modules $(BENCH_BUILD)/exitbench
	@mkdir -p $(BENCH_GATE_DIR)
	@rm -f $(BENCH_GATE_DIR)/*.log
	python3 $(TOP)/bench/test_bench.py > $(BENCH_GATE_DIR)/unit.log 2>&1; cat $(BENCH_GATE_DIR)/unit.log
	$(TOP)/bench/run.sh gate || { [ -s $(BENCH_GATE_DIR)/gate.log ] || \
		echo "not ok bench-gate - the benchmark run failed before the gate" > $(BENCH_GATE_DIR)/gate.log; }
	$(TOP)/tests/summarize.sh $(BENCH_GATE_DIR)/unit.log $(BENCH_GATE_DIR)/gate.log
