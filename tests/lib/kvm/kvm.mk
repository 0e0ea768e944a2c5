# The VMM library of the project's KVM tests (tests/lib/kvm/README.md), in
# the manner of Linux's tools/testing/selftests/kvm: the e2e suite, the
# benchmark, the Intel suite and the lab smoke build their programs from it.
# Included by each user's .mk (once: the guard).
ifndef KVM_LIB_DIR
KVM_LIB_DIR := $(TOP)/tests/lib/kvm
KVM_LIB_SRCS := $(sort $(wildcard $(KVM_LIB_DIR)/*.c)) $(KVM_LIB_DIR)/idt.S \
	$(ABI_REASONS) $(TOP)/tests/lib/kvm_stat.c
KVM_LIB_HDRS := $(wildcard $(KVM_LIB_DIR)/*.h) $(TOP)/tests/lib/kvm_stat.h \
	$(ABI_DIR)/exit_stats_abi.h $(KVM_LIB_DIR)/kvm.mk
# Static and not PIE: the program's image is copied into guest memory at
# GPA == VA.  Guest code takes interrupts on its own stack (no red zone),
# has no TLS (no stack protector) and must not call libc (no memset from
# loops).
KVM_LIB_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -static -no-pie -fno-pie \
	-mno-red-zone -fno-stack-protector -fno-tree-loop-distribute-patterns \
	-pthread -I$(ABI_DIR) -I$(KVM_LIB_DIR) -I$(TOP)/tests/lib
# The host side under ASan and UBSan: dynamically linked (the lab's L1
# finds the host's libraries through its /host share), still at a fixed
# address; guest code is left uninstrumented (GUEST_CODE).
KVM_LIB_SAN_CFLAGS := $(filter-out -static -O2,$(KVM_LIB_CFLAGS)) -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
endif
