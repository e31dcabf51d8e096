/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c - the fast path: receive bursts, learn, forward or flood, batch
 * output per port, age the FDB, back off when idle.
 *
 * Runs on worker lcores only. Reads the published struct dp_cfg (see the
 * publication rule in datapath.h); never logs or allocates, and locks only
 * to give an FDB slot to a new MAC or move one to another port (fdb.h).
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "decide.h"
#include "dp-private.h"

/* Idle back-off: after this many empty polls the worker sleeps, starting at
 * 1 us and doubling up to DP_IDLE_MAX_SLEEP_US. After DP_IDLE_BLOCK_POLLS
 * empty polls in all (about a millisecond) it blocks in epoll on its ports'
 * descriptors, if every port it polls can signal, for at most
 * DP_IDLE_BLOCK_MS: an idle switch then costs almost no CPU, whatever its
 * number of ports, and the first frame wakes it within tens of
 * microseconds. */
#define DP_IDLE_SPINS 256
#define DP_IDLE_MAX_SLEEP_US 32
#define DP_IDLE_BLOCK_POLLS (DP_IDLE_SPINS + 40)
#define DP_IDLE_BLOCK_MS 100
/* How often worker 0 ages, and the smallest slice it looks at. */
#define DP_AGE_PERIOD_MS 10
#define DP_AGE_MIN_BUCKETS 16
#define DP_PREFETCH_AHEAD 3

static inline void
drop(struct dp_port_stats *st, enum dp_drop reason, struct rte_mbuf *m)
{
	st->drops[reason]++;
	rte_pktmbuf_free(m);
}

static void
out_flush(struct dp_worker *w, struct dp_port *port)
{
	struct dp_port_worker *pw = &port->pw[w->id];
	/* Frames the port dropped itself (and set to NULL): unsendable, or,
	 * through a bond, its members' full queues and none enabled. */
	uint64_t dropped = pw->st.drops[DP_DROP_TX_UNSENDABLE] + pw->st.drops[DP_DROP_TX_FULL] +
			   pw->st.drops[DP_DROP_LINK_DOWN];
	uint16_t n = pw->n_out, done, i, unsent = 0;
	uint8_t cap = __atomic_load_n(&port->cap_tx, __ATOMIC_RELAXED);

	if (unlikely(cap != 0))
		dp_cap_tap(w->dp, w->id, port->id, cap, DP_CAPTURE_OUT, pw->out, n);
	done = port->cls->tx_burst(port, (uint16_t)w->id, pw->out, n, &pw->st);
	pw->n_out = 0;
	if (likely(done == n && pw->st.drops[DP_DROP_TX_UNSENDABLE] +
						pw->st.drops[DP_DROP_TX_FULL] +
						pw->st.drops[DP_DROP_LINK_DOWN] ==
					dropped)) {
		pw->st.tx_packets += n;
		pw->st.tx_bytes += pw->out_bytes;
		pw->out_bytes = 0;
		return;
	}
	/* Some frames did not go. Lengths are the ones enqueued: sent frames
	 * may be freed by tx_burst, and a VLAN port replaces frames with
	 * tagged ones. */
	for (i = 0; i < n; i++) {
		if (pw->out[i] == NULL)
			continue; /* dropped by the port, counted there */
		if (i < done) {
			pw->st.tx_packets++;
			pw->st.tx_bytes += pw->out_len[i];
		} else {
			rte_pktmbuf_free(pw->out[i]);
			unsent++;
		}
	}
	pw->out_bytes = 0;
	if (unsent != 0)
		pw->st.drops[port->cls->link_up == NULL || port->cls->link_up(port)
				     ? DP_DROP_TX_FULL
				     : DP_DROP_LINK_DOWN] += unsent;
}

static inline void
out_queue(struct dp_worker *w, struct dp_port *port, struct rte_mbuf *m)
{
	struct dp_port_worker *pw = &port->pw[w->id];

	if (!pw->dirty) {
		pw->dirty = true;
		w->dirty[w->n_dirty++] = port;
	}
	pw->out_len[pw->n_out] = m->pkt_len;
	pw->out_bytes += m->pkt_len;
	pw->out[pw->n_out++] = m;
	if (unlikely(pw->n_out == DP_BURST))
		out_flush(w, port);
}

