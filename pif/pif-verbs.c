/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pif-verbs.c - PIFs: pif-scan, -introduce, -forget, -list, -param-get,
 * -plug, -unplug, -reconfigure-ip, and the uplink a VIF plug brings up.
 */
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../datapath/datapath.h"
#include "../lib/netdev.h"
#include "../network/network-verbs.h"
#include "../switchd/call.h"
#include "../switchd/store.h"
#include "../switchd/switchd.h"
#include "pif-verbs.h"
#include "pif.h"

/* Carrier of kernel netdev @device: from @seen (device -> true/false)
 * if a record of this listing asked already, else from the kernel. A
 * listing of 4,094 pseudo-PIFs asks once, not once per pseudo-PIF. */
static bool
netdev_carrier(const char *device, json_t *seen)
{
	json_t *known = json_object_get(seen, device);
	struct pif_netdev nd;
	bool up;

	if (known != NULL)
		return json_is_true(known);
	up = pif_netdev_get(device, &nd) == 0 && nd.carrier;
	if (seen != NULL)
		json_object_set_new(seen, device, json_boolean(up));
	return up;
}

/* @seen: carriers known to this listing (see netdev_carrier()), or NULL. */
static json_t *
pif_record(struct switchd *sd, const struct pif *p, json_t *seen)
{
	const struct vlan *vlan = vlan_by_untagged(sd, p->uuid);
	const struct pif *parent = vlan ? pif_by_uuid(sd, vlan->tagged_pif) : NULL;
	const struct bond *slave_of = bond_by_member(sd, p->uuid);
	const struct bond *master_of = bond_by_master(sd, p->uuid);
	json_t *rec = json_object();
	char mac[MAC_STRLEN];

	sd_rec_str(rec, "uuid", p->uuid);
	sd_rec_str(rec, "device", p->device);
	sd_rec_str(rec, "MAC", mac_format(&p->mac, mac));
	sd_rec_int(rec, "MTU", p->mtu);
	sd_rec_int(rec, "VLAN", p->vlan);
	sd_rec_str(rec, "VLAN-master-of", vlan ? vlan->uuid : "");
	sd_rec_str(rec, "VLAN-parent", parent ? parent->device : "");
	sd_rec_str(rec, "network-uuid", p->network_uuid);
	sd_rec_str(rec, "management", p->management ? "true" : "false");
	sd_rec_str(rec, "physical", p->physical ? "true" : "false");
	sd_rec_str(rec, "backend", p->backend);
	sd_rec_str(rec, "IP-configuration-mode", pif_ip_mode_str(p->ip.mode));
	sd_rec_str(rec, "IP", p->ip.ip);
	sd_rec_str(rec, "netmask", p->ip.netmask);
	sd_rec_str(rec, "gateway", p->ip.gateway);
	sd_rec_str(rec, "DNS", p->ip.dns);
	sd_rec_str(rec, "bond-slave-of", slave_of ? slave_of->uuid : "");
	sd_rec_str(rec, "bond-master-of", master_of ? master_of->uuid : "");
	/* A member is attached while its bond is (as xapi shows it). */
	sd_rec_str(rec, "currently-attached",
		   p->attached || (slave_of && slave_of->live) ? "true" : "false");
	/* Carrier comes from the kernel (an af_packet port is always "up"),
	 * or from the DPDK driver; a pseudo-PIF has its parent's; a bond has
	 * carrier while a member has. */
	if (parent != NULL) {
		p = parent;
		master_of = bond_by_master(sd, p->uuid);
	}
	if (master_of != NULL) {
		bool up = false;

		for (unsigned int i = 0; i < master_of->n_members; i++)
			up |= master_of->live && master_of->carrier[i];
		sd_rec_str(rec, "carrier", up ? "true" : "false");
	} else if (p->dpdk_open)
		sd_rec_str(rec, "carrier", dp_device_link_up(p->ethdev) ? "true" : "false");
	else
		sd_rec_str(rec, "carrier", netdev_carrier(p->device, seen) ? "true" : "false");
	return rec;
}

