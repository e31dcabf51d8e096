/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-datapath.c - the real datapath (everything in datapath/) on DPDK ring ports:
 * crafted frames in, frames out compared, counters and FDB checked. The
 * worker is driven one poll iteration at a time, so every test is
 * deterministic. Needs no root and no hugepages.
 */
/* rte_ipv4/6_udptcp_cksum_verify() */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>
#include <poll.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>
#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "../../lib/fault.h"
#include "../../datapath/datapath.h"
#include "../../datapath/fdb.h"
#include "../../datapath/offload.h"

#define DP_TEST_OL_ALL DP_OL_ALL

#define MAX_TPORTS 8

struct tport {
	struct rte_ring *rx;		     /* frames the test injects: the port "receives" them */
	struct rte_ring *rx_unused;	     /* a second rx ring (rx_rings = 2), or NULL */
	struct rte_ring *tx[DP_MAX_WORKERS]; /* frames sent out of the port, one ring per worker */
	unsigned int n_tx;
	uint16_t ethdev;
	uint16_t id; /* datapath port id */
};

static struct dp *dp;
static struct tport tp[MAX_TPORTS];
static unsigned int n_tports, ring_seq, n_workers = 1;
static unsigned int tx_rings; /* rings a new test port sends into; 0: one per worker */
static bool next_access;      /* the next test port is a VM's (an access port) */
static int next_bond = -1;    /* the next test port is a member of this bond port */
static unsigned int rx_rings; /* rings it receives from: 2, or 0 for one */

static const struct rte_ether_addr mac_a = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct rte_ether_addr mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
static const struct rte_ether_addr mac_c = {{0x02, 0, 0, 0, 0, 0x0c}};
static const struct rte_ether_addr mac_bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr mac_mcast = {{0x01, 0x00, 0x5e, 0, 0, 1}};

static struct tport *tport_add_kind(uint16_t bridge, bool trunk);

static struct tport *
tport_add(uint16_t bridge)
{
	return tport_add_kind(bridge, false);
}

/* A trunk port, as a PIF's: received frames are sorted by VLAN tag. */
static struct tport *
trunk_add(uint16_t bridge)
{
	return tport_add_kind(bridge, true);
}

static struct tport *
tport_add_kind(uint16_t bridge, bool trunk)
{
	struct tport *t = &tp[n_tports++];
	struct dp_port_params pp = {.kind = DP_PORT_ETHDEV, .bridge = bridge, .mtu = 1500};
	struct rte_ring *rx[2] = {NULL, NULL};
	char name[32];
	unsigned int q;
	int ret;

	for (q = 0; q < (rx_rings == 2 ? 2u : 1u); q++) {
		snprintf(name, sizeof(name), "rx%u.%u", ring_seq, q);
		rx[q] = rte_ring_create(name, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		assert_non_null(rx[q]);
	}
	t->rx = rx[0];
	t->rx_unused = rx[1];
	t->n_tx = tx_rings != 0 ? tx_rings : n_workers;
	for (q = 0; q < t->n_tx; q++) {
		snprintf(name, sizeof(name), "tx%u.%u", ring_seq, q);
		t->tx[q] = rte_ring_create(name, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		assert_non_null(t->tx[q]);
	}
	snprintf(name, sizeof(name), "net_ring_t%u", ring_seq++);
	ret = rte_eth_from_rings(name, rx, rx[1] != NULL ? 2 : 1, t->tx, (unsigned int)t->n_tx, 0);
	assert_true(ret >= 0);
	t->ethdev = (uint16_t)ret;
	pp.ethdev = t->ethdev;
	pp.name = name;
	pp.trunk = trunk;
	pp.access = next_access;
	next_access = false;
	if (next_bond >= 0) {
		pp.bond_member = true;
		pp.bond = (uint16_t)next_bond;
		next_bond = -1;
	}
	assert_int_equal(dp_port_add(dp, &pp, &t->id), 0);
	return t;
}

/* Build an Ethernet frame of @len bytes (header included). */
static struct rte_mbuf *
frame(const struct rte_ether_addr *dst, const struct rte_ether_addr *src, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_mempool(dp));
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	assert_non_null(p);
	memset(p, 0x5a, len);
	if (len >= RTE_ETHER_HDR_LEN) {
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;

		eth->dst_addr = *dst;
		eth->src_addr = *src;
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	}
	return m;
}

static void
inject(struct tport *t, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
       uint16_t len)
{
	assert_int_equal(rte_ring_enqueue(t->rx, frame(dst, src, len)), 0);
}

static void
poll_dp(void)
{
	unsigned int w;

	/* One poll iteration of every worker. */
	for (w = 0; w < n_workers; w++)
		dp_worker_poll(dp, w);
}

/* Number of frames the port sent; each must carry src @src if non-NULL. */
static unsigned int
drain(struct tport *t, const struct rte_ether_addr *src)
{
	void *objs[256 * DP_MAX_WORKERS];
	unsigned int n = 0, i, q;

	for (q = 0; q < t->n_tx; q++)
		n += rte_ring_dequeue_burst(t->tx[q], objs + n, 256, NULL);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = objs[i];

		if (src != NULL)
			assert_true(rte_is_same_ether_addr(
				&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, src));
		rte_pktmbuf_free(m);
	}
	return n;
}

static void
drain_all(void)
{
	unsigned int i;

	for (i = 0; i < n_tports; i++)
		drain(&tp[i], NULL);
}

static uint64_t
drops(struct tport *t, enum dp_drop r)
{
	struct dp_port_stats st;

	assert_int_equal(dp_port_stats_get(dp, t->id, &st), 0);
	return st.drops[r];
}

static struct dp_port_stats
pstats(struct tport *t)
{
	struct dp_port_stats st;

	assert_int_equal(dp_port_stats_get(dp, t->id, &st), 0);
	return st;
}

struct fdb_find {
	struct rte_ether_addr mac;
	int port;
};

static int
fdb_find_cb(const struct dp_fdb_entry *e, void *arg)
{
	struct fdb_find *f = arg;

	if (memcmp(e->mac.b, f->mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0)
		f->port = e->port;
	return 0;
}

/* Datapath port a MAC is learned on in @bridge, or -1. */
static int
fdb_port(uint16_t bridge, const struct rte_ether_addr *mac)
{
	struct fdb_find f = {.mac = *mac, .port = -1};

	dp_fdb_dump(dp, bridge, fdb_find_cb, &f);
	return f.port;
}

struct fixture {
	uint16_t br0, br1;
};

static int
setup(void **state)
{
	static struct fixture fx;
	struct dp_params p = {.n_workers = n_workers,
			      .launch = false,
			      .fdb_size = 4096,
			      .age_sec = 2,
			      .name = "t"};

	assert_int_equal(dp_create(&p, &dp), 0);
	n_tports = 0;
	assert_int_equal(dp_bridge_add(dp, "br0", 1500, &fx.br0), 0);
	assert_int_equal(dp_bridge_add(dp, "br1", 1500, &fx.br1), 0);
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	unsigned int i;

	(void)state;
	dp_destroy(dp); /* stops the ring ethdevs; they stay allocated */
	for (i = 0; i < n_tports; i++) {
		rte_eth_dev_close(tp[i].ethdev);
		rte_ring_free(tp[i].rx);
		rte_ring_free(tp[i].rx_unused);
		for (unsigned int q = 0; q < tp[i].n_tx; q++)
			rte_ring_free(tp[i].tx[q]);
	}
	dp = NULL;
	return 0;
}

static void
test_unknown_unicast_floods_except_ingress(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);

	inject(p0, &mac_b, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(p0, NULL), 0);
	assert_int_equal(drain(p1, &mac_a), 1);
	assert_int_equal(drain(p2, &mac_a), 1);
}

/* dp_port_send(): a frame from the control plane leaves one port as it
 * is, past the bridge (nothing learned, nothing flooded), counted as sent;
 * refused for a port that does not exist or a frame too short or long. */
static void
test_port_send(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0);
	uint8_t f[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0a, 0x80, 0x35};

	assert_int_equal(dp_port_send(dp, p1->id, f, sizeof(f)), 0);
	poll_dp();
	assert_int_equal(drain(p1, &mac_a), 1);
	assert_int_equal(drain(p0, NULL), 0);
	assert_int_equal(fdb_port(fx->br0, &mac_a), -1);
	assert_int_equal(pstats(p1).tx_packets, 1);
	assert_int_equal(pstats(p1).tx_bytes, sizeof(f));
	assert_int_equal(dp_port_send(dp, DP_MAX_PORTS - 1, f, sizeof(f)), ENOENT);
	assert_int_equal(dp_port_send(dp, p1->id, f, 13), EINVAL);
	assert_int_equal(dp_port_send(dp, p1->id, f, 65535), EINVAL);
	poll_dp();
	assert_int_equal(drain(p1, NULL), 0);
	/* Queued for a port removed before the worker came: dropped, its
	 * buffer back in the pool, nothing sent elsewhere. */
	{
		unsigned int avail = rte_mempool_avail_count(dp_mempool(dp));

		assert_int_equal(dp_port_send(dp, p0->id, f, sizeof(f)), 0);
		assert_int_equal(dp_port_del(dp, p0->id), 0);
		poll_dp();
		assert_int_equal(drain(p0, NULL) + drain(p1, NULL), 0);
		assert_int_equal(rte_mempool_avail_count(dp_mempool(dp)), avail);
	}
}

static void
test_learning_then_unicast(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);

	inject(p0, &mac_b, &mac_a, 64); /* learn A on p0 */
	poll_dp();
	drain_all();
	inject(p1, &mac_a, &mac_b, 64); /* known: only to p0; learns B on p1 */
	poll_dp();
	assert_int_equal(drain(p0, &mac_b), 1);
	assert_int_equal(drain(p1, NULL), 0);
	assert_int_equal(drain(p2, NULL), 0);
	inject(p0, &mac_b, &mac_a, 64); /* now known too */
	poll_dp();
	assert_int_equal(drain(p1, &mac_a), 1);
	assert_int_equal(drain(p2, NULL), 0);
	assert_int_equal(fdb_port(fx->br0, &mac_a), p0->id);
	assert_int_equal(fdb_port(fx->br0, &mac_b), p1->id);
}

/* An ethdev with fewer tx queues than workers (a vhost PMD has one): the
 * workers share its queue under a lock and nothing is lost. Ports with one
 * rx queue are polled by worker (id % workers), so p0 and p1 are polled by
 * different workers. */
static void
test_shared_tx_queue(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *out;
	unsigned int i;

	tx_rings = 1;
	out = tport_add(fx->br0);
	tx_rings = 0;
	assert_int_equal(out->n_tx, 1);
	assert_true(p0->id % n_workers != p1->id % n_workers);
	inject(out, &mac_a, &mac_c, 64); /* C is learned on out */
	inject(out, &mac_b, &mac_c, 64);
	poll_dp();
	drain_all();
	for (i = 0; i < 40; i++) {
		inject(p0, &mac_c, &mac_a, 64);
		inject(p1, &mac_c, &mac_b, 64);
	}
	for (i = 0; i < 4; i++)
		poll_dp();
	assert_int_equal(drain(out, NULL), 80);
	assert_int_equal(drain(p0, NULL), 0);
	assert_int_equal(drops(out, DP_DROP_TX_FULL), 0);
}

/* A device with an rx queue per worker but no RSS (a ring, a vhost PMD
 * with queues=2) has nothing to spread frames by: it is configured with
 * one rx queue, polled by one worker, and what arrives there is switched.
 * Run with two workers. */
static void
test_rx_queues_without_rss(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *t;
	struct rte_eth_dev_info info;
	unsigned int i;

	rx_rings = 2;
	t = tport_add(fx->br0);
	rx_rings = 0;
	assert_int_equal(rte_eth_dev_info_get(t->ethdev, &info), 0);
	assert_int_equal(info.nb_rx_queues, 1);
	for (i = 0; i < 10; i++)
		inject(t, &mac_bcast, &mac_a, 64);
	for (i = 0; i < 3; i++)
		poll_dp();
	assert_int_equal(drain(p0, &mac_a), 10);
}

static void
test_broadcast_and_multicast_flood(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);

	inject(p1, &mac_a, &mac_c, 64); /* C is learned on p1 */
	poll_dp();
	drain_all();
	inject(p0, &mac_bcast, &mac_a, 64);
	inject(p0, &mac_mcast, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(p0, NULL), 0);
	assert_int_equal(drain(p1, &mac_a), 2);
	assert_int_equal(drain(p2, &mac_a), 2);
}

static void
test_no_hairpin(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0);

	inject(p0, &mac_c, &mac_b, 64); /* B on p0 */
	poll_dp();
	drain_all();
	inject(p0, &mac_b, &mac_a, 64); /* to B, from B's own port */
	poll_dp();
	assert_int_equal(drain(p0, NULL), 0);
	assert_int_equal(drain(p1, NULL), 0);
	assert_int_equal(drops(p0, DP_DROP_HAIRPIN), 1);
}

static void
test_drops_by_reason(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0);

	inject(p0, &mac_b, &mac_mcast, 64);			  /* multicast source */
	inject(p0, &mac_b, &mac_a, 10);				  /* runt */
	inject(p0, &mac_b, &mac_a, 1500 + RTE_ETHER_HDR_LEN + 1); /* over the MTU */
	inject(p0, &mac_b, &mac_a, 1500 + RTE_ETHER_HDR_LEN);	  /* exactly the MTU: passes */
	poll_dp();
	assert_int_equal(drain(p1, NULL), 1);
	assert_int_equal(drops(p0, DP_DROP_SRC_MULTICAST), 1);
	assert_int_equal(drops(p0, DP_DROP_RUNT), 1);
	assert_int_equal(drops(p0, DP_DROP_OVERSIZE), 1);
	/* A multicast source is never learned. */
	assert_int_equal(fdb_port(fx->br0, &mac_mcast), -1);
}

static void
test_bridges_are_separate(void **state)
{
	struct fixture *fx = *state;
	struct tport *a0 = tport_add(fx->br0), *a1 = tport_add(fx->br0);
	struct tport *b0 = tport_add(fx->br1), *b1 = tport_add(fx->br1);

	inject(a0, &mac_bcast, &mac_a, 64);
	inject(b1, &mac_bcast, &mac_a, 64); /* the same MAC on the other bridge */
	poll_dp();
	assert_int_equal(drain(a1, &mac_a), 1);
	assert_int_equal(drain(b0, &mac_a), 1);
	assert_int_equal(drain(a0, NULL), 0);
	assert_int_equal(drain(b1, NULL), 0);
	assert_int_equal(fdb_port(fx->br0, &mac_a), a0->id);
	assert_int_equal(fdb_port(fx->br1, &mac_a), b1->id);
	inject(a1, &mac_a, &mac_b, 64); /* unicast to A stays in br0 */
	poll_dp();
	assert_int_equal(drain(a0, &mac_b), 1);
	assert_int_equal(drain(b0, NULL) + drain(b1, NULL), 0);
}

static void
test_mac_move(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);
	struct dp_fdb_stats st;

	inject(p0, &mac_bcast, &mac_a, 64);
	poll_dp();
	inject(p1, &mac_bcast, &mac_a, 64); /* A moved to p1 */
	poll_dp();
	drain_all();
	inject(p2, &mac_a, &mac_b, 64);
	poll_dp();
	assert_int_equal(drain(p1, &mac_b), 1);
	assert_int_equal(drain(p0, NULL), 0);
	dp_fdb_stats_get(dp, &st);
	assert_int_equal(st.moved, 1);
	/* Counted on the port it moved to, with where it came from. */
	uint8_t mac[6];

	assert_int_equal(pstats(p1).fdb_moves, 1);
	assert_int_equal(pstats(p0).fdb_moves, 0);
	assert_int_equal(dp_move_from(pstats(p1).last_move), p0->id);
	dp_move_mac(pstats(p1).last_move, mac);
	assert_memory_equal(mac, mac_a.addr_bytes, 6);
	inject(p1, &mac_bcast, &mac_a, 64); /* no move: its port already */
	poll_dp();
	assert_int_equal(pstats(p1).fdb_moves, 1);
	inject(p0, &mac_bcast, &mac_a, 64); /* and back */
	poll_dp();
	drain_all();
	assert_int_equal(pstats(p0).fdb_moves, 1);
	assert_int_equal(dp_move_from(pstats(p0).last_move), p1->id);
}

static void
test_flush_port_and_bridge(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);

	inject(p0, &mac_bcast, &mac_a, 64);
	inject(p1, &mac_bcast, &mac_b, 64);
	poll_dp();
	drain_all();
	assert_int_equal(dp_fdb_flush(dp, fx->br0, p0->id), 0);
	assert_int_equal(fdb_port(fx->br0, &mac_a), -1);
	assert_int_equal(fdb_port(fx->br0, &mac_b), p1->id); /* other port kept */
	inject(p2, &mac_a, &mac_c, 64);			     /* A unknown again: flooded */
	poll_dp();
	assert_int_equal(drain(p0, &mac_c), 1);
	assert_int_equal(drain(p1, &mac_c), 1);
	assert_int_equal(dp_fdb_flush(dp, fx->br0, DP_PORT_NONE), 0);
	assert_int_equal(fdb_port(fx->br0, &mac_b), -1);
	assert_int_equal(fdb_port(fx->br0, &mac_c), -1);
	/* Flushing a port of another bridge is refused. */
	assert_int_equal(dp_fdb_flush(dp, fx->br1, p0->id), ENOENT);
}

static void
test_aging(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);

	inject(p0, &mac_bcast, &mac_a, 64);
	poll_dp();
	drain_all();
	assert_int_equal(fdb_port(fx->br0, &mac_a), p0->id);
	sleep(4); /* aging time is 2 s */
	poll_dp();
	assert_int_equal(fdb_port(fx->br0, &mac_a), -1);
	inject(p1, &mac_a, &mac_b, 64);
	poll_dp();
	assert_int_equal(drain(p0, &mac_b), 1);
	assert_int_equal(drain(p2, &mac_b), 1);
}

