/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vif-verbs.c - VIFs: vif-create, -destroy, -plug, -unplug, -move,
 * -param-set, -list, and re-plugging stored VIFs at start-up.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../datapath/datapath.h"
#include "../lib/netdev.h"
#include "../network/network-verbs.h"
#include "../pif/pif-verbs.h"
#include "../switchd/call.h"
#include "../switchd/store.h"
#include "../switchd/switchd.h"
#include "vif-verbs.h"
#include "vif.h"

static json_t *
vif_record(struct switchd *sd, const struct vif *v)
{
	json_t *rec = json_object();
	char mac[MAC_STRLEN], qos[64], addrs[VIF_LOCK_MAX_ADDRS * 40];

	sd_rec_str(rec, "uuid", v->uuid);
	sd_rec_str(rec, "vm-uuid", v->vm_uuid);
	sd_rec_int(rec, "device", v->device);
	sd_rec_str(rec, "MAC", mac_format(&v->mac, mac));
	sd_rec_int(rec, "MTU", v->mtu);
	sd_rec_str(rec, "network-uuid", v->network_uuid);
	sd_rec_int(rec, "domid", v->domid);
	sd_rec_str(rec, "currently-attached", v->attached ? "true" : "false");
	sd_rec_str(rec, "ifname", v->ifname);
	sd_rec_str(rec, "vhost-user", v->vhost_path);
	sd_rec_str(rec, "vhost-user-mode",
		   v->vhost_path[0] == '\0' ? ""
		   : v->vhost_server	    ? "server"
					    : "client");
	sd_rec_int(rec, "mac-limit", v->mac_limit);
	sd_rec_str(rec, "qos_algorithm_type", v->qos.ratelimit ? QOS_TYPE_RATELIMIT : "");
	qos_params_format(&v->qos, qos, sizeof(qos));
	sd_rec_str(rec, "qos_algorithm_params", qos);
	sd_rec_str(rec, "locking-mode", vif_locking_mode_str(v->lock.mode));
	vif_lock_addrs_format(&v->lock, false, addrs, sizeof(addrs));
	sd_rec_str(rec, "ipv4-allowed", addrs);
	vif_lock_addrs_format(&v->lock, true, addrs, sizeof(addrs));
	sd_rec_str(rec, "ipv6-allowed", addrs);
	sd_rec_str(rec, "link",
		   !v->attached				 ? ""
		   : dp_port_link_up(sd->dp, v->dp_port) ? "up"
							 : "down");
	return rec;
}

/* VIFs */

static int
domid_parse(struct sd_call *c, int *domid)
{
	const char *s = sd_arg(c, "domid");
	char *end;
	long v;

	if (s == NULL)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 0x7fef)
		return sd_fail(c, SD_E_INVALID_VALUE, "domid %s is not a domain id", s);
	*domid = (int)v;
	return 0;
}

/* A VIF's MTU: 68 up to its network's. */
static int
vif_mtu_parse(struct sd_call *c, const char *s, const struct network *n, uint16_t *mtu)
{
	if (network_mtu_parse(s, mtu) != 0)
		return sd_fail(c, SD_E_MTU_INVALID, "MTU %s is outside %d..%d", s, NETWORK_MTU_MIN,
			       NETWORK_MTU_MAX);
	if (*mtu > n->mtu)
		return sd_fail(c, SD_E_MTU_INVALID, "MTU %s is larger than network %s's %u", s,
			       n->bridge, n->mtu);
	return 0;
}

