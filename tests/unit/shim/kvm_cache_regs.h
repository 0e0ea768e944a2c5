/* SPDX-License-Identifier: GPL-2.0 */
/*
 * is_guest_mode(), enter_guest_mode() and leave_guest_mode() as KVM has them
 * in arch/x86/kvm/kvm_cache_regs.h: whether the vCPU runs a nested guest
 * (L2), here a flag on the fake vCPU.  Like KVM's, entering and leaving
 * switch the exit statistics' bank, so a test that changes the mode through
 * these sees what KVM would; a test that sets the flag alone sees the
 * is_guest_mode() rule of the leaves without the bank switch.
 */
#ifndef UNIT_SHIM_KVM_CACHE_REGS_H
#define UNIT_SHIM_KVM_CACHE_REGS_H

#include <linux/kvm_host.h>

#include "exit_stats.h"

static inline bool is_guest_mode(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.guest_mode;
}

static inline void enter_guest_mode(struct kvm_vcpu *vcpu)
{
	vcpu->arch.guest_mode = true;
	kvm_exit_stats_guest_mode(vcpu, true);
}

static inline void leave_guest_mode(struct kvm_vcpu *vcpu)
{
	vcpu->arch.guest_mode = false;
	kvm_exit_stats_guest_mode(vcpu, false);
}

#endif /* UNIT_SHIM_KVM_CACHE_REGS_H */
