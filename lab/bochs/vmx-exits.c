// SPDX-License-Identifier: GPL-2.0
/*
 * Exact exit counts with VMX numbering, for an Intel L1 (Bochs): three
 * guests, C functions on the project's VMM library (tests/lib/kvm), make
 * exits whose number they control and read the counts back through the
 * CPUID leaves; the host cross-checks with the per-VM debugfs file.  It
 * aims at the paths where a counter is easy to miss on VMX: the exits KVM
 * handles in its fastpath (TSC-deadline WRMSR, x2APIC ICR WRMSR, VMX
 * preemption timer) and the ones __vmx_handle_exit() dispatches before its
 * handler table when built with retpolines (MSR_WRITE, PREEMPTION_TIMER,
 * INTERRUPT_WINDOW, EXTERNAL_INTERRUPT, HLT, EPT_MISCONFIG).
 *
 *   vmx-exits [--scale N]     N multiplies the loop counts (default 1)
 *
 * Prints "ok NAME" / "not ok NAME - values" per check, "# ..." notes, and
 * exits non-zero if a check failed ("not ok fatal - ..." and status 2 if
 * setting a VM up failed).  Statically linked: L1 under Bochs has no host
 * libraries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit_stats_abi.h"
#include "kvm_util.h"
#include "tap.h"

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

/* MSRs and values the guests write. */
#define MSR_APIC_BASE		0x1b
#define APIC_BASE_X2APIC	0xc00	/* EN and EXTD */
#define MSR_PAT			0x277
#define PAT_RESET		0x0007040600070406ull
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_ICR		0x830
#define MSR_X2APIC_LVT_TIMER	0x832
#define MSR_X2APIC_LVT0		0x835
#define LVT_TIMER_TSC_DEADLINE_MASKED	0x50041	/* mode 2, masked, vector 0x41 */
#define ICR_SELF_FIXED		0x4042	/* fixed, assert, physical, vector 0x42, to 0 */
#define LVT_MASKED		0x10000
/* What a guest waits past its TSC deadline before arming the next one. */
#define DEADLINE_SLACK		0x100000
/* A poll: this many spins, then a query of EXTERNAL_INTERRUPT. */
#define POLL_SPINS		0x4000

/* CPUID.1:ECX: x2APIC and the TSC-deadline timer, which KVM emulates
 * whatever the host has (the host kernel turned its own TSC-deadline timer
 * off for this CPU model's errata). */
#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

/* Guest -> host: "set request_interrupt_window" (a GUEST_SYNC). */
#define SYNC_WANT_IRQ		1

/*
 * The shared area (GUEST_SHARED): loop counts written by the host, then
 * what the guest read, as counts of a reason: [0] before its loop, [1]
 * after.  Every guest ends with the counts of IO_INSTRUCTION and CPUID
 * (final_*), after which only the ucall of its return exits.
 */
struct shared {
	/* parameters */
	uint32_t n_io, n_cpuid, n_hlt, n_wrmsr, n_rdmsr, n_win;
	uint32_t n_deadline, n_ipi, n_lvt0, n_mmio;
	uint32_t polls;			/* at most this many polls */
	uint64_t deadline_delta;	/* TSC ticks ahead */
	/* results */
	struct cpuid_regs signature, info, reserved35;
	uint32_t io[2], cpuid[2], hlt[2], msr_write[2], msr_read[2], window[2];
	uint32_t deadline_write[2], preemption[2], icr_write[2], lvt0_write[2];
	uint32_t ept_misconfig[2], ept_violation[2];
	uint32_t extint[2], polls_left;
	uint32_t final_io, final_cpuid;
};

#define SHARED ((volatile struct shared *)GUEST_SHARED)

/* The count of one exit reason (leaf 0x4FFFFFFD; the query is a CPUID exit). */
GUEST_CODE static inline uint32_t count_of(uint32_t reason)
{
	return guest_cpuid_eax(KVM_EXIT_STATS_LEAF_REASON_EXITS, reason);
}

/*
 * Polls until a host interrupt has caused an EXTERNAL_INTERRUPT exit, at
 * most SHARED->polls times; leaves the loop before counting down the poll
 * that saw one.
 */
