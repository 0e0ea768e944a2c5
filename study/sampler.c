// SPDX-License-Identifier: GPL-2.0
/*
 * study-sampler: run a QEMU command, and while its VM lives, sample the VM's
 * per-reason exit statistics (debugfs <pid>-<fd>/exit_stats) and KVM's own
 * `exits` statistic (debugfs <pid>-<fd>/exits) into a time series, and time
 * stamp every line the guest prints on its serial console.
 *
 * Runs in L1 (the machine whose KVM runs the guest), as root, with debugfs
 * mounted.  Output files in --out DIR:
 *   samples.csv  t_s,seq,kind,label,reason,name,count,cycles  (long format;
 *                one row per reason with a non-zero count, a TOTAL row and a
 *                KVM_STAT_EXITS row per sample)
 *   console.tsv  t_s<TAB>line  (t_s = arrival of the line's first byte)
 *   meta.txt     key=value facts about the run (numbering, tsc_khz, ...)
 *
 * Sample kinds: "periodic" every --interval-ms; "event" when the guest's
 * first console byte arrives and as soon as a console line that starts
 * with one of the --event-prefix strings is complete (so the counts are
 * those of the boundary the guest announced, plus the exits of printing
 * the line and of the few milliseconds it took to reach us); "final" after
 * QEMU exited.  The final sample is exact: the open debugfs files hold a
 * reference on the VM, so KVM destroys it only after we close them, and by
 * then no vCPU can run any more - our TOTAL and KVM's `exits` are read from
 * the same frozen VM.
 *
 * Times are CLOCK_MONOTONIC seconds since the sampler started.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENT_PREFIXES 8
#define MAX_LINE 4096
#define STATS_BUF 65536

struct options {
	const char *out_dir;
	const char *console_path;
	const char *debugfs_dir;
	long interval_ms;
	long timeout_s;
	const char *event_prefixes[MAX_EVENT_PREFIXES];
	int n_event_prefixes;
	char **command;
};

struct sampler {
	struct options opt;
	struct timespec start;
	pid_t child;
	int exit_stats_fd;
	int kvm_exits_fd;
	char vm_dir[512];
	FILE *samples;
	FILE *console_tsv;
	FILE *meta;
	unsigned long seq;
	bool header_written;
	/* console following */
	int console_fd;
	int inotify_fd;
	char line[MAX_LINE];
	size_t line_len;
	double line_start;
	bool any_console_output;
	uint64_t last_total;
	double last_sample_t;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("study-sampler: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: study-sampler --out DIR --console FILE [--interval-ms N]\n"
		"                     [--timeout S] [--event-prefix STR]...\n"
		"                     [--debugfs DIR] -- COMMAND [ARG]...\n"
		"Runs COMMAND (a QEMU using KVM, serial console written to FILE),\n"
		"samples its VM's exit statistics from debugfs (default\n"
		"/sys/kernel/debug/kvm) every N ms (default 100) into DIR.\n");
	exit(2);
}

static double now_s(const struct sampler *s)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - s->start.tv_sec) +
	       (double)(t.tv_nsec - s->start.tv_nsec) / 1e9;
}

static long parse_long(const char *arg, const char *what, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || v < min)
		die("%s must be an integer >= %ld, got '%s'", what, min, arg);
	return v;
}

static void parse_args(struct options *o, int argc, char **argv)
{
	int i;

	o->debugfs_dir = "/sys/kernel/debug/kvm";
	o->interval_ms = 100;
	o->timeout_s = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!v)
			usage();
		if (!strcmp(a, "--out"))
			o->out_dir = v;
		else if (!strcmp(a, "--console"))
			o->console_path = v;
		else if (!strcmp(a, "--debugfs"))
			o->debugfs_dir = v;
		else if (!strcmp(a, "--interval-ms"))
			o->interval_ms = parse_long(v, "--interval-ms", 1);
		else if (!strcmp(a, "--timeout"))
			o->timeout_s = parse_long(v, "--timeout", 0);
		else if (!strcmp(a, "--event-prefix")) {
			if (o->n_event_prefixes == MAX_EVENT_PREFIXES)
				die("at most %d --event-prefix options",
				    MAX_EVENT_PREFIXES);
			o->event_prefixes[o->n_event_prefixes++] = v;
		} else {
			fprintf(stderr, "study-sampler: unknown option %s\n", a);
			usage();
		}
		i++;
	}
	if (!o->out_dir || !o->console_path || i >= argc) {
		fprintf(stderr, "study-sampler: --out, --console and a command "
				"after -- are required\n");
		usage();
	}
	o->command = &argv[i];
}

