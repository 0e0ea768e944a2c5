// SPDX-License-Identifier: GPL-2.0
/* Command line, and the four modes: snapshot, watch, run, raw. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "discover.h"
#include "exitstat.h"
#include "help.h"
#include "output.h"
#include "snapshot.h"

#ifndef EXITSTAT_VERSION
#define EXITSTAT_VERSION "1.0"
#endif

enum mode { MODE_SNAPSHOT, MODE_WATCH, MODE_RUN, MODE_RAW };

struct options {
	enum mode mode;
	enum out_format format;
	enum sort_key sort;
	enum numbering numbering;
	bool all;
	const char *output;
	const char *format_option;	/* the option that chose the format */
	const char *textfile;	/* watch --textfile PATH */
	double interval;
	unsigned long count;	/* 0: until interrupted */
	bool count_given;
	bool require;		/* run: no interface is an error, not a warning */
	bool kernel_names;	/* --kernel-names */
	bool by_category;	/* --by category */
	bool skip_zero;		/* --skip-zero */
	const char *filter;	/* --filter REGEX, as given */
	regex_t filter_re;	/* compiled, when filter is set */
	char **command;		/* run: NULL-terminated */
	const char *raw_args[2];
	int raw_nargs;
};

/* Reports a bad command line; always returns EXIT_USAGE. */
static int usage_error(struct exitstat_env *env, const char *fmt,
		       const char *arg)
{
	fputs("exitstat: ", env->err);
	fprintf(env->err, fmt, arg);
	fputc('\n', env->err);
	fputs(exitstat_usage, env->err);
	fputs("Try 'exitstat --help' for more.\n", env->err);
	return EXIT_USAGE;
}

/* Decimal, or hex with 0x; the whole string, and within 32 bits. */
static bool parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || end == s + (base == 16 ? 2 : 0) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* The value of an option: "--opt=V", "--opt V" or "-o V". */
static const char *option_value(int argc, char **argv, int *i, const char *eq)
{
	if (eq)
		return eq + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static bool option_is(const char *arg, const char *name, const char **eq)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0)
		return false;
	if (arg[n] == '\0') {
		*eq = NULL;
		return true;
	}
	if (arg[n] == '=' && name[1] == '-') {
		*eq = arg + n;
		return true;
	}
	return false;
}

static int parse_args(int argc, char **argv, struct options *o,
		      struct exitstat_env *env, bool *done)
{
	/* Options may come before the mode: mode-specific ones are checked after. */
	const char *eq, *val, *watch_option = NULL, *run_option = NULL;
	bool mode_given = false;
	int i;

