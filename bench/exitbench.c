/*
 * exitbench: a tiny VMM that measures what one VM exit costs, for comparing
 * KVM module builds and tracers against each other (see bench/README.md).
 *
 * Every running vCPU executes real-mode code at 0x1000 that takes exactly
 * --exits exits of one kind, then writes to DONE_PORT, which returns to this
 * VMM.  The kinds (--mode):
 *   cpuid         CPUID leaf 0, handled in KVM;
 *   pio           OUT to a port claimed by a KVM_IOEVENTFD: KVM completes
 *                 the write in the kernel by signalling an eventfd;
 *   pio-user      OUT to a port no in-kernel device claims: every exit
 *                 returns to this VMM (KVM_EXIT_IO), which re-enters;
 *   rdmsr         RDMSR of IA32_APIC_BASE, handled in KVM;
 *   hlt           HLT without an in-kernel irqchip: every exit returns to
 *                 this VMM (KVM_EXIT_HLT), which re-enters;
 *   x2apic-icr    WRMSR to the x2APIC ICR, a fixed IPI to an absent APIC
 *                 ID: the exit KVM completes in its fastpath, without the
 *                 vendor's handle_exit (needs the in-kernel LAPIC);
 *   query-total   CPUID 0x4FFFFFFF, the exit statistics' total-exits leaf;
 *   query-reason  CPUID 0x4FFFFFFD with ECX = the CPUID exit reason.
 * The query leaves sum over every vCPU of the VM, so --idle-vcpus adds vCPUs
 * that are created but never run: a guest must not be able to make its own
 * exits arbitrarily expensive by having many vCPUs.
 *
 * Each running vCPU has its own thread.  A repetition releases all threads
 * at once; each reads CLOCK_MONOTONIC and CLOCK_THREAD_CPUTIME_ID before its
 * first KVM_RUN and after the DONE_PORT exit.  wall_ns_per_exit is the span
 * from the earliest start to the latest end divided by all the guest's
 * exits, so with more vCPUs than host CPUs it is still the machine's time
 * per exit.  Under QEMU -icount shift=0 L1's clock advances one nanosecond
 * per executed instruction: the figure is then L1 instructions per exit.
 * The first repetition is a warm-up (it takes the page faults that map guest
 * memory) and is not reported.
 *
 * Output, one line per measured repetition (for bench/analyze.py):
 *   sample label=L mode=M vcpus=V idle_vcpus=I exits=N rep=R
 *          wall_ns_per_exit=X cpu_ns_per_exit=Y kvm_exits=K
 * K is KVM's own "exits" statistic summed over the running vCPUs for that
 * repetition: N per vCPU, the DONE_PORT exit, and whatever host interrupts
 * caused.  Exits 1 if anything failed, after saying what; 2 on a usage
 * error.
 *
 * exitbench --calibrate instead times a user-space loop of a known number of
 * instructions and prints "calibration ns_per_instruction=X": 1.000 under
 * QEMU -icount shift=0 (a check of the method), and the factor that turns
 * L1 nanoseconds into instructions under an emulator whose clock follows
 * its instruction count at another rate (Bochs with clock: sync=none).
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, pthread_barrier_t under -std=c11 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
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
	KERNEL_PORT = 0x80,	/* claimed by the ioeventfd in mode pio */
	USER_PORT = 0x81,	/* claimed by nothing: exits to this VMM */
	DONE_PORT = 0xf4,	/* the guest is done: exits to this VMM */
	MAX_VCPUS = 1024,	/* running plus idle; KVM may allow fewer */
	MAX_REPS = 1000,
	MAX_EXITS = 1000000,
	MAX_CODE = 64,
	MSR_APIC_BASE = 0x1b,
	MSR_X2APIC_ICR = 0x830,
	APIC_BASE_X2APIC_ENABLE = 0xc00, /* EN (bit 11) and EXTD (bit 10) */
	ABSENT_APIC_ID = 0xfe,	/* no vCPU has it; not the broadcast ID */
	ICR_FIXED_VECTOR = 0xf0, /* fixed delivery, physical, no shorthand */
	VMX_EXIT_CPUID = 10,
	SVM_EXIT_CPUID = 0x72,
	LEAF_TOTAL_EXITS = 0x4fffffff,
	LEAF_REASON_EXITS = 0x4ffffffd,
};

/* What a guest loop expects of the VMM for each of its exits. */
enum loop_exit {
	IN_KERNEL,	/* KVM completes it; KVM_RUN does not return */
	TO_USER_IO,	/* KVM_EXIT_IO on USER_PORT */
	TO_USER_HLT,	/* KVM_EXIT_HLT */
};

