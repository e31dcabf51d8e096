/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port-bond.c - a bond: one uplink over member ports (see "Bonds" in
 * datapath.h). It has no queues: its members are ports of their own,
 * polled as any, whose frames worker.c hands to the bond (bond_input()).
 * What the bridge sends through it goes to one member per frame, in
 * order per conversation: the active member, or in balance-slb the member
 * the frame's bucket is on.
 *
 * The mechanism is here; the policy (which member is enabled and active,
 * where buckets go) is the control plane's, which writes each field with
 * one atomic store while workers read it.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp-private.h"
#include "port.h"

static unsigned int
bucket_of(uint64_t mac48, uint16_t vid)
{
	/* Fibonacci hashing: the top byte of the product mixes every bit. */
	return (unsigned int)(((mac48 ^ ((uint64_t)vid << 48)) * 0x9e3779b97f4a7c15ULL) >> 56);
}

/* The MAC read as the FDB reads it (fdb_key_in_frame(): one load). */
unsigned int
dp_bond_bucket_of(const struct mac *src, uint16_t vid)
{
	uint8_t b[8] = {0}; /* the MAC and two bytes after it */

	memcpy(b, src->b, MAC_LEN);
	return bucket_of(fdb_key_in_frame(0, b), vid);
}

unsigned int
dp_bond_frame_bucket(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t vid = 0;

	if (m->data_len >= RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr) &&
	    eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN))
		vid = rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(eth + 1))->vlan_tci) & 0xfff;
	/* A sent frame has its whole header: the load may run past the MAC. */
	return bucket_of(fdb_key_in_frame(0, &eth->src_addr), vid);
}

/* balance-tcp: the bucket of a frame by its IP addresses, protocol and
 * TCP/UDP ports (the MACs and VLAN for anything else), as Open vSwitch's
 * 5-tuple hash spreads conversations; other frames by source MAC and
 * VLAN. A header cut short by the first segment counts as absent. */
