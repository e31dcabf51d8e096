/* SPDX-License-Identifier: BSD-3-Clause */
/* netctl command-line parsing; see args.h. */
#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_DEFAULT_SOCKET "/run/switchd/switchd.sock"

int
ctl_args_parse(int argc, char **argv, struct ctl_args *a, char *err, size_t errlen)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->params = json_object();
	a->socket = getenv("SWITCHD_SOCKET") ? getenv("SWITCHD_SOCKET") : CTL_DEFAULT_SOCKET;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i], *eq;

		if (strcmp(s, "--json") == 0) {
			a->json = true;
		} else if (strcmp(s, "--minimal") == 0) {
			a->minimal = true;
		} else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			a->help = true;
		} else if (strcmp(s, "--socket") == 0) {
			if (++i == argc) {
				snprintf(err, errlen, "--socket needs a path");
				return -1;
			}
			a->socket = argv[i];
		} else if (strncmp(s, "--socket=", 9) == 0) {
			a->socket = s + 9;
		} else if (s[0] == '-' && s[1] == '-') {
			snprintf(err, errlen, "unknown option %s", s);
			return -1;
		} else if ((eq = strchr(s, '=')) != NULL) {
			char key[128];
			size_t klen = (size_t)(eq - s);

			if (klen == 0 || klen >= sizeof(key)) {
				snprintf(err, errlen, "%s: expected key=value", s);
				return -1;
			}
			memcpy(key, s, klen);
			key[klen] = '\0';
			if (json_object_get(a->params, key) != NULL) {
				snprintf(err, errlen, "%s= given twice", key);
				return -1;
			}
			if (json_object_set_new(a->params, key, json_string(eq + 1)) != 0) {
				snprintf(err, errlen, "%s=...: not valid UTF-8", key);
				return -1;
			}
		} else if (a->verb == NULL) {
			a->verb = s;
		} else if (strcmp(a->verb, "help") == 0 &&
			   json_object_get(a->params, "verb") == NULL) {
			json_object_set_new(a->params, "verb", json_string(s));
		} else {
			snprintf(err, errlen, "%s: expected key=value", s);
			return -1;
		}
	}
	return 0;
}

void
ctl_args_free(struct ctl_args *a)
{
	json_decref(a->params);
	a->params = NULL;
}
