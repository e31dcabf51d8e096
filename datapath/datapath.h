/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * datapath.h - the DPDK fast path: bridges (one per network), ports, the
 * forwarding database (FDB), workers and counters.
 *
 * Layering: this is the bottom layer. It includes nothing from switchd/,
 * ctl/, pif/, vif/, vlan/, bond/ or qos/; those call into it.
 *
 * THE PUBLICATION RULE (how the control plane changes what the fast path
 * reads):
 *
 *  1. Workers read one immutable snapshot, struct dp_cfg, through a single
 *     pointer loaded once per poll iteration. They never wait for a lock
 *     (but rules 4 and 5), never allocate outside the mbuf pool and never
 *     log.
 *  2. The control thread changes the configuration by building a complete new
 *     snapshot, storing its pointer with release semantics, and then waiting
 *     for a grace period (rte_rcu_qsbr_synchronize) before freeing the old
 *     snapshot or any port it no longer names. Workers report a quiescent
 *     state at the end of every poll iteration, after flushing their output
 *     batches, so after the grace period no worker holds a pointer to, or an
 *     mbuf queued for, a removed port. Sleeping workers go offline.
 *  3. The only state both sides write is a small set of counters that are
 *     each written by one side only: per-worker port counters (written by
 *     their worker, read by control) and FDB flush generations (written by
 *     control, read by workers). Flushing the FDB of a port or bridge is O(1):
 *     bump its generation; entries that carry an older one are dead and are
 *     reclaimed by aging.
 *  4. The FDB (fdb.h) is a table of our own whose readers take no lock and
 *     write nothing. Workers learn; worker 0 also ages. Steady traffic does
 *     not write the table: a live entry is rewritten in place (a
 *     compare-and-swap) only when its MAC is first seen in a new second;
 *     a slot changes hands (a new MAC, aging) or a MAC moves to another
 *     port under the table's lock, which also keeps the per-bridge and
 *     per-port counts of the MAC limits. The control thread reads the
 *     table (fdb-show) and takes the lock only for a flush (fdb.h).
 *  5. Per-port state that changes without a new snapshot is a pointer the
 *     control thread replaces whole (a port's lock, lock.c) and frees after
 *     a grace period, or a structure made once (a port's receive limit,
 *     qos.c): its token bucket is the one state workers and the control
 *     thread both write, under a spinlock per port that workers only try
 *     (a worker that finds it held leaves its frames for the next pass, it
 *     never waits), taken once per burst.
 *
 * Every function here is for the control thread unless it says otherwise.
 * Functions return 0 or a positive errno value.
 */
#ifndef SWITCHD_DATAPATH_H
#define SWITCHD_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/mac.h"

struct rte_mempool;
struct dp;

/* Limits of one datapath instance. Bridge and port ids are dense indexes
 * below these, chosen by the datapath. */
#define DP_MAX_BRIDGES 8192
/* Every VLAN takes two ports (its pseudo-PIF on the trunk and its bridge's
 * host interface): 4094 VLANs and a thousand VIFs must fit. */
#define DP_MAX_PORTS 16384
#define DP_MAX_WORKERS 16
/* vhost-user ports per process: DPDK's vhost library polls at most 1024
 * descriptors (listening sockets and connections) and registers at most
 * 1024 sockets; this leaves it headroom. */
#define DP_MAX_VHOST_PORTS 1000
#define DP_BRIDGE_NONE UINT16_MAX
#define DP_PORT_NONE UINT16_MAX

/* Why a frame was dropped: one list, counted per port, named in port-stats.
 * X(enum suffix, short name, description). */
#define DP_DROP_REASONS(X)                                                                     \
	X(RUNT, "runt", "shorter than an Ethernet header")                                     \
	X(OVERSIZE, "oversize", "longer than the network MTU allows")                          \
	X(SRC_MULTICAST, "src_multicast", "source MAC is multicast or broadcast")              \
	X(HAIRPIN, "hairpin", "destination was learned on the port the frame came in on")      \
	X(NO_DESTINATION, "no_destination", "flooded, but the bridge has no other port")       \
	X(UNKNOWN_VLAN, "unknown_vlan", "tagged with a VLAN the port carries no network for")  \
	X(VIF_TAGGED, "vif_tagged", "802.1Q/802.1ad tagged, from an access port (a VIF)")      \
	X(RESERVED_MULTICAST, "reserved_multicast",                                            \
	  "to a reserved link-local group 01:80:C2:00:00:0X the bridge does not forward")      \
	X(TX_FULL, "tx_full", "the output port did not accept the frame")                      \
	X(TX_UNSENDABLE, "tx_unsendable",                                                      \
	  "the output device can never send the frame (longer than its MTU)")                  \
	X(LINK_DOWN, "link_down",                                                              \
	  "the output port has no peer (vhost-user guest not connected, bond with no member "  \
	  "enabled)")                                                                          \
	X(BOND_LOOP, "bond_loop",                                                              \
	  "multicast or broadcast into a balance-slb bond from a MAC learned on a local port " \
	  "(a frame of ours flooded back by the upstream switch)")                             \
	X(BOND_STANDBY, "bond_standby",                                                        \
	  "received on a bond member that does not take it: not enabled, a backup, or "        \
	  "multicast on a member that is not the active one")                                  \
	X(BAD_OFFLOAD, "bad_offload",                                                          \
	  "offload metadata the datapath cannot carry out (a GSO type it does not know, "      \
	  "Linux's UFO, headers that do not match it)")                                        \
	X(LOCK_MAC, "lock_mac", "from a locked VIF, with another source MAC than the VIF's")   \
	X(LOCK_ARP, "lock_arp",                                                                \
	  "ARP from a locked VIF whose sender is another MAC or an address not allowed")       \
	X(LOCK_IPV4, "lock_ipv4", "IPv4 from a locked VIF, from an address not allowed")       \
	X(LOCK_IPV6, "lock_ipv6",                                                              \
	  "IPv6 from a locked VIF: from an address not allowed, neighbour discovery for one, " \
	  "or a router's message (advertisement, redirect, MLD query)")                        \
	X(LOCK_OTHER, "lock_other", "from a locked VIF, neither ARP, IPv4 nor IPv6")           \
	X(LOCK_DISABLED, "lock_disabled", "from a VIF whose locking mode is disabled")         \
	X(QOS, "qos_drop",                                                                     \
	  "over the port's rate limit, from a kernel netdev, with its queue full (frames "     \
	  "from vhost-user wait in the guest's queue instead)")

enum dp_drop {
#define DP_DROP_ENUM(e, name, desc) DP_DROP_##e,
	DP_DROP_REASONS(DP_DROP_ENUM)
#undef DP_DROP_ENUM
	DP_DROP__MAX
};

/* Short name ("runt") and description of a drop reason; NULL if out of range. */
const char *dp_drop_name(enum dp_drop reason);
const char *dp_drop_description(enum dp_drop reason);

/* Counters of one port, summed over workers. rx counts every frame received,
 * including those later dropped; tx counts frames the port accepted. Drops
 * are counted on the ingress port, except TX_FULL, TX_UNSENDABLE and
 * LINK_DOWN on the egress port. */
struct dp_port_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t drops[DP_DROP__MAX];
	uint64_t fdb_limit;   /* frames forwarded whose source a limit kept from being learned */
	uint64_t fdb_moves;   /* MACs learned elsewhere on the bridge that moved to this port
			       * (a VM sending with another's source MAC, or a station
			       * that really moved) */
	uint64_t last_move;   /* the latest of them: dp_move_mac(), dp_move_from() */
	uint64_t no_mbuf;     /* receives that found no free packet buffer (the frames wait,
			       * or the device drops them), and frames lost for want of
			       * one while segmenting for this output (also tx_full) */
	uint64_t gso_rx;      /* super-frames received whole (TSO, GSO, GRO) */
	uint64_t sw_gso;      /* super-frames segmented in software for this output */
	uint64_t sw_csum;     /* checksums finished in software: for this output, or
			       * on receipt when no output could have (not TCP/UDP/IP) */
	uint32_t fdb_entries; /* dp_port_stats_get(): MACs learned on the port now */
	uint32_t fdb_max;     /* dp_port_stats_get(): the most it may hold */
};

