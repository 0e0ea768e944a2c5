// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of exitstat against the fake hypervisor: discovery, the
 * snapshot read order and its exact check, deltas and 32-bit wrap, the
 * subtraction of exitstat's own queries, and the command line end to end.
 * One "ok NAME" / "not ok NAME - why" line per check.
 */
#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "categories.h"
#include "discover.h"
#include "exitstat.h"
#include "fake_hv.h"
#include "snapshot.h"
#include "tap.h"

#define CHECK_U64(name, got, want)                                         \
	check((uint64_t)(got) == (uint64_t)(want), name,                    \
	      "got %" PRIu64 ", want %" PRIu64, (uint64_t)(got),            \
	      (uint64_t)(want))

struct result {
	int status;
	char *out, *err;
	size_t out_len, err_len;
};

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

/* Runs the whole command line against hv; args end with NULL. */
static struct result run_cli(struct fake_hv *hv, ...)
{
	struct exitstat_backend be;
	struct exitstat_env env = { 0 };
	struct result r = { 0 };
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "exitstat";
	va_start(ap, hv);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	fake_hv_env(hv, &be, &env);
	env.out = open_memstream(&r.out, &r.out_len);
	env.err = open_memstream(&r.err, &r.err_len);
	r.status = exitstat_main(argc, argv, &env);
	fclose(env.out);
	fclose(env.err);
	return r;
}

/* Files the -o and run tests write, in the build's working directory. */
#define RAN_FILE "unit_tests.ran"
#define OUT_FILE "unit_tests.report"

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void read_file(const char *path, char *text, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, size - 1, f) : 0;

	text[n] = '\0';
	if (f)
		fclose(f);
}

/* A temporary file of -o (PATH.exitstat-XXXXXX) still in PATH's directory. */
static bool leftover_temp(const char *path)
{
	char pattern[256];
	glob_t g;
	bool found;

	snprintf(pattern, sizeof(pattern), "%s.exitstat-*", path);
	found = glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	return found;
}

static bool has(const char *text, const char *needle)
{
	return strstr(text, needle) != NULL;
}

static int lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static size_t index_of(const struct iface *f, uint32_t reason)
{
	size_t i;

	for (i = 0; i < f->table.len; i++)
		if (reason_number(&f->table, i) == reason)
			return i;
	return f->table.len;
}

/* Discovery plus one snapshot through the library functions. */
static int discover(struct fake_hv *hv, struct exitstat_backend *be,
		    struct iface *f, char *msg)
{
	memset(be, 0, sizeof(*be));
	be->cpuid = fake_hv_cpuid;
	be->ctx = hv;
	return iface_discover(be, NUMBERING_NONE, f, msg, 512);
}

static void test_normal_snapshot(void)
{
	struct exitstat_backend be;
	struct fake_hv hv;
	struct snapshot s;
	struct iface f;
	char msg[512];
	uint64_t total_before, cpuid_before;
	size_t cpuid, io;

	fake_hv_setup(&hv, "vmx");
	check(discover(&hv, &be, &f, msg) == 0, "vmx: discovered", "%s", msg);
	check(f.has_signature && f.wide && f.version == 1,
	      "vmx: signature, version 1, 64-bit leaves", "sig %d v%u",
	      f.has_signature, f.version);
	check(f.numbering == NUMBERING_VMX &&
	      strcmp(f.numbering_source, "info-leaf") == 0,
	      "vmx: numbering from the info leaf", "%d %s", f.numbering,
	      f.numbering_source);
	CHECK_U64("vmx: TSC kHz from the info leaf", f.tsc_khz, 2994374);
	CHECK_U64("vmx: vCPUs from the info leaf", f.vcpus, 2);

	snapshot_init(&s, &f);
	total_before = fake_hv_total(&hv);
	cpuid_before = fake_hv_count(&hv, 10);
	snapshot_take(&be, &f, &s, SNAPSHOT_ATTEMPTS);
	cpuid = f.table.cpuid_index;
	io = index_of(&f, 30);
	/* The reference point is just after the first query of the read. */
	CHECK_U64("vmx: total at the reference point", s.total,
		  total_before + 1);
	CHECK_U64("vmx: CPUID as it stood at the reference point",
		  s.r[cpuid].count, cpuid_before + 1);
	CHECK_U64("vmx: IO_INSTRUCTION count exact", s.r[io].count, 1000);
	CHECK_U64("vmx: IO_INSTRUCTION cycles", s.r[io].cycles, 1000000);
	CHECK_U64("vmx: sum over reasons equals total", s.sum, s.total);
	check(s.consistent && s.other_exits == 0 && s.attempts == 1,
	      "vmx: exact check on the first attempt",
	      "consistent %d other %" PRIu64 " attempts %u", s.consistent,
	      s.other_exits, s.attempts);
	/* Every query after the reference point was a CPUID exit, no more. */
	CHECK_U64("vmx: own queries counted exactly",
		  fake_hv_total(&hv) - s.total, s.own_queries);
	CHECK_U64("vmx: own queries are the backend's calls since the reference",
		  be.calls - s.seq_ref, s.own_queries);
	snapshot_free(&s);
}

