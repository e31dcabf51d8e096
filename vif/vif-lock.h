/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vif-lock.h - a VIF's locking as xapi records it (locking_mode,
 * ipv4_allowed, ipv6_allowed) and the lock it gives the VIF's port.
 *
 * The effective mode is xapi's: network_default takes the network's
 * default_locking_mode (unlocked or disabled); locked checks what the VM
 * sends against the VIF's MAC and allowed addresses (datapath/lock.c);
 * disabled lets nothing through either way. Setting the allowed lists
 * alone does not lock.
 */
#ifndef SWITCHD_VIF_LOCK_H
#define SWITCHD_VIF_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../datapath/datapath.h"

enum vif_locking_mode {
	VIF_LOCKING_NETWORK_DEFAULT,
	VIF_LOCKING_LOCKED,
	VIF_LOCKING_UNLOCKED,
	VIF_LOCKING_DISABLED,
};

#define VIF_LOCK_MAX_ADDRS DP_LOCK_MAX_ADDRS

struct vif_lock {
	enum vif_locking_mode mode;
	uint8_t n_ipv4, n_ipv6;
	uint32_t ipv4[VIF_LOCK_MAX_ADDRS];    /* network byte order */
	uint8_t ipv6[VIF_LOCK_MAX_ADDRS][16]; /* in the order given, duplicates dropped */
};

/* "network_default", "locked", "unlocked", "disabled". Returns 0 or -1. */
int vif_locking_mode_parse(const char *s, enum vif_locking_mode *mode);
const char *vif_locking_mode_str(enum vif_locking_mode mode);

/* A comma-separated list of IPv4 (@v6 false) or IPv6 addresses into @l,
 * duplicates dropped; "" empties it. Returns 0, -1 with the address that
 * is not one in @bad (INVALID_IP_ADDRESS_SPECIFIED), or -2 for too many. */
int vif_lock_addrs_parse(struct vif_lock *l, bool v6, const char *list, char *bad, size_t len);
/* The list again, comma-separated, each address in its canonical form. */
void vif_lock_addrs_format(const struct vif_lock *l, bool v6, char *buf, size_t len);

/* The datapath's lock for @l on a VIF of MAC @mac on a network whose
 * default is disabled if @net_disabled; its address lists point into @l. */
void vif_lock_params(const struct vif_lock *l, const struct mac *mac, bool net_disabled,
		     struct dp_lock_params *lp);

static inline bool
vif_lock_equal(const struct vif_lock *a, const struct vif_lock *b)
{
	return a->mode == b->mode && a->n_ipv4 == b->n_ipv4 && a->n_ipv6 == b->n_ipv6 &&
	       memcmp(a->ipv4, b->ipv4, a->n_ipv4 * sizeof(a->ipv4[0])) == 0 &&
	       memcmp(a->ipv6, b->ipv6, a->n_ipv6 * sizeof(a->ipv6[0])) == 0;
}

#endif
