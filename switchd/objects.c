/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * objects.c - the daemon's objects: loaded from the store, kept in lists
 * with indexes, looked up by uuid and by name.
 */
/* An index insertion that finds no memory leaves the object out (and the
 * lookups then search the lists) rather than ending the process. */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(obj) index_oom()

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "../datapath/datapath.h"
#include "store.h"
#include "switchd.h"

/* The lists keep the order objects were made in (listings, start-up:
 * parents before their pseudo-PIFs); hash indexes (uthash, one handle per
 * key in each object) make every lookup by uuid or name O(1), so that no
 * loop over objects becomes quadratic. Both are kept by the *_add() and
 * *_remove() functions below, the only ones that change them. An
 * insertion that finds no memory leaves the object out of the index: a
 * lookup that misses then searches the list (slower, never wrong). */
static bool index_incomplete;

static void index_oom(void);

static void
index_oom(void)
{
	if (!index_incomplete)
		LOG_WARN("out of memory for an index entry: lookups search the lists");
	index_incomplete = true;
}

#define INDEX_ADD(hh, head, obj, field) \
	HASH_ADD_KEYPTR(hh, head, (obj)->field, strlen((obj)->field), obj)
#define INDEX_FIND(hh, head, key, out) HASH_FIND(hh, head, key, strlen(key), out)

void
network_add(struct switchd *sd, struct network *n)
{
	TAILQ_INSERT_TAIL(&sd->networks, n, next);
	INDEX_ADD(hh_uuid, sd->networks_by_uuid, n, uuid);
	INDEX_ADD(hh_bridge, sd->networks_by_bridge, n, bridge);
}

void
network_remove(struct switchd *sd, struct network *n)
{
	struct network *found;

	/* Deleting an object the index lacks (after an insertion failed)
	 * would corrupt it: only the one found. */
	INDEX_FIND(hh_uuid, sd->networks_by_uuid, n->uuid, found);
	if (found == n)
		HASH_DELETE(hh_uuid, sd->networks_by_uuid, n);
	INDEX_FIND(hh_bridge, sd->networks_by_bridge, n->bridge, found);
	if (found == n)
		HASH_DELETE(hh_bridge, sd->networks_by_bridge, n);
	TAILQ_REMOVE(&sd->networks, n, next);
}

void
pif_add(struct switchd *sd, struct pif *p)
{
	struct pif *found;

	TAILQ_INSERT_TAIL(&sd->pifs, p, next);
	INDEX_ADD(hh_uuid, sd->pifs_by_uuid, p, uuid);
	INDEX_ADD(hh_device, sd->pifs_by_device, p, device);
	/* A network has one PIF (pif-introduce makes it, vlan-create refuses
	 * a second); the store does not enforce that: keep the first. */
	INDEX_FIND(hh_network, sd->pifs_by_network, p->network_uuid, found);
	if (found == NULL)
		INDEX_ADD(hh_network, sd->pifs_by_network, p, network_uuid);
}

void
pif_remove(struct switchd *sd, struct pif *p)
{
	struct pif *found;

	INDEX_FIND(hh_uuid, sd->pifs_by_uuid, p->uuid, found);
	if (found == p)
		HASH_DELETE(hh_uuid, sd->pifs_by_uuid, p);
	INDEX_FIND(hh_device, sd->pifs_by_device, p->device, found);
	if (found == p)
		HASH_DELETE(hh_device, sd->pifs_by_device, p);
	INDEX_FIND(hh_network, sd->pifs_by_network, p->network_uuid, found);
	if (found == p) {
		struct pif *other;

		HASH_DELETE(hh_network, sd->pifs_by_network, p);
		/* Another PIF of that network (a store that had two): now it. */
		TAILQ_FOREACH(other, &sd->pifs, next)
			if (other != p && strcmp(other->network_uuid, p->network_uuid) == 0) {
				INDEX_ADD(hh_network, sd->pifs_by_network, other, network_uuid);
				break;
			}
	}
	TAILQ_REMOVE(&sd->pifs, p, next);
}

