// SPDX-License-Identifier: GPL-2.0
/* The real world behind struct exitstat_env: CPUID, clock, fork/exec. */
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "exitstat.h"
#include "process.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double real_now(struct exitstat_env *env)
{
	struct timespec ts;

	(void)env;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double real_wall_time(struct exitstat_env *env)
{
	struct timespec ts;

	(void)env;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool real_sleep_until(struct exitstat_env *env, double deadline)
{
	struct timespec ts;
	double left;

	while (!stop_requested) {
		left = deadline - real_now(env);
		if (left <= 0)
			return true;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);	/* EINTR: loop checks the flag */
	}
	return false;
}

static int real_run_command(struct exitstat_env *env, char *const argv[],
			    int *wait_status)
{
	(void)env;
	return process_run(argv, wait_status);
}

int main(int argc, char **argv)
{
	struct exitstat_backend backend = {
		.cpuid = native_cpuid,
		.cpuinfo_path = "/proc/cpuinfo",
	};
	struct exitstat_env env = {
		.backend = &backend,
		.out = stdout,
		.err = stderr,
		.now = real_now,
		.wall_time = real_wall_time,
		.sleep_until = real_sleep_until,
		.run_command = real_run_command,
	};
	struct sigaction stop = { .sa_handler = on_stop_signal };
	struct winsize ws;
	int ret;

	env.out_is_tty = isatty(STDOUT_FILENO);
	if (env.out_is_tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		env.tty_rows = ws.ws_row;
	/* Ctrl-C ends watch cleanly, after the interval being shown. */
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	ret = exitstat_main(argc, argv, &env);
	if (fflush(stdout) != 0 && ret == 0)
		ret = EXIT_OSERR;
	return ret;
}
