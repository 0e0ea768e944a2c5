# make shellcheck: every shell script of the repository through shellcheck
# (tests/shellcheck.sh; exceptions in tests/shellcheck-exceptions); the log
# feeds make test's summary.
.PHONY: shellcheck
shellcheck: deps
	@mkdir -p build/shellcheck
	@set -o pipefail; ./tests/shellcheck.sh | tee build/shellcheck/shellcheck.log
