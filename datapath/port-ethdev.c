/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port-ethdev.c - the "ethdev" kind: a port on a DPDK ethdev its caller
 * probed (ring ports in tests, a PIF's PCI NIC or DPDK virtual device). The
 * caller owns the ethdev; the port configures, starts and stops it.
 *
 * Queues: one rx queue per worker if the device has that many (spread by
 * RSS), else one, polled by one worker. One tx queue per worker if the
 * device has that many, else workers share tx queues under a lock; the
 * usual NIC has plenty and takes no lock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#include "dp-private.h"
#include "port.h"

/* Less free DPDK memory than this in one piece: a device that cannot be
 * set up is short of memory (setup_err()). */
#define DP_ETH_SETUP_MIN_FREE (2u << 20)

/* Ring sizes: what NIC PMDs take by default, clamped to what the device
 * accepts. */
#define DP_TX_DESC 1024
#define DP_RX_DESC 1024

struct dp_eth {
	uint16_t n_hw_txq; /* tx queues the device has: <= port->n_txq */
	bool shared_tx;	   /* fewer than workers: take txlock[queue] */
	rte_spinlock_t txlock[DP_MAX_WORKERS];
};

/* Buffers for a port's rx queues: what the descriptors hold while the port
 * is open, and room for what is received and not yet given back: a burst
 * being switched by each worker, each worker's mempool cache (frames are
 * freed on the worker that sends them), and frames waiting in NIC tx
 * queues, which drivers free lazily (a tx ring's worth: the traffic of a
 * NIC bridged to another). Short of them, receives count no_mbuf. */
static unsigned int
rx_pool_size(const struct dp_port *port, uint16_t nb_rxd, uint16_t nb_txd)
{
	return (unsigned int)port->n_rxq * nb_rxd + nb_txd +
	       port->n_txq * (2u * DP_BURST + DP_MBUF_CACHE * 3u / 2) + 512;
}

/* The offloads a device finishes (offload.h), from its transmit
 * capabilities, and the transmit offloads to configure for them: TCP and
 * UDP checksums. Not TSO yet: no device here segments a super-frame as it
 * arrives (two buffers, the second 64 KB) that could show it works; DPDK's
 * tap driver, the one at hand, sends one segment of each and drops the
 * rest. Super-frames are segmented in software for every ethdev. */
static uint32_t
ethdev_ol_caps(const struct rte_eth_dev_info *info, uint64_t *tx_offloads)
{
	const uint64_t csum = RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;

	*tx_offloads = 0;
	if ((info->tx_offload_capa & csum) != csum)
		return 0;
	*tx_offloads = csum;
	return DP_OLCAP_CSUM;
}

static void
ethdev_conf(struct dp_port *port, const struct rte_eth_dev_info *info, uint16_t mtu,
	    struct rte_eth_conf *conf)
{
	uint32_t caps;

	memset(conf, 0, sizeof(*conf));
	caps = ethdev_ol_caps(info, &conf->txmode.offloads);
	dp_port_set_offloads(port, caps, caps); /* a tag is part of l2_len for a driver */
	/* The bridge's MTU, as far as the device goes. */
	conf->rxmode.mtu = mtu < info->max_mtu ? mtu : info->max_mtu;
	if (conf->rxmode.mtu < info->min_mtu)
		conf->rxmode.mtu = info->min_mtu;
	if (port->n_rxq > 1) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info->flow_type_rss_offloads;
		if (conf->rx_adv_conf.rss_conf.rss_hf == 0) {
			/* Queues, but nothing to spread frames by. */
			port->n_rxq = 1;
			conf->rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		}
	}
}

/* The error of a device's set-up step that failed with @err (a positive
 * errno, or 1 for a driver's -1): a driver that cannot allocate says so in
 * its own way (DPDK's tap driver returns -1 when its segmentation pool
 * cannot be made); with the memory DPDK has nearly gone, it is memory
 * that is missing, and the caller is told so (ENOBUFS). */