unsigned int
dp_bond_frame_bucket_l4(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, off = RTE_ETHER_HDR_LEN, l4 = 0;
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	uint16_t type;
	uint8_t proto = 0;

	if (len < RTE_ETHER_HDR_LEN)
		return 0;
	type = (uint16_t)(p[12] << 8 | p[13]);
	if (type == RTE_ETHER_TYPE_VLAN && len >= off + 4) {
		type = (uint16_t)(p[16] << 8 | p[17]);
		off += 4;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && len >= off + 20) {
		const uint8_t *ip = p + off;
		uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;
		uint64_t a, b;

		memcpy(&a, ip + 12, 8); /* source and destination */
		h ^= a;
		proto = ip[9];
		/* Not a fragment after the first, nor one that is cut. */
		b = (uint64_t)(ip[6] & 0x1f) << 8 | ip[7];
		if (b == 0 && ihl >= 20)
			l4 = off + ihl;
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= off + 40) {
		const uint8_t *ip = p + off;
		uint64_t w[4];

		memcpy(w, ip + 8, sizeof(w));
		h ^= w[0] ^ (w[1] * 0xff51afd7ed558ccdULL) ^ (w[2] * 0xc4ceb9fe1a85ec53ULL) ^ w[3];
		proto = ip[6];
		l4 = off + 40;
	} else {
		return dp_bond_frame_bucket(m); /* source MAC and VLAN */
	}
	h ^= proto;
	if ((proto == 6 || proto == 17) && l4 != 0 && len >= l4 + 4) {
		uint32_t ports;

		memcpy(&ports, p + l4, 4);
		h ^= (uint64_t)ports << 16;
	}
	h *= 0x9e3779b97f4a7c15ULL;
	return (unsigned int)((h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL >> 56);
}

static int
bond_open(struct dp_port *port, const struct dp_port_params *params, struct rte_mempool *mp)
{
	struct dp *dp = port->dp;
	struct dp_bond *b;
	unsigned int i;

	(void)mp;
	if (params->bond_mode != DP_BOND_ACTIVE_BACKUP &&
	    params->bond_mode != DP_BOND_BALANCE_SLB && params->bond_mode != DP_BOND_BALANCE_TCP)
		return EINVAL;
	b = rte_zmalloc("dp_bond", sizeof(*b), RTE_CACHE_LINE_SIZE);
	if (b == NULL)
		return ENOMEM;
	b->bw = rte_zmalloc("dp_bond_worker", dp->n_workers * sizeof(*b->bw), RTE_CACHE_LINE_SIZE);
	if (b->bw == NULL) {
		rte_free(b);
		return ENOMEM;
	}
	b->mode = (uint8_t)params->bond_mode;
	b->active = DP_BOND_NO_SLOT;
	for (i = 0; i < DP_BOND_MAX_MEMBERS; i++)
		b->member[i] = DP_PORT_NONE;
	port->bond = b;
	port->n_rxq = 0; /* fed by its members */
	/* Until a member joins, nothing goes out: nothing to finish. */
	dp_port_set_offloads(port, UINT32_MAX, UINT32_MAX);
	return 0;
}

static void
bond_close(struct dp_port *port)
{
	if (port->bond != NULL)
		rte_free(port->bond->bw);
	rte_free(port->bond);
	port->bond = NULL;
}

/* Active-backup: the burst as it is to the active member, which finishes
 * it as a port's tx does. */
static uint16_t
bond_tx_active(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
	       struct dp_port_stats *st, uint8_t slot)
{
	const struct dp_cfg *cfg = __atomic_load_n(&port->dp->cfg, __ATOMIC_ACQUIRE);
	const struct dp_port_worker *pw = &port->pw[queue];
	uint16_t id = __atomic_load_n(&port->bond->member[slot], __ATOMIC_RELAXED), done, i;
	struct dp_port *member = id < DP_MAX_PORTS ? cfg->port[id] : NULL;
	uint32_t own[DP_BURST]; /* the member may free what it sent */
	const uint32_t *len = own;
	uint64_t unsendable = st->drops[DP_DROP_TX_UNSENDABLE], bytes = 0, sent;

	if (member == NULL)
		return 0; /* the caller counts them (a member being removed) */
	n = RTE_MIN(n, (uint16_t)DP_BURST);
	if (likely(pkts == pw->out && n == pw->n_out)) {
		/* The bond's own output batch (out_flush()): its lengths and
		 * their sum were kept as the frames were queued. */
		len = pw->out_len;
		bytes = pw->out_bytes;
	} else {
		/* A VLAN port's frames, tagged on their way through. */
		for (i = 0; i < n; i++) {
			own[i] = pkts[i]->pkt_len;
			bytes += own[i];
		}
	}
	done = member->cls->tx_burst(member, queue, pkts, n, st);
	sent = done;
	if (unlikely(done != n || st->drops[DP_DROP_TX_UNSENDABLE] != unsendable)) {
		/* Count only what went. */
		for (i = 0, bytes = 0, sent = 0; i < done; i++) {
			if (pkts[i] != NULL) {
				sent++;
				bytes += len[i];
			}
		}
	}
	member->pw[queue].st.tx_packets += sent;
	member->pw[queue].st.tx_bytes += bytes;
	return done;
}

/* The slot of the member that sends @m: the active member, or in
 * balance-slb and balance-tcp the member of the frame's bucket (in
 * *@bucket) if it is enabled. The caller checks that the slot is enabled. */
static inline uint8_t
tx_slot(const struct dp_bond *b, uint8_t mode, uint8_t enabled, uint8_t active,
	const struct rte_mbuf *m, unsigned int *bucket)
{
	uint8_t s;

	if (mode == DP_BOND_ACTIVE_BACKUP)
		return active;
	*bucket =
		mode == DP_BOND_BALANCE_SLB ? dp_bond_frame_bucket(m) : dp_bond_frame_bucket_l4(m);
	s = __atomic_load_n(&b->bucket[*bucket], __ATOMIC_RELAXED);
	return s < DP_BOND_MAX_MEMBERS && (enabled & (1u << s)) ? s : active;
}

uint16_t
dp_bond_tx_member(const struct dp_port *port, const struct rte_mbuf *m)
{
	const struct dp_bond *b = port->bond;
	uint8_t enabled = __atomic_load_n(&b->enabled, __ATOMIC_RELAXED);
	unsigned int bucket;
	uint8_t slot = tx_slot(b, __atomic_load_n(&b->mode, __ATOMIC_RELAXED), enabled,
			       __atomic_load_n(&b->active, __ATOMIC_RELAXED), m, &bucket);

	if (slot >= DP_BOND_MAX_MEMBERS || !(enabled & (1u << slot)))
		return DP_PORT_NONE;
	return __atomic_load_n(&b->member[slot], __ATOMIC_RELAXED);
}

/* Each frame to its member, the members' bursts one after the other.
 * Frames no member takes are freed here and counted on @st (LINK_DOWN:
 * no member enabled; TX_FULL: the member's queue was full), their slots
 * set to NULL; every slot is done. */
static uint16_t
bond_tx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
	struct dp_port_stats *st)
{
	struct dp_bond *b = port->bond;
	const struct dp_cfg *cfg = __atomic_load_n(&port->dp->cfg, __ATOMIC_ACQUIRE);
	struct dp_bond_worker *bw = &b->bw[queue];
	uint8_t mode = __atomic_load_n(&b->mode, __ATOMIC_RELAXED);
	uint8_t enabled = __atomic_load_n(&b->enabled, __ATOMIC_RELAXED);
	uint8_t active = __atomic_load_n(&b->active, __ATOMIC_RELAXED);
	struct rte_mbuf *out[DP_BOND_MAX_MEMBERS][DP_BURST];
	uint16_t pos[DP_BOND_MAX_MEMBERS][DP_BURST], cnt[DP_BOND_MAX_MEMBERS] = {0};
	uint32_t len[DP_BOND_MAX_MEMBERS][DP_BURST]; /* a member may free what it sent */
	uint16_t i, j;

