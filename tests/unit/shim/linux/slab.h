/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kzalloc/kfree and kvcalloc/kvfree on the C heap; fake_kzalloc_fail makes
 * the next allocations of either kind fail.
 */
#ifndef UNIT_SHIM_LINUX_SLAB_H
#define UNIT_SHIM_LINUX_SLAB_H

#include <stdlib.h>
#include <linux/kernel.h>

typedef unsigned int gfp_t;
#define GFP_KERNEL		((gfp_t)0x1u)
#define GFP_KERNEL_ACCOUNT	((gfp_t)0x3u)

extern bool fake_kzalloc_fail;

static inline void *kzalloc(size_t size, gfp_t flags)
{
	(void)flags;
	return fake_kzalloc_fail ? NULL : calloc(1, size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

/* calloc() checks n * size for overflow, as kvcalloc() does. */
static inline void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	(void)flags;
	return fake_kzalloc_fail ? NULL : calloc(n, size);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif /* UNIT_SHIM_LINUX_SLAB_H */