struct mode {
	const char *name;
	enum loop_exit exit;
	bool irqchip;		/* needs the in-kernel LAPIC */
};

static const struct mode modes[] = {
	{ "cpuid", IN_KERNEL, false },
	{ "pio", IN_KERNEL, false },
	{ "pio-user", TO_USER_IO, false },
	{ "rdmsr", IN_KERNEL, false },
	{ "hlt", TO_USER_HLT, false },
	{ "x2apic-icr", IN_KERNEL, true },
	{ "query-total", IN_KERNEL, false },
	{ "query-reason", IN_KERNEL, false },
};

struct options {
	const char *label;
	const struct mode *mode;
	int vcpus;
	int idle_vcpus;
	int exits;
	int reps;
};

struct vcpu {
	int fd;
	int stats_fd;
	uint64_t exits_stat_offset; /* of "exits" in stats_fd */
	struct kvm_run *run;
	pthread_t thread;
	/* Results of the current repetition. */
	double wall_start, wall_end;
	double cpu_ns;
	uint64_t kvm_exits;
	char error[200];
};

static struct options opt = { .label = "unlabelled", .mode = &modes[0],
			      .vcpus = 1, .exits = 2000, .reps = 4 };

/* The guest's code, assembled by the emit_* helpers below. */
static uint8_t guest_code[MAX_CODE];
static size_t guest_code_len;
static size_t guest_done_rip;	/* offset of the DONE_PORT write */

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
		"usage: exitbench [--mode MODE] [--vcpus 1-%d] [--idle-vcpus N]\n"
		"                 [--exits 1-%d] [--reps 1-%d] [--label NAME]\n"
		"       exitbench --calibrate\n"
		"  MODE: cpuid (default), pio, pio-user, rdmsr, hlt, x2apic-icr,\n"
		"        query-total, query-reason\n"
		"  runs inside a machine with /dev/kvm (the lab's L1); see bench/README.md\n",
		what, MAX_VCPUS, MAX_EXITS, MAX_REPS);
	exit(2);
}

static int parse_count(const char *name, const char *text, int min, int max)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || *end || end == text || value < min || value > max) {
		char what[120];

		snprintf(what, sizeof(what), "%s takes a number from %d to %d (got '%s')",
			 name, min, max, text);
		usage_error(what);
	}
	return (int)value;
}

static const struct mode *find_mode(const char *name)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, name))
			return &modes[i];
	return NULL;
}

static bool calibrate_only;

static void parse_options(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--calibrate")) {
		calibrate_only = true;
		return;
	}
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
		if (!strcmp(name, "--mode")) {
			opt.mode = find_mode(value);
			if (!opt.mode) {
				snprintf(what, sizeof(what), "unknown mode '%s'", value);
				usage_error(what);
			}
		} else if (!strcmp(name, "--vcpus")) {
			opt.vcpus = parse_count(name, value, 1, MAX_VCPUS);
		} else if (!strcmp(name, "--idle-vcpus")) {
			opt.idle_vcpus = parse_count(name, value, 0, MAX_VCPUS - 1);
		} else if (!strcmp(name, "--exits")) {
			opt.exits = parse_count(name, value, 1, MAX_EXITS);
		} else if (!strcmp(name, "--reps")) {
			opt.reps = parse_count(name, value, 1, MAX_REPS);
		} else if (!strcmp(name, "--label")) {
			opt.label = value;
		} else {
			snprintf(what, sizeof(what), "unknown option '%s'", name);
			usage_error(what);
		}
	}
	if (opt.vcpus + opt.idle_vcpus > MAX_VCPUS)
		usage_error("--vcpus plus --idle-vcpus is more than 1024");
}

/* A tiny real-mode assembler: just the instructions the loops need. */
static void emit(const uint8_t *bytes, size_t len)
{
	if (guest_code_len + len > sizeof(guest_code))
		die("guest code longer than %d bytes", MAX_CODE);
	memcpy(guest_code + guest_code_len, bytes, len);
	guest_code_len += len;
}

#define EMIT(...) emit((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* mov r32, imm32 with an operand-size prefix; reg is 0 (eax) to 7 (edi). */
static void emit_mov32(int reg, uint32_t imm)
{
	EMIT(0x66, (uint8_t)(0xb8 + reg), (uint8_t)imm, (uint8_t)(imm >> 8),
	     (uint8_t)(imm >> 16), (uint8_t)(imm >> 24));
}

