// SPDX-License-Identifier: GPL-2.0
/*
 * The category of every exit reason of both of the ABI's tables, written
 * down once (see categories.h).  Entries name the reason's number and its
 * name in exit_stats_reasons.c, so categories_check() notices a reason
 * added, renumbered or renamed in the kernel series before a user does.
 *
 * Where a reason could go in two places, the choice follows what the guest
 * was doing: SVM's IRET intercept serves KVM as the NMI window (interrupt),
 * VMX's EXCEPTION_NMI and SVM's ICEBP/SWINT are exceptions, EFER_WRITE_TRAP
 * is an MSR write, a failed VM-entry (VMX 33, 34, 41; SVM INVALID, BUSY) is
 * entry_failure, SMIs and RSM are smm, and VMCALL/VMMCALL/VMGEXIT/TDCALL
 * (the guest calling its host) are hypercalls.
 */
#include <string.h>

#include "categories.h"

struct category_info {
	const char *name;
	const char *description;
};

static const struct category_info categories[NR_CATEGORIES] = {
	[CATEGORY_IO] = { "io", "port I/O (IN, OUT, INS, OUTS)" },
	[CATEGORY_NPF_EPT] = { "npf_ept", "nested page faults: MMIO and guest memory (EPT violation and misconfiguration, NPF, PML, SPP)" },
	[CATEGORY_APIC] = { "apic", "APIC virtualization (APIC access and write, EOI, TPR threshold, AVIC)" },
	[CATEGORY_CPUID] = { "cpuid", "CPUID" },
	[CATEGORY_MSR] = { "msr", "MSR reads and writes (RDMSR, WRMSR and their variants, EFER write trap)" },
	[CATEGORY_HLT] = { "hlt", "HLT (and SVM's idle HLT)" },
	[CATEGORY_PAUSE_WAIT] = { "pause_wait", "PAUSE, MONITOR, MWAIT, UMWAIT, TPAUSE" },
	[CATEGORY_INTERRUPT] = { "interrupt", "external interrupts, NMI, INIT, SIPI, interrupt and NMI windows, VMX preemption timer" },
	[CATEGORY_EXCEPTION] = { "exception", "exceptions intercepted in the guest, triple fault / shutdown" },
	[CATEGORY_CR_DR] = { "cr_dr", "control and debug register accesses" },
	[CATEGORY_DESCRIPTOR] = { "descriptor", "descriptor table register accesses (GDTR, IDTR, LDTR, TR)" },
	[CATEGORY_HYPERCALL] = { "hypercall", "the guest calling its host (VMCALL, VMMCALL, VMGEXIT, TDCALL)" },
	[CATEGORY_NESTED] = { "nested", "virtualization instructions of a guest hypervisor (VMX, SVM, SMX, SEAM)" },
	[CATEGORY_TLB_CACHE] = { "tlb_cache", "TLB and cache maintenance (INVLPG, INVPCID, INVD, WBINVD, INVLPGB, TLBSYNC, MCOMMIT)" },
	[CATEGORY_COUNTERS] = { "counters", "reading time and performance counters (RDTSC, RDTSCP, RDPMC, RDPRU)" },
	[CATEGORY_XSAVE] = { "xsave", "XSETBV, XSAVES, XRSTORS" },
	[CATEGORY_SMM] = { "smm", "system management mode: SMIs and RSM" },
	[CATEGORY_ENTRY_FAILURE] = { "entry_failure", "failed VM-entries (invalid guest state, MSR loading, machine check; SVM INVALID, BUSY)" },
	[CATEGORY_OTHER] = { "other", "everything else (task switch, RDRAND, RDSEED, SGX, bus lock, ...)" },
};

struct reason_category {
	uint32_t number;
	const char *name;
	enum exit_category category;
};

