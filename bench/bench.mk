# The exit overhead benchmark (see bench/README.md).
#   make bench    one L1 boot; prints the table and writes build/bench/bench.md
.PHONY: bench

BENCH_BUILD := $(TOP)/build/bench
BENCH_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2

# Static: it runs in L1 straight from the host share.
$(BENCH_BUILD)/exitbench: $(TOP)/bench/exitbench.c $(TOP)/tests/lib/kvm_stat.c $(TOP)/tests/lib/kvm_stat.h | deps
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -I$(TOP)/tests/lib -static -pthread -o $@ $(TOP)/bench/exitbench.c $(TOP)/tests/lib/kvm_stat.c

bench: modules $(BENCH_BUILD)/exitbench
	$(TOP)/bench/run.sh