enum { EAX = 0, ECX = 1, EDX = 2 };

/* Is the CPU this runs on an AMD one (SVM numbering) or not (VMX)? */
static bool cpu_is_amd(void)
{
	unsigned int eax, ebx, ecx, edx;

	__cpuid(0, eax, ebx, ecx, edx);
	return ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;
}

/*
 * Builds the loop: set-up, then the body taking one exit, "dec esi; jnz
 * body", then the write to DONE_PORT.  ESI is the counter (set by the VMM)
 * because CPUID and RDMSR overwrite EAX..EDX.
 */
static void assemble_guest(void)
{
	const char *m = opt.mode->name;
	size_t body;

	if (!strcmp(m, "rdmsr")) {
		emit_mov32(ECX, MSR_APIC_BASE);
	} else if (!strcmp(m, "x2apic-icr")) {
		/* Switch the LAPIC to x2APIC mode, keeping its base and BSP bit. */
		emit_mov32(ECX, MSR_APIC_BASE);
		EMIT(0x0f, 0x32);			/* rdmsr */
		EMIT(0x66, 0x0d, (uint8_t)APIC_BASE_X2APIC_ENABLE,
		     (uint8_t)(APIC_BASE_X2APIC_ENABLE >> 8), 0, 0); /* or eax */
		EMIT(0x0f, 0x30);			/* wrmsr */
		emit_mov32(ECX, MSR_X2APIC_ICR);
		emit_mov32(EDX, ABSENT_APIC_ID);
		emit_mov32(EAX, ICR_FIXED_VECTOR);
	} else if (!strcmp(m, "query-reason")) {
		emit_mov32(ECX, cpu_is_amd() ? SVM_EXIT_CPUID : VMX_EXIT_CPUID);
	}
	body = guest_code_len;
	if (!strcmp(m, "cpuid")) {
		EMIT(0x66, 0x31, 0xc0);		/* xor eax, eax */
		EMIT(0x0f, 0xa2);		/* cpuid */
	} else if (!strcmp(m, "pio")) {
		EMIT(0xe6, KERNEL_PORT);	/* out KERNEL_PORT, al */
	} else if (!strcmp(m, "pio-user")) {
		EMIT(0xe6, USER_PORT);		/* out USER_PORT, al */
	} else if (!strcmp(m, "rdmsr")) {
		EMIT(0x0f, 0x32);		/* rdmsr */
	} else if (!strcmp(m, "hlt")) {
		EMIT(0xf4);			/* hlt */
	} else if (!strcmp(m, "x2apic-icr")) {
		EMIT(0x0f, 0x30);		/* wrmsr */
	} else if (!strcmp(m, "query-total")) {
		emit_mov32(EAX, LEAF_TOTAL_EXITS);
		EMIT(0x0f, 0xa2);		/* cpuid */
	} else if (!strcmp(m, "query-reason")) {
		emit_mov32(EAX, LEAF_REASON_EXITS); /* ECX survives: set once */
		EMIT(0x0f, 0xa2);		/* cpuid */
	}
	EMIT(0x66, 0x4e);			/* dec esi */
	/* jnz body: rel8 counts from the end of the 2-byte jump. */
	EMIT(0x75, (uint8_t)(int8_t)((long)body - (long)(guest_code_len + 2)));
	/* KVM_RUN returns with RIP still on an OUT that user space completes. */
	guest_done_rip = guest_code_len;
	EMIT(0xe6, DONE_PORT);			/* out DONE_PORT, al */
	EMIT(0xf4);				/* hlt: never reached */
}

static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
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

#define VCPU_ERROR(v, ...) snprintf((v)->error, sizeof((v)->error), __VA_ARGS__)

/*
 * KVM_RUN until the guest writes to DONE_PORT, re-entering after the exits
 * the mode sends to user space.  Returns those exits, or -1 with v->error.
 */
static long run_to_done(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	long user_exits = 0;

	for (;;) {
		if (ioctl(v->fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR)
				continue;
			VCPU_ERROR(v, "KVM_RUN: %s", strerror(errno));
			return -1;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_INTR:
			continue;
		case KVM_EXIT_IO:
			if (run->io.port == DONE_PORT)
				return user_exits;
			if (opt.mode->exit == TO_USER_IO && run->io.port == USER_PORT &&
			    run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1) {
				user_exits++;
				continue;
			}
			VCPU_ERROR(v, "unexpected port %s of %u bytes on port 0x%x",
				   run->io.direction == KVM_EXIT_IO_OUT ? "write" : "read",
				   run->io.size, run->io.port);
			return -1;
		case KVM_EXIT_HLT:
			if (opt.mode->exit == TO_USER_HLT) {
				user_exits++;
				continue;
			}
			VCPU_ERROR(v, "unexpected HLT exit to user space");
			return -1;
		default:
			VCPU_ERROR(v, "unexpected KVM exit reason %u", run->exit_reason);
			return -1;
		}
	}
}