int
apply_ip(struct switchd *sd, const struct pif *p, const struct network *n)
{
	if (!n->realised || (p->ip.mode == PIF_IP_NONE && p->ip.ip[0] == '\0'))
		return 0;
	return pif_ip_apply(n->bridge, &p->ip, sd->rundir);
}

/* PIFs */

/* A new PIF for @nd and the network it is attached to, stored and added to
 * the model; *out (if not NULL) receives the PIF. */
static int
pif_create(struct switchd *sd, struct sd_call *c, const struct pif_netdev *nd,
	   const struct mac *mac, const char *backend, struct pif **out)
{
	struct network *n = calloc(1, sizeof(*n));
	struct pif *p = calloc(1, sizeof(*p));

	if (n == NULL || p == NULL) {
		free(n);
		free(p);
		return sd_fail(c, SD_E_INTERNAL_ERROR, "out of memory");
	}
	sd_new_uuid(p->uuid);
	snprintf(p->device, sizeof(p->device), "%s", nd->name);
	p->mac = *mac;
	p->mtu = nd->mtu;
	p->vlan = -1;
	p->physical = true;
	snprintf(p->backend, sizeof(p->backend), "%s", backend);
	p->ip.mode = PIF_IP_NONE;
	p->dp_port = DP_PORT_NONE;

	sd_new_uuid(n->uuid);
	if ((network_xenbr_name(nd->name, n->bridge, sizeof(n->bridge)) != 0 ||
	     network_by_bridge(sd, n->bridge) != NULL) &&
	    next_xapi_name(sd, n->bridge, sizeof(n->bridge)) != 0) {
		free(n);
		free(p);
		return sd_fail(c, SD_E_INTERNAL_ERROR, "no free xapiN name");
	}
	if (strncmp(nd->name, "eth", 3) == 0)
		snprintf(n->name_label, sizeof(n->name_label), "Pool-wide network %s",
			 nd->name + 3);
	else
		snprintf(n->name_label, sizeof(n->name_label), "Pool-wide network %s", nd->name);
	n->mtu = NETWORK_MTU_DEFAULT;
	n->host_mac = *mac;
	snprintf(p->network_uuid, sizeof(p->network_uuid), "%s", n->uuid);

	if (store_network_put(sd->store, n) != 0 || store_pif_put(sd->store, p) != 0) {
		free(n);
		free(p);
		return sd_store_err(c);
	}
	network_add(sd, n);
	pif_add(sd, p);
	if (out != NULL)
		*out = p;
	return 0;
}

/* Take a PIF that pif_create() just made, and its network, out of the model
 * again (the store transaction is rolled back by the caller). */
static void
pif_create_undo(struct switchd *sd, struct pif *p)
{
	struct network *n = network_by_uuid(sd, p->network_uuid);

	if (n != NULL) {
		network_remove(sd, n);
		free(n);
	}
	pif_remove(sd, p);
	free(p);
}

/* Netdevs the datapath made, or that belong to VMs, are never NICs. */
static bool
netdev_is_ours(struct switchd *sd, const char *name)
{
	static const char *const prefixes[] = {"vif", "tap", "xenbr", "xapi"};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return network_by_bridge(sd, name) != NULL || vif_by_ifname(sd, name) != NULL;
}

struct scan_ctx {
	struct pif_netdev nd[256];
	unsigned int n;
};

static int
scan_cb(const struct pif_netdev *nd, void *arg)
{
	struct scan_ctx *s = arg;

	if (s->n < sizeof(s->nd) / sizeof(s->nd[0]))
		s->nd[s->n++] = *nd;
	return 0;
}

int
verb_pif_scan(struct switchd *sd, struct sd_call *c)
{
	struct scan_ctx *s = calloc(1, sizeof(*s));
	struct pif *made[sizeof(s->nd) / sizeof(s->nd[0])];
	unsigned int i, n_made = 0;
	int err;

	if (s == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "out of memory");
	err = pif_netdev_scan(scan_cb, s);
	if (err) {
		free(s);
		return sd_fail(c, SD_E_INTERNAL_ERROR, "netlink: %s", strerror(err));
	}
	for (i = 0; i < s->n; i++) {
		const struct pif_netdev *nd = &s->nd[i];

		if (pif_by_device(sd, nd->name) != NULL || netdev_is_ours(sd, nd->name))
			continue;
		if (pif_create(sd, c, nd, &nd->mac, "af_packet", &made[n_made]) != 0) {
			while (n_made > 0)
				pif_create_undo(sd, made[--n_made]);
			free(s);
			return -1;
		}
		n_made++;
	}
	free(s);
	return 0; /* as xe pif-scan, print nothing */
}

