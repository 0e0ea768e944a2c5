// SPDX-License-Identifier: GPL-2.0
/*
 * Test 12: what the handling cycles of an exit include, and what its blocked
 * time is (docs/cpuid-abi.md, "Cycles" and "Blocked time").
 *
 *   t12-guest-time    the guest spins SPIN_TSC ticks between port writes
 *                     completed in KVM; those exits' cycles stay far below
 *                     one spin: guest time is not charged.
 *   t12-user-time     the VMM sleeps SLEEP_USER_MS in a port-I/O exit it
 *                     completes (the ucall); neither cycles nor blocked time
 *                     of port I/O grow by it.
 *   t12-epoch         the INFO leaf's reset epoch: non-zero, the same for
 *                     the life of a VM, different in another VM, and the one
 *                     the VM's debugfs file shows.
 *   t12-uffd          the guest touches a page that the VMM serves through
 *                     userfaultfd after sleeping SLEEP_UFFD_MS; the nested
 *                     page fault is charged far less than that as handling,
 *                     and about that much as blocked time.
 *
 * Figures are host TSC cycles, turned into milliseconds with the TSC
 * frequency of the INFO leaf.  Bounds are wide on the side that timing noise
 * can reach (a loaded machine wakes a sleeper late) and tight where the old
 * definition failed (a 200 ms sleep charged as 207 ms of handling).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "kvm_util.h"
#include "reasons.h"
#include "report.h"
#include "t12_clock.h"

#define SPIN_TSC	20000000ull	/* guest ticks between two exits */
#define SPIN_EXITS	10
#define SLEEP_USER_MS	50
#define SLEEP_UFFD_MS	200
/* A second memslot, served by userfaultfd; inside the guest's 4 GiB map. */
#define UFFD_GPA	0x40000000ul
#define UFFD_SIZE	0x200000ul
#define UFFD_SLOT	1
#define UFFD_PATTERN	0x7e57c10c4b1dull

enum { T12_GUEST_TIME = 1, T12_USER_TIME, T12_UFFD, T12_EPOCH };

struct reason_figures {
	uint64_t count, cycles, blocked;
};

GUEST_CODE static inline uint64_t g_pair(uint32_t leaf, uint32_t input)
{
	struct cpuid_regs r = guest_cpuid(leaf, input);

	return (uint64_t)r.ebx << 32 | r.ecx;
}

GUEST_CODE static inline struct reason_figures g_reason(uint32_t reason)
{
	struct reason_figures f = {
		.count = g_pair(KVM_EXIT_STATS_LEAF_REASON_EXITS64, reason),
		.cycles = g_pair(KVM_EXIT_STATS_LEAF_REASON_CYCLES, reason),
		.blocked = g_pair(KVM_EXIT_STATS_LEAF_REASON_BLOCKED, reason),
	};
	return f;
}

GUEST_CODE static inline uint64_t g_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* arg0: the numbering; arg1: the reason of the uffd fault (NPF / EPT). */
GUEST_CODE static void guest_t12(uint64_t arg0, uint64_t npf)
{
	const struct numbering *n = (const struct numbering *)arg0;
	struct reason_figures a, b;

	/* Guest time between exits completed in KVM. */
	a = g_reason(n->io);
	for (int i = 0; i < SPIN_EXITS; i++) {
		uint64_t until = g_rdtsc() + SPIN_TSC;

		guest_outb(KERNEL_PORT, (uint8_t)i);
		while (g_rdtsc() < until)
			;
	}
	b = g_reason(n->io);
	GUEST_SYNC(T12_GUEST_TIME, b.count - a.count, b.cycles - a.cycles,
		   b.blocked - a.blocked,
		   guest_cpuid(KVM_EXIT_STATS_LEAF_INFO, 0).ebx,
		   guest_cpuid(KVM_EXIT_STATS_LEAF_INFO, 0).edx);

	/* The VMM sleeps in the exit of this ucall. */
	a = g_reason(n->io);
	GUEST_SYNC(T12_USER_TIME, 0);
	b = g_reason(n->io);
	GUEST_SYNC(T12_USER_TIME, b.count - a.count, b.cycles - a.cycles,
		   b.blocked - a.blocked);

	/* A page the VMM serves late through userfaultfd. */
	a = g_reason((uint32_t)npf);
	uint64_t value = *(volatile uint64_t *)UFFD_GPA;

	b = g_reason((uint32_t)npf);
	GUEST_SYNC(T12_UFFD, b.count - a.count, b.cycles - a.cycles,
		   b.blocked - a.blocked, value);
	GUEST_SYNC(T12_EPOCH, guest_cpuid(KVM_EXIT_STATS_LEAF_INFO, 0).edx);
}

GUEST_CODE static void guest_t12_epoch(uint64_t unused0, uint64_t unused1)
{
	(void)unused0;
	(void)unused1;
	GUEST_SYNC(T12_EPOCH, guest_cpuid(KVM_EXIT_STATS_LEAF_INFO, 0).edx);
}

