// SPDX-License-Identifier: GPL-2.0
/*
 * Behaviour of exit_stats.c on a fake VM of 1 to 4 vCPUs, driven the way
 * KVM drives it: kvm_exit_stats_{vmx,svm}_begin() when an exit's reason is
 * known, kvm_exit_stats_end() once it is handled, kvm_exit_stats_vcpu_put()
 * and _load() when the vCPU thread is scheduled out and back in,
 * enter_guest_mode()/leave_guest_mode() around a nested guest, CPUID leaves
 * through kvm_exit_stats_cpuid(), the debugfs file through
 * kvm_exit_stats_show().  The host TSC is fake_tsc, so every cycle count is
 * exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_test.h"

static char ctx[48];	/* "vmx 4 vCPUs": prefixes every check name */

/* @cond is evaluated before the details, which may show its side effects. */
#define CHECK(cond, what, ...) do {						\
	bool ok_ = (cond);							\
	char name_[160];							\
	snprintf(name_, sizeof(name_), "%s %s", ctx, what);			\
	check(ok_, name_, __VA_ARGS__);					\
} while (0)

struct reasons {
	u32 cpuid, msr_write, hlt;	/* handled */
	u32 vmenter;			/* handled: L1's VMRESUME / VMRUN */
	u32 unhandled;			/* defined, no KVM handler */
	u32 undefined;			/* not in the table */
};

static const struct reasons vmx = { 10, 32, 12, 24, 3, 0xdead };
static const struct reasons svm = { 0x72, 0x7c, 0x78, 0x80, 0x63, 0x500 };

static u64 pair(u32 high, u32 low)
{
	return (u64)high << 32 | low;
}

/* One exit of @reason taking @cycles host TSC cycles to handle. */
static void run_exit(struct kvm_vcpu *vcpu, u32 reason, u64 cycles)
{
	begin_exit(vcpu, reason);
	fake_tsc += cycles;
	kvm_exit_stats_end(vcpu);
}

/* A leaf through the inline hook kvm_cpuid() calls, registers preloaded. */
static bool cpuid(struct kvm_vcpu *vcpu, u32 leaf, u32 input, struct cpuid_regs *r)
{
	r->eax = leaf;
	r->ebx = 0xdeadbeef;
	r->ecx = input;
	r->edx = 0x5a5a5a5a;
	return kvm_exit_stats_cpuid(vcpu, &r->eax, &r->ebx, &r->ecx, &r->edx);
}

/* A 64-bit leaf (EBX:ECX) with input @input. */
static u64 leaf64(struct kvm_vcpu *vcpu, u32 leaf, u32 input)
{
	struct cpuid_regs r;

	cpuid(vcpu, leaf, input, &r);
	return pair(r.ebx, r.ecx);
}

#define reason_count(v, reason)	leaf64(v, KVM_EXIT_STATS_LEAF_REASON_EXITS64, reason)
#define reason_cycles(v, reason) leaf64(v, KVM_EXIT_STATS_LEAF_REASON_CYCLES, reason)
#define reason_blocked(v, reason) leaf64(v, KVM_EXIT_STATS_LEAF_REASON_BLOCKED, reason)
#define total_count(v)		leaf64(v, KVM_EXIT_STATS_LEAF_TOTAL_EXITS64, 0)
#define total_cycles(v)		leaf64(v, KVM_EXIT_STATS_LEAF_TOTAL_CYCLES, 0)
#define total_blocked(v)	leaf64(v, KVM_EXIT_STATS_LEAF_TOTAL_BLOCKED, 0)
#define not_enabled(v)		leaf64(v, KVM_EXIT_STATS_LEAF_NOT_ENABLED, 0)

static u32 epoch(struct kvm_vcpu *vcpu)
{
	struct cpuid_regs r;

	cpuid(vcpu, KVM_EXIT_STATS_LEAF_INFO, 0, &r);
	return r.edx;
}

/* Sum of 0x4FFFFFF8 over every defined reason: the unhandled ones read 0. */
static u64 sum_reason_counts(struct kvm_vcpu *vcpu, u32 numbering)
{
	u64 n = 0;

	for (int s = 0; s < expect_nr_defined(numbering); s++)
		n += reason_count(vcpu, expect_defined_reason(numbering, s));
	return n;
}

/*
 * kvm_arch_vcpu_put() as KVM calls it, with the TSC it read; the thread is
 * scheduled out until load_vcpu(), perhaps on a CPU whose TSC is elsewhere.
 */
static void put_vcpu(struct kvm_vcpu *vcpu)
{
	kvm_exit_stats_vcpu_put(vcpu, rdtsc());
}

static void load_vcpu(struct kvm_vcpu *vcpu)
{
	kvm_exit_stats_vcpu_load(vcpu);
}

/*
 * One debugfs row, found by reason; ROW_OTHER (every exit of a reason KVM
 * does not handle, defined or not) and ROW_TOTAL for those.
 */
#define ROW_OTHER	(-1)
#define ROW_TOTAL	(-2)

struct show_row {
	bool found;
	unsigned long long count, cycles, blocked, l2_count, l2_cycles;
};

static struct show_row show_row(struct kvm *kvm, long long reason)
{
	struct seq_file *m = calloc(1, sizeof(*m));
	struct show_row row = { false, 0, 0, 0, 0, 0 };
	char *line, *save = NULL, key[32];
	const char *rest;

	if (!m)
		abort();
	kvm_exit_stats_show(m, kvm);
	if (reason == ROW_OTHER)
		snprintf(key, sizeof(key), "- OTHER ");
	else if (reason == ROW_TOTAL)
		snprintf(key, sizeof(key), "- TOTAL ");
	else
		snprintf(key, sizeof(key), "%lld ", reason);
	for (line = strtok_r(m->buf, "\n", &save); line && !row.found;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, strlen(key)))
			continue;
		rest = line + strlen(key);
		if (reason >= 0)	/* past the name */
			rest = strchr(rest, ' ') ? strchr(rest, ' ') + 1 : "";
		row.found = sscanf(rest, "%llu %llu %llu %llu %llu", &row.count,
				   &row.cycles, &row.blocked, &row.l2_count,
				   &row.l2_cycles) == 5;
	}
	free(m);
	return row;
}

static void test_setup(void)
{
	struct fake_vm vm;
	struct kvm_exit_stats_ops unknown = { .numbering = 7, .reason_handled = NULL };
	struct cpuid_regs r;
	bool ok;

	snprintf(ctx, sizeof(ctx), "setup");
	*module_param_exit_stats = false;
	CHECK(!load_vendor(KVM_EXIT_STATS_NUMBERING_VMX), "kvm.exit_stats=0 leaves the key off",
	      "key enabled");
	*module_param_exit_stats = true;
	kvm_exit_stats_hardware_setup(NULL);
	CHECK(!static_branch_unlikely(&kvm_exit_stats_enabled), "vendor without ops leaves the key off",
	      "key enabled");
	kvm_exit_stats_hardware_setup(&unknown);
	CHECK(!static_branch_unlikely(&kvm_exit_stats_enabled),
	      "unknown numbering leaves the key off", "key enabled");

	/* Key off: no allocation, hooks do nothing, leaves go to kvm_cpuid(). */
	fake_vm_create(&vm, 2);
	CHECK(!vm.vcpu[0].arch.exit_stats && !vm.vcpu[1].arch.exit_stats,
	      "key off allocates no stats", "allocated");
	begin_exit(&vm.vcpu[0], 10);
	kvm_exit_stats_end(&vm.vcpu[0]);
	ok = true;
	for (u32 leaf = KVM_EXIT_STATS_LEAF_FIRST; leaf <= KVM_EXIT_STATS_LEAF_LAST; leaf++)
		ok = ok && !cpuid(&vm.vcpu[0], leaf, 10, &r) && r.eax == leaf &&
		     r.ebx == 0xdeadbeef && r.ecx == 10 && r.edx == 0x5a5a5a5a;
	CHECK(ok, "key off: kvm_exit_stats_cpuid() returns false, registers untouched",
	      "leaf answered or registers changed: %08x %08x %08x %08x",
	      r.eax, r.ebx, r.ecx, r.edx);

	/*
	 * Key off: put, load and the guest mode switch do nothing either (the
	 * stats they would touch were never allocated: ASan would see it), and
	 * the TSC KVM takes for last_guest_tsc is a fresh rdtsc().
	 */
	fake_tsc = 777;
	begin_exit(&vm.vcpu[0], 10);
	fake_tsc = 999;
	put_vcpu(&vm.vcpu[0]);
	fake_tsc = 1999;
	load_vcpu(&vm.vcpu[0]);
	enter_guest_mode(&vm.vcpu[0]);
	leave_guest_mode(&vm.vcpu[0]);
	kvm_exit_stats_end(&vm.vcpu[0]);
	CHECK(kvm_exit_stats_exit_tsc(&vm.vcpu[0]) == 1999 && !vm.vcpu[0].arch.exit_stats,
	      "key off: exit TSC is rdtsc(), put/load/guest mode hooks do nothing",
	      "exit TSC %llu, want 1999", kvm_exit_stats_exit_tsc(&vm.vcpu[0]));

	/*
	 * No vCPU exists before the key is on: the vendor module turns it on
	 * while loading, before /dev/kvm can create a VM, so the exit path
	 * does not check for missing stats.  A VM of the key-off case gives
	 * the total leaf zeros, not an oops, through the leaf's own check.
	 */
	load_vendor(KVM_EXIT_STATS_NUMBERING_VMX);
	{
		struct show_row total = show_row(&vm.kvm, ROW_TOTAL);

		CHECK(cpuid(&vm.vcpu[0], KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0, &r) && r.eax == 0 &&
		      not_enabled(&vm.vcpu[0]) == 0 && total_blocked(&vm.vcpu[0]) == 0 &&
		      reason_blocked(&vm.vcpu[0], 10) == 0 && total.found && !total.count,
		      "vCPUs without stats read as zero",
		      "total %u not_enabled %llu blocked %llu/%llu debugfs TOTAL %d %llu", r.eax,
		      not_enabled(&vm.vcpu[0]), total_blocked(&vm.vcpu[0]),
		      reason_blocked(&vm.vcpu[0], 10), total.found, total.count);
	}
	fake_vm_destroy(&vm);

	/* The debugfs read allocates its sums: a failure is -ENOMEM, no output. */
	{
		struct seq_file *m = calloc(1, sizeof(*m));
		int ret;

		if (!m)
			abort();
		fake_vm_create(&vm, 1);
		fake_kzalloc_fail = true;
		ret = kvm_exit_stats_show(m, &vm.kvm);
		fake_kzalloc_fail = false;
		CHECK(ret == -ENOMEM && m->len == 0,
		      "debugfs read fails with -ENOMEM, prints nothing",
		      "returned %d after %zu bytes", ret, m->len);
		fake_vm_destroy(&vm);
		free(m);
	}

	fake_kzalloc_fail = true;
	CHECK(fake_vm_create(&vm, 1) == -ENOMEM && !vm.vcpu[0].arch.exit_stats,
	      "vCPU creation fails with -ENOMEM when allocation fails", "not -ENOMEM");
	fake_kzalloc_fail = false;
	fake_vm_destroy(&vm);

	unload_vendor();
	CHECK(!static_branch_unlikely(&kvm_exit_stats_enabled), "unsetup disables the key",
	      "still enabled");
}