/* One repetition on one vCPU, timed. */
static void run_once(struct vcpu *v)
{
	long expected_user_exits = opt.mode->exit == IN_KERNEL ? 0 : opt.exits;
	struct kvm_regs regs;
	uint64_t exits0;
	double cpu0;
	long user_exits;

	v->error[0] = 0;
	if (reset_vcpu(v) < 0) {
		VCPU_ERROR(v, "setting registers: %s", strerror(errno));
		return;
	}
	exits0 = read_exits_stat(v);
	cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	v->wall_start = now_ns(CLOCK_MONOTONIC);
	user_exits = run_to_done(v);
	v->wall_end = now_ns(CLOCK_MONOTONIC);
	v->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	v->kvm_exits = read_exits_stat(v) - exits0;
	if (user_exits < 0)
		return;
	if (user_exits != expected_user_exits) {
		VCPU_ERROR(v, "%ld exits came to user space, expected %ld",
			   user_exits, expected_user_exits);
		return;
	}
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0) {
		VCPU_ERROR(v, "KVM_GET_REGS: %s", strerror(errno));
		return;
	}
	if (regs.rip != GUEST_CODE_ADDR + guest_done_rip || (uint32_t)regs.rsi != 0)
		VCPU_ERROR(v, "guest finished at rip 0x%llx with esi %u, expected rip 0x%zx, esi 0",
			   (unsigned long long)regs.rip, (uint32_t)regs.rsi,
			   GUEST_CODE_ADDR + guest_done_rip);
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

/*
 * Nanoseconds of this thread's CPU time per instruction, from a loop of
 * exactly two instructions per iteration (dec, jnz).  The best of three
 * runs: interference only adds time.
 */
static double ns_per_instruction(void)
{
	const long iterations = 10000000;
	double best = 0;

	for (int run = 0; run < 3; run++) {
		long left = iterations;
		double t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);

		__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(left));
		double ns = (now_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / (2.0 * iterations);

		if (run == 0 || ns < best)
			best = ns;
	}
	return best;
}