static void
test_port_del_keeps_others(void **state)
{
	struct fixture *fx = *state;
	const char *name;
	uint16_t mtu;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);

	inject(p0, &mac_bcast, &mac_a, 64);
	inject(p1, &mac_bcast, &mac_b, 64);
	poll_dp();
	drain_all();
	assert_int_equal(dp_port_del(dp, p2->id), 0);
	assert_null(dp_port_name(dp, p2->id));
	inject(p0, &mac_b, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(p1, &mac_a), 1);
	assert_int_equal(drain(p2, NULL), 0);
	/* Deleting a port forgets its MACs. */
	assert_int_equal(dp_port_del(dp, p1->id), 0);
	assert_int_equal(fdb_port(fx->br0, &mac_b), -1);
	/* A bridge with ports cannot be deleted; one without can, unless its
	 * snapshot cannot be built: then it stays. */
	assert_int_equal(dp_bridge_del(dp, fx->br0), EBUSY);
	fault_arm(FAULT_DP_PUBLISH, 1);
	assert_int_equal(dp_bridge_del(dp, fx->br1), ENOMEM);
	assert_int_equal(dp_bridge_info(dp, fx->br1, &name, &mtu), 0);
	assert_int_equal(dp_bridge_del(dp, fx->br1), 0);
}

/* A network's bridge and its host interface go in one change: refused
 * while another port is on it; a change that fails (no memory for the
 * snapshot) leaves both, still forwarding; then both go. */
static void
test_bridge_del_with_port(void **state)
{
	struct fixture *fx = *state;
	struct tport *host = tport_add(fx->br1), *other = tport_add(fx->br1);

	assert_int_equal(dp_bridge_del_with_port(dp, fx->br1, host->id), EBUSY);
	assert_int_equal(dp_bridge_del_with_port(dp, fx->br0, host->id), ENOENT);
	assert_int_equal(dp_port_del(dp, other->id), 0);
	fault_arm(FAULT_DP_PUBLISH, 1);
	assert_int_equal(dp_bridge_del_with_port(dp, fx->br1, host->id), ENOMEM);
	assert_false(fault_armed(FAULT_DP_PUBLISH));
	assert_non_null(dp_port_name(dp, host->id));
	inject(host, &mac_bcast, &mac_a, 64);
	poll_dp();
	assert_int_equal(fdb_port(fx->br1, &mac_a), host->id);
	assert_int_equal(dp_bridge_del_with_port(dp, fx->br1, host->id), 0);
	assert_null(dp_port_name(dp, host->id));
	assert_int_equal(dp_bridge_del(dp, fx->br1), ENOENT);
}

static void
count_difference(const char *what, void *arg)
{
	(void)what;
	(*(unsigned int *)arg)++;
}

/* In a batch, new ports reach the workers at dp_batch_end(), all at once;
 * dp_check() sees the difference meanwhile. A removal is at once. */
static void
test_batch_publishes_at_end(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0, *p1, *p2;
	unsigned int n = 0;

	p0 = tport_add(fx->br0);
	assert_int_equal(dp_check(dp, count_difference, &n), 0);
	dp_batch_begin(dp);
	p1 = tport_add(fx->br0);
	p2 = tport_add(fx->br0);
	assert_int_equal(dp_check(dp, count_difference, &n), 2);
	inject(p0, &mac_bcast, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(p1, NULL), 0); /* not flooded to yet */
	assert_int_equal(dp_port_del(dp, p0->id), 0);
	assert_int_equal(dp_batch_end(dp), 0);
	n = 0;
	assert_int_equal(dp_check(dp, count_difference, &n), 0);
	inject(p1, &mac_bcast, &mac_b, 64);
	poll_dp();
	assert_int_equal(drain(p2, &mac_b), 1);
}

/* More receive queues than a worker reads between two quiescent-state
 * reports (256): vhost-user ports without a guest fill the first 600 (300
 * a worker with two), and
 * frames between two ring ports read after them still cross, in the same
 * pass, across a change published meanwhile. */
static void
test_quiescent_in_long_passes(void **state)
{
	struct fixture *fx = *state;
	static char path[600][48];
	char dir[] = "/tmp/sdtest-vh-XXXXXX";
	uint16_t vh[600];
	struct tport *p0, *p1;
	unsigned int i;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 600; i++) {
		struct dp_port_params pp = {.kind = DP_PORT_VHOST_USER,
					    .bridge = fx->br1,
					    .mtu = 1500,
					    .vhost_server = true};
		char name[16];

		snprintf(path[i], sizeof(path[i]), "%s/%u.sock", dir, i);
		snprintf(name, sizeof(name), "vh%u", i);
		pp.name = name;
		pp.vhost_path = path[i];
		assert_int_equal(dp_port_add(dp, &pp, &vh[i]), 0);
	}
	p0 = tport_add(fx->br0);
	p1 = tport_add(fx->br0);
	inject(p0, &mac_b, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(p1, &mac_a), 1);
	/* A change between passes, then a pass: still forwarded. */
	assert_int_equal(dp_port_del(dp, vh[10]), 0);
	inject(p1, &mac_a, &mac_b, 64);
	poll_dp();
	assert_int_equal(drain(p0, &mac_b), 1);
	for (i = 0; i < 600; i++)
		if (i != 10)
			assert_int_equal(dp_port_del(dp, vh[i]), 0);
	for (i = 0; i < 600; i++)
		unlink(path[i]);
	rmdir(dir);
}

static void
test_lone_port_counts_no_destination(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br1);
	struct dp_port_stats st;

	inject(p0, &mac_bcast, &mac_a, 100);
	poll_dp();
	assert_int_equal(drops(p0, DP_DROP_NO_DESTINATION), 1);
	assert_int_equal(dp_port_stats_get(dp, p0->id, &st), 0);
	assert_int_equal(st.rx_packets, 1);
	assert_int_equal(st.rx_bytes, 100);
}

static void
test_counters(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0);
	struct dp_port_stats s0, s1;
	int i;

	for (i = 0; i < 40; i++) /* more than one burst */
		inject(p0, &mac_b, &mac_a, 128);
	poll_dp();
	poll_dp();
	assert_int_equal(drain(p1, &mac_a), 40);
	dp_port_stats_get(dp, p0->id, &s0);
	dp_port_stats_get(dp, p1->id, &s1);
	assert_int_equal(s0.rx_packets, 40);
	assert_int_equal(s0.rx_bytes, 40 * 128);
	assert_int_equal(s1.tx_packets, 40);
	assert_int_equal(s1.tx_bytes, 40 * 128);
}

static void
test_move_port_between_bridges(void **state)
{
	struct fixture *fx = *state;
	struct tport *a0 = tport_add(fx->br0), *a1 = tport_add(fx->br0), *b0 = tport_add(fx->br1);

	inject(a1, &mac_bcast, &mac_b, 64);
	poll_dp();
	drain_all();
	assert_int_equal(dp_port_set_bridge(dp, a1->id, fx->br1), 0);
	assert_int_equal(fdb_port(fx->br0, &mac_b), -1); /* its MACs are forgotten */
	inject(a0, &mac_bcast, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(a1, NULL), 0); /* no longer on br0 */
	inject(b0, &mac_bcast, &mac_c, 64);
	poll_dp();
	assert_int_equal(drain(a1, &mac_c), 1);
}

static void
test_learn_once_per_burst(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0);
	struct dp_fdb_stats st;
	int i;

	(void)tport_add(fx->br0);
	for (i = 0; i < 10; i++) /* one burst, one new MAC */
		inject(p0, &mac_b, &mac_a, 64);
	poll_dp();
	dp_fdb_stats_get(dp, &st);
	assert_int_equal(st.learned, 1);
	assert_int_equal(st.moved, 0);
	assert_int_equal(st.entries, 1);
}

static void
test_flood_chained_mbuf(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);
	struct rte_mbuf *head = frame(&mac_bcast, &mac_a, 64),
			*tail = frame(&mac_bcast, &mac_a, 64);
	struct rte_mbuf *out1 = NULL, *out2 = NULL;

	assert_int_equal(rte_pktmbuf_chain(head, tail), 0);
	assert_int_equal(rte_ring_enqueue(p0->rx, head), 0);
	poll_dp();
	assert_int_equal(rte_ring_dequeue(p1->tx[0], (void **)&out1), 0);
	assert_int_equal(rte_ring_dequeue(p2->tx[0], (void **)&out2), 0);
	assert_ptr_equal(out1, out2);
	/* Both outputs hold the whole chain, tail included. */
	assert_int_equal(rte_mbuf_refcnt_read(out1), 2);
	assert_int_equal(rte_mbuf_refcnt_read(out1->next), 2);
	assert_int_equal(out1->pkt_len, 128);
	rte_pktmbuf_free(out1);
	assert_int_equal(rte_mbuf_refcnt_read(out2->next), 1);
	rte_pktmbuf_free(out2);
}

/* VLANs ------------------------------------------------------------------ */

/* VLAN port @vid of trunk @t on @bridge. */
static uint16_t
vlan_add(struct tport *t, uint16_t vid, uint16_t bridge)
{
	struct dp_port_params pp = {.kind = DP_PORT_VLAN,
				    .name = "vlan",
				    .bridge = bridge,
				    .mtu = 1500,
				    .parent = t->id,
				    .vid = vid};
	uint16_t id;

	assert_int_equal(dp_port_add(dp, &pp, &id), 0);
	return id;
}

/* A frame with an outer tag (@tpid, @vid) after the MACs, @len bytes in all. */
static struct rte_mbuf *
frame_tagged(const struct rte_ether_addr *dst, const struct rte_ether_addr *src, uint16_t tpid,
	     uint16_t vid, uint16_t len)
{
	struct rte_mbuf *m = frame(dst, src, len);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

	eth->ether_type = rte_cpu_to_be_16(tpid);
	vh->vlan_tci = rte_cpu_to_be_16(vid);
	vh->eth_proto = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	return m;
}

static void
inject_tagged(struct tport *t, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	      uint16_t tpid, uint16_t vid, uint16_t len)
{
	assert_int_equal(rte_ring_enqueue(t->rx, frame_tagged(dst, src, tpid, vid, len)), 0);
}

/* Take one frame the port sent and check its outer tag: @vid, or -1 for an
 * untagged frame; returns its length. */
static uint32_t
take(struct tport *t, int vid)
{
	struct rte_mbuf *m = NULL;
	const struct rte_ether_hdr *eth;
	uint32_t len;
	unsigned int q;

	for (q = 0; q < t->n_tx && m == NULL; q++)
		if (rte_ring_dequeue(t->tx[q], (void **)&m) != 0)
			m = NULL;
	assert_non_null(m);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (vid < 0) {
		assert_int_not_equal(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_VLAN));
	} else {
		const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eth + 1);

		assert_int_equal(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_VLAN));
		/* priority 0, CFI 0, the VID */
		assert_int_equal(rte_be_to_cpu_16(vh->vlan_tci), vid);
	}
	len = m->pkt_len;
	rte_pktmbuf_free(m);
	return len;
}

static void
test_vlan_pop_push(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *n0 = tport_add(fx->br0);
	struct tport *a1;

	vlan_add(t, 10, fx->br1);
	a1 = tport_add(fx->br1);
	/* Tagged 10 on the trunk: into VLAN 10's bridge, tag removed. */
	inject_tagged(t, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 10, 100);
	poll_dp();
	assert_int_equal(take(a1, -1), 96);
	assert_int_equal(drain(n0, NULL), 0);
	/* From VLAN 10's bridge: out of the trunk with tag 10 pushed. */
	inject(a1, &mac_bcast, &mac_b, 100);
	poll_dp();
	assert_int_equal(take(t, 10), 104);
	assert_int_equal(drain(n0, NULL), 0);
	/* Native traffic stays untagged and out of the VLAN. */
	inject(n0, &mac_bcast, &mac_c, 100);
	poll_dp();
	assert_int_equal(take(t, -1), 100);
	assert_int_equal(drain(a1, NULL), 0);
}

/* Bonds */

static uint16_t
bond_add(uint16_t bridge, enum dp_bond_mode mode)
{
	struct dp_port_params pp = {.kind = DP_PORT_BOND,
				    .name = "bond0",
				    .bridge = bridge,
				    .mtu = 1500,
				    .trunk = true,
				    .bond_mode = mode};
	uint16_t id;

	assert_int_equal(dp_port_add(dp, &pp, &id), 0);
	return id;
}

static struct tport *
member_add(uint16_t bond)
{
	next_bond = bond;
	return tport_add(0);
}

static uint64_t
port_drops(uint16_t port, enum dp_drop r)
{
	struct dp_port_stats st;

	assert_int_equal(dp_port_stats_get(dp, port, &st), 0);
	return st.drops[r];
}

/* Active-backup: the active member alone sends and takes frames; after a
 * failover the other does; with none enabled the bond drops what it would
 * send (link_down) and takes nothing. */
static void
test_bond_active_backup(void **state)
{
	struct fixture *fx = *state;
	uint16_t bond = bond_add(fx->br0, DP_BOND_ACTIVE_BACKUP), members[DP_BOND_MAX_MEMBERS];
	struct tport *m0 = member_add(bond), *m1 = member_add(bond), *vm = tport_add(fx->br0);
	unsigned int enabled;
	int active;

	assert_int_equal(dp_bond_member_enable(dp, m0->id, true), 0);
	assert_int_equal(dp_bond_member_enable(dp, m1->id, true), 0);
	assert_int_equal(dp_bond_set_active(dp, bond, m0->id), 0);
	assert_int_equal(dp_bond_state(dp, bond, members, &enabled, &active), 0);
	assert_int_equal(members[0], m0->id);
	assert_int_equal(members[1], m1->id);
	assert_int_equal(enabled, 3);
	assert_int_equal(active, 0);
	inject(vm, &mac_bcast, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(m0, &mac_a), 1);
	assert_int_equal(drain(m1, NULL), 0);
	/* The backup takes nothing; the active member's frames enter as the
	 * bond's, and are learned on it. */
	inject(m1, &mac_a, &mac_b, 64);
	inject(m0, &mac_a, &mac_c, 64);
	poll_dp();
	assert_int_equal(drain(vm, &mac_c), 1);
	assert_int_equal(drops(m1, DP_DROP_BOND_STANDBY), 1);
	assert_int_equal(fdb_port(fx->br0, &mac_c), bond);
	assert_int_equal(fdb_port(fx->br0, &mac_b), -1);
	assert_int_equal(pstats(m0).rx_packets, 1);
	assert_int_equal(pstats(m0).tx_packets, 1);
	/* Failover: m0 disabled, m1 active. */
	assert_int_equal(dp_bond_member_enable(dp, m0->id, false), 0);
	assert_int_equal(dp_bond_set_active(dp, bond, m1->id), 0);
	inject(vm, &mac_c, &mac_a, 64);
	inject(m1, &mac_a, &mac_b, 64);
	inject(m0, &mac_a, &mac_b, 64);
	poll_dp();
	assert_int_equal(drain(m1, &mac_a), 1);
	assert_int_equal(drain(m0, NULL), 0);
	assert_int_equal(drain(vm, &mac_b), 1);
	assert_int_equal(drops(m0, DP_DROP_BOND_STANDBY), 1);
	/* None enabled: nothing leaves, and it is counted on the bond. */
	assert_int_equal(dp_bond_member_enable(dp, m1->id, false), 0);
	inject(vm, &mac_b, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(m0, NULL) + drain(m1, NULL), 0);
	assert_int_equal(port_drops(bond, DP_DROP_LINK_DOWN), 1);
	assert_false(dp_port_link_up(dp, bond));
	/* Members go before their bond; the bond's slot is free again. */
	assert_int_equal(dp_port_del(dp, bond), EBUSY);
	assert_int_equal(dp_port_del(dp, m0->id), 0);
	assert_int_equal(dp_bond_state(dp, bond, members, &enabled, &active), 0);
	assert_int_equal(members[0], DP_PORT_NONE);
	assert_int_equal(dp_port_del(dp, m1->id), 0);
	assert_int_equal(dp_port_del(dp, bond), 0);
}

/* An IPv4 UDP frame from @src of flow @sport (the frame's L4 source port). */
static struct rte_mbuf *
udp_frame(const struct rte_ether_addr *dst, const struct rte_ether_addr *src, uint16_t sport)
{
	struct rte_mbuf *m = frame(dst, src, 64);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	memset(p + 14, 0, 28);
	p[14] = 0x45; /* IPv4, 20 bytes */
	p[23] = 17;   /* UDP */
	p[26] = 198;
	p[27] = 18;
	p[30] = 198;
	p[31] = 19;
	p[34] = (uint8_t)(sport >> 8);
	p[35] = (uint8_t)sport;
	p[37] = 53;
	return m;
}

/* LACP: slow-protocol frames on a member go to the control plane whatever
 * the member's state, and nowhere else; before negotiation only the active
 * member takes frames, after it every enabled or collecting member;
 * balance-tcp spreads flows of one source MAC over the members. */
