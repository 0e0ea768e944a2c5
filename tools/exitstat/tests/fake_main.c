// SPDX-License-Identifier: GPL-2.0
/*
 * exitstat-fake: the real exitstat command line against the fake
 * hypervisor of fake_hv.c, for the tests and for showing every mode on a
 * machine without the interface.  A test binary only; never installed.
 *
 *   EXITSTAT_FAKE_SCENARIO=vmx|svm|plain-intel|plain-amd|plain-wrap|
 *     stock-intel|stock-amd|disabled-intel|disabled-amd|bare|mismatch|old-host
 *   EXITSTAT_FAKE_CPUINFO=FILE   what /proc/cpuinfo would say (default: none)
 *   EXITSTAT_FAKE_STOP_AFTER=N   watch sees Ctrl-C after N intervals
 *
 * Its clock is simulated (watch intervals take no time, each adds 100 I/O
 * exits); run executes the command for real and adds 1000 I/O and 2 CPUID
 * exits for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fake_hv.h"

int main(int argc, char **argv)
{
	const char *scenario = getenv("EXITSTAT_FAKE_SCENARIO");
	struct exitstat_backend be;
	struct exitstat_env env = { .out = stdout, .err = stderr };
	static struct fake_hv hv;
	int ret;

	if (!scenario || fake_hv_setup(&hv, scenario) != 0) {
		fprintf(stderr, "exitstat-fake: set EXITSTAT_FAKE_SCENARIO to a scenario of tests/fake_hv.c\n");
		return 70;
	}
	fake_hv_env(&hv, &be, &env);
	be.cpuinfo_path = getenv("EXITSTAT_FAKE_CPUINFO");
	if (getenv("EXITSTAT_FAKE_STOP_AFTER"))
		hv.max_sleeps = strtoul(getenv("EXITSTAT_FAKE_STOP_AFTER"), NULL, 10);
	env.out_is_tty = isatty(STDOUT_FILENO);
	env.tty_rows = 24;
	ret = exitstat_main(argc, argv, &env);
	fflush(stdout);
	return ret;
}
