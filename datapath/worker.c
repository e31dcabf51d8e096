/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c - the fast path: receive bursts, learn, forward or flood, batch
 * output per port, age the FDB, back off when idle.
 *
 * Runs on worker lcores only. Reads the published struct dp_cfg (see the
 * publication rule in datapath.h); never locks, logs or allocates.
 */
#include <errno.h>
#include <sys/prctl.h>
#include <time.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dp-private.h"

/* Idle back-off: after this many empty polls the worker sleeps, starting at
 * 1 us and doubling up to DP_IDLE_MAX_SLEEP_US, so an idle switch costs
 * little CPU and still wakes within tens of microseconds. */
#define DP_IDLE_SPINS 256
#define DP_IDLE_MAX_SLEEP_US 32
/* How often worker 0 ages, and the smallest slice it looks at. */
#define DP_AGE_PERIOD_MS 10
#define DP_AGE_MIN_SLOTS 64
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
	uint16_t n = pw->n_out, done, i, unsent = 0;
	uint32_t len[DP_BURST];

	/* Lengths before sending: sent frames may be freed by tx_burst, and a
	 * VLAN port replaces frames with tagged ones. */
	for (i = 0; i < n; i++)
		len[i] = pw->out[i]->pkt_len;
	done = port->cls->tx_burst(port, (uint16_t)w->id, pw->out, n, &pw->st);
	for (i = 0; i < done; i++) {
		if (pw->out[i] != NULL) { /* NULL: dropped by the port, counted */
			pw->st.tx_packets++;
			pw->st.tx_bytes += len[i];
		}
	}
	for (i = done; i < n; i++) {
		if (pw->out[i] != NULL) {
			rte_pktmbuf_free(pw->out[i]);
			unsent++;
		}
	}
	if (unsent != 0)
		pw->st.drops[port->cls->link_up == NULL || port->cls->link_up(port)
				     ? DP_DROP_TX_FULL
				     : DP_DROP_LINK_DOWN] += unsent;
	pw->n_out = 0;
}

