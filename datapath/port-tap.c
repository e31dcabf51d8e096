/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port-tap.c - a bridge's host-local interface: a kernel tap named after
 * the bridge (xenbr0), so that the host can have an address on the
 * network. The interface disappears with the port.
 *
 * Restart: the tap is multi-queue, and persistent (TUNSETPERSIST) once the
 * caller has marked it as its own (dp_port_tap_persist()). Closing the
 * port makes it transient first, so that the kernel removes it; a
 * switchd that is killed leaves it, addresses and routes included, for its
 * successor to adopt (params->adopt) by attaching a queue of its own,
 * which it can do while the dying process still holds its queue. The
 * kernel takes a grace period (about 15 ms) to remove a tap, and a
 * successor would otherwise wait for the removal of every one.
 *
 * The tap is a plain tun file descriptor, not DPDK's tap PMD: an ethdev
 * each would cap the bridges a switch can have at RTE_MAX_ETHPORTS (32 in
 * Debian's DPDK), and a host interface needs none of what an ethdev gives.
 * One frame per read() or write(), non-blocking. One worker reads it; any
 * worker may write to it (one write() is one frame).
 *
 * Offloads: the tap has IFF_VNET_HDR, and tells the kernel it takes
 * checksums and TCP (and UDP) segmentation left undone, as a Linux
 * bridge's own interface does: the host's TCP sends the bridge 64 KB
 * super-frames, carried on whole (offload.h), and gets them whole from
 * VMs. A frame is read into a packet buffer and a large one
 * (dp_rx_spares()).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "../lib/netdev.h"
#include "dp-private.h"
#include "port.h"

/* Longest mbuf chain written in one writev(). */
#define TAP_MAX_SEGS 32

/* Linux 6.2 added UDP segmentation; older headers lack it. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

/* Tell the kernel what the tap takes unfinished: what a virtio-net header
 * can say to this kernel; @port then takes the same from the bridge. */
static int
tap_offloads(int fd, struct dp_port *port)
{
	unsigned int flags = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	uint32_t caps = dp_kernel_ol_caps();
	int hdr_sz = sizeof(struct virtio_net_hdr);

	/* Tagged super-frames are segmented before the tap: the tun driver
	 * leaves a frame's network header where a packet socket does, on
	 * the tag, where the kernel's GSO would look for IP if the host
	 * forwarded the frame. */
	dp_port_set_offloads(port, caps, DP_OLCAP_CSUM);
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_sz) < 0)
		return errno;
	if ((caps & DP_OLCAP_USO) && ioctl(fd, TUNSETOFFLOAD, flags | TUN_F_USO4 | TUN_F_USO6) == 0)
		return 0;
	return ioctl(fd, TUNSETOFFLOAD, flags) < 0 ? errno : 0;
}

static int
tap_open(struct dp_port *port, const struct dp_port_params *params, struct rte_mempool *mp)
{
	struct ifreq ifr;
	int fd, err;

	if (strlen(params->name) >= IFNAMSIZ)
		return EINVAL;
	/* Never adopt someone else's interface of that name: the caller
	 * says when it is a tap it made. */
	if (!params->adopt && netdev_index(params->name) != 0)
		return EEXIST;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	if (!params->adopt)
		ifr.ifr_flags |= IFF_TUN_EXCL;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", params->name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		close(fd);
		return err;
	}
	/* An adopted tap is as it was left: each change (even to the same
	 * value) costs the kernel a notification to every protocol, and
	 * IPv6 walks its whole routing table when an interface comes up. */
	err = tap_offloads(fd, port);
	if (err == 0 && !mac_is_zero(&params->mac) &&
	    (err = netdev_ioctl(SIOCGIFHWADDR, &ifr)) == 0 &&
	    memcmp(ifr.ifr_hwaddr.sa_data, params->mac.b, MAC_LEN) != 0) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, params->mac.b, MAC_LEN);
		err = netdev_ioctl(SIOCSIFHWADDR, &ifr);
	}
	if (err == 0 && (err = netdev_ioctl(SIOCGIFMTU, &ifr)) == 0 && ifr.ifr_mtu != params->mtu) {
		ifr.ifr_mtu = params->mtu;
		err = netdev_ioctl(SIOCSIFMTU, &ifr);
	}
	if (err == 0 && (err = netdev_ioctl(SIOCGIFFLAGS, &ifr)) == 0 &&
	    !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		err = netdev_ioctl(SIOCSIFFLAGS, &ifr);
	}
	if (err) {
		close(fd);
		return err;
	}
	port->fd = fd;
	port->mp = mp;
	port->n_rxq = 1; /* one reader; every worker may write */
	return 0;
}

