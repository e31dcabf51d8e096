/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port-afpacket.c - a kernel netdev (a NIC, a VM's vifD.N/tapD.N, a veth)
 * taken over through DPDK's af_packet PMD.
 *
 * Before the PMD opens its sockets, the netdev is prepared as a switch port:
 * administratively up, IPv6 off (otherwise the kernel's own router
 * solicitations and MLD reports from the netdev would enter the bridge as if
 * received), and receive offloads that merge frames (GRO, LRO) off, because
 * a merged frame is larger than the ring slots and than the network MTU.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_ether.h>

#include "port.h"

/* Ring slot sizing: TPACKET2 header and alignment slack on top of a frame
 * with one VLAN tag. */
#define AFP_SLOT_OVERHEAD 128
#define AFP_FRAMES 1024

static unsigned int afp_seq;

static int
netdev_ioctl(int fd, unsigned long req, struct ifreq *ifr)
{
	return ioctl(fd, req, ifr) < 0 ? errno : 0;
}

static void
ethtool_set(int fd, const char *dev, uint32_t cmd, uint32_t value)
{
	struct ethtool_value ev = {.cmd = cmd, .data = value};
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&ev;
	/* Not every driver has every offload; what it lacks is already off. */
	(void)ioctl(fd, SIOCETHTOOL, &ifr);
}

static void
disable_ipv6(const char *dev)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* no IPv6 in this kernel or namespace */
	if (write(fd, "1", 1) != 1) {
		/* Nothing else to do: the port still works. */
	}
	close(fd);
}

static int
netdev_prepare(const char *dev)
{
	struct ifreq ifr;
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	err = netdev_ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (err == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		err = netdev_ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (err == 0) {
		ethtool_set(fd, dev, ETHTOOL_SGRO, 0);
		ethtool_set(fd, dev, ETHTOOL_SFLAGS, 0); /* LRO and friends */
	}
	close(fd);
	if (err == 0)
		disable_ipv6(dev);
	return err == ENODEV || err == ENXIO ? ENODEV : err;
}

/* The af_packet PMD opens its sockets for ETH_P_ALL before it binds them to
 * the interface, and setting up the rings in between waits for kernel grace
 * periods (tens of ms). Frames of every interface in the namespace land in
 * the ring meanwhile; forwarded, they would be duplicates and would teach the
 * FDB that other ports' MACs live here. Discard all of it before the port is
 * published: a port that has just appeared loses nothing it should keep. */
static void
afp_discard_prebind(struct dp_port *port)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t n, i;

	uint16_t q;

	for (q = 0; q < port->n_rxq; q++)
		while ((n = dp_ethdev_rx(port, q, pkts, DP_BURST)) != 0)
			for (i = 0; i < n; i++)
				rte_pktmbuf_free(pkts[i]);
}

static int
afp_open(struct dp_port *port, const struct dp_port_params *params, struct rte_mempool *mp)
{
	unsigned int slot = RTE_ALIGN_CEIL((unsigned int)params->mtu + RTE_ETHER_HDR_LEN +
						   RTE_VLAN_HLEN + AFP_SLOT_OVERHEAD,
					   64u);
	unsigned int framesz = slot <= 2048 ? 2048 : RTE_ALIGN_CEIL(slot, 1024u);
	unsigned int blocksz = RTE_ALIGN_CEIL(framesz, 4096u);
	char name[48], args[160];
	int err;

	if (strlen(params->name) >= IFNAMSIZ)
		return EINVAL;
	err = netdev_prepare(params->name);
	if (err)
		return err;
	snprintf(name, sizeof(name), "net_af_packet_sd%u", afp_seq++);
	/* One queue pair per worker: the PMD puts the rx sockets in one
	 * PACKET_FANOUT group, so the kernel spreads flows over the workers. */
	port->n_rxq = port->n_txq;
	snprintf(args, sizeof(args),
		 "iface=%s,qpairs=%u,blocksz=%u,framesz=%u,framecnt=%u,qdisc_bypass=1",
		 params->name, port->n_txq, blocksz, framesz, AFP_FRAMES);
	err = dp_ethdev_probe_vdev(port, name, args);
	if (err)
		return err;
	/* The PMD copies each frame from its ring into a fresh mbuf: its rx
	 * queues hold no mbufs, whatever the descriptor count. */
	err = dp_ethdev_start(port, mp, AFP_FRAMES);
	if (err) {
		dp_ethdev_close(port);
		return err;
	}
	afp_discard_prebind(port);
	return 0;
}

const struct dp_port_class dp_port_class_afpacket = {
	.kind = "af_packet",
	.open = afp_open,
	.close = dp_ethdev_close,
	.rx_burst = dp_ethdev_rx,
	.tx_burst = dp_ethdev_tx,
};