static void test_busy_read(void)
{
	struct exitstat_backend be;
	struct fake_hv hv;
	struct snapshot s;
	struct iface f;
	char msg[512];
	uint64_t start, len;
	int i;

	fake_hv_setup(&hv, "vmx");
	discover(&hv, &be, &f, msg);
	snapshot_init(&s, &f);
	snapshot_take(&be, &f, &s, 1);
	len = s.own_queries + 1;	/* queries in one read */

	/* Another vCPU exits once during the first read only. */
	start = hv.calls;
	hv.events[hv.n_events++] = (struct fake_event){ start + 10, 12, 5 };
	snapshot_take(&be, &f, &s, SNAPSHOT_ATTEMPTS);
	check(s.attempts == 2 && s.other_exits == 0 && s.consistent,
	      "busy: a disturbed read is retried until exact",
	      "attempts %u other %" PRIu64, s.attempts, s.other_exits);
	CHECK_U64("busy: retried read sums to the total", s.sum, s.total);

	/* Disturbed on every attempt: the check becomes a bound. */
	start = hv.calls;
	hv.n_events = 0;
	for (i = 0; i < SNAPSHOT_ATTEMPTS; i++)
		hv.events[hv.n_events++] = (struct fake_event){
			start + (uint64_t)i * len + len - 3, 30, 4 };
	snapshot_take(&be, &f, &s, SNAPSHOT_ATTEMPTS);
	check(s.attempts == SNAPSHOT_ATTEMPTS && s.other_exits == 4 &&
	      s.consistent && s.sum >= s.total && s.sum <= s.total + 4,
	      "busy: always disturbed, sum within total + other exits",
	      "attempts %u other %" PRIu64 " sum %" PRIu64 " total %" PRIu64,
	      s.attempts, s.other_exits, s.sum, s.total);
	snapshot_free(&s);
}

static void test_mismatch(void)
{
	struct fake_hv hv;
	struct result r;

	fake_hv_setup(&hv, "mismatch");
	r = run_cli(&hv, NULL);
	check(r.status == EXIT_MISMATCH, "mismatch: exit status 1", "status %d",
	      r.status);
	check(has(r.out, "check: MISMATCH"), "mismatch: table says MISMATCH",
	      "%s", r.out);
	check(has(r.err, "warning: sum over reasons"),
	      "mismatch: warning on stderr", "%s", r.err);
	result_free(&r);
}

static void test_undefined_and_unhandled(void)
{
	struct exitstat_backend be;
	struct fake_hv hv;
	struct snapshot s;
	struct iface f;
	struct result r;
	char msg[512];

	fake_hv_setup(&hv, "old-host");
	discover(&hv, &be, &f, msg);
	snapshot_init(&s, &f);
	snapshot_take(&be, &f, &s, 1);
	check(!s.r[index_of(&f, 84)].defined && !s.r[index_of(&f, 85)].defined,
	      "undefined: reasons the host calls undefined are left out",
	      "84 %d 85 %d", s.r[index_of(&f, 84)].defined,
	      s.r[index_of(&f, 85)].defined);
	check(s.r[index_of(&f, 11)].defined && s.r[index_of(&f, 11)].count == 0,
	      "undefined: defined but unhandled reads as zero", "count %" PRIu64,
	      s.r[index_of(&f, 11)].count);
	check(s.consistent && s.sum == s.total, "undefined: still exact",
	      "sum %" PRIu64 " total %" PRIu64, s.sum, s.total);
	snapshot_free(&s);

	r = run_cli(&hv, "--all", NULL);
	check(r.status == 0 && has(r.out, "GETSEC") && !has(r.out, "RDMSR_IMM"),
	      "undefined: --all shows zero rows of defined reasons only",
	      "status %d", r.status);
	check(lines(r.out) == 2 + 1 + 78 + 1 + 1,
	      "undefined: --all has one row per reason the host defines",
	      "%d lines", lines(r.out));
	result_free(&r);
	r = run_cli(&hv, NULL);
	check(!has(r.out, "GETSEC") && lines(r.out) == 2 + 1 + 6 + 1 + 1,
	      "undefined: without --all only reasons with exits", "%d lines",
	      lines(r.out));
	result_free(&r);

	r = run_cli(&hv, "raw", "0x4FFFFFFD", "0xFFFF", NULL);
	check(r.status == 0 && strcmp(r.out, "eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0xffffffff\n") == 0,
	      "raw: undefined reason answers EDX=0xffffffff", "%s", r.out);
	result_free(&r);
	r = run_cli(&hv, "raw", "1342177275", NULL);	/* 0x4FFFFFFB */
	check(r.status == 0 && strcmp(r.out, "eax=0x00000001 ebx=0x74697845 ecx=0x74617453 edx=0x4d564b73\n") == 0,
	      "raw: decimal leaf, signature registers", "%s", r.out);
	result_free(&r);
}

