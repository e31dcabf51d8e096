/* SPDX-License-Identifier: BSD-3-Clause */
/* VLAN rules and the pseudo-PIF's datapath port; see vlan.h. */
#include "vlan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../datapath/datapath.h"

int
vlan_tag_parse(const char *s, uint16_t *tag)
{
	unsigned long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < VLAN_TAG_MIN || v > VLAN_TAG_MAX)
		return EINVAL;
	*tag = (uint16_t)v;
	return 0;
}

int
vlan_device_name(const char *parent, uint16_t tag, char *out, size_t len)
{
	int n = snprintf(out, len, "%s.%u", parent, tag);

	return n > 0 && (size_t)n < len ? 0 : ENAMETOOLONG;
}

int
vlan_attach(struct pif *pif, struct dp *dp, uint16_t trunk, uint16_t bridge)
{
	struct dp_port_params pp = {
		.kind = DP_PORT_VLAN,
		.name = pif->device,
		.bridge = bridge,
		.parent = trunk,
		.vid = (uint16_t)pif->vlan,
	};

	return pif_port_add(pif, dp, &pp);
}
