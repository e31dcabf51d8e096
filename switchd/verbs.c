/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * verbs.c - the control verbs: one table (verbs.def), one handler each,
 * shared by netctl, the hotplug script and start-up replay. A handler
 * validates everything before it changes anything; the dispatcher wraps it
 * in a store transaction and turns its outcome into a reply.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <search.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <rte_config.h>
#include <uuid/uuid.h>

#include "../datapath/datapath.h"
#include "store.h"
#include "switchd.h"
#include "verbs.h"

/* One invocation of a verb. */
struct sd_call {
	json_t *params; /* borrowed: key -> string */
	json_t *result; /* owned: string, array of records, or NULL */
	enum sd_error err;
	char msg[512];
};

typedef int (*sd_handler)(struct switchd *sd, struct sd_call *c);

static const char *const error_names[] = {[SD_OK] = "OK",
#define SD_ERROR_NAME(name, desc) [SD_E_##name] = #name,
					  SD_ERRORS(SD_ERROR_NAME)
#undef SD_ERROR_NAME
};

const char *
sd_error_name(enum sd_error e)
{
	return (unsigned int)e < SD_E__MAX ? error_names[e] : NULL;
}

void
sd_log(const char *level, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ switchd %s: ", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* Drop a multi-byte sequence that truncation left incomplete at the end of
 * @s (which was valid UTF-8 before), so that the reply stays UTF-8. */
static void
utf8_trim(char *s)
{
	size_t end = strlen(s), lead = end, need;
	unsigned char b;

	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	b = (unsigned char)s[lead - 1];
	need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
	if (end - (lead - 1) < need)
		s[lead - 1] = '\0';
}

__attribute__((format(printf, 3, 4))) static int
sd_fail(struct sd_call *c, enum sd_error e, const char *fmt, ...)
{
	va_list ap;
	int n;

	c->err = e;
	va_start(ap, fmt);
	n = vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(c->msg))
		utf8_trim(c->msg);
	return -1;
}

static const char *
sd_arg(const struct sd_call *c, const char *key)
{
	return json_string_value(json_object_get(c->params, key));
}

static bool
sd_arg_true(const struct sd_call *c, const char *key)
{
	const char *v = sd_arg(c, key);

	return v != NULL &&
	       (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0);
}

static void
sd_new_uuid(char *out)
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

static bool
sd_uuid_valid(const char *s)
{
	uuid_t u;

	return s != NULL && uuid_parse(s, u) == 0;
}

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
		sd_log("warning", "out of memory for an index entry: lookups search the lists");
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

static void
network_add(struct switchd *sd, struct network *n)
{
	TAILQ_INSERT_TAIL(&sd->networks, n, next);
	index_add(&sd->network_index, n->uuid);
}

static void
network_remove(struct switchd *sd, struct network *n)
{
	index_del(&sd->network_index, n->uuid);
	TAILQ_REMOVE(&sd->networks, n, next);
}

static void
vlan_add(struct switchd *sd, struct vlan *v)
{
	TAILQ_INSERT_TAIL(&sd->vlans, v, next);
	index_add(&sd->vlan_index, v->untagged_pif);
}

static void
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

static struct network *
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

static struct pif *
pif_by_device(struct switchd *sd, const char *device)
{
	struct pif *p;

	TAILQ_FOREACH(p, &sd->pifs, next)
		if (strcmp(p->device, device) == 0)
			return p;
	return NULL;
}

static struct vif *
vif_by_uuid(struct switchd *sd, const char *uuid)
{
	struct vif *v;

	TAILQ_FOREACH(v, &sd->vifs, next)
		if (strcmp(v->uuid, uuid) == 0)
			return v;
	return NULL;
}

static struct vif *
vif_by_ifname(struct switchd *sd, const char *ifname)
{
	struct vif *v;

	TAILQ_FOREACH(v, &sd->vifs, next)
		if ((v->attached || v->pending) && strcmp(v->ifname, ifname) == 0)
			return v;
	return NULL;
}

static struct vlan *
vlan_by_uuid(struct switchd *sd, const char *uuid)
{
	struct vlan *v;

	TAILQ_FOREACH(v, &sd->vlans, next)
		if (strcmp(v->uuid, uuid) == 0)
			return v;
	return NULL;
}

/* The VLAN whose pseudo-PIF is @pif_uuid, or NULL. */
static struct vlan *
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

/* The first VLAN on tagged PIF @pif_uuid with tag @tag (any tag if 0). */
static struct vlan *
vlan_on(struct switchd *sd, const char *pif_uuid, uint16_t tag)
{
	struct vlan *v;

	TAILQ_FOREACH(v, &sd->vlans, next)
		if (strcmp(v->tagged_pif, pif_uuid) == 0 && (tag == 0 || v->tag == tag))
			return v;
	return NULL;
}

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
	       if_nametoindex(bridge) != 0;
}

/* The smallest unused xapiN into @out. */
static int
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

/* No @what has the uuid given as @key=. */
static int
sd_no_such(struct sd_call *c, const char *what, const char *key)
{
	return sd_fail(c, SD_E_UUID_INVALID, "no %s has uuid %s", what, sd_arg(c, key));
}

static int
sd_store_err(struct sd_call *c)
{
	return sd_fail(c, SD_E_STORE_ERROR, "the configuration database refused the change");
}

/* A port's frames must stay on Ethernet: never onto the host's lo, a tun
 * or any other link type. */
