/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's tolower(): takes and returns an unsigned char, so a char
 * with the top bit set is no undefined behaviour (as it would be with the C
 * library's tolower(int)).  ASCII only: the kernel's table also lowers
 * Latin-1 capitals, which no exit reason name contains (test_tables checks
 * the names are [A-Z0-9_]).
 */
#ifndef UNIT_SHIM_LINUX_CTYPE_H
#define UNIT_SHIM_LINUX_CTYPE_H

static inline unsigned char __tolower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

#define tolower(c)	__tolower(c)

#endif /* UNIT_SHIM_LINUX_CTYPE_H */
