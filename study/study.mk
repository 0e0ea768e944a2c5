# The VM-exit profile of a full guest boot and workloads (see study/README.md).
#   make demo          full profile in the lab; report in build/report/
#   make study-test    analysis unit test + short profile with checks
#   make study-tools   the sampler, the guest's burst program and initramfs
.PHONY: demo study-test study-tools study-unit

STUDY_DIR := $(TOP)/build/study
STUDY_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2
# exitstat goes into the guest when its part of the build exists.
STUDY_EXITSTAT := $(if $(wildcard $(TOP)/tools/exitstat/exitstat.mk),exitstat)

study-tools: $(STUDY_DIR)/study-sampler $(STUDY_DIR)/guest.cpio.gz

$(STUDY_DIR)/study-sampler: $(TOP)/study/sampler.c | deps
	@mkdir -p $(@D)
	$(CC) $(STUDY_CFLAGS) -static -o $@ $<

$(STUDY_DIR)/exitburst: $(TOP)/study/guest/exitburst.c $(ABI_DIR)/exit_stats_abi.h | deps
	@mkdir -p $(@D)
	$(CC) $(STUDY_CFLAGS) -static -I$(ABI_DIR) -o $@ $<

# Rebuilt every time: cheap, and it picks up a newly built exitstat.
$(STUDY_DIR)/guest.cpio.gz: $(STUDY_DIR)/exitburst $(TOP)/study/guest/init \
		$(TOP)/study/build-guest.sh $(STUDY_EXITSTAT) FORCE
	$(TOP)/study/build-guest.sh "$$($(TOP)/lab/fetch-debian.sh)" $(STUDY_DIR)/exitburst $@

FORCE:

demo: modules study-tools
	$(TOP)/study/run-profile.sh full

# The analysis on a synthetic run (no VM), fast.
study-unit: | deps
	@mkdir -p $(STUDY_DIR)
	python3 $(TOP)/study/test_analyze.py > $(STUDY_DIR)/analyze-unit.log 2>&1 || true
	@cat $(STUDY_DIR)/analyze-unit.log

study-test: modules study-tools
	@mkdir -p $(STUDY_DIR)
	@rm -f $(STUDY_DIR)/*.log
	$(MAKE) --no-print-directory study-unit
	$(TOP)/study/run-profile.sh short > $(STUDY_DIR)/profile-short.out 2>&1; \
		echo "run-profile status $$?" >> $(STUDY_DIR)/profile-short.out; \
		tail -n 40 $(STUDY_DIR)/profile-short.out
	python3 $(TOP)/study/check_report.py $(STUDY_DIR)/run-short \
		$(STUDY_DIR)/report-short > $(STUDY_DIR)/profile-short.log 2>&1 || true
	@cat $(STUDY_DIR)/profile-short.log
	$(TOP)/tests/summarize.sh $(STUDY_DIR)/*.log
