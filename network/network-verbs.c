/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * network-verbs.c - networks: network-create, -destroy, -list, -param-set,
 * and bringing a network's bridge up for the PIFs and VIFs that join it.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../datapath/datapath.h"
#include "../lib/netdev.h"
#include "../switchd/call.h"
#include "../switchd/store.h"
#include "../switchd/switchd.h"
#include "network-verbs.h"
#include "network.h"

/* Which xapiN names networks use: one pass over the networks, then each
 * candidate is a lookup, so picking a name stays O(networks). */
struct xapi_used {
	bool *used; /* [n]: xapiN taken */
	unsigned int n;
};

static bool
xapi_taken(const char *bridge, void *arg)
{
	const struct xapi_used *u = arg;
	unsigned int i;

	/* A host interface of that name may still exist: that of a network
	 * just destroyed, still being torn down, or someone else's. */
	return (sscanf(bridge, "xapi%u", &i) == 1 && i < u->n && u->used[i]) ||
	       netdev_index(bridge) != 0;
}

int
next_xapi_name(struct switchd *sd, char *out, size_t len)
{
	struct xapi_used u = {.n = 1};
	struct network *n;
	unsigned int i;
	char rest;
	int err;

	TAILQ_FOREACH(n, &sd->networks, next)
		u.n++;
	u.used = calloc(u.n, sizeof(bool));
	if (u.used == NULL)
		return ENOMEM;
	/* Only exact "xapiN" names count ("xapi1x" is someone else's). */
	TAILQ_FOREACH(n, &sd->networks, next)
		if (sscanf(n->bridge, "xapi%u%c", &i, &rest) == 1 && i < u.n)
			u.used[i] = true;
	err = network_xapi_name(xapi_taken, &u, out, len);
	free(u.used);
	return err;
}

/* Append @uuid to list @which (0: PIFs, 1: VIFs) of network @network in
 * @all. */
static int
member_add(json_t *all, const char *network, size_t which, const char *uuid)
{
	json_t *m = json_object_get(all, network);

	if (m == NULL) {
		m = json_pack("[[][]]");
		if (m == NULL || json_object_set_new(all, network, m) != 0)
			return -1;
	}
	return json_array_append_new(json_array_get(m, which), json_string(uuid));
}

/* Each network's PIFs and VIFs, in one pass over them (not one per
 * network): {network uuid: [[PIF uuids], [VIF uuids]]}, a jansson object
 * being a hash table. NULL if out of memory. */
static json_t *
members_of_networks(struct switchd *sd)
{
	json_t *all = json_object();
	struct pif *p;
	struct vif *v;

	if (all == NULL)
		return NULL;
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (member_add(all, p->network_uuid, 0, p->uuid) != 0)
			goto oom;
	TAILQ_FOREACH(v, &sd->vifs, next)
		if (member_add(all, v->network_uuid, 1, v->uuid) != 0)
			goto oom;
	return all;
oom:
	json_decref(all);
	return NULL;
}

/* "uuid1; uuid2; ..." as xe prints a set, from a JSON array of strings.
 * NULL if out of memory. */