/* A PIF whose NIC is on a DPDK driver is named by the operator (the
 * kernel may not know the NIC at all): a name as a netdev's, without the
 * dot that marks a VLAN pseudo-PIF. */
static bool
pif_device_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
			return false;
	return true;
}

/* The PIF whose DPDK backend has ethdev @ethdev open. */
static struct pif *
pif_by_ethdev(struct switchd *sd, uint16_t ethdev)
{
	struct pif *p;

	TAILQ_FOREACH(p, &sd->pifs, next)
		if (p->dpdk_open && p->ethdev == ethdev)
			return p;
	return NULL;
}

int
pif_backend_open(struct switchd *sd, struct pif *p, bool *probed)
{
	char devargs[PIF_BACKEND_MAX], msg[256];
	struct dp_device dev;
	const char *why;
	int err;

	*probed = false;
	if (p->dpdk_open || p->vlan >= 0)
		return 0;
	err = pif_backend_parse(p->backend, devargs, sizeof(devargs), &why);
	if (err || devargs[0] == '\0')
		return err;
	err = dp_device_open(devargs, &dev, msg, sizeof(msg));
	if (err) {
		/* A pending PIF's device is tried every second. */
		static struct log_rate_limit rl = LOG_RATE_LIMIT_INIT(6, 10);

		LOG_WARN_RL(&rl, "PIF %s: %s", p->device, msg);
		return err;
	}
	if (pif_by_ethdev(sd, dev.ethdev) != NULL)
		return EBUSY;
	p->dpdk_open = true;
	p->ethdev = dev.ethdev;
	*probed = dev.probed;
	return 0;
}

int
verb_pif_introduce(struct switchd *sd, struct sd_call *c)
{
	const char *device = sd_arg(c, "device"), *backend = sd_arg(c, "backend"),
		   *mac_s = sd_arg(c, "mac");
	char devargs[PIF_BACKEND_MAX], msg[256];
	struct dp_device dev;
	struct pif_netdev nd;
	const char *why;
	struct mac mac;
	struct pif *p;
	int err;

	err = pif_backend_parse(backend, devargs, sizeof(devargs), &why);
	if (err == ENOTSUP)
		return sd_fail(c, SD_E_BACKEND_UNSUPPORTED, "backend %s: %s", backend, why);
	if (err)
		return sd_fail(c, SD_E_BACKEND_INVALID, "backend %s: %s", backend, why);
	if (backend == NULL)
		backend = "af_packet";
	if (pif_by_device(sd, device) != NULL)
		return sd_fail(c, SD_E_PIF_ALREADY_EXISTS, "device %s is a PIF already", device);
	if (netdev_is_ours(sd, device))
		return sd_fail(c, SD_E_NETDEV_IN_USE, "%s is a bridge or VIF interface", device);
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (strcmp(p->backend, backend) == 0 && devargs[0] != '\0')
			return sd_fail(c, SD_E_BACKEND_IN_USE, "PIF %s has backend %s already",
				       p->device, backend);
	/* af_packet takes a kernel netdev; a NIC on a DPDK driver is named by
	 * the operator. */
	if (devargs[0] == '\0') {
		err = pif_netdev_get(device, &nd);
		if (err == ENODEV)
			return sd_fail(c, SD_E_NETDEV_NOT_FOUND, "no network interface named %s",
				       device);
		if (err)
			return sd_dp_fail(c, err, device);
		if (!nd.ethernet)
			return sd_not_ethernet(c, device);
	} else if (!pif_device_name_valid(device)) {
		return sd_fail(c, SD_E_INVALID_VALUE,
			       "device %s: a PIF's name has 1..15 letters, digits, - or _", device);
	} else {
		memset(&nd, 0, sizeof(nd));
		snprintf(nd.name, sizeof(nd.name), "%s", device);
	}
	if (mac_s != NULL) {
		enum mac_verdict v =
			mac_check_user(mac_s, sd_arg_true(c, "allow-global-mac"), &mac);

		if (v != MAC_OK)
			return sd_fail(c, SD_E_MAC_INVALID, "%s: %s", mac_s, mac_verdict_str(v));
	}
	if (devargs[0] != '\0') {
		err = dp_device_open(devargs, &dev, msg, sizeof(msg));
		if (err)
			return sd_fail(c, SD_E_BACKEND_UNAVAILABLE, "%s", msg);
		p = pif_by_ethdev(sd, dev.ethdev);
		if (p != NULL)
			return sd_fail(c, SD_E_BACKEND_IN_USE,
				       "PIF %s has this DPDK device already", p->device);
		nd.mac = dev.mac;
		nd.mtu = dev.mtu;
	}
	if (mac_s == NULL)
		mac = nd.mac;
	if (pif_create(sd, c, &nd, &mac, backend, &p) != 0) {
		if (devargs[0] != '\0' && dev.probed)
			dp_device_close(dev.ethdev);
		return -1;
	}
	if (devargs[0] != '\0') {
		p->dpdk_open = true;
		p->ethdev = dev.ethdev;
	}
	c->result = json_string(p->uuid);
	return 0;
}