static void
test_bond_lacp(void **state)
{
	struct fixture *fx = *state;
	uint16_t bond = bond_add(fx->br0, DP_BOND_ACTIVE_BACKUP);
	struct tport *m0 = member_add(bond), *m1 = member_add(bond), *vm = tport_add(fx->br0);
	static const struct rte_ether_addr slow = {{0x01, 0x80, 0xc2, 0, 0, 0x02}};
	uint8_t buf[256];
	uint16_t port, len;
	unsigned int on0 = 0, on1 = 0;
	struct rte_mbuf *m;

	assert_int_equal(dp_bond_set_lacp(dp, bond, true, false), 0);
	assert_int_equal(dp_bond_member_enable(dp, m0->id, true), 0);
	assert_int_equal(dp_bond_set_active(dp, bond, m0->id), 0);
	assert_int_equal(dp_punt_recv(dp, &port, buf, sizeof(buf), &len), EAGAIN);
	/* A LACPDU on the member that is neither enabled nor active. */
	m = frame(&slow, &mac_b, 124);
	rte_pktmbuf_mtod_offset(m, struct rte_ether_hdr *, 0)->ether_type =
		rte_cpu_to_be_16(RTE_ETHER_TYPE_SLOW);
	assert_int_equal(rte_ring_enqueue(m1->rx, m), 0);
	inject(m1, &mac_a, &mac_b, 64); /* not active, not negotiated: dropped */
	inject(m0, &mac_a, &mac_c, 64);
	poll_dp();
	assert_int_equal(drain(vm, &mac_c), 1);
	assert_int_equal(drops(m1, DP_DROP_BOND_STANDBY), 1);
	{
		struct pollfd pfd = {.fd = dp_punt_fd(dp), .events = POLLIN};

		assert_int_equal(poll(&pfd, 1, 0), 1);
	}
	assert_int_equal(dp_punt_recv(dp, &port, buf, sizeof(buf), &len), 0);
	assert_int_equal(port, m1->id);
	assert_int_equal(len, 124);
	assert_int_equal(buf[12] << 8 | buf[13], 0x8809);
	assert_int_equal(dp_punt_recv(dp, &port, buf, sizeof(buf), &len), EAGAIN);
	assert_int_equal(fdb_port(fx->br0, &mac_b), -1); /* nothing learned from it */
	/* Negotiated: m1 collects before it is enabled (its updelay). */
	assert_int_equal(dp_bond_set_lacp(dp, bond, true, true), 0);
	inject(m1, &mac_a, &mac_b, 64);
	poll_dp();
	assert_int_equal(drops(m1, DP_DROP_BOND_STANDBY), 2);
	assert_int_equal(dp_bond_member_collect(dp, m1->id, true), 0);
	inject(m1, &mac_a, &mac_b, 64);
	poll_dp();
	assert_int_equal(drain(vm, &mac_b), 1);
	/* balance-tcp over both: flows of one MAC land on both members. */
	assert_int_equal(dp_bond_member_enable(dp, m1->id, true), 0);
	assert_int_equal(dp_bond_set_mode(dp, bond, DP_BOND_BALANCE_TCP), 0);
	for (unsigned int k = 0; k < DP_BOND_BUCKETS; k++)
		assert_int_equal(dp_bond_bucket_set(dp, bond, k, k % 2 ? m1->id : m0->id), 0);
	for (uint16_t sport = 1000; sport < 1032; sport++) {
		assert_int_equal(rte_ring_enqueue(vm->rx, udp_frame(&mac_c, &mac_a, sport)), 0);
		poll_dp();
		on0 += drain(m0, &mac_a);
		on1 += drain(m1, &mac_a);
	}
	assert_int_equal(on0 + on1, 32);
	assert_true(on0 >= 4 && on1 >= 4);
	/* One flow stays on one member. */
	on0 = on1 = 0;
	for (unsigned int k = 0; k < 8; k++) {
		assert_int_equal(rte_ring_enqueue(vm->rx, udp_frame(&mac_c, &mac_a, 4242)), 0);
		poll_dp();
		on0 += drain(m0, NULL);
		on1 += drain(m1, NULL);
	}
	assert_true((on0 == 8 && on1 == 0) || (on0 == 0 && on1 == 8));
	/* LACP off: slow-protocol frames are the bridge's to drop again. */
	assert_int_equal(dp_bond_set_lacp(dp, bond, false, false), 0);
	m = frame(&slow, &mac_b, 124);
	rte_pktmbuf_mtod_offset(m, struct rte_ether_hdr *, 0)->ether_type =
		rte_cpu_to_be_16(RTE_ETHER_TYPE_SLOW);
	assert_int_equal(rte_ring_enqueue(m0->rx, m), 0);
	poll_dp();
	assert_int_equal(dp_punt_recv(dp, &port, buf, sizeof(buf), &len), EAGAIN);
	assert_int_equal(port_drops(bond, DP_DROP_RESERVED_MULTICAST), 1);
	assert_int_equal(dp_bond_set_mode(dp, bond, 7), EINVAL);
}

/* balance-slb: each source MAC leaves by the member its bucket is on;
 * buckets count their bytes; a disabled member's buckets go by the active
 * one; a member that is not active takes unicast but no multicast. */
static void
test_bond_balance_slb(void **state)
{
	struct fixture *fx = *state;
	uint16_t bond = bond_add(fx->br0, DP_BOND_BALANCE_SLB), on[DP_BOND_BUCKETS];
	struct tport *m0 = member_add(bond), *m1 = member_add(bond), *vm = tport_add(fx->br0);
	uint64_t bytes[DP_BOND_BUCKETS], total = 0;
	unsigned int b, i, want0 = 0, want1 = 0;

	assert_int_equal(dp_bond_member_enable(dp, m0->id, true), 0);
	assert_int_equal(dp_bond_member_enable(dp, m1->id, true), 0);
	assert_int_equal(dp_bond_set_active(dp, bond, m0->id), 0);
	for (b = 0; b < DP_BOND_BUCKETS; b++)
		assert_int_equal(dp_bond_bucket_set(dp, bond, b, b % 2 ? m1->id : m0->id), 0);
	/* 64 VMs' MACs, one frame each, flooded (unknown destination). */
	for (i = 0; i < 64; i++) {
		struct rte_ether_addr src = {{0x02, 0, 0, 0, 1, (uint8_t)i}};
		struct mac m;

		memcpy(m.b, src.addr_bytes, MAC_LEN);
		if (dp_bond_bucket_of(&m, 0) % 2)
			want1++;
		else
			want0++;
		inject(vm, &mac_c, &src, 100);
		poll_dp();
	}
	assert_true(want0 > 16 && want1 > 16); /* the hash spreads them */
	assert_int_equal(drain(m0, NULL), want0);
	assert_int_equal(drain(m1, NULL), want1);
	assert_int_equal(dp_bond_buckets_get(dp, bond, on, bytes), 0);
	for (b = 0; b < DP_BOND_BUCKETS; b++) {
		assert_int_equal(on[b], b % 2 ? m1->id : m0->id);
		total += bytes[b];
	}
	assert_int_equal(total, 64 * 100);
	/* m1 disabled: its buckets go by the active member. */
	assert_int_equal(dp_bond_member_enable(dp, m1->id, false), 0);
	for (i = 0; i < 16; i++) {
		struct rte_ether_addr src = {{0x02, 0, 0, 0, 1, (uint8_t)i}};

		inject(vm, &mac_c, &src, 100);
	}
	poll_dp();
	assert_int_equal(drain(m0, NULL), 16);
	assert_int_equal(drain(m1, NULL), 0);
	/* Enabled again, not active: unicast in, multicast dropped. */
	assert_int_equal(dp_bond_member_enable(dp, m1->id, true), 0);
	inject(m1, &mac_a, &mac_b, 64);
	inject(m1, &mac_bcast, &mac_b, 64);
	inject(m0, &mac_bcast, &mac_c, 64);
	poll_dp();
	assert_int_equal(drain(vm, NULL), 2);
	assert_int_equal(drops(m1, DP_DROP_BOND_STANDBY), 1);
}

/* A gratuitous ARP (sender and target IP the same) from @src into @t. */
static void
inject_garp(struct tport *t, const struct rte_ether_addr *src)
{
	struct rte_mbuf *m = frame(&mac_bcast, src, RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr));
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = *src;
	arp->arp_data.arp_sip = arp->arp_data.arp_tip = RTE_BE32(0xc6120005);
	assert_int_equal(rte_ring_enqueue(t->rx, m), 0);
}

/* balance-slb: a broadcast of ours the upstream switch floods back into
 * the active member is dropped (its source is learned on a local port),
 * a gratuitous ARP too while that MAC is fresh here; a remote MAC's
 * broadcast comes in; once the local entry is gone, so does ours. */
static void
test_bond_slb_loop(void **state)
{
	struct fixture *fx = *state;
	uint16_t bond = bond_add(fx->br0, DP_BOND_BALANCE_SLB);
	struct tport *m0 = member_add(bond), *m1 = member_add(bond), *vm = tport_add(fx->br0);

	assert_int_equal(dp_bond_member_enable(dp, m0->id, true), 0);
	assert_int_equal(dp_bond_member_enable(dp, m1->id, true), 0);
	assert_int_equal(dp_bond_set_active(dp, bond, m0->id), 0);
	inject(vm, &mac_bcast, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(m0, &mac_a) + drain(m1, &mac_a), 1);
	inject(m0, &mac_bcast, &mac_a, 64); /* flooded back */
	inject_garp(m0, &mac_a);
	poll_dp();
	assert_int_equal(drain(vm, NULL), 0);
	assert_int_equal(drops(m0, DP_DROP_BOND_LOOP), 2);
	assert_int_equal(fdb_port(fx->br0, &mac_a), vm->id);
	inject(m0, &mac_bcast, &mac_b, 64); /* a remote station */
	poll_dp();
	assert_int_equal(drain(vm, &mac_b), 1);
	assert_int_equal(fdb_port(fx->br0, &mac_b), bond);
	sleep(4); /* aging time is 2 s: A is not local any more */
	inject_garp(m0, &mac_a);
	poll_dp();
	assert_int_equal(drain(vm, &mac_a), 1);
	assert_int_equal(fdb_port(fx->br0, &mac_a), bond);
}

/* A VLAN of a bond: tagged frames in through the active member reach the
 * VLAN's bridge untagged; the VLAN's frames leave by it tagged. */
static void
test_bond_carries_vlans(void **state)
{
	struct fixture *fx = *state;
	uint16_t bond = bond_add(fx->br0, DP_BOND_ACTIVE_BACKUP);
	struct tport *m0 = member_add(bond), *m1 = member_add(bond), *a1;
	struct dp_port_params pp = {.kind = DP_PORT_VLAN,
				    .name = "bond0.10",
				    .bridge = fx->br1,
				    .mtu = 1500,
				    .parent = bond,
				    .vid = 10};
	uint16_t vlan;

	assert_int_equal(dp_port_add(dp, &pp, &vlan), 0);
	a1 = tport_add(fx->br1);
	assert_int_equal(dp_bond_member_enable(dp, m1->id, true), 0);
	assert_int_equal(dp_bond_set_active(dp, bond, m1->id), 0);
	inject_tagged(m1, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 10, 100);
	poll_dp();
	assert_int_equal(take(a1, -1), 96);
	inject(a1, &mac_a, &mac_b, 100);
	poll_dp();
	assert_int_equal(take(m1, 10), 104);
	assert_int_equal(drain(m0, NULL), 0);
	assert_int_equal(dp_port_del(dp, bond), EBUSY); /* its VLAN and members first */
}

