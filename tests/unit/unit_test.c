// SPDX-License-Identifier: GPL-2.0
/* Shared pieces of the exit_stats.c unit tests; see unit_test.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_test.h"

const char *numbering_name(u32 numbering)
{
	return numbering == KVM_EXIT_STATS_NUMBERING_VMX ? "vmx" :
	       numbering == KVM_EXIT_STATS_NUMBERING_SVM ? "svm" : "unknown";
}

/*
 * Intel SDM Vol. 3C Appendix C plus the ISE reference: basic exit reasons
 * 0-85 except the reserved 35, 38, 42, 71, 82 and 83.
 */
static const struct reason_range vmx_defined[] = {
	{ 0, 34 }, { 36, 37 }, { 39, 41 }, { 43, 70 }, { 72, 81 }, { 84, 85 },
};

/*
 * Debian 6.1 vmx.c kvm_vmx_exit_handlers[]: 0 1 2 7 8 9 10 12 13 14 15
 * 18-32 36 37 39 40 41 43-50 52-62 74 75, plus 33 and 34 (failed VM-entry)
 * which __vmx_handle_exit() handles before the table.
 */
static const struct reason_range vmx_handled[] = {
	{ 0, 2 }, { 7, 10 }, { 12, 15 }, { 18, 34 }, { 36, 37 }, { 39, 41 },
	{ 43, 50 }, { 52, 62 }, { 74, 75 },
};

/*
 * AMD APM Vol. 2 Appendix C: 0x000-0x0a6, 0x400-0x403, and the 64-bit codes
 * VMEXIT_BUSY (-2) and VMEXIT_INVALID (-1) as their low 32 bits.
 */
static const struct reason_range svm_defined[] = {
	{ 0x000, 0x0a6 }, { 0x400, 0x403 }, { 0xfffffffe, 0xffffffff },
};

/*
 * Debian 6.1 svm.c svm_exit_handlers[], written out from its designated
 * initializers, plus VMEXIT_INVALID which svm_handle_exit() handles first.
 */
static const struct reason_range svm_handled[] = {
	{ 0x000, 0x000 },	/* READ_CR0 */
	{ 0x003, 0x004 },	/* READ_CR3, READ_CR4 */
	{ 0x008, 0x008 },	/* READ_CR8 */
	{ 0x010, 0x010 },	/* WRITE_CR0 */
	{ 0x013, 0x014 },	/* WRITE_CR3, WRITE_CR4 */
	{ 0x018, 0x018 },	/* WRITE_CR8 */
	{ 0x020, 0x027 },	/* READ_DR0-7 */
	{ 0x030, 0x037 },	/* WRITE_DR0-7 */
	{ 0x041, 0x041 },	/* EXCP #DB */
	{ 0x043, 0x043 },	/* EXCP #BP */
	{ 0x046, 0x046 },	/* EXCP #UD */
	{ 0x04d, 0x04e },	/* EXCP #GP, #PF */
	{ 0x051, 0x052 },	/* EXCP #AC, #MC */
	{ 0x060, 0x062 },	/* INTR, NMI, SMI */
	{ 0x064, 0x065 },	/* VINTR, CR0_SEL_WRITE */
	{ 0x06f, 0x06f },	/* RDPMC */
	{ 0x072, 0x074 },	/* CPUID, RSM, IRET */
	{ 0x076, 0x07d },	/* INVD .. TASK_SWITCH */
	{ 0x07f, 0x087 },	/* SHUTDOWN .. RDTSCP */
	{ 0x089, 0x08b },	/* WBINVD, MONITOR, MWAIT */
	{ 0x08d, 0x090 },	/* XSETBV, RDPRU, EFER/CR0 write traps */
	{ 0x094, 0x094 },	/* CR4_WRITE_TRAP */
	{ 0x098, 0x098 },	/* CR8_WRITE_TRAP */
	{ 0x0a2, 0x0a2 },	/* INVPCID */
	{ 0x400, 0x403 },	/* NPF, AVIC x2, VMGEXIT */
	{ 0xffffffff, 0xffffffff }, /* VMEXIT_INVALID */
};

struct range_set {
	const struct reason_range *r;
	int n;
};

