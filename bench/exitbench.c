/*
 * exitbench: a tiny VMM that measures what one VM exit costs, for comparing
 * KVM module builds against each other (see bench/README.md).
 *
 * Every vCPU runs real-mode code at 0x1000 that takes exactly --exits exits
 * of one kind, all completed inside the kernel, and then halts:
 *   cpuid  CPUID with EAX=0, an ordinary leaf, so every module build does the
 *          same work for it (ours only adds its exit bookkeeping);
 *   pio    OUT to port 0x80, which a KVM_IOEVENTFD claims: KVM completes the
 *          write in the kernel by signalling an eventfd.
 * Each vCPU has its own thread.  A repetition releases all threads at once;
 * each times its KVM_RUN calls until the HLT with CLOCK_MONOTONIC (and, for
 * reference, CLOCK_THREAD_CPUTIME_ID, which leaves out time the thread was
 * preempted).  The first repetition is a warm-up (it takes the page faults
 * that map guest memory) and is not reported.
 *
 * Output, one line per measured repetition (for bench/report.sh):
 *   sample label=L mode=M vcpus=V exits=N rep=R wall_ns_per_exit=X
 *          cpu_ns_per_exit=Y kvm_exits=K
 * X and Y are averages over the vCPUs of (thread's time in KVM_RUN) / N;
 * K is KVM's own "exits" statistic summed over the vCPUs for that repetition
 * (N per vCPU plus the HLT plus whatever host interrupts caused).  A last
 * line "median label=... wall_ns_per_exit=..." summarises.  Exits 1 if
 * anything failed, after saying what.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, pthread_barrier_t under -std=c11 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm_stat.h"

enum {
	GUEST_MEM_SIZE = 0x10000,
	GUEST_CODE_ADDR = 0x1000,
	BENCH_PORT = 0x80,
	MAX_VCPUS = 64,
	MAX_REPS = 1000,
	MAX_EXITS = 1000000,
};

/*
 * Real-mode guest code.  The loop counter is ESI (set by the VMM), because
 * CPUID overwrites EAX..EDX.
 */
static const uint8_t cpuid_loop[] = {
	0x66, 0x31, 0xc0, /* 0: xor eax, eax                     */
	0x0f, 0xa2,       /* 3: cpuid                            */
	0x66, 0x4e,       /* 5: dec esi                          */
	0x75, 0xf7,       /* 7: jnz 0                            */
	0xf4,             /* 9: hlt                              */
};
static const uint8_t pio_loop[] = {
	0xe6, BENCH_PORT, /* 0: out 0x80, al                     */
	0x66, 0x4e,       /* 2: dec esi                          */
	0x75, 0xfa,       /* 4: jnz 0                            */
	0xf4,             /* 6: hlt                              */
};

struct options {
	const char *label;
	const char *mode;
	int vcpus;
	int exits;
	int reps;
};

struct vcpu {
	int index;
	int fd;
	int stats_fd;
	uint64_t exits_stat_offset; /* of "exits" in stats_fd */
	struct kvm_run *run;
	pthread_t thread;
	/* Results of the current repetition. */
	double wall_ns;
	double cpu_ns;
	uint64_t kvm_exits;
	char error[200];
};

static struct options opt = { .label = "unlabelled", .mode = "cpuid",
			      .vcpus = 1, .exits = 3000, .reps = 5 };
static const uint8_t *guest_code;
static size_t guest_code_len;
static pthread_barrier_t start_line, finish_line;
static int stop_threads;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("exitbench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void usage_error(const char *what)
{
	fprintf(stderr,
		"exitbench: %s\n"
		"usage: exitbench [--mode cpuid|pio] [--vcpus 1-%d] [--exits 1-%d]\n"
		"                 [--reps 1-%d] [--label NAME]\n"
		"  runs inside a machine with /dev/kvm (the lab's L1); see bench/README.md\n",
		what, MAX_VCPUS, MAX_EXITS, MAX_REPS);
	exit(2);
}

static int parse_count(const char *name, const char *text, int max)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || *end || end == text || value < 1 || value > max) {
		char what[120];

		snprintf(what, sizeof(what), "%s takes a number from 1 to %d (got '%s')",
			 name, max, text);
		usage_error(what);
	}
	return (int)value;
}

