/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port-vlan.c - a VLAN of a trunk port (the pseudo-PIF eth0.10 in the
 * datapath). It has no queues: received frames reach it through the
 * trunk's classification in worker.c; what it sends leaves the trunk with
 * its tag pushed. A frame shared with other outputs (a flood) is copied
 * before the tag goes in, so the other outputs see it untouched.
 */
#include <errno.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp-private.h"
#include "port.h"

static int
vlan_open(struct dp_port *port, const struct dp_port_params *params, struct rte_mempool *mp)
{
	(void)params;
	(void)mp;
	port->n_rxq = 0; /* fed by the trunk */
	/* What it sends, the trunk sends tagged. */
	dp_port_set_offloads(port, port->parent->ol_caps_vlan, port->parent->ol_caps_vlan);
	return 0;
}

static void
vlan_close(struct dp_port *port)
{
	(void)port;
}

uint16_t
dp_port_rx_none(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	(void)port;
	(void)queue;
	(void)pkts;
	(void)n;
	return 0;
}

static uint16_t
vlan_tx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
	struct dp_port_stats *st)
{
	struct dp_port *trunk = port->parent;
	struct rte_mbuf *tagged[DP_BURST];
	uint16_t pos[DP_BURST], n_tagged = 0, done, i, j;

	n = RTE_MIN(n, (uint16_t)DP_BURST);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) > 1) {
			struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

			if (c == NULL)
				break; /* out of mbufs for now */
			rte_pktmbuf_free(m);
			m = c;
			pkts[i] = m;
		}
		m->vlan_tci = port->vid; /* priority 0, CFI 0 */
		if (rte_vlan_insert(&pkts[i]) != 0) {
			/* No headroom for the tag: this frame never goes. */
			rte_pktmbuf_free(m);
			pkts[i] = NULL;
			st->drops[DP_DROP_TX_UNSENDABLE]++;
			continue;
		}
		dp_ol_tagged(m);
	}
	/* The trunk takes no empty slots: hand it the tagged frames in a row,
	 * then put back what it made of them. Its drops are counted on this
	 * port, where the bridge sent the frames. */
	for (j = 0; j < i; j++) {
		if (pkts[j] != NULL) {
			pos[n_tagged] = j;
			tagged[n_tagged++] = pkts[j];
		}
	}
	/* The trunk's captures see them tagged, as they leave. */
	if (unlikely(trunk->cap_tx != 0))
		dp_cap_tap(trunk->dp, queue, trunk->id, trunk->cap_tx, DP_CAPTURE_OUT, tagged,
			   n_tagged);
	done = trunk->cls->tx_burst(trunk, queue, tagged, n_tagged, st);
	for (j = 0; j < n_tagged; j++)
		pkts[pos[j]] = tagged[j];
	/* The caller frees what was not sent, tagged or not. */
	return done == n_tagged ? i : pos[done];
}

const struct dp_port_class dp_port_class_vlan = {
	.kind = "vlan",
	.open = vlan_open,
	.close = vlan_close,
	.rx_burst = dp_port_rx_none,
	.tx_burst = vlan_tx,
};
