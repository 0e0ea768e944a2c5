/* SPDX-License-Identifier: GPL-2.0 */
/*
 * get_random_u32() from a fixed sequence (fake_kernel.c), so every run of a
 * test sees the same values, and a VM created after another one gets a
 * different value, as with the kernel's RNG.  fake_random_zeros makes the
 * next calls return 0, the one value an epoch must not be.
 */
#ifndef UNIT_SHIM_LINUX_RANDOM_H
#define UNIT_SHIM_LINUX_RANDOM_H

#include <linux/kernel.h>

extern u32 fake_random_state;
extern int fake_random_zeros;

u32 get_random_u32(void);

#endif /* UNIT_SHIM_LINUX_RANDOM_H */
