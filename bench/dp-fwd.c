/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp-fwd.c - in-process benchmark of the switching work: frames from memory
 * through the real datapath code (dp_worker_poll: receive, checks, FDB
 * lookup and learning, forwarding, output batching, counters), with no I/O
 * but two DPDK ring ports on one bridge. With --trunk, port B is a trunk
 * (a PIF's port: its frames sorted by VLAN tag). With --bond, port B is a bond of
 * two ring ports (active-backup: the first carries everything; balance-slb:
 * buckets split between them), its frames coming in on the first. With
 * --qos, both ports have a receive limit (QoS) too high to hold any frame
 * back: the cost of a limited VIF's path. With --access, both are VMs'
 * ports, and with --lock both are locked to their MAC and IPv4 source
 * (one MAC pair: PAIRS 1), the frames IPv4 from the allowed addresses: the
 * cost of a locked VIF's checks. With --capture FILTER, both ports are
 * captured, both ways, through a filter in tcpdump's syntax (one that
 * matches nothing: the cost of an idle capture; "" for every frame: of a
 * capture that copies all, read by the harness between polls).
 *
 *   bench-dp-fwd [--workers 2 | --trunk | --bond ab|slb | --qos | --access | --lock |
 *                 --capture FILTER]
 *                [PAIRS...]
 *                              (default: 1 16 65536 1000000)
 *
 * For each count N of MAC pairs, N MACs sit behind port A and N behind
 * port B; frame i of a burst goes from a_k to b_k on A, and back from b_k
 * to a_k on B, k running through the pairs. Every MAC is learned before
 * the timed part, so what is timed is steady forwarding with an FDB of 2N
 * entries. Between polls the harness rewrites the MACs of the same 64 mbufs
 * and moves them from the tx rings back to the rx rings; that is outside
 * dp_worker_poll().
 *
 * Prints Mpps and ns per frame for one core. Under valgrind --tool=callgrind
 * (bench/dp-instructions.sh) it runs a fixed number of frames, and the
 * instructions of dp_worker_poll() minus those of the port rx and tx
 * functions (the ring PMD), per frame, are the switching work alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <valgrind/callgrind.h>

#include "../datapath/datapath.h"
#include "ring-port.h"

#define BURST 32
#define RUNS 5

static struct dp *dp;
static unsigned int n_workers = 1;
/* --bond: B's second member, whose output counts as B's too. */
static struct ring_port *b_second;

/* Each size gets MACs of its own, so that its learning pass learns new
 * entries rather than rewriting those of the size before. */
static unsigned int mac_set;

/* MAC k of side @side (0: behind A, 1: behind B): locally administered
 * unicast, distinct for every k below 2^32 and every set. */
static inline void
mac_of(struct rte_ether_addr *a, unsigned int side, uint32_t k)
{
	a->addr_bytes[0] = 0x02;
	a->addr_bytes[1] = (uint8_t)(0x10 + 2 * mac_set + side);
	a->addr_bytes[2] = (uint8_t)(k >> 24);
	a->addr_bytes[3] = (uint8_t)(k >> 16);
	a->addr_bytes[4] = (uint8_t)(k >> 8);
	a->addr_bytes[5] = (uint8_t)k;
}

/* Address the burst @m (from @side) for pairs *k, *k + 1, ... mod @pairs. */
static void
address(struct rte_mbuf **m, unsigned int side, uint32_t *k, uint32_t pairs)
{
	unsigned int i;

	for (i = 0; i < BURST; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);

		mac_of(&eth->src_addr, side, *k);
		mac_of(&eth->dst_addr, !side, *k);
		if (++*k == pairs)
			*k = 0;
	}
}

