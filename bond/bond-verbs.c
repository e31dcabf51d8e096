/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bond-verbs.c - bond-create, bond-destroy, bond-set-mode, bond-param-set,
 * bond-list, with xapi's semantics (the Bonding Improvements design of
 * XenServer 6.0, Bond.create and Bond.destroy):
 *
 * bond-create makes master PIF bondN (the smallest unused N) on the
 * network. Its primary member is the management PIF if one member is, else
 * the member with an IP configuration, else the first. The master takes
 * the primary's MAC (unless mac= is given), IP configuration and management
 * flag; the members' VLANs move to the master with their networks (eth0.10
 * becomes bond0.10); the VIFs on the members' networks move to the bond's
 * network; the members lose their IP configuration and cannot be plugged on
 * their own (CANNOT_PLUG_BOND_SLAVE). The master is plugged if a member
 * was, or (as a VIF plug brings its network's uplink up) if the network
 * has plugged VIFs. bond-destroy gives all of it back to the primary member, which is
 * plugged if the master was.
 *
 * Both are one regrouping (struct regroup): records planned and stored;
 * then, live, the ports that change hands detached, the records changed,
 * the new owners plugged and the VIFs moved. A failure undoes the live
 * steps in reverse and the store transaction is rolled back.
 */
#include <errno.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../datapath/datapath.h"
#include "../lib/netdev.h"
#include "../pif/pif-verbs.h"
#include "../switchd/call.h"
#include "../switchd/store.h"
#include "../switchd/switchd.h"
#include "../vif/vif-verbs.h"
#include "../vlan/vlan.h"
#include "bond.h"

#define PROPERTIES_PREFIX "properties:"

struct regroup {
	/* records changed: the object, its new value, its old one */
	struct pif **pif;
	struct pif *pif_new, *pif_old;
	size_t n_pif;
	struct vlan **vlan;
	struct vlan *vlan_new, *vlan_old;
	size_t n_vlan;
	struct vif **vif; /* VIFs that go to network @to */
	size_t n_vif, n_vif_moved;
	char (*vif_from)[PIF_UUID_LEN];
	struct network *to;
	/* live: detached before the change, in order (pseudo-PIFs first) */
	struct pif **down;
	size_t n_down;
	/* plugged after it, in order */
	struct pif **up;
	struct pif_plugged *up_done;
	size_t n_up, n_up_done;
	/* a network whose host interface takes the bond's MAC (as a bridge
	 * takes its PIF's), and the MAC it had */
	struct network *mac_net;
	struct mac mac_was, mac_new;
	/* a bridge whose IP configuration goes to another (put back on failure) */
	struct network *ip_off;
	struct pif_ip ip_off_was;
	struct network *ip_on; /* the bridge it goes to (cleared on failure) */
	/* objects made (added at the change) and removed (after success) */
	struct pif *made_pif, *gone_pif;
	struct bond *made_bond, *gone_bond;
	/* sizes allocated */
	size_t cap_pif, cap_vlan, cap_vif, cap_live;
};

static void
regroup_free(struct regroup *rg)
{
	free(rg->pif);
	free(rg->pif_new);
	free(rg->pif_old);
	free(rg->vlan);
	free(rg->vlan_new);
	free(rg->vlan_old);
	free(rg->vif);
	free(rg->vif_from);
	free(rg->down);
	free(rg->up);
	free(rg->up_done);
	free(rg->made_pif);
	free(rg->made_bond);
}

/* Room for @pifs changed PIFs, @vlans VLANs, @vifs VIFs. */
static int
regroup_alloc(struct regroup *rg, size_t pifs, size_t vlans, size_t vifs)
{
	rg->cap_pif = pifs;
	rg->cap_vlan = vlans;
	rg->cap_vif = vifs;
	rg->cap_live = pifs;
	rg->pif = calloc(pifs, sizeof(*rg->pif));
	rg->pif_new = calloc(pifs, sizeof(*rg->pif_new));
	rg->pif_old = calloc(pifs, sizeof(*rg->pif_old));
	rg->vlan = calloc(vlans + 1, sizeof(*rg->vlan));
	rg->vlan_new = calloc(vlans + 1, sizeof(*rg->vlan_new));
	rg->vlan_old = calloc(vlans + 1, sizeof(*rg->vlan_old));
	rg->vif = calloc(vifs + 1, sizeof(*rg->vif));
	rg->vif_from = calloc(vifs + 1, sizeof(*rg->vif_from));
	rg->down = calloc(pifs, sizeof(*rg->down));
	rg->up = calloc(pifs, sizeof(*rg->up));
	rg->up_done = calloc(pifs, sizeof(*rg->up_done));
	if (rg->pif == NULL || rg->pif_new == NULL || rg->pif_old == NULL || rg->vlan == NULL ||
	    rg->vlan_new == NULL || rg->vlan_old == NULL || rg->vif == NULL ||
	    rg->vif_from == NULL || rg->down == NULL || rg->up == NULL || rg->up_done == NULL)
		return ENOMEM;
	return 0;
}

/* The new value of @p, to fill in (a copy of it at first). */
static struct pif *
plan_pif(struct regroup *rg, struct pif *p)
{
	for (size_t i = 0; i < rg->n_pif; i++)
		if (rg->pif[i] == p)
			return &rg->pif_new[i];
	if (rg->n_pif == rg->cap_pif)
		return NULL; /* sized by the caller: cannot happen */
	rg->pif[rg->n_pif] = p;
	rg->pif_new[rg->n_pif] = *p;
	return &rg->pif_new[rg->n_pif++];
}

static struct vlan *
plan_vlan(struct regroup *rg, struct vlan *v)
{
	rg->vlan[rg->n_vlan] = v;
	rg->vlan_new[rg->n_vlan] = *v;
	return &rg->vlan_new[rg->n_vlan++];
}

/* @p's VLANs go to @to (its pseudo-PIFs renamed <to>.<tag>, with @to's
 * MAC); an attached pseudo-PIF is detached and plugged again on @to. */
static int
plan_vlans(struct switchd *sd, struct regroup *rg, const struct pif *p, const struct pif *to)
{
	struct vlan *v;

	TAILQ_FOREACH(v, &sd->vlans, next) {
		struct pif *pseudo, *np;

		if (strcmp(v->tagged_pif, p->uuid) != 0)
			continue;
		pseudo = pif_by_uuid(sd, v->untagged_pif);
		if (pseudo == NULL)
			continue;
		snprintf(plan_vlan(rg, v)->tagged_pif, PIF_UUID_LEN, "%s", to->uuid);
		np = plan_pif(rg, pseudo);
		if (np == NULL)
			return ENOMEM;
		if (vlan_device_name(to->device, v->tag, np->device, sizeof(np->device)) != 0)
			return ENAMETOOLONG;
		np->mac = to->mac;
		if (pseudo->attached) {
			rg->down[rg->n_down++] = pseudo;
			rg->up[rg->n_up++] = pseudo;
		}
	}
	return 0;
}

/* The VIFs on network @from go to rg->to. */
static void
plan_vifs(struct switchd *sd, struct regroup *rg, const char *from)
{
	struct vif *v;

	TAILQ_FOREACH(v, &sd->vifs, next)
		if (strcmp(v->network_uuid, from) == 0 && rg->n_vif < rg->cap_vif)
			rg->vif[rg->n_vif++] = v;
}

static size_t
count_vlans(struct switchd *sd, const char *pif_uuid)
{
	struct vlan *v;
	size_t n = 0;

	TAILQ_FOREACH(v, &sd->vlans, next)
		n += strcmp(v->tagged_pif, pif_uuid) == 0;
	return n;
}

static size_t
count_vifs(struct switchd *sd, const char *network_uuid)
{
	struct vif *v;
	size_t n = 0;

	TAILQ_FOREACH(v, &sd->vifs, next)
		n += strcmp(v->network_uuid, network_uuid) == 0;
	return n;
}

/* Write every planned record. */
static int
regroup_store(struct switchd *sd, struct regroup *rg)
{
	size_t i;

	if (rg->made_pif != NULL && (store_pif_put(sd->store, rg->made_pif) != 0 ||
				     store_bond_put(sd->store, rg->made_bond) != 0))
		return EIO;
	if (rg->mac_net != NULL) {
		struct network rec = *rg->mac_net;

		rec.host_mac = rg->mac_new;
		if (store_network_put(sd->store, &rec) != 0)
			return EIO;
	}
	if (rg->gone_pif != NULL && (store_bond_del(sd->store, rg->gone_bond->uuid) != 0 ||
				     store_pif_del(sd->store, rg->gone_pif->uuid) != 0))
		return EIO;
	for (i = 0; i < rg->n_pif; i++)
		if (store_pif_put(sd->store, &rg->pif_new[i]) != 0)
			return EIO;
	for (i = 0; i < rg->n_vlan; i++)
		if (store_vlan_put(sd->store, &rg->vlan_new[i]) != 0)
			return EIO;
	for (i = 0; i < rg->n_vif; i++) {
		struct vif rec = *rg->vif[i];

		snprintf(rec.network_uuid, sizeof(rec.network_uuid), "%s", rg->to->uuid);
		if (store_vif_put(sd->store, &rec) != 0)
			return EIO;
	}
	return 0;
}

/* Give @p the value @val, keeping the indexes (its device may change). */
static void
pif_set(struct switchd *sd, struct pif *p, const struct pif *val)
{
	bool reindex = strcmp(p->device, val->device) != 0;
	__typeof__(p->next) next;
	UT_hash_handle h1, h2, h3;

	if (reindex)
		pif_remove(sd, p); /* by its old name; pif_add() links it anew */
	next = p->next;
	h1 = p->hh_uuid;
	h2 = p->hh_device;
	h3 = p->hh_network;
	*p = *val;
	/* The links are the model's, not the value's. */
	p->next = next;
	p->hh_uuid = h1;
	p->hh_device = h2;
	p->hh_network = h3;
	if (reindex)
		pif_add(sd, p);
}

static void
vlan_set(struct vlan *v, const struct vlan *val)
{
	snprintf(v->tagged_pif, sizeof(v->tagged_pif), "%s", val->tagged_pif);
}

/* The records, in memory. The live state of every object changed is
 * copied along (attached, port): what is detached is detached already. */
static void
regroup_change(struct switchd *sd, struct regroup *rg)
{
	size_t i;

	if (rg->made_pif != NULL) {
		pif_add(sd, rg->made_pif);
		bond_add(sd, rg->made_bond);
	}
	if (rg->gone_bond != NULL)
		bond_remove(sd, rg->gone_bond); /* its members may be plugged now */
	for (i = 0; i < rg->n_pif; i++) {
		struct pif val = rg->pif_new[i];

		rg->pif_old[i] = *rg->pif[i];
		val.attached = rg->pif[i]->attached;
		val.pending = rg->pif_new[i].pending; /* a member's is planned false */
		val.dp_port = rg->pif[i]->dp_port;
		val.dpdk_open = rg->pif[i]->dpdk_open;
		val.ethdev = rg->pif[i]->ethdev;
		pif_set(sd, rg->pif[i], &val);
	}
	for (i = 0; i < rg->n_vlan; i++) {
		rg->vlan_old[i] = *rg->vlan[i];
		vlan_set(rg->vlan[i], &rg->vlan_new[i]);
	}
}

static void
regroup_unchange(struct switchd *sd, struct regroup *rg)
{
	size_t i;

	for (i = rg->n_vlan; i-- > 0;)
		vlan_set(rg->vlan[i], &rg->vlan_old[i]);
	for (i = rg->n_pif; i-- > 0;) {
		struct pif val = rg->pif_old[i];

		val.attached = rg->pif[i]->attached;
		val.dp_port = rg->pif[i]->dp_port;
		val.dpdk_open = rg->pif[i]->dpdk_open;
		val.ethdev = rg->pif[i]->ethdev;
		pif_set(sd, rg->pif[i], &val);
	}
	if (rg->gone_bond != NULL)
		bond_add(sd, rg->gone_bond);
	if (rg->made_pif != NULL) {
		bond_remove(sd, rg->made_bond);
		pif_remove(sd, rg->made_pif);
	}
}

/* The MAC of network @n's host interface, live if it is realised. */
static int
host_mac_set(struct network *n, const struct mac *mac)
{
	struct ifreq ifr = {.ifr_hwaddr.sa_family = ARPHRD_ETHER};
	int err = 0;

	if (n->realised) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->bridge);
		memcpy(ifr.ifr_hwaddr.sa_data, mac->b, MAC_LEN);
		err = netdev_ioctl(SIOCSIFHWADDR, &ifr);
	}
	if (err == 0)
		n->host_mac = *mac;
	return err;
}

