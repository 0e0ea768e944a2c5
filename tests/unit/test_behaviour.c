// SPDX-License-Identifier: GPL-2.0
/*
 * Behaviour of exit_stats.c on a fake VM of 1 and 4 vCPUs, driven the way
 * KVM drives it: kvm_exit_stats_{vmx,svm}_begin() when an exit's reason is
 * known, kvm_exit_stats_end() once it is handled, CPUID leaves through
 * kvm_exit_stats_cpuid(), the debugfs file through kvm_exit_stats_show().
 * The host TSC is fake_tsc, so every cycle count is exact.
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
	u32 unhandled;			/* defined, no KVM handler */
	u32 undefined;			/* not in the table */
};

static const struct reasons vmx = { 10, 32, 12, 3, 0xdead };
static const struct reasons svm = { 0x72, 0x7c, 0x78, 0x63, 0x500 };

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

static u64 reason_count(struct kvm_vcpu *vcpu, u32 reason)
{
	struct cpuid_regs r;

	cpuid(vcpu, KVM_EXIT_STATS_LEAF_REASON_EXITS64, reason, &r);
	return pair(r.ebx, r.ecx);
}

static u64 reason_cycles(struct kvm_vcpu *vcpu, u32 reason)
{
	struct cpuid_regs r;

	cpuid(vcpu, KVM_EXIT_STATS_LEAF_REASON_CYCLES, reason, &r);
	return pair(r.ebx, r.ecx);
}

static u64 total_count(struct kvm_vcpu *vcpu)
{
	struct cpuid_regs r;

	cpuid(vcpu, KVM_EXIT_STATS_LEAF_TOTAL_EXITS64, 0, &r);
	return pair(r.ebx, r.ecx);
}

static u64 total_cycles(struct kvm_vcpu *vcpu)
{
	struct cpuid_regs r;

	cpuid(vcpu, KVM_EXIT_STATS_LEAF_TOTAL_CYCLES, 0, &r);
	return pair(r.ebx, r.ecx);
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
	 * No vCPU exists before the key is on: the vendor module turns it on
	 * while loading, before /dev/kvm can create a VM, so the exit path
	 * does not check for missing stats.  A VM of the key-off case gives
	 * the total leaf zeros, not an oops, through the leaf's own check.
	 */
	load_vendor(KVM_EXIT_STATS_NUMBERING_VMX);
	CHECK(cpuid(&vm.vcpu[0], KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0, &r) && r.eax == 0,
	      "vCPUs without stats read as zero", "total %u", r.eax);
	fake_vm_destroy(&vm);

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
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_INFO, 0, !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_TOTAL_EXITS64, 0, !r.eax && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_EXITS64, rs->cpuid, !r.eax && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_EXITS, rs->unhandled,
		    !r.eax && !r.ebx && !r.ecx && !r.edx);
	EXPECT_ZERO(KVM_EXIT_STATS_LEAF_REASON_EXITS64, rs->undefined,
		    !r.eax && !r.ebx && !r.ecx && r.edx == KVM_EXIT_STATS_UNDEFINED);
#undef EXPECT_ZERO
	CHECK(ok, "registers a leaf does not name are zero", "%s", bad);
}