	memset(o, 0, sizeof(*o));
	o->interval = 1.0;
	*done = false;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (o->mode == MODE_RUN && strcmp(a, "--") == 0) {
			o->command = &argv[i + 1];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (!mode_given && o->raw_nargs == 0) {
				mode_given = true;
				if (strcmp(a, "watch") == 0)
					o->mode = MODE_WATCH;
				else if (strcmp(a, "run") == 0)
					o->mode = MODE_RUN;
				else if (strcmp(a, "raw") == 0)
					o->mode = MODE_RAW;
				else
					return usage_error(env, "unknown command '%s' (commands: watch, run, raw)", a);
				continue;
			}
			if (o->mode == MODE_RUN) {
				o->command = &argv[i];
				break;
			}
			if (o->mode == MODE_RAW && o->raw_nargs < 2) {
				o->raw_args[o->raw_nargs++] = a;
				continue;
			}
			return usage_error(env, "unexpected argument '%s'", a);
		}
		if (option_is(a, "-h", &eq) || option_is(a, "--help", &eq)) {
			fputs(exitstat_usage, env->out);
			fputc('\n', env->out);
			fputs(exitstat_help, env->out);
			*done = true;
			return 0;
		}
		if (option_is(a, "-V", &eq) || option_is(a, "--version", &eq)) {
			fprintf(env->out, "exitstat %s\n", EXITSTAT_VERSION);
			*done = true;
			return 0;
		}
		if ((option_is(a, "--json", &eq) && !eq) ||
		    (option_is(a, "--csv", &eq) && !eq) ||
		    option_is(a, "--format", &eq)) {
			enum out_format format;

			val = a[2] == 'j' ? "json" : a[2] == 'c' ? "csv" :
			      option_value(argc, argv, &i, eq);
			if (val && strcmp(val, "table") == 0)
				format = FORMAT_TABLE;
			else if (val && strcmp(val, "json") == 0)
				format = FORMAT_JSON;
			else if (val && strcmp(val, "csv") == 0)
				format = FORMAT_CSV;
			else if (val && strcmp(val, "prometheus") == 0)
				format = FORMAT_PROMETHEUS;
			else
				return usage_error(env, "--format takes table, json, csv or prometheus, not '%s'", val ? val : "");
			if (o->format_option && o->format != format) {
				fprintf(env->err, "exitstat: %s and %s ask for two formats\n",
					o->format_option, a);
				return usage_error(env, "%s", "choose one of --format table|json|csv|prometheus, --json and --csv");
			}
			o->format = format;
			o->format_option = a;
		} else if (option_is(a, "--textfile", &eq)) {
			watch_option = a;
			o->textfile = option_value(argc, argv, &i, eq);
			if (!o->textfile || !*o->textfile)
				return usage_error(env, "%s needs a file name ending in .prom", a);
			if (strlen(o->textfile) < 6 ||
			    strcmp(o->textfile + strlen(o->textfile) - 5, ".prom") != 0)
				return usage_error(env, "--textfile '%s': node_exporter's textfile collector reads only files named *.prom; name it so", o->textfile);
		} else if (option_is(a, "--all", &eq) && !eq) {
			o->all = true;
		} else if (option_is(a, "--skip-zero", &eq) && !eq) {
			o->skip_zero = true;
		} else if (option_is(a, "--kernel-names", &eq) && !eq) {
			o->kernel_names = true;
		} else if (option_is(a, "--sort", &eq)) {
			val = option_value(argc, argv, &i, eq);
			if (!val)
				return usage_error(env, "%s needs a key: count, cycles, mean or reason", a);
			if (strcmp(val, "count") == 0)
				o->sort = SORT_COUNT;
			else if (strcmp(val, "cycles") == 0)
				o->sort = SORT_CYCLES;
			else if (strcmp(val, "mean") == 0)
				o->sort = SORT_MEAN;
			else if (strcmp(val, "reason") == 0)
				o->sort = SORT_REASON;
			else
				return usage_error(env, "unknown sort key '%s' (use count, cycles, mean or reason)", val);
		} else if (option_is(a, "--by", &eq)) {
			val = option_value(argc, argv, &i, eq);
			if (val && strcmp(val, "category") == 0)
				o->by_category = true;
			else if (val && strcmp(val, "reason") == 0)
				o->by_category = false;
			else
				return usage_error(env, "--by takes reason or category, not '%s'", val ? val : "");
		} else if (option_is(a, "--numbering", &eq)) {
			val = option_value(argc, argv, &i, eq);
			if (val && strcmp(val, "vmx") == 0)
				o->numbering = NUMBERING_VMX;
			else if (val && strcmp(val, "svm") == 0)
				o->numbering = NUMBERING_SVM;
			else
				return usage_error(env, "--numbering takes vmx or svm, not '%s'", val ? val : "");
		} else if (option_is(a, "--filter", &eq)) {
			int err;

			val = option_value(argc, argv, &i, eq);
			if (!val)
				return usage_error(env, "%s needs a regular expression (e.g. 'IO|MSR')", a);
			if (o->filter)
				regfree(&o->filter_re);
			err = regcomp(&o->filter_re, val, REG_EXTENDED | REG_ICASE | REG_NOSUB);
			if (err) {
				char why[128];

				regerror(err, &o->filter_re, why, sizeof(why));
				fprintf(env->err, "exitstat: --filter '%s': %s\n", val, why);
				return usage_error(env, "%s", "--filter takes an extended regular expression, matched against reason names and numbers");
			}
			o->filter = val;
		} else if (option_is(a, "--require", &eq) && !eq) {
			run_option = a;
			o->require = true;
		} else if (option_is(a, "-o", &eq) || option_is(a, "--output", &eq)) {
			o->output = option_value(argc, argv, &i, eq);
			if (!o->output)
				return usage_error(env, "%s needs a file name", a);
		} else if (option_is(a, "-i", &eq) || option_is(a, "--interval", &eq)) {
			char *end;

			watch_option = a;
			val = option_value(argc, argv, &i, eq);
			if (!val)
				return usage_error(env, "%s needs a number of seconds", a);
			o->interval = strtod(val, &end);
			if (*end || end == val || !isfinite(o->interval) ||
			    o->interval < 0.001 || o->interval > 86400)
				return usage_error(env, "interval '%s' is not a number of seconds between 0.001 and 86400", val);
		} else if (option_is(a, "-n", &eq) || option_is(a, "--count", &eq)) {
			uint32_t n;

			watch_option = a;
			val = option_value(argc, argv, &i, eq);
			if (!val)
				return usage_error(env, "%s needs a number of intervals", a);
			if (!parse_u32(val, &n) || n == 0)
				return usage_error(env, "count '%s' is not a positive number", val);
			o->count = n;
			o->count_given = true;
		} else {
			return usage_error(env, "unknown option '%s'", a);
		}
	}
	if (watch_option && o->mode != MODE_WATCH)
		return usage_error(env, "%s is an option of 'exitstat watch'", watch_option);
	if (o->textfile && (o->output || o->format_option || o->by_category))
		return usage_error(env, "%s", "--textfile writes only the Prometheus file: drop -o, --json, --csv, --format and --by");
	if (o->all && o->skip_zero)
		return usage_error(env, "%s", "--all shows rows without exits and --skip-zero hides them: choose one");
	if (o->skip_zero && (o->format == FORMAT_PROMETHEUS || o->textfile))
		return usage_error(env, "%s", "--skip-zero: Prometheus output keeps every reason, zero ones too, so series do not come and go; drop it");
	if (o->format == FORMAT_PROMETHEUS && o->mode != MODE_SNAPSHOT)
		return usage_error(env, "%s", "--format prometheus prints counters since the VM started: use it without a mode (exitstat --format prometheus), or exitstat watch --textfile FILE.prom");
	if (o->format == FORMAT_PROMETHEUS && o->by_category)
		return usage_error(env, "%s", "--format prometheus labels every reason with its category (sum by (category) in PromQL): drop --by category");
	if (run_option && o->mode != MODE_RUN)
		return usage_error(env, "%s is an option of 'exitstat run'", run_option);
	if (o->mode == MODE_RUN && (!o->command || !o->command[0]))
		return usage_error(env, "%s", "run needs a command: exitstat run -- COMMAND [ARG...]");
	if (o->mode == MODE_RAW && o->raw_nargs == 0)
		return usage_error(env, "%s", "raw needs a leaf: exitstat raw LEAF [ECX]");
	return 0;
}

