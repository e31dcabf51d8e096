/* SPDX-License-Identifier: BSD-3-Clause */
/* network-verbs.h - what other objects' verbs use of networks. */
#ifndef NETWORK_NETWORK_VERBS_H
#define NETWORK_NETWORK_VERBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct network;
struct pif;
struct sd_call;
struct switchd;
struct vif;

/* The smallest unused xapiN into @out. */
int next_xapi_name(struct switchd *sd, char *out, size_t len);

/* Bring a network's bridge up in the datapath if it is not yet; *made says
 * whether this call did, so that a failure after it can undo it. */
int realise_network(struct switchd *sd, struct sd_call *c, struct network *n, bool *made);

/* Undo realise_network() after a later step failed. */
void realise_undo(struct switchd *sd, struct network *n, bool made);

/* A MAC limit: 0 (the default) or a count. */
int mac_limit_parse(struct sd_call *c, uint32_t *out);

#endif
