# docs/exit-reasons.md is generated from the series' reason tables and
# exitstat's category table.
DOCS_BIN := $(TOP)/build/docs/gen-reasons

# Categories come from exitstat's table (tools/exitstat/src/categories.c).
DOCS_CATEGORY_SRCS := $(addprefix $(TOP)/tools/exitstat/src/,categories.c reasons.c)

$(DOCS_BIN): docs/gen-reasons.c $(DOCS_CATEGORY_SRCS) \
		$(TOP)/tools/exitstat/src/categories.h extract
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -I$(ABI_DIR) \
		-I$(TOP)/tools/exitstat/src -o $@ $< $(DOCS_CATEGORY_SRCS) \
		$(ABI_REASONS)

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
