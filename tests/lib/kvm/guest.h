/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What guest code may use: the guest memory layout, the ucall channel and
 * small inline helpers for the instructions whose exits the tests count
 * (as the KVM selftests' processor.h / ucall_common.h).
 *
 * Guest code is ordinary C in the program (test, benchmark, smoke).  The
 * program is not position independent (and static, but for the sanitizer
 * builds), and its loaded image is copied into guest memory at GPA == VA,
 * so a guest function can be called by address and can read the program's
 * constants (strings, tables).  Writes to globals land in the
 * guest's copy only: exchange data through ucalls or the shared area.
 *
 * Guest code must not call libc and must not use the red zone (the file is
 * built with -mno-red-zone because interrupts arrive on the same stack).
 */
#ifndef KVM_LIB_GUEST_H
#define KVM_LIB_GUEST_H

#include <stdint.h>

/* Guest physical layout (identity mapped, 2 MiB pages, first 4 GiB). */
#define GUEST_PML4		0x1000ul
#define GUEST_PDPT		0x2000ul
#define GUEST_PD		0x3000ul	/* 4 pages, 0x3000-0x6fff */
#define GUEST_GDT		0x7000ul
#define GUEST_IDT		0x8000ul
#define GUEST_TSS		0x9000ul
#define GUEST_ENV		0xa000ul	/* struct guest_env */
/* A guest that runs a nested guest of its own (t11): its VMCB, host save
 * area and the nested guest's stack; see svm.h. */
#define GUEST_NESTED		0x10000ul
#define GUEST_NESTED_SIZE	0x10000ul
#define GUEST_STACKS		0x100000ul	/* one GUEST_STACK_SIZE per running vCPU */
#define GUEST_STACK_SIZE	0x10000ul
#define GUEST_MAX_VCPUS		8	/* that run guest functions; a VM may have more */
#define GUEST_SHARED		0x200000ul	/* host <-> guest data area */
#define GUEST_SHARED_SIZE	0x200000ul
#define GUEST_MMIO_GPA		0xc0000000ul	/* mapped by no memslot */

#define GUEST_CODE_SEL		0x08
#define GUEST_DATA_SEL		0x10
#define GUEST_TSS_SEL		0x18
#define GUEST_IRQ_VECTOR	0x20

/* I/O ports: the ucall port and the user-space port exit to the host VMM;
 * the in-kernel port is an ioeventfd, completed inside KVM. */
#define UCALL_PORT		0xe2e0
#define USER_PORT		0x80
#define KERNEL_PORT		0xe2e4

/* Facts the host tells every guest function. */
struct guest_env {
	uint64_t amd;		/* 1: VMMCALL is the hypercall instruction */
	uint64_t mem_size;	/* bytes of RAM from GPA 0 */
};

enum ucall_cmd {
	UCALL_NONE,
	UCALL_SYNC,		/* guest reports args, host may reply */
	UCALL_DONE,		/* guest function returned */
	UCALL_ASSERT,		/* GUEST_ASSERT failed: file, line, expr, args */
	UCALL_EXCEPTION,	/* args: vector, error code, rip */
};

struct ucall {
	uint64_t cmd;
	uint64_t args[6];
	const char *file;	/* same VA in host and guest */
	const char *expr;
	uint64_t line;
	volatile uint64_t reply;	/* written by the host before resuming */
};

typedef void (*guest_fn)(uint64_t arg0, uint64_t arg1);

/*
 * Every function that runs in the guest carries GUEST_CODE: in the ASan /
 * UBSan build of the tests it must stay uninstrumented, since the guest has
 * neither the sanitizers' shadow memory nor their runtime.
 */
#define GUEST_CODE __attribute__((no_sanitize("address", "undefined")))

/* Defined in guest.c / idt.S; run in the guest. */
GUEST_CODE void guest_start(guest_fn fn, uint64_t arg0, uint64_t arg1);
GUEST_CODE void guest_prefault(uint64_t start, uint64_t end);
GUEST_CODE uint64_t guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5);
GUEST_CODE void guest_assert_fail(const char *file, uint64_t line, const char *expr,
		       uint64_t a, uint64_t b) __attribute__((noreturn));
extern volatile uint64_t guest_irq_count;	/* bumped by the IRQ stub */
extern char guest_exception_stubs[];		/* 32 stubs, 16 bytes apart */
extern char guest_irq_stub[];

