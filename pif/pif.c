/* SPDX-License-Identifier: BSD-3-Clause */
/* PIF discovery (libnl-route-3), IP configuration and attachment; see pif.h. */
#include "pif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/route.h>

#include "../datapath/datapath.h"
#include "../lib/fault.h"
#include "../lib/netdev.h"

extern char **environ;

#define DHCLIENT "/sbin/dhclient"

static int
nl_open(struct nl_sock **sk)
{
	*sk = nl_socket_alloc();
	if (*sk == NULL)
		return ENOMEM;
	if (nl_connect(*sk, NETLINK_ROUTE) < 0) {
		int err = errno == EMFILE || errno == ENFILE || errno == ENOBUFS ? errno : EIO;

		nl_socket_free(*sk);
		return err;
	}
	return 0;
}

static int
nl_err(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST:
		return EEXIST;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return ENODEV;
	case NLE_PERM:
		return EPERM;
	case NLE_INVAL:
		return EINVAL;
	default:
		return EIO;
	}
}

static void
netdev_from_link(struct rtnl_link *link, struct pif_netdev *nd)
{
	struct nl_addr *addr = rtnl_link_get_addr(link);
	const char *kind = rtnl_link_get_type(link);
	const char *alias;

	memset(nd, 0, sizeof(*nd));
	snprintf(nd->name, sizeof(nd->name), "%s", rtnl_link_get_name(link));
	if (addr != NULL && nl_addr_get_len(addr) == MAC_LEN)
		memcpy(nd->mac.b, nl_addr_get_binary_addr(addr), MAC_LEN);
	nd->mtu = (uint16_t)rtnl_link_get_mtu(link);
	nd->carrier = rtnl_link_get_carrier(link) != 0;
	snprintf(nd->kind, sizeof(nd->kind), "%s", kind ? kind : "");
	nd->ethernet = rtnl_link_get_arptype(link) == ARPHRD_ETHER &&
		       !(rtnl_link_get_flags(link) & IFF_LOOPBACK);
	alias = rtnl_link_get_ifalias(link);
	snprintf(nd->alias, sizeof(nd->alias), "%s", alias ? alias : "");
}

int
pif_netdev_get(const char *name, struct pif_netdev *nd)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk;
	int err;

	err = nl_open(&sk);
	if (err)
		return err;
	if (rtnl_link_get_kernel(sk, 0, name, &link) < 0) {
		nl_socket_free(sk);
		return ENODEV;
	}
	netdev_from_link(link, nd);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return 0;
}

static bool
could_be_nic(struct rtnl_link *link)
{
	const char *kind = rtnl_link_get_type(link);

	if (rtnl_link_get_arptype(link) != ARPHRD_ETHER)
		return false;
	if (rtnl_link_get_flags(link) & IFF_LOOPBACK)
		return false;
	/* Hardware has no kind; veth stands in for NICs in test hosts. */
	return kind == NULL || strcmp(kind, "veth") == 0;
}

int
pif_netdev_set_alias(const char *name, const char *alias)
{
	struct rtnl_link *link = NULL, *change;
	struct nl_sock *sk;
	int err;

	err = nl_open(&sk);
	if (err)
		return err;
	if (rtnl_link_get_kernel(sk, 0, name, &link) < 0) {
		nl_socket_free(sk);
		return ENODEV;
	}
	change = rtnl_link_alloc();
	if (change == NULL) {
		err = ENOMEM;
	} else {
		rtnl_link_set_ifalias(change, alias);
		err = fault_hit(FAULT_NETLINK) ? -NLE_NOMEM : rtnl_link_change(sk, link, change, 0);
		err = err < 0 ? nl_err(err) : 0;
		rtnl_link_put(change);
	}
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err;
}

int
pif_netdev_set_noqueue(const char *name)
{
	struct rtnl_qdisc *q;
	struct nl_sock *sk;
	unsigned int ifindex = netdev_index(name);
	int err;

	if (ifindex == 0)
		return ENODEV;
	q = rtnl_qdisc_alloc();
	if (q == NULL)
		return ENOMEM;
	err = nl_open(&sk);
	if (err == 0) {
		rtnl_tc_set_ifindex(TC_CAST(q), (int)ifindex);
		rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
		rtnl_tc_set_kind(TC_CAST(q), "noqueue");
		err = fault_hit(FAULT_NETLINK)
			      ? -NLE_NOMEM
			      : rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
		err = err < 0 ? nl_err(err) : 0;
		nl_socket_free(sk);
	}
	rtnl_qdisc_put(q);
	return err;
}

int
pif_netdev_delete(const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_sock *sk;
	int err;

	if (link == NULL)
		return ENOMEM;
	err = nl_open(&sk);
	if (err == 0) {
		rtnl_link_set_name(link, name);
		err = fault_hit(FAULT_NETLINK) ? -NLE_NOMEM : rtnl_link_delete(sk, link);
		err = err < 0 ? nl_err(err) : 0;
		nl_socket_free(sk);
	}
	rtnl_link_put(link);
	return err;
}

