/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port-vhost.c - a VM's virtio-net interface through vhost-user, with
 * DPDK's vhost library (librte_vhost) used directly, not through the vhost
 * PMD: an ethdev per VIF would cap the VIFs of a switch at RTE_MAX_ETHPORTS
 * (32 in Debian's DPDK), and a port needs nothing an ethdev adds.
 *
 * Client mode (the default): QEMU owns the socket and switchd connects to
 * it. The library reconnects by itself (every second) when the peer goes
 * away and comes back, and a restarted switchd connects again to a VM that
 * kept running. Server mode: switchd creates the socket and QEMU connects.
 *
 * Connection state lives in struct dp_vhost. The vhost library calls back
 * on its own thread (new_device, destroy_device, vring_state_changed); the
 * workers read `vid` and `n_qp` with acquire loads. destroy_device clears
 * them and waits for an RCU grace period before it returns, so that no
 * worker still uses the device the library is about to free.
 *
 * Queues: the port has one rx queue per worker. Worker w dequeues from the
 * guest's queue pairs w, w + n_workers, ...; it enqueues to queue pair
 * w % n_qp. The library serialises concurrent access to one virtqueue with
 * its own lock, so fewer guest queues than workers is correct, only slower.
 *
 * Offloads: checksum offload and TCP segmentation are negotiated both
 * ways, so a guest's TCP super-frames and partial checksums arrive whole.
 * The library runs in its compliant mode: it says what the guest left to
 * do as receive flags, which vhost_rx_ol() turns into the frame's offload
 * metadata (offload.h), and finishes by itself a checksum it cannot name
 * (a tunnel's inner one); its legacy mode would forward those unfinished.
 * For frames to the guest it writes the header from the metadata, and
 * rewrites the checksum field as DPDK's TSO convention has it
 * (rte_net_intel_cksum_prepare()): a frame shared with other outputs is
 * copied first. What the guest did not negotiate for its receive side
 * (GUEST_CSUM, GUEST_TSO4/6) is finished in software before the library
 * sees the frame: the library writes whatever the metadata says. Not
 * negotiated: UFO (refused as Open vSwitch does), ECN for the guest's
 * receive side (the header the library writes never says ECN). Mergeable
 * rx buffers are negotiated, so jumbo and super-frames reach the guest;
 * frames from the guest arrive as mbuf chains.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_rcu_qsbr.h>
#include <rte_vhost.h>

#include "../lib/log.h"
#include "dp-private.h"
#include "port.h"

/* A guest that connects and goes in a loop must not fill the log; one
 * limit per kind of message, so that one kind does not hide another. */
static struct log_rate_limit vhost_conn_rl = LOG_RATE_LIMIT_INIT(120, 200);
static struct log_rate_limit vhost_refused_rl = LOG_RATE_LIMIT_INIT(60, 20);
static struct log_rate_limit vhost_mtu_rl = LOG_RATE_LIMIT_INIT(60, 20);

/* Offloads a switch port does not negotiate (see the top of this file). */
#define VHOST_OFFLOADS_OFF                                                    \
	((1ULL << VIRTIO_NET_F_HOST_UFO) | (1ULL << VIRTIO_NET_F_GUEST_UFO) | \
	 (1ULL << VIRTIO_NET_F_GUEST_ECN))

/* Host offloads: with any of them, the guest may send offload requests. */
#define VHOST_HOST_OFFLOADS                                                   \
	((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_HOST_TSO4) |     \
	 (1ULL << VIRTIO_NET_F_HOST_TSO6) | (1ULL << VIRTIO_NET_F_HOST_ECN) | \
	 (1ULL << VIRTIO_NET_F_HOST_UFO))

/* What the guest takes unfinished, from the features it negotiated. */
static uint32_t
vhost_ol_caps(uint64_t features)
{
	uint32_t caps = 0;

	if (features & (1ULL << VIRTIO_NET_F_GUEST_CSUM)) {
		caps |= DP_OLCAP_CSUM;
		if (features & (1ULL << VIRTIO_NET_F_GUEST_TSO4))
			caps |= DP_OLCAP_TSO4;
		if (features & (1ULL << VIRTIO_NET_F_GUEST_TSO6))
			caps |= DP_OLCAP_TSO6;
	}
	return caps;
}

struct dp_vhost {
	TAILQ_ENTRY(dp_vhost) next; /* in `vhosts`, under vhosts_lock */
	struct dp_port *port;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint16_t mtu;
	/* Written by the vhost library's thread, read by workers. */
	int vid;	  /* -1: no device */
	uint16_t n_qp;	  /* enabled queue pairs (0 while vid is -1) */
	uint64_t enabled; /* vrings the guest enabled, bit = vring index < 64 */
	uint32_t conn;	  /* connections so far: a new one has new kick fds */
	bool guest_ol;	  /* the guest may send offload requests (a host offload) */
	/* Idle blocking (vhost_rx_wait), per guest queue pair, each written
	 * by the one worker that dequeues from it: the guest's kick eventfd
	 * as registered, for which connection, in which epoll set. */
	struct {
		int fd;
		int epfd;
		uint32_t conn;
		uint32_t quiet; /* the connection whose kicks are off while polling */
	} kick[32];
};

/* The library calls back with a vid; this finds the port by socket path. */
static TAILQ_HEAD(, dp_vhost) vhosts = TAILQ_HEAD_INITIALIZER(vhosts);
static unsigned int n_vhosts;
static pthread_mutex_t vhosts_lock = PTHREAD_MUTEX_INITIALIZER;

static struct dp_vhost *
vhost_find_path(const char *path)
{
	struct dp_vhost *vh;

	TAILQ_FOREACH(vh, &vhosts, next)
		if (strcmp(vh->path, path) == 0)
			return vh;
	return NULL;
}

static struct dp_vhost *
vhost_find(int vid)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) != 0)
		return NULL;
	return vhost_find_path(path);
}

