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
 * What this reading's own queries cost in handling cycles, measured on the
 * CPUID reason itself, so that exits of other reasons during the reading
 * (interrupts, other vCPUs' I/O) do not disturb it.  A query's cycles count
 * once it is handled, so a read sees those of the queries before it:
 *
 *   ns, cs     CPUID's count and cycles after the total cycles read
 *   ne, e1, e2 CPUID's count and cycles twice, after T2
 *
 * e1 - cs is the queries from cs to ne; e2 - e1, the cost of one cycles
 * query, stands for the five not inside it: the total cycles read, ns, e1,
 * e2 and, in snapshot_delta(), the next reading's first query.  Valid when
 * CPUID's count moved by exactly our queries between ns and ne.
 */
static void read_cpuid_start(struct exitstat_backend *be,
			     const struct iface *iface, struct snapshot *s)
{
	uint32_t cpuid = reason_number(&iface->table, iface->table.cpuid_index);

	read_count(be, iface, cpuid, &s->cpuid_count_start);
	s->cpuid_calls_start = be->calls;
	s->cpuid_cycles_start = read_cycles(be, abi_leaf_reason_cycles, cpuid);
}

static void read_own_cycles(struct exitstat_backend *be,
			    const struct iface *iface, struct snapshot *s)
{
	uint32_t cpuid = reason_number(&iface->table, iface->table.cpuid_index);
	uint64_t ne, e1, e2;

	read_count(be, iface, cpuid, &ne);
	s->cycles_quiet = ((ne - s->cpuid_count_start) & counter_mask(iface)) ==
			  be->calls - s->cpuid_calls_start;
	e1 = read_cycles(be, abi_leaf_reason_cycles, cpuid);
	e2 = read_cycles(be, abi_leaf_reason_cycles, cpuid);
	s->query_cycles = e2 - e1;
	s->own_cycles = (e1 - s->cpuid_cycles_start) + 4 * s->query_cycles;
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
	read_cpuid_start(be, iface, s);

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
	read_own_cycles(be, iface, s);
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
	s->earlier_cycles = 0;
	s->earlier_quiet = true;
	do {
		/*
		 * A retried attempt's queries lie before this reading's
		 * reference point, between two readings of a delta: their
		 * cycles (its first query estimated like the others) count as
		 * exitstat's own too.
		 */
		if (s->attempts) {
			s->earlier_cycles += s->query_cycles + s->own_cycles;
			s->earlier_quiet = s->earlier_quiet && s->cycles_quiet;
		}
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
	own->cycles = a->own_cycles + b->earlier_cycles + b->query_cycles;
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
	 * The cycles only when no other CPUID exit came among the queries of
	 * either reading and the figures fit: then they are our queries' own,
	 * to within the five estimated ones.
	 */
	own->cycles_known = a->cycles_quiet && b->cycles_quiet && b->earlier_quiet &&
			    own->cycles <= out[cpuid].cycles &&
			    own->cycles <= *total_cycles;
	if (own->cycles_known) {
		out[cpuid].cycles -= own->cycles;
		*total_cycles -= own->cycles;
	} else {
		own->cycles = 0;
	}
}
