// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of KVM's per-exit-reason statistics, run inside L1
 * against /dev/kvm: guests cause known numbers of exits and read them back
 * through the CPUID leaves 0x4FFFFFF8-0x4FFFFFFF; the host cross-checks with
 * KVM's binary stat "exits" and the per-VM debugfs file.
 *
 *   exit_stats_e2e [--only tN] [--seed N] [--tag PREFIX]
 *                                           the suite (kvm.exit_stats=1)
 *   exit_stats_e2e --expect-param-off       KVM loaded with exit_stats=0
 *   exit_stats_e2e --expect-stock           Debian's stock modules: the
 *                                           suite must fail, on named checks
 *
 * Exit accounting: every ucall is one port I/O exit, and every CPUID query
 * is one CPUID exit counted in its own answer.  Each measured interval lies
 * between two queries with no ucall inside, so its deltas are exact.
 * Asynchronous exits (host interrupts) can land anywhere; checks that
 * compare totals retry until a window without one, and say how many tries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "kvm_util.h"
#include "reasons.h"
#include "report.h"
#include "t11_nested.h"
#include "t12_clock.h"

#define LEAF_TOTAL	KVM_EXIT_STATS_LEAF_TOTAL_EXITS
#define LEAF_TCYCLES	KVM_EXIT_STATS_LEAF_TOTAL_CYCLES
#define LEAF_REASON	KVM_EXIT_STATS_LEAF_REASON_EXITS
#define LEAF_RCYCLES	KVM_EXIT_STATS_LEAF_REASON_CYCLES
#define LEAF_SIG	KVM_EXIT_STATS_LEAF_SIGNATURE
#define LEAF_INFO	KVM_EXIT_STATS_LEAF_INFO
#define LEAF_TOTAL64	KVM_EXIT_STATS_LEAF_TOTAL_EXITS64
#define LEAF_REASON64	KVM_EXIT_STATS_LEAF_REASON_EXITS64

#define NR_LEAVES(a)		((int)(sizeof(a) / sizeof((a)[0])))
#define MSR_IA32_APICBASE	0x1b
#define KVM_ENOSYS		1000
#define UNKNOWN_HYPERCALL	0xe2e0ul
#define MMIO_READ_VALUE		0x5eed1234u
#define QUIET_TRIES		30
/*
 * Reading every reason takes ~175 CPUID exits; at L1's 250 Hz tick a host
 * interrupt lands in such a window often (seen: 2 of 3 tries under QEMU),
 * and more often on slower emulators, so the sum gets many more tries.
 */
#define SUM_TRIES		200

static const struct numbering *nb;	/* of the CPU we run on */

/* ------------------------------------------------------------------ */
/* Guest-side helpers                                                  */

GUEST_CODE static inline uint32_t g_count(uint32_t reason)
{
	return guest_cpuid(LEAF_REASON, reason).eax;
}

GUEST_CODE static inline uint64_t g_count64(uint32_t reason)
{
	struct cpuid_regs r = guest_cpuid(LEAF_REASON64, reason);

	return (uint64_t)r.ebx << 32 | r.ecx;
}

GUEST_CODE static inline uint64_t g_cycles(uint32_t reason)
{
	struct cpuid_regs r = guest_cpuid(LEAF_RCYCLES, reason);

	return (uint64_t)r.ebx << 32 | r.ecx;
}

/* Exits of the MMIO reason(s): NPF, or EPT violation + misconfig. */
GUEST_CODE static inline uint32_t g_mmio_count(const struct numbering *n)
{
	uint32_t c = 0;

	for (size_t i = 0; i < n->nr_mmio; i++)
		c += g_count(n->mmio[i]);
	return c;
}

/*
 * The quiet-window handshake: read the total, report it with a ucall (one
 * exit), let the host compare with its stats while the vCPU is stopped;
 * the host replies 1 to ask for another try (an asynchronous exit landed
 * between the query and the ucall), 0 when done.
 */
GUEST_CODE static void g_quiet_window(uint64_t step)
{
	uint64_t again;

	do {
		uint32_t total = guest_cpuid(LEAF_TOTAL, 0).eax;

		again = GUEST_SYNC(step, total);
	} while (again);
}

/* ------------------------------------------------------------------ */
/* Host-side helpers                                                   */

/* Runs the vCPU to the next ucall and checks it is the expected one. */
static bool expect_ucall(struct vcpu *vcpu, struct ucall *uc, uint64_t cmd,
			 uint64_t step, const char *name)
{
	if (uc->cmd == cmd && (cmd != UCALL_SYNC || uc->args[0] == step))
		return true;
	check(false, name, "expected %s step %lu, got %s",
	      cmd == UCALL_SYNC ? "SYNC" : "DONE", (unsigned long)step,
	      ucall_describe(uc));
	(void)vcpu;
	return false;
}

struct debugfs_snapshot {
	bool present;
	uint64_t total_count, total_cycles;
	uint64_t rows_count;		/* sum over rows, OTHER included */
	int nr_rows;
	struct {
		uint32_t reason;
		uint64_t count, cycles;
	} rows[256];
	char text[16384];
};

static void read_debugfs(struct vm *vm, struct debugfs_snapshot *s)
{
	char path[128], line[256];
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/exit_stats", vm_debugfs_dir(vm));
	f = fopen(path, "r");
	if (!f)
		return;
	s->present = true;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long count, cycles;
		unsigned int reason;
		char name[64];

		strncat(s->text, line, sizeof(s->text) - strlen(s->text) - 1);
		if (line[0] == '#')
			continue;
		if (sscanf(line, "- TOTAL %llu %llu", &count, &cycles) == 2) {
			s->total_count = count;
			s->total_cycles = cycles;
		} else if (sscanf(line, "- OTHER %llu %llu", &count,
				  &cycles) == 2) {
			s->rows_count += count;
		} else if (sscanf(line, "%u %63s %llu %llu", &reason, name,
				  &count, &cycles) == 4 &&
			   s->nr_rows < (int)(sizeof(s->rows) / sizeof(s->rows[0]))) {
			s->rows[s->nr_rows].reason = reason;
			s->rows[s->nr_rows].count = count;
			s->rows[s->nr_rows].cycles = cycles;
			s->nr_rows++;
			s->rows_count += count;
		}
	}
	fclose(f);
}

static bool debugfs_has_row(const struct debugfs_snapshot *s, uint32_t reason)
{
	for (int i = 0; i < s->nr_rows; i++)
		if (s->rows[i].reason == reason)
			return true;
	return false;
}

/*
 * Serves the guest's g_quiet_window(): at each try compares the guest's
 * total with KVM's stat (which also counts the ucall's exit) and, on the
 * final try, the debugfs file with the stat.  Returns the last ucall.
 */
static struct ucall host_quiet_window(struct vm *vm, struct vcpu *vcpu,
				      struct ucall uc, uint64_t step,
				      const char *prefix)
{
	char name[96];
	uint64_t stat = 0, guest_total = 0;
	int tries;
	bool exact = false;
	struct debugfs_snapshot *dfs = malloc(sizeof(*dfs));

	if (!dfs)
		TEST_FATAL("out of memory");
	snprintf(name, sizeof(name), "%s-total-equals-stat", prefix);
	for (tries = 1;; tries++) {
		if (!expect_ucall(vcpu, &uc, UCALL_SYNC, step, name)) {
			free(dfs);
			return uc;
		}
		guest_total = uc.args[1];
		stat = vm_stat_exits(vm);
		exact = stat == guest_total + 1;
		if (exact || tries == QUIET_TRIES)
			break;
		uc = vcpu_reply_run(vcpu, 1);
	}
	check(exact, name,
	      "guest total %" PRIu64 " + 1 ucall exit, binary stat 'exits' %" PRIu64 ", try %d",
	      guest_total, stat, tries);

	read_debugfs(vm, dfs);
	snprintf(name, sizeof(name), "%s-debugfs-total-equals-stat", prefix);
	check(dfs->present && dfs->total_count == stat, name,
	      "debugfs %s TOTAL %" PRIu64 ", binary stat %" PRIu64,
	      dfs->present ? "present" : "missing", dfs->total_count, stat);
	snprintf(name, sizeof(name), "%s-debugfs-rows-sum-to-total", prefix);
	check(dfs->present && dfs->rows_count == dfs->total_count, name,
	      "rows %" PRIu64 ", TOTAL %" PRIu64, dfs->rows_count,
	      dfs->total_count);
	free(dfs);
	return vcpu_reply_run(vcpu, 0);
}

