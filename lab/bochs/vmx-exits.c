// SPDX-License-Identifier: GPL-2.0
/*
 * Exact exit counts with VMX numbering, for an Intel L1 (Bochs): three small
 * real-mode guests make exits whose number they control and read the counts
 * back through the CPUID leaves; the host cross-checks with the per-VM
 * debugfs file.  It aims at the paths where a counter is easy to miss on
 * VMX: the exits KVM handles in its fastpath (TSC-deadline WRMSR, x2APIC ICR
 * WRMSR, VMX preemption timer) and the ones __vmx_handle_exit() dispatches
 * before its handler table when built with retpolines (MSR_WRITE,
 * PREEMPTION_TIMER, INTERRUPT_WINDOW, EXTERNAL_INTERRUPT, HLT, EPT_MISCONFIG).
 *
 *   vmx-exits [--scale N]     N multiplies the loop counts (default 1)
 *
 * Prints "ok NAME" / "not ok NAME - values" per check, "# ..." notes, and
 * exits non-zero if a check failed.  Statically linked: L1 under Bochs has
 * no host libraries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exit_stats_abi.h"
#include "tap.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * Basic exit reasons the guests below use.  Architectural numbers (Intel SDM
 * Appendix C); check_reason_numbers() verifies each against the name the
 * ABI header's table gives it, so a typo cannot pass silently.
 */
enum vmx_reason {
	EXTERNAL_INTERRUPT = 1,
	INTERRUPT_WINDOW = 7,
	CPUID = 10,
	HLT = 12,
	IO_INSTRUCTION = 30,
	MSR_READ = 31,
	MSR_WRITE = 32,
	EPT_VIOLATION = 48,
	EPT_MISCONFIG = 49,
	PREEMPTION_TIMER = 52,
};

/* Guest physical layout (real mode, all segment bases 0). */
#define GUEST_MEM_SIZE	0x80000		/* 512 KiB of RAM at 0 */
#define PARAMS		0x4f0		/* loop counts, written by the host */
#define RESULTS		0x500		/* what the guest read, 32-bit words */
#define IRQ_COUNT	0x600		/* incremented by the interrupt handler */
#define CODE		0x1000
#define STACK_TOP	0x8000
#define MMIO_SEG	0xa000		/* 0xa0000: no memslot there -> MMIO */

/* Ports the guests use to talk to this program. */
#define PORT_PLAIN	0x80		/* an exit, nothing to do */
#define PORT_DONE	0xe0		/* results are in RESULTS */
#define PORT_WANT_IRQ	0xe1		/* inject an interrupt at the next window */

#define USER_IRQ_VECTOR	0x40

/*
 * The guests, 16-bit code copied to CODE; it only uses relative jumps and
 * absolute data addresses, so it runs wherever it is copied.
 * "q REASON, SLOT" stores the count of REASON (leaf 0x4FFFFFFD) at SLOT.
 */
