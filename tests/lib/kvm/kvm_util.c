// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM library.  Everything here runs on the host (inside L1); the guest
 * side is guest.c / idt.S.  See kvm_util.h and README.md.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exit_stats_abi.h"
#include "kvm_util.h"
#include "kvm_stat.h"

#define SZ_2M (2ul << 20)

static FILE *diag_stream;	/* NULL: stdout */

void kvm_diagnostics_to(FILE *stream)
{
	diag_stream = stream;
}

static FILE *diag(void)
{
	return diag_stream ? diag_stream : stdout;
}

void test_fatal(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	fflush(stdout);
	fprintf(diag(), "not ok fatal - %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(diag(), fmt, ap);
	va_end(ap);
	fprintf(diag(), " (errno %d: %s)\n", err, strerror(err));
	fflush(diag());
	exit(2);
}

static int kvm_ioctl_checked(int fd, unsigned long req, void *arg,
			     const char *name)
{
	int r = ioctl(fd, req, arg);

	if (r < 0)
		TEST_FATAL("ioctl %s failed", name);
	return r;
}
#define IOCTL(fd, req, arg) kvm_ioctl_checked(fd, req, arg, #req)

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, size_t len)
{
	if (gpa >= vm->mem_size || len > vm->mem_size - gpa)
		TEST_FATAL("GPA 0x%lx+%zu outside guest RAM (0x%lx bytes)",
			   (unsigned long)gpa, len, (unsigned long)vm->mem_size);
	return vm->mem + gpa;
}

void *vm_shared(struct vm *vm)
{
	return vm_gpa_to_hva(vm, GUEST_SHARED, GUEST_SHARED_SIZE);
}

/* Copies every loadable segment of this binary to the same address. */
static uint64_t image_end(void)
{
	const Elf64_Phdr *phdr = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);
	uint64_t end = 0;

	for (unsigned long i = 0; i < n; i++)
		if (phdr[i].p_type == PT_LOAD &&
		    phdr[i].p_vaddr + phdr[i].p_memsz > end)
			end = phdr[i].p_vaddr + phdr[i].p_memsz;
	return end;
}

/*
 * A plain copy that no sanitizer looks at: under ASan the image holds the
 * poisoned red zones around globals, which memcpy() would report.
 */
GUEST_CODE static void copy_unchecked(uint64_t *dst, const uint64_t *src,
				      size_t words)
{
	for (size_t i = 0; i < words; i++)
		((volatile uint64_t *)dst)[i] = ((const volatile uint64_t *)src)[i];
}

static void copy_image(struct vm *vm)
{
	const Elf64_Phdr *phdr = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);

	for (unsigned long i = 0; i < n; i++) {
		if (phdr[i].p_type != PT_LOAD)
			continue;
		if (phdr[i].p_vaddr < GUEST_SHARED + GUEST_SHARED_SIZE)
			TEST_FATAL("segment at 0x%lx overlaps the guest layout: link the tests non-PIE at 0x400000",
				   (unsigned long)phdr[i].p_vaddr);
		/* Whole words: segments start and end within their pages. */
		uint64_t start = phdr[i].p_vaddr & ~7ul;
		uint64_t end = (phdr[i].p_vaddr + phdr[i].p_memsz + 7) & ~7ul;

		copy_unchecked(vm_gpa_to_hva(vm, start, end - start),
			       (const uint64_t *)start, (end - start) / 8);
	}
}

static void write_page_tables(struct vm *vm)
{
	uint64_t *pml4 = vm_gpa_to_hva(vm, GUEST_PML4, 4096);
	uint64_t *pdpt = vm_gpa_to_hva(vm, GUEST_PDPT, 4096);
	uint64_t *pd = vm_gpa_to_hva(vm, GUEST_PD, 4 * 4096);
	const uint64_t present_rw = 0x3, page_2m = 0x80;

	pml4[0] = GUEST_PDPT | present_rw;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (GUEST_PD + i * 4096ul) | present_rw;
	for (int i = 0; i < 4 * 512; i++)
		pd[i] = (uint64_t)i * SZ_2M | present_rw | page_2m;
}

