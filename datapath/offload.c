/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * offload.c - offload metadata from and to virtio-net headers, and the
 * software fallback: segmentation and checksums for ports whose devices
 * cannot finish a frame (see offload.h).
 *
 * Segmentation copies: each segment is a new buffer with a copy of the
 * headers and its slice of the payload, and its checksum is computed as
 * the slice is copied into cache anyway. DPDK's librte_gso would give
 * two-buffer segments pointing into the original instead, but in DPDK
 * 22.11 it segments TCP over IPv4 only (not IPv6, not UDP segmentation),
 * and leaves every checksum to a NIC: a port without one would walk each
 * segment again to checksum it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "offload.h"

/* Linux 6.2 added UDP segmentation to the header; older headers lack it. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define TCP_CSUM_OFF offsetof(struct rte_tcp_hdr, cksum)       /* 16 */
#define UDP_CSUM_OFF offsetof(struct rte_udp_hdr, dgram_cksum) /* 6 */

uint64_t
dp_ol_soft_mask(uint32_t caps)
{
	uint64_t mask = 0;

	if (!(caps & DP_OLCAP_CSUM))
		mask |= DP_OL_ALL;
	if ((caps & (DP_OLCAP_TSO4 | DP_OLCAP_TSO6)) != (DP_OLCAP_TSO4 | DP_OLCAP_TSO6))
		mask |= RTE_MBUF_F_TX_TCP_SEG;
	if (!(caps & DP_OLCAP_USO))
		mask |= RTE_MBUF_F_TX_UDP_SEG;
	return mask;
}

void
dp_ol_caps_format(uint32_t caps, char *buf, size_t size)
{
	static const char *const names[] = {"csum", "tso4", "tso6", "uso"};
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < RTE_DIM(names); i++)
		if (caps & (1u << i) && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
						names[i]);
	if (len == 0)
		snprintf(buf, size, "none");
}

uint32_t
dp_kernel_ol_caps(void)
{
	static uint32_t caps;
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (caps != 0)
		return caps;
	caps = DP_OLCAP_CSUM | DP_OLCAP_TSO4 | DP_OLCAP_TSO6;
	/* The virtio-net header names UDP segmentation from Linux 6.2. */
	if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
	    (major > 6 || (major == 6 && minor >= 2)))
		caps |= DP_OLCAP_USO;
	return caps;
}

static inline bool
is_vlan_tpid(rte_be16_t type)
{
	return type == RTE_BE16(RTE_ETHER_TYPE_VLAN) || type == RTE_BE16(RTE_ETHER_TYPE_QINQ) ||
	       type == RTE_BE16(RTE_ETHER_TYPE_QINQ1);
}

int
dp_ol_csum_generic(struct rte_mbuf *m, uint32_t start, uint32_t off)
{
	uint16_t sum;

	if (start + off + 2 > m->data_len || start > m->pkt_len ||
	    rte_raw_cksum_mbuf(m, start, m->pkt_len - start, &sum) != 0)
		return EPROTO;
	sum = (uint16_t)~sum;
	/* The header's offsets are the sender's: the field may be at an odd
	 * address. */
	memcpy(rte_pktmbuf_mtod_offset(m, void *, start + off), &sum, sizeof(sum));
	return 0;
}

static uint32_t pseudo_sum(const void *ip, bool v6, uint8_t proto, uint32_t len);

/* Where the headers of a frame are, as far as offloads care. */
struct hdrs {
	uint16_t l2, l3, l4;
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, or another */
	bool ip, v6;
};

/* Parse the first buffer of @m: Ethernet, any VLAN tags, IPv4 or IPv6
 * (without extension headers: l3 is 40). h->ip is false for anything else. */
