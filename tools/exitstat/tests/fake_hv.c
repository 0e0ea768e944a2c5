// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "fake_hv.h"
#include "process.h"

#define LEAF_SIG 0x4FFFFFFBu
#define LEAF_INFO 0x4FFFFFFAu

static bool in_list(const uint32_t *list, int n, uint32_t v)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static int slot_of(const struct fake_hv *hv, uint32_t reason)
{
	size_t i;

	for (i = 0; i < hv->table.len; i++)
		if (reason_number(&hv->table, i) == reason)
			return (int)i;
	return -1;
}

void fake_hv_add(struct fake_hv *hv, uint32_t reason, uint64_t exits)
{
	int slot = slot_of(hv, reason);

	if (slot < 0) {
		hv->undefined_count += exits;
		return;
	}
	hv->count[slot] += exits;
	hv->cycles[slot] += exits * 1000;
}

uint64_t fake_hv_count(const struct fake_hv *hv, uint32_t reason)
{
	int slot = slot_of(hv, reason);

	return slot < 0 ? 0 : hv->count[slot];
}

uint64_t fake_hv_total(const struct fake_hv *hv)
{
	uint64_t total = hv->undefined_count;
	size_t i;

	for (i = 0; i < hv->table.len; i++)
		total += hv->count[i];
	return total;
}

static uint64_t total_cycles(const struct fake_hv *hv)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < hv->table.len; i++)
		total += hv->cycles[i];
	return total;
}

static void text_to_regs(const char *text, uint32_t *a, uint32_t *b,
			 uint32_t *c)
{
	char buf[12] = { 0 };

	memcpy(buf, text, strnlen(text, 12));
	memcpy(a, buf, 4);
	memcpy(b, buf + 4, 4);
	memcpy(c, buf + 8, 4);
}

static void split(uint64_t v, struct cpuid_regs *r)
{
	r->ebx = (uint32_t)(v >> 32);
	r->ecx = (uint32_t)v;
}

/* The leaves as KVM's exit_stats.c answers them. */
static void exit_stats_leaf(struct fake_hv *hv, uint32_t leaf,
			    uint32_t subleaf, struct cpuid_regs *r)
{
	int slot;

	switch (leaf) {
	case 0x4FFFFFFF:
		r->eax = (uint32_t)fake_hv_total(hv);
		return;
	case 0x4FFFFFFE:
		split(total_cycles(hv), r);
		return;
	case 0x4FFFFFF9:
		split(fake_hv_total(hv), r);
		return;
	}
	slot = slot_of(hv, subleaf);
	if (slot < 0 || in_list(hv->host_undefined, hv->n_host_undefined,
				subleaf)) {
		r->edx = 0xFFFFFFFFu;
		return;
	}
	if (in_list(hv->unhandled, hv->n_unhandled, subleaf))
		return;
	if (leaf == 0x4FFFFFFD)
		r->eax = (uint32_t)hv->count[slot];
	else if (leaf == 0x4FFFFFFC)
		split(hv->cycles[slot], r);
	else
		split(hv->count[slot], r);
}

void fake_hv_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf,
		   struct cpuid_regs *r)
{
	struct fake_hv *hv = ctx;
	bool ours = leaf >= 0x4FFFFFF8u;
	int i;

	memset(r, 0, sizeof(*r));
	hv->calls++;
	for (i = 0; i < hv->n_events; i++)
		if (hv->events[i].at_call == hv->calls)
			fake_hv_add(hv, hv->events[i].reason,
				    hv->events[i].exits);
	/* The exit is counted when it begins: before the answer. */
	if (hv->kind != FAKE_BARE)
		hv->count[hv->table.cpuid_index]++;