static void write_descriptor_tables(struct vm *vm)
{
	uint64_t *gdt = vm_gpa_to_hva(vm, GUEST_GDT, 5 * 8);
	uint64_t *idt = vm_gpa_to_hva(vm, GUEST_IDT, 256 * 16);

	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffull;	/* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf93000000ffffull;	/* flat data */
	/* 64-bit busy TSS at GUEST_TSS, limit 0x67 (two slots). */
	gdt[3] = 0x67 | (GUEST_TSS & 0xffffff) << 16 | 0xbull << 40 |
		 1ull << 47 | (GUEST_TSS >> 24 & 0xff) << 56;
	gdt[4] = GUEST_TSS >> 32;

	for (int v = 0; v < 256; v++) {
		uint64_t handler;

		if (v < 32)
			handler = (uint64_t)guest_exception_stubs + 16 * v;
		else if (v == GUEST_IRQ_VECTOR)
			handler = (uint64_t)guest_irq_stub;
		else
			continue;	/* not present: #NP, then #DF, reported */
		idt[2 * v] = (handler & 0xffff) | (uint64_t)GUEST_CODE_SEL << 16 |
			     0x8eull << 40 | (handler >> 16 & 0xffff) << 48;
		idt[2 * v + 1] = handler >> 32;
	}
}

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	for (int nent = 64;; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
					      nent * sizeof(c->entries[0]));

		if (!c)
			TEST_FATAL("out of memory");
		c->nent = nent;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG || nent > 4096)
			TEST_FATAL("KVM_GET_SUPPORTED_CPUID");
	}
}

static void set_long_mode(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = GUEST_CODE_SEL,
		.type = 0xb, .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1,
		.g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = GUEST_DATA_SEL,
		.type = 0x3, .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0,
		.g = 1,
	};
	struct kvm_segment tss = {
		.base = GUEST_TSS, .limit = 0x67, .selector = GUEST_TSS_SEL,
		.type = 0xb, .present = 1, .s = 0,
	};

	IOCTL(vcpu->fd, KVM_GET_SREGS, &sregs);
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.tr = tss;
	sregs.ldt.unusable = 1;
	sregs.ldt.type = 2;
	sregs.ldt.present = 0;
	sregs.gdt.base = GUEST_GDT;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.idt.base = GUEST_IDT;
	sregs.idt.limit = 256 * 16 - 1;
	/* PE MP ET NE WP AM PG; PAE OSFXSR OSXMMEXCPT; LME LMA. */
	sregs.cr0 = 0x80050033;
	sregs.cr4 = 0x20 | 0x200 | 0x400;
	sregs.efer = 0x500;
	sregs.cr3 = GUEST_PML4;
	IOCTL(vcpu->fd, KVM_SET_SREGS, &sregs);
}

static void find_exits_stat(struct vcpu *vcpu)
{
	char why[160];

	vcpu->stats_fd = kvm_stat_open(vcpu->fd, "exits", &vcpu->stats_exits_offset,
				       why, sizeof(why));
	if (vcpu->stats_fd < 0)
		TEST_FATAL("vCPU %d statistics: %s", vcpu->id, why);
}

uint64_t vcpu_stat_exits(struct vcpu *vcpu)
{
	uint64_t v;

	if (pread(vcpu->stats_fd, &v, sizeof(v), vcpu->stats_exits_offset) !=
	    sizeof(v))
		TEST_FATAL("reading stat 'exits'");
	return v;
}

uint64_t vm_stat_exits(struct vm *vm)
{
	uint64_t sum = 0;

	for (int i = 0; i < vm->nr_vcpus; i++)
		sum += vcpu_stat_exits(vm->vcpus[i]);
	return sum;
}

static struct vcpu *vcpu_create(struct vm *vm, int id)
{
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int run_size;

	if (!vcpu)
		TEST_FATAL("out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0)
		TEST_FATAL("KVM_CREATE_VCPU %d", id);
	run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (run_size < (int)sizeof(struct kvm_run))
		TEST_FATAL("KVM_GET_VCPU_MMAP_SIZE");
	vcpu->run_size = run_size;
	vcpu->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED)
		TEST_FATAL("mmap of kvm_run");
	IOCTL(vcpu->fd, KVM_SET_CPUID2, vm->cpuid);
	set_long_mode(vcpu);
	find_exits_stat(vcpu);
	return vcpu;
}

int kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int version;

	if (fd < 0)
		TEST_FATAL("open /dev/kvm (are the KVM modules loaded?)");
	version = ioctl(fd, KVM_GET_API_VERSION, NULL);
	TEST_ASSERT(version == KVM_API_VERSION,
		    "KVM_GET_API_VERSION returned %d, want %d", version,
		    KVM_API_VERSION);
	return fd;
}

static int max_vcpus_of(int kvm_fd)
{
	int max = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	/* Without the capability KVM's documented floor is 4 (api.rst). */
	return max > 0 ? max : 4;
}

int kvm_max_vcpus(void)
{
	int fd = kvm_open();
	int max = max_vcpus_of(fd);

	close(fd);
	return max;
}

struct vm *vm_create(int nr_vcpus)
{
	return vm_create_vendor(nr_vcpus, NULL);
}

struct vm *vm_create_vendor(int nr_vcpus, const char *vendor)
{
	const struct vm_opts opts = { .vendor = vendor, .exit_stats_cap = -1 };

	return vm_create_opts(nr_vcpus, &opts);
}

struct vm *vm_create_opts(int nr_vcpus, const struct vm_opts *opts)
{
	const char *vendor = opts->vendor;
	const struct kvm_cpuid_entry2 *extra = opts->extra;
	int nr_extra = opts->nr_extra;
	struct kvm_userspace_memory_region region;
	struct vm *vm = calloc(1, sizeof(*vm));
	const struct kvm_cpuid_entry2 *leaf0 = NULL;

	if (!vm)
		TEST_FATAL("out of memory");
	vm->kvm_fd = kvm_open();
	int max_vcpus = max_vcpus_of(vm->kvm_fd);

	TEST_ASSERT(nr_vcpus >= 1 && nr_vcpus <= max_vcpus,
		    "%d vCPUs: this KVM allows 1 to %d per VM", nr_vcpus,
		    max_vcpus);
	vm->vcpus = calloc(nr_vcpus, sizeof(vm->vcpus[0]));
	if (!vm->vcpus)
		TEST_FATAL("out of memory");
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		TEST_FATAL("KVM_CREATE_VM");

	vm->mem_size = (image_end() + SZ_2M - 1) & ~(SZ_2M - 1);
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		TEST_FATAL("mmap of %lu bytes of guest RAM",
			   (unsigned long)vm->mem_size);
	/* No THP: khugepaged collapsing pages would make KVM fault again. */
	madvise(vm->mem, vm->mem_size, MADV_NOHUGEPAGE);
	memset(vm->mem, 0, vm->mem_size);
	copy_image(vm);
	write_page_tables(vm);
	write_descriptor_tables(vm);

	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem_size,
		.userspace_addr = (uint64_t)vm->mem,
	};
	IOCTL(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);

	vm->cpuid = supported_cpuid(vm->kvm_fd);
	for (uint32_t i = 0; i < vm->cpuid->nent; i++)
		if (vm->cpuid->entries[i].function == 0)
			leaf0 = &vm->cpuid->entries[i];
	if (!leaf0)
		TEST_FATAL("KVM supports no CPUID leaf 0");
	vm->amd = leaf0->ebx == 0x68747541;	/* "Auth"enticAMD */
	if (nr_extra > 0) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
			(vm->cpuid->nent + nr_extra) * sizeof(c->entries[0]));

		if (!c)
			TEST_FATAL("out of memory");
		memcpy(c, vm->cpuid, sizeof(*c) + vm->cpuid->nent * sizeof(c->entries[0]));
		memcpy(&c->entries[c->nent], extra, nr_extra * sizeof(c->entries[0]));
		c->nent += nr_extra;
		free(vm->cpuid);
		vm->cpuid = c;
		for (uint32_t i = 0; i < vm->cpuid->nent; i++)
			if (vm->cpuid->entries[i].function == 0)
				leaf0 = &vm->cpuid->entries[i];
	}
	if (vendor) {
		struct kvm_cpuid_entry2 *e = (struct kvm_cpuid_entry2 *)leaf0;

		if (strlen(vendor) != 12)
			TEST_FATAL("vendor '%s' is not 12 characters", vendor);
		memcpy(&e->ebx, vendor, 4);
		memcpy(&e->edx, vendor + 4, 4);
		memcpy(&e->ecx, vendor + 8, 4);
	}
	for (uint32_t i = 0; i < vm->cpuid->nent; i++)
		if (vm->cpuid->entries[i].function == 1)
			vm->cpuid->entries[i].ecx |= opts->leaf1_ecx_set;
	if (opts->irqchip)
		IOCTL(vm->fd, KVM_CREATE_IRQCHIP, NULL);

	if (opts->exit_stats_cap >= 0) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_X86_EXIT_STATS,
			.args[0] = (uint64_t)opts->exit_stats_cap,
		};

		IOCTL(vm->fd, KVM_ENABLE_CAP, &cap);
	}

	struct guest_env *env = vm_gpa_to_hva(vm, GUEST_ENV, sizeof(*env));

	env->amd = vm->amd;
	env->mem_size = vm->mem_size;

	for (int i = 0; i < nr_vcpus; i++)
		vm->vcpus[i] = vcpu_create(vm, i);
	vm->nr_vcpus = nr_vcpus;

	/* Map all RAM in KVM's page tables before any test counts faults. */
	vcpu_call(vm->vcpus[0], (guest_fn)guest_prefault, 0x1000, vm->mem_size);
	struct ucall uc = vcpu_run(vm->vcpus[0]);

	if (uc.cmd != UCALL_DONE)
		TEST_FATAL("guest prefault: %s", ucall_describe(&uc));
	return vm;
}

