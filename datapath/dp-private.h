/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp-private.h - datapath internals shared by datapath.c (control side) and
 * worker.c (fast path). Nothing outside datapath/ includes it.
 */
#ifndef SWITCHD_DATAPATH_PRIVATE_H
#define SWITCHD_DATAPATH_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include <rte_spinlock.h>

#include "../lib/token-bucket.h"
#include "datapath.h"
#include "fdb.h"
#include "port.h"

#define DP_VLAN_IDS 4096 /* 12-bit VIDs; 0 and 4095 are not VLANs */

/* A bridge as the fast path sees it. */
struct dp_cfg_bridge {
	uint16_t max_len;	 /* longest frame accepted: MTU + Ethernet header */
	uint16_t group_fwd_mask; /* reserved groups 01:80:C2:00:00:0X forwarded: bit X */
	uint16_t n_ports;	 /* members, for flooding */
	uint16_t *ports;	 /* member port ids (points into dp_cfg.members) */
};

/* One rx queue a worker polls. */
struct dp_rxq {
	uint16_t port;
	uint16_t queue;
};

/* The rx queues one worker polls. */
struct dp_cfg_rx {
	uint16_t n;
	struct dp_rxq *q;
};

/* The immutable snapshot workers read (see the publication rule in
 * datapath.h). Built by dp_publish(), freed after a grace period. */
struct dp_cfg {
	uint64_t gen;			    /* 1, 2, ...: which snapshot this is */
	uint32_t port_end;		    /* dp->port_end when it was built */
	struct dp_port *port[DP_MAX_PORTS]; /* NULL: unused id */
	uint16_t port_bridge[DP_MAX_PORTS];
	struct dp_cfg_bridge bridge[DP_MAX_BRIDGES];
	uint16_t *vlan_map[DP_MAX_PORTS]; /* trunks with VLANs: VID -> port, else NULL */
	struct dp_cfg_rx rx[DP_MAX_WORKERS];
	struct dp_rxq *rxqs; /* the rx lists (in this allocation) */
	uint16_t members[];  /* the flood lists */
};

/* A limited port's frames that one worker received and holds until the
 * credit lets them in (qos.c), in order: a ring. A kernel port's frames
 * beyond it, or beyond its byte bound, are dropped. */
#define DP_QOS_QUEUE 256

struct dp_qos_queue {
	uint16_t head;
	uint16_t n;  /* written by its worker; control reads it (dp_qos_waiting()) */
	bool listed; /* in its worker's qos_wait */
	uint64_t bytes;
	struct rte_mbuf *m[DP_QOS_QUEUE];
} __rte_cache_aligned;

/* A port's receive limit (qos.c). */
struct dp_qos {
	rte_spinlock_t lock;	/* over tb; workers only try it */
	struct token_bucket tb; /* bytes per second; rate 0: no limit */
	uint64_t rate;		/* tb.rate, for a look without the lock */
	uint64_t queue_max;	/* bounded: the bytes a worker holds at most */
	bool bounded;		/* a kernel port: read whatever waits, drop the excess */
	unsigned int n_workers;
	struct dp_qos_queue *q; /* [n_workers] */
};

/* A port whose frames a worker holds (struct dp_worker.qos_wait). */
struct dp_qos_wait {
	uint16_t port;
	const struct dp_qos *qos; /* the port's when listed: compared, never followed */
};

/* Counters a worker keeps outside any port. */
struct dp_worker_stats {
	uint64_t learned;
	uint64_t moved;
	uint64_t refreshed;
	uint64_t learn_failed;
	uint64_t aged;
	uint64_t blocked; /* times the worker blocked in epoll, idle */
} __rte_cache_aligned;