/* ------------------------------------------------------------------ */
/* Test 1: exact per-reason deltas                                     */

enum {
	T1_USER_OUT = 1, T1_USER_IN, T1_KERNEL_OUT, T1_CPUID, T1_RDMSR,
	T1_WRMSR, T1_HYPERCALL, T1_MMIO, T1_HLT, T1_LEAF64_IO, T1_LEAF64_CPUID,
};
#define T1_N_USER	100
#define T1_N_KERNEL	1000
#define T1_N		200
#define T1_N_MMIO	100
#define T1_N_HLT	50

GUEST_CODE static void guest_t1(uint64_t numbering, uint64_t unused)
{
	const struct numbering *n = (const void *)numbering;
	uint32_t a, b;
	uint64_t apicbase, x;

	(void)unused;
	a = g_count(n->io);
	for (int i = 0; i < T1_N_USER; i++)
		guest_outb(USER_PORT, (uint8_t)i);
	b = g_count(n->io);
	GUEST_SYNC(T1_USER_OUT, a, b);

	a = g_count(n->io);
	for (int i = 0; i < T1_N_USER; i++)
		GUEST_ASSERT_EQ(guest_inb(USER_PORT), 0);
	b = g_count(n->io);
	GUEST_SYNC(T1_USER_IN, a, b);

	a = g_count(n->io);
	for (int i = 0; i < T1_N_KERNEL; i++)
		guest_outb(KERNEL_PORT, (uint8_t)i);
	b = g_count(n->io);
	GUEST_SYNC(T1_KERNEL_OUT, a, b);

	a = g_count(n->cpuid);
	for (int i = 0; i < T1_N; i++)
		guest_cpuid(0, 0);
	b = g_count(n->cpuid);
	GUEST_SYNC(T1_CPUID, a, b);

	a = g_count(n->msr_read);
	for (int i = 0; i < T1_N; i++)
		guest_rdmsr(MSR_IA32_APICBASE);
	b = g_count(n->msr_read);
	GUEST_SYNC(T1_RDMSR, a, b);

	apicbase = guest_rdmsr(MSR_IA32_APICBASE);
	a = g_count(n->msr_write);
	for (int i = 0; i < T1_N; i++)
		guest_wrmsr(MSR_IA32_APICBASE, apicbase);
	b = g_count(n->msr_write);
	GUEST_SYNC(T1_WRMSR, a, b);

	a = g_count(n->hypercall);
	for (int i = 0; i < T1_N; i++)
		GUEST_ASSERT_EQ(guest_hypercall(UNKNOWN_HYPERCALL),
				(uint64_t)-KVM_ENOSYS);
	b = g_count(n->hypercall);
	GUEST_SYNC(T1_HYPERCALL, a, b);

	a = g_mmio_count(n);
	for (int i = 0; i < T1_N_MMIO / 2; i++) {
		guest_mmio_write32(GUEST_MMIO_GPA, (uint32_t)i);
		GUEST_ASSERT_EQ(guest_mmio_read32(GUEST_MMIO_GPA + 4),
				MMIO_READ_VALUE);
	}
	b = g_mmio_count(n);
	GUEST_SYNC(T1_MMIO, a, b);

	uint64_t irqs = guest_irq_count;

	a = g_count(n->hlt);
	for (int i = 0; i < T1_N_HLT; i++)
		guest_sti_hlt_cli();
	b = g_count(n->hlt);
	GUEST_SYNC(T1_HLT, a, b, guest_irq_count - irqs);

	/* No I/O between the two queries: the 64-bit leaf agrees. */
	x = g_count64(n->io);
	a = g_count(n->io);
	GUEST_SYNC(T1_LEAF64_IO, x, a);
	/* The second query's own CPUID exit is in its answer. */
	x = g_count64(n->cpuid);
	a = g_count(n->cpuid);
	GUEST_SYNC(T1_LEAF64_CPUID, x, a);
}

static void test_deltas(void)
{
	static const struct {
		int step;
		const char *name;
		int64_t expected;
	} steps[] = {
		{ T1_USER_OUT, "t1-pio-user-out", T1_N_USER },
		{ T1_USER_IN, "t1-pio-user-in", T1_N_USER },
		{ T1_KERNEL_OUT, "t1-pio-kernel-out", T1_N_KERNEL },
		{ T1_CPUID, "t1-cpuid", T1_N + 1 },
		{ T1_RDMSR, "t1-msr-read", T1_N },
		{ T1_WRMSR, "t1-msr-write", T1_N },
		{ T1_HYPERCALL, "t1-hypercall", T1_N },
		{ T1_MMIO, "t1-mmio", T1_N_MMIO },
		{ T1_HLT, "t1-hlt", T1_N_HLT },
	};
	static const int name_of_step[] = { 0, 0, 0, 0, 1, 2, 3, 4, 6, 5 };
	struct vm *vm = vm_create(1);
	struct vcpu *vcpu = vm->vcpus[0];
	int efd = vm_add_kernel_port(vm);
	const uint64_t user_before = 0;	/* a fresh VM */
	uint64_t mmio_before = 0, hlt_before = 0;
	struct ucall uc;

	vm->inject_irq_on_hlt = true;
	vm->mmio_read_value = MMIO_READ_VALUE;
	vcpu_call(vcpu, guest_t1, (uint64_t)nb, 0);
	uc = vcpu_run(vcpu);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int64_t delta;

		if (!expect_ucall(vcpu, &uc, UCALL_SYNC, steps[i].step,
				  steps[i].name))
			goto out;
		delta = (int64_t)(uint32_t)(uc.args[2] - uc.args[1]);
		const char *rname = nb->names[name_of_step[steps[i].step]];

		if (steps[i].step == T1_MMIO && nb->nr_mmio == 2)
			rname = "EPT_VIOLATION+EPT_MISCONFIG";
		check(delta == steps[i].expected, steps[i].name,
		      "%s (%s): before %" PRIu64 " after %" PRIu64
		      " delta %" PRId64 " expected %" PRId64,
		      rname, nb->tag, uc.args[1], uc.args[2], delta,
		      steps[i].expected);

		/* What the VMM itself saw must agree. */
		switch (steps[i].step) {
		case T1_USER_IN: {
			uint64_t seen = vcpu->user_pio_exits - user_before;

			check(seen == 2 * T1_N_USER, "t1-pio-user-vmm-exits",
			      "user-space port exits %" PRIu64 " expected %d",
			      seen, 2 * T1_N_USER);
			break;
		}
		case T1_KERNEL_OUT: {
			uint64_t signals = 0;

			if (read(efd, &signals, sizeof(signals)) != sizeof(signals))
				signals = 0;
			check(signals == T1_N_KERNEL &&
			      vcpu->user_pio_exits - user_before == 2 * T1_N_USER,
			      "t1-pio-kernel-stays-in-kernel",
			      "ioeventfd count %" PRIu64 " expected %d, user-space port exits %" PRIu64,
			      signals, T1_N_KERNEL,
			      vcpu->user_pio_exits - user_before);
			break;
		}
		case T1_MMIO:
			check(vcpu->mmio_exits - mmio_before == T1_N_MMIO,
			      "t1-mmio-vmm-exits",
			      "KVM_EXIT_MMIO %" PRIu64 " expected %d",
			      vcpu->mmio_exits - mmio_before, T1_N_MMIO);
			break;
		case T1_HLT:
			check(vcpu->hlt_exits - hlt_before == T1_N_HLT &&
			      uc.args[3] == T1_N_HLT, "t1-hlt-vmm-exits",
			      "KVM_EXIT_HLT %" PRIu64 ", guest interrupts %" PRIu64 ", expected %d",
			      vcpu->hlt_exits - hlt_before, uc.args[3],
			      T1_N_HLT);
			break;
		}
		mmio_before = vcpu->mmio_exits;
		hlt_before = vcpu->hlt_exits;
		uc = vcpu_run(vcpu);
	}
	if (!expect_ucall(vcpu, &uc, UCALL_SYNC, T1_LEAF64_IO, "t1-leaf64"))
		goto out;
	check(uc.args[1] == uc.args[2] && uc.args[1] != 0, "t1-leaf64-io",
	      "0x4FFFFFF8 %" PRIu64 ", 0x4FFFFFFD %" PRIu64 " (no I/O between)",
	      uc.args[1], uc.args[2]);
	uc = vcpu_run(vcpu);
	if (!expect_ucall(vcpu, &uc, UCALL_SYNC, T1_LEAF64_CPUID, "t1-leaf64"))
		goto out;
	check(uc.args[1] + 1 == uc.args[2] && uc.args[1] != 0,
	      "t1-leaf64-cpuid",
	      "0x4FFFFFF8 %" PRIu64 ", then 0x4FFFFFFD %" PRIu64 " (expected +1)",
	      uc.args[1], uc.args[2]);
	uc = vcpu_run(vcpu);
	expect_ucall(vcpu, &uc, UCALL_DONE, 0, "t1-done");