/* What a bond refuses. */
static void
test_bond_refusals(void **state)
{
	struct fixture *fx = *state;
	uint16_t bond = bond_add(fx->br0, DP_BOND_BALANCE_SLB), id, lone;
	struct tport *vm = tport_add(fx->br0), *m[DP_BOND_MAX_MEMBERS];
	struct rte_ring *rx, *tx;
	int ret;
	struct dp_port_params pp = {.kind = DP_PORT_ETHDEV,
				    .name = "m",
				    .mtu = 1500,
				    .bond_member = true,
				    .bond = vm->id};

	for (unsigned int i = 0; i < DP_BOND_MAX_MEMBERS; i++)
		m[i] = member_add(bond);
	/* A member of a port that is not a bond; of a bond that is full (on
	 * a device of its own, which the refusal leaves stopped). */
	rx = rte_ring_create("bond-full-rx", 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	tx = rte_ring_create("bond-full-tx", 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(rx);
	assert_non_null(tx);
	ret = rte_eth_from_rings("net_ring_bond_full", &rx, 1, &tx, 1, 0);
	assert_true(ret >= 0);
	pp.ethdev = (uint16_t)ret;
	assert_int_equal(dp_port_add(dp, &pp, &id), EINVAL);
	pp.bond = bond;
	assert_int_equal(dp_port_add(dp, &pp, &id), ENOSPC);
	rte_eth_dev_close(pp.ethdev);
	rte_ring_free(rx);
	rte_ring_free(tx);
	/* A member joins no bridge; a non-member is no member. */
	assert_int_equal(dp_port_set_bridge(dp, m[0]->id, fx->br1), EINVAL);
	assert_int_equal(dp_bond_member_enable(dp, vm->id, true), EINVAL);
	assert_int_equal(dp_bond_set_active(dp, bond, vm->id), EINVAL);
	assert_int_equal(dp_bond_bucket_set(dp, bond, 0, vm->id), EINVAL);
	assert_int_equal(dp_bond_bucket_set(dp, bond, DP_BOND_BUCKETS, m[0]->id), EINVAL);
	assert_int_equal(dp_bond_set_mode(dp, vm->id, DP_BOND_ACTIVE_BACKUP), EINVAL);
	assert_int_equal(dp_bond_set_mode(dp, bond, (enum dp_bond_mode)7), EINVAL);
	assert_int_equal(dp_bond_set_active(dp, DP_MAX_PORTS - 1, m[0]->id), ENOENT);
	/* A bond with members, as a trunk with VLANs, is no bridge's last port
	 * (one alone on its bridge, so that nothing else keeps it). */
	lone = bond_add(fx->br1, DP_BOND_ACTIVE_BACKUP);
	member_add(lone);
	assert_int_equal(dp_bridge_del_with_port(dp, fx->br1, lone), EBUSY);
	/* A member learns nothing and counts no MACs. */
	assert_int_equal(pstats(m[0]).fdb_entries, 0);
}

/* A member's removal that fails (no snapshot) leaves it as it was: in its
 * slot, where the buckets point, enabled, still carrying its frames. */
static void
test_bond_member_del_undone(void **state)
{
	struct fixture *fx = *state;
	uint16_t bond = bond_add(fx->br0, DP_BOND_BALANCE_SLB), members[DP_BOND_MAX_MEMBERS];
	struct tport *m0 = member_add(bond), *m1 = member_add(bond), *vm = tport_add(fx->br0);
	unsigned int enabled;
	int active;

	assert_int_equal(dp_bond_member_enable(dp, m0->id, true), 0);
	assert_int_equal(dp_bond_member_enable(dp, m1->id, true), 0);
	assert_int_equal(dp_bond_set_active(dp, bond, m1->id), 0);
	assert_int_equal(dp_port_del(dp, m0->id), 0);
	for (unsigned int b = 0; b < DP_BOND_BUCKETS; b++)
		assert_int_equal(dp_bond_bucket_set(dp, bond, b, m1->id), 0);
	fault_arm(FAULT_DP_PUBLISH, 1);
	assert_int_equal(dp_port_del(dp, m1->id), ENOMEM);
	assert_int_equal(dp_bond_state(dp, bond, members, &enabled, &active), 0);
	assert_int_equal(members[0], DP_PORT_NONE);
	assert_int_equal(members[1], m1->id);
	assert_int_equal(enabled, 2);
	assert_int_equal(active, 1);
	inject(vm, &mac_c, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(m1, &mac_a), 1);
}

static void
test_vlan_priority_tag_is_native(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *n0 = tport_add(fx->br0), *a1;

	vlan_add(t, 10, fx->br1);
	a1 = tport_add(fx->br1);
	inject_tagged(t, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 0, 100);
	poll_dp();
	assert_int_equal(take(n0, -1), 96);
	assert_int_equal(drain(a1, NULL), 0);
}

static void
test_vlan_unknown_tag_dropped(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *n0 = tport_add(fx->br0), *a1;
	struct dp_port_stats st;

	vlan_add(t, 10, fx->br1);
	a1 = tport_add(fx->br1);
	inject_tagged(t, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 20, 100);
	poll_dp();
	assert_int_equal(drain(n0, NULL) + drain(a1, NULL), 0);
	assert_int_equal(drops(t, DP_DROP_UNKNOWN_VLAN), 1);
	dp_port_stats_get(dp, t->id, &st);
	assert_int_equal(st.rx_packets, 1);
	/* An access port (a VIF) does not look at tags: they pass as they are. */
	inject_tagged(n0, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 20, 100);
	poll_dp();
	assert_int_equal(take(t, 20), 100);
}

static void
test_vlan_trunk_without_vlans_drops_tags(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *n0 = tport_add(fx->br0);

	inject_tagged(t, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 10, 100);
	inject(t, &mac_bcast, &mac_a, 100);
	poll_dp();
	assert_int_equal(take(n0, -1), 100); /* the untagged one */
	assert_int_equal(drain(n0, NULL), 0);
	assert_int_equal(drops(t, DP_DROP_UNKNOWN_VLAN), 1);
}

static void
test_vlan_qinq_outer_tpid_is_untagged(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *n0 = tport_add(fx->br0), *a1;

	vlan_add(t, 10, fx->br1);
	a1 = tport_add(fx->br1);
	inject_tagged(t, &mac_bcast, &mac_a, RTE_ETHER_TYPE_QINQ, 10, 100);
	poll_dp();
	/* Not VLAN 10: the native bridge gets it whole. */
	assert_int_equal(take(n0, -1), 100);
	assert_int_equal(drain(a1, NULL), 0);
}

static void
test_vlan_learning_per_bridge(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *n0 = tport_add(fx->br0), *a1, *a2;
	uint16_t v10 = vlan_add(t, 10, fx->br1);

	a1 = tport_add(fx->br1);
	a2 = tport_add(fx->br1);
	/* The same MAC, native and in VLAN 10. */
	inject(t, &mac_bcast, &mac_a, 64);
	inject_tagged(t, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 10, 68);
	poll_dp();
	drain_all();
	assert_int_equal(fdb_port(fx->br0, &mac_a), t->id);
	assert_int_equal(fdb_port(fx->br1, &mac_a), v10);
	/* Unicast to A inside VLAN 10 leaves the trunk tagged, nowhere else. */
	inject(a1, &mac_a, &mac_b, 64);
	poll_dp();
	assert_int_equal(take(t, 10), 68);
	assert_int_equal(drain(a2, NULL) + drain(n0, NULL), 0);
}

static void
test_vlan_flood_copies_before_tagging(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *a1, *a2, *a3;

	vlan_add(t, 10, fx->br1);
	a1 = tport_add(fx->br1);
	a2 = tport_add(fx->br1);
	a3 = tport_add(fx->br1);
	inject(a1, &mac_bcast, &mac_a, 100);
	poll_dp();
	/* The access ports get the frame as it was; the trunk a tagged copy. */
	assert_int_equal(take(a2, -1), 100);
	assert_int_equal(take(a3, -1), 100);
	assert_int_equal(take(t, 10), 104);
}

static void
test_vlan_tx_full_counts(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *a1;
	uint16_t v10 = vlan_add(t, 10, fx->br1);
	struct dp_port_stats st;
	int i, b;

	a1 = tport_add(fx->br1);
	inject(t, &mac_a, &mac_b, 64); /* B behind the trunk, native */
	inject_tagged(t, &mac_a, &mac_b, RTE_ETHER_TYPE_VLAN, 10, 68); /* and on VLAN 10 */
	poll_dp();
	drain_all();
	/* 320 frames to B on VLAN 10; the trunk's tx ring holds 256 minus 1. */
	for (b = 0; b < 10; b++) {
		for (i = 0; i < 32; i++)
			inject(a1, &mac_b, &mac_a, 100);
		poll_dp();
	}
	assert_int_equal(dp_port_stats_get(dp, v10, &st), 0);
	assert_int_equal(st.tx_packets + st.drops[DP_DROP_TX_FULL], 320);
	assert_true(st.drops[DP_DROP_TX_FULL] > 0);
	assert_int_equal(st.tx_bytes, st.tx_packets * 100); /* lengths as the bridge sent them */
	drain_all();
}

/* A frame the trunk can never take (no headroom for the tag) is dropped
 * alone as tx_unsendable; the frames after it in the burst go. */
static void
test_vlan_unsendable_dropped_alone(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *a1;
	uint16_t v10 = vlan_add(t, 10, fx->br1);
	struct dp_port_stats st;
	int i;

	a1 = tport_add(fx->br1);
	inject_tagged(t, &mac_a, &mac_b, RTE_ETHER_TYPE_VLAN, 10, 68); /* B on VLAN 10 */
	poll_dp();
	drain_all();
	for (i = 0; i < 5; i++) {
		struct rte_mbuf *m = frame(&mac_b, &mac_a, 100);

		if (i == 2) { /* no room to push a tag */
			memmove(m->buf_addr, rte_pktmbuf_mtod(m, void *), 100);
			m->data_off = 0;
		}
		assert_int_equal(rte_ring_enqueue(a1->rx, m), 0);
	}
	poll_dp();
	for (i = 0; i < 4; i++)
		assert_int_equal(take(t, 10), 104);
	assert_int_equal(drain(t, NULL), 0);
	assert_int_equal(dp_port_stats_get(dp, v10, &st), 0);
	assert_int_equal(st.tx_packets, 4);
	assert_int_equal(st.tx_bytes, 4 * 100);
	assert_int_equal(st.drops[DP_DROP_TX_UNSENDABLE], 1);
	assert_int_equal(st.drops[DP_DROP_TX_FULL], 0);
}

static void
test_vlan_refusals(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *access = tport_add(fx->br0);
	struct dp_port_params pp = {
		.kind = DP_PORT_VLAN, .name = "v", .bridge = fx->br1, .mtu = 1500, .parent = t->id};
	uint16_t id, v10;

	pp.vid = 0;
	assert_int_equal(dp_port_add(dp, &pp, &id), EINVAL);
	pp.vid = 4095;
	assert_int_equal(dp_port_add(dp, &pp, &id), EINVAL);
	pp.vid = 10;
	pp.parent = access->id; /* not a trunk */
	assert_int_equal(dp_port_add(dp, &pp, &id), EINVAL);
	pp.parent = t->id;
	assert_int_equal(dp_port_add(dp, &pp, &v10), 0);
	assert_int_equal(dp_port_add(dp, &pp, &id), EEXIST);
	pp.vid = 4094;
	assert_int_equal(dp_port_add(dp, &pp, &id), 0);
	assert_int_equal(dp_port_del(dp, t->id), EBUSY); /* VLANs first */
	assert_int_equal(dp_port_del(dp, v10), 0);
	assert_int_equal(dp_port_del(dp, id), 0);
	assert_int_equal(dp_port_del(dp, t->id), 0);
}

static void
test_refusals(void **state)
{
	struct fixture *fx = *state;
	struct dp_port_params pp = {
		.kind = DP_PORT_ETHDEV, .name = "x", .bridge = 999, .mtu = 1500};
	uint16_t id;

	assert_int_equal(dp_port_add(dp, &pp, &id), EINVAL); /* no such bridge */
	pp.bridge = fx->br0;
	pp.ethdev = 31; /* no such ethdev */
	assert_int_equal(dp_port_add(dp, &pp, &id), ENODEV);
	assert_int_equal(dp_bridge_add(dp, "tiny", 10, &id), EINVAL);
	assert_int_equal(dp_port_del(dp, 1234), ENOENT);
	assert_int_equal(dp_bridge_set_mtu(dp, 4321, 1500), ENOENT);
}

/* Frames with the same addresses in a row take the first one's decision;
 * others in between are decided on their own. */
static void
test_repeated_addresses_in_a_burst(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);
	static const struct rte_ether_addr mac_d = {{0x02, 0, 0, 0, 0, 0x0d}};

	inject(p1, &mac_bcast, &mac_b, 64); /* B behind p1 */
	inject(p2, &mac_bcast, &mac_c, 64); /* C behind p2 */
	poll_dp();
	drain_all();
	inject(p0, &mac_b, &mac_a, 64);
	inject(p0, &mac_b, &mac_a, 64);
	inject(p0, &mac_c, &mac_a, 64);
	inject(p0, &mac_b, &mac_a, 64);
	inject(p0, &mac_d, &mac_a, 64); /* unknown: flooded, twice */
	inject(p0, &mac_d, &mac_a, 64);
	inject(p0, &mac_a, &mac_a, 64); /* to itself: a hairpin, twice */
	inject(p0, &mac_a, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(p1, &mac_a), 3 + 2);
	assert_int_equal(drain(p2, &mac_a), 1 + 2);
	assert_int_equal(drain(p0, NULL), 0);
	assert_int_equal(fdb_port(fx->br0, &mac_a), p0->id);
}

/* Reserved link-local multicast and access ports ----------------------- */

static struct tport *
access_add(uint16_t bridge)
{
	next_access = true;
	return tport_add_kind(bridge, false);
}

/* Frames to 01:80:C2:00:00:0X (STP, pause, LACP, 802.1X, LLDP, ...) never
 * leave the port they came in on, unless the bridge's mask forwards X;
 * other multicast floods. */
static void
test_reserved_multicast_stays_local(void **state)
{
	static const uint8_t groups[] = {0x00, 0x01, 0x02, 0x03, 0x0e, 0x0f};
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);
	struct rte_ether_addr g = {{0x01, 0x80, 0xc2, 0, 0, 0}};
	struct rte_ether_addr all_bridges = {{0x01, 0x80, 0xc2, 0, 0, 0x10}};
	unsigned int i;

	for (i = 0; i < sizeof(groups); i++) {
		g.addr_bytes[5] = groups[i];
		inject(p0, &g, &mac_a, 64);
		inject(p0, &g, &mac_a, 64); /* the same addresses again: a repeat */
	}
	poll_dp();
	assert_int_equal(drain(p1, NULL) + drain(p2, NULL) + drain(p0, NULL), 0);
	assert_int_equal(drops(p0, DP_DROP_RESERVED_MULTICAST), 2 * sizeof(groups));
	/* Ordinary multicast, and a group just outside the range, flood. */
	inject(p0, &mac_mcast, &mac_a, 64);
	inject(p0, &all_bridges, &mac_a, 64);
	poll_dp();
	assert_int_equal(drain(p1, &mac_a), 2);
	assert_int_equal(drain(p2, &mac_a), 2);
	/* LLDP forwarded on request (Linux's group_fwd_mask bit 14); STP not. */
	assert_int_equal(dp_bridge_set_group_fwd_mask(dp, fx->br0, 1u << 0x0e), 0);
	g.addr_bytes[5] = 0x0e;
	inject(p1, &g, &mac_b, 64);
	g.addr_bytes[5] = 0x00;
	inject(p1, &g, &mac_b, 64);
	poll_dp();
	assert_int_equal(drain(p0, &mac_b), 1);
	assert_int_equal(drain(p2, &mac_b), 1);
	assert_int_equal(drops(p1, DP_DROP_RESERVED_MULTICAST), 1);
	/* STP, pause and slow protocols can never be forwarded. */
	for (i = 0; i < 3; i++)
		assert_int_equal(dp_bridge_set_group_fwd_mask(dp, fx->br0, 1u << i), EINVAL);
	/* The other bridge keeps its own mask (0). */
	{
		struct tport *q0 = tport_add(fx->br1), *q1 = tport_add(fx->br1);

		g.addr_bytes[5] = 0x0e;
		inject(q0, &g, &mac_c, 64);
		poll_dp();
		assert_int_equal(drain(q1, NULL), 0);
		assert_int_equal(drops(q0, DP_DROP_RESERVED_MULTICAST), 1);
	}
}

/* A frame of @len bytes with two tags: (@tpid1, @vid1) outside, 0x8100
 * (@vid2) inside. */
static void
inject_double_tagged(struct tport *t, uint16_t tpid1, uint16_t vid1, uint16_t vid2, uint16_t len)
{
	struct rte_mbuf *m = frame(&mac_bcast, &mac_a, len);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

	eth->ether_type = rte_cpu_to_be_16(tpid1);
	vh[0].vlan_tci = rte_cpu_to_be_16(vid1);
	vh[0].eth_proto = RTE_BE16(RTE_ETHER_TYPE_VLAN);
	vh[1].vlan_tci = rte_cpu_to_be_16(vid2);
	vh[1].eth_proto = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	assert_int_equal(rte_ring_enqueue(t->rx, m), 0);
}

/* A VM's port is an access port: a frame it sends tagged (802.1Q with a
 * VID, 802.1ad, 0x9100) would hop VLANs on the trunk; it is dropped. A
 * priority tag (VID 0) is removed and the frame goes on untagged. */
static void
test_access_port_drops_tagged(void **state)
{
	struct fixture *fx = *state;
	struct tport *vm = access_add(fx->br0), *t = trunk_add(fx->br0), *a1;

	vlan_add(t, 10, fx->br1);
	a1 = tport_add(fx->br1);
	inject_tagged(vm, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 10, 100);
	inject_tagged(vm, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 99, 100);
	inject_tagged(vm, &mac_bcast, &mac_a, RTE_ETHER_TYPE_QINQ, 10, 100);
	inject_tagged(vm, &mac_bcast, &mac_a, RTE_ETHER_TYPE_QINQ1, 10, 100);
	inject_double_tagged(vm, RTE_ETHER_TYPE_VLAN, 0, 20, 100); /* priority over VLAN 20 */
	poll_dp();
	assert_int_equal(drain(t, NULL) + drain(a1, NULL), 0);
	assert_int_equal(drops(vm, DP_DROP_VIF_TAGGED), 5);
	/* Priority-tagged: accepted, the tag removed. */
	inject_tagged(vm, &mac_bcast, &mac_a, RTE_ETHER_TYPE_VLAN, 0, 100);
	inject(vm, &mac_bcast, &mac_a, 100);
	poll_dp();
	assert_int_equal(take(t, -1), 96);
	assert_int_equal(take(t, -1), 100);
	assert_int_equal(drain(a1, NULL), 0);
	/* A VM on the VLAN's bridge cannot double-tag either. */
	{
		struct tport *vm10 = access_add(fx->br1);

		inject_tagged(vm10, &mac_bcast, &mac_b, RTE_ETHER_TYPE_VLAN, 20, 100);
		poll_dp();
		assert_int_equal(drain(t, NULL) + drain(a1, NULL), 0);
		assert_int_equal(drops(vm10, DP_DROP_VIF_TAGGED), 1);
	}
	/* Tagged frames from a port that is not a VM's go as before. */
	inject_tagged(a1, &mac_bcast, &mac_c, RTE_ETHER_TYPE_VLAN, 5, 100);
	poll_dp();
	assert_int_equal(drops(a1, DP_DROP_VIF_TAGGED), 0);
	drain_all();
}

/* MAC-table limits ------------------------------------------------------ */

/* A unicast, locally administered MAC numbered @i. */
static struct rte_ether_addr
mac_n(uint32_t i)
{
	struct rte_ether_addr m = {{0x06, 0x55, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
				    (uint8_t)(i >> 8), (uint8_t)i}};

	return m;
}

static void
test_fdb_port_and_bridge_limits(void **state)
{
	struct fixture *fx = *state;
	struct tport *p0 = tport_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);
	struct rte_ether_addr zero = {{0}}, m;
	uint32_t entries, max, i;

	/* Defaults: a bridge a quarter of the table (4096), a port a quarter
	 * of its bridge, a trunk all of it. */
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br0, &entries, &max), 0);
	assert_int_equal(max, 1024);
	assert_int_equal(pstats(p0).fdb_max, 256);
	assert_int_equal(pstats(trunk_add(fx->br1)).fdb_max, 1024);

	assert_int_equal(dp_port_set_fdb_max(dp, p0->id, 8), 0);
	for (i = 0; i < 20; i++) {
		m = mac_n(i);
		inject(p0, &mac_bcast, &m, 64);
	}
	poll_dp();
	/* All 20 forwarded; 8 learned, 12 counted. */
	assert_int_equal(drain(p1, NULL), 20);
	assert_int_equal(drain(p2, NULL), 20);
	assert_int_equal(pstats(p0).fdb_entries, 8);
	assert_int_equal(pstats(p0).fdb_limit, 12);
	assert_int_equal(pstats(p0).fdb_max, 8);
	m = mac_n(7);
	assert_int_equal(fdb_port(fx->br0, &m), p0->id);
	m = mac_n(8);
	assert_int_equal(fdb_port(fx->br0, &m), -1);

	/* A MAC learned elsewhere does not move to a full port. */
	inject(p1, &mac_bcast, &mac_b, 64);
	poll_dp();
	inject(p0, &mac_bcast, &mac_b, 64);
	poll_dp();
	drain_all();
	assert_int_equal(fdb_port(fx->br0, &mac_b), p1->id);

	/* An all-zero source is forwarded, never learned. */
	inject(p2, &mac_bcast, &zero, 64);
	poll_dp();
	assert_int_equal(drain(p1, NULL), 1);
	assert_int_equal(fdb_port(fx->br0, &zero), -1);
	assert_int_equal(pstats(p2).fdb_entries, 0);

	/* The bridge's limit: 8 on p0 and B on p1 make 9; one more fits. */
	assert_int_equal(dp_bridge_set_fdb_max(dp, fx->br0, 10), 0);
	assert_int_equal(pstats(p2).fdb_max, 2); /* a quarter of 10 */
	inject(p2, &mac_bcast, &mac_c, 64);
	m = mac_n(1000);
	inject(p2, &mac_bcast, &m, 64);
	poll_dp();
	drain_all();
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br0, &entries, &max), 0);
	assert_int_equal(entries, 10);
	assert_int_equal(max, 10);
	assert_int_equal(fdb_port(fx->br0, &mac_c), p2->id);
	assert_int_equal(fdb_port(fx->br0, &m), -1);
	assert_int_equal(pstats(p2).fdb_limit, 1);
	/* Another bridge learns as before. */
	{
		struct tport *q0 = tport_add(fx->br1), *q1 = tport_add(fx->br1);

		inject(q0, &mac_bcast, &m, 64);
		poll_dp();
		assert_int_equal(drain(q1, NULL), 1);
		assert_int_equal(fdb_port(fx->br1, &m), q0->id);
	}
	/* A port's flush gives its count back at once, and its bridge's: a VM
	 * that floods, is flushed (unplugged, moved) and floods again cannot
	 * fill its bridge. */
	assert_int_equal(dp_fdb_flush(dp, fx->br0, p0->id), 0);
	assert_int_equal(pstats(p0).fdb_entries, 0);
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br0, &entries, &max), 0);
	assert_int_equal(entries, 2);
	for (i = 0; i < 8; i++) {
		m = mac_n(2000 + i);
		inject(p0, &mac_bcast, &m, 64);
	}
	poll_dp();
	drain_all();
	assert_int_equal(pstats(p0).fdb_entries, 8);
	assert_int_equal(dp_fdb_flush(dp, fx->br0, p0->id), 0);
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br0, &entries, &max), 0);
	assert_int_equal(entries, 2);
	/* Frames of a MAC a limit keeps out are each counted, repeats in a
	 * burst too (they take the decision of the frame before them). */
	assert_int_equal(dp_port_set_fdb_max(dp, p0->id, 0), 0);
	assert_int_equal(dp_bridge_set_fdb_max(dp, fx->br0, 2), 0);
	{
		uint64_t before = pstats(p0).fdb_limit;

		m = mac_n(3000);
		for (i = 0; i < 5; i++)
			inject(p0, &mac_bcast, &m, 64);
		poll_dp();
		drain_all();
		assert_int_equal(pstats(p0).fdb_limit - before, 5);
	}
	assert_int_equal(dp_bridge_set_fdb_max(dp, fx->br0, 0), 0);
	m = mac_n(8);
	inject(p0, &mac_bcast, &m, 64);
	poll_dp();
	drain_all();
	assert_int_equal(fdb_port(fx->br0, &m), p0->id);
	assert_int_equal(pstats(p0).fdb_entries, 1);
	/* A move to another bridge takes the port's count off its old one. */
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br0, &entries, &max), 0);
	assert_int_equal(entries, 3); /* B, C and mac_n(8) */
	assert_int_equal(dp_port_set_bridge(dp, p2->id, fx->br1), 0);
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br0, &entries, &max), 0);
	assert_int_equal(entries, 2); /* C went with p2 */
	assert_int_equal(dp_port_set_bridge(dp, p2->id, fx->br0), 0);
	/* Aging uncounts what expired, and the flushed entries no second time:
	 * B and C are kept fresh while the rest ages (2 s in these tests) and
	 * a pass of aging (a quarter of it) takes the dead slots. */
	for (i = 0; i < 350; i++) {
		if (i % 20 == 0) {
			inject(p1, &mac_bcast, &mac_b, 64);
			inject(p2, &mac_bcast, &mac_c, 64);
		}
		poll_dp();
		drain_all();
		usleep(10000);
	}
	assert_int_equal(pstats(p0).fdb_entries, 0);
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br0, &entries, &max), 0);
	assert_int_equal(entries, 2);
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br1, &entries, &max), 0);
	assert_int_equal(entries, 0);
	/* A port at its limit takes back its own MAC after it expired (its
	 * slot not yet aged): p1 holds B, expired, with a limit of 1. */
	assert_int_equal(dp_port_set_fdb_max(dp, p1->id, 1), 0);
	inject(p1, &mac_bcast, &mac_a, 64); /* over the limit: B still counted */
	poll_dp();
	drain_all();
	assert_int_equal(fdb_port(fx->br0, &mac_a), -1);
	{
		uint64_t before = pstats(p1).fdb_limit;

		sleep(3); /* B expires; aging has not taken its slot if polls stop */
		inject(p1, &mac_bcast, &mac_b, 64);
		poll_dp();
		drain_all();
		assert_int_equal(pstats(p1).fdb_limit, before);
		assert_int_equal(fdb_port(fx->br0, &mac_b), p1->id);
	}
	assert_int_equal(dp_port_set_fdb_max(dp, p1->id, 0), 0);
	/* A bridge's flush gives back all its counts at once. */
	inject(p0, &mac_bcast, &m, 64);
	poll_dp();
	drain_all();
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br0, &entries, &max), 0);
	assert_int_equal(entries, 3);
	assert_int_equal(dp_fdb_flush(dp, fx->br0, DP_PORT_NONE), 0);
	assert_int_equal(dp_bridge_fdb_usage(dp, fx->br0, &entries, &max), 0);
	assert_int_equal(entries, 0);
	assert_int_equal(pstats(p0).fdb_entries + pstats(p1).fdb_entries, 0);
	assert_int_equal(pstats(p2).fdb_entries, 0);
}