GUEST_CODE static void poll_external_interrupts(void)
{
	volatile struct shared *sh = SHARED;
	uint32_t polls;

	sh->extint[0] = count_of(EXTERNAL_INTERRUPT);
	for (polls = sh->polls; polls; polls--) {
		guest_spin(POLL_SPINS);
		sh->extint[1] = count_of(EXTERNAL_INTERRUPT);
		if (sh->extint[1] != sh->extint[0])
			break;
	}
	sh->polls_left = polls;
}

GUEST_CODE static void final_counts(void)
{
	SHARED->final_io = count_of(IO_INSTRUCTION);
	SHARED->final_cpuid = count_of(CPUID);
}

/*
 * Guest 1, no in-kernel irqchip: port I/O, CPUID, HLT, MSR read and write
 * (PAT), interrupt windows the host opens on request, the ABI leaves, host
 * interrupts with IF=1.
 */
GUEST_CODE static void guest1(uint64_t arg0, uint64_t arg1)
{
	volatile struct shared *sh = SHARED;
	uint32_t n;

	(void)arg0;
	(void)arg1;
	guest_cli();
	sh->signature = guest_cpuid(KVM_EXIT_STATS_LEAF_SIGNATURE, 0);
	sh->info = guest_cpuid(KVM_EXIT_STATS_LEAF_INFO, 0);
	/* N port writes and K CPUIDs between two pairs of queries */
	sh->io[0] = count_of(IO_INSTRUCTION);
	sh->cpuid[0] = count_of(CPUID);
	for (n = sh->n_io; n; n--)
		guest_outb(USER_PORT, 0);
	for (n = sh->n_cpuid; n; n--)
		guest_cpuid_leaf(0);
	sh->io[1] = count_of(IO_INSTRUCTION);
	sh->cpuid[1] = count_of(CPUID);
	/* H halts: each one is an exit to the host (no in-kernel APIC) */
	sh->hlt[0] = count_of(HLT);
	for (n = sh->n_hlt; n; n--)
		guest_hlt();
	sh->hlt[1] = count_of(HLT);
	/* W writes and R reads of IA32_PAT (its reset value) */
	sh->msr_write[0] = count_of(MSR_WRITE);
	sh->msr_read[0] = count_of(MSR_READ);
	for (n = sh->n_wrmsr; n; n--)
		guest_wrmsr(MSR_PAT, PAT_RESET);
	for (n = sh->n_rdmsr; n; n--)
		guest_rdmsr(MSR_PAT);
	sh->msr_write[1] = count_of(MSR_WRITE);
	sh->msr_read[1] = count_of(MSR_READ);
	/*
	 * M interrupt windows: with IF=0 ask the host for an interrupt; it
	 * sets request_interrupt_window, so KVM exits when STI opens the
	 * window, and the host injects GUEST_IRQ_VECTOR there.
	 */
	sh->window[0] = count_of(INTERRUPT_WINDOW);
	for (n = sh->n_win; n; n--) {
		GUEST_SYNC(SYNC_WANT_IRQ);
		guest_sti_nop_cli();
	}
	sh->window[1] = count_of(INTERRUPT_WINDOW);
	/* a reserved reason number: all zero but EDX = 0xffffffff */
	sh->reserved35 = guest_cpuid(KVM_EXIT_STATS_LEAF_REASON_EXITS, 35);
	/*
	 * Host interrupts: with IF=1 (nothing is pending for this guest, so
	 * nothing is injected).  With IF=0 Bochs delivers none in VMX
	 * non-root mode (guest 2).
	 */
	guest_sti();
	poll_external_interrupts();
	guest_cli();
	final_counts();
}

/*
 * Guest 2, in-kernel irqchip, x2APIC: TSC-deadline timer (fastpath WRMSR,
 * then a preemption timer exit when it expires), self-IPIs through the
 * x2APIC ICR (fastpath WRMSR), ordinary x2APIC MSR writes, and waiting for
 * host interrupts with IF=0.  IF stays 0: the LVT timer is masked and the
 * self-IPIs stay pending.
 */
