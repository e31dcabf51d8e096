/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decide.h - the fast path's decisions about one frame, apart from what is
 * done about them: which port of a trunk a frame is for, whether an access
 * port takes it, the checks before learning, what learning its source
 * would change, where its destination is, and whether a bond's member
 * takes it.
 *
 * worker.c acts on them frame by frame (counting, learning, queueing);
 * trace.c calls the same functions on a frame of its own and reports them
 * (netctl trace). None of them writes anything but the frame handed in
 * (a tag removed), so that both may call them.
 */
#ifndef SWITCHD_DATAPATH_DECIDE_H
#define SWITCHD_DATAPATH_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp-private.h"
#include "fdb.h"
#include "offload.h"

/* True if multicast destination key @dkey is a reserved link-local group
 * 01:80:C2:00:00:0X (802.1D: STP, pause, slow protocols, 802.1X, LLDP, ...)
 * that a bridge with @fwd_mask must not forward. Key bytes are the MAC's,
 * little-endian. */
static inline bool
dp_reserved_group(uint64_t dkey, uint16_t fwd_mask)
{
	if ((dkey & 0xf0ffffffffffULL) != 0xc28001ULL)
		return false;
	return !(fwd_mask >> ((dkey >> 40) & 0xf) & 1);
}

static inline bool
dp_tpid_is_vlan(rte_be16_t type)
{
	return type == RTE_BE16(RTE_ETHER_TYPE_VLAN) || type == RTE_BE16(RTE_ETHER_TYPE_QINQ) ||
	       type == RTE_BE16(RTE_ETHER_TYPE_QINQ1);
}

/* A VM's port is an access port, as Open vSwitch makes one: a frame it
 * sends tagged 802.1Q, 802.1ad or 0x9100 would hop to another VLAN on the
 * trunk (or be double-tagged on it). False for such a frame; a priority
 * tag (802.1Q, VID 0) is accepted and removed. A runt passes, to be
 * dropped as one. */
static inline bool
dp_access_untag(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_vlan_hdr *vh;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN) || likely(!dp_tpid_is_vlan(eth->ether_type)))
		return true;
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
	    m->data_len < RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr))
		return false;
	vh = (const struct rte_vlan_hdr *)(eth + 1);
	if ((rte_be_to_cpu_16(vh->vlan_tci) & 0xfff) != 0 || dp_tpid_is_vlan(vh->eth_proto))
		return false;
	if (rte_vlan_strip(m) != 0)
		return false;
	dp_ol_untagged(m);
	return true;
}

/* Does @m carry an 802.1Q tag (for a trunk: to be classified by)? */
static inline bool
dp_vlan_tagged(const struct rte_mbuf *m)
{
	return m->data_len >= RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr) &&
	       rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
		       RTE_BE16(RTE_ETHER_TYPE_VLAN);
}

/* The port of trunk @trunk (VLAN map @map) that tagged frame @m is for:
 * the trunk's own bridge for a priority tag (VID 0), the VLAN port of its
 * VID, or DP_PORT_NONE for a VLAN the trunk carries no network for; the
 * VID in *@vid. */
static inline uint16_t
dp_trunk_vlan_port(const uint16_t *map, uint16_t trunk, const struct rte_mbuf *m, uint16_t *vid)
{
	const struct rte_vlan_hdr *vh =
		rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, RTE_ETHER_HDR_LEN);

	*vid = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;
	if (*vid == 0)
		return trunk;
	return map != NULL ? map[*vid] : DP_PORT_NONE;
}

/* The port of a trunk that frame @m is for: the trunk itself untagged,
 * else as dp_trunk_vlan_port() says; *@tagged whether an 802.1Q header is
 * to come off, *@vid its VID (0 untagged). */
static inline uint16_t
dp_trunk_classify(const uint16_t *map, uint16_t trunk, const struct rte_mbuf *m, uint16_t *vid,
		  bool *tagged)
{
	*vid = 0;
	*tagged = dp_vlan_tagged(m);
	return *tagged ? dp_trunk_vlan_port(map, trunk, m, vid) : trunk;
}

/* The checks a bridge makes on each frame before it learns: the drop
 * reason, or -1 with the frame's FDB keys in *@skey and *@dkey. */