void
vif_add(struct switchd *sd, struct vif *v)
{
	TAILQ_INSERT_TAIL(&sd->vifs, v, next);
	INDEX_ADD(hh_uuid, sd->vifs_by_uuid, v, uuid);
}

void
vif_remove(struct switchd *sd, struct vif *v)
{
	struct vif *found;

	INDEX_FIND(hh_uuid, sd->vifs_by_uuid, v->uuid, found);
	if (found == v)
		HASH_DELETE(hh_uuid, sd->vifs_by_uuid, v);
	TAILQ_REMOVE(&sd->vifs, v, next);
}

void
vlan_add(struct switchd *sd, struct vlan *v)
{
	TAILQ_INSERT_TAIL(&sd->vlans, v, next);
	INDEX_ADD(hh_uuid, sd->vlans_by_uuid, v, uuid);
	INDEX_ADD(hh_untagged, sd->vlans_by_untagged, v, untagged_pif);
}

void
vlan_remove(struct switchd *sd, struct vlan *v)
{
	struct vlan *found;

	INDEX_FIND(hh_uuid, sd->vlans_by_uuid, v->uuid, found);
	if (found == v)
		HASH_DELETE(hh_uuid, sd->vlans_by_uuid, v);
	INDEX_FIND(hh_untagged, sd->vlans_by_untagged, v->untagged_pif, found);
	if (found == v)
		HASH_DELETE(hh_untagged, sd->vlans_by_untagged, v);
	TAILQ_REMOVE(&sd->vlans, v, next);
}

struct network *
network_by_uuid(struct switchd *sd, const char *uuid)
{
	struct network *n = NULL;

	if (uuid == NULL)
		return NULL;
	INDEX_FIND(hh_uuid, sd->networks_by_uuid, uuid, n);
	if (n == NULL && index_incomplete)
		TAILQ_FOREACH(n, &sd->networks, next)
			if (strcmp(n->uuid, uuid) == 0)
				break;
	return n;
}

struct network *
network_by_bridge(struct switchd *sd, const char *bridge)
{
	struct network *n = NULL;

	if (bridge == NULL)
		return NULL;
	INDEX_FIND(hh_bridge, sd->networks_by_bridge, bridge, n);
	if (n == NULL && index_incomplete)
		TAILQ_FOREACH(n, &sd->networks, next)
			if (strcmp(n->bridge, bridge) == 0)
				break;
	return n;
}

struct pif *
pif_by_uuid(struct switchd *sd, const char *uuid)
{
	struct pif *p = NULL;

	if (uuid == NULL)
		return NULL;
	INDEX_FIND(hh_uuid, sd->pifs_by_uuid, uuid, p);
	if (p == NULL && index_incomplete)
		TAILQ_FOREACH(p, &sd->pifs, next)
			if (strcmp(p->uuid, uuid) == 0)
				break;
	return p;
}

struct pif *
pif_by_device(struct switchd *sd, const char *device)
{
	struct pif *p = NULL;

	if (device == NULL)
		return NULL;
	INDEX_FIND(hh_device, sd->pifs_by_device, device, p);
	if (p == NULL && index_incomplete)
		TAILQ_FOREACH(p, &sd->pifs, next)
			if (strcmp(p->device, device) == 0)
				break;
	return p;
}

struct pif *
pif_by_network(struct switchd *sd, const char *network_uuid)
{
	struct pif *p = NULL;

	if (network_uuid == NULL)
		return NULL;
	INDEX_FIND(hh_network, sd->pifs_by_network, network_uuid, p);
	if (p == NULL && index_incomplete)
		TAILQ_FOREACH(p, &sd->pifs, next)
			if (strcmp(p->network_uuid, network_uuid) == 0)
				break;
	return p;
}