/* The MAC and the port it came from of dp_port_stats.last_move (0: none;
 * with several workers, a recent one: the last of the highest-numbered
 * worker that saw one). */
static inline void
dp_move_mac(uint64_t last_move, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(last_move >> (8 * i));
}

static inline uint16_t
dp_move_from(uint64_t last_move)
{
	return (uint16_t)(last_move >> 48);
}

/* Datapath-wide FDB counters, summed over workers. */
struct dp_fdb_stats {
	uint64_t learned;      /* new (bridge, MAC) entries */
	uint64_t moved;	       /* a MAC seen on a different port than learned */
	uint64_t refreshed;    /* live entries whose last-seen time was rewritten */
	uint64_t learn_failed; /* table full */
	uint64_t aged;	       /* entries removed for age or a flush */
	uint32_t entries;      /* currently in the table, incl. flushed-but-not-yet-reclaimed */
	uint32_t capacity;
};

struct dp_params {
	unsigned int n_workers;			   /* 1..DP_MAX_WORKERS */
	unsigned int worker_lcore[DP_MAX_WORKERS]; /* EAL lcore ids; ignored if !launch */
	bool launch;	       /* run workers on their lcores; false: the caller drives
				* dp_worker_poll() itself (deterministic tests) */
	uint32_t fdb_size;     /* entries; 0 = default (1M) */
	uint32_t n_mbufs;      /* shared pool; 0 = default (8192 and the workers' caches) */
	uint32_t age_sec;      /* FDB aging time; 0 = default (300 s) */
	const char *name;      /* prefix of DPDK object names, unique per process */
	const char *state_dir; /* where ports record what they changed on kernel netdevs,
				* to give it back after a restart (NULL: in memory only) */
};