/* Plug again what was detached, in reverse order (parents first). */
static void
replug_down(struct switchd *sd, struct regroup *rg, size_t n)
{
	while (n-- > 0) {
		struct pif *p = rg->down[n];
		struct network *net = network_by_uuid(sd, p->network_uuid);

		if (net == NULL || attach_pif(sd, p, net) != 0)
			LOG_ERR("%s: cannot be attached again", p->device);
	}
	if (rg->ip_off != NULL && pif_ip_apply(rg->ip_off->bridge, &rg->ip_off_was, sd->rundir))
		LOG_ERR("%s: previous IP configuration not restored", rg->ip_off->bridge);
}

/* Carry out the plan, live. 0, or -1 with @c failed and nothing changed. */
static int
regroup_run(struct switchd *sd, struct sd_call *c, struct regroup *rg)
{
	static const struct pif_ip none = {.mode = PIF_IP_NONE};
	size_t i;
	int err;

	for (i = 0; i < rg->n_down; i++) {
		err = detach_pif(sd, rg->down[i]);
		if (err) {
			replug_down(sd, rg, i);
			return sd_dp_fail(c, err, rg->down[i]->device);
		}
	}
	if (rg->ip_off != NULL && rg->ip_off->realised &&
	    (err = pif_ip_apply(rg->ip_off->bridge, &none, sd->rundir)) != 0)
		LOG_WARN("%s: IP configuration not removed: %s", rg->ip_off->bridge, strerror(err));
	if (rg->mac_net != NULL) {
		rg->mac_was = rg->mac_net->host_mac;
		err = host_mac_set(rg->mac_net, &rg->mac_new);
		if (err) {
			replug_down(sd, rg, rg->n_down);
			return sd_dp_fail(c, err, rg->mac_net->bridge);
		}
	}
	regroup_change(sd, rg);
	for (rg->n_up_done = 0; rg->n_up_done < rg->n_up; rg->n_up_done++)
		if (pif_plug(sd, c, rg->up[rg->n_up_done], &rg->up_done[rg->n_up_done]) != 0)
			goto undo;
	for (rg->n_vif_moved = 0; rg->n_vif_moved < rg->n_vif; rg->n_vif_moved++) {
		struct vif *v = rg->vif[rg->n_vif_moved];

		if (vif_relocate(sd, c, v, rg->to, true) != 0)
			goto undo;
		snprintf(rg->vif_from[rg->n_vif_moved], PIF_UUID_LEN, "%s", v->network_uuid);
		snprintf(v->network_uuid, sizeof(v->network_uuid), "%s", rg->to->uuid);
	}
	return 0;
undo:
	/* The VIFs back to their bridges first (those are still there; their
	 * uplinks come back below), then the plugs, then the records. */
	while (rg->n_vif_moved-- > 0) {
		struct vif *v = rg->vif[rg->n_vif_moved];
		struct network *from = network_by_uuid(sd, rg->vif_from[rg->n_vif_moved]);
		struct sd_call back = {.params = NULL};

		if (from != NULL && vif_relocate(sd, &back, v, from, false) != 0)
			LOG_ERR("VIF %s: cannot be moved back: %s", v->uuid, back.msg);
		snprintf(v->network_uuid, sizeof(v->network_uuid), "%s",
			 rg->vif_from[rg->n_vif_moved]);
	}
	while (rg->n_up_done-- > 0)
		plug_pif_undo(sd, &rg->up_done[rg->n_up_done]);
	/* The plug gave the new owner's bridge the IP configuration; a bridge
	 * that stays keeps it otherwise. */
	if (rg->ip_on != NULL && rg->ip_on->realised &&
	    pif_ip_apply(rg->ip_on->bridge, &none, sd->rundir) != 0)
		LOG_ERR("%s: IP configuration not removed", rg->ip_on->bridge);
	regroup_unchange(sd, rg);
	if (rg->mac_net != NULL && host_mac_set(rg->mac_net, &rg->mac_was) != 0)
		LOG_ERR("%s: its MAC cannot be set back", rg->mac_net->bridge);
	replug_down(sd, rg, rg->n_down);
	return -1;
}

