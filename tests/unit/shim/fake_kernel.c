// SPDX-License-Identifier: GPL-2.0
/*
 * The shim's few out-of-line pieces: fake TSC, allocator switch, fake RNG,
 * seq_file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/kvm_host.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

u64 fake_tsc;
unsigned int tsc_khz = 2345678;
bool fake_kzalloc_fail;
u32 fake_random_state = 0x9e3779b9;
int fake_random_zeros;
int fake_warnings;

/* A TAP comment, so the logs stay parsable; the tests check the count. */
void fake_warn(const char *file, int line, const char *cond)
{
	fake_warnings++;
	printf("# WARN_ON_ONCE(%s) at %s:%d\n", cond, file, line);
	fflush(stdout);
}

/* xorshift32: never 0 from a non-zero state, so zeros come only on request. */
u32 get_random_u32(void)
{
	u32 x = fake_random_state;

	if (fake_random_zeros > 0) {
		fake_random_zeros--;
		return 0;
	}
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	fake_random_state = x;
	return x;
}

void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	size_t room = sizeof(m->buf) - m->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		m->overflow = true;
		m->buf[m->len] = '\0';
		return;
	}
	m->len += (size_t)n;
}

void seq_puts(struct seq_file *m, const char *s)
{
	seq_printf(m, "%s", s);
}