/* @m asks for an offload @port's device may lack: queue what software
 * makes of it, its segments or itself with its checksum finished. */
static void
out_soft(struct dp_worker *w, struct dp_port *port, struct rte_mbuf *m)
{
	struct dp_port_stats *st = &port->pw[w->id].st;
	/* Tagged frames have abilities of their own (dp_port_set_offloads()). */
	uint32_t caps = __atomic_load_n(m->l2_len > RTE_ETHER_HDR_LEN ? &port->ol_caps_vlan
								      : &port->ol_caps,
					__ATOMIC_RELAXED);
	struct dp_ol_soft s;
	struct rte_mbuf *c;
	int err;

	/* Not for a port without its peer (a vhost-user guest gone, which
	 * takes nothing unfinished): the frame is dropped there, once. */
	if ((port->cls->link_up != NULL && !port->cls->link_up(port)) ||
	    !dp_ol_soft_begin(&s, m, caps, w->dp->mp)) {
		out_queue(w, port, m);
		return;
	}
	if (s.seg)
		st->sw_gso++;
	else
		st->sw_csum++;
	while ((c = dp_ol_soft_next(&s, &err)) != NULL)
		out_queue(w, port, c);
	if (err == ENOMEM) {
		st->no_mbuf++;
		st->drops[DP_DROP_TX_FULL]++;
	} else if (err != 0) {
		st->drops[DP_DROP_BAD_OFFLOAD]++;
	}
}

/* Queue @m for @port: one test for a complete frame. */
static inline void
out_enqueue(struct dp_worker *w, struct dp_port *port, struct rte_mbuf *m)
{
	if (unlikely(m->ol_flags & port->ol_soft))
		out_soft(w, port, m);
	else
		out_queue(w, port, m);
}

static void
out_flush_all(struct dp_worker *w)
{
	uint16_t i;

	for (i = 0; i < w->n_dirty; i++) {
		struct dp_port *port = w->dirty[i];

		if (port->pw[w->id].n_out != 0)
			out_flush(w, port);
		port->pw[w->id].dirty = false;
	}
	w->n_dirty = 0;
}

static void
flood(struct dp_worker *w, const struct dp_cfg *cfg, const struct dp_cfg_bridge *br,
      uint16_t in_port, struct dp_port_stats *st, struct rte_mbuf *m)
{
	uint16_t i, n_out = (uint16_t)(br->n_ports - 1); /* the ingress port is a member */

	if (n_out == 0) {
		drop(st, DP_DROP_NO_DESTINATION, m);
		return;
	}
	/* Every output shares the one mbuf (all its segments); each port frees
	 * its reference. */
	if (n_out > 1)
		rte_pktmbuf_refcnt_update(m, (int16_t)(n_out - 1));
	for (i = 0; i < br->n_ports; i++)
		if (br->ports[i] != in_port)
			out_enqueue(w, cfg->port[br->ports[i]], m);
}

/* Learn that @key is behind the port of @val (dp_learn_decide()). Steady
 * traffic finds its entry fresh and writes nothing; a refresh of last-seen
 * rewrites the value in place; a new MAC, a move, or a MAC whose entry is
 * dead goes through fdb_learn(). False if a MAC limit kept it from being
 * learned (counted fdb_limit). */
static inline bool
learn(struct dp_worker *w, struct fdb *f, uint64_t key, struct fdb_bucket *b1, uint64_t val,
      uint16_t bgen, uint16_t now, struct dp_port_stats *st)
{
	struct fdb_slot *s;
	uint64_t old;
	bool live;
	enum dp_learn act = dp_learn_decide(f, key, b1, val, bgen, now, &s, &old, &live);
	int err;

	if (likely(act == DP_LEARN_FRESH))
		return true;
	if (act == DP_LEARN_REFRESH) {
		if (fdb_update(s, old, val)) {
			w->st.refreshed++;
			return true;
		}
		/* The slot changed meanwhile: as any change. */
		act = dp_learn_change(f, key, s, old, val, live);
	}
	if (act == DP_LEARN_ZERO)
		return true;
	if (act == DP_LEARN_LIMIT) {
		st->fdb_limit++;
		return false;
	}
	/* A new MAC, or a move: a slot or a count changes, under the lock. */
	err = fdb_learn(f, key, val, now);
	if (unlikely(err != 0)) {
		if (err != EDQUOT) {
			w->st.learn_failed++;
			return true;
		}
		st->fdb_limit++;
		return false;
	}
	if (!live) {
		w->st.learned++;
	} else {
		w->st.moved++;
		if (fdb_val_port(old) != fdb_val_port(val)) {
			/* Seen by the control thread, which logs moves. */
			st->fdb_moves++;
			__atomic_store_n(&st->last_move,
					 (key & 0xffffffffffffULL) | (uint64_t)fdb_val_port(old)
									     << 48,
					 __ATOMIC_RELAXED);
		}
	}
	return true;
}

