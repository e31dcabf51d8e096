/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace.h - netctl trace: what the datapath would do with a frame arriving
 * on a port (datapath.h, "Trace"), given as bytes (frame=HEX) or as flow
 * fields, in Open vSwitch's names (dl_src= dl_dst= vlan= dl_type= nw_src=
 * nw_dst= nw_proto= tp_src= tp_dst= arp_op= nd_target=), from which a
 * frame is built.
 */
#ifndef SWITCHD_TRACE_H
#define SWITCHD_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* The flow fields trace_flow_frame() reads. */
#define TRACE_FLOW_KEYS \
	"dl_src,dl_dst,vlan,dl_type,nw_src,nw_dst,nw_proto,tp_src,tp_dst,arp_op,nd_target"

/* The value of key @key of a request, or NULL. */
typedef const char *(*trace_get_fn)(void *ctx, const char *key);

/* Build into @buf (@cap bytes, at least TRACE_FLOW_MIN_CAP) the frame the
 * flow fields @get gives describe: Ethernet (an 802.1Q tag with vlan=),
 * then ARP, IPv4 or IPv6 and ICMP, ICMPv6 (with neighbour discovery's
 * target and link-layer option), TCP or UDP, padded to 60 bytes. Unset
 * fields are zero, as Open vSwitch's are, but dl_type (ip; ipv6 for IPv6
 * addresses or nd_target; arp for arp_op) and nw_proto (icmp or icmp6;
 * udp for ports) and the ICMP type (an echo request). Returns the length,
 * or -1 with a sentence naming the field in @err. */
#define TRACE_FLOW_MIN_CAP 128
int trace_flow_frame(trace_get_fn get, void *ctx, uint8_t *buf, size_t cap, char *err,
		     size_t errlen);

/* Decode frame=HEX (pairs of hex digits; ':', '-', '.' and white space
 * between pairs are ignored) into @buf. Returns the length, or -1 with a
 * sentence in @err. */
int trace_hex_frame(const char *hex, uint8_t *buf, size_t cap, char *err, size_t errlen);

#endif