static void expect_unavailable(const char *scenario, const char *what)
{
	struct fake_hv hv;
	struct result r;
	char name[128];

	fake_hv_setup(&hv, scenario);
	r = run_cli(&hv, NULL);
	snprintf(name, sizeof(name), "%s: exit status 2", scenario);
	check(r.status == EXIT_UNAVAILABLE, name, "status %d", r.status);
	snprintf(name, sizeof(name), "%s: one line saying %s", scenario, what);
	check(lines(r.err) == 1 && has(r.err, what) && r.out_len == 0, name,
	      "err '%s' out '%s'", r.err, r.out);
	result_free(&r);
}

static void test_unavailable(void)
{
	struct fake_hv hv;
	struct result r;

	expect_unavailable("stock-intel",
			   "this hypervisor (KVMKVMKVM) does not export exit statistics");
	expect_unavailable("stock-amd",
			   "this hypervisor (KVMKVMKVM) does not export exit statistics");
	/* kvm.exit_stats=0: the leaves answer exactly like stock KVM. */
	expect_unavailable("disabled-intel", "kvm.exit_stats=1");
	expect_unavailable("disabled-amd", "kvm.exit_stats=1");
	expect_unavailable("bare", "not running in a virtual machine");

	/*
	 * run runs the command all the same (as time and perf stat do), says
	 * why nothing is measured and passes the command's status through;
	 * --require refuses instead, before running anything.
	 */
	fake_hv_setup(&hv, "stock-amd");
	remove(RAN_FILE);
	r = run_cli(&hv, "run", "--", "sh", "-c", "touch " RAN_FILE "; exit 5", NULL);
	check(r.status == 5 && file_exists(RAN_FILE) &&
	      has(r.err, "does not export exit statistics") &&
	      has(r.err, "without measuring"),
	      "stock-amd: run still runs the command, passes its status",
	      "status %d, command %s; stderr: %s", r.status,
	      file_exists(RAN_FILE) ? "ran" : "did not run", r.err);
	result_free(&r);
	remove(RAN_FILE);
	r = run_cli(&hv, "run", "--require", "--", "sh", "-c", "touch " RAN_FILE, NULL);
	check(r.status == EXIT_UNAVAILABLE && !file_exists(RAN_FILE),
	      "stock-amd: run --require exits 2 without running it",
	      "status %d, command %s", r.status,
	      file_exists(RAN_FILE) ? "ran" : "did not run");
	result_free(&r);
	remove(RAN_FILE);
	/* raw needs no interface. */
	r = run_cli(&hv, "raw", "0x40000000", NULL);
	check(r.status == 0 && has(r.out, "ebx=0x4b4d564b"),
	      "stock-amd: raw still works", "%s", r.out);
	result_free(&r);
}

/* -o FILE replaces FILE only with a complete report. */
static void test_output_file(void)
{
	struct fake_hv hv;
	struct result r;
	char text[4096];

	write_file(OUT_FILE, "precious\n");
	fake_hv_setup(&hv, "stock-amd");
	r = run_cli(&hv, "-o", OUT_FILE, NULL);
	read_file(OUT_FILE, text, sizeof(text));
	check(r.status == EXIT_UNAVAILABLE && strcmp(text, "precious\n") == 0 &&
	      !leftover_temp(OUT_FILE),
	      "-o: a failed run leaves the file as it was",
	      "status %d, file now '%.40s'%s", r.status, text,
	      leftover_temp(OUT_FILE) ? ", a temporary file left behind" : "");
	result_free(&r);

	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, "--json", "-o", OUT_FILE, NULL);
	read_file(OUT_FILE, text, sizeof(text));
	check(r.status == 0 && has(text, "\"mode\":\"snapshot\"") && r.out_len == 0 &&
	      !leftover_temp(OUT_FILE),
	      "-o: a complete report replaces the file", "status %d, file '%.60s'",
	      r.status, text);
	result_free(&r);
	remove(OUT_FILE);

	r = run_cli(&hv, "-o", "/nonexistent-dir/report.txt", NULL);
	check(r.status == EXIT_CANTCREAT && has(r.err, "cannot write /nonexistent-dir/report.txt"),
	      "-o: an unwritable place is refused before anything runs",
	      "status %d: %s", r.status, r.err);
	result_free(&r);
}