static void
hdrs_parse(const struct rte_mbuf *m, struct hdrs *h)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = m->data_len;
	rte_be16_t type;

	memset(h, 0, sizeof(*h));
	h->l2 = RTE_ETHER_HDR_LEN;
	if (len < RTE_ETHER_HDR_LEN)
		return;
	memcpy(&type, p + 12, sizeof(type));
	while (is_vlan_tpid(type) && h->l2 + 4 <= len) {
		memcpy(&type, p + h->l2 + 2, sizeof(type));
		h->l2 += 4;
	}
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && h->l2 + sizeof(struct rte_ipv4_hdr) <= len) {
		const struct rte_ipv4_hdr *ip = (const void *)(p + h->l2);

		h->l3 = rte_ipv4_hdr_len(ip);
		h->proto = ip->next_proto_id;
		h->ip = (ip->version_ihl >> 4) == 4 && h->l3 >= sizeof(*ip) && h->l2 + h->l3 <= len;
	} else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
		   h->l2 + sizeof(struct rte_ipv6_hdr) <= len) {
		const struct rte_ipv6_hdr *ip = (const void *)(p + h->l2);

		h->l3 = sizeof(*ip);
		h->proto = ip->proto;
		h->v6 = true;
		h->ip = (rte_be_to_cpu_32(ip->vtc_flow) >> 28) == 6;
	}
}

/* The L4 header length at h->l2 + h->l3, or 0 if it is not in the first
 * buffer. */
static uint16_t
l4_len(const struct rte_mbuf *m, const struct hdrs *h)
{
	uint32_t at = (uint32_t)h->l2 + h->l3;

	if (h->proto == IPPROTO_UDP)
		return at + sizeof(struct rte_udp_hdr) <= m->data_len ? sizeof(struct rte_udp_hdr)
								      : 0;
	if (h->proto == IPPROTO_TCP && at + sizeof(struct rte_tcp_hdr) <= m->data_len) {
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const void *, at);
		uint16_t n = (uint16_t)((th->data_off >> 4) * 4);

		return n >= sizeof(*th) && at + n <= m->data_len ? n : 0;
	}
	return 0;
}

/* Whether this kernel's csum_start counts a VLAN tag it handed over out of
 * band (as aux data): learned from tagged frames whose headers show where
 * the checksum is, for those whose headers do not (a tunnel's inner
 * checksum). Linux 6.18 was seen to count it; -1 until a frame shows. */
static int tag_counted = -1;