static int
setup_err(int err)
{
	struct rte_malloc_socket_stats ms;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &ms) == 0 &&
	    ms.greatest_free_size < DP_ETH_SETUP_MIN_FREE)
		return ENOBUFS;
	return err;
}

static int
ethdev_start(struct dp_port *port, uint16_t mtu)
{
	struct rte_mempool *mp;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t q, nb_rxd = DP_RX_DESC, nb_txd = DP_TX_DESC;
	int ret;

	ret = rte_eth_dev_info_get(port->ethdev, &info);
	if (ret < 0)
		return -ret;
	/* Worker w polls queue w of a port with a queue per worker, and a
	 * port with fewer is polled by one worker (dp_port_rx_worker()). */
	port->n_rxq = info.max_rx_queues >= port->n_txq ? port->n_txq : 1;
	port->eth->n_hw_txq = (uint16_t)RTE_MIN(port->n_txq, info.max_tx_queues);
	if (port->eth->n_hw_txq == 0)
		return ENOTSUP; /* cannot send at all */
	port->eth->shared_tx = port->eth->n_hw_txq < port->n_txq;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port->ethdev, &nb_rxd, &nb_txd);
	if (ret < 0)
		return -ret;
	/* The device's own pool (dp_eth_pool()), not the shared one; before
	 * the device is configured, which may take memory of its own (DPDK's
	 * tap driver does): short of memory, the buffers are what is missing. */
	mp = dp_eth_pool(port->dp, port->ethdev, rx_pool_size(port, nb_rxd, nb_txd));
	if (mp == NULL)
		return ENOBUFS;
	ethdev_conf(port, &info, mtu, &conf);
	ret = rte_eth_dev_configure(port->ethdev, port->n_rxq, port->eth->n_hw_txq, &conf);
	if (ret < 0)
		return setup_err(-ret);
	for (q = 0; q < port->n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port->ethdev, q, nb_rxd,
					     (unsigned int)rte_eth_dev_socket_id(port->ethdev),
					     NULL, mp);
		if (ret < 0)
			return setup_err(-ret);
	}
	for (q = 0; q < port->eth->n_hw_txq; q++) {
		ret = rte_eth_tx_queue_setup(port->ethdev, q, nb_txd,
					     (unsigned int)rte_eth_dev_socket_id(port->ethdev),
					     NULL);
		if (ret < 0)
			return setup_err(-ret);
	}
	ret = rte_eth_dev_start(port->ethdev);
	if (ret < 0)
		return setup_err(-ret);
	/* A switch port receives frames for every MAC. Not every PMD can. */
	rte_eth_promiscuous_enable(port->ethdev);
	return 0;
}

/* Stop the device (its owner closes it). Its rx queues keep their buffers
 * until it is set up again or closed: its pool stays with it. */
static void
ethdev_close(struct dp_port *port)
{
	rte_eth_dev_stop(port->ethdev);
	rte_free(port->eth);
	port->eth = NULL;
}

static uint64_t
ethdev_no_mbuf(const struct dp_port *port)
{
	struct rte_eth_stats st;

	return rte_eth_stats_get(port->ethdev, &st) == 0 ? st.rx_nombuf : 0;
}

static uint16_t
ethdev_rx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port->ethdev, queue, pkts, n);
}

static uint16_t
ethdev_tx_burst(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_eth *eth = port->eth;
	uint16_t done;

	if (!eth->shared_tx)
		return rte_eth_tx_burst(port->ethdev, queue, pkts, n);
	queue = (uint16_t)(queue % eth->n_hw_txq);
	rte_spinlock_lock(&eth->txlock[queue]);
	done = rte_eth_tx_burst(port->ethdev, queue, pkts, n);
	rte_spinlock_unlock(&eth->txlock[queue]);
	return done;
}

/* A device that takes offloads: frames that ask for them made ready first.
 * A frame shared with other outputs is copied, since the driver writes into
 * its headers (the checksum fields, as its hardware wants them); a frame
 * the driver refuses is dropped alone (TX_UNSENDABLE, its slot NULL). */
