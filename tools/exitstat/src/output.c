// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"

struct row {
	size_t index;
	uint32_t reason;
	const char *name;		/* the one shown (see view.kernel_names) */
	const char *kernel_name;	/* KVM's trace name, or NULL */
	enum exit_category category;
	uint64_t count, cycles, since_start;
	char label[16];
};

/* Column widths of the table: long enough for the largest 64-bit counts. */
#define W_COUNT 12
#define W_SHARE 7
#define W_CYCLES 16
#define W_MEAN 11
#define W_US 10
#define W_RATE 11

void format_reason(char *buf, size_t len, enum numbering numbering,
		   uint32_t reason)
{
	if (numbering == NUMBERING_SVM)
		snprintf(buf, len, "0x%" PRIx32, reason);
	else
		snprintf(buf, len, "%" PRIu32, reason);
}

static double mean_cycles(uint64_t count, uint64_t cycles)
{
	return count ? (double)cycles / (double)count : 0;
}

/* Microseconds of a number of host TSC cycles; needs tsc_khz != 0. */
static double cycles_to_us(double cycles, uint32_t tsc_khz)
{
	return cycles * 1000.0 / tsc_khz;
}

static double share_pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static int compare_key;

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

static int compare_rows(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	int c = 0;
	double ma, mb;

	switch (compare_key) {
	case SORT_COUNT:
		c = cmp_u64_desc(a->count, b->count);
		break;
	case SORT_CYCLES:
		c = cmp_u64_desc(a->cycles, b->cycles);
		break;
	case SORT_MEAN:
		ma = mean_cycles(a->count, a->cycles);
		mb = mean_cycles(b->count, b->cycles);
		c = ma > mb ? -1 : ma < mb;
		break;
	default:
		break;
	}
	if (c == 0)
		c = a->reason < b->reason ? -1 : a->reason > b->reason;
	return c;
}

/* Whether --filter lets the reason row through. */
static bool row_matches(const struct view *v, const struct row *row,
			const char *abi_name)
{
	if (!v->filter)
		return true;
	return regexec(v->filter, abi_name, 0, NULL, 0) == 0 ||
	       (row->kernel_name &&
		regexec(v->filter, row->kernel_name, 0, NULL, 0) == 0) ||
	       regexec(v->filter, row->label, 0, NULL, 0) == 0 ||
	       regexec(v->filter, category_name(row->category), 0, NULL, 0) == 0;
}

/*
 * --by category: one row per category that holds a reason shown, its
 * counters summed over them; zero rows too, so every host, AMD or Intel,
 * has the same rows.  The category's index stands in for a reason number
 * (the order of --sort reason).
 */
static size_t fold_into_categories(struct row *rows, size_t n)
{
	struct row sums[NR_CATEGORIES] = { 0 };
	bool seen[NR_CATEGORIES] = { false };
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct row *sum = &sums[rows[i].category];

		seen[rows[i].category] = true;
		sum->count += rows[i].count;
		sum->cycles += rows[i].cycles;
		sum->since_start += rows[i].since_start;
	}
	for (i = 0; i < NR_CATEGORIES; i++) {
		if (!seen[i])
			continue;
		rows[k] = sums[i];
		rows[k].category = (enum exit_category)i;
		rows[k].reason = (uint32_t)i;
		rows[k].name = category_name((enum exit_category)i);
		k++;
	}
	return k;
}

/* The rows a view shows, sorted; the caller frees them. */
static struct row *collect_rows(const struct view *v, size_t *n)
{
	const struct reason_table *table = &v->iface->table;
	size_t room = table->len > NR_CATEGORIES ? table->len : NR_CATEGORIES;
	struct row *rows = calloc(room, sizeof(*rows));
	size_t i, k = 0;