int
verb_pif_forget(struct switchd *sd, struct sd_call *c)
{
	struct pif *p;

	p = pif_by_uuid(sd, sd_arg(c, "uuid"));
	if (p == NULL)
		return sd_no_such(c, "PIF", "uuid");
	if (p->vlan >= 0)
		return sd_fail(c, SD_E_PIF_IS_VLAN, "%s is a VLAN pseudo-PIF; use vlan-destroy",
			       p->device);
	if (vlan_on(sd, p->uuid, 0) != NULL)
		return sd_fail(c, SD_E_PIF_VLAN_STILL_EXISTS,
			       "VLAN %u still uses %s; vlan-destroy it",
			       vlan_on(sd, p->uuid, 0)->tag, p->device);
	if (p->management)
		return sd_fail(c, SD_E_PIF_IS_MANAGEMENT_IFACE, "%s carries the management address",
			       p->device);
	if (bond_by_member(sd, p->uuid) != NULL || bond_by_master(sd, p->uuid) != NULL)
		return sd_fail(c, SD_E_PIF_ALREADY_BONDED, "%s belongs to a bond; bond-destroy it",
			       p->device);
	if (p->attached || p->pending)
		return sd_fail(c, SD_E_PIF_IN_USE, "%s is attached; pif-unplug it first",
			       p->device);
	if (store_pif_del(sd->store, p->uuid) != 0)
		return sd_store_err(c);
	if (p->dpdk_open)
		dp_device_close(p->ethdev);
	pif_remove(sd, p);
	free(p);
	return 0;
}

int
verb_pif_list(struct switchd *sd, struct sd_call *c)
{
	json_t *seen = json_object();
	struct pif *p;

	c->result = json_array();
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (sd_prefilter(c, "uuid", p->uuid) && sd_prefilter(c, "device", p->device))
			json_array_append_new(c->result, pif_record(sd, p, seen));
	json_decref(seen);
	return 0;
}

int
verb_pif_param_get(struct switchd *sd, struct sd_call *c)
{
	const char *param = sd_arg(c, "param") ? sd_arg(c, "param") : sd_arg(c, "param-name");
	json_t *rec, *val;
	struct pif *p;

	p = pif_by_uuid(sd, sd_arg(c, "uuid"));
	if (p == NULL)
		return sd_no_such(c, "PIF", "uuid");
	if (param == NULL)
		return sd_fail(c, SD_E_MISSING_PARAMETER, "pif-param-get needs param=FIELD");
	rec = pif_record(sd, p, NULL);
	val = json_object_get(rec, param);
	if (val == NULL) {
		json_decref(rec);
		return sd_fail(c, SD_E_UNKNOWN_PARAMETER, "a PIF has no field %s", param);
	}
	c->result = json_incref(val);
	json_decref(rec);
	return 0;
}

