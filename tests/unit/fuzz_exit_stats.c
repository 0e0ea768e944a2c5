// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: arbitrary sequences of what KVM does to the statistics
 * (VM-exits of any 32-bit reason, the end of their handling before the next
 * entry or on the way to user space, the vCPU thread scheduled out and back
 * in, perhaps on a CPU whose TSC is behind, entering and leaving a nested
 * guest), time passing, CPUID leaves with any EAX/ECX and debugfs reads, on
 * a VM of 1-4 vCPUs of either numbering.  Every answer is checked against a
 * model kept here from the expected reason sets of unit_test.c (a counter per
 * handled reason in table order, then "other" for every other exit); so are
 * the vCPUs' binary stats, read at the offsets kvm_exit_stats_describe_stat()
 * gives.  A mismatch aborts, ASan/UBSan catch stray accesses.
 *
 * The sequences are those KVM can produce, since the kernel code relies on
 * that (it does not check): every VM-exit follows the end before an entry;
 * nothing happens on a vCPU whose thread is scheduled out, so an operation
 * on it loads it first; and the TSC never goes back on a CPU: a vCPU reads
 * now + the skew of the CPU its thread runs on, which changes only between
 * a put and a load.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_test.h"

/* The version 2 leaves, written down here: 0x4FFFFFF5-0x4FFFFFFF. */
#define LEAF_FIRST	0x4FFFFFF5u
#define LEAF_LAST	0x4FFFFFFFu

struct input {
	const u8 *p;
	size_t left;
};

static u32 take(struct input *in, int bytes)
{
	u32 v = 0;

	for (int i = 0; i < bytes && in->left; i++, in->left--)
		v |= (u32)*in->p++ << (8 * i);
	return v;
}

/* Mostly reasons near the tables, sometimes any 32-bit value. */
static u32 take_reason(struct input *in, u32 numbering)
{
	u32 how = take(in, 1);

	if (how < 0x80)
		return expect_defined_reason(numbering, (int)(take(in, 1) % (u32)expect_nr_defined(numbering)));
	if (how < 0xc0)
		return take(in, 2);
	if (how < 0xd0)
		return 0xffffffff - take(in, 1);
	return take(in, 4);
}

struct model_vcpu {
	/* [0] exits taken in L1, [1] in L2; blocked is per counter only. */
	u64 count[2][KVM_EXIT_STATS_MAX_COUNTERS];
	u64 cycles[2][KVM_EXIT_STATS_MAX_COUNTERS];
	u64 blocked[KVM_EXIT_STATS_MAX_COUNTERS];
	int pending;		/* model counter of the exit being handled, or -1 */
	int pending_bank;	/* the bank it began in */
	u64 clock;		/* TSC its clock (re)started at; stopped at if out */
	bool out;		/* thread scheduled out: put, not loaded yet */
	bool nested;		/* in guest mode (L2) */
	int64_t skew;		/* TSC of the thread's CPU minus now */
};

static struct model_vcpu model[KVM_MAX_VCPUS];
static u64 now;			/* time, as a TSC of skew 0 */
static u32 model_epoch;
/* Counters: the handled reasons', then "other" (number nr_counters - 1). */
static int nr_counters;
/* Per handled reason's counter: the reason, computed once per input. */
static u32 counter_reason[KVM_EXIT_STATS_MAX_COUNTERS];

static void model_init_counters(u32 numbering)
{
	nr_counters = expect_nr_counters(numbering);
	if (nr_counters > KVM_EXIT_STATS_MAX_COUNTERS)
		abort();	/* test_tables reports it */
	for (int c = 0; c < nr_counters - 1; c++)
		counter_reason[c] = expect_handled_reason(numbering, c);
}

struct model_sums {
	u64 count, cycles, blocked, l2_count, l2_cycles;
};

static struct model_sums model_counter_sums(int nr_vcpus, int c)
{
	struct model_sums s = { 0, 0, 0, 0, 0 };

	for (int v = 0; v < nr_vcpus; v++) {
		s.count += model[v].count[0][c] + model[v].count[1][c];
		s.cycles += model[v].cycles[0][c] + model[v].cycles[1][c];
		s.blocked += model[v].blocked[c];
		s.l2_count += model[v].count[1][c];
		s.l2_cycles += model[v].cycles[1][c];
	}
	return s;
}

/* NOT_ENABLED: the exits of "other", the exits whose leaves answer zeros. */
static struct model_sums model_totals(int nr_vcpus, u64 *not_enabled)
{
	struct model_sums t = { 0, 0, 0, 0, 0 };

