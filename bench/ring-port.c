/* SPDX-License-Identifier: BSD-3-Clause */
/* Datapath ports on DPDK rings for the in-process benchmarks; see ring-port.h. */
#include "ring-port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eth_ring.h>

#define RING_SIZE 1024

static struct rte_ring *
ring_make(const char *what, unsigned int seq, unsigned int q)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	snprintf(name, sizeof(name), "bp%s%u.%u", what, seq, q);
	r = rte_ring_create(name, RING_SIZE, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r == NULL) {
		fprintf(stderr, "bench: cannot make ring %s\n", name);
		exit(1);
	}
	return r;
}

static void
add(struct dp *dp, struct ring_port *p, struct dp_port_params pp, unsigned int n_workers)
{
	static unsigned int seq;
	char name[32];
	unsigned int w;
	int ethdev, err;

	p->rx = ring_make("rx", seq, 0);
	for (w = 0; w < n_workers; w++)
		p->tx[w] = ring_make("tx", seq, w);
	snprintf(name, sizeof(name), "net_ring_bp%u", seq++);
	ethdev = rte_eth_from_rings(name, &p->rx, 1, p->tx, n_workers, 0);
	if (ethdev < 0) {
		fprintf(stderr, "bench: cannot make ring ethdev %s\n", name);
		exit(1);
	}
	pp.ethdev = (uint16_t)ethdev;
	pp.name = name;
	err = dp_port_add(dp, &pp, &p->id);
	if (err != 0) {
		fprintf(stderr, "bench: cannot add ring port %s to the datapath: %s\n", name,
			strerror(err));
		exit(1);
	}
}

void
ring_port_add(struct dp *dp, struct ring_port *p, uint16_t bridge, bool trunk,
	      unsigned int n_workers)
{
	struct dp_port_params pp = {
		.kind = DP_PORT_ETHDEV, .bridge = bridge, .mtu = 1500, .trunk = trunk};

	add(dp, p, pp, n_workers);
}

void
ring_port_add_access(struct dp *dp, struct ring_port *p, uint16_t bridge, unsigned int n_workers)
{
	struct dp_port_params pp = {
		.kind = DP_PORT_ETHDEV, .bridge = bridge, .mtu = 1500, .access = true};

	add(dp, p, pp, n_workers);
}

void
ring_port_add_member(struct dp *dp, struct ring_port *p, uint16_t bond, unsigned int n_workers)
{
	struct dp_port_params pp = {
		.kind = DP_PORT_ETHDEV, .mtu = 1500, .bond_member = true, .bond = bond};

	add(dp, p, pp, n_workers);
}
