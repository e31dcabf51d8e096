/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * objects.c - the daemon's objects: loaded from the store, kept in lists
 * with indexes, looked up by uuid and by name.
 */
#include <search.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../datapath/datapath.h"
#include "store.h"
#include "switchd.h"

/* Lookups. */

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The indexes (tsearch trees of pointers to the key inside each object)
 * make lookups by uuid O(log n); they are kept with the lists by
 * network_add() and friends. After a failed insertion (out of memory) a
 * miss falls back to the list: it costs time, never an object. */
/* Set when an insertion failed: lookups that miss then search the lists. */
static bool index_incomplete;

static void
index_add(void **root, const char *key)
{
	if (tsearch(key, root, key_cmp) == NULL) {
		index_incomplete = true;
		LOG_WARN("out of memory for an index entry: lookups search the lists");
	}
}

static void
index_del(void **root, const char *key)
{
	const char *const *found = tfind(key, root, key_cmp);

	/* Only the object's own key, not an equal one of another object. */
	if (found != NULL && *found == key)
		tdelete(key, root, key_cmp);
}

void
network_add(struct switchd *sd, struct network *n)
{
	TAILQ_INSERT_TAIL(&sd->networks, n, next);
	index_add(&sd->network_index, n->uuid);
}

void
network_remove(struct switchd *sd, struct network *n)
{
	index_del(&sd->network_index, n->uuid);
	TAILQ_REMOVE(&sd->networks, n, next);
}

void
vlan_add(struct switchd *sd, struct vlan *v)
{
	TAILQ_INSERT_TAIL(&sd->vlans, v, next);
	index_add(&sd->vlan_index, v->untagged_pif);
}

void
vlan_remove(struct switchd *sd, struct vlan *v)
{
	index_del(&sd->vlan_index, v->untagged_pif);
	TAILQ_REMOVE(&sd->vlans, v, next);
}

struct network *
network_by_uuid(struct switchd *sd, const char *uuid)
{
	const char *const *found;
	struct network *n;

	if (uuid == NULL)
		return NULL;
	found = tfind(uuid, &sd->network_index, key_cmp);
	if (found != NULL)
		return (struct network *)(*found - offsetof(struct network, uuid));
	if (!index_incomplete && sd->network_index != NULL)
		return NULL;
	TAILQ_FOREACH(n, &sd->networks, next)
		if (strcmp(n->uuid, uuid) == 0)
			return n;
	return NULL;
}

struct network *
network_by_bridge(struct switchd *sd, const char *bridge)
{
	struct network *n;

	TAILQ_FOREACH(n, &sd->networks, next)
		if (strcmp(n->bridge, bridge) == 0)
			return n;
	return NULL;
}

struct network *
network_by_dp_bridge(struct switchd *sd, uint16_t dp_bridge)
{
	struct network *n;

	TAILQ_FOREACH(n, &sd->networks, next)
		if (n->realised && n->dp_bridge == dp_bridge)
			return n;
	return NULL;
}

struct pif *
pif_by_uuid(struct switchd *sd, const char *uuid)
{
	struct pif *p;

	TAILQ_FOREACH(p, &sd->pifs, next)
		if (strcmp(p->uuid, uuid) == 0)
			return p;
	return NULL;
}

struct pif *
pif_by_device(struct switchd *sd, const char *device)
{
	struct pif *p;

	TAILQ_FOREACH(p, &sd->pifs, next)
		if (strcmp(p->device, device) == 0)
			return p;
	return NULL;
}

struct vif *
vif_by_uuid(struct switchd *sd, const char *uuid)
{
	struct vif *v;

	TAILQ_FOREACH(v, &sd->vifs, next)
		if (strcmp(v->uuid, uuid) == 0)
			return v;
	return NULL;
}

struct vif *
vif_by_ifname(struct switchd *sd, const char *ifname)
{
	struct vif *v;

	TAILQ_FOREACH(v, &sd->vifs, next)
		if ((v->attached || v->pending) && strcmp(v->ifname, ifname) == 0)
			return v;
	return NULL;
}

struct vlan *
vlan_by_uuid(struct switchd *sd, const char *uuid)
{
	struct vlan *v;

	TAILQ_FOREACH(v, &sd->vlans, next)
		if (strcmp(v->uuid, uuid) == 0)
			return v;
	return NULL;
}

struct vlan *
vlan_by_untagged(struct switchd *sd, const char *pif_uuid)
{
	const char *const *found = tfind(pif_uuid, &sd->vlan_index, key_cmp);
	struct vlan *v;

	if (found != NULL)
		return (struct vlan *)(*found - offsetof(struct vlan, untagged_pif));
	if (!index_incomplete && sd->vlan_index != NULL)
		return NULL;
	TAILQ_FOREACH(v, &sd->vlans, next)
		if (strcmp(v->untagged_pif, pif_uuid) == 0)
			return v;
	return NULL;
}

struct vlan *
vlan_on(struct switchd *sd, const char *pif_uuid, uint16_t tag)
{
	struct vlan *v;

	TAILQ_FOREACH(v, &sd->vlans, next)
		if (strcmp(v->tagged_pif, pif_uuid) == 0 && (tag == 0 || v->tag == tag))
			return v;
	return NULL;
}

/* Start-up */

static int
load_network(struct network *n, void *arg)
{
	struct switchd *sd = arg;

	network_add(sd, n);
	return 0;
}

static int
load_pif(struct pif *p, void *arg)
{
	struct switchd *sd = arg;

	TAILQ_INSERT_TAIL(&sd->pifs, p, next);
	return 0;
}

static int
load_vif(struct vif *v, void *arg)
{
	struct switchd *sd = arg;

	TAILQ_INSERT_TAIL(&sd->vifs, v, next);
	return 0;
}

static int
load_vlan(struct vlan *v, void *arg)
{
	struct switchd *sd = arg;

	vlan_add(sd, v);
	return 0;
}

int
sd_load(struct switchd *sd)
{
	struct store_loader ld = {load_network, load_pif, load_vif, load_vlan, sd};

	return store_load(sd->store, &ld);
}

void
sd_objects_free(struct switchd *sd)
{
	struct vlan *vlan;
	struct network *n;
	struct pif *p;
	struct vif *v;

	while ((vlan = TAILQ_FIRST(&sd->vlans)) != NULL) {
		vlan_remove(sd, vlan);
		free(vlan);
	}
	while ((v = TAILQ_FIRST(&sd->vifs)) != NULL) {
		TAILQ_REMOVE(&sd->vifs, v, next);
		free(v);
	}
	while ((p = TAILQ_FIRST(&sd->pifs)) != NULL) {
		TAILQ_REMOVE(&sd->pifs, p, next);
		if (p->dpdk_open)
			dp_device_close(p->ethdev); /* its port is closed already */
		free(p);
	}
	while ((n = TAILQ_FIRST(&sd->networks)) != NULL) {
		network_remove(sd, n);
		free(n);
	}
}
