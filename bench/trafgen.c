/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trafgen.c - traffic generator and sink for throughput benchmarks of a
 * switch under test (bench/switch-bench.sh runs it).
 *
 *   bench-trafgen EAL-ARGS -- [--pairs N] [--size BYTES] [--seconds S]
 *                 [--warmup S] [--vlan-b VID] [--ignore-tags] [--learn]
 *                 [--learn-rate PPS] [--learn-timeout S] [--timeout S] [--no-probe]
 *                 [--json]
 *
 * Two ethdevs from the EAL command line: port 0 is side A, port 1 side B,
 * normally virtio-user ports serving vhost-user sockets that the switch
 * connects to (--vdev net_virtio_user0,path=a.sock,server=1 ...). A serving
 * virtio-user port waits in its probe, inside rte_eal_init(), until the
 * switch connects, so the generator is started first and waits at most
 * --timeout seconds for it.
 *
 * Traffic: N pairs of locally administered unicast MACs, a_k = 02:aa:k and
 * b_k = 02:bb:k (k as 4 bytes, big-endian). Side A sends a_k -> b_k, side B
 * b_k -> a_k, k cycling through 0..N-1, IPv4/UDP in each frame. Both sides
 * send and receive at once, in bursts of 32, from this one lcore.
 *
 * Frame sizes are counted as RFC 2544 counts them, with the 4-byte FCS:
 * --size 64 puts 60 bytes in the mbuf. With --vlan-b, side B's frames carry
 * an 802.1Q tag on top (68 bytes on the wire for --size 64), as a switch
 * that pushes the tag makes them; side A's stay untagged. Bit rates count
 * the FCS ("Ethernet"), and also preamble and inter-frame gap ("L1",
 * 20 bytes more per frame).
 *
 * What is counted, per side:
 *  - offered: frames presented to rte_eth_tx_burst(). A frame the device
 *    refuses (its ring is full: the switch does not keep up) is presented
 *    again on the next loop, in order, and counted again: offered says how
 *    fast the generator could hand out frames, not what the switch took;
 *  - accepted: frames rte_eth_tx_burst() took;
 *  - received: frames that arrived with the addresses (and tag) this side
 *    expects: from the other side, for one pair k < N;
 *  - misdelivered: anything else that arrived.
 * Rates are over the measured interval, after --warmup; totals are over the
 * whole run (readiness probe, learning, warm-up, measurement, drain), which
 * is what a switch's own counters can be compared with.
 *
 * Phases: readiness (one frame each way must cross within --timeout s;
 * --no-probe skips it, to measure the generator alone on ports that never
 * answer, such as net_null or testpmd's rxonly), learning (--learn: every
 * source MAC sent once from each side, at most --learn-rate frames/s per
 * side, then wait until nothing more arrives), warm-up, measurement, drain
 * (no more sending; receive what is still in flight). SIGINT or SIGTERM
 * ends the current phase and the run.
 *
 * The report (text, or JSON with --json) gives the rates of the measured
 * interval, the learning pass, the whole-run totals, each port's ethdev
 * statistics, and the share of the measured interval the generator's
 * thread spent waiting for its CPU (something else ran there: the figures
 * are then the machine's as much as the switch's).
 *
 * Idle mode (--idle S): after the readiness probe and learning, no traffic
 * for S seconds, while the CPU time of the switch (its pid in the file
 * --watch-pid names) is read from /proc; then its resident and hugepage
 * memory; then --probes single frames A -> B (default 5), the first right
 * after the idle time, the next 1 s apart, each timed from the send to its
 * arrival: the latency of the first frame after idle. JSON only.
 *
 * Exit status: 0 if the run completed; 1 on a usage or set-up error or if
 * the switch did not connect or carry a frame in time; 130 if interrupted.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#define BURST 32u
#define MAX_PAIRS 4000000u
/* Per pool: a ring's worth of frames in flight, a burst, the lcore cache,
 * with room to spare. */
#define POOL_MBUFS 8191
#define POOL_CACHE 256
/* The drain ends after this long with nothing received, or at DRAIN_MAX. */
#define DRAIN_QUIET_MS 200
#define DRAIN_MAX_MS 2000
#define FCS_LEN 4
#define L1_OVERHEAD 20 /* preamble, start of frame delimiter, inter-frame gap */

struct counters {
	uint64_t offered;
	uint64_t accepted;
	uint64_t tx_bytes; /* of accepted frames, in the mbuf (no FCS) */
	uint64_t rx;
	uint64_t rx_bytes; /* of received frames, in the mbuf */
	uint64_t misdelivered;
};

