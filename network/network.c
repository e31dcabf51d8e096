/* SPDX-License-Identifier: BSD-3-Clause */
/* Network naming rules and realisation; see network.h. */
#include "network.h"

#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../datapath/datapath.h"
#include "../lib/netdev.h"
#include "../pif/pif.h"

static const char *const reserved_prefixes[] = {"xen", "xapi", "vif", "tap", "eth"};

bool
network_bridge_name_valid(const char *name, const char **why)
{
	size_t i, len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ) {
		*why = "must be 1 to 15 characters";
		return false;
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		*why = "must not be . or .. (the kernel refuses them)";
		return false;
	}
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)name[i]) && strchr("_.-", name[i]) == NULL) {
			*why = "may contain only letters, digits, '_', '.' and '-'";
			return false;
		}
	}
	for (i = 0; i < sizeof(reserved_prefixes) / sizeof(reserved_prefixes[0]); i++) {
		if (strncmp(name, reserved_prefixes[i], strlen(reserved_prefixes[i])) == 0) {
			*why = "must not start with xen, xapi, vif, tap or eth";
			return false;
		}
	}
	return true;
}

/* Parse a decimal suffix: the whole of @s, no sign, no leading zero. */
static int
index_parse(const char *s, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]) || (s[0] == '0' && s[1] != '\0'))
		return EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : EINVAL;
}

int
network_xenbr_name(const char *device, char *out, size_t len)
{
	unsigned long n;
	int w;

	if (strncmp(device, "eth", 3) != 0 || index_parse(device + 3, &n) != 0)
		return EINVAL;
	w = snprintf(out, len, "xenbr%lu", n);
	return w > 0 && (size_t)w < len && (size_t)w < IFNAMSIZ ? 0 : EINVAL;
}

int
network_xapi_name(bool (*used)(const char *bridge, void *arg), void *arg, char *out, size_t len)
{
	unsigned int n;

	for (n = 0; n < 100000; n++) {
		snprintf(out, len, "xapi%u", n);
		if (!used(out, arg))
			return 0;
	}
	return ENOSPC;
}

int
network_mtu_parse(const char *s, uint16_t *mtu)
{
	unsigned long v;

	if (index_parse(s, &v) != 0 || v < NETWORK_MTU_MIN || v > NETWORK_MTU_MAX)
		return EINVAL;
	*mtu = (uint16_t)v;
	return 0;
}

void
network_host_alias(const struct network *net, const char *instance, char *out, size_t len)
{
	snprintf(out, len, "%s network %s", instance, net->uuid);
}

/* At start-up: the taps of this instance that a killed switchd left,
 * from one dump of the host's interfaces, sorted by name. */
struct left_tap {
	char name[IFNAMSIZ];
	char alias[sizeof(((struct pif_netdev *)0)->alias)];
	bool adopted;
};

static struct {
	struct left_tap *taps;
	size_t n, cap;
	char prefix[48];
	bool active;
} left;

static int
left_tap_cmp(const void *a, const void *b)
{
	return strcmp(((const struct left_tap *)a)->name, ((const struct left_tap *)b)->name);
}

static int
left_tap_add(const struct pif_netdev *nd, void *arg)
{
	(void)arg;
	if (strcmp(nd->kind, "tun") != 0 ||
	    strncmp(nd->alias, left.prefix, strlen(left.prefix)) != 0)
		return 0;
	if (left.n == left.cap) {
		size_t cap = left.cap ? 2 * left.cap : 64;
		struct left_tap *t = realloc(left.taps, cap * sizeof(*t));

		if (t == NULL)
			return ENOMEM;
		left.taps = t;
		left.cap = cap;
	}
	snprintf(left.taps[left.n].name, sizeof(left.taps[0].name), "%s", nd->name);
	snprintf(left.taps[left.n].alias, sizeof(left.taps[0].alias), "%s", nd->alias);
	left.taps[left.n++].adopted = false;
	return 0;
}

