/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bond-policy.h - what a bond decides, apart from the datapath and the
 * clock: which members are enabled (carrier, with updelay and downdelay),
 * which one is active, and where each balance-slb bucket goes. The
 * datapath carries it out (dp_bond_*, datapath.h); the caller passes the
 * time in ms, so that tests run it on a simulated clock.
 *
 * The rules are Open vSwitch's (ofproto/bond.c):
 * - A member whose carrier goes down is disabled downdelay ms later, one
 *   whose carrier comes back is enabled updelay ms later; a change back
 *   before then cancels it.
 * - The active member is the primary if it is enabled (failback); else the
 *   one that was, if still enabled; else any enabled one; else the one
 *   whose updelay ends first, enabled at once: a bond with no member
 *   enabled takes the first that comes up.
 * - balance-slb: a bucket on a member that is not enabled goes to the
 *   enabled ones in turn. Every rebalance interval, buckets move from the
 *   most loaded enabled member to the least loaded while the gap is at
 *   least 100,000 bytes and 1/32 of the lesser load, a bucket at a time,
 *   each move bringing the lesser load at least a tenth of the way to the
 *   mean; then every bucket's load is halved.
 */
#ifndef SWITCHD_BOND_POLICY_H
#define SWITCHD_BOND_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define BOND_MAX_MEMBERS 4
#define BOND_BUCKETS 256
#define BOND_NEVER INT64_MAX

enum bond_mode {
	BOND_ACTIVE_BACKUP,
	BOND_BALANCE_SLB,
};

struct bond_member_state {
	bool carrier;	       /* as last told */
	bool enabled;	       /* carries traffic */
	int64_t delay_expires; /* when the pending change happens; BOND_NEVER: none */
};

struct bond_policy {
	enum bond_mode mode;
	unsigned int n_members;
	int primary; /* member index, or -1 */
	int active;  /* member index, or -1 */
	uint32_t updelay_ms, downdelay_ms;
	uint32_t rebalance_ms; /* 0: never */
	int64_t next_rebalance;
	unsigned int next_turn; /* the enabled member a freed bucket goes to next */
	struct bond_member_state m[BOND_MAX_MEMBERS];
	uint8_t bucket[BOND_BUCKETS]; /* member index of each bucket */
	uint64_t load[BOND_BUCKETS];  /* bytes sent, halved at each rebalance */
};

/* What a call changed, for the caller to carry out. */
#define BOND_CHANGED_ENABLED 0x1 /* a member was enabled or disabled */
#define BOND_CHANGED_ACTIVE 0x2	 /* another active member, or none */
#define BOND_CHANGED_BUCKETS 0x4 /* buckets moved */
#define BOND_ANNOUNCE 0x8	 /* send learning frames: traffic moved off a member */

/* A bond of @n_members members (2..BOND_MAX_MEMBERS), none enabled, carrier
 * down; buckets spread over the members in turn. */
void bond_policy_init(struct bond_policy *b, enum bond_mode mode, unsigned int n_members,
		      int64_t now);

/* Member @i's carrier is @up as of @now. */
void bond_policy_carrier(struct bond_policy *b, unsigned int i, bool up, int64_t now);

/* Carry out what is due at @now: delays that ended, the active member,
 * buckets of members that are not enabled. Returns BOND_CHANGED_* and
 * BOND_ANNOUNCE bits. */
unsigned int bond_policy_run(struct bond_policy *b, int64_t now);

/* Add @bytes[k] bytes sent through bucket k. */
void bond_policy_account(struct bond_policy *b, const uint64_t bytes[BOND_BUCKETS]);

/* balance-slb, once the interval has passed: move buckets as above.
 * Returns BOND_CHANGED_BUCKETS if any moved. */
unsigned int bond_policy_rebalance(struct bond_policy *b, int64_t now);

/* When bond_policy_run() or bond_policy_rebalance() next has work:
 * BOND_NEVER if nothing is pending. */
int64_t bond_policy_next_wake(const struct bond_policy *b);

/* Each member's load: the sum of its buckets'. */
void bond_policy_member_loads(const struct bond_policy *b, uint64_t load[BOND_MAX_MEMBERS]);

#endif
