/* SPDX-License-Identifier: BSD-3-Clause */
/* Help text layout; see text.h. */
#include "text.h"

#include <stdbool.h>
#include <string.h>

void
text_wrap(FILE *f, const char *text, int col, int indent, int width)
{
	bool first = true;

	for (;;) {
		int word;

		text += strspn(text, " ");
		word = (int)strcspn(text, " ");
		if (word == 0)
			break;
		if (!first && col + 1 + word > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", word, text);
		col += word;
		text += word;
		first = false;
	}
	fputc('\n', f);
}