out:
	close(efd);
	vm_destroy(vm);
}

/* ------------------------------------------------------------------ */
/* Test 2: sum over reasons == total == binary stat == debugfs          */

enum { T2_SUM = 1, T2_QUIET };

GUEST_CODE static void guest_t2(uint64_t numbering, uint64_t unused)
{
	const struct numbering *n = (const void *)numbering;
	uint64_t sum = 0, t0 = 0, t1 = 0, cpuid_pos = 0, not_enabled = 0;
	int attempt;

	(void)unused;
	for (attempt = 1; attempt <= SUM_TRIES; attempt++) {
		t0 = guest_cpuid(LEAF_TOTAL, 0).eax;
		sum = 0;
		for (size_t i = 0; i < n->len; i++) {
			sum += g_count64(n->table[i].number);
			if (n->table[i].number == n->cpuid)
				cpuid_pos = i + 1;
		}
		struct cpuid_regs r = guest_cpuid(KVM_EXIT_STATS_LEAF_NOT_ENABLED, 0);

		not_enabled = (uint64_t)r.ebx << 32 | r.ecx;
		r = guest_cpuid(LEAF_TOTAL64, 0);
		t1 = (uint64_t)r.ebx << 32 | r.ecx;
		/* Only our n + 2 queries since t0: nothing else moved. */
		if ((uint32_t)(t1 - t0) == n->len + 2)
			break;
		/* Nothing counts at all (stock KVM): no point in retrying. */
		if (t1 == t0)
			break;
	}
	/*
	 * The CPUID reading includes the queries up to its own; the total,
	 * one more (the NOT_ENABLED query).
	 */
	GUEST_SYNC(T2_SUM, attempt, sum - cpuid_pos, t0, t1, not_enabled);
	g_quiet_window(T2_QUIET);
}

static void test_sum_total(void)
{
	struct vm *vm = vm_create(1);
	struct vcpu *vcpu = vm->vcpus[0];
	struct ucall uc;

	vcpu_call(vcpu, guest_t2, (uint64_t)nb, 0);
	uc = vcpu_run(vcpu);
	if (!expect_ucall(vcpu, &uc, UCALL_SYNC, T2_SUM, "t2-sum-equals-total"))
		goto out;
	/*
	 * The sum identity: sum over reasons + exits of reasons not enabled
	 * (none in a healthy VM) == total.
	 */
	check(uc.args[1] <= SUM_TRIES && uc.args[2] + uc.args[5] == uc.args[3] &&
	      uc.args[5] == 0 && uc.args[3] != 0, "t2-sum-equals-total",
	      "sum over %zu %s reasons %" PRIu64 " + not enabled %" PRIu64
	      " = total %" PRIu64 ", try %" PRIu64 " (window total moved to %"
	      PRIu64 ")", nb->len, nb->tag, uc.args[2], uc.args[5], uc.args[3],
	      uc.args[1], uc.args[4]);
	uc = host_quiet_window(vm, vcpu, vcpu_run(vcpu), T2_QUIET, "t2");
	expect_ucall(vcpu, &uc, UCALL_DONE, 0, "t2-done");
out:
	vm_destroy(vm);
}

/* ------------------------------------------------------------------ */
/* Test 3: undefined, unhandled and garbage-preloaded queries          */

struct query {
	uint32_t leaf, input;
	struct cpuid_regs out;
};

GUEST_CODE static void guest_batch(uint64_t count, uint64_t unused)
{
	volatile struct query *q = (volatile struct query *)GUEST_SHARED;

	(void)unused;
	for (uint64_t i = 0; i < count; i++) {
		struct cpuid_regs r = guest_cpuid(q[i].leaf, q[i].input);

		q[i].out.eax = r.eax;
		q[i].out.ebx = r.ebx;
		q[i].out.ecx = r.ecx;
		q[i].out.edx = r.edx;
	}
}

#define MAX_QUERIES ((int)(GUEST_SHARED_SIZE / sizeof(struct query)))

/* Runs the queries in the guest; false if the guest did not finish. */
static bool run_batch(struct vm *vm, struct query *q, int count,
		      const char *name)
{
	struct query *shared = vm_shared(vm);
	struct ucall uc;

	if (count > MAX_QUERIES)
		TEST_FATAL("%d queries, at most %d fit", count, MAX_QUERIES);
	memcpy(shared, q, count * sizeof(*q));
	vcpu_call(vm->vcpus[0], guest_batch, count, 0);
	uc = vcpu_run(vm->vcpus[0]);
	if (!expect_ucall(vm->vcpus[0], &uc, UCALL_DONE, 0, name))
		return false;
	memcpy(q, shared, count * sizeof(*q));
	return true;
}

static bool regs_eq(struct cpuid_regs r, uint32_t a, uint32_t b, uint32_t c,
		    uint32_t d)
{
	return r.eax == a && r.ebx == b && r.ecx == c && r.edx == d;
}

#define REGS_FMT "eax 0x%x ebx 0x%x ecx 0x%x edx 0x%x"
#define REGS(r) (r).eax, (r).ebx, (r).ecx, (r).edx

static const uint32_t per_reason_leaves[] = {
	LEAF_REASON, LEAF_RCYCLES, LEAF_REASON64,
};

/* What a per-reason leaf must answer, except the counts themselves. */
static bool reason_answer_ok(const struct debugfs_snapshot *handled,
			     const struct query *q, const char **why)
{
	bool defined = reason_defined(nb, q->input);

	if (!defined) {
		*why = "undefined: want eax=ebx=ecx=0 edx=0xffffffff";
		return regs_eq(q->out, 0, 0, 0, KVM_EXIT_STATS_UNDEFINED);
	}
	if (!debugfs_has_row(handled, q->input)) {
		*why = "defined, not handled: want all zero";
		return regs_eq(q->out, 0, 0, 0, 0);
	}
	*why = "handled: want unnamed registers zero";
	if (q->leaf == LEAF_REASON)
		return q->out.ebx == 0 && q->out.ecx == 0 && q->out.edx == 0;
	return q->out.eax == 0 && q->out.edx == 0;
}

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Checks a batch of per-reason queries, one result line for the lot. */
static void check_reason_batch(const struct debugfs_snapshot *handled,
			       struct query *q, int count, const char *name)
{
	int bad = 0, first = -1;
	const char *why = "", *first_why = "";

	for (int i = 0; i < count; i++) {
		if (!reason_answer_ok(handled, &q[i], &why)) {
			if (first < 0) {
				first = i;
				first_why = why;
			}
			bad++;
		}
	}
	if (first < 0)
		check(true, name, "%d queries", count);
	else
		check(false, name,
		      "%d of %d wrong; first: leaf 0x%x ecx 0x%x (%s): " REGS_FMT,
		      bad, count, q[first].leaf, q[first].input, first_why,
		      REGS(q[first].out));
}