/* One port floods FLOOD random source MACs, 32 a burst, while another
 * bridge learns a new MAC every burst and two ports of the flooded bridge
 * exchange known unicast: the flooder gets its port's limit and no more,
 * and nobody else notices. */
static void
test_fdb_flood_does_not_disturb_others(void **state)
{
	enum {
		FLOOD = 200000
	};
	struct fixture *fx = *state;
	struct tport *vm = access_add(fx->br0), *p1 = tport_add(fx->br0), *p2 = tport_add(fx->br0);
	struct tport *q0 = tport_add(fx->br1), *q1 = tport_add(fx->br1);
	uint32_t i, b, learned_other = 0, bursts = FLOOD / 32, known_ok = 0;
	uint64_t x = 0x12345;

	inject(p1, &mac_bcast, &mac_b, 64);
	inject(p2, &mac_bcast, &mac_c, 64);
	poll_dp();
	drain_all();
	for (b = 0; b < bursts; b++) {
		struct rte_ether_addr m;

		for (i = 0; i < 32; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			m = mac_n((uint32_t)(x >> 32));
			m.addr_bytes[1] = (uint8_t)(x >> 24);
			inject(vm, &mac_bcast, &m, 64);
		}
		/* 100 MACs that move between q0 and q1 every 100 bursts: the
		 * other bridge keeps learning, within its ports' limits. */
		struct tport *from = (b / 100) % 2 ? q1 : q0, *to = from == q0 ? q1 : q0;

		m = mac_n(b % 100);
		inject(from, &mac_bcast, &m, 64);
		inject(p1, &mac_c, &mac_b, 64);
		poll_dp();
		drain(vm, NULL);
		drain(p1, NULL);
		known_ok += drain(p2, NULL) == 32 + 1; /* the flood, and B's frame to C */
		drain(from, NULL);
		learned_other += drain(to, NULL) == 1 && fdb_port(fx->br1, &m) == from->id;
	}
	printf("# %u random source MACs from one port: %u learned (its limit %u), %" PRIu64
	       " not; another bridge learned or moved %u of %u MACs meanwhile; %u of %u known"
	       " unicast frames went to their port alone\n",
	       bursts * 32, pstats(vm).fdb_entries, pstats(vm).fdb_max, pstats(vm).fdb_limit,
	       learned_other, bursts, known_ok, bursts);
	assert_int_equal(pstats(vm).fdb_entries, pstats(vm).fdb_max);
	assert_int_equal(pstats(vm).fdb_limit, bursts * 32 - pstats(vm).fdb_max);
	assert_int_equal(learned_other, bursts);
	assert_int_equal(known_ok, bursts);
	assert_int_equal(pstats(p1).fdb_entries, 1);
}

/* The FDB table itself, filled to its capacity (4 in 5 slots in use):
 * every key is found with its value, one more is refused, aging empties
 * it and it fills again. */
static uint64_t
test_key(uint32_t i)
{
	/* Scattered MACs on 16 bridges, never multicast. */
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ULL;

	return (x & 0xfffffffffffeULL) | (uint64_t)(i % 16 + 1) << 48;
}

static void
test_fdb_table_full(void **state)
{
	enum {
		CAP = 104857
	}; /* 1.25 x CAP slots round up to 2^17: 80% full */
	struct fdb *f = rte_zmalloc("t", sizeof(*f), 0);
	uint32_t i;

	(void)state;
	assert_non_null(f);
	assert_int_equal(fdb_init(f, "t", CAP, 300), 0);
	assert_int_equal(fdb_n_buckets(f) * FDB_WAYS, 131072);
	for (i = 0; i < CAP; i++)
		assert_int_equal(fdb_learn(f, test_key(i), fdb_val(i % 4096, 0, 0, 7), 7), 0);
	assert_int_equal(fdb_count(f), CAP);
	for (i = 0; i < CAP; i++) {
		uint64_t k = test_key(i), v = 0;

		assert_non_null(fdb_find(f, k, fdb_bucket1(f, k), &v));
		assert_true(v == fdb_val(i % 4096, 0, 0, 7));
	}
	assert_int_equal(fdb_learn(f, test_key(CAP), fdb_val(1, 0, 0, 7), 7), ENOSPC);
	/* Learning a known key again rewrites it, full or not. */
	assert_int_equal(fdb_learn(f, test_key(5), fdb_val(9, 0, 0, 8), 8), 0);
	assert_int_equal(fdb_count(f), CAP);
	/* Everything expires; one pass over the buckets gives every slot back. */
	assert_int_equal(fdb_age(f, 7 + 301 + 1, fdb_n_buckets(f)), CAP);
	assert_int_equal(fdb_count(f), 0);
	for (i = 0; i < CAP; i++)
		assert_int_equal(fdb_learn(f, test_key(CAP + i), fdb_val(1, 0, 0, 400), 400), 0);
	assert_int_equal(fdb_count(f), CAP);
	fdb_fini(f);
	rte_free(f);
}

/* Offloads ---------------------------------------------------------------- */

/* An offloaded frame as a VM's kernel hands it over: TCP or UDP over IPv4
 * or IPv6, optionally tagged, its L4 checksum field holding the
 * pseudo-header sum, and the metadata the receiving port would have set:
 * a super-frame (TSO, USO) if @mss, else a checksum request. Payload byte
 * i is pat(i). Built as a chain of 8,000-byte buffers. */
struct olf {
	bool v6, udp;
	int vid; /* -1: untagged */
	uint32_t payload;
	uint16_t mss;  /* 0: checksum only */
	uint8_t flags; /* TCP flags */
	uint16_t pad;  /* Ethernet padding after the IP packet */
};

static uint8_t
pat(uint32_t i)
{
	return (uint8_t)(i * 7 + 3);
}

#define OLF_MAX 80000

static struct rte_mbuf *
ol_frame(const struct olf *o, const struct rte_ether_addr *dst, const struct rte_ether_addr *src)
{
	static uint8_t buf[OLF_MAX];
	uint16_t l2 = o->vid >= 0 ? 18 : 14, l3 = o->v6 ? 40 : 20, l4 = o->udp ? 8 : 20;
	uint32_t len = (uint32_t)l2 + l3 + l4 + o->payload, off = 0, i;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint8_t *ip = buf + l2, *th = ip + l3;
	struct rte_mbuf *head = NULL;
	uint8_t *type = buf + 12;
	rte_be16_t et;
	uint16_t seed;

	assert_true(len + o->pad <= OLF_MAX);
	memset(buf, 0, len + o->pad);
	eth->dst_addr = *dst;
	eth->src_addr = *src;
	if (o->vid >= 0) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		et = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		memcpy(type, &et, 2);
		vh->vlan_tci = rte_cpu_to_be_16((uint16_t)o->vid);
		type = buf + 16;
	}
	if (o->v6) {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;

		et = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		memcpy(type, &et, 2);
		h->vtc_flow = RTE_BE32(6u << 28);
		h->payload_len = rte_cpu_to_be_16((uint16_t)(l4 + o->payload));
		h->proto = o->udp ? IPPROTO_UDP : IPPROTO_TCP;
		h->hop_limits = 64;
		h->src_addr[0] = 0xfd;
		h->src_addr[15] = 1;
		h->dst_addr[0] = 0xfd;
		h->dst_addr[15] = 2;
	} else {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		et = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		memcpy(type, &et, 2);
		h->version_ihl = 0x45;
		h->total_length = rte_cpu_to_be_16((uint16_t)(l3 + l4 + o->payload));
		h->packet_id = RTE_BE16(1000);
		h->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
		h->time_to_live = 64;
		h->next_proto_id = o->udp ? IPPROTO_UDP : IPPROTO_TCP;
		h->src_addr = RTE_BE32(0xc6120001);
		h->dst_addr = RTE_BE32(0xc6120002);
		h->hdr_checksum = rte_ipv4_cksum(h);
	}
	if (o->udp) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)th;

		u->src_port = RTE_BE16(5001);
		u->dst_port = RTE_BE16(5002);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(l4 + o->payload));
	} else {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)th;

		t->src_port = RTE_BE16(5001);
		t->dst_port = RTE_BE16(5002);
		t->sent_seq = RTE_BE32(0xfffff000); /* wraps */
		t->data_off = 5 << 4;
		t->tcp_flags = o->flags;
		t->rx_win = RTE_BE16(512);
	}
	for (i = 0; i < o->payload; i++)
		th[l4 + i] = pat(i);
	/* The pseudo-header sum, as the kernel leaves it for the device. */
	seed = o->v6 ? rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)ip, 0)
		     : rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)ip, 0);
	memcpy(th + (o->udp ? 6 : 16), &seed, 2);
	len += o->pad;
	while (off < len) {
		uint32_t n = RTE_MIN(len - off, 8000u);
		struct rte_mbuf *m = rte_pktmbuf_alloc(dp_mempool(dp));

		assert_non_null(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), buf + off, n);
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		off += n;
	}
	head->ol_flags = (o->v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4) |
			 (o->udp ? RTE_MBUF_F_TX_UDP_CKSUM : RTE_MBUF_F_TX_TCP_CKSUM);
	if (o->mss != 0)
		head->ol_flags |= o->udp ? RTE_MBUF_F_TX_UDP_SEG : RTE_MBUF_F_TX_TCP_SEG;
	head->l2_len = l2;
	head->l3_len = l3;
	head->l4_len = l4;
	head->tso_segsz = o->mss;
	return head;
}

/* Take every frame port @t sent: complete frames (no offload flags), each
 * with valid checksums, tagged @vid (or untagged, -1), carrying together
 * the payload of @o in order, each slice at most @o->mss; TCP flags
 * split as a NIC splits them. Returns how many. */
static unsigned int
ol_take(struct tport *t, const struct olf *o, int vid)
{
	uint16_t l2 = vid >= 0 ? 18 : 14, l3 = o->v6 ? 40 : 20, l4 = o->udp ? 8 : 20;
	unsigned int n = 0;
	uint32_t got = 0;
	struct rte_mbuf *m;

	while (rte_ring_dequeue(t->tx[0], (void **)&m) == 0) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *), *ip = p + l2,
			      *th = ip + l3;
		uint32_t seg;

		assert_int_equal(m->nb_segs, 1);
		assert_int_equal(m->ol_flags & DP_TEST_OL_ALL, 0);
		if (vid >= 0) {
			const struct rte_vlan_hdr *vh = (const void *)(p + 14);

			assert_int_equal(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type,
					 RTE_BE16(RTE_ETHER_TYPE_VLAN));
			assert_int_equal(rte_be_to_cpu_16(vh->vlan_tci), vid);
		}
		if (o->v6) {
			const struct rte_ipv6_hdr *h = (const void *)ip;

			seg = rte_be_to_cpu_16(h->payload_len) - l4;
			assert_int_equal(rte_ipv6_udptcp_cksum_verify(h, th), 0);
		} else {
			const struct rte_ipv4_hdr *h = (const void *)ip;

			seg = rte_be_to_cpu_16(h->total_length) - l3 - l4;
			assert_int_equal(rte_ipv4_cksum(h), 0);
			assert_int_equal(rte_ipv4_udptcp_cksum_verify(h, th), 0);
			if (o->mss != 0) /* IDs count up from the super-frame's */
				assert_int_equal(rte_be_to_cpu_16(h->packet_id), 1000 + n);
		}
		if (o->mss != 0)
			assert_true(seg <= o->mss);
		assert_true(m->pkt_len >= (uint32_t)l2 + l3 + l4 + seg);
		if (!o->udp) {
			const struct rte_tcp_hdr *tcp = (const void *)th;
			uint8_t f = o->flags;

			assert_int_equal(rte_be_to_cpu_32(tcp->sent_seq),
					 (uint32_t)(0xfffff000 + got));
			if (n != 0)
				f &= (uint8_t)~RTE_TCP_CWR_FLAG;
			if (got + seg < o->payload)
				f &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
			assert_int_equal(tcp->tcp_flags, f);
		} else {
			assert_int_equal(
				rte_be_to_cpu_16(((const struct rte_udp_hdr *)th)->dgram_len),
				seg + 8);
		}
		for (uint32_t i = 0; i < seg; i++)
			if (th[l4 + i] != pat(got + i))
				fail_msg("payload byte %u differs", got + i);
		got += seg;
		n++;
		rte_pktmbuf_free(m);
	}
	if (got != o->payload)
		fail_msg("%u of %u payload bytes in %u frames", got, o->payload, n);
	return n;
}

/* The virtio-net header a kernel hands with a frame, to metadata and back:
 * a TSO frame whose VLAN tag the kernel had taken off (and the port put
 * back: csum_start moves), a checksum request that is not TCP or UDP over
 * IP (finished at once), and what is refused. */
static void
test_ol_vnet_header(void **state)
{
	struct olf o = {.vid = 7, .payload = 3000, .mss = 1448, .flags = RTE_TCP_CWR_FLAG};
	struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				    .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				    .hdr_len = 54,
				    .gso_size = 1448,
				    .csum_start = 34,
				    .csum_offset = 16},
			      back;
	struct rte_mbuf *m;
	bool sw;

	(void)state;
	m = ol_frame(&o, &mac_bcast, &mac_a);
	m->ol_flags = 0;
	m->tx_offload = 0;
	assert_int_equal(dp_ol_from_vnet(m, &vh, 4, &sw), 0);
	assert_false(sw);
	assert_int_equal(m->ol_flags & (DP_OL_ALL | RTE_MBUF_F_TX_IPV4),
			 RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4);
	assert_int_equal(m->l2_len, 18);
	assert_int_equal(m->l3_len, 20);
	assert_int_equal(m->l4_len, 20);
	assert_int_equal(m->tso_segsz, 1448);
	dp_ol_to_vnet(m, &back);
	assert_int_equal(back.csum_start, 38);
	assert_int_equal(back.csum_offset, 16);
	assert_int_equal(back.hdr_len, 58);
	assert_int_equal(back.gso_size, 1448);
	assert_int_equal(back.gso_type, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN);
	/* A kernel that counts the tag it handed over out of band. */
	m->ol_flags = 0;
	vh.csum_start = 38;
	assert_int_equal(dp_ol_from_vnet(m, &vh, 4, &sw), 0);
	assert_int_equal(m->l2_len, 18);
	assert_int_equal(m->l3_len, 20);
	/* The wrong family, UFO, no segment size: refused. */
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	assert_int_equal(dp_ol_from_vnet(m, &vh, 4, &sw), EPROTO);
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(dp_ol_from_vnet(m, &vh, 4, &sw), EPROTO);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 0;
	assert_int_equal(dp_ol_from_vnet(m, &vh, 4, &sw), EPROTO);
	rte_pktmbuf_free(m);

	/* IPv6 with the checksum past the fixed header (an extension header,
	 * a tunnel): not nameable as metadata, finished here. */
	o = (struct olf){.v6 = true, .vid = -1, .payload = 100, .flags = RTE_TCP_ACK_FLAG};
	m = ol_frame(&o, &mac_bcast, &mac_a);
	m->ol_flags = 0;
	m->tx_offload = 0;
	vh = (struct virtio_net_hdr){
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 14 + 40 + 8, .csum_offset = 16};
	assert_int_equal(dp_ol_from_vnet(m, &vh, 0, &sw), 0);
	assert_true(sw);
	assert_int_equal(m->ol_flags & DP_OL_ALL, 0);
	rte_pktmbuf_free(m);

	/* A checksum over bytes 20.. of a frame that is not IP, into the
	 * field at 20 + 4: finished here, no metadata left. */
	m = frame(&mac_bcast, &mac_a, 60);
	{
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		uint16_t sum;

		p[12] = 0x88; /* a local experimental EtherType */
		p[13] = 0xb5;
		p[24] = p[25] = 0;
		vh = (struct virtio_net_hdr){
			.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 4};
		assert_int_equal(dp_ol_from_vnet(m, &vh, 0, &sw), 0);
		assert_true(sw);
		assert_int_equal(m->ol_flags & DP_OL_ALL, 0);
		assert_int_equal(rte_raw_cksum_mbuf(m, 20, 40, &sum), 0);
		assert_int_equal(sum, 0xffff);
	}
	rte_pktmbuf_free(m);
}

/* A TCP super-frame flooded to two ports without TSO (rings): each gets
 * the same segments, from the one shared frame. IPv4 and IPv6. */
static void
test_ol_tso_segmented_in_software(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0), *c = tport_add(fx->br0);
	struct olf o = {.vid = -1,
			.payload = 60000,
			.mss = 1448,
			.flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_CWR_FLAG |
				 RTE_TCP_FIN_FLAG};
	unsigned int v6;

	for (v6 = 0; v6 < 2; v6++) {
		o.v6 = v6;
		o.mss = v6 ? 1440 : 1460; /* 1,514-byte frames: the MTU's */
		assert_int_equal(rte_ring_enqueue(a->rx, ol_frame(&o, &mac_bcast, &mac_a)), 0);
		poll_dp();
		assert_int_equal(ol_take(b, &o, -1), 42); /* 41 full, one shorter */
		assert_int_equal(ol_take(c, &o, -1), 42);
	}
	assert_int_equal(pstats(b).sw_gso, 2);
	assert_int_equal(pstats(b).tx_packets, 84);
	assert_int_equal(pstats(a).drops[DP_DROP_OVERSIZE], 0);
}