__asm__(".pushsection .rodata.guests, \"a\"\n"
    ".code16\n"
    ".macro q reason, slot\n"
    "	mov $" STR(KVM_EXIT_STATS_LEAF_REASON_EXITS) ", %eax\n"
    "	mov $\\reason, %ecx\n"
    "	cpuid\n"
    "	mov %eax, \\slot\n"
    ".endm\n"

    /*
     * Guest 1, no in-kernel irqchip: port I/O, CPUID, HLT, MSR read and
     * write (PAT), interrupt windows the host asks for, ABI leaves.
     */
    ".globl guest1, guest1_end, guest1_irq\n"
    "guest1:\n"
    "	cli\n"
    "	mov $" STR(KVM_EXIT_STATS_LEAF_SIGNATURE) ", %eax\n"
    "	xor %ecx, %ecx\n"
    "	cpuid\n"
    "	mov %eax, 0x500; mov %ebx, 0x504; mov %ecx, 0x508; mov %edx, 0x50c\n"
    "	mov $" STR(KVM_EXIT_STATS_LEAF_INFO) ", %eax\n"
    "	xor %ecx, %ecx\n"
    "	cpuid\n"
    "	mov %eax, 0x510; mov %ebx, 0x514; mov %ecx, 0x518; mov %edx, 0x51c\n"
    /* N port writes and K CPUIDs between two pairs of queries */
    "	q 30, 0x520\n"
    "	q 10, 0x524\n"
    "	mov 0x4f0, %cx\n"
    "1:	out %al, $0x80\n"
    "	loop 1b\n"
    "	mov 0x4f2, %si\n"
    "2:	xor %eax, %eax\n"
    "	cpuid\n"
    "	dec %si\n"
    "	jnz 2b\n"
    "	q 30, 0x528\n"
    "	q 10, 0x52c\n"
    /* H halts: each one is an exit to the host (no in-kernel APIC) */
    "	q 12, 0x530\n"
    "	mov 0x4f4, %si\n"
    "3:	hlt\n"
    "	dec %si\n"
    "	jnz 3b\n"
    "	q 12, 0x534\n"
    /* W writes and R reads of IA32_PAT (its reset value) */
    "	q 32, 0x538\n"
    "	q 31, 0x53c\n"
    "	mov 0x4f6, %si\n"
    "4:	mov $0x277, %ecx\n"
    "	mov $0x00070406, %eax\n"
    "	mov %eax, %edx\n"
    "	wrmsr\n"
    "	dec %si\n"
    "	jnz 4b\n"
    "	mov 0x4f8, %si\n"
    "5:	mov $0x277, %ecx\n"
    "	rdmsr\n"
    "	dec %si\n"
    "	jnz 5b\n"
    "	q 32, 0x540\n"
    "	q 31, 0x544\n"
    /*
     * M interrupt windows: with IF=0 ask the host for an interrupt; it sets
     * request_interrupt_window, so KVM exits when STI opens the window.
     */
    "	q 7, 0x548\n"
    "	mov 0x4fa, %si\n"
    "6:	cli\n"
    "	out %al, $0xe1\n"
    "	sti\n"
    "	nop\n"
    "	cli\n"
    "	dec %si\n"
    "	jnz 6b\n"
    "	q 7, 0x54c\n"
    /* a reserved reason number: all zero but EDX = 0xffffffff */
    "	mov $" STR(KVM_EXIT_STATS_LEAF_REASON_EXITS) ", %eax\n"
    "	mov $35, %ecx\n"
    "	cpuid\n"
    "	mov %eax, 0x550; mov %ebx, 0x554; mov %ecx, 0x558; mov %edx, 0x55c\n"
    /*
     * Host interrupts: with IF=1 (nothing is pending for this guest, so
     * nothing is injected) poll until one has caused an exit, at most P
     * times.  With IF=0 Bochs delivers none in VMX non-root mode (guest 2).
     */
    "	q 1, 0x568\n"
    "	sti\n"
    "	mov 0x4fc, %esi\n"
    "7:	mov $0x4000, %cx\n"
    "8:	loop 8b\n"
    "	q 1, 0x56c\n"
    "	mov 0x56c, %eax\n"
    "	cmp 0x568, %eax\n"
    "	jne 9f\n"
    "	dec %esi\n"
    "	jnz 7b\n"
    "9:	cli\n"
    "	mov %esi, 0x570\n"
    /* final counts, for the comparison with debugfs */
    "	q 30, 0x560\n"
    "	q 10, 0x564\n"
    "	out %al, $0xe0\n"
    "	hlt\n"
    "guest1_irq:\n"
    "	incw 0x600\n"
    "	iret\n"
    "guest1_end:\n"

    /*
     * Guest 2, in-kernel irqchip, x2APIC: TSC-deadline timer (fastpath
     * WRMSR, then a preemption timer exit when it expires), self-IPIs
     * through the x2APIC ICR (fastpath WRMSR), ordinary x2APIC MSR writes,
     * and waiting for host interrupts with IF=0.  IF stays 0: the LVT
     * timer is masked and the self-IPIs stay pending.
     */
    ".globl guest2, guest2_end\n"
    "guest2:\n"
    "	cli\n"
    "	mov $0x1b, %ecx\n"		/* IA32_APIC_BASE: enable x2APIC */
    "	rdmsr\n"
    "	or $0xc00, %eax\n"
    "	wrmsr\n"
    "	mov $0x832, %ecx\n"		/* LVT timer: TSC deadline, masked */
    "	mov $0x50041, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	q 32, 0x520\n"
    "	q 52, 0x524\n"
    "	mov 0x4f0, %si\n"
    "1:	rdtsc\n"			/* deadline = now + D */
    "	add 0x4f8, %eax\n"
    "	adc $0, %edx\n"
    "	mov %eax, %edi\n"
    "	mov %edx, %ebp\n"
    "	mov $0x6e0, %ecx\n"
    "	wrmsr\n"
    "	add $0x100000, %edi\n"		/* wait until well past it */
    "	adc $0, %ebp\n"
    "2:	rdtsc\n"
    "	cmp %ebp, %edx\n"
    "	jb 2b\n"
    "	ja 3f\n"
    "	cmp %edi, %eax\n"
    "	jb 2b\n"
    "3:	dec %si\n"
    "	jnz 1b\n"
    "	q 32, 0x528\n"
    "	q 52, 0x52c\n"
    "	q 32, 0x530\n"			/* I self-IPIs: fixed, physical, to 0 */
    "	mov 0x4f2, %si\n"
    "4:	mov $0x830, %ecx\n"
    "	mov $0x4042, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	dec %si\n"
    "	jnz 4b\n"
    "	q 32, 0x534\n"
    "	mov 0x4f4, %si\n"		/* W writes of LVT0 (masked): slow path */
    "5:	mov $0x835, %ecx\n"
    "	mov $0x10000, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	dec %si\n"
    "	jnz 5b\n"
    "	q 32, 0x538\n"
    /* poll until a host interrupt has caused an exit, at most P times */
    "	q 1, 0x53c\n"
    "	mov 0x4fc, %esi\n"
    "6:	mov $0x4000, %cx\n"
    "7:	loop 7b\n"
    "	q 1, 0x540\n"
    "	mov 0x540, %eax\n"
    "	cmp 0x53c, %eax\n"
    "	jne 8f\n"
    "	dec %esi\n"
    "	jnz 6b\n"
    "8:	mov %esi, 0x544\n"
    "	q 30, 0x560\n"
    "	q 10, 0x564\n"
    "	out %al, $0xe0\n"
    "	hlt\n"
    "guest2_end:\n"

    /*
     * Guest 3: MMIO writes to a page without memslot.  The first access is
     * an EPT violation that makes KVM install an MMIO SPTE; every later
     * one is an EPT misconfiguration.
     */
    ".globl guest3, guest3_end\n"
    "guest3:\n"
    "	cli\n"
    "	mov $" STR(MMIO_SEG) ", %ax\n"
    "	mov %ax, %es\n"
    "	movb %al, %es:0\n"
    "	q 49, 0x520\n"
    "	q 48, 0x524\n"
    "	mov 0x4f0, %si\n"
    "1:	movb %al, %es:0\n"
    "	dec %si\n"
    "	jnz 1b\n"
    "	q 49, 0x528\n"
    "	q 48, 0x52c\n"
    "	q 30, 0x560\n"
    "	q 10, 0x564\n"
    "	out %al, $0xe0\n"
    "	hlt\n"
    "guest3_end:\n"
    ".purgem q\n"
    ".code64\n"
    ".popsection\n");