/* Parses the debugfs text back and checks it against the leaves. */
static void check_show(struct fake_vm *vm, u32 numbering, const struct reasons *rs)
{
	struct seq_file *m = calloc(1, sizeof(*m));
	u64 sum_count = 0, sum_cycles = 0, tot_count = 0, tot_cycles = 0;
	u64 undef_count = 0, undef_cycles = 0;
	bool header_ok, rows_ok = true, order_ok = true, seen_total = false;
	bool seen_unhandled = false;
	char expect_header[96], bad[160] = "";
	int nr_rows = 0, want_rows = 0;
	long long last_reason = -1;
	char *line, *save = NULL;
	unsigned int khz;

	if (!m)
		abort();
	kvm_exit_stats_show(m, &vm->kvm);
	CHECK(!m->overflow, "debugfs output fits", "%zu bytes", m->len);

	snprintf(expect_header, sizeof(expect_header),
		 "# numbering %s tsc_khz %u\n# reason name count cycles\n",
		 numbering == KVM_EXIT_STATS_NUMBERING_VMX ? "vmx" : "svm", tsc_khz);
	header_ok = !strncmp(m->buf, expect_header, strlen(expect_header));
	CHECK(header_ok, "debugfs header", "got \"%.80s\"", m->buf);

	for (line = strtok_r(m->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long c, y;
		char nm[64], extra;
		u32 reason;

		if (line[0] == '#') {
			if (sscanf(line, "# numbering %*s tsc_khz %u", &khz) != 1 &&
			    strcmp(line, "# reason name count cycles"))
				rows_ok = false;
			continue;
		}
		if (seen_total) {
			rows_ok = false;
			snprintf(bad, sizeof(bad), "line after TOTAL: %s", line);
		} else if (sscanf(line, "- TOTAL %llu %llu %c", &c, &y, &extra) == 2) {
			tot_count = c;
			tot_cycles = y;
			seen_total = true;
		} else if (sscanf(line, "- UNDEFINED %llu %llu %c", &c, &y, &extra) == 2) {
			undef_count = c;
			undef_cycles = y;
			sum_count += c;
			sum_cycles += y;
		} else if (sscanf(line, "%u %63s %llu %llu %c", &reason, nm, &c, &y, &extra) == 4) {
			int slot = kvm_exit_stats_slot(numbering, reason);

			nr_rows++;
			sum_count += c;
			sum_cycles += y;
			if ((long long)reason <= last_reason)
				order_ok = false;
			last_reason = reason;
			if (reason == rs->unhandled)
				seen_unhandled = c == 1 && y == 5;
			if (slot < 0 || strcmp(nm, kvm_exit_stats_slot_name(numbering, slot)) ||
			    (expect_handled(numbering, reason) &&
			     (c != reason_count(&vm->vcpu[0], reason) ||
			      y != reason_cycles(&vm->vcpu[0], reason))) ||
			    (!expect_handled(numbering, reason) && !c)) {
				rows_ok = false;
				snprintf(bad, sizeof(bad), "row \"%s\"", line);
			}
		} else {
			rows_ok = false;
			snprintf(bad, sizeof(bad), "unparsable \"%s\"", line);
		}
	}
	/* One row per handled reason, plus counted unhandled ones (rs->unhandled). */
	for (int s = 0; s < expect_nr_defined(numbering); s++)
		want_rows += expect_handled(numbering, expect_defined_reason(numbering, s));
	CHECK(rows_ok && seen_total, "debugfs rows parse and match the leaves", "%s", bad);
	CHECK(seen_unhandled, "debugfs shows a counted reason KVM has no handler for",
	      "no row \"%u ... 1 5\"", rs->unhandled);
	CHECK(order_ok, "debugfs rows in ascending reason order", "out of order");
	CHECK(nr_rows == want_rows + 1, "debugfs shows handled reasons plus counted ones",
	      "%d rows, want %d handled + 1 counted unhandled", nr_rows, want_rows);
	CHECK(sum_count == tot_count && sum_cycles == tot_cycles,
	      "debugfs rows sum to TOTAL", "rows %llu/%llu, TOTAL %llu/%llu",
	      sum_count, sum_cycles, tot_count, tot_cycles);
	CHECK(tot_count == total_count(&vm->vcpu[0]) && tot_cycles == total_cycles(&vm->vcpu[0]),
	      "debugfs TOTAL equals the total leaves", "TOTAL %llu/%llu, leaves %llu/%llu",
	      tot_count, tot_cycles, total_count(&vm->vcpu[0]), total_cycles(&vm->vcpu[0]));
	CHECK(undef_count == 2 && undef_cycles == 2 * 7,
	      "debugfs UNDEFINED row", "%llu %llu", undef_count, undef_cycles);
	free(m);
}

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

	/* Fastpath: exits handled back to back without handle_exit(). */
	for (int k = 0; k < 5; k++) {
		begin_exit(v0, rs->msr_write);
		fake_tsc += 11;
		kvm_exit_stats_end(v0);		/* fastpath re-enters the guest */
	}
	CHECK(reason_count(v0, rs->msr_write) == 5 && reason_cycles(v0, rs->msr_write) == 55,
	      "fastpath begin/end pairs", "%llu %llu", reason_count(v0, rs->msr_write),
	      reason_cycles(v0, rs->msr_write));
	want_count += 5;
	want_cycles += 55;

	/* end() without a pending exit changes nothing, however late. */
	fake_tsc += 1000000;
	kvm_exit_stats_end(v0);
	kvm_exit_stats_end(&vm.vcpu[nr_vcpus - 1]);
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
	 * A TSC behind the exit's start (the vCPU thread migrated to a CPU
	 * whose TSC is not synchronized) adds no cycles instead of ~2^64.
	 */
	begin_exit(v0, rs->msr_write);
	fake_tsc -= 100;
	kvm_exit_stats_end(v0);
	fake_tsc += 100;
	CHECK(reason_count(v0, rs->msr_write) == 6 && reason_cycles(v0, rs->msr_write) == 55,
	      "TSC behind the exit start adds no cycles", "%llu %llu",
	      reason_count(v0, rs->msr_write), reason_cycles(v0, rs->msr_write));
	want_count += 1;

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
	n = 0;
	for (int s = 0; s < expect_nr_defined(numbering); s++)
		n += reason_count(v0, expect_defined_reason(numbering, s));
	CHECK(n + 1 + 2 == total_count(v0), "sum over reasons + unhandled + undefined == total",
	      "sum %llu + 3, total %llu", n, total_count(v0));
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
		CHECK(r.eax == 1 && !strcmp(sig, "ExitStatsKVM"), "signature leaf",
		      "eax %u sig \"%s\"", r.eax, sig);
		cpuid(v0, KVM_EXIT_STATS_LEAF_INFO, 0x1234, &r);
		CHECK(r.eax == numbering && r.ebx == tsc_khz && r.ecx == (u32)nr_vcpus && !r.edx,
		      "info leaf", "%08x %08x %08x %08x", r.eax, r.ebx, r.ecx, r.edx);
	}

	/* A nested guest (L2) gets stock answers: not one of the leaves is ours. */
	v0->arch.guest_mode = true;
	ok = true;
	for (u32 leaf = KVM_EXIT_STATS_LEAF_FIRST; leaf <= KVM_EXIT_STATS_LEAF_LAST; leaf++)
		ok = ok && !cpuid(v0, leaf, rs->cpuid, &r) && r.eax == leaf &&
		     r.ebx == 0xdeadbeef && r.ecx == rs->cpuid && r.edx == 0x5a5a5a5a;
	v0->arch.guest_mode = false;
	CHECK(ok, "guest mode (L2): leaves return false, registers untouched",
	      "leaf answered or registers changed: %08x %08x %08x %08x",
	      r.eax, r.ebx, r.ecx, r.edx);

	/* Leaves outside 0x4FFFFFF8-0x4FFFFFFF are not ours. */
	{
		static const u32 others[] = {
			0, 1, 0x40000000, 0x40000001, 0x4FFFFFF0, 0x4FFFFFF7, 0x50000000,
			0x80000000, 0xCFFFFFFF, 0xFFFFFFF8, 0xFFFFFFFF,
		};

		ok = true;
		for (size_t i = 0; i < ARRAY_SIZE(others); i++)
			ok = ok && !cpuid(v0, others[i], 7, &r) && r.eax == others[i] &&
			     r.ebx == 0xdeadbeef && r.ecx == 7 && r.edx == 0x5a5a5a5a;
		CHECK(ok, "other leaves return false, registers untouched",
		      "%08x %08x %08x %08x", r.eax, r.ebx, r.ecx, r.edx);
	}

	/* Counts above 2^32: 64-bit leaves split, 32-bit leaves wrap. */
	{
		int slot = kvm_exit_stats_slot(numbering, rs->hlt);
		u64 per_vcpu = 0x100000005ull, sum = per_vcpu * (u64)nr_vcpus;
		u64 before = total_count(v0) - reason_count(v0, rs->hlt);

		for (int i = 0; i < nr_vcpus; i++)
			set_counter(vm.vcpu[i].arch.exit_stats, slot, per_vcpu, 0x7ffffffff0ull);
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
	}

	/* kvm.exit_stats off at run time (vendor unloaded): kvm_cpuid() answers. */
	unload_vendor();
	CHECK(!cpuid(v0, KVM_EXIT_STATS_LEAF_SIGNATURE, 0, &r) && r.eax == KVM_EXIT_STATS_LEAF_SIGNATURE,
	      "key disabled: the inline hook returns false", "answered");
	load_vendor(numbering);
	fake_vm_destroy(&vm);
	unload_vendor();
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
	for (int nr = 1; nr <= 4; nr += 3) {
		test_vm(KVM_EXIT_STATS_NUMBERING_VMX, nr);
		test_vm(KVM_EXIT_STATS_NUMBERING_SVM, nr);
	}
	return tap_failures() ? 1 : 0;
}
