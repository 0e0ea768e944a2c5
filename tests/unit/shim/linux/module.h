/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module boilerplate.  module_param() additionally publishes a pointer to the
 * parameter, module_param_<name>, so a test can load "the module" with the
 * parameter changed (e.g. kvm.exit_stats=0).
 */
#ifndef UNIT_SHIM_LINUX_MODULE_H
#define UNIT_SHIM_LINUX_MODULE_H

#include <linux/kernel.h>

#define module_param(name, type, perm)	\
	__typeof__(name) *const module_param_##name = &(name)
#define MODULE_PARM_DESC(name, desc)	static_assert(sizeof(desc) > 1)
/* A redeclaration: checks the exported symbol exists, generates nothing. */
#define EXPORT_SYMBOL_GPL(sym)		extern __typeof__(sym) sym

#endif /* UNIT_SHIM_LINUX_MODULE_H */
