// SPDX-License-Identifier: GPL-2.0
/*
 * The reason tables: sorted (the binary search depends on it), exactly the
 * architectural sets written down in unit_test.c, and consistent with the
 * slot functions exit_stats.c decodes with; the exit path's counters.  And the leaf numbers and version
 * of the ABI header, against their documented values.
 */
#include <stdio.h>
#include <string.h>

#include <asm/kvm.h>	/* the exception vectors SVM_EXIT_REASONS uses */
#include <asm/svm.h>
#include <asm/vmx.h>

#include "unit_test.h"

/*
 * The ABI header has the tables as static arrays, or, if it carries them as
 * initializer lists instead, each user instantiates them as here.  Either
 * way exit_stats.c's own tables are checked through its slot functions.
 */
#ifdef KVM_EXIT_STATS_VMX_REASONS
static const struct kvm_exit_stats_reason kvm_exit_stats_vmx_reasons[] = {
	KVM_EXIT_STATS_VMX_REASONS
};

static const struct kvm_exit_stats_reason kvm_exit_stats_svm_codes[] = {
	KVM_EXIT_STATS_SVM_CODES
};
#endif

struct table {
	u32 numbering;
	const struct kvm_exit_stats_reason *r;
	int n;
};

static void check_table(const struct table *t)
{
	const char *nb = numbering_name(t->numbering);
	int nr_slots = kvm_exit_stats_nr_slots(t->numbering);
	char name[128];
	int bad;

	/* Sorted strictly ascending. */
	bad = -1;
	for (int i = 1; i < t->n && bad < 0; i++)
		if (t->r[i - 1].number >= t->r[i].number)
			bad = i;
	snprintf(name, sizeof(name), "%s table strictly sorted", nb);
	check(bad < 0, name, "entry %d (%#x) after %#x", bad,
	      bad < 0 ? 0 : t->r[bad].number, bad < 0 ? 0 : t->r[bad - 1].number);

	/* Exactly the expected architectural set, in order. */
	bad = -1;
	if (t->n != expect_nr_defined(t->numbering))
		bad = t->n;
	for (int i = 0; i < t->n && bad < 0; i++)
		if (t->r[i].number != expect_defined_reason(t->numbering, i))
			bad = i;
	snprintf(name, sizeof(name), "%s table is the architectural set", nb);
	check(bad < 0, name, "%d entries (want %d), first difference at index %d: %#x, want %#x",
	      t->n, expect_nr_defined(t->numbering), bad,
	      bad >= 0 && bad < t->n ? t->r[bad].number : 0,
	      bad >= 0 && bad < expect_nr_defined(t->numbering) ?
			expect_defined_reason(t->numbering, bad) : 0);

	/* Every reason handled by Debian 6.1 KVM is in the table. */
	{
		static const u32 high[] = { 0xfffffffe, 0xffffffff };
		bool found = false;
		u32 reason = 0;

		for (u32 x = 0; x < 0x10000 && !found; x++)
			if (expect_handled(t->numbering, x) &&
			    kvm_exit_stats_slot(t->numbering, x) < 0)
				found = true, reason = x;
		for (size_t i = 0; i < ARRAY_SIZE(high) && !found; i++)
			if (expect_handled(t->numbering, high[i]) &&
			    kvm_exit_stats_slot(t->numbering, high[i]) < 0)
				found = true, reason = high[i];
		snprintf(name, sizeof(name), "%s every handled reason is defined", nb);
		check(!found, name, "reason %#x handled but has no slot", reason);
	}

	snprintf(name, sizeof(name), "%s nr_slots is table size + 1", nb);
	check(nr_slots == t->n + 1, name, "nr_slots %d, table %d", nr_slots, t->n);
	snprintf(name, sizeof(name), "%s slots fit KVM_EXIT_STATS_MAX_SLOTS", nb);
	check(t->n + 1 <= KVM_EXIT_STATS_MAX_SLOTS, name, "%d slots > %d",
	      t->n + 1, KVM_EXIT_STATS_MAX_SLOTS);

	/* Every handled reason has a counter, and "other" one more. */
	snprintf(name, sizeof(name), "%s counters fit KVM_EXIT_STATS_MAX_COUNTERS", nb);
	check(expect_nr_counters(t->numbering) <= KVM_EXIT_STATS_MAX_COUNTERS, name,
	      "%d handled + other > %d", expect_nr_handled(t->numbering),
	      KVM_EXIT_STATS_MAX_COUNTERS);

	/* slot <-> reason <-> name round trip, slot = rank in the table. */
	bad = -1;
	for (int i = 0; i < t->n && bad < 0; i++)
		if (kvm_exit_stats_slot(t->numbering, t->r[i].number) != i ||
		    kvm_exit_stats_slot_reason(t->numbering, i) != t->r[i].number ||
		    strcmp(kvm_exit_stats_slot_name(t->numbering, i), t->r[i].name) ||
		    expect_slot(t->numbering, t->r[i].number) != i)
			bad = i;
	snprintf(name, sizeof(name), "%s slot/reason/name round trip", nb);
	check(bad < 0, name, "slot %d: reason %#x -> slot %d, slot -> reason %#x name %s",
	      bad, bad < 0 ? 0 : t->r[bad].number,
	      bad < 0 ? 0 : kvm_exit_stats_slot(t->numbering, t->r[bad].number),
	      kvm_exit_stats_slot_reason(t->numbering, bad),
	      kvm_exit_stats_slot_name(t->numbering, bad));

	/* Names: non-empty, unique, upper case identifiers (debugfs columns). */
	bad = -1;
	for (int i = 0; i < t->n && bad < 0; i++) {
		const char *s = t->r[i].name;

		if (!s || !*s || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(s))
			bad = i;
		for (int j = 0; j < i && bad < 0; j++)
			if (!strcmp(s, t->r[j].name))
				bad = i;
	}
	snprintf(name, sizeof(name), "%s names unique identifiers", nb);
	check(bad < 0, name, "entry %d name \"%s\"", bad, bad < 0 ? "" : t->r[bad].name);

	/* The undefined slot and out-of-range slots. */
	snprintf(name, sizeof(name), "%s undefined slot and bad slots", nb);
	check(kvm_exit_stats_slot_reason(t->numbering, nr_slots - 1) == U32_MAX &&
	      !strcmp(kvm_exit_stats_slot_name(t->numbering, nr_slots - 1), "UNDEFINED") &&
	      kvm_exit_stats_slot_reason(t->numbering, -1) == U32_MAX &&
	      kvm_exit_stats_slot_reason(t->numbering, nr_slots) == U32_MAX &&
	      kvm_exit_stats_slot_reason(t->numbering, 0x7fffffff) == U32_MAX &&
	      !strcmp(kvm_exit_stats_slot_name(t->numbering, -1), "UNDEFINED") &&
	      !strcmp(kvm_exit_stats_slot_name(t->numbering, -0x7fffffff - 1), "UNDEFINED"),
	      name, "slot_reason(%d) = %#x, name %s", nr_slots - 1,
	      kvm_exit_stats_slot_reason(t->numbering, nr_slots - 1),
	      kvm_exit_stats_slot_name(t->numbering, nr_slots - 1));
}