/* The smallest unused bondN. */
static int
next_bond_name(struct switchd *sd, char *out, size_t len)
{
	for (unsigned int n = 0; n < 1000; n++) {
		snprintf(out, len, "bond%u", n);
		if (pif_by_device(sd, out) == NULL)
			return 0;
	}
	return ENOSPC;
}

/* Apply the properties:KEY=VALUE of @c to @props. */
static int
props_from_call(struct sd_call *c, struct bond_props *props, enum bond_kind kind,
		char member[][PIF_UUID_LEN], const char *const *device, unsigned int n)
{
	const char *key;
	json_t *val;
	char why[256];

	json_object_foreach(c->params, key, val) {
		if (strncmp(key, PROPERTIES_PREFIX, strlen(PROPERTIES_PREFIX)) != 0)
			continue;
		if (bond_prop_set(props, kind, key + strlen(PROPERTIES_PREFIX),
				  json_string_value(val), member, device, n, why, sizeof(why)) != 0)
			return sd_fail(c, SD_E_INVALID_VALUE, "%s", why);
	}
	return 0;
}

static int
mode_from_call(struct sd_call *c, const char *s, enum bond_kind *kind)
{
	if (bond_kind_parse(s, kind) != 0)
		return sd_fail(c, SD_E_INVALID_VALUE,
			       "mode %s: expected balance-slb, active-backup or lacp", s);
	return 0;
}