extern const uint8_t guest1[], guest1_end[], guest1_irq[];
extern const uint8_t guest2[], guest2_end[];
extern const uint8_t guest3[], guest3_end[];

static void check_eq(const char *name, uint64_t got, uint64_t want)
{
	check(got == want, name, "got %llu, want %llu",
	      (unsigned long long)got, (unsigned long long)want);
}

static void die(const char *what)
{
	printf("not ok vmx-setup - %s: %s\n", what, strerror(errno));
	exit(1);
}

struct vm {
	int fd, vcpu_fd;
	uint8_t *mem;
	struct kvm_run *run;
	const char *name;
};

static int kvm_fd;

static uint32_t result(const struct vm *vm, unsigned int addr)
{
	uint32_t v;

	memcpy(&v, vm->mem + addr, sizeof(v));
	return v;
}

static void param16(struct vm *vm, unsigned int addr, uint16_t v)
{
	memcpy(vm->mem + addr, &v, sizeof(v));
}

static void param32(struct vm *vm, unsigned int addr, uint32_t v)
{
	memcpy(vm->mem + addr, &v, sizeof(v));
}

/* A VM with one vCPU in real mode at CODE running the given guest. */
static void vm_create(struct vm *vm, const char *name, bool irqchip,
		      const uint8_t *code, size_t len)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM_SIZE,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE, .rsp = STACK_TOP, .rflags = 2 };
	int run_size;

	vm->name = name;
	vm->fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die("KVM_CREATE_VM");
	vm->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("mmap guest memory");
	memcpy(vm->mem + CODE, code, len);
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	if (irqchip && ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP");
	vm->vcpu_fd = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	vm->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		die("mmap kvm_run");
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

/*
 * The CPUID KVM supports, plus x2APIC and the TSC-deadline timer, which KVM
 * emulates whatever the host has (the host kernel turned its own
 * TSC-deadline timer off for this CPU model's errata).
 */
static void vm_set_cpuid_x2apic_tscdeadline(struct vm *vm)
{
	size_t n = 256;
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));

	if (!cpuid)
		die("calloc");
	cpuid->nent = n;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
		die("KVM_GET_SUPPORTED_CPUID");
	for (uint32_t i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			cpuid->entries[i].ecx |= 1u << 21 | 1u << 24;
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");
	free(cpuid);
}