/*
 * The leaf numbers and version of the guest ABI, as documented (version 2):
 * guests hard-code them, so a change here is a new ABI, not a refactoring.
 */
static void check_abi_numbers(void)
{
	static const struct {
		const char *name;
		u32 got, want;
	} leaves[] = {
		{ "TOTAL_EXITS", KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0x4FFFFFFF },
		{ "TOTAL_CYCLES", KVM_EXIT_STATS_LEAF_TOTAL_CYCLES, 0x4FFFFFFE },
		{ "REASON_EXITS", KVM_EXIT_STATS_LEAF_REASON_EXITS, 0x4FFFFFFD },
		{ "REASON_CYCLES", KVM_EXIT_STATS_LEAF_REASON_CYCLES, 0x4FFFFFFC },
		{ "SIGNATURE", KVM_EXIT_STATS_LEAF_SIGNATURE, 0x4FFFFFFB },
		{ "INFO", KVM_EXIT_STATS_LEAF_INFO, 0x4FFFFFFA },
		{ "TOTAL_EXITS64", KVM_EXIT_STATS_LEAF_TOTAL_EXITS64, 0x4FFFFFF9 },
		{ "REASON_EXITS64", KVM_EXIT_STATS_LEAF_REASON_EXITS64, 0x4FFFFFF8 },
		{ "NOT_ENABLED", KVM_EXIT_STATS_LEAF_NOT_ENABLED, 0x4FFFFFF7 },
		{ "TOTAL_BLOCKED", KVM_EXIT_STATS_LEAF_TOTAL_BLOCKED, 0x4FFFFFF6 },
		{ "REASON_BLOCKED", KVM_EXIT_STATS_LEAF_REASON_BLOCKED, 0x4FFFFFF5 },
		{ "FIRST", KVM_EXIT_STATS_LEAF_FIRST, 0x4FFFFFF5 },
		{ "LAST", KVM_EXIT_STATS_LEAF_LAST, 0x4FFFFFFF },
	};
	int bad = -1;

	for (size_t i = 0; i < ARRAY_SIZE(leaves) && bad < 0; i++)
		if (leaves[i].got != leaves[i].want)
			bad = (int)i;
	check(bad < 0, "ABI leaf numbers (version 2)", "LEAF_%s is %#x, want %#x",
	      bad < 0 ? "" : leaves[bad].name, bad < 0 ? 0 : leaves[bad].got,
	      bad < 0 ? 0 : leaves[bad].want);
	check(KVM_EXIT_STATS_VERSION == 2 && KVM_EXIT_STATS_UNDEFINED == 0xFFFFFFFFu,
	      "ABI version 2, undefined marker", "version %d, undefined %#x",
	      KVM_EXIT_STATS_VERSION, KVM_EXIT_STATS_UNDEFINED);
}