/* Create a datapath (mbuf pool, FDB, RCU) after rte_eal_init() and, if
 * params->launch, start its workers. On success *out owns everything. */
int dp_create(const struct dp_params *params, struct dp **out);

/* Stop the workers and close every port; the datapath answers nothing
 * after this but dp_destroy(). A kernel netdev a port took over is left as
 * it is (up, to be taken again at the next start), not given back. Accepts
 * NULL. */
void dp_stop(struct dp *dp);

/* dp_stop(), then free everything, the packet-buffer pools included: the
 * caller closes the ethdevs it gave ports (whose queues hold buffers from
 * those pools) between the two. Accepts NULL. */
void dp_destroy(struct dp *dp);

/* Add a bridge named @name (for logs and dumps) whose frames may carry at most
 * @mtu bytes of payload. Its id is stored in *bridge. */
int dp_bridge_add(struct dp *dp, const char *name, uint16_t mtu, uint16_t *bridge);

/* Remove a bridge. EBUSY while ports are on it. */
int dp_bridge_del(struct dp *dp, uint16_t bridge);

/* Remove a bridge and @port, the last port on it, in one change (a
 * network's host interface): either both go, or (an error) neither. EBUSY
 * if another port is on it. */
int dp_bridge_del_with_port(struct dp *dp, uint16_t bridge, uint16_t port);

/* Change the MTU a bridge enforces on frames entering it. */
int dp_bridge_set_mtu(struct dp *dp, uint16_t bridge, uint16_t mtu);

/* Reserved link-local multicast: frames to 01:80:C2:00:00:0X (STP, pause,
 * slow protocols, 802.1X, LLDP, ...) are dropped where they enter
 * (RESERVED_MULTICAST), as a Linux bridge and Open vSwitch do, unless bit
 * X of the bridge's mask is set (Linux's group_fwd_mask). Bits 0..2 (STP,
 * pause, slow protocols) may never be set: EINVAL. The mask starts 0. */
#define DP_GROUP_FWD_RESTRICTED 0x0007u
int dp_bridge_set_group_fwd_mask(struct dp *dp, uint16_t bridge, uint16_t mask);

/* MAC-table limits. A bridge may hold at most @max learned MACs (0: the
 * default, a quarter of the table, so that no bridge can fill it); a port
 * at most its own limit (0: the default, a quarter of its bridge's limit,
 * or the whole of it for a trunk and its VLAN ports, behind which the
 * outside world is). A frame whose source a limit keeps from being
 * learned is still forwarded, and counted (dp_port_stats.fdb_limit). A
 * lower limit takes effect for new MACs; learned ones stay until they age. */
int dp_bridge_set_fdb_max(struct dp *dp, uint16_t bridge, uint32_t max);
int dp_port_set_fdb_max(struct dp *dp, uint16_t port, uint32_t max);

/* Receive limit (QoS) of a port: the frames it receives, which on a VM's
 * port are what the VM transmits, enter the bridge at @rate bytes a second
 * (frames counted whole, Ethernet header included), after a burst of at
 * most @burst bytes. The excess waits: frames read from a vhost-user
 * guest's (or an ethdev's) queue only as they are let in, so that the
 * guest's queue holds it and nothing is dropped; frames from a kernel
 * netdev (af_packet, tap), read as they come, wait up to
 * max(32 KiB, 10 ms of the rate) and at most 256 frames (per worker that
 * reads the port), one frame always, and beyond that are dropped (QOS).
 * @rate 0 clears the limit (what waits goes at once). Live: a new rate
 * holds from the next burst. ENOENT, EINVAL (a bond or VLAN port, which
 * receive nothing of their own; a rate without a burst), ENOMEM. */
int dp_port_set_qos(struct dp *dp, uint16_t port, uint64_t rate, uint64_t burst);
/* The limit set, and the frames waiting for credit now. */
int dp_port_get_qos(const struct dp *dp, uint16_t port, uint64_t *rate, uint64_t *burst,
		    uint32_t *waiting);

/* Locking of a VM's port (xapi's VIF locking_mode; datapath/lock.c says
 * what passes). Unlocked: nothing checked. Locked: what the VM sends must
 * come from its MAC and its allowed addresses. Disabled: nothing passes
 * either way (the port is out of its bridge). */
