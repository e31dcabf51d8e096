/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * verbs.h - the verb table (verbs.def), one copy, used by switchd (which
 * adds a handler to each entry), netctl (help, and keys checked before a
 * request is sent) and the documentation generator.
 */
#ifndef SWITCHD_VERBS_H
#define SWITCHD_VERBS_H

#include <stddef.h>

/* Verb flags. */
#define SD_VERB_LIST 0x1 /* returns records; filters and params= apply */
#define SD_VERB_RO 0x2	 /* changes nothing; runs outside a transaction */
#define SD_VERB_LIVE 0x4 /* changes live state only, nothing stored: no transaction */

struct sd_verb {
	const char *name;
	const char *required; /* comma-separated keys */
	const char *optional; /* for list verbs: the record's fields */
	unsigned int flags;   /* SD_VERB_* */
	const char *summary;
};

/* Every verb, in verbs.def's order. */
extern const struct sd_verb sd_verbs[];
extern const size_t sd_n_verbs;

/* The verb called @name, or NULL. */
const struct sd_verb *sd_verb_find(const char *name);

#endif