struct side {
	const char *name;
	uint16_t port;
	uint8_t id;		     /* second byte of this side's MACs: 0xaa or 0xbb */
	uint8_t peer_id;	     /* the other side's */
	uint16_t vlan;		     /* tag of the frames sent and expected here, 0: none */
	uint16_t len;		     /* frame length in the mbuf, without FCS */
	struct rte_mempool *tx_pool; /* every mbuf holds this side's frame */
	uint32_t next_k;	     /* pair of the next frame built */
	/* Built but not yet taken by the device, oldest first. */
	struct rte_mbuf *pending[BURST];
	unsigned int n_pending;
	struct counters c;
};

struct options {
	uint32_t pairs;
	unsigned int size;
	double seconds;
	double warmup;
	uint16_t vlan_b;
	bool ignore_tags;
	bool learn;
	double learn_rate;
	double learn_timeout;
	unsigned int timeout;
	bool no_probe;
	bool json;
	double idle;	       /* idle mode: seconds without traffic (0: throughput mode) */
	unsigned int probes;   /* idle mode: single frames timed after the idle time */
	const char *watch_pid; /* idle mode: file with the switch's pid, for its CPU and memory */
};

static volatile sig_atomic_t quit;
static struct options opt = {
	.pairs = 1,
	.size = 64,
	.seconds = 10,
	.warmup = 2,
	.learn_rate = 1e6,
	.learn_timeout = 120,
	.timeout = 30,
	.probes = 5,
};
static struct side sides[2];
static uint64_t hz;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* The switch did not connect in time: rte_eal_init() is still waiting in
 * accept(), so leave from the handler. */
static void
on_alarm(int sig)
{
	static const char msg[] = "bench-trafgen: the switch did not connect to the vhost-user "
				  "sockets in time (--timeout)\n";
	ssize_t r;

	(void)sig;
	r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	_exit(1);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: bench-trafgen EAL-ARGS -- [--pairs N] [--size BYTES] [--seconds S]\n"
		"         [--warmup S] [--vlan-b VID] [--ignore-tags] [--learn] [--learn-rate "
		"PPS]\n"
		"         [--learn-timeout S] [--timeout S] [--no-probe] [--json]\n"
		"         [--idle S [--probes N] [--watch-pid FILE]]\n"
		"  port 0 is side A, port 1 side B; --size counts the 4-byte FCS (64..1518)\n");
	exit(1);
}

static double
num_arg(const char *name, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "bench-trafgen: --%s %s: want a number in %g..%g\n", name, s, min,
			max);
		exit(1);
	}
	return v;
}

static void
parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"pairs", required_argument, NULL, 'p'},
		{"size", required_argument, NULL, 's'},
		{"seconds", required_argument, NULL, 't'},
		{"warmup", required_argument, NULL, 'w'},
		{"vlan-b", required_argument, NULL, 'v'},
		{"ignore-tags", no_argument, NULL, 'i'},
		{"learn", no_argument, NULL, 'l'},
		{"learn-rate", required_argument, NULL, 'r'},
		{"learn-timeout", required_argument, NULL, 'T'},
		{"timeout", required_argument, NULL, 'o'},
		{"no-probe", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"idle", required_argument, NULL, 'I'},
		{"probes", required_argument, NULL, 'P'},
		{"watch-pid", required_argument, NULL, 'W'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt.pairs = (uint32_t)num_arg("pairs", optarg, 1, MAX_PAIRS);
			break;
		case 's':
			opt.size = (unsigned int)num_arg("size", optarg, 64, 1518);
			break;
		case 't':
			opt.seconds = num_arg("seconds", optarg, 0.1, 3600);
			break;
		case 'w':
			opt.warmup = num_arg("warmup", optarg, 0, 3600);
			break;
		case 'v':
			opt.vlan_b = (uint16_t)num_arg("vlan-b", optarg, 1, 4094);
			break;
		case 'i':
			opt.ignore_tags = true;
			break;
		case 'l':
			opt.learn = true;
			break;
		case 'r':
			opt.learn_rate = num_arg("learn-rate", optarg, 1, 1e9);
			break;
		case 'T':
			opt.learn_timeout = num_arg("learn-timeout", optarg, 1, 3600);
			break;
		case 'o':
			opt.timeout = (unsigned int)num_arg("timeout", optarg, 1, 3600);
			break;
		case 'n':
			opt.no_probe = true;
			break;
		case 'j':
			opt.json = true;
			break;
		case 'I':
			opt.idle = num_arg("idle", optarg, 0.1, 3600);
			break;
		case 'P':
			opt.probes = (unsigned int)num_arg("probes", optarg, 0, 1000);
			break;
		case 'W':
			opt.watch_pid = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

/* Write side @s's frame into one mbuf of its pool, once, when the pool is
 * made: sending then only sets the length and the pair in the MACs. */
static void
frame_init(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	const struct side *s = arg;
	struct rte_mbuf *m = obj;
	uint8_t *p = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	/* The IP packet is the same on both sides, so that a switch that
	 * pushes or pops the tag turns one side's frame into the other's. */
	uint16_t ip_len = (uint16_t)(opt.size - FCS_LEN - RTE_ETHER_HDR_LEN);
	size_t l2 = RTE_ETHER_HDR_LEN;

	(void)mp;
	(void)idx;
	memset(p, 0, s->len);
	eth->dst_addr.addr_bytes[0] = 0x02;
	eth->dst_addr.addr_bytes[1] = s->peer_id;
	eth->src_addr.addr_bytes[0] = 0x02;
	eth->src_addr.addr_bytes[1] = s->id;
	if (s->vlan != 0) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(s->vlan);
		vh->eth_proto = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		l2 += sizeof(*vh);
	} else {
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	}
	ip = (struct rte_ipv4_hdr *)(p + l2);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(ip_len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	/* 198.18.0.0/15: the range set aside for benchmarks (RFC 2544). */
	ip->src_addr = rte_cpu_to_be_32(s->id == 0xaa ? 0xc6120001 : 0xc6130001);
	ip->dst_addr = rte_cpu_to_be_32(s->id == 0xaa ? 0xc6130001 : 0xc6120001);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = RTE_BE16(1024);
	udp->dst_port = RTE_BE16(1025);
	/* No UDP checksum (0): the payload is zeros and is never looked at. */
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(ip_len - sizeof(*ip)));
}

