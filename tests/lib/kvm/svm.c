// SPDX-License-Identifier: GPL-2.0
/*
 * Nested SVM: the guest (L1) side sets up a VMCB for an L2 on L1's own
 * state; the host side tells whether KVM lets the VM's guests do that.
 * See svm.h.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "kvm_util.h"
#include "svm.h"

/* Reset value of IA32_PAT (APM Vol. 2, 7.8.2). */
#define PAT_RESET		0x0007040600070406ull
/* Architectural values of DR6 and DR7 after reset. */
#define DR6_RESET		0xffff0ff0ull
#define DR7_RESET		0x400ull

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

GUEST_CODE void svm_enable(uint64_t hsave_gpa)
{
	guest_wrmsr(MSR_EFER, guest_rdmsr(MSR_EFER) | EFER_SVME);
	guest_wrmsr(MSR_VM_HSAVE_PA, hsave_gpa);
}

/*
 * The segment @sel as VMRUN loads it: the descriptor's access byte and
 * flags from L1's GDT, so that L2 runs on exactly the segments L1 has.
 * Base 0 and limit 4 GiB, as in every descriptor of that GDT.
 */
GUEST_CODE static struct vmcb_seg seg_from_gdt(const struct desc_ptr *gdt,
					       uint16_t sel)
{
	uint64_t desc = ((const volatile uint64_t *)gdt->base)[sel >> 3];
	struct vmcb_seg s;

	s.selector = sel;
	s.attrib = (uint16_t)((desc >> 40 & 0xff) | (desc >> 52 & 0xf) << 8);
	s.limit = 0xffffffff;
	s.base = 0;
	return s;
}

GUEST_CODE void svm_vmcb_init(struct vmcb *vmcb, uint64_t rip, uint64_t rsp)
{
	volatile uint64_t *words = (volatile uint64_t *)vmcb;
	struct vmcb_control *c = &vmcb->control;
	struct vmcb_save *s = &vmcb->save;
	struct desc_ptr gdt, idt;
	uint16_t cs, ds;
	uint64_t cr;

	/* A loop the compiler keeps (no memset: the guest has no libc). */
	for (size_t i = 0; i < 4096 / sizeof(*words); i++)
		words[i] = 0;

	/* L1 wants VMMCALL only; VMRUN must be intercepted for KVM to run
	 * L2 at all.  No CPUID intercept: L2's CPUIDs stay with KVM. */
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL;
	/* ASID 0 is the host's: KVM refuses a VMCB that gives it to L2. */
	c->asid = 1;

	__asm__ volatile("sgdt %0" : "=m"(gdt));
	__asm__ volatile("sidt %0" : "=m"(idt));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	__asm__ volatile("mov %%ds, %0" : "=r"(ds));
	s->cs = seg_from_gdt(&gdt, cs);
	s->ds = seg_from_gdt(&gdt, ds);
	s->es = s->ds;
	s->ss = s->ds;
	s->gdtr.base = gdt.base;
	s->gdtr.limit = gdt.limit;
	s->idtr.base = idt.base;
	s->idtr.limit = idt.limit;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr));
	s->cr0 = cr;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr));
	s->cr3 = cr;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr));
	s->cr4 = cr;
	/* L1's EFER, SVME included: KVM requires it in L2's EFER too. */
	s->efer = guest_rdmsr(MSR_EFER);
	s->dr6 = DR6_RESET;
	s->dr7 = DR7_RESET;
	s->g_pat = PAT_RESET;
	s->cpl = 0;
	s->rflags = 0x2;	/* IF clear, as in L1 */
	s->rip = rip;
	s->rsp = rsp;
}

bool vm_has_nested_svm(struct vm *vm, char *why, size_t why_len)
{
	const struct kvm_cpuid_entry2 *ext = NULL, *svm = NULL;
	char nested[16] = "?";
	FILE *f;

	if (!vm->amd) {
		snprintf(why, why_len, "not an AMD host");
		return false;
	}
	for (uint32_t i = 0; i < vm->cpuid->nent; i++) {
		if (vm->cpuid->entries[i].function == CPUID_EXT_FEATURES)
			ext = &vm->cpuid->entries[i];
		else if (vm->cpuid->entries[i].function == CPUID_SVM_FEATURES)
			svm = &vm->cpuid->entries[i];
	}
	if (ext && (ext->ecx & CPUID_EXT_ECX_SVM) && svm && svm->eax)
		return true;
	f = fopen("/sys/module/kvm_amd/parameters/nested", "r");
	if (f) {
		if (!fgets(nested, sizeof(nested), f))
			strcpy(nested, "?");
		fclose(f);
		nested[strcspn(nested, "\n")] = 0;
	}
	snprintf(why, why_len,
		 "KVM offers no nested SVM (CPUID 0x80000001 ECX 0x%x, SVM bit %s; "
		 "0x8000000A EAX 0x%x%s; kvm_amd nested=%s)",
		 ext ? ext->ecx : 0,
		 ext && (ext->ecx & CPUID_EXT_ECX_SVM) ? "set" : "clear",
		 svm ? svm->eax : 0, svm ? "" : " (no entry)", nested);
	return false;
}