	for (int c = 0; c < nr_counters; c++) {
		struct model_sums one = model_counter_sums(nr_vcpus, c);

		t.count += one.count;
		t.cycles += one.cycles;
		t.blocked += one.blocked;
		t.l2_count += one.l2_count;
		t.l2_cycles += one.l2_cycles;
		if (c == nr_counters - 1)
			*not_enabled = one.count;
	}
	return t;
}

static void split(struct cpuid_regs *r, u64 v)
{
	r->ebx = (u32)(v >> 32);
	r->ecx = (u32)v;
}

static struct cpuid_regs model_cpuid(u32 numbering, int nr_vcpus, u32 leaf, u32 ecx)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	struct model_sums t = { 0, 0, 0, 0, 0 }, one;
	u64 not_enabled = 0;

	/* Only the leaves without input need the totals: O(counters x vCPUs). */
	if (!expect_is_reason_leaf(leaf))
		t = model_totals(nr_vcpus, &not_enabled);
	switch (leaf) {
	case 0x4FFFFFFF:	/* TOTAL_EXITS */
		r.eax = (u32)t.count;
		return r;
	case 0x4FFFFFFE:	/* TOTAL_CYCLES */
		split(&r, t.cycles);
		return r;
	case 0x4FFFFFFB:	/* SIGNATURE */
		r.eax = 2;
		memcpy(&r.ebx, "Exit", 4);
		memcpy(&r.ecx, "Stat", 4);
		memcpy(&r.edx, "sKVM", 4);
		return r;
	case 0x4FFFFFFA:	/* INFO */
		r.eax = numbering;
		r.ebx = tsc_khz;
		r.ecx = (u32)nr_vcpus;
		r.edx = model_epoch;
		return r;
	case 0x4FFFFFF9:	/* TOTAL_EXITS64 */
		split(&r, t.count);
		return r;
	case 0x4FFFFFF7:	/* NOT_ENABLED */
		split(&r, not_enabled);
		return r;
	case 0x4FFFFFF6:	/* TOTAL_BLOCKED */
		split(&r, t.blocked);
		return r;
	}
	if (!expect_is_reason_leaf(leaf)) {
		fprintf(stderr, "exit_stats fuzz: leaf %#x not modelled\n", leaf);
		abort();
	}
	if (!expect_defined(numbering, ecx)) {
		r.edx = 0xffffffff;
		return r;
	}
	if (!expect_handled(numbering, ecx))
		return r;
	one = model_counter_sums(nr_vcpus, expect_counter(numbering, ecx));
	switch (leaf) {
	case 0x4FFFFFFD:	/* REASON_EXITS */
		r.eax = (u32)one.count;
		break;
	case 0x4FFFFFFC:	/* REASON_CYCLES */
		split(&r, one.cycles);
		break;
	case 0x4FFFFFF8:	/* REASON_EXITS64 */
		split(&r, one.count);
		break;
	case 0x4FFFFFF5:	/* REASON_BLOCKED */
		split(&r, one.blocked);
		break;
	}
	return r;
}

static void fail(const char *what, u32 a, u32 b, u32 c, u32 d, u32 e, u32 f, u32 g, u32 h)
{
	fprintf(stderr, "exit_stats fuzz: %s: got %08x %08x %08x %08x want %08x %08x %08x %08x\n",
		what, a, b, c, d, e, f, g, h);
	abort();
}

/* Checks one leaf as vCPU @v executes it. */
static void check_leaf(struct fake_vm *vm, u32 numbering, int nr_vcpus, int v,
		       u32 leaf, u32 ecx, const char *what)
{
	struct cpuid_regs got = { leaf, 0xdeadbeef, ecx, 0x5a5a5a5a }, want;
	/* L2's CPUID gets stock KVM's answer: the statistics are L1's. */
	bool ours = leaf >= LEAF_FIRST && leaf <= LEAF_LAST && !model[v].nested;
	bool answered = kvm_exit_stats_cpuid(&vm->vcpu[v], &got.eax, &got.ebx,
					     &got.ecx, &got.edx);

	want = ours ? model_cpuid(numbering, nr_vcpus, leaf, ecx) :
		      (struct cpuid_regs){ leaf, 0xdeadbeef, ecx, 0x5a5a5a5a };
	if (answered != ours || memcmp(&got, &want, sizeof(got))) {
		fprintf(stderr, "exit_stats fuzz: leaf %#x ecx %#x vCPU %d%s answered %d\n",
			leaf, ecx, v, model[v].nested ? " (L2)" : "", answered);
		fail(what, got.eax, got.ebx, got.ecx, got.edx,
		     want.eax, want.ebx, want.ecx, want.edx);
	}
}