static int
netdev_each(bool nics_only, int (*cb)(const struct pif_netdev *nd, void *arg), void *arg)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	struct nl_sock *sk;
	int err, ret = 0;

	err = nl_open(&sk);
	if (err)
		return err;
	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0) {
		nl_socket_free(sk);
		return EIO;
	}
	for (obj = nl_cache_get_first(cache); obj != NULL && ret == 0;
	     obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		struct pif_netdev nd;

		if (nics_only && !could_be_nic(link))
			continue;
		netdev_from_link(link, &nd);
		ret = cb(&nd, arg);
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	return ret;
}

int
pif_netdev_scan(int (*cb)(const struct pif_netdev *nd, void *arg), void *arg)
{
	return netdev_each(true, cb, arg);
}

int
pif_netdev_each(int (*cb)(const struct pif_netdev *nd, void *arg), void *arg)
{
	return netdev_each(false, cb, arg);
}

int
pif_ip_mode_parse(const char *s, enum pif_ip_mode *mode)
{
	if (strcmp(s, "none") == 0)
		*mode = PIF_IP_NONE;
	else if (strcmp(s, "dhcp") == 0)
		*mode = PIF_IP_DHCP;
	else if (strcmp(s, "static") == 0)
		*mode = PIF_IP_STATIC;
	else
		return EINVAL;
	return 0;
}

const char *
pif_ip_mode_str(enum pif_ip_mode mode)
{
	switch (mode) {
	case PIF_IP_NONE:
		return "none";
	case PIF_IP_DHCP:
		return "dhcp";
	case PIF_IP_STATIC:
		return "static";
	}
	return "?";
}

/* Prefix length of a contiguous dotted-quad netmask, or -1. */
static int
netmask_prefix(const char *s)
{
	struct in_addr a;
	uint32_t m;
	int len;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	len = __builtin_popcount(m);
	if (len != 0 && m != ~0u << (32 - len))
		return -1;
	return len;
}

static bool
ipv4_valid(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

int
pif_ip_validate(const struct pif_ip *ip, const char **what)
{
	char dns[sizeof(ip->dns)], *tok, *save = NULL;
	struct in_addr a, g;
	int prefix;
	uint32_t mask;

	if (ip->mode != PIF_IP_STATIC)
		return 0;
	if (!ipv4_valid(ip->ip)) {
		*what = "IP";
		return EINVAL;
	}
	prefix = netmask_prefix(ip->netmask);
	if (prefix <= 0) {
		*what = "netmask";
		return EINVAL;
	}
	if (ip->gateway[0] != '\0') {
		mask = prefix == 32 ? ~0u : ~(~0u >> prefix);
		inet_pton(AF_INET, ip->ip, &a);
		if (!ipv4_valid(ip->gateway) ||
		    (inet_pton(AF_INET, ip->gateway, &g) == 1 &&
		     (ntohl(a.s_addr) & mask) != (ntohl(g.s_addr) & mask))) {
			*what = "gateway";
			return EINVAL;
		}
	}
	snprintf(dns, sizeof(dns), "%s", ip->dns);
	for (tok = strtok_r(dns, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (!ipv4_valid(tok)) {
			*what = "DNS";
			return EINVAL;
		}
	}
	return 0;
}

/* Delete every IPv4 address of @ifindex. */
static int
addr_flush(struct nl_sock *sk, int ifindex)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	int err = 0;

	if (rtnl_addr_alloc_cache(sk, &cache) < 0)
		return EIO;
	for (obj = nl_cache_get_first(cache); obj != NULL; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;

		if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET)
			continue;
		if (fault_hit(FAULT_NETLINK) || rtnl_addr_delete(sk, a, 0) < 0)
			err = EIO;
	}
	nl_cache_free(cache);
	return err;
}

static int
static_apply(struct nl_sock *sk, int ifindex, const struct pif_ip *ip)
{
	struct nl_addr *local = NULL, *gw = NULL, *dst = NULL;
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh;
	struct rtnl_addr *addr;
	char cidr[32];
	int ret;

	snprintf(cidr, sizeof(cidr), "%s/%d", ip->ip, netmask_prefix(ip->netmask));
	addr = rtnl_addr_alloc();
	if (addr == NULL || nl_addr_parse(cidr, AF_INET, &local) < 0) {
		rtnl_addr_put(addr);
		return ENOMEM;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_local(addr, local);
	ret = fault_hit(FAULT_NETLINK) ? -NLE_NOMEM : rtnl_addr_add(sk, addr, 0);
	nl_addr_put(local);
	rtnl_addr_put(addr);
	if (ret < 0)
		return nl_err(ret);
	if (ip->gateway[0] == '\0')
		return 0;

	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (route == NULL || nh == NULL || nl_addr_parse(ip->gateway, AF_INET, &gw) < 0 ||
	    nl_addr_parse("0.0.0.0/0", AF_INET, &dst) < 0) {
		ret = -NLE_NOMEM;
		goto out;
	}
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_dst(route, dst);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(route, nh);
	nh = NULL; /* owned by the route now */
	ret = fault_hit(FAULT_NETLINK) ? -NLE_NOMEM
				       : rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_REPLACE);
out:
	if (nh != NULL)
		rtnl_route_nh_free(nh);
	rtnl_route_put(route);
	nl_addr_put(gw);
	nl_addr_put(dst);
	return ret < 0 ? nl_err(ret) : 0;
}