static void test_undefined(uint64_t seed)
{
	struct vm *vm = vm_create(1);
	struct query *q = calloc(MAX_QUERIES, sizeof(*q));
	struct debugfs_snapshot *handled = malloc(sizeof(*handled));
	uint32_t scan_end = 0, first_above = 0;
	int n = 0;
	char name[64];

	if (!q || !handled)
		TEST_FATAL("out of memory");
	/* Rows of a fresh VM's debugfs file: the reasons KVM handles. */
	read_debugfs(vm, handled);
	check(handled->present, "t3-debugfs-lists-handled-reasons",
	      "%d rows in %s/exit_stats", handled->nr_rows,
	      vm_debugfs_dir(vm));

	/* Every number up to past the densely numbered part of the table. */
	for (size_t i = 0; i < nb->len; i++)
		if (nb->table[i].number < 0x80000000u &&
		    nb->table[i].number + 1 > scan_end)
			scan_end = nb->table[i].number + 1;
	first_above = scan_end;
	while (reason_defined(nb, first_above))
		first_above++;
	scan_end += 16;
	for (uint32_t r = 0; r < scan_end; r++)
		q[n++] = (struct query){ LEAF_REASON, r, { 0, 0, 0, 0 } };
	if (run_batch(vm, q, n, "t3-scan"))
		check_reason_batch(handled, q, n, "t3-scan-0-to-table-end");

	/* Named reserved numbers and the edges, on all three leaves. */
	uint32_t named[32];
	int nr_named = 0;

	const uint32_t edges[] = { first_above, 0x7fffffff, 0x80000000,
				   0xfffffffd };

	for (size_t i = 0; i < nb->nr_reserved; i++)
		named[nr_named++] = nb->reserved[i];
	for (size_t e = 0; e < sizeof(edges) / sizeof(edges[0]); e++) {
		bool listed = false;

		for (int i = 0; i < nr_named; i++)
			listed |= named[i] == edges[e];
		if (!listed)
			named[nr_named++] = edges[e];
	}
	for (int i = 0; i < nr_named; i++) {
		n = 0;
		for (int l = 0; l < 3; l++)
			q[n++] = (struct query){ per_reason_leaves[l], named[i],
						 { 0, 0, 0, 0 } };
		snprintf(name, sizeof(name), "t3-undefined-0x%x", named[i]);
		if (!run_batch(vm, q, n, name))
			continue;
		bool ok = true;
		int bad = 0;

		for (int l = 0; l < 3; l++)
			if (!regs_eq(q[l].out, 0, 0, 0, KVM_EXIT_STATS_UNDEFINED)) {
				ok = false;
				bad = l;
			}
		check(ok && !reason_defined(nb, named[i]), name,
		      "leaf 0x%x: " REGS_FMT " (want 0,0,0,0xffffffff)",
		      q[bad].leaf, REGS(q[bad].out));
	}

	/* 0xFFFFFFFF: VMEXIT_INVALID on SVM (defined, handled); VMX: none. */
	n = 0;
	for (int l = 0; l < 3; l++)
		q[n++] = (struct query){ per_reason_leaves[l], 0xffffffff,
					 { 0, 0, 0, 0 } };
	if (run_batch(vm, q, n, "t3-0xffffffff")) {
		bool svm = nb->id == KVM_EXIT_STATS_NUMBERING_SVM;
		bool ok = true;

		for (int l = 0; l < 3; l++)
			ok &= svm ? regs_eq(q[l].out, 0, 0, 0, 0)
				  : regs_eq(q[l].out, 0, 0, 0,
					    KVM_EXIT_STATS_UNDEFINED);
		check(ok && reason_defined(nb, 0xffffffff) == svm &&
		      (!svm || debugfs_has_row(handled, 0xffffffff)),
		      svm ? "t3-0xffffffff-svm-invalid-is-defined"
			  : "t3-0xffffffff-vmx-undefined",
		      "FD " REGS_FMT "; FC " REGS_FMT "; F8 " REGS_FMT,
		      REGS(q[0].out), REGS(q[1].out), REGS(q[2].out));
	}

	/* Defined reasons Debian's 6.1 KVM has no handler for. */
	n = 0;
	for (size_t i = 0; i < nb->nr_unhandled; i++)
		for (int l = 0; l < 3; l++)
			q[n++] = (struct query){ per_reason_leaves[l],
						 nb->unhandled[i],
						 { 0, 0, 0, 0 } };
	if (run_batch(vm, q, n, "t3-defined-unhandled")) {
		int bad = -1;
		bool listed = false;

		for (int i = 0; i < n; i++)
			if (!regs_eq(q[i].out, 0, 0, 0, 0) ||
			    !reason_defined(nb, q[i].input))
				bad = i;
		for (size_t i = 0; i < nb->nr_unhandled; i++)
			listed |= debugfs_has_row(handled, nb->unhandled[i]);
		if (bad < 0)
			check(!listed, "t3-defined-unhandled-all-zero",
			      "%zu reasons x 3 leaves%s", nb->nr_unhandled,
			      listed ? "; but debugfs lists one as handled" : "");
		else
			check(false, "t3-defined-unhandled-all-zero",
			      "leaf 0x%x ecx 0x%x (%s): " REGS_FMT,
			      q[bad].leaf, q[bad].input,
			      reason_name(nb, q[bad].input), REGS(q[bad].out));
	}

	/* 10,000 random 32-bit inputs; every tenth also on FC and F8. */
	uint64_t state = seed;

	note("t3 random seed %" PRIu64 " (rerun with --seed %" PRIu64 ")",
	     seed, seed);
	n = 0;
	for (int i = 0; i < 10000; i++) {
		uint32_t r = (uint32_t)xorshift64(&state);

		q[n++] = (struct query){ LEAF_REASON, r, { 0, 0, 0, 0 } };
		if (i % 10 == 0) {
			q[n++] = (struct query){ LEAF_RCYCLES, r, { 0, 0, 0, 0 } };
			q[n++] = (struct query){ LEAF_REASON64, r, { 0, 0, 0, 0 } };
		}
	}
	if (run_batch(vm, q, n, "t3-random"))
		check_reason_batch(handled, q, n, "t3-random-inputs");

	/* Leaves without input: garbage ECX in, unnamed registers out zero. */
	static const uint32_t garbage = 0xdeadbeef;
	n = 0;
	q[n++] = (struct query){ LEAF_TOTAL, garbage, { 0, 0, 0, 0 } };
	q[n++] = (struct query){ LEAF_TCYCLES, garbage, { 0, 0, 0, 0 } };
	q[n++] = (struct query){ LEAF_SIG, garbage, { 0, 0, 0, 0 } };
	q[n++] = (struct query){ LEAF_INFO, garbage, { 0, 0, 0, 0 } };
	q[n++] = (struct query){ LEAF_TOTAL64, garbage, { 0, 0, 0, 0 } };
	q[n++] = (struct query){ LEAF_REASON, nb->io, { 0, 0, 0, 0 } };
	q[n++] = (struct query){ LEAF_RCYCLES, nb->io, { 0, 0, 0, 0 } };
	q[n++] = (struct query){ LEAF_REASON64, nb->io, { 0, 0, 0, 0 } };
	if (run_batch(vm, q, n, "t3-valid")) {
		check(q[0].out.eax != 0 && q[0].out.ebx == 0 &&
		      q[0].out.ecx == 0 && q[0].out.edx == 0,
		      "t3-total-leaf-zeroes-others", REGS_FMT, REGS(q[0].out));
		check(q[1].out.eax == 0 && q[1].out.edx == 0 &&
		      (q[1].out.ebx | q[1].out.ecx) != 0,
		      "t3-total-cycles-leaf-zeroes-others", REGS_FMT,
		      REGS(q[1].out));
		check(regs_eq(q[2].out, KVM_EXIT_STATS_VERSION,
			      KVM_EXIT_STATS_SIG_EBX, KVM_EXIT_STATS_SIG_ECX,
			      KVM_EXIT_STATS_SIG_EDX), "t3-signature",
		      REGS_FMT, REGS(q[2].out));
		check(q[3].out.eax == nb->id && q[3].out.ebx != 0 &&
		      q[3].out.ecx == 1 && q[3].out.edx != 0, "t3-info",
		      "numbering %u (want %u %s), tsc_khz %u, vcpus %u, epoch 0x%x",
		      q[3].out.eax, nb->id, nb->tag, q[3].out.ebx,
		      q[3].out.ecx, q[3].out.edx);
		check(q[4].out.eax == 0 && q[4].out.edx == 0 &&
		      q[4].out.ecx > q[0].out.eax, "t3-total64-leaf",
		      REGS_FMT " (32-bit total before: %u)", REGS(q[4].out),
		      q[0].out.eax);
		check(q[5].out.eax != 0 && q[5].out.ebx == 0 &&
		      q[5].out.ecx == 0 && q[5].out.edx == 0,
		      "t3-reason-leaf-zeroes-others", REGS_FMT, REGS(q[5].out));
		check(q[6].out.eax == 0 && q[6].out.edx == 0 &&
		      (q[6].out.ebx | q[6].out.ecx) != 0,
		      "t3-reason-cycles-leaf-zeroes-others", REGS_FMT,
		      REGS(q[6].out));
		check(q[7].out.eax == 0 && q[7].out.edx == 0 &&
		      q[7].out.ecx == q[5].out.eax, "t3-reason64-leaf",
		      REGS_FMT " (32-bit leaf said %u)", REGS(q[7].out),
		      q[5].out.eax);
	}
	free(handled);
	free(q);
	vm_destroy(vm);
}

