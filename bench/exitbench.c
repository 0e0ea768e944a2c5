/*
 * exitbench: a tiny VMM that measures what one VM exit costs, for comparing
 * KVM module builds and tracers against each other (see bench/README.md).
 * It is built on the project's VMM library (tests/lib/kvm, as Linux's KVM
 * selftests): the VM holds a copy of this program, and every running vCPU
 * calls a guest function, written in C below, that takes exactly --exits
 * exits of one kind in a loop of two or three instructions besides the one
 * that exits, then returns, which is one ucall (an OUT) to this VMM.  The
 * kinds (--mode):
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
 * first KVM_RUN and after the guest function's return (its ucall) came back.
 * wall_ns_per_exit is the span from the earliest start to the latest end
 * divided by all the guest's exits, so with more vCPUs than host CPUs it is
 * still the machine's time per exit.  Under QEMU -icount shift=0 L1's clock
 * advances one nanosecond per executed instruction: the figure is then L1
 * instructions per exit.  The library touches all guest memory when it
 * creates the VM; the first repetition is a warm-up all the same and is
 * not reported.
 *
 * Output, one line per measured repetition (for bench/analyze.py):
 *   sample label=L mode=M vcpus=V idle_vcpus=I exits=N rep=R
 *          wall_ns_per_exit=X cpu_ns_per_exit=Y kvm_exits=K
 * K is KVM's own "exits" statistic summed over the running vCPUs for that
 * repetition: N per vCPU, the ucall that ends the guest function, and
 * whatever host interrupts caused.  Exits 1 if anything failed, after saying
 * what on stderr (2 for a failed set-up or a usage error).
 *
 * exitbench --calibrate instead times a user-space loop of a known number of
 * instructions and prints "calibration ns_per_instruction=X": 1.000 under
 * QEMU -icount shift=0 (a check of the method), and the factor that turns
 * L1 nanoseconds into instructions under an emulator whose clock follows
 * its instruction count at another rate (Bochs with clock: sync=none).
 */
#define _GNU_SOURCE /* pthread_barrier_t under -std=c11 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "reasons.h"

enum {
	MAX_VCPUS = 1024,	/* running plus idle; KVM may allow fewer */
	MAX_REPS = 1000,
	MAX_EXITS = 1000000,
	MSR_APIC_BASE = 0x1b,
	MSR_X2APIC_ICR = 0x830,
	APIC_BASE_X2APIC_ENABLE = 0xc00, /* EN (bit 11) and EXTD (bit 10) */
	ABSENT_APIC_ID = 0xfe,	/* no vCPU has it; not the broadcast ID */
	ICR_FIXED_VECTOR = 0xf0, /* fixed delivery, physical, no shorthand */
	LEAF_TOTAL_EXITS = 0x4fffffff,
	LEAF_REASON_EXITS = 0x4ffffffd,
};

/*
 * The guest loops.  Each takes exactly n exits of its kind: the exiting
 * instruction, then "sub $1, reg; jne" (the constants the instruction needs
 * stay in their registers across the loop), as the hand-assembled
 * real-mode loops of earlier versions did.  The argument is in the
 * shared area: what a loop needs besides n.
 */
struct guest_args {
	uint32_t cpuid_reason;	/* the CPUID exit reason of this vendor */
};

#define GUEST_ARGS ((const volatile struct guest_args *)GUEST_SHARED)

GUEST_CODE static void guest_cpuid_loop(uint64_t n, uint64_t unused)
{
	(void)unused;
	for (; n; n--)
		guest_cpuid_leaf(0);
}

GUEST_CODE static void guest_pio(uint64_t n, uint64_t unused)
{
	(void)unused;
	for (; n; n--)
		guest_outb(KERNEL_PORT, 0);
}

GUEST_CODE static void guest_pio_user(uint64_t n, uint64_t unused)
{
	(void)unused;
	for (; n; n--)
		guest_outb(USER_PORT, 0);
}

GUEST_CODE static void guest_rdmsr_loop(uint64_t n, uint64_t unused)
{
	(void)unused;
	for (; n; n--)
		guest_rdmsr(MSR_APIC_BASE);
}

