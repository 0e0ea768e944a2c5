/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nested SVM for the end-to-end tests: a guest (L1) that runs a nested guest
 * (L2) of its own with VMRUN, on the same page tables, GDT and IDT, so that
 * L2's code is another plain C function of this binary.  Only what the
 * tests need: the VMCB fields KVM reads on a nested VMRUN, the setup and
 * the run.  AMD APM Vol. 2, chapter 15 and appendix B (VMCB layout).
 *
 * Guest memory (guest.h, GUEST_NESTED): L1's VMCB for L2, L1's host
 * save area (MSR VM_HSAVE_PA) and L2's stack.
 */
#ifndef KVM_LIB_SVM_H
#define KVM_LIB_SVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest.h"

#define SVM_VMCB_GPA		GUEST_NESTED
#define SVM_HSAVE_GPA		(GUEST_NESTED + 0x1000)
/* L2's stack grows down from the end of the area to SVM_HSAVE_GPA + 4K. */
#define SVM_L2_STACK_TOP	(GUEST_NESTED + GUEST_NESTED_SIZE)

#define MSR_EFER		0xc0000080
#define EFER_SVME		(1ull << 12)
#define MSR_VM_HSAVE_PA		0xc0010117

/* CPUID: Fn8000_0001 ECX bit 2 is SVM; Fn8000_000A describes it. */
#define CPUID_EXT_FEATURES	0x80000001
#define CPUID_EXT_ECX_SVM	(1u << 2)
#define CPUID_SVM_FEATURES	0x8000000a

/* Intercept bits of the VMCB's second and third intercept words. */
#define SVM_INTERCEPT_CPUID	(1u << 18)	/* word at 0x00c */
#define SVM_INTERCEPT_VMRUN	(1u << 0)	/* word at 0x010 */
#define SVM_INTERCEPT_VMMCALL	(1u << 1)	/* word at 0x010 */

/* Exit codes (APM Vol. 2 appendix C). */
#define SVM_EXIT_VMRUN		0x80
#define SVM_EXIT_VMMCALL	0x81
#define SVM_EXIT_INVALID	0xffffffffu	/* VMRUN refused the VMCB */

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;	/* descriptor bits 40-47 and 52-55, packed */
	uint32_t limit;
	uint64_t base;
};

struct vmcb_control {
	uint32_t intercept_cr;
	uint32_t intercept_dr;
	uint32_t intercept_exceptions;
	uint32_t intercept_misc1;	/* 0x00c: INTR ... SHUTDOWN */
	uint32_t intercept_misc2;	/* 0x010: VMRUN ... */
	uint32_t intercept_misc3;	/* 0x014 */
	uint8_t reserved_018[0x03c - 0x018];
	uint16_t pause_filter_thresh;
	uint16_t pause_filter_count;
	uint64_t iopm_base_pa;		/* 0x040 */
	uint64_t msrpm_base_pa;
	uint64_t tsc_offset;
	uint32_t asid;			/* 0x058 */
	uint8_t tlb_ctl;
	uint8_t reserved_05d[3];
	uint32_t int_ctl;		/* 0x060 */
	uint32_t int_vector;
	uint32_t int_state;
	uint8_t reserved_06c[4];
	uint32_t exit_code;		/* 0x070 */
	uint32_t exit_code_hi;
	uint64_t exit_info_1;
	uint64_t exit_info_2;
	uint32_t exit_int_info;		/* 0x088 */
	uint32_t exit_int_info_err;
	uint64_t nested_ctl;		/* 0x090 */
	uint8_t reserved_098[0x400 - 0x098];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	uint8_t reserved_0a0[0x0cb - 0x0a0];
	uint8_t cpl;			/* 0x0cb */
	uint8_t reserved_0cc[4];
	uint64_t efer;			/* 0x0d0 */
	uint8_t reserved_0d8[0x148 - 0x0d8];
	uint64_t cr4;			/* 0x148 */
	uint64_t cr3;
	uint64_t cr0;
	uint64_t dr7;
	uint64_t dr6;
	uint64_t rflags;
	uint64_t rip;			/* 0x178 */
	uint8_t reserved_180[0x1d8 - 0x180];
	uint64_t rsp;			/* 0x1d8 */
	uint8_t reserved_1e0[0x1f8 - 0x1e0];
	uint64_t rax;			/* 0x1f8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2;			/* 0x240 */
	uint8_t reserved_248[0x268 - 0x248];
	uint64_t g_pat;			/* 0x268 */
	uint64_t dbgctl;
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;		/* at 0x400 */
};

