/* SPDX-License-Identifier: BSD-3-Clause */
/* text.h - help text layout shared by switchd, netctl and the man pages. */
#ifndef SWITCHD_LIB_TEXT_H
#define SWITCHD_LIB_TEXT_H

#include <stdio.h>

/* Print @text word-wrapped to lines of at most @width columns. The first
 * line continues the current one, which is at column @col; later lines are
 * indented by @indent spaces. Ends with a newline. */
void text_wrap(FILE *f, const char *text, int col, int indent, int width);

#endif
