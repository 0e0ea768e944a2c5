/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's bitmaps, the few helpers exit_stats.c uses, same semantics. */
#ifndef UNIT_SHIM_LINUX_BITMAP_H
#define UNIT_SHIM_LINUX_BITMAP_H

#include <linux/kernel.h>

#define BITS_PER_LONG		(8 * (int)sizeof(unsigned long))
#define BITS_TO_LONGS(nr)	(((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits)	unsigned long name[BITS_TO_LONGS(bits)]

static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, (size_t)BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

/* Non-atomic test-and-set: returns the bit's old value. */
static inline bool __test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	unsigned long mask = 1ul << (nr % BITS_PER_LONG);
	unsigned long *p = addr + nr / BITS_PER_LONG;
	bool old = *p & mask;

	*p |= mask;
	return old;
}

#endif /* UNIT_SHIM_LINUX_BITMAP_H */
