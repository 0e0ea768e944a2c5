/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two exit-reason numberings the tests know, with the reasons they make
 * the guest cause.  The tables of defined reasons come from the guest ABI
 * header (exit_stats_abi.h); only the few numbers the tests use, and what
 * Debian's 6.1 KVM leaves unhandled, are written here.
 */
#ifndef KVM_LIB_REASONS_H
#define KVM_LIB_REASONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exit_stats_abi.h"

struct numbering {
	uint32_t id;		/* KVM_EXIT_STATS_NUMBERING_* */
	const char *tag;	/* "vmx" / "svm", as in the debugfs file */
	const struct kvm_exit_stats_reason *table;
	size_t len;
	/* Reasons the tests cause, and their names in the table. */
	uint32_t io, cpuid, msr_read, msr_write, hypercall, hlt;
	uint32_t mmio[2];	/* NPF; or EPT violation + misconfig */
	size_t nr_mmio;
	const char *names[8];	/* io cpuid msr_read msr_write hc hlt mmio.. */
	/* Reserved numbers inside the table's range. */
	const uint32_t *reserved;
	size_t nr_reserved;
	/* Defined, but Debian 6.1's KVM has no handler for them. */
	const uint32_t *unhandled;
	size_t nr_unhandled;
};

const struct numbering *numbering_for(bool amd);
bool reason_defined(const struct numbering *n, uint32_t reason);
const char *reason_name(const struct numbering *n, uint32_t reason);

#endif /* KVM_LIB_REASONS_H */
