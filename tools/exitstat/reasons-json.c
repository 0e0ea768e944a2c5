// SPDX-License-Identifier: GPL-2.0
/*
 * Prints build/reasons/reasons.json (make reasons-json): both numberings'
 * exit reasons as the C side knows them, for the Python and shell users
 * (study/analyze.py, tools/exitstat/l2/check.py, the exitstat CLI tests),
 * so none of them copies a name or number by hand or parses C.  Per reason:
 * its number, its label as exitstat prints it, its SDM/APM name (the
 * kernel series' exit_stats_reasons.c), KVM's trace name (uapi
 * VMX_EXIT_REASONS/SVM_EXIT_REASONS, or null) and its category
 * (categories.c).  Refuses (exit 1) while the category table and the
 * reason tables disagree.
 */
#include <stdio.h>

#include "categories.h"
#include "exit_stats_abi.h"
#include "output.h"
#include "reasons.h"

/* Every string printed here is ASCII from our own tables; quote anyway. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void print_numbering(enum numbering numbering)
{
	struct reason_table table;
	char label[16];
	size_t i;

	reason_table_get(numbering, &table);
	printf("    \"%s\": {\"numbering\": %d, \"reasons\": [\n",
	       numbering_name(numbering), (int)numbering);
	for (i = 0; i < table.len; i++) {
		const char *kernel_name = reason_kernel_name(&table, i);
		uint32_t number = reason_number(&table, i);

		format_reason(label, sizeof(label), numbering, number);
		printf("      {\"reason\": %u, \"reason_label\": \"%s\", \"name\": ",
		       number, label);
		json_string(reason_name(&table, i));
		printf(", \"kernel_name\": ");
		if (kernel_name)
			json_string(kernel_name);
		else
			printf("null");
		printf(", \"category\": \"%s\"}%s\n",
		       category_name(reason_category(&table, i)),
		       i + 1 < table.len ? "," : "");
	}
	printf("    ]}");
}

int main(void)
{
	int c;

	if (categories_check(stderr) != 0) {
		fprintf(stderr, "reasons-json: the category table and the reason tables disagree (above)\n");
		return 1;
	}
	printf("{\n  \"generated_by\": \"make reasons-json (tools/exitstat/reasons-json.c)\",\n"
	       "  \"abi_version\": %d,\n  \"categories\": [\n", KVM_EXIT_STATS_VERSION);
	for (c = 0; c < NR_CATEGORIES; c++) {
		printf("    {\"name\": \"%s\", \"description\": ",
		       category_name((enum exit_category)c));
		json_string(category_description((enum exit_category)c));
		printf("}%s\n", c + 1 < NR_CATEGORIES ? "," : "");
	}
	printf("  ],\n  \"numberings\": {\n");
	print_numbering(NUMBERING_VMX);
	printf(",\n");
	print_numbering(NUMBERING_SVM);
	printf("\n  }\n}\n");
	return ferror(stdout) ? 1 : 0;
}
