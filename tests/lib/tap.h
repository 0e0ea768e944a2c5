/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result lines of the project's host-side test programs, in the form
 * tests/summarize.sh counts: "ok NAME", or "not ok NAME - DETAILS" where
 * DETAILS are the offending values.  (tests/e2e has its own reporter: it
 * also prints values of passing checks and records results by name.)
 */
#ifndef TESTS_LIB_TAP_H
#define TESTS_LIB_TAP_H

#include <stdbool.h>

/*
 * Prints one result line and flushes it, so the line survives a crash or an
 * ASan abort that follows; a failure is counted.  Returns good.
 */
__attribute__((format(printf, 3, 4)))
bool check(bool good, const char *name, const char *details_fmt, ...);

/* check() of a check that passed: prints "ok NAME". */
void pass(const char *name);

/* Number of "not ok" lines so far: nonzero means the program should fail. */
int tap_failures(void);

#endif /* TESTS_LIB_TAP_H */