enum dp_lock_mode {
	DP_LOCK_UNLOCKED,
	DP_LOCK_LOCKED,
	DP_LOCK_DISABLED
};
#define DP_LOCK_MAX_ADDRS 32 /* allowed addresses of each family */

struct dp_lock_params {
	enum dp_lock_mode mode;
	struct mac mac;		     /* the VIF's */
	unsigned int n_ipv4, n_ipv6; /* at most DP_LOCK_MAX_ADDRS each */
	const uint32_t *ipv4;	     /* network byte order */
	const uint8_t (*ipv6)[16];
};

/* Lock @port as @lp says (NULL: unlocked). Live: frames of the next burst
 * are checked against it; a port disabled or enabled again has its MACs
 * forgotten (it learns again). ENOENT, EINVAL (a port that is not a VM's,
 * too many addresses), ENOMEM. */
int dp_port_set_lock(struct dp *dp, uint16_t port, const struct dp_lock_params *lp);
/* The port's locking mode and how many addresses of each family it
 * allows. */
int dp_port_get_lock(const struct dp *dp, uint16_t port, enum dp_lock_mode *mode,
		     unsigned int *n_ipv4, unsigned int *n_ipv6);

/* Capture (capture.c): copies of what ports receive and send. At most
 * DP_CAPTURE_MAX sessions at once. */
#define DP_CAPTURE_MAX 8
#define DP_CAPTURE_IN 1u  /* as received */
#define DP_CAPTURE_OUT 2u /* as sent */

struct bpf_program;

struct dp_capture_params {
	const uint16_t *ports; /* the ports to capture on */
	unsigned int n_ports;
	unsigned int dir;		  /* DP_CAPTURE_IN | DP_CAPTURE_OUT */
	uint32_t snaplen;		  /* bytes of each frame kept, at least 1 */
	const struct bpf_program *filter; /* libpcap's classic BPF (pcap_compile()),
					   * for Ethernet frames; NULL: every frame */
};

/* One frame a session kept. */
struct dp_capture_frame {
	uint64_t tsc;	   /* when a worker saw it (dp_tsc_hz() a second) */
	uint16_t port;	   /* on which port */
	uint8_t dir;	   /* DP_CAPTURE_IN or _OUT */
	uint32_t orig_len; /* its length */
	uint32_t len;	   /* bytes of it in the buffer */
};

/* Start a session; its id (0..DP_CAPTURE_MAX-1) in *@id. The filter is
 * converted to DPDK's eBPF (rte_bpf_convert()), loaded and JIT-compiled
 * where the library can. EINVAL (no port, no direction, snaplen 0),
 * ENOTSUP (a filter DPDK's BPF cannot take), ENOENT (a port that is not),
 * ENOSPC (all sessions taken), ENOMEM. Frames the session cannot keep (its rings or
 * the captures' buffers full) are counted, never waited for. */
int dp_capture_start(struct dp *dp, const struct dp_capture_params *p, unsigned int *id);
/* Stop it: after this no worker copies for it; what it still held is
 * freed. */
int dp_capture_stop(struct dp *dp, unsigned int id);
/* The next frame session @id kept, oldest first (workers' frames merged by
 * time): 1 and its first @cap bytes in @buf, or 0 if none waits. */
int dp_capture_next(struct dp *dp, unsigned int id, struct dp_capture_frame *f, uint8_t *buf,
		    uint32_t cap);
/* Frames kept and frames the session could not keep, so far. */
void dp_capture_stats(const struct dp *dp, unsigned int id, uint64_t *kept, uint64_t *dropped);
uint64_t dp_tsc_hz(const struct dp *dp);
/* The TSC now (the clock of dp_capture_frame.tsc). Any thread. */
uint64_t dp_tsc_now(void);

/* Trace (trace.c): what the fast path would do with one frame arriving on
 * a port, step by step, decided by the fast path's own functions (the
 * decisions of decide.h, the lock's verdict, the limit's credit, the
 * bond's choice of member) on a copy of the frame, against the FDB and
 * configuration as they are. Nothing is learned, sent or counted. */

/* What learning a source changes in the FDB. */
enum dp_learn {
	DP_LEARN_FRESH,	  /* its entry is as it would be written: nothing */
	DP_LEARN_REFRESH, /* same port: last-seen rewritten in place */
	DP_LEARN_ZERO,	  /* 00:00:00:00:00:00 is no station: not learned */
	DP_LEARN_LIMIT,	  /* a MAC limit keeps it out (counted fdb_limit) */
	DP_LEARN_NEW,	  /* a new entry (or a dead one's slot taken again) */
	DP_LEARN_MOVE,	  /* a live entry rewritten: another port, or a flush since */
};