/* Pair @k in the four bytes after the 02:xx prefix of a MAC. */
static inline void
mac_set_pair(uint8_t *mac, uint32_t k_be)
{
	memcpy(mac + 2, &k_be, sizeof(k_be));
}

static inline uint32_t
mac_pair(const uint8_t *mac)
{
	uint32_t k_be;

	memcpy(&k_be, mac + 2, sizeof(k_be));
	return rte_be_to_cpu_32(k_be);
}

/* Fill @s's pending burst with new frames, at most @max of them. */
static inline void
frames_build(struct side *s, unsigned int max)
{
	unsigned int n = RTE_MIN(BURST - s->n_pending, max), i;
	struct rte_mbuf **m = &s->pending[s->n_pending];

	if (n == 0 || rte_pktmbuf_alloc_bulk(s->tx_pool, m, n) != 0)
		return;
	for (i = 0; i < n; i++) {
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
		uint32_t k_be = rte_cpu_to_be_32(s->next_k);

		m[i]->data_len = s->len;
		m[i]->pkt_len = s->len;
		mac_set_pair(p, k_be);			    /* destination */
		mac_set_pair(p + RTE_ETHER_ADDR_LEN, k_be); /* source */
		if (++s->next_k == opt.pairs)
			s->next_k = 0;
	}
	s->n_pending += n;
}

/* Offer @s's pending frames to its device; keep what it refuses. */
static inline void
frames_send(struct side *s)
{
	uint16_t n;

	if (s->n_pending == 0)
		return;
	n = rte_eth_tx_burst(s->port, 0, s->pending, (uint16_t)s->n_pending);
	s->c.offered += s->n_pending;
	s->c.accepted += n;
	s->c.tx_bytes += (uint64_t)n * s->len;
	s->n_pending -= n;
	if (s->n_pending > 0 && n > 0)
		memmove(s->pending, s->pending + n, s->n_pending * sizeof(s->pending[0]));
}

/* True if @m is what side @s should receive: a frame of the other side, for
 * some pair k < N, tagged as @s's own frames are (unless --ignore-tags). */
static inline bool
frame_expected(const struct side *s, const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *src = p + RTE_ETHER_ADDR_LEN;
	uint32_t k;

	if (m->data_len < RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr))
		return false;
	if (p[0] != 0x02 || p[1] != s->id || src[0] != 0x02 || src[1] != s->peer_id)
		return false;
	k = mac_pair(p);
	if (k != mac_pair(src) || k >= opt.pairs)
		return false;
	if (opt.ignore_tags)
		return true;
	/* A frame of the other side, with the tag (or none) this side uses,
	 * has this side's length. */
	if (m->pkt_len != s->len)
		return false;
	if (s->vlan == 0)
		return p[12] != 0x81 || p[13] != 0x00;
	return p[12] == 0x81 && p[13] == 0x00 && (((p[14] & 0x0f) << 8) | p[15]) == s->vlan;
}