int
attach_pif(struct switchd *sd, struct pif *p, const struct network *n)
{
	const struct vlan *vlan;
	const struct pif *parent;
	int err;

	if (strcmp(p->backend, PIF_BACKEND_BOND) == 0) {
		struct bond *b = bond_by_master(sd, p->uuid);

		return b != NULL ? bond_attach(sd, b, p, n->dp_bridge, n->mtu) : ENOENT;
	}
	if (p->vlan < 0) {
		bool was_open = p->dpdk_open, probed;

		err = pif_backend_open(sd, p, &probed);
		if (err == 0)
			err = pif_attach(p, sd->dp, n->dp_bridge, n->mtu);
		if (err && p->dpdk_open && !was_open) {
			/* As it was before the plug. */
			if (probed)
				dp_device_close(p->ethdev);
			p->dpdk_open = false;
		}
		return err;
	}
	vlan = vlan_by_untagged(sd, p->uuid);
	parent = vlan ? pif_by_uuid(sd, vlan->tagged_pif) : NULL;
	if (parent == NULL || !parent->attached)
		return ENOENT;
	return vlan_attach(p, sd->dp, parent->dp_port, n->dp_bridge);
}

int
detach_pif(struct switchd *sd, struct pif *p)
{
	struct bond *b = bond_by_master(sd, p->uuid);

	return b != NULL ? bond_detach(sd, b, p) : pif_detach(p, sd->dp);
}

/* Take back one plug of @p that realised its network if @made: its port,
 * and its bridge if the plug made it (with the IP configuration the plug
 * gave the bridge's host interface). On a bridge that stays, that
 * configuration stays as pif-unplug leaves it: it was there before. */
static void
unplug_undo(struct switchd *sd, struct pif *p, bool made, bool was_pending)
{
	if (detach_pif(sd, p) != 0) {
		LOG_ERR("%s: cannot detach again", p->device);
		return;
	}
	realise_undo(sd, network_by_uuid(sd, p->network_uuid), made);
	/* A pending PIF's record was not written (it says attached): it is
	 * retried. Any other's is put back, for a caller without a
	 * transaction to roll back (a start-up). */
	p->pending = was_pending;
	if (!was_pending && store_pif_put(sd->store, p) != 0)
		LOG_ERR("%s: cannot record that it is not attached", p->device);
}

void
plug_pif_undo(struct switchd *sd, const struct pif_plugged *done)
{
	if (done->pif != NULL)
		unplug_undo(sd, done->pif, done->made, done->was_pending);
	if (done->parent != NULL)
		unplug_undo(sd, done->parent, done->parent_made, done->parent_was_pending);
}

/* Plug @p, and first its parent if @p is a pseudo-PIF whose parent is not
 * plugged (as xapi does). On failure, what this call made live is undone;
 * the store is rolled back by the caller. *done (if not NULL) says what
 * this call plugged, for plug_pif_undo(). */