static inline int
dp_frame_check(const struct dp_cfg_bridge *br, uint64_t tag, const struct rte_mbuf *m,
	       uint64_t *skey, uint64_t *dkey)
{
	const struct rte_ether_hdr *eth;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN))
		return DP_DROP_RUNT;
	if (unlikely(m->pkt_len > br->max_len) && !dp_ol_seg_fits(m, br->max_len))
		return DP_DROP_OVERSIZE;
	/* Each address is followed by at least two header bytes. */
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr)))
		return DP_DROP_SRC_MULTICAST;
	*skey = fdb_key_in_frame(tag, &eth->src_addr);
	*dkey = fdb_key_in_frame(tag, &eth->dst_addr);
	return -1;
}

/* The change that is not a refresh, for source @key whose entry (slot @s,
 * value @old, live or not) is to become @val. */
static inline enum dp_learn
dp_learn_change(const struct fdb *f, uint64_t key, const struct fdb_slot *s, uint64_t old,
		uint64_t val, bool live)
{
	bool counted;

	if (unlikely((key & 0xffffffffffffULL) == 0))
		return DP_LEARN_ZERO;
	/* The limits, as fdb_learn() applies them: a port at its limit may
	 * still take back its own expired MAC, counted until aging takes its
	 * slot. A port over its limit (a VM sending random source MACs) is
	 * turned away here, before the lock, so that it slows no one else's
	 * learning. */
	counted = s != NULL && fdb_val_counted(f, old, fdb_key_bridge(key));
	if (!(counted && fdb_val_port(old) == fdb_val_port(val)) &&
	    unlikely(fdb_over_limit(f, fdb_val_port(val), fdb_key_bridge(key), !counted)))
		return DP_LEARN_LIMIT;
	return live ? DP_LEARN_MOVE : DP_LEARN_NEW;
}

/* What learning source @key (its first bucket @b1) with value @val
 * changes; its slot, value and liveness in *@s, *@old, *@live. Steady
 * traffic finds its entry fresh. */
static inline enum dp_learn
dp_learn_decide(const struct fdb *f, uint64_t key, struct fdb_bucket *b1, uint64_t val,
		uint16_t bgen, uint16_t now, struct fdb_slot **s, uint64_t *old, bool *live)
{
	*old = 0;
	*live = false;
	*s = fdb_find(f, key, b1, old);
	if (likely(*s != NULL && *old == val))
		return DP_LEARN_FRESH;
	*live = *s != NULL && fdb_val_live(f, *old, bgen, now);
	/* In place only if nothing but last-seen changes: same port, same
	 * generations (a value made before a flush must not be written). */
	if (*live && ((*old ^ val) & 0xffffffffffffULL) == 0)
		return DP_LEARN_REFRESH;
	return dp_learn_change(f, key, *s, *old, val, *live);
}

/* Where a frame goes: a port, flood, or a drop. */
struct dp_fwd {
	struct dp_port *port; /* KNOWN: the output port; else NULL */
	uint8_t lookup;	      /* enum dp_lookup */
};

/* Where a frame with destination @dkey goes, given what the FDB holds for
 * it (@found: value @v) on bridge @bridge (@br), in from @in. */
static inline struct dp_fwd
dp_fwd_of(const struct fdb *f, const struct dp_cfg *cfg, const struct dp_cfg_bridge *br,
	  uint16_t bridge, uint16_t in, uint64_t dkey, bool found, uint64_t v, uint16_t bgen,
	  uint16_t now)
{
	struct dp_fwd fwd = {NULL, DP_LOOKUP_UNKNOWN};
	uint16_t out;

	if (fdb_key_multicast(dkey)) {
		fwd.lookup = dp_reserved_group(dkey, br->group_fwd_mask) ? DP_LOOKUP_RESERVED
									 : DP_LOOKUP_MULTICAST;
		return fwd;
	}
	if (!found || !fdb_val_live(f, v, bgen, now))
		return fwd;
	out = fdb_val_port(v);
	if (unlikely(out == in)) {
		fwd.lookup = DP_LOOKUP_HAIRPIN;
		return fwd;
	}
	fwd.port = cfg->port[out];
	if (unlikely(fwd.port == NULL || cfg->port_bridge[out] != bridge)) {
		fwd.port = NULL; /* moved to another bridge (or gone): flood */
		fwd.lookup = DP_LOOKUP_ELSEWHERE;
		return fwd;
	}
	fwd.lookup = DP_LOOKUP_KNOWN;
	return fwd;
}

/* Is @m (to a multicast group) a gratuitous ARP: a request or reply whose
 * sender and target addresses are the same? @l2 is its L2 header length. */
