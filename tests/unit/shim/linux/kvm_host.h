/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake VM for the unit tests: just the members exit_stats.c touches.  The
 * host TSC is a variable the test sets, so cycle counts are exact.
 */
#ifndef UNIT_SHIM_LINUX_KVM_HOST_H
#define UNIT_SHIM_LINUX_KVM_HOST_H

#include <linux/kernel.h>
#include <linux/bitmap.h>
#include <linux/kvm.h>		/* the build host's uapi: KVM_STATS_UNIT_* */
#include <asm/kvm_host.h>	/* the shim's: struct kvm_vcpu_stat */

#define KVM_MAX_VCPUS		8

/* The length of a binary stat's name, as in the kernel's linux/kvm_host.h. */
#define KVM_STATS_NAME_SIZE	48

struct kvm_exit_stats;

struct kvm_vcpu {
	struct kvm *kvm;
	/* What the binary stats read, at the descriptors' offsets. */
	struct kvm_vcpu_stat stat;
	struct {
		struct kvm_exit_stats *exit_stats;
		bool guest_mode;	/* running L2: is_guest_mode() */
	} arch;
};

/* One thread at a time here: a mutex that only counts its holders. */
struct mutex {
	int held;
};

static inline void mutex_lock(struct mutex *m)
{
	m->held++;
}

static inline void mutex_unlock(struct mutex *m)
{
	m->held--;
}

struct kvm {
	struct mutex lock;
	int created_vcpus;
	atomic_t online_vcpus;
	struct kvm_vcpu *vcpus[KVM_MAX_VCPUS];
	struct {
		bool exit_stats_off;	/* KVM_CAP_X86_EXIT_STATS set to 0 */
		u32 exit_stats_epoch;	/* kvm_exit_stats_vm_init() */
	} arch;
};

/* Like the kernel's: visits vcpus[0 .. online_vcpus - 1]. */
#define kvm_for_each_vcpu(idx, vcpup, kvm)					\
	for ((idx) = 0;								\
	     (idx) < (unsigned long)atomic_read(&(kvm)->online_vcpus) &&	\
	     ((vcpup) = (kvm)->vcpus[(idx)]) != NULL;				\
	     (idx)++)

/* Host TSC: rdtsc() returns fake_tsc; tsc_khz is what the INFO leaf reports. */
extern u64 fake_tsc;
extern unsigned int tsc_khz;

static inline u64 rdtsc(void)
{
	return fake_tsc;
}

#endif /* UNIT_SHIM_LINUX_KVM_HOST_H */