/* Drop the tagged frames of a burst from an access port (dp_access_untag()),
 * counted; returns how many frames are left, in order, at the start of
 * @pkts. A pass of its own, so that other ports pay one test a burst. */
static uint16_t
access_filter(struct dp_port_stats *st, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (likely(dp_access_untag(m))) {
			pkts[k++] = m;
			continue;
		}
		st->rx_bytes += m->pkt_len;
		drop(st, DP_DROP_VIF_TAGGED, m);
	}
	return k;
}

/* Frames from one port, all on the port's bridge: check them, make their
 * FDB keys and prefetch the keys' buckets; then, frame by frame, learn the
 * source and forward or flood. A frame sees what the frames before it in
 * the burst taught the table.
 *
 * A frame with the same addresses as the one before it (a burst of one
 * conversation, as a VM's TCP stream sends them) takes that frame's
 * decision: its source was just learned with the same value, and its
 * destination just looked up. */
static void
bridge_input(struct dp_worker *w, const struct dp_cfg *cfg, struct dp_port *in,
	     struct rte_mbuf **pkts, uint16_t n, uint16_t now)
{
	struct dp *dp = w->dp;
	struct fdb *f = &dp->fdb;
	uint16_t bridge = cfg->port_bridge[in->id];
	uint64_t tag = fdb_key_tag(bridge);
	const struct dp_cfg_bridge *br = &cfg->bridge[bridge];
	struct dp_port_stats *st = &in->pw[w->id].st;
	uint16_t bgen = fdb_gen_load(&f->bridge_gen[bridge]);
	uint64_t learn_val =
		fdb_val(in->id, fdb_gen_load(&f->port_gen[in->id]), bgen, fdb_seen(f, now));
	uint64_t skey[DP_BURST], dkey[DP_BURST];
	struct fdb_bucket *sb[DP_BURST], *db[DP_BURST];
	struct rte_mbuf *ok[DP_BURST];
	bool repeat[DP_BURST];
	uint64_t bytes = 0, prev_s = 0, prev_d = 0; /* 0: no key */
	struct dp_fwd fwd = {NULL, DP_LOOKUP_UNKNOWN};
	bool learned = true;
	uint16_t i, k = 0;

	st->rx_packets += n;
	if (unlikely(in->access)) {
		const struct dp_lock *lock = __atomic_load_n(&in->lock, __ATOMIC_ACQUIRE);

		n = access_filter(st, pkts, n);
		if (unlikely(lock != NULL))
			n = dp_lock_filter(lock, st, pkts, n);
		if (n == 0)
			return;
	}
	for (i = 0; i < n && i < DP_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint64_t sk, dk;
		int why;

		if (i + DP_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + DP_PREFETCH_AHEAD], void *));
		bytes += m->pkt_len;
		why = dp_frame_check(br, tag, m, &sk, &dk);
		if (unlikely(why >= 0)) {
			drop(st, (enum dp_drop)why, m);
			continue;
		}
		skey[k] = sk;
		dkey[k] = dk;
		repeat[k] = sk == prev_s && dk == prev_d;
		if (!repeat[k]) {
			prev_s = sk;
			prev_d = dk;
			sb[k] = fdb_bucket1(f, sk);
			db[k] = fdb_bucket1(f, dk);
			rte_prefetch0(sb[k]);
			rte_prefetch0(db[k]);
		}
		ok[k++] = m;
	}
	st->rx_bytes += bytes;

	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = ok[i];
		uint64_t v = 0;
		bool found;

		/* A repeat whose source a limit kept out goes the whole way, to
		 * be counted (fdb_limit) as the frame before it was. */
		if (repeat[i] && likely(learned))
			goto forward;
		learned = learn(w, f, skey[i], sb[i], learn_val, bgen, now, st);
		found = !fdb_key_multicast(dkey[i]) && fdb_find(f, dkey[i], db[i], &v) != NULL;
		fwd = dp_fwd_of(f, cfg, br, bridge, in->id, dkey[i], found, v, bgen, now);
	forward:
		if (likely(fwd.port != NULL))
			out_enqueue(w, fwd.port, m);
		else if (unlikely(fwd.lookup == DP_LOOKUP_HAIRPIN))
			drop(st, DP_DROP_HAIRPIN, m);
		else if (unlikely(fwd.lookup == DP_LOOKUP_RESERVED))
			drop(st, DP_DROP_RESERVED_MULTICAST, m);
		else
			flood(w, cfg, br, in->id, st, m);
	}
}