/* The offsets the APM gives; a wrong one would make VMRUN fail or, worse,
 * run L2 on different state than the test believes. */
_Static_assert(offsetof(struct vmcb_control, intercept_misc2) == 0x010, "vmcb");
_Static_assert(offsetof(struct vmcb_control, asid) == 0x058, "vmcb");
_Static_assert(offsetof(struct vmcb_control, exit_code) == 0x070, "vmcb");
_Static_assert(offsetof(struct vmcb_control, nested_ctl) == 0x090, "vmcb");
_Static_assert(offsetof(struct vmcb, save) == 0x400, "vmcb");
_Static_assert(offsetof(struct vmcb_save, tr) == 0x090, "vmcb");
_Static_assert(offsetof(struct vmcb_save, efer) == 0x0d0, "vmcb");
_Static_assert(offsetof(struct vmcb_save, rip) == 0x178, "vmcb");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8, "vmcb");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1f8, "vmcb");
_Static_assert(offsetof(struct vmcb_save, cr2) == 0x240, "vmcb");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "vmcb");

/* ---- Guest side (L1) ---- */

/* EFER.SVME and the host save area: what VMRUN needs before it runs. */
GUEST_CODE void svm_enable(uint64_t hsave_gpa);
/*
 * A VMCB for an L2 that starts at @rip with @rsp on L1's own paging, GDT,
 * IDT and segments, in 64-bit mode at CPL 0 with interrupts off.  L1
 * intercepts only what it must (VMRUN) and VMMCALL, L2's way out; so every
 * other exit of L2, CPUID included, is KVM's to handle.
 */
GUEST_CODE void svm_vmcb_init(struct vmcb *vmcb, uint64_t rip, uint64_t rsp);

/*
 * Runs L2 until its #VMEXIT.  VMRUN saves and restores only RAX, RSP, RIP
 * and RFLAGS (in the host save area): every other register comes back
 * holding L2's value, so all are clobbered.  RBP cannot be named as a
 * clobber where it is the frame pointer, so it goes on L1's stack, which
 * L2 does not use.  The #VMEXIT leaves GIF clear; STGI sets it again, as a
 * hypervisor does once it has dealt with the exit.
 */
GUEST_CODE static inline void svm_vmrun(uint64_t vmcb_gpa)
{
	__asm__ volatile("push %%rbp\n\t"
			 "vmrun %%rax\n\t"
			 "pop %%rbp"
			 : "+a"(vmcb_gpa)
			 :
			 : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
			   "r10", "r11", "r12", "r13", "r14", "r15",
			   "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			   "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
			   "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
}

GUEST_CODE static inline void svm_stgi(void)
{
	__asm__ volatile("stgi" : : : "memory");
}

/* L2's way back to L1 (intercepted by svm_vmcb_init()'s VMCB). */
GUEST_CODE static inline void svm_vmmcall(void)
{
	__asm__ volatile("vmmcall" : : : "rax", "memory");
}

/* ---- Host side ---- */

struct vm;

/*
 * Whether the VM's guests can run nested guests: an AMD host whose KVM
 * offers SVM in KVM_GET_SUPPORTED_CPUID (kvm_amd's nested=1), which every
 * vCPU of vm_create() gets.  If not, says why in @why.
 */
bool vm_has_nested_svm(struct vm *vm, char *why, size_t why_len);

#endif /* KVM_LIB_SVM_H */