/* ---- modes ---- */

static int unavailable(struct exitstat_env *env, const char *msg)
{
	fprintf(env->err, "exitstat: %s\n", msg);
	return EXIT_UNAVAILABLE;
}

static int out_of_memory(struct exitstat_env *env)
{
	fputs("exitstat: out of memory\n", env->err);
	return EXIT_OSERR;
}

static struct view make_view(const struct options *o, const struct iface *f)
{
	struct view v = { 0 };

	v.iface = f;
	v.all = o->all;
	v.sort = o->sort;
	v.filter = o->filter ? &o->filter_re : NULL;
	v.kernel_names = o->kernel_names;
	v.by_category = o->by_category;
	v.skip_zero = o->skip_zero;
	return v;
}

static int mode_snapshot(struct exitstat_env *env, const struct options *o,
			 const struct iface *f, FILE *out)
{
	struct snapshot s;
	struct view v = make_view(o, f);

	if (snapshot_init(&s, f))
		return out_of_memory(env);
	snapshot_take(env->backend, f, &s, SNAPSHOT_ATTEMPTS);
	v.r = s.r;
	v.total = s.total;
	v.total_cycles = s.total_cycles;
	print_snapshot(out, o->format, &v, &s);
	snapshot_free(&s);
	if (!s.consistent) {
		fprintf(env->err, "exitstat: warning: sum over reasons %" PRIu64
			" does not match the total %" PRIu64 "\n", s.sum, s.total);
		return EXIT_MISMATCH;
	}
	return 0;
}

static FILE *output_open(struct exitstat_env *env, const char *path,
			 char **tmp_path);
static int output_close(struct exitstat_env *env, FILE *out, const char *path,
			char *tmp_path, bool keep, int ret);

/*
 * watch --textfile: the reading's counters in Prometheus' format, replacing
 * the file whole (a new file renamed over it), so node_exporter never reads
 * half of one.
 */
static int write_textfile(struct exitstat_env *env, const struct options *o,
			  const struct iface *f, const struct snapshot *s)
{
	struct view v = make_view(o, f);
	char *tmp_path;
	FILE *out = output_open(env, o->textfile, &tmp_path);

	if (!out)
		return EXIT_CANTCREAT;
	v.r = s->r;
	v.total = s->total;
	v.total_cycles = s->total_cycles;
	print_snapshot(out, FORMAT_PROMETHEUS, &v, s);
	return output_close(env, out, o->textfile, tmp_path, true, 0);
}

