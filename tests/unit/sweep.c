// SPDX-License-Identifier: GPL-2.0
/*
 * Every ECX a guest can pass to the per-reason leaves (0x4FFFFFFD, FC, F8,
 * F5), for both numberings, through the real entry point
 * __kvm_exit_stats_cpuid(), checked against the reason sets written down in
 * unit_test.c:
 *   undefined -> (0, 0, 0, 0xFFFFFFFF); defined, not handled -> all zero;
 *   handled -> the counters this test filled in (both banks, and the blocked
 *   cycles) of the reason's own counter, summed over the vCPUs.
 * Besides: the leaf range is the 11 leaves of version 2, all answered; the
 * totals and NOT_ENABLED match the filled counters, and the handled reasons'
 * counts plus NOT_ENABLED equal the total; the leaves that take no input
 * answer the same whatever ECX is (reduced mode: for its inputs).
 *
 *   sweep --full [--threads N]     all 2^32 inputs (built -O2, no sanitizers)
 *   sweep --reduced [--random N]   inputs < 0x10000, around every table
 *                                  boundary, and N pseudo-random ones (built
 *                                  with ASan/UBSan to catch stray accesses)
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit_test.h"

#define NR_VCPUS	3
#define MAX_SEGMENTS	128
#define MAX_EXAMPLES	3

/* The version 2 leaves, 0x4FFFFFF5-0x4FFFFFFF. */
#define NR_LEAVES	11

struct mismatches {
	u64 count;
	char examples[MAX_EXAMPLES][120];
};

static void record(struct mismatches *m, u32 x, bool answered,
		   const struct cpuid_regs *got, const struct cpuid_regs *want)
{
	if (m->count < MAX_EXAMPLES)
		snprintf(m->examples[m->count], sizeof(m->examples[0]),
			 "ecx=%#x answered=%d got %08x %08x %08x %08x want %08x %08x %08x %08x",
			 x, answered, got->eax, got->ebx, got->ecx, got->edx,
			 want->eax, want->ebx, want->ecx, want->edx);
	m->count++;
}

static bool same_regs(const struct cpuid_regs *a, const struct cpuid_regs *b)
{
	return a->eax == b->eax && a->ebx == b->ebx && a->ecx == b->ecx &&
	       a->edx == b->edx;
}

static void check_input(struct fake_vm *vm, u32 numbering, u32 leaf, u32 x,
			const struct cpuid_regs *want, struct mismatches *m)
{
	struct cpuid_regs got;
	bool answered = guest_cpuid(&vm->vcpu[0], leaf, x, &got);

	if (!answered || !same_regs(&got, want))
		record(m, x, answered, &got, want);
	(void)numbering;
}

struct sweep_job {
	struct fake_vm *vm;
	u32 numbering, leaf;
	u64 lo, hi;			/* inputs [lo, hi) */
	const struct input_segment *segs;
	int nr_segs;
	struct mismatches m;
};

static void *sweep_chunk(void *arg)
{
	struct sweep_job *job = arg;

	for (int i = 0; i < job->nr_segs; i++) {
		const struct input_segment *seg = &job->segs[i];
		u64 a = seg->lo > job->lo ? seg->lo : job->lo;
		u64 b = seg->hi < job->hi ? seg->hi : job->hi;
		struct cpuid_regs want;

		for (u64 x = a; x < b; x++) {
			/* Outside handled stretches the answer is constant. */
			if (seg->handled || x == a)
				want = expect_reason_leaf(job->numbering, job->leaf,
							  (u32)x, NR_VCPUS);
			check_input(job->vm, job->numbering, job->leaf, (u32)x,
				    &want, &job->m);
		}
	}
	return NULL;
}

