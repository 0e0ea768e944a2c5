/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place exitstat executes CPUID.  Everything else asks through a
 * struct exitstat_backend, so the tests can put a fake hypervisor behind it.
 */
#ifndef EXITSTAT_BACKEND_H
#define EXITSTAT_BACKEND_H

#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

struct exitstat_backend {
	/* Executes (or simulates) CPUID with EAX = leaf, ECX = subleaf. */
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf,
		      struct cpuid_regs *out);
	void *ctx;
	/* Where to look for "cpu MHz" as a last TSC-frequency resort; NULL: nowhere. */
	const char *cpuinfo_path;
	/*
	 * CPUID instructions executed through backend_cpuid().  Each one is a
	 * VM exit counted under the CPUID reason, which is how exitstat takes
	 * its own queries out of the figures it reports.
	 */
	uint64_t calls;
};

/* Every CPUID exitstat executes goes through here, so calls stays exact. */
void backend_cpuid(struct exitstat_backend *be, uint32_t leaf,
		   uint32_t subleaf, struct cpuid_regs *out);

/* The real instruction; ctx is unused. */
void native_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf,
		  struct cpuid_regs *out);

#endif