struct run_counts {
	unsigned int plain_io, hlt, irq_windows, mmio;
};

/* Runs the guest until it writes PORT_DONE; false on anything unexpected. */
static bool vm_run(struct vm *vm, struct run_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (;;) {
		struct kvm_run *run = vm->run;

		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			check(false, vm->name, "KVM_RUN: %s", strerror(errno));
			return false;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == PORT_DONE)
				return true;
			if (run->io.port == PORT_PLAIN) {
				c->plain_io++;
				continue;
			}
			if (run->io.port == PORT_WANT_IRQ) {
				run->request_interrupt_window = 1;
				continue;
			}
			check(false, vm->name, "port I/O to unexpected port 0x%x",
			      run->io.port);
			return false;
		case KVM_EXIT_HLT:
			c->hlt++;
			continue;
		case KVM_EXIT_IRQ_WINDOW_OPEN: {
			struct kvm_interrupt irq = { .irq = USER_IRQ_VECTOR };

			c->irq_windows++;
			run->request_interrupt_window = 0;
			if (!run->ready_for_interrupt_injection ||
			    ioctl(vm->vcpu_fd, KVM_INTERRUPT, &irq) < 0) {
				check(false, vm->name, "cannot inject at the window (ready %u): %s",
				      run->ready_for_interrupt_injection, strerror(errno));
				return false;
			}
			continue;
		}
		case KVM_EXIT_MMIO:
			c->mmio++;
			continue;
		default:
			check(false, vm->name, "unexpected exit_reason %u", run->exit_reason);
			return false;
		}
	}
}

/*
 * The per-VM debugfs file: its TOTAL must be the sum of its rows and equal
 * KVM's own "exits" statistic; and the given reasons must have the given
 * counts (the guest's last query plus the exits after it).
 */
struct expected_row {
	uint32_t reason;
	uint64_t count;
};