GUEST_CODE static void guest_hlt_loop(uint64_t n, uint64_t unused)
{
	(void)unused;
	for (; n; n--)
		guest_hlt();
}

GUEST_CODE static void guest_x2apic_icr(uint64_t n, uint64_t unused)
{
	(void)unused;
	/* The LAPIC to x2APIC mode, keeping its base and BSP bit. */
	guest_wrmsr(MSR_APIC_BASE, guest_rdmsr(MSR_APIC_BASE) | APIC_BASE_X2APIC_ENABLE);
	for (; n; n--)
		guest_wrmsr(MSR_X2APIC_ICR, (uint64_t)ABSENT_APIC_ID << 32 | ICR_FIXED_VECTOR);
}

GUEST_CODE static void guest_query_total(uint64_t n, uint64_t unused)
{
	(void)unused;
	for (; n; n--)
		guest_cpuid_leaf(LEAF_TOTAL_EXITS);
}

GUEST_CODE static void guest_query_reason(uint64_t n, uint64_t unused)
{
	uint32_t reason = GUEST_ARGS->cpuid_reason;

	(void)unused;
	for (; n; n--)
		guest_cpuid_eax(LEAF_REASON_EXITS, reason);
}

/* What a guest loop expects of the VMM for each of its exits. */
enum loop_exit {
	IN_KERNEL,	/* KVM completes it; KVM_RUN does not return */
	TO_USER_IO,	/* KVM_EXIT_IO on USER_PORT */
	TO_USER_HLT,	/* KVM_EXIT_HLT */
};

struct mode {
	const char *name;
	guest_fn guest;
	enum loop_exit exit;
	bool irqchip;		/* needs the in-kernel LAPIC */
};

static const struct mode modes[] = {
	{ "cpuid", guest_cpuid_loop, IN_KERNEL, false },
	{ "pio", guest_pio, IN_KERNEL, false },
	{ "pio-user", guest_pio_user, TO_USER_IO, false },
	{ "rdmsr", guest_rdmsr_loop, IN_KERNEL, false },
	{ "hlt", guest_hlt_loop, TO_USER_HLT, false },
	{ "x2apic-icr", guest_x2apic_icr, IN_KERNEL, true },
	{ "query-total", guest_query_total, IN_KERNEL, false },
	{ "query-reason", guest_query_reason, IN_KERNEL, false },
};

struct options {
	const char *label;
	const struct mode *mode;
	int vcpus;
	int idle_vcpus;
	int exits;
	int reps;
};

/* A running vCPU's thread and the results of its current repetition. */
struct runner {
	struct vcpu *vcpu;
	pthread_t thread;
	double wall_start, wall_end;
	double cpu_ns;
	uint64_t kvm_exits;
	char error[200];
};

static struct options opt = { .label = "unlabelled", .mode = &modes[0],
			      .vcpus = 1, .exits = 2000, .reps = 4 };

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
		what, GUEST_MAX_VCPUS, MAX_EXITS, MAX_REPS);
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
			opt.vcpus = parse_count(name, value, 1, GUEST_MAX_VCPUS);
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

static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The exits the VMM completed itself (user-space port, HLT, MMIO). */
static uint64_t user_exits(const struct vcpu *v)
{
	return v->user_pio_exits + v->hlt_exits + v->mmio_exits;
}

#define RUNNER_ERROR(r, ...) snprintf((r)->error, sizeof((r)->error), __VA_ARGS__)

/* One repetition on one vCPU, timed: the guest function, called afresh. */
static void run_once(struct runner *r)
{
	uint64_t expected_user_exits = opt.mode->exit == IN_KERNEL ? 0 : (uint64_t)opt.exits;
	struct vcpu *v = r->vcpu;
	uint64_t exits0, user0;
	struct ucall uc;
	double cpu0;

	r->error[0] = 0;
	vcpu_call(v, opt.mode->guest, (uint64_t)opt.exits, 0);
	user0 = user_exits(v);
	exits0 = vcpu_stat_exits(v);
	cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	r->wall_start = now_ns(CLOCK_MONOTONIC);
	uc = vcpu_run(v);
	r->wall_end = now_ns(CLOCK_MONOTONIC);
	r->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	r->kvm_exits = vcpu_stat_exits(v) - exits0;
	if (uc.cmd != UCALL_DONE)
		RUNNER_ERROR(r, "the guest did not return: %s", ucall_describe(&uc));
	else if (user_exits(v) - user0 != expected_user_exits)
		RUNNER_ERROR(r, "%" PRIu64 " exits came to user space, expected %" PRIu64,
			     user_exits(v) - user0, expected_user_exits);
}