GUEST_CODE static void guest2(uint64_t arg0, uint64_t arg1)
{
	volatile struct shared *sh = SHARED;
	uint32_t n;

	(void)arg0;
	(void)arg1;
	guest_cli();
	guest_wrmsr(MSR_APIC_BASE, guest_rdmsr(MSR_APIC_BASE) | APIC_BASE_X2APIC);
	guest_wrmsr(MSR_X2APIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE_MASKED);
	sh->deadline_write[0] = count_of(MSR_WRITE);
	sh->preemption[0] = count_of(PREEMPTION_TIMER);
	for (n = sh->n_deadline; n; n--) {
		uint64_t deadline = guest_rdtsc() + sh->deadline_delta;

		guest_wrmsr(MSR_TSC_DEADLINE, deadline);
		while (guest_rdtsc() < deadline + DEADLINE_SLACK)
			;	/* wait until well past it */
	}
	sh->deadline_write[1] = count_of(MSR_WRITE);
	sh->preemption[1] = count_of(PREEMPTION_TIMER);
	/* I self-IPIs: fixed, physical, to APIC ID 0 */
	sh->icr_write[0] = count_of(MSR_WRITE);
	for (n = sh->n_ipi; n; n--)
		guest_wrmsr(MSR_X2APIC_ICR, ICR_SELF_FIXED);
	sh->icr_write[1] = count_of(MSR_WRITE);
	/* W writes of LVT0 (masked): the slow path */
	sh->lvt0_write[0] = sh->icr_write[1];
	for (n = sh->n_lvt0; n; n--)
		guest_wrmsr(MSR_X2APIC_LVT0, LVT_MASKED);
	sh->lvt0_write[1] = count_of(MSR_WRITE);
	poll_external_interrupts();
	final_counts();
}

/*
 * Guest 3: MMIO writes to a page without memslot.  The first access is an
 * EPT violation that makes KVM install an MMIO SPTE; every later one is an
 * EPT misconfiguration.
 */
GUEST_CODE static void guest3(uint64_t arg0, uint64_t arg1)
{
	volatile struct shared *sh = SHARED;
	uint32_t n;

	(void)arg0;
	(void)arg1;
	guest_cli();
	guest_mmio_write32(GUEST_MMIO_GPA, 0);
	sh->ept_misconfig[0] = count_of(EPT_MISCONFIG);
	sh->ept_violation[0] = count_of(EPT_VIOLATION);
	for (n = sh->n_mmio; n; n--)
		guest_mmio_write32(GUEST_MMIO_GPA, 0);
	sh->ept_misconfig[1] = count_of(EPT_MISCONFIG);
	sh->ept_violation[1] = count_of(EPT_VIOLATION);
	final_counts();
}

static void check_eq(const char *name, uint64_t got, uint64_t want)
{
	check(got == want, name, "got %llu, want %llu",
	      (unsigned long long)got, (unsigned long long)want);
}

/* The exits the VMM completed (user port, HLT, MMIO, interrupt windows). */
struct run_counts {
	uint64_t plain_io, hlt, irq_windows, mmio;
};

static struct run_counts counts_of(const struct vcpu *v)
{
	return (struct run_counts){ v->user_pio_exits, v->hlt_exits,
				    v->irq_window_exits, v->mmio_exits };
}

/*
 * Calls the guest function and runs it to its return, opening an
 * interrupt window whenever it asks; c gets the exits the VMM completed
 * meanwhile.  False, after a "not ok NAME", on anything unexpected.
 */