static char *
uuid_set(const json_t *uuids)
{
	size_t len = 0, i;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	json_t *u;

	if (f == NULL)
		return NULL;
	json_array_foreach(uuids, i, u)
		fprintf(f, "%s%s", i ? "; " : "", json_string_value(u));
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static json_t *
network_record(const struct network *n, const json_t *members)
{
	const json_t *m = json_object_get(members, n->uuid);
	json_t *rec = json_object();
	char *pifs = uuid_set(json_array_get(m, 0)), *vifs = uuid_set(json_array_get(m, 1));
	char mask[8];

	sd_rec_str(rec, "uuid", n->uuid);
	sd_rec_str(rec, "name-label", n->name_label);
	sd_rec_str(rec, "bridge", n->bridge);
	sd_rec_int(rec, "MTU", n->mtu);
	sd_rec_str(rec, "PIF-uuids", pifs ? pifs : "");
	sd_rec_str(rec, "VIF-uuids", vifs ? vifs : "");
	snprintf(mask, sizeof(mask), "0x%04x", n->group_fwd_mask);
	sd_rec_str(rec, "group-fwd-mask", mask);
	sd_rec_int(rec, "mac-limit", n->mac_limit);
	sd_rec_str(rec, "default-locking-mode", n->locking_disabled ? "disabled" : "unlocked");
	free(pifs);
	free(vifs);
	return rec;
}

int
realise_network(struct switchd *sd, struct sd_call *c, struct network *n, bool *made)
{
	int err;

	*made = !n->realised;
	err = network_realise(n, sd->dp, sd->instance);
	if (err)
		return sd_dp_fail(c, err, n->bridge);
	return 0;
}

void
realise_undo(struct switchd *sd, struct network *n, bool made)
{
	if (made && network_unrealise(n, sd->dp) != 0)
		LOG_ERR("%s: cannot remove the bridge again", n->bridge);
}

/* Networks */

/* A network's name-label: 1 to 127 bytes. */
static int
name_label_check(struct sd_call *c, const char *label)
{
	if (label[0] == '\0' || strlen(label) >= NETWORK_LABEL_LEN)
		return sd_fail(c, SD_E_INVALID_VALUE, "name-label must be 1 to %d characters",
			       NETWORK_LABEL_LEN - 1);
	return 0;
}

int
verb_network_create(struct switchd *sd, struct sd_call *c)
{
	const char *label = sd_arg(c, "name-label"), *mtu_s = sd_arg(c, "MTU"),
		   *bridge = sd_arg(c, "bridge");
	const char *why = NULL;
	struct network *n;
	uint16_t mtu = NETWORK_MTU_DEFAULT;

	if (name_label_check(c, label) != 0)
		return -1;
	if (mtu_s != NULL && network_mtu_parse(mtu_s, &mtu) != 0)
		return sd_fail(c, SD_E_MTU_INVALID, "MTU %s is outside %d..%d", mtu_s,
			       NETWORK_MTU_MIN, NETWORK_MTU_MAX);
	if (bridge != NULL && !network_bridge_name_valid(bridge, &why))
		return sd_fail(c, SD_E_BRIDGE_NAME_INVALID, "bridge %s: %s", bridge, why);
	if (bridge != NULL && network_by_bridge(sd, bridge) != NULL)
		return sd_fail(c, SD_E_BRIDGE_NAME_EXISTS, "bridge %s belongs to another network",
			       bridge);
	if (bridge != NULL && netdev_index(bridge) != 0)
		return sd_fail(c, SD_E_NETDEV_IN_USE,
			       "a host interface named %s exists; the bridge's would be another",
			       bridge);
	n = calloc(1, sizeof(*n));
	if (n == NULL || mac_generate(&n->host_mac) != 0) {
		free(n);
		return sd_fail(c, SD_E_INTERNAL_ERROR, "out of memory or entropy");
	}
	sd_new_uuid(n->uuid);
	snprintf(n->name_label, sizeof(n->name_label), "%s", label);
	if (bridge != NULL)
		snprintf(n->bridge, sizeof(n->bridge), "%s", bridge);
	else if (next_xapi_name(sd, n->bridge, sizeof(n->bridge)) != 0) {
		free(n);
		return sd_fail(c, SD_E_INTERNAL_ERROR, "no free xapiN name");
	}
	n->mtu = mtu;
	if (store_network_put(sd->store, n) != 0) {
		free(n);
		return sd_store_err(c);
	}
	network_add(sd, n);
	c->result = json_string(n->uuid);
	return 0;
}

int
verb_network_destroy(struct switchd *sd, struct sd_call *c)
{
	struct network *n;
	struct pif *p;
	struct vif *v;
	int err;

	n = network_by_uuid(sd, sd_arg(c, "uuid"));
	if (n == NULL)
		return sd_no_such(c, "network", "uuid");
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (strcmp(p->network_uuid, n->uuid) == 0)
			return sd_fail(c, SD_E_NETWORK_CONTAINS_PIF, "PIF %s (%s) is on %s",
				       p->uuid, p->device, n->bridge);
	TAILQ_FOREACH(v, &sd->vifs, next)
		if (strcmp(v->network_uuid, n->uuid) == 0)
			return sd_fail(c, SD_E_NETWORK_CONTAINS_VIF, "VIF %s is on %s", v->uuid,
				       n->bridge);
	if (store_network_del(sd->store, n->uuid) != 0)
		return sd_store_err(c);
	err = network_unrealise(n, sd->dp);
	if (err)
		return sd_dp_fail(c, err, n->bridge);
	network_remove(sd, n);
	free(n);
	return 0;
}

int
verb_network_list(struct switchd *sd, struct sd_call *c)
{
	json_t *members = members_of_networks(sd);
	struct network *n;

	if (members == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "out of memory");
	c->result = json_array();
	TAILQ_FOREACH(n, &sd->networks, next)
		if (sd_prefilter(c, "uuid", n->uuid) && sd_prefilter(c, "bridge", n->bridge) &&
		    sd_prefilter(c, "name-label", n->name_label))
			json_array_append_new(c->result, network_record(n, members));
	json_decref(members);
	return 0;
}

int
mac_limit_parse(struct sd_call *c, uint32_t *out)
{
	const char *s = sd_arg(c, "mac-limit");
	unsigned long v;
	char *end;

	if (s == NULL)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > INT32_MAX)
		return sd_fail(c, SD_E_INVALID_VALUE,
			       "mac-limit %s is not a number of MACs (0 for the default)", s);
	*out = (uint32_t)v;
	return 0;
}