	if (mode == DP_BOND_ACTIVE_BACKUP && active < DP_BOND_MAX_MEMBERS &&
	    (enabled & (1u << active)))
		return bond_tx_active(port, queue, pkts, n, st, active);
	n = RTE_MIN(n, (uint16_t)DP_BURST);
	for (i = 0; i < n; i++) {
		unsigned int bucket;
		uint8_t slot = tx_slot(b, mode, enabled, active, pkts[i], &bucket);

		if (mode != DP_BOND_ACTIVE_BACKUP)
			bw->bucket_bytes[bucket] += pkts[i]->pkt_len;

		if (slot >= DP_BOND_MAX_MEMBERS || !(enabled & (1u << slot))) {
			rte_pktmbuf_free(pkts[i]);
			pkts[i] = NULL;
			st->drops[DP_DROP_LINK_DOWN]++;
			continue;
		}
		out[slot][cnt[slot]] = pkts[i];
		len[slot][cnt[slot]] = pkts[i]->pkt_len;
		pos[slot][cnt[slot]++] = i;
	}
	for (unsigned int s = 0; s < DP_BOND_MAX_MEMBERS; s++) {
		uint16_t id = __atomic_load_n(&b->member[s], __ATOMIC_RELAXED), done = 0;
		struct dp_port *member = id < DP_MAX_PORTS ? cfg->port[id] : NULL;
		uint64_t sent = 0, bytes = 0;

		if (cnt[s] == 0)
			continue;
		if (member != NULL)
			done = member->cls->tx_burst(member, queue, out[s], cnt[s], st);
		for (j = 0; j < cnt[s]; j++) {
			struct rte_mbuf *m = out[s][j];

			if (j < done) {
				pkts[pos[s][j]] = m; /* NULL if the member found it unsendable */
				if (m != NULL) {
					sent++;
					bytes += len[s][j];
				}
				continue;
			}
			rte_pktmbuf_free(m);
			pkts[pos[s][j]] = NULL;
			st->drops[member != NULL ? DP_DROP_TX_FULL : DP_DROP_LINK_DOWN]++;
		}
		if (member != NULL) {
			member->pw[queue].st.tx_packets += sent;
			member->pw[queue].st.tx_bytes += bytes;
		}
	}
	return n;
}

static bool
bond_link_up(const struct dp_port *port)
{
	return __atomic_load_n(&port->bond->enabled, __ATOMIC_RELAXED) != 0;
}

const struct dp_port_class dp_port_class_bond = {
	.kind = "bond",
	.open = bond_open,
	.close = bond_close,
	.rx_burst = dp_port_rx_none,
	.tx_burst = bond_tx,
	.link_up = bond_link_up,
};

/* The offloads every member's device finishes. */
static void
bond_offloads(struct dp *dp, struct dp_port *bond)
{
	uint32_t caps = UINT32_MAX, caps_vlan = UINT32_MAX;

	for (unsigned int s = 0; s < DP_BOND_MAX_MEMBERS; s++) {
		uint16_t id = bond->bond->member[s];

		if (id == DP_PORT_NONE || dp->ports[id] == NULL)
			continue;
		caps &= dp->ports[id]->ol_caps;
		caps_vlan &= dp->ports[id]->ol_caps_vlan;
	}
	dp_port_set_offloads(bond, caps, caps_vlan);
}