/* The VM's debugfs file, rows with exits only, as comment lines. */
static void debugfs_note(struct vm *vm)
{
	char path[256], line[256];
	unsigned long long count;
	FILE *f;

	snprintf(path, sizeof(path), "%s/exit_stats", vm_debugfs_dir(vm));
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || (sscanf(line, "%*s %*s %llu", &count) == 1 && count))
			note("t12 debugfs: %s", line);
	}
	fclose(f);
}

/* The epoch on the first line of the VM's debugfs file, or 0. */
static uint64_t debugfs_epoch(struct vm *vm)
{
	char path[256], line[256];
	unsigned long long epoch = 0;
	const char *at;
	FILE *f;

	snprintf(path, sizeof(path), "%s/exit_stats", vm_debugfs_dir(vm));
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f) && (at = strstr(line, " epoch ")))
		epoch = strtoull(at + 7, NULL, 10);
	fclose(f);
	return epoch;
}

static double ms(uint64_t cycles, uint32_t tsc_khz)
{
	return (double)cycles / tsc_khz;
}

struct uffd_server {
	int uffd;
	int stop_fd;		/* an eventfd: written when the test is done */
	void *area;
	pthread_t thread;
	int faults;		/* served; atomic: the test thread reads it */
	int error;		/* errno of a failed step, or 0 */
};

/* Serves the first missing page after sleeping; later ones at once. */
static void *uffd_serve(void *arg)
{
	struct uffd_server *s = arg;
	static uint64_t page[4096 / sizeof(uint64_t)] __attribute__((aligned(4096)));

	for (size_t i = 0; i < sizeof(page) / sizeof(page[0]); i++)
		page[i] = UFFD_PATTERN;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = s->uffd, .events = POLLIN },
			{ .fd = s->stop_fd, .events = POLLIN },
		};
		struct uffd_msg msg;

		if (poll(pfd, 2, -1) < 0) {
			s->error = errno;
			return NULL;
		}
		if (pfd[1].revents || (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			return NULL;
		if (read(s->uffd, &msg, sizeof(msg)) != sizeof(msg)) {
			if (errno == EAGAIN)
				continue;
			s->error = errno;
			return NULL;
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		if (__atomic_load_n(&s->faults, __ATOMIC_RELAXED) == 0) {
			struct timespec nap = { 0, SLEEP_UFFD_MS * 1000000L };

			nanosleep(&nap, NULL);
		}
		/*
		 * Counted before the copy: the copy wakes the vCPU, whose next
		 * exit the test thread may handle before this thread runs again.
		 */
		__atomic_fetch_add(&s->faults, 1, __ATOMIC_RELEASE);
		struct uffdio_copy copy = {
			.dst = msg.arg.pagefault.address & ~4095ull,
			.src = (uintptr_t)page,
			.len = 4096,
		};
		if (ioctl(s->uffd, UFFDIO_COPY, &copy) < 0 && errno != EEXIST) {
			s->error = errno;
			return NULL;
		}
	}
}

/* Adds the uffd-backed memslot; false (with a message) if the host can't. */
static bool uffd_setup(struct vm *vm, struct uffd_server *s)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	memset(s, 0, sizeof(*s));
	s->area = mmap(NULL, UFFD_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->area == MAP_FAILED)
		TEST_FATAL("mmap of %lu bytes", UFFD_SIZE);
	/* 4 KiB pages, so that the guest's access faults on exactly one. */
	madvise(s->area, UFFD_SIZE, MADV_NOHUGEPAGE);
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0)
		TEST_FATAL("eventfd");
	s->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (s->uffd < 0) {
		check(false, "t12-uffd", "userfaultfd(): %s", strerror(errno));
		return false;
	}
	reg.range.start = (uintptr_t)s->area;
	reg.range.len = UFFD_SIZE;
	if (ioctl(s->uffd, UFFDIO_API, &api) < 0 ||
	    ioctl(s->uffd, UFFDIO_REGISTER, &reg) < 0) {
		check(false, "t12-uffd", "UFFDIO_API/REGISTER: %s", strerror(errno));
		return false;
	}
	struct kvm_userspace_memory_region region = {
		.slot = UFFD_SLOT,
		.guest_phys_addr = UFFD_GPA,
		.memory_size = UFFD_SIZE,
		.userspace_addr = (uintptr_t)s->area,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		TEST_FATAL("KVM_SET_USER_MEMORY_REGION slot %d", UFFD_SLOT);
	if (pthread_create(&s->thread, NULL, uffd_serve, s))
		TEST_FATAL("pthread_create");
	return true;
}

static void uffd_teardown(struct uffd_server *s)
{
	uint64_t one = 1;

	if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one))
		TEST_FATAL("eventfd write");
	pthread_join(s->thread, NULL);
	close(s->stop_fd);
	close(s->uffd);
	munmap(s->area, UFFD_SIZE);
}

static bool expect_sync(const struct ucall *uc, uint64_t step, const char *name)
{
	if (uc->cmd == UCALL_SYNC && uc->args[0] == step)
		return true;
	check(false, name, "expected SYNC step %" PRIu64 ", got %s", step,
	      ucall_describe(uc));
	return false;
}