int
verb_vif_create(struct switchd *sd, struct sd_call *c)
{
	const char *vm = sd_arg(c, "vm-uuid"), *mac_s = sd_arg(c, "mac"), *mtu_s = sd_arg(c, "MTU");
	struct network *n;
	struct vif *v, *o;
	struct mac mac;
	uint16_t mtu;
	int device, domid = -1;

	if (!sd_uuid_valid(vm))
		return sd_fail(c, SD_E_INVALID_VALUE, "vm-uuid %s is not a uuid", vm);
	if (vif_device_parse(sd_arg(c, "device"), &device) != 0)
		return sd_fail(c, SD_E_DEVICE_INVALID, "device %s is outside 0..%d",
			       sd_arg(c, "device"), VIF_DEVICE_MAX);
	n = network_by_uuid(sd, sd_arg(c, "network-uuid"));
	if (n == NULL)
		return sd_no_such(c, "network", "network-uuid");
	mtu = n->mtu;
	if (mtu_s != NULL && vif_mtu_parse(c, mtu_s, n, &mtu) != 0)
		return -1;
	if (domid_parse(c, &domid) != 0)
		return -1;
	TAILQ_FOREACH(o, &sd->vifs, next)
		if (strcmp(o->vm_uuid, vm) == 0 && o->device == device)
			return sd_fail(c, SD_E_DEVICE_ALREADY_EXISTS,
				       "VM %s has VIF %d already (%s)", vm, device, o->uuid);
	if (mac_s != NULL) {
		enum mac_verdict verdict =
			mac_check_user(mac_s, sd_arg_true(c, "allow-global-mac"), &mac);

		if (verdict != MAC_OK)
			return sd_fail(c, SD_E_MAC_INVALID, "%s: %s", mac_s,
				       mac_verdict_str(verdict));
	} else if (mac_generate(&mac) != 0) {
		return sd_fail(c, SD_E_INTERNAL_ERROR, "no entropy for a MAC");
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "out of memory");
	sd_new_uuid(v->uuid);
	snprintf(v->vm_uuid, sizeof(v->vm_uuid), "%s", vm);
	v->device = device;
	v->mac = mac;
	v->mtu = mtu;
	v->domid = domid;
	v->dp_port = DP_PORT_NONE;
	snprintf(v->network_uuid, sizeof(v->network_uuid), "%s", n->uuid);
	if (store_vif_put(sd->store, v) != 0) {
		free(v);
		return sd_store_err(c);
	}
	vif_add(sd, v);
	c->result = json_string(v->uuid);
	return 0;
}

int
verb_vif_destroy(struct switchd *sd, struct sd_call *c)
{
	struct vif *v;

	v = vif_by_uuid(sd, sd_arg(c, "uuid"));
	if (v == NULL)
		return sd_no_such(c, "VIF", "uuid");
	if (v->attached || v->pending)
		return sd_fail(c, SD_E_DEVICE_ALREADY_ATTACHED,
			       "VIF %s is plugged (%s); vif-unplug it first", v->uuid, v->ifname);
	if (store_vif_del(sd->store, v->uuid) != 0)
		return sd_store_err(c);
	vif_remove(sd, v);
	free(v);
	return 0;
}

/* Attach @v's port: af_packet on netdev @ifname, or vhost-user on @path. */
static int
attach_vif(struct switchd *sd, struct vif *v, const struct network *n, const char *ifname,
	   const char *path, bool server, int domid)
{
	struct dp_lock_params lock;
	char name[IFNAMSIZ];

	vif_lock_params(&v->lock, &v->mac, n->locking_disabled, &lock);
	if (path[0] == '\0')
		return vif_attach(v, sd->dp, ifname, n->dp_bridge, n->mtu, &lock);
	vif_vhost_port_name(v, domid, name);
	return vif_attach_vhost(v, sd->dp, name, path, server, n->dp_bridge, n->mtu, &lock);
}

static struct vif *
vif_by_vhost_path(struct switchd *sd, const char *path)
{
	struct vif *v;

	TAILQ_FOREACH(v, &sd->vifs, next)
		if ((v->attached || v->pending) && strcmp(v->vhost_path, path) == 0)
			return v;
	return NULL;
}

/* The vhost-user keys of vif-plug: *path (NULL, or @canon holding the
 * socket's canonical path) and *server, or a reply. */
