// SPDX-License-Identifier: GPL-2.0
/*
 * Test 11: a nested guest's CPUID of the statistics leaves gets stock
 * answers (AMD SVM).
 *
 * The test's guest (L1) runs a nested guest (L2) of its own with VMRUN and
 * does not intercept CPUID, so KVM answers L2's CPUIDs itself, with the
 * vCPU in guest mode.  The statistics are L1's to read; L2, which L1 may
 * trust less, must get exactly what stock KVM answers.  L1's own view stays
 * the statistics, and the exits KVM takes while L2 runs are the VM's exits,
 * counted in what L1 reads.
 *
 * Where the VM cannot run a nested guest (Intel: nested VMX is not covered;
 * AMD with kvm_amd nested=0) the nested part is skipped and L1 only reads
 * its own view: t11-l1-sees-signature, which must fail against stock
 * modules, runs on every host, so the stock run judges it everywhere.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest.h"
#include "kvm_util.h"
#include "reasons.h"
#include "report.h"
#include "svm.h"
#include "t11_nested.h"

enum { T11_VMEXIT = 1, T11_COUNTS, T11_L1_VIEW };

/* L2's queries and its answers, in the shared area. */
#define T11_MAX_QUERIES	11
#define T11_POISON	0xa5a5a5a5u	/* an answer L2 never wrote */

struct t11_area {
	uint64_t count;
	struct {
		uint32_t leaf, input;
		struct cpuid_regs out;
	} q[T11_MAX_QUERIES];
};

/*
 * What L1 counts around its VMRUN (guest_t11), for @n CPUIDs of L2.  After
 * its first query of the total: three more queries, the VMRUN, L2's CPUIDs,
 * L2's VMMCALL and the second query of the total; host interrupts may add
 * more.  Between its two queries of the CPUID count: two queries before
 * the VMRUN, L2's CPUIDs and two queries after; exact, as are one VMRUN and
 * one VMMCALL.
 */
#define T11_TOTAL_MIN(n)	(3 + 1 + (n) + 1 + 1)
#define T11_CPUID_EXITS(n)	(2 + (n) + 2)

GUEST_CODE static inline uint32_t t11_count(uint32_t reason)
{
	return guest_cpuid(KVM_EXIT_STATS_LEAF_REASON_EXITS, reason).eax;
}

/* L2: the queries, then back to L1 for good. */
GUEST_CODE static __attribute__((noreturn)) void guest_t11_l2(void)
{
	volatile struct t11_area *a = (volatile struct t11_area *)GUEST_SHARED;

	for (uint64_t i = 0; i < a->count; i++) {
		struct cpuid_regs r = guest_cpuid(a->q[i].leaf, a->q[i].input);

		a->q[i].out.eax = r.eax;
		a->q[i].out.ebx = r.ebx;
		a->q[i].out.ecx = r.ecx;
		a->q[i].out.edx = r.edx;
	}
	for (;;)
		svm_vmmcall();
}

/* L1: with @nested, runs L2 once and reports; then reads its own view. */
GUEST_CODE static void guest_t11(uint64_t nested, uint64_t numbering)
{
	const struct numbering *n = (const void *)numbering;
	struct cpuid_regs sig;
	uint32_t total;

	if (nested) {
		struct vmcb *vmcb = (struct vmcb *)SVM_VMCB_GPA;
		uint32_t t0, c0, r0, m0, t1, c1, r1, m1;

		svm_enable(SVM_HSAVE_GPA);
		/* L2 starts as if just called: RSP + 8 16-byte aligned. */
		svm_vmcb_init(vmcb, (uint64_t)guest_t11_l2,
			      SVM_L2_STACK_TOP - 8);
		t0 = guest_cpuid(KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0).eax;
		c0 = t11_count(n->cpuid);
		r0 = t11_count(SVM_EXIT_VMRUN);
		m0 = t11_count(SVM_EXIT_VMMCALL);
		svm_vmrun(SVM_VMCB_GPA);
		t1 = guest_cpuid(KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0).eax;
		c1 = t11_count(n->cpuid);
		r1 = t11_count(SVM_EXIT_VMRUN);
		m1 = t11_count(SVM_EXIT_VMMCALL);
		svm_stgi();
		/* The host reads L2's answers from the shared area now. */
		GUEST_SYNC(T11_VMEXIT, vmcb->control.exit_code,
			   vmcb->control.exit_code_hi, vmcb->control.exit_info_1,
			   vmcb->control.exit_info_2, vmcb->control.exit_int_info);
		GUEST_SYNC(T11_COUNTS, t1 - t0, c1 - c0, r1 - r0, m1 - m0);
	}
	sig = guest_cpuid(KVM_EXIT_STATS_LEAF_SIGNATURE, 0);
	total = guest_cpuid(KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0).eax;
	GUEST_SYNC(T11_L1_VIEW, sig.eax, sig.ebx, sig.ecx, sig.edx, total);
}

