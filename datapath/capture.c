/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture.c - copies of the frames ports receive and send, for the
 * control plane to write out (netctl capture).
 *
 * A capture session has a set of ports and directions, a snap length and
 * an optional filter, libpcap's classic BPF: converted to DPDK's eBPF and
 * JIT-compiled, or, for what DPDK 22.11 cannot convert (bpf-jit.c), run
 * by libpcap's own interpreter. Each port carries
 * two masks of the sessions that want it, one per direction, which the
 * fast path tests once a burst: a port no session wants costs nothing
 * more. A frame a session wants, and its filter takes, is copied (up to
 * the snap length) into a pool of the captures' own, so that a capture
 * never takes a buffer forwarding needs, and queued on a ring per session
 * and worker (one producer, the control thread the consumer). When the
 * pool or the ring is full, the copy is not made and the frame is counted
 * as dropped by the capture: forwarding never waits for a reader.
 *
 * Where frames are seen, as on each port's wire: received, as the port
 * takes them (a trunk's tagged; a VLAN port's untagged, as its trunk hands
 * them over; a bond's as its members hand them over); sent, as the bridge
 * queues them for the port, and on a trunk also its VLAN ports' frames,
 * tagged, as they leave through it.
 */
#include <errno.h>
#include <string.h>

#define ALLOW_EXPERIMENTAL_API /* rte_bpf_convert() */

#include <sys/types.h>

#include <pcap/bpf.h>
#include <rte_bpf.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>
#include <rte_ring_peek.h>

#include "dp-private.h"

#define DP_CAP_RING 1024      /* frames a session holds per worker */
#define DP_CAP_POOL 8191      /* copies all sessions hold at most */
#define DP_CAP_DATA_ROOM 2048 /* a copy longer than this is chained */

static int tsc_offset = -1; /* the copies' timestamp (TSC), a dynamic field */

static inline uint64_t *
cap_tsc(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, tsc_offset, uint64_t *);
}

/* The frames of @pkts (NULL slots skipped) that session @cap's filter
 * keeps, into @hit; how many. A loop per kind of program, so that an idle
 * filter costs its program and little else. */
static uint16_t
cap_filter(const struct dp_cap *cap, struct rte_mbuf **pkts, uint16_t n, struct rte_mbuf **hit)
{
	uint16_t i, k = 0;

	if (cap->jit != NULL) {
		uint64_t (*jit)(void *) = cap->jit;

		for (i = 0; i < n; i++)
			if (pkts[i] != NULL && jit(pkts[i]) != 0)
				hit[k++] = pkts[i];
	} else if (cap->bpf != NULL) {
		for (i = 0; i < n; i++)
			if (pkts[i] != NULL && rte_bpf_exec(cap->bpf, pkts[i]) != 0)
				hit[k++] = pkts[i];
	} else if (cap->cbpf != NULL) {
		/* libpcap's interpreter, on the first segment (the headers). */
		for (i = 0; i < n; i++)
			if (pkts[i] != NULL &&
			    bpf_filter(cap->cbpf, rte_pktmbuf_mtod(pkts[i], const u_char *),
				       pkts[i]->pkt_len, pkts[i]->data_len) != 0)
				hit[k++] = pkts[i];
	} else {
		for (i = 0; i < n; i++)
			if (pkts[i] != NULL)
				hit[k++] = pkts[i];
	}
	return k;
}

void
dp_cap_tap(struct dp *dp, unsigned int worker, uint16_t port, uint8_t mask, uint8_t dir,
	   struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t now = rte_rdtsc();

	while (mask != 0) {
		unsigned int s = (unsigned int)__builtin_ctz(mask);
		struct dp_cap *cap = __atomic_load_n(&dp->cap[s], __ATOMIC_ACQUIRE);
		struct rte_mbuf *hit[DP_BURST];
		struct dp_cap_worker *cw;
		uint16_t i, k;

		mask &= (uint8_t)(mask - 1);
		if (cap == NULL)
			continue;
		cw = &cap->cw[worker];
		k = cap_filter(cap, pkts, n, hit);
		for (i = 0; i < k; i++) {
			struct rte_mbuf *m = hit[i], *c;

			/* A reader behind: lost, without a copy made for nothing. */
			if (unlikely(rte_ring_full(cap->ring[worker]))) {
				cw->dropped++;
				continue;
			}
			c = rte_pktmbuf_copy(m, dp->cap_pool, 0, cap->snaplen);
			if (unlikely(c == NULL)) {
				cw->dropped++;
				continue;
			}
			c->port = port;
			c->packet_type = dir;
			c->hash.usr = m->pkt_len;
			*cap_tsc(c) = now;
			if (unlikely(rte_ring_sp_enqueue(cap->ring[worker], c) != 0)) {
				rte_pktmbuf_free(c);
				cw->dropped++;
				continue;
			}
			cw->kept++;
		}
	}
}