/* Receive one burst on @s. Returns the frames received. */
static inline unsigned int
frames_receive(struct side *s)
{
	struct rte_mbuf *m[BURST];
	uint16_t n = rte_eth_rx_burst(s->port, 0, m, BURST), i;

	/* The switch's core wrote these frames: start fetching them all
	 * before looking at the first. */
	for (i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(m[i], void *));
	for (i = 0; i < n; i++) {
		if (frame_expected(s, m[i])) {
			s->c.rx++;
			s->c.rx_bytes += m[i]->pkt_len;
		} else {
			s->c.misdelivered++;
		}
	}
	if (n > 0)
		rte_pktmbuf_free_bulk(m, n);
	return n;
}

static inline uint64_t
tsc_after(double seconds)
{
	return rte_rdtsc() + (uint64_t)(seconds * (double)hz);
}

/* Send and receive on both sides until @end (a TSC value) or a signal. */
static void
run_until(uint64_t end)
{
	while (!quit && rte_rdtsc() < end) {
		unsigned int i;

		for (i = 0; i < 2; i++) {
			frames_build(&sides[i], BURST);
			frames_send(&sides[i]);
		}
		for (i = 0; i < 2; i++)
			frames_receive(&sides[i]);
	}
}

/* Give back the frames built but never accepted: they were not sent. */
static void
pending_drop(void)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (sides[i].n_pending > 0)
			rte_pktmbuf_free_bulk(sides[i].pending, sides[i].n_pending);
		sides[i].n_pending = 0;
	}
}

/* Receive only, until nothing has come for @quiet_ms or @max_ms have
 * passed. Returns the TSC of the last burst received (or of the start). */
static uint64_t
drain(unsigned int quiet_ms, unsigned int max_ms)
{
	uint64_t start = rte_rdtsc(), last = start, now = start;

	while (!quit && now - start < max_ms * hz / 1000 && now - last < quiet_ms * hz / 1000) {
		unsigned int got = frames_receive(&sides[0]) + frames_receive(&sides[1]);

		now = rte_rdtsc();
		if (got > 0)
			last = now;
	}
	return last;
}

/* One frame each way must cross the switch: its ports are up and it
 * forwards (it may take a moment to enable a queue after connecting). A
 * frame may be lost while it does, so one is sent every 100 ms. */
static int
wait_ready(void)
{
	uint64_t deadline = tsc_after(opt.timeout), next = 0;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct side *s = &sides[i], *peer = &sides[!i];

		while (!quit && peer->c.rx == 0) {
			uint64_t now = rte_rdtsc();

			if (now >= deadline) {
				fprintf(stderr,
					"bench-trafgen: the switch forwarded no frame from side "
					"%s to side %s in %u s\n",
					s->name, peer->name, opt.timeout);
				return -1;
			}
			if (now >= next) {
				s->next_k = 0;
				frames_build(s, 1);
				frames_send(s);
				next = now + hz / 10;
			}
			frames_receive(&sides[0]);
			frames_receive(&sides[1]);
		}
	}
	pending_drop();
	return quit ? -1 : 0;
}

struct learn_result {
	uint64_t sent;	   /* learning frames accepted, both sides */
	uint64_t received; /* of them, received on the other side */
	double seconds;	   /* from the first sent to the last received */
	bool complete;	   /* every source MAC went out before the timeout */
};

/* Every source MAC once from each side, side A's frame of pair k before
 * side B's, at most --learn-rate frames per second per side; then wait for
 * what is in flight. A frame the device refuses is offered again, so a
 * switch that learns slowly slows the pace down instead of losing frames. */
static void
learn(struct learn_result *r)
{
	uint64_t start = rte_rdtsc(), deadline = tsc_after(opt.learn_timeout), last;
	uint64_t rx0 = sides[0].c.rx + sides[1].c.rx,
		 acc0 = sides[0].c.accepted + sides[1].c.accepted;
	uint64_t built[2] = {0, 0}, now = start;
	unsigned int i;

	sides[0].next_k = 0;
	sides[1].next_k = 0;
	while (!quit && now < deadline &&
	       (built[0] < opt.pairs || built[1] < opt.pairs || sides[0].n_pending > 0 ||
		sides[1].n_pending > 0)) {
		/* Frames each side may have built by now at the paced rate. */
		uint64_t allowed = (uint64_t)((double)(now - start) / (double)hz * opt.learn_rate);

		for (i = 0; i < 2; i++) {
			struct side *s = &sides[i];
			uint64_t n = RTE_MIN(allowed, (uint64_t)opt.pairs);

			/* Side B never runs ahead of side A. */
			if (i == 1)
				n = RTE_MIN(n, built[0] - sides[0].n_pending);
			if (n > built[i]) {
				unsigned int before = s->n_pending;

				frames_build(s, (unsigned int)RTE_MIN(n - built[i], BURST));
				built[i] += s->n_pending - before;
			}
			frames_send(s);
		}
		frames_receive(&sides[0]);
		frames_receive(&sides[1]);
		now = rte_rdtsc();
	}
	r->complete = built[0] == opt.pairs && built[1] == opt.pairs && sides[0].n_pending == 0 &&
		      sides[1].n_pending == 0;
	pending_drop();
	last = drain(DRAIN_QUIET_MS, DRAIN_MAX_MS);
	r->sent = sides[0].c.accepted + sides[1].c.accepted - acc0;
	r->received = sides[0].c.rx + sides[1].c.rx - rx0;
	r->seconds = (double)(last - start) / (double)hz;
	sides[0].next_k = 0;
	sides[1].next_k = 0;
}