static double seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report_leaf(const char *what, u32 numbering, u32 leaf,
			const struct mismatches *m, u64 inputs)
{
	char name[128];

	snprintf(name, sizeof(name), "%s %s leaf %#x (%" PRIu64 " inputs)",
		 what, numbering_name(numbering), leaf, (uint64_t)inputs);
	check(m->count == 0, name, "%" PRIu64 " mismatches, first: %s%s%s%s%s",
	      (uint64_t)m->count, m->examples[0],
	      m->count > 1 ? "; " : "", m->count > 1 ? m->examples[1] : "",
	      m->count > 2 ? "; " : "", m->count > 2 ? m->examples[2] : "");
}

static void merge(struct mismatches *into, const struct mismatches *from)
{
	for (u64 i = 0; i < from->count && i < MAX_EXAMPLES; i++)
		if (into->count + i < MAX_EXAMPLES)
			memcpy(into->examples[into->count + i], from->examples[i],
			       sizeof(from->examples[i]));
	into->count += from->count;
}

static void full_sweep(struct fake_vm *vm, u32 numbering, int nr_threads,
		       int bits)
{
	struct input_segment segs[MAX_SEGMENTS];
	int nr_segs = expect_segments(numbering, segs, MAX_SEGMENTS);
	u64 end = 1ull << bits, chunk = end / (u64)nr_threads;

	for (size_t l = 0; l < ARRAY_SIZE(expect_reason_leaves); l++) {
		struct sweep_job jobs[16];
		pthread_t threads[16];
		struct mismatches total = { 0 };
		double start = seconds(CLOCK_MONOTONIC);
		double cpu_start = seconds(CLOCK_PROCESS_CPUTIME_ID);

		for (int t = 0; t < nr_threads; t++) {
			jobs[t] = (struct sweep_job){
				.vm = vm, .numbering = numbering,
				.leaf = expect_reason_leaves[l],
				.lo = chunk * (u64)t,
				.hi = t == nr_threads - 1 ? end : chunk * (u64)(t + 1),
				.segs = segs, .nr_segs = nr_segs,
			};
			if (pthread_create(&threads[t], NULL, sweep_chunk, &jobs[t])) {
				perror("pthread_create");
				exit(2);
			}
		}
		for (int t = 0; t < nr_threads; t++) {
			pthread_join(threads[t], NULL);
			merge(&total, &jobs[t].m);
		}
		/* CPU time too: on a loaded machine the wall time says little. */
		printf("# %s leaf %#x: 2^%d inputs in %.1f s on %d threads, %.1f s CPU\n",
		       numbering_name(numbering), expect_reason_leaves[l], bits,
		       seconds(CLOCK_MONOTONIC) - start, nr_threads,
		       seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start);
		report_leaf(bits == 32 ? "sweep-full" : "sweep-partial",
			    numbering, expect_reason_leaves[l], &total, end);
	}
}

static u64 pair(u32 high, u32 low)
{
	return (u64)high << 32 | low;
}

/*
 * The leaf range and what the leaves without input answer on the filled VM:
 * totals over both banks, NOT_ENABLED = the exits of the "other" counter
 * (defined reasons without handler, and undefined ones), and the identity a
 * guest relies on: handled reasons' counts + NOT_ENABLED == total.
 */