	if (!rows) {
		*n = 0;
		return NULL;
	}
	for (i = 0; i < table->len; i++) {
		const struct reason_stat *st = &v->r[i];

		if (!st->defined ||
		    (!v->all && !v->by_category && st->count == 0))
			continue;
		rows[k].index = i;
		rows[k].reason = reason_number(table, i);
		rows[k].kernel_name = reason_kernel_name(table, i);
		rows[k].name = v->kernel_names && rows[k].kernel_name ?
			       rows[k].kernel_name : reason_name(table, i);
		rows[k].count = st->count;
		rows[k].cycles = st->cycles;
		rows[k].since_start = v->since_start ? v->since_start[i] : 0;
		rows[k].category = reason_category(table, i);
		format_reason(rows[k].label, sizeof(rows[k].label),
			      table->numbering, rows[k].reason);
		if (!row_matches(v, &rows[k], reason_name(table, i)))
			continue;
		k++;
	}
	if (v->by_category) {
		size_t c, shown = 0;

		k = fold_into_categories(rows, k);
		for (c = 0; c < k; c++)
			if (!v->skip_zero || rows[c].count)
				rows[shown++] = rows[c];
		k = shown;
	}
	compare_key = v->sort;
	qsort(rows, k, sizeof(*rows), compare_rows);
	*n = k;
	return rows;
}

/* ---- JSON ---- */

/*
 * Length of the well-formed UTF-8 sequence at @s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static int utf8_length(const unsigned char *s)
{
	uint32_t cp;
	int len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* the terminating NUL too */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * A JSON string is UTF-8: text that is not (an argument in Latin-1, say)
 * has each offending byte replaced by U+FFFD, so every parser reads it.
 */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80) {
			int len = utf8_length((const unsigned char *)s);

			if (len) {
				fwrite(s, 1, (size_t)len, out);
				s += len - 1;
			} else {
				fputs("\\ufffd", out);
			}
		} else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_double(FILE *out, double value)
{
	fprintf(out, "%.3f", value);
}

static void json_interface(FILE *out, const struct iface *f)
{
	fputs("\"interface\":{\"hypervisor\":", out);
	json_string(out, f->hv_vendor);
	fputs(",\"cpu_vendor\":", out);
	json_string(out, f->cpu_vendor);
	fprintf(out, ",\"signature\":%s,\"version\":%" PRIu32
		",\"counter_bits\":%d,\"numbering\":\"%s\",\"numbering_source\":\"%s\",\"vcpus\":",
		f->has_signature ? "true" : "false", f->version,
		f->wide ? 64 : 32, numbering_name(f->numbering),
		f->numbering_source);
	if (f->vcpus)
		fprintf(out, "%" PRIu32, f->vcpus);
	else
		fputs("null", out);
	fputs(",\"tsc_khz\":", out);
	if (f->tsc_khz)
		fprintf(out, "%" PRIu32, f->tsc_khz);
	else
		fputs("null", out);
	fprintf(out, ",\"tsc_source\":\"%s\"}", f->tsc_source);
}

/* count, cycles and the figures derived from them, shared by rows and total. */
static void json_figures(FILE *out, const struct view *v, uint64_t count,
			 uint64_t cycles)
{
	uint32_t khz = v->iface->tsc_khz;

	fprintf(out, "\"count\":%" PRIu64, count);
	if (v->seconds > 0) {
		fputs(",\"rate_per_s\":", out);
		json_double(out, (double)count / v->seconds);
	}
	fputs(",\"share_pct\":", out);
	json_double(out, share_pct(count, v->total));
	fprintf(out, ",\"cycles\":%" PRIu64 ",\"mean_cycles\":", cycles);
	if (count)
		json_double(out, mean_cycles(count, cycles));
	else
		fputs("null", out);
	fputs(",\"mean_us\":", out);
	if (count && khz)
		json_double(out, cycles_to_us(mean_cycles(count, cycles), khz));
	else
		fputs("null", out);
}

