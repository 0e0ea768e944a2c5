// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

int snapshot_init(struct snapshot *s, const struct iface *iface)
{
	memset(s, 0, sizeof(*s));
	s->r = calloc(iface->table.len, sizeof(*s->r));
	return s->r ? 0 : -1;
}

void snapshot_free(struct snapshot *s)
{
	free(s->r);
	s->r = NULL;
}

/* Counters are 64 bits with the signature, 32 with only the plain leaves. */
static uint64_t counter_mask(const struct iface *iface)
{
	return iface->wide ? UINT64_MAX : UINT32_MAX;
}

static uint64_t read_total(struct exitstat_backend *be,
			   const struct iface *iface)
{
	struct cpuid_regs r;

	if (iface->wide) {
		backend_cpuid(be, abi_leaf_total_exits64, 0, &r);
		return (uint64_t)r.ebx << 32 | r.ecx;
	}
	backend_cpuid(be, abi_leaf_total_exits, 0, &r);
	return r.eax;
}

/* Returns false if the host does not define the reason. */
static bool read_count(struct exitstat_backend *be, const struct iface *iface,
		       uint32_t reason, uint64_t *count)
{
	struct cpuid_regs r;

	if (iface->wide) {
		backend_cpuid(be, abi_leaf_reason_exits64, reason, &r);
		*count = (uint64_t)r.ebx << 32 | r.ecx;
	} else {
		backend_cpuid(be, abi_leaf_reason_exits, reason, &r);
		*count = r.eax;
	}
	return r.edx != abi_undefined;
}

static uint64_t read_cycles(struct exitstat_backend *be, uint32_t leaf,
			    uint32_t reason)
{
	struct cpuid_regs r;

	backend_cpuid(be, leaf, reason, &r);
	return (uint64_t)r.ebx << 32 | r.ecx;
}

/*
 * The handling cycles of this reading's own queries after the reference
 * point, measured with two more reads of the total cycles at its end (a
 * query's cycles count once it is handled, so each read sees those of the
 * queries before it):
 *
 *   E1 - total_cycles   the queries from the total cycles read up to T2
 *   E2 - E1             the E1 query itself, which also stands for E2
 *                       (the same leaf) and, in snapshot_delta(), for the
 *                       next reading's first query (the total)
 */
static void read_own_cycles(struct exitstat_backend *be, struct snapshot *s)
{
	uint64_t e1 = read_cycles(be, abi_leaf_total_cycles, 0);
	uint64_t e2 = read_cycles(be, abi_leaf_total_cycles, 0);

	s->query_cycles = e2 - e1;
	s->own_cycles = (e1 - s->total_cycles) + 2 * s->query_cycles;
}

static void read_once(struct exitstat_backend *be, const struct iface *iface,
		      struct snapshot *s)
{
	uint64_t mask = counter_mask(iface), t2, moved, sum = 0, own_through_t2;
	const struct reason_table *table = &iface->table;
	struct reason_stat *st;
	size_t i;

	s->total = read_total(be, iface);
	s->seq_ref = be->calls;
	s->total_cycles = read_cycles(be, abi_leaf_total_cycles, 0);

	for (i = 0; i < table->len; i++) {
		st = &s->r[i];
		st->defined = read_count(be, iface, reason_number(table, i),
					 &st->count);
		if (!st->defined) {
			st->count = 0;
			st->cycles = 0;
			continue;
		}
		if (i == table->cpuid_index)
			st->count = (st->count - (be->calls - s->seq_ref)) & mask;
		/*
		 * A 64-bit count of zero has no cycles; a 32-bit one may
		 * have wrapped, so its cycles are read anyway.
		 */
		if (st->count == 0 && iface->wide && i != table->cpuid_index)
			st->cycles = 0;
		else
			st->cycles = read_cycles(be, abi_leaf_reason_cycles,
						 reason_number(table, i));
		sum += st->count;
	}

	t2 = read_total(be, iface);
	own_through_t2 = be->calls - s->seq_ref;
	read_own_cycles(be, s);
	s->own_queries = be->calls - s->seq_ref;
	s->sum = sum & mask;
	moved = (t2 - s->total) & mask;
	if (moved < own_through_t2) {
		/* The total missed some of our own CPUID exits: broken. */
		s->other_exits = 0;
		s->consistent = false;
		return;
	}
	s->other_exits = moved - own_through_t2;
	s->consistent = ((s->sum - s->total) & mask) <= s->other_exits;
}

void snapshot_take(struct exitstat_backend *be, const struct iface *iface,
		   struct snapshot *s, unsigned int max_attempts)
{
	s->attempts = 0;
	do {
		read_once(be, iface, s);
		s->attempts++;
	} while (s->other_exits != 0 && s->attempts < max_attempts);
}

void snapshot_delta(const struct iface *iface, const struct snapshot *a,
		    const struct snapshot *b, struct reason_stat *out,
		    uint64_t *total, uint64_t *total_cycles,
		    struct own_queries *own)
{
	uint64_t mask = counter_mask(iface);
	size_t i, cpuid = iface->table.cpuid_index;

	own->count = b->seq_ref - a->seq_ref;
	own->cycles = a->own_cycles + b->query_cycles;
	for (i = 0; i < iface->table.len; i++) {
		out[i].defined = a->r[i].defined && b->r[i].defined;
		out[i].count = (b->r[i].count - a->r[i].count) & mask;
		out[i].cycles = b->r[i].cycles - a->r[i].cycles;
		if (!out[i].defined)
			out[i].count = out[i].cycles = 0;
	}
	*total = (b->total - a->total) & mask;
	*total_cycles = b->total_cycles - a->total_cycles;
	/* Saturate: only a host that does not count our CPUIDs gets here. */
	out[cpuid].count = out[cpuid].count >= own->count ?
			   out[cpuid].count - own->count : 0;
	*total = *total >= own->count ? *total - own->count : 0;
	/*
	 * The cycles only when both readings were undisturbed (no other exit
	 * among our queries) and the figures fit: then they are our queries'
	 * own, to within the two estimated queries.
	 */
	own->cycles_known = a->other_exits == 0 && b->other_exits == 0 &&
			    a->consistent && b->consistent &&
			    own->cycles <= out[cpuid].cycles &&
			    own->cycles <= *total_cycles;
	if (own->cycles_known) {
		out[cpuid].cycles -= own->cycles;
		*total_cycles -= own->cycles;
	} else {
		own->cycles = 0;
	}
}