/* Where a frame goes, by its destination. */
enum dp_lookup {
	DP_LOOKUP_KNOWN,     /* learned on another port of the bridge */
	DP_LOOKUP_UNKNOWN,   /* not learned (or aged): flood */
	DP_LOOKUP_MULTICAST, /* multicast or broadcast: flood */
	DP_LOOKUP_RESERVED,  /* a reserved group the bridge keeps: drop */
	DP_LOOKUP_HAIRPIN,   /* learned on the port it came in on: drop */
	DP_LOOKUP_ELSEWHERE, /* learned on a port now on another bridge: flood */
};

enum dp_trace_kind {
	/* port's receive limit: a rate (bytes/s), b burst, c credit now
	 * (bytes), d frames its workers hold; e 0 passes, 1 waits, 2 waits
	 * or, a kernel port's with its worker's queue near its bound, may be
	 * dropped (qos_drop: the worker's queue changes under the trace). */
	DP_TRACE_QOS,
	/* port, a bond's member; port2 the bond; e 1 a LACP bond, 2 a slow
	 * protocol frame handed to the control plane (the trace ends). */
	DP_TRACE_MEMBER,
	/* port, a trunk; vid (0: untagged or priority); port2 the port it is
	 * for (DP_PORT_NONE: none); e 1 if a tag comes off. */
	DP_TRACE_VLAN,
	/* port, an access port (a VIF); e 1 if a priority tag came off. */
	DP_TRACE_ACCESS,
	/* port, a locked or disabled VIF; e its enum dp_lock_mode. */
	DP_TRACE_LOCK,
	/* port entering bridge port2; a the frame's length, b the longest
	 * the bridge takes. */
	DP_TRACE_CHECKS,
	/* e enum dp_learn: the source learned on port; port2 where it was
	 * (DP_PORT_NONE: nowhere live); a the MAC (6 bytes, first in the
	 * low byte). */
	DP_TRACE_LEARN,
	/* e enum dp_lookup for destination MAC a; port2 the port it is
	 * learned on (DP_PORT_NONE: none), b seconds since it was seen. */
	DP_TRACE_LOOKUP,
	/* port sends it: through port2 tagged vid (a VLAN port's trunk;
	 * else DP_PORT_NONE), out of bond member port3 (else DP_PORT_NONE);
	 * e 1 if the link is down (the device may still take it: a verdict
	 * only where the fast path drops for it, a bond without an enabled
	 * member or a vhost-user port without its guest). */
	DP_TRACE_OUTPUT,
};

struct dp_trace_step {
	uint8_t kind;	 /* enum dp_trace_kind */
	uint8_t e;	 /* by kind */
	int16_t verdict; /* -1: on; else the enum dp_drop it is counted as */
	uint16_t port, port2, port3, vid;
	uint64_t a, b, c, d;
};

struct dp_trace {
	unsigned int n_steps;
	struct dp_trace_step *steps; /* dp_trace_free() */
	int drop;		     /* why the frame went nowhere (enum dp_drop), or -1 */
	uint16_t drop_port;	     /* the port that counts it */
	bool punt;		     /* handed to the control plane (a LACPDU) */
	unsigned int n_out;	     /* ports it leaves by (outputs without a verdict) */
};

/* Trace @len bytes at @frame arriving on @port (its first segment: at most
 * dp_trace_max_len() bytes). 0, ENOENT (no port, or one on no bridge),
 * EMSGSIZE (too long), ENOMEM. */
int dp_trace(struct dp *dp, uint16_t port, const void *frame, uint32_t len, struct dp_trace *t);
uint32_t dp_trace_max_len(void);
void dp_trace_free(struct dp_trace *t);

/* The default of dp_bridge_set_fdb_max(): a quarter of the table. */
uint32_t dp_fdb_bridge_default_max(const struct dp *dp);

/* MACs learned on @bridge now, and the most it may hold. */
int dp_bridge_fdb_usage(const struct dp *dp, uint16_t bridge, uint32_t *entries, uint32_t *max);

/* How a port reaches its frames. One implementation file per kind. */
enum dp_port_kind {
	DP_PORT_AF_PACKET,  /* a kernel netdev taken over through AF_PACKET */
	DP_PORT_TAP,	    /* a kernel tap created by the datapath (a bridge's host interface) */
	DP_PORT_ETHDEV,	    /* an ethdev the caller created (ring, pcap, PCI) */
	DP_PORT_VLAN,	    /* a VLAN of a trunk port: its frames tagged `vid` (see below) */
	DP_PORT_VHOST_USER, /* a VM's virtio-net through a vhost-user socket */
	DP_PORT_BOND,	    /* one uplink over member ports (see "Bonds" below) */
};