static int
plug_pif(struct switchd *sd, struct sd_call *c, struct pif *p, struct pif_plugged *done)
{
	struct vlan *vlan = vlan_by_untagged(sd, p->uuid);
	struct pif *parent = vlan ? pif_by_uuid(sd, vlan->tagged_pif) : NULL;
	struct pif_plugged parent_done = {.pif = NULL};
	bool made = false, was_pending = p->pending;
	struct network *n;
	struct pif rec;
	int err;

	if (done != NULL)
		*done = parent_done;
	if (p->attached)
		return 0; /* as xapi: plugging a plugged PIF is a no-op */
	if (bond_by_member(sd, p->uuid) != NULL)
		return sd_fail(c, SD_E_CANNOT_PLUG_BOND_SLAVE,
			       "%s is a bond member: its bond's master carries its traffic",
			       p->device);
	n = network_by_uuid(sd, p->network_uuid);
	if (n == NULL || (p->vlan >= 0 && parent == NULL))
		return sd_fail(c, SD_E_INTERNAL_ERROR, "PIF %s has no network or parent", p->uuid);
	if (parent != NULL && !parent->attached && plug_pif(sd, c, parent, &parent_done) != 0)
		return -1;
	rec = *p;
	rec.attached = true;
	/* A pending PIF is attached in the store already (and a start-up
	 * writes nothing per PIF). */
	if (!p->pending && store_pif_put(sd->store, &rec) != 0) {
		sd_store_err(c);
		goto undo_parent;
	}
	if (realise_network(sd, c, n, &made) != 0)
		goto undo_record;
	err = attach_pif(sd, p, n);
	if (err) {
		realise_undo(sd, n, made);
		sd_dp_fail(c, err, p->device);
		goto undo_record;
	}
	p->pending = false;
	err = apply_ip(sd, p, n);
	if (err)
		LOG_WARN("%s: IP configuration not applied: %s", n->bridge, strerror(err));
	if (done != NULL) {
		done->pif = p;
		done->made = made;
		done->was_pending = was_pending;
		done->parent = parent_done.pif;
		done->parent_made = parent_done.made;
		done->parent_was_pending = parent_done.was_pending;
	}
	return 0;
undo_record:
	/* A verb's rollback would do; a start-up has no transaction. */
	if (!p->pending && store_pif_put(sd->store, p) != 0)
		LOG_ERR("%s: cannot record that it is not attached", p->device);
undo_parent:
	plug_pif_undo(sd, &parent_done);
	return -1;
}

int
pif_plug(struct switchd *sd, struct sd_call *c, struct pif *p, struct pif_plugged *done)
{
	return plug_pif(sd, c, p, done);
}

int
attach_network(struct switchd *sd, struct sd_call *c, const struct network *n,
	       struct pif_plugged *done)
{
	struct pif *p;
	char msg[sizeof(c->msg)];

	memset(done, 0, sizeof(*done));
	p = pif_by_network(sd, n->uuid);
	if (p == NULL || p->attached)
		return 0;
	if (plug_pif(sd, c, p, done) != 0) {
		snprintf(msg, sizeof(msg), "%s", c->msg);
		return sd_fail(c, c->err, "%s: its PIF %s cannot be plugged: %s", n->bridge,
			       p->device, msg);
	}
	return 0;
}

int
verb_pif_plug(struct switchd *sd, struct sd_call *c)
{
	struct pif *p;

	p = pif_by_uuid(sd, sd_arg(c, "uuid"));
	if (p == NULL)
		return sd_no_such(c, "PIF", "uuid");
	return plug_pif(sd, c, p, NULL);
}

