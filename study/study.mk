# The VM-exit profile of a full guest boot and workloads (see study/README.md).
#   make demo          the real distribution (study/distro/) on AMD beside
#                      the quick busybox guest on AMD and Intel (the labs
#                      side by side); report in build/report/, the quick
#                      guest's in build/report/quick/
#   make demo DEMO=quick   only the quick guest, on both vendors
#   make demo DEMO_VENDOR=amd   only one vendor (amd, or intel with DEMO=quick)
#   make demo RUNS=5   five AMD runs instead of three (INTEL_RUNS=N: Intel)
#   make study-test    unit tests (no VM) + short profile with checks
#   make study-unit    only the unit tests
#   make study-tools   the sampler, the guest's burst program and initramfs
.PHONY: demo study-test study-tools study-unit FORCE

STUDY_DIR := $(TOP)/build/study
STUDY_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2
# exitstat goes into the guest when its part of the build exists.
STUDY_EXITSTAT := $(if $(wildcard $(TOP)/tools/exitstat/exitstat.mk),exitstat)

study-tools: $(STUDY_DIR)/study-sampler $(STUDY_DIR)/guest.cpio.gz

$(STUDY_DIR)/study-sampler: $(TOP)/study/sampler.c | deps
	@mkdir -p $(@D)
	$(CC) $(STUDY_CFLAGS) -static -o $@ $<

$(STUDY_DIR)/exitburst: $(TOP)/study/guest/exitburst.c $(ABI_DIR)/exit_stats_abi.h $(ABI_REASONS) | deps
	@mkdir -p $(@D)
	$(CC) $(STUDY_CFLAGS) -static -I$(ABI_DIR) -o $@ $< $(ABI_REASONS)

# Rebuilt every time: cheap, and it picks up a newly built exitstat.
$(STUDY_DIR)/guest.cpio.gz: $(STUDY_DIR)/exitburst $(TOP)/study/guest/init \
		$(TOP)/study/build-guest.sh $(STUDY_EXITSTAT) FORCE
	$(TOP)/study/build-guest.sh "$$($(TOP)/lab/fetch-debian.sh)" $(STUDY_DIR)/exitburst $@

FORCE:

# Both vendors side by side by default; DEMO_VENDOR=amd (or intel) for one.
DEMO_VENDOR ?= both
# Runs per profile: the report gives min / median / max over them.  The
# Intel lab takes about 10 minutes of a core per run, so it runs
# INTEL_RUNS (default 1) times; RUNS counts the AMD runs.
DEMO_RUNS := $(or $(RUNS),3)
# DEMO=real (default): the distribution and the quick guest; DEMO=quick:
# the quick guest alone (the profile called full in run-profile.sh).
DEMO ?= real
ifeq ($(DEMO),quick)
demo: modules study-tools $(REASONS_JSON)
	RUNS=$(DEMO_RUNS) $(TOP)/study/run-profile.sh --vendor $(DEMO_VENDOR) full
else ifeq ($(DEMO),real)
demo: modules study-tools study-distro-image $(REASONS_JSON)
	RUNS=$(DEMO_RUNS) $(TOP)/study/run-profile.sh --vendor $(DEMO_VENDOR) demo
else
demo:
	@echo "make demo: DEMO=$(DEMO) is not a profile: use DEMO=real (the default) or DEMO=quick" >&2; exit 2
endif

# The sampler under ASan/UBSan, dynamically linked, for its unit test.
$(STUDY_DIR)/study-sampler-asan: $(TOP)/study/sampler.c | deps
	@mkdir -p $(@D)
	$(CC) $(STUDY_CFLAGS) -O1 -g -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ $<

# $(call study_run,COMMAND,LOG,NAME): run a test command into LOG; a failure
# that printed no "not ok" line (a crash) gets one, so it is counted.
study_run = $(1) > $(2) 2>&1; s=$$?; \
	if [ $$s != 0 ] && ! grep -q '^not ok ' $(2); then \
		echo "not ok $(3) - exited with status $$s" >> $(2); fi; cat $(2)

