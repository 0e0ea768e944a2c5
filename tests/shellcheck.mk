# make shellcheck: every shell script of the repository through shellcheck
# (tests/shellcheck.sh; intended findings are disabled inline); the log
# feeds make test's summary.
.PHONY: shellcheck
shellcheck: deps
	@mkdir -p build/shellcheck
	@set -o pipefail; ./tests/shellcheck.sh | tee build/shellcheck/shellcheck.log
