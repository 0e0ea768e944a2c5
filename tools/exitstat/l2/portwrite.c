// SPDX-License-Identifier: GPL-2.0
/*
 * portwrite: the known workload `exitstat run` is checked against in the
 * L2 guest.  It writes COUNT single bytes to I/O port 0x80 (the POST
 * diagnostic port, which nothing listens to) and exits with STATUS, so the
 * test can also see that `exitstat run` passes the command's status on.
 *
 * Each byte goes through /dev/port with its own pwrite() at offset 0x80:
 * the kernel's write_port() executes one OUT per byte, at port offset,
 * offset + 1, ...; one byte per call keeps every OUT on port 0x80.  The
 * program does not execute OUT itself: under QEMU TCG's nested SVM (the
 * lab's L1) port I/O from guest user space gets #GP, because QEMU checks
 * the TSS I/O bitmap only for a TSS of type "available" and the TR that
 * KVM's VMCB gives it is "busy".
 *
 * It prints nothing while it runs (console output is port I/O too); only
 * errors go to stderr.
 *
 * usage: portwrite COUNT [STATUS]
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { POST_PORT = 0x80 };

static void usage(void)
{
	fprintf(stderr,
		"usage: portwrite COUNT [STATUS]\n"
		"Writes COUNT bytes to port 0x80 through /dev/port (as root), "
		"one OUT each, then exits with STATUS (0 to 255, default 0).\n");
	exit(64);
}

static unsigned long parse_number(const char *text, unsigned long max)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || value > max)
		usage();
	return value;
}

int main(int argc, char **argv)
{
	unsigned long count, status = 0, i;
	int port;

	if (argc < 2 || argc > 3)
		usage();
	count = parse_number(argv[1], 100000000UL);
	if (argc == 3)
		status = parse_number(argv[2], 255);

	port = open("/dev/port", O_WRONLY);
	if (port < 0) {
		fprintf(stderr, "portwrite: /dev/port: %s (run as root, with "
			"devtmpfs mounted on /dev)\n", strerror(errno));
		return 71;
	}
	for (i = 0; i < count; i++) {
		unsigned char value = (unsigned char)i;

		if (pwrite(port, &value, 1, POST_PORT) != 1) {
			fprintf(stderr, "portwrite: writing port 0x%x: %s\n",
				POST_PORT, strerror(errno));
			return 71;
		}
	}
	close(port);
	return (int)status;
}