int
verb_pif_unplug(struct switchd *sd, struct sd_call *c)
{
	struct vlan *vlan;
	struct pif *p, rec;
	int err;

	p = pif_by_uuid(sd, sd_arg(c, "uuid"));
	if (p == NULL)
		return sd_no_such(c, "PIF", "uuid");
	if (bond_by_member(sd, p->uuid) != NULL)
		return sd_fail(c, SD_E_PIF_ALREADY_BONDED,
			       "%s is a bond member; pif-unplug its bond's master", p->device);
	if (!p->attached && !p->pending)
		return sd_fail(c, SD_E_DEVICE_ALREADY_DETACHED, "%s is not attached", p->device);
	if (p->management)
		return sd_fail(c, SD_E_PIF_IS_MANAGEMENT_IFACE,
			       "%s carries the management address; host-management-reconfigure"
			       " another PIF first",
			       p->device);
	/* A pseudo-PIF carries no VLANs; a NIC's are looked at. */
	TAILQ_FOREACH(vlan, &sd->vlans, next) {
		const struct pif *vp;

		if (p->vlan >= 0)
			break;
		if (strcmp(vlan->tagged_pif, p->uuid) != 0)
			continue;
		vp = pif_by_uuid(sd, vlan->untagged_pif);
		if (vp != NULL && (vp->attached || vp->pending))
			return sd_fail(c, SD_E_PIF_VLAN_ATTACHED, "%s is attached; unplug it first",
				       vp->device);
	}
	rec = *p;
	rec.attached = false;
	rec.pending = false;
	if (store_pif_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	if (p->pending) { /* nothing realised to take down */
		p->pending = false;
		return 0;
	}
	err = detach_pif(sd, p);
	if (err)
		return sd_dp_fail(c, err, p->device);
	return 0;
}

int
verb_pif_reconfigure_ip(struct switchd *sd, struct sd_call *c)
{
	static const char *const keys[] = {"IP", "netmask", "gateway", "DNS"};
	const char *what = NULL;
	struct pif_ip ip;
	struct network *n;
	struct pif *p, rec;
	size_t i;
	int err;

	p = pif_by_uuid(sd, sd_arg(c, "uuid"));
	if (p == NULL)
		return sd_no_such(c, "PIF", "uuid");
	memset(&ip, 0, sizeof(ip));
	if (pif_ip_mode_parse(sd_arg(c, "mode"), &ip.mode) != 0)
		return sd_fail(c, SD_E_INVALID_VALUE, "mode %s: expected none, dhcp or static",
			       sd_arg(c, "mode"));
	if (ip.mode != PIF_IP_STATIC) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (sd_arg(c, keys[i]) != NULL)
				return sd_fail(c, SD_E_IP_CONFIGURATION_INVALID,
					       "%s is only for mode=static", keys[i]);
	} else {
		if (sd_arg(c, "IP") == NULL || sd_arg(c, "netmask") == NULL)
			return sd_fail(c, SD_E_IP_CONFIGURATION_INVALID,
				       "mode=static needs IP= and netmask=");
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			const char *v = sd_arg(c, keys[i]);
			char *dst = i == 0   ? ip.ip
				    : i == 1 ? ip.netmask
				    : i == 2 ? ip.gateway
					     : ip.dns;
			size_t cap = i == 3 ? sizeof(ip.dns) : sizeof(ip.ip);

			if (v != NULL && strlen(v) >= cap)
				return sd_fail(c, SD_E_IP_CONFIGURATION_INVALID, "%s is too long",
					       keys[i]);
			snprintf(dst, cap, "%s", v ? v : "");
		}
		if (pif_ip_validate(&ip, &what) != 0)
			return sd_fail(c, SD_E_IP_CONFIGURATION_INVALID, "%s=%s is not valid", what,
				       sd_arg(c, what));
	}
	if (ip.mode == PIF_IP_NONE && p->management)
		return sd_fail(c, SD_E_PIF_IS_MANAGEMENT_IFACE,
			       "%s carries the management address: it keeps an IP configuration",
			       p->device);
	if (ip.mode == PIF_IP_DHCP && !pif_dhcp_client_available())
		return sd_fail(c, SD_E_DHCP_CLIENT_UNAVAILABLE,
			       "mode=dhcp needs a DHCP client (isc-dhcp-client) on the host");
	n = network_by_uuid(sd, p->network_uuid);
	if (n == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "PIF %s has no network", p->uuid);
	rec = *p;
	rec.ip = ip;
	if (store_pif_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	if (n->realised) {
		err = pif_ip_apply(n->bridge, &ip, sd->rundir);
		if (err) {
			/* Put the previous configuration back, as far as it goes. */
			if (pif_ip_apply(n->bridge, &p->ip, sd->rundir) != 0)
				LOG_ERR("%s: previous IP configuration not restored", n->bridge);
			return sd_fail(c, SD_E_IP_CONFIGURATION_INVALID, "%s: %s", n->bridge,
				       strerror(err));
		}
	}
	p->ip = ip;
	return 0;
}

/* Plug a PIF the store says is attached (p->pending): the plug a verb
 * makes, its parent's first. A failure (a NIC not there yet, a bridge's
 * name taken) leaves it pending, to be tried again. */
static int
realise_pif(struct switchd *sd, struct pif *p, bool retry)
{
	struct sd_call c = {.params = NULL};
	char devargs[PIF_BACKEND_MAX];
	const char *why;

	/* A NIC on AF_PACKET that is not there (yet): not worth bringing its
	 * bridge up and down again every second. */
	if (retry && p->vlan < 0 &&
	    pif_backend_parse(p->backend, devargs, sizeof(devargs), &why) == 0 &&
	    devargs[0] == '\0' && netdev_index(p->device) == 0)
		return -1;
	if (plug_pif(sd, &c, p, NULL) == 0) {
		if (retry)
			LOG_INFO("PIF %s: re-attached", p->device);
		return 0;
	}
	if (!retry)
		LOG_WARN("PIF %s: not re-attached yet, retrying: %s", p->device, c.msg);
	return -1;
}