/* A run of a trunk's frames for @port, the trunk's own bridge or one of
 * its VLAN ports' (whose captures see the frames untagged, as its wire is). */
static inline void
run_input(struct dp_worker *w, const struct dp_cfg *cfg, const struct dp_port *trunk,
	  struct dp_port *port, struct rte_mbuf **run, uint16_t n, uint16_t now)
{
	uint8_t cap = __atomic_load_n(&port->cap_rx, __ATOMIC_RELAXED);

	if (unlikely(cap != 0) && port != trunk)
		dp_cap_tap(w->dp, w->id, port->id, cap, DP_CAPTURE_IN, run, n);
	bridge_input(w, cfg, port, run, n, now);
}

/* Frames from a trunk: sort them by 802.1Q tag. Untagged and VID 0 frames
 * stay with the trunk's bridge; a frame tagged T goes, untagged, to the
 * trunk's VLAN port T; others are dropped. Runs of frames for the same
 * port go through bridge_input() together, so order within a VLAN holds. */
static void
trunk_input(struct dp_worker *w, const struct dp_cfg *cfg, struct dp_port *trunk,
	    struct rte_mbuf **pkts, uint16_t n, uint16_t now)
{
	const uint16_t *map = cfg->vlan_map[trunk->id];
	struct dp_port_stats *st = &trunk->pw[w->id].st;
	struct rte_mbuf *run[DP_BURST];
	uint16_t i, n_run = 0, run_port = trunk->id;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t to = trunk->id, vid;

		if (dp_vlan_tagged(m)) {
			to = dp_trunk_vlan_port(map, trunk->id, m, &vid);
			if (vid != 0) {
				/* The trunk counts what it received for its VLANs;
				 * bridge_input() counts it again on the VLAN port. */
				st->rx_packets++;
				st->rx_bytes += m->pkt_len;
				if (to == DP_PORT_NONE) {
					drop(st, DP_DROP_UNKNOWN_VLAN, m);
					continue;
				}
			}
			rte_vlan_strip(m);
			dp_ol_untagged(m);
		}
		if (to != run_port && n_run != 0) {
			run_input(w, cfg, trunk, cfg->port[run_port], run, n_run, now);
			n_run = 0;
		}
		run_port = to;
		run[n_run++] = m;
	}
	if (n_run != 0)
		run_input(w, cfg, trunk, cfg->port[run_port], run, n_run, now);
}

/* Receive queues read between two reports of a quiescent state. A change
 * of configuration waits (a grace period) for every worker to report one:
 * at most this many reads, not a pass over every port (with 9,000 kernel
 * ports, one system call each, a pass takes about 9 ms). */
#define DP_RX_CHUNK 256

static void bond_input(struct dp_worker *w, const struct dp_cfg *cfg, struct dp_port *member,
		       struct rte_mbuf **pkts, uint16_t n, uint16_t now);

static void
input(struct dp_worker *w, const struct dp_cfg *cfg, struct dp_port *port, struct rte_mbuf **pkts,
      uint16_t n, uint16_t now)
{
	uint8_t cap = __atomic_load_n(&port->cap_rx, __ATOMIC_RELAXED);

	if (unlikely(cap != 0))
		dp_cap_tap(w->dp, w->id, port->id, cap, DP_CAPTURE_IN, pkts, n);
	if (unlikely(port->bond_port != DP_PORT_NONE))
		bond_input(w, cfg, port, pkts, n, now);
	else if (port->trunk)
		trunk_input(w, cfg, port, pkts, n, now);
	else
		bridge_input(w, cfg, port, pkts, n, now);
}

