/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow.c - the frame netctl trace follows, from hex bytes or from flow
 * fields in Open vSwitch's names. Headers are the C library's
 * (<netinet/...>); addresses are parsed by inet_pton() and mac_parse().
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/mac.h"
#include "trace.h"

#define MIN_FRAME 60 /* Ethernet's minimum, without the FCS */

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A number from 0 to @max, decimal or 0x hex. */
static bool
number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	/* Hex with 0x, else decimal (not octal: vlan=010 is 10). */
	*out = strtoul(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

struct flow {
	struct mac src, dst;
	bool has_vlan;
	unsigned long vlan, type, proto, op, tp_src, tp_dst; /* op: ARP's */
	bool has_proto, has_tp_src, has_tp_dst;
	int family;			/* of nw_src/nw_dst: AF_INET, AF_INET6, or 0 */
	uint8_t nw_src[16], nw_dst[16]; /* network order */
	bool has_nd_target;
	uint8_t nd_target[16];
};

static int
address(const char *key, const char *v, struct flow *f, uint8_t out[16], char *err, size_t n)
{
	int family = strchr(v, ':') != NULL ? AF_INET6 : AF_INET;

	if (inet_pton(family, v, out) != 1)
		return fail(err, n, "%s=%s: not an IPv4 or IPv6 address", key, v);
	if (f->family != 0 && f->family != family)
		return fail(err, n, "%s=%s: nw_src and nw_dst are of different families", key, v);
	f->family = family;
	return 0;
}

static int
parse(trace_get_fn get, void *ctx, struct flow *f, char *err, size_t n)
{
	const char *v;

	memset(f, 0, sizeof(*f));
	if ((v = get(ctx, "dl_src")) != NULL && mac_parse(v, &f->src) != 0)
		return fail(err, n, "dl_src=%s: not a MAC address", v);
	if ((v = get(ctx, "dl_dst")) != NULL && mac_parse(v, &f->dst) != 0)
		return fail(err, n, "dl_dst=%s: not a MAC address", v);
	if ((v = get(ctx, "vlan")) != NULL) {
		if (!number(v, 4095, &f->vlan))
			return fail(err, n, "vlan=%s: expected a VID from 0 to 4095", v);
		f->has_vlan = true;
	}
	if ((v = get(ctx, "nw_src")) != NULL && address("nw_src", v, f, f->nw_src, err, n) != 0)
		return -1;
	if ((v = get(ctx, "nw_dst")) != NULL && address("nw_dst", v, f, f->nw_dst, err, n) != 0)
		return -1;
	if ((v = get(ctx, "nd_target")) != NULL) {
		if (inet_pton(AF_INET6, v, f->nd_target) != 1)
			return fail(err, n, "nd_target=%s: not an IPv6 address", v);
		f->has_nd_target = true;
	}
	if ((v = get(ctx, "arp_op")) != NULL && (!number(v, 0xffff, &f->op) || f->op == 0))
		return fail(err, n,
			    "arp_op=%s: expected 1 (request), 2 (reply) or another from 1 to 65535",
			    v);
	v = get(ctx, "dl_type");
	if (v == NULL)
		f->type = f->family == AF_INET6 || f->has_nd_target ? ETHERTYPE_IPV6
			  : get(ctx, "arp_op") != NULL		    ? ETHERTYPE_ARP
								    : ETHERTYPE_IP;
	else if (strcmp(v, "ip") == 0 || strcmp(v, "ipv4") == 0)
		f->type = ETHERTYPE_IP;
	else if (strcmp(v, "ipv6") == 0)
		f->type = ETHERTYPE_IPV6;
	else if (strcmp(v, "arp") == 0)
		f->type = ETHERTYPE_ARP;
	else if (!number(v, 0xffff, &f->type))
		return fail(err, n, "dl_type=%s: expected ip, ipv6, arp or a number up to 0xffff",
			    v);
	if ((v = get(ctx, "nw_proto")) != NULL) {
		if (strcmp(v, "icmp") == 0)
			f->proto = IPPROTO_ICMP;
		else if (strcmp(v, "icmp6") == 0 || strcmp(v, "icmpv6") == 0)
			f->proto = IPPROTO_ICMPV6;
		else if (strcmp(v, "tcp") == 0)
			f->proto = IPPROTO_TCP;
		else if (strcmp(v, "udp") == 0)
			f->proto = IPPROTO_UDP;
		else if (!number(v, 255, &f->proto))
			return fail(
				err, n,
				"nw_proto=%s: expected icmp, icmp6, tcp, udp or a number up to 255",
				v);
		f->has_proto = true;
	}
	if ((v = get(ctx, "tp_src")) != NULL) {
		if (!number(v, 0xffff, &f->tp_src))
			return fail(err, n, "tp_src=%s: expected a number up to 65535", v);
		f->has_tp_src = true;
	}
	if ((v = get(ctx, "tp_dst")) != NULL) {
		if (!number(v, 0xffff, &f->tp_dst))
			return fail(err, n, "tp_dst=%s: expected a number up to 65535", v);
		f->has_tp_dst = true;
	}
	return 0;
}

/* Fields that the frame's type has no place for are refused, as Open
 * vSwitch refuses a field whose prerequisites a flow lacks. */
static int
prerequisites(struct flow *f, char *err, size_t n)
{
	bool ip = f->type == ETHERTYPE_IP || f->type == ETHERTYPE_IPV6;

	if (f->family != 0 && !ip && f->type != ETHERTYPE_ARP)
		return fail(err, n, "nw_src and nw_dst need dl_type ip, ipv6 or arp");
	if ((f->type == ETHERTYPE_IP || f->type == ETHERTYPE_ARP) && f->family == AF_INET6)
		return fail(err, n, "IPv6 addresses in a frame of dl_type ip or arp");
	if (f->type == ETHERTYPE_IPV6 && f->family == AF_INET)
		return fail(err, n, "IPv4 addresses in a frame of dl_type ipv6");
	if (f->op != 0 && f->type != ETHERTYPE_ARP)
		return fail(err, n, "arp_op needs dl_type arp");
	if (f->has_proto && !ip)
		return fail(err, n, "nw_proto needs dl_type ip or ipv6");
	if (!f->has_proto)
		f->proto = f->type == ETHERTYPE_IPV6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	if (!f->has_proto && (f->has_tp_src || f->has_tp_dst) && !f->has_nd_target)
		f->proto = IPPROTO_UDP;
	if (f->type == ETHERTYPE_IP && f->proto == IPPROTO_ICMPV6)
		return fail(err, n, "nw_proto icmp6 in an IPv4 frame");
	if (f->type == ETHERTYPE_IPV6 && f->proto == IPPROTO_ICMP)
		return fail(err, n, "nw_proto icmp in an IPv6 frame");
	if ((f->has_tp_src || f->has_tp_dst) &&
	    (!ip || (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP &&
		     f->proto != IPPROTO_ICMP && f->proto != IPPROTO_ICMPV6)))
		return fail(err, n, "tp_src and tp_dst need nw_proto tcp, udp, icmp or icmp6");
	if ((f->proto == IPPROTO_ICMP || f->proto == IPPROTO_ICMPV6) &&
	    ((f->has_tp_src && f->tp_src > 255) || (f->has_tp_dst && f->tp_dst > 255)))
		return fail(err, n, "ICMP's type (tp_src) and code (tp_dst) are up to 255");
	if (!f->has_tp_src && f->proto == IPPROTO_ICMP)
		f->tp_src = ICMP_ECHO;
	if (!f->has_tp_src && f->proto == IPPROTO_ICMPV6)
		f->tp_src = f->has_nd_target ? ND_NEIGHBOR_SOLICIT : ICMP6_ECHO_REQUEST;
	if (f->has_nd_target &&
	    (f->type != ETHERTYPE_IPV6 || f->proto != IPPROTO_ICMPV6 ||
	     (f->tp_src != ND_NEIGHBOR_SOLICIT && f->tp_src != ND_NEIGHBOR_ADVERT)))
		return fail(err, n,
			    "nd_target needs an ICMPv6 neighbour solicitation (tp_src=135) or "
			    "advertisement (tp_src=136)");
	return 0;
}

static uint16_t
ip_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* The L4 header of @f at @p; its length. Checksums stay zero: the switch
 * reads none. */
static size_t
l4(const struct flow *f, uint8_t *p)
{
	switch (f->proto) {
	case IPPROTO_TCP: {
		struct tcphdr t = {0};

		t.th_sport = htons((uint16_t)f->tp_src);
		t.th_dport = htons((uint16_t)f->tp_dst);
		t.th_off = 5;
		t.th_flags = TH_SYN;
		t.th_win = htons(65535);
		memcpy(p, &t, sizeof(t));
		return sizeof(t);
	}
	case IPPROTO_UDP: {
		struct udphdr u = {0};

		u.uh_sport = htons((uint16_t)f->tp_src);
		u.uh_dport = htons((uint16_t)f->tp_dst);
		u.uh_ulen = htons(sizeof(u));
		memcpy(p, &u, sizeof(u));
		return sizeof(u);
	}
	case IPPROTO_ICMP:
		p[0] = (uint8_t)f->tp_src;
		p[1] = (uint8_t)f->tp_dst;
		return 8;
	case IPPROTO_ICMPV6:
		p[0] = (uint8_t)f->tp_src;
		p[1] = (uint8_t)f->tp_dst;
		if (f->tp_src == ND_NEIGHBOR_SOLICIT || f->tp_src == ND_NEIGHBOR_ADVERT) {
			/* reserved (flags), target, a link-layer address option:
			 * the source's (NS) or the target's (NA), the frame's MAC */
			memcpy(p + 8, f->nd_target, 16);
			p[24] = f->tp_src == ND_NEIGHBOR_SOLICIT ? ND_OPT_SOURCE_LINKADDR
								 : ND_OPT_TARGET_LINKADDR;
			p[25] = 1; /* 8 bytes */
			memcpy(p + 26, f->src.b, MAC_LEN);
			return 32;
		}
		return 8;
	default:
		return 0;
	}
}

int
trace_flow_frame(trace_get_fn get, void *ctx, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
	struct flow f;
	size_t len = 2 * MAC_LEN;

	if (cap < TRACE_FLOW_MIN_CAP)
		return fail(err, errlen, "no room for the frame");
	if (parse(get, ctx, &f, err, errlen) != 0 || prerequisites(&f, err, errlen) != 0)
		return -1;
	memset(buf, 0, TRACE_FLOW_MIN_CAP);
	memcpy(buf, f.dst.b, MAC_LEN);
	memcpy(buf + MAC_LEN, f.src.b, MAC_LEN);
	if (f.has_vlan) {
		buf[len++] = ETHERTYPE_VLAN >> 8;
		buf[len++] = ETHERTYPE_VLAN & 0xff;
		buf[len++] = (uint8_t)(f.vlan >> 8);
		buf[len++] = (uint8_t)f.vlan;
	}
	buf[len++] = (uint8_t)(f.type >> 8);
	buf[len++] = (uint8_t)f.type;
	/* Headers are made aligned and copied in: the frame's are not. */
	if (f.type == ETHERTYPE_ARP) {
		struct ether_arp a = {0};

		a.arp_hrd = htons(ARPHRD_ETHER);
		a.arp_pro = htons(ETHERTYPE_IP);
		a.arp_hln = MAC_LEN;
		a.arp_pln = 4;
		a.arp_op = htons(f.op != 0 ? (uint16_t)f.op : ARPOP_REQUEST);
		memcpy(a.arp_sha, f.src.b, MAC_LEN);
		memcpy(a.arp_spa, f.nw_src, 4);
		if (f.op == ARPOP_REPLY)
			memcpy(a.arp_tha, f.dst.b, MAC_LEN);
		memcpy(a.arp_tpa, f.nw_dst, 4);
		memcpy(buf + len, &a, sizeof(a));
		len += sizeof(a);
	} else if (f.type == ETHERTYPE_IP) {
		struct ip ip = {0};
		size_t n = l4(&f, buf + len + sizeof(ip));

		ip.ip_v = 4;
		ip.ip_hl = 5;
		ip.ip_len = htons((uint16_t)(sizeof(ip) + n));
		ip.ip_ttl = 64;
		ip.ip_p = (uint8_t)f.proto;
		memcpy(&ip.ip_src, f.nw_src, 4);
		memcpy(&ip.ip_dst, f.nw_dst, 4);
		ip.ip_sum = ip_checksum(&ip, sizeof(ip));
		memcpy(buf + len, &ip, sizeof(ip));
		len += sizeof(ip) + n;
	} else if (f.type == ETHERTYPE_IPV6) {
		struct ip6_hdr ip6 = {0};
		size_t n = l4(&f, buf + len + sizeof(ip6));

		ip6.ip6_flow = htonl(6u << 28);
		ip6.ip6_plen = htons((uint16_t)n);
		ip6.ip6_nxt = (uint8_t)f.proto;
		/* Neighbour discovery is only believed from the link. */
		ip6.ip6_hlim = f.has_nd_target ? 255 : 64;
		memcpy(&ip6.ip6_src, f.nw_src, 16);
		memcpy(&ip6.ip6_dst, f.nw_dst, 16);
		memcpy(buf + len, &ip6, sizeof(ip6));
		len += sizeof(ip6) + n;
	}
	return (int)(len < MIN_FRAME ? MIN_FRAME : len);
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
trace_hex_frame(const char *hex, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
	size_t n = 0;

	for (const char *p = hex; *p != '\0';) {
		int hi, lo;

		if (*p == ':' || *p == '-' || *p == '.' || isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		hi = hex_digit(p[0]);
		lo = hi < 0 ? -1 : hex_digit(p[1]);
		if (hi >= 0 && p[1] == '\0')
			return fail(err, errlen, "frame: an odd number of hex digits");
		/* The byte, not the character: the message stays valid UTF-8. */
		if (hi < 0 || lo < 0)
			return fail(
				err, errlen,
				"frame: expected pairs of hex digits, found byte 0x%02x at offset "
				"%zu",
				(unsigned char)(hi < 0 ? p[0] : p[1]),
				(size_t)(p - hex) + (hi < 0 ? 0u : 1u));
		if (n == cap)
			return fail(err, errlen, "frame: longer than %zu bytes", cap);
		buf[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (n == 0)
		return fail(err, errlen, "frame: no bytes");
	return (int)n;
}