/* UDP segmentation (Linux's UDP_SEGMENT, USO): each segment a datagram. */
static void
test_ol_uso_segmented_in_software(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0);
	struct olf o = {.udp = true, .vid = -1, .payload = 14000, .mss = 1400};

	for (o.v6 = false;; o.v6 = true) {
		assert_int_equal(rte_ring_enqueue(a->rx, ol_frame(&o, &mac_bcast, &mac_a)), 0);
		poll_dp();
		assert_int_equal(ol_take(b, &o, -1), 10);
		if (o.v6)
			break;
	}
}

/* A frame with its checksum left to finish: finished for a port that cannot,
 * on a copy when the frame is shared (flooded, or held elsewhere: here by
 * the test), by the IP length (the Ethernet padding is not summed). */
static void
test_ol_checksum_finished_in_software(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0), *c = tport_add(fx->br0);
	struct olf o = {.vid = -1, .payload = 7, .flags = RTE_TCP_ACK_FLAG, .pad = 5};
	unsigned int k;

	for (k = 0; k < 4; k++) {
		struct rte_mbuf *m;
		uint16_t field, seed;

		o.v6 = k & 1;
		o.udp = k & 2;
		m = ol_frame(&o, &mac_bcast, &mac_a);
		/* The test keeps a reference: the frame it sent must be
		 * left as it was, the pseudo-header sum in its field, for
		 * outputs that hand it on unfinished. */
		field = (uint16_t)(m->l2_len + m->l3_len + (o.udp ? 6 : 16));
		seed = *rte_pktmbuf_mtod_offset(m, uint16_t *, field);
		rte_mbuf_refcnt_update(m, 1);
		assert_int_equal(rte_ring_enqueue(a->rx, m), 0);
		poll_dp();
		assert_int_equal(ol_take(b, &o, -1), 1);
		assert_int_equal(ol_take(c, &o, -1), 1);
		assert_int_equal(*rte_pktmbuf_mtod_offset(m, uint16_t *, field), seed);
		assert_int_equal(m->ol_flags & DP_OL_ALL,
				 o.udp ? RTE_MBUF_F_TX_UDP_CKSUM : RTE_MBUF_F_TX_TCP_CKSUM);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(pstats(b).sw_csum, 4);
	assert_int_equal(pstats(b).sw_gso, 0);
}

/* Through VLANs: a super-frame tagged 10 on the trunk enters VLAN 10's
 * bridge with its tag (and 4 bytes of its L2 header) gone; one from that
 * bridge leaves the trunk in segments, each tagged. */
static void
test_ol_vlan_pop_push(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *a1;
	struct olf o = {.vid = 10, .payload = 20000, .mss = 1448, .flags = RTE_TCP_ACK_FLAG};

	vlan_add(t, 10, fx->br1);
	a1 = tport_add(fx->br1);
	assert_int_equal(rte_ring_enqueue(t->rx, ol_frame(&o, &mac_bcast, &mac_a)), 0);
	poll_dp();
	assert_int_equal(ol_take(a1, &o, -1), 14);
	o.vid = -1;
	assert_int_equal(rte_ring_enqueue(a1->rx, ol_frame(&o, &mac_bcast, &mac_b)), 0);
	poll_dp();
	assert_int_equal(ol_take(t, &o, 10), 14);
}

/* A super-frame is longer than the MTU, its segments are not: forwarded.
 * One whose segments would be longer is oversize, and one the datapath
 * cannot segment (no segment size: it fits any MTU) is dropped as
 * bad_offload where it would be segmented. */
static void
test_ol_sizes_and_bad_metadata(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0);
	struct olf o = {.vid = -1, .payload = 3000, .mss = 1460, .flags = RTE_TCP_ACK_FLAG};
	struct rte_mbuf *m;

	assert_int_equal(rte_ring_enqueue(a->rx, ol_frame(&o, &mac_bcast, &mac_a)), 0);
	poll_dp();
	assert_int_equal(ol_take(b, &o, -1), 3); /* 1460: 1514-byte frames, the MTU's */
	o.mss = 1461;
	assert_int_equal(rte_ring_enqueue(a->rx, ol_frame(&o, &mac_bcast, &mac_a)), 0);
	poll_dp();
	assert_int_equal(drops(a, DP_DROP_OVERSIZE), 1);
	assert_int_equal(drain(b, NULL), 0);
	m = ol_frame(&o, &mac_bcast, &mac_a);
	m->tso_segsz = 0; /* no segment size */
	assert_int_equal(rte_ring_enqueue(a->rx, m), 0);
	poll_dp();
	assert_int_equal(drops(b, DP_DROP_BAD_OFFLOAD), 1);
	assert_int_equal(drain(b, NULL), 0);
}

/* QoS (a port's receive limit) ------------------------------------------- */

static uint32_t
qos_waiting(struct tport *t)
{
	uint64_t rate, burst;
	uint32_t waiting;

	assert_int_equal(dp_port_get_qos(dp, t->id, &rate, &burst, &waiting), 0);
	return waiting;
}

/* A burst's worth passes at once; the rest waits, in order, and none is
 * dropped. A port that is pulled from (a ring, as a vhost-user guest's
 * queue) is not read while its frames wait: the ring keeps the excess. */
static void
test_qos_burst_then_wait(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0);
	uint64_t rate, burst, t0;
	unsigned int i, n;
	uint32_t waiting;

	/* 1,000 bytes a second: nothing more comes during the test. */
	assert_int_equal(dp_port_set_qos(dp, a->id, 1000, 10000), 0);
	assert_int_equal(dp_port_get_qos(dp, a->id, &rate, &burst, &waiting), 0);
	assert_int_equal(rate, 1000);
	assert_int_equal(burst, 10000);
	for (i = 0; i < 100; i++)
		inject(a, &mac_bcast, &mac_a, 1000);
	poll_dp();
	assert_int_equal(drain(b, &mac_a), 10);	   /* the burst: 10 x 1,000 bytes */
	assert_int_equal(qos_waiting(a), 32 - 10); /* one burst of 32 read */
	assert_int_equal(rte_ring_count(a->rx), 100 - 32);
	for (i = 0; i < 5; i++)
		poll_dp();
	assert_int_equal(drain(b, NULL), 0);
	assert_int_equal(rte_ring_count(a->rx), 100 - 32);
	assert_int_equal(pstats(a).rx_packets, 10); /* counted as they enter */
	/* A higher rate holds at once: a full bucket's worth more. */
	assert_int_equal(dp_port_set_qos(dp, a->id, 1000, 30000), 0);
	poll_dp();
	assert_int_equal(drain(b, NULL), 0); /* the credit does not grow with the burst */
	/* 1 GB/s: the 90 left pass within 90 us (at most a second). */
	assert_int_equal(dp_port_set_qos(dp, a->id, 1000000000, 30000), 0);
	t0 = rte_rdtsc();
	for (n = 0; n < 90 && rte_rdtsc() - t0 < rte_get_tsc_hz(); n += drain(b, &mac_a))
		poll_dp();
	assert_int_equal(n, 90);
	assert_int_equal(qos_waiting(a), 0);
	assert_int_equal(drops(a, DP_DROP_QOS), 0);
	assert_int_equal(pstats(a).rx_packets, 100);
}

/* Clearing the limit lets what waits go at once, then everything; a
 * limit of 0 on a port that never had one changes nothing. */
static void
test_qos_clear(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0);
	uint64_t rate, burst;
	uint32_t waiting;
	unsigned int i;

	assert_int_equal(dp_port_set_qos(dp, b->id, 0, 0), 0);
	assert_int_equal(dp_port_get_qos(dp, b->id, &rate, &burst, &waiting), 0);
	assert_int_equal(rate, 0);
	assert_int_equal(dp_port_set_qos(dp, a->id, 1000, 2000), 0);
	for (i = 0; i < 20; i++)
		inject(a, &mac_bcast, &mac_a, 500);
	poll_dp();
	assert_int_equal(drain(b, NULL), 4);
	assert_int_equal(qos_waiting(a), 16);
	assert_int_equal(dp_port_set_qos(dp, a->id, 0, 0), 0);
	poll_dp();
	assert_int_equal(drain(b, NULL), 16);
	assert_int_equal(qos_waiting(a), 0);
	for (i = 0; i < 200; i++)
		inject(a, &mac_bcast, &mac_a, 500);
	for (i = 0; i < 10; i++)
		poll_dp();
	assert_int_equal(drain(b, NULL), 200);
	/* Limited again, from a full bucket. */
	assert_int_equal(dp_port_set_qos(dp, a->id, 1000, 2000), 0);
	for (i = 0; i < 20; i++)
		inject(a, &mac_bcast, &mac_a, 500);
	poll_dp();
	assert_int_equal(drain(b, NULL), 4);
	assert_int_equal(drops(a, DP_DROP_QOS), 0);
}

/* A port deleted while frames wait takes them with it; the worker that
 * listed it lets go; the port's id used again has no limit. */
static void
test_qos_port_del_with_waiting(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0);
	unsigned int avail = rte_mempool_avail_count(dp_mempool(dp)), i;
	uint16_t id = a->id;

	assert_int_equal(dp_port_set_qos(dp, a->id, 1000, 1000), 0);
	for (i = 0; i < 20; i++)
		inject(a, &mac_bcast, &mac_a, 1000);
	poll_dp();
	assert_int_equal(drain(b, NULL), 1);
	assert_int_equal(dp_port_del(dp, a->id), 0);
	poll_dp();
	assert_int_equal(drain(b, NULL), 0);
	a = tport_add(fx->br0);
	assert_int_equal(a->id, id);
	for (i = 0; i < 40; i++)
		inject(a, &mac_bcast, &mac_a, 1000);
	poll_dp();
	poll_dp();
	assert_int_equal(drain(b, NULL), 40);
	assert_int_equal(rte_mempool_avail_count(dp_mempool(dp)) + rte_ring_count(tp[0].rx), avail);
}

/* Over time the rate holds: with the ring kept full for 200 ms at 1 MB/s
 * and a 10,000-byte burst, about 210,000 bytes pass. */
static void
test_qos_rate(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0);
	uint64_t t0, hz = rte_get_tsc_hz(), bytes = 0;

	assert_int_equal(dp_port_set_qos(dp, a->id, 1000000, 10000), 0);
	t0 = rte_rdtsc();
	while (rte_rdtsc() - t0 < hz / 5) {
		while (rte_ring_count(a->rx) < 64)
			inject(a, &mac_bcast, &mac_a, 1000);
		poll_dp();
		bytes += 1000 * drain(b, NULL);
	}
	print_message("1 MB/s for 200 ms: %" PRIu64 " bytes\n", bytes);
	assert_true(bytes >= 200000 && bytes <= 212000);
}

/* A frame larger than the burst (a limit set through the API with a small
 * one) goes once the bucket is full, rather than blocking the port. */
static void
test_qos_frame_over_burst(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0);
	unsigned int i;

	assert_int_equal(dp_port_set_qos(dp, a->id, 1000, 500), 0);
	for (i = 0; i < 3; i++)
		inject(a, &mac_bcast, &mac_a, 1000);
	poll_dp();
	assert_int_equal(drain(b, NULL), 1);
	assert_int_equal(qos_waiting(a), 2);
	/* Half a second refills the 500 bytes: the next one goes. */
	usleep(600000);
	poll_dp();
	assert_int_equal(drain(b, NULL), 1);
	assert_int_equal(qos_waiting(a), 1);
}

/* Refusals: a port fed through others, a rate without a burst, no port. */
static void
test_qos_refused(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0);
	uint16_t v = vlan_add(t, 10, fx->br1);
	struct dp_port_params pp = {.kind = DP_PORT_VLAN,
				    .name = "vlan",
				    .bridge = fx->br1,
				    .mtu = 1500,
				    .parent = t->id,
				    .vid = 11,
				    .qos_rate = 1000,
				    .qos_burst = 1000};
	uint16_t id;

	assert_int_equal(dp_port_set_qos(dp, v, 1000, 1000), EINVAL);
	assert_int_equal(dp_port_add(dp, &pp, &id), EINVAL);
	assert_int_equal(dp_port_set_qos(dp, t->id, 1000, 0), EINVAL);
	assert_int_equal(dp_port_set_qos(dp, DP_MAX_PORTS - 1, 1000, 1000), ENOENT);
	assert_int_equal(qos_waiting(t), 0);
}

/* Locking (a VM's port locked to its MAC and addresses) ------------------ */

/* A frame of @len bytes of @body after an Ethernet header (@type). */
static struct rte_mbuf *
raw_frame(const struct rte_ether_addr *dst, const struct rte_ether_addr *src, uint16_t type,
	  const uint8_t *body, uint16_t len)
{
	struct rte_mbuf *m = frame(dst, src, (uint16_t)(RTE_ETHER_HDR_LEN + len));
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eth->ether_type = rte_cpu_to_be_16(type);
	memcpy(eth + 1, body, len);
	return m;
}

static const uint8_t ip4_ok[4] = {198, 18, 0, 1}, ip4_bad[4] = {198, 18, 0, 9};
static const uint8_t ip6_ok[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t ip6_bad[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};
static const uint8_t ip6_none[16];

static uint16_t
arp_body(uint8_t *b, const struct rte_ether_addr *sha, const uint8_t *spa)
{
	static const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 1};

	memset(b, 0, 28);
	memcpy(b, head, 8);
	memcpy(b + 8, sha, 6);
	memcpy(b + 14, spa, 4);
	memcpy(b + 24, ip4_ok, 4);
	return 28;
}

/* IPv4 (20-byte header) carrying UDP to @dport, from @src. */
static uint16_t
udp4_body(uint8_t *b, const uint8_t *src, uint16_t dport)
{
	memset(b, 0, 28);
	b[0] = 0x45;
	b[3] = 28;
	b[8] = 64;
	b[9] = IPPROTO_UDP;
	memcpy(b + 12, src, 4);
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	return 28;
}

/* IPv6 from @src carrying @proto's @len bytes of @l4, behind a hop-by-hop
 * header if @hbh. */
static uint16_t
ip6_body(uint8_t *b, const uint8_t *src, uint8_t proto, const uint8_t *l4, uint16_t len, bool hbh)
{
	uint16_t off = 40;

	memset(b, 0, 40);
	b[0] = 0x60;
	b[6] = hbh ? 0 : proto;
	b[7] = 255;
	memcpy(b + 8, src, 16);
	b[24] = 0xff;
	b[25] = 0x02;
	b[39] = 1;
	if (hbh) {
		memset(b + off, 0, 8);
		b[off] = proto;
		off += 8;
	}
	memcpy(b + off, l4, len);
	off = (uint16_t)(off + len);
	b[4] = (uint8_t)((off - 40) >> 8);
	b[5] = (uint8_t)(off - 40);
	return off;
}

/* An ICMPv6 neighbour solicitation or advertisement (@type) for @target,
 * with a link-layer address option (@opt 1 or 2) of @mac if non-NULL. */
static uint16_t
nd_body(uint8_t *b, uint8_t type, const uint8_t *target, uint8_t opt,
	const struct rte_ether_addr *mac)
{
	memset(b, 0, 32);
	b[0] = type;
	memcpy(b + 8, target, 16);
	if (mac == NULL)
		return 24;
	b[24] = opt;
	b[25] = 1;
	memcpy(b + 26, mac, 6);
	return 32;
}

/* Inject @m on @in; true if it reached @out (and nothing else did). */
static bool
passes(struct tport *in, struct tport *out, struct rte_mbuf *m)
{
	assert_int_equal(rte_ring_enqueue(in->rx, m), 0);
	poll_dp();
	return drain(out, NULL) == 1;
}

static void
lock_set(struct tport *t, enum dp_lock_mode mode)
{
	static const uint32_t v4[] = {RTE_IPV4(198, 18, 0, 1)};
	uint32_t be4 = rte_cpu_to_be_32(v4[0]);
	const uint8_t(*v6)[16] = &ip6_ok;
	struct dp_lock_params lp = {
		.mode = mode, .n_ipv4 = 1, .n_ipv6 = 1, .ipv4 = &be4, .ipv6 = v6};

	memcpy(lp.mac.b, &mac_a, 6);
	assert_int_equal(dp_port_set_lock(dp, t->id, &lp), 0);
}

/* Each of xapi's rules for a locked VIF, with a frame that passes and
 * frames that are dropped, by reason. */