/* ------------------------------------------------------------------ */
/* Test 4: two VMs                                                     */

enum { T4_BEFORE = 1, T4_AFTER, T4_CONCURRENT, T4_A = 1 };
#define T4_N_A 1000
#define T4_N_B 300

GUEST_CODE static void guest_t4_a(uint64_t numbering, uint64_t unused)
{
	const struct numbering *n = (const void *)numbering;
	uint32_t a, b;

	(void)unused;
	a = g_count(n->io);
	for (int i = 0; i < T4_N_A; i++)
		guest_outb(KERNEL_PORT, 0);
	b = g_count(n->io);
	GUEST_SYNC(T4_A, a, b);
}

GUEST_CODE static void guest_t4_b(uint64_t numbering, uint64_t unused)
{
	const struct numbering *n = (const void *)numbering;
	uint32_t a, b;

	(void)unused;
	a = g_count(n->io);
	GUEST_SYNC(T4_BEFORE, a);
	b = g_count(n->io);
	GUEST_SYNC(T4_AFTER, b);
	a = g_count(n->io);
	for (int i = 0; i < T4_N_B; i++)
		guest_cpuid(0, 0);
	b = g_count(n->io);
	GUEST_SYNC(T4_CONCURRENT, a, b);
}

static void *run_vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct ucall *uc = malloc(sizeof(*uc));

	if (!uc)
		TEST_FATAL("out of memory");
	*uc = vcpu_run(vcpu);
	return uc;
}

static void check_vm_a(struct ucall *uc, const char *name)
{
	if (uc->cmd == UCALL_SYNC && uc->args[0] == T4_A)
		check(uc->args[2] - uc->args[1] == T4_N_A, name,
		      "VM A port I/O delta %" PRIu64 " expected %d",
		      uc->args[2] - uc->args[1], T4_N_A);
	else
		check(false, name, "VM A: %s", ucall_describe(uc));
}

static void test_two_vms(void)
{
	struct vm *a = vm_create(1), *b = vm_create(1);
	int efd = vm_add_kernel_port(a);
	struct debugfs_snapshot *s1 = malloc(sizeof(*s1)), *s2 = malloc(sizeof(*s2));
	struct ucall uc, *ucp;
	uint64_t stat1, stat2, b_before;
	pthread_t ta, tb;

	if (!s1 || !s2)
		TEST_FATAL("out of memory");
	vcpu_call(b->vcpus[0], guest_t4_b, (uint64_t)nb, 0);
	uc = vcpu_run(b->vcpus[0]);
	if (!expect_ucall(b->vcpus[0], &uc, UCALL_SYNC, T4_BEFORE, "t4-vm-b"))
		goto out;
	b_before = uc.args[1];
	read_debugfs(b, s1);
	stat1 = vm_stat_exits(b);

	/* B is stopped in its ucall while A does its exits. */
	vcpu_call(a->vcpus[0], guest_t4_a, (uint64_t)nb, 0);
	uc = vcpu_run(a->vcpus[0]);
	check_vm_a(&uc, "t4-vm-a-counts-its-own");
	read_debugfs(b, s2);
	stat2 = vm_stat_exits(b);
	check(stat1 == stat2 && s1->present && strcmp(s1->text, s2->text) == 0,
	      "t4-vm-b-stats-untouched",
	      "B's binary stat %" PRIu64 " -> %" PRIu64 ", B's debugfs file %s",
	      stat1, stat2, !s1->present ? "missing" :
	      strcmp(s1->text, s2->text) ? "changed" : "identical");

	uc = vcpu_run(b->vcpus[0]);
	if (!expect_ucall(b->vcpus[0], &uc, UCALL_SYNC, T4_AFTER, "t4-vm-b"))
		goto out;
	check(uc.args[1] - b_before == 1, "t4-vm-b-sees-only-its-own",
	      "B's port I/O count %" PRIu64 " -> %" PRIu64
	      " (expected +1: B's own ucall; A did %d)",
	      b_before, uc.args[1], T4_N_A);

	/* Both at once, each on its own thread. */
	vcpu_call(a->vcpus[0], guest_t4_a, (uint64_t)nb, 0);
	if (pthread_create(&ta, NULL, run_vcpu_thread, a->vcpus[0]) ||
	    pthread_create(&tb, NULL, run_vcpu_thread, b->vcpus[0]))
		TEST_FATAL("pthread_create");
	pthread_join(ta, (void **)&ucp);
	check_vm_a(ucp, "t4-concurrent-vm-a");
	free(ucp);
	pthread_join(tb, (void **)&ucp);
	if (expect_ucall(b->vcpus[0], ucp, UCALL_SYNC, T4_CONCURRENT,
			 "t4-concurrent-vm-b"))
		check(ucp->args[2] == ucp->args[1], "t4-concurrent-vm-b",
		      "B's port I/O count %" PRIu64 " -> %" PRIu64
		      " while A ran %d port exits concurrently",
		      ucp->args[1], ucp->args[2], T4_N_A);
	free(ucp);
out:
	free(s1);
	free(s2);
	close(efd);
	vm_destroy(b);
	vm_destroy(a);
}

/* ------------------------------------------------------------------ */
/* Test 5: four vCPUs                                                  */

enum { T5_START = 1, T5_END, T5_QUIET };
#define T5_VCPUS 4
static const int t5_exits[T5_VCPUS] = { 50, 100, 200, 300 };

GUEST_CODE static void guest_t5_worker(uint64_t count, uint64_t unused)
{
	(void)unused;
	for (uint64_t i = 0; i < count; i++)
		guest_outb(KERNEL_PORT, 0);
}

GUEST_CODE static void guest_t5_main(uint64_t numbering, uint64_t count)
{
	const struct numbering *n = (const void *)numbering;
	uint32_t a, b;
	struct cpuid_regs info;

	a = g_count(n->io);
	GUEST_SYNC(T5_START, a);	/* the host runs the others now */
	for (uint64_t i = 0; i < count; i++)
		guest_outb(KERNEL_PORT, 0);
	b = g_count(n->io);
	info = guest_cpuid(LEAF_INFO, 0);
	GUEST_SYNC(T5_END, a, b, info.ecx);
	g_quiet_window(T5_QUIET);
}