static FILE *open_out(const struct sampler *s, const char *name)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s->opt.out_dir, name);
	f = fopen(path, "w");
	if (!f)
		die("cannot create %s: %s", path, strerror(errno));
	return f;
}

/* Read a whole debugfs file from offset 0; debugfs regenerates it then. */
static ssize_t read_from_start(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

static void csv_label(char *dst, size_t size, const char *src)
{
	size_t i, j = 0;

	for (i = 0; src[i] && j + 1 < size; i++) {
		char c = src[i];

		dst[j++] = (c == ',' || c == '"' || c == '\n' || c == '\r' ||
			    (unsigned char)c < 0x20) ? ' ' : c;
	}
	dst[j] = '\0';
}

/*
 * KVM's stat files are not seekable: every read of a fresh descriptor
 * gets the current value.  (The descriptor kept open in kvm_exits_fd only
 * holds the VM's reference.)
 */
static void read_kvm_exits(const struct sampler *s, char *buf, size_t size)
{
	char path[600];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/exits", s->vm_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	if (n < 0)
		die("reading %s: %s", path, strerror(errno));
	buf[n] = '\0';
	close(fd);
}

/*
 * One sample: both debugfs files, read back to back.  Returns our TOTAL
 * count.  The rows of exit_stats are "<reason> <NAME> <count> <cycles>",
 * "- UNDEFINED c y" and "- TOTAL c y"; '#' lines are headers.
 */
static uint64_t take_sample(struct sampler *s, const char *kind,
			    const char *label)
{
	static char stats[STATS_BUF];
	char kvm_exits[64], clean[256], *line, *save = NULL;
	uint64_t total = 0;
	bool have_total = false;
	ssize_t len;
	double t;

	t = now_s(s);
	len = read_from_start(s->exit_stats_fd, stats, sizeof(stats));
	if (len < 0)
		die("reading %s/exit_stats: %s", s->vm_dir, strerror(errno));
	if ((size_t)len == sizeof(stats) - 1)
		die("%s/exit_stats is larger than %zu bytes", s->vm_dir,
		    sizeof(stats) - 1);
	read_kvm_exits(s, kvm_exits, sizeof(kvm_exits));
	csv_label(clean, sizeof(clean), label);
	s->seq++;
	for (line = strtok_r(stats, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char reason[32], name[64];
		uint64_t count, cycles;

		if (line[0] == '#') {
			if (!s->header_written)
				fprintf(s->meta, "exit_stats_header=%s\n",
					line);
			continue;
		}
		if (sscanf(line, "%31s %63s %" SCNu64 " %" SCNu64, reason,
			   name, &count, &cycles) != 4)
			die("unexpected exit_stats line: '%s'", line);
		if (!strcmp(name, "TOTAL")) {
			total = count;
			have_total = true;
		} else if (count == 0)
			continue;
		fprintf(s->samples, "%.6f,%lu,%s,%s,%s,%s,%" PRIu64 ",%" PRIu64
			"\n", t, s->seq, kind, clean, reason, name, count,
			cycles);
	}
	if (!have_total)
		die("%s/exit_stats has no TOTAL row", s->vm_dir);
	s->header_written = true;
	fprintf(s->samples, "%.6f,%lu,%s,%s,kvm,KVM_STAT_EXITS,%" PRIu64
		",0\n", t, s->seq, kind, clean,
		(uint64_t)strtoull(kvm_exits, NULL, 10));
	s->last_total = total;
	s->last_sample_t = t;
	return total;
}

static void progress(const struct sampler *s, const char *what)
{
	printf("[%7.1f s] %-40.40s exits so far: %" PRIu64 "\n", now_s(s),
	       what, s->last_total);
	fflush(stdout);
}

/*
 * The VM's debugfs directory is "<pid>-<fd>" with the pid of the process
 * that created it: our child, since the lab's wrappers (chroot, env, sh -c)
 * all exec.  Should a wrapper fork instead, accept a directory that did
 * not exist when we started: nothing else creates VMs in L1.
 */
static bool vm_dir_for_child(struct sampler *s, char **before, size_t n_before)
{
	char prefix[32];
	struct dirent *d;
	DIR *dir;
	bool found = false;

	snprintf(prefix, sizeof(prefix), "%d-", (int)s->child);
	dir = opendir(s->opt.debugfs_dir);
	if (!dir)
		die("cannot open %s (is debugfs mounted and kvm loaded?): %s",
		    s->opt.debugfs_dir, strerror(errno));
	while (!found && (d = readdir(dir))) {
		bool is_new = strchr(d->d_name, '-') != NULL;
		size_t i;

		for (i = 0; is_new && i < n_before; i++)
			is_new = strcmp(d->d_name, before[i]) != 0;
		if (!strncmp(d->d_name, prefix, strlen(prefix)) || is_new) {
			snprintf(s->vm_dir, sizeof(s->vm_dir), "%s/%s",
				 s->opt.debugfs_dir, d->d_name);
			found = true;
		}
	}
	closedir(dir);
	return found;
}

/* Names of the VM directories that exist before QEMU starts. */
static char **existing_vm_dirs(const char *debugfs_dir, size_t *n)
{
	struct dirent *d;
	char **names = NULL;
	DIR *dir;

	*n = 0;
	dir = opendir(debugfs_dir);
	if (!dir)
		die("cannot open %s (is debugfs mounted and kvm loaded?): %s",
		    debugfs_dir, strerror(errno));
	while ((d = readdir(dir))) {
		names = realloc(names, (*n + 1) * sizeof(*names));
		if (!names || !(names[*n] = strdup(d->d_name)))
			die("out of memory");
		(*n)++;
	}
	closedir(dir);
	return names;
}

static void sleep_s(double seconds)
{
	struct timespec t = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9),
	};

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/*
 * KVM creates the VM's directory first and its files right after: give a
 * directory seen in between a moment to fill.
 */
static int open_when_present(const char *path)
{
	int tries, fd = -1;

	for (tries = 0; tries < 200; tries++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		sleep_s(0.005);
	}
	return fd;
}

static void open_vm_files(struct sampler *s)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/exit_stats", s->vm_dir);
	s->exit_stats_fd = open_when_present(path);
	if (s->exit_stats_fd < 0)
		die("cannot open %s (our KVM with kvm.exit_stats=1 loaded?): %s",
		    path, strerror(errno));
	snprintf(path, sizeof(path), "%s/exits", s->vm_dir);
	s->kvm_exits_fd = open_when_present(path);
	if (s->kvm_exits_fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	fprintf(s->meta, "vm_debugfs_dir=%s\n", s->vm_dir);
}

static bool line_is_event(const struct sampler *s)
{
	int i;

	for (i = 0; i < s->opt.n_event_prefixes; i++) {
		size_t n = strlen(s->opt.event_prefixes[i]);

		if (s->line_len >= n &&
		    !memcmp(s->line, s->opt.event_prefixes[i], n))
			return true;
	}
	return false;
}

static void console_byte(struct sampler *s, char c, double t)
{
	if (!s->any_console_output) {
		s->any_console_output = true;
		take_sample(s, "event", "first console output");
		progress(s, "first console output (kernel starts)");
		/* The first line starts with the phase that sample opens. */
		t = s->last_sample_t;
	}
	if (c == '\r')
		return;
	if (c == '\n') {
		s->line[s->line_len] = '\0';
		fprintf(s->console_tsv, "%.6f\t%s\n", s->line_start, s->line);
		if (line_is_event(s)) {
			take_sample(s, "event", s->line);
			progress(s, s->line);
		}
		s->line_len = 0;
		return;
	}
	if (s->line_len == 0)
		s->line_start = t;
	if (s->line_len + 1 < sizeof(s->line))
		s->line[s->line_len++] = c;
}

/*
 * Read whatever QEMU appended to the console file.  Each byte gets the
 * time it was read at; an event line triggers a sample as soon as its
 * newline is read, before the rest of the file is processed.
 */
static void follow_console(struct sampler *s)
{
	char buf[4096];
	ssize_t n, i;

	if (s->console_fd < 0)
		return;
	while ((n = read(s->console_fd, buf, sizeof(buf))) > 0) {
		double t = now_s(s);

		for (i = 0; i < n; i++)
			console_byte(s, buf[i], t);
	}
}

/* vCPUs of the VM: its debugfs directory has a vcpuN entry per vCPU. */
static int count_vcpus(const struct sampler *s)
{
	struct dirent *d;
	DIR *dir = opendir(s->vm_dir);
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += !strncmp(d->d_name, "vcpu", 4);
	closedir(dir);
	return n;
}

static void start_child(struct sampler *s)
{
	s->child = fork();
	if (s->child < 0)
		die("fork: %s", strerror(errno));
	if (s->child == 0) {
		execvp(s->opt.command[0], s->opt.command);
		fprintf(stderr, "study-sampler: cannot run %s: %s\n",
			s->opt.command[0], strerror(errno));
		_exit(127);
	}
	fprintf(s->meta, "child_pid=%d\n", (int)s->child);
}

static void setup_console(struct sampler *s)
{
	/*
	 * Create the file before QEMU does: QEMU's file chardev opens it with
	 * O_TRUNC, which keeps the inode, so our descriptor and watch stay on
	 * the file QEMU writes.
	 */
	s->console_fd = open(s->opt.console_path,
			     O_RDONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->console_fd < 0)
		die("cannot create console file %s: %s", s->opt.console_path,
		    strerror(errno));
	s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inotify_fd >= 0 &&
	    inotify_add_watch(s->inotify_fd, s->opt.console_path,
			      IN_MODIFY) < 0) {
		close(s->inotify_fd);
		s->inotify_fd = -1;
	}
}