static void json_reasons(FILE *out, const struct view *v)
{
	size_t n, i;
	struct row *rows = collect_rows(v, &n);

	fputs(v->by_category ? "\"categories\":[" : "\"reasons\":[", out);
	for (i = 0; i < n; i++) {
		if (v->by_category) {
			fprintf(out, "%s{\"category\":\"%s\",", i ? "," : "",
				rows[i].name);
		} else {
			fprintf(out, "%s{\"reason\":%" PRIu32 ",\"reason_label\":\"%s\",\"name\":",
				i ? "," : "", rows[i].reason, rows[i].label);
			json_string(out, rows[i].name);
			fputc(',', out);
		}
		json_figures(out, v, rows[i].count, rows[i].cycles);
		if (v->since_start)
			fprintf(out, ",\"since_start\":%" PRIu64,
				rows[i].since_start);
		if (!v->by_category) {
			fputs(",\"kernel_name\":", out);
			if (rows[i].kernel_name)
				json_string(out, rows[i].kernel_name);
			else
				fputs("null", out);
			fprintf(out, ",\"category\":\"%s\"",
				category_name(rows[i].category));
		}
		fputc('}', out);
	}
	fputs("],\"total\":{", out);
	json_figures(out, v, v->total, v->total_cycles);
	if (v->since_start)
		fprintf(out, ",\"since_start\":%" PRIu64, v->total_since_start);
	fputc('}', out);
	free(rows);
}

static void json_head(FILE *out, const char *mode)
{
	fprintf(out, "{\"tool\":\"exitstat\",\"format_version\":%d,\"mode\":\"%s\",",
		EXITSTAT_FORMAT_VERSION, mode);
}

/* ---- CSV ---- */

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void csv_figures(FILE *out, const struct view *v, uint64_t count,
			uint64_t cycles)
{
	uint32_t khz = v->iface->tsc_khz;

	fprintf(out, ",%" PRIu64, count);
	if (v->seconds > 0)
		fprintf(out, ",%.3f", (double)count / v->seconds);
	fprintf(out, ",%.3f,%" PRIu64 ",", share_pct(count, v->total), cycles);
	if (count)
		fprintf(out, "%.3f", mean_cycles(count, cycles));
	fputc(',', out);
	if (count && khz)
		fprintf(out, "%.3f",
			cycles_to_us(mean_cycles(count, cycles), khz));
}

static void csv_rows(FILE *out, const struct view *v, const char *prefix)
{
	size_t n, i;
	struct row *rows = collect_rows(v, &n);

	for (i = 0; i < n; i++) {
		if (v->by_category)
			fputs(prefix, out);
		else
			fprintf(out, "%s%" PRIu32 ",%s,", prefix,
				rows[i].reason, rows[i].label);
		csv_field(out, rows[i].name);
		csv_figures(out, v, rows[i].count, rows[i].cycles);
		if (v->since_start)
			fprintf(out, ",%" PRIu64, rows[i].since_start);
		fputc('\n', out);
	}
	/*
	 * No TOTAL row: every CSV row is a reason (or a category), so a
	 * spreadsheet's or pandas' sum over a column counts each exit once.
	 * The interface's total, which is read apart from the rows and is
	 * not their sum, is in the table, --json and --format prometheus.
	 */
	free(rows);
}

#define CSV_HEADER "reason,reason_label,name,count,share_pct,cycles,mean_cycles,mean_us\n"
#define CSV_WATCH_HEADER \
	"time,interval,seconds,reason,reason_label,name,count,rate_per_s,share_pct,cycles,mean_cycles,mean_us,since_start\n"
#define CSV_CATEGORY_HEADER "category,count,share_pct,cycles,mean_cycles,mean_us\n"
#define CSV_CATEGORY_WATCH_HEADER \
	"time,interval,seconds,category,count,rate_per_s,share_pct,cycles,mean_cycles,mean_us,since_start\n"

static const char *csv_header(const struct view *v, bool watch)
{
	if (watch)
		return v->by_category ? CSV_CATEGORY_WATCH_HEADER : CSV_WATCH_HEADER;
	return v->by_category ? CSV_CATEGORY_HEADER : CSV_HEADER;
}

/* ---- table ---- */