int
network_adopt_begin(const char *instance)
{
	int err;

	network_adopt_end_quiet();
	snprintf(left.prefix, sizeof(left.prefix), "%s network ", instance);
	err = pif_netdev_each(left_tap_add, NULL);
	if (err) {
		network_adopt_end_quiet();
		return err;
	}
	if (left.n > 0) /* no array at all when there are none */
		qsort(left.taps, left.n, sizeof(left.taps[0]), left_tap_cmp);
	left.active = true;
	return 0;
}

static struct left_tap *
left_tap_find(const char *name)
{
	struct left_tap key;

	if (left.n == 0)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, left.taps, left.n, sizeof(left.taps[0]), left_tap_cmp);
}

void
network_adopt_end_quiet(void)
{
	free(left.taps);
	left.taps = NULL;
	left.n = left.cap = 0;
	left.active = false;
}

void
network_adopt_end(void (*removed)(const char *name, int err))
{
	size_t i;

	for (i = 0; left.active && i < left.n; i++)
		if (!left.taps[i].adopted)
			removed(left.taps[i].name, pif_netdev_delete(left.taps[i].name));
	network_adopt_end_quiet();
}

/* A host interface of that name exists: true if it is the tap a killed
 * switchd of this instance left for this network. */
static bool
host_tap_ours(const struct network *net, const char *instance)
{
	struct pif_netdev nd;
	char alias[sizeof(nd.alias)];

	network_host_alias(net, instance, alias, sizeof(alias));
	if (left.active) {
		const struct left_tap *t = left_tap_find(net->bridge);

		return t != NULL && strcmp(t->alias, alias) == 0;
	}
	if (pif_netdev_get(net->bridge, &nd) != 0 || strcmp(nd.kind, "tun") != 0)
		return false;
	return strcmp(nd.alias, alias) == 0;
}

int
network_realise(struct network *net, struct dp *dp, const char *instance)
{
	struct dp_port_params pp = {
		.kind = DP_PORT_TAP,
		.name = net->bridge,
		.mtu = net->mtu,
	};
	unsigned int ifindex;
	uint16_t bridge, port;
	int err;

	if (net->realised)
		return 0;
	ifindex = netdev_index(net->bridge);
	pp.adopt = ifindex != 0 && host_tap_ours(net, instance);
	if (ifindex != 0 && !pp.adopt)
		return EEXIST; /* someone else's: before the datapath is touched */
	err = dp_bridge_add(dp, net->bridge, net->mtu, &bridge);
	if (err)
		return err;
	pp.bridge = bridge;
	pp.mac = net->host_mac;
	err = dp_bridge_set_group_fwd_mask(dp, bridge, net->group_fwd_mask);
	if (err == 0)
		err = dp_bridge_set_fdb_max(dp, bridge, net->mac_limit);
	if (err == 0)
		err = dp_port_add(dp, &pp, &port);
	/* The tap to adopt may have gone since it was found (the attach then
	 * made a new one): mark it as a new one. */
	if (err == 0 && pp.adopt && netdev_index(net->bridge) != ifindex)
		pp.adopt = false;
	/* Marked as ours, without a queue discipline, and only then
	 * persistent: a switchd killed before that leaves no tap that its
	 * successor would not know as its own. */
	if (err == 0 && !pp.adopt) {
		char alias[128];

		network_host_alias(net, instance, alias, sizeof(alias));
		err = pif_netdev_set_alias(net->bridge, alias);
		if (err == 0)
			err = pif_netdev_set_noqueue(net->bridge);
		if (err == 0)
			err = dp_port_tap_persist(dp, port);
		if (err)
			dp_port_del(dp, port);
	}
	if (err) {
		dp_bridge_del(dp, bridge);
		return err;
	}
	if (pp.adopt && left.active)
		left_tap_find(net->bridge)->adopted = true;
	net->dp_bridge = bridge;
	net->host_port = port;
	net->realised = true;
	return 0;
}

int
network_unrealise(struct network *net, struct dp *dp)
{
	int err;

	if (!net->realised)
		return 0;
	err = dp_bridge_del_with_port(dp, net->dp_bridge, net->host_port);
	if (err)
		return err;
	net->realised = false;
	return 0;
}
