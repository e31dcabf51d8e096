/* SPDX-License-Identifier: BSD-3-Clause */
/* verb-table.c - verbs.def as data: the one table of verbs. */
#include <string.h>

#include "verbs.h"

const struct sd_verb sd_verbs[] = {
#define SD_VERB(handler, name, req, opt, flags, summary) {name, req, opt, flags, summary},
#include "verbs.def"
#undef SD_VERB
};

const size_t sd_n_verbs = sizeof(sd_verbs) / sizeof(sd_verbs[0]);

const struct sd_verb *
sd_verb_find(const char *name)
{
	for (size_t i = 0; i < sd_n_verbs; i++)
		if (strcmp(sd_verbs[i].name, name) == 0)
			return &sd_verbs[i];
	return NULL;
}