/* Frames a bond takes from its members enter as the bond's (its captures
 * see them here). */
static void
bond_take(struct dp_worker *w, const struct dp_cfg *cfg, struct dp_port *bond,
	  struct rte_mbuf **pkts, uint16_t n, uint16_t now)
{
	uint8_t cap = __atomic_load_n(&bond->cap_rx, __ATOMIC_RELAXED);

	if (unlikely(cap != 0))
		dp_cap_tap(w->dp, w->id, bond->id, cap, DP_CAPTURE_IN, pkts, n);
	if (bond->trunk)
		trunk_input(w, cfg, bond, pkts, n, now);
	else
		bridge_input(w, cfg, bond, pkts, n, now);
}

/* A slow-protocol frame (a LACPDU) for the control plane; true if queued. */
static bool
punt(struct dp_worker *w, struct dp_port *member, struct dp_port_stats *st, struct rte_mbuf *m)
{
	m->port = member->id;
	if (rte_ring_mp_enqueue(w->dp->punt, m) != 0) {
		drop(st, DP_DROP_BOND_STANDBY, m); /* the control plane is far behind */
		return false;
	}
	return true;
}

/* A LACP bond's member (datapath.h, dp_bond_set_lacp()): LACPDUs to the
 * control plane; the rest taken as dp_bond_lacp_takes() says. */
static void
bond_input_lacp(struct dp_worker *w, const struct dp_cfg *cfg, struct dp_port *bond,
		struct dp_port *member, const struct dp_bond_view *bv, struct rte_mbuf **pkts,
		uint16_t n, uint16_t now)
{
	struct dp_port_stats *st = &member->pw[w->id].st;
	bool takes = dp_bond_lacp_takes(bv, member);
	struct rte_mbuf *ok[DP_BURST];
	uint16_t i, k = 0, punted = 0;
	uint64_t one = 1;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (dp_is_slow_protocol(m)) {
			punted += punt(w, member, st, m);
			continue;
		}
		if (!takes) {
			drop(st, DP_DROP_BOND_STANDBY, m);
			continue;
		}
		ok[k++] = m;
	}
	/* One wake-up a burst; only a full counter fails: it is readable. */
	if (punted != 0 && write(w->dp->punt_fd, &one, sizeof(one)) < 0)
		punted = 0;
	if (k != 0)
		bond_take(w, cfg, bond, ok, k, now);
}

/* Frames from a bond's member: counted on the member, then those the bond
 * takes (dp_bond_member_verdict()) enter as the bond's. */
static void
bond_input(struct dp_worker *w, const struct dp_cfg *cfg, struct dp_port *member,
	   struct rte_mbuf **pkts, uint16_t n, uint16_t now)
{
	struct dp_port *bond = cfg->port[member->bond_port];
	struct dp_port_stats *st = &member->pw[w->id].st;
	struct rte_mbuf *ok[DP_BURST];
	struct dp_bond_view bv;
	uint16_t i, k = 0;
	uint8_t slot;

	st->rx_packets += n;
	if (unlikely(bond == NULL || bond->kind != DP_PORT_BOND)) {
		for (i = 0; i < n; i++) {
			st->rx_bytes += pkts[i]->pkt_len;
			drop(st, DP_DROP_BOND_STANDBY, pkts[i]);
		}
		return;
	}
	dp_bond_view_load(bond->bond, &bv);
	if (unlikely(bv.lacp != 0)) {
		for (i = 0; i < n; i++)
			st->rx_bytes += pkts[i]->pkt_len;
		bond_input_lacp(w, cfg, bond, member, &bv, pkts, n, now);
		return;
	}
	if (likely(bv.active == member->bond_slot && (bv.enabled & (1u << bv.active)))) {
		/* The active member takes everything, but in balance-slb a
		 * multicast frame of ours flooded back: those bursts take the
		 * frame by frame way below. */
		bool mc = false;

		if (bv.mode == DP_BOND_ACTIVE_BACKUP) {
			for (i = 0; i < n; i++)
				st->rx_bytes += pkts[i]->pkt_len;
			goto take;
		}
		for (i = 0; i < n; i++) {
			st->rx_bytes += pkts[i]->pkt_len;
			mc |= pkts[i]->data_len != 0 &&
			      (rte_pktmbuf_mtod(pkts[i], const uint8_t *)[0] & 1);
		}
		if (likely(!mc))
			goto take;
	} else {
		for (i = 0; i < n; i++)
			st->rx_bytes += pkts[i]->pkt_len;
	}
	slot = member->bond_slot;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		int why = dp_bond_member_verdict(&w->dp->fdb, cfg, bond, &bv, slot, m, now);