static bool run_guest(struct vm *vm, guest_fn fn, const char *name, struct run_counts *c)
{
	struct vcpu *v = vm->vcpus[0];
	struct run_counts before = counts_of(v);
	struct ucall uc;

	vcpu_call(v, fn, 0, 0);
	for (uc = vcpu_run(v); uc.cmd == UCALL_SYNC && uc.args[0] == SYNC_WANT_IRQ;
	     uc = vcpu_run(v))
		vcpu_request_irq_window(v);
	if (uc.cmd != UCALL_DONE)
		return check(false, name, "%s", ucall_describe(&uc));
	*c = counts_of(v);
	c->plain_io -= before.plain_io;
	c->hlt -= before.hlt;
	c->irq_windows -= before.irq_windows;
	c->mmio -= before.mmio;
	pass(name);
	return true;
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

static void check_debugfs(struct vm *vm, const char *prefix,
			  const struct expected_row *rows, size_t nrows)
{
	const char *dir = vm_debugfs_dir(vm);
	char path[192], line[256], name[64];
	uint64_t sum = 0, total = 0, stat_exits = 0;
	bool have_total = false;
	uint64_t found[8] = { 0 };
	FILE *f;

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

/* Polls (POLL_SPINS each) for a host interrupt exit. */
#define IF1_POLLS 20000
#define IF0_POLLS 2000

static volatile struct shared *shared_of(struct vm *vm)
{
	return vm_shared(vm);
}

static void test_guest1(void)
{
	struct vm *vm = vm_create(1);
	volatile struct shared *sh = shared_of(vm);
	struct run_counts c;

	vm->resume_on_hlt = true;
	sh->n_io = 200 * scale;
	sh->n_cpuid = 100 * scale;
	sh->n_hlt = 50 * scale;
	sh->n_wrmsr = 40 * scale;
	sh->n_rdmsr = 30 * scale;
	sh->n_win = 20 * scale;
	sh->polls = IF1_POLLS;
	uint64_t irqs0 = *(volatile uint64_t *)vm_gpa_to_hva(vm, (uintptr_t)&guest_irq_count, 8);

	if (!run_guest(vm, guest1, "vmx-guest1-run", &c))
		goto out;
	uint64_t irqs = *(volatile uint64_t *)vm_gpa_to_hva(vm, (uintptr_t)&guest_irq_count, 8) -
			irqs0;

	check(sh->signature.eax == KVM_EXIT_STATS_VERSION &&
	      sh->signature.ebx == KVM_EXIT_STATS_SIG_EBX &&
	      sh->signature.ecx == KVM_EXIT_STATS_SIG_ECX &&
	      sh->signature.edx == KVM_EXIT_STATS_SIG_EDX,
	      "vmx-signature", "eax %#x ebx %#x ecx %#x edx %#x",
	      sh->signature.eax, sh->signature.ebx, sh->signature.ecx, sh->signature.edx);
	check_eq("vmx-numbering-is-vmx", sh->info.eax, KVM_EXIT_STATS_NUMBERING_VMX);
	check(sh->info.ebx != 0, "vmx-info-tsc-khz", "EBX (tsc kHz) is 0");
	check_eq("vmx-info-vcpus", sh->info.ecx, 1);
	printf("# guest1: info leaf tsc_khz %u; host saw %llu plain I/O, %llu HLT, %llu windows\n",
	       sh->info.ebx, (unsigned long long)c.plain_io, (unsigned long long)c.hlt,
	       (unsigned long long)c.irq_windows);

	check_eq("vmx-io-instruction-delta", sh->io[1] - sh->io[0], sh->n_io);
	/* K CPUIDs, then the two queries of reason 10 (each counts itself) */
	check_eq("vmx-cpuid-delta", sh->cpuid[1] - sh->cpuid[0], sh->n_cpuid + 2);
	check_eq("vmx-hlt-delta", sh->hlt[1] - sh->hlt[0], sh->n_hlt);
	check_eq("vmx-hlt-host-exits", c.hlt, sh->n_hlt);
	check_eq("vmx-msr-write-delta", sh->msr_write[1] - sh->msr_write[0], sh->n_wrmsr);
	check_eq("vmx-msr-read-delta", sh->msr_read[1] - sh->msr_read[0], sh->n_rdmsr);
	check_eq("vmx-interrupt-window-delta", sh->window[1] - sh->window[0], sh->n_win);
	check_eq("vmx-interrupt-window-handled", irqs, sh->n_win);
	/* Host interrupts are not the guest's to count: only "some arrived". */
	check(sh->extint[1] > sh->extint[0], "vmx-external-interrupt-seen",
	      "no EXTERNAL_INTERRUPT exit in %u polls with IF=1 (count %u)",
	      IF1_POLLS, sh->extint[1]);
	printf("# guest1: EXTERNAL_INTERRUPT exits with guest IF=1: %u -> %u at poll %u\n",
	       sh->extint[0], sh->extint[1], IF1_POLLS - sh->polls_left + 1);
	check(sh->reserved35.eax == 0 && sh->reserved35.ebx == 0 &&
	      sh->reserved35.ecx == 0 && sh->reserved35.edx == KVM_EXIT_STATS_UNDEFINED,
	      "vmx-reserved-reason-35", "eax %#x ebx %#x ecx %#x edx %#x",
	      sh->reserved35.eax, sh->reserved35.ebx, sh->reserved35.ecx, sh->reserved35.edx);

	/* After the last queries: the CPUID query of 10 counted in its own
	 * answer, and the ucall of the function's return.
	 */
	const struct expected_row rows[] = {
		{ IO_INSTRUCTION, sh->final_io + 1ull },
		{ CPUID, sh->final_cpuid },
		{ HLT, sh->hlt[1] },
		{ INTERRUPT_WINDOW, sh->window[1] },
	};
	check_debugfs(vm, "vmx-guest1", rows, sizeof(rows) / sizeof(rows[0]));
out:
	vm_destroy(vm);
}

static void test_guest2(void)
{
	const struct vm_opts opts = {
		.exit_stats_cap = -1,
		.irqchip = true,
		.leaf1_ecx_set = CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE,
	};
	struct vm *vm = vm_create_opts(1, &opts);
	volatile struct shared *sh = shared_of(vm);
	struct run_counts c;

	sh->n_deadline = 20 * scale;
	sh->n_ipi = 30 * scale;
	sh->n_lvt0 = 20 * scale;
	sh->deadline_delta = 4u << 20;	/* 4 Mi TSC cycles ahead */
	sh->polls = IF0_POLLS;
	if (!run_guest(vm, guest2, "vmx-guest2-run", &c))
		goto out;

	/* Each TSC-deadline WRMSR is handled in the fastpath (hv timer), and
	 * each deadline then expires through one preemption timer exit,
	 * also handled in the fastpath.
	 */
	check_eq("vmx-fastpath-tsc-deadline-msr-write-delta",
		 sh->deadline_write[1] - sh->deadline_write[0], sh->n_deadline);
	check_eq("vmx-fastpath-preemption-timer-delta",
		 sh->preemption[1] - sh->preemption[0], sh->n_deadline);
	check_eq("vmx-fastpath-x2apic-icr-msr-write-delta",
		 sh->icr_write[1] - sh->icr_write[0], sh->n_ipi);
	check_eq("vmx-x2apic-lvt0-msr-write-delta",
		 sh->lvt0_write[1] - sh->lvt0_write[0], sh->n_lvt0);
	/* Only a note: under Bochs no host interrupt exits L2 while its IF=0. */
	printf("# guest2: EXTERNAL_INTERRUPT exits while guest IF=0: %u -> %u in %u polls\n",
	       sh->extint[0], sh->extint[1], IF0_POLLS - sh->polls_left);

	const struct expected_row rows[] = {
		{ IO_INSTRUCTION, sh->final_io + 1ull },
		{ CPUID, sh->final_cpuid },
		{ PREEMPTION_TIMER, sh->preemption[1] },
		{ MSR_WRITE, sh->lvt0_write[1] },
	};
	check_debugfs(vm, "vmx-guest2", rows, sizeof(rows) / sizeof(rows[0]));
out:
	vm_destroy(vm);
}

static void test_guest3(void)
{
	struct vm *vm = vm_create(1);
	volatile struct shared *sh = shared_of(vm);
	struct run_counts c;

	sh->n_mmio = 100 * scale;
	if (!run_guest(vm, guest3, "vmx-guest3-run", &c))
		goto out;
	check_eq("vmx-ept-misconfig-delta", sh->ept_misconfig[1] - sh->ept_misconfig[0],
		 sh->n_mmio);
	check_eq("vmx-ept-violation-delta", sh->ept_violation[1] - sh->ept_violation[0], 0);
	check_eq("vmx-mmio-host-exits", c.mmio, sh->n_mmio + 1);

	const struct expected_row rows[] = {
		{ IO_INSTRUCTION, sh->final_io + 1ull },
		{ CPUID, sh->final_cpuid },
		{ EPT_MISCONFIG, sh->ept_misconfig[1] },
	};
	check_debugfs(vm, "vmx-guest3", rows, sizeof(rows) / sizeof(rows[0]));
out:
	vm_destroy(vm);
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
