/* SPDX-License-Identifier: GPL-2.0 */
/* Test 11 (t11_nested.c), run by exit_stats_e2e.c. */
#ifndef E2E_T11_NESTED_H
#define E2E_T11_NESTED_H

/* A nested guest's CPUID of the statistics leaves gets stock answers. */
void test_nested(void);

#endif /* E2E_T11_NESTED_H */
