/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Vendor-neutral categories of exit reasons (port I/O, nested page faults,
 * CPUID, MSR, HLT, ...), so an AMD guest and an Intel guest are compared on
 * the same rows.  categories.c holds the one table, a category for every
 * reason of both of the ABI's tables; exitstat, the documentation and the
 * reasons JSON for Python (build/reasons/reasons.json) all read it, and
 * categories_check() says where it and the ABI's tables disagree.
 */
#ifndef EXITSTAT_CATEGORIES_H
#define EXITSTAT_CATEGORIES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reasons.h"

enum exit_category {
	CATEGORY_IO,
	CATEGORY_NPF_EPT,
	CATEGORY_APIC,
	CATEGORY_CPUID,
	CATEGORY_MSR,
	CATEGORY_HLT,
	CATEGORY_PAUSE_WAIT,
	CATEGORY_INTERRUPT,
	CATEGORY_EXCEPTION,
	CATEGORY_CR_DR,
	CATEGORY_DESCRIPTOR,
	CATEGORY_HYPERCALL,
	CATEGORY_NESTED,
	CATEGORY_TLB_CACHE,
	CATEGORY_COUNTERS,
	CATEGORY_XSAVE,
	CATEGORY_SMM,
	CATEGORY_ENTRY_FAILURE,
	CATEGORY_OTHER,
	NR_CATEGORIES
};

/* "io", "npf_ept", ...: the name output, labels and --filter use. */
const char *category_name(enum exit_category category);
/* One line on what the category holds. */
const char *category_description(enum exit_category category);

/*
 * The category of a reason of the table.  Every reason has one once
 * categories_check() passes; until then a reason missing from the
 * category table counts as CATEGORY_OTHER.
 */
enum exit_category reason_category(const struct reason_table *table,
				   size_t index);

/*
 * Compares the category table with the ABI's tables: every reason of the
 * ABI has exactly one category entry, under the same number and name, and
 * every entry is a reason of the ABI.  Prints each disagreement to @err;
 * returns their number (0: consistent).
 */
int categories_check(FILE *err);

#endif