static struct range_set defined_set(u32 numbering)
{
	if (numbering == KVM_EXIT_STATS_NUMBERING_VMX)
		return (struct range_set){ vmx_defined, ARRAY_SIZE(vmx_defined) };
	if (numbering == KVM_EXIT_STATS_NUMBERING_SVM)
		return (struct range_set){ svm_defined, ARRAY_SIZE(svm_defined) };
	return (struct range_set){ NULL, 0 };
}

static struct range_set handled_set(u32 numbering)
{
	if (numbering == KVM_EXIT_STATS_NUMBERING_VMX)
		return (struct range_set){ vmx_handled, ARRAY_SIZE(vmx_handled) };
	if (numbering == KVM_EXIT_STATS_NUMBERING_SVM)
		return (struct range_set){ svm_handled, ARRAY_SIZE(svm_handled) };
	return (struct range_set){ NULL, 0 };
}

static bool in_set(struct range_set set, u32 x)
{
	for (int i = 0; i < set.n; i++)
		if (x >= set.r[i].lo && x <= set.r[i].hi)
			return true;
	return false;
}

/* Number of members of @set below @x. */
static int rank_in_set(struct range_set set, u32 x)
{
	u64 below = 0;

	for (int i = 0; i < set.n && set.r[i].lo < x; i++) {
		u64 top = set.r[i].hi < x ? set.r[i].hi : x - 1;

		below += top - set.r[i].lo + 1;
	}
	return (int)below;
}

static int set_size(struct range_set set)
{
	int n = 0;

	for (int i = 0; i < set.n; i++)
		n += (int)(set.r[i].hi - set.r[i].lo + 1);
	return n;
}

bool expect_defined(u32 numbering, u32 reason)
{
	return in_set(defined_set(numbering), reason);
}

bool expect_handled(u32 numbering, u32 reason)
{
	/* Every handled reason is defined: checked by the table test. */
	return in_set(handled_set(numbering), reason);
}

int expect_slot(u32 numbering, u32 reason)
{
	return rank_in_set(defined_set(numbering), reason);
}

int expect_nr_handled(u32 numbering)
{
	return set_size(handled_set(numbering));
}

int expect_nr_counters(u32 numbering)
{
	return expect_nr_handled(numbering) + 1;
}

/*
 * The tables are in ascending reason order (checked by test_tables), so
 * "handled reasons in table order" is the handled set in ascending order.
 */
int expect_counter(u32 numbering, u32 reason)
{
	if (!expect_handled(numbering, reason))
		return expect_nr_handled(numbering);
	return rank_in_set(handled_set(numbering), reason);
}

u32 expect_handled_reason(u32 numbering, int counter)
{
	struct range_set set = handled_set(numbering);

	for (int i = 0; i < set.n; i++) {
		u32 len = set.r[i].hi - set.r[i].lo + 1;

		if ((u32)counter < len)
			return set.r[i].lo + (u32)counter;
		counter -= (int)len;
	}
	abort();	/* the test asked for a counter beyond the handled ones */
}

int expect_nr_defined(u32 numbering)
{
	return set_size(defined_set(numbering));
}

u32 expect_defined_reason(u32 numbering, int index)
{
	struct range_set set = defined_set(numbering);

	for (int i = 0; i < set.n; i++) {
		u32 len = set.r[i].hi - set.r[i].lo + 1;

		if ((u32)index < len)
			return set.r[i].lo + (u32)index;
		index -= (int)len;
	}
	abort();	/* the test asked for a reason beyond the table */
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

int expect_segments(u32 numbering, struct input_segment *out, int max)
{
	struct range_set sets[2] = { defined_set(numbering), handled_set(numbering) };
	u64 points[2 + 2 * 64];
	int nr_points = 0, nr = 0;

	points[nr_points++] = 0;
	points[nr_points++] = 1ull << 32;
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < sets[s].n; i++) {
			if (nr_points + 2 > (int)ARRAY_SIZE(points))
				abort();
			points[nr_points++] = sets[s].r[i].lo;
			points[nr_points++] = (u64)sets[s].r[i].hi + 1;
		}
	qsort(points, (size_t)nr_points, sizeof(points[0]), cmp_u64);
	for (int i = 0; i + 1 < nr_points; i++) {
		if (points[i] == points[i + 1])
			continue;
		if (nr == max)
			abort();
		out[nr].lo = points[i];
		out[nr].hi = points[i + 1];
		out[nr].defined = expect_defined(numbering, (u32)points[i]);
		out[nr].handled = expect_handled(numbering, (u32)points[i]);
		nr++;
	}
	return nr;
}