/* The member PIFs named by pif-uuids=, duplicates dropped (as xapi). */
static int
members_from_call(struct switchd *sd, struct sd_call *c, struct pif **m, unsigned int *n)
{
	char list[1024], *tok, *save = NULL;
	unsigned int count = 0;

	*n = 0;
	if (strlen(sd_arg(c, "pif-uuids")) >= sizeof(list))
		return sd_fail(c, SD_E_PIF_BOND_NEEDS_MORE_MEMBERS, "a bond has 2 to %d members",
			       BOND_MAX_MEMBERS);
	snprintf(list, sizeof(list), "%s", sd_arg(c, "pif-uuids"));
	*n = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		struct pif *p = pif_by_uuid(sd, tok);
		bool dup = false;

		if (p == NULL)
			return sd_fail(c, SD_E_UUID_INVALID, "no PIF has uuid %s (pif-uuids=)",
				       tok);
		for (unsigned int i = 0; i < *n && i < BOND_MAX_MEMBERS; i++)
			dup |= m[i] == p;
		if (dup)
			continue;
		if (*n < BOND_MAX_MEMBERS)
			m[*n] = p;
		(*n)++;
		count++;
	}
	if (count < 2 || count > BOND_MAX_MEMBERS)
		return sd_fail(c, SD_E_PIF_BOND_NEEDS_MORE_MEMBERS,
			       "a bond has 2 to %d members, not %u", BOND_MAX_MEMBERS, count);
	return 0;
}

