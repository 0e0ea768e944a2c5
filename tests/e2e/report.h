/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result lines: "ok <name> # <values>" or "not ok <name> - <values>", one
 * per check, and a record of them so a run can judge its own outcome (the
 * stock-modules mode expects named checks to fail).
 */
#ifndef E2E_REPORT_H
#define E2E_REPORT_H

#include <stdbool.h>

/* Prints one result line; returns pass. */
bool check(bool pass, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A comment line ("# ..."). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefix for result lines, e.g. "# stock: " to keep them out of the count. */
void report_set_prefix(const char *prefix);
/* Prefix for check names on output, e.g. "san-" for the sanitizer build. */
void report_set_name_prefix(const char *prefix);
/* Did a check of that name run, and pass?  -1: it did not run. */
int report_result(const char *name);
int report_failures(void);

#endif /* E2E_REPORT_H */