struct dp_worker {
	struct dp *dp;
	unsigned int id; /* 0..n_workers-1; also its RCU thread id */
	unsigned int lcore;
	uint64_t next_age_tsc;
	int epfd;	       /* where an idle worker blocks: its ports' descriptors and wake_fd */
	int ready_epfd;	       /* its kernel ports' rx queues, level-triggered (rx_fd, port.h) */
	uint32_t n_ready;      /* how many are in it */
	int wake_fd;	       /* eventfd: a new snapshot, a new peer, or stop */
	uint64_t cannot_block; /* gen of a snapshot with a port that cannot signal, or 0 */
	struct dp_worker_stats st;
	/* Large buffers a super-frame continues into, one per frame of an rx
	 * burst (dp_rx_spares()); NULL where none could be had. */
	struct rte_mbuf *spare[DP_BURST];
	uint16_t n_dirty;
	struct dp_port *dirty[DP_MAX_PORTS]; /* ports with queued output */
	/* Limited ports whose frames it holds: looked at every pass, and it
	 * does not block while there are any. */
	uint32_t n_qos_wait;
	struct dp_qos_wait qos_wait[DP_MAX_PORTS];
} __rte_cache_aligned;

/* Control-side view of a bridge. */
struct dp_bridge {
	bool used;
	uint16_t mtu;
	uint16_t group_fwd_mask;
	uint32_t fdb_max; /* as set; 0: the default */
	char name[32];
};

/* Packet buffers: room for a 9,000-byte MTU frame in one mbuf. */
#define DP_MBUF_DATA_ROOM (9216 + RTE_PKTMBUF_HEADROOM)
#define DP_MBUF_CACHE 256
/* Super-frames (up to 64 KB of TCP and its headers) continue from a packet
 * buffer into one of these. A kernel reads or writes a frame through an
 * iovec, so the port kinds that read from one (af_packet, tap) hand it a
 * packet buffer and a large one for each frame: a small frame never
 * touches the large one, which stays for the next. A pool of its own, so
 * that the many small buffers stay small. */
#define DP_GSO_DATA_ROOM UINT16_MAX /* the most a pool's buffers may have */
#define DP_GSO_PER_WORKER 128
#define DP_GSO_CACHE 16

struct dp {
	struct dp_cfg *cfg; /* published snapshot; workers load it */
	uint64_t cfg_gen;   /* gen of the last snapshot built */
	bool batch;	    /* dp_batch_begin(): additions wait for dp_batch_end() */
	uint16_t port_hint; /* every port id below it is taken */
	/* One past the highest port and bridge id used yet: loops over
	 * ports and bridges stop there (ids are taken lowest first). */
	uint32_t port_end, bridge_end;
	uint16_t bridge_hint;	  /* every bridge id below it is taken */
	struct dp_port *unarmed;  /* kernel ports added since the last snapshot (ready_add()) */
	bool batch_dirty;	  /* something waits to be published */
	struct rte_rcu_qsbr *qsv; /* threads 0..n_workers-1: workers; n_workers: control */
	struct rte_mempool *mp;
	struct rte_ring *inject;	    /* dp_port_send(): frames worker 0 sends */
	struct rte_ring *punt;		    /* frames for the control plane (dp_punt_recv()) */
	int punt_fd;			    /* eventfd: written when punt gets a frame */
	struct rte_mempool *gso_mp;	    /* the large buffers (DP_GSO_DATA_ROOM) */
	struct dp_cap *cap[DP_CAPTURE_MAX]; /* capture sessions (capture.c) */
	struct rte_mempool *cap_pool;	    /* their copies, made at the first */
	unsigned int cap_seq;		    /* for their rings' names */
	struct fdb fdb;
	uint64_t tsc_hz;
	unsigned int n_workers;
	bool launched;
	volatile bool stop;
	bool stopped; /* dp_stop() has closed the ports */

	/* Control-side master state from which snapshots are built. */
	struct dp_port *ports[DP_MAX_PORTS];
	uint16_t port_bridge[DP_MAX_PORTS];
	struct dp_bridge bridges[DP_MAX_BRIDGES];
	/* What a snapshot needs of each port, side by side: building one
	 * reads no port structure (thousands of cache misses). */
	uint16_t port_rxq[DP_MAX_PORTS];    /* rx queues polled each pass (not rx_fd ones) */
	uint16_t port_vid[DP_MAX_PORTS];    /* vlan kind: its tag; else 0 */
	uint16_t port_parent[DP_MAX_PORTS]; /* vlan kind: its trunk's id */
	bool port_off[DP_MAX_PORTS];	    /* disabled (locking): out of its bridge's flood list */

