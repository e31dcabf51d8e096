/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lock.c - a VM's port locked to its MAC and addresses (xapi's VIF
 * locking_mode), or disabled.
 *
 * Locked, the frames the VM sends are checked as xapi's Open vSwitch rules
 * check them; nothing towards the VM is. The checks read the frame's
 * headers in its first segment (the fast path has checked its Ethernet
 * header; a VM's tagged frames are gone before, access_filter()), and pass
 * a frame only if:
 *
 *  - its Ethernet source is the VIF's MAC (else lock_mac), and
 *  - ARP: its sender hardware address is the VIF's MAC and its sender IP
 *    0.0.0.0 (a probe) or an allowed IPv4 address (else lock_arp);
 *  - IPv4: UDP to port 67 (DHCP, from any address), or from an allowed
 *    address (else lock_ipv4);
 *  - IPv6: not a router advertisement, redirect, MLD query or multicast
 *    router discovery message; a neighbour solicitation from an allowed
 *    address (or from :: for an allowed target: duplicate address
 *    detection), an advertisement from an allowed address for an allowed
 *    target, each with the VIF's MAC in any link-layer address option;
 *    anything else from an allowed address (else lock_ipv6);
 *  - nothing of another ethertype (lock_other).
 *
 * A malformed header is a drop of its kind; a runt goes on to be dropped as
 * one. Neighbour discovery must be whole in the first segment and not a
 * fragment (RFC 6980), so that no option escapes the check. Disabled, everything the VM
 * sends is dropped (lock_disabled), and the port is out of its bridge's
 * flood list (dp_publish_now()): nothing reaches it, as xapi leaves the
 * port off the bridge.
 *
 * The state is one immutable struct per port, replaced whole and freed
 * after a grace period (the publication rule, datapath.h).
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "dp-private.h"

#define ICMP6_MLD_QUERY 130
#define ICMP6_RA 134
#define ICMP6_NS 135
#define ICMP6_NA 136
#define ICMP6_REDIRECT 137
#define ICMP6_MRD_FIRST 151 /* multicast router advertisement, */
#define ICMP6_MRD_LAST 153  /* solicitation, termination (RFC 4286) */
#define ND_OPT_SLL 1
#define ND_OPT_TLL 2
#define IPPROTO_ICMP6 58
#define LOCK_MAX_EXT_HEADERS 8

static bool
v4_allowed(const struct dp_lock *l, rte_be32_t a)
{
	for (unsigned int i = 0; i < l->n_ipv4; i++)
		if (l->ipv4[i] == a)
			return true;
	return false;
}

static bool
v6_allowed(const struct dp_lock *l, const uint8_t *a)
{
	for (unsigned int i = 0; i < l->n_ipv6; i++)
		if (memcmp(l->ipv6[i], a, 16) == 0)
			return true;
	return false;
}

static bool
v6_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static int
check_arp(const struct dp_lock *l, const uint8_t *p, uint32_t len)
{
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)p;
	rte_be32_t spa;

	if (len < sizeof(*arp) || arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != 6 ||
	    arp->arp_plen != 4)
		return DP_DROP_LOCK_ARP;
	if (!rte_is_same_ether_addr(&arp->arp_data.arp_sha, &l->mac))
		return DP_DROP_LOCK_ARP;
	memcpy(&spa, &arp->arp_data.arp_sip, sizeof(spa)); /* not aligned */
	return spa == 0 || v4_allowed(l, spa) ? -1 : DP_DROP_LOCK_ARP;
}

static int
check_ipv4(const struct dp_lock *l, const uint8_t *p, uint32_t len)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
	uint32_t ihl;
	rte_be32_t src;

	if (len < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return DP_DROP_LOCK_IPV4;
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if (ihl < sizeof(*ip) || ihl > len)
		return DP_DROP_LOCK_IPV4;
	memcpy(&src, &ip->src_addr, sizeof(src));
	if (v4_allowed(l, src))
		return -1;
	/* DHCP: UDP to port 67, in a first fragment, from any address (a
	 * client has none yet). */
	if (ip->next_proto_id == IPPROTO_UDP &&
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) == 0 &&
	    len >= ihl + sizeof(struct rte_udp_hdr)) {
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(p + ihl);
		rte_be16_t dport;

		memcpy(&dport, &udp->dst_port, sizeof(dport));
		if (dport == RTE_BE16(67))
			return -1;
	}
	return DP_DROP_LOCK_IPV4;
}