static void show_line(char *buf, size_t size, size_t *len, const char *head,
		      const struct model_sums *s)
{
	int n = snprintf(buf + *len, size - *len, "%s %llu %llu %llu %llu %llu\n", head,
			 s->count, s->cycles, s->blocked, s->l2_count, s->l2_cycles);

	if (n < 0 || (size_t)n >= size - *len)
		abort();
	*len += (size_t)n;
}

/*
 * The whole debugfs text, from the model: every handled reason, in table
 * order, "- OTHER" once any other exit counted, then the totals.
 */
static void check_debugfs(struct fake_vm *vm, u32 numbering, int nr_vcpus)
{
	static struct seq_file m;
	static char want[sizeof(m.buf)];
	struct model_sums t, one;
	size_t len = 0;
	u64 not_enabled;
	char head[96];
	int n;

	m.len = 0;
	m.overflow = false;
	m.buf[0] = '\0';
	if (kvm_exit_stats_show(&m, &vm->kvm) || m.overflow)
		fail("debugfs read failed", (u32)m.len, m.overflow, 0, 0, 0, 0, 0, 0);

	n = snprintf(want, sizeof(want),
		     "# numbering %s tsc_khz %u epoch %u\n"
		     "# reason name count cycles blocked_cycles l2_count l2_cycles\n",
		     numbering_name(numbering), tsc_khz, model_epoch);
	len = (size_t)n;
	for (int c = 0; c < nr_counters - 1; c++) {
		one = model_counter_sums(nr_vcpus, c);
		snprintf(head, sizeof(head), "%u %s", counter_reason[c],
			 kvm_exit_stats_slot_name(numbering,
						  expect_slot(numbering, counter_reason[c])));
		show_line(want, sizeof(want), &len, head, &one);
	}
	one = model_counter_sums(nr_vcpus, nr_counters - 1);
	if (one.count)
		show_line(want, sizeof(want), &len, "- OTHER", &one);
	t = model_totals(nr_vcpus, &not_enabled);
	show_line(want, sizeof(want), &len, "- TOTAL", &t);

	if (strcmp(m.buf, want)) {
		size_t i = 0;

		/* The first line that differs, from its start. */
		while (m.buf[i] && m.buf[i] == want[i])
			i++;
		while (i && m.buf[i - 1] != '\n')
			i--;
		fprintf(stderr, "exit_stats fuzz: debugfs has \"%.80s\", want \"%.80s\"\n",
			m.buf + i, want + i);
		fail("debugfs text", (u32)m.len, (u32)len, 0, 0, 0, 0, 0, 0);
	}
}

/*
 * Every vCPU's binary stats, as KVM's stats fd reads them: at the offset
 * each described stat gives, the model's count or cycles of its counter and
 * bank (exits_, exit_cycles_, l2_exits_, l2_exit_cycles_ per counter), and
 * no stat beyond.  Names and units are test_behaviour's.
 */
static void check_binary_stats(struct fake_vm *vm, int nr_vcpus)
{
	struct kvm_exit_stats_stat st;
	int n = 4 * nr_counters;

	if (kvm_exit_stats_describe_stat((u32)n, &st))
		fail("a stat beyond the counters", (u32)n, st.offset, 0, 0, 0, 0, 0, 0);
	for (int i = 0; i < n; i++) {
		int c = i / 4, bank = i % 4 >= 2;

		if (!kvm_exit_stats_describe_stat((u32)i, &st) ||
		    st.offset > sizeof(struct kvm_vcpu_stat) - sizeof(u64))
			fail("stat not described, or outside kvm_vcpu_stat", (u32)i, st.offset,
			     0, 0, 0, 0, 0, 0);
		for (int v = 0; v < nr_vcpus; v++) {
			u64 got, want = i % 2 ? model[v].cycles[bank][c] : model[v].count[bank][c];

			memcpy(&got, (const char *)&vm->vcpu[v].stat + st.offset, sizeof(got));
			if (got != want) {
				fprintf(stderr, "exit_stats fuzz: vCPU %d stat %d \"%.48s\"\n", v, i,
					st.name);
				fail("binary stat", (u32)(got >> 32), (u32)got, 0, 0,
				     (u32)(want >> 32), (u32)want, 0, 0);
			}
		}
	}
}