static void check_unnamed_zero(struct kvm_vcpu *vcpu, const struct reasons *rs)
{
	struct cpuid_regs r;
	bool ok = true;
	char bad[128] = "";

#define EXPECT_ZERO(leaf, input, cond) do {					\
	if (!cpuid(vcpu, leaf, input, &r) || !(cond)) {				\
		ok = false;							\
		snprintf(bad, sizeof(bad), "leaf %#x ecx %#x: %08x %08x %08x %08x",	\
			 (u32)(leaf), (u32)(input), r.eax, r.ebx, r.ecx, r.edx);	\
	}									\
} while (0)
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0, !r.ebx && !r.ecx && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_TOTAL_CYCLES, 0, !r.eax && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_EXITS, rs->cpuid, !r.ebx && !r.ecx && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_CYCLES, rs->cpuid, !r.eax && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_TOTAL_EXITS64, 0, !r.eax && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_EXITS64, rs->cpuid, !r.eax && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_NOT_ENABLED, 0, !r.eax && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_TOTAL_BLOCKED, 0, !r.eax && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_BLOCKED, rs->cpuid, !r.eax && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_EXITS, rs->unhandled,
		    !r.eax && !r.ebx && !r.ecx && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_BLOCKED, rs->unhandled,
		    !r.eax && !r.ebx && !r.ecx && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_EXITS64, rs->undefined,
		    !r.eax && !r.ebx && !r.ecx && r.edx == KVM_EXIT_STATS_UNDEFINED);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_BLOCKED, rs->undefined,
		    !r.eax && !r.ebx && !r.ecx && r.edx == KVM_EXIT_STATS_UNDEFINED);
#undef EXPECT_ZERO
	CHECK(ok, "registers a leaf does not name are zero", "%s", bad);
}

/* Debugfs columns after the reason: count cycles blocked l2_count l2_cycles. */
enum { COL_COUNT, COL_CYCLES, COL_BLOCKED, COL_L2_COUNT, COL_L2_CYCLES, NR_COLS };

/*
 * Parses the debugfs text back and checks it against the leaves; the VM has
 * the exits test_vm() made (so no nested ones: the l2 columns are zero).
 */