static int
port_setup(struct side *s, struct rte_mempool *rx_pool)
{
	static const struct rte_eth_conf conf;
	struct rte_eth_link link;
	uint64_t deadline;
	int err;

	err = rte_eth_dev_configure(s->port, 1, 1, &conf);
	if (err == 0)
		err = rte_eth_rx_queue_setup(s->port, 0, 0, rte_eth_dev_socket_id(s->port), NULL,
					     rx_pool);
	if (err == 0)
		err = rte_eth_tx_queue_setup(s->port, 0, 0, rte_eth_dev_socket_id(s->port), NULL);
	if (err == 0)
		err = rte_eth_dev_start(s->port);
	if (err != 0) {
		fprintf(stderr, "bench-trafgen: port %u (side %s): cannot start it: %s\n", s->port,
			s->name, rte_strerror(-err));
		return -1;
	}
	deadline = tsc_after(opt.timeout);
	while (!quit && rte_eth_link_get_nowait(s->port, &link) == 0 &&
	       link.link_status != RTE_ETH_LINK_UP) {
		if (rte_rdtsc() >= deadline) {
			fprintf(stderr,
				"bench-trafgen: port %u (side %s): link not up within %u s\n",
				s->port, s->name, opt.timeout);
			return -1;
		}
		rte_delay_ms(10);
	}
	return quit ? -1 : 0;
}

static int
sides_make(void)
{
	struct rte_mempool *rx_pool;
	unsigned int i;

	rx_pool = rte_pktmbuf_pool_create("tg_rx", 2 * POOL_MBUFS + 1, POOL_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (rx_pool == NULL)
		goto nomem;
	for (i = 0; i < 2; i++) {
		struct side *s = &sides[i];
		char name[16];

		s->name = i == 0 ? "A" : "B";
		s->port = (uint16_t)i;
		s->id = i == 0 ? 0xaa : 0xbb;
		s->peer_id = i == 0 ? 0xbb : 0xaa;
		s->vlan = i == 1 ? opt.vlan_b : 0;
		s->len = (uint16_t)(opt.size - FCS_LEN +
				    (s->vlan ? sizeof(struct rte_vlan_hdr) : 0));
		snprintf(name, sizeof(name), "tg_tx%u", i);
		s->tx_pool =
			rte_pktmbuf_pool_create(name, POOL_MBUFS, POOL_CACHE, 0,
						RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
		if (s->tx_pool == NULL)
			goto nomem;
		rte_mempool_obj_iter(s->tx_pool, frame_init, s);
		if (port_setup(s, rx_pool) != 0)
			return -1;
	}
	return 0;
nomem:
	fprintf(stderr, "bench-trafgen: cannot allocate mbufs: %s\n", rte_strerror(rte_errno));
	return -1;
}

/* Time this thread has run and waited on a run queue for a CPU, in ns
 * (/proc/thread-self/schedstat); zeros if the kernel does not tell. Waiting
 * means something else ran on the generator's CPU: the figures are then
 * the machine's, not the switch's. */
static void
sched_times(uint64_t *run_ns, uint64_t *wait_ns)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "re");

	*run_ns = 0;
	*wait_ns = 0;
	if (f == NULL)
		return;
	if (fscanf(f, "%" SCNu64 " %" SCNu64, run_ns, wait_ns) != 2) {
		*run_ns = 0;
		*wait_ns = 0;
	}
	fclose(f);
}

static void
counters_sub(struct counters *d, const struct counters *a, const struct counters *b)
{
	d->offered = a->offered - b->offered;
	d->accepted = a->accepted - b->accepted;
	d->tx_bytes = a->tx_bytes - b->tx_bytes;
	d->rx = a->rx - b->rx;
	d->rx_bytes = a->rx_bytes - b->rx_bytes;
	d->misdelivered = a->misdelivered - b->misdelivered;
}

/* Bit rate of @frames frames of @bytes bytes in all (in the mbuf) over @t
 * seconds, with @extra bytes more per frame. */