int
dp_ol_from_vnet(struct rte_mbuf *m, const struct virtio_net_hdr *vh, uint16_t shift, bool *sw_csum)
{
	uint8_t gso = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	bool partial = (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
	uint32_t start = (uint32_t)rte_le_to_cpu_16(vh->csum_start) + shift;
	uint16_t off = rte_le_to_cpu_16(vh->csum_offset);
	uint64_t ol;
	struct hdrs h;

	*sw_csum = false;
	if (gso == VIRTIO_NET_HDR_GSO_NONE && !partial)
		return 0;
	hdrs_parse(m, &h);
	if (partial && h.ip) {
		/* The checksum starts right after the IP header: TCP or UDP by
		 * where its field is. Anything else (IPv6 extension headers,
		 * a tunnel's inner header) the metadata cannot name: DPDK's
		 * pseudo-header helpers, which drivers and the vhost library
		 * use, know neither. Kernels differ on whether csum_start
		 * counts a VLAN tag they handed over out of band (@shift):
		 * where the parsed headers end decides. */
		uint32_t at = (uint32_t)h.l2 + h.l3;
		uint8_t proto = off == TCP_CSUM_OFF   ? IPPROTO_TCP
				: off == UDP_CSUM_OFF ? IPPROTO_UDP
						      : 0;

		if (shift != 0 && start == at)
			__atomic_store_n(&tag_counted, 0, __ATOMIC_RELAXED);
		else if (shift != 0 && start - shift == at)
			__atomic_store_n(&tag_counted, 1, __ATOMIC_RELAXED);
		h.ip = proto != 0 && proto == h.proto && (start == at || start - shift == at);
		if (h.ip)
			start = at;
	}
	/* Where the headers do not say: as this kernel was seen to do. */
	if (shift != 0 && start != (uint32_t)h.l2 + h.l3 &&
	    __atomic_load_n(&tag_counted, __ATOMIC_RELAXED) != 0)
		start -= shift;
	if (gso == VIRTIO_NET_HDR_GSO_NONE) {
		if (!h.ip) {
			/* Not TCP or UDP over IP: finish it now, as the kernel
			 * would before a device that cannot. */
			*sw_csum = true;
			return dp_ol_csum_generic(m, start, off);
		}
		ol = h.proto == IPPROTO_TCP ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM;
	} else {
		if (!h.ip || vh->gso_size == 0)
			return EPROTO;
		if (gso == VIRTIO_NET_HDR_GSO_TCPV4 && !h.v6 && h.proto == IPPROTO_TCP)
			ol = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
		else if (gso == VIRTIO_NET_HDR_GSO_TCPV6 && h.v6 && h.proto == IPPROTO_TCP)
			ol = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
		else if (gso == VIRTIO_NET_HDR_GSO_UDP_L4 && h.proto == IPPROTO_UDP)
			ol = RTE_MBUF_F_TX_UDP_SEG | RTE_MBUF_F_TX_UDP_CKSUM;
		else
			return EPROTO; /* UFO (as Open vSwitch, refused), or a mismatch */
		m->tso_segsz = rte_le_to_cpu_16(vh->gso_size);
	}
	h.l4 = l4_len(m, &h);
	if (h.l4 == 0)
		return EPROTO; /* the headers must be in the first buffer */
	if (!partial) {
		/* A super-frame with its checksum valid (GRO merged it):
		 * the field is the first segment's; the metadata says it
		 * holds the pseudo-header sum, as the kernel's GSO makes it. */
		uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, h.l2);
		uint16_t seed = (uint16_t)__rte_raw_cksum_reduce(
			pseudo_sum(ip, h.v6, h.proto, m->pkt_len - h.l2 - h.l3));

		memcpy(ip + h.l3 + (h.proto == IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF), &seed,
		       sizeof(seed));
	}
	m->ol_flags |= ol | (h.v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4);
	m->l2_len = h.l2;
	m->l3_len = h.l3;
	m->l4_len = h.l4;
	return 0;
}

static inline bool
ol_is_tcp(uint64_t ol)
{
	return (ol & RTE_MBUF_F_TX_TCP_SEG) ||
	       (!(ol & RTE_MBUF_F_TX_UDP_SEG) &&
		(ol & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM);
}

void
dp_ol_to_vnet(const struct rte_mbuf *m, struct virtio_net_hdr *vh)
{
	uint64_t ol = m->ol_flags;
	bool tcp;

	memset(vh, 0, sizeof(*vh));
	if (likely(!(ol & DP_OL_ALL)))
		return;
	tcp = ol_is_tcp(ol);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = rte_cpu_to_le_16((uint16_t)(m->l2_len + m->l3_len));
	vh->csum_offset = rte_cpu_to_le_16(tcp ? TCP_CSUM_OFF : UDP_CSUM_OFF);
	if (!(ol & DP_OL_SEG))
		return;
	vh->hdr_len = rte_cpu_to_le_16((uint16_t)(m->l2_len + m->l3_len + m->l4_len));
	vh->gso_size = rte_cpu_to_le_16(m->tso_segsz);
	if (ol & RTE_MBUF_F_TX_UDP_SEG) {
		vh->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	} else {
		const struct rte_tcp_hdr *th =
			rte_pktmbuf_mtod_offset(m, const void *, m->l2_len + m->l3_len);

		vh->gso_type = ol & RTE_MBUF_F_TX_IPV6 ? VIRTIO_NET_HDR_GSO_TCPV6
						       : VIRTIO_NET_HDR_GSO_TCPV4;
		/* Congestion window reduced: only the first segment says so. */
		if (th->tcp_flags & RTE_TCP_CWR_FLAG)
			vh->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	}
}

/* The one's complement sum of the pseudo-header for @len bytes of L4
 * protocol @proto after IP header @ip. */
static uint32_t
pseudo_sum(const void *ip, bool v6, uint8_t proto, uint32_t len)
{
	uint32_t sum;

	if (v6)
		sum = __rte_raw_cksum(((const struct rte_ipv6_hdr *)ip)->src_addr, 32, 0);
	else
		sum = __rte_raw_cksum(&((const struct rte_ipv4_hdr *)ip)->src_addr, 8, 0);
	return sum + rte_cpu_to_be_16((uint16_t)proto) + rte_cpu_to_be_16((uint16_t)len);
}

static inline uint16_t
csum_final(uint32_t sum, bool udp)
{
	uint16_t c = (uint16_t)~__rte_raw_cksum_reduce(sum);

	return udp && c == 0 ? 0xffff : c; /* UDP: 0 means "none" */
}

struct rte_mbuf *
dp_ol_private(struct rte_mbuf *m, struct rte_mempool *mp)
{
	struct rte_mbuf *c;

	if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1)
		return m;
	c = rte_pktmbuf_copy(m, mp, 0, UINT32_MAX);
	rte_pktmbuf_free(m);
	return c;
}

