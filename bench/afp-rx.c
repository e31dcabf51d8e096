/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afp-rx.c - the cost of receiving from a kernel netdev, two ways: what the
 * af_packet port does (recvmmsg() of 32 frames into buffers of our own,
 * each with its virtio-net header) and a TPACKET_V3 memory-mapped ring
 * (the kernel writes frames into blocks shared with us; each frame is then
 * copied into a buffer of our own, as a port must hand the bridge an mbuf
 * it owns while the block goes back to the kernel).
 *
 *   afp-rx send IFNAME SIZE         send SIZE-byte frames out of IFNAME as
 *                                   fast as it can: 64 (minimal frames) or
 *                                   65000 (TCP super-frames, with a GSO
 *                                   virtio-net header), until killed
 *   afp-rx recv IFNAME MODE SECONDS receive on IFNAME for SECONDS, MODE
 *                                   mmsg or v3; prints the mode, frames/s,
 *                                   Gbit/s and the receiver's own CPU ns per
 *                                   frame (which leaves out what the kernel
 *                                   did in softirq context elsewhere)
 *
 * bench/afp-rx.sh runs the two side by side in namespaces.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define BURST 32
#define BUF_SIZE (9216 + 65536) /* a packet buffer and a large one */
#define V3_BLOCK (1u << 20)
#define V3_BLOCKS 8

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int
packet_socket(const char *ifname, int version)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || sll.sll_ifindex == 0) {
		perror(ifname);
		exit(1);
	}
	if (version != 0 &&
	    setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0) {
		perror("PACKET_VERSION");
		exit(1);
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0) {
		perror("PACKET_VNET_HDR");
		exit(1);
	}
	return fd;
}

static void
bind_to(int fd, const char *ifname)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("bind");
		exit(1);
	}
}

/* A frame to nowhere: broadcast Ethernet, IPv4/TCP to 198.18.99.99, SIZE bytes;
 * a super-frame asks for segmentation at 1,448 bytes. */
static size_t
make_frame(uint8_t *f, size_t size, struct virtio_net_hdr *vh)
{
	uint16_t ip_len = (uint16_t)(size - 14);

	memset(f, 0, size);
	memset(vh, 0, sizeof(*vh));
	memset(f, 0xff, 6);
	f[6] = 0x02, f[11] = 0x01;
	f[12] = 0x08, f[13] = 0x00;
	f[14] = 0x45, f[16] = (uint8_t)(ip_len >> 8), f[17] = (uint8_t)ip_len;
	f[22] = 64, f[23] = 6;
	f[26] = 198, f[27] = 18, f[28] = 99, f[29] = 1;
	f[30] = 198, f[31] = 18, f[32] = 99, f[33] = 99;
	f[46] = 0x50;
	if (size > 1514) {
		vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		vh->hdr_len = 54;
		vh->gso_size = 1448;
		vh->csum_start = 34;
		vh->csum_offset = 16;
	}
	return size;
}

static int
do_send(const char *ifname, size_t size)
{
	static uint8_t frame[65536];
	struct virtio_net_hdr vh;
	struct iovec iov[BURST][2];
	struct mmsghdr msg[BURST];
	int fd = packet_socket(ifname, 0), i;

	bind_to(fd, ifname);
	make_frame(frame, size, &vh);
	for (i = 0; i < BURST; i++) {
		iov[i][0] = (struct iovec){&vh, sizeof(vh)};
		iov[i][1] = (struct iovec){frame, size};
		msg[i].msg_hdr = (struct msghdr){.msg_iov = iov[i], .msg_iovlen = 2};
	}
	for (;;)
		if (sendmmsg(fd, msg, BURST, 0) < 0 && errno != ENOBUFS && errno != EAGAIN) {
			perror("sendmmsg");
			return 1;
		}
}

struct count {
	uint64_t frames, bytes;
};

static void
recv_mmsg(int fd, double end, struct count *c)
{
	static uint8_t buf[BURST][BUF_SIZE];
	struct virtio_net_hdr vh[BURST];
	struct iovec iov[BURST][2];
	struct mmsghdr msg[BURST];
	int i, r;

	while (now_s() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		for (i = 0; i < BURST; i++) {
			iov[i][0] = (struct iovec){&vh[i], sizeof(vh[i])};
			iov[i][1] = (struct iovec){buf[i], BUF_SIZE};
			msg[i].msg_hdr = (struct msghdr){.msg_iov = iov[i], .msg_iovlen = 2};
		}
		r = recvmmsg(fd, msg, BURST, MSG_DONTWAIT, NULL);
		if (r <= 0) {
			poll(&p, 1, 10);
			continue;
		}
		for (i = 0; i < r; i++) {
			c->frames++;
			c->bytes += msg[i].msg_len - sizeof(vh[i]);
		}
	}
}

static void
recv_v3(int fd, const char *ifname, double end, struct count *c)
{
	static uint8_t buf[BUF_SIZE];
	struct tpacket_req3 req = {.tp_block_size = V3_BLOCK,
				   .tp_block_nr = V3_BLOCKS,
				   .tp_frame_size = V3_BLOCK,
				   .tp_frame_nr = V3_BLOCKS,
				   .tp_retire_blk_tov = 1};
	unsigned int b = 0;
	uint8_t *ring;

	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		perror("PACKET_RX_RING");
		exit(1);
	}
	ring = mmap(NULL, (size_t)V3_BLOCK * V3_BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	bind_to(fd, ifname);
	while (now_s() < end) {
		struct tpacket_block_desc *bd = (void *)(ring + (size_t)b * V3_BLOCK);
		struct tpacket3_hdr *h;
		uint32_t n, i;

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER)) {
			struct pollfd p = {.fd = fd, .events = POLLIN | POLLERR};

			poll(&p, 1, 10);
			continue;
		}
		n = bd->hdr.bh1.num_pkts;
		h = (void *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
		for (i = 0; i < n; i++) {
			/* The virtio-net header sits before the frame. */
			const uint8_t *frame = (const uint8_t *)h + h->tp_mac;

			memcpy(buf, frame - sizeof(struct virtio_net_hdr),
			       h->tp_snaplen + sizeof(struct virtio_net_hdr));
			c->frames++;
			c->bytes += h->tp_snaplen;
			h = (void *)((uint8_t *)h + h->tp_next_offset);
		}
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		b = (b + 1) % V3_BLOCKS;
	}
}

static int
do_recv(const char *ifname, const char *mode, double seconds)
{
	int v3 = strcmp(mode, "v3") == 0;
	int fd = packet_socket(ifname, v3 ? TPACKET_V3 : 0);
	struct count c = {0, 0};
	double t0, c0, t, cpu;

	if (!v3)
		bind_to(fd, ifname);
	t0 = now_s();
	c0 = cpu_s();
	if (v3)
		recv_v3(fd, ifname, t0 + seconds, &c);
	else
		recv_mmsg(fd, t0 + seconds, &c);
	t = now_s() - t0;
	cpu = cpu_s() - c0;
	printf("%s %.0f %.2f %.0f\n", mode, (double)c.frames / t, (double)c.bytes * 8 / t / 1e9,
	       c.frames ? cpu * 1e9 / (double)c.frames : 0.0);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "recv") == 0)
		return do_recv(argv[2], argv[3], strtod(argv[4], NULL));
	fprintf(stderr, "usage: afp-rx send IFNAME SIZE | recv IFNAME mmsg|v3 SECONDS\n");
	return 2;
}
