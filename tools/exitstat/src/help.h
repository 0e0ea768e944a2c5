/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXITSTAT_HELP_H
#define EXITSTAT_HELP_H

extern const char exitstat_usage[];
extern const char exitstat_help[];

#endif