		if (why >= 0) {
			drop(st, (enum dp_drop)why, m);
			continue;
		}
		ok[k++] = m;
	}
	pkts = ok;
	n = k;
take:
	if (n != 0)
		bond_take(w, cfg, bond, pkts, n, now);
}

/* Passes a kernel port's descriptor may report an error and yield nothing
 * before it is no longer watched (rx_ready()). */
#define DP_RX_ERR_PASSES 64

/* Kernel ports' rx queues that have frames (at most DP_RX_CHUNK of them:
 * epoll hands out the rest next time, in turn). */
static unsigned int
rx_ready(struct dp_worker *w, const struct dp_cfg *cfg, uint16_t now)
{
	struct epoll_event ev[DP_RX_CHUNK];
	unsigned int total = 0;
	int n, i;

	if (__atomic_load_n(&w->n_ready, __ATOMIC_RELAXED) == 0)
		return 0;
	n = epoll_wait(w->ready_epfd, ev, DP_RX_CHUNK, 0);
	for (i = 0; i < n; i++) {
		uint16_t id = (uint16_t)(ev[i].data.u64 >> 16), queue = (uint16_t)ev[i].data.u64;
		struct dp_port *port = id < DP_MAX_PORTS ? cfg->port[id] : NULL;
		struct rte_mbuf *pkts[DP_BURST];
		struct dp_qos *qos;
		uint16_t got;

		/* Not in this snapshot yet, or any more. */
		if (port == NULL || queue >= port->n_rxq || dp_port_rx_worker(port, queue) != w->id)
			continue;
		qos = __atomic_load_n(&port->qos, __ATOMIC_ACQUIRE);
		if (unlikely(qos != NULL))
			got = dp_qos_rx(w, port, qos, queue, pkts);
		else
			got = port->cls->rx_burst(port, queue, pkts, DP_BURST);
		if (got == 0) {
			/* A descriptor in error that yields nothing, pass after pass
			 * (a tap whose interface was deleted under it), would keep
			 * the level-triggered set ready for ever: the worker would
			 * never block. It stops being watched. One error event (a
			 * socket's, cleared by the read) is not enough. */
			struct dp_port_worker *pw = &port->pw[w->id];

			if (!(ev[i].events & (EPOLLERR | EPOLLHUP)))
				pw->rx_err_streak = 0;
			else if (++pw->rx_err_streak == DP_RX_ERR_PASSES)
				/* Out of the set: epoll reports errors whatever the
				 * events asked for. The port's removal finds it gone. */
				(void)epoll_ctl(w->ready_epfd, EPOLL_CTL_DEL,
						port->cls->rx_fd(port, queue), NULL);
			continue;
		}
		port->pw[w->id].rx_err_streak = 0;
		total += got;
		input(w, cfg, port, pkts, got, now);
	}
	return total;
}

/* Frames of limited ports that waited for credit (qos.c), as it lets
 * them in. */
static unsigned int
qos_pending(struct dp_worker *w, const struct dp_cfg *cfg, uint16_t now)
{
	unsigned int i = 0, total = 0;

	while (i < w->n_qos_wait) {
		struct rte_mbuf *pkts[DP_BURST];
		struct dp_port *port;
		bool done;
		uint16_t n = dp_qos_pending(w, cfg, i, &port, pkts, &done);

		if (n != 0) {
			total += n;
			input(w, cfg, port, pkts, n, now);
		}
		if (done)
			w->qos_wait[i] = w->qos_wait[--w->n_qos_wait];
		else
			i++;
	}
	return total;
}

/* Worker 0: the frames dp_port_send() queued go out of their ports. A port
 * not in this snapshot (removed since) drops them. */
static unsigned int
inject(struct dp_worker *w, const struct dp_cfg *cfg)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(w->dp->inject, (void **)pkts, DP_BURST, NULL);
	for (i = 0; i < n; i++) {
		struct dp_port *port =
			pkts[i]->port < DP_MAX_PORTS ? cfg->port[pkts[i]->port] : NULL;

		if (port == NULL)
			rte_pktmbuf_free(pkts[i]);
		else
			out_queue(w, port, pkts[i]);
	}
	return n;
}