/*
 * The exit path's fold-and-map must give every reason its counter: a handled
 * reason the one numbered by its rank among the handled reasons in table
 * order, every other reason (defined without handler, or undefined) the
 * "other" counter, last.  Checked against the model of unit_test.c for every
 * 16-bit reason, the SVM high codes and a spread of 32-bit values; and the
 * vCPU's counters are its stat.exit_reasons, nr_counters per bank.
 */
static void check_exit_map(u32 numbering)
{
	const char *nb = numbering_name(numbering);
	u32 bad = 0, got = 0, want = 0;
	bool found = false, reached[KVM_EXIT_STATS_MAP_SIZE] = { false };
	int nr_reached = 0;
	struct fake_vm vm;
	char name[128];
	u64 x;

	if (!load_vendor(numbering)) {
		snprintf(name, sizeof(name), "%s exit map built", nb);
		check(false, name, "the vendor did not load");
		return;
	}
	for (x = 0; x <= 0xffffffffull && !found; x += x < 0x10000 ? 1 : 0x10003) {
		u32 reason = x >= 0xfffe0000ull ? (u32)(0xffffffffull - (x & 0xffff)) : (u32)x;

		want = (u32)expect_counter(numbering, reason);
		got = kvm_exit_stats_slot_map[kvm_exit_stats_index(numbering, reason) & 0xff];
		if (got != want)
			found = true, bad = reason;
	}
	snprintf(name, sizeof(name), "%s exit path counter: handled in table order, then other", nb);
	check(!found, name, "reason %#x: exit path counter %u, want %u (%d handled)", bad, got,
	      want, expect_nr_handled(numbering));

	/* Dense: every counter is some byte's, none beyond "other". */
	for (int i = 0; i < KVM_EXIT_STATS_MAP_SIZE; i++)
		if (!reached[kvm_exit_stats_slot_map[i]]) {
			reached[kvm_exit_stats_slot_map[i]] = true;
			nr_reached++;
		}
	snprintf(name, sizeof(name), "%s exit map reaches exactly counters 0..other", nb);
	check(nr_reached == expect_nr_counters(numbering) &&
	      reached[expect_nr_counters(numbering) - 1], name,
	      "%d distinct counters, want %d", nr_reached, expect_nr_counters(numbering));

	snprintf(name, sizeof(name), "%s vCPU counters are stat.exit_reasons, nr_counters per bank",
		 nb);
	if (fake_vm_create(&vm, 1)) {
		check(false, name, "vCPU creation failed");
	} else {
		struct kvm_exit_stats *stats = vm.vcpu[0].arch.exit_stats;

		check(stats->counter == vm.vcpu[0].stat.exit_reasons &&
		      stats->bank == stats->counter &&
		      stats->nr_counters == expect_nr_counters(numbering), name,
		      "counter %p (stat %p) bank %p nr_counters %d, want %d",
		      (void *)stats->counter, (void *)vm.vcpu[0].stat.exit_reasons,
		      (void *)stats->bank, stats->nr_counters, expect_nr_counters(numbering));
	}
	fake_vm_destroy(&vm);
	unload_vendor();
}