static inline void
out_enqueue(struct dp_worker *w, struct dp_port *port, struct rte_mbuf *m)
{
	struct dp_port_worker *pw = &port->pw[w->id];

	if (!pw->dirty) {
		pw->dirty = true;
		w->dirty[w->n_dirty++] = port;
	}
	pw->out[pw->n_out++] = m;
	if (unlikely(pw->n_out == DP_BURST))
		out_flush(w, port);
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

/* Frames from one port, all on the port's bridge: check, learn the source
 * MACs, then forward or flood. The FDB is looked up once per burst for the
 * source and destination of every frame. */
static void
bridge_input(struct dp_worker *w, const struct dp_cfg *cfg, struct dp_port *in,
	     struct rte_mbuf **pkts, uint16_t n, uint16_t now)
{
	struct dp *dp = w->dp;
	struct fdb *f = &dp->fdb;
	uint16_t bridge = cfg->port_bridge[in->id];
	const struct dp_cfg_bridge *br = &cfg->bridge[bridge];
	struct dp_port_stats *st = &in->pw[w->id].st;
	uint16_t bgen = fdb_gen_load(&f->bridge_gen[bridge]);
	uint64_t learn_val = fdb_val(in->id, fdb_gen_load(&f->port_gen[in->id]), bgen, now);
	uint64_t keys[2 * DP_BURST];
	const void *kp[2 * DP_BURST];
	void *vals[2 * DP_BURST];
	struct rte_mbuf *ok[DP_BURST];
	uint64_t written[DP_BURST];
	uint64_t hits = 0;
	uint16_t i, k = 0, n_written;

	for (i = 0; i < n && i < DP_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;

		if (i + DP_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + DP_PREFETCH_AHEAD], void *));
		st->rx_packets++;
		st->rx_bytes += m->pkt_len;
		if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
			drop(st, DP_DROP_RUNT, m);
			continue;
		}
		if (unlikely(m->pkt_len > br->max_len)) {
			drop(st, DP_DROP_OVERSIZE, m);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr))) {
			drop(st, DP_DROP_SRC_MULTICAST, m);
			continue;
		}
		keys[2 * k] = fdb_key(bridge, &eth->src_addr);
		keys[2 * k + 1] = fdb_key(bridge, &eth->dst_addr);
		kp[2 * k] = &keys[2 * k];
		kp[2 * k + 1] = &keys[2 * k + 1];
		ok[k++] = m;
	}
	if (k == 0)
		return;
	rte_hash_lookup_bulk_data(f->h, kp, 2u * k, &hits, vals);

	/* Learn: (re)write an entry only when it is new, moved, flushed or its
	 * last-seen second changed, so steady traffic does not write. The
	 * lookup predates the burst's own writes: a source written once in
	 * this burst is not written again. */
	n_written = 0;
	for (i = 0; i < k; i++) {
		uint64_t old = (uint64_t)(uintptr_t)vals[2 * i];
		bool hit = hits & (1ULL << (2 * i));
		uint16_t j;

		if (likely(hit && old == learn_val))
			continue;
		for (j = 0; j < n_written && written[j] != keys[2 * i]; j++)
			;
		if (j < n_written)
			continue;
		written[n_written++] = keys[2 * i];
		if (rte_hash_add_key_data(f->h, &keys[2 * i], (void *)(uintptr_t)learn_val) < 0) {
			w->st.learn_failed++;
			continue;
		}
		if (!hit || !fdb_val_live(f, old, bgen, now))
			w->st.learned++;
		else if (fdb_val_port(old) != in->id)
			w->st.moved++;
	}

	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = ok[i];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		uint64_t v = (uint64_t)(uintptr_t)vals[2 * i + 1];
		uint16_t out;

		if (rte_is_multicast_ether_addr(&eth->dst_addr) ||
		    !(hits & (1ULL << (2 * i + 1))) || !fdb_val_live(f, v, bgen, now)) {
			flood(w, cfg, br, in->id, st, m);
			continue;
		}
		out = fdb_val_port(v);
		if (unlikely(out == in->id)) {
			drop(st, DP_DROP_HAIRPIN, m);
			continue;
		}
		if (unlikely(cfg->port[out] == NULL || cfg->port_bridge[out] != bridge)) {
			flood(w, cfg, br, in->id, st, m);
			continue;
		}
		out_enqueue(w, cfg->port[out], m);
	}
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
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		uint16_t to = trunk->id;

		if (m->data_len >= RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr) &&
		    eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
			const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eth + 1);
			uint16_t vid = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;

			if (vid != 0) {
				/* The trunk counts what it received for its VLANs;
				 * bridge_input() counts it again on the VLAN port. */
				st->rx_packets++;
				st->rx_bytes += m->pkt_len;
				to = map != NULL ? map[vid] : DP_PORT_NONE;
				if (to == DP_PORT_NONE) {
					drop(st, DP_DROP_UNKNOWN_VLAN, m);
					continue;
				}
			}
			rte_vlan_strip(m);
		}
		if (to != run_port && n_run != 0) {
			bridge_input(w, cfg, cfg->port[run_port], run, n_run, now);
			n_run = 0;
		}
		run_port = to;
		run[n_run++] = m;
	}
	if (n_run != 0)
		bridge_input(w, cfg, cfg->port[run_port], run, n_run, now);
}

unsigned int
dp_worker_iteration(struct dp_worker *w)
{
	struct dp *dp = w->dp;
	const struct dp_cfg *cfg = __atomic_load_n(&dp->cfg, __ATOMIC_ACQUIRE);
	const struct dp_cfg_rx *rx = &cfg->rx[w->id];
	uint16_t now = dp_now_sec(dp);
	unsigned int total = 0;
	uint16_t i;

	for (i = 0; i < rx->n; i++) {
		struct dp_port *port = cfg->port[rx->q[i].port];
		struct rte_mbuf *pkts[DP_BURST];
		uint16_t n = port->cls->rx_burst(port, rx->q[i].queue, pkts, DP_BURST);

		if (n == 0)
			continue;
		total += n;
		if (port->trunk)
			trunk_input(w, cfg, port, pkts, n, now);
		else
			bridge_input(w, cfg, port, pkts, n, now);
	}
	out_flush_all(w);

	if (w->id == 0) {
		uint64_t tsc = rte_rdtsc();

		if (tsc >= w->next_age_tsc) {
			/* A full pass in about a quarter of the aging time. */
			uint32_t calls =
				(uint32_t)dp->fdb.age_sec * (1000 / DP_AGE_PERIOD_MS) / 4 + 1;
			uint32_t slots =
				RTE_MAX(dp->fdb.capacity / calls, (uint32_t)DP_AGE_MIN_SLOTS);

			w->st.aged += fdb_age(&dp->fdb, now, slots);
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
		idle_sleep(w, sleep_us);
		if (sleep_us < DP_IDLE_MAX_SLEEP_US)
			sleep_us *= 2;
	}
	rte_rcu_qsbr_thread_offline(dp->qsv, w->id);
	return 0;
}