/* @n frames: an IPv4 header from @src (host order), zeros after it. */
static void
frames_make(struct rte_mbuf **m, unsigned int n, uint32_t src)
{
	unsigned int i;

	if (rte_pktmbuf_alloc_bulk(dp_mempool(dp), m, n) != 0) {
		fprintf(stderr, "bench-dp-fwd: no mbufs\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], 60);
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;

		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		memset(p, 0, 60);
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->src_addr = rte_cpu_to_be_32(src);
	}
}

/* --capture: both ports, both ways, through @expr ("" for all). */
static unsigned int cap_id = DP_CAPTURE_MAX;

static int
capture_start(uint16_t a, uint16_t b, const char *expr)
{
	uint16_t ports[2] = {a, b};
	struct dp_capture_params cp = {.ports = ports,
				       .n_ports = 2,
				       .dir = DP_CAPTURE_IN | DP_CAPTURE_OUT,
				       .snaplen = 128};
	pcap_t *pc = pcap_open_dead(DLT_EN10MB, 128);
	struct bpf_program prog;
	int err;

	if (expr[0] != '\0') {
		if (pc == NULL || pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			fprintf(stderr, "bench-dp-fwd: filter %s refused\n", expr);
			return -1;
		}
		cp.filter = &prog;
	}
	err = dp_capture_start(dp, &cp, &cap_id);
	if (expr[0] != '\0')
		pcap_freecode(&prog);
	pcap_close(pc);
	return err;
}

/* Read what the capture kept (outside dp_worker_poll()). */
static void
capture_drain(void)
{
	struct dp_capture_frame f;
	uint8_t buf[128];

	if (cap_id < DP_CAPTURE_MAX)
		while (dp_capture_next(dp, cap_id, &f, buf, sizeof(buf)) == 1)
			;
}

/* --lock: @p locked to MAC 0 of @side and IPv4 source @src (host order). */
static int
lock_port(const struct ring_port *p, unsigned int side, uint32_t src)
{
	uint32_t be = rte_cpu_to_be_32(src);
	struct dp_lock_params lp = {.mode = DP_LOCK_LOCKED, .n_ipv4 = 1, .ipv4 = &be};
	struct rte_ether_addr mac;

	mac_of(&mac, side, 0);
	memcpy(lp.mac.b, mac.addr_bytes, 6);
	return dp_port_set_lock(dp, p->id, &lp);
}

/* One step: both bursts in, one poll, both bursts back. Returns frames out. */
static unsigned int
step(struct ring_port *a, struct ring_port *b, struct rte_mbuf **ma, struct rte_mbuf **mb,
     uint32_t *ka, uint32_t *kb, uint32_t pairs)
{
	unsigned int got = 0, n;
	void *out[BURST];

	address(ma, 0, ka, pairs);
	address(mb, 1, kb, pairs);
	rte_ring_enqueue_burst(a->rx, (void **)ma, BURST, NULL);
	rte_ring_enqueue_burst(b->rx, (void **)mb, BURST, NULL);
	dp_worker_poll(dp, 0);
	/* What A sent went out on B, and the other way round; reuse the mbufs
	 * (forwarding changes nothing in them). */
	n = rte_ring_dequeue_burst(b->tx[0], out, BURST, NULL);
	if (b_second != NULL)
		n += rte_ring_dequeue_burst(b_second->tx[0], out + n, BURST - n, NULL);
	memcpy(ma, out, n * sizeof(void *));
	got += n;
	n = rte_ring_dequeue_burst(a->tx[0], out, BURST, NULL);
	memcpy(mb, out, n * sizeof(void *));
	got += n;
	if (got != 2 * BURST) {
		fprintf(stderr, "bench-dp-fwd: %u of %u frames forwarded\n", got, 2 * BURST);
		exit(1);
	}
	return got;
}

static int
cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* With two workers: one direction per worker, each on its own lcore. */
struct side {
	struct ring_port *in, *out;
	struct rte_mbuf **m;
	unsigned int side; /* also the worker that polls `in` */
	uint32_t pairs;
	uint64_t frames;
	uint64_t tsc; /* how long it took */
};

static int
side_run(void *arg)
{
	struct side *s = arg;
	uint64_t n = 0, start = rte_rdtsc();
	uint32_t k = 0;
	void *out[BURST];

	while (n < s->frames) {
		unsigned int got;

		address(s->m, s->side, &k, s->pairs);
		rte_ring_enqueue_burst(s->in->rx, (void **)s->m, BURST, NULL);
		dp_worker_poll(dp, s->side);
		got = rte_ring_dequeue_burst(s->out->tx[s->side], out, BURST, NULL);
		if (got != BURST) {
			fprintf(stderr, "bench-dp-fwd: %u of %u frames forwarded\n", got, BURST);
			exit(1);
		}
		memcpy(s->m, out, got * sizeof(void *));
		n += got;
	}
	s->tsc = rte_rdtsc() - start;
	return 0;
}

/* Mpps over @frames, both directions together. */
static double
run(struct ring_port *a, struct ring_port *b, struct rte_mbuf **ma, struct rte_mbuf **mb,
    uint32_t pairs, uint64_t frames)
{
	uint32_t ka = 0, kb = 0;
	uint64_t n = 0, start;

	if (n_workers == 2) {
		struct side sa = {a, b, ma, 0, pairs, frames / 2, 0};
		struct side sb = {b, a, mb, 1, pairs, frames / 2, 0};

		if (rte_eal_remote_launch(side_run, &sb, rte_get_next_lcore(-1, 1, 0)) != 0)
			exit(1);
		side_run(&sa);
		rte_eal_mp_wait_lcore();
		return (double)(sa.frames + sb.frames) * (double)rte_get_tsc_hz() /
		       (double)RTE_MAX(sa.tsc, sb.tsc) / 1e6;
	}
	start = rte_rdtsc();
	while (n < frames) {
		n += step(a, b, ma, mb, &ka, &kb, pairs);
		capture_drain();
	}
	return (double)n * (double)rte_get_tsc_hz() / (double)(rte_rdtsc() - start) / 1e6;
}

int
main(int argc, char **argv)
{
	static const uint32_t defaults[] = {1, 16, 65536, 1000000};
	char prefix[64];
	char lcores[8] = "0";
	char *eal[] = {argv[0],		 "--no-huge", "-m",   "4096",	     "--no-pci",
		       "--no-telemetry", "--lcores",  lcores, "--log-level", "*:error",
		       "--file-prefix",	 prefix,      NULL};
	/* Under valgrind: a fixed, small amount of work. */
	bool grind = getenv("SD_BENCH_FRAMES") != NULL;
	uint64_t frames = grind ? strtoull(getenv("SD_BENCH_FRAMES"), NULL, 10) : 8u << 20;
	struct dp_params p = {.n_workers = 1, .launch = false, .fdb_size = 4u << 20, .name = "f"};
	struct rte_mbuf *ma[BURST], *mb[BURST];
	struct ring_port a, b, members[2];
	const char *bond = NULL;
	bool trunk = false, qos = false, access = false, lock = false;
	const char *capture = NULL;
	uint16_t bridge;
	int i, n_sizes;

	if (argc > 2 && strcmp(argv[1], "--workers") == 0) {
		n_workers = (unsigned int)atoi(argv[2]);
		if (n_workers != 1 && n_workers != 2) {
			fprintf(stderr, "bench-dp-fwd: --workers takes 1 or 2\n");
			return 1;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc > 1 && strcmp(argv[1], "--trunk") == 0) {
		trunk = true;
		argv++;
		argc--;
	}
	if (argc > 1 && (strcmp(argv[1], "--access") == 0 || strcmp(argv[1], "--lock") == 0)) {
		access = true;
		lock = strcmp(argv[1], "--lock") == 0;
		argv++;
		argc--;
	}
	if (argc > 2 && strcmp(argv[1], "--capture") == 0) {
		capture = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc > 1 && strcmp(argv[1], "--qos") == 0) {
		qos = true;
		argv++;
		argc--;
	}
	if (argc > 2 && strcmp(argv[1], "--bond") == 0) {
		bond = argv[2];
		if ((strcmp(bond, "ab") != 0 && strcmp(bond, "slb") != 0) || n_workers != 1) {
			fprintf(stderr, "bench-dp-fwd: --bond takes ab or slb, with one worker\n");
			return 1;
		}
		argv += 2;
		argc -= 2;
	}
	if (n_workers == 2 && grind) {
		fprintf(stderr, "bench-dp-fwd: instructions are counted with one worker\n");
		return 1;
	}
	n_sizes = argc > 1 ? argc - 1 : (int)RTE_DIM(defaults);
	p.n_workers = n_workers;
	if (n_workers == 2)
		snprintf(lcores, sizeof(lcores), "0,1");
	snprintf(prefix, sizeof(prefix), "sdbench-fwd-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0 || dp_create(&p, &dp) != 0 ||
	    dp_bridge_add(dp, "xenbr0", 1500, &bridge) != 0)
		return 1;
	if (access)
		ring_port_add_access(dp, &a, bridge, n_workers);
	else
		ring_port_add(dp, &a, bridge, false, n_workers);
	if (access) {
		ring_port_add_access(dp, &b, bridge, n_workers);
	} else if (bond == NULL) {
		ring_port_add(dp, &b, bridge, trunk, n_workers);
	} else {
		struct dp_port_params pp = {.kind = DP_PORT_BOND,
					    .name = "bond0",
					    .bridge = bridge,
					    .mtu = 1500,
					    .trunk = true,
					    .bond_mode = strcmp(bond, "ab") == 0
								 ? DP_BOND_ACTIVE_BACKUP
								 : DP_BOND_BALANCE_SLB};

		if (dp_port_add(dp, &pp, &b.id) != 0)
			return 1;
		ring_port_add_member(dp, &members[0], b.id, n_workers);
		ring_port_add_member(dp, &members[1], b.id, n_workers);
		if (dp_bond_member_enable(dp, members[0].id, true) != 0 ||
		    dp_bond_member_enable(dp, members[1].id, true) != 0 ||
		    dp_bond_set_active(dp, b.id, members[0].id) != 0)
			return 1;
		for (unsigned int k = 0; k < DP_BOND_BUCKETS; k++)
			if (dp_bond_bucket_set(dp, b.id, k, members[k % 2].id) != 0)
				return 1;
		/* B receives on its first member, sends on either. */
		b.rx = members[0].rx;
		b.tx[0] = members[0].tx[0];
		b_second = &members[1];
	}
	/* 10^15 bytes a second, a burst of 10^12: every frame passes, through
	 * the limited path. */
	if (qos && (dp_port_set_qos(dp, a.id, 1000000000000000ULL, 1000000000000ULL) != 0 ||
		    dp_port_set_qos(dp, b.id, 1000000000000000ULL, 1000000000000ULL) != 0))
		return 1;
	if (capture != NULL && capture_start(a.id, b.id, capture) != 0)
		return 1;
	/* A million MACs behind each port: no MAC limit may stop learning. */
	if (dp_bridge_set_fdb_max(dp, bridge, p.fdb_size) != 0 ||
	    dp_port_set_fdb_max(dp, a.id, p.fdb_size) != 0 ||
	    dp_port_set_fdb_max(dp, b.id, p.fdb_size) != 0)
		return 1;
	frames_make(ma, BURST, RTE_IPV4(198, 18, 0, 1));
	frames_make(mb, BURST, RTE_IPV4(198, 18, 0, 2));

	if (!grind) {
		const char *single = qos	       ? "both ports limited (QoS), 1 worker"
				     : lock	       ? "both ports VMs', locked, 1 worker"
				     : access	       ? "both ports VMs', 1 worker"
				     : capture != NULL ? "both ports captured, 1 worker"
						       : "1 worker on one core";

		printf("Switching work in process (two ring ports on one bridge, 64-byte frames "
		       "both "
		       "ways, every MAC learned first), %s, %" PRIu64
		       " frames a run, median of %d runs\n\n",
		       n_workers == 1
			       ? (bond == NULL ? (trunk ? "port B a trunk, 1 worker" : single)
				  : strcmp(bond, "ab") == 0
					  ? "port B a two-member active-backup bond, 1 worker"
					  : "port B a two-member balance-slb bond, 1 worker")
			       : "2 workers, one direction each, on two cores",
		       frames, RUNS);
		printf("| MAC pairs | FDB entries | Mpps (median) | min | max | ns per frame | "
		       "learning pass: new MACs per second |\n");
		printf("|---|---|---|---|---|---|---|\n");
	}
	for (i = 0; i < n_sizes; i++) {
		uint32_t pairs = argc > 1 ? (uint32_t)strtoul(argv[i + 1], NULL, 10) : defaults[i];
		double r[RUNS], learn_mpps;
		struct dp_fdb_stats fs, fs0;
		char learn_rate[32] = "-";
		int k;

		if (pairs == 0)
			return 1;
		dp_fdb_flush(dp, bridge, DP_PORT_NONE);
		mac_set = (unsigned int)i;
		if (lock && (lock_port(&a, 0, RTE_IPV4(198, 18, 0, 1)) != 0 ||
			     lock_port(&b, 1, RTE_IPV4(198, 18, 0, 2)) != 0))
			return 1;
		/* Learn every MAC: one pass over the pairs, every frame from a
		 * new source (the first frames of each pair are flooded, which
		 * with two ports is forwarding). */
		dp_fdb_stats_get(dp, &fs0);
		learn_mpps = run(&a, &b, ma, mb, pairs, 2ull * RTE_ALIGN_CEIL(pairs, BURST));
		dp_fdb_stats_get(dp, &fs);
		/* Too short a pass to time below some thousands of MACs. */
		if (pairs >= 4096)
			snprintf(learn_rate, sizeof(learn_rate), "%.2f M (%" PRIu64 " learned)",
				 learn_mpps * (double)(fs.learned - fs0.learned) /
					 (2.0 * RTE_ALIGN_CEIL(pairs, BURST)),
				 fs.learned - fs0.learned);
		if (grind) {
			char name[32];

			/* Only the measured frames: one dump per size. A window
			 * in which the FDB's clock ticked rewrites the
			 * last-seen time of every MAC it meets once; the
			 * instructions of steady forwarding are those of a
			 * window without, so such a window is run again (the
			 * next one meets the same MACs, now fresh). */
			snprintf(name, sizeof(name), "pairs=%u", pairs);
			for (k = 0; k < 5; k++) {
				struct dp_fdb_stats before, after;

				dp_fdb_stats_get(dp, &before);
				CALLGRIND_ZERO_STATS;
				run(&a, &b, ma, mb, pairs, frames);
				dp_fdb_stats_get(dp, &after);
				if (after.refreshed == before.refreshed)
					break;
			}
			CALLGRIND_DUMP_STATS_AT(name);
			continue;
		}
		for (k = 0; k < RUNS; k++)
			r[k] = run(&a, &b, ma, mb, pairs, RTE_MAX(frames, 4ull * pairs));
		qsort(r, RUNS, sizeof(double), cmp);
		printf("| %u | %u | %.2f | %.2f | %.2f | %.1f | %s |\n", pairs, fs.entries,
		       r[RUNS / 2], r[0], r[RUNS - 1], 1e3 / r[RUNS / 2], learn_rate);
	}
	rte_pktmbuf_free_bulk(ma, BURST);
	rte_pktmbuf_free_bulk(mb, BURST);
	dp_destroy(dp);
	dp_eal_cleanup();
	return 0;
}