/* The link-layer address options of a neighbour discovery message (@p,
 * @len bytes of options): each of type @type must carry the VIF's MAC. */
static bool
nd_options_ok(const struct dp_lock *l, const uint8_t *p, uint32_t len, uint8_t type)
{
	while (len >= 2) {
		uint32_t olen = (uint32_t)p[1] * 8;

		if (olen == 0 || olen > len)
			return false; /* RFC 4861: a zero length is invalid */
		if (p[0] == type && memcmp(p + 2, &l->mac, RTE_ETHER_ADDR_LEN) != 0)
			return false;
		p += olen;
		len -= olen;
	}
	return len == 0;
}

/* An ICMPv6 message at @p: @len bytes of it at hand, @whole if that is all
 * of it (the IPv6 payload ends there, and it is not a fragment). */
static int
check_icmp6(const struct dp_lock *l, const uint8_t *src, const uint8_t *p, uint32_t len, bool whole)
{
	/* type, code, checksum, 4 bytes, then a target for ND */
	const uint32_t nd_len = 8 + 16;
	uint8_t type;

	if (len < 4)
		return DP_DROP_LOCK_IPV6;
	type = p[0];
	if (type == ICMP6_RA || type == ICMP6_REDIRECT || type == ICMP6_MLD_QUERY ||
	    (type >= ICMP6_MRD_FIRST && type <= ICMP6_MRD_LAST))
		return DP_DROP_LOCK_IPV6; /* a router's messages */
	/* Neighbour discovery is checked whole: every option, none of
	 * them out of sight in another segment or fragment (RFC 6980). */
	if ((type == ICMP6_NS || type == ICMP6_NA) && !whole)
		return DP_DROP_LOCK_IPV6;
	if (type == ICMP6_NS) {
		if (len < nd_len || !nd_options_ok(l, p + nd_len, len - nd_len, ND_OPT_SLL))
			return DP_DROP_LOCK_IPV6;
		if (v6_allowed(l, src) || (v6_unspecified(src) && v6_allowed(l, p + 8)))
			return -1;
		return DP_DROP_LOCK_IPV6;
	}
	if (type == ICMP6_NA) {
		if (len < nd_len || !nd_options_ok(l, p + nd_len, len - nd_len, ND_OPT_TLL))
			return DP_DROP_LOCK_IPV6;
		return v6_allowed(l, src) && v6_allowed(l, p + 8) ? -1 : DP_DROP_LOCK_IPV6;
	}
	return v6_allowed(l, src) ? -1 : DP_DROP_LOCK_IPV6;
}

