/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.c - the crash-consistency check (netctl check). Three layers are
 * compared, each with the next: the store (read afresh), switchd's objects,
 * and what is realised: the datapath's bridges and ports, the snapshot its
 * workers use, the bridges' host interfaces, VIFs' netdevs and vhost-user
 * sockets. Each difference is one record; a consistent switch has none.
 * Read-only: it changes nothing, and nothing is repaired.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../datapath/datapath.h"
#include "store.h"
#include "switchd.h"

struct check {
	struct switchd *sd;
	json_t *out;
};

static void __attribute__((format(printf, 5, 6)))
diff(struct check *ck, const char *object, const char *uuid, const char *name, const char *fmt, ...)
{
	json_t *rec = json_object();
	char problem[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	json_object_set_new(rec, "object", json_string(object));
	json_object_set_new(rec, "uuid", json_string(uuid ? uuid : ""));
	json_object_set_new(rec, "name", json_string(name ? name : ""));
	json_object_set_new(rec, "problem", json_string(problem));
	json_array_append_new(ck->out, rec);
}

/* Store against objects ----------------------------------------------------- */

/* Each persisted field that differs: "field (store: X, switchd: Y)". */
#define FIELD_STR(ck, obj, what, f, st, mem)                                                     \
	do {                                                                                     \
		if (strcmp((st)->f, (mem)->f) != 0)                                              \
			diff(ck, obj, (mem)->uuid, what, "%s: store has \"%s\", switchd \"%s\"", \
			     #f, (st)->f, (mem)->f);                                             \
	} while (0)
#define FIELD_INT(ck, obj, what, f, st, mem)                                                     \
	do {                                                                                     \
		if ((long long)(st)->f != (long long)(mem)->f)                                   \
			diff(ck, obj, (mem)->uuid, what, "%s: store has %lld, switchd %lld", #f, \
			     (long long)(st)->f, (long long)(mem)->f);                           \
	} while (0)

static void
networks_vs_store(struct check *ck, struct switchd *shadow)
{
	struct network *n, *s;

	TAILQ_FOREACH(n, &ck->sd->networks, next) {
		s = network_by_uuid(shadow, n->uuid);
		if (s == NULL) {
			diff(ck, "network", n->uuid, n->bridge, "in switchd, not in the store");
			continue;
		}
		FIELD_STR(ck, "network", n->bridge, name_label, s, n);
		FIELD_STR(ck, "network", n->bridge, bridge, s, n);
		FIELD_INT(ck, "network", n->bridge, mtu, s, n);
		FIELD_INT(ck, "network", n->bridge, group_fwd_mask, s, n);
		FIELD_INT(ck, "network", n->bridge, mac_limit, s, n);
		FIELD_INT(ck, "network", n->bridge, locking_disabled, s, n);
		if (memcmp(&s->host_mac, &n->host_mac, sizeof(n->host_mac)) != 0)
			diff(ck, "network", n->uuid, n->bridge,
			     "host_mac differs from the store's");
	}
	TAILQ_FOREACH(s, &shadow->networks, next)
		if (network_by_uuid(ck->sd, s->uuid) == NULL)
			diff(ck, "network", s->uuid, s->bridge, "in the store, not in switchd");
}

static void
pifs_vs_store(struct check *ck, struct switchd *shadow)
{
	struct pif *p, *s;

	TAILQ_FOREACH(p, &ck->sd->pifs, next) {
		s = pif_by_uuid(shadow, p->uuid);
		if (s == NULL) {
			diff(ck, "PIF", p->uuid, p->device, "in switchd, not in the store");
			continue;
		}
		FIELD_STR(ck, "PIF", p->device, device, s, p);
		FIELD_STR(ck, "PIF", p->device, network_uuid, s, p);
		FIELD_STR(ck, "PIF", p->device, backend, s, p);
		FIELD_INT(ck, "PIF", p->device, mtu, s, p);
		FIELD_INT(ck, "PIF", p->device, vlan, s, p);
		FIELD_INT(ck, "PIF", p->device, management, s, p);
		if (s->attached != (p->attached || p->pending))
			diff(ck, "PIF", p->uuid, p->device, "attached: store has %d, switchd %d",
			     s->attached, p->attached || p->pending);
		FIELD_INT(ck, "PIF", p->device, ip.mode, s, p);
		FIELD_STR(ck, "PIF", p->device, ip.ip, s, p);
		FIELD_STR(ck, "PIF", p->device, ip.netmask, s, p);
		FIELD_STR(ck, "PIF", p->device, ip.gateway, s, p);
		FIELD_STR(ck, "PIF", p->device, ip.dns, s, p);
		if (memcmp(&s->mac, &p->mac, sizeof(p->mac)) != 0)
			diff(ck, "PIF", p->uuid, p->device, "MAC differs from the store's");
	}
	TAILQ_FOREACH(s, &shadow->pifs, next)
		if (pif_by_uuid(ck->sd, s->uuid) == NULL)
			diff(ck, "PIF", s->uuid, s->device, "in the store, not in switchd");
}

static void
vifs_vs_store(struct check *ck, struct switchd *shadow)
{
	struct vif *v, *s;

	TAILQ_FOREACH(v, &ck->sd->vifs, next) {
		bool plugged = v->attached || v->pending;

		s = vif_by_uuid(shadow, v->uuid);
		if (s == NULL) {
			diff(ck, "VIF", v->uuid, v->ifname, "in switchd, not in the store");
			continue;
		}
		FIELD_STR(ck, "VIF", v->ifname, vm_uuid, s, v);
		FIELD_STR(ck, "VIF", v->ifname, network_uuid, s, v);
		FIELD_STR(ck, "VIF", v->ifname, ifname, s, v);
		FIELD_STR(ck, "VIF", v->ifname, vhost_path, s, v);
		FIELD_INT(ck, "VIF", v->ifname, vhost_server, s, v);
		FIELD_INT(ck, "VIF", v->ifname, device, s, v);
		FIELD_INT(ck, "VIF", v->ifname, mtu, s, v);
		FIELD_INT(ck, "VIF", v->ifname, domid, s, v);
		FIELD_INT(ck, "VIF", v->ifname, mac_limit, s, v);
		FIELD_INT(ck, "VIF", v->ifname, qos.ratelimit, s, v);
		FIELD_INT(ck, "VIF", v->ifname, qos.kbps, s, v);
		FIELD_INT(ck, "VIF", v->ifname, qos.timeslice_us, s, v);
		FIELD_INT(ck, "VIF", v->ifname, lock.mode, s, v);
		if (!vif_lock_equal(&s->lock, &v->lock))
			diff(ck, "VIF", v->uuid, v->ifname,
			     "allowed addresses differ from the store's");
		if (s->attached != plugged)
			diff(ck, "VIF", v->uuid, v->ifname, "plugged: store has %d, switchd %d",
			     s->attached, plugged);
		if (memcmp(&s->mac, &v->mac, sizeof(v->mac)) != 0)
			diff(ck, "VIF", v->uuid, v->ifname, "MAC differs from the store's");
	}
	TAILQ_FOREACH(s, &shadow->vifs, next)
		if (vif_by_uuid(ck->sd, s->uuid) == NULL)
			diff(ck, "VIF", s->uuid, s->ifname, "in the store, not in switchd");
}

static void
vlans_vs_store(struct check *ck, struct switchd *shadow)
{
	struct vlan *l, *s;

	TAILQ_FOREACH(l, &ck->sd->vlans, next) {
		s = vlan_by_uuid(shadow, l->uuid);
		if (s == NULL) {
			diff(ck, "VLAN", l->uuid, "", "in switchd, not in the store");
			continue;
		}
		FIELD_STR(ck, "VLAN", "", tagged_pif, s, l);
		FIELD_STR(ck, "VLAN", "", untagged_pif, s, l);
		FIELD_INT(ck, "VLAN", "", tag, s, l);
	}
	TAILQ_FOREACH(s, &shadow->vlans, next)
		if (vlan_by_uuid(ck->sd, s->uuid) == NULL)
			diff(ck, "VLAN", s->uuid, "", "in the store, not in switchd");
}

static int
shadow_network(struct network *n, void *arg)
{
	network_add(arg, n);
	return 0;
}

static int
shadow_pif(struct pif *p, void *arg)
{
	pif_add(arg, p);
	return 0;
}

static int
shadow_vif(struct vif *v, void *arg)
{
	vif_add(arg, v);
	return 0;
}

static int
shadow_vlan(struct vlan *l, void *arg)
{
	vlan_add(arg, l);
	return 0;
}

static int
shadow_bond(struct bond *b, void *arg)
{
	bond_add(arg, b);
	return 0;
}

static void
bonds_vs_store(struct check *ck, struct switchd *shadow)
{
	struct bond *l, *s;

	TAILQ_FOREACH(l, &ck->sd->bonds, next) {
		s = bond_by_uuid(shadow, l->uuid);
		if (s == NULL) {
			diff(ck, "bond", l->uuid, "", "in switchd, not in the store");
			continue;
		}
		FIELD_STR(ck, "bond", "", master, s, l);
		FIELD_STR(ck, "bond", "", primary_member, s, l);
		FIELD_INT(ck, "bond", "", n_members, s, l);
		FIELD_INT(ck, "bond", "", kind, s, l);
		for (unsigned int i = 0; i < l->n_members && i < s->n_members; i++)
			if (strcmp(l->member[i], s->member[i]) != 0)
				diff(ck, "bond", l->uuid, "", "member %u: %s in switchd, %s stored",
				     i, l->member[i], s->member[i]);
		if (memcmp(&l->props, &s->props, sizeof(l->props)) != 0)
			diff(ck, "bond", l->uuid, "", "its properties differ from the stored ones");
	}
	TAILQ_FOREACH(s, &shadow->bonds, next)
		if (bond_by_uuid(ck->sd, s->uuid) == NULL)
			diff(ck, "bond", s->uuid, "", "in the store, not in switchd");
}

static void
check_store(struct check *ck)
{
	struct switchd shadow = {.store = ck->sd->store};
	struct store_loader ld = {shadow_network, shadow_pif,  shadow_vif,
				  shadow_vlan,	  shadow_bond, &shadow};
	int err;

	TAILQ_INIT(&shadow.networks);
	TAILQ_INIT(&shadow.pifs);
	TAILQ_INIT(&shadow.vifs);
	TAILQ_INIT(&shadow.vlans);
	TAILQ_INIT(&shadow.bonds);
	err = store_load(ck->sd->store, &ld);
	if (err)
		diff(ck, "store", "", store_path(ck->sd->store), "cannot be read: %s",
		     strerror(err));
	else {
		networks_vs_store(ck, &shadow);
		pifs_vs_store(ck, &shadow);
		vifs_vs_store(ck, &shadow);
		vlans_vs_store(ck, &shadow);
		bonds_vs_store(ck, &shadow);
	}
	sd_objects_free(&shadow);
}

/* Objects against what is realised ---------------------------------------- */

/* Is datapath port @port what @object @name says: of @kind, on @bridge? */
static bool
port_is(struct check *ck, const char *object, const char *uuid, const char *name, uint16_t port,
	enum dp_port_kind kind, uint16_t bridge, struct dp_port_info *info)
{
	if (dp_port_info(ck->sd->dp, port, info) != 0) {
		diff(ck, object, uuid, name, "its datapath port %u does not exist", port);
		return false;
	}
	if (info->kind != kind || info->bridge != bridge || strcmp(info->name, name) != 0) {
		diff(ck, object, uuid, name,
		     "its datapath port %u is %s of kind %d on bridge %u, not kind %d on bridge %u",
		     port, info->name, (int)info->kind, info->bridge, (int)kind, bridge);
		return false;
	}
	return true;
}

static void
check_network(struct check *ck, struct network *n)
{
	struct dp_port_info info;
	struct pif_netdev nd;
	char alias[sizeof(nd.alias)];
	const char *name;
	uint16_t mtu;

	if (dp_bridge_info(ck->sd->dp, n->dp_bridge, &name, &mtu) != 0) {
		diff(ck, "network", n->uuid, n->bridge, "its datapath bridge %u does not exist",
		     n->dp_bridge);
		return;
	}
	if (strcmp(name, n->bridge) != 0 || mtu != n->mtu)
		diff(ck, "network", n->uuid, n->bridge,
		     "its datapath bridge %u is %s, MTU %u, not MTU %u", n->dp_bridge, name, mtu,
		     n->mtu);
	port_is(ck, "network", n->uuid, n->bridge, n->host_port, DP_PORT_TAP, n->dp_bridge, &info);
	if (pif_netdev_get(n->bridge, &nd) != 0) {
		diff(ck, "network", n->uuid, n->bridge, "its host interface does not exist");
		return;
	}
	network_host_alias(n, ck->sd->instance, alias, sizeof(alias));
	if (strcmp(nd.kind, "tun") != 0 || strcmp(nd.alias, alias) != 0)
		diff(ck, "network", n->uuid, n->bridge,
		     "its host interface is not switchd's tap (kind \"%s\", alias \"%s\")", nd.kind,
		     nd.alias);
	else if (nd.mtu != n->mtu)
		diff(ck, "network", n->uuid, n->bridge, "its host interface has MTU %u, not %u",
		     nd.mtu, n->mtu);
}

/* Does anything plugged use network @n? */
static bool
network_used(struct switchd *sd, const struct network *n)
{
	struct pif *p;
	struct vif *v;

	TAILQ_FOREACH(p, &sd->pifs, next)
		if (p->attached && strcmp(p->network_uuid, n->uuid) == 0)
			return true;
	TAILQ_FOREACH(v, &sd->vifs, next)
		if (v->attached && strcmp(v->network_uuid, n->uuid) == 0)
			return true;
	return false;
}

static void
check_pif(struct check *ck, struct pif *p)
{
	struct network *n = network_by_uuid(ck->sd, p->network_uuid);
	struct dp_port_info info;
	struct pif_netdev nd;
	bool vlan = p->vlan >= 0;

	if (n == NULL || !n->realised) {
		diff(ck, "PIF", p->uuid, p->device, "plugged, but its network is not realised");
		return;
	}
	if (!port_is(ck, "PIF", p->uuid, p->device, p->dp_port,
		     vlan ? DP_PORT_VLAN
		     : strcmp(p->backend, PIF_BACKEND_BOND) == 0
			     ? DP_PORT_BOND
			     : (p->backend[0] && strcmp(p->backend, "af_packet") != 0
					? DP_PORT_ETHDEV
					: DP_PORT_AF_PACKET),
		     n->dp_bridge, &info))
		return;
	if (vlan) {
		const char *dot = strrchr(p->device, '.');
		char parent[sizeof(p->device)];
		struct pif *pp;

		snprintf(parent, sizeof(parent), "%.*s", dot ? (int)(dot - p->device) : 0,
			 p->device);
		TAILQ_FOREACH(pp, &ck->sd->pifs, next)
			if (pp->vlan < 0 && strcmp(pp->device, parent) == 0)
				break;
		if (pp == NULL || !pp->attached || info.parent != pp->dp_port ||
		    info.vid != p->vlan)
			diff(ck, "PIF", p->uuid, p->device,
			     "its port is VLAN %u of port %u, not VLAN %d of %s's port", info.vid,
			     info.parent, p->vlan, parent);
	} else if (!info.trunk) {
		diff(ck, "PIF", p->uuid, p->device, "its port is not a trunk");
	}
	if (!vlan && strcmp(info.name, p->device) == 0 && info.kind == DP_PORT_AF_PACKET &&
	    pif_netdev_get(p->device, &nd) != 0)
		diff(ck, "PIF", p->uuid, p->device, "its netdev does not exist");
}

static void
check_vif(struct check *ck, struct vif *v)
{
	struct network *n = network_by_uuid(ck->sd, v->network_uuid);
	bool vhost = v->vhost_path[0] != '\0';
	uint64_t rate, burst, dp_rate, dp_burst;
	struct dp_lock_params lp;
	enum dp_lock_mode mode;
	unsigned int n4, n6;
	struct dp_port_info info;
	struct pif_netdev nd;
	uint32_t waiting;
	struct stat st;

	if (n == NULL || !n->realised) {
		diff(ck, "VIF", v->uuid, v->ifname, "plugged, but its network is not realised");
		return;
	}
	if (!port_is(ck, "VIF", v->uuid, v->ifname, v->dp_port,
		     vhost ? DP_PORT_VHOST_USER : DP_PORT_AF_PACKET, n->dp_bridge, &info))
		return;
	if (!info.access)
		diff(ck, "VIF", v->uuid, v->ifname, "its port is not an access port");
	if (!vhost && pif_netdev_get(v->ifname, &nd) != 0)
		diff(ck, "VIF", v->uuid, v->ifname, "its netdev does not exist");
	if (vhost && v->vhost_server && (stat(v->vhost_path, &st) != 0 || !S_ISSOCK(st.st_mode)))
		diff(ck, "VIF", v->uuid, v->ifname, "its vhost-user socket %s does not exist",
		     v->vhost_path);
	vif_lock_params(&v->lock, &v->mac, n->locking_disabled, &lp);
	if (dp_port_get_lock(ck->sd->dp, v->dp_port, &mode, &n4, &n6) == 0 &&
	    (mode != lp.mode || n4 != lp.n_ipv4 || n6 != lp.n_ipv6))
		diff(ck, "VIF", v->uuid, v->ifname,
		     "its port's locking is %d with %u and %u addresses, its locking-mode says %d "
		     "with %u and %u",
		     (int)mode, n4, n6, (int)lp.mode, lp.n_ipv4, lp.n_ipv6);
	qos_limit(&v->qos, &rate, &burst);
	if (dp_port_get_qos(ck->sd->dp, v->dp_port, &dp_rate, &dp_burst, &waiting) == 0 &&
	    (rate != dp_rate || burst != dp_burst))
		diff(ck, "VIF", v->uuid, v->ifname,
		     "its port is limited to %llu bytes/s (burst %llu), its QoS says %llu (burst "
		     "%llu)",
		     (unsigned long long)dp_rate, (unsigned long long)dp_burst,
		     (unsigned long long)rate, (unsigned long long)burst);
}

/* Mark in @owned (DP_MAX_PORTS entries) the datapath ports some object has. */
static void
ports_owned(struct switchd *sd, bool *owned)
{
	struct network *n;
	struct bond *b;
	struct pif *p;
	struct vif *v;

	TAILQ_FOREACH(n, &sd->networks, next)
		if (n->realised && n->host_port < DP_MAX_PORTS)
			owned[n->host_port] = true;
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (p->attached && p->dp_port < DP_MAX_PORTS)
			owned[p->dp_port] = true;
	TAILQ_FOREACH(v, &sd->vifs, next)
		if (v->attached && v->dp_port < DP_MAX_PORTS)
			owned[v->dp_port] = true;
	TAILQ_FOREACH(b, &sd->bonds, next)
		for (unsigned int i = 0; b->live && i < b->n_members; i++)
			if (b->dp_member[i] < DP_MAX_PORTS)
				owned[b->dp_member[i]] = true;
}

/* A live bond: each member's port is a member of the master's bond port,
 * named after the member; a bond whose master is attached is live. */
static void
check_bond(struct check *ck, struct bond *b)
{
	struct pif *master = pif_by_uuid(ck->sd, b->master);
	uint16_t m[DP_BOND_MAX_MEMBERS];
	enum dp_bond_mode mode;
	unsigned int enabled;
	int active;

	if (master == NULL) {
		diff(ck, "bond", b->uuid, "", "its master PIF %s does not exist", b->master);
		return;
	}
	if (master->attached != b->live) {
		diff(ck, "bond", b->uuid, master->device, "master %s, bond %s",
		     master->attached ? "attached" : "not attached", b->live ? "live" : "not live");
		return;
	}
	if (!b->live)
		return;
	if (dp_bond_state(ck->sd->dp, b->dp_bond, m, &enabled, &active) != 0 ||
	    dp_bond_get_mode(ck->sd->dp, b->dp_bond, &mode) != 0) {
		diff(ck, "bond", b->uuid, master->device, "its port %u is not a bond", b->dp_bond);
		return;
	}
	if (mode != bond_dp_mode(b))
		diff(ck, "bond", b->uuid, master->device, "the datapath runs it in mode %d, not %d",
		     (int)mode, (int)bond_dp_mode(b));
	if (b->policy.active >= 0 && (active < 0 || m[active] != b->dp_member[b->policy.active]))
		diff(ck, "bond", b->uuid, master->device,
		     "its active member is not the one the datapath uses");
	for (unsigned int i = 0; i < b->n_members; i++) {
		struct pif *p = pif_by_uuid(ck->sd, b->member[i]);
		struct dp_port_info info;
		bool found = false;

		for (unsigned int s = 0; s < DP_BOND_MAX_MEMBERS; s++)
			found |= m[s] == b->dp_member[i];
		if (p == NULL || !found || dp_port_info(ck->sd->dp, b->dp_member[i], &info) != 0 ||
		    strcmp(info.name, p->device) != 0) {
			diff(ck, "bond", b->uuid, master->device,
			     "member %s has no member port of the bond",
			     p ? p->device : b->member[i]);
			continue;
		}
		for (unsigned int s = 0; s < DP_BOND_MAX_MEMBERS; s++)
			if (m[s] == b->dp_member[i] &&
			    ((enabled >> s) & 1) != (unsigned int)b->policy.m[i].enabled)
				diff(ck, "bond", b->uuid, master->device,
				     "member %s is %s in the datapath, %s in switchd", p->device,
				     (enabled >> s) & 1 ? "enabled" : "disabled",
				     b->policy.m[i].enabled ? "enabled" : "disabled");
	}
}

static void
workers_differ(const char *what, void *arg)
{
	diff(arg, "datapath", "", "", "%s", what);
}

struct leftovers {
	struct check *ck;
	char prefix[48];
};

static int
host_leftover(const struct pif_netdev *nd, void *arg)
{
	struct leftovers *lo = arg;
	struct network *n;

	if (strcmp(nd->kind, "tun") != 0 || strncmp(nd->alias, lo->prefix, strlen(lo->prefix)) != 0)
		return 0;
	TAILQ_FOREACH(n, &lo->ck->sd->networks, next)
		if (n->realised && strcmp(n->bridge, nd->name) == 0)
			return 0;
	diff(lo->ck, "host", "", nd->name, "a host interface of switchd's that no network has");
	return 0;
}

static void
check_realised(struct check *ck)
{
	struct switchd *sd = ck->sd;
	struct leftovers lo = {.ck = ck};
	bool *owned;
	struct network *n;
	struct bond *b;
	struct pif *p;
	struct vif *v;
	unsigned int i;

	TAILQ_FOREACH(n, &sd->networks, next) {
		if (n->realised)
			check_network(ck, n);
		else if (network_used(sd, n))
			diff(ck, "network", n->uuid, n->bridge, "has plugged ports, but no bridge");
	}
	TAILQ_FOREACH(p, &sd->pifs, next) {
		if (p->attached)
			check_pif(ck, p);
		else if (p->pending)
			diff(ck, "PIF", p->uuid, p->device,
			     "attached in the store, not yet realised (retried every second)");
	}
	TAILQ_FOREACH(b, &sd->bonds, next)
		check_bond(ck, b);
	TAILQ_FOREACH(v, &sd->vifs, next) {
		if (v->attached)
			check_vif(ck, v);
		else if (v->pending)
			diff(ck, "VIF", v->uuid, v->ifname[0] ? v->ifname : v->vhost_path,
			     "plugged in the store, not yet realised (retried every second)");
	}
	owned = calloc(DP_MAX_PORTS, sizeof(*owned));
	if (owned == NULL) {
		diff(ck, "switchd", "", "", "out of memory: datapath ports not checked");
	} else {
		ports_owned(sd, owned);
		for (i = 0; i < DP_MAX_PORTS; i++) {
			struct dp_port_info info;

			if (!owned[i] && dp_port_info(sd->dp, (uint16_t)i, &info) == 0)
				diff(ck, "datapath", "", info.name,
				     "port %u on bridge %u belongs to nothing", i, info.bridge);
		}
		free(owned);
	}
	for (i = 0; i < DP_MAX_BRIDGES; i++) {
		const char *name;
		uint16_t mtu;

		if (dp_bridge_info(sd->dp, (uint16_t)i, &name, &mtu) == 0 &&
		    network_by_dp_bridge(sd, (uint16_t)i) == NULL)
			diff(ck, "datapath", "", name, "bridge %u belongs to no network", i);
	}
	dp_check(sd->dp, workers_differ, ck);
	snprintf(lo.prefix, sizeof(lo.prefix), "%s network ", sd->instance);
	if (pif_netdev_each(host_leftover, &lo) != 0)
		diff(ck, "host", "", "", "cannot list the host's interfaces");
}

json_t *
sd_check(struct switchd *sd)
{
	struct check ck = {.sd = sd, .out = json_array()};

	check_store(&ck);
	check_realised(&ck);
	return ck.out;
}