const u32 expect_reason_leaves[4] = {
	0x4FFFFFFD,	/* REASON_EXITS, EAX */
	0x4FFFFFFC,	/* REASON_CYCLES, EBX:ECX */
	0x4FFFFFF8,	/* REASON_EXITS64, EBX:ECX */
	0x4FFFFFF5,	/* REASON_BLOCKED, EBX:ECX */
};

bool expect_is_reason_leaf(u32 leaf)
{
	for (size_t i = 0; i < ARRAY_SIZE(expect_reason_leaves); i++)
		if (leaf == expect_reason_leaves[i])
			return true;
	return false;
}

static bool vmx_reason_handled(u32 reason)
{
	return expect_handled(KVM_EXIT_STATS_NUMBERING_VMX, reason);
}

static bool svm_reason_handled(u32 reason)
{
	return expect_handled(KVM_EXIT_STATS_NUMBERING_SVM, reason);
}

static const struct kvm_exit_stats_ops vmx_ops = {
	.numbering = KVM_EXIT_STATS_NUMBERING_VMX,
	.reason_handled = vmx_reason_handled,
};

static const struct kvm_exit_stats_ops svm_ops = {
	.numbering = KVM_EXIT_STATS_NUMBERING_SVM,
	.reason_handled = svm_reason_handled,
};

const struct kvm_exit_stats_ops *fake_ops(u32 numbering)
{
	return numbering == KVM_EXIT_STATS_NUMBERING_VMX ? &vmx_ops :
	       numbering == KVM_EXIT_STATS_NUMBERING_SVM ? &svm_ops : NULL;
}

static u32 loaded_numbering;

bool load_vendor(u32 numbering)
{
	loaded_numbering = numbering;
	kvm_exit_stats_hardware_setup(fake_ops(numbering));
	return static_branch_unlikely(&kvm_exit_stats_enabled);
}

void begin_exit(struct kvm_vcpu *vcpu, u32 reason)
{
	/* What vmx.c and svm.c call; SVM passes where the VMCB has the code. */
	if (loaded_numbering == KVM_EXIT_STATS_NUMBERING_VMX)
		kvm_exit_stats_vmx_begin(vcpu, reason);
	else
		kvm_exit_stats_svm_begin(vcpu, &reason);
}

void unload_vendor(void)
{
	kvm_exit_stats_hardware_unsetup();
}

int fake_vm_create(struct fake_vm *vm, int nr_vcpus)
{
	memset(vm, 0, sizeof(*vm));
	kvm_exit_stats_vm_init(&vm->kvm);
	return fake_vm_add_vcpus(vm, nr_vcpus);
}

int fake_vm_add_vcpus(struct fake_vm *vm, int nr_vcpus)
{
	for (int i = vm->kvm.created_vcpus; i < nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = &vm->vcpu[i];
		int r;

		vcpu->kvm = &vm->kvm;
		r = kvm_exit_stats_vcpu_create(vcpu);
		if (r < 0)
			return r;
		vm->kvm.vcpus[i] = vcpu;
		vm->kvm.created_vcpus = i + 1;
		vm->kvm.online_vcpus.counter = i + 1;
	}
	return 0;
}

void fake_vm_destroy(struct fake_vm *vm)
{
	for (int i = 0; i < KVM_MAX_VCPUS; i++)
		kvm_exit_stats_vcpu_destroy(&vm->vcpu[i]);
	memset(vm, 0, sizeof(*vm));
}

