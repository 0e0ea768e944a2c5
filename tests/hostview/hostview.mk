# The host view: our per-reason exit statistics as operators read them,
# through KVM's binary stats (Debian's QEMU: QMP query-stats, HMP info
# stats), kvm_stat (debugfs mode) and debugfs, inside the lab's L1 (AMD)
# with a guest whose port I/O is exact (tests/hostview/README.md).
#   make hostview         build the guest, then two L1 boots: our modules,
#                         Debian's stock ones (every stats check must fail);
#                         logs in build/hostview/<kernel>/
#   make hostview-build   just the guest image
.PHONY: hostview hostview-build

HOSTVIEW_DIR := $(TOP)/build/hostview
HOSTVIEW_GUEST := $(HOSTVIEW_DIR)/guest.bin

hostview-build: $(HOSTVIEW_GUEST)

# A 64 KiB real-mode firmware image for QEMU's -bios.
$(HOSTVIEW_GUEST): $(TOP)/tests/hostview/guest.S | deps
	@mkdir -p $(@D)
	as --32 -o $@.o $<
	ld -m elf_i386 -Ttext=0 -e start -o $@.elf $@.o
	objcopy -O binary $@.elf $@

# Both boots run even if the first failed; the summary has the say.
hostview: modules hostview-build
	@rm -f $(HOSTVIEW_DIR)/$(KERNEL)/*.log
	-KERNEL=$(KERNEL) $(TOP)/tests/hostview/run-lab.sh ours
	-KERNEL=$(KERNEL) $(TOP)/tests/hostview/run-lab.sh stock
	$(TOP)/tests/summarize.sh $(HOSTVIEW_DIR)/$(KERNEL)/ours.log $(HOSTVIEW_DIR)/$(KERNEL)/stock.log
