/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Access to the exit reason tables (exit_stats_reasons.c of the kernel
 * series, compiled in) and to the names KVM's own tracepoint, perf kvm stat
 * and kvm_stat print for them (the uapi VMX_EXIT_REASONS and
 * SVM_EXIT_REASONS of the build host's kernel headers).  Only reasons.c
 * includes those headers.
 */
#ifndef EXITSTAT_REASONS_H
#define EXITSTAT_REASONS_H

#include <stddef.h>
#include <stdint.h>

enum numbering {
	NUMBERING_NONE = 0,
	NUMBERING_VMX = 1,	/* = KVM_EXIT_STATS_NUMBERING_VMX */
	NUMBERING_SVM = 2,	/* = KVM_EXIT_STATS_NUMBERING_SVM */
};

/* One of the ABI header's tables, read through the accessors below. */
struct reason_table {
	enum numbering numbering;
	size_t len;
	size_t cpuid_index;	/* index of the CPUID reason */
};

uint32_t reason_number(const struct reason_table *table, size_t index);
const char *reason_name(const struct reason_table *table, size_t index);
/* KVM's trace name of the reason ("io", "npf", "EPT_VIOLATION"), or NULL. */
const char *reason_kernel_name(const struct reason_table *table, size_t index);

/* Returns 0, or -1 for a numbering exitstat has no table for. */
int reason_table_get(enum numbering numbering, struct reason_table *out);
const char *numbering_name(enum numbering numbering);

/* The ABI's constants, so no other file needs the ABI header. */
extern const uint32_t abi_leaf_total_exits, abi_leaf_total_cycles,
	abi_leaf_reason_exits, abi_leaf_reason_cycles, abi_leaf_signature,
	abi_leaf_info, abi_leaf_total_exits64, abi_leaf_reason_exits64;
extern const uint32_t abi_undefined, abi_sig_ebx, abi_sig_ecx, abi_sig_edx;

#endif
