/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The whole command behind one function, with everything it touches in the
 * outside world (CPUID, clock, child processes, streams) passed in, so that
 * tests run the real command against a fake hypervisor.
 */
#ifndef EXITSTAT_H
#define EXITSTAT_H

#include <stdbool.h>
#include <stdio.h>

#include "backend.h"

/* Exit statuses besides the command's own in `run` (sysexits.h values). */
#define EXIT_MISMATCH 1		/* sum over reasons != total */
#define EXIT_USAGE 64		/* EX_USAGE */
#define EXIT_OSERR 71		/* EX_OSERR: fork, memory */
#define EXIT_CANTCREAT 73	/* EX_CANTCREAT: -o FILE */

struct exitstat_env {
	struct exitstat_backend *backend;
	FILE *out, *err;
	bool out_is_tty;
	int tty_rows;		/* 0: unknown */
	/* Monotonic seconds. */
	double (*now)(struct exitstat_env *env);
	/* Wall-clock seconds since the Unix epoch, for watch's timestamps. */
	double (*wall_time)(struct exitstat_env *env);
	/* Waits until now() >= deadline; false if asked to stop (Ctrl-C). */
	bool (*sleep_until)(struct exitstat_env *env, double deadline);
	/*
	 * Runs argv to completion.  Returns 0 and the waitpid() status, or
	 * the errno that kept it from starting.
	 */
	int (*run_command)(struct exitstat_env *env, char *const argv[],
			   int *wait_status);
	void *ctx;
};

int exitstat_main(int argc, char **argv, struct exitstat_env *env);

#endif
