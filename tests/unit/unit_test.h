/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the unit tests of exit_stats.c: the expected
 * reason sets written down independently of exit_stats_abi.h, fake vendor
 * ops and a fake VM.
 */
#ifndef UNIT_TEST_H
#define UNIT_TEST_H

#include <linux/kvm_host.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "exit_stats.h"
#include "kvm_cache_regs.h"	/* enter_guest_mode(), leave_guest_mode() */
#include "tap.h"	/* check(): the result lines */

/* The shim's module_param() publishes the parameter (kvm.exit_stats). */
extern bool *const module_param_exit_stats;


const char *numbering_name(u32 numbering);

/*
 * What the tables must contain (Intel SDM / AMD APM), and which reasons
 * Debian 6.1's KVM handles (its vmx.c and svm.c handler tables), as data of
 * this test: inclusive ranges, sorted.
 */
struct reason_range {
	u32 lo, hi;
};

bool expect_defined(u32 numbering, u32 reason);
bool expect_handled(u32 numbering, u32 reason);
/* Number of defined reasons below @reason: the slot a defined reason has. */
int expect_slot(u32 numbering, u32 reason);
int expect_nr_defined(u32 numbering);
/*
 * The counters: one per handled reason, numbered in table (= ascending)
 * order, then "other" (number expect_nr_handled()) for every other exit,
 * defined or not.  A model of its own, independent of exit_stats.c.
 */
int expect_nr_handled(u32 numbering);
int expect_nr_counters(u32 numbering);
int expect_counter(u32 numbering, u32 reason);
/* The handled reason of counter @counter (below expect_nr_handled()). */
u32 expect_handled_reason(u32 numbering, int counter);
/* The @index-th defined reason in ascending order. */
u32 expect_defined_reason(u32 numbering, int index);

/*
 * [lo, hi) stretches of the 32-bit input space in which "defined" and
 * "handled" do not change, in ascending order; returns how many.
 */
struct input_segment {
	u64 lo, hi;
	bool defined, handled;
};
int expect_segments(u32 numbering, struct input_segment *out, int max);

/*
 * The leaves that take a reason in ECX (0x4FFFFFFD, FC, F8 and, since
 * version 2, F5), written down here rather than derived from the header.
 */
extern const u32 expect_reason_leaves[4];
bool expect_is_reason_leaf(u32 leaf);

/* The vendor ops: reason_handled() answers from the expected sets above. */
const struct kvm_exit_stats_ops *fake_ops(u32 numbering);

/* Enables the statistics for @numbering the way a vendor module load does. */
bool load_vendor(u32 numbering);
/* The loaded vendor's kvm_exit_stats_{vmx,svm}_begin() for a reason. */
void begin_exit(struct kvm_vcpu *vcpu, u32 reason);
void unload_vendor(void);

struct fake_vm {
	struct kvm kvm;
	struct kvm_vcpu vcpu[KVM_MAX_VCPUS];
};

/*
 * Creates the VM as kvm_arch_init_vm() does (kvm_exit_stats_vm_init(), so it
 * gets its epoch), then vCPUs through kvm_exit_stats_vcpu_create(); returns
 * the latter's error.
 */
int fake_vm_create(struct fake_vm *vm, int nr_vcpus);
/* Creates vCPUs up to @nr_vcpus in a VM made by fake_vm_create(vm, 0). */
int fake_vm_add_vcpus(struct fake_vm *vm, int nr_vcpus);
void fake_vm_destroy(struct fake_vm *vm);

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

/*
 * Executes the guest's CPUID through __kvm_exit_stats_cpuid() with EBX/EDX
 * preloaded with garbage; returns whether the leaf was answered.
 */
bool guest_cpuid(struct kvm_vcpu *vcpu, u32 leaf, u32 input,
		 struct cpuid_regs *out);

/*
 * Sets one counter of a vCPU in bank @bank (0: L1, 1: L2), or its blocked
 * cycles, and keeps the vCPU's totals in step as the exit path and
 * put/load do.
 */
void set_counter(struct kvm_exit_stats *stats, int bank, int counter, u64 count,
		 u64 cycles);
void set_blocked(struct kvm_exit_stats *stats, int counter, u64 blocked);

/* What fill_value() makes up: a counter of one bank, or blocked cycles. */
enum fill_kind {
	FILL_L1_COUNT, FILL_L1_CYCLES, FILL_L2_COUNT, FILL_L2_CYCLES, FILL_BLOCKED,
};

/*
 * A distinctive value for @kind of counter @counter on vCPU @vcpu: both
 * 32-bit halves non-zero, and sums over vCPUs differ per counter and kind.
 */
u64 fill_value(int kind, int counter, int vcpu);
/* Fills every counter of both banks, and the blocked cycles, of every vCPU. */
void fill_counters(struct fake_vm *vm, u32 numbering);
/* Sum of fill_value() over the VM's vCPUs. */
u64 filled_sum(int nr_vcpus, int kind, int counter);

/*
 * What a per-reason leaf (0x4FFFFFFD/FC/F8/F5) must answer for @reason on a
 * VM whose counters were filled by fill_counters(): counts and cycles summed
 * over both banks.
 */
struct cpuid_regs expect_reason_leaf(u32 numbering, u32 leaf, u32 reason,
				     int nr_vcpus);

#endif /* UNIT_TEST_H */