int
dp_bond_member_link(struct dp *dp, struct dp_port *member, bool in)
{
	struct dp_port *bond = dp->ports[member->bond_port];
	struct dp_bond *b = bond->bond;
	uint8_t s;

	if (in) {
		/* Its own slot if it had one (a removal undone: its buckets
		 * point there), else the first free one. */
		s = member->bond_slot;
		if (s >= DP_BOND_MAX_MEMBERS || b->member[s] != DP_PORT_NONE)
			for (s = 0; s < DP_BOND_MAX_MEMBERS; s++)
				if (b->member[s] == DP_PORT_NONE)
					break;
		if (s == DP_BOND_MAX_MEMBERS)
			return ENOSPC;
		member->bond_slot = s;
		__atomic_store_n(&b->member[s], member->id, __ATOMIC_RELEASE);
		/* Before it is published: dp->ports has it already. */
		dp_port_set_offloads(bond, bond->ol_caps & member->ol_caps,
				     bond->ol_caps_vlan & member->ol_caps_vlan);
		return 0;
	}
	s = member->bond_slot;
	__atomic_fetch_and(&b->enabled, (uint8_t) ~(1u << s), __ATOMIC_RELAXED);
	__atomic_fetch_and(&b->collecting, (uint8_t) ~(1u << s), __ATOMIC_RELAXED);
	if (b->active == s)
		__atomic_store_n(&b->active, DP_BOND_NO_SLOT, __ATOMIC_RELAXED);
	__atomic_store_n(&b->member[s], DP_PORT_NONE, __ATOMIC_RELEASE);
	bond_offloads(dp, bond);
	return 0;
}

static struct dp_port *
bond_port(const struct dp *dp, uint16_t bond)
{
	if (bond >= DP_MAX_PORTS || dp->ports[bond] == NULL)
		return NULL;
	return dp->ports[bond];
}

/* The slot of @member in @bond, or -1 (errno-style reason in *err). */
static int
member_slot(const struct dp *dp, uint16_t bond, uint16_t member, int *err)
{
	const struct dp_port *m;

	if (member >= DP_MAX_PORTS || dp->ports[member] == NULL) {
		*err = ENOENT;
		return -1;
	}
	m = dp->ports[member];
	if (m->bond_port != bond) {
		*err = EINVAL;
		return -1;
	}
	return m->bond_slot;
}

int
dp_bond_set_mode(struct dp *dp, uint16_t bond, enum dp_bond_mode mode)
{
	struct dp_port *p = bond_port(dp, bond);

	if (p == NULL)
		return ENOENT;
	if (p->kind != DP_PORT_BOND || (mode != DP_BOND_ACTIVE_BACKUP &&
					mode != DP_BOND_BALANCE_SLB && mode != DP_BOND_BALANCE_TCP))
		return EINVAL;
	__atomic_store_n(&p->bond->mode, (uint8_t)mode, __ATOMIC_RELAXED);
	return 0;
}

int
dp_bond_get_mode(const struct dp *dp, uint16_t bond, enum dp_bond_mode *mode)
{
	const struct dp_port *p = bond_port(dp, bond);

	if (p == NULL)
		return ENOENT;
	if (p->kind != DP_PORT_BOND)
		return EINVAL;
	*mode = (enum dp_bond_mode)__atomic_load_n(&p->bond->mode, __ATOMIC_RELAXED);
	return 0;
}

int
dp_bond_set_lacp(struct dp *dp, uint16_t bond, bool lacp, bool negotiated)
{
	struct dp_port *p = bond_port(dp, bond);

	if (p == NULL)
		return ENOENT;
	if (p->kind != DP_PORT_BOND)
		return EINVAL;
	__atomic_store_n(&p->bond->lacp,
			 (uint8_t)((lacp ? DP_BOND_LACP : 0) |
				   (lacp && negotiated ? DP_BOND_LACP_NEGOTIATED : 0)),
			 __ATOMIC_RELAXED);
	return 0;
}

/* Set or clear @member's bit in one of its bond's slot masks (@mask_of
 * picks enabled or collecting). ENOENT: no such port; EINVAL: no bond's. */
