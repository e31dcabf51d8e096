/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-frame.c - one frame through the real datapath (everything in
 * datapath/): classification by VLAN tag, learning, forwarding and
 * flooding, and, for a frame that comes with a virtio-net header as from a
 * kernel netdev or a guest, the offload metadata (dp_ol_from_vnet) and the
 * software segmentation and checksums on the way out (ring ports have no
 * offloads).
 *
 * The datapath is fuzz-topo.h's. Input: byte 0 picks the port the
 * frame comes in on (bits 0-1, and bit 4 for the bond's bridge: a member or
 * its port), whether a virtio-net header follows (bit 2), whether the
 * frame is cut into small segments (bit 3, segment size from byte 1), the
 * bond's mode (bit 5: active-backup, else balance-slb) and whether its
 * second member is enabled (bit 6), or with bit 7 a LACP bond (bit 5:
 * negotiated, balance-tcp, else not, active-backup; bit 6: the second
 * member collecting); then the header (10 bytes), then the frame.
 *
 * Checks on every frame sent: a consistent mbuf chain (rte_mbuf_check)
 * and a length the port's MTU allows; every frame handed to the control
 * plane (a LACP bond's slow-protocol frames) came in on a member, is a
 * slow-protocol frame, and is copied whole up to the room given.
 */
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "../../bench/ring-port.h"
#include "../../datapath/datapath.h"
#include "../../datapath/offload.h"
#include "fuzz-topo.h"
#include "fuzz.h"

/* Largest frame a port of the topology's MTU may send: header, one tag. */
#define MAX_SENT (FUZZ_TOPO_MTU + RTE_ETHER_HDR_LEN + 4)

static struct fuzz_topo topo;
static struct dp *dp;
static struct ring_port *ports = topo.ports;
#define N_PORTS FUZZ_TOPO_PORTS
static uint16_t bond;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	if (fuzz_topo_build(&topo, (*argv)[0], "frame") != 0)
		return 1;
	dp = topo.dp;
	bond = topo.bond;
	return 0;
}

/* @len bytes of @data in a chain of mbufs of at most @seg bytes each
 * (linked here at the tail: rte_pktmbuf_chain() walks the chain). */
static struct rte_mbuf *
chain_from(const uint8_t *data, size_t len, size_t seg)
{
	struct rte_mempool *mp = dp_mempool(dp);
	struct rte_mbuf *head = NULL, *last = NULL;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		size_t n;

		if (m == NULL || (head != NULL && head->nb_segs == RTE_MBUF_MAX_NB_SEGS)) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		n = RTE_MIN(seg, (size_t)rte_pktmbuf_tailroom(m));
		n = RTE_MIN(len, n);
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), data, n);
		data += n;
		len -= n;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += m->data_len;
		}
		last = m;
	} while (len > 0);
	return head;
}

static void
drain(void)
{
	struct rte_mbuf *out[64];
	const char *why;
	unsigned int i, k, n;

	for (i = 0; i < N_PORTS; i++) {
		while ((n = rte_ring_dequeue_burst(ports[i].tx[0], (void **)out, 64, NULL)) > 0) {
			for (k = 0; k < n; k++) {
				if (rte_mbuf_check(out[k], 1, &why) != 0) {
					fprintf(stderr, "fuzz-frame: bad mbuf sent: %s\n", why);
					abort();
				}
				if (out[k]->pkt_len > MAX_SENT) {
					fprintf(stderr,
						"fuzz-frame: %u-byte frame sent on port %u\n",
						out[k]->pkt_len, i);
					abort();
				}
				rte_pktmbuf_free(out[k]);
			}
		}
	}
}

/* The frames handed to the control plane. */
static void
punted(void)
{
	uint8_t buf[128];
	uint16_t port, len;

	while (dp_punt_recv(dp, &port, buf, sizeof(buf), &len) == 0)
		if ((port != ports[3].id && port != ports[4].id) || len > sizeof(buf) ||
		    len < RTE_ETHER_HDR_LEN || buf[12] != 0x88 || buf[13] != 0x09)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr vh;
	struct rte_mbuf *m;
	size_t seg = SIZE_MAX;
	uint8_t ctl;
	bool sw;

	if (size < 2)
		return 0;
	ctl = data[0];
	if (ctl & 0x8)
		seg = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	if (ctl & 0x4) {
		if (size < sizeof(vh))
			return 0;
		memcpy(&vh, data, sizeof(vh));
		data += sizeof(vh);
		size -= sizeof(vh);
	}
	if (size == 0 || size > UINT16_MAX)
		return 0;
	m = chain_from(data, size, seg);
	if (m == NULL)
		return 0;
	if ((ctl & 0x4) && dp_ol_from_vnet(m, &vh, 0, &sw) != 0) {
		rte_pktmbuf_free(m); /* BAD_OFFLOAD, as a port drops it */
		return 0;
	}
	if (ctl & 0x80) {
		dp_bond_set_lacp(dp, bond, true, ctl & 0x20);
		dp_bond_set_mode(dp, bond,
				 ctl & 0x20 ? DP_BOND_BALANCE_TCP : DP_BOND_ACTIVE_BACKUP);
		dp_bond_member_enable(dp, ports[4].id, false);
		dp_bond_member_collect(dp, ports[4].id, ctl & 0x40);
	} else {
		dp_bond_set_lacp(dp, bond, false, false);
		dp_bond_set_mode(dp, bond,
				 ctl & 0x20 ? DP_BOND_ACTIVE_BACKUP : DP_BOND_BALANCE_SLB);
		dp_bond_member_enable(dp, ports[4].id, ctl & 0x40);
	}
	if (rte_ring_enqueue(ports[ctl & 0x10 ? 3 + (ctl & 3) % 3 : (ctl & 3) % 3].rx, m) != 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	dp_worker_poll(dp, 0);
	drain();
	punted();
	return 0;
}
