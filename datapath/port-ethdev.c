/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port-ethdev.c - the "ethdev" kind: a port on a DPDK ethdev its caller
 * created (ring ports in tests, pcap, PCI NICs). The caller owns the
 * ethdev; the port configures, starts and stops it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>

#include "port.h"

#define DP_TX_DESC 1024
/* Rings the caller made are its own business; 1024 suits ring ports. */
#define DP_RX_DESC 1024

static int
ethdev_start(struct dp_port *port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port->ethdev, port->n_rxq, port->n_txq, &conf);
	if (ret < 0)
		return -ret;
	for (q = 0; q < port->n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port->ethdev, q, DP_RX_DESC,
					     (unsigned int)rte_eth_dev_socket_id(port->ethdev),
					     NULL, mp);
		if (ret < 0)
			return -ret;
	}
	for (q = 0; q < port->n_txq; q++) {
		ret = rte_eth_tx_queue_setup(port->ethdev, q, DP_TX_DESC,
					     (unsigned int)rte_eth_dev_socket_id(port->ethdev),
					     NULL);
		if (ret < 0)
			return -ret;
	}
	ret = rte_eth_dev_start(port->ethdev);
	if (ret < 0)
		return -ret;
	/* A switch port receives frames for every MAC. Not every PMD can. */
	rte_eth_promiscuous_enable(port->ethdev);
	return 0;
}

static void
ethdev_close(struct dp_port *port)
{
	rte_eth_dev_stop(port->ethdev);
}

static uint16_t
ethdev_rx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port->ethdev, queue, pkts, n);
}

static uint16_t
ethdev_tx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
	  struct dp_port_stats *st)
{
	(void)st; /* the PMD drops what it cannot send and counts it itself */
	return rte_eth_tx_burst(port->ethdev, queue, pkts, n);
}

static int
ethdev_open(struct dp_port *port, const struct dp_port_params *params, struct rte_mempool *mp)
{
	if (!rte_eth_dev_is_valid_port(params->ethdev))
		return ENODEV;
	port->ethdev = params->ethdev;
	port->n_rxq = 1; /* the caller decided its queues */
	return ethdev_start(port, mp);
}

const struct dp_port_class dp_port_class_ethdev = {
	.kind = "ethdev",
	.open = ethdev_open,
	.close = ethdev_close,
	.rx_burst = ethdev_rx,
	.tx_burst = ethdev_tx,
};