static bool t11_expect(const struct ucall *uc, uint64_t cmd, uint64_t step,
		       const char *name)
{
	if (uc->cmd == cmd && (cmd != UCALL_SYNC || uc->args[0] == step))
		return true;
	check(false, name, "expected %s step %" PRIu64 ", got %s",
	      cmd == UCALL_SYNC ? "SYNC" : "DONE", step, ucall_describe(uc));
	return false;
}

#define REGS_FMT "eax 0x%x ebx 0x%x ecx 0x%x edx 0x%x"
#define REGS(r) (r).eax, (r).ebx, (r).ecx, (r).edx

/* L2's answers, each against what stock KVM answers for its leaf. */
static void t11_check_l2_answers(struct vm *vm, const struct t11_area *a)
{
	char name[64];

	for (uint64_t i = 0; i < a->count; i++) {
		struct cpuid_regs got = a->q[i].out;
		struct cpuid_regs want = vm_stock_cpuid_answer(vm, a->q[i].leaf,
							       a->q[i].input);

		snprintf(name, sizeof(name), "t11-l2-stock-answer-0x%x",
			 a->q[i].leaf);
		check(got.eax == want.eax && got.ebx == want.ebx &&
		      got.ecx == want.ecx && got.edx == want.edx, name,
		      "ecx 0x%x: L2 got " REGS_FMT ", stock KVM answers " REGS_FMT "%s",
		      a->q[i].input, REGS(got), REGS(want),
		      got.eax == T11_POISON ? " (0xa5a5a5a5: L2 never wrote it)" : "");
	}
}

/*
 * A reason's row of the VM's debugfs file: count and the part taken in L2
 * (columns 3 and 6).  False if the file or the row is missing.
 */
static bool t11_debugfs_row(struct vm *vm, uint32_t reason, uint64_t *count,
			    uint64_t *l2_count)
{
	char path[256], line[256];
	unsigned long long c, cy, b, l2c, l2cy;
	unsigned int r;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/exit_stats", vm_debugfs_dir(vm));
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %*s %llu %llu %llu %llu %llu", &r, &c, &cy,
			   &b, &l2c, &l2cy) == 6 && r == reason) {
			*count = c;
			*l2_count = l2c;
			found = true;
		}
	fclose(f);
	return found;
}

/*
 * The host view keeps L2's exits apart: L2's CPUIDs and its VMMCALL were
 * taken in guest mode, L1's VMRUN and queries were not.
 */
static void t11_check_host_view(struct vm *vm, const struct numbering *nb)
{
	uint64_t cpuid = 0, cpuid_l2 = 0, vmrun = 0, vmrun_l2 = 0;
	uint64_t vmmcall = 0, vmmcall_l2 = 0;
	bool rows = t11_debugfs_row(vm, nb->cpuid, &cpuid, &cpuid_l2) &&
		    t11_debugfs_row(vm, SVM_EXIT_VMRUN, &vmrun, &vmrun_l2) &&
		    t11_debugfs_row(vm, SVM_EXIT_VMMCALL, &vmmcall, &vmmcall_l2);

	check(rows && cpuid_l2 == T11_MAX_QUERIES && cpuid > cpuid_l2 &&
	      vmrun == 1 && vmrun_l2 == 0 && vmmcall == 1 && vmmcall_l2 == 1,
	      "t11-host-view-keeps-l2-apart",
	      "%s: CPUID %" PRIu64 " of which in L2 %" PRIu64 " (want %d), VMRUN %"
	      PRIu64 " in L2 %" PRIu64 " (want 1, 0), VMMCALL %" PRIu64 " in L2 %"
	      PRIu64 " (want 1, 1)", rows ? "debugfs rows" : "debugfs rows missing",
	      cpuid, cpuid_l2, T11_MAX_QUERIES, vmrun, vmrun_l2, vmmcall,
	      vmmcall_l2);
}