int main(int argc, char **argv)
{
	struct sampler s = { .exit_stats_fd = -1, .kvm_exits_fd = -1,
			     .console_fd = -1, .inotify_fd = -1 };
	double next_tick, deadline, interval;
	int status = 0, rc;
	bool timed_out = false;
	size_t n_before, i;
	char **before;

	parse_args(&s.opt, argc, argv);
	clock_gettime(CLOCK_MONOTONIC, &s.start);
	interval = (double)s.opt.interval_ms / 1000.0;
	s.samples = open_out(&s, "samples.csv");
	s.console_tsv = open_out(&s, "console.tsv");
	s.meta = open_out(&s, "meta.txt");
	fprintf(s.samples, "t_s,seq,kind,label,reason,name,count,cycles\n");
	fprintf(s.meta, "interval_ms=%ld\n", s.opt.interval_ms);
	setup_console(&s);
	signal(SIGPIPE, SIG_IGN);

	before = existing_vm_dirs(s.opt.debugfs_dir, &n_before);
	start_child(&s);
	progress(&s, "QEMU started");
	deadline = s.opt.timeout_s ? (double)s.opt.timeout_s : 1e18;

	/* The VM appears in debugfs as soon as QEMU has created it. */
	while (!vm_dir_for_child(&s, before, n_before)) {
		if (waitpid(s.child, &status, WNOHANG) == s.child)
			die("QEMU exited before creating a VM (status 0x%x)",
			    status);
		if (now_s(&s) > deadline) {
			kill(s.child, SIGKILL);
			die("no VM after %ld s", s.opt.timeout_s);
		}
		sleep_s(0.005);
	}
	open_vm_files(&s);
	for (i = 0; i < n_before; i++)
		free(before[i]);
	free(before);
	fprintf(s.meta, "vm_created_t_s=%.6f\n", now_s(&s));
	take_sample(&s, "event", "VM created (firmware starts)");
	progress(&s, "VM created (firmware starts)");

	next_tick = now_s(&s) + interval;
	for (;;) {
		struct pollfd p = { .fd = s.inotify_fd, .events = POLLIN };
		double t = now_s(&s);
		int wait_ms = (int)((next_tick - t) * 1000.0);

		if (wait_ms < 0)
			wait_ms = 0;
		if (s.inotify_fd >= 0) {
			if (poll(&p, 1, wait_ms) > 0) {
				char ev[4096];

				while (read(s.inotify_fd, ev, sizeof(ev)) > 0)
					;
				follow_console(&s);
				/* Batch QEMU's byte-at-a-time writes. */
				sleep_s(0.003);
			}
		} else {
			sleep_s(wait_ms > 10 ? 0.010 : wait_ms / 1000.0);
			follow_console(&s);
		}
		rc = waitpid(s.child, &status, WNOHANG);
		if (rc == s.child)
			break;
		t = now_s(&s);
		if (t >= deadline && !timed_out) {
			timed_out = true;
			fprintf(s.meta, "timeout_t_s=%.6f\n", t);
			progress(&s, "TIMEOUT: stopping QEMU");
			kill(s.child, SIGTERM);
			deadline = t + 5;
		} else if (timed_out && t >= deadline) {
			kill(s.child, SIGKILL);
		}
		if (t >= next_tick) {
			take_sample(&s, "periodic", "");
			next_tick += interval;
			if (next_tick < t)
				next_tick = t + interval;
		}
	}
	follow_console(&s);
	if (s.line_len)
		console_byte(&s, '\n', now_s(&s));
	fprintf(s.meta, "qemu_exit_t_s=%.6f\n", now_s(&s));
	take_sample(&s, "final", "QEMU exited (VM frozen)");
	fprintf(s.meta, "vcpus=%d\n", count_vcpus(&s));
	progress(&s, "QEMU exited; final sample taken");
	if (WIFEXITED(status))
		fprintf(s.meta, "qemu_exit_status=%d\n", WEXITSTATUS(status));
	else
		fprintf(s.meta, "qemu_exit_signal=%d\n", WTERMSIG(status));
	fprintf(s.meta, "timed_out=%d\n", timed_out ? 1 : 0);
	close(s.exit_stats_fd);
	close(s.kvm_exits_fd);
	if (fclose(s.samples) || fclose(s.console_tsv) || fclose(s.meta))
		die("writing the output files in %s failed", s.opt.out_dir);
	if (timed_out)
		return 3;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 4;
}