static void test_four_vcpus(void)
{
	struct vm *vm = vm_create(T5_VCPUS);
	int efd = vm_add_kernel_port(vm);
	pthread_t threads[T5_VCPUS];
	struct ucall uc, *ucp;
	int64_t expected = 0;
	uint64_t signals = 0;
	bool workers_ok = true;

	vcpu_call(vm->vcpus[0], guest_t5_main, (uint64_t)nb, t5_exits[0]);
	uc = vcpu_run(vm->vcpus[0]);
	if (!expect_ucall(vm->vcpus[0], &uc, UCALL_SYNC, T5_START, "t5"))
		goto out;
	for (int i = 1; i < T5_VCPUS; i++) {
		vcpu_call(vm->vcpus[i], guest_t5_worker, t5_exits[i], 0);
		if (pthread_create(&threads[i], NULL, run_vcpu_thread,
				   vm->vcpus[i]))
			TEST_FATAL("pthread_create");
	}
	for (int i = 1; i < T5_VCPUS; i++) {
		pthread_join(threads[i], (void **)&ucp);
		workers_ok &= expect_ucall(vm->vcpus[i], ucp, UCALL_DONE, 0,
					   "t5-worker");
		free(ucp);
	}
	/* Each vCPU's exits, its DONE ucall each, vCPU 0's START ucall. */
	for (int i = 0; i < T5_VCPUS; i++)
		expected += t5_exits[i];
	expected += (T5_VCPUS - 1) + 1;

	uc = vcpu_run(vm->vcpus[0]);
	if (!workers_ok ||
	    !expect_ucall(vm->vcpus[0], &uc, UCALL_SYNC, T5_END, "t5"))
		goto out;
	check((int64_t)(uc.args[2] - uc.args[1]) == expected,
	      "t5-total-is-sum",
	      "port I/O seen by vCPU 0: %" PRIu64 " -> %" PRIu64
	      ", delta %" PRId64 " expected %" PRId64
	      " (%d+%d+%d+%d exits, 4 ucalls)",
	      uc.args[1], uc.args[2], (int64_t)(uc.args[2] - uc.args[1]),
	      expected, t5_exits[0], t5_exits[1], t5_exits[2], t5_exits[3]);
	check(uc.args[3] == T5_VCPUS, "t5-info-vcpus",
	      "0x4FFFFFFA ECX %" PRIu64 " expected %d", uc.args[3], T5_VCPUS);
	if (read(efd, &signals, sizeof(signals)) != sizeof(signals))
		signals = 0;
	check(signals == (uint64_t)(t5_exits[0] + t5_exits[1] + t5_exits[2] +
				    t5_exits[3]), "t5-ioeventfd-count",
	      "%" PRIu64 " port writes completed in KVM", signals);
	uc = host_quiet_window(vm, vm->vcpus[0], vcpu_run(vm->vcpus[0]),
			       T5_QUIET, "t5");
	expect_ucall(vm->vcpus[0], &uc, UCALL_DONE, 0, "t5-done");
	note("t5 per-vCPU binary stat exits: %" PRIu64 " %" PRIu64 " %" PRIu64
	     " %" PRIu64, vcpu_stat_exits(vm->vcpus[0]),
	     vcpu_stat_exits(vm->vcpus[1]), vcpu_stat_exits(vm->vcpus[2]),
	     vcpu_stat_exits(vm->vcpus[3]));
out:
	close(efd);
	vm_destroy(vm);
}

/* ------------------------------------------------------------------ */
/* Test 6: cycles                                                      */

enum { T6_IO = 1, T6_CPUID, T6_MSR, T6_HYPERCALL, T6_TOTAL };
#define T6_N 200

GUEST_CODE static void t6_exits(int kind, int count)
{
	for (int i = 0; i < count; i++) {
		switch (kind) {
		case T6_IO:
			guest_outb(KERNEL_PORT, 0);
			break;
		case T6_CPUID:
			guest_cpuid(0, 0);
			break;
		case T6_MSR:
			guest_rdmsr(MSR_IA32_APICBASE);
			break;
		case T6_HYPERCALL:
			guest_hypercall(UNKNOWN_HYPERCALL);
			break;
		}
	}
}

GUEST_CODE static void guest_t6(uint64_t numbering, uint64_t unused)
{
	const struct numbering *n = (const void *)numbering;
	const uint32_t reason[] = { 0, n->io, n->cpuid, n->msr_read,
				    n->hypercall };
	uint64_t c1, c2;

	(void)unused;
	for (int kind = T6_IO; kind <= T6_HYPERCALL; kind++) {
		t6_exits(kind, T6_N);
		c1 = g_cycles(reason[kind]);
		t6_exits(kind, T6_N);
		c2 = g_cycles(reason[kind]);
		GUEST_SYNC(kind, c1, c2);
	}
	struct cpuid_regs r = guest_cpuid(LEAF_TCYCLES, 0);

	c1 = (uint64_t)r.ebx << 32 | r.ecx;
	t6_exits(T6_CPUID, T6_N);
	r = guest_cpuid(LEAF_TCYCLES, 0);
	c2 = (uint64_t)r.ebx << 32 | r.ecx;
	GUEST_SYNC(T6_TOTAL, c1, c2);
}

static void test_cycles(void)
{
	static const char *const names[] = {
		NULL, "t6-cycles-io", "t6-cycles-cpuid", "t6-cycles-msr",
		"t6-cycles-hypercall", "t6-cycles-total",
	};
	struct vm *vm = vm_create(1);
	struct vcpu *vcpu = vm->vcpus[0];
	int efd = vm_add_kernel_port(vm);
	struct debugfs_snapshot *s = malloc(sizeof(*s));
	struct ucall uc;

	if (!s)
		TEST_FATAL("out of memory");
	vcpu_call(vcpu, guest_t6, (uint64_t)nb, 0);
	uc = vcpu_run(vcpu);
	for (int kind = T6_IO; kind <= T6_TOTAL; kind++) {
		if (!expect_ucall(vcpu, &uc, UCALL_SYNC, kind, names[kind]))
			goto out;
		check(uc.args[1] > 0 && uc.args[2] > uc.args[1], names[kind],
		      "cycles after %d exits %" PRIu64 ", after %d more %" PRIu64,
		      T6_N, uc.args[1], T6_N, uc.args[2]);
		uc = vcpu_run(vcpu);
	}
	if (!expect_ucall(vcpu, &uc, UCALL_DONE, 0, "t6-done"))
		goto out;
	/* The vCPU is stopped: every counted exit has been handled. */
	read_debugfs(vm, s);
	int bad = -1, with_exits = 0;

	for (int i = 0; i < s->nr_rows; i++) {
		if (s->rows[i].count == 0)
			continue;
		with_exits++;
		if (s->rows[i].cycles == 0)
			bad = i;
	}
	if (!s->present)
		check(false, "t6-debugfs-cycles-nonzero", "no debugfs file");
	else if (bad >= 0)
		check(false, "t6-debugfs-cycles-nonzero",
		      "reason 0x%x %s: %" PRIu64 " exits, 0 cycles",
		      s->rows[bad].reason, reason_name(nb, s->rows[bad].reason),
		      s->rows[bad].count);
	else
		check(with_exits > 0, "t6-debugfs-cycles-nonzero",
		      "%d reasons with exits, all with cycles; TOTAL %" PRIu64
		      " exits %" PRIu64 " cycles", with_exits, s->total_count,
		      s->total_cycles);
out:
	free(s);
	close(efd);
	vm_destroy(vm);
}

/* ------------------------------------------------------------------ */
/* Test 7: stock answers (param off; neighbour leaves always)           */

static void check_stock_answers(struct vm *vm, const uint32_t *leaves,
				int nr_leaves, const char *prefix)
{
	static const uint32_t inputs[] = {
		0, 1, 10, 0x1e, 0x72, 0x7b, 0x400, 0x7fffffff, 0xfffffffe,
		0xffffffff, 0xdeadbeef,
	};
	const int nr_inputs = sizeof(inputs) / sizeof(inputs[0]);
	struct query q[32 * 16];
	int n = 0;
	char name[96];

	for (int l = 0; l < nr_leaves; l++)
		for (int i = 0; i < nr_inputs; i++)
			q[n++] = (struct query){ leaves[l], inputs[i],
						 { 0, 0, 0, 0 } };
	if (!run_batch(vm, q, n, prefix))
		return;
	for (int l = 0; l < nr_leaves; l++) {
		int bad = -1;
		struct cpuid_regs want = { 0, 0, 0, 0 };

		for (int i = 0; i < nr_inputs; i++) {
			const struct query *x = &q[l * nr_inputs + i];
			struct cpuid_regs w = vm_stock_cpuid_answer(vm, x->leaf,
								    x->input);

			if (!regs_eq(x->out, w.eax, w.ebx, w.ecx, w.edx)) {
				bad = l * nr_inputs + i;
				want = w;
			}
		}
		snprintf(name, sizeof(name), "%s-0x%x", prefix, leaves[l]);
		if (bad < 0)
			check(true, name,
			      "%d inputs answered as stock KVM would; ecx 0: " REGS_FMT,
			      nr_inputs, REGS(q[l * nr_inputs].out));
		else
			check(false, name,
			      "ecx 0x%x: got " REGS_FMT ", stock KVM answers " REGS_FMT,
			      q[bad].input, REGS(q[bad].out), REGS(want));
	}
}