void test_clock(const struct numbering *nb)
{
	struct vm *vm = vm_create(1);
	struct vcpu *vcpu = vm->vcpus[0];
	int efd = vm_add_kernel_port(vm);
	struct uffd_server server;
	bool have_uffd = uffd_setup(vm, &server);
	uint32_t tsc_khz;
	uint64_t epoch_first;
	struct ucall uc;

	vcpu_call(vcpu, guest_t12, (uint64_t)nb, nb->mmio[0]);
	uc = vcpu_run(vcpu);
	if (!expect_sync(&uc, T12_GUEST_TIME, "t12-guest-time"))
		goto out;
	/* The host's TSC rate, as the guest read it (INFO leaf EBX). */
	tsc_khz = (uint32_t)uc.args[4];
	epoch_first = uc.args[5];
	if (!tsc_khz) {
		/* No interface (stock KVM): go on, every check below fails. */
		note("t12: the INFO leaf reports a TSC of 0 kHz");
		tsc_khz = 1;
	}
	check(uc.args[1] == SPIN_EXITS && uc.args[2] < SPIN_TSC,
	      "t12-guest-time",
	      "%" PRIu64 " port exits completed in KVM, %d apart by %llu guest TSC ticks: "
	      "%" PRIu64 " cycles charged (%.3f ms; one spin %.3f ms), %" PRIu64 " blocked",
	      uc.args[1], SPIN_EXITS, SPIN_TSC, uc.args[2],
	      ms(uc.args[2], tsc_khz), ms(SPIN_TSC, tsc_khz), uc.args[3]);

	uc = vcpu_run(vcpu);
	if (!expect_sync(&uc, T12_USER_TIME, "t12-user-time"))
		goto out;
	{
		struct timespec nap = { 0, SLEEP_USER_MS * 1000000L };

		nanosleep(&nap, NULL);
	}
	uc = vcpu_reply_run(vcpu, 0);
	if (!expect_sync(&uc, T12_USER_TIME, "t12-user-time"))
		goto out;
	/* 1: the ucall's own exit, in which the VMM slept. */
	check(uc.args[1] == 1 && ms(uc.args[2], tsc_khz) < SLEEP_USER_MS / 5.0 &&
	      ms(uc.args[3], tsc_khz) < SLEEP_USER_MS / 5.0, "t12-user-time",
	      "%" PRIu64 " port exit, the VMM slept %d ms in it: %.3f ms cycles, %.3f ms blocked",
	      uc.args[1], SLEEP_USER_MS, ms(uc.args[2], tsc_khz),
	      ms(uc.args[3], tsc_khz));

	if (!have_uffd)
		goto out;
	uc = vcpu_run(vcpu);
	if (!expect_sync(&uc, T12_UFFD, "t12-uffd"))
		goto out;
	double handling = ms(uc.args[2], tsc_khz), blocked = ms(uc.args[3], tsc_khz);

	/*
	 * One nested page fault, or two if KVM retried the access after the
	 * page arrived; the sleep is blocked time, not handling.
	 */
	int served = __atomic_load_n(&server.faults, __ATOMIC_ACQUIRE);

	check(uc.args[1] >= 1 && uc.args[1] <= 2 && uc.args[4] == UFFD_PATTERN &&
	      served == 1 && handling < SLEEP_UFFD_MS / 10.0 &&
	      blocked >= SLEEP_UFFD_MS * 0.95 && blocked < SLEEP_UFFD_MS * 5.0,
	      "t12-uffd",
	      "%" PRIu64 " exits of reason 0x%x for a page served after %d ms "
	      "(%d faults served, value %s): %.3f ms handling, %.3f ms blocked",
	      uc.args[1], nb->mmio[0], SLEEP_UFFD_MS, served,
	      uc.args[4] == UFFD_PATTERN ? "as served" : "wrong", handling,
	      blocked);
	if (server.error)
		note("t12: the userfaultfd server failed: %s", strerror(server.error));

	uc = vcpu_run(vcpu);
	if (expect_sync(&uc, T12_EPOCH, "t12-epoch")) {
		struct vm *other = vm_create(1);
		uint64_t epoch_later = uc.args[1], epoch_debugfs = debugfs_epoch(vm);
		uint64_t epoch_other = 0;

		vcpu_call(other->vcpus[0], guest_t12_epoch, 0, 0);
		uc = vcpu_run(other->vcpus[0]);
		if (expect_sync(&uc, T12_EPOCH, "t12-epoch"))
			epoch_other = uc.args[1];
		check(epoch_first != 0 && epoch_later == epoch_first &&
		      epoch_debugfs == epoch_first && epoch_other != 0 &&
		      epoch_other != epoch_first, "t12-epoch",
		      "this VM: %" PRIu64 ", later %" PRIu64 ", debugfs %" PRIu64
		      "; another VM: %" PRIu64, epoch_first, epoch_later,
		      epoch_debugfs, epoch_other);
		vm_destroy(other);
	}
	debugfs_note(vm);
out:
	if (have_uffd)
		uffd_teardown(&server);
	close(efd);
	vm_destroy(vm);
}