void test_nested(void)
{
	struct vm *vm = vm_create(1);
	struct vcpu *vcpu = vm->vcpus[0];
	const struct numbering *nb = numbering_for(vm->amd);
	const struct {
		uint32_t leaf, input;
	} queries[T11_MAX_QUERIES] = {
		{ KVM_EXIT_STATS_LEAF_TOTAL_EXITS, 0 },
		{ KVM_EXIT_STATS_LEAF_TOTAL_CYCLES, 0 },
		{ KVM_EXIT_STATS_LEAF_REASON_EXITS, nb->cpuid },
		{ KVM_EXIT_STATS_LEAF_REASON_CYCLES, nb->cpuid },
		{ KVM_EXIT_STATS_LEAF_SIGNATURE, 0 },
		{ KVM_EXIT_STATS_LEAF_INFO, 0 },
		{ KVM_EXIT_STATS_LEAF_TOTAL_EXITS64, 0 },
		{ KVM_EXIT_STATS_LEAF_REASON_EXITS64, nb->io },
		{ KVM_EXIT_STATS_LEAF_NOT_ENABLED, 0 },
		{ KVM_EXIT_STATS_LEAF_TOTAL_BLOCKED, 0 },
		{ KVM_EXIT_STATS_LEAF_REASON_BLOCKED, nb->cpuid },
	};
	struct t11_area *a = vm_shared(vm);
	char why[192];
	bool nested;
	struct ucall uc;

	if (vm->amd) {
		nested = vm_has_nested_svm(vm, why, sizeof(why));
	} else {
		snprintf(why, sizeof(why), "Intel host: nested VMX is not covered");
		nested = false;
	}
	if (!nested)
		check(true, "t11-nested-svm",
		      "SKIP %s; only L1's own view is checked", why);

	a->count = T11_MAX_QUERIES;
	for (int i = 0; i < T11_MAX_QUERIES; i++) {
		a->q[i].leaf = queries[i].leaf;
		a->q[i].input = queries[i].input;
		a->q[i].out = (struct cpuid_regs){ T11_POISON, T11_POISON,
						   T11_POISON, T11_POISON };
	}
	vcpu_call(vcpu, guest_t11, nested, (uint64_t)nb);
	uc = vcpu_run(vcpu);

	if (nested) {
		if (!t11_expect(&uc, UCALL_SYNC, T11_VMEXIT,
				"t11-l2-exit-is-vmmcall"))
			goto out;
		check(uc.args[1] == SVM_EXIT_VMMCALL && uc.args[2] == 0,
		      "t11-l2-exit-is-vmmcall",
		      "L1's #VMEXIT: exit code 0x%" PRIx64 " high 0x%" PRIx64
		      " (want VMMCALL 0x%x)%s, exit_info_1 0x%" PRIx64
		      ", exit_info_2 0x%" PRIx64 ", exit_int_info 0x%" PRIx64,
		      uc.args[1], uc.args[2], SVM_EXIT_VMMCALL,
		      uc.args[1] == SVM_EXIT_INVALID ?
		      " (VMRUN refused the VMCB)" : "",
		      uc.args[3], uc.args[4], uc.args[5]);
		t11_check_l2_answers(vm, a);

		uc = vcpu_run(vcpu);
		if (!t11_expect(&uc, UCALL_SYNC, T11_COUNTS,
				"t11-l1-total-counts-l2-exits"))
			goto out;
		check(uc.args[1] >= T11_TOTAL_MIN(T11_MAX_QUERIES),
		      "t11-l1-total-counts-l2-exits",
		      "L1's total grew by %" PRIu64 " across the VMRUN, want at least %d"
		      " (%d CPUIDs of L2, its VMMCALL, the VMRUN, L1's queries)",
		      uc.args[1], T11_TOTAL_MIN(T11_MAX_QUERIES),
		      T11_MAX_QUERIES);
		check(uc.args[2] == T11_CPUID_EXITS(T11_MAX_QUERIES) &&
		      uc.args[3] == 1 && uc.args[4] == 1,
		      "t11-l1-reasons-count-l2-exits",
		      "deltas seen by L1: %s (0x%x) %" PRIu64 " want %d, %s (0x%x) %" PRIu64
		      " want 1, %s (0x%x) %" PRIu64 " want 1",
		      reason_name(nb, nb->cpuid), nb->cpuid, uc.args[2],
		      T11_CPUID_EXITS(T11_MAX_QUERIES),
		      reason_name(nb, SVM_EXIT_VMRUN), SVM_EXIT_VMRUN, uc.args[3],
		      reason_name(nb, SVM_EXIT_VMMCALL), SVM_EXIT_VMMCALL,
		      uc.args[4]);
		uc = vcpu_run(vcpu);
	}

	if (!t11_expect(&uc, UCALL_SYNC, T11_L1_VIEW, "t11-l1-sees-signature"))
		goto out;
	check(uc.args[2] == KVM_EXIT_STATS_SIG_EBX &&
	      uc.args[3] == KVM_EXIT_STATS_SIG_ECX &&
	      uc.args[4] == KVM_EXIT_STATS_SIG_EDX, "t11-l1-sees-signature",
	      "L1's 0x4FFFFFFB %s: eax 0x%" PRIx64 " ebx 0x%" PRIx64 " ecx 0x%" PRIx64
	      " edx 0x%" PRIx64 " (want ebx 0x%x ecx 0x%x edx 0x%x); L1's total %" PRIu64,
	      nested ? "after its L2 ran" : "(no L2)", uc.args[1], uc.args[2],
	      uc.args[3], uc.args[4], KVM_EXIT_STATS_SIG_EBX,
	      KVM_EXIT_STATS_SIG_ECX, KVM_EXIT_STATS_SIG_EDX, uc.args[5]);
	uc = vcpu_run(vcpu);
	if (t11_expect(&uc, UCALL_DONE, 0, "t11-done") && nested)
		t11_check_host_view(vm, nb);
out:
	vm_destroy(vm);
}