/* Leaves answer as stock KVM; no debugfs file.  prefix names the checks. */
static void test_param_off(const char *prefix)
{
	static const uint32_t leaves[] = {
		0x4ffffff5, 0x4ffffff6, 0x4ffffff7, 0x4ffffff8, 0x4ffffff9,
		0x4ffffffa, 0x4ffffffb, 0x4ffffffc, 0x4ffffffd, 0x4ffffffe,
		0x4fffffff,
	};
	struct vm *vm = vm_create(1), *other;
	char path[128], name[96];
	struct stat st;
	FILE *f;
	char param[8] = "";

	snprintf(name, sizeof(name), "%s-stock-answer", prefix);
	check_stock_answers(vm, leaves, NR_LEAVES(leaves), name);
	/* The other vendor's rules: AMD answers zeros, Intel the max basic
	 * leaf; checking both makes the comparison mean something. */
	other = vm_create_vendor(1, vm->amd ? "GenuineIntel" : "AuthenticAMD");
	snprintf(name, sizeof(name), "%s-stock-answer-%s-vendor", prefix,
		 vm->amd ? "intel" : "amd");
	check_stock_answers(other, leaves, NR_LEAVES(leaves), name);
	vm_destroy(other);
	snprintf(name, sizeof(name), "%s-capability-absent", prefix);
	{
		int avail = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_EXIT_STATS);

		check(avail == 0, name, "KVM_CHECK_EXTENSION(%#x) = %d", KVM_CAP_X86_EXIT_STATS,
		      avail);
	}
	snprintf(name, sizeof(name), "%s-capability-absent", prefix);
	{
		int avail = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_EXIT_STATS);

		check(avail == 0, name, "KVM_CHECK_EXTENSION(%#x) = %d", KVM_CAP_X86_EXIT_STATS,
		      avail);
	}
	snprintf(path, sizeof(path), "%s/exit_stats", vm_debugfs_dir(vm));
	snprintf(name, sizeof(name), "%s-no-debugfs-file", prefix);
	check(stat(vm_debugfs_dir(vm), &st) == 0 && stat(path, &st) != 0,
	      name, "%s: %s", path,
	      stat(vm_debugfs_dir(vm), &st) != 0 ? "VM directory missing" :
	      stat(path, &st) == 0 ? "exists" : "absent");
	f = fopen("/sys/module/kvm/parameters/exit_stats", "r");
	if (f) {
		if (!fgets(param, sizeof(param), f))
			param[0] = 0;
		fclose(f);
		param[strcspn(param, "\n")] = 0;
	}
	note("kvm.exit_stats parameter: %s", f ? param : "absent (stock KVM?)");
	vm_destroy(vm);
}

static void test_neighbours(void)
{
	static const uint32_t leaves[] = {
		0x4ffffff4, 0x50000000, 0x4fffff00, 0x40000000,
	};
	struct vm *vm = vm_create(1), *other;

	check_stock_answers(vm, leaves, 4, "t7-neighbour-leaf-stock");
	other = vm_create_vendor(1, vm->amd ? "GenuineIntel" : "AuthenticAMD");
	check_stock_answers(other, leaves, 4, vm->amd ?
			    "t7-neighbour-leaf-stock-intel-vendor" :
			    "t7-neighbour-leaf-stock-amd-vendor");
	vm_destroy(other);
	vm_destroy(vm);
}

/* ------------------------------------------------------------------ */
/* Test 9: the VMM's CPUID table wins; the answers are traced          */

/* Values a VMM put in its CPUID table for two of the leaves. */
static const struct kvm_cpuid_entry2 t9_vmm_entries[] = {
	{ .function = 0x4fffffff, .eax = 0x7e57a001, .ebx = 0x7e57b002,
	  .ecx = 0x7e57c003, .edx = 0x7e57d004 },
	{ .function = 0x4ffffffb, .eax = 0x7e57a005, .ebx = 0x7e57b006,
	  .ecx = 0x7e57c007, .edx = 0x7e57d008 },
};

GUEST_CODE static void guest_t9(uint64_t cpuid_reason, uint64_t unused)
{
	struct cpuid_regs r;

	(void)unused;
	r = guest_cpuid(0x4fffffff, 0);
	GUEST_SYNC(0x4fffffff, r.eax, r.ebx, r.ecx, r.edx);
	r = guest_cpuid(0x4ffffffb, 0);
	GUEST_SYNC(0x4ffffffb, r.eax, r.ebx, r.ecx, r.edx);
	/* No entry for this one: the statistics answer. */
	r = guest_cpuid(0x4ffffffd, (uint32_t)cpuid_reason);
	GUEST_SYNC(0x4ffffffd, r.eax, r.ebx, r.ecx, r.edx);
}

#define T9_TRACING "/sys/kernel/tracing"

static bool t9_write(const char *file, const char *text)
{
	char path[128];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), T9_TRACING "/%s", file);
	f = fopen(path, "w");
	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* Lines of the trace buffer that contain @needle. */
