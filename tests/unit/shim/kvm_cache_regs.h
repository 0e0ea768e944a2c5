/* SPDX-License-Identifier: GPL-2.0 */
/*
 * is_guest_mode() as KVM has it in arch/x86/kvm/kvm_cache_regs.h: whether the
 * vCPU runs a nested guest (L2).  Here a flag the test sets on the fake vCPU.
 */
#ifndef UNIT_SHIM_KVM_CACHE_REGS_H
#define UNIT_SHIM_KVM_CACHE_REGS_H

#include <linux/kvm_host.h>

static inline bool is_guest_mode(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.guest_mode;
}

#endif /* UNIT_SHIM_KVM_CACHE_REGS_H */