# No VM, a few seconds: the sampler against a fake debugfs, the analysis
# on synthetic runs.
study-unit: $(STUDY_DIR)/study-sampler-asan $(REASONS_JSON)
	@$(call study_run,$(TOP)/study/test-sampler.sh $(STUDY_DIR)/study-sampler-asan,$(STUDY_DIR)/sampler-unit.log,sampler-unit)
	@$(call study_run,python3 $(TOP)/study/test_analyze.py,$(STUDY_DIR)/analyze-unit.log,analyze-unit)
	@! grep -q '^not ok ' $(STUDY_DIR)/sampler-unit.log $(STUDY_DIR)/analyze-unit.log || \
		{ echo "study-unit: failed (not ok lines above)"; exit 1; }

# The short profile on both vendors side by side (SKIP_INTEL=1: AMD only).
STUDY_TEST_VENDOR := $(if $(filter 1,$(SKIP_INTEL)),amd,both)
study_short := $(STUDY_DIR)/report-short
study-test: modules study-tools $(REASONS_JSON)
	@mkdir -p $(STUDY_DIR)
	@rm -f $(STUDY_DIR)/*.log
	-$(MAKE) --no-print-directory study-unit
	RUNS=$(or $(RUNS),1) $(TOP)/study/run-profile.sh --vendor $(STUDY_TEST_VENDOR) short > $(STUDY_DIR)/profile-short.out 2>&1; \
		echo "run-profile status $$?" >> $(STUDY_DIR)/profile-short.out; \
		tail -n 60 $(STUDY_DIR)/profile-short.out
	@$(call study_run,python3 $(TOP)/study/check_report.py $(STUDY_DIR)/run-short $(study_short),$(STUDY_DIR)/profile-short.log,profile-short)
ifneq ($(STUDY_TEST_VENDOR),amd)
	@$(call study_run,python3 $(TOP)/study/check_report.py --prefix intel $(STUDY_DIR)/run-short-intel $(study_short)/intel,$(STUDY_DIR)/profile-short-intel.log,profile-short-intel)
	@$(call study_run,python3 $(TOP)/study/check_report.py --side-by-side $(study_short) $(study_short)/intel,$(STUDY_DIR)/profile-short-side-by-side.log,profile-short-side-by-side)
endif
	$(TOP)/tests/summarize.sh $(STUDY_DIR)/*.log

# The real-distribution guest (study/distro/README.md): a Debian 12 disk
# image by debootstrap, cached in build/study/, made again when an input
# changes.  sfdisk (Debian's fdisk package) partitions it.
.PHONY: study-distro-image
study-distro-image: exitstat $(STUDY_DIR)/exitburst | deps
	@command -v sfdisk >/dev/null || DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends fdisk
	$(TOP)/study/distro/build-image.sh $(EXITSTAT_OUT)/exitstat $(STUDY_DIR)/exitburst

# The short distro profile in the AMD lab (one boot, the CPUID/port burst,
# poweroff), then study/distro/check-boot.py: booted to the workloads unit,
# every marker arrived and was sampled, the burst counted exactly; and
# study/check_report.py: the report's summary.json against the raw samples
# and KVM's exits.  Logs in build/study/distro-test/.
.PHONY: study-distro-test
STUDY_DISTRO_SHORT_PHASES := loader kernel initrd userspace booted cpuid_pio exitstat_dump shutdown
study-distro-test: modules study-tools study-distro-image $(REASONS_JSON)
	@mkdir -p $(STUDY_DIR)/distro-test
	@rm -f $(STUDY_DIR)/distro-test/*.log
	$(TOP)/study/run-profile.sh --vendor amd distro-short > $(STUDY_DIR)/distro-test/profile.out 2>&1; \
		echo "run-profile status $$?" >> $(STUDY_DIR)/distro-test/profile.out; \
		tail -n 30 $(STUDY_DIR)/distro-test/profile.out
	@$(call study_run,python3 $(TOP)/study/distro/check-boot.py $(STUDY_DIR)/run-distro-short $(STUDY_DISTRO_SHORT_PHASES),$(STUDY_DIR)/distro-test/boot.log,distro-boot)
	@$(call study_run,python3 $(TOP)/study/check_report.py $(STUDY_DIR)/run-distro-short $(STUDY_DIR)/report-distro-short,$(STUDY_DIR)/distro-test/report.log,distro-report)
	$(TOP)/tests/summarize.sh $(STUDY_DIR)/distro-test/*.log