	if (leaf == 0) {
		r->eax = hv->max_basic_leaf;
		text_to_regs(hv->cpu_vendor, &r->ebx, &r->edx, &r->ecx);
	} else if (leaf == 1) {
		r->eax = 0x00a50f00;
		r->ecx = hv->kind == FAKE_BARE ? 0 : 1u << 31;
	} else if (leaf == 0x15 && leaf <= hv->max_basic_leaf) {
		*r = hv->leaf15;
	} else if (leaf == 0x16 && leaf <= hv->max_basic_leaf) {
		*r = hv->leaf16;
	} else if (leaf == 0x40000000 && hv->kind != FAKE_BARE) {
		r->eax = 0x40000001;
		text_to_regs(hv->hv_vendor, &r->ebx, &r->ecx, &r->edx);
	} else if (ours && hv->kind == FAKE_EXIT_STATS && leaf == LEAF_SIG) {
		r->eax = 1;
		r->ebx = abi_sig_ebx;
		r->ecx = abi_sig_ecx;
		r->edx = abi_sig_edx;
	} else if (ours && hv->kind == FAKE_EXIT_STATS && leaf == LEAF_INFO) {
		r->eax = (uint32_t)hv->numbering;
		r->ebx = hv->tsc_khz;
		r->ecx = hv->vcpus;
	} else if (ours && (hv->kind == FAKE_EXIT_STATS ||
			    (hv->kind == FAKE_PLAIN && leaf >= 0x4FFFFFFC))) {
		exit_stats_leaf(hv, leaf, subleaf, r);
	} else if (leaf > hv->max_basic_leaf &&
		   strcmp(hv->cpu_vendor, "GenuineIntel") == 0) {
		/* Intel: unknown leaves answer the highest basic leaf. */
		r->eax = 0x07300403;
		r->ebx = 0x00000040;
	}
	/* Cycles are added when the exit is handled: after the answer. */
	if (hv->kind != FAKE_BARE)
		hv->cycles[hv->table.cpuid_index] += hv->cpuid_cycles;
}

static double fake_now(struct exitstat_env *env)
{
	return ((struct fake_hv *)env->ctx)->now;
}

/* A fixed wall clock: 2026-12-02T00:00:00Z plus the fake's monotonic time. */
static double fake_wall_time(struct exitstat_env *env)
{
	return 1796169600.0 + ((struct fake_hv *)env->ctx)->now;
}

static bool fake_sleep_until(struct exitstat_env *env, double deadline)
{
	struct fake_hv *hv = env->ctx;

	if (hv->max_sleeps && hv->sleeps++ >= hv->max_sleeps)
		return false;
	if (deadline > hv->now)
		hv->now = deadline;
	fake_hv_add(hv, hv->sleep_reason, hv->sleep_exits);
	return true;
}

static int fake_run_command(struct exitstat_env *env, char *const argv[],
			    int *wait_status)
{
	struct fake_hv *hv = env->ctx;
	int err = process_run(argv, wait_status);

	if (!err) {
		fake_hv_add(hv, hv->command_reason, hv->command_exits);
		fake_hv_add(hv, reason_number(&hv->table, hv->table.cpuid_index),
			    hv->command_cpuids);
		hv->now += 0.25;
	}
	return err;
}

void fake_hv_env(struct fake_hv *hv, struct exitstat_backend *be,
		 struct exitstat_env *env)
{
	memset(be, 0, sizeof(*be));
	be->cpuid = fake_hv_cpuid;
	be->ctx = hv;
	env->backend = be;
	env->now = fake_now;
	env->wall_time = fake_wall_time;
	env->sleep_until = fake_sleep_until;
	env->run_command = fake_run_command;
	env->ctx = hv;
}