/* The TSC vCPU @v reads on the CPU its thread runs on. */
static u64 cpu_tsc(int v)
{
	return now + (u64)model[v].skew;
}

/* kvm_arch_vcpu_put(): the pending exit's clock stops. */
static void do_put(struct fake_vm *vm, int v)
{
	struct model_vcpu *mv = &model[v];

	fake_tsc = cpu_tsc(v);
	kvm_exit_stats_vcpu_put(&vm->vcpu[v], fake_tsc);
	if (mv->pending >= 0) {
		mv->cycles[mv->pending_bank][mv->pending] += fake_tsc - mv->clock;
		mv->clock = fake_tsc;
	}
	mv->out = true;
}

/*
 * kvm_arch_vcpu_load() on a CPU of skew @skew: a TSC behind the put's (TSCs
 * not synchronized) counts as no blocked time.
 */
static void do_load(struct fake_vm *vm, int v, int64_t skew)
{
	struct model_vcpu *mv = &model[v];

	mv->skew = skew;
	fake_tsc = cpu_tsc(v);
	kvm_exit_stats_vcpu_load(&vm->vcpu[v]);
	if (mv->pending >= 0) {
		mv->blocked[mv->pending] += fake_tsc > mv->clock ? fake_tsc - mv->clock : 0;
		mv->clock = fake_tsc;
	}
	mv->out = false;
}

/* Before anything the vCPU thread does: it runs, on its CPU. */
static void run_on_cpu(struct fake_vm *vm, int v)
{
	if (model[v].out)
		do_load(vm, v, model[v].skew);
	fake_tsc = cpu_tsc(v);
}

/* The pending exit's clock ends at @tsc. */
static void model_charge(struct model_vcpu *mv, u64 tsc)
{
	if (mv->pending >= 0)
		mv->cycles[mv->pending_bank][mv->pending] += tsc - mv->clock;
}