void
pif_realise_all(struct switchd *sd)
{
	struct pif *p;

	TAILQ_FOREACH(p, &sd->pifs, next) {
		p->pending = p->attached;
		p->attached = false;
	}
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (p->pending)
			realise_pif(sd, p, false);
}

static int
retry_pif(struct switchd *sd, void *p)
{
	return realise_pif(sd, p, true);
}

void
pif_retry_pending(struct switchd *sd)
{
	struct pif *p;

	/* In a transaction, as a verb: the plug undoes what it made live on
	 * failure and counts on a rollback for the rest. */
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (p->pending)
			sd_transaction(sd, "a pending PIF's plug", retry_pif, p);
}

void
pif_carrier_event(struct switchd *sd, const char *name, bool carrier)
{
	static struct log_rate_limit rl = LOG_RATE_LIMIT_INIT(60, 20);
	struct pif *p = pif_by_device(sd, name);
	struct bond *b = p != NULL ? bond_by_member(sd, p->uuid) : NULL;
	bool changed;

	if (p == NULL || p->vlan >= 0 || (!p->attached && !p->pending && (b == NULL || !b->live)))
		return;
	changed = p->carrier_known ? p->carrier != carrier : !carrier;
	p->carrier_known = true;
	p->carrier = carrier;
	if (changed)
		LOG_INFO_RL(&rl, "PIF %s: carrier %s", p->device, carrier ? "up" : "down");
	/* A bond acts on the carrier as it is now: an event may be stale (a
	 * member's netdev taken down and up again as its port moved into the
	 * bond sends "down" after it is up again). */
	if (b != NULL) {
		struct pif_netdev nd;

		if (pif_netdev_get(p->device, &nd) == 0)
			carrier = nd.carrier;
		bond_member_carrier(sd, b, (unsigned int)bond_member_index(b, p->uuid), carrier);
	}
}

void
pif_carrier_resync(struct switchd *sd)
{
	struct pif_netdev nd;
	struct pif *p;

	TAILQ_FOREACH(p, &sd->pifs, next) {
		const struct bond *b = bond_by_member(sd, p->uuid);

		if (p->vlan < 0 && (p->attached || p->pending || (b != NULL && b->live)) &&
		    !p->dpdk_open && pif_netdev_get(p->device, &nd) == 0)
			pif_carrier_event(sd, p->device, nd.carrier);
	}
}

/* xapi's Host.management_reconfigure: @p becomes the management PIF, the
 * one before it stops being it (and stays plugged). */
int
verb_host_management_reconfigure(struct switchd *sd, struct sd_call *c)
{
	struct pif *p, *old, rec;
	bool was;

	p = pif_by_uuid(sd, sd_arg(c, "pif-uuid"));
	if (p == NULL)
		return sd_no_such(c, "PIF", "pif-uuid");
	if (bond_by_member(sd, p->uuid) != NULL)
		return sd_fail(c, SD_E_CANNOT_PLUG_BOND_SLAVE,
			       "%s is a bond member: make its bond's master the management PIF",
			       p->device);
	if (p->ip.mode == PIF_IP_NONE)
		return sd_fail(c, SD_E_PIF_HAS_NO_NETWORK_CONFIGURATION,
			       "%s has no IP configuration: pif-reconfigure-ip it first",
			       p->device);
	TAILQ_FOREACH(old, &sd->pifs, next) {
		if (!old->management || old == p)
			continue;
		rec = *old;
		rec.management = false;
		if (store_pif_put(sd->store, &rec) != 0)
			return sd_store_err(c);
	}
	rec = *p;
	rec.management = true;
	if (store_pif_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	/* The plug writes @p's record from memory: the flag first. */
	was = p->management;
	p->management = true;
	if (plug_pif(sd, c, p, NULL) != 0) {
		p->management = was;
		return -1;
	}
	TAILQ_FOREACH(old, &sd->pifs, next)
		old->management = old == p;
	return 0;
}
