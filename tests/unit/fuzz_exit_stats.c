// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: arbitrary sequences of exits (begin/end on any vCPU,
 * any 32-bit reason), TSC moves, CPUID leaves with any EAX/ECX and debugfs
 * reads, on a VM of 1-4 vCPUs of either numbering.  Every answer is checked
 * against a model kept here from the expected reason sets of unit_test.c;
 * a mismatch aborts, ASan/UBSan catch stray accesses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_test.h"

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
	u64 count[KVM_EXIT_STATS_MAX_SLOTS];
	u64 cycles[KVM_EXIT_STATS_MAX_SLOTS];
	int pending;		/* model slot of the exit being handled, or -1 */
	u64 exit_tsc;
};

static struct model_vcpu model[KVM_MAX_VCPUS];

static int model_slot(u32 numbering, u32 reason)
{
	return expect_defined(numbering, reason) ? expect_slot(numbering, reason) :
						   expect_nr_defined(numbering);
}

static void model_sum(int nr_vcpus, int first, int last, u64 *count, u64 *cycles)
{
	*count = *cycles = 0;
	for (int v = 0; v < nr_vcpus; v++)
		for (int s = first; s <= last; s++) {
			*count += model[v].count[s];
			*cycles += model[v].cycles[s];
		}
}

static struct cpuid_regs model_cpuid(u32 numbering, int nr_vcpus, u32 leaf, u32 ecx)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	int all = expect_nr_defined(numbering), slot;
	u64 count, cycles;

	switch (leaf) {
	case KVM_EXIT_STATS_LEAF_TOTAL_EXITS:
		model_sum(nr_vcpus, 0, all, &count, &cycles);
		r.eax = (u32)count;
		break;
	case KVM_EXIT_STATS_LEAF_TOTAL_CYCLES:
		model_sum(nr_vcpus, 0, all, &count, &cycles);
		r.ebx = (u32)(cycles >> 32);
		r.ecx = (u32)cycles;
		break;
	case KVM_EXIT_STATS_LEAF_TOTAL_EXITS64:
		model_sum(nr_vcpus, 0, all, &count, &cycles);
		r.ebx = (u32)(count >> 32);
		r.ecx = (u32)count;
		break;
	case KVM_EXIT_STATS_LEAF_SIGNATURE:
		r.eax = 1;
		memcpy(&r.ebx, "Exit", 4);
		memcpy(&r.ecx, "Stat", 4);
		memcpy(&r.edx, "sKVM", 4);
		break;
	case KVM_EXIT_STATS_LEAF_INFO:
		r.eax = numbering;
		r.ebx = tsc_khz;
		r.ecx = (u32)nr_vcpus;
		break;
	default:	/* the per-reason leaves */
		if (!expect_defined(numbering, ecx)) {
			r.edx = 0xffffffff;
			break;
		}
		if (!expect_handled(numbering, ecx))
			break;
		slot = expect_slot(numbering, ecx);
		model_sum(nr_vcpus, slot, slot, &count, &cycles);
		if (leaf == KVM_EXIT_STATS_LEAF_REASON_EXITS) {
			r.eax = (u32)count;
		} else {
			u64 v = leaf == KVM_EXIT_STATS_LEAF_REASON_CYCLES ? cycles : count;

			r.ebx = (u32)(v >> 32);
			r.ecx = (u32)v;
		}
	}
	return r;
}