/* Bonds. A bond port (DP_PORT_BOND) is one logical uplink over up to
 * DP_BOND_MAX_MEMBERS member ports: af_packet or ethdev ports added with
 * params->bond_member, which join no bridge. What a member receives and
 * the bond takes enters the bond's bridge as the bond's; what the bond
 * sends leaves by one member: the active one (active-backup), or the one
 * its SLB bucket (source MAC and VLAN hashed) is on, the active one if
 * that member is not enabled (balance-slb). A member that is not enabled
 * sends and takes nothing; in active-backup a member takes frames only
 * while it is the active one, in balance-slb any enabled one takes
 * unicast, and multicast and broadcast only the active one, and not from
 * a MAC learned on one of the bridge's other ports (our own frame, flooded
 * back: bond_loop), unless it is a gratuitous ARP from a MAC not seen
 * locally for DP_BOND_LOCK_SEC (a VM that moved to another host). The
 * datapath does what the caller decides: which members are enabled,
 * which is active, where each bucket goes; carrier, delays, rebalancing
 * and announcements are the caller's (bond/). */
#define DP_BOND_MAX_MEMBERS 4
#define DP_BOND_LOCK_SEC 5
#define DP_BOND_BUCKETS 256

enum dp_bond_mode {
	DP_BOND_ACTIVE_BACKUP,
	DP_BOND_BALANCE_SLB,
	DP_BOND_BALANCE_TCP, /* buckets by IP addresses and TCP/UDP ports (LACP) */
};

struct dp_port_params {
	enum dp_port_kind kind;
	const char *name;	     /* netdev / tap interface name; also the port's name */
	uint16_t bridge;	     /* the bridge it joins */
	uint16_t mtu;		     /* largest payload it must carry (sizes AF_PACKET rings) */
	struct mac mac;		     /* tap: MAC of the kernel interface (zero: random) */
	uint16_t ethdev;	     /* ethdev kind: the ethdev port id, owned by the caller */
	bool trunk;		     /* af_packet/ethdev: classify tagged frames by VLAN (a PIF) */
	uint16_t parent;	     /* vlan kind: the trunk port the VLAN lives on */
	uint16_t vid;		     /* vlan kind: 1..4094 */
	const char *vhost_path;	     /* vhost-user kind: the socket (absolute path) */
	bool vhost_server;	     /* vhost-user kind: create the socket (else connect to it) */
	bool access;		     /* a VM's port: tagged frames it sends are dropped */
	uint16_t netdev_mtu;	     /* af_packet: the netdev's MTU while open (0: as it is) */
	uint32_t fdb_max;	     /* most MACs learned on it; 0: the default (below) */
	bool adopt;		     /* tap: take over an existing tap of that name */
	enum dp_bond_mode bond_mode; /* bond kind */
	bool bond_member; /* af_packet, ethdev: a member of bond port @bond (no bridge) */
	uint16_t bond;
	uint64_t qos_rate;  /* receive limit, bytes a second (dp_port_set_qos()); 0: none */
	uint64_t qos_burst; /* its burst, bytes */
	const struct dp_lock_params *lock; /* access ports: locked from the start; NULL: not */
};

/* Open a port and attach it to a bridge; its id is stored in *port. The
 * port's FDB entries and counters start empty.
 *
 * VLANs: a trunk port (params->trunk, a PIF's port) sorts the frames it
 * receives by 802.1Q tag. Untagged and priority-tagged (VID 0) frames enter
 * the trunk's own bridge; a frame tagged T enters the bridge of the trunk's
 * VLAN port T with the tag removed; other tags are dropped (UNKNOWN_VLAN).
 * A VLAN port (DP_PORT_VLAN) has no queues of its own: what a bridge sends
 * through it leaves the parent trunk with tag T pushed (priority 0). Only
 * TPID 0x8100 is a VLAN tag; a frame with another outer TPID (0x88a8) is
 * untagged to the trunk. EINVAL for a bad VID or a parent that is not a
 * trunk, EEXIST if the parent has that VLAN already. */
int dp_port_add(struct dp *dp, const struct dp_port_params *params, uint16_t *port);

/* Bonds (see above). A member is added not enabled. ENOENT: no such port;
 * EINVAL: not a bond, or not a member of it. */
int dp_bond_set_mode(struct dp *dp, uint16_t bond, enum dp_bond_mode mode);
int dp_bond_get_mode(const struct dp *dp, uint16_t bond, enum dp_bond_mode *mode);
int dp_bond_member_enable(struct dp *dp, uint16_t member, bool enabled);
/* @member: the active member (DP_PORT_NONE: none). */
int dp_bond_set_active(struct dp *dp, uint16_t bond, uint16_t member);
/* SLB: put bucket @bucket on @member. */
int dp_bond_bucket_set(struct dp *dp, uint16_t bond, unsigned int bucket, uint16_t member);
/* SLB: each bucket's member (port id) and the bytes sent through it since
 * the bond was made. */