static double
gbps(uint64_t frames, uint64_t bytes, unsigned int extra, double t)
{
	return ((double)bytes + (double)frames * extra) * 8 / t / 1e9;
}

static void
report(const struct counters *win, double t, const struct learn_result *lr, double wait_share)
{
	uint64_t rx = win[0].rx + win[1].rx, rx_bytes = win[0].rx_bytes + win[1].rx_bytes;
	unsigned int i;

	/* Interrupted before the measurement began: no rates, only totals. */
	if (t <= 0)
		t = 1e-9;

	if (opt.json) {
		printf("{\n  \"size\": %u, \"pairs\": %" PRIu32
		       ", \"vlan_b\": %u, \"seconds\": %.6f, \"gen_wait_share\": %.4f,\n",
		       opt.size, opt.pairs, opt.vlan_b, t, wait_share);
		if (lr != NULL)
			printf("  \"learn\": {\"macs\": %" PRIu64 ", \"sent\": %" PRIu64
			       ", \"received\": %" PRIu64 ", \"seconds\": %.6f, "
			       "\"rate_pps\": %.0f, \"complete\": %s},\n",
			       2 * (uint64_t)opt.pairs, lr->sent, lr->received, lr->seconds,
			       lr->seconds > 0 ? (double)lr->received / lr->seconds : 0,
			       lr->complete ? "true" : "false");
		printf("  \"total\": {\"rx_mpps\": %.4f, \"gbps\": %.4f, \"l1_gbps\": %.4f, "
		       "\"offered_mpps\": %.4f, \"accepted_mpps\": %.4f, \"misdelivered\": "
		       "%" PRIu64 "},\n",
		       rx / t / 1e6, gbps(rx, rx_bytes, FCS_LEN, t),
		       gbps(rx, rx_bytes, FCS_LEN + L1_OVERHEAD, t),
		       (win[0].offered + win[1].offered) / t / 1e6,
		       (win[0].accepted + win[1].accepted) / t / 1e6,
		       win[0].misdelivered + win[1].misdelivered);
		for (i = 0; i < 2; i++) {
			const struct side *s = &sides[i];
			struct rte_eth_stats st;

			memset(&st, 0, sizeof(st));
			rte_eth_stats_get(s->port, &st);
			printf("  \"%c\": {\"offered_pps\": %.0f, \"accepted_pps\": %.0f, "
			       "\"rx_pps\": %.0f, \"rx_misdelivered\": %" PRIu64 ",\n",
			       'a' + i, win[i].offered / t, win[i].accepted / t, win[i].rx / t,
			       win[i].misdelivered);
			printf("    \"whole_run\": {\"tx_accepted\": %" PRIu64 ", \"rx\": %" PRIu64
			       ", \"rx_misdelivered\": %" PRIu64 "},\n",
			       s->c.accepted, s->c.rx, s->c.misdelivered);
			printf("    \"ethdev\": {\"ipackets\": %" PRIu64 ", \"opackets\": %" PRIu64
			       ", \"ibytes\": %" PRIu64 ", \"obytes\": %" PRIu64
			       ", \"imissed\": %" PRIu64 ", \"ierrors\": %" PRIu64
			       ", \"oerrors\": %" PRIu64 ", \"rx_nombuf\": %" PRIu64 "}}%s\n",
			       st.ipackets, st.opackets, st.ibytes, st.obytes, st.imissed,
			       st.ierrors, st.oerrors, st.rx_nombuf, i == 0 ? "," : "");
		}
		printf("}\n");
		return;
	}
	printf("frames: %u bytes with FCS (side A %u, side B %u in the mbuf), %" PRIu32
	       " MAC pairs%s\n",
	       opt.size, sides[0].len, sides[1].len, opt.pairs,
	       opt.vlan_b ? ", side B tagged" : "");
	if (lr != NULL)
		printf("learning: %" PRIu64 " source MACs, %" PRIu64 " frames accepted, %" PRIu64
		       " received in %.3f s: %.0f frames/s through the switch%s\n",
		       2 * (uint64_t)opt.pairs, lr->sent, lr->received, lr->seconds,
		       lr->seconds > 0 ? (double)lr->received / lr->seconds : 0,
		       lr->complete ? "" : " (INCOMPLETE: --learn-timeout or interrupted)");
	printf("measured %.3f s (the generator waited for its CPU %.1f%% of it):\n", t,
	       100 * wait_share);
	for (i = 0; i < 2; i++)
		printf("  %s -> %s: offered %.3f Mpps, accepted %.3f Mpps, received %.3f Mpps "
		       "(%.3f Gbit/s Ethernet)\n",
		       sides[i].name, sides[!i].name, win[i].offered / t / 1e6,
		       win[i].accepted / t / 1e6, win[!i].rx / t / 1e6,
		       gbps(win[!i].rx, win[!i].rx_bytes, FCS_LEN, t));
	printf("  total received: %.3f Mpps, %.3f Gbit/s Ethernet (with FCS), %.3f Gbit/s L1 "
	       "(with preamble and IFG); misdelivered: %" PRIu64 "\n",
	       rx / t / 1e6, gbps(rx, rx_bytes, FCS_LEN, t),
	       gbps(rx, rx_bytes, FCS_LEN + L1_OVERHEAD, t),
	       win[0].misdelivered + win[1].misdelivered);
	printf("whole run (probe, learning, warm-up, measurement, drain):\n");
	for (i = 0; i < 2; i++) {
		const struct side *s = &sides[i];
		struct rte_eth_stats st;

		memset(&st, 0, sizeof(st));
		rte_eth_stats_get(s->port, &st);
		printf("  side %s: sent %" PRIu64 ", received %" PRIu64 ", misdelivered %" PRIu64
		       "; ethdev %u stats: ipackets %" PRIu64 " opackets %" PRIu64
		       " ibytes %" PRIu64 " obytes %" PRIu64 " imissed %" PRIu64 " ierrors %" PRIu64
		       " oerrors %" PRIu64 " rx_nombuf %" PRIu64 "\n",
		       s->name, s->c.accepted, s->c.rx, s->c.misdelivered, s->port, st.ipackets,
		       st.opackets, st.ibytes, st.obytes, st.imissed, st.ierrors, st.oerrors,
		       st.rx_nombuf);
	}
}

