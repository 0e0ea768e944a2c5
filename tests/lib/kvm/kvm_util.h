/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The project's user-space VMM library, in the manner of Linux's KVM
 * selftests (tools/testing/selftests/kvm/lib/kvm_util.c): VMs with one
 * memslot holding a copy of the program, vCPUs in 64-bit mode that call
 * guest functions written in C (guest.h), the ucall channel, and readers
 * for KVM's own statistics.  Used by the e2e suite, the benchmark, the
 * Intel suite and the lab smoke (README.md).
 */
#ifndef KVM_LIB_KVM_UTIL_H
#define KVM_LIB_KVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>

#include "guest.h"

struct vm;

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	int stats_fd;
	uint64_t stats_exits_offset;	/* byte offset of "exits" in stats_fd */
	struct kvm_run *run;
	size_t run_size;
	/* Exits the host VMM completed, by kind. */
	uint64_t user_pio_exits;
	uint64_t mmio_exits;
	uint64_t hlt_exits;
	uint64_t irq_window_exits;	/* KVM_EXIT_IRQ_WINDOW_OPEN, injected */
	struct ucall *last_ucall;	/* in guest memory, for replies */
};

struct vm {
	int kvm_fd;
	int fd;
	uint8_t *mem;
	uint64_t mem_size;
	bool amd;
	int nr_vcpus;
	/* All of them; the first GUEST_MAX_VCPUS can run guest functions. */
	struct vcpu **vcpus;
	struct kvm_cpuid2 *cpuid;	/* what every vCPU was given */
	/* KVM_EXIT_HLT (no in-kernel irqchip): by default vcpu_run() reports
	 * it as unexpected; these answer it with KVM_INTERRUPT of
	 * GUEST_IRQ_VECTOR, or just re-enter (the guest continues after HLT). */
	bool inject_irq_on_hlt;
	bool resume_on_hlt;
	uint32_t mmio_read_value;	/* what guest MMIO reads return */
	uint64_t mmio_last_write;
};

/* Host-side fatal error: print what failed and exit the whole binary. */
#define TEST_FATAL(...) test_fatal(__FILE__, __LINE__, __VA_ARGS__)
void test_fatal(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
/* Where TEST_FATAL and unexpected exits are described: stdout unless a
 * program whose stdout is data (the benchmark) says stderr. */
void kvm_diagnostics_to(FILE *stream);
/* As the selftests' TEST_ASSERT: the condition and the offending values. */
#define TEST_ASSERT(cond, fmt, ...) do {				\
	if (!(cond))							\
		test_fatal(__FILE__, __LINE__, "%s: " fmt, #cond,	\
			   ##__VA_ARGS__);				\
} while (0)

/* Creates a VM with nr_vcpus vCPUs, all RAM mapped in guest page tables. */
struct vm *vm_create(int nr_vcpus);
/*
 * The same, with the guest's CPUID vendor string replaced (12 characters,
 * e.g. "GenuineIntel"): KVM answers leaves it has no entry for differently
 * for AMD and Intel vendors.  vm->amd still names the real CPU's vendor.
 */
struct vm *vm_create_vendor(int nr_vcpus, const char *vendor);
/* How vm_create_opts() sets a VM up before it creates the vCPUs. */
struct vm_opts {
	const char *vendor;	/* CPUID vendor string as above, or NULL */
	/* Entries the VMM adds to the CPUID table every vCPU gets
	 * (KVM_SET_CPUID2), as a VMM that defines leaves of its own does. */
	const struct kvm_cpuid_entry2 *extra;
	int nr_extra;
	/* KVM_ENABLE_CAP(KVM_CAP_X86_EXIT_STATS) with this argument, 0 or 1;
	 * -1 leaves the capability alone. */
	int exit_stats_cap;
	/* KVM_CREATE_IRQCHIP before the vCPUs: in-kernel LAPIC (x2APIC,
	 * TSC-deadline timer, fastpath MSR writes), KVM handles HLT. */
	bool irqchip;
	/* CPUID.1:ECX bits added to every vCPU's table, e.g. x2APIC and
	 * TSC-deadline, which KVM emulates whatever the host has. */
	uint32_t leaf1_ecx_set;
};
struct vm *vm_create_opts(int nr_vcpus, const struct vm_opts *opts);
void vm_destroy(struct vm *vm);
void *vm_shared(struct vm *vm);		/* host view of GUEST_SHARED */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, size_t len);

/* An ioeventfd on KERNEL_PORT: port writes completed inside KVM. */
int vm_add_kernel_port(struct vm *vm);
/* /dev/kvm opened, its API version checked (fatal otherwise). */
int kvm_open(void);
/* KVM_CAP_MAX_VCPUS: the most vCPUs vm_create() can give a VM. */
int kvm_max_vcpus(void);

/*
 * Points the vCPU at guest_start(fn, arg0, arg1) on a fresh stack, then
 * runs it until the guest makes a ucall; returns the ucall (a copy).
 * Exits the VMM handles itself (user port, MMIO, HLT if the VM says so,
 * the interrupt window it asked for) do not return.
 * An unexpected exit is returned as UCALL_NONE with a message printed.
 */
void vcpu_call(struct vcpu *vcpu, guest_fn fn, uint64_t arg0, uint64_t arg1);
struct ucall vcpu_run(struct vcpu *vcpu);
/* One KVM_RUN (again on EINTR), fatal if it fails; returns
 * vcpu->run->exit_reason for a caller that handles the exit itself. */
uint32_t vcpu_run_once(struct vcpu *vcpu);
/*
 * Asks KVM to exit with KVM_EXIT_IRQ_WINDOW_OPEN as soon as the guest can
 * take an interrupt; vcpu_run() then injects GUEST_IRQ_VECTOR there.
 */
void vcpu_request_irq_window(struct vcpu *vcpu);
/* Writes the reply the guest's pending ucall returns, then resumes. */
struct ucall vcpu_reply_run(struct vcpu *vcpu, uint64_t reply);
/* A one-line description of a ucall that is not what a test expected. */
const char *ucall_describe(const struct ucall *uc);

/* KVM's binary statistic "exits" of one vCPU / summed over the VM. */
uint64_t vcpu_stat_exits(struct vcpu *vcpu);
uint64_t vm_stat_exits(struct vm *vm);

/* Path of the VM's debugfs directory (may not exist). */
const char *vm_debugfs_dir(struct vm *vm);

/* Does the KVM expected answer of stock kvm_cpuid() for (leaf, index). */
struct cpuid_regs vm_stock_cpuid_answer(struct vm *vm, uint32_t leaf,
					uint32_t index);

#endif /* KVM_LIB_KVM_UTIL_H */
