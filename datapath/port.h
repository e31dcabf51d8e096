/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port.h - the port provider interface, private to datapath/.
 *
 * A port kind is a table of operations (struct dp_port_class) and one file
 * that implements it: port-afpacket.c (AF_PACKET sockets), port-ethdev.c
 * (DPDK ethdevs), port-tap.c (a tun descriptor), port-vlan.c (through a
 * trunk), port-vhost.c (vhost-user, librte_vhost). The generic code in
 * datapath.c and worker.c only ever goes through the table.
 */
#ifndef SWITCHD_DATAPATH_PORT_H
#define SWITCHD_DATAPATH_PORT_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "datapath.h"
#include "offload.h"

#define DP_BURST 32

/* What one worker owns of a port: its output batch and its counters. Only
 * that worker writes it; control reads the counters. */
struct dp_port_worker {
	struct dp_port_stats st;
	uint16_t n_out;
	bool dirty;	    /* in the worker's list of ports to flush this iteration */
	uint64_t out_bytes; /* of the frames in out[] */
	struct rte_mbuf *out[DP_BURST];
	uint32_t out_len[DP_BURST]; /* their lengths when enqueued */
	uint8_t rx_err_streak;	    /* rx_fd kinds: passes the descriptor was in error, empty */
} __rte_cache_aligned;

struct dp_port {
	uint16_t id; /* datapath port id */
	enum dp_port_kind kind;
	bool trunk;			 /* received frames are sorted by VLAN tag */
	bool access;			 /* a VM's port: tagged frames are dropped */
	uint32_t fdb_max;		 /* MAC limit as set; 0: the default */
	bool fdb_frozen;		 /* learning nothing while it moves to another bridge */
	uint16_t vid;			 /* vlan kind: the tag it pushes */
	struct dp_port *parent;		 /* vlan kind: the trunk it sends through */
	uint16_t *vid_port;		 /* trunk: VID -> its VLAN port (NULL: none yet) */
	uint16_t n_vlans;		 /* trunk: how many VLAN ports it has */
	char name[32];			 /* netdev or tap name */
	const struct dp_port_class *cls; /* kind's operations */
	uint16_t ethdev;		 /* ethdev kind: the port id */
	int fd;				 /* tap kind: the tun descriptor */
	struct rte_mempool *mp;		 /* tap, af_packet: where received frames go */
	uint16_t n_rxq;			 /* n_workers (worker w polls queue w) or 1 */
	uint16_t n_txq;			 /* one tx queue per worker */
	struct dp_vhost *vhost;		 /* vhost-user kind: connection state */
	struct dp_afp *afp;		 /* af_packet kind: its sockets */
	struct dp_eth *eth;		 /* ethdev kind: its tx queues */
	struct rte_rcu_qsbr *qsv;	 /* the datapath's RCU variable */
	struct dp_port_worker *pw;	 /* [n_workers] */
	struct dp *dp;			 /* for dp_workers_wake() */
	uint32_t ol_caps;		 /* DP_OLCAP_*: what its device finishes (offload.h) */
	uint32_t ol_caps_vlan;		 /* the same for tagged frames (l2_len over 14) */
	uint64_t ol_soft;		 /* ol_flags that need a look (dp_port_set_offloads()) */
	struct dp_bond *bond;		 /* bond kind: its members and their state */
	uint16_t bond_port;	/* a bond's member: the bond's port id; else DP_PORT_NONE */
	uint8_t bond_slot;	/* a bond's member: its slot in the bond */
	struct dp_qos *qos;	/* its receive limit (qos.c), from the first one on; else NULL */
	struct dp_lock *lock;	/* access ports: locked or disabled (lock.c); NULL: unlocked */
	uint8_t cap_rx, cap_tx; /* capture sessions that want what it receives, sends (capture.c) */
	bool unarmed;		/* rx_fd kinds: in the readiness sets, not armed yet */
	struct dp_port *unarmed_next; /* in dp->unarmed */
};

/* What a worker counts of a bond: bytes sent per SLB bucket. */
struct dp_bond_worker {
	uint64_t bucket_bytes[DP_BOND_BUCKETS];
} __rte_cache_aligned;