/* Gives the vCPU everything KVM supports, as a VMM would (x2APIC too). */
static void set_supported_cpuid(int kvm_fd, int vcpu_fd)
{
	static struct kvm_cpuid2 *cpuid;
	const int max_entries = 256;

	if (!cpuid) {
		cpuid = calloc(1, sizeof(*cpuid) + max_entries * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die("out of memory");
		cpuid->nent = max_entries;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
			die("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	}
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2: %s", strerror(errno));
}

static void create_vcpu(int kvm_fd, int vm_fd, int run_size, struct vcpu *v, int index)
{
	char why[160];

	memset(v, 0, sizeof(*v));
	v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0)
		die("KVM_CREATE_VCPU %d: %s", index, strerror(errno));
	set_supported_cpuid(kvm_fd, v->fd);
	v->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("mmap of kvm_run: %s", strerror(errno));
	v->stats_fd = kvm_stat_open(v->fd, "exits", &v->exits_stat_offset, why, sizeof(why));
	if (v->stats_fd < 0)
		die("vCPU statistics: %s", why);
}

/* Reads the eventfd's count (pio mode) and checks it. */
static int check_eventfd(int event_fd)
{
	uint64_t writes = 0;
	uint64_t expected = (uint64_t)opt.exits * (uint64_t)opt.vcpus;

	if (read(event_fd, &writes, sizeof(writes)) != sizeof(writes) || writes != expected) {
		fprintf(stderr, "exitbench: the eventfd saw %" PRIu64
			" port writes, expected %" PRIu64 "\n", writes, expected);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int kvm_fd, vm_fd, event_fd = -1, run_size, max_vcpus, failed = 0;
	int total_vcpus;
	struct vcpu *vcpus;
	double *per_exit;
	uint8_t *mem;

	parse_options(argc, argv);
	if (calibrate_only) {
		printf("calibration ns_per_instruction=%.4f\n", ns_per_instruction());
		return 0;
	}
	assemble_guest();
	total_vcpus = opt.vcpus + opt.idle_vcpus;
	vcpus = calloc((size_t)total_vcpus, sizeof(*vcpus));
	per_exit = calloc((size_t)opt.reps, sizeof(*per_exit));
	if (!vcpus || !per_exit)
		die("out of memory");

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("cannot open /dev/kvm: %s (run this inside the lab's L1)", strerror(errno));
	if (ioctl(kvm_fd, KVM_GET_API_VERSION, NULL) != KVM_API_VERSION)
		die("unexpected KVM API version");
	max_vcpus = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max_vcpus > 0 && total_vcpus > max_vcpus)
		die("%d vCPUs asked for, this KVM allows at most %d per VM", total_vcpus, max_vcpus);
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0UL);
	if (vm_fd < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	if (opt.mode->irqchip && ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP: %s", strerror(errno));

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

	if (!strcmp(opt.mode->name, "pio")) {
		event_fd = eventfd(0, EFD_CLOEXEC);
		if (event_fd < 0)
			die("eventfd: %s", strerror(errno));
		struct kvm_ioeventfd io = {
			.addr = KERNEL_PORT,
			.len = 1,
			.fd = event_fd,
			.flags = KVM_IOEVENTFD_FLAG_PIO,
		};
		if (ioctl(vm_fd, KVM_IOEVENTFD, &io) < 0)
			die("KVM_IOEVENTFD on port 0x%x: %s", KERNEL_PORT, strerror(errno));
	}

	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (run_size < (int)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	for (int i = 0; i < total_vcpus; i++)
		create_vcpu(kvm_fd, vm_fd, run_size, &vcpus[i], i);

	/* Only the first opt.vcpus run; the idle ones just exist. */
	pthread_barrier_init(&start_line, NULL, (unsigned)opt.vcpus + 1);
	pthread_barrier_init(&finish_line, NULL, (unsigned)opt.vcpus + 1);
	for (int i = 0; i < opt.vcpus; i++)
		if (pthread_create(&vcpus[i].thread, NULL, vcpu_thread, &vcpus[i]))
			die("cannot start a vCPU thread");

	/* Repetition 0 is the warm-up. */
	for (int rep = 0; rep <= opt.reps && !failed; rep++) {
		double first_start = 0, last_end = 0, cpu = 0, total_exits;
		uint64_t kvm_exits = 0;

		pthread_barrier_wait(&start_line);
		pthread_barrier_wait(&finish_line);
		for (int i = 0; i < opt.vcpus; i++) {
			struct vcpu *v = &vcpus[i];

			if (v->error[0]) {
				fprintf(stderr, "exitbench: %s, vCPU %d, repetition %d: %s\n",
					opt.mode->name, i, rep, v->error);
				failed = 1;
			}
			if (i == 0 || v->wall_start < first_start)
				first_start = v->wall_start;
			if (i == 0 || v->wall_end > last_end)
				last_end = v->wall_end;
			cpu += v->cpu_ns;
			kvm_exits += v->kvm_exits;
		}
		if (event_fd >= 0 && !failed && check_eventfd(event_fd) < 0)
			failed = 1;
		if (rep == 0 || failed)
			continue;
		total_exits = (double)opt.vcpus * opt.exits;
		per_exit[rep - 1] = (last_end - first_start) / total_exits;
		printf("sample label=%s mode=%s vcpus=%d idle_vcpus=%d exits=%d rep=%d "
		       "wall_ns_per_exit=%.1f cpu_ns_per_exit=%.1f kvm_exits=%" PRIu64 "\n",
		       opt.label, opt.mode->name, opt.vcpus, opt.idle_vcpus, opt.exits, rep,
		       per_exit[rep - 1], cpu / total_exits, kvm_exits);
		fflush(stdout);
	}

	stop_threads = 1;
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < opt.vcpus; i++)
		pthread_join(vcpus[i].thread, NULL);
	if (failed)
		return 1;
	qsort(per_exit, (size_t)opt.reps, sizeof(per_exit[0]), compare_doubles);
	printf("median label=%s mode=%s vcpus=%d idle_vcpus=%d exits=%d reps=%d wall_ns_per_exit=%.1f\n",
	       opt.label, opt.mode->name, opt.vcpus, opt.idle_vcpus, opt.exits, opt.reps,
	       opt.reps % 2 ? per_exit[opt.reps / 2]
			    : (per_exit[opt.reps / 2 - 1] + per_exit[opt.reps / 2]) / 2);
	return 0;
}
