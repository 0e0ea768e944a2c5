/* SPDX-License-Identifier: GPL-2.0 */
/* Test 12 (t12_clock.c), run by exit_stats_e2e.c. */
#ifndef E2E_T12_CLOCK_H
#define E2E_T12_CLOCK_H

#include "reasons.h"

/* What an exit's cycles and blocked time include. */
void test_clock(const struct numbering *nb);

#endif /* E2E_T12_CLOCK_H */