static int
sd_not_ethernet(struct sd_call *c, const char *ifname)
{
	return sd_fail(c, SD_E_NETDEV_NOT_ETHERNET, "%s is %s, not an Ethernet device", ifname,
		       strcmp(ifname, "lo") == 0 ? "the loopback interface"
						 : "of another link type");
}

static int
sd_dp_fail(struct sd_call *c, int err, const char *what)
{
	if (err == ENODEV)
		return sd_fail(c, SD_E_NETDEV_NOT_FOUND, "%s: no such network interface", what);
	if (err == EEXIST)
		return sd_fail(c, SD_E_NETDEV_IN_USE,
			       "%s: an interface of that name exists already", what);
	if (err == ENOSPC)
		return sd_fail(c, SD_E_DATAPATH_PORTS_EXHAUSTED,
			       "%s: the datapath has room for %d ports, all taken", what,
			       DP_MAX_PORTS);
	if (err == ENOBUFS)
		return sd_fail(c, SD_E_DATAPATH_NO_BUFFERS,
			       "%s: no memory for the packet buffers its queues hold; start switchd"
			       " with more --memory (or hugepages)",
			       what);
	if (err == EMFILE || err == ENFILE)
		return sd_fail(c, SD_E_DATAPATH_PORTS_EXHAUSTED,
			       "%s: out of file descriptors (%s); raise switchd's LimitNOFILE",
			       what, strerror(err));
	return sd_fail(c, SD_E_DATAPATH_ERROR, "%s: %s", what, strerror(err));
}

/* Records: every field a string, as xe prints them. */

static void
sd_rec_str(json_t *rec, const char *key, const char *val)
{
	json_object_set_new(rec, key, json_string(val));
}

static void
sd_rec_int(json_t *rec, const char *key, long long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", val);
	sd_rec_str(rec, key, buf);
}

/* "uuid1; uuid2; ..." as xe prints a set, or NULL if out of memory. */
static char *
uuid_set(struct switchd *sd, const struct network *n, bool vifs)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	const char *sep = "";
	struct pif *p;
	struct vif *v;

	if (f == NULL)
		return NULL;
	if (!vifs) {
		TAILQ_FOREACH(p, &sd->pifs, next) {
			if (strcmp(p->network_uuid, n->uuid) == 0) {
				fprintf(f, "%s%s", sep, p->uuid);
				sep = "; ";
			}
		}
	} else {
		TAILQ_FOREACH(v, &sd->vifs, next) {
			if (strcmp(v->network_uuid, n->uuid) == 0) {
				fprintf(f, "%s%s", sep, v->uuid);
				sep = "; ";
			}
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static json_t *
network_record(struct switchd *sd, const struct network *n)
{
	json_t *rec = json_object();
	char *pifs = uuid_set(sd, n, false), *vifs = uuid_set(sd, n, true);
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
	free(pifs);
	free(vifs);
	return rec;
}

static json_t *
pif_record(struct switchd *sd, const struct pif *p)
{
	const struct vlan *vlan = vlan_by_untagged(sd, p->uuid);
	const struct pif *parent = vlan ? pif_by_uuid(sd, vlan->tagged_pif) : NULL;
	json_t *rec = json_object();
	struct pif_netdev nd;
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
	sd_rec_str(rec, "currently-attached", p->attached ? "true" : "false");
	/* Carrier comes from the kernel (an af_packet port is always "up"),
	 * or from the DPDK driver; a pseudo-PIF has its parent's. */
	if (parent != NULL)
		p = parent;
	if (p->dpdk_open)
		sd_rec_str(rec, "carrier", pif_dpdk_link_up(p->ethdev) ? "true" : "false");
	else
		sd_rec_str(rec, "carrier",
			   pif_netdev_get(p->device, &nd) == 0 && nd.carrier ? "true" : "false");
	return rec;
}

static json_t *
vif_record(struct switchd *sd, const struct vif *v)
{
	json_t *rec = json_object();
	char mac[MAC_STRLEN];

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
	sd_rec_str(rec, "link",
		   !v->attached				 ? ""
		   : dp_port_link_up(sd->dp, v->dp_port) ? "up"
							 : "down");
	return rec;
}

/* Bring a network's bridge up in the datapath if it is not yet; *made says
 * whether this call did, so that a failure after it can undo it. */
static int
realise_network(struct switchd *sd, struct sd_call *c, struct network *n, bool *made)
{
	int err;

	*made = !n->realised;
	err = network_realise(n, sd->dp, sd->instance);
	if (err)
		return sd_dp_fail(c, err, n->bridge);
	return 0;
}

/* Undo realise_network() after a later step failed. */
static void
realise_undo(struct switchd *sd, struct network *n, bool made)
{
	if (made && network_unrealise(n, sd->dp) != 0)
		sd_log("error", "%s: cannot remove the bridge again", n->bridge);
}

/* The host interface of a network carries the IP configuration of the
 * network's PIF. */
static int
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
	TAILQ_INSERT_TAIL(&sd->pifs, p, next);
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
	TAILQ_REMOVE(&sd->pifs, p, next);
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

static int
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

/* Open @p's DPDK device if it has a DPDK backend and it is not open;
 * *probed says whether this call probed it. */
static int
pif_backend_open(struct switchd *sd, struct pif *p, bool *probed)
{
	char devargs[PIF_BACKEND_MAX], msg[256];
	struct pif_dpdk_dev dev;
	const char *why;
	int err;

	*probed = false;
	if (p->dpdk_open || p->vlan >= 0)
		return 0;
	err = pif_backend_parse(p->backend, devargs, sizeof(devargs), &why);
	if (err || devargs[0] == '\0')
		return err;
	err = pif_dpdk_open(devargs, &dev, msg, sizeof(msg));
	if (err) {
		sd_log("warning", "PIF %s: %s", p->device, msg);
		return err;
	}
	if (pif_by_ethdev(sd, dev.ethdev) != NULL)
		return EBUSY;
	p->dpdk_open = true;
	p->ethdev = dev.ethdev;
	*probed = dev.probed;
	return 0;
}

static int
verb_pif_introduce(struct switchd *sd, struct sd_call *c)
{
	const char *device = sd_arg(c, "device"), *backend = sd_arg(c, "backend"),
		   *mac_s = sd_arg(c, "mac");
	char devargs[PIF_BACKEND_MAX], msg[256];
	struct pif_dpdk_dev dev;
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
		err = pif_dpdk_open(devargs, &dev, msg, sizeof(msg));
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
			pif_dpdk_close(dev.ethdev);
		return -1;
	}
	if (devargs[0] != '\0') {
		p->dpdk_open = true;
		p->ethdev = dev.ethdev;
	}
	c->result = json_string(p->uuid);
	return 0;
}

static int
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
	if (p->attached)
		return sd_fail(c, SD_E_PIF_IN_USE, "%s is attached; pif-unplug it first",
			       p->device);
	if (store_pif_del(sd->store, p->uuid) != 0)
		return sd_store_err(c);
	if (p->dpdk_open)
		pif_dpdk_close(p->ethdev);
	TAILQ_REMOVE(&sd->pifs, p, next);
	free(p);
	return 0;
}

