/* SPDX-License-Identifier: GPL-2.0 */
/* A seq_file that appends to a fixed buffer, for checking debugfs output. */
#ifndef UNIT_SHIM_LINUX_SEQ_FILE_H
#define UNIT_SHIM_LINUX_SEQ_FILE_H

#include <linux/kernel.h>

struct seq_file {
	char buf[64 * 1024];
	size_t len;
	bool overflow;		/* output did not fit: the test fails */
};

__attribute__((format(printf, 2, 3)))
void seq_printf(struct seq_file *m, const char *fmt, ...);
void seq_puts(struct seq_file *m, const char *s);

#endif /* UNIT_SHIM_LINUX_SEQ_FILE_H */
