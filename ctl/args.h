/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * args.h - netctl's command line: global options anywhere, one verb, and
 * key=value pairs (also key:sub=value, as xe's map keys). Parsing is kept
 * apart from the client so that it can be tested on its own.
 */
#ifndef SWITCHD_CTL_ARGS_H
#define SWITCHD_CTL_ARGS_H

#include <stdbool.h>

#include <jansson.h>

struct ctl_args {
	const char *verb;   /* NULL if none was given */
	const char *socket; /* --socket, else $SWITCHD_SOCKET, else the default */
	bool json;
	bool minimal;
	bool help;
	json_t *params; /* object: key -> string (owned) */
};

/* Parse argv[1..argc-1]. Returns 0, or -1 with a message in @err (of
 * @errlen bytes) naming what is wrong. @a->params must be released with
 * ctl_args_free() in both cases. */
int ctl_args_parse(int argc, char **argv, struct ctl_args *a, char *err, size_t errlen);

void ctl_args_free(struct ctl_args *a);

#endif