static void table_interface(FILE *out, const struct iface *f)
{
	fprintf(out, "hypervisor %s, ", f->hv_vendor);
	if (f->has_signature)
		fprintf(out, "ExitStatsKVM v%" PRIu32 ", 64-bit counters",
			f->version);
	else
		fputs("plain leaves 0x4FFFFFFC-0x4FFFFFFF only (no signature), 32-bit counters",
		      out);
	fprintf(out, ", %s numbering (%s)", numbering_name(f->numbering),
		strcmp(f->numbering_source, "info-leaf") == 0 ?
			"CPUID 0x4FFFFFFA" :
		strcmp(f->numbering_source, "option") == 0 ?
			"--numbering" :
			f->cpu_vendor);
	if (f->vcpus)
		fprintf(out, ", %" PRIu32 " vCPU%s", f->vcpus,
			f->vcpus == 1 ? "" : "s");
	fputc('\n', out);
	if (f->tsc_khz)
		fprintf(out, "TSC %.3f MHz (%s)\n", f->tsc_khz / 1000.0,
			tsc_source_text(f->tsc_source));
	else
		fprintf(out, "TSC frequency unknown (%s)\n",
			tsc_source_text(f->tsc_source));
}

struct widths {
	int label, name;
};

static struct widths table_widths(const struct view *v, const struct row *rows,
				  size_t n)
{
	struct widths w = { 6, 5 };	/* "REASON", "TOTAL" */
	size_t i;

	if (v->by_category)
		w.name = 8;		/* "CATEGORY", and no REASON column */

	for (i = 0; i < n; i++) {
		if ((int)strlen(rows[i].label) > w.label)
			w.label = (int)strlen(rows[i].label);
		if ((int)strlen(rows[i].name) > w.name)
			w.name = (int)strlen(rows[i].name);
	}
	return w;
}

static void table_figures(FILE *out, const struct view *v, uint64_t count,
			  uint64_t cycles)
{
	uint32_t khz = v->iface->tsc_khz;

	fprintf(out, " %*" PRIu64, W_COUNT, count);
	if (v->seconds > 0)
		fprintf(out, " %*.1f", W_RATE, (double)count / v->seconds);
	fprintf(out, " %*.2f%%", W_SHARE - 1, share_pct(count, v->total));
	fprintf(out, " %*" PRIu64, W_CYCLES, cycles);
	if (count)
		fprintf(out, " %*.0f", W_MEAN, mean_cycles(count, cycles));
	else
		fprintf(out, " %*s", W_MEAN, "-");
	if (khz && count)
		fprintf(out, " %*.3f", W_US,
			cycles_to_us(mean_cycles(count, cycles), khz));
	else if (khz)
		fprintf(out, " %*s", W_US, "-");
}

static void table_body(FILE *out, const struct view *v)
{
	size_t n, i, shown;
	struct row *rows = collect_rows(v, &n);
	struct widths w = table_widths(v, rows, n);

	if (v->by_category)
		fprintf(out, "%-*s %*s", w.name, "CATEGORY", W_COUNT, "COUNT");
	else
		fprintf(out, "%*s  %-*s %*s", w.label, "REASON", w.name, "NAME",
			W_COUNT, "COUNT");
	if (v->seconds > 0)
		fprintf(out, " %*s", W_RATE, "RATE/S");
	fprintf(out, " %*s %*s %*s", W_SHARE, "SHARE", W_CYCLES, "CYCLES",
		W_MEAN, "MEAN_CYCLES");
	if (v->iface->tsc_khz)
		fprintf(out, " %*s", W_US, "MEAN_US");
	if (v->since_start)
		fprintf(out, " %*s", W_COUNT, "SINCE_START");
	fputc('\n', out);

	shown = n;
	if (v->max_rows > 0 && shown > (size_t)v->max_rows)
		shown = (size_t)v->max_rows;
	for (i = 0; i < shown; i++) {
		if (v->by_category)
			fprintf(out, "%-*s", w.name, rows[i].name);
		else
			fprintf(out, "%*s  %-*s", w.label, rows[i].label,
				w.name, rows[i].name);
		table_figures(out, v, rows[i].count, rows[i].cycles);
		if (v->since_start)
			fprintf(out, " %*" PRIu64, W_COUNT, rows[i].since_start);
		fputc('\n', out);
	}
	if (shown < n)
		fprintf(out, "%*s  (%zu more rows; a taller terminal shows them)\n",
			w.label, "", n - shown);
	if (v->by_category)
		fprintf(out, "%-*s", w.name, "TOTAL");
	else
		fprintf(out, "%*s  %-*s", w.label, "", w.name, "TOTAL");
	table_figures(out, v, v->total, v->total_cycles);
	if (v->since_start)
		fprintf(out, " %*" PRIu64, W_COUNT, v->total_since_start);
	fputc('\n', out);
	free(rows);
}

