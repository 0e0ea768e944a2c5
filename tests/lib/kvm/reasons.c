// SPDX-License-Identifier: GPL-2.0
#include "reasons.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Intel SDM Vol. 3C App. C: numbers below the table's end never defined. */
static const uint32_t vmx_reserved[] = { 35, 38, 42, 71, 82, 83 };
/* Not in kvm_vmx_exit_handlers[] of Debian's 6.1 vmx.c (nor 33/34). */
static const uint32_t vmx_unhandled[] = {
	3, 4, 5, 6, 11, 16, 17, 51, 63, 64, 65, 66, 67, 68, 69, 70, 72, 73,
	76, 77, 78, 79, 80, 81, 84, 85,
};
/* AMD APM Vol. 2 App. C: gaps in the exit code space. */
static const uint32_t svm_reserved[] = {
	0xa7, 0xa8, 0xff, 0x100, 0x200, 0x3ff, 0x7fffffff, 0x80000000,
	0xfffffffd,
};
/* Not in svm_exit_handlers[] of Debian's 6.1 svm.c. */
static const uint32_t svm_unhandled[] = {
	0x001, 0x002, 0x005, 0x00a, 0x01f, 0x028, 0x03f, 0x040, 0x042, 0x05f,
	0x06e, 0x070, 0x071, 0x075, 0x088, 0x08c, 0x091, 0x09f, 0x0a0, 0x0a1,
	0x0a3, 0x0a4, 0x0a5, 0x0a6, 0xfffffffe,
};

static const struct numbering vmx = {
	.id = KVM_EXIT_STATS_NUMBERING_VMX,
	.tag = "vmx",
	.table = kvm_exit_stats_vmx_reasons,
	.len = KVM_EXIT_STATS_NR_VMX_REASONS,
	.io = 30, .cpuid = 10, .msr_read = 31, .msr_write = 32,
	.hypercall = 18, .hlt = 12,
	.mmio = { 48, 49 }, .nr_mmio = 2,
	.names = { "IO_INSTRUCTION", "CPUID", "MSR_READ", "MSR_WRITE",
		   "VMCALL", "HLT", "EPT_VIOLATION", "EPT_MISCONFIG" },
	.reserved = vmx_reserved, .nr_reserved = ARRAY_SIZE(vmx_reserved),
	.unhandled = vmx_unhandled, .nr_unhandled = ARRAY_SIZE(vmx_unhandled),
};

static const struct numbering svm = {
	.id = KVM_EXIT_STATS_NUMBERING_SVM,
	.tag = "svm",
	.table = kvm_exit_stats_svm_codes,
	.len = KVM_EXIT_STATS_NR_SVM_CODES,
	.io = 0x7b, .cpuid = 0x72, .msr_read = 0x7c, .msr_write = 0x7c,
	.hypercall = 0x81, .hlt = 0x78,
	.mmio = { 0x400 }, .nr_mmio = 1,
	.names = { "IOIO", "CPUID", "MSR", "MSR", "VMMCALL", "HLT", "NPF" },
	.reserved = svm_reserved, .nr_reserved = ARRAY_SIZE(svm_reserved),
	.unhandled = svm_unhandled, .nr_unhandled = ARRAY_SIZE(svm_unhandled),
};

const struct numbering *numbering_for(bool amd)
{
	return amd ? &svm : &vmx;
}

static int reason_index(const struct numbering *n, uint32_t reason)
{
	size_t lo = 0, hi = n->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n->table[mid].number == reason)
			return (int)mid;
		if (n->table[mid].number < reason)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

bool reason_defined(const struct numbering *n, uint32_t reason)
{
	return reason_index(n, reason) >= 0;
}

const char *reason_name(const struct numbering *n, uint32_t reason)
{
	int i = reason_index(n, reason);

	return i < 0 ? "UNDEFINED" : n->table[i].name;
}