static void *vcpu_thread(void *arg)
{
	struct runner *r = arg;

	for (;;) {
		pthread_barrier_wait(&start_line);
		if (stop_threads)
			return NULL;
		run_once(r);
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
	int event_fd = -1, max_vcpus, failed = 0;
	int total_vcpus;
	struct runner *runners;
	double *per_exit;
	struct vm *vm;

	parse_options(argc, argv);
	if (calibrate_only) {
		printf("calibration ns_per_instruction=%.4f\n", ns_per_instruction());
		return 0;
	}
	/* stdout is the samples: the library describes failures on stderr. */
	kvm_diagnostics_to(stderr);
	total_vcpus = opt.vcpus + opt.idle_vcpus;
	runners = calloc((size_t)opt.vcpus, sizeof(*runners));
	per_exit = calloc((size_t)opt.reps, sizeof(*per_exit));
	if (!runners || !per_exit)
		die("out of memory");
	max_vcpus = kvm_max_vcpus();
	if (total_vcpus > max_vcpus)
		die("%d vCPUs asked for, this KVM allows at most %d per VM", total_vcpus, max_vcpus);

	/* All vCPUs get KVM_GET_SUPPORTED_CPUID, as a VMM would give them. */
	const struct vm_opts vm_opts = {
		.exit_stats_cap = -1,
		.irqchip = opt.mode->irqchip,
	};

	vm = vm_create_opts(total_vcpus, &vm_opts);
	vm->resume_on_hlt = opt.mode->exit == TO_USER_HLT;
	((struct guest_args *)vm_shared(vm))->cpuid_reason = numbering_for(vm->amd)->cpuid;
	if (!strcmp(opt.mode->name, "pio"))
		event_fd = vm_add_kernel_port(vm);

	/* Only the first opt.vcpus run; the idle ones just exist. */
	pthread_barrier_init(&start_line, NULL, (unsigned)opt.vcpus + 1);
	pthread_barrier_init(&finish_line, NULL, (unsigned)opt.vcpus + 1);
	for (int i = 0; i < opt.vcpus; i++) {
		runners[i].vcpu = vm->vcpus[i];
		if (pthread_create(&runners[i].thread, NULL, vcpu_thread, &runners[i]))
			die("cannot start a vCPU thread");
	}

	/* Repetition 0 is the warm-up. */
	for (int rep = 0; rep <= opt.reps && !failed; rep++) {
		double first_start = 0, last_end = 0, cpu = 0, total_exits;
		uint64_t kvm_exits = 0;

		pthread_barrier_wait(&start_line);
		pthread_barrier_wait(&finish_line);
		for (int i = 0; i < opt.vcpus; i++) {
			struct runner *r = &runners[i];

			if (r->error[0]) {
				fprintf(stderr, "exitbench: %s, vCPU %d, repetition %d: %s\n",
					opt.mode->name, i, rep, r->error);
				failed = 1;
			}
			if (i == 0 || r->wall_start < first_start)
				first_start = r->wall_start;
			if (i == 0 || r->wall_end > last_end)
				last_end = r->wall_end;
			cpu += r->cpu_ns;
			kvm_exits += r->kvm_exits;
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
		pthread_join(runners[i].thread, NULL);
	if (failed)
		return 1;
	vm_destroy(vm);
	qsort(per_exit, (size_t)opt.reps, sizeof(per_exit[0]), compare_doubles);
	printf("median label=%s mode=%s vcpus=%d idle_vcpus=%d exits=%d reps=%d wall_ns_per_exit=%.1f\n",
	       opt.label, opt.mode->name, opt.vcpus, opt.idle_vcpus, opt.exits, opt.reps,
	       opt.reps % 2 ? per_exit[opt.reps / 2]
			    : (per_exit[opt.reps / 2 - 1] + per_exit[opt.reps / 2]) / 2);
	return 0;
}