static void table_check(FILE *out, const struct snapshot *s)
{
	if (!s->consistent) {
		fprintf(out, "check: MISMATCH: sum over reasons %" PRIu64
			" != total %" PRIu64 " (%" PRIu64
			" exits by other activity during the read); some exits are counted under no reason this interface reports\n",
			s->sum, s->total, s->other_exits);
	} else if (s->other_exits == 0) {
		fprintf(out, "check: sum over reasons = total = %" PRIu64
			" (exact: nothing else exited while exitstat made its %" PRIu64
			" queries)\n", s->total, s->own_queries);
	} else {
		fprintf(out, "check: sum over reasons %" PRIu64
			" is within total %" PRIu64 " + %" PRIu64
			" exits by other activity during the read (no quiet read in %u attempts)\n",
			s->sum, s->total, s->other_exits, s->attempts);
	}
}

/* ---- Prometheus ---- */

/* A label value of the text exposition format: \\, \" and \n escaped. */
static void prom_label(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%s=\"", key);
	for (; *value; value++) {
		if (*value == '\\' || *value == '"')
			fprintf(out, "\\%c", *value);
		else if (*value == '\n')
			fputs("\\n", out);
		else
			fputc(*value, out);
	}
	fputc('"', out);
}

static const char *vendor_of(enum numbering numbering)
{
	return numbering == NUMBERING_VMX ? "intel" :
	       numbering == NUMBERING_SVM ? "amd" : "unknown";
}

/* One counter family, a sample per reason row. */
static void prom_family(FILE *out, const struct view *v, const struct row *rows,
			size_t n, const char *metric, const char *help,
			bool cycles)
{
	size_t i;

	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s{", metric);
		prom_label(out, "vendor", vendor_of(v->iface->table.numbering));
		fputc(',', out);
		prom_label(out, "reason", rows[i].label);
		fputc(',', out);
		prom_label(out, "name", rows[i].name);
		/* Empty where KVM has no name: every sample has the same labels. */
		fputc(',', out);
		prom_label(out, "kernel_name",
			   rows[i].kernel_name ? rows[i].kernel_name : "");
		fputc(',', out);
		prom_label(out, "category", category_name(rows[i].category));
		fprintf(out, "} %" PRIu64 "\n", cycles ? rows[i].cycles : rows[i].count);
	}
}

/*
 * Prometheus' text exposition format, as node_exporter's textfile collector
 * reads it: counters since the VM started (every defined reason, zeros too,
 * so series do not come and go), labelled with vendor, reason, name, KVM's
 * name and category; "sum by (category)" gives --by category's rows.  The
 * closing "# EOF" (OpenMetrics' end marker, a comment to the text format)
 * tells a reader the file is complete.
 */