bool
dp_ol_soft_begin(struct dp_ol_soft *s, struct rte_mbuf *m, uint32_t caps, struct rte_mempool *mp)
{
	uint64_t ol = m->ol_flags;
	uint32_t need;

	if (ol & RTE_MBUF_F_TX_TCP_SEG)
		need = ol & RTE_MBUF_F_TX_IPV6 ? DP_OLCAP_TSO6 : DP_OLCAP_TSO4;
	else if (ol & RTE_MBUF_F_TX_UDP_SEG)
		need = DP_OLCAP_USO;
	else if (ol & RTE_MBUF_F_TX_L4_MASK)
		need = DP_OLCAP_CSUM;
	else
		return false;
	if (caps & need)
		return false;
	s->m = m;
	s->mp = mp;
	s->off = 0;
	s->i = 0;
	s->seg = (ol & DP_OL_SEG) != 0;
	return true;
}

/* @m with its L4 checksum finished: itself, or a copy if the frame is
 * shared. NULL (and @m freed) on error. */
static struct rte_mbuf *
csum_finish(struct rte_mbuf *m, struct rte_mempool *mp, int *err)
{
	uint32_t l4 = (uint32_t)m->l2_len + m->l3_len, l4_bytes, total;
	bool tcp = ol_is_tcp(m->ol_flags), v6 = (m->ol_flags & RTE_MBUF_F_TX_IPV6) != 0;
	uint16_t field = (uint16_t)(l4 + (tcp ? TCP_CSUM_OFF : UDP_CSUM_OFF)), part;
	uint16_t *ck;
	const void *ip;
	uint32_t sum;

	m = dp_ol_private(m, mp);
	if (m == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	if (field + 2u > m->data_len)
		goto bad;
	ip = rte_pktmbuf_mtod_offset(m, const void *, m->l2_len);
	/* By the IP header's length: the frame may be padded. */
	if (v6)
		total = (uint32_t)m->l2_len + sizeof(struct rte_ipv6_hdr) +
			rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)ip)->payload_len);
	else
		total = (uint32_t)m->l2_len +
			rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)ip)->total_length);
	if (total > m->pkt_len || total < field + 2u)
		goto bad;
	l4_bytes = total - l4;
	ck = rte_pktmbuf_mtod_offset(m, uint16_t *, field);
	*ck = 0;
	if (rte_raw_cksum_mbuf(m, l4, l4_bytes, &part) != 0)
		goto bad;
	sum = pseudo_sum(ip, v6, tcp ? IPPROTO_TCP : IPPROTO_UDP, l4_bytes) + part;
	*ck = csum_final(sum, !tcp);
	m->ol_flags &= ~(DP_OL_ALL | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6);
	return m;
bad:
	rte_pktmbuf_free(m);
	*err = EPROTO;
	return NULL;
}

/* Where @m's IP packet ends: by its IP header's length (the frame may be
 * padded), at most the frame's. Its headers are in the first buffer. */
