# docs/exit-reasons.md is generated from the series' ABI header.
DOCS_BIN := $(TOP)/build/docs/gen-reasons

$(DOCS_BIN): docs/gen-reasons.c extract
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -I$(ABI_DIR) -o $@ $< $(ABI_REASONS)

.PHONY: docs docs-check
docs: $(DOCS_BIN)
	$(DOCS_BIN) > docs/exit-reasons.md

# A unit check: the committed table must equal the generated one.
docs-check: $(DOCS_BIN)
	@mkdir -p build/unit-docs
	@if $(DOCS_BIN) | cmp -s - docs/exit-reasons.md; then \
		echo "ok docs/exit-reasons.md matches exit_stats_reasons.c"; \
	else \
		echo "not ok docs/exit-reasons.md is stale - run make docs"; \
	fi | tee build/unit-docs/docs.log
	@! grep -q '^not ok ' build/unit-docs/docs.log