static void print_prometheus(FILE *out, const struct view *v)
{
	struct view every = *v;
	size_t n;
	struct row *rows;

	every.all = true;
	every.kernel_names = false;
	every.by_category = false;
	every.sort = SORT_REASON;
	rows = collect_rows(&every, &n);
	prom_family(out, &every, rows, n, "exitstat_exits_total",
		    "VM exits of this VM (all vCPUs) by exit reason since it started, read by exitstat through KVM's exit statistics CPUID leaves.",
		    false);
	prom_family(out, &every, rows, n, "exitstat_exit_cycles_total",
		    "Host TSC cycles KVM spent handling this VM's exits, by exit reason.",
		    true);
	fprintf(out, "# HELP exitstat_all_exits_total Every VM exit of this VM, the interface's total (exits of no defined reason included).\n"
		"# TYPE exitstat_all_exits_total counter\nexitstat_all_exits_total %" PRIu64 "\n",
		v->total);
	fprintf(out, "# HELP exitstat_all_exit_cycles_total Host TSC cycles KVM spent handling every exit of this VM.\n"
		"# TYPE exitstat_all_exit_cycles_total counter\nexitstat_all_exit_cycles_total %" PRIu64 "\n",
		v->total_cycles);
	if (v->iface->tsc_khz)
		fprintf(out, "# HELP exitstat_tsc_hertz Frequency of the host TSC the cycles are counted in.\n"
			"# TYPE exitstat_tsc_hertz gauge\nexitstat_tsc_hertz %" PRIu64 "\n",
			(uint64_t)v->iface->tsc_khz * 1000);
	fputs("# EOF\n", out);
	free(rows);
}

/* ---- the reports ---- */

void print_snapshot(FILE *out, enum out_format format, const struct view *v,
		    const struct snapshot *s)
{
	switch (format) {
	case FORMAT_JSON:
		json_head(out, "snapshot");
		json_interface(out, v->iface);
		fputc(',', out);
		json_reasons(out, v);
		fprintf(out, ",\"check\":{\"sum_of_reasons\":%" PRIu64
			",\"total\":%" PRIu64 ",\"consistent\":%s,\"exact\":%s"
			",\"other_exits_during_read\":%" PRIu64
			",\"own_queries\":%" PRIu64 ",\"attempts\":%u}}\n",
			s->sum, s->total, s->consistent ? "true" : "false",
			s->consistent && s->other_exits == 0 ? "true" : "false",
			s->other_exits, s->own_queries, s->attempts);
		break;
	case FORMAT_CSV:
		fputs(csv_header(v, false), out);
		csv_rows(out, v, "");
		break;
	case FORMAT_PROMETHEUS:
		print_prometheus(out, v);
		break;
	default:
		table_interface(out, v->iface);
		table_body(out, v);
		table_check(out, s);
		break;
	}
}

/*
 * When a watch interval ended, as RFC 3339 UTC with milliseconds (what
 * vmstat -t and kvm_stat's log mode give a line, machine-readable).
 */