static int
vhost_args(struct sd_call *c, char canon[VIF_VHOST_PATH_MAX], const char **path, bool *server)
{
	const char *mode = sd_arg(c, "vhost-user-mode");
	int err;

	*path = sd_arg(c, "vhost-user");
	*server = false;
	if (*path == NULL) {
		if (mode != NULL)
			return sd_fail(c, SD_E_INVALID_VALUE, "vhost-user-mode= needs vhost-user=");
		return 0;
	}
	if (mode != NULL && strcmp(mode, "server") == 0)
		*server = true;
	else if (mode != NULL && strcmp(mode, "client") != 0)
		return sd_fail(c, SD_E_INVALID_VALUE, "vhost-user-mode %s is not client or server",
			       mode);
	err = vif_vhost_path_canon(*path, canon);
	if (err == EINVAL)
		return sd_fail(c, SD_E_VHOST_PATH_INVALID, "%s is not an absolute path to a socket",
			       *path);
	if (err == ENAMETOOLONG)
		return sd_fail(c, SD_E_VHOST_PATH_INVALID,
			       "%s is longer than a socket path may be (%d bytes)", *path,
			       VIF_VHOST_PATH_MAX - 1);
	if (err)
		return sd_fail(c, SD_E_VHOST_PATH_INVALID, "%s: its directory does not exist",
			       *path);
	*path = canon;
	return 0;
}

