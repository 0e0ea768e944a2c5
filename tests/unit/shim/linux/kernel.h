/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-ins for the few kernel basics exit_stats.c uses, so the
 * unmodified kernel file compiles in the unit tests.  Only what the file
 * needs; each definition has the kernel's meaning.
 */
#ifndef UNIT_SHIM_LINUX_KERNEL_H
#define UNIT_SHIM_LINUX_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* u64 is unsigned long long as in the kernel, so "%llu" checks under -Wformat. */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;

#define U32_MAX			((u32)~0U)
#define pr_warn(...)		fprintf(stderr, __VA_ARGS__)
#define ENOMEM			12
#define EINVAL			22

/* glibc's <sys/cdefs.h> already defines it the same way. */
#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#define __read_mostly
#define __aligned(x)		__attribute__((__aligned__(x)))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
/* Bytes of a struct with a flexible array member of n elements. */
#define struct_size(p, member, n)	(sizeof(*(p)) + sizeof((p)->member[0]) * (size_t)(n))
/* The kernel's one-argument form; C11 <assert.h> only has the two-argument one. */
#define static_assert(expr)	_Static_assert(expr, #expr)

#define upper_32_bits(n)	((u32)((u64)(n) >> 32))
#define lower_32_bits(n)	((u32)((u64)(n) & 0xffffffffu))

#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

/*
 * WARN_ON_ONCE() evaluates to the condition, as the kernel's does; a true
 * condition is recorded (fake_kernel.c) every time, not only once, so a
 * test can assert that none fired, or that one did.
 */
extern int fake_warnings;
void fake_warn(const char *file, int line, const char *cond);
#define WARN_ON_ONCE(cond) ({						\
	bool warn_on_ = !!(cond);					\
	if (unlikely(warn_on_))						\
		fake_warn(__FILE__, __LINE__, #cond);			\
	warn_on_;							\
})

typedef struct {
	int counter;
} atomic_t;

static inline int atomic_read(const atomic_t *v)
{
	return READ_ONCE(v->counter);
}

#endif /* UNIT_SHIM_LINUX_KERNEL_H */