unsigned int
dp_worker_iteration(struct dp_worker *w)
{
	struct dp *dp = w->dp;
	const struct dp_cfg *cfg = __atomic_load_n(&dp->cfg, __ATOMIC_ACQUIRE);
	const struct dp_cfg_rx *rx = &cfg->rx[w->id];
	uint16_t now = dp_now_sec(dp);
	unsigned int total;
	uint16_t i;

	total = rx_ready(w, cfg, now);
	if (unlikely(w->n_qos_wait != 0))
		total += qos_pending(w, cfg, now);
	for (i = 0; i < rx->n; i++) {
		struct dp_port *port;
		struct rte_mbuf *pkts[DP_BURST];
		struct dp_qos *qos;
		uint16_t n;

		if (unlikely(i != 0 && i % DP_RX_CHUNK == 0)) {
			/* Nothing of this snapshot is held past the flush:
			 * report, and go on in the current one (a change
			 * may move queues: the next pass reads them all). */
			out_flush_all(w);
			rte_rcu_qsbr_quiescent(dp->qsv, w->id);
			cfg = __atomic_load_n(&dp->cfg, __ATOMIC_ACQUIRE);
			rx = &cfg->rx[w->id];
			if (i >= rx->n)
				break;
		}
		port = cfg->port[rx->q[i].port];
		qos = __atomic_load_n(&port->qos, __ATOMIC_ACQUIRE);
		if (unlikely(qos != NULL))
			n = dp_qos_rx(w, port, qos, rx->q[i].queue, pkts);
		else
			n = port->cls->rx_burst(port, rx->q[i].queue, pkts, DP_BURST);
		if (n == 0)
			continue;
		total += n;
		input(w, cfg, port, pkts, n, now);
	}
	if (w->id == 0 && unlikely(!rte_ring_empty(dp->inject)))
		total += inject(w, cfg);
	out_flush_all(w);

	if (w->id == 0) {
		uint64_t tsc = rte_rdtsc();

		if (tsc >= w->next_age_tsc) {
			/* A full pass in about a quarter of the aging time. */
			uint32_t calls =
				(uint32_t)dp->fdb.age_sec * (1000 / DP_AGE_PERIOD_MS) / 4 + 1;
			uint32_t buckets = RTE_MAX(fdb_n_buckets(&dp->fdb) / calls,
						   (uint32_t)DP_AGE_MIN_BUCKETS);

			w->st.aged += fdb_age(&dp->fdb, now, buckets);
			w->next_age_tsc = tsc + dp->tsc_hz / 1000 * DP_AGE_PERIOD_MS;
		}
	}
	rte_rcu_qsbr_quiescent(dp->qsv, w->id);
	return total;
}

static void
idle_sleep(struct dp_worker *w, unsigned int us)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000};

	rte_rcu_qsbr_thread_offline(w->dp->qsv, w->id);
	nanosleep(&ts, NULL);
	rte_rcu_qsbr_thread_online(w->dp->qsv, w->id);
}

int
dp_worker_init(struct dp_worker *w)
{
	struct epoll_event ev = {.events = EPOLLIN};

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->ready_epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* Blocked, the worker wakes when a kernel port is ready too. */
	if (w->epfd < 0 || w->ready_epfd < 0 || w->wake_fd < 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake_fd, &ev) != 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ready_epfd, &ev) != 0) {
		int err = errno;

		dp_worker_fini(w);
		return err;
	}
	return 0;
}

void
dp_worker_fini(struct dp_worker *w)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(w->spare); i++) {
		rte_pktmbuf_free(w->spare[i]);
		w->spare[i] = NULL;
	}
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->ready_epfd >= 0)
		close(w->ready_epfd);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	w->epfd = w->ready_epfd = w->wake_fd = -1;
}

void
dp_worker_wake(struct dp *dp, unsigned int worker)
{
	const struct dp_worker *w = worker < dp->n_workers ? dp->workers[worker] : NULL;
	uint64_t one = 1;

	if (w != NULL && w->wake_fd >= 0 && write(w->wake_fd, &one, sizeof(one)) < 0)
		return; /* only a full counter fails: it is awake */
}