int
dp_tap_persist(struct dp_port *port)
{
	return ioctl(port->fd, TUNSETPERSIST, 1) < 0 ? errno : 0;
}

static void
tap_close(struct dp_port *port)
{
	ioctl(port->fd, TUNSETPERSIST, 0);
	close(port->fd); /* the kernel removes the interface */
	port->fd = -1;
}

static uint16_t
tap_rx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_port_stats *st = &port->pw[dp_port_rx_worker(port, queue)].st;
	struct rte_mbuf **spare = dp_rx_spares(port, queue, n);
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(port->mp);
		struct virtio_net_hdr vh;
		struct iovec iov[3];
		uint32_t room;
		bool sw_csum;
		ssize_t r;

		if (unlikely(m == NULL)) {
			st->no_mbuf++;
			break;
		}
		room = rte_pktmbuf_tailroom(m);
		iov[0] = (struct iovec){&vh, sizeof(vh)};
		iov[1] = (struct iovec){rte_pktmbuf_mtod(m, void *), room};
		if (spare[i] != NULL)
			iov[2] = (struct iovec){rte_pktmbuf_mtod(spare[i], void *),
						rte_pktmbuf_tailroom(spare[i])};
		r = readv(port->fd, iov, spare[i] != NULL ? 3 : 2);
		if (r <= (ssize_t)sizeof(vh)) {
			rte_pktmbuf_free(m);
			break;
		}
		r -= (ssize_t)sizeof(vh);
		m->data_len = (uint16_t)RTE_MIN((uint32_t)r, room);
		m->pkt_len = m->data_len;
		if ((uint32_t)r > room) {
			if (spare[i] == NULL ||
			    (uint32_t)r - room > rte_pktmbuf_tailroom(spare[i])) {
				/* Cut short: no large buffer, or over 64 KB. */
				st->rx_packets++;
				st->drops[DP_DROP_OVERSIZE]++;
				rte_pktmbuf_free(m);
				continue;
			}
			dp_rx_spare_take(m, &spare[i], (uint32_t)r - room);
		}
		if (unlikely((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
			     vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)) {
			if (dp_ol_from_vnet(m, &vh, 0, &sw_csum) != 0) {
				st->rx_packets++;
				st->drops[DP_DROP_BAD_OFFLOAD]++;
				rte_pktmbuf_free(m);
				continue;
			}
			st->gso_rx += (m->ol_flags & DP_OL_SEG) != 0;
			st->sw_csum += sw_csum;
		}
		pkts[k++] = m;
	}
	return k;
}

static uint16_t
tap_tx(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
       struct dp_port_stats *st)
{
	uint16_t i;

	(void)queue;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		/* Never send part of a frame. */
		bool sendable = m->nb_segs <= TAP_MAX_SEGS;

		if (sendable) {
			struct iovec iov[1 + TAP_MAX_SEGS];
			struct virtio_net_hdr vh;
			int k = 1;

			/* The kernel finishes what the frame asks for. */
			dp_ol_to_vnet(m, &vh);
			iov[0] = (struct iovec){&vh, sizeof(vh)};
			for (struct rte_mbuf *s = m; s != NULL; s = s->next, k++) {
				iov[k].iov_base = rte_pktmbuf_mtod(s, void *);
				iov[k].iov_len = s->data_len;
			}
			if (writev(port->fd, iov, k) < 0) {
				/* ENOBUFS, or the interface went down: the
				 * caller counts the rest. */
				if (errno != EINVAL && errno != EMSGSIZE)
					break;
				sendable = false; /* this frame never goes */
			}
		}
		if (!sendable) {
			pkts[i] = NULL;
			st->drops[DP_DROP_TX_UNSENDABLE]++;
		}
		rte_pktmbuf_free(m);
	}
	return i;
}

static int
tap_rx_fd(const struct dp_port *port, uint16_t queue)
{
	(void)queue;
	return port->fd;
}

const struct dp_port_class dp_port_class_tap = {
	.kind = "tap",
	.open = tap_open,
	.close = tap_close,
	.rx_burst = tap_rx,
	.tx_burst = tap_tx,
	.rx_fd = tap_rx_fd,
};
