// SPDX-License-Identifier: GPL-2.0
#include "backend.h"

void backend_cpuid(struct exitstat_backend *be, uint32_t leaf,
		   uint32_t subleaf, struct cpuid_regs *out)
{
	be->calls++;
	be->cpuid(be->ctx, leaf, subleaf, out);
}

void native_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf,
		  struct cpuid_regs *out)
{
	(void)ctx;
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("cpuid"
			 : "=a"(out->eax), "=b"(out->ebx), "=c"(out->ecx),
			   "=d"(out->edx)
			 : "a"(leaf), "c"(subleaf));
#else
#error "exitstat reads x86 CPUID leaves; build it for x86"
#endif
}