/* A plausible guest: boot-time exits, I/O-heavy. */
static void seed(struct fake_hv *hv)
{
	bool vmx = hv->numbering == NUMBERING_VMX;

	fake_hv_add(hv, vmx ? 30 : 0x7b, 1000);			/* I/O */
	fake_hv_add(hv, vmx ? 48 : 0x400, 300);			/* EPT / NPF */
	fake_hv_add(hv, vmx ? 1 : 0x60, 50);			/* interrupt */
	fake_hv_add(hv, vmx ? 12 : 0x78, 20);			/* HLT */
	fake_hv_add(hv, vmx ? 32 : 0x7c, 15);			/* MSR write */
	fake_hv_add(hv, vmx ? 10 : 0x72, 21);			/* CPUID */
	/* Different costs per reason, so sorting by cycles/mean differs. */
	hv->cycles[slot_of(hv, vmx ? 48 : 0x400)] += 3000000;
	hv->cycles[slot_of(hv, vmx ? 12 : 0x78)] += 200000;
}

int fake_hv_setup(struct fake_hv *hv, const char *scenario)
{
	bool intel;

	memset(hv, 0, sizeof(*hv));
	hv->kind = FAKE_EXIT_STATS;
	intel = strstr(scenario, "svm") == NULL && strstr(scenario, "amd") == NULL;
	strcpy(hv->cpu_vendor, intel ? "GenuineIntel" : "AuthenticAMD");
	strcpy(hv->hv_vendor, "KVMKVMKVM");
	hv->numbering = intel ? NUMBERING_VMX : NUMBERING_SVM;
	hv->max_basic_leaf = 0x16;
	hv->tsc_khz = 2994374;
	hv->vcpus = 2;
	hv->cpuid_cycles = 2000;
	hv->sleep_exits = 100;
	hv->command_exits = 1000;
	hv->command_cpuids = 2;
	hv->now = 1000.0;

	if (strcmp(scenario, "vmx") == 0 || strcmp(scenario, "svm") == 0) {
		/* nothing more */
	} else if (strcmp(scenario, "plain-intel") == 0 ||
		   strcmp(scenario, "plain-amd") == 0) {
		hv->kind = FAKE_PLAIN;
		strcpy(hv->hv_vendor, "OtherHV");
		hv->leaf15 = (struct cpuid_regs){ 2, 208, 24000000, 0 };
	} else if (strcmp(scenario, "plain-wrap") == 0) {
		hv->kind = FAKE_PLAIN;
		strcpy(hv->hv_vendor, "OtherHV");
		hv->max_basic_leaf = 0xd;
	} else if (strcmp(scenario, "stock-intel") == 0 ||
		   strcmp(scenario, "stock-amd") == 0 ||
		   strcmp(scenario, "disabled-intel") == 0 ||
		   strcmp(scenario, "disabled-amd") == 0) {
		hv->kind = FAKE_STOCK;
	} else if (strcmp(scenario, "bare") == 0) {
		hv->kind = FAKE_BARE;
	} else if (strcmp(scenario, "mismatch") == 0) {
		hv->undefined_count = 7;
	} else if (strcmp(scenario, "old-host") == 0) {
		/* A host whose table ends before 84/85 and lacks GETSEC's handler. */
		hv->host_undefined[hv->n_host_undefined++] = 84;
		hv->host_undefined[hv->n_host_undefined++] = 85;
		hv->unhandled[hv->n_unhandled++] = 11;
	} else {
		return -1;
	}
	if (reason_table_get(hv->numbering, &hv->table) != 0 ||
	    hv->table.len > FAKE_MAX_REASONS)
		return -1;
	hv->sleep_reason = hv->command_reason =
		hv->numbering == NUMBERING_VMX ? 30 : 0x7b;
	if (hv->kind != FAKE_BARE)
		seed(hv);
	if (strcmp(scenario, "plain-wrap") == 0) {
		/*
		 * Only I/O and CPUID exits, the total 60 short of 2^32: the
		 * first read crosses the wrap, and both the I/O count and
		 * the total go down between two readings 100 exits apart.
		 */
		size_t i, io = (size_t)slot_of(hv, 30);

		for (i = 0; i < hv->table.len; i++)
			if (i != hv->table.cpuid_index)
				hv->count[i] = hv->cycles[i] = 0;
		hv->count[io] = (1ull << 32) - 60 - hv->count[hv->table.cpuid_index];
	}
	return 0;
}