/* May @p be a member of a new bond? */
static int
member_admissible(struct switchd *sd, struct sd_call *c, const struct pif *p,
		  const struct pif *first)
{
	if (p->vlan >= 0)
		return sd_fail(c, SD_E_PIF_IS_VLAN, "%s is a VLAN pseudo-PIF", p->device);
	if (bond_by_member(sd, p->uuid) != NULL)
		return sd_fail(c, SD_E_PIF_ALREADY_BONDED, "%s is a member of bond %s already",
			       p->device, bond_by_member(sd, p->uuid)->uuid);
	if (bond_by_master(sd, p->uuid) != NULL)
		return sd_fail(c, SD_E_PIF_ALREADY_BONDED,
			       "%s is a bond's master: a bond cannot be a member", p->device);
	if (strcmp(p->backend, PIF_BACKEND_BOND) == 0 || strcmp(p->backend, "vlan") == 0)
		return sd_fail(c, SD_E_INCOMPATIBLE_PIF_PROPERTIES,
			       "%s (backend %s) cannot be bonded", p->device, p->backend);
	if (p->mtu != first->mtu)
		return sd_fail(c, SD_E_INCOMPATIBLE_PIF_PROPERTIES,
			       "%s has MTU %u, %s %u: members have one MTU", p->device, p->mtu,
			       first->device, first->mtu);
	return 0;
}

