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

/* A host interface of that name exists: true if it is the tap a killed
 * switchd of this instance left for this network. */
static bool
host_tap_ours(const struct network *net, const char *instance)
{
	struct pif_netdev nd;
	char alias[sizeof(nd.alias)];

	if (pif_netdev_get(net->bridge, &nd) != 0 || strcmp(nd.kind, "tun") != 0)
		return false;
	network_host_alias(net, instance, alias, sizeof(alias));
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
	uint16_t bridge, port;
	int err;

	if (net->realised)
		return 0;
	pp.adopt = if_nametoindex(net->bridge) != 0 && host_tap_ours(net, instance);
	err = dp_bridge_add(dp, net->bridge, net->mtu, &bridge);
	if (err)
		return err;
	pp.bridge = bridge;
	memcpy(pp.mac.addr_bytes, net->host_mac.b, MAC_LEN);
	err = dp_bridge_set_group_fwd_mask(dp, bridge, net->group_fwd_mask);
	if (err == 0)
		err = dp_bridge_set_fdb_max(dp, bridge, net->mac_limit);
	if (err == 0)
		err = dp_port_add(dp, &pp, &port);
	if (err == 0 && !pp.adopt) {
		char alias[128];

		network_host_alias(net, instance, alias, sizeof(alias));
		err = pif_netdev_set_alias(net->bridge, alias);
		if (err == 0)
			err = pif_netdev_set_noqueue(net->bridge);
		if (err)
			dp_port_del(dp, port);
	}
	if (err) {
		dp_bridge_del(dp, bridge);
		return err;
	}
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
	err = dp_port_del(dp, net->host_port);
	if (err)
		return err;
	err = dp_bridge_del(dp, net->dp_bridge);
	if (err)
		return err;
	net->realised = false;
	return 0;
}