	struct dp_worker *workers[DP_MAX_WORKERS];
	char name[16];	       /* prefix of DPDK object names */
	char state_dir[256];   /* dp_params.state_dir, or "" */
	unsigned int pool_seq; /* for names of pools of their own (dp_eth_pool()) */
	/* The pools of ethdevs' rx queues, by ethdev port id. A device's
	 * descriptors hold their buffers while it is set up, and a stopped
	 * device keeps them until it is set up again or closed: a pool stays
	 * with its device, and is used again when the device is. */
	struct rte_mempool *eth_pool[RTE_MAX_ETHPORTS];
	/* Pools no device uses any more, freed once every buffer is back. */
	struct rte_mempool *dead_pools[DP_MAX_PORTS];
	unsigned int n_dead_pools;
};

/* A pool of at least @n packet buffers for the rx queues of ethdev
 * @ethdev, which would otherwise take them from the shared pool and run it
 * dry with a few multi-queue NICs: the device's own if it is large enough,
 * else a new one (the old one freed once its buffers are back). NULL if
 * there is no memory for it. */
struct rte_mempool *dp_eth_pool(struct dp *dp, uint16_t ethdev, unsigned int n);

/* Free the pools nothing uses whose buffers are all back: pools replaced by
 * larger ones, and those of ethdevs that are gone. */
void dp_pools_sweep(struct dp *dp);

/* Free a snapshot and what it owns. */
void dp_cfg_free(struct dp_cfg *cfg);

/* lock.c: a VM's port locked to its MAC and addresses, or disabled. */
struct dp_lock {
	uint8_t mode; /* enum dp_lock_mode: LOCKED or DISABLED */
	struct rte_ether_addr mac;
	uint16_t n_ipv4, n_ipv6;
	rte_be32_t ipv4[DP_LOCK_MAX_ADDRS];
	uint8_t ipv6[DP_LOCK_MAX_ADDRS][16];
};

/* A lock as @lp says; NULL for an unlocked mode or no memory. */
struct dp_lock *dp_lock_new(const struct dp_lock_params *lp);
void dp_lock_free(struct dp_lock *l);
/* The drop reason for a frame a VM sent through lock @l, of which @len
 * bytes are at @frame (its first segment; nothing past them is read), or
 * -1 if it passes. */
int dp_lock_verdict_frame(const struct dp_lock *l, const uint8_t *frame, uint32_t len);
/* The frames of a burst from a locked port that pass, in order, at the
 * start of @pkts; the others freed and counted. Returns how many pass. */
uint16_t dp_lock_filter(const struct dp_lock *l, struct dp_port_stats *st, struct rte_mbuf **pkts,
			uint16_t n);

/* capture.c: a capture session. */
struct dp_cap_worker {
	uint64_t kept, dropped; /* written by its worker */
} __rte_cache_aligned;

struct dp_cap {
	uint32_t snaplen;
	struct rte_bpf *bpf;		       /* the filter in DPDK's BPF, or NULL */
	uint64_t (*jit)(void *);	       /* bpf's native code, or NULL */
	struct bpf_insn *cbpf;		       /* else libpcap's program, or NULL: all */
	struct rte_ring *ring[DP_MAX_WORKERS]; /* copies, worker w to control */
	struct dp_cap_worker *cw;	       /* [n_workers] */
};

/* May libpcap's program @prog run converted to DPDK's BPF (else in
 * libpcap's interpreter)? (bpf-jit.c) */
struct bpf_program;
struct bpf_insn;
bool dp_bpf_dpdk_ok(const struct bpf_program *prog);
/* The sessions left and the captures' pool go (dp_destroy(), the workers
 * stopped). */