/* Idle mode ---------------------------------------------------------------- */

/* Time the switch's threads have run, in ns, all together. */
static uint64_t
pid_cpu_ns(pid_t pid)
{
	char path[64];
	struct dirent *d;
	uint64_t sum = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		char f[320];
		uint64_t run;
		FILE *fp;

		if (d->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "/proc/%d/task/%s/schedstat", (int)pid, d->d_name);
		fp = fopen(f, "re");
		if (fp == NULL)
			continue;
		if (fscanf(fp, "%" SCNu64, &run) == 1)
			sum += run;
		fclose(fp);
	}
	closedir(dir);
	return sum;
}

/* A "Key:   N kB" line of /proc/PID/status, in KiB; -1 if absent. */
static long
pid_status_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "re");
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return v;
}

/* The pid in @file, waiting up to 300 s for the harness to write it: it
 * does once the switch is set up (1,000 ports take Open vSwitch a while). */
static pid_t
watched_pid(const char *file)
{
	int i;

	for (i = 0; i < 30000 && !quit; i++) {
		FILE *fp = fopen(file, "re");
		int pid = 0;

		if (fp != NULL) {
			if (fscanf(fp, "%d", &pid) != 1)
				pid = 0;
			fclose(fp);
		}
		if (pid > 0)
			return pid;
		usleep(10000);
	}
	return 0;
}

static void
sleep_seconds(double t)
{
	uint64_t end = tsc_after(t);

	while (!quit && rte_rdtsc() < end)
		usleep(10000);
}

/* One frame from side A (pair 0) to side B: microseconds until it arrived,
 * or -1 if it did not within a second. */
static double
probe_once(void)
{
	struct side *a = &sides[0], *b = &sides[1];
	uint64_t rx0 = b->c.rx, t0, deadline;

	a->next_k = 0;
	frames_build(a, 1);
	t0 = rte_rdtsc();
	deadline = t0 + hz;
	while (a->n_pending > 0 && rte_rdtsc() < deadline)
		frames_send(a);
	while (b->c.rx == rx0 && rte_rdtsc() < deadline)
		frames_receive(b);
	pending_drop();
	if (b->c.rx == rx0)
		return -1;
	return (double)(rte_rdtsc() - t0) * 1e6 / (double)hz;
}

/* --idle: no traffic for opt.idle seconds while the switch's CPU time is
 * taken from /proc, its memory read at the end; then opt.probes single
 * frames, the first right after the idle time, the others 1 s apart (idle
 * again in between), each timed from the send to its arrival. JSON. */