static void set_guest_mode(struct fake_vm *vm, int v, bool nested)
{
	if (nested)
		enter_guest_mode(&vm->vcpu[v]);
	else
		leave_guest_mode(&vm->vcpu[v]);
	model[v].nested = nested;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size };
	u32 setup = take(&in, 1);
	u32 numbering = setup & 1 ? KVM_EXIT_STATS_NUMBERING_SVM : KVM_EXIT_STATS_NUMBERING_VMX;
	int nr_vcpus = 1 + (int)(setup >> 1) % 4, ops = 0;
	static struct fake_vm vm;
	struct cpuid_regs r;
	u64 handled = 0, total;

	memset(model, 0, sizeof(model));
	model_init_counters(numbering);
	for (int v = 0; v < KVM_MAX_VCPUS; v++)
		model[v].pending = -1;
	/* Far from 0, so that no CPU's skew takes its TSC below it. */
	now = (1ull << 32) + take(&in, 4);
	fake_tsc = now;
	/* Sometimes the RNG answers 0 first: the epoch must not be 0. */
	fake_random_zeros = (int)(setup >> 3) % 3;
	if (!load_vendor(numbering) || fake_vm_create(&vm, nr_vcpus))
		abort();
	model_epoch = vm.kvm.arch.exit_stats_epoch;
	if (!model_epoch || fake_random_zeros)
		fail("epoch", model_epoch, (u32)fake_random_zeros, 0, 0, 1, 0, 0, 0);

	while (in.left && ops++ < 4096) {
		u32 op = take(&in, 1), flags;
		int v = (int)(op >> 4) % nr_vcpus;
		struct model_vcpu *mv = &model[v];

		switch (op & 15) {
		case 0:
		case 1:
		case 2:
		case 3: {	/* the previous exit ends, the guest runs, exits */
			u32 reason = take_reason(&in, numbering);
			int counter = expect_counter(numbering, reason);
			u64 exit_tsc;

			run_on_cpu(&vm, v);
			kvm_exit_stats_end_before_entry(&vm.vcpu[v]);
			model_charge(mv, fake_tsc);
			now += take(&in, 1);	/* the guest's time */
			fake_tsc = cpu_tsc(v);
			begin_exit(&vm.vcpu[v], reason);
			mv->count[mv->nested][counter]++;
			mv->pending = counter;
			mv->pending_bank = mv->nested;
			mv->clock = fake_tsc;
			/* KVM's last_guest_tsc: the begin hook's reading. */
			exit_tsc = kvm_exit_stats_exit_tsc(&vm.vcpu[v]);
			if (exit_tsc != fake_tsc)
				fail("exit TSC", (u32)(exit_tsc >> 32), (u32)exit_tsc, 0, 0,
				     (u32)(fake_tsc >> 32), (u32)fake_tsc, 0, 0);
			break;
		}
		case 4:		/* handled: KVM_RUN returns, or the vCPU halts */
			run_on_cpu(&vm, v);
			kvm_exit_stats_end(&vm.vcpu[v]);
			model_charge(mv, fake_tsc);
			mv->pending = -1;
			break;
		case 5:
		case 6:		/* time passes, sometimes a lot */
			flags = take(&in, 1);
			now += flags & 1 ? (u64)take(&in, 4) << 8 : take(&in, 2);
			break;
		case 7:
		case 8:
		case 9: {	/* the guest executes CPUID */
			u32 leaf, ecx;

			flags = take(&in, 1);
			/* Mostly around the range: 0x4FFFFFF3-0x50000001. */
			leaf = flags & 1 ? take(&in, 4) : LEAF_FIRST - 2 + take(&in, 1) % 15;
			ecx = take_reason(&in, numbering);
			run_on_cpu(&vm, v);
			check_leaf(&vm, numbering, nr_vcpus, v, leaf, ecx, "leaf answer");
			break;
		}
		case 10:	/* the host reads debugfs or the stats (slow: half the time) */
			if (op & 0x10)
				check_debugfs(&vm, numbering, nr_vcpus);
			else if (op & 0x20)
				check_binary_stats(&vm, nr_vcpus);
			break;
		case 11:	/* the thread is scheduled out */
			run_on_cpu(&vm, v);
			do_put(&vm, v);
			break;
		case 12: {	/* ... and back in, maybe on a CPU with another TSC */
			int64_t skew;

			flags = take(&in, 1);
			skew = flags & 1 ? (int64_t)(int32_t)take(&in, 4) :
					   (int64_t)(int16_t)take(&in, 2);
			if (!mv->out)
				do_put(&vm, v);
			now += take(&in, 1);
			do_load(&vm, v, skew);
			break;
		}
		case 13:	/* enter_guest_mode() / leave_guest_mode() */
			run_on_cpu(&vm, v);
			set_guest_mode(&vm, v, op & 0x10);
			break;
		case 14:
		case 15:	/* an exit's handling takes a little while */
			now += op >> 4;
			break;
		}
	}

	/* Finally every defined reason, and every other leaf, against the model. */
	run_on_cpu(&vm, 0);
	if (model[0].nested)
		set_guest_mode(&vm, 0, false);
	for (int i = 0; i <= expect_nr_defined(numbering); i++) {
		u32 reason = i < expect_nr_defined(numbering) ?
			     expect_defined_reason(numbering, i) : 0xffffff00;

		for (size_t l = 0; l < ARRAY_SIZE(expect_reason_leaves); l++)
			check_leaf(&vm, numbering, nr_vcpus, 0, expect_reason_leaves[l], reason,
				   "final check");
		guest_cpuid(&vm.vcpu[0], 0x4FFFFFF8, reason, &r);
		handled += (u64)r.ebx << 32 | r.ecx;
	}
	for (u32 leaf = LEAF_FIRST; leaf <= LEAF_LAST; leaf++)
		if (!expect_is_reason_leaf(leaf))
			check_leaf(&vm, numbering, nr_vcpus, 0, leaf, 0, "final check");
	check_debugfs(&vm, numbering, nr_vcpus);
	check_binary_stats(&vm, nr_vcpus);
	if (fake_warnings)
		fail("WARN_ON_ONCE fired", (u32)fake_warnings, 0, 0, 0, 0, 0, 0, 0);

	/* What a guest checks: handled reasons + NOT_ENABLED == total. */
	guest_cpuid(&vm.vcpu[0], 0x4FFFFFF9, 0, &r);
	total = (u64)r.ebx << 32 | r.ecx;
	guest_cpuid(&vm.vcpu[0], 0x4FFFFFF7, 0, &r);
	if (handled + ((u64)r.ebx << 32 | r.ecx) != total)
		fail("handled + NOT_ENABLED != total", (u32)(handled >> 32), (u32)handled,
		     r.ebx, r.ecx, (u32)(total >> 32), (u32)total, 0, 0);

	fake_vm_destroy(&vm);
	unload_vendor();
	return 0;
}