static int
member_mask_set(struct dp *dp, uint16_t member, uint8_t *(*mask_of)(struct dp_bond *b), bool on)
{
	struct dp_port *m;
	uint8_t bit;

	if (member >= DP_MAX_PORTS || dp->ports[member] == NULL)
		return ENOENT;
	m = dp->ports[member];
	if (m->bond_port == DP_PORT_NONE)
		return EINVAL;
	bit = (uint8_t)(1u << m->bond_slot);
	if (on)
		__atomic_fetch_or(mask_of(dp->ports[m->bond_port]->bond), bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(mask_of(dp->ports[m->bond_port]->bond), (uint8_t)~bit,
				   __ATOMIC_RELAXED);
	return 0;
}

static uint8_t *
enabled_mask(struct dp_bond *b)
{
	return &b->enabled;
}

static uint8_t *
collecting_mask(struct dp_bond *b)
{
	return &b->collecting;
}

int
dp_bond_member_enable(struct dp *dp, uint16_t member, bool enabled)
{
	return member_mask_set(dp, member, enabled_mask, enabled);
}

int
dp_bond_member_collect(struct dp *dp, uint16_t member, bool collecting)
{
	return member_mask_set(dp, member, collecting_mask, collecting);
}

int
dp_bond_set_active(struct dp *dp, uint16_t bond, uint16_t member)
{
	struct dp_port *p = bond_port(dp, bond);
	int slot, err = 0;

	if (p == NULL)
		return ENOENT;
	if (p->kind != DP_PORT_BOND)
		return EINVAL;
	if (member == DP_PORT_NONE) {
		__atomic_store_n(&p->bond->active, DP_BOND_NO_SLOT, __ATOMIC_RELAXED);
		return 0;
	}
	slot = member_slot(dp, bond, member, &err);
	if (slot < 0)
		return err;
	__atomic_store_n(&p->bond->active, (uint8_t)slot, __ATOMIC_RELAXED);
	return 0;
}

int
dp_bond_bucket_set(struct dp *dp, uint16_t bond, unsigned int bucket, uint16_t member)
{
	struct dp_port *p = bond_port(dp, bond);
	int slot, err = 0;

	if (p == NULL)
		return ENOENT;
	if (p->kind != DP_PORT_BOND || bucket >= DP_BOND_BUCKETS)
		return EINVAL;
	slot = member_slot(dp, bond, member, &err);
	if (slot < 0)
		return err;
	__atomic_store_n(&p->bond->bucket[bucket], (uint8_t)slot, __ATOMIC_RELAXED);
	return 0;
}

int
dp_bond_buckets_get(const struct dp *dp, uint16_t bond, uint16_t member[DP_BOND_BUCKETS],
		    uint64_t tx_bytes[DP_BOND_BUCKETS])
{
	const struct dp_port *p = bond_port(dp, bond);

	if (p == NULL)
		return ENOENT;
	if (p->kind != DP_PORT_BOND)
		return EINVAL;
	for (unsigned int i = 0; i < DP_BOND_BUCKETS; i++) {
		uint8_t s = __atomic_load_n(&p->bond->bucket[i], __ATOMIC_RELAXED);

		member[i] = p->bond->member[s];
		tx_bytes[i] = 0;
		for (unsigned int w = 0; w < dp->n_workers; w++)
			tx_bytes[i] +=
				__atomic_load_n(&p->bond->bw[w].bucket_bytes[i], __ATOMIC_RELAXED);
	}
	return 0;
}

int
dp_bond_state(const struct dp *dp, uint16_t bond, uint16_t member[DP_BOND_MAX_MEMBERS],
	      unsigned int *enabled, int *active)
{
	const struct dp_port *p = bond_port(dp, bond);
	uint8_t a;

	if (p == NULL)
		return ENOENT;
	if (p->kind != DP_PORT_BOND)
		return EINVAL;
	for (unsigned int s = 0; s < DP_BOND_MAX_MEMBERS; s++)
		member[s] = p->bond->member[s];
	*enabled = __atomic_load_n(&p->bond->enabled, __ATOMIC_RELAXED);
	a = __atomic_load_n(&p->bond->active, __ATOMIC_RELAXED);
	*active = a == DP_BOND_NO_SLOT ? -1 : a;
	return 0;
}