static int mode_watch(struct exitstat_env *env, const struct options *o,
		      const struct iface *f, FILE *out)
{
	size_t n = f->table.len, i;
	struct snapshot a, b, tmp;
	struct reason_stat *delta = calloc(n, sizeof(*delta));
	uint64_t *since = calloc(n, sizeof(*since));
	uint64_t total_since = 0;
	struct own_queries own;
	/* Refresh in place only for a person watching a terminal. */
	bool refresh = env->out_is_tty && out == env->out &&
		       o->format == FORMAT_TABLE && !o->count_given && !o->textfile;
	double start, t_prev, t_cur;
	unsigned long k;
	struct view v = make_view(o, f);
	int ret = 0;

	if (!delta || !since || snapshot_init(&a, f)) {
		free(delta);
		free(since);
		return out_of_memory(env);
	}
	if (snapshot_init(&b, f)) {
		snapshot_free(&a);
		free(delta);
		free(since);
		return out_of_memory(env);
	}
	if (refresh)
		fprintf(out, "\033[H\033[2Jexitstat: first interval of %.3f s...\n",
			o->interval);
	fflush(out);
	start = t_prev = env->now(env);
	snapshot_take(env->backend, f, &a, 1);
	if (o->textfile)
		ret = write_textfile(env, o, f, &a);
	for (k = 1; ret == 0 && (!o->count_given || k <= o->count); k++) {
		if (!env->sleep_until(env, start + k * o->interval))
			break;
		t_cur = env->now(env);
		v.wall_time = env->wall_time(env);
		snapshot_take(env->backend, f, &b, 1);
		snapshot_delta(f, &a, &b, delta, &v.total, &v.total_cycles,
			       &own);
		for (i = 0; i < n; i++)
			since[i] += delta[i].count;
		total_since += v.total;
		v.r = delta;
		v.since_start = since;
		v.total_since_start = total_since;
		v.seconds = t_cur - t_prev;
		v.max_rows = refresh && env->tty_rows > 8 ? env->tty_rows - 6 : 0;
		if (o->textfile) {
			ret = write_textfile(env, o, f, &b);
		} else {
			if (refresh)
				fputs("\033[H\033[2J", out);
			else if (k > 1 && o->format == FORMAT_TABLE)
				fputc('\n', out);
			print_watch(out, o->format, &v, k, &own, k == 1);
		}
		if (ferror(out)) {
			ret = EXIT_OSERR;
			break;
		}
		tmp = a;
		a = b;
		b = tmp;
		t_prev = t_cur;
	}
	snapshot_free(&a);
	snapshot_free(&b);
	free(delta);
	free(since);
	return ret;
}

/* Runs the command; returns its exit status as a shell reports it. */
static int run_status(struct exitstat_env *env, char **command, int *status,
		      struct run_info *run)
{
	int err = env->run_command(env, command, status);

	if (err) {
		fprintf(env->err, "exitstat: cannot run '%s': %s\n",
			command[0], strerror(err));
		return err == ENOENT ? 127 : 126;
	}
	if (WIFSIGNALED(*status)) {
		run->signal = WTERMSIG(*status);
		run->exit_status = 128 + run->signal;
	} else {
		run->exit_status = WEXITSTATUS(*status);
	}
	return 0;
}

/*
 * No interface to measure with: like time(1) and perf stat, run the command
 * anyway and pass its status through, after saying why nothing is measured.
 * --require makes the missing interface an error instead.
 */
static int run_unmeasured(struct exitstat_env *env, const struct options *o,
			  const char *msg)
{
	struct run_info run = { 0 };
	int status = 0, ret;

	if (o->require)
		return unavailable(env, msg);
	fprintf(env->err, "exitstat: %s\n", msg);
	fprintf(env->err, "exitstat: running '%s' without measuring it (--require makes this an error)\n",
		o->command[0]);
	fflush(NULL);
	ret = run_status(env, o->command, &status, &run);
	return ret ? ret : run.exit_status;
}

static int mode_run(struct exitstat_env *env, const struct options *o,
		    const struct iface *f, FILE *out, bool *reported)
{
	struct snapshot a = { 0 }, b = { 0 };
	struct reason_stat *delta = calloc(f->table.len, sizeof(*delta));
	struct view v = make_view(o, f);
	struct run_info run = { 0 };
	int status = 0, ret;
	int err;
	double t0, t1;

	if (!delta || snapshot_init(&a, f) || snapshot_init(&b, f)) {
		ret = out_of_memory(env);
		goto out;
	}
	/* The report goes after anything buffered before the command. */
	fflush(NULL);
	snapshot_take(env->backend, f, &a, 1);
	t0 = env->now(env);
	err = run_status(env, o->command, &status, &run);
	t1 = env->now(env);
	snapshot_take(env->backend, f, &b, 1);
	if (err) {
		ret = err;
		goto out;
	}
	snapshot_delta(f, &a, &b, delta, &v.total, &v.total_cycles,
		       &run.own);
	v.r = delta;
	v.seconds = t1 - t0;
	run.argv = o->command;
	print_run(out, o->format, &v, &run);
	*reported = true;
	ret = run.exit_status;
out:
	snapshot_free(&a);
	snapshot_free(&b);
	free(delta);
	return ret;
}

