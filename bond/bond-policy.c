/* SPDX-License-Identifier: BSD-3-Clause */
/* bond-policy.c - see bond-policy.h. */
#include <string.h>

#include "bond-policy.h"

/* Rebalancing thresholds (bond-policy.h): a gap worth moving load for. */
#define BOND_REBALANCE_MIN_BYTES 100000
#define BOND_REBALANCE_MIN_SHIFT 5 /* 1/32 of the lesser load */

void
bond_policy_init(struct bond_policy *b, enum bond_mode mode, unsigned int n_members, int64_t now)
{
	memset(b, 0, sizeof(*b));
	b->mode = mode;
	b->n_members = n_members > BOND_MAX_MEMBERS ? BOND_MAX_MEMBERS : n_members;
	b->primary = -1;
	b->active = -1;
	b->next_rebalance = now;
	for (unsigned int i = 0; i < BOND_MAX_MEMBERS; i++)
		b->m[i].delay_expires = BOND_NEVER;
	for (unsigned int k = 0; k < BOND_BUCKETS; k++)
		b->bucket[k] = (uint8_t)(b->n_members ? k % b->n_members : 0);
}

void
bond_policy_carrier(struct bond_policy *b, unsigned int i, bool up, int64_t now)
{
	struct bond_member_state *m;

	if (i >= b->n_members)
		return;
	m = &b->m[i];
	m->carrier = up;
	if (up == m->enabled)
		m->delay_expires = BOND_NEVER; /* back as it is: nothing to do */
	else if (m->delay_expires == BOND_NEVER)
		m->delay_expires = now + (up ? b->updelay_ms : b->downdelay_ms);
	/* else a change is pending already: it keeps its time */
}

static bool
enabled(const struct bond_policy *b, int i)
{
	return i >= 0 && (unsigned int)i < b->n_members && b->m[i].enabled;
}

/* The member that should be active (bond-policy.h), or -1. */
static int
choose_active(const struct bond_policy *b)
{
	int best = -1;

	if (enabled(b, b->primary))
		return b->primary;
	if (enabled(b, b->active))
		return b->active;
	for (unsigned int i = 0; i < b->n_members; i++)
		if (b->m[i].enabled)
			return (int)i;
	/* None enabled: the one whose carrier came back first. */
	for (unsigned int i = 0; i < b->n_members; i++)
		if (b->m[i].carrier && b->m[i].delay_expires != BOND_NEVER &&
		    (best < 0 || b->m[i].delay_expires < b->m[best].delay_expires))
			best = (int)i;
	return best;
}

/* The next enabled member in turn, or -1. */
static int
next_enabled(struct bond_policy *b)
{
	for (unsigned int n = 0; n < b->n_members; n++) {
		unsigned int i = (b->next_turn + n) % b->n_members;

		if (b->m[i].enabled) {
			b->next_turn = i + 1;
			return (int)i;
		}
	}
	return -1;
}

unsigned int
bond_policy_run(struct bond_policy *b, int64_t now)
{
	unsigned int changed = 0;
	int active;

	for (unsigned int i = 0; i < b->n_members; i++) {
		struct bond_member_state *m = &b->m[i];

		if (m->delay_expires > now)
			continue;
		m->delay_expires = BOND_NEVER;
		if (m->enabled != m->carrier) {
			m->enabled = m->carrier;
			changed |= BOND_CHANGED_ENABLED;
			if (!m->enabled)
				changed |= BOND_ANNOUNCE;
		}
	}
	active = choose_active(b);
	if (active >= 0 && !b->m[active].enabled) {
		/* No member was enabled: this one is, without its updelay. */
		b->m[active].enabled = true;
		b->m[active].delay_expires = BOND_NEVER;
		changed |= BOND_CHANGED_ENABLED;
	}
	if (active != b->active) {
		b->active = active;
		changed |= BOND_CHANGED_ACTIVE | BOND_ANNOUNCE;
	}
	if (b->mode == BOND_BALANCE_SLB) {
		for (unsigned int k = 0; k < BOND_BUCKETS; k++) {
			int to;

			if (b->m[b->bucket[k]].enabled)
				continue;
			to = next_enabled(b);
			if (to < 0)
				break; /* none enabled: they wait where they are */
			b->bucket[k] = (uint8_t)to;
			changed |= BOND_CHANGED_BUCKETS;
		}
	}
	return changed;
}