int
verb_bond_create(struct switchd *sd, struct sd_call *c)
{
	const char *mac_s = sd_arg(c, "mac"), *mode_s = sd_arg(c, "mode");
	struct pif *m[BOND_MAX_MEMBERS], *primary = NULL, *master;
	const char *device[BOND_MAX_MEMBERS];
	struct regroup rg = {.pif = NULL};
	unsigned int n = 0, i, j, with_ip = 0;
	size_t vlans = 0, vifs = 0;
	bool plug = false;
	struct network *net;
	struct bond *b;
	struct mac mac;
	int err;

	net = network_by_uuid(sd, sd_arg(c, "network-uuid"));
	if (net == NULL)
		return sd_no_such(c, "network", "network-uuid");
	if (members_from_call(sd, c, m, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (member_admissible(sd, c, m[i], m[0]) != 0)
			return -1;
		device[i] = m[i]->device;
		with_ip += m[i]->ip.mode != PIF_IP_NONE;
		if (m[i]->management)
			primary = m[i];
		plug |= m[i]->attached || m[i]->pending;
	}
	/* A VIF plugged on a network has its uplink plugged (xapi's
	 * attach_for_vif): the bond's network, or a member's whose VIFs move
	 * to it, may have plugged VIFs already. */
	{
		struct vif *v;

		TAILQ_FOREACH(v, &sd->vifs, next) {
			bool moves = strcmp(v->network_uuid, net->uuid) == 0;

			for (i = 0; i < n; i++)
				moves |= strcmp(v->network_uuid, m[i]->network_uuid) == 0;
			plug |= (v->attached || v->pending) && moves;
		}
	}
	if (with_ip > 1)
		return sd_fail(c, SD_E_PIF_BOND_MORE_THAN_ONE_IP,
			       "more than one member has an IP configuration");
	for (i = 0; primary == NULL && i < n; i++)
		if (m[i]->ip.mode != PIF_IP_NONE)
			primary = m[i];
	if (primary == NULL)
		primary = m[0];
	if (pif_by_network(sd, net->uuid) != NULL)
		return sd_fail(c, SD_E_NETWORK_ALREADY_CONNECTED, "%s has PIF %s already",
			       net->bridge, pif_by_network(sd, net->uuid)->device);
	if (net->mtu > primary->mtu)
		return sd_fail(c, SD_E_NETWORK_MTU_EXCEEDS_PIF,
			       "%s has MTU %u, the members only %u", net->bridge, net->mtu,
			       primary->mtu);
	/* Two members' VLANs with one tag: xapi keeps one and moves the
	 * other's VIFs to its network; refused here (the operator chooses). */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			struct vlan *v;

			TAILQ_FOREACH(v, &sd->vlans, next)
				if (strcmp(v->tagged_pif, m[i]->uuid) == 0 &&
				    vlan_on(sd, m[j]->uuid, v->tag) != NULL)
					return sd_fail(
						c, SD_E_PIF_VLAN_EXISTS,
						"%s and %s both have VLAN %u: vlan-destroy one",
						m[i]->device, m[j]->device, v->tag);
		}
	if (mac_s != NULL) {
		enum mac_verdict v =
			mac_check_user(mac_s, sd_arg_true(c, "allow-global-mac"), &mac);

		if (v != MAC_OK)
			return sd_fail(c, SD_E_MAC_INVALID, "%s: %s", mac_s, mac_verdict_str(v));
	} else {
		mac = primary->mac;
	}

	master = calloc(1, sizeof(*master));
	b = calloc(1, sizeof(*b));
	rg.made_pif = master;
	rg.made_bond = b;
	for (i = 0; i < n; i++) {
		vlans += count_vlans(sd, m[i]->uuid);
		vifs += count_vifs(sd, m[i]->network_uuid);
	}
	if (master == NULL || b == NULL || regroup_alloc(&rg, n + vlans + 1, vlans, vifs) != 0) {
		regroup_free(&rg);
		return sd_fail(c, SD_E_INTERNAL_ERROR, "out of memory");
	}
	b->kind = BOND_KIND_BALANCE_SLB; /* as xe's default */
	if ((mode_s != NULL && mode_from_call(c, mode_s, &b->kind) != 0)) {
		regroup_free(&rg);
		return -1;
	}
	bond_props_default(&b->props, b->kind);
	for (i = 0; i < n; i++)
		snprintf(b->member[i], PIF_UUID_LEN, "%s", m[i]->uuid);
	b->n_members = n;
	if (props_from_call(c, &b->props, b->kind, b->member, device, n) != 0 ||
	    next_bond_name(sd, master->device, sizeof(master->device)) != 0) {
		if (c->err == SD_OK)
			sd_fail(c, SD_E_INTERNAL_ERROR, "no free bondN name");
		regroup_free(&rg);
		return -1;
	}
	sd_new_uuid(b->uuid);
	sd_new_uuid(master->uuid);
	snprintf(b->master, sizeof(b->master), "%s", master->uuid);
	snprintf(b->primary_member, sizeof(b->primary_member), "%s", primary->uuid);
	b->auto_update_mac = mac_s == NULL;
	b->wake = BOND_NEVER;
	for (i = 0; i < BOND_MAX_MEMBERS; i++)
		b->dp_member[i] = DP_PORT_NONE;
	master->mac = mac;
	master->mtu = primary->mtu;
	master->vlan = -1;
	snprintf(master->network_uuid, sizeof(master->network_uuid), "%s", net->uuid);
	master->management = primary->management;
	master->physical = false;
	snprintf(master->backend, sizeof(master->backend), "%s", PIF_BACKEND_BOND);
	master->ip = primary->ip;
	master->dp_port = DP_PORT_NONE;

	/* The plan: members lose their IP configuration and management flag
	 * and are detached; their VLANs and VIFs go to the master. */
	rg.to = net;
	for (i = 0; i < n; i++) {
		struct pif *np;

		if (plan_vlans(sd, &rg, m[i], master) != 0) {
			regroup_free(&rg);
			return sd_fail(c, SD_E_INVALID_VALUE, "%s: a VLAN's name would be too long",
				       master->device);
		}
		np = plan_pif(&rg, m[i]);
		np->ip = (struct pif_ip){.mode = PIF_IP_NONE};
		np->management = false;
		np->attached = false;
		np->pending = false;
		if (m[i]->attached)
			rg.down[rg.n_down++] = m[i];
		plan_vifs(sd, &rg, m[i]->network_uuid);
	}
	/* The bond's bridge takes its MAC, as xenbrN has its NIC's: the
	 * address the host had keeps its MAC for the neighbours. */
	rg.mac_net = net;
	rg.mac_new = mac;
	/* The master first: its pseudo-PIFs hang off it. */
	if (plug) {
		memmove(rg.up + 1, rg.up, rg.n_up * sizeof(*rg.up));
		rg.up[0] = master;
		rg.n_up++;
	}
	if (primary->ip.mode != PIF_IP_NONE || primary->ip.ip[0] != '\0') {
		rg.ip_off = network_by_uuid(sd, primary->network_uuid);
		rg.ip_off_was = primary->ip;
		rg.ip_on = net;
	}
	err = regroup_store(sd, &rg);
	if (err) {
		regroup_free(&rg);
		return sd_store_err(c);
	}
	if (regroup_run(sd, c, &rg) != 0) {
		regroup_free(&rg);
		return -1;
	}
	LOG_INFO("bond %s (%s) created over %u members, primary %s", master->device,
		 bond_kind_str(b->kind), n, primary->device);
	c->result = json_string(b->uuid);
	rg.made_pif = NULL; /* the model's now */
	rg.made_bond = NULL;
	regroup_free(&rg);
	return 0;
}

