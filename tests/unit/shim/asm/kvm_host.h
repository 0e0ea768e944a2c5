/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What exit_stats.c takes from arch/x86/include/asm/kvm_host.h: the counter
 * pair, the limits, and struct kvm_vcpu_stat, whose exit_reasons[] holds
 * the counters (L1's bank, then L2's) so that KVM's binary stats can
 * describe them.
 */
#ifndef UNIT_SHIM_ASM_KVM_HOST_H
#define UNIT_SHIM_ASM_KVM_HOST_H

#include <linux/kernel.h>

/* As in the patch to asm/kvm_host.h. */
#define KVM_EXIT_STATS_MAX_SLOTS	174
#define KVM_EXIT_STATS_MAX_COUNTERS	96

struct kvm_exit_stats_counter {
	u64 count;
	u64 cycles;
} __aligned(16);

/*
 * Debian 6.1's struct kvm_vcpu_stat_generic: 7 u64, three histograms of
 * HALT_POLL_HIST_COUNT (32), and blocking: 104 u64.
 */
struct kvm_vcpu_stat_generic {
	u64 stat[104];
};

/*
 * Debian 6.1's x86 struct kvm_vcpu_stat, with the same size before
 * exit_reasons: the generic stats and 34 u64 (pf_taken ... notify_window_
 * exits), 1104 bytes, so the 16-byte aligned counters follow without
 * padding, as in the kernel (a hole there would be data no descriptor
 * covers).  Only the offsets matter to exit_stats.c.
 */
struct kvm_vcpu_stat {
	struct kvm_vcpu_stat_generic generic;
	u64 x86[34];
	/* L1's counters, then L2's; see exit_stats.h. */
	struct kvm_exit_stats_counter exit_reasons[2 * KVM_EXIT_STATS_MAX_COUNTERS];
};

static_assert(offsetof(struct kvm_vcpu_stat, exit_reasons) == 138 * 8);

#endif /* UNIT_SHIM_ASM_KVM_HOST_H */
