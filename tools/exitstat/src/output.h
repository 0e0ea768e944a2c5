/* SPDX-License-Identifier: GPL-2.0 */
/* Turning counters into the table, JSON and CSV that people and scripts read. */
#ifndef EXITSTAT_OUTPUT_H
#define EXITSTAT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <regex.h>
#include <stdio.h>

#include "categories.h"
#include "discover.h"
#include "snapshot.h"

enum out_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV, FORMAT_PROMETHEUS };
enum sort_key { SORT_COUNT, SORT_CYCLES, SORT_MEAN, SORT_REASON };

/* Version of the JSON and CSV field sets; bumped only when one changes. */
#define EXITSTAT_FORMAT_VERSION 1

/* What one report shows: absolute counters, or a delta over some seconds. */
struct view {
	const struct iface *iface;
	const struct reason_stat *r;	/* iface->table.len entries */
	const uint64_t *since_start;	/* watch: per reason; else NULL */
	uint64_t total, total_cycles, total_since_start;
	double seconds;			/* length of a delta; 0: none */
	double wall_time;		/* watch: when the interval ended (Unix s) */
	bool all;			/* zero rows of defined reasons too */
	const regex_t *filter;		/* rows whose name or label match; NULL: all */
	bool kernel_names;		/* NAME: KVM's trace names where it has one */
	bool by_category;		/* one row per category, summed over its reasons */
	bool skip_zero;			/* no rows without exits, categories too */
	enum sort_key sort;
	int max_rows;			/* 0: no limit */
};

struct run_info {
	char *const *argv;
	int exit_status;		/* passed through: code, or 128 + signal */
	int signal;			/* 0 if it exited */
	struct own_queries own;
};

void print_snapshot(FILE *out, enum out_format format, const struct view *v,
		    const struct snapshot *snap);
void print_watch(FILE *out, enum out_format format, const struct view *v,
		 unsigned long interval, const struct own_queries *own, bool first);
void print_run(FILE *out, enum out_format format, const struct view *v,
	       const struct run_info *run);
void print_raw(FILE *out, enum out_format format, uint32_t leaf,
	       uint32_t subleaf, const struct cpuid_regs *r);

/* "10" on VMX hosts, "0x7b" on SVM hosts. */
void format_reason(char *buf, size_t len, enum numbering numbering,
		   uint32_t reason);

#endif