static void check_debugfs(const struct vm *vm, const char *prefix,
			  const struct expected_row *rows, size_t nrows)
{
	char dir[128], path[192], line[256], name[64];
	uint64_t sum = 0, total = 0, stat_exits = 0;
	bool have_total = false;
	uint64_t found[8] = { 0 };
	FILE *f;

	snprintf(dir, sizeof(dir), "/sys/kernel/debug/kvm/%d-%d", getpid(), vm->fd);
	snprintf(path, sizeof(path), "%s/exit_stats", dir);
	f = fopen(path, "r");
	if (!f) {
		snprintf(name, sizeof(name), "%s-debugfs", prefix);
		check(false, name, "%s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long count, cycles;
		unsigned int reason;
		char rname[64];

		printf("# %s debugfs: %s", prefix, line);
		if (line[0] == '#')
			continue;
		if (sscanf(line, "- TOTAL %llu %llu", &count, &cycles) == 2) {
			total = count;
			have_total = true;
		} else if (sscanf(line, "- %63s %llu %llu", rname, &count, &cycles) == 3) {
			sum += count;
		} else if (sscanf(line, "%u %63s %llu %llu", &reason, rname, &count, &cycles) == 4) {
			sum += count;
			for (size_t i = 0; i < nrows && i < 8; i++)
				if (rows[i].reason == reason)
					found[i] = count;
		}
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/exits", dir);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", (unsigned long long *)&stat_exits) != 1)
		stat_exits = UINT64_MAX;
	if (f)
		fclose(f);

	snprintf(name, sizeof(name), "%s-debugfs-total-is-sum", prefix);
	check(have_total && total == sum, name, "TOTAL %llu (present %d), sum of rows %llu",
	      (unsigned long long)total, have_total, (unsigned long long)sum);
	snprintf(name, sizeof(name), "%s-debugfs-total-is-stat-exits", prefix);
	check_eq(name, total, stat_exits);
	for (size_t i = 0; i < nrows && i < 8; i++) {
		snprintf(name, sizeof(name), "%s-debugfs-reason-%u", prefix, rows[i].reason);
		check_eq(name, found[i], rows[i].count);
	}
}

static void check_reason_numbers(void)
{
	static const struct { uint32_t number; const char *name; } used[] = {
		{ EXTERNAL_INTERRUPT, "EXTERNAL_INTERRUPT" },
		{ INTERRUPT_WINDOW, "INTERRUPT_WINDOW" },
		{ CPUID, "CPUID" }, { HLT, "HLT" },
		{ IO_INSTRUCTION, "IO_INSTRUCTION" },
		{ MSR_READ, "MSR_READ" }, { MSR_WRITE, "MSR_WRITE" },
		{ EPT_VIOLATION, "EPT_VIOLATION" },
		{ EPT_MISCONFIG, "EPT_MISCONFIG" },
		{ PREEMPTION_TIMER, "PREEMPTION_TIMER" },
	};
	const struct kvm_exit_stats_reason *table = kvm_exit_stats_vmx_reasons;
	const size_t table_len = KVM_EXIT_STATS_NR_VMX_REASONS;
	const char *bad = NULL;

	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]) && !bad; i++) {
		bool found = false;

		for (size_t j = 0; j < table_len; j++)
			if (table[j].number == used[i].number &&
			    strcmp(table[j].name, used[i].name) == 0)
				found = true;
		if (!found)
			bad = used[i].name;
	}
	check(!bad, "vmx-reason-numbers", "%s does not match exit_stats_abi.h", bad);
}

static unsigned int scale = 1;

/* Polls (16 Ki LOOP iterations each) for a host interrupt exit. */
#define IF1_POLLS 20000
#define IF0_POLLS 2000