#define DP_BOND_NO_SLOT UINT8_MAX

/* A bond port's state. The control thread writes it (port-bond.c), each
 * field with one atomic store; workers read it, a field at a time. */
#define DP_BOND_LACP 0x1	    /* slow protocols to the control plane */
#define DP_BOND_LACP_NEGOTIATED 0x2 /* every enabled member takes everything */

struct dp_bond {
	uint8_t mode;			      /* enum dp_bond_mode */
	uint8_t lacp;			      /* DP_BOND_LACP_* bits */
	uint8_t collecting;		      /* LACP: a bit per slot that may receive */
	uint8_t enabled;		      /* a bit per slot */
	uint8_t active;			      /* a slot, or DP_BOND_NO_SLOT */
	uint16_t member[DP_BOND_MAX_MEMBERS]; /* port ids; DP_PORT_NONE: empty slot */
	uint8_t bucket[DP_BOND_BUCKETS];      /* SLB: each bucket's slot */
	struct dp_bond_worker *bw;	      /* [n_workers] */
};

/* The worker that polls rx queue @queue of @port: worker w polls queue w of
 * a port with a queue per worker; a port with one rx queue is polled by
 * worker (port id % n_workers). */
static inline unsigned int
dp_port_rx_worker(const struct dp_port *port, uint16_t queue)
{
	return port->n_rxq == 1 ? port->id % port->n_txq : queue;
}

struct dp_port_class {
	const char *kind;

	/* Create and start the device for @port with port->n_txq tx queues
	 * and port->n_rxq rx queues, mbufs from @mp. A kind that cannot have
	 * one rx queue per worker sets port->n_rxq to 1 (one worker polls it).
	 * It sets the offloads its device finishes by itself, for untagged and
	 * for tagged frames (dp_port_set_offloads(), offload.h); a frame that
	 * asks for others is finished in software before tx_burst sees it.
	 * Frames it receives carry their offload metadata.
	 * Returns 0 or a positive errno; on error nothing is left open. */
	int (*open)(struct dp_port *port, const struct dp_port_params *params,
		    struct rte_mempool *mp);

	/* Stop and release the device. No worker polls it any more. */
	void (*close)(struct dp_port *port);

	/* Fast path, called by the port's worker only. rx returns the number
	 * of frames received.
	 *
	 * tx returns the number of leading slots of @pkts it is done with, and
	 * owns those frames. The caller frees the frames from there on and
	 * counts them as tx_full (or link_down). A frame the device can never
	 * send (longer than its MTU, in more pieces than it takes) must not
	 * hold up the rest of the burst: tx frees it, counts it in
	 * @st->drops[DP_DROP_TX_UNSENDABLE] and sets its slot to NULL, in
	 * any position. Non-NULL slots before the returned count were sent.
	 * tx is never handed a NULL slot. */
	uint16_t (*rx_burst)(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts,
			     uint16_t n);
	uint16_t (*tx_burst)(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts,
			     uint16_t n, struct dp_port_stats *st);

	/* Optional: set the MTU of the kernel netdev behind the port. */
	int (*set_netdev_mtu)(struct dp_port *port, uint16_t mtu);

	/* Optional: receives that found no packet buffer, counted by the
	 * device rather than by rx_burst (an ethdev's rx_nombuf). */
	uint64_t (*no_mbuf)(const struct dp_port *port);

	/* Optional: false while the port has no peer (a vhost-user port whose
	 * guest is not connected). Frames it refuses then count as link_down,
	 * not tx_full. Any thread. NULL: always up. */
	bool (*link_up)(const struct dp_port *port);

	/* Optional, for an idle worker that wants to block instead of
	 * polling. @arm true: the worker is about to block in epoll on @epfd;
	 * make sure the descriptors that signal frames on rx queue @queue are
	 * in it (edge-triggered) and that the peer will signal (a vhost-user
	 * guest kicks only when asked). false: the worker is polling again;
	 * the peer may stop signalling. Returns 0, or -1 if the queue cannot
	 * signal: the worker then keeps polling. The port keeps track of what
	 * it registered in @epfd (a queue is polled by one worker), and a
	 * port that gets a peer later calls dp_workers_wake(). Worker only.
	 * NULL: cannot signal (ethdev ports: rings, NIC PMDs). */
	int (*rx_wait)(struct dp_port *port, uint16_t queue, int epfd, bool arm);

