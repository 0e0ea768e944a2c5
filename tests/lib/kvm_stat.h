/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's binary statistics (KVM_GET_STATS_FD), as our user-space VMMs read
 * them: the e2e suite and the benchmark both cross-check against "exits".
 */
#ifndef TESTS_LIB_KVM_STAT_H
#define TESTS_LIB_KVM_STAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Opens the statistics of a VM or vCPU @fd and finds the single cumulative
 * counter @name.  Returns the statistics fd and sets *offset to the byte
 * offset of its value; on failure returns -1 with a message in @why.
 */
int kvm_stat_open(int fd, const char *name, uint64_t *offset,
		  char *why, size_t why_len);

#endif /* TESTS_LIB_KVM_STAT_H */