static void fail(const char *what, u32 a, u32 b, u32 c, u32 d, u32 e, u32 f, u32 g, u32 h)
{
	fprintf(stderr, "exit_stats fuzz: %s: got %08x %08x %08x %08x want %08x %08x %08x %08x\n",
		what, a, b, c, d, e, f, g, h);
	abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size };
	u32 setup = take(&in, 1);
	u32 numbering = setup & 1 ? KVM_EXIT_STATS_NUMBERING_SVM : KVM_EXIT_STATS_NUMBERING_VMX;
	int nr_vcpus = 1 + (int)(setup >> 1) % 4, ops = 0;
	static struct fake_vm vm;
	static struct seq_file m;

	memset(model, 0, sizeof(model));
	for (int v = 0; v < KVM_MAX_VCPUS; v++)
		model[v].pending = -1;
	fake_tsc = take(&in, 4);
	if (!load_vendor(numbering) || fake_vm_create(&vm, nr_vcpus))
		abort();

	while (in.left && ops++ < 4096) {
		u32 op = take(&in, 1);
		int v = (int)(op >> 4) % nr_vcpus;
		struct model_vcpu *mv = &model[v];

		switch (op & 7) {
		case 0:
		case 1: {	/* an exit begins */
			u32 reason = take_reason(&in, numbering);
			int slot = model_slot(numbering, reason);

			begin_exit(&vm.vcpu[v], reason);
			mv->count[slot]++;
			mv->pending = slot;
			mv->exit_tsc = fake_tsc;
			break;
		}
		case 2:		/* it is handled */
			kvm_exit_stats_end(&vm.vcpu[v]);
			/* A TSC behind the exit's start (migration) adds nothing. */
			if (mv->pending >= 0 && fake_tsc > mv->exit_tsc)
				mv->cycles[mv->pending] += fake_tsc - mv->exit_tsc;
			mv->pending = -1;
			break;
		case 3:		/* time passes, rarely a lot (or backwards) */
			fake_tsc += op & 8 ? (u64)take(&in, 4) << 32 : take(&in, 2);
			break;
		case 4:
		case 5:
		case 6: {	/* the guest executes CPUID */
			u32 leaf = op & 8 ? take(&in, 4) : KVM_EXIT_STATS_LEAF_FIRST + take(&in, 1) % 8;
			u32 ecx = take_reason(&in, numbering);
			struct cpuid_regs got = { leaf, 0xdeadbeef, ecx, 0x5a5a5a5a }, want;
			bool ours = leaf >= KVM_EXIT_STATS_LEAF_FIRST && leaf <= KVM_EXIT_STATS_LEAF_LAST;
			bool answered = kvm_exit_stats_cpuid(&vm.vcpu[v], &got.eax, &got.ebx,
							     &got.ecx, &got.edx);

			want = ours ? model_cpuid(numbering, nr_vcpus, leaf, ecx) : (struct cpuid_regs){
				leaf, 0xdeadbeef, ecx, 0x5a5a5a5a };
			if (answered != ours || memcmp(&got, &want, sizeof(got)))
				fail(ours ? "leaf answer" : "foreign leaf touched",
				     got.eax, got.ebx, got.ecx, got.edx,
				     want.eax, want.ebx, want.ecx, want.edx);
			break;
		}
		case 7: {	/* the host reads debugfs (it is slow: half the time) */
			if (!(op & 8))
				break;
			u64 count, cycles;
			unsigned long long c = 0, y = 0;
			const char *total;

			m.len = 0;
			m.overflow = false;
			m.buf[0] = '\0';
			kvm_exit_stats_show(&m, &vm.kvm);
			model_sum(nr_vcpus, 0, expect_nr_defined(numbering), &count, &cycles);
			total = strstr(m.buf, "- TOTAL ");
			if (m.overflow || !total ||
			    sscanf(total, "- TOTAL %llu %llu", &c, &y) != 2 ||
			    c != count || y != cycles)
				fail("debugfs TOTAL", (u32)c, (u32)y, 0, 0, (u32)count, (u32)cycles, 0, 0);
			break;
		}
		}
	}
	/* Finally every defined reason, and the totals, against the model. */
	for (int i = 0; i <= expect_nr_defined(numbering); i++) {
		u32 reason = i < expect_nr_defined(numbering) ?
			     expect_defined_reason(numbering, i) : 0xffffff00;

		static const u32 leaves[] = {
			KVM_EXIT_STATS_LEAF_REASON_EXITS, KVM_EXIT_STATS_LEAF_REASON_CYCLES,
			KVM_EXIT_STATS_LEAF_REASON_EXITS64,
			KVM_EXIT_STATS_LEAF_TOTAL_EXITS64,	/* once is enough */
		};

		for (size_t l = 0; l < ARRAY_SIZE(leaves) - (i > 0); l++) {
			u32 leaf = leaves[l];
			struct cpuid_regs got = { leaf, 0xdeadbeef, reason, 0x5a5a5a5a };
			struct cpuid_regs want = model_cpuid(numbering, nr_vcpus, leaf, reason);

			if (!kvm_exit_stats_cpuid(&vm.vcpu[0], &got.eax, &got.ebx, &got.ecx, &got.edx) ||
			    memcmp(&got, &want, sizeof(got)))
				fail("final check", got.eax, got.ebx, got.ecx, got.edx,
				     want.eax, want.ebx, want.ecx, want.edx);
		}
	}
	fake_vm_destroy(&vm);
	unload_vendor();
	return 0;
}