static void test_guest1(void)
{
	const unsigned int n_io = 200 * scale, n_cpuid = 100 * scale;
	const unsigned int n_hlt = 50 * scale, n_wrmsr = 40 * scale;
	const unsigned int n_rdmsr = 30 * scale, n_win = 20 * scale;
	struct run_counts c;
	struct vm vm;

	vm_create(&vm, "vmx-guest1-run", false, guest1, guest1_end - guest1);
	/* IVT entry of the injected vector: segment 0, offset of the handler */
	param16(&vm, USER_IRQ_VECTOR * 4, CODE + (guest1_irq - guest1));
	param16(&vm, USER_IRQ_VECTOR * 4 + 2, 0);
	param16(&vm, PARAMS + 0, n_io);
	param16(&vm, PARAMS + 2, n_cpuid);
	param16(&vm, PARAMS + 4, n_hlt);
	param16(&vm, PARAMS + 6, n_wrmsr);
	param16(&vm, PARAMS + 8, n_rdmsr);
	param16(&vm, PARAMS + 10, n_win);
	param32(&vm, PARAMS + 12, IF1_POLLS);
	if (!vm_run(&vm, &c))
		return;
	pass("vmx-guest1-run");

	check(result(&vm, 0x500) == KVM_EXIT_STATS_VERSION &&
	      result(&vm, 0x504) == KVM_EXIT_STATS_SIG_EBX &&
	      result(&vm, 0x508) == KVM_EXIT_STATS_SIG_ECX &&
	      result(&vm, 0x50c) == KVM_EXIT_STATS_SIG_EDX,
	      "vmx-signature", "eax %#x ebx %#x ecx %#x edx %#x",
	      result(&vm, 0x500), result(&vm, 0x504), result(&vm, 0x508), result(&vm, 0x50c));
	check_eq("vmx-numbering-is-vmx", result(&vm, 0x510), KVM_EXIT_STATS_NUMBERING_VMX);
	check(result(&vm, 0x514) != 0, "vmx-info-tsc-khz", "EBX (tsc kHz) is 0");
	check_eq("vmx-info-vcpus", result(&vm, 0x518), 1);
	printf("# guest1: info leaf tsc_khz %u; host saw %u plain I/O, %u HLT, %u windows\n",
	       result(&vm, 0x514), c.plain_io, c.hlt, c.irq_windows);

	check_eq("vmx-io-instruction-delta", result(&vm, 0x528) - result(&vm, 0x520), n_io);
	/* K CPUIDs, then the two queries of reason 10 (each counts itself) */
	check_eq("vmx-cpuid-delta", result(&vm, 0x52c) - result(&vm, 0x524), n_cpuid + 2);
	check_eq("vmx-hlt-delta", result(&vm, 0x534) - result(&vm, 0x530), n_hlt);
	check_eq("vmx-hlt-host-exits", c.hlt, n_hlt);
	check_eq("vmx-msr-write-delta", result(&vm, 0x540) - result(&vm, 0x538), n_wrmsr);
	check_eq("vmx-msr-read-delta", result(&vm, 0x544) - result(&vm, 0x53c), n_rdmsr);
	check_eq("vmx-interrupt-window-delta", result(&vm, 0x54c) - result(&vm, 0x548), n_win);
	check_eq("vmx-interrupt-window-handled", result(&vm, IRQ_COUNT) & 0xffff, n_win);
	/* Host interrupts are not the guest's to count: only "some arrived". */
	check(result(&vm, 0x56c) > result(&vm, 0x568), "vmx-external-interrupt-seen",
	      "no EXTERNAL_INTERRUPT exit in %u polls with IF=1 (count %u)",
	      IF1_POLLS, result(&vm, 0x56c));
	/* the guest leaves the loop before counting down the poll that saw one */
	printf("# guest1: EXTERNAL_INTERRUPT exits with guest IF=1: %u -> %u at poll %u\n",
	       result(&vm, 0x568), result(&vm, 0x56c), IF1_POLLS - result(&vm, 0x570) + 1);
	check(result(&vm, 0x550) == 0 && result(&vm, 0x554) == 0 &&
	      result(&vm, 0x558) == 0 && result(&vm, 0x55c) == KVM_EXIT_STATS_UNDEFINED,
	      "vmx-reserved-reason-35", "eax %#x ebx %#x ecx %#x edx %#x",
	      result(&vm, 0x550), result(&vm, 0x554), result(&vm, 0x558), result(&vm, 0x55c));

	/* After the last queries: one more CPUID query of 10 counted in its
	 * own answer, and the PORT_DONE write.
	 */
	const struct expected_row rows[] = {
		{ IO_INSTRUCTION, result(&vm, 0x560) + 1ull },
		{ CPUID, result(&vm, 0x564) },
		{ HLT, result(&vm, 0x534) },
		{ INTERRUPT_WINDOW, result(&vm, 0x54c) },
	};
	check_debugfs(&vm, "vmx-guest1", rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_guest2(void)
{
	const unsigned int n_deadline = 20 * scale, n_ipi = 30 * scale;
	const unsigned int n_lvt0 = 20 * scale;
	struct run_counts c;
	struct vm vm;
	uint32_t d32, d52;

	vm_create(&vm, "vmx-guest2-run", true, guest2, guest2_end - guest2);
	vm_set_cpuid_x2apic_tscdeadline(&vm);
	param16(&vm, PARAMS + 0, n_deadline);
	param16(&vm, PARAMS + 2, n_ipi);
	param16(&vm, PARAMS + 4, n_lvt0);
	param32(&vm, PARAMS + 8, 4u << 20);	/* deadline: 4 Mi TSC cycles ahead */
	param32(&vm, PARAMS + 12, IF0_POLLS);
	if (!vm_run(&vm, &c))
		return;
	pass("vmx-guest2-run");

	d32 = result(&vm, 0x528) - result(&vm, 0x520);
	d52 = result(&vm, 0x52c) - result(&vm, 0x524);
	/* Each TSC-deadline WRMSR is handled in the fastpath (hv timer), and
	 * each deadline then expires through one preemption timer exit,
	 * also handled in the fastpath.
	 */
	check_eq("vmx-fastpath-tsc-deadline-msr-write-delta", d32, n_deadline);
	check_eq("vmx-fastpath-preemption-timer-delta", d52, n_deadline);
	check_eq("vmx-fastpath-x2apic-icr-msr-write-delta",
		 result(&vm, 0x534) - result(&vm, 0x530), n_ipi);
	check_eq("vmx-x2apic-lvt0-msr-write-delta",
		 result(&vm, 0x538) - result(&vm, 0x534), n_lvt0);
	/* Only a note: under Bochs no host interrupt exits L2 while its IF=0. */
	printf("# guest2: EXTERNAL_INTERRUPT exits while guest IF=0: %u -> %u in %u polls\n",
	       result(&vm, 0x53c), result(&vm, 0x540), IF0_POLLS - result(&vm, 0x544));

	const struct expected_row rows[] = {
		{ IO_INSTRUCTION, result(&vm, 0x560) + 1ull },
		{ CPUID, result(&vm, 0x564) },
		{ PREEMPTION_TIMER, result(&vm, 0x52c) },
		{ MSR_WRITE, result(&vm, 0x538) },
	};
	check_debugfs(&vm, "vmx-guest2", rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_guest3(void)
{
	const unsigned int n_mmio = 100 * scale;
	struct run_counts c;
	struct vm vm;

	vm_create(&vm, "vmx-guest3-run", false, guest3, guest3_end - guest3);
	param16(&vm, PARAMS + 0, n_mmio);
	if (!vm_run(&vm, &c))
		return;
	pass("vmx-guest3-run");
	check_eq("vmx-ept-misconfig-delta", result(&vm, 0x528) - result(&vm, 0x520), n_mmio);
	check_eq("vmx-ept-violation-delta", result(&vm, 0x52c) - result(&vm, 0x524), 0);
	check_eq("vmx-mmio-host-exits", c.mmio, n_mmio + 1);

	const struct expected_row rows[] = {
		{ IO_INSTRUCTION, result(&vm, 0x560) + 1ull },
		{ CPUID, result(&vm, 0x564) },
		{ EPT_MISCONFIG, result(&vm, 0x528) },
	};
	check_debugfs(&vm, "vmx-guest3", rows, sizeof(rows) / sizeof(rows[0]));
}

static void print_param(const char *module, const char *param)
{
	char path[128], value[64] = "?";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module, param);
	f = fopen(path, "r");
	if (f) {
		if (fgets(value, sizeof(value), f))
			value[strcspn(value, "\n")] = 0;
		fclose(f);
	}
	printf("# %s.%s=%s\n", module, param, value);
}

int main(int argc, char **argv)
{
	static const char *const params[] = {
		"ept", "unrestricted_guest", "enable_apicv", "preemption_timer",
		"vpid", "flexpriority", "pml", "enable_shadow_vmcs", "nested",
	};

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
			scale = (unsigned int)strtoul(argv[++i], NULL, 0);
			if (scale < 1 || scale > 100) {
				fprintf(stderr, "vmx-exits: --scale takes 1..100\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: %s [--scale N]   (N multiplies the loop counts, 1..100)\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("open /dev/kvm");
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		print_param("kvm_intel", params[i]);
	print_param("kvm", "exit_stats");
	check_reason_numbers();
	test_guest1();
	test_guest2();
	test_guest3();
	printf("# vmx-exits: %d failed\n", tap_failures());
	return tap_failures() ? 1 : 0;
}