static uint16_t
ethdev_tx_offloads(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
		   struct dp_port_stats *st)
{
	struct rte_mbuf *ready[DP_BURST];
	uint16_t pos[DP_BURST], k = 0, done = 0, sent, i, hwq = queue;

	n = RTE_MIN(n, (uint16_t)DP_BURST);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (m->ol_flags & DP_OL_ALL) {
			m = dp_ol_private(m, port->dp->mp);
			pkts[i] = m;
			if (m == NULL) {
				st->no_mbuf++;
				st->drops[DP_DROP_TX_UNSENDABLE]++;
				continue;
			}
		}
		pos[k] = i;
		ready[k++] = m;
	}
	/* The device's queue, as ethdev_tx_burst() picks it (shared queues
	 * are prepared under their lock there too: a driver's preparation
	 * may read its queue). */
	if (port->eth->shared_tx) {
		hwq = (uint16_t)(queue % port->eth->n_hw_txq);
		rte_spinlock_lock(&port->eth->txlock[hwq]);
	}
	while (done < k) {
		uint16_t ok = rte_eth_tx_prepare(port->ethdev, hwq, ready + done, k - done);

		done = (uint16_t)(done + ok);
		if (done < k) {
			/* ready[done] cannot go as it asks; the rest may. */
			rte_pktmbuf_free(ready[done]);
			pkts[pos[done]] = NULL;
			st->drops[DP_DROP_TX_UNSENDABLE]++;
			memmove(&ready[done], &ready[done + 1],
				(size_t)(k - done - 1) * sizeof(*ready));
			memmove(&pos[done], &pos[done + 1], (size_t)(k - done - 1) * sizeof(*pos));
			k--;
		}
	}
	if (port->eth->shared_tx) {
		sent = rte_eth_tx_burst(port->ethdev, hwq, ready, k);
		rte_spinlock_unlock(&port->eth->txlock[hwq]);
	} else {
		sent = rte_eth_tx_burst(port->ethdev, hwq, ready, k);
	}
	/* The caller frees what was not sent, from the first unsent slot. */
	return sent == k ? n : pos[sent];
}

static uint16_t
ethdev_tx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
	  struct dp_port_stats *st)
{
	/* Only a device that takes offloads gets frames that ask for them. */
	if (port->ol_caps != 0) {
		uint16_t i;

		for (i = 0; i < n; i++)
			if (unlikely(pkts[i]->ol_flags & DP_OL_ALL))
				return ethdev_tx_offloads(port, queue, pkts, n, st);
	}
	/* The PMD drops what it cannot send and counts it itself. */
	return ethdev_tx_burst(port, queue, pkts, n);
}

/* A PMD's link: a NIC's carrier, a vhost PMD's guest connected. Called by
 * a worker only when frames could not be sent, to name the drop; a device
 * that cannot tell counts them as tx_full. */
static bool
ethdev_link_up(const struct dp_port *port)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(port->ethdev, &link) != 0 ||
	       link.link_status == RTE_ETH_LINK_UP;
}

static int
ethdev_open(struct dp_port *port, const struct dp_port_params *params, struct rte_mempool *mp)
{
	unsigned int q;
	int err;

	if (!rte_eth_dev_is_valid_port(params->ethdev))
		return ENODEV;
	port->eth = rte_zmalloc("dp_eth", sizeof(*port->eth), RTE_CACHE_LINE_SIZE);
	if (port->eth == NULL)
		return ENOMEM;
	for (q = 0; q < DP_MAX_WORKERS; q++)
		rte_spinlock_init(&port->eth->txlock[q]);
	port->ethdev = params->ethdev;
	(void)mp; /* its rx queues get a pool of their own */
	err = ethdev_start(port, params->mtu);
	if (err)
		ethdev_close(port);
	return err;
}

const struct dp_port_class dp_port_class_ethdev = {
	.kind = "ethdev",
	.open = ethdev_open,
	.close = ethdev_close,
	.rx_burst = ethdev_rx,
	.tx_burst = ethdev_tx,
	.link_up = ethdev_link_up,
	.no_mbuf = ethdev_no_mbuf,
};