/* Queue pairs usable now: up to the highest pair whose both vrings are on. */
static uint16_t
vhost_qp_count(uint64_t enabled)
{
	uint16_t n = 0;

	while (n < 32 && (enabled >> (2 * n) & 3) == 3)
		n++;
	return n;
}

static int
vhost_new_device(int vid)
{
	struct dp_vhost *vh;
	uint16_t mtu = 0;

	pthread_mutex_lock(&vhosts_lock);
	vh = vhost_find(vid);
	if (vh != NULL && vh->vid >= 0) {
		/* A server socket accepts more than one connection; a port has
		 * one guest. */
		LOG_WARN_RL(&vhost_refused_rl, "%s: vhost-user %s: a second guest refused",
			    vh->port->name, vh->path);
		pthread_mutex_unlock(&vhosts_lock);
		return -1;
	}
	if (vh != NULL) {
		uint64_t features = 0;
		char ol[32];

		/* Before the port goes live: no frame reaches the guest with
		 * what it cannot take. */
		if (rte_vhost_get_negotiated_features(vid, &features) != 0)
			features = 0;
		dp_port_set_offloads(vh->port, vhost_ol_caps(features), vhost_ol_caps(features));
		__atomic_store_n(&vh->guest_ol, (features & VHOST_HOST_OFFLOADS) != 0,
				 __ATOMIC_RELAXED);
		dp_ol_caps_format(vh->port->ol_caps, ol, sizeof(ol));
		__atomic_store_n(&vh->conn, vh->conn + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&vh->n_qp, vhost_qp_count(vh->enabled), __ATOMIC_RELAXED);
		__atomic_store_n(&vh->vid, vid, __ATOMIC_RELEASE);
		dp_workers_wake(vh->port->dp); /* a blocked worker has not armed it */
		if (rte_vhost_get_mtu(vid, &mtu) == 0 && mtu > vh->mtu)
			LOG_WARN_RL(&vhost_mtu_rl,
				    "%s: the guest's MTU %u exceeds the network's %u; "
				    "larger frames are dropped",
				    vh->port->name, mtu, vh->mtu);
		LOG_INFO_RL(&vhost_conn_rl, "%s: vhost-user %s connected, %u vrings, offloads %s",
			    vh->port->name, vh->path, rte_vhost_get_vring_num(vid), ol);
	}
	pthread_mutex_unlock(&vhosts_lock);
	return 0;
}

static void
vhost_destroy_device(int vid)
{
	struct rte_rcu_qsbr *qsv = NULL;
	struct dp_vhost *vh;

	pthread_mutex_lock(&vhosts_lock);
	vh = vhost_find(vid);
	if (vh != NULL && vh->vid == vid) {
		__atomic_store_n(&vh->vid, -1, __ATOMIC_RELEASE);
		__atomic_store_n(&vh->n_qp, 0, __ATOMIC_RELAXED);
		/* The next guest may take less: after the grace period below,
		 * no frame checked against this one's abilities is left. */
		dp_port_set_offloads(vh->port, 0, 0);
		vh->enabled = 0;
		qsv = vh->port->qsv;
		LOG_INFO_RL(&vhost_conn_rl, "%s: vhost-user %s disconnected", vh->port->name,
			    vh->path);
	}
	pthread_mutex_unlock(&vhosts_lock);
	/* The library frees the device when this returns: no worker may be
	 * inside a burst call on it any more. */
	if (qsv != NULL)
		rte_rcu_qsbr_synchronize(qsv, RTE_QSBR_THRID_INVALID);
}

