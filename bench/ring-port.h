/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ring-port.h - datapath ports on DPDK rings for the in-process benchmarks
 * (bench-dp-fwd, bench-dp-vlan): the benchmark enqueues frames on a port's
 * rx ring and dequeues what the datapath sent from its tx rings, one per
 * worker.
 */
#ifndef SWITCHD_BENCH_RING_PORT_H
#define SWITCHD_BENCH_RING_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ring.h>

#include "../datapath/datapath.h"

struct ring_port {
	struct rte_ring *rx;		     /* frames the port receives */
	struct rte_ring *tx[DP_MAX_WORKERS]; /* frames it sent: worker w's in tx[w] */
	uint16_t id;			     /* datapath port id */
};

/* Make a ring ethdev with @n_workers tx rings and add it to @dp's @bridge
 * (a trunk if @trunk). Exits the program with a message on failure. */
void ring_port_add(struct dp *dp, struct ring_port *p, uint16_t bridge, bool trunk,
		   unsigned int n_workers);

/* The same, as a VM's port (an access port, which may be locked). */
void ring_port_add_access(struct dp *dp, struct ring_port *p, uint16_t bridge,
			  unsigned int n_workers);

/* The same, as a member of bond port @bond (datapath.h, "Bonds"). */
void ring_port_add_member(struct dp *dp, struct ring_port *p, uint16_t bond,
			  unsigned int n_workers);

#endif
