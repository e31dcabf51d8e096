/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lacp.h - 802.3ad Link Aggregation Control Protocol for a bond, apart from
 * the datapath and the clock (the caller passes the time in ms, so that
 * tests run it on a simulated clock).
 *
 * The state machines are Open vSwitch's (lib/lacp.c), which simplify the
 * standard's in the same way Linux's and most switches' behave:
 * - Receive: a member whose partner's LACPDU arrived is current; 3 of our
 *   own transmission intervals (fast: 1 s, slow: 30 s) later without one it
 *   is expired (the partner's timeout is taken as short, sync is dropped),
 *   3 fast intervals after that defaulted (the partner forgotten).
 * - Selection: the members that have a partner (not defaulted) and share
 *   the partner of the lead member (the one with the best priority, the
 *   better system's port priority and id) are attached: they aggregate.
 *   A member attached whose partner says "in sync" may carry traffic. With
 *   lacp-fallback-ab, defaulted members are attached too and may carry
 *   traffic: the bond runs as active-backup without a partner.
 * - Transmission: every 1 s if the partner asked for fast (its timeout bit)
 *   and every 30 s otherwise, and at once when what we say changed; an
 *   active bond sends whether or not a partner answers.
 */
#ifndef SWITCHD_LACP_H
#define SWITCHD_LACP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/mac.h"
#include "bond-policy.h"

#define LACP_STATE_ACTIVITY 0x01
#define LACP_STATE_TIMEOUT 0x02 /* short timeout: fast LACPDUs */
#define LACP_STATE_AGGREGATION 0x04
#define LACP_STATE_SYNC 0x08
#define LACP_STATE_COLLECTING 0x10
#define LACP_STATE_DISTRIBUTING 0x20
#define LACP_STATE_DEFAULTED 0x40
#define LACP_STATE_EXPIRED 0x80

#define LACP_FAST_MS 1000
#define LACP_SLOW_MS 30000
#define LACP_RX_MULTIPLIER 3

/* The Ethernet frame of a LACPDU: 14 bytes of header, 110 of PDU. */
#define LACP_FRAME_LEN 124
#define LACP_ETHERTYPE 0x8809 /* slow protocols */
#define LACP_SUBTYPE 1
#define LACP_SUBTYPE_MARKER 2

/* What a system says of one of its ports (actor or partner information). */
struct lacp_info {
	uint16_t sys_priority;
	struct mac sys_id;
	uint16_t key;
	uint16_t port_priority;
	uint16_t port_id;
	uint8_t state;
};

enum lacp_member_status {
	LACP_CURRENT,	/* the partner's information is up to date */
	LACP_EXPIRED,	/* it is late */
	LACP_DEFAULTED, /* no partner */
};

struct lacp_member {
	enum lacp_member_status status;
	struct lacp_info partner; /* zero while defaulted */
	struct lacp_info ntt;	  /* what the partner last said of us, or we last sent */
	struct mac mac;		  /* the member's own MAC: LACPDUs' source */
	uint16_t port_id;	  /* 1.. */
	bool attached;
	bool carrier;
	int64_t rx_expires; /* BOND_NEVER while defaulted */
	int64_t tx_next;
	uint64_t rx_pdus, rx_bad, tx_pdus;
};

struct lacp {
	struct mac sys_id;
	uint16_t sys_priority;
	uint16_t key;
	bool fast;	  /* lacp-time=fast: we ask our partner for fast LACPDUs */
	bool fallback_ab; /* lacp-fallback-ab */
	bool negotiated;  /* a member is attached with a partner */
	bool update;	  /* selection must run again */
	unsigned int n_members;
	struct lacp_member m[BOND_MAX_MEMBERS];
};

/* A bond of @n members whose MACs are @macs, as system @sys_id with
 * aggregation key @key; every member defaulted, carrier down. */
void lacp_init(struct lacp *l, const struct mac *sys_id, uint16_t key, unsigned int n,
	       const struct mac *macs, bool fast, bool fallback_ab);

/* lacp-time and lacp-fallback-ab changed. */
void lacp_configure(struct lacp *l, bool fast, bool fallback_ab);

/* Member @i's carrier is @up. A change expires what the partner said. */
void lacp_carrier(struct lacp *l, unsigned int i, bool up, int64_t now);

/* A frame received on member @i (its Ethernet header included). Returns 0,
 * or EINVAL for a frame that is not a well-formed LACPDU (counted). */
int lacp_rx(struct lacp *l, unsigned int i, const uint8_t *frame, size_t len, int64_t now);

/* Called for each LACPDU lacp_run() sends: @frame of LACP_FRAME_LEN bytes
 * on member @i. */
typedef void lacp_send_cb(unsigned int i, const uint8_t *frame, size_t len, void *arg);

/* Timers and selection at @now; LACPDUs that are due go to @send. */
void lacp_run(struct lacp *l, int64_t now, lacp_send_cb *send, void *arg);

/* May member @i carry traffic (attached, its partner in sync; or defaulted
 * with fallback)? */
bool lacp_may_enable(const struct lacp *l, unsigned int i);

/* When lacp_run() next has work: BOND_NEVER if nothing is pending. */
int64_t lacp_next_wake(const struct lacp *l);

/* What we say of member @i now. */
void lacp_actor(const struct lacp *l, unsigned int i, struct lacp_info *actor);

/* @state as words ("activity timeout aggregation synchronized ..."). */
void lacp_state_str(uint8_t state, char *buf, size_t len);

/* Build the LACPDU frame for @actor and @partner from source MAC @src. */
void lacp_compose(const struct lacp_info *actor, const struct lacp_info *partner,
		  const struct mac *src, uint8_t frame[LACP_FRAME_LEN]);

/* 802.3 43.5's Marker Responder: if @frame (@len bytes) is a Marker PDU
 * (slow protocols subtype 2, Marker Information), write the Marker
 * Response a member of MAC @src sends back into @out (LACP_FRAME_LEN
 * bytes) and return its length; else return 0. */
size_t lacp_marker_response(const uint8_t *frame, size_t len, const struct mac *src, uint8_t *out);

/* Parse a LACPDU frame: 0 with the actor's and partner's information, or
 * EINVAL. */
int lacp_parse(const uint8_t *frame, size_t len, struct lacp_info *actor,
	       struct lacp_info *partner);

#endif
