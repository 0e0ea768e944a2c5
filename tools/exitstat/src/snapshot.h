/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading all counters at one instant, and the difference of two readings,
 * with exitstat's own CPUID exits taken out.
 *
 * Every query is itself a CPUID exit, counted before the answer is built.
 * A snapshot therefore names a reference point, just after its first query
 * (the total), and reports every counter as it stood there:
 *
 *   1. total exits (T1)            <- reference point
 *   2. total cycles
 *   3. for each defined reason: its count, then its cycles
 *   4. total exits again (T2)
 *   2a. CPUID's count and cycles
 *   5. CPUID's count, and its cycles twice: what the queries themselves cost
 *
 * Only the CPUID reason moves because of the read itself: its count is
 * lowered by the number of queries issued after the reference point up to
 * and including the one that read it.  If T2 - T1 equals the number of
 * queries after the reference point, nothing else exited during the read
 * and the sum over reasons must equal T1 exactly; otherwise the read is
 * retried, and the last attempt's sum must lie in [T1, T1 + other exits].
 */
#ifndef EXITSTAT_SNAPSHOT_H
#define EXITSTAT_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "discover.h"

struct reason_stat {
	uint64_t count;
	uint64_t cycles;
	bool defined;		/* the host does not answer EDX = ~0 for it */
};

struct snapshot {
	struct reason_stat *r;	/* iface->table.len entries */
	uint64_t total;		/* T1: exits at the reference point */
	uint64_t total_cycles;
	uint64_t seq_ref;	/* backend->calls at the reference point */
	uint64_t own_queries;	/* queries after the reference point */
	uint64_t own_cycles;	/* their handling cycles (see snapshot.c) */
	uint64_t query_cycles;	/* what one query of CPUID's cycles cost */
	bool cycles_quiet;	/* no other CPUID exit among our queries */
	uint64_t earlier_cycles;	/* own cycles of retried attempts */
	bool earlier_quiet;		/* and whether they were all quiet */
	uint64_t cpuid_count_start, cpuid_cycles_start, cpuid_calls_start;
	uint64_t other_exits;	/* exits not caused by the read, during it */
	uint64_t sum;		/* sum over reasons at the reference point */
	bool consistent;	/* sum == total, or within other_exits of it */
	unsigned int attempts;
};

/* How many reads one snapshot tries to get an exact one. */
#define SNAPSHOT_ATTEMPTS 3

int snapshot_init(struct snapshot *s, const struct iface *iface);
void snapshot_free(struct snapshot *s);
void snapshot_take(struct exitstat_backend *be, const struct iface *iface,
		   struct snapshot *s, unsigned int max_attempts);

/*
 * b - a per reason into out[] (iface->table.len entries).  Narrow (32-bit)
 * counters are subtracted modulo 2^32: a counter that went down wrapped once.
 * The queries exitstat made between the two reference points are taken
 * out of the CPUID reason and the total: their number always, their cycles
 * when both readings were undisturbed (*own says which).
 */
struct own_queries {
	uint64_t count;		/* subtracted from CPUID and the total */
	uint64_t cycles;	/* subtracted from their cycles, if known */
	bool cycles_known;
};

void snapshot_delta(const struct iface *iface, const struct snapshot *a,
		    const struct snapshot *b, struct reason_stat *out,
		    uint64_t *total, uint64_t *total_cycles,
		    struct own_queries *own);

#endif
