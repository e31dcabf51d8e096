/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * switchd.h - the daemon's object model and the one entry point every
 * caller goes through: sd_call_verb() serves netctl requests and the
 * toolstack's hotplug script (through netctl); sd_realise_all() replays the
 * stored configuration at start-up with the same realisation functions.
 */
#ifndef SWITCHD_SWITCHD_H
#define SWITCHD_SWITCHD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <jansson.h>

#include "../pif/pif.h"
#include "../vif/vif.h"
#include "../vlan/vlan.h"
#include "../bond/bond.h"
#include "errors.h"
#include "../lib/log.h"
#include "../network/network.h"

struct dp;
struct store;

struct switchd {
	struct store *store;
	struct dp *dp;
	char rundir[256];  /* runtime files (DHCP client pid files) */
	char instance[32]; /* "switchd-<hash of the socket's path>" */
	/* A commit failed and its live change stayed: the verb, and from then
	 * on every change is refused until a restart. */
	char diverged[64];
	TAILQ_HEAD(, network) networks;
	TAILQ_HEAD(, pif) pifs;
	TAILQ_HEAD(, vif) vifs;
	TAILQ_HEAD(, vlan) vlans;
	TAILQ_HEAD(, bond) bonds;
	/* Hash indexes (uthash heads, see objects.c). */
	struct network *networks_by_uuid, *networks_by_bridge;
	struct pif *pifs_by_uuid, *pifs_by_device, *pifs_by_network;
	struct vif *vifs_by_uuid;
	struct vlan *vlans_by_uuid, *vlans_by_untagged;
	struct bond *bonds_by_uuid;
};

/* Name of an error ("MAC_INVALID"), or NULL. */
const char *sd_error_name(enum sd_error e);

/* Run verb @verb with @params (a JSON object of strings; borrowed) and
 * return the reply object (new reference):
 *   {"ok": true, "result": <string | array of records | null>}
 *   {"ok": false, "error": "NAME", "message": "..."}
 * A verb that changes state runs in one store transaction; on error
 * nothing is changed. */
json_t *sd_call_verb(struct switchd *sd, const char *verb, json_t *params);
/* The same with descriptors the client sent (struct sd_call's fds), at
 * most SD_CALL_MAX_FDS. */
#define SD_CALL_MAX_FDS 2
json_t *sd_call_verb_fds(struct switchd *sd, const char *verb, json_t *params, int *fds,
			 unsigned int n_fds);

/* Load the stored objects into @sd (lists must be empty). */
int sd_load(struct switchd *sd);

/* Realise every stored object that should be live: attached PIFs and their
 * bridges with their IP configuration, attached VIFs whose netdev exists
 * (the others are marked detached). Logs what it could not do. */
void sd_realise_all(struct switchd *sd);

/* Try again to plug the PIFs and VIFs sd_realise_all() left pending (the store says
 * plugged; something was briefly in the way). Called once a second. */
void sd_retry_pending(struct switchd *sd);

/* Free every object; the datapath is left to the caller. */
void sd_objects_free(struct switchd *sd);

/* The objects (objects.c): in lists, and in hash indexes by uuid and by
 * name. Adding or removing an object goes through these, which keep both;
 * the lookups return NULL for no such object. */
void network_add(struct switchd *sd, struct network *n);
void network_remove(struct switchd *sd, struct network *n);
void pif_add(struct switchd *sd, struct pif *p);
void pif_remove(struct switchd *sd, struct pif *p);
void vif_add(struct switchd *sd, struct vif *v);
void vif_remove(struct switchd *sd, struct vif *v);
void vlan_add(struct switchd *sd, struct vlan *v);
void vlan_remove(struct switchd *sd, struct vlan *v);
void bond_add(struct switchd *sd, struct bond *b);
void bond_remove(struct switchd *sd, struct bond *b);
struct bond *bond_by_uuid(struct switchd *sd, const char *uuid);
struct network *network_by_uuid(struct switchd *sd, const char *uuid);
struct network *network_by_bridge(struct switchd *sd, const char *bridge);
/* The realised network whose datapath bridge is @dp_bridge. */
struct network *network_by_dp_bridge(struct switchd *sd, uint16_t dp_bridge);
struct pif *pif_by_uuid(struct switchd *sd, const char *uuid);
struct pif *pif_by_device(struct switchd *sd, const char *device);
/* The PIF of network @network_uuid (a network has at most one). */
struct pif *pif_by_network(struct switchd *sd, const char *network_uuid);
struct vif *vif_by_uuid(struct switchd *sd, const char *uuid);
/* The plugged (or pending) VIF whose port is the netdev @ifname. */
struct vif *vif_by_ifname(struct switchd *sd, const char *ifname);
struct vlan *vlan_by_uuid(struct switchd *sd, const char *uuid);
/* The VLAN whose pseudo-PIF is @pif_uuid. */
struct vlan *vlan_by_untagged(struct switchd *sd, const char *pif_uuid);
/* The first VLAN on tagged PIF @pif_uuid with tag @tag (any tag if 0). */
struct vlan *vlan_on(struct switchd *sd, const char *pif_uuid, uint16_t tag);

/* The crash-consistency check (netctl check, switchd/check.c): the store
 * against switchd's objects, and those against what is realised (datapath
 * bridges and ports, the workers' snapshot, host interfaces, VIF netdevs,
 * vhost-user sockets). An array of records {object, uuid, name, problem},
 * one per difference; empty if everything agrees. */
json_t *sd_check(struct switchd *sd);

/* MAC moves (see moves.c): call about once a second. Logs, for each port
 * that MACs moved to since its last line, one line at most every
 * SD_MOVES_LOG_INTERVAL_S seconds: how many, and the latest. */
#define SD_MOVES_LOG_INTERVAL_S 10
void sd_moves_check(struct switchd *sd);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t sd_now_ms(void);

#endif