/* JSON is UTF-8 whatever bytes an argument holds. */
static void test_json_utf8(void)
{
	struct fake_hv hv;
	struct result r;

	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, "run", "--json", "--", "true", "caf\xc3\xa9", "\xff\xfeLatin\xe9",
		    "\xed\xa0\x80", "\xc0\xaf", NULL);
	check(r.status == 0 && has(r.err, "\"caf\xc3\xa9\"") &&
	      has(r.err, "\"\\ufffd\\ufffdLatin\\ufffd\"") &&
	      has(r.err, "\"\\ufffd\\ufffd\\ufffd\"") && has(r.err, "\"\\ufffd\\ufffd\""),
	      "json: valid UTF-8 kept, other bytes (Latin-1, surrogate, overlong) become U+FFFD",
	      "%s", r.err);
	result_free(&r);
}

static void test_vendor_names(void)
{
	struct fake_hv hv;
	struct result r;

	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, NULL);
	check(has(r.out, "    30  IO_INSTRUCTION") && has(r.out, "vmx numbering") &&
	      !has(r.out, "IOIO"), "names: VMX host, decimal SDM names",
	      "%s", r.out);
	result_free(&r);
	fake_hv_setup(&hv, "svm");
	r = run_cli(&hv, NULL);
	check(has(r.out, "  0x7b  IOIO") && has(r.out, " 0x400  NPF") &&
	      !has(r.out, "IO_INSTRUCTION"), "names: SVM host, hex APM names",
	      "%s", r.out);
	result_free(&r);
}

static void test_sorting(void)
{
	static const struct {
		const char *key, *first;
	} cases[] = {
		{ "count", "IO_INSTRUCTION" },
		{ "cycles", "EPT_VIOLATION" },
		{ "mean", "HLT" },	/* ties with EPT at 11000: lower reason */
		{ "reason", "EXTERNAL_INTERRUPT" },
	};
	struct fake_hv hv;
	struct result r;
	char name[64];
	const char *row;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_hv_setup(&hv, "vmx");
		r = run_cli(&hv, "--sort", cases[i].key, NULL);
		row = strstr(r.out, "MEAN_US\n");
		snprintf(name, sizeof(name), "sort %s: %s first", cases[i].key,
			 cases[i].first);
		check(row && strncmp(strchr(row, '\n') + 1 + 8, cases[i].first,
				     strlen(cases[i].first)) == 0,
		      name, "%s", r.out);
		result_free(&r);
	}
}