/* A list verb's filter on @key, tried before the record is built: a
 * lookup by uuid or name (what the toolstack and the hotplug script do)
 * then costs no record for every other object. The dispatcher still
 * applies every filter to the records. */
static bool
sd_prefilter(struct sd_call *c, const char *key, const char *value)
{
	const char *want = sd_arg(c, key);

	return want == NULL || strcmp(want, value) == 0;
}

static int
verb_pif_list(struct switchd *sd, struct sd_call *c)
{
	struct pif *p;

	c->result = json_array();
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (sd_prefilter(c, "uuid", p->uuid) && sd_prefilter(c, "device", p->device))
			json_array_append_new(c->result, pif_record(sd, p));
	return 0;
}

static int
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
	rec = pif_record(sd, p);
	val = json_object_get(rec, param);
	if (val == NULL) {
		json_decref(rec);
		return sd_fail(c, SD_E_UNKNOWN_PARAMETER, "a PIF has no field %s", param);
	}
	c->result = json_incref(val);
	json_decref(rec);
	return 0;
}

/*
 * Handlers that change live state follow one order, so that the transaction
 * rollback covers every failure: validate; write the new record (a copy) to
 * the store; make the live change, undoing its own earlier steps if a later
 * one fails; only then update the in-memory object.
 */
/* Attach @p's port to its network's bridge: a NIC through af_packet, a
 * pseudo-PIF as a VLAN port of its parent's (attached) port. */
