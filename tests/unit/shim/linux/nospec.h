/* SPDX-License-Identifier: GPL-2.0 */
/*
 * array_index_nospec() with the kernel's meaning: @index if it is below
 * @size, else 0.  No speculation to stop in user space; the result is what
 * the tests check.
 */
#ifndef UNIT_SHIM_LINUX_NOSPEC_H
#define UNIT_SHIM_LINUX_NOSPEC_H

#include <linux/kernel.h>

#define array_index_nospec(index, size)	((index) < (size) ? (index) : 0)

#endif /* UNIT_SHIM_LINUX_NOSPEC_H */