static void
idle_run(const struct learn_result *lr)
{
	pid_t pid = opt.watch_pid ? watched_pid(opt.watch_pid) : 0;
	uint64_t cpu0, cpu1, t0, t1;
	long rss, shmem, huge;
	unsigned int i, lost = 0, timed = 0;

	if (pid <= 0) {
		/* No figure is better than a CPU time of 0 for nobody. */
		fprintf(stderr, "bench-trafgen: --idle needs --watch-pid naming a file with the "
				"switch's pid\n");
		quit = 1;
		return;
	}
	drain(DRAIN_QUIET_MS, DRAIN_MAX_MS);
	cpu0 = pid_cpu_ns(pid);
	t0 = rte_rdtsc();
	sleep_seconds(opt.idle);
	t1 = rte_rdtsc();
	cpu1 = pid_cpu_ns(pid);
	rss = pid_status_kib(pid, "VmRSS");
	shmem = pid_status_kib(pid, "RssShmem");
	huge = pid_status_kib(pid, "HugetlbPages");
	printf("{\n  \"mode\": \"idle\", \"pairs\": %" PRIu32 ", \"pid\": %d,\n", opt.pairs,
	       (int)pid);
	if (lr != NULL)
		printf("  \"learn\": {\"macs\": %" PRIu64 ", \"received\": %" PRIu64
		       ", \"seconds\": %.6f, \"complete\": %s},\n",
		       2 * (uint64_t)opt.pairs, lr->received, lr->seconds,
		       lr->complete ? "true" : "false");
	printf("  \"idle\": {\"seconds\": %.3f, \"cpu_seconds\": %.6f, \"rss_kib\": %ld, "
	       "\"rss_shmem_kib\": %ld, \"hugetlb_kib\": %ld,\n    \"probes_us\": [",
	       (double)(t1 - t0) / (double)hz, (double)(cpu1 - cpu0) / 1e9, rss, shmem, huge);
	for (i = 0; i < opt.probes && !quit; i++) {
		double us;

		if (i > 0)
			sleep_seconds(1);
		us = probe_once();
		if (us < 0)
			lost++;
		else
			printf("%s%.1f", timed++ > 0 ? ", " : "", us);
	}
	printf("], \"probes_lost\": %u}\n}\n", lost);
}

int
main(int argc, char **argv)
{
	struct counters before[2], after[2], win[2];
	struct learn_result lr;
	struct sigaction sa;
	uint64_t t0, t1, run0, run1, wait0, wait1;
	int eal_argc, i, rc = 1;

	/* The options after "--" are read first: --timeout bounds the wait
	 * inside rte_eal_init(). */
	for (eal_argc = 1; eal_argc < argc && strcmp(argv[eal_argc], "--") != 0; eal_argc++)
		;
	if (eal_argc < argc)
		parse_options(argc - eal_argc, argv + eal_argc);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	alarm(opt.timeout);
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, "bench-trafgen: %s\n",
			quit ? "interrupted while waiting for the switch to connect"
			     : "cannot initialise DPDK (see the EAL's message above)");
		return quit ? 130 : 1;
	}
	alarm(0);
	hz = rte_get_tsc_hz();
	if (rte_eth_dev_count_avail() != 2) {
		fprintf(stderr, "bench-trafgen: want exactly 2 ports (side A, side B), have %u\n",
			rte_eth_dev_count_avail());
		goto out;
	}
	if (sides_make() != 0 || (!opt.no_probe && wait_ready() != 0))
		goto out;
	if (opt.learn)
		learn(&lr);
	if (opt.idle > 0) {
		idle_run(opt.learn ? &lr : NULL);
		rc = quit ? 130 : 0;
		goto out;
	}
	run_until(tsc_after(opt.warmup));
	for (i = 0; i < 2; i++)
		before[i] = sides[i].c;
	sched_times(&run0, &wait0);
	t0 = rte_rdtsc();
	run_until(t0 + (uint64_t)(opt.seconds * (double)hz));
	t1 = rte_rdtsc();
	sched_times(&run1, &wait1);
	for (i = 0; i < 2; i++)
		after[i] = sides[i].c;
	pending_drop();
	drain(DRAIN_QUIET_MS, DRAIN_MAX_MS);
	for (i = 0; i < 2; i++)
		counters_sub(&win[i], &after[i], &before[i]);
	if (quit)
		fprintf(stderr, "bench-trafgen: interrupted; the figures cover %.3f s\n",
			(double)(t1 - t0) / (double)hz);
	report(win, (double)(t1 - t0) / (double)hz, opt.learn ? &lr : NULL,
	       run1 > run0 ? (double)(wait1 - wait0) / (double)(run1 - run0 + wait1 - wait0) : 0);
	rc = quit ? 130 : 0;
out:
	if (rc != 0 && quit)
		rc = 130;
	for (i = 0; i < RTE_MAX_ETHPORTS; i++) {
		if (!rte_eth_dev_is_valid_port((uint16_t)i))
			continue;
		rte_eth_dev_stop((uint16_t)i);
		rte_eth_dev_close((uint16_t)i);
	}
	rte_eal_cleanup();
	fflush(stdout);
	return rc;
}
