/* SPDX-License-Identifier: BSD-3-Clause */
/* VIF validation and datapath attachment; see vif.h. */
#include "vif.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>

#include "../datapath/datapath.h"

int
vif_device_parse(const char *s, int *device)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > VIF_DEVICE_MAX)
		return EINVAL;
	*device = (int)v;
	return 0;
}

/* Add the port @pp describes and record it in @vif (ifname = port name). */
static int
attach(struct vif *vif, struct dp *dp, const struct dp_port_params *pp,
       const struct dp_lock_params *lock)
{
	struct dp_port_params p = *pp;
	uint16_t port;
	int err;

	if (strlen(pp->name) >= sizeof(vif->ifname))
		return EINVAL;
	/* Limited from its first frame. */
	qos_limit(&vif->qos, &p.qos_rate, &p.qos_burst);
	p.lock = lock;
	err = dp_port_add(dp, &p, &port);
	if (err)
		return err;
	vif->dp_port = port;
	vif->attached = true;
	snprintf(vif->ifname, sizeof(vif->ifname), "%s", pp->name);
	return 0;
}

int
vif_attach(struct vif *vif, struct dp *dp, const char *ifname, uint16_t bridge, uint16_t mtu,
	   const struct dp_lock_params *lock)
{
	struct dp_port_params pp = {
		.kind = DP_PORT_AF_PACKET,
		.name = ifname,
		.bridge = bridge,
		.mtu = mtu,
		.access = true,
		.fdb_max = vif->mac_limit,
		/* The VIF's MTU, on its backend netdev, as xenopsd sets it. */
		.netdev_mtu = vif->mtu != 0 && vif->mtu < mtu ? vif->mtu : mtu,
	};

	return attach(vif, dp, &pp, lock);
}

int
vif_apply_lock(const struct vif *vif, struct dp *dp, bool net_disabled)
{
	struct dp_lock_params lp;

	vif_lock_params(&vif->lock, &vif->mac, net_disabled, &lp);
	return dp_port_set_lock(dp, vif->dp_port, &lp);
}

int
vif_apply_qos(const struct vif *vif, struct dp *dp)
{
	uint64_t rate, burst;

	qos_limit(&vif->qos, &rate, &burst);
	return dp_port_set_qos(dp, vif->dp_port, rate, burst);
}

int
vif_vhost_path_canon(const char *path, char out[VIF_VHOST_PATH_MAX])
{
	char dir[VIF_VHOST_PATH_MAX], real[PATH_MAX], *slash;
	const char *base;
	struct stat st;

	if (path[0] != '/')
		return EINVAL;
	if (strlen(path) >= VIF_VHOST_PATH_MAX)
		return ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash[1] == '\0')
		return EINVAL; /* a directory, not a socket */
	base = path + (slash - dir) + 1;
	slash[slash == dir ? 1 : 0] = '\0';
	if (realpath(dir, real) == NULL || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
		return ENOENT;
	if (strcmp(real, "/") == 0)
		real[0] = '\0';
	if (strlen(real) + 1 + strlen(base) >= VIF_VHOST_PATH_MAX)
		return ENAMETOOLONG;
	memcpy(out, real, strlen(real));
	out[strlen(real)] = '/';
	memcpy(out + strlen(real) + 1, base, strlen(base) + 1);
	return 0;
}

void
vif_vhost_port_name(const struct vif *vif, int domid, char name[IFNAMSIZ])
{
	if (domid >= 0)
		snprintf(name, IFNAMSIZ, "vif%d.%d", domid, vif->device);
	else
		snprintf(name, IFNAMSIZ, "vhu-%.8s", vif->uuid);
}

int
vif_attach_vhost(struct vif *vif, struct dp *dp, const char *name, const char *path, bool server,
		 uint16_t bridge, uint16_t mtu, const struct dp_lock_params *lock)
{
	struct dp_port_params pp = {
		.kind = DP_PORT_VHOST_USER,
		.name = name,
		.bridge = bridge,
		.mtu = mtu,
		.vhost_path = path,
		.vhost_server = server,
		.access = true,
		.fdb_max = vif->mac_limit,
	};
	int err;

	if (strlen(path) >= sizeof(vif->vhost_path))
		return EINVAL;
	err = attach(vif, dp, &pp, lock);
	if (err)
		return err;
	snprintf(vif->vhost_path, sizeof(vif->vhost_path), "%s", path);
	vif->vhost_server = server;
	return 0;
}

int
vif_detach(struct vif *vif, struct dp *dp)
{
	int err = dp_port_del(dp, vif->dp_port);

	if (err)
		return err;
	vif->attached = false;
	vif->dp_port = DP_PORT_NONE;
	vif->ifname[0] = '\0';
	vif->vhost_path[0] = '\0';
	vif->vhost_server = false;
	return 0;
}

int
vif_apply_mtu(const struct vif *vif, struct dp *dp, uint16_t mtu)
{
	if (!vif->attached || vif->vhost_path[0] != '\0')
		return 0; /* a vhost-user guest sets its own */
	return dp_port_set_netdev_mtu(dp, vif->dp_port, mtu);
}

int
vif_move(struct vif *vif, struct dp *dp, uint16_t bridge)
{
	return dp_port_set_bridge(dp, vif->dp_port, bridge);
}
