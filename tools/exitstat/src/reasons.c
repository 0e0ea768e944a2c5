// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <asm/kvm.h>	/* the exception vectors SVM_EXIT_REASONS uses */
#include <asm/svm.h>
#include <asm/vmx.h>

#include "exit_stats_abi.h"
#include "reasons.h"

_Static_assert(NUMBERING_VMX == KVM_EXIT_STATS_NUMBERING_VMX &&
	       NUMBERING_SVM == KVM_EXIT_STATS_NUMBERING_SVM,
	       "numbering values are the ABI's");

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const uint32_t abi_leaf_total_exits = KVM_EXIT_STATS_LEAF_TOTAL_EXITS;
const uint32_t abi_leaf_total_cycles = KVM_EXIT_STATS_LEAF_TOTAL_CYCLES;
const uint32_t abi_leaf_reason_exits = KVM_EXIT_STATS_LEAF_REASON_EXITS;
const uint32_t abi_leaf_reason_cycles = KVM_EXIT_STATS_LEAF_REASON_CYCLES;
const uint32_t abi_leaf_signature = KVM_EXIT_STATS_LEAF_SIGNATURE;
const uint32_t abi_leaf_info = KVM_EXIT_STATS_LEAF_INFO;
const uint32_t abi_leaf_total_exits64 = KVM_EXIT_STATS_LEAF_TOTAL_EXITS64;
const uint32_t abi_leaf_reason_exits64 = KVM_EXIT_STATS_LEAF_REASON_EXITS64;
const uint32_t abi_undefined = KVM_EXIT_STATS_UNDEFINED;
const uint32_t abi_sig_ebx = KVM_EXIT_STATS_SIG_EBX;
const uint32_t abi_sig_ecx = KVM_EXIT_STATS_SIG_ECX;
const uint32_t abi_sig_edx = KVM_EXIT_STATS_SIG_EDX;

static const struct kvm_exit_stats_reason *entries(enum numbering numbering,
						    size_t *len)
{
	switch (numbering) {
	case NUMBERING_VMX:
		*len = KVM_EXIT_STATS_NR_VMX_REASONS;
		return kvm_exit_stats_vmx_reasons;
	case NUMBERING_SVM:
		*len = KVM_EXIT_STATS_NR_SVM_CODES;
		return kvm_exit_stats_svm_codes;
	default:
		*len = 0;
		return NULL;
	}
}

int reason_table_get(enum numbering numbering, struct reason_table *out)
{
	const struct kvm_exit_stats_reason *table = entries(numbering, &out->len);
	size_t i;

	out->numbering = numbering;
	/* Both tables name it "CPUID" (VMX 10, SVM 0x72). */
	out->cpuid_index = out->len;
	for (i = 0; i < out->len; i++)
		if (strcmp(table[i].name, "CPUID") == 0)
			out->cpuid_index = i;
	return out->cpuid_index < out->len ? 0 : -1;
}

uint32_t reason_number(const struct reason_table *table, size_t index)
{
	size_t len;

	return entries(table->numbering, &len)[index].number;
}

const char *reason_name(const struct reason_table *table, size_t index)
{
	size_t len;

	return entries(table->numbering, &len)[index].name;
}

/* KVM's names, as its kvm_exit tracepoint prints them. */
struct kernel_reason {
	uint64_t number;
	const char *name;
};

static const struct kernel_reason kernel_vmx[] = { VMX_EXIT_REASONS };
static const struct kernel_reason kernel_svm[] = { SVM_EXIT_REASONS };

const char *reason_kernel_name(const struct reason_table *table, size_t index)
{
	uint32_t number = reason_number(table, index);
	const struct kernel_reason *list;
	size_t i, len;

	if (table->numbering == NUMBERING_VMX) {
		list = kernel_vmx;
		len = ARRAY_LEN(kernel_vmx);
	} else {
		list = kernel_svm;
		len = ARRAY_LEN(kernel_svm);
	}
	for (i = 0; i < len; i++) {
		/*
		 * Not reasons: VMX's failed-VM-entry flag (bit 31) and SVM's
		 * VMGEXIT software codes (0x80000000 up, below the negative
		 * codes, which are VMEXIT_INVALID and VMEXIT_BUSY).
		 */
		if ((list[i].number & 0x80000000) &&
		    (table->numbering == NUMBERING_VMX || list[i].number < 0xfffffff0ull))
			continue;
		if ((uint32_t)list[i].number == number)
			return list[i].name;
	}
	return NULL;
}

const char *numbering_name(enum numbering numbering)
{
	switch (numbering) {
	case NUMBERING_VMX:
		return "vmx";
	case NUMBERING_SVM:
		return "svm";
	default:
		return "unknown";
	}
}