void dp_capture_fini(struct dp *dp);
/* Copy the frames of @pkts (NULL slots skipped; @n at most DP_BURST, a
 * burst) that the sessions in @mask want, seen on port @port in direction
 * @dir (DP_CAPTURE_IN or _OUT), by worker @worker. */
__attribute__((cold)) void dp_cap_tap(struct dp *dp, unsigned int worker, uint16_t port,
				      uint8_t mask, uint8_t dir, struct rte_mbuf **pkts,
				      uint16_t n);

/* qos.c: a port's receive limit. */

/* Set @port's limit: @rate bytes a second, @burst bytes of credit saved at
 * most; rate 0 clears it. Live. Returns 0, EINVAL (a rate without a burst)
 * or ENOMEM. */
int dp_qos_set(struct dp *dp, struct dp_port *port, uint64_t rate, uint64_t burst);
void dp_qos_get(const struct dp_port *port, uint64_t *rate, uint64_t *burst);
/* Frames its workers hold now. */
uint32_t dp_qos_waiting(const struct dp_port *port);
/* Bytes a worker holds at most for a kernel port limited to @rate. */
uint64_t dp_qos_queue_max(uint64_t rate);
/* With the port, after its last grace period. */
void dp_qos_free(struct dp_qos *qos);
/* A frame of @len bytes arriving at @port now: its limit and credit in
 * @step (DP_TRACE_QOS; e: passes, waits, or may be dropped; no verdict:
 * what the worker holds changes under the trace). False, nothing written,
 * for a port without a limit. */
bool dp_qos_trace(struct dp_port *port, uint32_t len, struct dp_trace_step *step);
/* Worker @w reads rx queue @queue of limited @port (its port->qos, @qos): the
 * frames the credit lets in go to @pkts (DP_BURST slots), the others wait
 * or, from a kernel port over its bound, are dropped (qos_drop). Returns
 * how many are in @pkts. */
uint16_t dp_qos_rx(struct dp_worker *w, struct dp_port *port, struct dp_qos *qos, uint16_t queue,
		   struct rte_mbuf **pkts);
/* Entry @i of w->qos_wait: the frames the credit now lets in, to @pkts,
 * and their port in *@port (NULL if it is gone); *@done if nothing of it
 * waits any more (the entry goes). */
uint16_t dp_qos_pending(struct dp_worker *w, const struct dp_cfg *cfg, unsigned int i,
			struct dp_port **port, struct rte_mbuf **pkts, bool *done);

/* worker.c */
int dp_worker_init(struct dp_worker *w);
void dp_worker_fini(struct dp_worker *w);
int dp_worker_main(void *arg);
unsigned int dp_worker_iteration(struct dp_worker *w);

/* The large buffers rx queue @queue of @port reads into after its packet
 * buffers, one per frame of a burst, refilled here; a slot stays NULL if
 * the pool is empty (a super-frame then arrives truncated, and is dropped
 * as oversize). Worker only. */
static inline struct rte_mbuf **
dp_rx_spares(struct dp_port *port, uint16_t queue, uint16_t n)
{
	struct dp_worker *w = port->dp->workers[dp_port_rx_worker(port, queue)];
	uint16_t i;

	for (i = 0; i < n; i++)
		if (unlikely(w->spare[i] == NULL))
			w->spare[i] = rte_pktmbuf_alloc(port->dp->gso_mp);
	return w->spare;
}

/* Append the first @len bytes of spare *@slot to @m (whose packet buffer
 * the kernel filled): the frame is longer than one buffer. The slot is
 * emptied, for dp_rx_spares() to refill. */
static inline void
dp_rx_spare_take(struct rte_mbuf *m, struct rte_mbuf **slot, uint32_t len)
{
	struct rte_mbuf *s = *slot;

	*slot = NULL;
	s->data_len = (uint16_t)len;
	m->next = s;
	m->nb_segs = 2;
	m->pkt_len += len;
}

static inline uint16_t
dp_now_sec(const struct dp *dp)
{
	return (uint16_t)(rte_rdtsc() / dp->tsc_hz);
}

#endif
