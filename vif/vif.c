/* SPDX-License-Identifier: BSD-3-Clause */
/* VIF validation and datapath attachment; see vif.h. */
#include "vif.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
vif_attach(struct vif *vif, struct dp *dp, const char *ifname, uint16_t bridge, uint16_t mtu)
{
	struct dp_port_params pp = {
		.kind = DP_PORT_AF_PACKET,
		.name = ifname,
		.bridge = bridge,
		.mtu = mtu,
	};
	uint16_t port;
	int err;

	if (strlen(ifname) >= sizeof(vif->ifname))
		return EINVAL;
	err = dp_port_add(dp, &pp, &port);
	if (err)
		return err;
	vif->dp_port = port;
	vif->attached = true;
	snprintf(vif->ifname, sizeof(vif->ifname), "%s", ifname);
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
	return 0;
}

int
vif_move(struct vif *vif, struct dp *dp, uint16_t bridge)
{
	return dp_port_set_bridge(dp, vif->dp_port, bridge);
}
