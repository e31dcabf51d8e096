/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * network.h - networks: one bridge each. Naming rules (xenbrN for the
 * network of NIC ethN, xapiN for every other one, user-chosen names
 * validated) and realisation as a datapath bridge with a host interface.
 */
#ifndef SWITCHD_NETWORK_H
#define SWITCHD_NETWORK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <uthash.h>

#include "../lib/mac.h"

#define NETWORK_UUID_LEN 37
#define NETWORK_MTU_DEFAULT 1500
#define NETWORK_MTU_MIN 68
#define NETWORK_MTU_MAX 9000
#define NETWORK_LABEL_LEN 128 /* name-label, with the NUL */

struct dp;

struct network {
	TAILQ_ENTRY(network) next;
	char uuid[NETWORK_UUID_LEN];
	char name_label[NETWORK_LABEL_LEN];
	char bridge[IFNAMSIZ];
	uint16_t mtu;
	struct mac host_mac;	 /* MAC of the bridge's host interface */
	uint16_t group_fwd_mask; /* reserved groups 01:80:C2:00:00:0X forwarded: bit X */
	uint32_t mac_limit;	 /* most MACs its bridge learns; 0: the datapath's default */
	bool locking_disabled;	 /* default_locking_mode: disabled (else unlocked) */
	bool realised;		 /* runtime: the bridge exists in the datapath */
	uint16_t dp_bridge;	 /* runtime: its datapath id */
	uint16_t host_port;	 /* runtime: datapath port of the host interface */
	UT_hash_handle hh_uuid, hh_bridge; /* switchd's indexes (switchd/objects.c) */
};

/* Is @name acceptable as a user-chosen bridge name? At most 15 characters
 * of [A-Za-z0-9_.-], not starting with xen, xapi, vif, tap or eth. On
 * refusal *why says which rule. */
bool network_bridge_name_valid(const char *name, const char **why);

/* The bridge of NIC "ethN" is "xenbrN". EINVAL for other device names. */
int network_xenbr_name(const char *device, char *out, size_t len);

/* "xapiN" with the smallest N for which @used(name, arg) is false. */
int network_xapi_name(bool (*used)(const char *bridge, void *arg), void *arg, char *out,
		      size_t len);

/* Parse an MTU "68".."9000". Returns 0 or EINVAL. */
int network_mtu_parse(const char *s, uint16_t *mtu);

/* Create the datapath bridge and its host interface (a tap named after the
 * bridge, marked with network_host_alias()). A tap of that name left by a
 * killed switchd of this @instance is adopted; any other interface of that
 * name is EEXIST. No-op if realised. */
int network_realise(struct network *net, struct dp *dp, const char *instance);

/* Start-up: list, from one dump of the host's interfaces, the taps a killed
 * switchd of @instance left, for network_realise() to adopt without a
 * query each. network_adopt_end() removes those no network adopted,
 * telling @removed of each (err: 0 or why not), and forgets the list. */
int network_adopt_begin(const char *instance);
void network_adopt_end(void (*removed)(const char *name, int err));
void network_adopt_end_quiet(void);

/* The alias ("ip link" shows it) that marks the host interface of @net as
 * made by switchd @instance, so that a successor may adopt it. */
void network_host_alias(const struct network *net, const char *instance, char *out, size_t len);
/* Remove them; EBUSY while other ports are on the bridge. */
int network_unrealise(struct network *net, struct dp *dp);

/* The datapath port called @name on realised network @n (on any bridge,
 * or none, if @n is NULL), or DP_PORT_NONE. */
uint16_t network_port_by_name(struct dp *dp, const struct network *n, const char *name);

#endif