static void format_time(char *buf, size_t size, double unix_seconds)
{
	time_t secs = (time_t)unix_seconds;
	int ms = (int)((unix_seconds - (double)secs) * 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

/* JSON: "own_queries_subtracted":N,"own_cycles_subtracted":M|null, */
static void json_own(FILE *out, const struct own_queries *own)
{
	fprintf(out, "\"own_queries_subtracted\":%" PRIu64 ",\"own_cycles_subtracted\":",
		own->count);
	if (own->cycles_known)
		fprintf(out, "%" PRIu64 ",", own->cycles);
	else
		fputs("null,", out);
}

/* The text note on what of exitstat's own queries was taken out. */
static void text_own(FILE *out, const struct own_queries *own)
{
	if (own->cycles_known)
		fprintf(out, "exitstat's own %" PRIu64 " CPUID queries and their %" PRIu64
			" handling cycles are subtracted from CPUID and TOTAL", own->count,
			own->cycles);
	else
		fprintf(out, "exitstat's own %" PRIu64 " CPUID queries are subtracted from the CPUID and TOTAL counts; their handling cycles could not be measured (another CPUID exit came among them) and remain in the CPUID and TOTAL cycles",
			own->count);
}

void print_watch(FILE *out, enum out_format format, const struct view *v,
		 unsigned long interval, const struct own_queries *own, bool first)
{
	char prefix[96], when[64];

	format_time(when, sizeof(when), v->wall_time);
	switch (format) {
	case FORMAT_JSON:
		json_head(out, "watch");
		fprintf(out, "\"time\":\"%s\",\"interval\":%lu,\"seconds\":%.6f,", when,
			interval, v->seconds);
		json_own(out, own);
		json_interface(out, v->iface);
		fputc(',', out);
		json_reasons(out, v);
		fputs("}\n", out);
		break;
	case FORMAT_CSV:
		if (first)
			fputs(csv_header(v, true), out);
		snprintf(prefix, sizeof(prefix), "%s,%lu,%.6f,", when, interval,
			 v->seconds);
		csv_rows(out, v, prefix);
		break;
	default:
		if (first || v->max_rows > 0)
			table_interface(out, v->iface);
		fprintf(out, "interval %lu: %.3f s, exits per second %.1f (", interval,
			v->seconds, v->seconds > 0 ? (double)v->total / v->seconds : 0.0);
		text_own(out, own);
		fputs(")\n", out);
		table_body(out, v);
		break;
	}
	fflush(out);
}

void print_run(FILE *out, enum out_format format, const struct view *v,
	       const struct run_info *run)
{
	char *const *arg;

	switch (format) {
	case FORMAT_JSON:
		json_head(out, "run");
		fputs("\"command\":[", out);
		for (arg = run->argv; *arg; arg++) {
			if (arg != run->argv)
				fputc(',', out);
			json_string(out, *arg);
		}
		fprintf(out, "],\"exit_status\":%d,\"signal\":", run->exit_status);
		if (run->signal)
			fprintf(out, "%d", run->signal);
		else
			fputs("null", out);
		fprintf(out, ",\"seconds\":%.6f,", v->seconds);
		json_own(out, &run->own);
		json_interface(out, v->iface);
		fputc(',', out);
		json_reasons(out, v);
		fputs("}\n", out);
		break;
	case FORMAT_CSV: {
		/* Same columns as a snapshot: no rate. */
		struct view plain = *v;

		plain.seconds = 0;
		fputs(csv_header(v, false), out);
		csv_rows(out, &plain, "");
		break;
	}
	default:
		fputs("exitstat: command '", out);
		for (arg = run->argv; *arg; arg++)
			fprintf(out, "%s%s", arg == run->argv ? "" : " ", *arg);
		if (run->signal)
			fprintf(out, "' killed by signal %d", run->signal);
		else
			fprintf(out, "' exited with status %d", run->exit_status);
		fprintf(out, " after %.3f s; exits of the whole VM meanwhile:\n",
			v->seconds);
		table_interface(out, v->iface);
		/* A run is a delta, but its rate column is not wanted. */
		{
			struct view plain = *v;

			plain.seconds = 0;
			table_body(out, &plain);
		}
		fputs("note: ", out);
		text_own(out, &run->own);
		fputs("\n", out);
		break;
	}
	fflush(out);
}

void print_raw(FILE *out, enum out_format format, uint32_t leaf,
	       uint32_t subleaf, const struct cpuid_regs *r)
{
	switch (format) {
	case FORMAT_JSON:
		fprintf(out, "{\"tool\":\"exitstat\",\"format_version\":%d,\"mode\":\"raw\",\"leaf\":\"0x%08" PRIx32
			"\",\"subleaf\":\"0x%08" PRIx32 "\",\"eax\":\"0x%08" PRIx32
			"\",\"ebx\":\"0x%08" PRIx32 "\",\"ecx\":\"0x%08" PRIx32
			"\",\"edx\":\"0x%08" PRIx32 "\"}\n",
			EXITSTAT_FORMAT_VERSION, leaf, subleaf, r->eax, r->ebx,
			r->ecx, r->edx);
		break;
	case FORMAT_CSV:
		fprintf(out, "leaf,subleaf,eax,ebx,ecx,edx\n0x%08" PRIx32
			",0x%08" PRIx32 ",0x%08" PRIx32 ",0x%08" PRIx32
			",0x%08" PRIx32 ",0x%08" PRIx32 "\n",
			leaf, subleaf, r->eax, r->ebx, r->ecx, r->edx);
		break;
	default:
		fprintf(out, "eax=0x%08" PRIx32 " ebx=0x%08" PRIx32
			" ecx=0x%08" PRIx32 " edx=0x%08" PRIx32 "\n",
			r->eax, r->ebx, r->ecx, r->edx);
		break;
	}
}