static void
test_lock_rules(void **state)
{
	struct fixture *fx = *state;
	struct tport *a, *b;
	uint8_t body[256], l4[160] = {0};
	uint16_t n, k;

	next_access = true;
	a = tport_add(fx->br0);
	b = tport_add(fx->br0);
	lock_set(a, DP_LOCK_LOCKED);
	/* IPv4: the allowed address from the VIF's MAC; another MAC; another
	 * address; DHCP from none; other UDP from none. */
	n = udp4_body(body, ip4_ok, 53);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV4, body, n)));
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_b, RTE_ETHER_TYPE_IPV4, body, n)));
	assert_int_equal(drops(a, DP_DROP_LOCK_MAC), 1);
	n = udp4_body(body, ip4_bad, 53);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV4, body, n)));
	assert_int_equal(drops(a, DP_DROP_LOCK_IPV4), 1);
	n = udp4_body(body, (const uint8_t[4]){0}, 67);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV4, body, n)));
	n = udp4_body(body, (const uint8_t[4]){0}, 68);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV4, body, n)));
	assert_int_equal(drops(a, DP_DROP_LOCK_IPV4), 2);
	/* A truncated header. */
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV4, body, 12)));
	assert_int_equal(drops(a, DP_DROP_LOCK_IPV4), 3);

	/* ARP: an allowed sender, a probe, another sender address, another
	 * sender MAC, truncated. */
	n = arp_body(body, &mac_a, ip4_ok);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_ARP, body, n)));
	n = arp_body(body, &mac_a, (const uint8_t[4]){0});
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_ARP, body, n)));
	n = arp_body(body, &mac_a, ip4_bad);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_ARP, body, n)));
	n = arp_body(body, &mac_b, ip4_ok);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_ARP, body, n)));
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_ARP, body, 20)));
	assert_int_equal(drops(a, DP_DROP_LOCK_ARP), 3);

	/* IPv6: UDP from the allowed address and from another. */
	n = ip6_body(body, ip6_ok, IPPROTO_UDP, l4, 8, false);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	n = ip6_body(body, ip6_bad, IPPROTO_UDP, l4, 8, false);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	assert_int_equal(drops(a, DP_DROP_LOCK_IPV6), 1);
	/* Neighbour solicitation: from the allowed address with our MAC; with
	 * another MAC in its option; duplicate address detection (from ::)
	 * for the allowed address and for another. */
	k = nd_body(l4, 135, ip6_bad, 1, &mac_a);
	n = ip6_body(body, ip6_ok, 58, l4, k, false);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	k = nd_body(l4, 135, ip6_bad, 1, &mac_b);
	n = ip6_body(body, ip6_ok, 58, l4, k, false);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	k = nd_body(l4, 135, ip6_ok, 0, NULL);
	n = ip6_body(body, ip6_none, 58, l4, k, false);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	k = nd_body(l4, 135, ip6_bad, 0, NULL);
	n = ip6_body(body, ip6_none, 58, l4, k, false);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	assert_int_equal(drops(a, DP_DROP_LOCK_IPV6), 3);
	/* Neighbour advertisement: for the allowed address with our MAC; for
	 * another address; with another MAC. */
	k = nd_body(l4, 136, ip6_ok, 2, &mac_a);
	n = ip6_body(body, ip6_ok, 58, l4, k, false);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	k = nd_body(l4, 136, ip6_bad, 2, &mac_a);
	n = ip6_body(body, ip6_ok, 58, l4, k, false);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	k = nd_body(l4, 136, ip6_ok, 2, &mac_b);
	n = ip6_body(body, ip6_ok, 58, l4, k, false);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	assert_int_equal(drops(a, DP_DROP_LOCK_IPV6), 5);
	/* A router's messages, even from the allowed address: an
	 * advertisement, a redirect, an MLD query behind a hop-by-hop
	 * header; an MLD report there passes. */
	memset(l4, 0, 24);
	l4[0] = 134;
	n = ip6_body(body, ip6_ok, 58, l4, 16, false);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	l4[0] = 137;
	n = ip6_body(body, ip6_ok, 58, l4, 24, false);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	l4[0] = 130;
	n = ip6_body(body, ip6_ok, 58, l4, 24, true);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
	assert_int_equal(drops(a, DP_DROP_LOCK_IPV6), 8);
	l4[0] = 143;
	n = ip6_body(body, ip6_ok, 58, l4, 24, true);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));

	/* Neighbour discovery that is not whole in the first segment: a
	 * solicitation whose option (another MAC) is in a second segment,
	 * one in a fragment, one whose payload length ends inside it. */
	{
		struct rte_mbuf *m, *tail;
		uint8_t *p;

		k = nd_body(l4, 135, ip6_bad, 1, &mac_b);
		n = ip6_body(body, ip6_ok, 58, l4, k, false);
		m = raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, (uint16_t)(n - 8));
		tail = rte_pktmbuf_alloc(dp_mempool(dp));
		assert_non_null(tail);
		p = (uint8_t *)rte_pktmbuf_append(tail, 8);
		memcpy(p, body + n - 8, 8);
		assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
		assert_false(passes(a, b, m));
		k = nd_body(l4, 135, ip6_bad, 1, &mac_a);
		memset(body, 0, 8);
		body[0] = 58; /* a fragment header, offset 0, then the message */
		memcpy(body + 8, l4, k);
		n = ip6_body(l4 + 32, ip6_ok, IPPROTO_FRAGMENT, body, (uint16_t)(8 + k), false);
		assert_false(passes(
			a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, l4 + 32, n)));
		n = ip6_body(body, ip6_ok, 58, l4, k, false);
		body[5] = 20; /* the payload ends in the target */
		assert_false(
			passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV6, body, n)));
		assert_int_equal(drops(a, DP_DROP_LOCK_IPV6), 11);
	}
	/* A runt is one, locked or not. */
	assert_false(passes(a, b, frame(&mac_bcast, &mac_a, 10)));
	assert_int_equal(drops(a, DP_DROP_RUNT), 1);
	/* Another ethertype. */
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, 0x88b5, body, 46)));
	assert_int_equal(drops(a, DP_DROP_LOCK_OTHER), 1);
	/* Towards the VM nothing is checked. */
	n = udp4_body(body, ip4_bad, 53);
	assert_true(passes(b, a, raw_frame(&mac_a, &mac_c, RTE_ETHER_TYPE_IPV4, body, n)));
	/* Unlocked: all of it passes. */
	assert_int_equal(dp_port_set_lock(dp, a->id, NULL), 0);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_b, 0x88b5, body, 46)));
}

/* Disabled: nothing either way, and the port's MACs forgotten; enabled
 * again, both ways again. */
static void
test_lock_disabled(void **state)
{
	struct fixture *fx = *state;
	struct tport *a, *b, *c;
	uint8_t body[64];
	uint16_t n = udp4_body(body, ip4_ok, 53);

	next_access = true;
	a = tport_add(fx->br0);
	b = tport_add(fx->br0);
	c = tport_add(fx->br0);
	assert_true(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV4, body, n)));
	drain(c, NULL);
	assert_int_equal(fdb_port(fx->br0, &mac_a), a->id);
	lock_set(a, DP_LOCK_DISABLED);
	assert_int_equal(fdb_port(fx->br0, &mac_a), -1);
	assert_false(passes(a, b, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV4, body, n)));
	assert_int_equal(drops(a, DP_DROP_LOCK_DISABLED), 1);
	assert_int_equal(drain(c, NULL), 0);
	/* Flooded and unicast to its MAC from b: to c only. */
	assert_false(passes(b, a, raw_frame(&mac_bcast, &mac_b, RTE_ETHER_TYPE_IPV4, body, n)));
	assert_int_equal(drain(c, NULL), 1);
	assert_false(passes(b, a, raw_frame(&mac_a, &mac_b, RTE_ETHER_TYPE_IPV4, body, n)));
	assert_int_equal(drain(c, NULL), 1);
	/* The others still flood to each other: no destination lost. */
	assert_int_equal(drops(b, DP_DROP_NO_DESTINATION), 0);
	assert_int_equal(dp_port_set_lock(dp, a->id, NULL), 0);
	assert_true(passes(b, a, raw_frame(&mac_a, &mac_b, RTE_ETHER_TYPE_IPV4, body, n)));
	drain(c, NULL);
	assert_true(passes(a, b, raw_frame(&mac_b, &mac_a, RTE_ETHER_TYPE_IPV4, body, n)));
}

/* Refusals: a port that is not a VM's, too many addresses, no port; a
 * port plugged locked is locked from its first frame. */
static void
test_lock_refused(void **state)
{
	struct fixture *fx = *state;
	static uint32_t many[DP_LOCK_MAX_ADDRS + 1];
	struct dp_lock_params lp = {.mode = DP_LOCK_LOCKED, .n_ipv4 = 1, .ipv4 = many};
	struct tport *t = tport_add(fx->br0), *a;
	enum dp_lock_mode mode;
	unsigned int n4, n6;

	assert_int_equal(dp_port_set_lock(dp, t->id, &lp), EINVAL);
	next_access = true;
	a = tport_add(fx->br0);
	lp.n_ipv4 = DP_LOCK_MAX_ADDRS + 1;
	assert_int_equal(dp_port_set_lock(dp, a->id, &lp), EINVAL);
	assert_int_equal(dp_port_set_lock(dp, DP_MAX_PORTS - 1, &lp), ENOENT);
	assert_int_equal(dp_port_get_lock(dp, a->id, &mode, &n4, &n6), 0);
	assert_int_equal(mode, DP_LOCK_UNLOCKED);
	lp.n_ipv4 = DP_LOCK_MAX_ADDRS;
	assert_int_equal(dp_port_set_lock(dp, a->id, &lp), 0);
	assert_int_equal(dp_port_get_lock(dp, a->id, &mode, &n4, &n6), 0);
	assert_int_equal(mode, DP_LOCK_LOCKED);
	assert_int_equal(n4, DP_LOCK_MAX_ADDRS);
	assert_int_equal(n6, 0);
	/* Its MAC is 00:00:00:00:00:00: nothing of A's passes. */
	assert_false(passes(a, t, frame(&mac_bcast, &mac_a, 64)));
	assert_int_equal(drops(a, DP_DROP_LOCK_MAC), 1);
}

/* Capture --------------------------------------------------------------- */

/* The next frame session @id kept, or fail. */
static struct dp_capture_frame
cap_next(unsigned int id, uint8_t *buf)
{
	struct dp_capture_frame f;

	assert_int_equal(dp_capture_next(dp, id, &f, buf, 2048), 1);
	return f;
}

/* A filter in tcpdump's syntax, as switchd compiles it. */
static struct bpf_program
cap_filter(const char *expr)
{
	pcap_t *pc = pcap_open_dead(DLT_EN10MB, 65535);
	struct bpf_program prog;

	assert_non_null(pc);
	assert_int_equal(pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
	pcap_close(pc);
	return prog;
}

/* What a port receives and sends, in order, cut to the snap length;
 * nothing of the others'; the ring's bound counted; stop frees it all. */
static void
test_capture_in_out(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0);
	unsigned int avail = rte_mempool_avail_count(dp_mempool(dp)), id, i;
	struct dp_capture_params cp = {.ports = &a->id,
				       .n_ports = 1,
				       .dir = DP_CAPTURE_IN | DP_CAPTURE_OUT,
				       .snaplen = 64};
	uint64_t kept, dropped;
	struct dp_capture_frame f;
	uint8_t buf[2048];

	assert_int_equal(dp_capture_start(dp, &cp, &id), 0);
	inject(a, &mac_bcast, &mac_a, 100);
	poll_dp();
	inject(b, &mac_a, &mac_b, 80);
	poll_dp();
	assert_int_equal(drain(a, &mac_b), 1);
	assert_int_equal(drain(b, &mac_a), 1);
	f = cap_next(id, buf);
	assert_int_equal(f.port, a->id);
	assert_int_equal(f.dir, DP_CAPTURE_IN);
	assert_int_equal(f.orig_len, 100);
	assert_int_equal(f.len, 64);
	assert_memory_equal(buf + 6, &mac_a, 6);
	f = cap_next(id, buf);
	assert_int_equal(f.dir, DP_CAPTURE_OUT);
	assert_int_equal(f.orig_len, 80);
	assert_memory_equal(buf + 6, &mac_b, 6);
	assert_int_equal(dp_capture_next(dp, id, &f, buf, sizeof(buf)), 0);
	/* Unread, a session keeps about 1,024 frames per worker; the rest
	 * are counted, and forwarding goes on. */
	for (i = 0; i < 6; i++) {
		unsigned int got = 0;

		for (unsigned int k = 0; k < 200; k++)
			inject(a, &mac_bcast, &mac_a, 64);
		for (unsigned int k = 0; k < 8; k++) { /* a burst of 32 a pass */
			poll_dp();
			got += drain(b, NULL);
		}
		assert_int_equal(got, 200);
	}
	dp_capture_stats(dp, id, &kept, &dropped);
	assert_int_equal(kept + dropped, 2 + 1200);
	assert_true(dropped >= 1200 - 1024);
	for (i = 0; dp_capture_next(dp, id, &f, buf, sizeof(buf)) == 1; i++)
		;
	assert_int_equal(i, kept - 2);
	assert_int_equal(dp_capture_stop(dp, id), 0);
	assert_int_equal(dp_capture_stop(dp, id), ENOENT);
	assert_int_equal(rte_mempool_avail_count(dp_mempool(dp)), avail);
}

/* A trunk's frames tagged, on the trunk, both ways; its VLAN port's
 * untagged; a filter keeps only what matches. */
static void
test_capture_vlan_and_filter(void **state)
{
	struct fixture *fx = *state;
	struct tport *t = trunk_add(fx->br0), *p = tport_add(fx->br1);
	uint16_t v = vlan_add(t, 10, fx->br1), ports[2] = {t->id, v};
	struct dp_capture_params cp = {.ports = ports,
				       .n_ports = 2,
				       .dir = DP_CAPTURE_IN | DP_CAPTURE_OUT,
				       .snaplen = 256};
	struct bpf_program prog = cap_filter("vlan 10 and ether src 02:00:00:00:00:0a");
	struct dp_capture_frame f;
	unsigned int id, id2;
	uint8_t buf[2048];

	assert_int_equal(dp_capture_start(dp, &cp, &id), 0);
	inject_tagged(t, &mac_bcast, &mac_a, 0x8100, 10, 64);
	poll_dp();
	assert_int_equal(drain(p, &mac_a), 1);
	f = cap_next(id, buf);
	assert_int_equal(f.port, t->id);
	assert_int_equal(buf[12] << 8 | buf[13], 0x8100);
	f = cap_next(id, buf);
	assert_int_equal(f.port, v);
	assert_int_equal(f.dir, DP_CAPTURE_IN);
	assert_int_not_equal(buf[12] << 8 | buf[13], 0x8100);
	/* Back out: on the VLAN port untagged, on the trunk tagged. */
	inject(p, &mac_a, &mac_b, 64);
	poll_dp();
	assert_int_equal(drain(t, &mac_b), 1);
	f = cap_next(id, buf);
	assert_int_equal(f.port, v);
	assert_int_equal(f.dir, DP_CAPTURE_OUT);
	assert_int_not_equal(buf[12] << 8 | buf[13], 0x8100);
	f = cap_next(id, buf);
	assert_int_equal(f.port, t->id);
	assert_int_equal(f.dir, DP_CAPTURE_OUT);
	assert_int_equal(buf[12] << 8 | buf[13], 0x8100);
	assert_int_equal(dp_capture_stop(dp, id), 0);
	/* The filter: only A's tagged frames on the trunk. */
	cp.n_ports = 1;
	cp.filter = &prog;
	assert_int_equal(dp_capture_start(dp, &cp, &id2), 0);
	inject_tagged(t, &mac_bcast, &mac_b, 0x8100, 10, 64);
	inject_tagged(t, &mac_bcast, &mac_a, 0x8100, 10, 64);
	poll_dp();
	drain(p, NULL);
	f = cap_next(id2, buf);
	assert_memory_equal(buf + 6, &mac_a, 6);
	assert_int_equal(dp_capture_next(dp, id2, &f, buf, sizeof(buf)), 0);
	assert_int_equal(dp_capture_stop(dp, id2), 0);
	pcap_freecode(&prog);
}

/* A filter with indirect loads (the TCP header after a variable IP
 * header), which DPDK 22.11's JIT cannot run: it runs interpreted, and
 * keeps what it should. */
static void
test_capture_indirect_filter(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0), *b = tport_add(fx->br0);
	struct bpf_program prog = cap_filter("tcp[tcpflags] & tcp-syn != 0");
	struct dp_capture_params cp = {.ports = &a->id,
				       .n_ports = 1,
				       .dir = DP_CAPTURE_IN,
				       .snaplen = 128,
				       .filter = &prog};
	struct dp_capture_frame f;
	uint8_t buf[2048], tcp[40] = {0x45, 0, 0, 40, [8] = 64, [9] = IPPROTO_TCP};
	unsigned int id;

	assert_int_equal(dp_capture_start(dp, &cp, &id), 0);
	tcp[20 + 13] = RTE_TCP_ACK_FLAG;
	assert_int_equal(rte_ring_enqueue(a->rx, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV4,
							   tcp, 40)),
			 0);
	tcp[20 + 13] = RTE_TCP_SYN_FLAG;
	assert_int_equal(rte_ring_enqueue(a->rx, raw_frame(&mac_bcast, &mac_a, RTE_ETHER_TYPE_IPV4,
							   tcp, 40)),
			 0);
	poll_dp();
	assert_int_equal(drain(b, NULL), 2);
	f = cap_next(id, buf);
	assert_int_equal(buf[14 + 20 + 13] & RTE_TCP_SYN_FLAG, RTE_TCP_SYN_FLAG);
	assert_int_equal(dp_capture_next(dp, id, &f, buf, sizeof(buf)), 0);
	assert_int_equal(dp_capture_stop(dp, id), 0);
	pcap_freecode(&prog);
}

/* Refusals; eight sessions at once and no more. */

/* Trace */

struct snap {
	struct dp_port_stats st[MAX_TPORTS + 2];
	struct dp_fdb_stats fs;
	unsigned int n_fdb;
	uint64_t fdb[64]; /* each entry: MAC, port */
};

static int
fdb_entry_cb(const struct dp_fdb_entry *e, void *arg)
{
	struct snap *s = arg;
	uint64_t v = e->port;

	for (unsigned int i = 0; i < MAC_LEN; i++)
		v = v << 8 | e->mac.b[i];
	if (s->n_fdb < RTE_DIM(s->fdb))
		s->fdb[s->n_fdb] = v;
	s->n_fdb++;
	return 0;
}

/* Every counter of the test ports and of @extra (a VLAN port), the FDB's
 * counters and its entries (MAC and port) on both bridges. */
static void
snap_take(const struct fixture *fx, uint16_t extra, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < n_tports; i++)
		s->st[i] = pstats(&tp[i]);
	if (extra != DP_PORT_NONE)
		assert_int_equal(dp_port_stats_get(dp, extra, &s->st[MAX_TPORTS]), 0);
	dp_fdb_stats_get(dp, &s->fs);
	dp_fdb_dump(dp, fx->br0, fdb_entry_cb, s);
	dp_fdb_dump(dp, fx->br1, fdb_entry_cb, s);
}

static int
tport_of(uint16_t id)
{
	for (unsigned int i = 0; i < n_tports; i++)
		if (tp[i].id == id)
			return (int)i;
	return -1;
}

/* Trace @m arriving on @in, check that the trace changed nothing, then let
 * it arrive: the ports that send it are those the trace said (an output
 * through a trunk or a bond's member leaves by that port), and a drop is
 * counted where and as the trace said. */