int
verb_bond_destroy(struct switchd *sd, struct sd_call *c)
{
	struct regroup rg = {.pif = NULL};
	struct pif *master, *primary, *np;
	struct network *pnet;
	struct bond *b;
	bool plug;

	b = bond_by_uuid(sd, sd_arg(c, "uuid"));
	if (b == NULL)
		return sd_no_such(c, "bond", "uuid");
	master = pif_by_uuid(sd, b->master);
	primary = pif_by_uuid(sd, b->primary_member);
	if (master == NULL || primary == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "bond %s has no master or primary", b->uuid);
	pnet = network_by_uuid(sd, primary->network_uuid);
	if (pnet == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "PIF %s has no network", primary->uuid);
	if (regroup_alloc(&rg, count_vlans(sd, master->uuid) + 2, count_vlans(sd, master->uuid),
			  count_vifs(sd, master->network_uuid)) != 0) {
		regroup_free(&rg);
		return sd_fail(c, SD_E_INTERNAL_ERROR, "out of memory");
	}
	plug = master->attached || master->pending;
	rg.to = pnet;
	rg.gone_pif = master;
	rg.gone_bond = b;
	/* The master's VLAN pseudo-PIFs come down, then the master. */
	if (plan_vlans(sd, &rg, master, primary) != 0) {
		regroup_free(&rg);
		return sd_fail(c, SD_E_INVALID_VALUE, "%s: a VLAN's name would be too long",
			       primary->device);
	}
	if (master->attached)
		rg.down[rg.n_down++] = master;
	np = plan_pif(&rg, primary);
	np->ip = master->ip;
	np->management = master->management;
	if (plug) {
		memmove(rg.up + 1, rg.up, rg.n_up * sizeof(*rg.up));
		rg.up[0] = primary;
		rg.n_up++;
	}
	plan_vifs(sd, &rg, master->network_uuid);
	if (master->ip.mode != PIF_IP_NONE || master->ip.ip[0] != '\0') {
		rg.ip_off = network_by_uuid(sd, master->network_uuid);
		rg.ip_off_was = master->ip;
		rg.ip_on = pnet;
	}
	if (regroup_store(sd, &rg) != 0) {
		regroup_free(&rg);
		return sd_store_err(c);
	}
	if (regroup_run(sd, c, &rg) != 0) {
		regroup_free(&rg);
		return -1;
	}
	LOG_INFO("bond %s destroyed; %s has its configuration back", master->device,
		 primary->device);
	pif_remove(sd, master);
	free(master);
	free(b);
	regroup_free(&rg);
	return 0;
}