/* A VIF of @n that is plugged (or waits to be), or NULL. */
static const struct vif *
network_plugged_vif(struct switchd *sd, const struct network *n)
{
	const struct vif *v;

	TAILQ_FOREACH(v, &sd->vifs, next)
		if ((v->attached || v->pending) && strcmp(v->network_uuid, n->uuid) == 0)
			return v;
	return NULL;
}

int
verb_network_param_set(struct switchd *sd, struct sd_call *c)
{
	const char *label = sd_arg(c, "name-label"), *mask_s = sd_arg(c, "group-fwd-mask");
	const char *lock_s = sd_arg(c, "default-locking-mode");
	struct network *n, rec;
	const struct vif *v;
	unsigned long mask;
	char *end;
	int err;

	n = network_by_uuid(sd, sd_arg(c, "uuid"));
	if (n == NULL)
		return sd_no_such(c, "network", "uuid");
	rec = *n;
	if (label != NULL) {
		if (name_label_check(c, label) != 0)
			return -1;
		snprintf(rec.name_label, sizeof(rec.name_label), "%s", label);
	}
	if (mask_s != NULL) {
		errno = 0;
		mask = strtoul(mask_s, &end, 0);
		if (*mask_s < '0' || *mask_s > '9' || *end != '\0' || errno != 0 || mask > 0xffff)
			return sd_fail(
				c, SD_E_INVALID_VALUE,
				"group-fwd-mask %s is not a 16-bit mask (bit X: 01:80:C2:00:00:0X)",
				mask_s);
		if (mask & DP_GROUP_FWD_RESTRICTED)
			return sd_fail(
				c, SD_E_INVALID_VALUE,
				"group-fwd-mask %s: STP, pause and slow protocols (bits 0-2) are"
				" never forwarded",
				mask_s);
		rec.group_fwd_mask = (uint16_t)mask;
	}
	if (mac_limit_parse(c, &rec.mac_limit) != 0)
		return -1;
	if (lock_s != NULL) {
		if (strcmp(lock_s, "unlocked") != 0 && strcmp(lock_s, "disabled") != 0)
			return sd_fail(c, SD_E_INVALID_VALUE,
				       "default-locking-mode %s: expected unlocked or disabled",
				       lock_s);
		rec.locking_disabled = strcmp(lock_s, "disabled") == 0;
		/* As xapi: not under a plugged VIF, whose locking it would
		 * change. */
		if (rec.locking_disabled != n->locking_disabled &&
		    (v = network_plugged_vif(sd, n)) != NULL)
			return sd_fail(c, SD_E_VIF_IN_USE,
				       "VIF %s on network %s is plugged; vif-unplug it first",
				       v->uuid, n->bridge);
	}
	if (store_network_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	if (n->realised && rec.group_fwd_mask != n->group_fwd_mask) {
		err = dp_bridge_set_group_fwd_mask(sd->dp, n->dp_bridge, rec.group_fwd_mask);
		if (err)
			return sd_dp_fail(c, err, n->bridge);
	}
	if (n->realised && rec.mac_limit != n->mac_limit) {
		err = dp_bridge_set_fdb_max(sd->dp, n->dp_bridge, rec.mac_limit);
		if (err) {
			dp_bridge_set_group_fwd_mask(sd->dp, n->dp_bridge, n->group_fwd_mask);
			return sd_dp_fail(c, err, n->bridge);
		}
	}
	*n = rec;
	return 0;
}