static void check_totals(struct fake_vm *vm, u32 numbering)
{
	int nr_defined = expect_nr_defined(numbering);
	int nr_counters = expect_nr_counters(numbering);
	u64 count = 0, cycles = 0, blocked = 0, not_enabled = 0, handled = 0;
	u64 got_count, got_cycles, got_blocked, got_not_enabled;
	struct cpuid_regs r;
	bool answered = true;
	char name[128];
	u32 leaf, bad = 0;

	for (leaf = 0x4FFFFFF5; leaf != 0x50000000; leaf++)
		if (!guest_cpuid(&vm->vcpu[0], leaf, 0, &r) && !bad)
			answered = false, bad = leaf;
	snprintf(name, sizeof(name), "%s leaves 0x4FFFFFF5-0x4FFFFFFF answered",
		 numbering_name(numbering));
	check(answered && KVM_EXIT_STATS_LEAF_LAST - KVM_EXIT_STATS_LEAF_FIRST + 1 == NR_LEAVES,
	      name, "leaf %#x not answered; range %#x-%#x", bad,
	      KVM_EXIT_STATS_LEAF_FIRST, KVM_EXIT_STATS_LEAF_LAST);

	for (int c = 0; c < nr_counters; c++) {
		u64 n = filled_sum(NR_VCPUS, FILL_L1_COUNT, c) +
			filled_sum(NR_VCPUS, FILL_L2_COUNT, c);

		count += n;
		cycles += filled_sum(NR_VCPUS, FILL_L1_CYCLES, c) +
			  filled_sum(NR_VCPUS, FILL_L2_CYCLES, c);
		blocked += filled_sum(NR_VCPUS, FILL_BLOCKED, c);
		if (c == nr_counters - 1)
			not_enabled += n;
	}
	guest_cpuid(&vm->vcpu[0], KVM_EXIT_STATS_LEAF_TOTAL_EXITS64, 0, &r);
	got_count = pair(r.ebx, r.ecx);
	guest_cpuid(&vm->vcpu[0], KVM_EXIT_STATS_LEAF_TOTAL_CYCLES, 0, &r);
	got_cycles = pair(r.ebx, r.ecx);
	guest_cpuid(&vm->vcpu[0], KVM_EXIT_STATS_LEAF_TOTAL_BLOCKED, 0, &r);
	got_blocked = pair(r.ebx, r.ecx);
	guest_cpuid(&vm->vcpu[0], KVM_EXIT_STATS_LEAF_NOT_ENABLED, 0, &r);
	got_not_enabled = pair(r.ebx, r.ecx);
	snprintf(name, sizeof(name), "%s totals and NOT_ENABLED of the filled counters",
		 numbering_name(numbering));
	check(got_count == count && got_cycles == cycles && got_blocked == blocked &&
	      got_not_enabled == not_enabled, name,
	      "count %#llx cycles %#llx blocked %#llx not_enabled %#llx, "
	      "want %#llx %#llx %#llx %#llx",
	      got_count, got_cycles, got_blocked, got_not_enabled,
	      count, cycles, blocked, not_enabled);

	/* The identity, from the leaves alone, as a guest would check it. */
	for (int s = 0; s < nr_defined; s++) {
		guest_cpuid(&vm->vcpu[0], KVM_EXIT_STATS_LEAF_REASON_EXITS64,
			    expect_defined_reason(numbering, s), &r);
		handled += pair(r.ebx, r.ecx);
	}
	snprintf(name, sizeof(name), "%s handled reasons + NOT_ENABLED == total",
		 numbering_name(numbering));
	check(handled + got_not_enabled == got_count, name, "%#llx + %#llx != %#llx",
	      handled, got_not_enabled, got_count);
}

/* The leaves that take no input ignore ECX: checked for @list. */
static void check_no_input(struct fake_vm *vm, u32 numbering, const u32 *list,
			   size_t n)
{
	for (u32 leaf = 0x4FFFFFF5; leaf != 0x50000000; leaf++) {
		struct mismatches m = { 0 };
		struct cpuid_regs want;

		if (expect_is_reason_leaf(leaf))
			continue;
		guest_cpuid(&vm->vcpu[0], leaf, 0, &want);
		for (size_t i = 0; i < n; i++)
			check_input(vm, numbering, leaf, list[i], &want, &m);
		report_leaf("sweep-reduced, ECX ignored:", numbering, leaf, &m, n);
	}
}