void
dp_workers_wake(struct dp *dp)
{
	unsigned int i;

	for (i = 0; i < dp->n_workers; i++) {
		const struct dp_worker *w = dp->workers[i];
		uint64_t one = 1;

		/* Only a full counter (2^64 - 2 wake-ups unread) fails. */
		if (w != NULL && w->wake_fd >= 0 && write(w->wake_fd, &one, sizeof(one)) < 0)
			continue;
	}
}

int
dp_wait_add(int epfd, int fd, int *reg_epfd)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET};

	if (*reg_epfd == epfd)
		return 0;
	/* The descriptor's number may still be in the set from a file that
	 * was closed and replaced; then it is the same fd now, and MOD
	 * updates it. */
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0 &&
	    (errno != EEXIST || epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) != 0))
		return -1;
	*reg_epfd = epfd;
	return 0;
}

/* Arm (or disarm) every rx queue of @cfg that worker @w polls. Returns
 * false if one cannot signal. */
static bool
wait_arm(struct dp_worker *w, const struct dp_cfg *cfg, bool arm)
{
	const struct dp_cfg_rx *rx = &cfg->rx[w->id];
	bool all = true;
	uint16_t i;

	for (i = 0; i < rx->n; i++) {
		struct dp_port *port = cfg->port[rx->q[i].port];

		if (port->cls->rx_wait == NULL ||
		    port->cls->rx_wait(port, rx->q[i].queue, w->epfd, arm) != 0)
			all = false;
	}
	return all;
}

/* The worker has been idle for a while: block until a port signals, a
 * snapshot or a peer changes, or DP_IDLE_BLOCK_MS pass. Returns false if
 * it cannot (a port it polls cannot signal): it keeps sleeping briefly. */
static bool
worker_block(struct dp_worker *w)
{
	struct dp *dp = w->dp;
	const struct dp_cfg *cfg = __atomic_load_n(&dp->cfg, __ATOMIC_ACQUIRE);
	struct epoll_event ev[8];
	uint64_t n;

	/* By generation, not address: a later snapshot may be allocated
	 * where this one was. */
	if (cfg->gen == w->cannot_block)
		return false;
	/* Frames wait for credit: it comes with time, not with a signal. */
	if (w->n_qos_wait != 0)
		return false;
	if (!wait_arm(w, cfg, true)) {
		wait_arm(w, cfg, false);
		w->cannot_block = cfg->gen; /* until the next snapshot */
		return false;
	}
	/* Frames that came before the peers were asked to signal would
	 * signal nothing: look once more. */
	if (dp_worker_iteration(w) == 0 && !dp->stop) {
		w->st.blocked++;
		rte_rcu_qsbr_thread_offline(dp->qsv, w->id);
		if (epoll_wait(w->epfd, ev, RTE_DIM(ev), DP_IDLE_BLOCK_MS) < 0 && errno != EINTR)
			nanosleep(&(struct timespec){.tv_nsec = DP_IDLE_MAX_SLEEP_US * 1000}, NULL);
		rte_rcu_qsbr_thread_online(dp->qsv, w->id);
		if (read(w->wake_fd, &n, sizeof(n)) < 0)
			n = 0; /* nothing to reset: it was not the wake-up */
		/* Offline, the snapshot we armed may have been freed: disarm
		 * the ports of the current one. */
		cfg = __atomic_load_n(&dp->cfg, __ATOMIC_ACQUIRE);
	}
	wait_arm(w, cfg, false);
	return true;
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp *dp = w->dp;
	unsigned int idle = 0, sleep_us = 1;

	/* Default timer slack (50 us) would dominate the wake-up latency. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	rte_rcu_qsbr_thread_online(dp->qsv, w->id);
	while (!dp->stop) {
		if (dp_worker_iteration(w) != 0) {
			idle = 0;
			sleep_us = 1;
			continue;
		}
		if (++idle < DP_IDLE_SPINS)
			continue;
		if (idle >= DP_IDLE_BLOCK_POLLS && worker_block(w)) {
			idle = 0;
			sleep_us = 1;
			continue;
		}
		idle_sleep(w, sleep_us);
		if (sleep_us < DP_IDLE_MAX_SLEEP_US)
			sleep_us *= 2;
	}
	rte_rcu_qsbr_thread_offline(dp->qsv, w->id);
	return 0;
}