/* bond-set-mode and bond-param-set: a new mode and properties, stored and
 * followed by the live bond. Leaving lacp drops the LACP properties. */
static int
bond_settings(struct switchd *sd, struct sd_call *c, struct bond *b, enum bond_kind kind)
{
	const char *device[BOND_MAX_MEMBERS];
	struct bond rec = *b;

	for (unsigned int i = 0; i < b->n_members; i++) {
		const struct pif *p = pif_by_uuid(sd, b->member[i]);

		device[i] = p != NULL ? p->device : "";
	}
	if (kind != b->kind) {
		struct bond_props fresh;

		bond_props_default(&fresh, kind);
		/* The properties every mode has stay; the mode's default
		 * rebalance interval comes with it. */
		fresh.updelay_ms = b->props.updelay_ms;
		fresh.downdelay_ms = b->props.downdelay_ms;
		snprintf(fresh.primary, sizeof(fresh.primary), "%s", b->props.primary);
		rec.props = fresh;
		rec.kind = kind;
	}
	if (props_from_call(c, &rec.props, kind, rec.member, device, rec.n_members) != 0)
		return -1;
	if (store_bond_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	b->kind = rec.kind;
	b->props = rec.props;
	bond_settings_changed(sd, b);
	return 0;
}

int
verb_bond_set_mode(struct switchd *sd, struct sd_call *c)
{
	enum bond_kind kind;
	struct bond *b;

	b = bond_by_uuid(sd, sd_arg(c, "uuid"));
	if (b == NULL)
		return sd_no_such(c, "bond", "uuid");
	if (mode_from_call(c, sd_arg(c, "mode"), &kind) != 0)
		return -1;
	return bond_settings(sd, c, b, kind);
}

int
verb_bond_param_set(struct switchd *sd, struct sd_call *c)
{
	struct bond *b;

	b = bond_by_uuid(sd, sd_arg(c, "uuid"));
	if (b == NULL)
		return sd_no_such(c, "bond", "uuid");
	return bond_settings(sd, c, b, b->kind);
}

int
verb_bond_list(struct switchd *sd, struct sd_call *c)
{
	struct bond *b;

	c->result = json_array();
	TAILQ_FOREACH(b, &sd->bonds, next)
		if (sd_prefilter(c, "uuid", b->uuid))
			json_array_append_new(c->result, bond_record(sd, b));
	return 0;
}
