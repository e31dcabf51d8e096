/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-args.c - netctl's command line (ctl/args.c): the input is split at
 * NUL bytes into arguments. Checks: a parse either fails with a message or
 * gives string values only, and a second parse of the same arguments gives
 * the same result.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../ctl/args.h"
#include "fuzz.h"

#define MAX_ARGS 64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 1], err[256], *p;
	struct ctl_args a = {0}, b = {0};
	int argc = 0, ra, rb;
	const char *key;
	json_t *v;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = (char *)"netctl";
	for (p = copy; p < copy + size && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	err[0] = '\0';
	ra = ctl_args_parse(argc, argv, &a, err, sizeof(err));
	if (ra != 0 && err[0] == '\0')
		abort(); /* a refusal always says why */
	if (ra == 0)
		json_object_foreach(a.params, key, v)
			if (!json_is_string(v))
				abort();
	rb = ctl_args_parse(argc, argv, &b, err, sizeof(err));
	if (ra != rb || (ra == 0 && !json_equal(a.params, b.params)))
		abort();
	ctl_args_free(&a);
	ctl_args_free(&b);
	free(copy);
	return 0;
}