static int t9_trace_lines(const char *needle)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(T9_TRACING "/trace", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void test_vmm_cpuid(void)
{
	const struct vm_opts opts = { .extra = t9_vmm_entries, .nr_extra = 2,
				      .exit_stats_cap = -1 };
	struct vm *vm = vm_create_opts(1, &opts);
	struct vcpu *vcpu = vm->vcpus[0];
	bool traced = t9_write("events/kvm/kvm_cpuid/enable", "1") &&
		      t9_write("trace", "");
	struct ucall uc;

	vcpu_call(vcpu, guest_t9, nb->cpuid, 0);
	for (int i = 0; i < 2; i++) {
		const struct kvm_cpuid_entry2 *e = &t9_vmm_entries[i];
		char name[64];

		snprintf(name, sizeof(name), "t9-vmm-entry-%x-wins", e->function);
		uc = vcpu_run(vcpu);
		if (!expect_ucall(vcpu, &uc, UCALL_SYNC, e->function, name))
			goto out;
		check(uc.args[1] == e->eax && uc.args[2] == e->ebx && uc.args[3] == e->ecx &&
		      uc.args[4] == e->edx, name,
		      "guest read %08" PRIx64 " %08" PRIx64 " %08" PRIx64 " %08" PRIx64
		      ", the VMM set %08x %08x %08x %08x", uc.args[1], uc.args[2],
		      uc.args[3], uc.args[4], e->eax, e->ebx, e->ecx, e->edx);
	}
	uc = vcpu_run(vcpu);
	if (!expect_ucall(vcpu, &uc, UCALL_SYNC, 0x4ffffffd, "t9-other-leaves-still-answer"))
		goto out;
	/* At least the three CPUID exits of this guest, and no error flag. */
	check(uc.args[1] >= 3 && uc.args[4] == 0, "t9-other-leaves-still-answer",
	      "0x4FFFFFFD for CPUID (%#x): eax %" PRIu64 " (want >= 3), edx %#" PRIx64,
	      nb->cpuid, uc.args[1], uc.args[4]);
	uc = vcpu_run(vcpu);
	expect_ucall(vcpu, &uc, UCALL_DONE, 0, "t9-done");
	if (!traced) {
		check(false, "t9-statistics-answer-traced",
		      "cannot enable the kvm:kvm_cpuid event under " T9_TRACING);
	} else {
		int ours = t9_trace_lines("func 4ffffffd"), vmm = t9_trace_lines("func 4fffffff");

		check(ours == 1 && vmm == 1, "t9-statistics-answer-traced",
		      "kvm_cpuid trace lines: %d for 0x4ffffffd (the statistics' answer), "
		      "%d for 0x4fffffff (the VMM's entry); want 1 and 1", ours, vmm);
	}
out:
	t9_write("events/kvm/kvm_cpuid/enable", "0");
	vm_destroy(vm);
}

/* ------------------------------------------------------------------ */
/* Test 10: the per-VM capability                                       */

static void test_capability(void)
{
	static const uint32_t leaves[] = {
		0x4ffffff5, 0x4ffffff6, 0x4ffffff7, 0x4ffffff8, 0x4ffffff9,
		0x4ffffffa, 0x4ffffffb, 0x4ffffffc, 0x4ffffffd, 0x4ffffffe,
		0x4fffffff,
	};
	const struct vm_opts off_opts = { .exit_stats_cap = 0 };
	const struct vm_opts on_opts = { .exit_stats_cap = 1 };
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_EXIT_STATS };
	struct vm *on = vm_create(1), *off;
	int available = ioctl(on->fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_EXIT_STATS);
	int r, err;
	struct ucall uc;

	/* Without it (stock KVM), enabling it would fail every VM below. */
	if (!check(available == 1, "t10-capability-available",
		   "KVM_CHECK_EXTENSION(%#x) = %d", KVM_CAP_X86_EXIT_STATS, available)) {
		vm_destroy(on);
		return;
	}
	vm_destroy(on);
	on = vm_create_opts(1, &on_opts);
	cap.args[0] = 0;
	r = ioctl(on->fd, KVM_ENABLE_CAP, &cap);
	err = errno;
	check(r < 0 && err == EINVAL, "t10-refused-once-vcpus-exist",
	      "KVM_ENABLE_CAP after KVM_CREATE_VCPU: %d (%s)", r, r < 0 ? strerror(err) : "ok");

	/* Off for one VM: stock answers, the VMM's table decides. */
	off = vm_create_opts(1, &off_opts);
	check_stock_answers(off, leaves, NR_LEAVES(leaves), "t10-off-stock-answer");
	vm_destroy(off);

	/* The VM that asked for the leaves has them: the signature. */
	vcpu_call(on->vcpus[0], guest_t9, nb->cpuid, 0);
	uc = vcpu_run(on->vcpus[0]);
	uc = vcpu_run(on->vcpus[0]);
	if (expect_ucall(on->vcpus[0], &uc, UCALL_SYNC, 0x4ffffffb, "t10-on-signature"))
		check(uc.args[2] == KVM_EXIT_STATS_SIG_EBX && uc.args[3] == KVM_EXIT_STATS_SIG_ECX &&
		      uc.args[4] == KVM_EXIT_STATS_SIG_EDX, "t10-on-signature",
		      "0x4FFFFFFB: %08" PRIx64 " %08" PRIx64 " %08" PRIx64, uc.args[2],
		      uc.args[3], uc.args[4]);
	vm_destroy(on);
}

/* ------------------------------------------------------------------ */

/* Checks that must fail against Debian's stock modules. */
static const char *const stock_must_fail[] = {
	"t1-pio-user-out", "t1-pio-kernel-out", "t1-cpuid", "t1-msr-read",
	"t1-msr-write", "t1-hypercall", "t1-mmio", "t1-hlt",
	"t2-sum-equals-total", "t2-total-equals-stat",
	"t2-debugfs-total-equals-stat", "t3-debugfs-lists-handled-reasons",
	"t3-scan-0-to-table-end", "t3-random-inputs", "t3-signature",
	"t3-info", "t4-vm-b-sees-only-its-own", "t5-total-is-sum",
	"t5-info-vcpus", "t6-cycles-io", "t6-cycles-total",
	"t9-other-leaves-still-answer", "t10-capability-available",
	"t11-l1-sees-signature",
	"t12-guest-time", "t12-user-time", "t12-uffd", "t12-epoch",
};

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--expect-param-off | --expect-stock] [--only t1..t12] [--seed N] [--tag PREFIX]\n"
		"  (no flag)           the suite, KVM loaded with kvm.exit_stats=1\n"
		"  --expect-param-off  KVM loaded with kvm.exit_stats=0: leaves answer as stock\n"
		"  --expect-stock      Debian's stock modules: passes if the named checks fail\n"
		"  --tag PREFIX        prefix every check name (e.g. san- for the sanitizer build)\n"
		"Run as root inside the lab's L1 (needs /dev/kvm and debugfs).\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	enum { SUITE, PARAM_OFF, STOCK } mode = SUITE;
	const char *only = NULL;
	uint64_t seed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--expect-param-off") == 0)
			mode = PARAM_OFF;
		else if (strcmp(argv[i], "--expect-stock") == 0)
			mode = STOCK;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc)
			report_set_name_prefix(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else
			usage(argv[0]);
	}
	if (only && (strcmp(only, "t10") != 0 && strcmp(only, "t11") != 0 &&
		     strcmp(only, "t12") != 0 &&
		     (strlen(only) != 2 || only[0] != 't' || only[1] < '1' || only[1] > '9'))) {
		fprintf(stderr, "--only takes t1 to t12 (got '%s')\n", only);
		usage(argv[0]);
	}
	if (!seed)
		seed = (uint64_t)time(NULL) * 2654435761u | 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct vm *probe = vm_create(1);

	nb = numbering_for(probe->amd);
	vm_destroy(probe);
	note("vendor %s: expecting %s numbering (%zu defined reasons)",
	     nb->id == KVM_EXIT_STATS_NUMBERING_SVM ? "AMD" : "Intel",
	     nb->tag, nb->len);

	if (mode == PARAM_OFF) {
		test_param_off("t7-param-off");
		test_neighbours();
		return report_failures() ? 1 : 0;
	}
	if (mode == STOCK)
		report_set_prefix("# stock: ");

	/* The numbers written here agree with the ABI header's names. */
	bool names_ok = true;
	const uint32_t used[] = { nb->io, nb->cpuid, nb->msr_read,
				  nb->msr_write, nb->hypercall, nb->hlt,
				  nb->mmio[0], nb->mmio[1] };

	for (size_t i = 0; i < 6 + nb->nr_mmio; i++)
		names_ok &= strcmp(reason_name(nb, used[i]), nb->names[i]) == 0;
	check(names_ok, "t0-reason-numbers-match-abi-header", "%s", nb->tag);

#define RUN(tag, call) do { if (!only || strcmp(only, tag) == 0) { call; } } while (0)
	RUN("t1", test_deltas());
	RUN("t2", test_sum_total());
	RUN("t3", test_undefined(seed));
	RUN("t4", test_two_vms());
	RUN("t5", test_four_vcpus());
	RUN("t6", test_cycles());
	RUN("t7", test_neighbours());
	RUN("t9", test_vmm_cpuid());
	RUN("t10", test_capability());
	RUN("t11", test_nested());
	RUN("t12", test_clock(nb));

	if (mode != STOCK)
		return report_failures() ? 1 : 0;

	/* Stock modules: the leaves are not there, so these must fail. */
	char failed[2048] = "", passed[2048] = "", only_prefix[8] = "";

	report_set_prefix("");
	if (only)
		snprintf(only_prefix, sizeof(only_prefix), "%s-", only);
	for (size_t i = 0; i < sizeof(stock_must_fail) / sizeof(stock_must_fail[0]); i++) {
		int r = report_result(stock_must_fail[i]);
		char *list = r == 0 ? failed : passed;

		if (only && strncmp(stock_must_fail[i], only_prefix, strlen(only_prefix)) != 0)
			continue;
		snprintf(list + strlen(list), 2048 - strlen(list), "%s%s%s",
			 list[0] ? " " : "", stock_must_fail[i],
			 r < 0 ? "(did not run)" : "");
	}
	bool as_expected = check(passed[0] == 0 && failed[0] != 0,
		"stock-modules-fail-as-expected",
		passed[0] ? "passed or did not run on stock: %s" :
		"failed as expected: %s", passed[0] ? passed : failed);

	/* Stock KVM is what exit_stats=0 must equal: check the model of it
	 * the param-off test uses against the real thing. */
	int before = report_failures();

	test_param_off("t8-stock");
	return as_expected && report_failures() == before ? 0 : 1;
}
