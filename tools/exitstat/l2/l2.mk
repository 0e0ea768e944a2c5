# exitstat inside a full L2 Linux guest (tools/exitstat/l2/README.md).
#   make exitstat-l2   one L1 boot with our modules; L2 runs every exitstat
#                      mode and Debian's cpuid; L1 and L2 boot Debian's
#                      kernel of KERNEL; checks in
#                      build/exitstat-l2/<KERNEL>/l2.log, outputs in
#                      .../captured/
# EXITSTAT_L2_PORTS sets the port writes per `exitstat run` (default 1000).
.PHONY: exitstat-l2 exitstat-l2-initramfs

EXITSTAT_L2_SRC := $(TOP)/tools/exitstat/l2
EXITSTAT_L2_OUT := $(TOP)/build/exitstat-l2
# Each kernel's guest image and results.
EXITSTAT_L2_KDIR := $(EXITSTAT_L2_OUT)/$(KERNEL)
EXITSTAT_L2_PORTS ?= 1000

$(EXITSTAT_L2_OUT)/portwrite: $(EXITSTAT_L2_SRC)/portwrite.c | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -static -o $@ $<

# Rebuilt every time (a second or two): it follows exitstat, the init and
# the kernel ABI lab/fetch-debian.sh resolves. exitstat comes from its Debian
# package (make deb-exitstat), installed into the image with dpkg.
exitstat-l2-initramfs: deb-exitstat $(EXITSTAT_L2_OUT)/portwrite
	$(EXITSTAT_L2_SRC)/build-initramfs.sh "$$($(TOP)/lab/fetch-debian.sh)" \
		$(TOP)/build/deb/exitstat_*_amd64.deb $(EXITSTAT_L2_OUT)/portwrite \
		$(EXITSTAT_L2_KDIR)/guest.cpio.gz

exitstat-l2: modules exitstat-l2-initramfs $(REASONS_JSON)
	$(EXITSTAT_L2_SRC)/run.sh $(EXITSTAT_L2_PORTS)
	$(TOP)/tests/summarize.sh $(EXITSTAT_L2_KDIR)/*.log