static void test_plain_fallback(void)
{
	struct fake_hv hv;
	struct result r;
	FILE *f;

	fake_hv_setup(&hv, "plain-intel");
	r = run_cli(&hv, NULL);
	check(r.status == 0 && has(r.out, "no signature") &&
	      has(r.out, "vmx numbering (GenuineIntel)") &&
	      has(r.out, "IO_INSTRUCTION"),
	      "plain: four leaves, numbering from GenuineIntel", "%s", r.out);
	check(has(r.out, "TSC 2496.000 MHz (guest TSC, CPUID 0x15)"),
	      "plain: TSC from CPUID 0x15", "%s", r.out);
	check(has(r.out, "check: sum over reasons = total"),
	      "plain: exact check with 32-bit leaves", "%s", r.out);
	result_free(&r);

	fake_hv_setup(&hv, "plain-amd");
	r = run_cli(&hv, NULL);
	check(r.status == 0 && has(r.out, "svm numbering (AuthenticAMD)") &&
	      has(r.out, "IOIO"), "plain: numbering from AuthenticAMD", "%s",
	      r.out);
	result_free(&r);

	fake_hv_setup(&hv, "plain-intel");
	r = run_cli(&hv, "--numbering", "svm", NULL);
	check(has(r.out, "svm numbering (--numbering)"),
	      "plain: --numbering overrides the vendor guess", "%s", r.out);
	result_free(&r);

	fake_hv_setup(&hv, "plain-intel");
	strcpy(hv.cpu_vendor, "CentaurHauls");
	r = run_cli(&hv, NULL);
	check(r.status == 2 && has(r.err, "--numbering vmx"),
	      "plain: unknown vendor asks for --numbering", "%s", r.err);
	result_free(&r);

	/* No 0x15/0x16: /proc/cpuinfo, or no time columns at all. */
	fake_hv_setup(&hv, "plain-wrap");
	r = run_cli(&hv, NULL);
	check(r.status == 0 && has(r.out, "TSC frequency unknown") &&
	      !has(r.out, "MEAN_US"), "plain: unknown TSC omits time columns",
	      "%s", r.out);
	result_free(&r);
	f = fopen("cpuinfo.test", "w");
	fputs("processor\t: 0\ncpu MHz\t\t: 2596.144\n", f);
	fclose(f);
	fake_hv_setup(&hv, "plain-wrap");
	{
		struct exitstat_backend be;
		struct iface fi;
		char msg[512];

		memset(&be, 0, sizeof(be));
		be.cpuid = fake_hv_cpuid;
		be.ctx = &hv;
		be.cpuinfo_path = "cpuinfo.test";
		iface_discover(&be, NUMBERING_NONE, &fi, msg, sizeof(msg));
		check(fi.tsc_khz == 2596144 && strcmp(fi.tsc_source, "cpuinfo") == 0,
		      "plain: TSC from /proc/cpuinfo", "%u %s", fi.tsc_khz,
		      fi.tsc_source);
	}
	remove("cpuinfo.test");
}

static void test_wrap(void)
{
	struct exitstat_backend be;
	struct fake_hv hv;
	struct snapshot a, b;
	struct reason_stat d[256];
	struct iface f;
	struct result r;
	char msg[512];
	uint64_t total, cycles;
	struct own_queries own;
	size_t io;

	fake_hv_setup(&hv, "plain-wrap");
	discover(&hv, &be, &f, msg);
	io = index_of(&f, 30);
	snapshot_init(&a, &f);
	snapshot_init(&b, &f);
	snapshot_take(&be, &f, &a, 1);
	fake_hv_add(&hv, 30, 100);	/* crosses 2^32 */
	snapshot_take(&be, &f, &b, 1);
	check(b.r[io].count < a.r[io].count && b.total < a.total,
	      "wrap: the 32-bit counters went down", "%" PRIu64 " -> %" PRIu64,
	      a.r[io].count, b.r[io].count);
	snapshot_delta(&f, &a, &b, d, &total, &cycles, &own);
	CHECK_U64("wrap: a decreasing counter means +2^32", d[io].count, 100);
	CHECK_U64("wrap: total delta", total, 100);
	CHECK_U64("wrap: own queries subtracted from CPUID",
		  d[f.table.cpuid_index].count, 0);
	snapshot_free(&a);
	snapshot_free(&b);

	/* The same through watch, three intervals of 100 I/O exits each. */
	fake_hv_setup(&hv, "plain-wrap");
	r = run_cli(&hv, "watch", "-n", "3", "-i", "0.5", "--json", NULL);
	check(r.status == 0 && lines(r.out) == 3, "wrap: watch -n 3 --json prints 3 lines",
	      "status %d lines %d", r.status, lines(r.out));
	check(has(r.out, "\"interval\":3") &&
	      !has(r.out, "4294967") &&
	      has(r.out, "{\"reason\":30,\"reason_label\":\"30\",\"name\":\"IO_INSTRUCTION\",\"count\":100,\"rate_per_s\":200.000") &&
	      has(r.out, "\"total\":{\"count\":100,"),
	      "wrap: watch shows 100 I/O exits per interval across the wrap",
	      "%s", r.out);
	result_free(&r);
}

static void test_watch_table(void)
{
	struct fake_hv hv;
	struct result r;

	fake_hv_setup(&hv, "svm");
	r = run_cli(&hv, "watch", "-n", "2", NULL);
	check(r.status == 0 && has(r.out, "interval 1: 1.000 s") &&
	      has(r.out, "interval 2: 1.000 s") &&
	      has(r.out, "  0x7b  IOIO") && has(r.out, "RATE/S") &&
	      !has(r.out, "\033["),
	      "watch: plain successive blocks, no escape codes", "%s", r.out);
	result_free(&r);
}