void vm_destroy(struct vm *vm)
{
	for (int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = vm->vcpus[i];

		munmap(vcpu->run, vcpu->run_size);
		close(vcpu->stats_fd);
		close(vcpu->fd);
		free(vcpu);
	}
	close(vm->fd);
	close(vm->kvm_fd);
	munmap(vm->mem, vm->mem_size);
	free(vm->cpuid);
	free(vm->vcpus);
	free(vm);
}

int vm_add_kernel_port(struct vm *vm)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_ioeventfd io = {
		.addr = KERNEL_PORT,
		.len = 1,
		.fd = efd,
		.flags = KVM_IOEVENTFD_FLAG_PIO,
	};

	if (efd < 0)
		TEST_FATAL("eventfd");
	IOCTL(vm->fd, KVM_IOEVENTFD, &io);
	return efd;
}

void vcpu_call(struct vcpu *vcpu, guest_fn fn, uint64_t arg0, uint64_t arg1)
{
	struct kvm_regs regs;

	TEST_ASSERT(vcpu->id < GUEST_MAX_VCPUS,
		    "vCPU %d has no guest stack (the first %d have)", vcpu->id,
		    GUEST_MAX_VCPUS);
	memset(&regs, 0, sizeof(regs));
	regs.rip = (uint64_t)guest_start;
	regs.rdi = (uint64_t)fn;
	regs.rsi = arg0;
	regs.rdx = arg1;
	/* As if just called: RSP + 8 is 16-byte aligned. */
	regs.rsp = GUEST_STACKS + (vcpu->id + 1) * GUEST_STACK_SIZE - 8;
	regs.rflags = 0x2;
	IOCTL(vcpu->fd, KVM_SET_REGS, &regs);
	vcpu->last_ucall = NULL;
}

static void dump_state(struct vcpu *vcpu, const char *why)
{
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) == 0)
		fprintf(diag(), "# vCPU %d: %s; rip 0x%llx rsp 0x%llx rax 0x%llx rflags 0x%llx\n",
			vcpu->id, why, regs.rip, regs.rsp, regs.rax,
			regs.rflags);
	else
		fprintf(diag(), "# vCPU %d: %s\n", vcpu->id, why);
	fflush(diag());
}

static struct ucall unexpected(struct vcpu *vcpu, const char *why)
{
	struct ucall uc = { .cmd = UCALL_NONE };

	dump_state(vcpu, why);
	return uc;
}

