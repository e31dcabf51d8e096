/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vlan-verbs.c - VLANs: vlan-create (a pseudo-PIF on a network of its
 * own, tagged on its parent PIF), vlan-destroy and vlan-list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../datapath/datapath.h"
#include "../switchd/call.h"
#include "../switchd/store.h"
#include "../switchd/switchd.h"
#include "vlan.h"

/* VLANs */

int
verb_vlan_create(struct switchd *sd, struct sd_call *c)
{
	struct network *n, *parent_net;
	uint16_t max_mtu;
	struct vlan *vlan;
	struct pif *parent, *p;
	struct pif_ip none = {.mode = PIF_IP_NONE};
	uint16_t tag;

	parent = pif_by_uuid(sd, sd_arg(c, "pif-uuid"));
	if (parent == NULL)
		return sd_no_such(c, "PIF", "pif-uuid");
	if (vlan_tag_parse(sd_arg(c, "vlan"), &tag) != 0)
		return sd_fail(c, SD_E_VLAN_TAG_INVALID, "tag %s is outside %d..%d",
			       sd_arg(c, "vlan"), VLAN_TAG_MIN, VLAN_TAG_MAX);
	if (parent->vlan >= 0)
		return sd_fail(c, SD_E_PIF_IS_VLAN, "%s is a VLAN pseudo-PIF already",
			       parent->device);
	if (bond_by_member(sd, parent->uuid) != NULL)
		return sd_fail(c, SD_E_CANNOT_ADD_VLAN_TO_BOND_SLAVE,
			       "%s is a bond member: put the VLAN on its bond's master",
			       parent->device);
	if (vlan_on(sd, parent->uuid, tag) != NULL)
		return sd_fail(c, SD_E_PIF_VLAN_EXISTS, "%s has VLAN %u already (%s)",
			       parent->device, tag, vlan_on(sd, parent->uuid, tag)->uuid);
	n = network_by_uuid(sd, sd_arg(c, "network-uuid"));
	if (n == NULL)
		return sd_no_such(c, "network", "network-uuid");
	p = pif_by_network(sd, n->uuid);
	if (p != NULL)
		return sd_fail(c, SD_E_NETWORK_ALREADY_CONNECTED, "%s has PIF %s already",
			       n->bridge, p->device);
	/* The parent's port is sized for its own network's MTU (and its
	 * netdev for the netdev's): a VLAN's frames must fit both. */
	parent_net = network_by_uuid(sd, parent->network_uuid);
	max_mtu = parent->mtu;
	if (parent_net != NULL && parent_net->mtu < max_mtu)
		max_mtu = parent_net->mtu;
	if (n->mtu > max_mtu)
		return sd_fail(c, SD_E_NETWORK_MTU_EXCEEDS_PIF, "%s has MTU %u, %s only %u",
			       n->bridge, n->mtu, parent->device, max_mtu);
	p = calloc(1, sizeof(*p));
	vlan = calloc(1, sizeof(*vlan));
	if (p == NULL || vlan == NULL) {
		free(p);
		free(vlan);
		return sd_fail(c, SD_E_INTERNAL_ERROR, "out of memory");
	}
	if (vlan_device_name(parent->device, tag, p->device, sizeof(p->device)) != 0) {
		free(p);
		free(vlan);
		return sd_fail(c, SD_E_INVALID_VALUE, "%s.%u is too long a name", parent->device,
			       tag);
	}
	sd_new_uuid(p->uuid);
	p->mac = parent->mac;
	p->mtu = n->mtu;
	p->vlan = tag;
	snprintf(p->network_uuid, sizeof(p->network_uuid), "%s", n->uuid);
	snprintf(p->backend, sizeof(p->backend), "vlan");
	p->ip = none;
	p->dp_port = DP_PORT_NONE;
	sd_new_uuid(vlan->uuid);
	snprintf(vlan->tagged_pif, sizeof(vlan->tagged_pif), "%s", parent->uuid);
	snprintf(vlan->untagged_pif, sizeof(vlan->untagged_pif), "%s", p->uuid);
	vlan->tag = tag;
	if (store_pif_put(sd->store, p) != 0 || store_vlan_put(sd->store, vlan) != 0) {
		free(p);
		free(vlan);
		return sd_store_err(c);
	}
	pif_add(sd, p);
	vlan_add(sd, vlan);
	c->result = json_string(vlan->uuid);
	return 0;
}

int
verb_vlan_destroy(struct switchd *sd, struct sd_call *c)
{
	struct vlan *vlan;
	struct pif *p;
	int err;

	vlan = vlan_by_uuid(sd, sd_arg(c, "uuid"));
	if (vlan == NULL)
		return sd_no_such(c, "VLAN", "uuid");
	p = pif_by_uuid(sd, vlan->untagged_pif);
	if (p != NULL && p->management)
		return sd_fail(c, SD_E_PIF_IS_MANAGEMENT_IFACE, "%s carries the management address",
			       p->device);
	if (store_vlan_del(sd->store, vlan->uuid) != 0 ||
	    (p != NULL && store_pif_del(sd->store, p->uuid) != 0))
		return sd_store_err(c);
	if (p != NULL && p->attached) {
		err = pif_detach(p, sd->dp);
		if (err)
			return sd_dp_fail(c, err, p->device);
	}
	if (p != NULL) {
		pif_remove(sd, p);
		free(p);
	}
	vlan_remove(sd, vlan);
	free(vlan);
	return 0;
}

int
verb_vlan_list(struct switchd *sd, struct sd_call *c)
{
	struct vlan *v;

	c->result = json_array();
	TAILQ_FOREACH(v, &sd->vlans, next) {
		json_t *rec = json_object();

		sd_rec_str(rec, "uuid", v->uuid);
		sd_rec_str(rec, "tagged-PIF", v->tagged_pif);
		sd_rec_str(rec, "untagged-PIF", v->untagged_pif);
		sd_rec_int(rec, "tag", v->tag);
		json_array_append_new(c->result, rec);
	}
	return 0;
}