static void test_run(void)
{
	struct fake_hv hv;
	struct result r;

	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, "run", "--json", "--", "sh", "-c", "exit 3", NULL);
	check(r.status == 3, "run: exit status passed through", "status %d",
	      r.status);
	/* The command caused 1000 I/O and 2 CPUID exits, nothing else did. */
	check(has(r.err, "{\"reason\":10,\"reason_label\":\"10\",\"name\":\"CPUID\",\"count\":2,") &&
	      has(r.err, "\"name\":\"IO_INSTRUCTION\",\"count\":1000,") &&
	      has(r.err, "\"total\":{\"count\":1002,") &&
	      has(r.err, "\"exit_status\":3,\"signal\":null"),
	      "run: own queries subtracted exactly (CPUID 2, total 1002)", "%s",
	      r.err);
	check(r.out_len == 0, "run: report on stderr, stdout left to the command",
	      "%s", r.out);
	result_free(&r);

	/*
	 * Their cycles too: the fake charges 2000 per query, 1000 per exit of
	 * the command, so CPUID keeps exactly the command's 2 x 1000.
	 */
	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, "run", "--json", "--", "true", NULL);
	check(has(r.err, "\"name\":\"CPUID\",\"count\":2,") &&
	      has(r.err, "\"cycles\":2000,\"mean_cycles\":1000.000") &&
	      has(r.err, "\"total\":{\"count\":1002,") &&
	      has(r.err, "\"cycles\":1002000,") && has(r.err, "\"own_cycles_subtracted\":"),
	      "run: own queries' cycles subtracted exactly (CPUID 2000, mean 1000)",
	      "%s", r.err);
	result_free(&r);
	/*
	 * Exits of other reasons among the queries (every attempt) do not
	 * disturb the measure: it is taken on CPUID itself.
	 */
	fake_hv_setup(&hv, "vmx");
	for (int at = 25; at <= 400 && hv.n_events < FAKE_MAX_EVENTS; at += 25)
		hv.events[hv.n_events++] = (struct fake_event){ (uint64_t)at, 12, 1 };
	r = run_cli(&hv, "run", "--json", "--", "true", NULL);
	check(has(r.err, "\"cycles\":2000,\"mean_cycles\":1000.000") &&
	      !has(r.err, "\"own_cycles_subtracted\":null"),
	      "run: HLT exits among the queries leave the measure exact", "%s", r.err);
	result_free(&r);
	/* Another CPUID exit among them (every attempt): left in, said so. */
	fake_hv_setup(&hv, "vmx");
	for (int at = 25; at <= 400 && hv.n_events < FAKE_MAX_EVENTS; at += 25)
		hv.events[hv.n_events++] = (struct fake_event){ (uint64_t)at, 10, 1 };
	r = run_cli(&hv, "run", "--", "true", NULL);
	check(has(r.err, "could not be measured") && !has(r.err, "handling cycles are subtracted"),
	      "run: a foreign CPUID in every reading leaves the cycles in and says so",
	      "%s", r.err);
	result_free(&r);

	fake_hv_setup(&hv, "svm");
	r = run_cli(&hv, "run", "sh", "-c", "kill -TERM $$", NULL);
	check(r.status == 128 + 15, "run: killed by SIGTERM -> 143", "status %d",
	      r.status);
	check(has(r.err, "killed by signal 15") && has(r.err, "0x72  CPUID") &&
	      has(r.err, "own ") && has(r.err, "        TOTAL") ,
	      "run: table names the signal", "%s", r.err);
	result_free(&r);

	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, "run", "--", "/nonexistent/command", NULL);
	check(r.status == 127 && has(r.err, "cannot run '/nonexistent/command'"),
	      "run: missing command -> 127", "status %d err %s", r.status,
	      r.err);
	result_free(&r);
}