static void handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vm *vm = vcpu->vm;
	uint64_t v = 0;

	vcpu->mmio_exits++;
	if (run->mmio.is_write) {
		memcpy(&v, run->mmio.data,
		       run->mmio.len <= 8 ? run->mmio.len : 8);
		vm->mmio_last_write = v;
	} else {
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		memcpy(run->mmio.data, &vm->mmio_read_value,
		       run->mmio.len < 4 ? run->mmio.len : 4);
	}
}

uint32_t vcpu_run_once(struct vcpu *vcpu)
{
	while (ioctl(vcpu->fd, KVM_RUN, NULL) < 0)
		if (errno != EINTR && errno != EAGAIN)
			TEST_FATAL("KVM_RUN on vCPU %d", vcpu->id);
	return vcpu->run->exit_reason;
}

void vcpu_request_irq_window(struct vcpu *vcpu)
{
	vcpu->run->request_interrupt_window = 1;
}

/* Injects GUEST_IRQ_VECTOR; false if the guest cannot take it now. */
static bool inject_irq(struct vcpu *vcpu)
{
	struct kvm_interrupt irq = { .irq = GUEST_IRQ_VECTOR };

	if (!vcpu->run->if_flag || !vcpu->run->ready_for_interrupt_injection)
		return false;
	IOCTL(vcpu->fd, KVM_INTERRUPT, &irq);
	return true;
}

struct ucall vcpu_run(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char why[160];

	for (;;) {
		switch (vcpu_run_once(vcpu)) {
		case KVM_EXIT_INTR:
			continue;
		case KVM_EXIT_IO:
			if (run->io.port == UCALL_PORT &&
			    run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.size == 4 && run->io.count == 1) {
				uint32_t gpa;

				memcpy(&gpa, (char *)run + run->io.data_offset,
				       4);
				vcpu->last_ucall = vm_gpa_to_hva(vcpu->vm, gpa,
						sizeof(struct ucall));
				return *vcpu->last_ucall;
			}
			if (run->io.port == USER_PORT) {
				/* IN reads see zeros from the run page. */
				if (run->io.direction == KVM_EXIT_IO_IN)
					memset((char *)run + run->io.data_offset,
					       0, run->io.size * run->io.count);
				vcpu->user_pio_exits++;
				continue;
			}
			snprintf(why, sizeof(why),
				 "unexpected port I/O: port 0x%x dir %u size %u",
				 run->io.port, run->io.direction, run->io.size);
			return unexpected(vcpu, why);
		case KVM_EXIT_MMIO:
			if (run->mmio.phys_addr < GUEST_MMIO_GPA ||
			    run->mmio.phys_addr >= GUEST_MMIO_GPA + 4096) {
				snprintf(why, sizeof(why),
					 "MMIO to unexpected GPA 0x%llx",
					 run->mmio.phys_addr);
				return unexpected(vcpu, why);
			}
			handle_mmio(vcpu);
			continue;
		case KVM_EXIT_HLT:
			vcpu->hlt_exits++;
			if (vcpu->vm->resume_on_hlt)
				continue;
			if (!vcpu->vm->inject_irq_on_hlt)
				return unexpected(vcpu, "guest halted");
			if (!inject_irq(vcpu))
				return unexpected(vcpu,
					"halted with interrupts not injectable");
			continue;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			vcpu->irq_window_exits++;
			run->request_interrupt_window = 0;
			if (!inject_irq(vcpu))
				return unexpected(vcpu,
					"interrupt window open, but not injectable");
			continue;
		case KVM_EXIT_SHUTDOWN:
			return unexpected(vcpu, "shutdown (triple fault)");
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(why, sizeof(why),
				 "VM entry failed, reason 0x%llx",
				 run->fail_entry.hardware_entry_failure_reason);
			return unexpected(vcpu, why);
		case KVM_EXIT_INTERNAL_ERROR:
			snprintf(why, sizeof(why),
				 "KVM internal error, suberror %u",
				 run->internal.suberror);
			return unexpected(vcpu, why);
		default:
			snprintf(why, sizeof(why), "unexpected exit reason %u",
				 run->exit_reason);
			return unexpected(vcpu, why);
		}
	}
}

