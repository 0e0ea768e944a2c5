// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define MAX_RESULTS 512

static struct {
	char name[96];
	bool pass;
} results[MAX_RESULTS];
static int nr_results, nr_failures;
static const char *line_prefix = "", *name_prefix = "";
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void report_set_prefix(const char *prefix)
{
	line_prefix = prefix;
}

void report_set_name_prefix(const char *prefix)
{
	name_prefix = prefix;
}

bool check(bool pass, const char *name, const char *fmt, ...)
{
	char values[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(values, sizeof(values), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&lock);
	if (pass)
		printf("%sok %s%s%s%s\n", line_prefix, name_prefix, name,
		       values[0] ? " # " : "", values);
	else
		printf("%snot ok %s%s - %s\n", line_prefix, name_prefix, name,
		       values[0] ? values : "failed");
	fflush(stdout);
	if (nr_results < MAX_RESULTS) {
		snprintf(results[nr_results].name, sizeof(results[0].name),
			 "%s", name);
		results[nr_results].pass = pass;
		nr_results++;
	}
	if (!pass)
		nr_failures++;
	pthread_mutex_unlock(&lock);
	return pass;
}

void note(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&lock);
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&lock);
}

int report_result(const char *name)
{
	int r = -1;

	for (int i = 0; i < nr_results; i++)
		if (strcmp(results[i].name, name) == 0)
			r = results[i].pass && r != 0;
	return r;
}

int report_failures(void)
{
	return nr_failures;
}
