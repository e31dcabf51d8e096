/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port-afpacket.c - a kernel netdev (a NIC, a VM's vifD.N/tapD.N, a veth)
 * taken over through AF_PACKET sockets of our own.
 *
 * Not DPDK's af_packet PMD, for two reasons. Each PMD port is an ethdev, so
 * a switch could have at most RTE_MAX_ETHPORTS (32 in Debian's DPDK) of
 * them, far short of a host's VIFs. And the PMD's PACKET_MMAP rings make a
 * plug slow: setting up each ring waits for a kernel RCU grace period
 * (synchronize_net(), tens of ms). A plain socket read with recvmmsg() and
 * written with sendmmsg() is set up in microseconds, holds no ring memory,
 * and moves a burst per system call (Open vSwitch's netdev-linux does the
 * same). An idle poll still costs one recvmmsg() call. Closing a packet
 * socket still waits for a grace period, so close hands the sockets to a
 * closer thread and returns at once.
 *
 * Before the socket is bound, the netdev is prepared as a switch port:
 * administratively up, promiscuous (for as long as the socket is open),
 * IPv6 off (otherwise the kernel's own router solicitations and MLD
 * reports from the netdev would enter the bridge as if received), and LRO
 * off (a NIC's merged frames need not be segmentable again; the kernel's
 * bridge turns it off too).
 *
 * Offloads: the sockets have PACKET_VNET_HDR, so every frame comes and
 * goes with a virtio-net header. A VM's TCP super-frame (TSO, up to 64 KB)
 * or a frame with its checksum left to finish is received whole, with its
 * header turned into the frame's offload metadata (offload.h), and handed
 * to the kernel whole on the way out, which finishes it: the device does,
 * or the kernel's software GSO just before it. GRO stays as it is: the
 * frames it merges come with their GSO header, as a Linux bridge gets
 * them. A super-frame is read into a packet buffer and a large one
 * (dp_rx_spares()).
 *
 * A trunk (a PIF) gets one socket per worker in a PACKET_FANOUT group, so
 * the kernel spreads its flows over the workers; any other port has one
 * socket, polled by one worker. Every worker may send on any socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "../lib/netdev.h"
#include "dp-private.h"
#include "port.h"

/* Receive buffer of each socket: a burst of jumbo frames, or a few hundred
 * small ones, while the worker is busy elsewhere. */
#define AFP_RCVBUF (1 << 20)
/* Longest mbuf chain sent as one frame. */
#define AFP_MAX_SEGS 8

/* What netdev_prepare() changed on a netdev, to put back when the port
 * closes (or its open fails): a taken-over netdev is the toolstack's, and
 * goes back to it as it was. Promiscuity needs nothing: it is the socket's
 * membership, and goes with it. */
struct netdev_saved {
	int ifindex;	    /* which netdev of that name it is (its sockets are bound to) */
	int mtu;	    /* its MTU before a port set it, or 0 */
	bool set_up;	    /* it was down; netdev_prepare() set it up */
	bool gro_off;	    /* GRO was on; turned off (by versions before offloads) */
	bool lro_off;	    /* LRO was on; turned off */
	bool ipv6_disabled; /* IPv6 was enabled; disabled */
};

struct dp_afp {
	char dev[IFNAMSIZ];
	struct netdev_saved saved;
	char saved_path[320]; /* where saved is recorded across restarts, or "" */
	uint16_t n_socks;
	int fd[]; /* [n_socks]; fd[q] is rx queue q, tx queue t uses fd[t % n_socks] */
};

/* An empty request for netdev @dev. */
static void
ifreq_for(struct ifreq *ifr, const char *dev)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", dev);
}

/* ETHTOOL_G* @cmd's value, or -1 if the driver has no such setting. */
static int
ethtool_get(const char *dev, uint32_t cmd)
{
	struct ethtool_value ev = {.cmd = cmd};
	struct ifreq ifr;

	ifreq_for(&ifr, dev);
	ifr.ifr_data = (void *)&ev;
	return netdev_ioctl(SIOCETHTOOL, &ifr) != 0 ? -1 : (int)ev.data;
}

static void
ethtool_set(const char *dev, uint32_t cmd, uint32_t value)
{
	struct ethtool_value ev = {.cmd = cmd, .data = value};
	struct ifreq ifr;

	ifreq_for(&ifr, dev);
	ifr.ifr_data = (void *)&ev;
	/* Not every driver has every offload; what it lacks is already off. */
	(void)netdev_ioctl(SIOCETHTOOL, &ifr);
}

/* Set or clear LRO alone: ETHTOOL_SFLAGS sets every legacy flag at once
 * (VLAN offloads, n-tuple filters, RX hashing too). True if it changed. */
static bool
lro_set(const char *dev, bool on)
{
	int flags = ethtool_get(dev, ETHTOOL_GFLAGS);

	if (flags < 0 || !!(flags & ETH_FLAG_LRO) == on)
		return false; /* no flags, or as asked already */
	ethtool_set(dev, ETHTOOL_SFLAGS,
		    on ? (uint32_t)flags | ETH_FLAG_LRO
		       : (uint32_t)flags & ~(uint32_t)ETH_FLAG_LRO);
	return true;
}

/* Write "0" or "1" to @dev's disable_ipv6; true if it was the other. */
static bool
ipv6_disable_set(const char *dev, bool disable)
{
	char path[128], was = '?';
	bool changed = false;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false; /* no IPv6 in this kernel or namespace */
	if (read(fd, &was, 1) == 1 && was != (disable ? '1' : '0'))
		changed = pwrite(fd, disable ? "1" : "0", 1, 0) == 1;
	close(fd);
	return changed;
}

/* Make @dev a switch port (see the top of the file); *saved records what
 * changed. */
static int
netdev_prepare(const char *dev, struct netdev_saved *saved)
{
	struct ifreq ifr;
	int err;

	memset(saved, 0, sizeof(*saved));
	saved->ifindex = (int)netdev_index(dev);
	if (saved->ifindex == 0)
		return ENODEV;
	/* IPv6 off before the netdev comes up: it then never configures a
	 * link-local address and its route, which costs the kernel a walk
	 * of its routing table (thousands of entries with thousands of
	 * bridges). */
	saved->ipv6_disabled = ipv6_disable_set(dev, true);
	ifreq_for(&ifr, dev);
	err = netdev_ioctl(SIOCGIFFLAGS, &ifr);
	if (err == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		err = netdev_ioctl(SIOCSIFFLAGS, &ifr);
		saved->set_up = err == 0;
	}
	if (err == 0)
		saved->lro_off = lro_set(dev, false);
	return err == ENODEV || err == ENXIO ? ENODEV : err;
}

/* Set @dev's MTU to @mtu, recording the first value it had in *saved. */
static int
netdev_mtu_set(const char *dev, uint16_t mtu, struct netdev_saved *saved)
{
	struct ifreq ifr;
	int err;

	ifreq_for(&ifr, dev);
	err = netdev_ioctl(SIOCGIFMTU, &ifr);
	if (err == 0 && ifr.ifr_mtu != mtu) {
		int was = ifr.ifr_mtu;

		ifr.ifr_mtu = mtu;
		err = netdev_ioctl(SIOCSIFMTU, &ifr);
		if (err == 0 && saved->mtu == 0)
			saved->mtu = was;
	}
	return err;
}

/* Put back what netdev_prepare() changed, in the reverse order. A netdev
 * that has gone meanwhile (its VM destroyed) has nothing to put back. */
static void
netdev_restore(const char *dev, const struct netdev_saved *saved)
{
	struct ifreq ifr;

	if (saved->ifindex != 0 && (int)netdev_index(dev) != saved->ifindex)
		return; /* gone, or another netdev of that name since */
	if (saved->lro_off)
		lro_set(dev, true);
	if (saved->gro_off)
		ethtool_set(dev, ETHTOOL_SGRO, 1);
	ifreq_for(&ifr, dev);
	if (saved->mtu != 0) {
		ifr.ifr_mtu = saved->mtu;
		(void)netdev_ioctl(SIOCSIFMTU, &ifr);
	}
	if (saved->set_up && netdev_ioctl(SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags &= ~IFF_UP;
		(void)netdev_ioctl(SIOCSIFFLAGS, &ifr);
	}
	if (saved->ipv6_disabled)
		ipv6_disable_set(dev, false);
}

/*
 * What a port changed survives a restart of switchd in a small file under
 * the datapath's state directory, "netdev.IFNAME.saved": a clean stop
 * leaves the netdev as it is (the restart takes it again, and a PIF's
 * uplink does not flap), and so does kill -9; the next open finds the
 * record, and the unplug after it gives back what was there before the
 * first plug. A record of another netdev of that name (another ifindex,
 * after a reboot or a VM's restart) is not this one's.
 */
/* Merge the record a killed or stopped run left; true if it already says
 * all of a->saved (nothing to write). */
static bool
saved_load(struct dp_afp *a)
{
	struct netdev_saved rec;
	int set_up, gro, lro, ipv6;
	bool same = false;
	FILE *f;

	if (a->saved_path[0] == '\0' || (f = fopen(a->saved_path, "re")) == NULL)
		return false;
	if (fscanf(f, "%d %d %d %d %d %d", &rec.ifindex, &rec.mtu, &set_up, &gro, &lro, &ipv6) ==
		    6 &&
	    rec.ifindex == a->saved.ifindex) {
		/* What this open changed is nothing the record misses: it
		 * found the netdev as the last run left it. */
		if (rec.mtu != 0)
			a->saved.mtu = rec.mtu;
		a->saved.set_up |= set_up != 0;
		a->saved.gro_off |= gro != 0;
		a->saved.lro_off |= lro != 0;
		a->saved.ipv6_disabled |= ipv6 != 0;
		same = rec.mtu == a->saved.mtu && (set_up != 0) == a->saved.set_up &&
		       (gro != 0) == a->saved.gro_off && (lro != 0) == a->saved.lro_off &&
		       (ipv6 != 0) == a->saved.ipv6_disabled;
	}
	fclose(f);
	return same;
}

static void
saved_store(const struct dp_afp *a)
{
	char tmp[sizeof(a->saved_path) + 8];
	FILE *f;

	if (a->saved_path[0] == '\0')
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->saved_path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return;
	fprintf(f, "%d %d %d %d %d %d\n", a->saved.ifindex, a->saved.mtu, a->saved.set_up,
		a->saved.gro_off, a->saved.lro_off, a->saved.ipv6_disabled);
	if (fclose(f) != 0 || rename(tmp, a->saved_path) != 0)
		unlink(tmp);
}

/* Give the netdev back as it was, and forget the record. */
static void
afp_give_back(struct dp_afp *a)
{
	netdev_restore(a->dev, &a->saved);
	if (a->saved_path[0] != '\0')
		unlink(a->saved_path);
}

/*
 * The closer: close() of a packet socket waits for an RCU grace period, so
 * unplugging many ports would take tens of ms each. The port is out of the
 * datapath by then (no worker polls it), so nothing is lost by closing its
 * sockets a little later on a thread of their own. The thread starts with
 * the first close and ends when it has nothing left to do.
 */
static pthread_mutex_t closer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t closer_idle = PTHREAD_COND_INITIALIZER;
static struct dp_afp **closer_queue;
static size_t closer_len, closer_cap;
static bool closer_running;

static void
afp_free(struct dp_afp *a)
{
	uint16_t i;

	for (i = 0; i < a->n_socks; i++)
		if (a->fd[i] >= 0)
			close(a->fd[i]);
	free(a);
}

static void *
closer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&closer_lock);
	while (closer_len != 0) {
		struct dp_afp *a = closer_queue[--closer_len];

		pthread_mutex_unlock(&closer_lock);
		afp_free(a);
		pthread_mutex_lock(&closer_lock);
	}
	closer_running = false;
	pthread_cond_broadcast(&closer_idle);
	pthread_mutex_unlock(&closer_lock);
	return NULL;
}