static int
vhost_vring_state_changed(int vid, uint16_t vring, int enable)
{
	struct dp_vhost *vh;

	if (vring >= 64)
		return 0;
	pthread_mutex_lock(&vhosts_lock);
	vh = vhost_find(vid);
	if (vh != NULL && (vh->vid < 0 || vh->vid == vid)) {
		if (enable)
			vh->enabled |= 1ULL << vring;
		else
			vh->enabled &= ~(1ULL << vring);
		/* A disabled vring makes the library's burst calls return 0,
		 * so lowering the count needs no grace period. */
		if (vh->vid == vid) {
			__atomic_store_n(&vh->n_qp, vhost_qp_count(vh->enabled), __ATOMIC_RELEASE);
			dp_workers_wake(vh->port->dp);
		}
	}
	pthread_mutex_unlock(&vhosts_lock);
	return 0;
}

static const struct rte_vhost_device_ops vhost_ops = {
	.new_device = vhost_new_device,
	.destroy_device = vhost_destroy_device,
	.vring_state_changed = vhost_vring_state_changed,
};

/* Server mode: a socket file left by an earlier run of ours is removed; a
 * socket someone listens on, or any other file, is not. */
static int
vhost_server_path_free(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, in_use;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : errno;
	if (!S_ISSOCK(st.st_mode))
		return ENOTSOCK;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	in_use = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	if (in_use)
		return EADDRINUSE;
	return unlink(path) == 0 ? 0 : errno;
}

static int
vhost_open(struct dp_port *port, const struct dp_port_params *params, struct rte_mempool *mp)
{
	uint64_t flags = (params->vhost_server ? 0 : RTE_VHOST_USER_CLIENT) |
			 RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS;
	struct dp_vhost *vh;
	int err;

	if (params->vhost_path == NULL || params->vhost_path[0] != '/' ||
	    strlen(params->vhost_path) >= sizeof(vh->path))
		return EINVAL;
	pthread_mutex_lock(&vhosts_lock);
	err = vhost_find_path(params->vhost_path) != NULL ? EEXIST
	      : n_vhosts >= DP_MAX_VHOST_PORTS		  ? ENOSPC
							  : 0;
	pthread_mutex_unlock(&vhosts_lock);
	if (err)
		return err;
	if (params->vhost_server) {
		err = vhost_server_path_free(params->vhost_path);
		if (err)
			return err;
	}
	vh = rte_zmalloc("dp_vhost", sizeof(*vh), RTE_CACHE_LINE_SIZE);
	if (vh == NULL)
		return ENOMEM;
	vh->port = port;
	vh->mtu = params->mtu;
	vh->vid = -1;
	for (unsigned int i = 0; i < RTE_DIM(vh->kick); i++)
		vh->kick[i].fd = vh->kick[i].epfd = -1;
	snprintf(vh->path, sizeof(vh->path), "%s", params->vhost_path);

	if (rte_vhost_driver_register(vh->path, flags) != 0) {
		rte_free(vh);
		return EIO;
	}
	if (rte_vhost_driver_disable_features(vh->path, VHOST_OFFLOADS_OFF) != 0 ||
	    rte_vhost_driver_callback_register(vh->path, &vhost_ops) != 0)
		goto fail;
	port->vhost = vh;
	port->mp = mp;
	port->n_rxq = port->n_txq; /* one per worker */
	pthread_mutex_lock(&vhosts_lock);
	TAILQ_INSERT_TAIL(&vhosts, vh, next);
	n_vhosts++;
	pthread_mutex_unlock(&vhosts_lock);
	/* Client mode with a peer not there yet is not an error: the library
	 * keeps trying in the background. */
	if (rte_vhost_driver_start(vh->path) != 0) {
		pthread_mutex_lock(&vhosts_lock);
		TAILQ_REMOVE(&vhosts, vh, next);
		n_vhosts--;
		pthread_mutex_unlock(&vhosts_lock);
		port->vhost = NULL;
		goto fail;
	}
	return 0;
fail:
	rte_vhost_driver_unregister(vh->path);
	rte_free(vh);
	return EIO;
}

