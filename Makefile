# Top-level entry points; see README.md.  Everything downloads into build/.
SHELL := /bin/bash
TOP := $(CURDIR)
ABI_DIR := $(TOP)/build/kvm-new/arch/x86/kvm
# The exit reason tables: one source file every user-space consumer compiles.
ABI_REASONS := $(ABI_DIR)/exit_stats_reasons.c
export TOP ABI_DIR ABI_REASONS

# The kernel line (kernel/<KERNEL>/: kernel.conf, patches/) of every target:
# the modules and the Debian kernel the lab boots; all kernels with a series:
# $(KERNELS). The default is in kernel/default. Exported: the lab scripts
# (lab/fetch-debian.sh, kernel/kernel-env.sh) read it.
KERNEL_DEFAULT := $(shell cat $(TOP)/kernel/default)
KERNEL ?= $(KERNEL_DEFAULT)
KERNELS := $(sort $(patsubst kernel/%/kernel.conf,%,$(wildcard kernel/*/kernel.conf)))
ifeq ($(filter $(KERNEL),$(KERNELS)),)
$(error KERNEL=$(KERNEL): no kernel/$(KERNEL)/kernel.conf (kernels: $(KERNELS)))
endif
export KERNEL

.PHONY: all deps modules modules-test kernel-shared-check extract unit e2e test demo lab-shell checkpatch clean

all: modules

# Host packages the build, the lab and the tests need (Debian 12, as root).
deps:
	@./lab/install-deps.sh

modules: deps
	KERNEL=$(KERNEL) ./kernel/build-modules.sh

# make modules, then check the modules against the stock ones of the same
# ABI (vermagic, symbol CRCs); the log feeds make test's summary.
modules-test: modules
	@mkdir -p build/modules-test
	@set -o pipefail; KERNEL=$(KERNEL) ./kernel/check-modules.sh | \
		tee build/modules-test/$(KERNEL).log

# The files the patch series creates, for user-space consumers: always from
# the default kernel's series (kernel-shared-check: the same in every series).
extract: $(ABI_DIR)/exit_stats_abi.h
$(ABI_DIR)/exit_stats_abi.h: kernel/$(KERNEL_DEFAULT)/patches/series \
			     $(wildcard kernel/$(KERNEL_DEFAULT)/patches/*.patch)
	@KERNEL=$(KERNEL_DEFAULT) ./kernel/extract-new-files.sh >/dev/null
$(ABI_REASONS): $(ABI_DIR)/exit_stats_abi.h ;

# The new files are byte-identical in every kernel's series.
kernel-shared-check:
	@mkdir -p build/kernel-shared
	@set -o pipefail; ./kernel/check-shared.sh $(KERNELS) | \
		tee build/kernel-shared/shared.log

# checkpatch.pl --strict (each kernel's own) on every patch of every series;
# the log feeds make test's summary.
checkpatch: deps
	@mkdir -p build/checkpatch
	@set -o pipefail; ./kernel/checkpatch.sh $(KERNELS) | tee build/checkpatch/checkpatch.log

# Everything built or run; the downloaded Debian packages stay.
clean:
	find build -mindepth 1 -maxdepth 1 ! -name 'cache*' ! -name 'debs*' -exec rm -rf {} +

# Each part of the project brings its own targets.
-include docs/docs.mk
-include tests/unit/unit.mk
-include tests/shellcheck.mk
-include tools/exitstat/exitstat.mk
-include lab/lab.mk
-include tests/e2e/e2e.mk
-include tests/hostview/hostview.mk
-include study/study.mk
-include lab/bochs/bochs.mk
-include bench/bench.mk
-include tools/exitstat/l2/l2.mk
-include packaging/deb.mk

# The whole suite; the last line of its output is "N passed, N failed".
test: deps
	@./tests/run-all.sh