static int
attach_pif(struct switchd *sd, struct pif *p, const struct network *n)
{
	const struct vlan *vlan;
	const struct pif *parent;
	int err;

	if (p->vlan < 0) {
		bool was_open = p->dpdk_open, probed;

		err = pif_backend_open(sd, p, &probed);
		if (err == 0)
			err = pif_attach(p, sd->dp, n->dp_bridge, n->mtu);
		if (err && p->dpdk_open && !was_open) {
			/* As it was before the plug. */
			if (probed)
				pif_dpdk_close(p->ethdev);
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

/* What plug_pif() made live, so that a later failure can take it back. */
struct pif_plugged {
	struct pif *pif;    /* the PIF it plugged, or NULL (it was plugged) */
	struct pif *parent; /* its parent, if this call plugged that too */
	bool made;	    /* it realised the PIF's network */
	bool parent_made;   /* it realised the parent's network */
};

/* Take back one plug of @p that realised its network if @made: its port,
 * and its bridge if the plug made it (with the IP configuration the plug
 * gave the bridge's host interface). On a bridge that stays, that
 * configuration stays as pif-unplug leaves it: it was there before. */
static void
unplug_undo(struct switchd *sd, struct pif *p, bool made)
{
	if (pif_detach(p, sd->dp) != 0)
		sd_log("error", "%s: cannot detach again", p->device);
	else
		realise_undo(sd, network_by_uuid(sd, p->network_uuid), made);
}

/* Take back what plug_pif() did (the store is rolled back by the caller). */
static void
plug_pif_undo(struct switchd *sd, const struct pif_plugged *done)
{
	if (done->pif != NULL)
		unplug_undo(sd, done->pif, done->made);
	if (done->parent != NULL)
		unplug_undo(sd, done->parent, done->parent_made);
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
	struct pif_plugged parent_done = {NULL, NULL, false, false};
	bool made = false;
	struct network *n;
	struct pif rec;
	int err;

	if (done != NULL)
		*done = parent_done;
	if (p->attached)
		return 0; /* as xapi: plugging a plugged PIF is a no-op */
	n = network_by_uuid(sd, p->network_uuid);
	if (n == NULL || (p->vlan >= 0 && parent == NULL))
		return sd_fail(c, SD_E_INTERNAL_ERROR, "PIF %s has no network or parent", p->uuid);
	if (parent != NULL && !parent->attached && plug_pif(sd, c, parent, &parent_done) != 0)
		return -1;
	rec = *p;
	rec.attached = true;
	if (store_pif_put(sd->store, &rec) != 0) {
		sd_store_err(c);
		goto undo_parent;
	}
	if (realise_network(sd, c, n, &made) != 0)
		goto undo_parent;
	err = attach_pif(sd, p, n);
	if (err) {
		realise_undo(sd, n, made);
		sd_dp_fail(c, err, p->device);
		goto undo_parent;
	}
	err = apply_ip(sd, p, n);
	if (err)
		sd_log("warning", "%s: IP configuration not applied: %s", n->bridge, strerror(err));
	if (done != NULL) {
		done->pif = p;
		done->made = made;
		done->parent = parent_done.pif;
		done->parent_made = parent_done.made;
	}
	return 0;
undo_parent:
	plug_pif_undo(sd, &parent_done);
	return -1;
}

/* xapi's attach_for_vif: a VIF plugged on @n needs the network's uplink, so
 * plug @n's PIF if it is not (a pseudo-PIF's parent first). Unplugging the
 * last VIF leaves it plugged, as xapi does. A failure is the VIF plug's:
 * named after the PIF's error, with nothing left changed. *done says what
 * was plugged, for plug_pif_undo(). */
static int
attach_network(struct switchd *sd, struct sd_call *c, const struct network *n,
	       struct pif_plugged *done)
{
	struct pif *p;
	char msg[sizeof(c->msg)];

	memset(done, 0, sizeof(*done));
	TAILQ_FOREACH(p, &sd->pifs, next) {
		if (p->attached || strcmp(p->network_uuid, n->uuid) != 0)
			continue;
		if (plug_pif(sd, c, p, done) != 0) {
			snprintf(msg, sizeof(msg), "%s", c->msg);
			return sd_fail(c, c->err, "%s: its PIF %s cannot be plugged: %s", n->bridge,
				       p->device, msg);
		}
		return 0; /* a network has at most one PIF */
	}
	return 0;
}

/*
 * Handlers that change live state follow one order, so that the transaction
 * rollback covers every failure: validate; write the new record (a copy) to
 * the store; make the live change, undoing its own earlier steps if a later
 * one fails; only then update the in-memory object.
 */
static int
verb_pif_plug(struct switchd *sd, struct sd_call *c)
{
	struct pif *p;

	p = pif_by_uuid(sd, sd_arg(c, "uuid"));
	if (p == NULL)
		return sd_no_such(c, "PIF", "uuid");
	return plug_pif(sd, c, p, NULL);
}

static int
verb_pif_unplug(struct switchd *sd, struct sd_call *c)
{
	struct vlan *vlan;
	struct pif *p, rec;
	int err;

	p = pif_by_uuid(sd, sd_arg(c, "uuid"));
	if (p == NULL)
		return sd_no_such(c, "PIF", "uuid");
	if (!p->attached)
		return sd_fail(c, SD_E_DEVICE_ALREADY_DETACHED, "%s is not attached", p->device);
	TAILQ_FOREACH(vlan, &sd->vlans, next) {
		const struct pif *vp = pif_by_uuid(sd, vlan->untagged_pif);

		if (strcmp(vlan->tagged_pif, p->uuid) == 0 && vp != NULL && vp->attached)
			return sd_fail(c, SD_E_PIF_VLAN_ATTACHED, "%s is attached; unplug it first",
				       vp->device);
	}
	rec = *p;
	rec.attached = false;
	if (store_pif_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	err = pif_detach(p, sd->dp);
	if (err)
		return sd_dp_fail(c, err, p->device);
	return 0;
}

static int
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
				sd_log("error", "%s: previous IP configuration not restored",
				       n->bridge);
			return sd_fail(c, SD_E_IP_CONFIGURATION_INVALID, "%s: %s", n->bridge,
				       strerror(err));
		}
	}
	p->ip = ip;
	return 0;
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

static int
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
	if (bridge != NULL && if_nametoindex(bridge) != 0)
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

static int
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

static int
verb_network_list(struct switchd *sd, struct sd_call *c)
{
	struct network *n;

	c->result = json_array();
	TAILQ_FOREACH(n, &sd->networks, next)
		if (sd_prefilter(c, "uuid", n->uuid) && sd_prefilter(c, "bridge", n->bridge) &&
		    sd_prefilter(c, "name-label", n->name_label))
			json_array_append_new(c->result, network_record(sd, n));
	return 0;
}

/* A MAC limit: 0 (the default) or a count. */
static int
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

static int
verb_network_param_set(struct switchd *sd, struct sd_call *c)
{
	const char *label = sd_arg(c, "name-label"), *mask_s = sd_arg(c, "group-fwd-mask");
	struct network *n, rec;
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

/* VLANs */

static int
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
	if (vlan_on(sd, parent->uuid, tag) != NULL)
		return sd_fail(c, SD_E_PIF_VLAN_EXISTS, "%s has VLAN %u already (%s)",
			       parent->device, tag, vlan_on(sd, parent->uuid, tag)->uuid);
	n = network_by_uuid(sd, sd_arg(c, "network-uuid"));
	if (n == NULL)
		return sd_no_such(c, "network", "network-uuid");
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (strcmp(p->network_uuid, n->uuid) == 0)
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
	TAILQ_INSERT_TAIL(&sd->pifs, p, next);
	vlan_add(sd, vlan);
	c->result = json_string(vlan->uuid);
	return 0;
}

static int
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
		TAILQ_REMOVE(&sd->pifs, p, next);
		free(p);
	}
	vlan_remove(sd, vlan);
	free(vlan);
	return 0;
}