static int mode_raw(struct exitstat_env *env, const struct options *o,
		    FILE *out)
{
	uint32_t leaf, subleaf = 0;
	struct cpuid_regs r;

	if (!parse_u32(o->raw_args[0], &leaf))
		return usage_error(env, "LEAF '%s' is not a 32-bit number (decimal or 0x hex)", o->raw_args[0]);
	if (o->raw_nargs > 1 && !parse_u32(o->raw_args[1], &subleaf))
		return usage_error(env, "ECX '%s' is not a 32-bit number (decimal or 0x hex)", o->raw_args[1]);
	backend_cpuid(env->backend, leaf, subleaf, &r);
	print_raw(out, o->format, leaf, subleaf, &r);
	return 0;
}

/*
 * -o FILE: the report goes to a new file beside FILE, which replaces FILE
 * only once the report is complete, so a failed run never costs the user
 * the file they named.  Returns the stream, or NULL with *tmp_path unset.
 */
static FILE *output_open(struct exitstat_env *env, const char *path,
			 char **tmp_path)
{
	static const char suffix[] = ".exitstat-XXXXXX";
	char *tmp = malloc(strlen(path) + sizeof(suffix));
	FILE *out;
	int fd;

	*tmp_path = NULL;
	if (!tmp) {
		out_of_memory(env);
		return NULL;
	}
	strcpy(tmp, path);
	strcat(tmp, suffix);
	fd = mkstemp(tmp);
	out = fd < 0 ? NULL : fdopen(fd, "w");
	if (!out) {
		fprintf(env->err, "exitstat: cannot write %s: %s\n", path,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return NULL;
	}
	/* mkstemp() makes it 0600; a report is as readable as any new file. */
	mode_t mask = umask(0);

	umask(mask);
	fchmod(fd, 0666 & ~mask);
	*tmp_path = tmp;
	return out;
}

/* Puts the report in place, or drops it; returns the final status. */
static int output_close(struct exitstat_env *env, FILE *out, const char *path,
			char *tmp_path, bool keep, int ret)
{
	bool written = fclose(out) == 0;

	if (keep && written && rename(tmp_path, path) == 0) {
		free(tmp_path);
		return ret;
	}
	unlink(tmp_path);
	free(tmp_path);
	if (!keep)
		return ret;
	fprintf(env->err, "exitstat: cannot write %s: %s\n", path,
		strerror(errno));
	return ret ? ret : EXIT_CANTCREAT;
}

int exitstat_main(int argc, char **argv, struct exitstat_env *env)
{
	struct options o;
	struct iface f;
	char msg[512], *tmp_path = NULL;
	bool done, reported = false;
	FILE *out;
	int ret;

	ret = parse_args(argc, argv, &o, env, &done);
	if (ret || done) {
		if (o.filter)
			regfree(&o.filter_re);
		return ret;
	}

	/* run's report goes to stderr, leaving stdout to the command. */
	out = o.mode == MODE_RUN ? env->err : env->out;
	if (o.output) {
		out = output_open(env, o.output, &tmp_path);
		if (!out)
			return EXIT_CANTCREAT;
	}

	if (o.mode == MODE_RAW) {
		ret = mode_raw(env, &o, out);
		reported = ret == 0;
		goto out;
	}
	ret = iface_discover(env->backend, o.numbering, &f, msg, sizeof(msg));
	if (ret) {
		ret = o.mode == MODE_RUN ? run_unmeasured(env, &o, msg) :
					   unavailable(env, msg);
		goto out;
	}
	switch (o.mode) {
	case MODE_WATCH:
		ret = mode_watch(env, &o, &f, out);
		reported = ret == 0 || ret == EXIT_MISMATCH;
		break;
	case MODE_RUN:
		ret = mode_run(env, &o, &f, out, &reported);
		break;
	default:
		ret = mode_snapshot(env, &o, &f, out);
		reported = ret == 0 || ret == EXIT_MISMATCH;
		break;
	}
out:
	if (o.output)
		ret = output_close(env, out, o.output, tmp_path, reported, ret);
	if (o.filter)
		regfree(&o.filter_re);
	return ret;
}