static const struct reason_category vmx_reason_categories[] = {
	{ 0, "EXCEPTION_NMI", CATEGORY_EXCEPTION },
	{ 1, "EXTERNAL_INTERRUPT", CATEGORY_INTERRUPT },
	{ 2, "TRIPLE_FAULT", CATEGORY_EXCEPTION },
	{ 3, "INIT_SIGNAL", CATEGORY_INTERRUPT },
	{ 4, "SIPI_SIGNAL", CATEGORY_INTERRUPT },
	{ 5, "IO_SMI", CATEGORY_SMM },
	{ 6, "OTHER_SMI", CATEGORY_SMM },
	{ 7, "INTERRUPT_WINDOW", CATEGORY_INTERRUPT },
	{ 8, "NMI_WINDOW", CATEGORY_INTERRUPT },
	{ 9, "TASK_SWITCH", CATEGORY_OTHER },
	{ 10, "CPUID", CATEGORY_CPUID },
	{ 11, "GETSEC", CATEGORY_NESTED },
	{ 12, "HLT", CATEGORY_HLT },
	{ 13, "INVD", CATEGORY_TLB_CACHE },
	{ 14, "INVLPG", CATEGORY_TLB_CACHE },
	{ 15, "RDPMC", CATEGORY_COUNTERS },
	{ 16, "RDTSC", CATEGORY_COUNTERS },
	{ 17, "RSM", CATEGORY_SMM },
	{ 18, "VMCALL", CATEGORY_HYPERCALL },
	{ 19, "VMCLEAR", CATEGORY_NESTED },
	{ 20, "VMLAUNCH", CATEGORY_NESTED },
	{ 21, "VMPTRLD", CATEGORY_NESTED },
	{ 22, "VMPTRST", CATEGORY_NESTED },
	{ 23, "VMREAD", CATEGORY_NESTED },
	{ 24, "VMRESUME", CATEGORY_NESTED },
	{ 25, "VMWRITE", CATEGORY_NESTED },
	{ 26, "VMXOFF", CATEGORY_NESTED },
	{ 27, "VMXON", CATEGORY_NESTED },
	{ 28, "CR_ACCESS", CATEGORY_CR_DR },
	{ 29, "DR_ACCESS", CATEGORY_CR_DR },
	{ 30, "IO_INSTRUCTION", CATEGORY_IO },
	{ 31, "MSR_READ", CATEGORY_MSR },
	{ 32, "MSR_WRITE", CATEGORY_MSR },
	{ 33, "INVALID_GUEST_STATE", CATEGORY_ENTRY_FAILURE },
	{ 34, "MSR_LOADING", CATEGORY_ENTRY_FAILURE },
	{ 36, "MWAIT", CATEGORY_PAUSE_WAIT },
	{ 37, "MONITOR_TRAP_FLAG", CATEGORY_OTHER },
	{ 39, "MONITOR", CATEGORY_PAUSE_WAIT },
	{ 40, "PAUSE", CATEGORY_PAUSE_WAIT },
	{ 41, "MCE_DURING_VMENTRY", CATEGORY_ENTRY_FAILURE },
	{ 43, "TPR_BELOW_THRESHOLD", CATEGORY_APIC },
	{ 44, "APIC_ACCESS", CATEGORY_APIC },
	{ 45, "VIRTUALIZED_EOI", CATEGORY_APIC },
	{ 46, "GDTR_IDTR_ACCESS", CATEGORY_DESCRIPTOR },
	{ 47, "LDTR_TR_ACCESS", CATEGORY_DESCRIPTOR },
	{ 48, "EPT_VIOLATION", CATEGORY_NPF_EPT },
	{ 49, "EPT_MISCONFIG", CATEGORY_NPF_EPT },
	{ 50, "INVEPT", CATEGORY_NESTED },
	{ 51, "RDTSCP", CATEGORY_COUNTERS },
	{ 52, "PREEMPTION_TIMER", CATEGORY_INTERRUPT },
	{ 53, "INVVPID", CATEGORY_NESTED },
	{ 54, "WBINVD", CATEGORY_TLB_CACHE },
	{ 55, "XSETBV", CATEGORY_XSAVE },
	{ 56, "APIC_WRITE", CATEGORY_APIC },
	{ 57, "RDRAND", CATEGORY_OTHER },
	{ 58, "INVPCID", CATEGORY_TLB_CACHE },
	{ 59, "VMFUNC", CATEGORY_NESTED },
	{ 60, "ENCLS", CATEGORY_OTHER },
	{ 61, "RDSEED", CATEGORY_OTHER },
	{ 62, "PML_FULL", CATEGORY_NPF_EPT },
	{ 63, "XSAVES", CATEGORY_XSAVE },
	{ 64, "XRSTORS", CATEGORY_XSAVE },
	{ 65, "PCONFIG", CATEGORY_OTHER },
	{ 66, "SPP_EVENT", CATEGORY_NPF_EPT },
	{ 67, "UMWAIT", CATEGORY_PAUSE_WAIT },
	{ 68, "TPAUSE", CATEGORY_PAUSE_WAIT },
	{ 69, "LOADIWKEY", CATEGORY_OTHER },
	{ 70, "ENCLV", CATEGORY_OTHER },
	{ 72, "ENQCMD_PASID_FAIL", CATEGORY_OTHER },
	{ 73, "ENQCMDS_PASID_FAIL", CATEGORY_OTHER },
	{ 74, "BUS_LOCK", CATEGORY_OTHER },
	{ 75, "NOTIFY", CATEGORY_OTHER },
	{ 76, "SEAMCALL", CATEGORY_NESTED },
	{ 77, "TDCALL", CATEGORY_HYPERCALL },
	{ 78, "RDMSRLIST", CATEGORY_MSR },
	{ 79, "WRMSRLIST", CATEGORY_MSR },
	{ 80, "URDMSR", CATEGORY_MSR },
	{ 81, "UWRMSR", CATEGORY_MSR },
	{ 84, "RDMSR_IMM", CATEGORY_MSR },
	{ 85, "WRMSRNS_IMM", CATEGORY_MSR },
};

