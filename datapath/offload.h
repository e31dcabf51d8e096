/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * offload.h - what a sender left for the hardware to do, carried with the
 * frame through the bridge. Private to datapath/.
 *
 * A VM's kernel hands its interface TCP super-frames of up to 64 KB with
 * the TCP checksum left to finish (TSO), and small frames with the
 * checksum left to finish (checksum offload). A Linux bridge passes them
 * on as they are, and the device at the far end finishes the work, or the
 * kernel does it in software just before a device that cannot. This
 * datapath does the same.
 *
 * The metadata is DPDK's transmit-offload request, as a NIC driver reads
 * it, whatever port kind the frame came from:
 * - ol_flags: RTE_MBUF_F_TX_TCP_SEG or RTE_MBUF_F_TX_UDP_SEG (segment at
 *   tso_segsz bytes of payload; UDP_SEG is UDP segmentation, Linux's
 *   SKB_GSO_UDP_L4, each segment with its own UDP header), and/or
 *   RTE_MBUF_F_TX_TCP_CKSUM or RTE_MBUF_F_TX_UDP_CKSUM (the L4 checksum
 *   field holds the pseudo-header sum, as the kernel leaves it for
 *   CHECKSUM_PARTIAL); RTE_MBUF_F_TX_IPV4 or RTE_MBUF_F_TX_IPV6.
 * - l2_len (Ethernet and any VLAN tags), l3_len (IP header and IPv6
 *   extension headers), l4_len (TCP header, or 8 for UDP), tso_segsz.
 * A frame without these flags is complete, and costs the fast path one
 * test of ol_flags at output.
 *
 * Ports translate at their edges: af_packet and tap ports from and to the
 * kernel's virtio-net header (PACKET_VNET_HDR, IFF_VNET_HDR); vhost-user
 * ports through the vhost library, which speaks the same flags. A port
 * states what its device finishes by itself (dp_port.ol_caps); what it
 * cannot, dp_ol_soft_*() does in software on the way out.
 */
#ifndef SWITCHD_DATAPATH_OFFLOAD_H
#define SWITCHD_DATAPATH_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include <rte_mbuf.h>

/* The flags above: any of them makes a frame unfinished. */
#define DP_OL_SEG (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_UDP_SEG)
#define DP_OL_ALL (DP_OL_SEG | RTE_MBUF_F_TX_L4_MASK)

/* What a port's device finishes by itself (dp_port.ol_caps). */
#define DP_OLCAP_CSUM (1u << 0) /* TCP and UDP checksums, IPv4 and IPv6 */
#define DP_OLCAP_TSO4 (1u << 1) /* TCP segmentation, IPv4 */
#define DP_OLCAP_TSO6 (1u << 2) /* TCP segmentation, IPv6 */
#define DP_OLCAP_USO (1u << 3)	/* UDP segmentation, IPv4 and IPv6 */
#define DP_OLCAP_ALL (DP_OLCAP_CSUM | DP_OLCAP_TSO4 | DP_OLCAP_TSO6 | DP_OLCAP_USO)

/* What a kernel netdev takes through a virtio-net header (af_packet and
 * tap ports): checksums and TCP segmentation, and UDP segmentation from
 * Linux 6.2. Control thread. */
uint32_t dp_kernel_ol_caps(void);

/* The ol_flags bits that send a frame to a port with @caps through
 * software first: a quick filter; dp_ol_soft_begin() decides exactly. */
uint64_t dp_ol_soft_mask(uint32_t caps);

/* "csum,tso4,tso6,uso", or "none": @caps for people. */
void dp_ol_caps_format(uint32_t caps, char *buf, size_t size);

/* Set @m's metadata from the virtio-net header @h a kernel (or a guest)
 * handed with it. @shift: bytes put in front of what the header describes
 * since (a VLAN tag the kernel had taken off, put back). A checksum
 * request the metadata cannot express (not TCP or UDP over IP) is finished
 * here, in software. Returns 0, or EPROTO for a header that asks for what
 * the datapath cannot do (a GSO type it does not know, Linux's UFO,
 * headers that are not what it says): the caller drops the frame as
 * BAD_OFFLOAD. *@sw_csum is set if the checksum was finished here. */
int dp_ol_from_vnet(struct rte_mbuf *m, const struct virtio_net_hdr *h, uint16_t shift,
		    bool *sw_csum);

/* The kernel's skb_checksum_help(): the one's complement sum from @start to
 * the end of @m, over a field at @start + @off that holds the seed, goes
 * into that field. For checksums the metadata cannot name. Returns 0, or
 * EPROTO if the field is not in the first buffer. */
int dp_ol_csum_generic(struct rte_mbuf *m, uint32_t start, uint32_t off);

/* The virtio-net header that hands @m, as it is, to a kernel or a guest. */
void dp_ol_to_vnet(const struct rte_mbuf *m, struct virtio_net_hdr *h);

/* True if super-frame @m's segments would each be at most @max_len bytes
 * (a frame longer than @max_len is then not oversize). */
static inline bool
dp_ol_seg_fits(const struct rte_mbuf *m, uint32_t max_len)
{
	return (m->ol_flags & DP_OL_SEG) != 0 &&
	       (uint32_t)m->l2_len + m->l3_len + m->l4_len + m->tso_segsz <= max_len;
}

/* A VLAN tag was taken out of @m's L2 header, or put in: the offsets
 * move. */
static inline void
dp_ol_untagged(struct rte_mbuf *m)
{
	if (unlikely(m->ol_flags & DP_OL_ALL))
		m->l2_len -= 4;
}

static inline void
dp_ol_tagged(struct rte_mbuf *m)
{
	if (unlikely(m->ol_flags & DP_OL_ALL))
		m->l2_len += 4;
}

/* @m itself if no other output shares it, else a copy of it from @mp (and
 * @m's reference dropped); NULL if there is no buffer for the copy. For a
 * port whose device writes into the headers of what it sends (a driver's
 * or the vhost library's checksum preparation). */
struct rte_mbuf *dp_ol_private(struct rte_mbuf *m, struct rte_mempool *mp);

/* The frames a frame becomes in software for a port with fewer abilities:
 * its segments, or itself with its checksum finished. */
struct dp_ol_soft {
	struct rte_mbuf *m;	/* the frame; NULL when done */
	struct rte_mempool *mp; /* where segments come from */
	uint32_t off;		/* segmentation: payload offset of the next segment */
	uint16_t i;		/* and its index */
	bool seg;		/* segment (else: finish the checksum) */
};

/* Start turning @m (which holds one reference, and may share the frame
 * with other outputs: it is never written) into what a port with @caps can
 * send. Returns false if there is nothing to do: @m goes as it is.
 * Segments come from @mp. */
bool dp_ol_soft_begin(struct dp_ol_soft *s, struct rte_mbuf *m, uint32_t caps,
		      struct rte_mempool *mp);

/* The next frame to send, or NULL when there are no more; the reference
 * to the original is dropped then. *@err is set to ENOMEM when a buffer
 * was missing (the rest of the frame is lost) or EPROTO for a frame that
 * cannot be segmented (headers longer than its first buffer, a segment
 * larger than a buffer); NULL follows. */
struct rte_mbuf *dp_ol_soft_next(struct dp_ol_soft *s, int *err);

#endif
