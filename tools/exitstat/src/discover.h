/* SPDX-License-Identifier: GPL-2.0 */
/* Finding out whether, and how, the hypervisor exports exit statistics. */
#ifndef EXITSTAT_DISCOVER_H
#define EXITSTAT_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "reasons.h"

struct iface {
	char cpu_vendor[13];	/* CPUID 0 */
	char hv_vendor[13];	/* CPUID 0x40000000, printable, or "unknown" */
	bool has_signature;	/* 0x4FFFFFFB answers "ExitStatsKVM" */
	uint32_t version;	/* its EAX; 0 without signature */
	bool wide;		/* 64-bit count leaves 0x4FFFFFF9/0x4FFFFFF8 */
	enum numbering numbering;
	const char *numbering_source;	/* "info-leaf", "cpu-vendor", "option" */
	uint32_t tsc_khz;		/* 0: unknown, time columns omitted */
	const char *tsc_source;	/* see tsc_source_text() */
	uint32_t vcpus;		/* 0: unknown */
	struct reason_table table;
};

/* Exit status for "these statistics cannot be read here". */
#define EXIT_UNAVAILABLE 2

/*
 * Fills *out, or returns EXIT_UNAVAILABLE with a one-line explanation (no
 * "exitstat: " prefix, no newline) in msg.  forced overrides the numbering.
 */
int iface_discover(struct exitstat_backend *be, enum numbering forced,
		   struct iface *out, char *msg, size_t msglen);

/* A human description of where tsc_khz came from. */
const char *tsc_source_text(const char *source);

#endif
