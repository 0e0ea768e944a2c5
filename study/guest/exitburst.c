// SPDX-License-Identifier: GPL-2.0
/*
 * exitburst: the profile's "CPUID / port I/O burst" workload, run by the
 * guest's init.  Executes N CPUID instructions, then N writes to the POST
 * diagnostic port 0x80 (an I/O port every PC has and nothing listens to),
 * and reports how many exits of the matching reason the host counted for
 * each burst, read through the exit-statistics CPUID leaves before and
 * after.  With the extension present the expected deltas are exact:
 *   CPUID burst: N + 1 (the closing query's own CPUID exit is counted)
 *   port burst:  N     (the queries are CPUID exits, not I/O exits)
 * unless the guest kernel does port I/O of its own meanwhile (it prints
 * nothing on the serial console while this runs, so it should not).
 *
 * The port writes go through /dev/port (one pwrite of one byte = one OUT
 * instruction executed by the guest kernel) rather than ioperm() and OUT
 * in user space: QEMU's TCG, which emulates the lab's L1, rejects user
 * port I/O in a nested guest (it checks the I/O bitmap only for a TSS of
 * type "available", and the TR that KVM's VMCB hands it is "busy"), so the
 * guest would get #GP there.
 *
 * Output, one line per burst, for the profile's analysis:
 *   exitburst cpuid n=N reason=R delta=D expected=E
 */
#define _XOPEN_SOURCE 700
#include <cpuid.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "exit_stats_abi.h"

#define POST_PORT 0x80

struct regs {
	uint32_t eax, ebx, ecx, edx;
};

static struct regs cpuid2(uint32_t leaf, uint32_t subleaf)
{
	struct regs r;

	__cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
	return r;
}

static int extension_present(void)
{
	struct regs r = cpuid2(KVM_EXIT_STATS_LEAF_SIGNATURE, 0);

	return r.eax == KVM_EXIT_STATS_VERSION &&
	       r.ebx == KVM_EXIT_STATS_SIG_EBX &&
	       r.ecx == KVM_EXIT_STATS_SIG_ECX &&
	       r.edx == KVM_EXIT_STATS_SIG_EDX;
}

/* The exit reason number called `name` in the running KVM's numbering. */
static int reason_number(const char *name, uint32_t *number)
{
	const struct kvm_exit_stats_reason *table;
	uint32_t numbering = cpuid2(KVM_EXIT_STATS_LEAF_INFO, 0).eax;
	size_t i, n;

	if (numbering == KVM_EXIT_STATS_NUMBERING_VMX) {
		table = kvm_exit_stats_vmx_reasons;
		n = KVM_EXIT_STATS_NR_VMX_REASONS;
	} else if (numbering == KVM_EXIT_STATS_NUMBERING_SVM) {
		table = kvm_exit_stats_svm_codes;
		n = KVM_EXIT_STATS_NR_SVM_CODES;
	} else {
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(table[i].name, name)) {
			*number = table[i].number;
			return 0;
		}
	}
	return -1;
}

static uint64_t reason_exits(uint32_t reason)
{
	struct regs r = cpuid2(KVM_EXIT_STATS_LEAF_REASON_EXITS64, reason);

	return (uint64_t)r.ebx << 32 | r.ecx;
}

/*
 * Print one burst's line.  The reason number was looked up before the
 * burst: looking it up here would execute the INFO leaf, one more CPUID
 * exit between the two counts.
 */
static void report(const char *burst, unsigned long n, const char *name,
		   int have_stats, uint32_t reason, uint64_t expected,
		   uint64_t before)
{
	if (!have_stats) {
		printf("exitburst %s n=%lu reason=unknown delta=unknown "
		       "expected=unknown\n", burst, n);
		return;
	}
	printf("exitburst %s n=%lu reason=%s delta=%llu expected=%llu\n",
	       burst, n, name,
	       (unsigned long long)(reason_exits(reason) - before),
	       (unsigned long long)expected);
}

static void usage(void)
{
	fprintf(stderr, "usage: exitburst N\n"
			"Executes N CPUIDs and N port-0x80 writes (as root) "
			"and reports the exits counted for them.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint32_t cpuid_reason = 0, io_reason = 0;
	const char *io_name;
	uint64_t before = 0;
	unsigned long n, i;
	char *end;
	int have_stats, port;

	if (argc != 2)
		usage();
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (errno || *end || n == 0)
		usage();
	port = open("/dev/port", O_WRONLY);
	if (port < 0) {
		fprintf(stderr, "exitburst: /dev/port: %s (run as root, "
			"with devtmpfs mounted)\n", strerror(errno));
		return 1;
	}
	have_stats = extension_present();
	io_name = cpuid2(KVM_EXIT_STATS_LEAF_INFO, 0).eax ==
			  KVM_EXIT_STATS_NUMBERING_VMX ? "IO_INSTRUCTION" : "IOIO";
	if (have_stats) {
		have_stats = !reason_number("CPUID", &cpuid_reason) &&
			     !reason_number(io_name, &io_reason);
	}

	if (have_stats)
		before = reason_exits(cpuid_reason);
	for (i = 0; i < n; i++)
		(void)cpuid2(0, 0);
	report("cpuid", n, "CPUID", have_stats, cpuid_reason, n + 1, before);

	if (have_stats)
		before = reason_exits(io_reason);
	for (i = 0; i < n; i++) {
		unsigned char value = (unsigned char)i;

		if (pwrite(port, &value, 1, POST_PORT) != 1) {
			fprintf(stderr, "exitburst: writing port 0x%x: %s\n",
				POST_PORT, strerror(errno));
			return 1;
		}
	}
	report("pio", n, io_name, have_stats, io_reason, n, before);
	return 0;
}