static void
trace_agrees(const struct fixture *fx, struct tport *in, uint16_t vlan_port, struct rte_mbuf *m,
	     const char *what)
{
	static uint8_t buf[2048];
	uint32_t len = m->pkt_len;
	bool want[MAX_TPORTS] = {false};
	struct dp_port_stats before[4], after;
	uint16_t drop_at[4];
	int drop_why[4];
	unsigned int n_drops = 0;
	bool waits = false;
	struct snap a, b;
	struct dp_trace t;
	unsigned int i;

	assert_true(len <= sizeof(buf));
	memcpy(buf, rte_pktmbuf_mtod(m, void *), len);
	snap_take(fx, vlan_port, &a);
	assert_int_equal(dp_trace(dp, in->id, buf, len, &t), 0);
	snap_take(fx, vlan_port, &b);
	if (memcmp(&a, &b, sizeof(a)) != 0)
		fail_msg("%s: the trace changed a counter or the FDB", what);
	for (i = 0; i < t.n_steps; i++) {
		const struct dp_trace_step *s = &t.steps[i];
		uint16_t phys = s->port3 != DP_PORT_NONE   ? s->port3
				: s->port2 != DP_PORT_NONE ? s->port2
							   : s->port;
		int k;

		if (s->kind != DP_TRACE_OUTPUT || s->verdict >= 0)
			continue;
		k = tport_of(phys);
		if (k < 0)
			fail_msg("%s: output to port %u, no test port", what, phys);
		want[k] = true;
	}
	/* The drops it names: the frame's, and those of outputs that do not
	 * take it (a flood may go on elsewhere). */
	for (i = 0; i < t.n_steps; i++) {
		if (t.steps[i].kind == DP_TRACE_QOS && t.steps[i].e != 0)
			waits = true;
		if (t.steps[i].kind == DP_TRACE_OUTPUT && t.steps[i].verdict >= 0 &&
		    t.steps[i].port != t.drop_port && n_drops < RTE_DIM(drop_at) - 1) {
			drop_at[n_drops] = t.steps[i].port;
			drop_why[n_drops++] = t.steps[i].verdict;
		}
	}
	if (t.drop >= 0) {
		drop_at[n_drops] = t.drop_port;
		drop_why[n_drops++] = t.drop;
	}
	for (i = 0; i < n_drops; i++)
		assert_int_equal(dp_port_stats_get(dp, drop_at[i], &before[i]), 0);
	assert_int_equal(rte_ring_enqueue(in->rx, m), 0);
	poll_dp();
	if (waits) {
		/* Nothing goes yet; once the limit is cleared, what waits goes
		 * where the trace said. */
		for (i = 0; i < n_tports; i++)
			if (drain(&tp[i], NULL) != 0)
				fail_msg("%s: the trace said it waits, port %u sent it", what,
					 tp[i].id);
		assert_int_equal(dp_port_set_qos(dp, in->id, 0, 0), 0);
		poll_dp();
	}
	for (i = 0; i < n_tports; i++) {
		unsigned int got = drain(&tp[i], NULL);

		if (got != (want[i] ? 1u : 0u))
			fail_msg("%s: port %u sent %u frames, the trace said %u", what, tp[i].id,
				 got, want[i] ? 1u : 0u);
	}
	for (i = 0; i < n_drops; i++) {
		assert_int_equal(dp_port_stats_get(dp, drop_at[i], &after), 0);
		if (after.drops[drop_why[i]] != before[i].drops[drop_why[i]] + 1)
			fail_msg("%s: the trace said %s on port %u, counted %" PRIu64 " more", what,
				 dp_drop_name((enum dp_drop)drop_why[i]), drop_at[i],
				 after.drops[drop_why[i]] - before[i].drops[drop_why[i]]);
	}
	if (n_drops == 0 && t.n_out == 0)
		fail_msg("%s: the trace says neither an output nor a drop", what);
	dp_trace_free(&t);
}

/* netctl trace's datapath half: for a table of frames, the trace says what
 * then happens, and changes nothing itself. */
static void
test_trace_agrees(void **state)
{
	struct fixture *fx = *state;
	static const struct rte_ether_addr reserved = {{0x01, 0x80, 0xc2, 0, 0, 0}};
	static const struct rte_ether_addr mac_d = {{0x02, 0, 0, 0, 0, 0x0d}};
	static const struct rte_ether_addr mac_e = {{0x02, 0, 0, 0, 0, 0x0e}};
	struct tport *trunk = trunk_add(fx->br0), *vm1, *vm2, *v10;
	uint16_t vlan10;
	struct dp_trace t;

	next_access = true;
	vm1 = tport_add(fx->br0);
	next_access = true;
	vm2 = tport_add(fx->br0);
	vlan10 = vlan_add(trunk, 10, fx->br1);
	v10 = tport_add(fx->br1);
	/* vm1 has mac_a, vm2 mac_b, the upstream mac_d (learned on the trunk). */
	inject(vm1, &mac_bcast, &mac_a, 64);
	inject(vm2, &mac_bcast, &mac_b, 64);
	inject(trunk, &mac_bcast, &mac_d, 64);
	poll_dp();
	drain_all();

	trace_agrees(fx, vm1, vlan10, frame(&mac_b, &mac_a, 100), "known unicast");
	trace_agrees(fx, vm1, vlan10, frame(&mac_c, &mac_a, 100), "unknown unicast");
	trace_agrees(fx, vm1, vlan10, frame(&mac_bcast, &mac_a, 100), "broadcast");
	trace_agrees(fx, vm1, vlan10, frame(&mac_mcast, &mac_a, 100), "multicast");
	trace_agrees(fx, vm1, vlan10, frame(&reserved, &mac_a, 100), "reserved multicast");
	trace_agrees(fx, vm1, vlan10, frame(&mac_b, &mac_mcast, 100), "source multicast");
	trace_agrees(fx, vm1, vlan10, frame(&mac_a, &mac_a, 100), "to itself: hairpin");
	trace_agrees(fx, vm1, vlan10, frame(&mac_b, &mac_c, 100), "a new source");
	trace_agrees(fx, vm2, vlan10, frame(&mac_c, &mac_b, 100), "to the MAC just learned");
	trace_agrees(fx, vm1, vlan10, frame(&mac_b, &mac_c, 10), "runt");
	trace_agrees(fx, vm1, vlan10, frame(&mac_b, &mac_a, 1600), "oversize");
	trace_agrees(fx, vm1, vlan10, frame_tagged(&mac_b, &mac_a, RTE_ETHER_TYPE_VLAN, 10, 100),
		     "tagged from a VM");
	trace_agrees(fx, vm1, vlan10, frame_tagged(&mac_b, &mac_a, RTE_ETHER_TYPE_VLAN, 0, 100),
		     "priority-tagged from a VM");
	trace_agrees(fx, trunk, vlan10, frame(&mac_a, &mac_d, 100), "untagged on the trunk");
	trace_agrees(fx, trunk, vlan10,
		     frame_tagged(&mac_bcast, &mac_d, RTE_ETHER_TYPE_VLAN, 10, 100),
		     "tagged for a configured VLAN");
	trace_agrees(fx, trunk, vlan10, frame_tagged(&mac_b, &mac_d, RTE_ETHER_TYPE_VLAN, 20, 100),
		     "tagged for an unknown VLAN");
	trace_agrees(fx, v10, vlan10, frame(&mac_d, &mac_c, 100),
		     "from the VLAN's bridge: out of the trunk tagged");
	trace_agrees(fx, v10, vlan10, frame(&mac_e, &mac_e, 100), "to itself, unlearned");
	lock_set(vm1, DP_LOCK_LOCKED);
	trace_agrees(fx, vm1, vlan10, frame(&mac_b, &mac_a, 100), "locked: IPv4 not allowed");
	trace_agrees(fx, vm1, vlan10, frame(&mac_b, &mac_c, 100), "locked: another MAC");
	lock_set(vm1, DP_LOCK_DISABLED);
	trace_agrees(fx, vm1, vlan10, frame(&mac_b, &mac_a, 100), "disabled");

	/* A bond's members (active-backup: the backup takes nothing) and its
	 * choice of member out (balance-slb: by the source's bucket). */
	{
		uint16_t bond = bond_add(fx->br0, DP_BOND_ACTIVE_BACKUP);
		struct tport *m0 = member_add(bond), *m1 = member_add(bond);
		static const struct rte_ether_addr mac_f = {{0x02, 0, 0, 0, 0, 0x0f}};

		assert_int_equal(dp_bond_member_enable(dp, m0->id, true), 0);
		assert_int_equal(dp_bond_member_enable(dp, m1->id, true), 0);
		assert_int_equal(dp_bond_set_active(dp, bond, m0->id), 0);
		trace_agrees(fx, m0, vlan10, frame(&mac_bcast, &mac_f, 100), "bond: active member");
		trace_agrees(fx, m1, vlan10, frame(&mac_bcast, &mac_f, 100), "bond: backup member");
		trace_agrees(fx, vm2, vlan10, frame(&mac_f, &mac_b, 100),
			     "bond: out of the active");
		assert_int_equal(dp_bond_set_mode(dp, bond, DP_BOND_BALANCE_SLB), 0);
		for (unsigned int b = 0; b < DP_BOND_BUCKETS; b++)
			assert_int_equal(dp_bond_bucket_set(dp, bond, b, b % 2 ? m1->id : m0->id),
					 0);
		trace_agrees(fx, vm2, vlan10, frame(&mac_f, &mac_b, 100),
			     "balance-slb: vm2's bucket");
		trace_agrees(fx, vm1, vlan10, frame(&mac_bcast, &mac_e, 100),
			     "balance-slb: a flood through the bond");
		trace_agrees(fx, m1, vlan10, frame(&mac_bcast, &mac_f, 100),
			     "balance-slb: multicast on a member not active");
		trace_agrees(fx, m1, vlan10, frame(&mac_b, &mac_f, 100),
			     "balance-slb: unicast on any member");
		trace_agrees(fx, m0, vlan10, frame(&mac_bcast, &mac_b, 100),
			     "balance-slb: our own broadcast flooded back");
		assert_int_equal(dp_bond_member_enable(dp, m0->id, false), 0);
		assert_int_equal(dp_bond_member_enable(dp, m1->id, false), 0);
		trace_agrees(fx, vm2, vlan10, frame(&mac_f, &mac_b, 100),
			     "bond: no member enabled");
	}

	/* A limited port: a burst's worth passes, then frames wait (sent on a
	 * later pass, not this one). */
	assert_int_equal(dp_port_set_qos(dp, vm2->id, 1000, 200), 0);
	trace_agrees(fx, vm2, vlan10, frame(&mac_d, &mac_b, 150), "limited: within the burst");
	assert_int_equal(dp_trace(dp, vm2->id, (uint8_t[64]){0}, 64, &t), 0);
	assert_int_equal(t.steps[0].kind, DP_TRACE_QOS);
	assert_int_equal(t.steps[0].e, 1); /* 50 bytes of credit left */
	assert_true(t.steps[0].c < 64);
	assert_int_equal(t.steps[0].a, 1000);
	assert_int_equal(t.steps[0].b, 200);
	dp_trace_free(&t);
	trace_agrees(fx, vm2, vlan10, frame(&mac_d, &mac_b, 150),
		     "limited: over the credit, waits");

	/* What the steps say, for one: a known unicast from the trunk. */
	{
		uint8_t f[64] = {0};

		memcpy(f, &mac_b, 6);
		memcpy(f + 6, &mac_d, 6);
		f[12] = 0x08;
		assert_int_equal(dp_trace(dp, trunk->id, f, sizeof(f), &t), 0);
		assert_int_equal(t.n_steps, 5);
		assert_int_equal(t.steps[0].kind, DP_TRACE_VLAN);
		assert_int_equal(t.steps[0].port2, trunk->id);
		assert_int_equal(t.steps[1].kind, DP_TRACE_CHECKS);
		assert_int_equal(t.steps[1].port2, fx->br0);
		assert_int_equal(t.steps[2].kind, DP_TRACE_LEARN);
		assert_true(t.steps[2].e == DP_LEARN_FRESH || t.steps[2].e == DP_LEARN_REFRESH);
		assert_int_equal(t.steps[3].kind, DP_TRACE_LOOKUP);
		assert_int_equal(t.steps[3].e, DP_LOOKUP_KNOWN);
		assert_int_equal(t.steps[3].port2, vm2->id);
		assert_int_equal(t.steps[4].kind, DP_TRACE_OUTPUT);
		assert_int_equal(t.steps[4].port, vm2->id);
		assert_int_equal(t.drop, -1);
		assert_int_equal(t.n_out, 1);
		dp_trace_free(&t);
	}
	/* Refused: no such port, too long. */
	assert_int_equal(dp_trace(dp, 9999, NULL, 0, &t), ENOENT);
	assert_int_equal(dp_trace(dp, vm1->id, NULL, dp_trace_max_len() + 1, &t), EMSGSIZE);
}

static void
test_capture_refused(void **state)
{
	struct fixture *fx = *state;
	struct tport *a = tport_add(fx->br0);
	uint16_t none = DP_MAX_PORTS - 1;
	struct dp_capture_params cp = {
		.ports = &a->id, .n_ports = 1, .dir = DP_CAPTURE_IN, .snaplen = 64};
	unsigned int id[DP_CAPTURE_MAX + 1], i;

	cp.snaplen = 0;
	assert_int_equal(dp_capture_start(dp, &cp, &id[0]), EINVAL);
	cp.snaplen = 64;
	cp.dir = 0;
	assert_int_equal(dp_capture_start(dp, &cp, &id[0]), EINVAL);
	cp.dir = DP_CAPTURE_IN;
	cp.ports = &none;
	assert_int_equal(dp_capture_start(dp, &cp, &id[0]), ENOENT);
	cp.ports = &a->id;
	for (i = 0; i < DP_CAPTURE_MAX; i++)
		assert_int_equal(dp_capture_start(dp, &cp, &id[i]), 0);
	assert_int_equal(dp_capture_start(dp, &cp, &id[i]), ENOSPC);
	inject(a, &mac_bcast, &mac_a, 64);
	poll_dp();
	for (i = 0; i < DP_CAPTURE_MAX; i++) {
		struct dp_capture_frame f;
		uint8_t buf[64];

		assert_int_equal(dp_capture_next(dp, id[i], &f, buf, sizeof(buf)), 1);
		assert_int_equal(dp_capture_stop(dp, id[i]), 0);
	}
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = {argv[0],		 "--no-huge", "-m", "1024",	   "--no-pci",
		       "--no-telemetry", "--lcores",  "0",  "--log-level", "*:error",
		       "--file-prefix",	 prefix,      NULL};
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_unknown_unicast_floods_except_ingress),
		T(test_port_send),
		T(test_learning_then_unicast),
		T(test_qos_burst_then_wait),
		T(test_qos_clear),
		T(test_qos_port_del_with_waiting),
		T(test_qos_rate),
		T(test_qos_frame_over_burst),
		T(test_qos_refused),
		T(test_lock_rules),
		T(test_capture_in_out),
		T(test_capture_vlan_and_filter),
		T(test_capture_indirect_filter),
		T(test_capture_refused),
		T(test_trace_agrees),
		T(test_lock_disabled),
		T(test_lock_refused),
		T(test_broadcast_and_multicast_flood),
		T(test_no_hairpin),
		T(test_drops_by_reason),
		T(test_bridges_are_separate),
		T(test_mac_move),
		T(test_flush_port_and_bridge),
		T(test_aging),
		T(test_port_del_keeps_others),
		T(test_bridge_del_with_port),
		T(test_batch_publishes_at_end),
		T(test_quiescent_in_long_passes),
		T(test_lone_port_counts_no_destination),
		T(test_counters),
		T(test_move_port_between_bridges),
		T(test_learn_once_per_burst),
		T(test_repeated_addresses_in_a_burst),
		T(test_flood_chained_mbuf),
		T(test_vlan_pop_push),
		T(test_bond_active_backup),
		T(test_bond_lacp),
		T(test_bond_balance_slb),
		T(test_bond_carries_vlans),
		T(test_bond_slb_loop),
		T(test_bond_refusals),
		T(test_bond_member_del_undone),
		T(test_vlan_priority_tag_is_native),
		T(test_vlan_unknown_tag_dropped),
		T(test_vlan_trunk_without_vlans_drops_tags),
		T(test_vlan_qinq_outer_tpid_is_untagged),
		T(test_vlan_learning_per_bridge),
		T(test_vlan_flood_copies_before_tagging),
		T(test_vlan_tx_full_counts),
		T(test_vlan_unsendable_dropped_alone),
		T(test_vlan_refusals),
		T(test_refusals),
		T(test_reserved_multicast_stays_local),
		T(test_access_port_drops_tagged),
		T(test_fdb_port_and_bridge_limits),
		T(test_fdb_flood_does_not_disturb_others),
		T(test_ol_vnet_header),
		T(test_ol_tso_segmented_in_software),
		T(test_ol_uso_segmented_in_software),
		T(test_ol_checksum_finished_in_software),
		T(test_ol_vlan_pop_push),
		T(test_ol_sizes_and_bad_metadata),
	};
	/* The same behaviour with two workers: ports spread over them, each
	 * transmitting on its own queue, both learning. */
	const struct CMUnitTest two_workers[] = {
		T(test_unknown_unicast_floods_except_ingress),
		T(test_learning_then_unicast),
		T(test_port_send),
		T(test_bridges_are_separate),
		T(test_flush_port_and_bridge),
		T(test_port_del_keeps_others),
		T(test_batch_publishes_at_end),
		T(test_counters),
		T(test_vlan_pop_push),
		T(test_bond_active_backup),
		T(test_bond_lacp),
		T(test_bond_balance_slb),
		T(test_vlan_learning_per_bridge),
		T(test_vlan_flood_copies_before_tagging),
		T(test_shared_tx_queue),
		T(test_rx_queues_without_rss),
#undef T
	};

	(void)argc;
	snprintf(prefix, sizeof(prefix), "sdtest-dp-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	const struct CMUnitTest table[] = {
		cmocka_unit_test(test_fdb_table_full),
	};
	int failed;

	failed = cmocka_run_group_tests_name("fdb table", table, NULL, NULL);
	failed += cmocka_run_group_tests_name("datapath", tests, NULL, NULL);
	n_workers = 2;
	failed += cmocka_run_group_tests_name("datapath, 2 workers", two_workers, NULL, NULL);

	dp_eal_cleanup();
	return failed;
}
