// SPDX-License-Identifier: GPL-2.0
/* See tap.h. */
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static int failures;

bool check(bool good, const char *name, const char *details_fmt, ...)
{
	va_list ap;

	if (good) {
		printf("ok %s\n", name);
	} else {
		failures++;
		printf("not ok %s - ", name);
		va_start(ap, details_fmt);
		vprintf(details_fmt, ap);
		va_end(ap);
		putchar('\n');
	}
	fflush(stdout);
	return good;
}

void pass(const char *name)
{
	check(true, name, "%s", "");
}

int tap_failures(void)
{
	return failures;
}