/*
 * The uapi lists of the reasons KVM traces (VMX_EXIT_REASONS,
 * SVM_EXIT_REASONS in <asm/vmx.h>, <asm/svm.h> of the build host's kernel
 * headers) are a subset of ours: every number they name is defined in our
 * table.  Our names are the SDM's and APM's, theirs KVM's trace names, so
 * only the numbers are compared.
 */
struct uapi_reason {
	u64 number;
	const char *name;
};

static void check_uapi_subset(u32 numbering, const char *nb,
			      const struct uapi_reason *list, size_t len)
{
	char name[96];
	size_t i, missing = len;

	for (i = 0; i < len && missing == len; i++) {
		/*
		 * Not exit reasons: VMX_EXIT_REASONS_FAILED_VMENTRY (bit 31)
		 * is a flag; SVM_VMGEXIT_* (0x80000000 and up, below the
		 * negative codes) are the software exit codes an SEV-ES guest
		 * writes to its GHCB, behind the one hardware code VMGEXIT.
		 */
		if ((list[i].number & 0x80000000) &&
		    (numbering == KVM_EXIT_STATS_NUMBERING_VMX || list[i].number < 0xfffffff0ull))
			continue;
		if (kvm_exit_stats_slot(numbering, (u32)list[i].number) < 0)
			missing = i;
	}
	snprintf(name, sizeof(name), "%s uapi reason list is a subset of the table", nb);
	check(missing == len, name, "%zu uapi entries; %s (%#llx) is not in ours",
	      len, missing < len ? list[missing].name : "none",
	      missing < len ? (unsigned long long)list[missing].number : 0ull);
}

static void check_uapi_lists(void)
{
	static const struct uapi_reason vmx[] = { VMX_EXIT_REASONS };
	static const struct uapi_reason svm[] = { SVM_EXIT_REASONS };

	check_uapi_subset(KVM_EXIT_STATS_NUMBERING_VMX, "vmx", vmx, ARRAY_SIZE(vmx));
	check_uapi_subset(KVM_EXIT_STATS_NUMBERING_SVM, "svm", svm, ARRAY_SIZE(svm));
}

int main(void)
{
	const struct table tables[] = {
		{ KVM_EXIT_STATS_NUMBERING_VMX, kvm_exit_stats_vmx_reasons,
		  KVM_EXIT_STATS_NR_VMX_REASONS },
		{ KVM_EXIT_STATS_NUMBERING_SVM, kvm_exit_stats_svm_codes,
		  KVM_EXIT_STATS_NR_SVM_CODES },
	};
	static const u32 bad_numberings[] = { 0, 3, 0x80000001, 0xffffffff };
	bool ok = true;

	check_abi_numbers();
	check_uapi_lists();
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		check_table(&tables[i]);
		check_exit_map(tables[i].numbering);
	}

	/* Unknown numberings decode nothing and cannot enable the key. */
	for (size_t i = 0; i < ARRAY_SIZE(bad_numberings); i++) {
		u32 nb = bad_numberings[i];

		ok = ok && kvm_exit_stats_nr_slots(nb) == 0 &&
		     kvm_exit_stats_slot(nb, 0) == -1 &&
		     kvm_exit_stats_slot(nb, 0xffffffff) == -1 &&
		     kvm_exit_stats_slot_reason(nb, 0) == U32_MAX &&
		     !strcmp(kvm_exit_stats_slot_name(nb, 0), "UNDEFINED");
	}
	check(ok, "unknown numberings decode nothing", "see test_tables.c");
	check(fake_warnings == 0, "no WARN_ON_ONCE fired", "%d fired", fake_warnings);
	return tap_failures() ? 1 : 0;
}
