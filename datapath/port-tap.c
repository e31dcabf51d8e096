/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port-tap.c - a bridge's host-local interface: a kernel tap created by
 * DPDK's tap PMD and named after the bridge (xenbr0), so that the host can
 * have an address on the network. The interface disappears with the port.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>

#include "port.h"

/* The tap PMD keeps every rx descriptor filled with an mbuf: keep the rings
 * small, a host interface carries little traffic. */
#define TAP_RX_DESC 128

static unsigned int tap_seq;

static int
tap_open(struct dp_port *port, const struct dp_port_params *params, struct rte_mempool *mp)
{
	char name[48], args[96], mac[RTE_ETHER_ADDR_FMT_SIZE];
	int err;

	if (strlen(params->name) >= IFNAMSIZ)
		return EINVAL;
	snprintf(name, sizeof(name), "net_tap_sd%u", tap_seq++);
	if (rte_is_zero_ether_addr(&params->mac)) {
		snprintf(args, sizeof(args), "iface=%s", params->name);
	} else {
		rte_ether_format_addr(mac, sizeof(mac), &params->mac);
		snprintf(args, sizeof(args), "iface=%s,mac=%s", params->name, mac);
	}
	err = dp_ethdev_probe_vdev(port, name, args);
	if (err)
		return err;
	port->n_rxq = port->n_txq; /* one queue per worker, as many as the tap has */
	err = dp_ethdev_start(port, mp, TAP_RX_DESC);
	if (err)
		dp_ethdev_close(port);
	return err;
}

const struct dp_port_class dp_port_class_tap = {
	.kind = "tap",
	.open = tap_open,
	.close = dp_ethdev_close,
	.rx_burst = dp_ethdev_rx,
	.tx_burst = dp_ethdev_tx,
};
