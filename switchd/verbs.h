/* SPDX-License-Identifier: BSD-3-Clause */
/* verbs.h - the verb table's shape, shared by switchd and netctl. */
#ifndef SWITCHD_VERBS_H
#define SWITCHD_VERBS_H

/* Verb flags. */
#define SD_VERB_LIST 0x1 /* returns records; filters and params= apply */
#define SD_VERB_RO 0x2	 /* changes nothing; runs outside a transaction */
#define SD_VERB_LIVE 0x4 /* changes live state only, nothing stored: no transaction */

#endif