static void test_bad_options(void)
{
	static const char *const cases[][4] = {
		{ "--bogus" }, { "frobnicate" }, { "--sort", "size" },
		{ "--sort" }, { "-i", "1" }, { "watch", "-i", "0" },
		{ "watch", "-i", "soon" }, { "watch", "-n", "0" },
		{ "run" }, { "run", "--" }, { "raw" }, { "raw", "zz" },
		{ "raw", "0x100000000" }, { "raw", "1", "2", "3" },
		{ "--json", "--csv" }, { "--numbering", "arm" },
	};
	struct fake_hv hv;
	struct result r;
	char name[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_hv_setup(&hv, "vmx");
		r = run_cli(&hv, cases[i][0], cases[i][1], cases[i][2],
			    cases[i][3], NULL);
		snprintf(name, sizeof(name), "bad options: '%s%s%s%s%s%s%s' -> 64 with usage",
			 cases[i][0], cases[i][1] ? " " : "",
			 cases[i][1] ? cases[i][1] : "", cases[i][2] ? " " : "",
			 cases[i][2] ? cases[i][2] : "", cases[i][3] ? " " : "",
			 cases[i][3] ? cases[i][3] : "");
		check(r.status == EXIT_USAGE && has(r.err, "usage: exitstat") &&
		      r.out_len == 0, name, "status %d err %s", r.status,
		      r.err);
		result_free(&r);
	}
	/* Options may come before the mode word, as kvm_stat users type them. */
	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, "-n", "2", "-i", "0.5", "--json", "watch", NULL);
	check(r.status == 0 && lines(r.out) == 2 && has(r.out, "\"interval\":2"),
	      "options before the mode: exitstat -n 2 -i 0.5 --json watch",
	      "status %d, %d lines; %s", r.status, lines(r.out), r.err);
	result_free(&r);
	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, "--require", "run", "--", "true", NULL);
	check(r.status == 0, "options before the mode: exitstat --require run -- true",
	      "status %d; %s", r.status, r.err);
	result_free(&r);

	/* --filter: only matching rows, by name or number; TOTAL stays all. */
	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, "--filter", "io_instr|^12$", NULL);
	check(r.status == 0 && has(r.out, "IO_INSTRUCTION") && has(r.out, "HLT") &&
	      !has(r.out, "  CPUID") && has(r.out, "TOTAL"),
	      "--filter: rows by name (any case) or number, TOTAL kept", "%s", r.out);
	result_free(&r);
	r = run_cli(&hv, "--filter", "(", NULL);
	check(r.status == EXIT_USAGE && has(r.err, "--filter '('"),
	      "--filter: a bad expression is a usage error naming it", "%s", r.err);
	result_free(&r);

	/* KVM's own names beside ours: AMD's "io", Intel's upper-case ones. */
	fake_hv_setup(&hv, "svm");
	r = run_cli(&hv, "--kernel-names", NULL);
	check(r.status == 0 && has(r.out, "0x7b  io ") && !has(r.out, "IOIO"),
	      "--kernel-names: AMD rows as perf kvm stat names them (io)", "%s", r.out);
	result_free(&r);
	r = run_cli(&hv, "--json", NULL);
	check(has(r.out, "\"name\":\"IOIO\",") && has(r.out, "\"kernel_name\":\"io\","),
	      "json: name and kernel_name side by side", "%.400s", r.out);
	result_free(&r);
	r = run_cli(&hv, "--filter", "^io$", NULL);
	check(has(r.out, "IOIO") && !has(r.out, "  CPUID"),
	      "--filter: matches KVM's name too", "%s", r.out);
	result_free(&r);

	/* A hypervisor name padded with spaces is shown without them. */
	fake_hv_setup(&hv, "vmx");
	strcpy(hv.hv_vendor, "bhyve bhyve ");
	r = run_cli(&hv, "--json", NULL);
	check(has(r.out, "\"hypervisor\":\"bhyve bhyve\","),
	      "hypervisor name: trailing padding trimmed", "%.200s", r.out);
	result_free(&r);

	fake_hv_setup(&hv, "vmx");
	r = run_cli(&hv, "--help", NULL);
	check(r.status == 0 && lines(r.out) <= 50 && has(r.out, "exitstat(1)") &&
	      has(r.out, "--filter") && has(r.out, "--require") &&
	      has(r.out, "--by category") && has(r.out, "--textfile") &&
	      has(r.out, "prometheus"),
	      "help: every option, short (at most 50 lines), the rest in exitstat(1)",
	      "status %d, %d lines", r.status, lines(r.out));
	result_free(&r);
}