static int
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

static int
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
	TAILQ_INSERT_TAIL(&sd->vifs, v, next);
	c->result = json_string(v->uuid);
	return 0;
}

static int
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
	TAILQ_REMOVE(&sd->vifs, v, next);
	free(v);
	return 0;
}

/* Attach @v's port: af_packet on netdev @ifname, or vhost-user on @path. */
static int
attach_vif(struct switchd *sd, struct vif *v, const struct network *n, const char *ifname,
	   const char *path, bool server, int domid)
{
	char name[IFNAMSIZ];

	if (path[0] == '\0')
		return vif_attach(v, sd->dp, ifname, n->dp_bridge, n->mtu);
	vif_vhost_port_name(v, domid, name);
	return vif_attach_vhost(v, sd->dp, name, path, server, n->dp_bridge, n->mtu);
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

static int
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
			sd_log("error", "VIF %s: cannot unplug %s again", v->uuid, ifname);
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

static int
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

static int
verb_vif_move(struct switchd *sd, struct sd_call *c)
{
	struct pif_plugged uplink;
	struct network *n, *old;
	struct vif *v, rec;
	bool made = false;
	int err;

	v = vif_by_uuid(sd, sd_arg(c, "uuid"));
	if (v == NULL)
		return sd_no_such(c, "VIF", "uuid");
	n = network_by_uuid(sd, sd_arg(c, "network-uuid"));
	if (n == NULL)
		return sd_no_such(c, "network", "network-uuid");
	if (strcmp(v->network_uuid, n->uuid) == 0)
		return 0;
	old = network_by_uuid(sd, v->network_uuid);
	rec = *v;
	snprintf(rec.network_uuid, sizeof(rec.network_uuid), "%s", n->uuid);
	if (store_vif_put(sd->store, &rec) != 0)
		return sd_store_err(c);
	if (v->attached) {
		if (attach_network(sd, c, n, &uplink) != 0)
			return -1;
		if (realise_network(sd, c, n, &made) != 0) {
			plug_pif_undo(sd, &uplink);
			return -1;
		}
		/* The VIF's MTU, at most the new network's. */
		err = vif_apply_mtu(v, sd->dp, v->mtu < n->mtu ? v->mtu : n->mtu);
		if (err == 0) {
			err = vif_move(v, sd->dp, n->dp_bridge);
			if (err && old != NULL)
				vif_apply_mtu(v, sd->dp, v->mtu < old->mtu ? v->mtu : old->mtu);
		}
		if (err) {
			realise_undo(sd, n, made);
			plug_pif_undo(sd, &uplink);
			return sd_dp_fail(c, err, v->ifname);
		}
	}
	snprintf(v->network_uuid, sizeof(v->network_uuid), "%s", n->uuid);
	return 0;
}

/* Fields of a VIF record that may change at any time. The MTU and the MAC
 * limit are applied to a plugged VIF's port at once; the domid at its next
 * plug (a vhost-user port is named after it). */
static int
verb_vif_param_set(struct switchd *sd, struct sd_call *c)
{
	const char *mtu_s = sd_arg(c, "MTU");
	struct network *n;
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
	if (mac_limit_parse(c, &rec.mac_limit) != 0)
		return -1;
	if (domid == v->domid && mtu == v->mtu && rec.mac_limit == v->mac_limit)
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
		if (err) {
			if (rec.mtu != v->mtu)
				vif_apply_mtu(v, sd->dp, v->mtu);
			return sd_dp_fail(c, err, v->ifname);
		}
	}
	*v = rec;
	return 0;
}

static int
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

/* Bridges and ports */

static int
bridge_arg(struct switchd *sd, struct sd_call *c, struct network **out)
{
	const char *bridge = sd_arg(c, "bridge");

	*out = network_by_bridge(sd, bridge);
	if (*out == NULL)
		return sd_fail(c, SD_E_BRIDGE_NOT_FOUND, "no network has bridge %s", bridge);
	return 0;
}

/* The datapath port called @name on realised network @n, or DP_PORT_NONE. */
static uint16_t
port_by_name(struct switchd *sd, const struct network *n, const char *name)
{
	uint16_t p;

	for (p = 0; p < DP_MAX_PORTS; p++) {
		const char *pn = dp_port_name(sd->dp, p);

		if (pn != NULL && strcmp(pn, name) == 0 &&
		    (n == NULL || dp_port_bridge(sd->dp, p) == n->dp_bridge))
			return p;
	}
	return DP_PORT_NONE;
}

struct fdb_ctx {
	struct switchd *sd;
	json_t *records;
};

static int
fdb_record(const struct dp_fdb_entry *e, void *arg)
{
	struct fdb_ctx *x = arg;
	json_t *rec = json_object();
	const char *port = dp_port_name(x->sd->dp, e->port);
	char buf[MAC_STRLEN];
	struct mac mac;

	memcpy(mac.b, e->mac.addr_bytes, MAC_LEN);
	sd_rec_str(rec, "MAC", mac_format(&mac, buf));
	sd_rec_str(rec, "port", port ? port : "?");
	sd_rec_int(rec, "age", e->age_sec);
	json_array_append_new(x->records, rec);
	return 0;
}