bool guest_cpuid(struct kvm_vcpu *vcpu, u32 leaf, u32 input,
		 struct cpuid_regs *out)
{
	out->eax = leaf;
	out->ebx = 0xdeadbeef;
	out->ecx = input;
	out->edx = 0x5a5a5a5a;
	return __kvm_exit_stats_cpuid(vcpu, &out->eax, &out->ebx, &out->ecx,
				      &out->edx);
}

void set_counter(struct kvm_exit_stats *stats, int bank, int counter, u64 count,
		 u64 cycles)
{
	struct kvm_exit_stats_counter *c = &stats->counter[bank * stats->nr_counters + counter];

	/* The vCPU's totals cover both banks, as the exit path keeps them. */
	stats->total_count += count - c->count;
	stats->total_cycles += cycles - c->cycles;
	c->count = count;
	c->cycles = cycles;
}

void set_blocked(struct kvm_exit_stats *stats, int counter, u64 blocked)
{
	stats->total_blocked += blocked - stats->blocked_cycles[counter];
	stats->blocked_cycles[counter] = blocked;
}

u64 fill_value(int kind, int counter, int vcpu)
{
	u64 tag = (u64)(kind * 1000 + counter) * 8 + (u64)vcpu + 1;

	return tag << 34 | (0x10000000u + (u64)counter * 0x10101u + (u64)vcpu * 7 + (u64)kind * 3);
}

void fill_counters(struct fake_vm *vm, u32 numbering)
{
	int nr_counters = expect_nr_counters(numbering);

	if (nr_counters > KVM_EXIT_STATS_MAX_COUNTERS)
		abort();	/* the table test reports this */
	for (int v = 0; v < atomic_read(&vm->kvm.online_vcpus); v++) {
		struct kvm_exit_stats *stats = vm->vcpu[v].arch.exit_stats;

		/* The counters are the vCPU's stat, where the binary stats read. */
		if (stats->nr_counters != nr_counters ||
		    stats->counter != vm->vcpu[v].stat.exit_reasons)
			abort();	/* the table and behaviour tests report this too */
		for (int c = 0; c < nr_counters; c++) {
			set_counter(stats, 0, c, fill_value(FILL_L1_COUNT, c, v),
				    fill_value(FILL_L1_CYCLES, c, v));
			set_counter(stats, 1, c, fill_value(FILL_L2_COUNT, c, v),
				    fill_value(FILL_L2_CYCLES, c, v));
			set_blocked(stats, c, fill_value(FILL_BLOCKED, c, v));
		}
	}
}

u64 filled_sum(int nr_vcpus, int kind, int counter)
{
	u64 sum = 0;

	for (int v = 0; v < nr_vcpus; v++)
		sum += fill_value(kind, counter, v);
	return sum;
}

struct cpuid_regs expect_reason_leaf(u32 numbering, u32 leaf, u32 reason,
				     int nr_vcpus)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	int counter;
	u64 v;

	if (!expect_defined(numbering, reason)) {
		r.edx = KVM_EXIT_STATS_UNDEFINED;
		return r;
	}
	if (!expect_handled(numbering, reason))
		return r;
	counter = expect_counter(numbering, reason);
	switch (leaf) {
	case 0x4FFFFFFD:	/* REASON_EXITS: the low 32 bits in EAX */
		v = filled_sum(nr_vcpus, FILL_L1_COUNT, counter) +
		    filled_sum(nr_vcpus, FILL_L2_COUNT, counter);
		r.eax = lower_32_bits(v);
		return r;
	case 0x4FFFFFFC:	/* REASON_CYCLES */
		v = filled_sum(nr_vcpus, FILL_L1_CYCLES, counter) +
		    filled_sum(nr_vcpus, FILL_L2_CYCLES, counter);
		break;
	case 0x4FFFFFF8:	/* REASON_EXITS64 */
		v = filled_sum(nr_vcpus, FILL_L1_COUNT, counter) +
		    filled_sum(nr_vcpus, FILL_L2_COUNT, counter);
		break;
	case 0x4FFFFFF5:	/* REASON_BLOCKED: per counter, not per bank */
		v = filled_sum(nr_vcpus, FILL_BLOCKED, counter);
		break;
	default:
		abort();
	}
	r.ebx = upper_32_bits(v);
	r.ecx = lower_32_bits(v);
	return r;
}