void
bond_policy_account(struct bond_policy *b, const uint64_t bytes[BOND_BUCKETS])
{
	for (unsigned int k = 0; k < BOND_BUCKETS; k++)
		b->load[k] += bytes[k];
}

void
bond_policy_member_loads(const struct bond_policy *b, uint64_t load[BOND_MAX_MEMBERS])
{
	memset(load, 0, BOND_MAX_MEMBERS * sizeof(load[0]));
	for (unsigned int k = 0; k < BOND_BUCKETS; k++)
		load[b->bucket[k]] += b->load[k];
}

/* A bucket of @from (not yet moved this time) whose move to a member
 * carrying @to_load brings that member at least a tenth of the way to the
 * mean without overshooting it; -1 if none. A member with one loaded bucket
 * keeps it: moving it would only move the imbalance. */
static int
bucket_to_move(const struct bond_policy *b, unsigned int from, uint64_t from_load, uint64_t to_load,
	       const bool *moved)
{
	uint64_t ideal = (from_load + to_load) / 2;
	unsigned int loaded = 0;
	int found = -1;

	for (unsigned int k = 0; k < BOND_BUCKETS; k++) {
		uint64_t d = b->load[k], new_low;

		if (b->bucket[k] != from || d == 0 || moved[k])
			continue;
		loaded++;
		new_low = from_load - d < to_load + d ? from_load - d : to_load + d;
		if (found < 0 && new_low > to_load && new_low - to_load >= (ideal - to_load) / 10)
			found = (int)k;
	}
	return loaded > 1 ? found : -1;
}

unsigned int
bond_policy_rebalance(struct bond_policy *b, int64_t now)
{
	uint64_t load[BOND_MAX_MEMBERS];
	bool moved[BOND_BUCKETS] = {false}, done[BOND_MAX_MEMBERS] = {false};
	unsigned int changed = 0;

	if (b->mode != BOND_BALANCE_SLB || b->rebalance_ms == 0 || now < b->next_rebalance)
		return 0;
	b->next_rebalance = now + b->rebalance_ms;
	bond_policy_member_loads(b, load);
	for (;;) {
		int from = -1, to = -1, k;
		uint64_t gap;

		/* The most loaded enabled member still worth looking at, and
		 * the least loaded enabled one. */
		for (unsigned int i = 0; i < b->n_members; i++) {
			if (!b->m[i].enabled)
				continue;
			if (!done[i] && (from < 0 || load[i] > load[from]))
				from = (int)i;
			if (to < 0 || load[i] < load[to])
				to = (int)i;
		}
		if (from < 0 || to < 0 || from == to || load[from] <= load[to])
			break;
		gap = load[from] - load[to];
		if (gap < BOND_REBALANCE_MIN_BYTES || gap < load[to] >> BOND_REBALANCE_MIN_SHIFT)
			break;
		k = bucket_to_move(b, (unsigned int)from, load[from], load[to], moved);
		if (k < 0) {
			done[from] = true; /* nothing of it worth moving */
			continue;
		}
		b->bucket[k] = (uint8_t)to;
		moved[k] = true;
		load[from] -= b->load[k];
		load[to] += b->load[k];
		changed = BOND_CHANGED_BUCKETS;
	}
	/* An average with a weight of one half: old load fades. */
	for (unsigned int k = 0; k < BOND_BUCKETS; k++)
		b->load[k] /= 2;
	return changed;
}

int64_t
bond_policy_next_wake(const struct bond_policy *b)
{
	int64_t next = BOND_NEVER;

	for (unsigned int i = 0; i < b->n_members; i++)
		if (b->m[i].delay_expires < next)
			next = b->m[i].delay_expires;
	if (b->mode == BOND_BALANCE_SLB && b->rebalance_ms != 0 && b->next_rebalance < next)
		next = b->next_rebalance;
	return next;
}