/* --by category: the same rows on both vendors, each the sum of its reasons. */
static void test_categories(void)
{
	static struct fake_hv hv;
	struct result vmx, svm;
	char *problems = NULL;
	size_t problems_len = 0;
	FILE *err = open_memstream(&problems, &problems_len);
	int n = categories_check(err);

	fclose(err);
	check(n == 0, "categories: every reason of both ABI tables has exactly one, and only those",
	      "%d problems:\n%s", n, problems);
	free(problems);

	fake_hv_setup(&hv, "vmx");
	vmx = run_cli(&hv, "--by", "category", "--csv", "--sort", "reason", NULL);
	fake_hv_setup(&hv, "svm");
	svm = run_cli(&hv, "--by", "category", "--csv", "--sort", "reason", NULL);
	check(vmx.status == 0 && svm.status == 0 &&
	      has(vmx.out, "category,count,share_pct,") &&
	      has(vmx.out, "\nio,1000,") && has(svm.out, "\nio,1000,") &&
	      has(vmx.out, "\nnpf_ept,300,") && has(svm.out, "\nnpf_ept,300,") &&
	      has(vmx.out, "\nhlt,20,") && has(svm.out, "\nhlt,20,") &&
	      has(vmx.out, "\nmsr,15,") && has(svm.out, "\nmsr,15,") &&
	      has(vmx.out, "\ninterrupt,50,") && has(svm.out, "\ninterrupt,50,") &&
	      has(vmx.out, "\nxsave,0,") && has(svm.out, "\nxsave,0,"),
	      "--by category: Intel and AMD readings of the same exits give the same rows",
	      "vmx:\n%s\nsvm:\n%s", vmx.out, svm.out);
	check(lines(vmx.out) == lines(svm.out) && lines(vmx.out) == NR_CATEGORIES + 1 &&
	      !has(vmx.out, "TOTAL"),
	      "--by category --csv: every category a row (zeros too), one header, no TOTAL row",
	      "%d and %d lines, want %d", lines(vmx.out), lines(svm.out), NR_CATEGORIES + 1);
	result_free(&vmx);
	result_free(&svm);

	/* Two reasons in one category are added up: MSR read and write. */
	fake_hv_setup(&hv, "vmx");
	fake_hv_add(&hv, 31, 5);
	vmx = run_cli(&hv, "--by", "category", "--json", NULL);
	check(has(vmx.out, "\"categories\":[") && !has(vmx.out, "\"reasons\"") &&
	      has(vmx.out, "{\"category\":\"msr\",\"count\":20,") &&
	      has(vmx.out, "\"cycles\":20000,"),
	      "--by category --json: msr is MSR_READ + MSR_WRITE, counts and cycles",
	      "%.600s", vmx.out);
	result_free(&vmx);
	vmx = run_cli(&hv, "--json", NULL);
	check(has(vmx.out, "\"name\":\"IO_INSTRUCTION\"") &&
	      has(vmx.out, "\"category\":\"io\"}"),
	      "json: every reason carries its category", "%.400s", vmx.out);
	result_free(&vmx);
	vmx = run_cli(&hv, "--by", "category", NULL);
	check(vmx.status == 0 && has(vmx.out, "CATEGORY ") && has(vmx.out, "\nio ") &&
	      !has(vmx.out, "REASON"),
	      "--by category: table has a CATEGORY column instead of REASON and NAME",
	      "%s", vmx.out);
	result_free(&vmx);
	vmx = run_cli(&hv, "--filter", "^npf_ept$", NULL);
	check(has(vmx.out, "EPT_VIOLATION") && !has(vmx.out, "IO_INSTRUCTION"),
	      "--filter: matches a reason's category", "%s", vmx.out);
	result_free(&vmx);
	vmx = run_cli(&hv, "--by", "category", "--skip-zero", "--csv", NULL);
	check(vmx.status == 0 && has(vmx.out, "\nio,1000,") && !has(vmx.out, "\nxsave,") &&
	      lines(vmx.out) == 1 + 6,
	      "--skip-zero --by category: only the 6 categories with exits",
	      "%s", vmx.out);
	result_free(&vmx);
	vmx = run_cli(&hv, "--skip-zero", "--all", NULL);
	check(vmx.status == EXIT_USAGE && has(vmx.err, "choose one"),
	      "--skip-zero --all: a usage error", "%s", vmx.err);
	result_free(&vmx);
	vmx = run_cli(&hv, "--skip-zero", "--format", "prometheus", NULL);
	check(vmx.status == EXIT_USAGE && has(vmx.err, "series do not come and go"),
	      "--skip-zero with Prometheus output: a usage error saying why", "%s", vmx.err);
	result_free(&vmx);
	vmx = run_cli(&hv, "--by", "vendor", NULL);
	check(vmx.status == EXIT_USAGE && has(vmx.err, "--by takes reason or category"),
	      "--by: an unknown key is a usage error saying the choices", "%s", vmx.err);
	result_free(&vmx);
}

int main(void)
{
	test_normal_snapshot();
	test_busy_read();
	test_mismatch();
	test_undefined_and_unhandled();
	test_unavailable();
	test_vendor_names();
	test_sorting();
	test_plain_fallback();
	test_wrap();
	test_watch_table();
	test_run();
	test_output_file();
	test_json_utf8();
	test_bad_options();
	test_categories();
	return tap_failures() ? 1 : 0;
}
