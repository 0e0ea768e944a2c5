# Top-level entry points; see README.md.  Everything downloads into build/.
SHELL := /bin/bash
TOP := $(CURDIR)
ABI_DIR := $(TOP)/build/kvm-new/arch/x86/kvm
# The exit reason tables: one source file every user-space consumer compiles.
ABI_REASONS := $(ABI_DIR)/exit_stats_reasons.c
export TOP ABI_DIR ABI_REASONS

.PHONY: all deps modules extract unit e2e test demo lab-shell checkpatch clean

all: modules

# Host packages the build, the lab and the tests need (Debian 12, as root).
deps:
	@./lab/install-deps.sh

modules: deps
	./kernel/build-modules.sh

# The files the patch series creates, for user-space consumers.
extract: $(ABI_DIR)/exit_stats_abi.h
$(ABI_DIR)/exit_stats_abi.h: kernel/patches/series $(wildcard kernel/patches/*.patch)
	@./kernel/extract-new-files.sh >/dev/null
$(ABI_REASONS): $(ABI_DIR)/exit_stats_abi.h ;

# checkpatch.pl --strict on every patch; the log feeds make test's summary.
checkpatch: deps
	@mkdir -p build/checkpatch
	@set -o pipefail; ./kernel/checkpatch.sh | tee build/checkpatch/checkpatch.log

# Everything built or run; the downloaded Debian packages stay.
clean:
	find build -mindepth 1 -maxdepth 1 ! -name cache ! -name debs -exec rm -rf {} +

# Each part of the project brings its own targets.
-include docs/docs.mk
-include tests/unit/unit.mk
-include tools/exitstat/exitstat.mk
-include lab/lab.mk
-include tests/e2e/e2e.mk
-include study/study.mk
-include lab/bochs/bochs.mk
-include bench/bench.mk
-include tools/exitstat/l2/l2.mk

# The whole suite; the last line of its output is "N passed, N failed".
test: deps
	@./tests/run-all.sh