static void check_show(struct fake_vm *vm, u32 numbering, const struct reasons *rs)
{
	struct seq_file *m = calloc(1, sizeof(*m));
	struct kvm_vcpu *v0 = &vm->vcpu[0];
	unsigned long long sum[NR_COLS] = { 0 }, tot[NR_COLS] = { 0 }, other[NR_COLS] = { 0 };
	bool header_ok, rows_ok = true, order_ok = true, seen_total = false;
	bool seen_unhandled = false, seen_other = false;
	char expect_header[160], bad[160] = "";
	int nr_rows = 0, want_rows = 0, nr_lines = 0;
	long long last_reason = -1;
	char *line, *save = NULL;

	if (!m)
		abort();
	kvm_exit_stats_show(m, &vm->kvm);
	CHECK(!m->overflow, "debugfs output fits", "%zu bytes", m->len);

	snprintf(expect_header, sizeof(expect_header),
		 "# numbering %s tsc_khz %u epoch %u\n"
		 "# reason name count cycles blocked_cycles l2_count l2_cycles\n",
		 numbering == KVM_EXIT_STATS_NUMBERING_VMX ? "vmx" : "svm", tsc_khz, epoch(v0));
	header_ok = !strncmp(m->buf, expect_header, strlen(expect_header));
	CHECK(header_ok, "debugfs header (with the INFO leaf's epoch)",
	      "got \"%.120s\", want \"%s\"", m->buf, expect_header);

	for (line = strtok_r(m->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long c[NR_COLS];
		char nm[64], extra;
		u32 reason;

		/* The two header lines, checked above, and no others. */
		if (++nr_lines <= 2 && line[0] == '#')
			continue;
		if (seen_total) {
			rows_ok = false;
			snprintf(bad, sizeof(bad), "line after TOTAL: %s", line);
		} else if (sscanf(line, "- TOTAL %llu %llu %llu %llu %llu %c", &c[0], &c[1],
				  &c[2], &c[3], &c[4], &extra) == NR_COLS) {
			memcpy(tot, c, sizeof(tot));
			seen_total = true;
		} else if (sscanf(line, "- OTHER %llu %llu %llu %llu %llu %c", &c[0], &c[1],
				  &c[2], &c[3], &c[4], &extra) == NR_COLS) {
			/* Once, after every reason's row. */
			if (seen_other) {
				rows_ok = false;
				snprintf(bad, sizeof(bad), "second OTHER row: %s", line);
			}
			seen_other = true;
			memcpy(other, c, sizeof(other));
			for (int i = 0; i < NR_COLS; i++)
				sum[i] += c[i];
		} else if (sscanf(line, "%u %63s %llu %llu %llu %llu %llu %c", &reason, nm, &c[0],
				  &c[1], &c[2], &c[3], &c[4], &extra) == 2 + NR_COLS) {
			int slot = kvm_exit_stats_slot(numbering, reason);
			bool handled = expect_handled(numbering, reason);

			nr_rows++;
			for (int i = 0; i < NR_COLS; i++)
				sum[i] += c[i];
			if ((long long)reason <= last_reason || seen_other)
				order_ok = false;
			last_reason = reason;
			if (reason == rs->unhandled)
				seen_unhandled = true;
			/*
			 * Only handled reasons have rows, and they agree with
			 * the leaves; the L2 part is a part.
			 */
			if (slot < 0 || strcmp(nm, kvm_exit_stats_slot_name(numbering, slot)) ||
			    c[COL_L2_COUNT] > c[COL_COUNT] || c[COL_L2_CYCLES] > c[COL_CYCLES] ||
			    !handled ||
			    c[COL_COUNT] != reason_count(v0, reason) ||
			    c[COL_CYCLES] != reason_cycles(v0, reason) ||
			    c[COL_BLOCKED] != reason_blocked(v0, reason)) {
				rows_ok = false;
				snprintf(bad, sizeof(bad), "row \"%s\"", line);
			}
		} else {
			rows_ok = false;
			snprintf(bad, sizeof(bad), "unparsable \"%s\"", line);
		}
	}
	/* One row per handled reason, counted or not, and OTHER for the rest. */
	for (int s = 0; s < expect_nr_defined(numbering); s++)
		want_rows += expect_handled(numbering, expect_defined_reason(numbering, s));
	CHECK(rows_ok && seen_total, "debugfs rows parse and match the leaves", "%s", bad);
	CHECK(!seen_unhandled, "debugfs: no row for a counted reason KVM has no handler for",
	      "row for %u", rs->unhandled);
	CHECK(order_ok, "debugfs rows in ascending reason order, OTHER after them",
	      "out of order");
	CHECK(nr_rows == want_rows && want_rows == expect_nr_handled(numbering),
	      "debugfs shows exactly the handled reasons",
	      "%d rows, want %d handled", nr_rows, want_rows);
	CHECK(!memcmp(sum, tot, sizeof(sum)), "debugfs rows sum to TOTAL, every column",
	      "rows %llu %llu %llu %llu %llu, TOTAL %llu %llu %llu %llu %llu",
	      sum[0], sum[1], sum[2], sum[3], sum[4], tot[0], tot[1], tot[2], tot[3], tot[4]);
	CHECK(tot[COL_COUNT] == total_count(v0) && tot[COL_CYCLES] == total_cycles(v0) &&
	      tot[COL_BLOCKED] == total_blocked(v0),
	      "debugfs TOTAL equals the total leaves",
	      "TOTAL %llu/%llu/%llu, leaves %llu/%llu/%llu",
	      tot[COL_COUNT], tot[COL_CYCLES], tot[COL_BLOCKED],
	      total_count(v0), total_cycles(v0), total_blocked(v0));
	CHECK(!tot[COL_L2_COUNT] && !tot[COL_L2_CYCLES], "debugfs: no nested guest, no l2 part",
	      "l2 %llu/%llu", tot[COL_L2_COUNT], tot[COL_L2_CYCLES]);
	/* 2 undefined exits of 7 cycles, 1 unhandled of 5; NOT_ENABLED too. */
	CHECK(seen_other && other[COL_COUNT] == 3 && other[COL_CYCLES] == 2 * 7 + 5 &&
	      !other[COL_BLOCKED] && !other[COL_L2_COUNT] && !other[COL_L2_CYCLES] &&
	      other[COL_COUNT] == not_enabled(v0),
	      "debugfs OTHER row: undefined and unhandled exits, NOT_ENABLED's count",
	      "seen %d: %llu %llu %llu %llu %llu (NOT_ENABLED %llu)", seen_other, other[0],
	      other[1], other[2], other[3], other[4], not_enabled(v0));
	free(m);
}

static void check_row(struct kvm *kvm, long long reason, const char *what, u64 count,
		      u64 cycles, u64 blocked, u64 l2_count, u64 l2_cycles);

static void test_vm(u32 numbering, int nr_vcpus)
{
	const struct reasons *rs = numbering == KVM_EXIT_STATS_NUMBERING_VMX ? &vmx : &svm;
	struct kvm_vcpu *v0;
	struct fake_vm vm;
	struct cpuid_regs r;
	u64 want_count = 0, want_cycles = 0, n, c;
	bool ok;

	snprintf(ctx, sizeof(ctx), "%s %d vCPU%s", numbering_name(numbering),
		 nr_vcpus, nr_vcpus > 1 ? "s" : "");
	load_vendor(numbering);
	CHECK(fake_vm_create(&vm, nr_vcpus) == 0, "vCPUs created", "error");
	v0 = &vm.vcpu[0];
	fake_tsc = 1000000;

	CHECK(total_count(v0) == 0 && total_cycles(v0) == 0 && reason_count(v0, rs->cpuid) == 0,
	      "a new VM has no exits", "total %llu", total_count(v0));
	check_row(&vm.kvm, rs->hlt, "debugfs lists a handled reason without exits", 0, 0, 0, 0, 0);
	CHECK(!show_row(&vm.kvm, ROW_OTHER).found, "debugfs: no OTHER row without such exits",
	      "OTHER row shown");

	/* vCPU i takes i + 1 CPUID exits of 100 * (i + 1) cycles each. */
	for (int i = 0; i < nr_vcpus; i++)
		for (int k = 0; k <= i; k++)
			run_exit(&vm.vcpu[i], rs->cpuid, 100 * (u64)(i + 1));
	for (int i = 0; i < nr_vcpus; i++) {
		want_count += (u64)i + 1;
		want_cycles += (u64)(i + 1) * 100 * (u64)(i + 1);
	}
	n = reason_count(v0, rs->cpuid);
	c = reason_cycles(v0, rs->cpuid);
	CHECK(n == want_count && c == want_cycles, "begin/end counted per vCPU and summed",
	      "count %llu cycles %llu, want %llu %llu", n, c, want_count, want_cycles);
	ok = true;
	for (int i = 0; i < nr_vcpus; i++)
		ok = ok && cpuid(&vm.vcpu[i], KVM_EXIT_STATS_LEAF_REASON_EXITS, rs->cpuid, &r) &&
		     r.eax == want_count;
	CHECK(ok, "every vCPU reads the VM-wide sum", "eax %u want %llu", r.eax, want_count);

	/*
	 * Fastpath: exits handled back to back without handle_exit().  KVM
	 * ends each before re-entering the guest; the guest's time until the
	 * next exit (1000 cycles) is no exit's.  The last goes to user space.
	 */
	begin_exit(v0, rs->msr_write);
	for (int k = 0; k < 4; k++) {
		fake_tsc += 11;
		kvm_exit_stats_end_before_entry(v0);
		fake_tsc += 1000;
		begin_exit(v0, rs->msr_write);
	}
	fake_tsc += 11;
	kvm_exit_stats_end(v0);
	CHECK(reason_count(v0, rs->msr_write) == 5 && reason_cycles(v0, rs->msr_write) == 55,
	      "fastpath: end before each entry, guest time not charged", "%llu %llu, want 5 55",
	      reason_count(v0, rs->msr_write), reason_cycles(v0, rs->msr_write));
	want_count += 5;
	want_cycles += 55;

	/*
	 * end() without a pending exit changes nothing, however late; nor
	 * does the end before the first entry of a KVM_RUN.
	 */
	fake_tsc += 1000000;
	kvm_exit_stats_end(v0);
	kvm_exit_stats_end(&vm.vcpu[nr_vcpus - 1]);
	kvm_exit_stats_end_before_entry(v0);
	kvm_exit_stats_end_before_entry(&vm.vcpu[nr_vcpus - 1]);
	CHECK(total_count(v0) == want_count && total_cycles(v0) == want_cycles,
	      "end without begin does nothing", "total %llu/%llu, want %llu/%llu",
	      total_count(v0), total_cycles(v0), want_count, want_cycles);

	/* The query's own exit: counted, its cycles not yet. */
	begin_exit(v0, rs->cpuid);
	fake_tsc += 40;
	n = reason_count(v0, rs->cpuid);
	c = reason_cycles(v0, rs->cpuid);
	kvm_exit_stats_end(v0);
	want_count++;
	want_cycles += 40;
	CHECK(n == want_count - 5 && c == want_cycles - 55 - 40,
	      "a CPUID exit sees itself counted, not its cycles", "count %llu cycles %llu", n, c);

	/*
	 * The vCPU thread migrates during an exit, through a put and a load,
	 * to a CPU whose TSC is behind: the time in between counts as no
	 * blocked time (not ~2^64), and the exit's cycles are what each CPU
	 * measured, 10 + 5, never a difference of the two CPUs' TSCs.
	 */
	begin_exit(v0, rs->msr_write);
	fake_tsc += 10;
	put_vcpu(v0);
	fake_tsc -= 100;
	load_vcpu(v0);
	fake_tsc += 5;
	kvm_exit_stats_end(v0);
	CHECK(reason_count(v0, rs->msr_write) == 6 && reason_cycles(v0, rs->msr_write) == 55 + 15 &&
	      reason_blocked(v0, rs->msr_write) == 0 && total_blocked(v0) == 0,
	      "put, then load on a CPU whose TSC is behind: its cycles, no blocked time",
	      "count %llu cycles %llu blocked %llu total blocked %llu, want 6 70 0 0",
	      reason_count(v0, rs->msr_write), reason_cycles(v0, rs->msr_write),
	      reason_blocked(v0, rs->msr_write), total_blocked(v0));
	want_count += 1;
	want_cycles += 15;

	/* HLT on the last vCPU, undefined and unhandled reasons on vCPU 0. */
	run_exit(&vm.vcpu[nr_vcpus - 1], rs->hlt, 3);
	run_exit(v0, rs->undefined, 7);
	run_exit(v0, 0xffffff00, 7);	/* undefined in both numberings */
	run_exit(v0, rs->unhandled, 5);
	want_count += 4;
	want_cycles += 3 + 7 + 7 + 5;
	CHECK(total_count(v0) == want_count && total_cycles(v0) == want_cycles,
	      "undefined and unhandled exits are in the total", "total %llu/%llu, want %llu/%llu",
	      total_count(v0), total_cycles(v0), want_count, want_cycles);
	CHECK(cpuid(v0, KVM_EXIT_STATS_LEAF_REASON_EXITS, rs->undefined, &r) &&
	      !r.eax && !r.ebx && !r.ecx && r.edx == KVM_EXIT_STATS_UNDEFINED,
	      "an undefined reason is not queryable", "%08x %08x %08x %08x",
	      r.eax, r.ebx, r.ecx, r.edx);
	CHECK(cpuid(v0, KVM_EXIT_STATS_LEAF_REASON_EXITS64, rs->unhandled, &r) &&
	      !r.eax && !r.ebx && !r.ecx && !r.edx,
	      "a defined reason without handler reads all zero even when counted",
	      "%08x %08x %08x %08x", r.eax, r.ebx, r.ecx, r.edx);
	/* Invariant: handled reasons + unhandled + undefined == total. */
	n = sum_reason_counts(v0, numbering);
	CHECK(n + 1 + 2 == total_count(v0), "sum over reasons + unhandled + undefined == total",
	      "sum %llu + 3, total %llu", n, total_count(v0));
	/* NOT_ENABLED is those 1 + 2 exits, so the guest can check the sum. */
	CHECK(not_enabled(v0) == 1 + 2 && n + not_enabled(v0) == total_count(v0),
	      "NOT_ENABLED: handled reasons + NOT_ENABLED == total",
	      "NOT_ENABLED %llu (want 3), handled %llu, total %llu", not_enabled(v0), n,
	      total_count(v0));
	CHECK(cpuid(v0, KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0, &r) && r.eax == (u32)want_count,
	      "leaf 0x4FFFFFFF total", "eax %u want %llu", r.eax, want_count);

	check_show(&vm, numbering, rs);
	check_unnamed_zero(v0, rs);

	/* Signature and INFO. */
	{
		char sig[13];

		cpuid(v0, KVM_EXIT_STATS_LEAF_SIGNATURE, 0x1234, &r);
		memcpy(sig, &r.ebx, 4);
		memcpy(sig + 4, &r.ecx, 4);
		memcpy(sig + 8, &r.edx, 4);
		sig[12] = '\0';
		CHECK(r.eax == 2 && !strcmp(sig, "ExitStatsKVM"), "signature leaf: version 2",
		      "eax %u sig \"%s\"", r.eax, sig);
		cpuid(v0, KVM_EXIT_STATS_LEAF_INFO, 0x1234, &r);
		CHECK(r.eax == numbering && r.ebx == tsc_khz && r.ecx == (u32)nr_vcpus &&
		      r.edx && r.edx == vm.kvm.arch.exit_stats_epoch,
		      "info leaf: numbering, TSC kHz, vCPUs, the VM's epoch",
		      "%08x %08x %08x %08x, epoch %08x", r.eax, r.ebx, r.ecx, r.edx,
		      vm.kvm.arch.exit_stats_epoch);
	}

	/* A nested guest (L2) gets stock answers: not one of the leaves is ours. */
	enter_guest_mode(v0);
	ok = true;
	for (u32 leaf = KVM_EXIT_STATS_LEAF_FIRST; leaf <= KVM_EXIT_STATS_LEAF_LAST; leaf++)
		ok = ok && !cpuid(v0, leaf, rs->cpuid, &r) && r.eax == leaf &&
		     r.ebx == 0xdeadbeef && r.ecx == rs->cpuid && r.edx == 0x5a5a5a5a;
	leave_guest_mode(v0);
	CHECK(ok, "guest mode (L2): leaves return false, registers untouched",
	      "leaf answered or registers changed: %08x %08x %08x %08x",
	      r.eax, r.ebx, r.ecx, r.edx);

	/* Leaves outside 0x4FFFFFF5-0x4FFFFFFF are not ours. */
	{
		static const u32 others[] = {
			0, 1, 0x40000000, 0x40000001, 0x4FFFFFF0, 0x4FFFFFF4, 0x50000000,
			0x80000000, 0xCFFFFFFF, 0xFFFFFFF8, 0xFFFFFFFF,
		};

		ok = true;
		for (size_t i = 0; i < ARRAY_SIZE(others); i++)
			ok = ok && !cpuid(v0, others[i], 7, &r) && r.eax == others[i] &&
			     r.ebx == 0xdeadbeef && r.ecx == 7 && r.edx == 0x5a5a5a5a;
		CHECK(ok, "other leaves return false, registers untouched",
		      "%08x %08x %08x %08x", r.eax, r.ebx, r.ecx, r.edx);
	}

	/*
	 * Counts above 2^32: 64-bit leaves split, 32-bit leaves wrap; L1's and
	 * L2's banks add up past 2^32 too.
	 */
	{
		int slot = expect_counter(numbering, rs->hlt);
		/* The "other" counter, which unhandled and undefined exits share. */
		int unhandled = expect_counter(numbering, rs->unhandled);
		u64 per_vcpu = 0x100000005ull, sum = (per_vcpu + 0x80000007ull) * (u64)nr_vcpus;
		u64 before = total_count(v0) - reason_count(v0, rs->hlt);

		for (int i = 0; i < nr_vcpus; i++) {
			set_counter(vm.vcpu[i].arch.exit_stats, 0, slot, per_vcpu, 0x7ffffffff0ull);
			set_counter(vm.vcpu[i].arch.exit_stats, 1, slot, 0x80000007ull, 0);
		}
		cpuid(v0, KVM_EXIT_STATS_LEAF_REASON_EXITS64, rs->hlt, &r);
		CHECK(pair(r.ebx, r.ecx) == sum && !r.eax && !r.edx,
		      "0x4FFFFFF8 above 2^32", "%08x %08x %08x %08x want EBX:ECX %016llx",
		      r.eax, r.ebx, r.ecx, r.edx, sum);
		cpuid(v0, KVM_EXIT_STATS_LEAF_REASON_EXITS, rs->hlt, &r);
		CHECK(r.eax == (u32)sum, "0x4FFFFFFD wraps at 2^32", "eax %#x want %#x",
		      r.eax, (u32)sum);
		CHECK(reason_cycles(v0, rs->hlt) == 0x7ffffffff0ull * (u64)nr_vcpus,
		      "0x4FFFFFFC above 2^32", "%llx", reason_cycles(v0, rs->hlt));
		cpuid(v0, KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0, &r);
		CHECK(total_count(v0) == before + sum && r.eax == (u32)(before + sum),
		      "0x4FFFFFF9 and 0x4FFFFFFF above 2^32", "total %llx eax %#x",
		      total_count(v0), r.eax);

		/* An unhandled reason's exits above 2^32, in L2's bank. */
		for (int i = 0; i < nr_vcpus; i++)
			set_counter(vm.vcpu[i].arch.exit_stats, 1, unhandled, 0x300000001ull, 0);
		n = sum_reason_counts(v0, numbering);
		CHECK(not_enabled(v0) == 3 + 0x300000001ull * (u64)nr_vcpus &&
		      n + not_enabled(v0) == total_count(v0),
		      "NOT_ENABLED above 2^32, handled + NOT_ENABLED == total",
		      "NOT_ENABLED %llx, handled %llx, total %llx", not_enabled(v0), n,
		      total_count(v0));
	}

	/* kvm.exit_stats off at run time (vendor unloaded): kvm_cpuid() answers. */
	unload_vendor();
	CHECK(!cpuid(v0, KVM_EXIT_STATS_LEAF_SIGNATURE, 0, &r) && r.eax == KVM_EXIT_STATS_LEAF_SIGNATURE,
	      "key disabled: the inline hook returns false", "answered");
	load_vendor(numbering);
	fake_vm_destroy(&vm);
	unload_vendor();
}

/* debugfs row of @reason (or ROW_*) equals the five values given. */
static void check_row(struct kvm *kvm, long long reason, const char *what, u64 count,
		      u64 cycles, u64 blocked, u64 l2_count, u64 l2_cycles)
{
	struct show_row row = show_row(kvm, reason);

	CHECK(row.found && row.count == count && row.cycles == cycles && row.blocked == blocked &&
	      row.l2_count == l2_count && row.l2_cycles == l2_cycles, what,
	      "row %lld found %d: %llu %llu %llu %llu %llu, want %llu %llu %llu %llu %llu",
	      reason, row.found, row.count, row.cycles, row.blocked, row.l2_count,
	      row.l2_cycles, count, cycles, blocked, l2_count, l2_cycles);
}

/*
 * The clock of an exit across kvm_arch_vcpu_put() and _load(): the handling
 * cycles stop at the put and restart at the load, the time in between is
 * the exit's blocked time, per reason.  vCPU 1 takes exits of its own so
 * that the sums over vCPUs are seen too.
 */
static void test_put_load(u32 numbering)
{
	const struct reasons *rs = numbering == KVM_EXIT_STATS_NUMBERING_VMX ? &vmx : &svm;
	u64 t0, t1, t2, cycles, blocked;
	struct kvm_vcpu *v0, *v1;
	struct fake_vm vm;

	snprintf(ctx, sizeof(ctx), "%s put/load", numbering_name(numbering));
	load_vendor(numbering);
	CHECK(fake_vm_create(&vm, 2) == 0, "vCPUs created", "error");
	v0 = &vm.vcpu[0];
	v1 = &vm.vcpu[1];
	fake_tsc = 5000000;

	/* No put: exactly the TSC delta; KVM's exit TSC is the begin's reading. */
	t0 = fake_tsc;
	begin_exit(v0, rs->cpuid);
	fake_tsc += 123;
	t1 = kvm_exit_stats_exit_tsc(v0);
	kvm_exit_stats_end(v0);
	CHECK(reason_cycles(v0, rs->cpuid) == 123 && total_cycles(v0) == 123 &&
	      reason_blocked(v0, rs->cpuid) == 0 && total_blocked(v0) == 0,
	      "end right after begin, no put: the TSC delta, no blocked time",
	      "cycles %llu/%llu blocked %llu/%llu, want 123 0", reason_cycles(v0, rs->cpuid),
	      total_cycles(v0), reason_blocked(v0, rs->cpuid), total_blocked(v0));
	CHECK(t1 == t0, "kvm_exit_stats_exit_tsc() is the TSC the exit began at",
	      "%llu, want %llu", t1, t0);

	/* Scheduled out at t1, back at t2: cycles (t1 - t0) + (end - t2). */
	t0 = fake_tsc;
	begin_exit(v0, rs->msr_write);
	t1 = t0 + 10;
	fake_tsc = t1;
	put_vcpu(v0);
	t2 = t1 + 1000;
	fake_tsc = t2;
	load_vcpu(v0);
	fake_tsc = t2 + 7;
	kvm_exit_stats_end(v0);
	CHECK(reason_count(v0, rs->msr_write) == 1 && reason_cycles(v0, rs->msr_write) == 17 &&
	      total_cycles(v0) == 123 + 17,
	      "cycles are (put - begin) + (end - load)",
	      "count %llu cycles %llu total %llu, want 1 17 140", reason_count(v0, rs->msr_write),
	      reason_cycles(v0, rs->msr_write), total_cycles(v0));
	CHECK(reason_blocked(v0, rs->msr_write) == 1000 && total_blocked(v0) == 1000 &&
	      reason_blocked(v0, rs->cpuid) == 0,
	      "blocked = load - put, in REASON_BLOCKED and TOTAL_BLOCKED",
	      "reason %llu total %llu other reason %llu, want 1000 1000 0",
	      reason_blocked(v0, rs->msr_write), total_blocked(v0), reason_blocked(v0, rs->cpuid));
	check_row(&vm.kvm, rs->msr_write, "debugfs row has the blocked cycles",
		  1, 17, 1000, 0, 0);

	/* The same, ended by the next entry: the guest's time is not the exit's. */
	begin_exit(v0, rs->msr_write);
	fake_tsc += 20;
	put_vcpu(v0);
	fake_tsc += 400;
	load_vcpu(v0);
	fake_tsc += 2;
	kvm_exit_stats_end_before_entry(v0);
	fake_tsc += 3000;
	begin_exit(v0, rs->cpuid);
	kvm_exit_stats_end(v0);
	CHECK(reason_cycles(v0, rs->msr_write) == 17 + 22 &&
	      reason_blocked(v0, rs->msr_write) == 1400 && total_blocked(v0) == 1400,
	      "put/load, then the next entry: cycles (put - begin) + (entry - load)",
	      "cycles %llu blocked %llu total blocked %llu, want 39 1400 1400",
	      reason_cycles(v0, rs->msr_write), reason_blocked(v0, rs->msr_write),
	      total_blocked(v0));

	/* Two rounds during one exit add up. */
	begin_exit(v0, rs->hlt);
	fake_tsc += 3;
	put_vcpu(v0);
	fake_tsc += 100;
	load_vcpu(v0);
	fake_tsc += 4;
	put_vcpu(v0);
	fake_tsc += 200;
	load_vcpu(v0);
	fake_tsc += 5;
	kvm_exit_stats_end(v0);
	CHECK(reason_cycles(v0, rs->hlt) == 12 && reason_blocked(v0, rs->hlt) == 300 &&
	      total_blocked(v0) == 1700 && total_cycles(v0) == 162 + 12,
	      "two put/load rounds accumulate cycles and blocked time",
	      "cycles %llu blocked %llu total blocked %llu total cycles %llu, want 12 300 1700 174",
	      reason_cycles(v0, rs->hlt), reason_blocked(v0, rs->hlt), total_blocked(v0),
	      total_cycles(v0));

	/* Nothing pending (KVM_RUN returned, or between end and entry). */
	cycles = total_cycles(v0);
	blocked = total_blocked(v0);
	fake_tsc += 50;
	put_vcpu(v0);
	fake_tsc += 5000;
	load_vcpu(v0);
	CHECK(total_cycles(v0) == cycles && total_blocked(v0) == blocked &&
	      total_count(v0) == 5,
	      "put/load with no exit pending changes nothing",
	      "cycles %llu blocked %llu count %llu, want %llu %llu 5", total_cycles(v0),
	      total_blocked(v0), total_count(v0), cycles, blocked);
	/* ... and leaves the next exit's clock alone. */
	run_exit(v0, rs->cpuid, 9);
	CHECK(reason_cycles(v0, rs->cpuid) == 123 + 9 && total_blocked(v0) == blocked,
	      "the exit after a put/load with none pending: its TSC delta",
	      "cycles %llu blocked %llu, want 132 %llu", reason_cycles(v0, rs->cpuid),
	      total_blocked(v0), blocked);

	/* Loaded on a CPU whose TSC is behind the put's: no blocked time. */
	begin_exit(v0, rs->cpuid);
	fake_tsc += 20;
	put_vcpu(v0);
	fake_tsc -= 300;
	load_vcpu(v0);
	fake_tsc += 9;
	kvm_exit_stats_end(v0);
	CHECK(reason_cycles(v0, rs->cpuid) == 132 + 29 && reason_blocked(v0, rs->cpuid) == 0 &&
	      total_blocked(v0) == blocked,
	      "load with the TSC behind the put: 0 blocked, cycles measured per CPU",
	      "cycles %llu blocked %llu total blocked %llu, want 161 0 %llu",
	      reason_cycles(v0, rs->cpuid), reason_blocked(v0, rs->cpuid), total_blocked(v0),
	      blocked);

	/* Another vCPU's blocked time: per vCPU, summed like the counts. */
	begin_exit(v1, rs->msr_write);
	fake_tsc += 1;
	put_vcpu(v1);
	fake_tsc += 50;
	load_vcpu(v1);
	kvm_exit_stats_end(v1);
	CHECK(reason_blocked(v0, rs->msr_write) == 1450 &&
	      reason_blocked(v1, rs->msr_write) == 1450 && total_blocked(v1) == 1750 && reason_cycles(v0, rs->msr_write) == 40,
	      "blocked time summed over vCPUs",
	      "reason %llu/%llu total %llu cycles %llu, want 1450 1450 1750 40",
	      reason_blocked(v0, rs->msr_write), reason_blocked(v1, rs->msr_write),
	      total_blocked(v1), reason_cycles(v0, rs->msr_write));

	/*
	 * Unhandled and undefined reasons block too: their leaves answer as
	 * the other per-reason leaves do, the total and debugfs have the time.
	 */
	begin_exit(v0, rs->unhandled);
	put_vcpu(v0);
	fake_tsc += 40;
	load_vcpu(v0);
	kvm_exit_stats_end(v0);
	begin_exit(v0, rs->undefined);
	put_vcpu(v0);
	fake_tsc += 60;
	load_vcpu(v0);
	kvm_exit_stats_end(v0);
	{
		struct cpuid_regs u, d;

		cpuid(v0, KVM_EXIT_STATS_LEAF_REASON_BLOCKED, rs->unhandled, &u);
		cpuid(v0, KVM_EXIT_STATS_LEAF_REASON_BLOCKED, rs->undefined, &d);
		CHECK(!u.eax && !u.ebx && !u.ecx && !u.edx && !d.eax && !d.ebx && !d.ecx &&
		      d.edx == KVM_EXIT_STATS_UNDEFINED && total_blocked(v0) == 1750 + 100,
		      "blocked time of unhandled/undefined reasons: in the total only",
		      "unhandled %08x %08x %08x %08x undefined %08x %08x %08x %08x total %llu",
		      u.eax, u.ebx, u.ecx, u.edx, d.eax, d.ebx, d.ecx, d.edx, total_blocked(v0));
	}
	CHECK(!show_row(&vm.kvm, rs->unhandled).found, "debugfs: no row for an unhandled reason",
	      "row %u found", rs->unhandled);
	check_row(&vm.kvm, ROW_OTHER, "debugfs: unhandled and undefined reasons' blocked time in OTHER",
		  2, 0, 40 + 60, 0, 0);
	check_row(&vm.kvm, ROW_TOTAL, "debugfs: TOTAL blocked is TOTAL_BLOCKED",
		  total_count(v0), total_cycles(v0), total_blocked(v0), 0, 0);
	CHECK(total_blocked(v0) == 1850, "TOTAL_BLOCKED", "%llu, want 1850", total_blocked(v0));

	fake_vm_destroy(&vm);
	unload_vendor();
}

/*
 * Exits taken while the vCPU runs L2 count in L2's bank: the leaves (read by
 * a vCPU in L1) and debugfs' count/cycles cover both banks, debugfs' l2
 * columns the L2 part.  KVM switches banks in enter_guest_mode() and
 * leave_guest_mode(); an exit keeps the bank it began in.
 */
static void test_nested(u32 numbering)
{
	const struct reasons *rs = numbering == KVM_EXIT_STATS_NUMBERING_VMX ? &vmx : &svm;
	struct kvm_vcpu *v0, *v1;
	struct show_row row;
	struct fake_vm vm;
	struct cpuid_regs r;
	u64 n;

	snprintf(ctx, sizeof(ctx), "%s nested", numbering_name(numbering));
	load_vendor(numbering);
	CHECK(fake_vm_create(&vm, 2) == 0, "vCPUs created", "error");
	v0 = &vm.vcpu[0];
	v1 = &vm.vcpu[1];
	fake_tsc = 7000000;

	/* L1: 2 CPUID exits of 10; then L2: 3 of 30, and one of each kind. */
	run_exit(v0, rs->cpuid, 10);
	run_exit(v0, rs->cpuid, 10);
	enter_guest_mode(v0);
	for (int k = 0; k < 3; k++)
		run_exit(v0, rs->cpuid, 30);
	run_exit(v0, rs->msr_write, 5);
	run_exit(v0, rs->unhandled, 8);
	run_exit(v0, rs->undefined, 9);
	CHECK(!cpuid(v0, KVM_EXIT_STATS_LEAF_TOTAL_EXITS64, 0, &r),
	      "vCPU in guest mode: the leaves are not answered", "answered");
	CHECK(reason_count(v1, rs->cpuid) == 5 && reason_cycles(v1, rs->cpuid) == 20 + 90 &&
	      total_count(v1) == 8 && total_cycles(v1) == 20 + 90 + 5 + 8 + 9,
	      "L2's exits in the leaves' sums (read by a vCPU in L1)",
	      "cpuid %llu/%llu total %llu/%llu, want 5/110 8/132", reason_count(v1, rs->cpuid),
	      reason_cycles(v1, rs->cpuid), total_count(v1), total_cycles(v1));
	n = sum_reason_counts(v1, numbering);
	CHECK(not_enabled(v1) == 2 && n + not_enabled(v1) == total_count(v1),
	      "NOT_ENABLED counts L2's unhandled/undefined exits, identity holds",
	      "NOT_ENABLED %llu (want 2), handled %llu, total %llu", not_enabled(v1), n,
	      total_count(v1));
	row = show_row(&vm.kvm, rs->cpuid);
	CHECK(row.found && row.count == 5 && row.cycles == 110 && row.l2_count == 3 &&
	      row.l2_cycles == 90 && row.count - row.l2_count == 2 &&
	      row.cycles - row.l2_cycles == 20,
	      "debugfs: count includes L2's, l2 columns are L2's, the rest L1's",
	      "found %d %llu %llu %llu %llu %llu, want 5 110 0 3 90", row.found, row.count,
	      row.cycles, row.blocked, row.l2_count, row.l2_cycles);
	check_row(&vm.kvm, rs->msr_write, "debugfs: a reason taken only in L2", 1, 5, 0, 1, 5);
	CHECK(!show_row(&vm.kvm, rs->unhandled).found,
	      "debugfs: no row for an unhandled reason taken in L2", "row %u found", rs->unhandled);
	check_row(&vm.kvm, ROW_OTHER, "debugfs: unhandled and undefined reasons taken in L2, in OTHER",
		  2, 8 + 9, 0, 2, 8 + 9);
	check_row(&vm.kvm, ROW_TOTAL, "debugfs: TOTAL l2 columns", 8, 132, 0, 6, 112);

	/*
	 * An L2 exit reflected to L1: KVM leaves guest mode while handling it,
	 * and the exit stays L2's, cycles and blocked time after the switch
	 * included.
	 */
	begin_exit(v0, rs->cpuid);
	fake_tsc += 4;
	leave_guest_mode(v0);
	put_vcpu(v0);
	fake_tsc += 30;
	load_vcpu(v0);
	fake_tsc += 6;
	kvm_exit_stats_end(v0);
	check_row(&vm.kvm, rs->cpuid, "an exit begun in L2 stays L2's when KVM leaves guest mode",
		  6, 120, 30, 4, 100);

	/* An exit begun in L2, blocked: the time goes to its reason. */
	enter_guest_mode(v0);
	begin_exit(v0, rs->hlt);
	fake_tsc += 2;
	put_vcpu(v0);
	fake_tsc += 70;
	load_vcpu(v0);
	fake_tsc += 3;
	kvm_exit_stats_end(v0);
	check_row(&vm.kvm, rs->hlt, "an L2 exit's blocked time, in its reason's row",
		  1, 5, 70, 1, 5);
	CHECK(reason_blocked(v1, rs->hlt) == 70 && total_blocked(v1) == 30 + 70,
	      "an L2 exit's blocked time in REASON_BLOCKED and TOTAL_BLOCKED",
	      "%llu %llu, want 70 100", reason_blocked(v1, rs->hlt), total_blocked(v1));

	/* Back in L1: exits count in L1's bank again. */
	leave_guest_mode(v0);
	run_exit(v0, rs->cpuid, 1);
	check_row(&vm.kvm, rs->cpuid, "after leave_guest_mode() exits are L1's",
		  7, 121, 30, 4, 100);
	CHECK(reason_count(v0, rs->cpuid) == 7 && reason_count(v1, rs->cpuid) == 7,
	      "both vCPUs, in L1, read the same sum", "%llu %llu, want 7",
	      reason_count(v0, rs->cpuid), reason_count(v1, rs->cpuid));

	/* vCPU 1's own L2: its bank is its own, the sums take both vCPUs'. */
	enter_guest_mode(v1);
	run_exit(v1, rs->cpuid, 50);
	leave_guest_mode(v1);
	run_exit(v1, rs->cpuid, 60);
	check_row(&vm.kvm, rs->cpuid, "L2 parts of two vCPUs summed", 9, 231, 30, 5, 150);
	n = sum_reason_counts(v0, numbering);
	CHECK(total_count(v0) == 13 && n + not_enabled(v0) == total_count(v0),
	      "handled + NOT_ENABLED == total, with both banks on both vCPUs",
	      "handled %llu + NOT_ENABLED %llu, total %llu (want 13)", n, not_enabled(v0),
	      total_count(v0));

	/*
	 * L1's VMRESUME/VMRUN: the exit begins in L1, KVM enters guest mode
	 * while handling it and may be scheduled out before the entry.  The
	 * exit and its blocked time stay L1's, L2's counters untouched; the
	 * next exit, from L2, is L2's.
	 */
	begin_exit(v0, rs->vmenter);
	fake_tsc += 5;
	enter_guest_mode(v0);
	put_vcpu(v0);
	fake_tsc += 80;
	load_vcpu(v0);
	fake_tsc += 6;
	kvm_exit_stats_end_before_entry(v0);
	fake_tsc += 1000;
	begin_exit(v0, rs->cpuid);
	fake_tsc += 2;
	kvm_exit_stats_end(v0);
	leave_guest_mode(v0);
	check_row(&vm.kvm, rs->vmenter,
		  "an L1 exit that enters guest mode stays L1's, with its blocked time",
		  1, 11, 80, 0, 0);
	check_row(&vm.kvm, rs->cpuid, "... and the exit from L2 that follows is L2's",
		  10, 233, 30, 6, 152);
	/* cpuid, msr_write, unhandled, undefined, hlt, vmenter: 10 + 5 x 1. */
	check_row(&vm.kvm, ROW_TOTAL, "debugfs TOTAL, nested", 15,
		  233 + 5 + 8 + 9 + 5 + 11, 30 + 70 + 80, 6 + 1 + 1 + 1 + 1,
		  152 + 5 + 8 + 9 + 5);

	fake_vm_destroy(&vm);
	unload_vendor();
}

/*
 * The per-reason counters as vCPU binary stats (KVM_GET_STATS_FD, QEMU's
 * query-stats, kvm_stat): kvm_exit_stats_describe_stat() describes stat
 * @i, which x86.c turns into a descriptor appended to KVM's own.
 */

/* The four stats of a counter, in the order described, as specified. */
static const char *const stat_prefix[4] = {
	"exits_", "exit_cycles_", "l2_exits_", "l2_exit_cycles_",
};

/* Stat @i through a heap copy of exactly its size: ASan sees any overrun. */
static bool describe(u32 i, struct kvm_exit_stats_stat *out)
{
	struct kvm_exit_stats_stat *stat = malloc(sizeof(*stat));
	bool r;

	if (!stat)
		abort();
	/* No NUL anywhere: the name must be terminated by the callee. */
	memset(stat, 0xff, sizeof(*stat));
	r = kvm_exit_stats_describe_stat(i, stat);
	memcpy(out, stat, sizeof(*out));
	free(stat);
	return r;
}

/* The name stat @i must have: prefix, then the reason's name lower-cased. */
static void expect_stat_name(u32 numbering, int i, char *buf, size_t size)
{
	int counter = i / 4, n;
	const char *reason = "other";

	if (counter < expect_nr_handled(numbering))
		reason = kvm_exit_stats_slot_name(numbering,
				expect_slot(numbering, expect_handled_reason(numbering, counter)));
	n = snprintf(buf, size, "%s%s", stat_prefix[i % 4], reason);
	for (char *c = buf; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (n < 0 || (size_t)n >= size)
		abort();	/* a test buffer far larger than the stats' names */
}

/* Its offset in struct kvm_vcpu_stat: 16-byte pairs, L1's bank then L2's. */
static size_t expect_stat_offset(u32 numbering, int i)
{
	int bank = i % 4 >= 2, cycles = i % 2;

	return offsetof(struct kvm_vcpu_stat, exit_reasons) +
	       ((size_t)bank * (size_t)expect_nr_counters(numbering) + (size_t)(i / 4)) * 16 +
	       (size_t)cycles * 8;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static u64 read_stat(struct kvm_vcpu *vcpu, size_t offset)
{
	u64 v;

	memcpy(&v, (const char *)&vcpu->stat + offset, sizeof(v));
	return v;
}

static void write_stat(struct kvm_vcpu *vcpu, size_t offset, u64 v)
{
	memcpy((char *)&vcpu->stat + offset, &v, sizeof(v));
}

/* A distinctive value for stat @i of vCPU @v: sums tell every stat apart. */
static u64 stat_value(int i, int v)
{
	return (u64)(i + 1) << 36 | (u64)(v + 1) << 24 | (u64)(i * 5 + v + 1);
}

/* Sum over @nr vCPUs of stat_value() of stat @i. */
static u64 stat_sum(int i, int nr)
{
	u64 sum = 0;

	for (int v = 0; v < nr; v++)
		sum += stat_value(i, v);
	return sum;
}

static void test_binary_stats(u32 numbering)
{
	const struct reasons *rs = numbering == KVM_EXIT_STATS_NUMBERING_VMX ? &vmx : &svm;
	static char names[KVM_EXIT_STATS_MAX_DESCS][KVM_STATS_NAME_SIZE];
	static size_t offsets[KVM_EXIT_STATS_MAX_DESCS];
	static const u32 beyond[] = { 0x7fffffff, 0x80000000, 0xfffffffc, 0xfffffffd, U32_MAX };
	int nr_counters = expect_nr_counters(numbering), nr_handled = expect_nr_handled(numbering);
	int n = 0, want_n = 4 * nr_counters, bad = -1;
	size_t base = offsetof(struct kvm_vcpu_stat, exit_reasons);
	struct kvm_exit_stats_stat st;
	char want[128], detail[256] = "";
	struct kvm_vcpu *v0, *v1;
	struct fake_vm vm;
	struct cpuid_regs r;
	bool ok;

	snprintf(ctx, sizeof(ctx), "%s binary stats", numbering_name(numbering));

	/* Off: no stats to describe, whatever kvm.exit_stats says. */
	*module_param_exit_stats = false;
	load_vendor(numbering);
	CHECK(!describe(0, &st) && !describe(4, &st), "kvm.exit_stats=0: no stats described",
	      "stat 0 described: %.48s", st.name);
	*module_param_exit_stats = true;

	load_vendor(numbering);
	while (n <= KVM_EXIT_STATS_MAX_DESCS && describe((u32)n, &st))
		n++;
	ok = true;
	for (int i = 0; i < 8; i++)
		ok = ok && !describe((u32)(n + i), &st);
	for (size_t i = 0; i < ARRAY_SIZE(beyond); i++)
		ok = ok && !describe(beyond[i], &st);
	CHECK(n == want_n && n <= KVM_EXIT_STATS_MAX_DESCS && ok,
	      "4 stats per handled reason and 4 for other, none beyond",
	      "%d stats (want 4 x (%d + 1) = %d, at most %d), stats beyond described: %d", n,
	      nr_handled, want_n, KVM_EXIT_STATS_MAX_DESCS, !ok);
	if (n != want_n) {
		unload_vendor();
		return;
	}

	/*
	 * Names: exactly prefix + reason, lower case, terminated, no
	 * truncation.  Every stat is read (the checks below use them all),
	 * the first bad one reported.
	 */
	for (int i = 0; i < n; i++) {
		describe((u32)i, &st);
		expect_stat_name(numbering, i, want, sizeof(want));
		if (bad < 0 &&
		    (strlen(want) >= KVM_STATS_NAME_SIZE || !memchr(st.name, 0, sizeof(st.name)) ||
		     strcmp(st.name, want) ||
		     strspn(st.name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(st.name))) {
			bad = i;
			snprintf(detail, sizeof(detail), "stat %d: \"%.48s\", want \"%s\" (%zu < %d)",
				 i, memchr(st.name, 0, sizeof(st.name)) ? st.name : "(unterminated)",
				 want, strlen(want), KVM_STATS_NAME_SIZE);
		}
		memcpy(names[i], st.name, sizeof(names[i]));
	}
	CHECK(bad < 0, "names: exits_, exit_cycles_, l2_exits_, l2_exit_cycles_ + lower-case reason",
	      "%s", detail);
	bad = -1;
	for (int i = 0; i < n && bad < 0; i++)
		for (int j = 0; j < i && bad < 0; j++)
			if (!strncmp(names[i], names[j], KVM_STATS_NAME_SIZE))
				bad = i;
	CHECK(bad < 0, "names unique", "stat %d \"%.48s\" repeats", bad, bad < 0 ? "" : names[bad]);
	/* The names the commit message promises, spelled out. */
	{
		const char *io = numbering == KVM_EXIT_STATS_NUMBERING_VMX ? "exits_io_instruction" :
									     "exits_ioio";
		int io_i = 4 * expect_counter(numbering,
					      numbering == KVM_EXIT_STATS_NUMBERING_VMX ? 30 : 0x7b);
		int cpuid_i = 4 * expect_counter(numbering, rs->cpuid);

		CHECK(!strcmp(names[io_i], io) && !strcmp(names[cpuid_i + 3], "l2_exit_cycles_cpuid") &&
		      !strcmp(names[n - 4], "exits_other") &&
		      !strcmp(names[n - 1], "l2_exit_cycles_other"),
		      "names: the I/O exits, l2_exit_cycles_cpuid, exits_other last",
		      "\"%s\" \"%s\" \"%s\" \"%s\"", names[io_i], names[cpuid_i + 3],
		      names[n - 4], names[n - 1]);
	}

	/* Units and offsets, stat by stat; every offset kept for the next check. */
	bad = -1;
	for (int i = 0; i < n; i++) {
		describe((u32)i, &st);
		offsets[i] = st.offset;
		if (bad < 0 &&
		    (st.unit != (i % 2 ? (u32)KVM_STATS_UNIT_CYCLES : (u32)KVM_STATS_UNIT_NONE) ||
		     st.offset != expect_stat_offset(numbering, i))) {
			bad = i;
			snprintf(detail, sizeof(detail), "stat %d %s: unit %#x offset %u, want %#x %zu",
				 i, names[i], st.unit, st.offset,
				 i % 2 ? KVM_STATS_UNIT_CYCLES : KVM_STATS_UNIT_NONE,
				 expect_stat_offset(numbering, i));
		}
	}
	CHECK(bad < 0, "units (cycles for *cycles*, none for counts) and offsets per stat",
	      "%s", detail);

	/*
	 * Dense: the described u64 are exactly [exit_reasons, + 2 banks of
	 * nr_counters pairs), no hole, no overlap.  QEMU reads as many u64 as
	 * are described and indexes them by offset: KVM's own stats cover the
	 * stat struct up to exit_reasons (no padding before it, see the shim),
	 * so ours must cover what follows without a gap.
	 */
	qsort(offsets, (size_t)n, sizeof(offsets[0]), cmp_size);
	bad = -1;
	for (int i = 0; i < n && bad < 0; i++)
		if (offsets[i] != base + 8 * (size_t)i)
			bad = i;
	CHECK(bad < 0 && (size_t)n * 8 == 2 * (size_t)nr_counters * 16 &&
	      base + (size_t)n * 8 <= base + sizeof(((struct kvm_vcpu_stat *)0)->exit_reasons),
	      "offsets: dense u64s from exit_reasons, both banks, inside the array",
	      "sorted offset %d is %zu, want %zu; %d stats for %d counters", bad,
	      bad < 0 ? 0 : offsets[bad], base + 8 * (size_t)(bad < 0 ? 0 : bad), n, nr_counters);

	/*
	 * A value written at a stat's offset is what the leaves and debugfs
	 * report for its reason: L1 and L2 summed, L2 in the l2 columns.
	 */
	CHECK(fake_vm_create(&vm, 2) == 0, "vCPUs created", "error");
	v0 = &vm.vcpu[0];
	v1 = &vm.vcpu[1];
	for (int v = 0; v < 2; v++)
		for (int i = 0; i < n; i++)
			write_stat(&vm.vcpu[v], expect_stat_offset(numbering, i), stat_value(i, v));
	bad = -1;
	for (int c = 0; c < nr_handled && bad < 0; c++) {
		u32 reason = expect_handled_reason(numbering, c);
		struct show_row row = show_row(&vm.kvm, reason);
		u64 count = stat_sum(4 * c, 2) + stat_sum(4 * c + 2, 2);
		u64 cycles = stat_sum(4 * c + 1, 2) + stat_sum(4 * c + 3, 2);

		if (reason_count(v0, reason) != count || reason_cycles(v1, reason) != cycles ||
		    !row.found || row.count != count || row.cycles != cycles ||
		    row.l2_count != stat_sum(4 * c + 2, 2) ||
		    row.l2_cycles != stat_sum(4 * c + 3, 2)) {
			bad = c;
			snprintf(detail, sizeof(detail),
				 "reason %#x: leaves %llx/%llx row %d %llx/%llx l2 %llx/%llx, want %llx/%llx",
				 reason, reason_count(v0, reason), reason_cycles(v1, reason),
				 row.found, row.count, row.cycles, row.l2_count, row.l2_cycles,
				 count, cycles);
		}
	}
	CHECK(bad < 0, "written through a handled reason's offsets: its leaves and debugfs row",
	      "%s", detail);
	{
		int o = n - 4;
		struct show_row row = show_row(&vm.kvm, ROW_OTHER);
		u64 count = stat_sum(o, 2) + stat_sum(o + 2, 2);

		CHECK(not_enabled(v0) == count && row.found && row.count == count &&
		      row.cycles == stat_sum(o + 1, 2) + stat_sum(o + 3, 2) &&
		      row.l2_count == stat_sum(o + 2, 2) && row.l2_cycles == stat_sum(o + 3, 2) &&
		      !reason_count(v0, rs->unhandled),
		      "written through other's offsets: NOT_ENABLED and the OTHER row",
		      "NOT_ENABLED %llx row %d %llx %llx %llx %llx, want %llx; unhandled reads %llx",
		      not_enabled(v0), row.found, row.count, row.cycles, row.l2_count,
		      row.l2_cycles, count, reason_count(v0, rs->unhandled));
	}
	fake_vm_destroy(&vm);

	/*
	 * And the other way: exits KVM counts are what the stats read, per
	 * vCPU and bank; the exits_* and l2_exits_* stats sum to the vCPU's
	 * exits, the cycle stats to its cycles.
	 */
	fake_vm_create(&vm, 2);
	v0 = &vm.vcpu[0];
	v1 = &vm.vcpu[1];
	fake_tsc = 9000000;
	run_exit(v0, rs->cpuid, 10);
	run_exit(v0, rs->cpuid, 10);
	enter_guest_mode(v0);
	run_exit(v0, rs->cpuid, 30);
	run_exit(v0, rs->unhandled, 8);
	run_exit(v0, rs->undefined, 9);
	leave_guest_mode(v0);
	run_exit(v1, rs->msr_write, 5);
	run_exit(v1, 0xffffff00, 4);	/* undefined in both numberings */
	{
		int c = 4 * expect_counter(numbering, rs->cpuid);
		int m = 4 * expect_counter(numbering, rs->msr_write), o = n - 4;
		u64 want0[4][4] = { { 2, 20, 1, 30 }, { 0, 0, 0, 0 }, { 0, 0, 2, 17 } };
		u64 want1[4][4] = { { 0, 0, 0, 0 }, { 1, 5, 0, 0 }, { 1, 4, 0, 0 } };
		int at[3] = { c, m, o };
		u64 sum[2][2] = { { 0, 0 }, { 0, 0 } };
		int nonzero = 0;

		ok = true;
		for (int k = 0; k < 3; k++)
			for (int j = 0; j < 4; j++)
				ok = ok && read_stat(v0, expect_stat_offset(numbering, at[k] + j)) ==
					   want0[k][j] &&
				     read_stat(v1, expect_stat_offset(numbering, at[k] + j)) ==
				     want1[k][j];
		for (int i = 0; i < n; i++)
			for (int v = 0; v < 2; v++) {
				describe((u32)i, &st);
				sum[v][i % 2] += read_stat(&vm.vcpu[v], st.offset);
				nonzero += read_stat(&vm.vcpu[v], st.offset) != 0;
			}
		CHECK(ok && nonzero == 4 + 2 + 2 + 2,
		      "exits read through the offsets: per vCPU and bank, other for the rest",
		      "%d non-zero stats (want 10); cpuid %llu %llu %llu %llu other %llu %llu %llu %llu",
		      nonzero, read_stat(v0, expect_stat_offset(numbering, c)),
		      read_stat(v0, expect_stat_offset(numbering, c + 1)),
		      read_stat(v0, expect_stat_offset(numbering, c + 2)),
		      read_stat(v0, expect_stat_offset(numbering, c + 3)),
		      read_stat(v0, expect_stat_offset(numbering, o)),
		      read_stat(v0, expect_stat_offset(numbering, o + 1)),
		      read_stat(v0, expect_stat_offset(numbering, o + 2)),
		      read_stat(v0, expect_stat_offset(numbering, o + 3)));
		CHECK(sum[0][0] == v0->arch.exit_stats->total_count &&
		      sum[0][1] == v0->arch.exit_stats->total_cycles &&
		      sum[1][0] == v1->arch.exit_stats->total_count &&
		      sum[1][1] == v1->arch.exit_stats->total_cycles && sum[0][0] == 5,
		      "exits_* + l2_exits_* stats are the vCPU's exits, the cycle stats its cycles",
		      "vCPU 0 %llu/%llu (total %llu/%llu), vCPU 1 %llu/%llu (total %llu/%llu)",
		      sum[0][0], sum[0][1], v0->arch.exit_stats->total_count,
		      v0->arch.exit_stats->total_cycles, sum[1][0], sum[1][1],
		      v1->arch.exit_stats->total_count, v1->arch.exit_stats->total_cycles);
	}
	CHECK(cpuid(v0, KVM_EXIT_STATS_LEAF_NOT_ENABLED, 0, &r) && pair(r.ebx, r.ecx) == 3,
	      "NOT_ENABLED is other's exits, both vCPUs and banks", "%llu, want 3",
	      pair(r.ebx, r.ecx));
	fake_vm_destroy(&vm);

	unload_vendor();
	CHECK(!describe(0, &st), "vendor unloaded: no stats described", "stat 0: %.48s", st.name);
}

/* A vendor that handles the first handled_limit defined SVM codes. */
static int handled_limit;

static bool first_handled(u32 code)
{
	return expect_defined(KVM_EXIT_STATS_NUMBERING_SVM, code) &&
	       expect_slot(KVM_EXIT_STATS_NUMBERING_SVM, code) < handled_limit;
}

/*
 * The counters' bound: KVM_EXIT_STATS_MAX_COUNTERS - 1 handled reasons
 * and "other" fill exit_reasons[] and the stats exactly (the most x86.c
 * makes room for); one more handled reason turns the statistics off rather
 * than overflow it.
 */
static void test_counter_limit(void)
{
	const struct kvm_exit_stats_ops ops = {
		.numbering = KVM_EXIT_STATS_NUMBERING_SVM,
		.reason_handled = first_handled,
	};
	const u32 svm = KVM_EXIT_STATS_NUMBERING_SVM;
	size_t base = offsetof(struct kvm_vcpu_stat, exit_reasons);
	struct kvm_exit_stats_stat st, prev = { "", 0, 0 };
	struct fake_vm vm;
	u32 last, other = 0xffffff00;	/* undefined */
	int n = 0;
	bool dense = true;

	snprintf(ctx, sizeof(ctx), "counter limit");
	handled_limit = KVM_EXIT_STATS_MAX_COUNTERS;
	kvm_exit_stats_hardware_setup(&ops);
	CHECK(!static_branch_unlikely(&kvm_exit_stats_enabled) && !describe(0, &st),
	      "MAX_COUNTERS handled reasons (no room for other): statistics off",
	      "enabled %d", static_branch_unlikely(&kvm_exit_stats_enabled));
	kvm_exit_stats_hardware_unsetup();

	handled_limit = KVM_EXIT_STATS_MAX_COUNTERS - 1;
	kvm_exit_stats_hardware_setup(&ops);
	CHECK(static_branch_unlikely(&kvm_exit_stats_enabled),
	      "MAX_COUNTERS - 1 handled reasons: statistics on", "off");
	while (n <= KVM_EXIT_STATS_MAX_DESCS && describe((u32)n, &st)) {
		dense = dense && st.offset == base + ((size_t)(n % 4 >= 2) * KVM_EXIT_STATS_MAX_COUNTERS +
					     (size_t)n / 4) * 16 + (size_t)(n % 2) * 8;
		prev = st;
		n++;
	}
	CHECK(n == KVM_EXIT_STATS_MAX_DESCS && dense &&
	      prev.offset + 8 == base + sizeof(((struct kvm_vcpu_stat *)0)->exit_reasons) &&
	      !strcmp(prev.name, "l2_exit_cycles_other"),
	      "... KVM_EXIT_STATS_MAX_DESCS stats, the last at the end of exit_reasons[]",
	      "%d stats (want %d), dense %d, last %.48s at %u", n, KVM_EXIT_STATS_MAX_DESCS,
	      dense, prev.name, prev.offset);

	/* The last handled reason's and other's L2 exits: the array's last pairs. */
	last = expect_defined_reason(svm, KVM_EXIT_STATS_MAX_COUNTERS - 2);
	fake_vm_create(&vm, 1);
	fake_tsc = 100;
	enter_guest_mode(&vm.vcpu[0]);
	kvm_exit_stats_svm_begin(&vm.vcpu[0], &last);
	fake_tsc += 3;
	kvm_exit_stats_end(&vm.vcpu[0]);
	kvm_exit_stats_svm_begin(&vm.vcpu[0], &other);
	fake_tsc += 4;
	kvm_exit_stats_end(&vm.vcpu[0]);
	leave_guest_mode(&vm.vcpu[0]);
	{
		const struct kvm_exit_stats_counter *c = vm.vcpu[0].stat.exit_reasons;
		const int end = 2 * KVM_EXIT_STATS_MAX_COUNTERS;

		CHECK(c[end - 2].count == 1 && c[end - 2].cycles == 3 && c[end - 1].count == 1 &&
		      c[end - 1].cycles == 4 && reason_count(&vm.vcpu[0], last) == 1 &&
		      not_enabled(&vm.vcpu[0]) == 1,
		      "... L2 exits of the last reason and of other in the array's last pairs",
		      "%llu/%llu %llu/%llu, leaf %llu NOT_ENABLED %llu", c[end - 2].count,
		      c[end - 2].cycles, c[end - 1].count, c[end - 1].cycles,
		      reason_count(&vm.vcpu[0], last), not_enabled(&vm.vcpu[0]));
	}
	fake_vm_destroy(&vm);
	kvm_exit_stats_hardware_unsetup();
}

/*
 * The INFO leaf's epoch: chosen by kvm_exit_stats_vm_init() from
 * get_random_u32(), never 0 (a 0 from the RNG is drawn again), the same for
 * every query of one VM, different for the next VM, and in debugfs.
 */
static void test_epoch(void)
{
	struct fake_vm a, b;
	u32 want, ea, eb;
	bool same = true;
	char head[96];
	struct seq_file *m = calloc(1, sizeof(*m));

	if (!m)
		abort();
	snprintf(ctx, sizeof(ctx), "epoch");
	load_vendor(KVM_EXIT_STATS_NUMBERING_VMX);

	/* The RNG's next value, then the same again with two zeros first. */
	fake_random_state = 0x12345678;
	want = get_random_u32();
	fake_random_state = 0x12345678;
	fake_random_zeros = 2;
	fake_vm_create(&a, 2);
	ea = epoch(&a.vcpu[0]);
	CHECK(ea && ea == want && !fake_random_zeros,
	      "non-zero: the RNG's first non-zero value", "epoch %#x, want %#x (zeros left %d)",
	      ea, want, fake_random_zeros);

	for (int k = 0; k < 3; k++) {
		run_exit(&a.vcpu[k & 1], 10, 5);
		same = same && epoch(&a.vcpu[0]) == ea && epoch(&a.vcpu[1]) == ea;
	}
	CHECK(same, "constant across queries and exits of one VM", "changed from %#x", ea);

	fake_vm_create(&b, 1);
	eb = epoch(&b.vcpu[0]);
	CHECK(eb && eb != ea && epoch(&a.vcpu[1]) == ea, "a second VM gets another epoch",
	      "first %#x, second %#x", ea, eb);

	kvm_exit_stats_show(m, &a.kvm);
	snprintf(head, sizeof(head), "# numbering vmx tsc_khz %u epoch %u\n", tsc_khz, ea);
	CHECK(!strncmp(m->buf, head, strlen(head)), "debugfs header has the VM's epoch",
	      "got \"%.80s\", want \"%s\"", m->buf, head);

	fake_vm_destroy(&a);
	fake_vm_destroy(&b);
	unload_vendor();
	free(m);
}

/*
 * KVM_CAP_X86_EXIT_STATS: 0 hands the leaves back to stock KVM for one VM,
 * only before its first vCPU; other VMs and the counting are unaffected.
 */
static void test_capability(void)
{
	struct fake_vm off, on;
	struct cpuid_regs r;
	bool ok;

	snprintf(ctx, sizeof(ctx), "capability");
	*module_param_exit_stats = false;
	load_vendor(KVM_EXIT_STATS_NUMBERING_SVM);
	fake_vm_create(&off, 0);
	CHECK(kvm_exit_stats_available() == 0 && kvm_exit_stats_enable_cap(&off.kvm, 1) == -EINVAL,
	      "with kvm.exit_stats=0: not available, cannot be enabled", "available %d",
	      kvm_exit_stats_available());
	unload_vendor();
	*module_param_exit_stats = true;

	load_vendor(KVM_EXIT_STATS_NUMBERING_SVM);
	fake_vm_create(&off, 0);
	fake_vm_create(&on, 0);
	CHECK(kvm_exit_stats_available() == 1, "available", "%d", kvm_exit_stats_available());
	CHECK(kvm_exit_stats_enable_cap(&off.kvm, 2) == -EINVAL &&
	      kvm_exit_stats_enable_cap(&off.kvm, ~0ull) == -EINVAL,
	      "arguments other than 0 and 1 refused", "accepted");
	CHECK(kvm_exit_stats_enable_cap(&off.kvm, 1) == 0 &&
	      kvm_exit_stats_enable_cap(&off.kvm, 0) == 0 && off.kvm.lock.held == 0,
	      "set before vCPUs, lock released", "refused or lock held %d", off.kvm.lock.held);
	fake_vm_add_vcpus(&off, 2);
	fake_vm_add_vcpus(&on, 2);
	CHECK(kvm_exit_stats_enable_cap(&off.kvm, 1) == -EINVAL &&
	      kvm_exit_stats_enable_cap(&on.kvm, 0) == -EINVAL && off.kvm.lock.held == 0,
	      "refused once the VM has vCPUs", "accepted");

	run_exit(&off.vcpu[0], svm.cpuid, 100);
	run_exit(&on.vcpu[0], svm.cpuid, 100);
	ok = true;
	for (u32 leaf = KVM_EXIT_STATS_LEAF_FIRST; leaf <= KVM_EXIT_STATS_LEAF_LAST; leaf++)
		ok = ok && !cpuid(&off.vcpu[1], leaf, svm.cpuid, &r) && r.eax == leaf &&
		     r.ebx == 0xdeadbeef && r.ecx == svm.cpuid && r.edx == 0x5a5a5a5a;
	CHECK(ok, "off: every leaf left to kvm_cpuid(), registers untouched",
	      "answered: %08x %08x %08x %08x", r.eax, r.ebx, r.ecx, r.edx);
	CHECK(cpuid(&on.vcpu[1], KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0, &r) && r.eax == 1,
	      "the other VM still answers", "total %u", r.eax);
	CHECK(off.vcpu[0].arch.exit_stats->total_count == 1,
	      "off: the host view keeps counting", "total %llu",
	      off.vcpu[0].arch.exit_stats->total_count);
	fake_vm_destroy(&off);
	fake_vm_destroy(&on);
	unload_vendor();
}

int main(void)
{
	test_setup();
	test_capability();
	test_epoch();
	for (int nr = 1; nr <= 4; nr += 3) {
		test_vm(KVM_EXIT_STATS_NUMBERING_VMX, nr);
		test_vm(KVM_EXIT_STATS_NUMBERING_SVM, nr);
	}
	test_put_load(KVM_EXIT_STATS_NUMBERING_VMX);
	test_put_load(KVM_EXIT_STATS_NUMBERING_SVM);
	test_nested(KVM_EXIT_STATS_NUMBERING_VMX);
	test_nested(KVM_EXIT_STATS_NUMBERING_SVM);
	test_binary_stats(KVM_EXIT_STATS_NUMBERING_VMX);
	test_binary_stats(KVM_EXIT_STATS_NUMBERING_SVM);
	test_counter_limit();
	/* Nothing above may trip a kernel WARN_ON_ONCE(). */
	snprintf(ctx, sizeof(ctx), "all");
	CHECK(fake_warnings == 0, "no WARN_ON_ONCE fired", "%d fired", fake_warnings);
	return tap_failures() ? 1 : 0;
}