/* Queue @a for the closer; closes it here if that is not possible. */
static void
afp_free_later(struct dp_afp *a)
{
	pthread_attr_t attr;
	pthread_t t;
	bool queued = false;

	pthread_mutex_lock(&closer_lock);
	if (closer_len == closer_cap) {
		size_t cap = closer_cap ? 2 * closer_cap : 64;
		struct dp_afp **q = realloc(closer_queue, cap * sizeof(*q));

		if (q != NULL) {
			closer_queue = q;
			closer_cap = cap;
		}
	}
	if (closer_len < closer_cap) {
		closer_queue[closer_len++] = a;
		queued = true;
		if (!closer_running && pthread_attr_init(&attr) == 0) {
			pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
			if (pthread_create(&t, &attr, closer_main, NULL) == 0) {
				pthread_setname_np(t, "sd-afp-close");
				closer_running = true;
			} else {
				queued = false;
				closer_len--;
			}
			pthread_attr_destroy(&attr);
		}
	}
	pthread_mutex_unlock(&closer_lock);
	if (!queued)
		afp_free(a);
}

void
dp_afpacket_drain(void)
{
	pthread_mutex_lock(&closer_lock);
	while (closer_running)
		pthread_cond_wait(&closer_idle, &closer_lock);
	free(closer_queue);
	closer_queue = NULL;
	closer_cap = 0;
	pthread_mutex_unlock(&closer_lock);
}