static void
cap_free(struct dp *dp, struct dp_cap *cap)
{
	unsigned int w;
	void *m;

	if (cap == NULL)
		return;
	for (w = 0; w < dp->n_workers; w++) {
		if (cap->ring[w] == NULL)
			continue;
		while (rte_ring_sc_dequeue(cap->ring[w], &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(cap->ring[w]);
	}
	if (cap->bpf != NULL)
		rte_bpf_destroy(cap->bpf);
	rte_free(cap->cbpf);
	rte_free(cap->cw);
	rte_free(cap);
}

/* The ports' masks: session @s on @p's ports for @dir, or off. */
static void
cap_masks(struct dp *dp, unsigned int s, const struct dp_capture_params *p, bool on)
{
	uint8_t bit = (uint8_t)(1u << s);

	for (unsigned int i = 0; i < p->n_ports; i++) {
		struct dp_port *port = dp->ports[p->ports[i]];

		if (port == NULL)
			continue;
		if (p->dir & DP_CAPTURE_IN)
			__atomic_store_n(&port->cap_rx,
					 (uint8_t)(on ? port->cap_rx | bit : port->cap_rx & ~bit),
					 __ATOMIC_RELEASE);
		if (p->dir & DP_CAPTURE_OUT)
			__atomic_store_n(&port->cap_tx,
					 (uint8_t)(on ? port->cap_tx | bit : port->cap_tx & ~bit),
					 __ATOMIC_RELEASE);
	}
}

int
dp_capture_start(struct dp *dp, const struct dp_capture_params *p, unsigned int *id)
{
	static const struct rte_mbuf_dynfield tsc_field = {
		.name = "switchd_capture_tsc",
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};
	struct dp_cap *cap;
	unsigned int s, w, i;
	char name[RTE_RING_NAMESIZE];

	if (p->n_ports == 0 || p->snaplen == 0 || !(p->dir & (DP_CAPTURE_IN | DP_CAPTURE_OUT)))
		return EINVAL;
	for (i = 0; i < p->n_ports; i++)
		if (p->ports[i] >= DP_MAX_PORTS || dp->ports[p->ports[i]] == NULL)
			return ENOENT;
	for (s = 0; s < DP_CAPTURE_MAX && dp->cap[s] != NULL; s++)
		;
	if (s == DP_CAPTURE_MAX)
		return ENOSPC;
	if (tsc_offset < 0 && (tsc_offset = rte_mbuf_dynfield_register(&tsc_field)) < 0)
		return ENOMEM;
	if (dp->cap_pool == NULL) {
		snprintf(name, sizeof(name), "%s_cap", dp->name);
		dp->cap_pool = rte_pktmbuf_pool_create(name, DP_CAP_POOL, 0, 0,
						       DP_CAP_DATA_ROOM + RTE_PKTMBUF_HEADROOM,
						       SOCKET_ID_ANY);
		if (dp->cap_pool == NULL)
			return ENOMEM;
	}
	cap = rte_zmalloc("dp_cap", sizeof(*cap), RTE_CACHE_LINE_SIZE);
	if (cap == NULL)
		return ENOMEM;
	cap->cw =
		rte_zmalloc("dp_cap_worker", dp->n_workers * sizeof(*cap->cw), RTE_CACHE_LINE_SIZE);
	if (cap->cw == NULL) {
		cap_free(dp, cap);
		return ENOMEM;
	}
	for (w = 0; w < dp->n_workers; w++) {
		snprintf(name, sizeof(name), "%.8s_c%u_%u_%u", dp->name, s % DP_CAPTURE_MAX,
			 w % DP_MAX_WORKERS, dp->cap_seq % 100000);
		cap->ring[w] = rte_ring_create(name, DP_CAP_RING, SOCKET_ID_ANY,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (cap->ring[w] == NULL) {
			cap_free(dp, cap);
			return ENOMEM;
		}
	}
	dp->cap_seq++;
	cap->snaplen = p->snaplen;
	if (p->filter != NULL && dp_bpf_dpdk_ok(p->filter)) {
		struct rte_bpf_prm *prm = rte_bpf_convert(p->filter);
		struct rte_bpf_jit jit;

		cap->bpf = prm != NULL ? rte_bpf_load(prm) : NULL;
		rte_free(prm);
		if (cap->bpf == NULL) {
			cap_free(dp, cap);
			return ENOTSUP;
		}
		if (rte_bpf_get_jit(cap->bpf, &jit) == 0 && jit.func != NULL)
			cap->jit = jit.func;
	} else if (p->filter != NULL) {
		size_t sz = p->filter->bf_len * sizeof(struct bpf_insn);

		cap->cbpf = rte_malloc("dp_cap_cbpf", sz, 0);
		if (cap->cbpf == NULL) {
			cap_free(dp, cap);
			return ENOMEM;
		}
		memcpy(cap->cbpf, p->filter->bf_insns, sz);
	}
	__atomic_store_n(&dp->cap[s], cap, __ATOMIC_RELEASE);
	cap_masks(dp, s, p, true);
	*id = s;
	return 0;
}

int
dp_capture_stop(struct dp *dp, unsigned int id)
{
	struct dp_cap *cap;
	unsigned int p;

	if (id >= DP_CAPTURE_MAX || dp->cap[id] == NULL)
		return ENOENT;
	cap = dp->cap[id];
	for (p = 0; p < dp->port_end; p++) {
		struct dp_port *port = dp->ports[p];

		if (port == NULL)
			continue;
		__atomic_store_n(&port->cap_rx, (uint8_t)(port->cap_rx & ~(1u << id)),
				 __ATOMIC_RELEASE);
		__atomic_store_n(&port->cap_tx, (uint8_t)(port->cap_tx & ~(1u << id)),
				 __ATOMIC_RELEASE);
	}
	__atomic_store_n(&dp->cap[id], NULL, __ATOMIC_RELEASE);
	/* No worker copies into it any more, nor holds it. */
	rte_rcu_qsbr_synchronize(dp->qsv, RTE_QSBR_THRID_INVALID);
	cap_free(dp, cap);
	return 0;
}

void
dp_capture_fini(struct dp *dp)
{
	for (unsigned int s = 0; s < DP_CAPTURE_MAX; s++) {
		cap_free(dp, dp->cap[s]);
		dp->cap[s] = NULL;
	}
	rte_mempool_free(dp->cap_pool);
	dp->cap_pool = NULL;
}

int
dp_capture_next(struct dp *dp, unsigned int id, struct dp_capture_frame *f, uint8_t *buf,
		uint32_t cap_len)
{
	struct dp_cap *cap = id < DP_CAPTURE_MAX ? dp->cap[id] : NULL;
	struct rte_mbuf *best = NULL;
	unsigned int w, best_w = 0;
	const void *data;

	if (cap == NULL)
		return 0;
	/* The oldest frame at the head of a worker's ring: the workers'
	 * frames merged in time order. */
	for (w = 0; w < dp->n_workers; w++) {
		void *m;

		if (rte_ring_dequeue_bulk_start(cap->ring[w], &m, 1, NULL) == 0)
			continue;
		if (best == NULL || *cap_tsc(m) < *cap_tsc(best)) {
			if (best != NULL)
				rte_ring_dequeue_finish(cap->ring[best_w], 0);
			best = m;
			best_w = w;
		} else {
			rte_ring_dequeue_finish(cap->ring[w], 0);
		}
	}
	if (best == NULL)
		return 0;
	rte_ring_dequeue_finish(cap->ring[best_w], 1);
	f->tsc = *cap_tsc(best);
	f->port = best->port;
	f->dir = (uint8_t)best->packet_type;
	f->orig_len = best->hash.usr;
	f->len = RTE_MIN(best->pkt_len, cap_len);
	data = rte_pktmbuf_read(best, 0, f->len, buf);
	if (data != buf)
		memcpy(buf, data, f->len);
	rte_pktmbuf_free(best);
	return 1;
}

void
dp_capture_stats(const struct dp *dp, unsigned int id, uint64_t *kept, uint64_t *dropped)
{
	const struct dp_cap *cap = id < DP_CAPTURE_MAX ? dp->cap[id] : NULL;

	*kept = *dropped = 0;
	if (cap == NULL)
		return;
	for (unsigned int w = 0; w < dp->n_workers; w++) {
		*kept += __atomic_load_n(&cap->cw[w].kept, __ATOMIC_RELAXED);
		*dropped += __atomic_load_n(&cap->cw[w].dropped, __ATOMIC_RELAXED);
	}
}

uint64_t
dp_tsc_hz(const struct dp *dp)
{
	return dp->tsc_hz;
}

uint64_t
dp_tsc_now(void)
{
	return rte_rdtsc();
}
