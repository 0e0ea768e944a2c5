/* SPDX-License-Identifier: GPL-2.0 */
/* Static keys as plain booleans: same semantics, no code patching. */
#ifndef UNIT_SHIM_LINUX_JUMP_LABEL_H
#define UNIT_SHIM_LINUX_JUMP_LABEL_H

#include <linux/kernel.h>

struct static_key_false {
	bool enabled;
};

#define DEFINE_STATIC_KEY_FALSE(name)	struct static_key_false name = { .enabled = false }
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name

#define static_branch_unlikely(key)	(READ_ONCE((key)->enabled))
/* Only the layout of the kernel's code differs: the same test here. */
#define static_branch_likely(key)	(READ_ONCE((key)->enabled))
#define static_branch_enable(key)	WRITE_ONCE((key)->enabled, true)
#define static_branch_disable(key)	WRITE_ONCE((key)->enabled, false)

#endif /* UNIT_SHIM_LINUX_JUMP_LABEL_H */