bool
pif_dhcp_client_available(void)
{
	return access(DHCLIENT, X_OK) == 0;
}

static void
dhcp_pidfile(char *buf, size_t len, const char *rundir, const char *ifname)
{
	snprintf(buf, len, "%s/dhclient.%s.pid", rundir, ifname);
}

/* True if process @pid is the DHCP client dhcp_start() ran for @ifname
 * with pidfile @pidfile: its command line names both. A pidfile left by a
 * client that died may name a process that has the pid since. */
static bool
dhcp_pid_ours(int pid, const char *pidfile, const char *ifname)
{
	bool has_pf = false, has_if = false;
	char path[64], cmd[1024];
	size_t n, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	cmd[n] = '\0';
	for (i = 0; i < n; i += strlen(cmd + i) + 1) {
		has_pf |= strcmp(cmd + i, pidfile) == 0;
		has_if |= strcmp(cmd + i, ifname) == 0;
	}
	return has_pf && has_if && strstr(cmd, "dhclient") != NULL;
}

void
pif_dhcp_stop(const char *ifname, const char *rundir)
{
	char path[256];
	FILE *f;
	int pid;

	dhcp_pidfile(path, sizeof(path), rundir, ifname);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	if (fscanf(f, "%d", &pid) == 1 && pid > 1 && dhcp_pid_ours(pid, path, ifname))
		kill(pid, SIGTERM);
	fclose(f);
	unlink(path);
}

static int
dhcp_start(const char *ifname, const char *rundir)
{
	char pidfile[256], leases[256];
	char *argv[] = {(char *)DHCLIENT, (char *)"-nw", (char *)"-pf",	 pidfile,
			(char *)"-lf",	  leases,	 (char *)ifname, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t pid;
	int status, err;

	dhcp_pidfile(pidfile, sizeof(pidfile), rundir, ifname);
	snprintf(leases, sizeof(leases), "%s/dhclient.%s.leases", rundir, ifname);
	/* The client must not inherit switchd's blocked signals, handlers or
	 * descriptors (DPDK's sockets and taps are not close-on-exec). */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	err = posix_spawn(&pid, DHCLIENT, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err != 0)
		return err;
	/* With -nw the client forks into the background at once. */
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return EIO;
	return 0;
}

int
pif_ip_apply(const char *ifname, const struct pif_ip *ip, const char *rundir)
{
	struct rtnl_link *link = NULL, *change = NULL;
	struct nl_sock *sk;
	int ifindex, err;

	err = nl_open(&sk);
	if (err)
		return err;
	if (rtnl_link_get_kernel(sk, 0, ifname, &link) < 0) {
		err = ENODEV;
		goto out;
	}
	ifindex = rtnl_link_get_ifindex(link);
	change = rtnl_link_alloc();
	if (change == NULL) {
		err = ENOMEM;
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	if (fault_hit(FAULT_NETLINK) || rtnl_link_change(sk, link, change, 0) < 0) {
		err = EIO;
		goto out;
	}
	pif_dhcp_stop(ifname, rundir);
	err = addr_flush(sk, ifindex);
	if (err)
		goto out;
	if (ip->mode == PIF_IP_STATIC)
		err = static_apply(sk, ifindex, ip);
	else if (ip->mode == PIF_IP_DHCP)
		err = dhcp_start(ifname, rundir);
out:
	rtnl_link_put(change);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err;
}

int
pif_port_add(struct pif *pif, struct dp *dp, const struct dp_port_params *pp)
{
	uint16_t port;
	int err;

	err = dp_port_add(dp, pp, &port);
	if (err)
		return err;
	pif->dp_port = port;
	pif->attached = true;
	return 0;
}

int
pif_attach(struct pif *pif, struct dp *dp, uint16_t bridge, uint16_t mtu)
{
	struct dp_port_params pp = {
		.kind = pif->dpdk_open ? DP_PORT_ETHDEV : DP_PORT_AF_PACKET,
		.name = pif->device,
		.bridge = bridge,
		.mtu = mtu,
		.ethdev = pif->ethdev,
		.trunk = true, /* a NIC carries VLANs */
	};

	return pif_port_add(pif, dp, &pp);
}

int
pif_detach(struct pif *pif, struct dp *dp)
{
	int err = dp_port_del(dp, pif->dp_port);

	if (err)
		return err;
	pif->attached = false;
	pif->dp_port = DP_PORT_NONE;
	return 0;
}
