/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vlan.h - VLANs: a tagged PIF (eth0), a tag (1..4094) and the untagged
 * pseudo-PIF (eth0.10) that puts the VLAN on its own network. In the
 * datapath the pseudo-PIF is a VLAN port of the tagged PIF's trunk port.
 */
#ifndef SWITCHD_VLAN_H
#define SWITCHD_VLAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <uthash.h>

#include "../pif/pif.h"

#define VLAN_TAG_MIN 1
#define VLAN_TAG_MAX 4094

struct dp;

struct vlan {
	TAILQ_ENTRY(vlan) next;
	char uuid[PIF_UUID_LEN];
	char tagged_pif[PIF_UUID_LEN];	 /* the parent PIF (eth0) */
	char untagged_pif[PIF_UUID_LEN]; /* the pseudo-PIF (eth0.10) */
	uint16_t tag;
	UT_hash_handle hh_uuid, hh_untagged; /* switchd's indexes (switchd/objects.c) */
};

/* Parse a tag "1".."4094" (decimal, nothing else). Returns 0 or EINVAL. */
int vlan_tag_parse(const char *s, uint16_t *tag);

/* The pseudo-PIF's device name, "<parent>.<tag>", into @out of @len bytes.
 * Returns 0 or ENAMETOOLONG. */
int vlan_device_name(const char *parent, uint16_t tag, char *out, size_t len);

/* Attach pseudo-PIF @pif (tag pif->vlan) as a VLAN port of the attached
 * PIF whose datapath port is @trunk, on datapath bridge @bridge. */
int vlan_attach(struct pif *pif, struct dp *dp, uint16_t trunk, uint16_t bridge);

#endif
