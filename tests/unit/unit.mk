# User-space unit tests of the kernel's exit_stats.c (the file `make extract`
# writes to $(ABI_DIR), compiled unmodified against tests/unit/shim/).
#   make unit         tables, behaviour, reduced sweep (ASan/UBSan), a short
#                     fuzz run, and the full 2^32 sweep of both numberings
#   make unit-quick   the same without the full sweep
#   make fuzz         libFuzzer for FUZZ_SECONDS (default 60)
# Binaries and logs go to build/unit/; the last line is "N passed, N failed".

UNIT_SRC := $(TOP)/tests/unit
# Overridable to run the suite on a scratch copy, e.g. a deliberately broken
# exit_stats.c: make unit-quick UNIT_ABI_DIR=/tmp/broken UNIT_OUT=/tmp/out
UNIT_ABI_DIR ?= $(ABI_DIR)
UNIT_OUT ?= $(TOP)/build/unit
UNIT_CC ?= gcc
UNIT_CLANG ?= clang
FUZZ_SECONDS ?= 60
UNIT_FUZZ_SECONDS ?= 15

UNIT_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g \
	-I$(UNIT_SRC)/shim -I$(UNIT_ABI_DIR) -I$(UNIT_SRC) -I$(TOP)/tests/lib
UNIT_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_KERNEL := $(UNIT_ABI_DIR)/exit_stats.c $(UNIT_ABI_DIR)/exit_stats_reasons.c
# Result lines come from the shared tests/lib/tap.c.
UNIT_COMMON := $(UNIT_SRC)/unit_test.c $(TOP)/tests/lib/tap.c $(UNIT_SRC)/shim/fake_kernel.c \
	$(UNIT_KERNEL)
UNIT_DEPS := $(UNIT_COMMON) $(UNIT_ABI_DIR)/exit_stats.h $(UNIT_ABI_DIR)/exit_stats_abi.h \
	$(UNIT_SRC)/unit_test.h $(TOP)/tests/lib/tap.h $(wildcard $(UNIT_SRC)/shim/*/*.h) $(UNIT_SRC)/unit.mk

UNIT_ASAN_BINS := $(UNIT_OUT)/test_tables $(UNIT_OUT)/test_behaviour $(UNIT_OUT)/sweep_reduced

.PHONY: unit unit-quick unit-build fuzz

# exit_stats.{c,h} are written together with exit_stats_abi.h.
$(ABI_DIR)/exit_stats.c $(ABI_DIR)/exit_stats.h: $(ABI_DIR)/exit_stats_abi.h ;

$(UNIT_OUT):
	mkdir -p $@

$(UNIT_OUT)/test_tables: $(UNIT_SRC)/test_tables.c $(UNIT_DEPS) | $(UNIT_OUT)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_SAN) -O1 $< $(UNIT_COMMON) -o $@

$(UNIT_OUT)/test_behaviour: $(UNIT_SRC)/test_behaviour.c $(UNIT_DEPS) | $(UNIT_OUT)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_SAN) -O1 $< $(UNIT_COMMON) -o $@

$(UNIT_OUT)/sweep_reduced: $(UNIT_SRC)/sweep.c $(UNIT_DEPS) | $(UNIT_OUT)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_SAN) -O1 -pthread $< $(UNIT_COMMON) -o $@

# No sanitizers, and LTO so the entry point inlines into the sweep loop:
# 8 x 2^32 calls (4 per-reason leaves, 2 numberings) must fit in a few
# minutes on two cores.
$(UNIT_OUT)/sweep_full: $(UNIT_SRC)/sweep.c $(UNIT_DEPS) | $(UNIT_OUT)
	$(UNIT_CLANG) $(UNIT_CFLAGS) -O2 -flto -pthread $< $(UNIT_COMMON) -o $@

$(UNIT_OUT)/fuzz_exit_stats: $(UNIT_SRC)/fuzz_exit_stats.c $(UNIT_DEPS) | $(UNIT_OUT)
	$(UNIT_CLANG) $(UNIT_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $< $(UNIT_COMMON) -o $@

unit-build: extract $(UNIT_ASAN_BINS) $(UNIT_OUT)/sweep_full $(UNIT_OUT)/fuzz_exit_stats

# $(call unit_run,NAME,COMMAND): runs COMMAND, tees it to build/unit/NAME.log
# and adds a result line for its exit status, so a crash counts as a failure.
define unit_run
	@echo "== unit: $(1)"
	@{ $(2); rc=$$?; \
	   if [ $$rc -eq 0 ]; then echo "ok $(1) exited 0"; \
	   else echo "not ok $(1) - exited with status $$rc"; fi; } 2>&1 | tee $(UNIT_OUT)/$(1).log

endef

# $(call unit_fuzz,SECONDS,LOGNAME): libFuzzer's own output goes to
# build/unit/LOGNAME.out (not a .log: it is not result lines).
define unit_fuzz
	@mkdir -p $(UNIT_OUT)/fuzz-corpus $(UNIT_OUT)/fuzz-artifacts
	$(call unit_run,$(2),( $(UNIT_OUT)/fuzz_exit_stats -max_total_time=$(1) -max_len=1024 \
		-artifact_prefix=$(UNIT_OUT)/fuzz-artifacts/ $(UNIT_OUT)/fuzz-corpus \
		>$(UNIT_OUT)/$(2).out 2>&1 || { tail -n 30 $(UNIT_OUT)/$(2).out; exit 1; }; \
		grep -E '^Done [0-9]+ runs' $(UNIT_OUT)/$(2).out | sed 's/^/# fuzz: /' ))
endef

define unit_quick_runs
	@rm -f $(UNIT_OUT)/*.log
	$(call unit_run,tables,$(UNIT_OUT)/test_tables)
	$(call unit_run,behaviour,$(UNIT_OUT)/test_behaviour)
	$(call unit_run,sweep-reduced,$(UNIT_OUT)/sweep_reduced --reduced)
	$(call unit_fuzz,$(UNIT_FUZZ_SECONDS),fuzz)
endef

unit-quick: unit-build
	$(unit_quick_runs)
	@$(TOP)/tests/summarize.sh $(UNIT_OUT)/*.log

unit: unit-build
	$(unit_quick_runs)
	$(call unit_run,sweep-full,$(UNIT_OUT)/sweep_full --full)
	@$(TOP)/tests/summarize.sh $(UNIT_OUT)/*.log

fuzz: extract $(UNIT_OUT)/fuzz_exit_stats
	$(call unit_fuzz,$(FUZZ_SECONDS),fuzz-long)
	@$(TOP)/tests/summarize.sh $(UNIT_OUT)/fuzz-long.log