static uint32_t
ip_end(const struct rte_mbuf *m)
{
	const void *ip = rte_pktmbuf_mtod_offset(m, const void *, m->l2_len);
	uint32_t end;

	if (m->ol_flags & RTE_MBUF_F_TX_IPV6)
		end = (uint32_t)m->l2_len + sizeof(struct rte_ipv6_hdr) +
		      rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)ip)->payload_len);
	else
		end = (uint32_t)m->l2_len +
		      rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)ip)->total_length);
	return RTE_MIN(end, m->pkt_len);
}

/* Segment s->i of s->m, or NULL (with *err 0) after the last. */
static struct rte_mbuf *
seg_make(struct dp_ol_soft *s, int *err)
{
	const struct rte_mbuf *m = s->m;
	bool tcp = (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0;
	bool v6 = (m->ol_flags & RTE_MBUF_F_TX_IPV6) != 0;
	uint32_t hdr = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	uint32_t payload = ip_end(m) - hdr, len;
	struct rte_mbuf *c;
	const void *src;
	uint8_t *d, *l4;
	void *ip;
	bool last;

	if (s->i != 0 && s->off >= payload)
		return NULL;
	if (hdr > m->data_len || hdr > ip_end(m) || m->tso_segsz == 0 ||
	    hdr + m->tso_segsz >
		    (uint32_t)rte_pktmbuf_data_room_size(s->mp) - RTE_PKTMBUF_HEADROOM) {
		*err = EPROTO;
		return NULL;
	}
	len = RTE_MIN((uint32_t)m->tso_segsz, payload - s->off);
	last = s->off + len >= payload;
	c = rte_pktmbuf_alloc(s->mp);
	if (c == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	d = (uint8_t *)rte_pktmbuf_append(c, (uint16_t)(hdr + len));
	memcpy(d, rte_pktmbuf_mtod(m, const void *), hdr);
	src = rte_pktmbuf_read(m, hdr + s->off, len, d + hdr);
	if (src != d + hdr)
		memcpy(d + hdr, src, len);

	ip = d + m->l2_len;
	l4 = d + m->l2_len + m->l3_len;
	if (v6) {
		struct rte_ipv6_hdr *ip6 = ip;

		ip6->payload_len =
			rte_cpu_to_be_16((uint16_t)(m->l3_len - sizeof(*ip6) + m->l4_len + len));
	} else {
		struct rte_ipv4_hdr *ip4 = ip;

		ip4->total_length = rte_cpu_to_be_16((uint16_t)(m->l3_len + m->l4_len + len));
		ip4->packet_id =
			rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip4->packet_id) + s->i));
		ip4->hdr_checksum = 0;
		ip4->hdr_checksum = rte_ipv4_cksum(ip4);
	}
	if (tcp) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + s->off);
		if (!last)
			th->tcp_flags &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
		if (s->i != 0)
			th->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
		th->cksum = 0;
		th->cksum = csum_final(
			__rte_raw_cksum(l4, m->l4_len + len,
					pseudo_sum(ip, v6, IPPROTO_TCP, m->l4_len + len)),
			false);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + len));
		uh->dgram_cksum = 0;
		uh->dgram_cksum = csum_final(
			__rte_raw_cksum(l4, sizeof(*uh) + len,
					pseudo_sum(ip, v6, IPPROTO_UDP, sizeof(*uh) + len)),
			true);
	}
	s->off += len;
	s->i++;
	return c;
}

struct rte_mbuf *
dp_ol_soft_next(struct dp_ol_soft *s, int *err)
{
	struct rte_mbuf *c;

	*err = 0;
	if (s->m == NULL)
		return NULL;
	if (!s->seg) {
		c = csum_finish(s->m, s->mp, err);
		s->m = NULL;
		return c;
	}
	c = seg_make(s, err);
	if (c == NULL) {
		rte_pktmbuf_free(s->m);
		s->m = NULL;
	}
	return c;
}
