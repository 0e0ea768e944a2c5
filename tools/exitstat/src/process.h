/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXITSTAT_PROCESS_H
#define EXITSTAT_PROCESS_H

/*
 * Runs argv (PATH search) to completion.  Returns 0 and the waitpid()
 * status, or the errno that kept the command from starting.
 */
int process_run(char *const argv[], int *wait_status);

#endif
