/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vif.h - VIFs: a VM's network interfaces, their validation rules, and how
 * a plugged VIF becomes a datapath port (its backend netdev vifD.N/tapD.N
 * through af_packet).
 */
#ifndef SWITCHD_VIF_H
#define SWITCHD_VIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "../lib/mac.h"

#define VIF_UUID_LEN 37
#define VIF_DEVICE_MAX 15 /* device indexes are 0..15 */

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
	char ifname[IFNAMSIZ]; /* backend netdev while attached, else "" */
	uint16_t dp_port;      /* runtime: datapath port while attached */
};

/* Parse a device index "0".."15". Returns 0 or EINVAL. */
int vif_device_parse(const char *s, int *device);

/* Attach the VIF's backend @ifname to datapath bridge @bridge (MTU @mtu). */
int vif_attach(struct vif *vif, struct dp *dp, const char *ifname, uint16_t bridge, uint16_t mtu);
/* Remove the VIF's port; other ports are not disturbed. */
int vif_detach(struct vif *vif, struct dp *dp);
/* Move an attached VIF's port to another bridge. */
int vif_move(struct vif *vif, struct dp *dp, uint16_t bridge);

#endif