static void
vhost_close(struct dp_port *port)
{
	struct dp_vhost *vh = port->vhost;

	/* No worker polls the port any more (it was unpublished after a grace
	 * period, or the workers have stopped), so the destroy_device that
	 * unregister calls for a connected guest needs no grace period of its
	 * own: taking the port out of the registry first makes it skip one.
	 * Waiting for one here could deadlock: unregister holds the library's
	 * socket lock, which its own thread may need while it holds the
	 * virtqueue lock of another guest a worker is waiting for. */
	pthread_mutex_lock(&vhosts_lock);
	TAILQ_REMOVE(&vhosts, vh, next);
	n_vhosts--;
	pthread_mutex_unlock(&vhosts_lock);
	/* Also removes a server-mode socket file. */
	rte_vhost_driver_unregister(vh->path);
	port->vhost = NULL;
	rte_free(vh);
}

/* What the guest left to do with @m, as the library's compliant mode says
 * it (RTE_MBUF_F_RX_L4_CKSUM_NONE: the L4 checksum; RTE_MBUF_F_RX_LRO: a
 * super-frame of tso_segsz segments), as the datapath's metadata. The
 * checksum of IPv6 with extension headers, which the metadata cannot name,
 * is finished here. False if the datapath cannot carry the frame (not TCP
 * or UDP over IP, UFO, which the guest did not negotiate). */
static bool
vhost_rx_ol(struct rte_mbuf *m, struct dp_port_stats *st)
{
	uint64_t rx = m->ol_flags;
	bool seg = (rx & RTE_MBUF_F_RX_LRO) != 0, v6;
	struct rte_net_hdr_lens h;
	uint32_t ptype, l4;

	m->ol_flags &=
		~(RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_LRO);
	if (!seg && (rx & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_NONE)
		return true; /* complete */
	ptype = rte_net_get_ptype(m, &h, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK | RTE_PTYPE_L4_MASK);
	l4 = ptype & RTE_PTYPE_L4_MASK;
	v6 = RTE_ETH_IS_IPV6_HDR(ptype);
	if ((!v6 && !RTE_ETH_IS_IPV4_HDR(ptype)) ||
	    (l4 != RTE_PTYPE_L4_TCP && l4 != RTE_PTYPE_L4_UDP) || (seg && l4 != RTE_PTYPE_L4_TCP))
		return false;
	if (v6 && h.l3_len != sizeof(struct rte_ipv6_hdr)) {
		if (seg)
			return false;
		st->sw_csum++;
		return dp_ol_csum_generic(m, (uint32_t)h.l2_len + h.l3_len,
					  l4 == RTE_PTYPE_L4_TCP ? 16 : 6) == 0;
	}
	m->l2_len = h.l2_len;
	m->l3_len = h.l3_len;
	m->l4_len = h.l4_len;
	m->ol_flags |= (v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4) |
		       (l4 == RTE_PTYPE_L4_TCP ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM);
	if (seg) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		st->gso_rx++;
	}
	return true;
}

/* Frames from the guest: what it left to do, as metadata; a frame the
 * datapath cannot carry dropped (bad_offload). Returns how many are left,
 * in order. */
static uint16_t
vhost_rx_offloads(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_port_stats *st = &port->pw[dp_port_rx_worker(port, queue)].st;
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (likely(!(m->ol_flags & (RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_LRO))) ||
		    vhost_rx_ol(m, st)) {
			pkts[k++] = m;
			continue;
		}
		st->rx_packets++;
		st->drops[DP_DROP_BAD_OFFLOAD]++;
		rte_pktmbuf_free(m);
	}
	return k;
}

static uint16_t
vhost_rx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_vhost *vh = port->vhost;
	int vid = __atomic_load_n(&vh->vid, __ATOMIC_ACQUIRE);
	uint16_t n_qp = __atomic_load_n(&vh->n_qp, __ATOMIC_ACQUIRE), got = 0, qp;

	if (vid < 0)
		return 0;
	for (qp = queue; qp < n_qp && got < n; qp = (uint16_t)(qp + port->n_rxq)) {
		/* A guest kicks after each burst (a syscall on its side)
		 * unless told not to; a polling worker needs no kicks. Not
		 * from the library's callbacks: they run with the vrings'
		 * locks held, which this call takes. */
		if (unlikely(vh->kick[qp].quiet != __atomic_load_n(&vh->conn, __ATOMIC_RELAXED))) {
			rte_vhost_enable_guest_notification(vid, (uint16_t)(2 * qp + 1), 0);
			vh->kick[qp].quiet = __atomic_load_n(&vh->conn, __ATOMIC_RELAXED);
		}
		got = (uint16_t)(got + rte_vhost_dequeue_burst(vid, (uint16_t)(2 * qp + 1),
							       port->mp, pkts + got,
							       (uint16_t)(n - got)));
	}
	/* Only a guest that negotiated a host offload sends frames with
	 * offload requests. */
	if (__atomic_load_n(&vh->guest_ol, __ATOMIC_RELAXED) && got != 0)
		return vhost_rx_offloads(port, queue, pkts, got);
	return got;
}

