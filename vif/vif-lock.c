/* SPDX-License-Identifier: BSD-3-Clause */
/* A VIF's locking record; see vif-lock.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "vif-lock.h"

static const char *const mode_names[] = {
	[VIF_LOCKING_NETWORK_DEFAULT] = "network_default",
	[VIF_LOCKING_LOCKED] = "locked",
	[VIF_LOCKING_UNLOCKED] = "unlocked",
	[VIF_LOCKING_DISABLED] = "disabled",
};

int
vif_locking_mode_parse(const char *s, enum vif_locking_mode *mode)
{
	for (unsigned int i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*mode = (enum vif_locking_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *
vif_locking_mode_str(enum vif_locking_mode mode)
{
	return (unsigned int)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode]
									       : "";
}

int
vif_lock_addrs_parse(struct vif_lock *l, bool v6, const char *list, char *bad, size_t len)
{
	uint8_t addrs[VIF_LOCK_MAX_ADDRS][16];
	unsigned int n = 0, i;
	const char *p = list;

	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t alen = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char one[INET6_ADDRSTRLEN];
		uint8_t a[16] = {0};
		bool dup = false;

		/* inet_pton takes exactly the dotted quad and RFC 4291's forms:
		 * no prefix length, no zone, no spaces. */
		if (alen == 0 || alen >= sizeof(one)) {
			snprintf(bad, len, "%.*s", (int)(alen < 64 ? alen : 64), p);
			return -1;
		}
		memcpy(one, p, alen);
		one[alen] = '\0';
		if (inet_pton(v6 ? AF_INET6 : AF_INET, one, a) != 1) {
			snprintf(bad, len, "%s", one);
			return -1;
		}
		for (i = 0; i < n && !dup; i++)
			dup = memcmp(addrs[i], a, v6 ? 16 : 4) == 0;
		if (!dup) {
			if (n == VIF_LOCK_MAX_ADDRS)
				return -2;
			memcpy(addrs[n++], a, 16);
		}
		p += alen;
		if (*p == ',' && *++p == '\0') {
			snprintf(bad, len, "%s", "");
			return -1; /* a trailing comma: an empty address */
		}
	}
	for (i = 0; i < n; i++) {
		if (v6)
			memcpy(l->ipv6[i], addrs[i], 16);
		else
			memcpy(&l->ipv4[i], addrs[i], 4);
	}
	if (v6)
		l->n_ipv6 = (uint8_t)n;
	else
		l->n_ipv4 = (uint8_t)n;
	return 0;
}

void
vif_lock_addrs_format(const struct vif_lock *l, bool v6, char *buf, size_t len)
{
	unsigned int n = v6 ? l->n_ipv6 : l->n_ipv4, i;
	size_t off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)l->ipv6[i] : &l->ipv4[i], a,
			  sizeof(a));
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", a);
	}
}

void
vif_lock_params(const struct vif_lock *l, const struct mac *mac, bool net_disabled,
		struct dp_lock_params *lp)
{
	memset(lp, 0, sizeof(*lp));
	switch (l->mode) {
	case VIF_LOCKING_NETWORK_DEFAULT:
		lp->mode = net_disabled ? DP_LOCK_DISABLED : DP_LOCK_UNLOCKED;
		break;
	case VIF_LOCKING_LOCKED:
		lp->mode = DP_LOCK_LOCKED;
		break;
	case VIF_LOCKING_UNLOCKED:
		lp->mode = DP_LOCK_UNLOCKED;
		break;
	case VIF_LOCKING_DISABLED:
		lp->mode = DP_LOCK_DISABLED;
		break;
	}
	lp->mac = *mac;
	if (lp->mode == DP_LOCK_LOCKED) {
		lp->n_ipv4 = l->n_ipv4;
		lp->n_ipv6 = l->n_ipv6;
		lp->ipv4 = l->ipv4;
		lp->ipv6 = (const uint8_t(*)[16])l->ipv6;
	}
}