static void parse_options(int argc, char **argv)
{
	for (int i = 1; i < argc; i += 2) {
		const char *name = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		char what[120];

		if (!strcmp(name, "-h") || !strcmp(name, "--help"))
			usage_error("measures the cost of one VM exit");
		if (!value) {
			snprintf(what, sizeof(what), "%s needs a value", name);
			usage_error(what);
		}
		if (!strcmp(name, "--mode"))
			opt.mode = value;
		else if (!strcmp(name, "--vcpus"))
			opt.vcpus = parse_count(name, value, MAX_VCPUS);
		else if (!strcmp(name, "--exits"))
			opt.exits = parse_count(name, value, MAX_EXITS);
		else if (!strcmp(name, "--reps"))
			opt.reps = parse_count(name, value, MAX_REPS);
		else if (!strcmp(name, "--label"))
			opt.label = value;
		else {
			snprintf(what, sizeof(what), "unknown option '%s'", name);
			usage_error(what);
		}
	}
	if (!strcmp(opt.mode, "cpuid")) {
		guest_code = cpuid_loop;
		guest_code_len = sizeof(cpuid_loop);
	} else if (!strcmp(opt.mode, "pio")) {
		guest_code = pio_loop;
		guest_code_len = sizeof(pio_loop);
	} else {
		usage_error("--mode takes cpuid or pio");
	}
}

static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Finds KVM's binary statistic "exits" of a vCPU. */
static void open_exits_stat(struct vcpu *v)
{
	char why[160];

	v->stats_fd = kvm_stat_open(v->fd, "exits", &v->exits_stat_offset,
				    why, sizeof(why));
	if (v->stats_fd < 0)
		die("vCPU statistics: %s", why);
}

static uint64_t read_exits_stat(const struct vcpu *v)
{
	uint64_t value;

	if (pread(v->stats_fd, &value, sizeof(value), v->exits_stat_offset) != sizeof(value))
		return 0;
	return value;
}

/* Puts the vCPU at the start of the loop, real mode, with ESI = exits. */
static int reset_vcpu(struct vcpu *v)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_CODE_ADDR;
	regs.rsi = (uint64_t)opt.exits;
	regs.rflags = 0x2; /* bit 1 is reserved and must be set */
	return ioctl(v->fd, KVM_SET_REGS, &regs);
}