static int
check_ipv6(const struct dp_lock *l, const uint8_t *p, uint32_t len)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)p;
	uint32_t off = sizeof(*ip), end;
	bool fragment = false;
	uint8_t next;
	int i;

	if (len < sizeof(*ip) || (p[0] >> 4) != 6)
		return DP_DROP_LOCK_IPV6;
	/* Where the payload ends: past what is at hand (len + 1) if the
	 * frame goes on in another segment or is cut short, or for a
	 * jumbogram (a payload length of 0). */
	end = (uint32_t)sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len);
	if (ip->payload_len == 0 || end > len)
		end = len + 1;
	next = ip->proto;
	/* Past the extension headers, to an ICMPv6 message if there is one
	 * (an MLD message follows a hop-by-hop header). */
	for (i = 0; i < LOCK_MAX_EXT_HEADERS; i++) {
		uint32_t hlen;

		if (next == IPPROTO_ICMP6) {
			uint32_t at_hand = end <= len ? end : len;

			if (at_hand < off)
				return DP_DROP_LOCK_IPV6; /* headers past the payload's end */
			return check_icmp6(l, ip->src_addr, p + off, at_hand - off,
					   end <= len && !fragment);
		}
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS &&
		    next != IPPROTO_FRAGMENT && next != IPPROTO_AH)
			break;
		if (len - off < 8)
			return DP_DROP_LOCK_IPV6;
		if (next == IPPROTO_FRAGMENT) {
			/* Not the first fragment: no ICMPv6 header to see. */
			if ((p[off + 2] << 8 | (p[off + 3] & 0xf8)) != 0)
				break;
			fragment = true;
			hlen = 8;
		} else if (next == IPPROTO_AH) {
			hlen = ((uint32_t)p[off + 1] + 2) * 4; /* RFC 4302 */
		} else {
			hlen = ((uint32_t)p[off + 1] + 1) * 8;
		}
		if (hlen > len - off)
			return DP_DROP_LOCK_IPV6;
		next = p[off];
		off += hlen;
	}
	if (i == LOCK_MAX_EXT_HEADERS)
		return DP_DROP_LOCK_IPV6;
	return v6_allowed(l, ip->src_addr) ? -1 : DP_DROP_LOCK_IPV6;
}

/* The verdict, inlined into the burst's loop. */
static inline int
verdict(const struct dp_lock *l, const uint8_t *frame, uint32_t len)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
	const uint8_t *l3 = frame + RTE_ETHER_HDR_LEN;

	if (l->mode == DP_LOCK_DISABLED)
		return DP_DROP_LOCK_DISABLED;
	if (len < RTE_ETHER_HDR_LEN)
		return -1; /* a runt: bridge_input() drops it as one */
	if (!rte_is_same_ether_addr(&eth->src_addr, &l->mac))
		return DP_DROP_LOCK_MAC;
	len -= RTE_ETHER_HDR_LEN;
	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		return check_arp(l, l3, len);
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		return check_ipv4(l, l3, len);
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		return check_ipv6(l, l3, len);
	default:
		return DP_DROP_LOCK_OTHER;
	}
}

int
dp_lock_verdict_frame(const struct dp_lock *l, const uint8_t *frame, uint32_t len)
{
	return verdict(l, frame, len);
}

uint16_t
dp_lock_filter(const struct dp_lock *l, struct dp_port_stats *st, struct rte_mbuf **pkts,
	       uint16_t n)
{
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		int r = verdict(l, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);

		if (likely(r < 0)) {
			pkts[k++] = m;
			continue;
		}
		st->rx_bytes += m->pkt_len;
		st->drops[r]++;
		rte_pktmbuf_free(m);
	}
	return k;
}

struct dp_lock *
dp_lock_new(const struct dp_lock_params *lp)
{
	struct dp_lock *l;

	if (lp->mode != DP_LOCK_LOCKED && lp->mode != DP_LOCK_DISABLED)
		return NULL;
	if (lp->n_ipv4 > DP_LOCK_MAX_ADDRS || lp->n_ipv6 > DP_LOCK_MAX_ADDRS)
		return NULL;
	l = rte_zmalloc("dp_lock", sizeof(*l), RTE_CACHE_LINE_SIZE);
	if (l == NULL)
		return NULL;
	l->mode = (uint8_t)lp->mode;
	memcpy(&l->mac, lp->mac.b, RTE_ETHER_ADDR_LEN);
	l->n_ipv4 = (uint16_t)lp->n_ipv4;
	l->n_ipv6 = (uint16_t)lp->n_ipv6;
	if (lp->n_ipv4 != 0)
		memcpy(l->ipv4, lp->ipv4, lp->n_ipv4 * sizeof(l->ipv4[0]));
	if (lp->n_ipv6 != 0)
		memcpy(l->ipv6, lp->ipv6, lp->n_ipv6 * sizeof(l->ipv6[0]));
	return l;
}

void
dp_lock_free(struct dp_lock *l)
{
	rte_free(l);
}