int
verb_vif_plug(struct switchd *sd, struct sd_call *c)
{
	const char *ifname = sd_arg(c, "ifname"), *path;
	char name[IFNAMSIZ], canon[VIF_VHOST_PATH_MAX], old_ifname[IFNAMSIZ] = "";
	bool replace = sd_arg_true(c, "replace");
	struct pif_plugged uplink;
	struct pif_netdev nd;
	struct network *n;
	struct vif *v, *o, rec, tmp;
	bool made, server;
	int err, domid;

	v = vif_by_uuid(sd, sd_arg(c, "uuid"));
	if (v == NULL)
		return sd_no_such(c, "VIF", "uuid");
	domid = v->domid;
	if (ifname == NULL && sd_arg(c, "vhost-user") == NULL)
		return sd_fail(c, SD_E_MISSING_PARAMETER,
			       "vif-plug needs ifname=NETDEV or vhost-user=SOCKET-PATH");
	if (ifname != NULL && sd_arg(c, "vhost-user") != NULL)
		return sd_fail(c, SD_E_INVALID_VALUE, "give ifname= or vhost-user=, not both");
	if (vhost_args(c, canon, &path, &server) != 0 || domid_parse(c, &domid) != 0)
		return -1;
	if (replace && ifname == NULL)
		return sd_fail(c, SD_E_INVALID_VALUE, "replace= is for ifname= (a backend netdev)");
	if (v->attached && replace && v->vhost_path[0] == '\0' && strcmp(v->ifname, ifname) == 0) {
		/* Plugged through this netdev already: only the domid, if
		 * given, may be news. */
		if (domid == v->domid)
			return 0;
		rec = *v;
		rec.domid = domid;
		if (store_vif_put(sd->store, &rec) != 0)
			return sd_store_err(c);
		v->domid = domid;
		return 0;
	}
	if (v->attached && (!replace || v->vhost_path[0] != '\0'))
		return sd_fail(c, SD_E_DEVICE_ALREADY_ATTACHED, "VIF %s is plugged already (%s)",
			       v->uuid, v->vhost_path[0] != '\0' ? v->vhost_path : v->ifname);
	if (v->attached) {
		/* The guest switched backends (emulated tap -> PV vif, or
		 * back): the old one goes in the same request. */
		snprintf(old_ifname, sizeof(old_ifname), "%s", v->ifname);
	}
	if (path != NULL) {
		vif_vhost_port_name(v, domid, name);
		o = vif_by_vhost_path(sd, path);
		if (o != NULL && o != v) /* itself: a pending VIF plugged again */
			return sd_fail(c, SD_E_VHOST_PATH_IN_USE, "%s is the socket of VIF %s",
				       path, o->uuid);
		ifname = name;
	} else if (strlen(ifname) >= IFNAMSIZ || (err = pif_netdev_get(ifname, &nd)) == ENODEV) {
		return sd_fail(c, SD_E_NETDEV_NOT_FOUND, "no network interface named %s", ifname);
	} else if (err) {
		return sd_dp_fail(c, err, ifname);
	} else if (!nd.ethernet) {
		return sd_not_ethernet(c, ifname);
	}
	o = vif_by_ifname(sd, ifname);
	if (o == v) /* a pending VIF plugged again through its own netdev */
		o = NULL;
	if (o != NULL || pif_by_device(sd, ifname) != NULL || network_by_bridge(sd, ifname) != NULL)
		return sd_fail(c, SD_E_NETDEV_IN_USE, "%s is a port already%s%s", ifname,
			       o != NULL ? " of VIF " : "", o != NULL ? o->uuid : "");
	n = network_by_uuid(sd, v->network_uuid);
	if (n == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "VIF %s has no network", v->uuid);
	rec = *v;
	rec.attached = true;
	rec.domid = domid;
	snprintf(rec.ifname, sizeof(rec.ifname), "%s", ifname);
	snprintf(rec.vhost_path, sizeof(rec.vhost_path), "%s", path != NULL ? path : "");
	rec.vhost_server = server;
	if (store_vif_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	if (attach_network(sd, c, n, &uplink) != 0)
		return -1;
	if (realise_network(sd, c, n, &made) != 0) {
		plug_pif_undo(sd, &uplink);
		return -1;
	}
	/* The new port is made on a copy: a VIF moving to another backend
	 * keeps its old port until the new one is open (make before break). */
	tmp = *v;
	err = attach_vif(sd, &tmp, n, ifname, rec.vhost_path, server, domid);
	if (err == 0 && old_ifname[0] != '\0' && (err = vif_detach(v, sd->dp)) != 0) {
		if (vif_detach(&tmp, sd->dp) != 0)
			LOG_ERR("VIF %s: cannot unplug %s again", v->uuid, ifname);
		plug_pif_undo(sd, &uplink);
		return sd_dp_fail(c, err, old_ifname);
	}
	if (err) {
		realise_undo(sd, n, made);
		plug_pif_undo(sd, &uplink);
		if (path != NULL && err == ENOTSOCK)
			return sd_fail(c, SD_E_VHOST_PATH_INVALID, "%s exists and is not a socket",
				       path);
		if (path != NULL && (err == EADDRINUSE || err == EEXIST))
			return sd_fail(c, SD_E_VHOST_PATH_IN_USE, "%s: %s", path,
				       err == EEXIST ? "the socket of another port"
						     : "another process listens on it");
		if (path != NULL && err == ENOSPC)
			return sd_fail(c, SD_E_DATAPATH_PORTS_EXHAUSTED,
				       "%s: switchd has room for %d vhost-user ports, all taken",
				       ifname, DP_MAX_VHOST_PORTS);
		return sd_dp_fail(c, err, ifname);
	}
	v->attached = true;
	v->pending = false;
	v->dp_port = tmp.dp_port;
	snprintf(v->ifname, sizeof(v->ifname), "%s", tmp.ifname);
	snprintf(v->vhost_path, sizeof(v->vhost_path), "%s", tmp.vhost_path);
	v->vhost_server = tmp.vhost_server;
	v->domid = domid;
	return 0;
}

int
verb_vif_unplug(struct switchd *sd, struct sd_call *c)
{
	const char *ifname = sd_arg(c, "ifname");
	struct vif *v, rec;
	int err;

	v = vif_by_uuid(sd, sd_arg(c, "uuid"));
	if (v == NULL)
		return sd_no_such(c, "VIF", "uuid");
	/* ifname=: only if plugged through that netdev, in one request (the
	 * hotplug script's remove events race with the other backend's add). */
	if (ifname != NULL && (!(v->attached || v->pending) || v->vhost_path[0] != '\0' ||
			       strcmp(v->ifname, ifname) != 0))
		return 0;
	if (!v->attached && !v->pending)
		return sd_fail(c, SD_E_DEVICE_ALREADY_DETACHED, "VIF %s is not plugged", v->uuid);
	rec = *v;
	rec.attached = false;
	rec.pending = false;
	rec.ifname[0] = '\0';
	rec.vhost_path[0] = '\0';
	rec.vhost_server = false;
	if (store_vif_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	if (v->pending) { /* nothing realised to take down */
		*v = rec;
		return 0;
	}
	err = vif_detach(v, sd->dp);
	if (err)
		return sd_dp_fail(c, err, v->ifname);
	return 0;
}

int
vif_relocate(struct switchd *sd, struct sd_call *c, struct vif *v, struct network *n, bool uplink)
{
	struct network *old = network_by_uuid(sd, v->network_uuid);
	struct pif_plugged plugged = {.pif = NULL};
	bool made = false;
	int err;

	if (!v->attached)
		return 0;
	if (uplink && attach_network(sd, c, n, &plugged) != 0)
		return -1;
	if (realise_network(sd, c, n, &made) != 0) {
		plug_pif_undo(sd, &plugged);
		return -1;
	}
	/* The VIF's MTU, at most the new network's. */
	err = vif_apply_mtu(v, sd->dp, v->mtu < n->mtu ? v->mtu : n->mtu);
	if (err == 0) {
		err = vif_move(v, sd->dp, n->dp_bridge);
		/* network_default follows the network. */
		if (err == 0 && v->lock.mode == VIF_LOCKING_NETWORK_DEFAULT && old != NULL &&
		    old->locking_disabled != n->locking_disabled &&
		    (err = vif_apply_lock(v, sd->dp, n->locking_disabled)) != 0)
			vif_move(v, sd->dp, old->dp_bridge);
		if (err && old != NULL)
			vif_apply_mtu(v, sd->dp, v->mtu < old->mtu ? v->mtu : old->mtu);
	}
	if (err) {
		realise_undo(sd, n, made);
		plug_pif_undo(sd, &plugged);
		return sd_dp_fail(c, err, v->ifname);
	}
	return 0;
}

int
verb_vif_move(struct switchd *sd, struct sd_call *c)
{
	struct network *n;
	struct vif *v, rec;

	v = vif_by_uuid(sd, sd_arg(c, "uuid"));
	if (v == NULL)
		return sd_no_such(c, "VIF", "uuid");
	n = network_by_uuid(sd, sd_arg(c, "network-uuid"));
	if (n == NULL)
		return sd_no_such(c, "network", "network-uuid");
	if (strcmp(v->network_uuid, n->uuid) == 0)
		return 0;
	rec = *v;
	snprintf(rec.network_uuid, sizeof(rec.network_uuid), "%s", n->uuid);
	if (store_vif_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	if (vif_relocate(sd, c, v, n, true) != 0)
		return -1;
	snprintf(v->network_uuid, sizeof(v->network_uuid), "%s", n->uuid);
	return 0;
}

/* qos_algorithm_type= and qos_algorithm_params:KEY=VALUE of @c applied to
 * @q, which must then be whole (qos.h). */
static int
qos_from_call(struct sd_call *c, struct vif_qos *q)
{
	const char *type = sd_arg(c, "qos_algorithm_type"), *key;
	char why[256];
	json_t *val;

	if (type != NULL && qos_type_parse(type, &q->ratelimit, why, sizeof(why)) != 0)
		return sd_fail(c, SD_E_INVALID_VALUE, "%s", why);
	json_object_foreach(c->params, key, val) {
		if (strncmp(key, QOS_PARAMS_PREFIX, strlen(QOS_PARAMS_PREFIX)) == 0 &&
		    qos_param_set(q, key + strlen(QOS_PARAMS_PREFIX), json_string_value(val), why,
				  sizeof(why)) != 0)
			return sd_fail(c, SD_E_INVALID_VALUE, "%s", why);
	}
	if (qos_check(q, why, sizeof(why)) != 0)
		return sd_fail(c, SD_E_INVALID_VALUE, "%s", why);
	return 0;
}

/* locking-mode=, ipv4-allowed=, ipv6-allowed= of @c applied to @l. */
static int
lock_from_call(struct sd_call *c, struct vif_lock *l)
{
	const char *mode = sd_arg(c, "locking-mode");
	const char *list[2] = {sd_arg(c, "ipv4-allowed"), sd_arg(c, "ipv6-allowed")};
	char bad[80];

	if (mode != NULL && vif_locking_mode_parse(mode, &l->mode) != 0)
		return sd_fail(c, SD_E_INVALID_VALUE,
			       "locking-mode %s: expected network_default, locked, unlocked or "
			       "disabled",
			       mode);
	for (int v6 = 0; v6 < 2; v6++) {
		int r;

		if (list[v6] == NULL)
			continue;
		r = vif_lock_addrs_parse(l, v6, list[v6], bad, sizeof(bad));
		if (r == -1)
			return sd_fail(c, SD_E_INVALID_IP_ADDRESS_SPECIFIED,
				       "%s: \"%s\" is not an IPv%c address",
				       v6 ? "ipv6-allowed" : "ipv4-allowed", bad, v6 ? '6' : '4');
		if (r != 0)
			return sd_fail(c, SD_E_INVALID_VALUE, "%s: at most %d addresses",
				       v6 ? "ipv6-allowed" : "ipv4-allowed", VIF_LOCK_MAX_ADDRS);
	}
	return 0;
}

/* Fields of a VIF record that may change at any time. The MTU, the MAC
 * limit, the QoS and the locking are applied to a plugged VIF's port at
 * once; the domid at its next plug (a vhost-user port is named after it). */
int
verb_vif_param_set(struct switchd *sd, struct sd_call *c)
{
	const char *mtu_s = sd_arg(c, "MTU");
	struct network *n;
	bool qos_changed, lock_changed;
	struct vif *v, rec;
	uint16_t mtu;
	int domid, err;

	v = vif_by_uuid(sd, sd_arg(c, "uuid"));
	if (v == NULL)
		return sd_no_such(c, "VIF", "uuid");
	n = network_by_uuid(sd, v->network_uuid);
	if (n == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "VIF %s has no network", v->uuid);
	domid = v->domid;
	mtu = v->mtu;
	if (domid_parse(c, &domid) != 0)
		return -1;
	if (mtu_s != NULL && vif_mtu_parse(c, mtu_s, n, &mtu) != 0)
		return -1;
	rec = *v;
	rec.domid = domid;
	rec.mtu = mtu;
	if (mac_limit_parse(c, &rec.mac_limit) != 0 || qos_from_call(c, &rec.qos) != 0 ||
	    lock_from_call(c, &rec.lock) != 0)
		return -1;
	qos_changed = !qos_equal(&rec.qos, &v->qos);
	lock_changed = !vif_lock_equal(&rec.lock, &v->lock);
	if (domid == v->domid && mtu == v->mtu && rec.mac_limit == v->mac_limit && !qos_changed &&
	    !lock_changed)
		return 0;
	if (store_vif_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	if (v->attached && rec.mtu != v->mtu) {
		err = vif_apply_mtu(v, sd->dp, rec.mtu);
		if (err)
			return sd_dp_fail(c, err, v->ifname);
	}
	if (v->attached && rec.mac_limit != v->mac_limit) {
		err = dp_port_set_fdb_max(sd->dp, v->dp_port, rec.mac_limit);
		if (err)
			goto undo_mtu;
	}
	if (v->attached && qos_changed) {
		err = vif_apply_qos(&rec, sd->dp);
		if (err)
			goto undo_limit;
	}
	if (v->attached && lock_changed) {
		err = vif_apply_lock(&rec, sd->dp, n->locking_disabled);
		if (err) {
			if (qos_changed)
				vif_apply_qos(v, sd->dp);
			goto undo_limit;
		}
	}
	*v = rec;
	return 0;
undo_limit:
	if (rec.mac_limit != v->mac_limit)
		dp_port_set_fdb_max(sd->dp, v->dp_port, v->mac_limit);
undo_mtu:
	if (rec.mtu != v->mtu)
		vif_apply_mtu(v, sd->dp, v->mtu);
	return sd_dp_fail(c, err, v->ifname);
}

int
verb_vif_list(struct switchd *sd, struct sd_call *c)
{
	struct vif *v;

	c->result = json_array();
	TAILQ_FOREACH(v, &sd->vifs, next)
		if (sd_prefilter(c, "uuid", v->uuid) && sd_prefilter(c, "vm-uuid", v->vm_uuid) &&
		    sd_prefilter(c, "network-uuid", v->network_uuid))
			json_array_append_new(c->result, vif_record(sd, v));
	return 0;
}

/* Plug a VIF the store says is plugged (v->attached false). Its VM may
 * have gone while switchd was down: its netdev is missing, and that is
 * recorded. Any other failure leaves the store as it is and the VIF
 * pending, to be tried again (vif_retry_pending()): a start-up must not
 * forget a VM's plug because a resource was briefly busy. */
static int
realise_vif(struct switchd *sd, struct vif *v, bool retry)
{
	char ifname[IFNAMSIZ], path[VIF_VHOST_PATH_MAX];
	struct sd_call c = {.params = NULL};
	struct pif_plugged uplink;
	bool vhost = v->vhost_path[0] != '\0', server = v->vhost_server;
	struct network *n;
	int err;

	snprintf(ifname, sizeof(ifname), "%s", v->ifname);
	snprintf(path, sizeof(path), "%s", v->vhost_path);
	n = network_by_uuid(sd, v->network_uuid);
	/* A vhost-user client port waits for its VM's socket; an af_packet
	 * port needs its netdev now (an ioctl, not a netlink query: a
	 * start-up asks this of every VIF). */
	memset(&uplink, 0, sizeof(uplink));
	if (!vhost && netdev_index(ifname) == 0) {
		err = ENODEV;
	} else if (n == NULL) {
		err = ENOENT;
	} else {
		/* As a plug: the network's uplink first. A VM whose uplink
		 * cannot come back keeps its local ports. */
		if (attach_network(sd, &c, n, &uplink) != 0) {
			/* A retry waits for the uplink too: its failed plug
			 * is rolled back with the rest. */
			if (retry)
				return EAGAIN;
			LOG_WARN("VIF %s: %s", v->uuid, c.msg);
		}
		err = network_realise(n, sd->dp, sd->instance);
	}
	if (err == 0) {
		err = attach_vif(sd, v, n, ifname, path, server, v->domid);
		/* A vhost-user port is named after the domid, which
		 * vif-param-set may have changed since. */
		if (err == 0 && strcmp(v->ifname, ifname) != 0 && store_vif_put(sd->store, v) != 0)
			LOG_ERR("VIF %s: cannot record port name %s", v->uuid, v->ifname);
	}
	if (err == 0) {
		if (v->pending)
			LOG_INFO("VIF %s (%s): re-attached", v->uuid, vhost ? path : ifname);
		v->pending = false;
		return 0;
	}
	/* As a failed plug: the uplink it brought up goes down again (the
	 * VM may never come back to use it). */
	plug_pif_undo(sd, &uplink);
	if (err != ENODEV && err != ENOENT) {
		if (!v->pending)
			LOG_WARN("VIF %s (%s): not re-attached yet, retrying: %s", v->uuid,
				 vhost ? path : ifname, strerror(err));
		v->pending = true;
		return err;
	}
	/* The VM went away while we were down: record that. */
	LOG_INFO("VIF %s (%s): not re-attached: %s", v->uuid, vhost ? path : ifname, strerror(err));
	v->pending = false;
	v->ifname[0] = '\0';
	v->vhost_path[0] = '\0';
	v->vhost_server = false;
	if (store_vif_put(sd->store, v) != 0)
		LOG_ERR("VIF %s: cannot record detachment", v->uuid);
	return 0;
}

void
vif_realise_all(struct switchd *sd)
{
	struct vif *v;

	TAILQ_FOREACH(v, &sd->vifs, next) {
		if (v->attached) {
			v->attached = false;
			realise_vif(sd, v, false);
		}
	}
}

static int
retry_vif(struct switchd *sd, void *v)
{
	return realise_vif(sd, v, true);
}

void
vif_retry_pending(struct switchd *sd)
{
	struct vif *v;

	/* In a transaction, as a verb: the uplink's plug records the PIF
	 * first and counts on a rollback if it fails. */
	TAILQ_FOREACH(v, &sd->vifs, next)
		if (v->pending)
			sd_transaction(sd, "a pending VIF's plug", retry_vif, v);
}
