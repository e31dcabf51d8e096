/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pif.h - PIFs: the host's interfaces (physical NICs here; bond masters and
 * VLAN pseudo-PIFs in later modules), how they are discovered through
 * netlink, how their bridge's host interface gets an IP configuration, and
 * how a PIF becomes a datapath port.
 *
 * Netlink is done with libnl-3 (libnl-route-3): its link, address and route
 * objects and caches replace hand-built messages. See docs/LIBRARIES.md.
 */
#ifndef SWITCHD_PIF_H
#define SWITCHD_PIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <uthash.h>

#include "../lib/mac.h"

#define PIF_UUID_LEN 37 /* 36 characters and the NUL */
#define PIF_BACKEND_MAX 256
#define PIF_BACKEND_BOND "bond" /* a bond's master PIF (bond/) */

struct dp;
struct dp_port_params;

enum pif_ip_mode {
	PIF_IP_NONE,
	PIF_IP_DHCP,
	PIF_IP_STATIC,
};

struct pif_ip {
	enum pif_ip_mode mode;
	char ip[16];	  /* dotted quad, static only */
	char netmask[16]; /* dotted quad, static only */
	char gateway[16]; /* dotted quad or "" */
	char dns[128];	  /* comma-separated servers, or "" */
};

struct pif {
	TAILQ_ENTRY(pif) next;
	char uuid[PIF_UUID_LEN];
	char device[32]; /* netdev name (eth0), or <parent>.<tag> for a VLAN */
	struct mac mac;
	uint16_t mtu;
	int vlan; /* -1: untagged */
	char network_uuid[PIF_UUID_LEN];
	bool management; /* carries the host's management address */
	bool physical;
	char backend[PIF_BACKEND_MAX]; /* how the datapath reaches it; see pif_backend_parse() */
	struct pif_ip ip;
	bool attached;	    /* currently-attached: its port is on the bridge */
	bool pending;	    /* runtime: attached in the store, but its plug at start-up
			     * failed; retried every second (pif_retry_pending()) */
	uint16_t dp_port;   /* runtime: datapath port while attached */
	bool dpdk_open;	    /* runtime: a DPDK backend's ethdev is probed */
	uint16_t ethdev;    /* runtime: that ethdev */
	bool carrier_known; /* runtime: a link event told its netdev's carrier */
	bool carrier;	    /* runtime: that carrier */
	UT_hash_handle hh_uuid, hh_device, hh_network; /* switchd's indexes (switchd/objects.c) */
};

/*
 * Backends: how the datapath reaches a NIC.
 *   af_packet     the kernel netdev @device through AF_PACKET sockets (default)
 *   af_xdp        refused for now (ENOTSUP): DPDK's AF_XDP driver needs
 *                 mbufs of at most a page, the datapath's hold 9 KB frames
 *   0000:03:00.0  a PCI NIC bound to vfio-pci, through its DPDK driver
 *   dpdk:DEVARGS  any DPDK Ethernet device by its device arguments, as
 *                 Open vSwitch's dpdk-devargs (net_vhost0,iface=PATH, ...)
 * pif_backend_parse() checks @s (NULL: af_packet) and writes the DPDK
 * device arguments to @devargs ("" for af_packet). Returns 0; ENOTSUP for
 * an unknown kind or EINVAL for a malformed one, with *why set.
 */
int pif_backend_parse(const char *s, char *devargs, size_t len, const char **why);

/* A kernel netdev as pif-scan sees it. */
struct pif_netdev {
	char name[IFNAMSIZ];
	struct mac mac;
	uint16_t mtu;
	bool carrier;
	char kind[16];	 /* rtnetlink link kind ("veth", "tun"), "" for hardware */
	bool ethernet;	 /* an Ethernet device, not loopback: may be a port */
	char alias[128]; /* IFLA_IFALIAS, "" if none (cut short if longer) */
};

/* Read one netdev of the caller's network namespace. ENODEV if absent. */
int pif_netdev_get(const char *name, struct pif_netdev *nd);

/* Call @cb for every Ethernet netdev that could be a NIC: not loopback, not
 * a tap/tun, bridge or other virtual kind except veth. Stops when @cb
 * returns non-zero and returns that. */
int pif_netdev_scan(int (*cb)(const struct pif_netdev *nd, void *arg), void *arg);

/* As pif_netdev_scan(), for every netdev of the namespace. */
int pif_netdev_each(int (*cb)(const struct pif_netdev *nd, void *arg), void *arg);

/* Set a netdev's alias (what "ip link" shows as "alias"). */
int pif_netdev_set_alias(const char *name, const char *alias);

/* Give a netdev the root qdisc noqueue, as a veth has: frames go straight
 * to its driver. A multi-queue tap otherwise gets a pfifo_fast for each of
 * its 256 possible queues, three 8 KB rings each: 6 MB of kernel memory. */
int pif_netdev_set_noqueue(const char *name);

/* Remove a netdev (RTM_DELLINK). ENODEV if there is none. */
int pif_netdev_delete(const char *name);

/* Parse "none" | "dhcp" | "static". Returns 0 or EINVAL. */
int pif_ip_mode_parse(const char *s, enum pif_ip_mode *mode);
const char *pif_ip_mode_str(enum pif_ip_mode mode);

/* Validate a static configuration: ip and netmask (contiguous) present and
 * well-formed, gateway (if any) inside the subnet, DNS a list of IPv4
 * addresses. On error *what names the offending field. */
int pif_ip_validate(const struct pif_ip *ip, const char **what);

/* Make netdev @ifname carry @ip: its IPv4 addresses are replaced, a default
 * route through the gateway is set, the interface is brought up. DHCP
 * starts the system's DHCP client on it, with its pid file under @rundir.
 * Returns 0 or a positive errno. */
int pif_ip_apply(const char *ifname, const struct pif_ip *ip, const char *rundir);

/* True if a DHCP client this module can drive is installed. */
bool pif_dhcp_client_available(void);

/* Stop the DHCP client pif_ip_apply() started on @ifname, if its pid file
 * under @rundir names one, and remove the pid file. A pid that is no longer
 * that client's (it died, and the pid was given to another process) is left
 * alone. */
void pif_dhcp_stop(const char *ifname, const char *rundir);

/* Add the datapath port described by @pp as @pif's and mark it attached.
 * For the kinds of PIF: pif_attach() here, vlan_attach() in vlan/. */
int pif_port_add(struct pif *pif, struct dp *dp, const struct dp_port_params *pp);

/* Attach the PIF's NIC to datapath bridge @bridge whose MTU is @mtu: its
 * netdev through AF_PACKET, or its ethdev if a DPDK backend has it open. */
int pif_attach(struct pif *pif, struct dp *dp, uint16_t bridge, uint16_t mtu);
/* Remove the PIF's port. */
int pif_detach(struct pif *pif, struct dp *dp);

#endif