static inline bool
dp_garp(const struct rte_mbuf *m, unsigned int l2)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *arp;
	rte_be16_t type = l2 > RTE_ETHER_HDR_LEN
				  ? ((const struct rte_vlan_hdr *)(eth + 1))->eth_proto
				  : eth->ether_type;

	if (type != RTE_BE16(RTE_ETHER_TYPE_ARP) || m->data_len < l2 + sizeof(*arp))
		return false;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, l2);
	return arp->arp_data.arp_sip == arp->arp_data.arp_tip;
}

/* balance-slb: is multicast @m, which the active member took, a frame of
 * ours the upstream switch flooded back? Its source is then learned on
 * another port of the bridge it would enter (datapath.h, "Bonds"). */
static inline bool
dp_bond_looped(const struct fdb *f, const struct dp_cfg *cfg, const struct dp_port *bond,
	       const struct rte_mbuf *m, uint16_t now)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t in = bond->id, bridge, vid;
	unsigned int l2 = RTE_ETHER_HDR_LEN;
	bool tagged = false;
	uint64_t key, v;

	if (bond->trunk) {
		in = dp_trunk_classify(cfg->vlan_map[bond->id], bond->id, m, &vid, &tagged);
		if (in == DP_PORT_NONE)
			return false; /* dropped as an unknown VLAN anyway */
		if (tagged)
			l2 += sizeof(struct rte_vlan_hdr);
	}
	bridge = cfg->port_bridge[in];
	key = fdb_key_in_frame(fdb_key_tag(bridge), &eth->src_addr);
	if (fdb_find(f, key, fdb_bucket1(f, key), &v) == NULL ||
	    !fdb_val_live(f, v, fdb_gen_load(&f->bridge_gen[bridge]), now) || fdb_val_port(v) == in)
		return false;
	/* A VM that moved announces itself: believed once not seen here for
	 * a while. */
	return !(dp_garp(m, l2) && (uint16_t)(now - fdb_val_seen(v)) >= DP_BOND_LOCK_SEC);
}

/* A bond's member state, read once a burst. */
struct dp_bond_view {
	uint8_t lacp, enabled, collecting, active, mode;
};

static inline void
dp_bond_view_load(const struct dp_bond *b, struct dp_bond_view *bv)
{
	bv->lacp = __atomic_load_n(&b->lacp, __ATOMIC_RELAXED);
	bv->enabled = __atomic_load_n(&b->enabled, __ATOMIC_RELAXED);
	bv->collecting = __atomic_load_n(&b->collecting, __ATOMIC_RELAXED);
	bv->active = __atomic_load_n(&b->active, __ATOMIC_RELAXED);
	bv->mode = __atomic_load_n(&b->mode, __ATOMIC_RELAXED);
}

/* Does a LACP bond take frames from @member: once LACP is negotiated,
 * while the member is enabled or collecting, and before, while it is the
 * active one? */
static inline bool
dp_bond_lacp_takes(const struct dp_bond_view *bv, const struct dp_port *member)
{
	uint8_t bit = (uint8_t)(1u << member->bond_slot);

	if (bv->lacp & DP_BOND_LACP_NEGOTIATED)
		return ((bv->enabled | bv->collecting) & bit) != 0;
	return (bv->enabled & bit) && bv->active == member->bond_slot;
}

static inline bool
dp_is_slow_protocol(const struct rte_mbuf *m)
{
	return m->data_len >= RTE_ETHER_HDR_LEN &&
	       rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
		       RTE_BE16(RTE_ETHER_TYPE_SLOW);
}

/* Does bond @bond (without LACP) take @m from its member in slot @slot:
 * -1, or the drop reason. The active member takes everything but, in
 * balance-slb, a multicast frame of ours flooded back; a backup, multicast
 * in balance-slb only (the upstream switch floods to each member). */
static inline int
dp_bond_member_verdict(const struct fdb *f, const struct dp_cfg *cfg, const struct dp_port *bond,
		       const struct dp_bond_view *bv, uint8_t slot, const struct rte_mbuf *m,
		       uint16_t now)
{
	bool multicast = m->data_len >= RTE_ETHER_HDR_LEN &&
			 rte_is_multicast_ether_addr(
				 &rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->dst_addr);

	if (!(bv->enabled & (1u << slot)) ||
	    (bv->active != slot && (bv->mode == DP_BOND_ACTIVE_BACKUP || multicast)))
		return DP_DROP_BOND_STANDBY;
	if (multicast && bv->mode == DP_BOND_BALANCE_SLB && dp_bond_looped(f, cfg, bond, m, now))
		return DP_DROP_BOND_LOOP;
	return -1;
}

#endif