/* xorshift64: a fixed, printed seed makes a failure reproducible. */
static u64 next_random(u64 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static void add_around(u32 *list, size_t *n, size_t max, u64 center, int radius)
{
	for (int d = -radius; d <= radius; d++) {
		int64_t x = (int64_t)center + d;

		if (x >= 0 && x <= 0xffffffffll && *n < max)
			list[(*n)++] = (u32)x;
	}
}

static void reduced_sweep(struct fake_vm *vm, u32 numbering, u64 nr_random,
			  u64 seed)
{
	struct input_segment segs[MAX_SEGMENTS];
	int nr_segs = expect_segments(numbering, segs, MAX_SEGMENTS);
	size_t max = 0x10000 + 0x10000 + (size_t)nr_segs * 16 + 64 * 10 + 16 + nr_random;
	u32 *list = malloc(max * sizeof(*list));
	u64 state = seed;
	size_t n = 0;

	if (!list) {
		perror("malloc");
		exit(2);
	}
	for (u32 x = 0; x < 0x10000; x++)
		list[n++] = x;
	for (u64 x = 0xffff0000u; x <= 0xffffffffu; x++)
		list[n++] = (u32)x;
	for (int i = 0; i < nr_segs; i++) {
		add_around(list, &n, max, segs[i].lo, 3);
		add_around(list, &n, max, segs[i].hi, 3);
	}
	for (int bit = 0; bit < 32; bit++)
		add_around(list, &n, max, 1ull << bit, 2);
	add_around(list, &n, max, 0x80000000u, 3);
	for (u64 i = 0; i < nr_random && n < max; i++)
		list[n++] = (u32)next_random(&state);

	for (size_t l = 0; l < ARRAY_SIZE(expect_reason_leaves); l++) {
		struct mismatches m = { 0 };

		for (size_t i = 0; i < n; i++) {
			struct cpuid_regs want = expect_reason_leaf(numbering,
					expect_reason_leaves[l], list[i], NR_VCPUS);

			check_input(vm, numbering, expect_reason_leaves[l], list[i],
				    &want, &m);
		}
		report_leaf("sweep-reduced", numbering, expect_reason_leaves[l], &m, n);
	}
	check_no_input(vm, numbering, list, n);
	free(list);
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s --full [--threads N] [--bits B]\n"
		"       %s --reduced [--random N] [--seed S]\n"
		"  --full     checks all 2^32 ECX values per leaf and numbering (build with -O2);\n"
		"             --bits B < 32 checks only [0, 2^B), for timing\n"
		"  --reduced  checks a subset, for sanitizer builds\n",
		prog, prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const u32 numberings[] = {
		KVM_EXIT_STATS_NUMBERING_VMX, KVM_EXIT_STATS_NUMBERING_SVM,
	};
	long nr_threads = sysconf(_SC_NPROCESSORS_ONLN);
	u64 nr_random = 1000000, seed = 0x9e3779b97f4a7c15ull;
	int mode = 0, bits = 32;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--full"))
			mode = 'f';
		else if (!strcmp(argv[i], "--reduced"))
			mode = 'r';
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nr_threads = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--bits") && i + 1 < argc)
			bits = (int)strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--random") && i + 1 < argc)
			nr_random = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else
			usage(argv[0]);
	}
	if (!mode || nr_threads < 1 || nr_threads > 16 || !seed || bits < 12 || bits > 32)
		usage(argv[0]);
	if (mode == 'r')
		printf("# reduced sweep: %" PRIu64 " random inputs, seed %#" PRIx64 "\n",
		       (uint64_t)nr_random, (uint64_t)seed);

	for (size_t i = 0; i < ARRAY_SIZE(numberings); i++) {
		u32 numbering = numberings[i];
		struct fake_vm vm;

		if (!check(load_vendor(numbering), "sweep setup enables the statistics",
			   "numbering %u", numbering))
			continue;
		if (fake_vm_create(&vm, NR_VCPUS)) {
			check(false, "sweep vCPU creation", "-ENOMEM");
			unload_vendor();
			continue;
		}
		fill_counters(&vm, numbering);
		check_totals(&vm, numbering);
		if (mode == 'f')
			full_sweep(&vm, numbering, (int)nr_threads, bits);
		else
			reduced_sweep(&vm, numbering, nr_random, seed);
		fake_vm_destroy(&vm);
		unload_vendor();
	}
	check(fake_warnings == 0, "sweep: no WARN_ON_ONCE fired", "%d fired", fake_warnings);
	return tap_failures() ? 1 : 0;
}