/* One repetition on one vCPU: KVM_RUN until the guest halts, timed. */
static void run_once(struct vcpu *v)
{
	struct kvm_regs regs;
	double wall0, cpu0;
	uint64_t exits0;
	int rc;

	v->error[0] = 0;
	if (reset_vcpu(v) < 0) {
		snprintf(v->error, sizeof(v->error), "setting registers: %s", strerror(errno));
		return;
	}
	exits0 = read_exits_stat(v);
	cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	wall0 = now_ns(CLOCK_MONOTONIC);
	do {
		rc = ioctl(v->fd, KVM_RUN, NULL);
	} while ((rc < 0 && errno == EINTR) ||
		 (rc == 0 && v->run->exit_reason == KVM_EXIT_INTR));
	v->wall_ns = now_ns(CLOCK_MONOTONIC) - wall0;
	v->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	v->kvm_exits = read_exits_stat(v) - exits0;
	if (rc < 0) {
		snprintf(v->error, sizeof(v->error), "KVM_RUN: %s", strerror(errno));
		return;
	}
	/* Every exit but the HLT must have stayed in the kernel. */
	if (v->run->exit_reason != KVM_EXIT_HLT) {
		snprintf(v->error, sizeof(v->error),
			 "KVM_RUN returned exit reason %u, expected HLT (%u)",
			 v->run->exit_reason, KVM_EXIT_HLT);
		return;
	}
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0) {
		snprintf(v->error, sizeof(v->error), "KVM_GET_REGS: %s", strerror(errno));
		return;
	}
	if (regs.rip != GUEST_CODE_ADDR + guest_code_len || (uint32_t)regs.rsi != 0)
		snprintf(v->error, sizeof(v->error),
			 "guest halted at rip 0x%llx with esi %u, expected rip 0x%zx, esi 0",
			 (unsigned long long)regs.rip, (uint32_t)regs.rsi,
			 GUEST_CODE_ADDR + guest_code_len);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	for (;;) {
		pthread_barrier_wait(&start_line);
		if (stop_threads)
			return NULL;
		run_once(v);
		pthread_barrier_wait(&finish_line);
	}
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct vcpu vcpus[MAX_VCPUS];
	double medians[MAX_REPS];
	int kvm_fd, vm_fd, event_fd = -1, run_size, failed = 0;
	uint8_t *mem;

	parse_options(argc, argv);

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("cannot open /dev/kvm: %s (run this inside the lab's L1)", strerror(errno));
	if (ioctl(kvm_fd, KVM_GET_API_VERSION, NULL) != KVM_API_VERSION)
		die("unexpected KVM API version");
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0UL);
	if (vm_fd < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));

	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap of guest memory: %s", strerror(errno));
	memcpy(mem + GUEST_CODE_ADDR, guest_code, guest_code_len);
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

	if (guest_code == pio_loop) {
		event_fd = eventfd(0, EFD_CLOEXEC);
		if (event_fd < 0)
			die("eventfd: %s", strerror(errno));
		struct kvm_ioeventfd io = {
			.addr = BENCH_PORT,
			.len = 1,
			.fd = event_fd,
			.flags = KVM_IOEVENTFD_FLAG_PIO,
		};
		if (ioctl(vm_fd, KVM_IOEVENTFD, &io) < 0)
			die("KVM_IOEVENTFD on port 0x%x: %s", BENCH_PORT, strerror(errno));
	}

	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (run_size < (int)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	for (int i = 0; i < opt.vcpus; i++) {
		struct vcpu *v = &vcpus[i];

		memset(v, 0, sizeof(*v));
		v->index = i;
		v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0)
			die("KVM_CREATE_VCPU %d: %s", i, strerror(errno));
		v->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED)
			die("mmap of kvm_run: %s", strerror(errno));
		open_exits_stat(v);
	}

	pthread_barrier_init(&start_line, NULL, (unsigned)opt.vcpus + 1);
	pthread_barrier_init(&finish_line, NULL, (unsigned)opt.vcpus + 1);
	for (int i = 0; i < opt.vcpus; i++)
		if (pthread_create(&vcpus[i].thread, NULL, vcpu_thread, &vcpus[i]))
			die("cannot start a vCPU thread");

	/* Repetition 0 is the warm-up. */
	for (int rep = 0; rep <= opt.reps && !failed; rep++) {
		double wall = 0, cpu = 0;
		uint64_t kvm_exits = 0;

		pthread_barrier_wait(&start_line);
		pthread_barrier_wait(&finish_line);
		for (int i = 0; i < opt.vcpus; i++) {
			if (vcpus[i].error[0]) {
				fprintf(stderr, "exitbench: %s, vCPU %d, repetition %d: %s\n",
					opt.mode, i, rep, vcpus[i].error);
				failed = 1;
			}
			wall += vcpus[i].wall_ns;
			cpu += vcpus[i].cpu_ns;
			kvm_exits += vcpus[i].kvm_exits;
		}
		if (event_fd >= 0 && !failed) {
			uint64_t writes = 0;
			uint64_t expected = (uint64_t)opt.exits * (uint64_t)opt.vcpus;

			if (read(event_fd, &writes, sizeof(writes)) != sizeof(writes) ||
			    writes != expected) {
				fprintf(stderr, "exitbench: the eventfd saw %" PRIu64
					" port writes, expected %" PRIu64 "\n", writes, expected);
				failed = 1;
			}
		}
		if (rep == 0 || failed)
			continue;
		wall /= (double)opt.vcpus * opt.exits;
		cpu /= (double)opt.vcpus * opt.exits;
		medians[rep - 1] = wall;
		printf("sample label=%s mode=%s vcpus=%d exits=%d rep=%d "
		       "wall_ns_per_exit=%.1f cpu_ns_per_exit=%.1f kvm_exits=%" PRIu64 "\n",
		       opt.label, opt.mode, opt.vcpus, opt.exits, rep, wall, cpu, kvm_exits);
	}

	stop_threads = 1;
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < opt.vcpus; i++)
		pthread_join(vcpus[i].thread, NULL);
	if (failed)
		return 1;
	qsort(medians, (size_t)opt.reps, sizeof(medians[0]), compare_doubles);
	printf("median label=%s mode=%s vcpus=%d exits=%d reps=%d wall_ns_per_exit=%.1f\n",
	       opt.label, opt.mode, opt.vcpus, opt.exits, opt.reps,
	       opt.reps % 2 ? medians[opt.reps / 2]
			    : (medians[opt.reps / 2 - 1] + medians[opt.reps / 2]) / 2);
	return 0;
}
