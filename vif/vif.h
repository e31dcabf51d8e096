/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vif.h - VIFs: a VM's network interfaces, their validation rules, and how
 * a plugged VIF becomes a datapath port: its backend netdev vifD.N/tapD.N
 * through af_packet, or the VM's vhost-user socket.
 */
#ifndef SWITCHD_VIF_H
#define SWITCHD_VIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <uthash.h>

#include "../lib/mac.h"
#include "../qos/qos.h"
#include "vif-lock.h"

#define VIF_UUID_LEN 37
#define VIF_DEVICE_MAX 15      /* device indexes are 0..15 */
#define VIF_VHOST_PATH_MAX 108 /* sizeof(sun_path), with the NUL */

struct dp;

struct vif {
	TAILQ_ENTRY(vif) next;
	char uuid[VIF_UUID_LEN];
	char vm_uuid[VIF_UUID_LEN];
	int device; /* 0..VIF_DEVICE_MAX, unique per VM */
	struct mac mac;
	uint16_t mtu;
	char network_uuid[VIF_UUID_LEN];
	int domid;	       /* -1 if unknown */
	bool attached;	       /* currently-attached */
	char ifname[IFNAMSIZ]; /* port name while attached (af_packet: the netdev), else "" */
	char vhost_path[VIF_VHOST_PATH_MAX]; /* vhost-user socket while attached, else "" */
	bool vhost_server;		     /* vhost-user: switchd creates the socket */
	uint32_t mac_limit;		     /* most MACs learned on its port; 0: default */
	struct vif_qos qos;		     /* qos_algorithm_type and _params */
	struct vif_lock lock;		     /* locking_mode, ipv4_allowed, ipv6_allowed */
	uint16_t dp_port;		     /* runtime: datapath port while attached */
	/* runtime: plugged in the store (ifname, vhost_path kept) but not
	 * realised at start-up for a passing reason; retried every second */
	bool pending;
	UT_hash_handle hh_uuid; /* switchd's index (switchd/objects.c) */
};

/* Parse a device index "0".."15". Returns 0 or EINVAL. */
int vif_device_parse(const char *s, int *device);

/* Attach the VIF's backend @ifname to datapath bridge @bridge (MTU @mtu),
 * locked as @lock says from its first frame (vif_lock_params()). */
int vif_attach(struct vif *vif, struct dp *dp, const char *ifname, uint16_t bridge, uint16_t mtu,
	       const struct dp_lock_params *lock);

/* Check a vhost-user socket path (absolute, not a directory, its directory
 * exists) and write its canonical form, with the directory resolved
 * (realpath), to @out: two spellings of one socket compare equal. Returns 0,
 * EINVAL, ENOENT (no such directory) or ENAMETOOLONG (over sun_path). */
int vif_vhost_path_canon(const char *path, char out[VIF_VHOST_PATH_MAX]);

/* The port name of a vhost-user VIF: vif<domid>.<device> as Xen names a VIF's
 * backend, or vhu-<first 8 of the uuid> while the domain id is unknown. */
void vif_vhost_port_name(const struct vif *vif, int domid, char name[IFNAMSIZ]);

/* Attach the VIF through vhost-user socket @path (client: connect to the
 * VM's socket, retrying while it is absent; server: create it), as port
 * @name on datapath bridge @bridge (MTU @mtu). */
int vif_attach_vhost(struct vif *vif, struct dp *dp, const char *name, const char *path,
		     bool server, uint16_t bridge, uint16_t mtu, const struct dp_lock_params *lock);
/* Remove the VIF's port; other ports are not disturbed. */
int vif_detach(struct vif *vif, struct dp *dp);

/* Apply MTU @mtu (the VIF's, at most its network's) to a plugged VIF's
 * backend netdev. A vhost-user guest's MTU is the guest's own setting:
 * nothing to apply (virtio's MTU feature is offered by QEMU, not by the
 * switch). */
int vif_apply_mtu(const struct vif *vif, struct dp *dp, uint16_t mtu);
/* Lock the VIF's port as its locking says, on a network whose default
 * locking mode is disabled if @net_disabled: live. */
int vif_apply_lock(const struct vif *vif, struct dp *dp, bool net_disabled);
/* Apply the VIF's QoS (vif->qos) to its port: live, or cleared. */
int vif_apply_qos(const struct vif *vif, struct dp *dp);
/* Move an attached VIF's port to another bridge. */
int vif_move(struct vif *vif, struct dp *dp, uint16_t bridge);

#endif