struct ucall vcpu_reply_run(struct vcpu *vcpu, uint64_t reply)
{
	if (!vcpu->last_ucall)
		TEST_FATAL("reply without a pending ucall");
	vcpu->last_ucall->reply = reply;
	return vcpu_run(vcpu);
}

const char *ucall_describe(const struct ucall *uc)
{
	static __thread char buf[512];

	switch (uc->cmd) {
	case UCALL_NONE:
		return "no ucall (unexpected exit, see above)";
	case UCALL_SYNC:
		snprintf(buf, sizeof(buf), "SYNC 0x%lx 0x%lx 0x%lx",
			 (unsigned long)uc->args[0], (unsigned long)uc->args[1],
			 (unsigned long)uc->args[2]);
		return buf;
	case UCALL_DONE:
		return "DONE";
	case UCALL_ASSERT:
		snprintf(buf, sizeof(buf),
			 "guest assertion %s:%lu: %s (0x%lx vs 0x%lx)",
			 uc->file, (unsigned long)uc->line, uc->expr,
			 (unsigned long)uc->args[0], (unsigned long)uc->args[1]);
		return buf;
	case UCALL_EXCEPTION:
		snprintf(buf, sizeof(buf),
			 "guest exception vector %lu error 0x%lx at rip 0x%lx",
			 (unsigned long)uc->args[0], (unsigned long)uc->args[1],
			 (unsigned long)uc->args[2]);
		return buf;
	}
	snprintf(buf, sizeof(buf), "ucall %lu", (unsigned long)uc->cmd);
	return buf;
}

const char *vm_debugfs_dir(struct vm *vm)
{
	static __thread char path[64];

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d", getpid(),
		 vm->fd);
	return path;
}

static const struct kvm_cpuid_entry2 *find_entry(const struct kvm_cpuid2 *c,
						 uint32_t function,
						 uint32_t index, bool any_index)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != function)
			continue;
		if (any_index || !(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e->index == index)
			return e;
	}
	return NULL;
}

/*
 * Stock KVM 6.1's kvm_cpuid() for a leaf the vCPU's table lacks, modelled on
 * the vCPU's current table: zeros for an AMD (or Hygon) vendor; otherwise the
 * max basic leaf's entry (observing the requested index) unless the leaf's
 * class exists and covers it.  Ignores the TSX_CTRL tweak of leaf 7.
 */
struct cpuid_regs vm_stock_cpuid_answer(struct vm *vm, uint32_t leaf,
					uint32_t index)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} cur;
	const struct kvm_cpuid_entry2 *e, *basic, *class;
	struct cpuid_regs r = { 0, 0, 0, 0 };
	uint32_t function = leaf;

	cur.c.nent = 256;
	IOCTL(vm->vcpus[0]->fd, KVM_GET_CPUID2, &cur.c);
	e = find_entry(&cur.c, function, index, false);
	if (!e) {
		basic = find_entry(&cur.c, 0, 0, true);
		bool amd_like = basic &&
			((basic->ebx == 0x68747541 && basic->ecx == 0x444d4163 &&
			  basic->edx == 0x69746e65) ||
			 (basic->ebx == 0x6f677948 && basic->ecx == 0x656e6975 &&
			  basic->edx == 0x6e65476e));
		if (basic && !amd_like) {
			if (function >= 0x40000000 && function <= 0x4fffffff)
				class = find_entry(&cur.c, function & 0xffffff00,
						   0, true);
			else if (function >= 0xc0000000)
				class = find_entry(&cur.c, 0xc0000000, 0, true);
			else
				class = find_entry(&cur.c, function & 0x80000000,
						   0, true);
			if (!class || function > class->eax) {
				function = basic->eax;
				e = find_entry(&cur.c, function, index, false);
			}
		}
	}
	if (e) {
		r.eax = e->eax;
		r.ebx = e->ebx;
		r.ecx = e->ecx;
		r.edx = e->edx;
	} else if (function == 0xb || function == 0x1f) {
		e = find_entry(&cur.c, function, 1, false);
		if (e) {
			r.ecx = index & 0xff;
			r.edx = e->edx;
		}
	}
	return r;
}
