# exitstat, the guest command: `make exitstat` builds the static binary
# build/exitstat/exitstat; `make exitstat-test` builds the ASan+UBSan test
# programs, runs them and prints the summary line (deps: promtool,
# node_exporter, Prometheus and man for its checks).
EXITSTAT_TOP_DIR := $(TOP)/tools/exitstat
EXITSTAT_SRC_DIR := $(EXITSTAT_TOP_DIR)/src
EXITSTAT_TEST_DIR := $(TOP)/tools/exitstat/tests
EXITSTAT_OUT := $(TOP)/build/exitstat
EXITSTAT_ABI := $(ABI_DIR)/exit_stats_abi.h

EXITSTAT_LIB_SRCS := $(addprefix $(EXITSTAT_SRC_DIR)/,backend.c reasons.c \
	categories.c discover.c snapshot.c output.c help.c cli.c process.c) \
	$(ABI_REASONS)
EXITSTAT_HDRS := $(wildcard $(EXITSTAT_SRC_DIR)/*.h)
EXITSTAT_FAKE_SRCS := $(EXITSTAT_TEST_DIR)/fake_hv.c
EXITSTAT_TEST_HDRS := $(wildcard $(EXITSTAT_TEST_DIR)/*.h)

EXITSTAT_CFLAGS := -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE \
	-D_POSIX_C_SOURCE=200809L -I$(EXITSTAT_SRC_DIR) -I$(ABI_DIR)
# Static, so one file copied into any x86-64 guest (L2 included) runs.
EXITSTAT_RELEASE_FLAGS := -O2 -static
EXITSTAT_TEST_FLAGS := -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-I$(EXITSTAT_TEST_DIR) -I$(TOP)/tests/lib
# Result lines of unit_tests come from the shared tests/lib/tap.c.
EXITSTAT_TAP := $(TOP)/tests/lib/tap.c

.PHONY: exitstat exitstat-test reasons-json
exitstat: extract $(EXITSTAT_OUT)/exitstat

# The reason tables as JSON for Python and shell (numbers, names, KVM's trace
# names, categories), written from the C tables so nothing copies them.
REASONS_JSON := $(TOP)/build/reasons/reasons.json
export REASONS_JSON
reasons-json: extract $(REASONS_JSON)

$(TOP)/build/reasons/reasons-json: $(EXITSTAT_TOP_DIR)/reasons-json.c \
		$(EXITSTAT_LIB_SRCS) $(EXITSTAT_HDRS) $(EXITSTAT_ABI)
	@mkdir -p $(dir $@)
	$(CC) $(EXITSTAT_CFLAGS) -o $@ $< $(EXITSTAT_LIB_SRCS) -lm

$(REASONS_JSON): $(TOP)/build/reasons/reasons-json
	$< > $@.tmp && mv $@.tmp $@

$(EXITSTAT_OUT)/exitstat: $(EXITSTAT_LIB_SRCS) $(EXITSTAT_SRC_DIR)/main.c \
		$(EXITSTAT_HDRS) $(EXITSTAT_ABI)
	@mkdir -p $(dir $@)
	$(CC) $(EXITSTAT_CFLAGS) $(EXITSTAT_RELEASE_FLAGS) -o $@ \
		$(EXITSTAT_LIB_SRCS) $(EXITSTAT_SRC_DIR)/main.c -lm

$(EXITSTAT_OUT)/unit_tests: $(EXITSTAT_LIB_SRCS) $(EXITSTAT_FAKE_SRCS) \
		$(EXITSTAT_TEST_DIR)/unit_tests.c $(EXITSTAT_HDRS) \
		$(EXITSTAT_TEST_HDRS) $(EXITSTAT_ABI) \
		$(EXITSTAT_TAP) $(TOP)/tests/lib/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(EXITSTAT_CFLAGS) $(EXITSTAT_TEST_FLAGS) -o $@ \
		$(EXITSTAT_LIB_SRCS) $(EXITSTAT_FAKE_SRCS) \
		$(EXITSTAT_TEST_DIR)/unit_tests.c $(EXITSTAT_TAP) -lm

$(EXITSTAT_OUT)/exitstat-fake: $(EXITSTAT_LIB_SRCS) $(EXITSTAT_FAKE_SRCS) \
		$(EXITSTAT_TEST_DIR)/fake_main.c $(EXITSTAT_HDRS) \
		$(EXITSTAT_TEST_HDRS) $(EXITSTAT_ABI)
	@mkdir -p $(dir $@)
	$(CC) $(EXITSTAT_CFLAGS) $(EXITSTAT_TEST_FLAGS) -o $@ \
		$(EXITSTAT_LIB_SRCS) $(EXITSTAT_FAKE_SRCS) \
		$(EXITSTAT_TEST_DIR)/fake_main.c -lm

exitstat-test: deps exitstat $(EXITSTAT_OUT)/unit_tests $(EXITSTAT_OUT)/exitstat-fake \
		$(REASONS_JSON)
	@rm -f $(EXITSTAT_OUT)/*.log
	@$(EXITSTAT_TEST_DIR)/run-tests.sh $(EXITSTAT_OUT)
	@$(TOP)/tests/summarize.sh $(EXITSTAT_OUT)/*.log

unit: exitstat-test
