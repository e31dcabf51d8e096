/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-lock.c - the locking checks' frame parsing (datapath/lock.c: ARP,
 * IPv4, IPv6 and its extension headers, neighbour discovery and its
 * options) on any frame a locked VM could send.
 *
 * Input: byte 0 sets the lock's mode (bit 0: disabled, else locked) and
 * where its MAC and allowed addresses come from (bit 1: the frame's own
 * source MAC, else none; bits 2-3: the frame's IPv4 source or ARP sender,
 * its IPv6 source; neither: the next 20 bytes, an IPv4 and an IPv6
 * address, before the frame); the rest is the frame, copied to a buffer of exactly its length so
 * that AddressSanitizer sees any read past it.
 *
 * Checks: the verdict is -1 or a locking drop reason; disabled drops
 * everything as lock_disabled; a frame shorter than an Ethernet header is
 * left for the runt check (-1); one from another MAC is lock_mac; one of another ethertype
 * is lock_other; a frame that passes is ARP, IPv4 or IPv6 from the lock's
 * MAC.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>

#include "../../datapath/dp-private.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t v4[4] = {198, 18, 0, 1}, v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct dp_lock l = {.mode = DP_LOCK_LOCKED, .n_ipv4 = 1, .n_ipv6 = 1};
	const uint8_t *f;
	uint16_t type = 0;
	uint8_t ctl, *frame;
	size_t len;
	int r;

	if (size < 1)
		return 0;
	ctl = data[0];
	f = data + 1;
	len = size - 1;
	memcpy(&l.ipv4[0], v4, 4);
	memcpy(l.ipv6[0], v6, 16);
	if (ctl & 1)
		l.mode = DP_LOCK_DISABLED;
	if (!(ctl & 12) && len >= 20) {
		memcpy(&l.ipv4[0], f, 4);
		memcpy(l.ipv6[0], f + 4, 16);
		f += 20;
		len -= 20;
	}
	if ((ctl & 2) && len >= 12)
		memcpy(&l.mac, f + 6, 6);
	if (len >= 14)
		type = (uint16_t)(f[12] << 8 | f[13]);
	if ((ctl & 4) && type == RTE_ETHER_TYPE_IPV4 && len >= 14 + 16)
		memcpy(&l.ipv4[0], f + 14 + 12, 4);
	if ((ctl & 4) && type == RTE_ETHER_TYPE_ARP && len >= 14 + 18)
		memcpy(&l.ipv4[0], f + 14 + 14, 4);
	if ((ctl & 8) && type == RTE_ETHER_TYPE_IPV6 && len >= 14 + 24)
		memcpy(l.ipv6[0], f + 14 + 8, 16);
	frame = malloc(len ? len : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, f, len);
	r = dp_lock_verdict_frame(&l, frame, (uint32_t)len);
	if (r != -1 && r != DP_DROP_LOCK_MAC && r != DP_DROP_LOCK_ARP && r != DP_DROP_LOCK_IPV4 &&
	    r != DP_DROP_LOCK_IPV6 && r != DP_DROP_LOCK_OTHER && r != DP_DROP_LOCK_DISABLED)
		abort();
	if (l.mode == DP_LOCK_DISABLED) {
		if (r != DP_DROP_LOCK_DISABLED)
			abort();
	} else if (len < RTE_ETHER_HDR_LEN) {
		if (r != -1) /* left for the runt check */
			abort();
	} else if (memcmp(frame + 6, &l.mac, 6) != 0) {
		if (r != DP_DROP_LOCK_MAC)
			abort();
	} else if (type != RTE_ETHER_TYPE_ARP && type != RTE_ETHER_TYPE_IPV4 &&
		   type != RTE_ETHER_TYPE_IPV6) {
		if (r != DP_DROP_LOCK_OTHER)
			abort();
	}
	free(frame);
	return 0;
}
