/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp-vlan.c - in-process benchmark of the real datapath: frames tagged 10
 * enter a trunk (a DPDK ring port), are classified to VLAN 10, forwarded
 * by VLAN 10's bridge to a learned MAC on an access ring port, with 1 VLAN
 * on the trunk and then with 4094 (each VLAN with its own bridge). The
 * loop includes building frames, the ring ports and freeing, on one core;
 * what it compares is the cost with 1 and with 4094 VLANs present.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "../datapath/datapath.h"
#include "ring-port.h"

#define BURST 32
#define FRAMES (4u << 20)
#define RUNS 5

static struct dp *dp;

static void
put_frame(struct rte_mbuf *m, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	  int vid)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 64);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;

	if (p == NULL)
		exit(1);
	memset(p, 0, 64);
	eth->dst_addr = *dst;
	eth->src_addr = *src;
	if (vid < 0) {
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	} else {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16((uint16_t)vid);
		vh->eth_proto = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	}
}

/* Frames per second through trunk -> VLAN 10 -> access port. */
static double
run(struct ring_port *trunk, struct ring_port *access)
{
	static const struct rte_ether_addr a = {{0x02, 0, 0, 0, 0, 0xa}},
					   b = {{0x02, 0, 0, 0, 0, 0xb}};
	struct rte_mbuf *m[BURST];
	void *out[BURST];
	uint64_t start, n = 0;
	unsigned int i, got;

	/* Teach the bridge where B is. */
	m[0] = rte_pktmbuf_alloc(dp_mempool(dp));
	put_frame(m[0], &a, &b, -1);
	rte_ring_enqueue(access->rx, m[0]);
	dp_worker_poll(dp, 0);
	while ((got = rte_ring_dequeue_burst(trunk->tx[0], out, BURST, NULL)) != 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)out, got);

	start = rte_rdtsc();
	while (n < FRAMES) {
		if (rte_pktmbuf_alloc_bulk(dp_mempool(dp), m, BURST) != 0)
			exit(1);
		for (i = 0; i < BURST; i++)
			put_frame(m[i], &b, &a, 10);
		rte_ring_enqueue_burst(trunk->rx, (void **)m, BURST, NULL);
		dp_worker_poll(dp, 0);
		got = rte_ring_dequeue_burst(access->tx[0], out, BURST, NULL);
		rte_pktmbuf_free_bulk((struct rte_mbuf **)out, got);
		n += got;
	}
	return (double)n * (double)rte_get_tsc_hz() / (double)(rte_rdtsc() - start);
}

static int
cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = {argv[0],		 "--no-huge", "-m", "512",	   "--no-pci",
		       "--no-telemetry", "--lcores",  "0",  "--log-level", "*:error",
		       "--file-prefix",	 prefix,      NULL};
	struct dp_params p = {.n_workers = 1, .launch = false, .fdb_size = 65536, .name = "b"};
	struct ring_port trunk, access;
	double one[RUNS], many[RUNS];
	uint16_t native, br10, bridge, port, vid;
	int r;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "sdbench-vlan-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0 ||
	    dp_create(&p, &dp) != 0 || dp_bridge_add(dp, "native", 1500, &native) != 0 ||
	    dp_bridge_add(dp, "vlan10", 1500, &br10) != 0)
		return 1;
	ring_port_add(dp, &trunk, native, true, 1);
	ring_port_add(dp, &access, br10, false, 1);
	{
		struct dp_port_params vp = {.kind = DP_PORT_VLAN,
					    .name = "eth0.10",
					    .bridge = br10,
					    .mtu = 1500,
					    .parent = trunk.id,
					    .vid = 10};

		if (dp_port_add(dp, &vp, &port) != 0)
			return 1;
	}
	/* One VLAN first, then all 4094: VLAN ports are added once, not removed. */
	for (r = 0; r < RUNS; r++)
		one[r] = run(&trunk, &access);
	for (vid = 1; vid <= 4094; vid++) {
		struct dp_port_params vp = {.kind = DP_PORT_VLAN,
					    .name = "vlan",
					    .mtu = 1500,
					    .parent = trunk.id,
					    .vid = vid};

		if (vid == 10)
			continue;
		if (dp_bridge_add(dp, "vlan", 1500, &bridge) != 0)
			return 1;
		vp.bridge = bridge;
		if (dp_port_add(dp, &vp, &port) != 0)
			return 1;
	}
	for (r = 0; r < RUNS; r++)
		many[r] = run(&trunk, &access);
	qsort(one, RUNS, sizeof(double), cmp);
	qsort(many, RUNS, sizeof(double), cmp);
	printf("Datapath in process (ring ports, one core): 64-byte frames tagged 10, trunk -> "
	       "VLAN 10 "
	       "-> learned MAC, %u frames a run, median of %d runs\n\n",
	       FRAMES, RUNS);
	printf("| VLANs on the trunk | Mpps (median) | min | max | ns per frame |\n");
	printf("|---|---|---|---|---|\n");
	printf("| 1 | %.2f | %.2f | %.2f | %.1f |\n", one[RUNS / 2] / 1e6, one[0] / 1e6,
	       one[RUNS - 1] / 1e6, 1e9 / one[RUNS / 2]);
	printf("| 4094 | %.2f | %.2f | %.2f | %.1f |\n", many[RUNS / 2] / 1e6, many[0] / 1e6,
	       many[RUNS - 1] / 1e6, 1e9 / many[RUNS / 2]);
	dp_destroy(dp);
	dp_eal_cleanup();
	return 0;
}