static const struct reason_category svm_reason_categories[] = {
	{ 0x000, "CR0_READ", CATEGORY_CR_DR },
	{ 0x001, "CR1_READ", CATEGORY_CR_DR },
	{ 0x002, "CR2_READ", CATEGORY_CR_DR },
	{ 0x003, "CR3_READ", CATEGORY_CR_DR },
	{ 0x004, "CR4_READ", CATEGORY_CR_DR },
	{ 0x005, "CR5_READ", CATEGORY_CR_DR },
	{ 0x006, "CR6_READ", CATEGORY_CR_DR },
	{ 0x007, "CR7_READ", CATEGORY_CR_DR },
	{ 0x008, "CR8_READ", CATEGORY_CR_DR },
	{ 0x009, "CR9_READ", CATEGORY_CR_DR },
	{ 0x00a, "CR10_READ", CATEGORY_CR_DR },
	{ 0x00b, "CR11_READ", CATEGORY_CR_DR },
	{ 0x00c, "CR12_READ", CATEGORY_CR_DR },
	{ 0x00d, "CR13_READ", CATEGORY_CR_DR },
	{ 0x00e, "CR14_READ", CATEGORY_CR_DR },
	{ 0x00f, "CR15_READ", CATEGORY_CR_DR },
	{ 0x010, "CR0_WRITE", CATEGORY_CR_DR },
	{ 0x011, "CR1_WRITE", CATEGORY_CR_DR },
	{ 0x012, "CR2_WRITE", CATEGORY_CR_DR },
	{ 0x013, "CR3_WRITE", CATEGORY_CR_DR },
	{ 0x014, "CR4_WRITE", CATEGORY_CR_DR },
	{ 0x015, "CR5_WRITE", CATEGORY_CR_DR },
	{ 0x016, "CR6_WRITE", CATEGORY_CR_DR },
	{ 0x017, "CR7_WRITE", CATEGORY_CR_DR },
	{ 0x018, "CR8_WRITE", CATEGORY_CR_DR },
	{ 0x019, "CR9_WRITE", CATEGORY_CR_DR },
	{ 0x01a, "CR10_WRITE", CATEGORY_CR_DR },
	{ 0x01b, "CR11_WRITE", CATEGORY_CR_DR },
	{ 0x01c, "CR12_WRITE", CATEGORY_CR_DR },
	{ 0x01d, "CR13_WRITE", CATEGORY_CR_DR },
	{ 0x01e, "CR14_WRITE", CATEGORY_CR_DR },
	{ 0x01f, "CR15_WRITE", CATEGORY_CR_DR },
	{ 0x020, "DR0_READ", CATEGORY_CR_DR },
	{ 0x021, "DR1_READ", CATEGORY_CR_DR },
	{ 0x022, "DR2_READ", CATEGORY_CR_DR },
	{ 0x023, "DR3_READ", CATEGORY_CR_DR },
	{ 0x024, "DR4_READ", CATEGORY_CR_DR },
	{ 0x025, "DR5_READ", CATEGORY_CR_DR },
	{ 0x026, "DR6_READ", CATEGORY_CR_DR },
	{ 0x027, "DR7_READ", CATEGORY_CR_DR },
	{ 0x028, "DR8_READ", CATEGORY_CR_DR },
	{ 0x029, "DR9_READ", CATEGORY_CR_DR },
	{ 0x02a, "DR10_READ", CATEGORY_CR_DR },
	{ 0x02b, "DR11_READ", CATEGORY_CR_DR },
	{ 0x02c, "DR12_READ", CATEGORY_CR_DR },
	{ 0x02d, "DR13_READ", CATEGORY_CR_DR },
	{ 0x02e, "DR14_READ", CATEGORY_CR_DR },
	{ 0x02f, "DR15_READ", CATEGORY_CR_DR },
	{ 0x030, "DR0_WRITE", CATEGORY_CR_DR },
	{ 0x031, "DR1_WRITE", CATEGORY_CR_DR },
	{ 0x032, "DR2_WRITE", CATEGORY_CR_DR },
	{ 0x033, "DR3_WRITE", CATEGORY_CR_DR },
	{ 0x034, "DR4_WRITE", CATEGORY_CR_DR },
	{ 0x035, "DR5_WRITE", CATEGORY_CR_DR },
	{ 0x036, "DR6_WRITE", CATEGORY_CR_DR },
	{ 0x037, "DR7_WRITE", CATEGORY_CR_DR },
	{ 0x038, "DR8_WRITE", CATEGORY_CR_DR },
	{ 0x039, "DR9_WRITE", CATEGORY_CR_DR },
	{ 0x03a, "DR10_WRITE", CATEGORY_CR_DR },
	{ 0x03b, "DR11_WRITE", CATEGORY_CR_DR },
	{ 0x03c, "DR12_WRITE", CATEGORY_CR_DR },
	{ 0x03d, "DR13_WRITE", CATEGORY_CR_DR },
	{ 0x03e, "DR14_WRITE", CATEGORY_CR_DR },
	{ 0x03f, "DR15_WRITE", CATEGORY_CR_DR },
	{ 0x040, "EXCP0", CATEGORY_EXCEPTION },
	{ 0x041, "EXCP1", CATEGORY_EXCEPTION },
	{ 0x042, "EXCP2", CATEGORY_EXCEPTION },
	{ 0x043, "EXCP3", CATEGORY_EXCEPTION },
	{ 0x044, "EXCP4", CATEGORY_EXCEPTION },
	{ 0x045, "EXCP5", CATEGORY_EXCEPTION },
	{ 0x046, "EXCP6", CATEGORY_EXCEPTION },
	{ 0x047, "EXCP7", CATEGORY_EXCEPTION },
	{ 0x048, "EXCP8", CATEGORY_EXCEPTION },
	{ 0x049, "EXCP9", CATEGORY_EXCEPTION },
	{ 0x04a, "EXCP10", CATEGORY_EXCEPTION },
	{ 0x04b, "EXCP11", CATEGORY_EXCEPTION },
	{ 0x04c, "EXCP12", CATEGORY_EXCEPTION },
	{ 0x04d, "EXCP13", CATEGORY_EXCEPTION },
	{ 0x04e, "EXCP14", CATEGORY_EXCEPTION },
	{ 0x04f, "EXCP15", CATEGORY_EXCEPTION },
	{ 0x050, "EXCP16", CATEGORY_EXCEPTION },
	{ 0x051, "EXCP17", CATEGORY_EXCEPTION },
	{ 0x052, "EXCP18", CATEGORY_EXCEPTION },
	{ 0x053, "EXCP19", CATEGORY_EXCEPTION },
	{ 0x054, "EXCP20", CATEGORY_EXCEPTION },
	{ 0x055, "EXCP21", CATEGORY_EXCEPTION },
	{ 0x056, "EXCP22", CATEGORY_EXCEPTION },
	{ 0x057, "EXCP23", CATEGORY_EXCEPTION },
	{ 0x058, "EXCP24", CATEGORY_EXCEPTION },
	{ 0x059, "EXCP25", CATEGORY_EXCEPTION },
	{ 0x05a, "EXCP26", CATEGORY_EXCEPTION },
	{ 0x05b, "EXCP27", CATEGORY_EXCEPTION },
	{ 0x05c, "EXCP28", CATEGORY_EXCEPTION },
	{ 0x05d, "EXCP29", CATEGORY_EXCEPTION },
	{ 0x05e, "EXCP30", CATEGORY_EXCEPTION },
	{ 0x05f, "EXCP31", CATEGORY_EXCEPTION },
	{ 0x060, "INTR", CATEGORY_INTERRUPT },
	{ 0x061, "NMI", CATEGORY_INTERRUPT },
	{ 0x062, "SMI", CATEGORY_SMM },
	{ 0x063, "INIT", CATEGORY_INTERRUPT },
	{ 0x064, "VINTR", CATEGORY_INTERRUPT },
	{ 0x065, "CR0_SEL_WRITE", CATEGORY_CR_DR },
	{ 0x066, "IDTR_READ", CATEGORY_DESCRIPTOR },
	{ 0x067, "GDTR_READ", CATEGORY_DESCRIPTOR },
	{ 0x068, "LDTR_READ", CATEGORY_DESCRIPTOR },
	{ 0x069, "TR_READ", CATEGORY_DESCRIPTOR },
	{ 0x06a, "IDTR_WRITE", CATEGORY_DESCRIPTOR },
	{ 0x06b, "GDTR_WRITE", CATEGORY_DESCRIPTOR },
	{ 0x06c, "LDTR_WRITE", CATEGORY_DESCRIPTOR },
	{ 0x06d, "TR_WRITE", CATEGORY_DESCRIPTOR },
	{ 0x06e, "RDTSC", CATEGORY_COUNTERS },
	{ 0x06f, "RDPMC", CATEGORY_COUNTERS },
	{ 0x070, "PUSHF", CATEGORY_OTHER },
	{ 0x071, "POPF", CATEGORY_OTHER },
	{ 0x072, "CPUID", CATEGORY_CPUID },
	{ 0x073, "RSM", CATEGORY_SMM },
	{ 0x074, "IRET", CATEGORY_INTERRUPT },
	{ 0x075, "SWINT", CATEGORY_EXCEPTION },
	{ 0x076, "INVD", CATEGORY_TLB_CACHE },
	{ 0x077, "PAUSE", CATEGORY_PAUSE_WAIT },
	{ 0x078, "HLT", CATEGORY_HLT },
	{ 0x079, "INVLPG", CATEGORY_TLB_CACHE },
	{ 0x07a, "INVLPGA", CATEGORY_NESTED },
	{ 0x07b, "IOIO", CATEGORY_IO },
	{ 0x07c, "MSR", CATEGORY_MSR },
	{ 0x07d, "TASK_SWITCH", CATEGORY_OTHER },
	{ 0x07e, "FERR_FREEZE", CATEGORY_OTHER },
	{ 0x07f, "SHUTDOWN", CATEGORY_EXCEPTION },
	{ 0x080, "VMRUN", CATEGORY_NESTED },
	{ 0x081, "VMMCALL", CATEGORY_HYPERCALL },
	{ 0x082, "VMLOAD", CATEGORY_NESTED },
	{ 0x083, "VMSAVE", CATEGORY_NESTED },
	{ 0x084, "STGI", CATEGORY_NESTED },
	{ 0x085, "CLGI", CATEGORY_NESTED },
	{ 0x086, "SKINIT", CATEGORY_NESTED },
	{ 0x087, "RDTSCP", CATEGORY_COUNTERS },
	{ 0x088, "ICEBP", CATEGORY_EXCEPTION },
	{ 0x089, "WBINVD", CATEGORY_TLB_CACHE },
	{ 0x08a, "MONITOR", CATEGORY_PAUSE_WAIT },
	{ 0x08b, "MWAIT", CATEGORY_PAUSE_WAIT },
	{ 0x08c, "MWAIT_CONDITIONAL", CATEGORY_PAUSE_WAIT },
	{ 0x08d, "XSETBV", CATEGORY_XSAVE },
	{ 0x08e, "RDPRU", CATEGORY_COUNTERS },
	{ 0x08f, "EFER_WRITE_TRAP", CATEGORY_MSR },
	{ 0x090, "CR0_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x091, "CR1_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x092, "CR2_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x093, "CR3_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x094, "CR4_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x095, "CR5_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x096, "CR6_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x097, "CR7_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x098, "CR8_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x099, "CR9_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x09a, "CR10_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x09b, "CR11_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x09c, "CR12_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x09d, "CR13_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x09e, "CR14_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x09f, "CR15_WRITE_TRAP", CATEGORY_CR_DR },
	{ 0x0a0, "INVLPGB", CATEGORY_TLB_CACHE },
	{ 0x0a1, "INVLPGB_ILLEGAL", CATEGORY_TLB_CACHE },
	{ 0x0a2, "INVPCID", CATEGORY_TLB_CACHE },
	{ 0x0a3, "MCOMMIT", CATEGORY_TLB_CACHE },
	{ 0x0a4, "TLBSYNC", CATEGORY_TLB_CACHE },
	{ 0x0a5, "BUSLOCK", CATEGORY_OTHER },
	{ 0x0a6, "IDLE_HLT", CATEGORY_HLT },
	{ 0x400, "NPF", CATEGORY_NPF_EPT },
	{ 0x401, "AVIC_INCOMPLETE_IPI", CATEGORY_APIC },
	{ 0x402, "AVIC_NOACCEL", CATEGORY_APIC },
	{ 0x403, "VMGEXIT", CATEGORY_HYPERCALL },
	{ 0xfffffffe, "BUSY", CATEGORY_ENTRY_FAILURE },
	{ 0xffffffff, "INVALID", CATEGORY_ENTRY_FAILURE },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *category_name(enum exit_category category)
{
	return category < NR_CATEGORIES ? categories[category].name : "?";
}

const char *category_description(enum exit_category category)
{
	return category < NR_CATEGORIES ? categories[category].description : "?";
}

static const struct reason_category *category_table(enum numbering numbering,
						     size_t *len)
{
	switch (numbering) {
	case NUMBERING_VMX:
		*len = ARRAY_LEN(vmx_reason_categories);
		return vmx_reason_categories;
	case NUMBERING_SVM:
		*len = ARRAY_LEN(svm_reason_categories);
		return svm_reason_categories;
	default:
		*len = 0;
		return NULL;
	}
}

enum exit_category reason_category(const struct reason_table *table,
				   size_t index)
{
	uint32_t number = reason_number(table, index);
	size_t len, lo = 0, hi;
	const struct reason_category *list = category_table(table->numbering, &len);

	/* Sorted by number, as the ABI's tables are (categories_check()). */
	hi = len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (list[mid].number == number)
			return list[mid].category;
		if (list[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CATEGORY_OTHER;
}

static int check_numbering(FILE *err, enum numbering numbering)
{
	const char *vendor = numbering_name(numbering);
	const struct reason_category *list;
	struct reason_table table;
	size_t len, i, k;
	int problems = 0;

	if (reason_table_get(numbering, &table) != 0) {
		fprintf(err, "%s: no reason table\n", vendor);
		return 1;
	}
	list = category_table(numbering, &len);
	for (k = 1; k < len; k++) {
		if (list[k - 1].number >= list[k].number) {
			fprintf(err, "%s: category entries 0x%x and 0x%x are not sorted by number, or one is listed twice\n",
				vendor, list[k - 1].number, list[k].number);
			problems++;
		}
	}
	for (i = 0; i < table.len; i++) {
		uint32_t number = reason_number(&table, i);
		const char *name = reason_name(&table, i);

		for (k = 0; k < len && list[k].number != number; k++)
			;
		if (k == len) {
			fprintf(err, "%s: reason %u (0x%x) %s has no category: add it to tools/exitstat/src/categories.c\n",
				vendor, number, number, name);
			problems++;
		} else if (strcmp(list[k].name, name) != 0) {
			fprintf(err, "%s: reason %u (0x%x) is %s in the ABI's table but %s in categories.c\n",
				vendor, number, number, name, list[k].name);
			problems++;
		} else if (list[k].category >= NR_CATEGORIES) {
			fprintf(err, "%s: reason %s has no valid category\n", vendor, name);
			problems++;
		}
	}
	for (k = 0; k < len; k++) {
		for (i = 0; i < table.len && reason_number(&table, i) != list[k].number; i++)
			;
		if (i == table.len) {
			fprintf(err, "%s: categories.c lists %u (0x%x) %s, which is not a reason of the ABI's table\n",
				vendor, list[k].number, list[k].number, list[k].name);
			problems++;
		}
	}
	return problems;
}

int categories_check(FILE *err)
{
	return check_numbering(err, NUMBERING_VMX) +
	       check_numbering(err, NUMBERING_SVM);
}
