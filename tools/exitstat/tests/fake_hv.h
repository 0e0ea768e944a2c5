/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake hypervisor behind struct exitstat_backend: it keeps per-reason
 * counters like KVM's exit_stats.c, counts every CPUID it answers as a
 * CPUID exit (before answering, cycles after), and can be told to add
 * "foreign" exits at a given query, per sleep, or per command run.
 */
#ifndef EXITSTAT_FAKE_HV_H
#define EXITSTAT_FAKE_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "exitstat.h"
#include "reasons.h"

enum fake_kind {
	FAKE_EXIT_STATS,	/* our patched KVM: signature, info, 64-bit leaves */
	FAKE_PLAIN,		/* another implementation: 0x4FFFFFFC-F only */
	FAKE_STOCK,		/* KVM without the interface, or exit_stats=0 */
	FAKE_BARE,		/* no hypervisor at all */
};

#define FAKE_MAX_REASONS 256
#define FAKE_MAX_EVENTS 16
#define FAKE_MAX_LIST 8

struct fake_event {
	uint64_t at_call;	/* 1-based CPUID query number */
	uint32_t reason;
	uint64_t exits;
};

struct fake_hv {
	enum fake_kind kind;
	char cpu_vendor[13];
	char hv_vendor[13];
	enum numbering numbering;	/* what the host really uses */
	uint32_t max_basic_leaf;
	uint32_t tsc_khz;		/* info leaf */
	uint32_t vcpus;
	struct cpuid_regs leaf15, leaf16;
	/* Reasons the host answers as undefined / as defined-but-unhandled. */
	uint32_t host_undefined[FAKE_MAX_LIST];
	int n_host_undefined;
	uint32_t unhandled[FAKE_MAX_LIST];
	int n_unhandled;

	/* Counters, indexed like the numbering's reason table. */
	struct reason_table table;
	uint64_t count[FAKE_MAX_REASONS], cycles[FAKE_MAX_REASONS];
	uint64_t undefined_count;	/* exits with no defined reason */
	uint64_t cpuid_cycles;		/* cost of one CPUID exit */

	struct fake_event events[FAKE_MAX_EVENTS];
	int n_events;
	/* Added on every sleep (watch) and on every command (run). */
	uint32_t sleep_reason, command_reason;
	uint64_t sleep_exits, command_exits, command_cpuids;

	uint64_t calls;
	double now;
	/* After this many sleeps, act as if Ctrl-C was pressed; 0: never. */
	unsigned long max_sleeps, sleeps;
};

/* A named scenario; returns -1 for an unknown name. */
int fake_hv_setup(struct fake_hv *hv, const char *scenario);
void fake_hv_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf,
		   struct cpuid_regs *out);
/* Adds exits (and 1000 cycles each) under a reason number. */
void fake_hv_add(struct fake_hv *hv, uint32_t reason, uint64_t exits);
uint64_t fake_hv_count(const struct fake_hv *hv, uint32_t reason);
uint64_t fake_hv_total(const struct fake_hv *hv);
/* Points env at hv: fake CPUID, fake clock, real fork/exec plus hv's exits. */
void fake_hv_env(struct fake_hv *hv, struct exitstat_backend *be,
		 struct exitstat_env *env);

#endif
