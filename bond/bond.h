/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bond.h - NIC bonds: a master PIF (bondN) on a network, over 2..4 member
 * PIFs. In the datapath the master is a bond port (DP_PORT_BOND, a trunk:
 * VLAN pseudo-PIFs such as bond0.10 hang off it) and each member a member
 * port of it. Which member carries what is decided in bond-policy.c from
 * the members' carrier (link events) and carried out with dp_bond_*().
 *
 * The toolstack's semantics are xapi's Bond.create and Bond.destroy: see
 * bond-verbs.c.
 */
#ifndef SWITCHD_BOND_H
#define SWITCHD_BOND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <jansson.h>
#include <uthash.h>

#include "../pif/pif.h"
#include "bond-policy.h"
#include "lacp.h"
#include "../datapath/datapath.h"

struct switchd;

enum bond_kind {
	BOND_KIND_BALANCE_SLB,
	BOND_KIND_ACTIVE_BACKUP,
	BOND_KIND_LACP,
};

/* xapi's defaults (xapi sets them in the bond's other-config for networkd). */
#define BOND_UPDELAY_DEFAULT_MS 31000
#define BOND_DOWNDELAY_DEFAULT_MS 200
#define BOND_REBALANCE_DEFAULT_MS 1800000
/* The largest delay or interval accepted: a day. */
#define BOND_MS_MAX 86400000u

enum bond_hashing {
	BOND_HASH_TCPUDP_PORTS,
	BOND_HASH_SRC_MAC,
};

/* The bond's properties (bond-create properties:KEY=VALUE, bond-param-set). */
struct bond_props {
	enum bond_hashing hashing; /* lacp only */
	bool lacp_fast;		   /* lacp-time=fast: LACPDUs every second */
	bool lacp_fallback_ab;	   /* active-backup while no partner answers */
	uint32_t rebalance_ms;	   /* balance-slb; 0: never */
	uint32_t updelay_ms, downdelay_ms;
	char primary[PIF_UUID_LEN]; /* active-backup failback to this member, or "" */
};

struct bond {
	TAILQ_ENTRY(bond) next;
	char uuid[PIF_UUID_LEN];
	char master[PIF_UUID_LEN]; /* the bondN PIF */
	char member[BOND_MAX_MEMBERS][PIF_UUID_LEN];
	unsigned int n_members;
	/* xapi's primary_slave: the member whose IP configuration, VLANs and
	 * VIFs went to the bond, and go back to it at bond-destroy. */
	char primary_member[PIF_UUID_LEN];
	enum bond_kind kind;
	struct bond_props props;
	bool auto_update_mac;		  /* the MAC is the primary member's (no mac= given) */
	char active_member[PIF_UUID_LEN]; /* last active member, kept across restarts */

	/* runtime, while the master is attached */
	bool live;
	uint16_t dp_bond;
	uint16_t dp_member[BOND_MAX_MEMBERS];
	bool member_probed[BOND_MAX_MEMBERS]; /* its DPDK device was opened for the bond */
	bool carrier[BOND_MAX_MEMBERS];	      /* each member's link, as last told */
	struct bond_policy policy;	      /* fed carrier && LACP's may_enable */
	struct lacp lacp;		      /* mode lacp */
	bool lacp_on;			      /* its state machines run (the mode is lacp) */
	bool lacp_negotiated;		      /* as the datapath was last told */
	uint64_t bucket_bytes[BOND_BUCKETS];  /* the datapath's counts at the last rebalance */
	int64_t wake;			      /* when bond_run() has work; BOND_NEVER: none */
	int64_t link_poll_at;		      /* DPDK members: the next read of their links */
	bool active_dirty;		      /* the active member changed: to be stored */
	UT_hash_handle hh_uuid;
};

/* "balance-slb" | "active-backup" | "lacp". Returns 0 or EINVAL. */
int bond_kind_parse(const char *s, enum bond_kind *kind);
const char *bond_kind_str(enum bond_kind kind);

/* The defaults for a bond of @kind. */
void bond_props_default(struct bond_props *p, enum bond_kind kind);

/* Apply one property @key=@value to @p for a bond of @kind with members
 * @member (uuids) and their devices @device. Returns 0, or EINVAL with a
 * sentence in @why (@len bytes): an unknown key, a malformed value, or an
 * LACP property on a bond that is not lacp. */
int bond_prop_set(struct bond_props *p, enum bond_kind kind, const char *key, const char *value,
		  char member[][PIF_UUID_LEN], const char *const *device, unsigned int n_members,
		  char *why, size_t len);

/* The properties as a map of strings (as xe shows them); new reference. */
json_t *bond_props_json(const struct bond_props *p, enum bond_kind kind);

/* Read a map bond_props_json() wrote. Unknown keys are ignored. */
void bond_props_from_json(struct bond_props *p, enum bond_kind kind, const json_t *map);

/* Attach bond @b's master @master to datapath bridge @bridge of MTU @mtu:
 * the bond port, a member port for each member PIF (af_packet, or the
 * member's ethdev), the members' carrier read, the policy started. */
int bond_attach(struct switchd *sd, struct bond *b, struct pif *master, uint16_t bridge,
		uint16_t mtu);
/* Remove the member ports and the bond port. */
int bond_detach(struct switchd *sd, struct bond *b, struct pif *master);

/* The bond's mode or properties changed: the live bond follows. */
void bond_settings_changed(struct switchd *sd, struct bond *b);

/* Member @p's carrier is @up (a link event). */
void bond_member_carrier(struct switchd *sd, struct bond *b, unsigned int i, bool up);

/* Frames for the control plane (LACPDUs) wait: take them. */
void bond_punt_input(struct switchd *sd);

/* Carry out what is due: delays ended, rebalancing, DPDK members' link
 * state, LACP's timers. Returns when next to call (ms, CLOCK_MONOTONIC), BOND_NEVER if
 * nothing is pending. */
int64_t bond_run_all(struct switchd *sd, int64_t now);

/* The datapath's mode for @b as it is now (a LACP bond's depends on the
 * negotiation). */
enum dp_bond_mode bond_dp_mode(const struct bond *b);

/* Member index of PIF @pif_uuid in @b, or -1. */
int bond_member_index(const struct bond *b, const char *pif_uuid);

/* The bond's record for bond-list; new reference. */
json_t *bond_record(struct switchd *sd, const struct bond *b);

/* The bond whose master is @pif_uuid / that has member @pif_uuid, or NULL. */
struct bond *bond_by_master(struct switchd *sd, const char *pif_uuid);
struct bond *bond_by_member(struct switchd *sd, const char *pif_uuid);

#endif