struct vif *
vif_by_uuid(struct switchd *sd, const char *uuid)
{
	struct vif *v = NULL;

	if (uuid == NULL)
		return NULL;
	INDEX_FIND(hh_uuid, sd->vifs_by_uuid, uuid, v);
	if (v == NULL && index_incomplete)
		TAILQ_FOREACH(v, &sd->vifs, next)
			if (strcmp(v->uuid, uuid) == 0)
				break;
	return v;
}

void
bond_add(struct switchd *sd, struct bond *b)
{
	TAILQ_INSERT_TAIL(&sd->bonds, b, next);
	INDEX_ADD(hh_uuid, sd->bonds_by_uuid, b, uuid);
}

void
bond_remove(struct switchd *sd, struct bond *b)
{
	struct bond *found;

	INDEX_FIND(hh_uuid, sd->bonds_by_uuid, b->uuid, found);
	if (found == b)
		HASH_DELETE(hh_uuid, sd->bonds_by_uuid, b);
	TAILQ_REMOVE(&sd->bonds, b, next);
}

struct bond *
bond_by_uuid(struct switchd *sd, const char *uuid)
{
	struct bond *b = NULL;

	if (uuid == NULL)
		return NULL;
	INDEX_FIND(hh_uuid, sd->bonds_by_uuid, uuid, b);
	if (b == NULL && index_incomplete)
		TAILQ_FOREACH(b, &sd->bonds, next)
			if (strcmp(b->uuid, uuid) == 0)
				break;
	return b;
}

struct vlan *
vlan_by_uuid(struct switchd *sd, const char *uuid)
{
	struct vlan *v = NULL;

	if (uuid == NULL)
		return NULL;
	INDEX_FIND(hh_uuid, sd->vlans_by_uuid, uuid, v);
	if (v == NULL && index_incomplete)
		TAILQ_FOREACH(v, &sd->vlans, next)
			if (strcmp(v->uuid, uuid) == 0)
				break;
	return v;
}

struct vlan *
vlan_by_untagged(struct switchd *sd, const char *pif_uuid)
{
	struct vlan *v = NULL;

	if (pif_uuid == NULL)
		return NULL;
	INDEX_FIND(hh_untagged, sd->vlans_by_untagged, pif_uuid, v);
	if (v == NULL && index_incomplete)
		TAILQ_FOREACH(v, &sd->vlans, next)
			if (strcmp(v->untagged_pif, pif_uuid) == 0)
				break;
	return v;
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

	pif_add(sd, p);
	return 0;
}

static int
load_vif(struct vif *v, void *arg)
{
	struct switchd *sd = arg;

	vif_add(sd, v);
	return 0;
}

static int
load_bond(struct bond *b, void *arg)
{
	struct switchd *sd = arg;

	bond_add(sd, b);
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
	struct store_loader ld = {load_network, load_pif, load_vif, load_vlan, load_bond, sd};

	return store_load(sd->store, &ld);
}

void
sd_objects_free(struct switchd *sd)
{
	struct vlan *vlan;
	struct network *n;
	struct bond *b;
	struct pif *p;
	struct vif *v;

	while ((b = TAILQ_FIRST(&sd->bonds)) != NULL) {
		bond_remove(sd, b);
		free(b);
	}
	while ((vlan = TAILQ_FIRST(&sd->vlans)) != NULL) {
		vlan_remove(sd, vlan);
		free(vlan);
	}
	while ((v = TAILQ_FIRST(&sd->vifs)) != NULL) {
		vif_remove(sd, v);
		free(v);
	}
	while ((p = TAILQ_FIRST(&sd->pifs)) != NULL) {
		pif_remove(sd, p);
		if (p->dpdk_open)
			dp_device_close(p->ethdev); /* its port is closed already */
		free(p);
	}
	while ((n = TAILQ_FIRST(&sd->networks)) != NULL) {
		network_remove(sd, n);
		free(n);
	}
}