int dp_bond_buckets_get(const struct dp *dp, uint16_t bond, uint16_t member[DP_BOND_BUCKETS],
			uint64_t tx_bytes[DP_BOND_BUCKETS]);
/* The members of @bond (port ids, DP_PORT_NONE for an empty slot), the
 * enabled ones (a bit per slot) and the active one's slot (-1: none). */
int dp_bond_state(const struct dp *dp, uint16_t bond, uint16_t member[DP_BOND_MAX_MEMBERS],
		  unsigned int *enabled, int *active);
/* The SLB bucket of source MAC @src on VLAN @vid (0: untagged). */
unsigned int dp_bond_bucket_of(const struct mac *src, uint16_t vid);

/* LACP. With @lacp, slow-protocol frames (ethertype 0x8809) a member
 * receives go to the control plane (dp_punt_recv()) and nowhere else, and
 * a member takes frames only while enabled; with @negotiated too, every
 * enabled member takes every frame (the partner is one switch that knows
 * the bond: no loop, no backup), else only the active one does. */
int dp_bond_set_lacp(struct dp *dp, uint16_t bond, bool lacp, bool negotiated);
/* LACP negotiated: @member takes frames while collecting too, before it is
 * enabled (its updelay) - its partner sends to it once LACP says so. */
int dp_bond_member_collect(struct dp *dp, uint16_t member, bool collecting);

/* Frames for the control plane (LACPDUs): a descriptor readable while
 * some wait, and one of them: its member port and its first @cap bytes
 * into @buf (*len: how many). EAGAIN if none waits. Control thread. At
 * most DP_PUNT_RING wait; later ones are dropped (bond_standby). */
#define DP_PUNT_RING 1024
int dp_punt_fd(const struct dp *dp);
int dp_punt_recv(struct dp *dp, uint16_t *port, uint8_t *buf, uint16_t cap, uint16_t *len);

/* Send the @len-byte Ethernet frame @frame out of @port as it is, past
 * every bridge and FDB: a bond's learning frames, a LACPDU on a member.
 * Worker 0 takes it at its next pass (it is woken); counted in the port's
 * tx counters. Any thread. ENOENT: no such port; EINVAL: a bad length;
 * ENOBUFS: no buffer, or DP_INJECT_RING frames wait already. */
#define DP_INJECT_RING 4096
int dp_port_send(struct dp *dp, uint16_t port, const void *frame, uint16_t len);

/* Make many changes at once (start-up): between dp_batch_begin() and
 * dp_batch_end(), bridges and ports added and settings changed reach the
 * workers together, at dp_batch_end(), after one grace period rather than
 * one each. Removals still take effect at once (they wait for the
 * workers). dp_batch_end() returns 0 or an errno from publishing. */
void dp_batch_begin(struct dp *dp);
int dp_batch_end(struct dp *dp);

/* Set the MTU of the kernel netdev an af_packet port took over (a VIF's
 * backend); it is put back when the port is removed (dp_port_del(), not
 * dp_stop()). ENOTSUP for other kinds. */
int dp_port_set_netdev_mtu(struct dp *dp, uint16_t port, uint16_t mtu);

/* Detach and close a port; its FDB entries are flushed. Traffic on other
 * ports is not interrupted. EBUSY for a trunk that still has VLAN ports. */
int dp_port_del(struct dp *dp, uint16_t port);

/* Move a port to another bridge (its FDB entries are flushed). */
int dp_port_set_bridge(struct dp *dp, uint16_t port, uint16_t bridge);

/* Name given at dp_port_add(), or NULL for an unused id. */
const char *dp_port_name(const struct dp *dp, uint16_t port);

/* Make a tap port persistent: the kernel keeps its interface when the
 * process dies (for a successor to adopt, params->adopt); closing the port
 * still removes it. Call it once the caller has marked the interface as
 * its own. EINVAL for another kind. */
int dp_port_tap_persist(struct dp *dp, uint16_t port);

/* What a port is, for checks against the caller's records. */
struct dp_port_info {
	enum dp_port_kind kind;
	const char *name;
	uint16_t bridge;
	bool trunk;
	bool access;
	uint16_t parent; /* vlan kind: the trunk's port id */
	uint16_t vid;	 /* vlan kind */
	uint16_t bond;	 /* a bond's member: the bond's port id; else DP_PORT_NONE */
};

/* Fill @info for @port. ENOENT if there is no such port. */
int dp_port_info(const struct dp *dp, uint16_t port, struct dp_port_info *info);

/* The name and MTU of @bridge. ENOENT if there is no such bridge. */
int dp_bridge_info(const struct dp *dp, uint16_t bridge, const char **name, uint16_t *mtu);