	/* Optional, for kernel ports (af_packet, tap): a descriptor readable
	 * while rx queue @queue has frames. Such queues are not polled each
	 * pass: their worker keeps them in an epoll set and reads the ones it
	 * reports ready, so that thousands of idle ones cost one system call
	 * rather than one each. Such a kind needs no rx_wait. */
	int (*rx_fd)(const struct dp_port *port, uint16_t queue);
};

/* Set what @port's device finishes (offload.h): @caps for untagged frames,
 * @caps_vlan for tagged ones, and the quick filter workers test. A frame
 * whose flags meet the filter goes through dp_ol_soft_begin() with the
 * abilities for its L2 header. Workers may be reading: each store is
 * atomic, and a frame checked against the old filter is finished for the
 * old abilities, which a port only widens while it has its peer (vhost-user
 * narrows them to none when its guest goes, before a grace period). */
static inline void
dp_port_set_offloads(struct dp_port *port, uint32_t caps, uint32_t caps_vlan)
{
	__atomic_store_n(&port->ol_caps, caps, __ATOMIC_RELAXED);
	__atomic_store_n(&port->ol_caps_vlan, caps_vlan, __ATOMIC_RELAXED);
	__atomic_store_n(&port->ol_soft, dp_ol_soft_mask(caps) | dp_ol_soft_mask(caps_vlan),
			 __ATOMIC_RELEASE);
}

/* Wake every blocked worker (they then look at their ports again). Any
 * thread. */
void dp_workers_wake(struct dp *dp);
/* Wake worker @worker only. */
void dp_worker_wake(struct dp *dp, unsigned int worker);

/* Add @fd to @epfd for readability, edge-triggered, if *@reg_epfd says it
 * is not there yet; *@reg_epfd is then @epfd. Returns 0 or -1. */
int dp_wait_add(int epfd, int fd, int *reg_epfd);

extern const struct dp_port_class dp_port_class_afpacket;
extern const struct dp_port_class dp_port_class_tap;
extern const struct dp_port_class dp_port_class_ethdev;
extern const struct dp_port_class dp_port_class_vlan;
extern const struct dp_port_class dp_port_class_bond;

/* rx_burst of the kinds without queues of their own (vlan, bond: fed
 * through other ports; a port with no rx queue is never polled). */
uint16_t dp_port_rx_none(struct dp_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);

/* Put @member into its bond (params->bond): into member->bond_slot if that
 * is free (DP_BOND_NO_SLOT for a new member), else the first free slot; or
 * take it out;
 * the bond's offloads become what every member finishes. Control thread,
 * before the member is published and after it is not any more. Returns
 * 0, or ENOSPC (no free slot) when putting in. */
int dp_bond_member_link(struct dp *dp, struct dp_port *member, bool in);

/* The bucket of a frame a bond sends (its source MAC and its 802.1Q tag,
 * if it has one). */
unsigned int dp_bond_frame_bucket(const struct rte_mbuf *m);
/* balance-tcp's bucket of a frame to send (port-bond.c). */
unsigned int dp_bond_frame_bucket_l4(const struct rte_mbuf *m);
/* The member bond @port sends @m (as it leaves: tagged if it is) out of
 * now, or DP_PORT_NONE if none is enabled (trace.c). */
uint16_t dp_bond_tx_member(const struct dp_port *port, const struct rte_mbuf *m);
extern const struct dp_port_class dp_port_class_vhost;

/* Wait until the sockets of closed af_packet ports are closed (they are
 * closed on a thread of their own, see port-afpacket.c). */
void dp_afpacket_drain(void);

/* Make tap port @port persistent: it outlives the process (port-tap.c). */
int dp_tap_persist(struct dp_port *port);

#endif