#define GUEST_SYNC(...)	guest_sync_((uint64_t[6]){ __VA_ARGS__ })
GUEST_CODE static inline uint64_t guest_sync_(const uint64_t a[6])
{
	return guest_ucall(UCALL_SYNC, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* Failing guest assertions report both operands and stop the guest. */
#define GUEST_ASSERT_EQ(a, b) do {					\
	uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);		\
	if (a_ != b_)							\
		guest_assert_fail(__FILE__, __LINE__, #a " == " #b, a_, b_); \
} while (0)
#define GUEST_ASSERT(c) do {						\
	if (!(c))							\
		guest_assert_fail(__FILE__, __LINE__, #c, 0, 0);	\
} while (0)

#define GUEST_ENV_PTR ((volatile struct guest_env *)GUEST_ENV)

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/*
 * CPUID with EBX and EDX preloaded with garbage, so a leaf that leaves a
 * register untouched instead of zeroing it is caught by the caller.
 */
GUEST_CODE static inline struct cpuid_regs guest_cpuid(uint32_t leaf, uint32_t input)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "b"(0xdeadbeefu), "c"(input),
			   "d"(0xbadc0ffeu)
			 : "memory");
	return r;
}

/*
 * CPUID as an ordinary guest issues it, nothing preloaded: the loops whose
 * cost per exit the benchmark measures stay as short as they can be.
 * guest_cpuid_leaf() leaves ECX to chance, for leaves that ignore it.
 */
GUEST_CODE static inline uint32_t guest_cpuid_leaf(uint32_t leaf)
{
	uint32_t eax, ebx, ecx, edx;

	__asm__ volatile("cpuid"
			 : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx)
			 : "a"(leaf)
			 : "memory");
	return eax;
}

GUEST_CODE static inline uint32_t guest_cpuid_eax(uint32_t leaf, uint32_t input)
{
	uint32_t eax, ebx, ecx, edx;

	__asm__ volatile("cpuid"
			 : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx)
			 : "a"(leaf), "c"(input)
			 : "memory");
	return eax;
}

GUEST_CODE static inline void guest_outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

GUEST_CODE static inline uint8_t guest_inb(uint16_t port)
{
	uint8_t value;

	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
	return value;
}

GUEST_CODE static inline uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return (uint64_t)hi << 32 | lo;
}

GUEST_CODE static inline void guest_wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr"
			 : : "c"(msr), "a"((uint32_t)value),
			   "d"((uint32_t)(value >> 32))
			 : "memory");
}

/* KVM hypercall: VMMCALL on AMD, VMCALL on Intel; returns RAX. */
GUEST_CODE static inline uint64_t guest_hypercall(uint64_t nr)
{
	uint64_t ret;

	if (GUEST_ENV_PTR->amd)
		__asm__ volatile("vmmcall" : "=a"(ret) : "a"(nr) : "memory");
	else
		__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr) : "memory");
	return ret;
}

/* One MOV to or from a GPA, so the emulator sees one plain instruction. */
GUEST_CODE static inline void guest_mmio_write32(uint64_t gpa, uint32_t value)
{
	__asm__ volatile("movl %0, (%1)" : : "a"(value), "d"(gpa) : "memory");
}

GUEST_CODE static inline uint32_t guest_mmio_read32(uint64_t gpa)
{
	uint32_t value;

	__asm__ volatile("movl (%1), %0" : "=a"(value) : "d"(gpa) : "memory");
	return value;
}

/* Halt with interrupts enabled for exactly the HLT (STI shadow). */
GUEST_CODE static inline void guest_sti_hlt_cli(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

GUEST_CODE static inline void guest_hlt(void)
{
	__asm__ volatile("hlt" : : : "memory");
}

GUEST_CODE static inline void guest_cli(void)
{
	__asm__ volatile("cli" : : : "memory");
}

GUEST_CODE static inline void guest_sti(void)
{
	__asm__ volatile("sti" : : : "memory");
}

/* Interrupts enabled for exactly one instruction after the STI shadow: an
 * interrupt window, and the place a pending interrupt is taken. */
GUEST_CODE static inline void guest_sti_nop_cli(void)
{
	__asm__ volatile("sti; nop; cli" : : : "memory");
}

GUEST_CODE static inline uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* A delay of n iterations that causes no exit and no memory access. */
GUEST_CODE static inline void guest_spin(uint64_t n)
{
	while (n--)
		__asm__ volatile("" : "+r"(n));
}

#endif /* KVM_LIB_GUEST_H */