/* Compare what the workers use (the published snapshot) with the master
 * state: call @cb once per difference, with a sentence; returns how many.
 * Outside a batch there is none. */
unsigned int dp_check(const struct dp *dp, void (*cb)(const char *what, void *arg), void *arg);

/* Bridge a port is on, or DP_BRIDGE_NONE. */
uint16_t dp_port_bridge(const struct dp *dp, uint16_t port);

/* Whether a port has its peer: false for a vhost-user port whose guest is
 * not connected; true for every other kind. */
bool dp_port_link_up(const struct dp *dp, uint16_t port);

/* The offloads a port's device finishes by itself, as "csum,tso4,tso6,uso"
 * (a subset) or "none": frames that ask for others are finished in
 * software before it. "" for an unused id. */
void dp_port_offloads(const struct dp *dp, uint16_t port, char *buf, size_t size);

/* Sum a port's counters over workers. ENOENT for an unused id. */
int dp_port_stats_get(const struct dp *dp, uint16_t port, struct dp_port_stats *st);

void dp_fdb_stats_get(const struct dp *dp, struct dp_fdb_stats *st);

/* Forget every MAC learned on @bridge, or, if @port is not DP_PORT_NONE,
 * only those learned on @port. O(1). */
int dp_fdb_flush(struct dp *dp, uint16_t bridge, uint16_t port);

/* One live FDB entry, as shown by fdb-show. */
struct dp_fdb_entry {
	struct mac mac;
	uint16_t port;
	uint32_t age_sec; /* seconds since last seen */
};

/* Call @cb for every live entry of @bridge (in no particular order). Stops
 * and returns the callback's value if it returns non-zero. */
int dp_fdb_dump(struct dp *dp, uint16_t bridge, int (*cb)(const struct dp_fdb_entry *e, void *arg),
		void *arg);

/* Run one poll iteration of worker @worker on the calling thread and return
 * the number of frames received. Only for a datapath created with
 * !params->launch (tests); never concurrently for the same worker. */
unsigned int dp_worker_poll(struct dp *dp, unsigned int worker);

/* DPDK's environment (eal.c). */

struct dp_eal_params {
	const char *program;		 /* argv[0] */
	const char *file_prefix;	 /* unique per instance on the machine */
	const char *lcores;		 /* EAL --lcores; NULL: a control and a worker
					  * lcore, both on any CPU this process may use */
	bool no_huge;			 /* also taken when no hugepage is free */
	unsigned int memory_mb;		 /* 0: the EAL's default (with hugepages) */
	unsigned int no_huge_default_mb; /* memory without hugepages, if not given */
	int n_extra;			 /* further EAL arguments, as given */
	char **extra;
};

/* Start DPDK's EAL: no shared runtime files (a successor started while a
 * killed switchd is torn down must not find them locked), the host's PCI
 * NICs left alone unless named in @extra, DPDK's log lines through
 * lib/log. Returns 0 or -1 (the EAL has logged why). Once per process. */
int dp_eal_start(const struct dp_eal_params *params);

/* The EAL's worker lcores (all but the control one), at most @max, into
 * @lcores; returns how many there are. */
unsigned int dp_eal_worker_lcores(unsigned int *lcores, unsigned int max);

/* NICs on DPDK drivers (device.c). */

/* Is @s a PCI address (DDDD:BB:DD.F or BB:DD.F, as lspci and DPDK write
 * them)? */
bool dp_pci_address_valid(const char *s);

/* A NIC on a DPDK driver, as dp_device_open() found it. */
struct dp_device {
	uint16_t ethdev; /* for a port of the ethdev kind */
	struct mac mac;
	uint16_t mtu;
	bool probed; /* by this call: the caller undoes it with dp_device_close() */
};

/* Probe the device @devargs names (DPDK device arguments: a PCI address,
 * or a virtual device as net_vhost0,iface=PATH), or take it if it is
 * probed already, and read its MAC and MTU. Returns 0, or an errno with a
 * sentence in @msg. */
int dp_device_open(const char *devargs, struct dp_device *dev, char *msg, size_t msglen);

/* Remove a device dp_device_open() opened (only close its ethdev if the
 * device has other ports). No port may use it any more. */
void dp_device_close(uint16_t ethdev);

/* Carrier of a DPDK NIC (a vhost device: the guest is connected). */
bool dp_device_link_up(uint16_t ethdev);

/* rte_eal_cleanup(), then remove the EAL's runtime directory (its config,
 * memory maps and mp_socket), which DPDK leaves behind. For the end of a
 * process whose datapaths are destroyed. */
void dp_eal_cleanup(void);

/* The datapath's mbuf pool (tests use it to build frames). */
struct rte_mempool *dp_mempool(const struct dp *dp);

#endif