/* Frames of @pkts that ask for offloads made @port's own (dp_ol_private()).
 * One that cannot be (no buffer) is dropped, and the frames after it wait
 * for the caller: returns how many lead @pkts in order, ready. */
static uint16_t
vhost_tx_private(struct dp_port *port, struct rte_mbuf **pkts, uint16_t n, struct dp_port_stats *st)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (likely(!(pkts[i]->ol_flags & DP_OL_ALL)))
			continue;
		pkts[i] = dp_ol_private(pkts[i], port->dp->mp);
		if (pkts[i] == NULL) {
			st->no_mbuf++;
			st->drops[DP_DROP_TX_UNSENDABLE]++;
			return i;
		}
	}
	return n;
}

static uint16_t
vhost_tx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
	 struct dp_port_stats *st)
{
	const struct dp_vhost *vh = port->vhost;
	int vid = __atomic_load_n(&vh->vid, __ATOMIC_ACQUIRE);
	uint16_t n_qp = __atomic_load_n(&vh->n_qp, __ATOMIC_ACQUIRE), sent;

	if (vid < 0 || n_qp == 0)
		return 0; /* counted as link_down: see vhost_link_up() */
	/* The library rewrites the checksum field of a frame that asks for
	 * offloads: one shared with other outputs is copied first. A frame
	 * the guest's buffers cannot hold is dropped by the library. */
	if (unlikely(port->ol_caps != 0))
		n = vhost_tx_private(port, pkts, n, st);
	/* The library copies into the guest's buffers; the frames stay ours. */
	sent = rte_vhost_enqueue_burst(vid, (uint16_t)(2 * (queue % n_qp)), pkts, n);
	rte_pktmbuf_free_bulk(pkts, sent);
	return sent;
}

static int
vhost_rx_wait(struct dp_port *port, uint16_t queue, int epfd, bool arm)
{
	struct dp_vhost *vh = port->vhost;
	int vid = __atomic_load_n(&vh->vid, __ATOMIC_ACQUIRE);
	uint16_t n_qp = __atomic_load_n(&vh->n_qp, __ATOMIC_ACQUIRE), qp;
	uint32_t conn = __atomic_load_n(&vh->conn, __ATOMIC_RELAXED);

	if (vid < 0)
		return 0; /* new_device wakes the workers */
	for (qp = queue; qp < n_qp; qp = (uint16_t)(qp + port->n_rxq)) {
		uint16_t vring = (uint16_t)(2 * qp + 1); /* the guest's tx */

		if (arm) {
			struct rte_vhost_vring vr;

			if (rte_vhost_get_vhost_vring(vid, vring, &vr) != 0 || vr.kickfd < 0)
				return -1;
			if (vh->kick[qp].conn != conn || vh->kick[qp].fd != vr.kickfd) {
				vh->kick[qp].conn = conn;
				vh->kick[qp].fd = vr.kickfd;
				vh->kick[qp].epfd = -1;
			}
			if (dp_wait_add(epfd, vr.kickfd, &vh->kick[qp].epfd) != 0)
				return -1;
		}
		if (rte_vhost_enable_guest_notification(vid, vring, arm) != 0 && arm)
			return -1;
	}
	return 0;
}

static bool
vhost_link_up(const struct dp_port *port)
{
	const struct dp_vhost *vh = port->vhost;

	return __atomic_load_n(&vh->vid, __ATOMIC_ACQUIRE) >= 0 &&
	       __atomic_load_n(&vh->n_qp, __ATOMIC_ACQUIRE) != 0;
}

const struct dp_port_class dp_port_class_vhost = {
	.kind = "vhost-user",
	.open = vhost_open,
	.close = vhost_close,
	.rx_burst = vhost_rx,
	.tx_burst = vhost_tx,
	.link_up = vhost_link_up,
	.rx_wait = vhost_rx_wait,
};