static int
verb_fdb_show(struct switchd *sd, struct sd_call *c)
{
	struct fdb_ctx x = {.sd = sd};
	struct network *n;

	if (bridge_arg(sd, c, &n) != 0)
		return -1;
	x.records = json_array();
	c->result = x.records;
	if (sd_arg_true(c, "summary")) {
		uint32_t entries = 0,
			 max = n->mac_limit ? n->mac_limit : dp_fdb_bridge_default_max(sd->dp);
		json_t *rec = json_object();

		if (n->realised)
			dp_bridge_fdb_usage(sd->dp, n->dp_bridge, &entries, &max);
		sd_rec_str(rec, "bridge", n->bridge);
		sd_rec_int(rec, "entries", entries);
		sd_rec_int(rec, "limit", max);
		json_array_append_new(x.records, rec);
		return 0;
	}
	if (n->realised)
		dp_fdb_dump(sd->dp, n->dp_bridge, fdb_record, &x);
	return 0;
}

/* The database file was deleted or replaced under switchd: write the
 * running configuration (the committed one, still open) back there. A file
 * that replaced it is kept aside. */
static int
verb_store_restore(struct switchd *sd, struct sd_call *c)
{
	char msg[512], aside[PATH_MAX + 32];
	const char *path = store_path(sd->store);
	int err = store_check(sd->store, msg, sizeof(msg));
	bool moved = false;

	if (err == 0 || err == ENOSPC) {
		c->result = json_string("nothing to restore: the database is in place");
		return 0;
	}
	if (err != ENOENT) /* a restore that failed half-way: the handle is gone */
		return sd_fail(c, SD_E_STORE_ERROR, "%s", msg);
	snprintf(aside, sizeof(aside), "%s-replaced-%lld", path, (long long)time(NULL));
	if (access(path, F_OK) == 0) {
		if (rename(path, aside) != 0)
			return sd_fail(c, SD_E_STORE_ERROR,
				       "cannot move the file now at %s aside: %s", path,
				       strerror(errno));
		moved = true;
	}
	if (store_restore(sd->store, msg, sizeof(msg)) != 0)
		return sd_fail(c, SD_E_STORE_ERROR, "cannot restore %s: %s", path, msg);
	sd_log("info", "store-restore: the running configuration is written to %s again%s%s", path,
	       moved ? "; the file found there is now " : "", moved ? aside : "");
	c->result = json_string(path);
	return 0;
}

static int
verb_fdb_flush(struct switchd *sd, struct sd_call *c)
{
	const char *port = sd_arg(c, "port");
	uint16_t p = DP_PORT_NONE;
	struct network *n;

	if (bridge_arg(sd, c, &n) != 0)
		return -1;
	if (port != NULL) {
		p = n->realised ? port_by_name(sd, n, port) : DP_PORT_NONE;
		if (p == DP_PORT_NONE)
			return sd_fail(c, SD_E_PORT_NOT_FOUND, "%s has no port %s", n->bridge,
				       port);
	}
	if (n->realised)
		dp_fdb_flush(sd->dp, n->dp_bridge, p);
	return 0;
}

static int
verb_check(struct switchd *sd, struct sd_call *c)
{
	c->result = sd_check(sd);
	return 0;
}

static int
verb_port_stats(struct switchd *sd, struct sd_call *c)
{
	const char *port = sd_arg(c, "port");
	struct network *filter = NULL;
	uint16_t p;
	bool found = false;

	if (sd_arg(c, "bridge") != NULL && bridge_arg(sd, c, &filter) != 0)
		return -1;
	c->result = json_array();
	if (filter != NULL && !filter->realised)
		goto out;
	for (p = 0; p < DP_MAX_PORTS; p++) {
		const char *name = dp_port_name(sd->dp, p);
		const struct network *n;
		struct dp_port_stats st;
		json_t *rec;
		char key[48], ol[32];
		int r;

		if (name == NULL || (port != NULL && strcmp(name, port) != 0))
			continue;
		n = network_by_dp_bridge(sd, dp_port_bridge(sd->dp, p));
		if (filter != NULL && n != filter)
			continue;
		if (dp_port_stats_get(sd->dp, p, &st) != 0)
			continue;
		found = true;
		rec = json_object();
		sd_rec_str(rec, "port", name);
		sd_rec_str(rec, "bridge", n ? n->bridge : "");
		sd_rec_int(rec, "rx_packets", (long long)st.rx_packets);
		sd_rec_int(rec, "rx_bytes", (long long)st.rx_bytes);
		sd_rec_int(rec, "tx_packets", (long long)st.tx_packets);
		sd_rec_int(rec, "tx_bytes", (long long)st.tx_bytes);
		for (r = 0; r < DP_DROP__MAX; r++) {
			snprintf(key, sizeof(key), "drop_%s", dp_drop_name((enum dp_drop)r));
			sd_rec_int(rec, key, (long long)st.drops[r]);
		}
		sd_rec_int(rec, "fdb_entries", st.fdb_entries);
		sd_rec_int(rec, "fdb_max", st.fdb_max);
		sd_rec_int(rec, "fdb_limit", (long long)st.fdb_limit);
		sd_rec_int(rec, "fdb_moves", (long long)st.fdb_moves);
		sd_rec_int(rec, "no_mbuf", (long long)st.no_mbuf);
		sd_rec_int(rec, "gso_rx", (long long)st.gso_rx);
		sd_rec_int(rec, "sw_gso", (long long)st.sw_gso);
		sd_rec_int(rec, "sw_csum", (long long)st.sw_csum);
		dp_port_offloads(sd->dp, p, ol, sizeof(ol));
		sd_rec_str(rec, "offloads", ol);
		json_array_append_new(c->result, rec);
	}
out:
	if (port != NULL && !found)
		return sd_fail(c, SD_E_PORT_NOT_FOUND, "no port named %s%s%s", port,
			       filter ? " on " : "", filter ? filter->bridge : "");
	return 0;
}