static int
setopt(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value)) < 0 ? errno : 0;
}

/* A packet socket bound to @ifindex. It is created for protocol 0, so it
 * sees nothing until bind() names the interface: no frame of another
 * interface ever reaches it. */
static int
afp_socket(int ifindex, bool promisc, int *out)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = rte_cpu_to_be_16(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int fd, err;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	/* VLAN tags the kernel took off on receive come back as aux data. */
	err = setopt(fd, SOL_PACKET, PACKET_AUXDATA, 1);
	/* Each frame comes and goes with a virtio-net header: offloads. */
	if (err == 0)
		err = setopt(fd, SOL_PACKET, PACKET_VNET_HDR, 1);
	/* Frames the host itself sends on the netdev are not input. */
	if (err == 0)
		err = setopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
	/* Not PACKET_QDISC_BYPASS: the kernel's direct transmit drops a
	 * frame it would have to segment in software (a super-frame to a
	 * netdev without TSO: __dev_direct_xmit() refuses what
	 * validate_xmit_skb() replaced). Through the qdisc layer it is
	 * segmented; a VM's backend and a veth have no queue to go through. */
	if (err == 0 && setopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, AFP_RCVBUF) != 0)
		err = setopt(fd, SOL_SOCKET, SO_RCVBUF, AFP_RCVBUF);
	if (err == 0 && promisc) {
		struct packet_mreq mr = {.mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC};

		if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
			err = errno;
	}
	if (err == 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		err = errno;
	if (err) {
		close(fd);
		return err == ENXIO ? ENODEV : err;
	}
	*out = fd;
	return 0;
}