/* The table. */

/* Each verb's handler, in the order of sd_verbs (both from verbs.def). */
static const sd_handler handlers[] = {
#define SD_VERB(handler, name, req, opt, flags, summary) verb_##handler,
#include "verbs.def"
#undef SD_VERB
};

/* Is @key one of the comma-separated names in @list? */
static bool
in_list(const char *list, const char *key)
{
	size_t len = strlen(key);
	const char *p = list;

	if (len == 0)
		return false;
	while ((p = strstr(p, key)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static int
check_keys(const struct sd_verb *v, struct sd_call *c)
{
	char req[256], *tok, *save = NULL;
	const char *key;
	json_t *val;

	json_object_foreach(c->params, key, val) {
		if (key[0] == '\0')
			return sd_fail(c, SD_E_REQUEST_INVALID, "a key is empty");
		for (const char *p = key; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return sd_fail(c, SD_E_CONTROL_CHARACTER,
					       "a key holds a control character (0x%02x)",
					       (unsigned char)*p);
		if (!json_is_string(val))
			return sd_fail(c, SD_E_REQUEST_INVALID, "value of %s is not a string", key);
		/* A newline in a name would forge lines in listings and logs. */
		for (const char *p = json_string_value(val); *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return sd_fail(
					c, SD_E_CONTROL_CHARACTER,
					"the value of %s= holds a control character (0x%02x at "
					"%zu)",
					key, (unsigned char)*p,
					(size_t)(p - json_string_value(val)));
		if (!in_list(v->required, key) && !in_list(v->optional, key))
			return sd_fail(c, SD_E_UNKNOWN_PARAMETER,
				       "%s does not take %s= (see netctl help %s)", v->name, key,
				       v->name);
	}
	snprintf(req, sizeof(req), "%s", v->required);
	for (tok = strtok_r(req, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		if (sd_arg(c, tok) == NULL)
			return sd_fail(c, SD_E_MISSING_PARAMETER, "%s needs %s=", v->name, tok);
	return 0;
}

/* Keep the records that match every filter (list verbs only); then keep
 * only the params= fields. */
static void
list_filter(struct sd_call *c, bool filter)
{
	const char *params = sd_arg(c, "params");
	json_t *out = json_array(), *rec, *val;
	const char *key;
	size_t i;

	json_array_foreach(c->result, i, rec) {
		bool match = true;

		json_object_foreach(c->params, key, val) {
			const char *have = json_string_value(json_object_get(rec, key));

			if (!filter || strcmp(key, "params") == 0)
				continue;
			if (have == NULL || strcmp(have, json_string_value(val)) != 0)
				match = false;
		}
		if (!match)
			continue;
		if (params != NULL && strcmp(params, "all") != 0) {
			json_t *sel = json_object();
			json_t *fv;
			const char *fk;

			json_object_foreach(rec, fk, fv)
				if (in_list(params, fk))
					json_object_set(sel, fk, fv);
			json_array_append_new(out, sel);
		} else {
			json_array_append(out, rec);
		}
	}
	json_decref(c->result);
	c->result = out;
}

/* May a change be stored now? Refuses it by name if not. */
static int
store_ready(struct switchd *sd, struct sd_call *c)
{
	char msg[512];
	int err;

	if (sd->diverged[0] != '\0')
		return sd_fail(c, SD_E_STORE_ERROR,
			       "%s could not be committed earlier; restart switchd to realise the"
			       " stored configuration",
			       sd->diverged);
	err = store_check(sd->store, msg, sizeof(msg));
	if (err)
		return sd_fail(c,
			       err == ENOENT   ? SD_E_STORE_MISSING
			       : err == ENOSPC ? SD_E_STORE_FULL
					       : SD_E_STORE_ERROR,
			       "%s", msg);
	return 0;
}

json_t *
sd_call_verb(struct switchd *sd, const char *name, json_t *params)
{
	struct sd_call c = {.params = params};
	const struct sd_verb *v = sd_verb_find(name);
	bool txn = false;
	json_t *reply;
	int rc = -1, err;

	if (v == NULL) {
		sd_fail(&c, SD_E_UNKNOWN_VERB, "no verb %s (see netctl help)", name);
	} else if (!json_is_object(params)) {
		sd_fail(&c, SD_E_REQUEST_INVALID, "params must be an object");
	} else if (check_keys(v, &c) == 0) {
		if (!(v->flags & (SD_VERB_RO | SD_VERB_LIVE)) && store_ready(sd, &c) == 0) {
			if (store_begin(sd->store) != 0)
				sd_fail(&c, SD_E_STORE_ERROR, "cannot start a transaction");
			else
				txn = true;
		}
		if (txn || (v->flags & (SD_VERB_RO | SD_VERB_LIVE)))
			rc = handlers[v - sd_verbs](sd, &c);
		if (txn && rc == 0 && (err = store_commit(sd->store)) != 0) {
			/* Even the reserve was not enough (or the disk failed):
			 * the live change is made, but not stored. Forwarding
			 * goes on; changes are refused until a restart
			 * realises what is stored. */
			rc = sd_fail(&c, err == ENOSPC ? SD_E_STORE_FULL : SD_E_STORE_ERROR,
				     "%s could not be committed; its live change stays until"
				     " switchd is restarted, and no change is taken until then",
				     name);
			snprintf(sd->diverged, sizeof(sd->diverged), "%s", name);
			sd_log("error",
			       "%s could not be committed: refusing changes until a restart", name);
		}
		if (txn && rc != 0)
			store_rollback(sd->store);
		if (rc == 0 && json_is_array(c.result))
			list_filter(&c, v->flags & SD_VERB_LIST);
	}
	if (rc == 0) {
		reply = json_pack("{s:b, s:o}", "ok", 1, "result",
				  c.result ? c.result : json_null());
	} else {
		json_decref(c.result);
		reply = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", sd_error_name(c.err),
				  "message", c.msg);
		sd_log("info", "%s: %s: %s", name, sd_error_name(c.err), c.msg);
	}
	if (reply == NULL) /* only if out of memory */
		reply = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", "INTERNAL_ERROR", "message",
				  "cannot build the reply");
	return reply;
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

/* Plug a VIF the store says is plugged (v->attached false). Its VM may
 * have gone while switchd was down: its netdev is missing, and that is
 * recorded. Any other failure leaves the store as it is and the VIF
 * pending, to be tried again (sd_retry_pending()): a start-up must not
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
	if (!vhost && if_nametoindex(ifname) == 0) {
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
			sd_log("warning", "VIF %s: %s", v->uuid, c.msg);
		}
		err = network_realise(n, sd->dp, sd->instance);
	}
	if (err == 0) {
		err = attach_vif(sd, v, n, ifname, path, server, v->domid);
		/* A vhost-user port is named after the domid, which
		 * vif-param-set may have changed since. */
		if (err == 0 && strcmp(v->ifname, ifname) != 0 && store_vif_put(sd->store, v) != 0)
			sd_log("error", "VIF %s: cannot record port name %s", v->uuid, v->ifname);
	}
	if (err == 0) {
		if (v->pending)
			sd_log("info", "VIF %s (%s): re-attached", v->uuid, vhost ? path : ifname);
		v->pending = false;
		return 0;
	}
	if (err != ENODEV && err != ENOENT) {
		if (!v->pending)
			sd_log("warning", "VIF %s (%s): not re-attached yet, retrying: %s", v->uuid,
			       vhost ? path : ifname, strerror(err));
		v->pending = true;
		return err;
	}
	/* The VM went away while we were down: record that. */
	sd_log("info", "VIF %s (%s): not re-attached: %s", v->uuid, vhost ? path : ifname,
	       strerror(err));
	v->pending = false;
	v->ifname[0] = '\0';
	v->vhost_path[0] = '\0';
	v->vhost_server = false;
	if (store_vif_put(sd->store, v) != 0)
		sd_log("error", "VIF %s: cannot record detachment", v->uuid);
	return 0;
}

static void
left_tap_removed(const char *name, int err)
{
	sd_log(err ? "warning" : "info", "%s: host interface left by a killed switchd%s%s", name,
	       err ? ", not removed: " : ", removed", err ? strerror(err) : "");
}

void
sd_realise_all(struct switchd *sd)
{
	struct network *n;
	struct pif *p;
	struct vif *v;
	int err;

	/* The workers take the whole configuration at once, at the end. */
	dp_batch_begin(sd->dp);
	if (network_adopt_begin(sd->instance) != 0)
		sd_log("warning", "cannot list host interfaces: each bridge's is looked up alone");
	TAILQ_FOREACH(p, &sd->pifs, next) {
		if (!p->attached)
			continue;
		n = network_by_uuid(sd, p->network_uuid);
		p->attached = false;
		err = n ? network_realise(n, sd->dp, sd->instance) : ENOENT;
		if (err == 0)
			err = attach_pif(sd, p, n); /* pseudo-PIFs come after their parent */
		if (err) {
			sd_log("warning", "PIF %s: not re-attached: %s", p->device, strerror(err));
			continue;
		}
		err = apply_ip(sd, p, n);
		if (err)
			sd_log("warning", "%s: IP configuration not applied: %s", n->bridge,
			       strerror(err));
	}
	TAILQ_FOREACH(v, &sd->vifs, next) {
		if (v->attached) {
			v->attached = false;
			realise_vif(sd, v, false);
		}
	}
	err = dp_batch_end(sd->dp);
	if (err)
		sd_log("error", "the datapath did not take the configuration: %s", strerror(err));
	/* Taps of this instance no network adopted (their network is gone
	 * from a restored database, or cannot be realised) go. */
	network_adopt_end(left_tap_removed);
}

void
sd_retry_pending(struct switchd *sd)
{
	struct vif *v;

	if (sd->diverged[0] != '\0')
		return;
	TAILQ_FOREACH(v, &sd->vifs, next) {
		/* In a transaction, as a verb: the uplink's plug records the
		 * PIF first and counts on a rollback if it fails. */
		if (!v->pending || store_begin(sd->store) != 0)
			continue;
		if (realise_vif(sd, v, true) == 0) {
			if (store_commit(sd->store) != 0)
				sd_log("error", "VIF %s: cannot record its plug", v->uuid);
		} else {
			store_rollback(sd->store);
		}
	}
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
			pif_dpdk_close(p->ethdev); /* its port is closed already */
		free(p);
	}
	while ((n = TAILQ_FIRST(&sd->networks)) != NULL) {
		network_remove(sd, n);
		free(n);
	}
}