/* Put the bound sockets of @a in one fanout group, hashed by flow. The
 * kernel picks an unused group id for the first; the others join it. */
static int
afp_fanout(struct dp_afp *a)
{
	int arg = (PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
	socklen_t len = sizeof(arg);
	uint16_t i;

	if (setsockopt(a->fd[0], SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0)
		return errno;
	if (getsockopt(a->fd[0], SOL_PACKET, PACKET_FANOUT, &arg, &len) < 0)
		return errno;
	arg = PACKET_FANOUT_HASH << 16 | (arg & 0xffff);
	for (i = 1; i < a->n_socks; i++)
		if (setsockopt(a->fd[i], SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0)
			return errno;
	/* Each socket received every frame between its bind and joining the
	 * group: forwarded, those would be duplicates. The port is not
	 * published yet, so it loses nothing it should keep. */
	for (i = 0; i < a->n_socks; i++) {
		char buf[64];

		while (recv(a->fd[i], buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
			;
	}
	return 0;
}

static int
afp_open(struct dp_port *port, const struct dp_port_params *params, struct rte_mempool *mp)
{
	uint16_t n = params->trunk ? port->n_txq : 1, i;
	struct dp_afp *a;
	bool recorded;
	int err;

	if (strlen(params->name) >= IFNAMSIZ)
		return EINVAL;
	a = malloc(sizeof(*a) + n * sizeof(a->fd[0]));
	if (a == NULL)
		return ENOMEM;
	snprintf(a->dev, sizeof(a->dev), "%s", params->name);
	a->saved_path[0] = '\0';
	if (port->dp->state_dir[0] != '\0')
		snprintf(a->saved_path, sizeof(a->saved_path), "%s/netdev.%s.saved",
			 port->dp->state_dir, a->dev);
	err = netdev_prepare(a->dev, &a->saved);
	if (err == 0 && params->netdev_mtu != 0)
		err = netdev_mtu_set(a->dev, params->netdev_mtu, &a->saved);
	recorded = saved_load(a);
	if (err) {
		afp_give_back(a);
		free(a);
		return err;
	}
	if (!recorded)
		saved_store(a);
	a->n_socks = n;
	for (i = 0; i < n; i++)
		a->fd[i] = -1;
	err = a->saved.ifindex != 0 ? 0 : ENODEV; /* netdev_prepare() found it */
	for (i = 0; err == 0 && i < n; i++)
		err = afp_socket(a->saved.ifindex, i == 0, &a->fd[i]);
	if (err == 0 && n > 1)
		err = afp_fanout(a);
	if (err) {
		afp_give_back(a);
		afp_free_later(a);
		return err;
	}
	port->afp = a;
	port->mp = mp;
	port->n_rxq = n;
	/* A tagged super-frame is segmented here: a packet socket leaves
	 * the network header of what it sends after the Ethernet header,
	 * on the tag, where the kernel's GSO then looks for the IP header
	 * and gives up (the frame is dropped, counted as the netdev's
	 * tx_dropped). A checksum the kernel finishes from csum_start,
	 * wherever the headers are. */
	dp_port_set_offloads(port, dp_kernel_ol_caps(), DP_OLCAP_CSUM);
	return 0;
}

static int
afp_set_netdev_mtu(struct dp_port *port, uint16_t mtu)
{
	int err = netdev_mtu_set(port->afp->dev, mtu, &port->afp->saved);

	saved_store(port->afp);
	return err;
}

static void
afp_close(struct dp_port *port)
{
	/* Given back on unplug; at a stop of switchd the netdev stays as it
	 * is, with its record, for the restart to take again. */
	if (!port->dp->stop)
		afp_give_back(port->afp);
	afp_free_later(port->afp);
	port->afp = NULL;
}

/* Put back the 802.1Q tag the kernel took off into the aux data. Returns
 * the bytes put in front of the frame: 4, or 0. */
static uint16_t
afp_vlan_restore(struct rte_mbuf *m, struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		struct tpacket_auxdata aux;
		rte_be16_t tag[2];
		char *p;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || m->data_len < RTE_ETHER_HDR_LEN)
			return 0;
		tag[0] = rte_cpu_to_be_16(aux.tp_status & TP_STATUS_VLAN_TPID_VALID
						  ? aux.tp_vlan_tpid
						  : RTE_ETHER_TYPE_VLAN);
		tag[1] = rte_cpu_to_be_16(aux.tp_vlan_tci);
		p = rte_pktmbuf_prepend(m, sizeof(tag));
		if (p == NULL)
			return 0; /* no headroom: cannot happen with the datapath's pool */
		memmove(p, p + sizeof(tag), 2 * RTE_ETHER_ADDR_LEN);
		memcpy(p + 2 * RTE_ETHER_ADDR_LEN, tag, sizeof(tag));
		return sizeof(tag);
	}
	return 0;
}

/* One received frame: its length (msg_len, which counts the virtio-net
 * header) into the mbuf, a super-frame's rest into its spare; the VLAN tag
 * and the offload metadata back. False if it is dropped (counted). */
static bool
afp_rx_one(struct dp_port_stats *st, struct rte_mbuf *m, struct mmsghdr *msg,
	   const struct virtio_net_hdr *vh, struct rte_mbuf **spare)
{
	uint32_t len = msg->msg_len - (uint32_t)sizeof(*vh), room = rte_pktmbuf_tailroom(m);
	bool sw_csum;

	if (unlikely(msg->msg_hdr.msg_flags & MSG_TRUNC) || msg->msg_len < sizeof(*vh)) {
		/* Longer than a packet buffer and a large one together
		 * (a super-frame larger than 64 KB, or no large buffer to
		 * take it): more than the datapath can carry. */
		st->rx_packets++;
		st->drops[DP_DROP_OVERSIZE]++;
		return false;
	}
	m->data_len = (uint16_t)RTE_MIN(len, room);
	m->pkt_len = m->data_len;
	if (unlikely(len > room))
		dp_rx_spare_take(m, spare, len - room);
	/* Complete (DATA_VALID only says its checksum was checked). */
	if (likely(!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		   vh->gso_type == VIRTIO_NET_HDR_GSO_NONE)) {
		afp_vlan_restore(m, &msg->msg_hdr);
		return true;
	}
	if (dp_ol_from_vnet(m, vh, afp_vlan_restore(m, &msg->msg_hdr), &sw_csum) != 0) {
		st->rx_packets++;
		st->drops[DP_DROP_BAD_OFFLOAD]++;
		return false;
	}
	st->gso_rx += (m->ol_flags & DP_OL_SEG) != 0;
	st->sw_csum += sw_csum;
	return true;
}

static uint16_t
afp_rx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl[DP_BURST];
	struct dp_port_stats *st = &port->pw[dp_port_rx_worker(port, queue)].st;
	struct virtio_net_hdr vh[DP_BURST];
	struct mmsghdr msg[DP_BURST];
	struct iovec iov[DP_BURST][3];
	struct rte_mbuf **spare;
	uint16_t i, kept = 0;
	int r;

	n = RTE_MIN(n, (uint16_t)DP_BURST);
	if (unlikely(rte_pktmbuf_alloc_bulk(port->mp, pkts, n) != 0)) {
		/* The frames wait in the socket: receive them next time. */
		st->no_mbuf++;
		return 0;
	}
	spare = dp_rx_spares(port, queue, n);
	for (i = 0; i < n; i++) {
		iov[i][0].iov_base = &vh[i];
		iov[i][0].iov_len = sizeof(vh[i]);
		iov[i][1].iov_base = rte_pktmbuf_mtod(pkts[i], void *);
		iov[i][1].iov_len = rte_pktmbuf_tailroom(pkts[i]);
		if (likely(spare[i] != NULL)) {
			iov[i][2].iov_base = rte_pktmbuf_mtod(spare[i], void *);
			iov[i][2].iov_len = rte_pktmbuf_tailroom(spare[i]);
		}
		msg[i].msg_hdr = (struct msghdr){
			.msg_iov = iov[i],
			.msg_iovlen = spare[i] != NULL ? 3 : 2,
			.msg_control = ctl[i].buf,
			.msg_controllen = sizeof(ctl[i].buf),
		};
	}
	r = recvmmsg(port->afp->fd[queue], msg, n, MSG_DONTWAIT, NULL);
	if (r < 0) {
		/* EAGAIN; or ENETDOWN, once, when the netdev goes down. A
		 * frame whose offloads the kernel cannot describe in a
		 * virtio-net header (a tunnel's GSO) fails the call with
		 * EINVAL and is gone. */
		if (errno == EINVAL) {
			st->rx_packets++;
			st->drops[DP_DROP_BAD_OFFLOAD]++;
		}
		r = 0;
	}
	for (i = 0; i < r; i++) {
		if (afp_rx_one(st, pkts[i], &msg[i], &vh[i], &spare[i]))
			pkts[kept++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	for (i = (uint16_t)r; i < n; i++)
		pkts[kept + i - r] = pkts[i];
	rte_pktmbuf_free_bulk(&pkts[kept], n - (uint16_t)r);
	return kept;
}

/* Frees a frame the netdev can never take and marks its slot (see
 * port.h). */
static inline void
afp_tx_unsendable(struct rte_mbuf **slot, struct dp_port_stats *st)
{
	rte_pktmbuf_free(*slot);
	*slot = NULL;
	st->drops[DP_DROP_TX_UNSENDABLE]++;
}

static uint16_t
afp_tx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
       struct dp_port_stats *st)
{
	const struct dp_afp *a = port->afp;
	int fd = a->fd[queue % a->n_socks];
	struct iovec iov[DP_BURST * (1 + AFP_MAX_SEGS)];
	struct virtio_net_hdr vh[DP_BURST];
	struct mmsghdr msg[DP_BURST];
	uint16_t slot[DP_BURST]; /* msg[j] sends pkts[slot[j]] */
	unsigned int k = 0, n_msg = 0, j = 0;
	uint16_t i;

	n = RTE_MIN(n, (uint16_t)DP_BURST);
	for (i = 0; i < n; i++) {
		const struct rte_mbuf *s;

		if (unlikely(pkts[i]->nb_segs > AFP_MAX_SEGS)) {
			afp_tx_unsendable(&pkts[i], st); /* never send part of a frame */
			continue;
		}
		/* The kernel finishes what the frame asks for: the device
		 * does, or the kernel in software before it. */
		dp_ol_to_vnet(pkts[i], &vh[n_msg]);
		msg[n_msg].msg_hdr = (struct msghdr){.msg_iov = &iov[k]};
		iov[k].iov_base = &vh[n_msg];
		iov[k++].iov_len = sizeof(vh[n_msg]);
		for (s = pkts[i]; s != NULL; s = s->next, k++) {
			iov[k].iov_base = rte_pktmbuf_mtod(s, void *);
			iov[k].iov_len = s->data_len;
		}
		msg[n_msg].msg_hdr.msg_iovlen = 1 + pkts[i]->nb_segs;
		slot[n_msg++] = i;
	}
	while (j < n_msg) {
		int r = sendmmsg(fd, &msg[j], n_msg - j, MSG_DONTWAIT);

		if (r > 0) {
			for (; r > 0; r--, j++)
				rte_pktmbuf_free(pkts[slot[j]]);
		} else if (r < 0 && (errno == EMSGSIZE || errno == EINVAL)) {
			/* This frame, longer than the netdev's MTU (or shorter
			 * than its header), never goes; the next ones may. */
			afp_tx_unsendable(&pkts[slot[j++]], st);
		} else {
			/* ENOBUFS, EAGAIN, ENETDOWN: frames from here on are the
			 * caller's to count. */
			return slot[j];
		}
	}
	return n;
}

static int
afp_rx_fd(const struct dp_port *port, uint16_t queue)
{
	return port->afp->fd[queue];
}

const struct dp_port_class dp_port_class_afpacket = {
	.kind = "af_packet",
	.open = afp_open,
	.close = afp_close,
	.rx_burst = afp_rx,
	.tx_burst = afp_tx,
	.rx_fd = afp_rx_fd,
	.set_netdev_mtu = afp_set_netdev_mtu,
};
