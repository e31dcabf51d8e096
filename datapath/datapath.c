/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * datapath.c - control side of the datapath: creation, bridges, ports,
 * publication of snapshots, counters and FDB dumps. See datapath.h for the
 * publication rule this file implements.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "../lib/fault.h"
#include "dp-private.h"

#define DP_DEFAULT_FDB_SIZE (1u << 20)
#define DP_DEFAULT_MBUFS 8192
#define DP_DEFAULT_AGE_SEC 300
static const char *const drop_names[] = {
#define DP_DROP_NAME(e, name, desc) [DP_DROP_##e] = name,
	DP_DROP_REASONS(DP_DROP_NAME)
#undef DP_DROP_NAME
};

static const char *const drop_descs[] = {
#define DP_DROP_DESC(e, name, desc) [DP_DROP_##e] = desc,
	DP_DROP_REASONS(DP_DROP_DESC)
#undef DP_DROP_DESC
};

const char *
dp_drop_name(enum dp_drop reason)
{
	return (unsigned int)reason < DP_DROP__MAX ? drop_names[reason] : NULL;
}

const char *
dp_drop_description(enum dp_drop reason)
{
	return (unsigned int)reason < DP_DROP__MAX ? drop_descs[reason] : NULL;
}

void
dp_cfg_free(struct dp_cfg *cfg)
{
	unsigned int p;

	if (cfg == NULL)
		return;
	for (p = 0; p < cfg->port_end; p++)
		free(cfg->vlan_map[p]);
	free(cfg);
}

/* Fill the trunks' VID maps of @cfg. */
static int
build_vlan_maps(const struct dp *dp, struct dp_cfg *cfg)
{
	unsigned int p, v;

	for (p = 0; p < dp->port_end; p++) {
		uint16_t **map;

		if (dp->ports[p] == NULL || dp->port_vid[p] == 0)
			continue;
		map = &cfg->vlan_map[dp->port_parent[p]];
		if (*map == NULL) {
			*map = malloc(DP_VLAN_IDS * sizeof(uint16_t));
			if (*map == NULL)
				return ENOMEM;
			for (v = 0; v < DP_VLAN_IDS; v++)
				(*map)[v] = DP_PORT_NONE;
		}
		(*map)[dp->port_vid[p]] = (uint16_t)p;
	}
	return 0;
}

uint32_t
dp_fdb_bridge_default_max(const struct dp *dp)
{
	return RTE_MAX(dp->fdb.capacity / 4, 1u);
}

/* The MAC limit in force for bridge @b, from what was set (see
 * dp_bridge_set_fdb_max()): written where workers read it. */
static void
fdb_bridge_limit_apply(struct dp *dp, unsigned int b)
{
	uint32_t max =
		dp->bridges[b].fdb_max ? dp->bridges[b].fdb_max : dp_fdb_bridge_default_max(dp);

	__atomic_store_n(&dp->fdb.bridge_max[b], max, __ATOMIC_RELAXED);
}

/* The same for port @p, whose bridge's limit is in force already. */
static void
fdb_port_limit_apply(struct dp *dp, unsigned int p)
{
	const struct dp_port *port = dp->ports[p];
	uint32_t max;

	if (dp->port_bridge[p] == DP_BRIDGE_NONE) { /* a bond member learns nothing */
		__atomic_store_n(&dp->fdb.port_max[p], 0, __ATOMIC_RELAXED);
		return;
	}
	max = dp->fdb.bridge_max[dp->port_bridge[p]];
	if (port->fdb_frozen)
		max = 0; /* dp_port_set_bridge() */
	else if (port->fdb_max != 0)
		max = port->fdb_max;
	else if (!port->trunk && port->kind != DP_PORT_VLAN)
		max = RTE_MAX(max / 4, 1u);
	__atomic_store_n(&dp->fdb.port_max[p], max, __ATOMIC_RELAXED);
}

/* Every bridge's and port's (a bridge's limit changed, or a batch ends). */
static void
fdb_limits_apply(struct dp *dp)
{
	unsigned int b, p;

	for (b = 0; b < dp->bridge_end; b++)
		fdb_bridge_limit_apply(dp, b);
	for (p = 0; p < dp->port_end; p++)
		if (dp->ports[p] != NULL)
			fdb_port_limit_apply(dp, p);
}

/* Put @mp among the pools to free once their buffers are all back. A pool
 * whose buffers are not back is never freed: when there is no room to
 * remember it, it stays until the process ends. */
static void
pool_retire(struct dp *dp, struct rte_mempool *mp)
{
	if (rte_mempool_full(mp))
		rte_mempool_free(mp);
	else if (dp->n_dead_pools < RTE_DIM(dp->dead_pools))
		dp->dead_pools[dp->n_dead_pools++] = mp;
}

struct rte_mempool *
dp_eth_pool(struct dp *dp, uint16_t ethdev, unsigned int n)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	dp_pools_sweep(dp);
	if (ethdev >= RTE_DIM(dp->eth_pool))
		return NULL;
	if (dp->eth_pool[ethdev] != NULL && dp->eth_pool[ethdev]->size >= n)
		return dp->eth_pool[ethdev];
	snprintf(name, sizeof(name), "%s_p%u", dp->name, dp->pool_seq++);
	mp = rte_pktmbuf_pool_create(name, n, DP_MBUF_CACHE, 0, DP_MBUF_DATA_ROOM,
				     (int)rte_socket_id());
	if (mp == NULL)
		return NULL;
	if (dp->eth_pool[ethdev] != NULL)
		pool_retire(dp, dp->eth_pool[ethdev]);
	dp->eth_pool[ethdev] = mp;
	return mp;
}

void
dp_pools_sweep(struct dp *dp)
{
	unsigned int i = 0;

	while (i < dp->n_dead_pools) {
		if (!rte_mempool_full(dp->dead_pools[i])) {
			i++;
			continue;
		}
		rte_mempool_free(dp->dead_pools[i]);
		dp->dead_pools[i] = dp->dead_pools[--dp->n_dead_pools];
	}
	for (i = 0; i < RTE_DIM(dp->eth_pool); i++) {
		if (dp->eth_pool[i] == NULL || rte_eth_dev_is_valid_port((uint16_t)i) ||
		    !rte_mempool_full(dp->eth_pool[i]))
			continue;
		rte_mempool_free(dp->eth_pool[i]); /* its device is gone */
		dp->eth_pool[i] = NULL;
	}
}

/* At the end (dp_destroy(): the devices that held buffers are closed). */
static void
pools_free(struct dp *dp)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(dp->eth_pool); i++)
		rte_mempool_free(dp->eth_pool[i]);
	while (dp->n_dead_pools > 0)
		rte_mempool_free(dp->dead_pools[--dp->n_dead_pools]);
	rte_mempool_free(dp->gso_mp);
	rte_mempool_free(dp->mp);
}

/* Free the frames that wait in @r, and the ring. */
static void
ring_drain_free(struct rte_ring *r)
{
	void *m;

	if (r == NULL)
		return;
	while (rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

/* The rings between the control thread and the workers. */
static void
inject_free(struct dp *dp)
{
	ring_drain_free(dp->inject);
	ring_drain_free(dp->punt);
	dp->inject = dp->punt = NULL;
	if (dp->punt_fd >= 0)
		close(dp->punt_fd);
	dp->punt_fd = -1;
}

static void ready_arm(struct dp *dp);

/* Build a snapshot from the master state, make it current, wait for a grace
 * period and free the previous one. */
static int
dp_publish_now(struct dp *dp)
{
	size_t n_members = 0, n_rxqs = 0, off = 0, members_sz;
	struct dp_cfg *cfg, *old;
	unsigned int p, b, w;

	for (p = 0; p < dp->port_end; p++) {
		if (dp->ports[p] != NULL) {
			n_members++;
			n_rxqs += dp->port_rxq[p];
		}
	}
	/* Each port appears once in a flood list and once per rx queue in the
	 * rx lists. */
	members_sz = RTE_ALIGN_CEIL(n_members * sizeof(uint16_t), sizeof(struct dp_rxq));
	cfg = fault_hit(FAULT_DP_PUBLISH)
		      ? NULL
		      : calloc(1, sizeof(*cfg) + members_sz + n_rxqs * sizeof(struct dp_rxq));
	if (cfg == NULL)
		return ENOMEM;
	cfg->gen = ++dp->cfg_gen;
	cfg->port_end = dp->port_end;
	cfg->rxqs = (struct dp_rxq *)((char *)cfg->members + members_sz);
	if (build_vlan_maps(dp, cfg) != 0) {
		dp_cfg_free(cfg);
		return ENOMEM;
	}

	for (b = 0; b < dp->bridge_end; b++) {
		if (!dp->bridges[b].used)
			continue;
		cfg->bridge[b].max_len = (uint16_t)(dp->bridges[b].mtu + RTE_ETHER_HDR_LEN);
		cfg->bridge[b].group_fwd_mask = dp->bridges[b].group_fwd_mask;
	}
	for (p = 0; p < dp->port_end; p++) {
		cfg->port_bridge[p] = DP_BRIDGE_NONE;
		if (dp->ports[p] == NULL)
			continue;
		cfg->port[p] = dp->ports[p];
		cfg->port_bridge[p] = dp->port_bridge[p];
		/* Bond members are on none; a disabled port floods nowhere
		 * and is flooded to by none. */
		if (dp->port_bridge[p] != DP_BRIDGE_NONE && !dp->port_off[p])
			cfg->bridge[dp->port_bridge[p]].n_ports++;
	}
	for (b = 0; b < dp->bridge_end; b++) {
		cfg->bridge[b].ports = &cfg->members[off];
		off += cfg->bridge[b].n_ports;
		cfg->bridge[b].n_ports = 0;
	}
	for (p = 0; p < dp->port_end; p++) {
		struct dp_cfg_bridge *br;

		if (dp->ports[p] == NULL || dp->port_bridge[p] == DP_BRIDGE_NONE || dp->port_off[p])
			continue;
		br = &cfg->bridge[dp->port_bridge[p]];
		br->ports[br->n_ports++] = (uint16_t)p;
	}
	/* Worker w polls queue w of ports with a queue per worker; ports with
	 * a single rx queue are spread over the workers by port id. */
	off = 0;
	for (w = 0; w < dp->n_workers; w++) {
		cfg->rx[w].q = &cfg->rxqs[off];
		for (p = 0; p < dp->port_end; p++) {
			uint16_t queue;
			struct dp_rxq *q;

			/* Kernel ports' queues: by readiness (ready_add()).
			 * As dp_port_rx_worker(). */
			if (dp->ports[p] == NULL || dp->port_rxq[p] == 0)
				continue;
			queue = dp->port_rxq[p] == 1 ? 0 : (uint16_t)w;
			if ((dp->port_rxq[p] == 1 ? p % dp->n_workers : queue) != w)
				continue;
			q = &cfg->rx[w].q[cfg->rx[w].n++];
			q->port = (uint16_t)p;
			q->queue = queue;
		}
		off += cfg->rx[w].n;
	}

	dp_pools_sweep(dp);
	old = dp->cfg;
	__atomic_store_n(&dp->cfg, cfg, __ATOMIC_RELEASE);
	ready_arm(dp);
	/* A blocked worker must see new ports' descriptors, and is offline:
	 * the grace period does not wait for it. */
	dp_workers_wake(dp);
	rte_rcu_qsbr_synchronize(dp->qsv, RTE_QSBR_THRID_INVALID);
	dp_cfg_free(old);
	return 0;
}

/* Publish a change, or, in a batch, note that there is one to publish. */
static int
dp_publish(struct dp *dp)
{
	if (dp->batch) {
		dp->batch_dirty = true;
		return 0;
	}
	return dp_publish_now(dp);
}

void
dp_batch_begin(struct dp *dp)
{
	dp->batch = true;
}

int
dp_batch_end(struct dp *dp)
{
	int err;

	dp->batch = false;
	if (!dp->batch_dirty)
		return 0;
	fdb_limits_apply(dp); /* the batch's limits, as set */
	err = dp_publish_now(dp);
	if (err == 0)
		dp->batch_dirty = false; /* else the next change publishes it all */
	return err;
}

int
dp_create(const struct dp_params *params, struct dp **out)
{
	unsigned int n_workers = params->n_workers, w;
	/* The shared pool: what the kinds that allocate per burst hold at
	 * once, and every worker's cache of it. */
	uint32_t n_mbufs = params->n_mbufs ? params->n_mbufs
					   : DP_DEFAULT_MBUFS + n_workers * DP_MBUF_CACHE * 3 / 2;
	char mpname[RTE_MEMPOOL_NAMESIZE];
	struct dp *dp;
	size_t qsz;
	int err;

	if (n_workers == 0 || n_workers > DP_MAX_WORKERS)
		return EINVAL;
	dp = rte_zmalloc("dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (dp == NULL)
		return ENOMEM;
	snprintf(dp->name, sizeof(dp->name), "%s", params->name ? params->name : "dp");
	snprintf(dp->state_dir, sizeof(dp->state_dir), "%s",
		 params->state_dir ? params->state_dir : "");
	dp->n_workers = n_workers;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->punt_fd = -1;

	/* RCU: one thread id per worker plus one for the control thread. */
	qsz = rte_rcu_qsbr_get_memsize(n_workers + 1);
	dp->qsv = rte_zmalloc("dp_qsv", qsz, RTE_CACHE_LINE_SIZE);
	if (dp->qsv == NULL || rte_rcu_qsbr_init(dp->qsv, n_workers + 1) != 0) {
		err = ENOMEM;
		goto fail;
	}
	for (w = 0; w <= n_workers; w++)
		rte_rcu_qsbr_thread_register(dp->qsv, w);

	snprintf(mpname, sizeof(mpname), "%s_mbufs", dp->name);
	dp->mp = rte_pktmbuf_pool_create(mpname, n_mbufs, DP_MBUF_CACHE, 0, DP_MBUF_DATA_ROOM,
					 (int)rte_socket_id());
	if (dp->mp == NULL) {
		err = rte_errno ? rte_errno : ENOMEM;
		goto fail;
	}
	snprintf(mpname, sizeof(mpname), "%s_gso", dp->name);
	dp->gso_mp = rte_pktmbuf_pool_create(mpname, n_workers * DP_GSO_PER_WORKER, DP_GSO_CACHE, 0,
					     DP_GSO_DATA_ROOM, (int)rte_socket_id());
	if (dp->gso_mp == NULL) {
		err = rte_errno ? rte_errno : ENOMEM;
		goto fail;
	}
	/* Many producers (any control thread), one consumer (worker 0). */
	snprintf(mpname, sizeof(mpname), "%s_inj%p", dp->name, (void *)dp);
	dp->inject = rte_ring_create(mpname, DP_INJECT_RING, (int)rte_socket_id(), RING_F_SC_DEQ);
	/* Many producers (the workers), one consumer (the control thread). */
	snprintf(mpname, sizeof(mpname), "%s_pnt%p", dp->name, (void *)dp);
	dp->punt = rte_ring_create(mpname, DP_PUNT_RING, (int)rte_socket_id(), RING_F_SC_DEQ);
	dp->punt_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dp->inject == NULL || dp->punt == NULL || dp->punt_fd < 0) {
		err = rte_errno ? rte_errno : ENOMEM;
		goto fail;
	}
	err = fdb_init(&dp->fdb, dp->name,
		       params->fdb_size ? params->fdb_size : DP_DEFAULT_FDB_SIZE,
		       (uint16_t)(params->age_sec ? params->age_sec : DP_DEFAULT_AGE_SEC));
	if (err)
		goto fail;

	for (w = 0; w < n_workers; w++) {
		dp->workers[w] =
			rte_zmalloc("dp_worker", sizeof(struct dp_worker), RTE_CACHE_LINE_SIZE);
		if (dp->workers[w] == NULL) {
			err = ENOMEM;
			goto fail;
		}
		dp->workers[w]->dp = dp;
		dp->workers[w]->id = w;
		dp->workers[w]->lcore = params->worker_lcore[w];
		err = dp_worker_init(dp->workers[w]);
		if (err)
			goto fail;
	}
	err = dp_publish(dp);
	if (err)
		goto fail;

	if (params->launch) {
		for (w = 0; w < n_workers; w++) {
			if (rte_eal_remote_launch(dp_worker_main, dp->workers[w],
						  dp->workers[w]->lcore) != 0) {
				err = EBUSY;
				dp->stop = true;
				dp_workers_wake(dp);
				while (w-- > 0)
					rte_eal_wait_lcore(dp->workers[w]->lcore);
				goto fail;
			}
		}
		dp->launched = true;
	}
	*out = dp;
	return 0;
fail:
	for (w = 0; w < n_workers; w++) {
		if (dp->workers[w] != NULL)
			dp_worker_fini(dp->workers[w]);
		rte_free(dp->workers[w]);
	}
	fdb_fini(&dp->fdb);
	inject_free(dp);
	rte_mempool_free(dp->gso_mp);
	rte_mempool_free(dp->mp);
	dp_cfg_free(dp->cfg);
	rte_free(dp->qsv);
	rte_free(dp);
	return err;
}

static void
port_free(struct dp_port *port)
{
	if (port == NULL)
		return;
	free(port->vid_port);
	dp_qos_free(port->qos);
	dp_lock_free(port->lock);
	rte_free(port->pw);
	rte_free(port);
}

/* A kernel port's rx queues in (or out of) their workers' readiness sets
 * (rx_fd in port.h), keyed by port id and queue. In before the port is
 * published, but not armed: a worker that saw a frame of a port not yet in
 * its snapshot would see it again every pass (the set is level-triggered)
 * and never block, at start-up for the whole batch. Armed once a snapshot
 * with the port is published (ready_arm()); out once no worker polls the
 * port any more. */
static int
ready_ctl(struct dp *dp, struct dp_port *port, uint16_t q, int op, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)port->id << 16 | q};

	return epoll_ctl(dp->workers[dp_port_rx_worker(port, q)]->ready_epfd, op,
			 port->cls->rx_fd(port, q), &ev);
}

static void
ready_del(struct dp *dp, struct dp_port *port, uint16_t n_queues)
{
	uint16_t q;

	for (q = 0; q < n_queues; q++) {
		(void)ready_ctl(dp, port, q, EPOLL_CTL_DEL, 0);
		__atomic_sub_fetch(&dp->workers[dp_port_rx_worker(port, q)]->n_ready, 1,
				   __ATOMIC_RELAXED);
	}
}

static int
ready_add(struct dp *dp, struct dp_port *port)
{
	uint16_t q;

	if (port->cls->rx_fd == NULL)
		return 0;
	for (q = 0; q < port->n_rxq; q++) {
		/* Not armed: no events but an error, reported once (an error is
		 * reported whatever the events asked for). */
		if (ready_ctl(dp, port, q, EPOLL_CTL_ADD, EPOLLET) != 0) {
			int err = errno;

			ready_del(dp, port, q);
			return err;
		}
		__atomic_add_fetch(&dp->workers[dp_port_rx_worker(port, q)]->n_ready, 1,
				   __ATOMIC_RELAXED);
	}
	port->unarmed_next = dp->unarmed;
	dp->unarmed = port;
	port->unarmed = true;
	return 0;
}

/* Arm the queues of the ports added since the last snapshot (ready_add()):
 * the one just published has them. (Changing a registration allocates
 * nothing: it does not fail for a descriptor in the set.) */
static void
ready_arm(struct dp *dp)
{
	struct dp_port *port;

	while ((port = dp->unarmed) != NULL) {
		dp->unarmed = port->unarmed_next;
		port->unarmed = false;
		for (uint16_t q = 0; q < port->n_rxq; q++)
			(void)ready_ctl(dp, port, q, EPOLL_CTL_MOD, EPOLLIN);
	}
}

static void
port_close(struct dp *dp, struct dp_port *port)
{
	if (port->cls->rx_fd != NULL) {
		if (port->unarmed) {
			struct dp_port **pp = &dp->unarmed;

			while (*pp != port)
				pp = &(*pp)->unarmed_next;
			*pp = port->unarmed_next;
		}
		ready_del(dp, port, port->n_rxq);
	}
	port->cls->close(port);
	port_free(port);
}

void
dp_stop(struct dp *dp)
{
	unsigned int w, p;

	if (dp == NULL || dp->stopped)
		return;
	dp->stop = true;
	dp_workers_wake(dp);
	if (dp->launched)
		for (w = 0; w < dp->n_workers; w++)
			rte_eal_wait_lcore(dp->workers[w]->lcore);
	for (p = 0; p < DP_MAX_PORTS; p++) {
		if (dp->ports[p] == NULL)
			continue;
		port_close(dp, dp->ports[p]);
		dp->ports[p] = NULL;
	}
	dp_afpacket_drain();
	dp->stopped = true;
}

void
dp_destroy(struct dp *dp)
{
	unsigned int w;

	if (dp == NULL)
		return;
	dp_stop(dp);
	for (w = 0; w < dp->n_workers; w++) {
		dp_worker_fini(dp->workers[w]);
		rte_free(dp->workers[w]);
	}
	inject_free(dp);
	dp_capture_fini(dp);
	pools_free(dp);
	fdb_fini(&dp->fdb);
	dp_cfg_free(dp->cfg);
	rte_free(dp->qsv);
	rte_free(dp);
}

int
dp_port_send(struct dp *dp, uint16_t port, const void *frame, uint16_t len)
{
	struct rte_mbuf *m;
	char *data;

	if (port >= DP_MAX_PORTS || dp->ports[port] == NULL)
		return ENOENT;
	if (len < RTE_ETHER_HDR_LEN || len > DP_MBUF_DATA_ROOM - RTE_PKTMBUF_HEADROOM)
		return EINVAL;
	m = rte_pktmbuf_alloc(dp->mp);
	if (m == NULL)
		return ENOBUFS;
	data = rte_pktmbuf_append(m, len);
	memcpy(data, frame, len);
	m->port = port;
	if (rte_ring_enqueue(dp->inject, m) != 0) {
		rte_pktmbuf_free(m);
		return ENOBUFS;
	}
	dp_worker_wake(dp, 0);
	return 0;
}

int
dp_punt_fd(const struct dp *dp)
{
	return dp->punt_fd;
}

int
dp_punt_recv(struct dp *dp, uint16_t *port, uint8_t *buf, uint16_t cap, uint16_t *len)
{
	struct rte_mbuf *m;
	const void *data;
	uint64_t n;
	void *obj;

	if (rte_ring_dequeue(dp->punt, &obj) != 0) {
		/* Empty: reset the descriptor, then look once more (a worker
		 * may have queued a frame between the two). */
		if (read(dp->punt_fd, &n, sizeof(n)) < 0)
			n = 0;
		if (rte_ring_dequeue(dp->punt, &obj) != 0)
			return EAGAIN;
	}
	m = obj;
	*port = m->port;
	*len = (uint16_t)RTE_MIN((uint32_t)cap, m->pkt_len);
	data = rte_pktmbuf_read(m, 0, *len, buf); /* copies into @buf if segmented */
	if (data != buf)
		memcpy(buf, data, *len);
	rte_pktmbuf_free(m);
	return 0;
}

/* A frame of @mtu bytes of payload fits one mbuf. */
static bool
mtu_valid(uint16_t mtu)
{
	return mtu >= RTE_ETHER_MIN_MTU &&
	       (uint32_t)mtu + RTE_ETHER_HDR_LEN <= DP_MBUF_DATA_ROOM - RTE_PKTMBUF_HEADROOM;
}

int
dp_bridge_add(struct dp *dp, const char *name, uint16_t mtu, uint16_t *bridge)
{
	unsigned int b;
	int err;

	if (!mtu_valid(mtu))
		return EINVAL;
	if (fault_hit(FAULT_DP_ADD))
		return ENOMEM;
	for (b = dp->bridge_hint; b < DP_MAX_BRIDGES; b++)
		if (!dp->bridges[b].used)
			break;
	if (b == DP_MAX_BRIDGES)
		return ENOSPC;
	dp->bridge_hint = (uint16_t)b;
	if (b >= dp->bridge_end)
		dp->bridge_end = b + 1;
	dp->bridges[b].used = true;
	dp->bridges[b].mtu = mtu;
	dp->bridges[b].group_fwd_mask = 0;
	dp->bridges[b].fdb_max = 0;
	snprintf(dp->bridges[b].name, sizeof(dp->bridges[b].name), "%s", name);
	fdb_bridge_limit_apply(dp, b);
	/* Entries left by an earlier bridge with this id become dead. */
	fdb_bridge_flush(&dp->fdb, (uint16_t)b);
	err = dp_publish(dp);
	if (err) {
		dp->bridges[b].used = false;
		return err;
	}
	*bridge = (uint16_t)b;
	return 0;
}

static bool
bridge_valid(const struct dp *dp, uint16_t bridge)
{
	return bridge < DP_MAX_BRIDGES && dp->bridges[bridge].used;
}

int
dp_bridge_del(struct dp *dp, uint16_t bridge)
{
	unsigned int p;
	int err;

	if (!bridge_valid(dp, bridge))
		return ENOENT;
	for (p = 0; p < dp->port_end; p++)
		if (dp->ports[p] != NULL && dp->port_bridge[p] == bridge)
			return EBUSY;
	dp->bridges[bridge].used = false;
	err = dp_publish_now(dp); /* even in a batch: the id may be reused */
	if (err) {
		dp->bridges[bridge].used = true;
		return err;
	}
	if (bridge < dp->bridge_hint)
		dp->bridge_hint = bridge;
	fdb_bridge_flush(&dp->fdb, bridge);
	return 0;
}

int
dp_bridge_set_mtu(struct dp *dp, uint16_t bridge, uint16_t mtu)
{
	uint16_t old;
	int err;

	if (!bridge_valid(dp, bridge))
		return ENOENT;
	if (!mtu_valid(mtu))
		return EINVAL;
	old = dp->bridges[bridge].mtu;
	dp->bridges[bridge].mtu = mtu;
	err = dp_publish(dp);
	if (err)
		dp->bridges[bridge].mtu = old;
	return err;
}

int
dp_bridge_set_group_fwd_mask(struct dp *dp, uint16_t bridge, uint16_t mask)
{
	uint16_t old;
	int err;

	if (!bridge_valid(dp, bridge))
		return ENOENT;
	if (mask & DP_GROUP_FWD_RESTRICTED)
		return EINVAL;
	old = dp->bridges[bridge].group_fwd_mask;
	dp->bridges[bridge].group_fwd_mask = mask;
	err = dp_publish(dp);
	if (err)
		dp->bridges[bridge].group_fwd_mask = old;
	return err;
}

int
dp_bridge_set_fdb_max(struct dp *dp, uint16_t bridge, uint32_t max)
{
	if (!bridge_valid(dp, bridge))
		return ENOENT;
	dp->bridges[bridge].fdb_max = max;
	if (dp->batch)
		dp->batch_dirty = true; /* dp_batch_end() publishes: that applies it */
	else
		fdb_limits_apply(dp);
	return 0;
}

int
dp_bridge_fdb_usage(const struct dp *dp, uint16_t bridge, uint32_t *entries, uint32_t *max)
{
	if (!bridge_valid(dp, bridge))
		return ENOENT;
	*entries = fdb_cnt_bridge(&dp->fdb, bridge);
	*max = __atomic_load_n(&dp->fdb.bridge_max[bridge], __ATOMIC_RELAXED);
	return 0;
}

static const struct dp_port_class *
port_class(enum dp_port_kind kind)
{
	switch (kind) {
	case DP_PORT_AF_PACKET:
		return &dp_port_class_afpacket;
	case DP_PORT_TAP:
		return &dp_port_class_tap;
	case DP_PORT_ETHDEV:
		return &dp_port_class_ethdev;
	case DP_PORT_VLAN:
		return &dp_port_class_vlan;
	case DP_PORT_BOND:
		return &dp_port_class_bond;
	case DP_PORT_VHOST_USER:
		return &dp_port_class_vhost;
	}
	return NULL;
}

static bool port_valid(const struct dp *dp, uint16_t port);

/* @parent's VLAN port for @vid (1..4094; master state), or NULL. */
static struct dp_port *
vlan_port_find(const struct dp *dp, const struct dp_port *parent, uint16_t vid)
{
	if (parent->vid_port == NULL || parent->vid_port[vid] == DP_PORT_NONE)
		return NULL;
	return dp->ports[parent->vid_port[vid]];
}

/* Record @port (a VLAN port) in its trunk's map, or take it out. */
static int
vlan_port_link(struct dp_port *port, bool in)
{
	struct dp_port *parent = port->parent;
	unsigned int v;

	if (parent->vid_port == NULL) {
		parent->vid_port = malloc(DP_VLAN_IDS * sizeof(uint16_t));
		if (parent->vid_port == NULL)
			return ENOMEM;
		for (v = 0; v < DP_VLAN_IDS; v++)
			parent->vid_port[v] = DP_PORT_NONE;
	}
	parent->vid_port[port->vid] = in ? port->id : DP_PORT_NONE;
	parent->n_vlans = (uint16_t)(parent->n_vlans + (in ? 1 : -1));
	return 0;
}

static int
vlan_params_check(const struct dp *dp, const struct dp_port_params *params)
{
	const struct dp_port *parent;

	if (params->vid < 1 || params->vid > RTE_ETHER_MAX_VLAN_ID - 1)
		return EINVAL;
	if (!port_valid(dp, params->parent))
		return EINVAL;
	parent = dp->ports[params->parent];
	if (!parent->trunk)
		return EINVAL;
	return vlan_port_find(dp, parent, params->vid) != NULL ? EEXIST : 0;
}

int
dp_port_add(struct dp *dp, const struct dp_port_params *params, uint16_t *port_id)
{
	const struct dp_port_class *cls = port_class(params->kind);
	struct dp_port *port;
	unsigned int p;
	int err;

	if (cls == NULL || params->name == NULL)
		return EINVAL;
	if (params->bond_member) {
		/* A member joins its bond, not a bridge. */
		if ((params->kind != DP_PORT_AF_PACKET && params->kind != DP_PORT_ETHDEV) ||
		    params->bond >= DP_MAX_PORTS || dp->ports[params->bond] == NULL ||
		    dp->ports[params->bond]->kind != DP_PORT_BOND)
			return EINVAL;
	} else if (!bridge_valid(dp, params->bridge)) {
		return EINVAL;
	}
	if (params->kind == DP_PORT_VLAN) {
		err = vlan_params_check(dp, params);
		if (err)
			return err;
	}
	if (fault_hit(FAULT_DP_ADD))
		return ENOMEM;
	/* Ids below the hint are taken. */
	for (p = dp->port_hint; p < DP_MAX_PORTS; p++)
		if (dp->ports[p] == NULL)
			break;
	if (p == DP_MAX_PORTS)
		return ENOSPC;
	dp->port_hint = (uint16_t)p;
	if (p >= dp->port_end)
		dp->port_end = p + 1;

	port = rte_zmalloc("dp_port", sizeof(*port), RTE_CACHE_LINE_SIZE);
	if (port == NULL)
		return ENOMEM;
	port->pw = rte_zmalloc("dp_port_worker", dp->n_workers * sizeof(*port->pw),
			       RTE_CACHE_LINE_SIZE);
	if (port->pw == NULL) {
		port_free(port);
		return ENOMEM;
	}
	port->id = (uint16_t)p;
	port->kind = params->kind;
	port->cls = cls;
	if (params->kind == DP_PORT_VLAN) {
		port->parent = dp->ports[params->parent];
		port->vid = params->vid;
	} else if (!params->bond_member) {
		port->trunk = params->trunk;
	}
	port->bond_port = params->bond_member ? params->bond : DP_PORT_NONE;
	port->bond_slot = DP_BOND_NO_SLOT; /* dp_bond_member_link() gives it one */
	port->access = params->access && !port->trunk && !params->bond_member;
	port->fdb_max = params->fdb_max;
	port->n_txq = (uint16_t)dp->n_workers;
	port->qsv = dp->qsv;
	port->dp = dp;
	snprintf(port->name, sizeof(port->name), "%s", params->name);
	err = cls->open(port, params, dp->mp);
	if (err) {
		port_free(port);
		return err;
	}
	if (params->qos_rate != 0 &&
	    (err = port->n_rxq == 0
			   ? EINVAL
			   : dp_qos_set(dp, port, params->qos_rate, params->qos_burst)) != 0) {
		cls->close(port);
		port_free(port);
		return err;
	}
	if (params->lock != NULL && params->lock->mode != DP_LOCK_UNLOCKED) {
		const struct dp_lock_params *lp = params->lock;

		if (!port->access || lp->n_ipv4 > DP_LOCK_MAX_ADDRS ||
		    lp->n_ipv6 > DP_LOCK_MAX_ADDRS)
			err = EINVAL;
		else if ((port->lock = dp_lock_new(lp)) == NULL)
			err = ENOMEM;
		if (err) {
			cls->close(port);
			port_free(port);
			return err;
		}
	}
	err = ready_add(dp, port);
	if (err) {
		cls->close(port);
		port_free(port);
		return err;
	}
	/* Entries left by an earlier port with this id become dead. A
	 * member learns nothing: what it receives is the bond's. */
	if (!params->bond_member)
		fdb_port_flush(&dp->fdb, (uint16_t)p, params->bridge);
	if (port->kind == DP_PORT_VLAN && vlan_port_link(port, true) != 0) {
		port_close(dp, port);
		return ENOMEM;
	}
	if (params->bond_member && (err = dp_bond_member_link(dp, port, true)) != 0) {
		port_close(dp, port);
		return err;
	}
	dp->ports[p] = port;
	dp->port_bridge[p] = params->bond_member ? DP_BRIDGE_NONE : params->bridge;
	dp->port_rxq[p] = cls->rx_fd != NULL ? 0 : port->n_rxq;
	dp->port_vid[p] = port->kind == DP_PORT_VLAN ? port->vid : 0;
	dp->port_off[p] = port->lock != NULL && port->lock->mode == DP_LOCK_DISABLED;
	dp->port_parent[p] = port->kind == DP_PORT_VLAN ? port->parent->id : 0;
	fdb_port_limit_apply(dp, p);
	err = dp_publish(dp);
	if (err) {
		dp->ports[p] = NULL;
		if (port->kind == DP_PORT_VLAN)
			vlan_port_link(port, false);
		if (port->bond_port != DP_PORT_NONE)
			dp_bond_member_link(dp, port, false);
		port_close(dp, port);
		return err;
	}
	*port_id = (uint16_t)p;
	return 0;
}

static bool
port_valid(const struct dp *dp, uint16_t port)
{
	return port < DP_MAX_PORTS && dp->ports[port] != NULL;
}

/* Does something still go through @port: VLAN ports (a trunk's) or members
 * (a bond's)? They go first. */
static bool
port_busy(const struct dp_port *port)
{
	if (port->n_vlans > 0)
		return true;
	if (port->kind == DP_PORT_BOND)
		for (unsigned int s = 0; s < DP_BOND_MAX_MEMBERS; s++)
			if (port->bond->member[s] != DP_PORT_NONE)
				return true;
	return false;
}

int
dp_port_del(struct dp *dp, uint16_t port_id)
{
	bool was_enabled = false, was_active = false;
	struct dp_port *port;
	int err;

	if (!port_valid(dp, port_id))
		return ENOENT;
	port = dp->ports[port_id];
	if (port_busy(port))
		return EBUSY;
	if (port->bond_port != DP_PORT_NONE) {
		struct dp_bond *b = dp->ports[port->bond_port]->bond;

		was_enabled = b->enabled & (1u << port->bond_slot);
		was_active = b->active == port->bond_slot;
		dp_bond_member_link(dp, port, false);
	}
	dp->ports[port_id] = NULL;
	if (port->kind == DP_PORT_VLAN)
		vlan_port_link(port, false);
	if (port_id < dp->port_hint)
		dp->port_hint = port_id;
	err = dp_publish_now(dp); /* even in a batch: the workers must let go */
	if (err) {
		dp->ports[port_id] = port;
		if (port->kind == DP_PORT_VLAN)
			vlan_port_link(port, true);
		if (port->bond_port != DP_PORT_NONE) {
			/* Back into the slot it left, where its buckets are; its
			 * offloads narrow the bond's again, and only after a grace
			 * period (no frame finished for the wider ones in flight)
			 * may it carry traffic. */
			dp_bond_member_link(dp, port, true);
			rte_rcu_qsbr_synchronize(dp->qsv, RTE_QSBR_THRID_INVALID);
			if (was_enabled)
				dp_bond_member_enable(dp, port_id, true);
			if (was_active)
				dp_bond_set_active(dp, port->bond_port, port_id);
		}
		return err;
	}
	/* After the grace period no worker polls the port or holds its frames. */
	if (port->bond_port == DP_PORT_NONE)
		fdb_port_flush(&dp->fdb, port_id, dp->port_bridge[port_id]);
	port_close(dp, port);
	return 0;
}

int
dp_bridge_del_with_port(struct dp *dp, uint16_t bridge, uint16_t port_id)
{
	struct dp_port *port;
	unsigned int p;
	int err;

	if (!bridge_valid(dp, bridge) || !port_valid(dp, port_id) ||
	    dp->port_bridge[port_id] != bridge)
		return ENOENT;
	port = dp->ports[port_id];
	if (port->kind == DP_PORT_VLAN || port_busy(port))
		return EBUSY;
	for (p = 0; p < dp->port_end; p++)
		if (p != port_id && dp->ports[p] != NULL && dp->port_bridge[p] == bridge)
			return EBUSY;
	dp->ports[port_id] = NULL;
	dp->bridges[bridge].used = false;
	err = dp_publish_now(dp);
	if (err) {
		dp->ports[port_id] = port;
		dp->bridges[bridge].used = true;
		return err;
	}
	if (port_id < dp->port_hint)
		dp->port_hint = port_id;
	if (bridge < dp->bridge_hint)
		dp->bridge_hint = bridge;
	fdb_port_flush(&dp->fdb, port_id, bridge);
	fdb_bridge_flush(&dp->fdb, bridge);
	port_close(dp, port);
	return 0;
}

int
dp_port_set_bridge(struct dp *dp, uint16_t port_id, uint16_t bridge)
{
	uint16_t old;
	int err;

	if (!port_valid(dp, port_id))
		return ENOENT;
	if (!bridge_valid(dp, bridge) || dp->ports[port_id]->bond_port != DP_PORT_NONE)
		return EINVAL;
	old = dp->port_bridge[port_id];
	if (old == bridge)
		return 0;
	/* The port learns nothing until every worker sees it on its new
	 * bridge: its count then holds only what it learns there, and its
	 * flush takes all it learned on the old one off that bridge's. */
	dp->ports[port_id]->fdb_frozen = true;
	fdb_port_limit_apply(dp, port_id);
	fdb_port_flush(&dp->fdb, port_id, old);
	dp->port_bridge[port_id] = bridge;
	err = dp_publish(dp);
	if (err)
		dp->port_bridge[port_id] = old;
	dp->ports[port_id]->fdb_frozen = false;
	fdb_port_limit_apply(dp, port_id);
	return err;
}

int
dp_port_set_netdev_mtu(struct dp *dp, uint16_t port, uint16_t mtu)
{
	if (!port_valid(dp, port))
		return ENOENT;
	if (dp->ports[port]->cls->set_netdev_mtu == NULL)
		return ENOTSUP;
	return dp->ports[port]->cls->set_netdev_mtu(dp->ports[port], mtu);
}

int
dp_port_set_fdb_max(struct dp *dp, uint16_t port, uint32_t max)
{
	if (!port_valid(dp, port))
		return ENOENT;
	dp->ports[port]->fdb_max = max;
	if (dp->batch)
		dp->batch_dirty = true;
	else
		fdb_port_limit_apply(dp, port);
	return 0;
}

int
dp_port_set_qos(struct dp *dp, uint16_t port, uint64_t rate, uint64_t burst)
{
	if (!port_valid(dp, port))
		return ENOENT;
	if (dp->ports[port]->n_rxq == 0)
		return EINVAL; /* fed through other ports */
	return dp_qos_set(dp, dp->ports[port], rate, burst);
}

int
dp_port_set_lock(struct dp *dp, uint16_t port_id, const struct dp_lock_params *lp)
{
	bool off = lp != NULL && lp->mode == DP_LOCK_DISABLED;
	struct dp_lock *l = NULL, *old;
	struct dp_port *port;
	int err;

	if (!port_valid(dp, port_id))
		return ENOENT;
	port = dp->ports[port_id];
	if (!port->access)
		return EINVAL;
	if (lp != NULL && lp->mode != DP_LOCK_UNLOCKED) {
		if (lp->n_ipv4 > DP_LOCK_MAX_ADDRS || lp->n_ipv6 > DP_LOCK_MAX_ADDRS)
			return EINVAL;
		l = dp_lock_new(lp);
		if (l == NULL)
			return ENOMEM;
	}
	old = port->lock;
	if (dp->port_off[port_id] != off) {
		/* In or out of the bridge's flood list, published even in a
		 * batch: flood() counts on the port a frame came in on being
		 * in the list. Out: the port drops what it receives first;
		 * back in: it does until it is in the list. */
		if (off)
			__atomic_store_n(&port->lock, l, __ATOMIC_RELEASE);
		dp->port_off[port_id] = off;
		err = dp_publish_now(dp);
		if (err) {
			dp->port_off[port_id] = !off;
			__atomic_store_n(&port->lock, old, __ATOMIC_RELEASE);
			rte_rcu_qsbr_synchronize(dp->qsv, RTE_QSBR_THRID_INVALID);
			dp_lock_free(l);
			return err;
		}
		/* After the grace period no worker learns from it any more:
		 * what it had learned is forgotten. */
		if (off)
			fdb_port_flush(&dp->fdb, port_id, dp->port_bridge[port_id]);
	}
	__atomic_store_n(&port->lock, l, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(dp->qsv, RTE_QSBR_THRID_INVALID);
	dp_lock_free(old);
	return 0;
}

int
dp_port_get_lock(const struct dp *dp, uint16_t port, enum dp_lock_mode *mode, unsigned int *n_ipv4,
		 unsigned int *n_ipv6)
{
	const struct dp_lock *l;

	if (!port_valid(dp, port))
		return ENOENT;
	l = dp->ports[port]->lock;
	*mode = l == NULL ? DP_LOCK_UNLOCKED : (enum dp_lock_mode)l->mode;
	*n_ipv4 = l == NULL ? 0 : l->n_ipv4;
	*n_ipv6 = l == NULL ? 0 : l->n_ipv6;
	return 0;
}

int
dp_port_get_qos(const struct dp *dp, uint16_t port, uint64_t *rate, uint64_t *burst,
		uint32_t *waiting)
{
	if (!port_valid(dp, port))
		return ENOENT;
	dp_qos_get(dp->ports[port], rate, burst);
	*waiting = dp_qos_waiting(dp->ports[port]);
	return 0;
}

const char *
dp_port_name(const struct dp *dp, uint16_t port)
{
	return port_valid(dp, port) ? dp->ports[port]->name : NULL;
}

int
dp_port_tap_persist(struct dp *dp, uint16_t port)
{
	if (!port_valid(dp, port))
		return ENOENT;
	if (dp->ports[port]->kind != DP_PORT_TAP)
		return EINVAL;
	return dp_tap_persist(dp->ports[port]);
}

int
dp_port_info(const struct dp *dp, uint16_t port, struct dp_port_info *info)
{
	const struct dp_port *p;

	if (!port_valid(dp, port))
		return ENOENT;
	p = dp->ports[port];
	*info = (struct dp_port_info){
		.kind = p->kind,
		.name = p->name,
		.bridge = dp->port_bridge[port],
		.trunk = p->trunk,
		.access = p->access,
		.parent = p->parent != NULL ? p->parent->id : DP_PORT_NONE,
		.vid = p->vid,
		.bond = p->bond_port,
	};
	return 0;
}

int
dp_bridge_info(const struct dp *dp, uint16_t bridge, const char **name, uint16_t *mtu)
{
	if (!bridge_valid(dp, bridge))
		return ENOENT;
	*name = dp->bridges[bridge].name;
	*mtu = dp->bridges[bridge].mtu;
	return 0;
}

static void
report(const char *what, void (*cb)(const char *what, void *arg), void *arg, unsigned int *n)
{
	cb(what, arg);
	(*n)++;
}

unsigned int
dp_check(const struct dp *dp, void (*cb)(const char *what, void *arg), void *arg)
{
	const struct dp_cfg *cfg = dp->cfg;
	unsigned int n = 0, p, b;
	char what[128];

	for (p = 0; p < DP_MAX_PORTS; p++) {
		const struct dp_port *port = dp->ports[p];

		if (cfg->port[p] != port) {
			snprintf(what, sizeof(what), "port %u (%s): %s the workers' configuration",
				 p, port ? port->name : "(removed)",
				 port ? "missing from" : "removed, but still in");
			report(what, cb, arg, &n);
		} else if (port != NULL && cfg->port_bridge[p] != dp->port_bridge[p]) {
			snprintf(what, sizeof(what),
				 "port %u (%s): on bridge %u, but on %u for the workers", p,
				 port->name, dp->port_bridge[p], cfg->port_bridge[p]);
			report(what, cb, arg, &n);
		}
		if (port != NULL && port->kind == DP_PORT_VLAN &&
		    (cfg->vlan_map[port->parent->id] == NULL ||
		     cfg->vlan_map[port->parent->id][port->vid] != p)) {
			snprintf(what, sizeof(what),
				 "port %u (%s): VLAN %u of port %u, not in the workers' VLAN map",
				 p, port->name, port->vid, port->parent->id);
			report(what, cb, arg, &n);
		}
	}
	for (b = 0; b < DP_MAX_BRIDGES; b++) {
		uint16_t max_len = (uint16_t)(dp->bridges[b].mtu + RTE_ETHER_HDR_LEN);

		if (dp->bridges[b].used && cfg->bridge[b].max_len != max_len) {
			snprintf(what, sizeof(what), "bridge %u (%s): MTU %u, not the workers' %u",
				 b, dp->bridges[b].name, dp->bridges[b].mtu,
				 (unsigned int)(cfg->bridge[b].max_len - RTE_ETHER_HDR_LEN));
			report(what, cb, arg, &n);
		}
	}
	return n;
}

uint16_t
dp_port_bridge(const struct dp *dp, uint16_t port)
{
	return port_valid(dp, port) ? dp->port_bridge[port] : DP_BRIDGE_NONE;
}

static uint64_t
ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

bool
dp_port_link_up(const struct dp *dp, uint16_t port_id)
{
	const struct dp_port *port;

	if (!port_valid(dp, port_id))
		return false;
	port = dp->ports[port_id];
	return port->cls->link_up == NULL || port->cls->link_up(port);
}

void
dp_port_offloads(const struct dp *dp, uint16_t port_id, char *buf, size_t size)
{
	if (!port_valid(dp, port_id)) {
		snprintf(buf, size, "%s", "");
		return;
	}
	dp_ol_caps_format(__atomic_load_n(&dp->ports[port_id]->ol_caps, __ATOMIC_RELAXED), buf,
			  size);
}

int
dp_port_stats_get(const struct dp *dp, uint16_t port_id, struct dp_port_stats *st)
{
	const struct dp_port *port;
	unsigned int w, r;

	if (!port_valid(dp, port_id))
		return ENOENT;
	port = dp->ports[port_id];
	memset(st, 0, sizeof(*st));
	for (w = 0; w < dp->n_workers; w++) {
		const struct dp_port_stats *s = &port->pw[w].st;

		st->rx_packets += ld(&s->rx_packets);
		st->rx_bytes += ld(&s->rx_bytes);
		st->tx_packets += ld(&s->tx_packets);
		st->tx_bytes += ld(&s->tx_bytes);
		for (r = 0; r < DP_DROP__MAX; r++)
			st->drops[r] += ld(&s->drops[r]);
		st->fdb_limit += ld(&s->fdb_limit);
		st->fdb_moves += ld(&s->fdb_moves);
		if (ld(&s->last_move) != 0)
			st->last_move = ld(&s->last_move);
		st->no_mbuf += ld(&s->no_mbuf);
		st->gso_rx += ld(&s->gso_rx);
		st->sw_gso += ld(&s->sw_gso);
		st->sw_csum += ld(&s->sw_csum);
	}
	if (port->cls->no_mbuf != NULL)
		st->no_mbuf += port->cls->no_mbuf(port);
	/* A bond's member learns nothing (its bridge is none). */
	st->fdb_entries = dp->port_bridge[port_id] == DP_BRIDGE_NONE
				  ? 0
				  : fdb_cnt_port(&dp->fdb, port_id, dp->port_bridge[port_id]);
	st->fdb_max = __atomic_load_n(&dp->fdb.port_max[port_id], __ATOMIC_RELAXED);
	return 0;
}

void
dp_fdb_stats_get(const struct dp *dp, struct dp_fdb_stats *st)
{
	unsigned int w;

	memset(st, 0, sizeof(*st));
	for (w = 0; w < dp->n_workers; w++) {
		const struct dp_worker_stats *s = &dp->workers[w]->st;

		st->learned += ld(&s->learned);
		st->moved += ld(&s->moved);
		st->refreshed += ld(&s->refreshed);
		st->learn_failed += ld(&s->learn_failed);
		st->aged += ld(&s->aged);
	}
	st->entries = fdb_count(&dp->fdb);
	st->capacity = dp->fdb.capacity;
}

int
dp_fdb_flush(struct dp *dp, uint16_t bridge, uint16_t port)
{
	if (!bridge_valid(dp, bridge))
		return ENOENT;
	if (port == DP_PORT_NONE) {
		fdb_bridge_flush(&dp->fdb, bridge);
		return 0;
	}
	if (!port_valid(dp, port) || dp->port_bridge[port] != bridge)
		return ENOENT;
	fdb_port_flush(&dp->fdb, port, bridge);
	return 0;
}

int
dp_fdb_dump(struct dp *dp, uint16_t bridge, int (*cb)(const struct dp_fdb_entry *e, void *arg),
	    void *arg)
{
	const struct fdb *f = &dp->fdb;
	uint16_t now = dp_now_sec(dp), bgen;
	uint32_t b;
	int ret = 0;

	if (!bridge_valid(dp, bridge))
		return ENOENT;
	bgen = fdb_gen_load(&f->bridge_gen[bridge]);
	/* The table is walked as a reader: entries learned or aged meanwhile
	 * may or may not be seen, and none is seen with another's value. */
	for (b = 0; b < fdb_n_buckets(f) && ret == 0; b++) {
		const struct fdb_bucket *bk = fdb_bucket_at(f, b);
		unsigned int i;

		for (i = 0; i < FDB_WAYS && ret == 0; i++) {
			uint64_t k = __atomic_load_n(&bk->slot[i].key, __ATOMIC_ACQUIRE), v;
			struct dp_fdb_entry e;

			if (k == 0 || fdb_key_bridge(k) != bridge ||
			    !fdb_slot_read(&bk->slot[i], k, &v) || !fdb_val_live(f, v, bgen, now))
				continue;
			fdb_key_mac(k, e.mac.b);
			e.port = fdb_val_port(v);
			e.age_sec = (uint16_t)(now - fdb_val_seen(v));
			ret = cb(&e, arg);
		}
	}
	return ret;
}

unsigned int
dp_worker_poll(struct dp *dp, unsigned int worker)
{
	unsigned int n;

	RTE_VERIFY(!dp->launched && worker < dp->n_workers);
	rte_rcu_qsbr_thread_online(dp->qsv, worker);
	n = dp_worker_iteration(dp->workers[worker]);
	rte_rcu_qsbr_thread_offline(dp->qsv, worker);
	return n;
}

struct rte_mempool *
dp_mempool(const struct dp *dp)
{
	return dp->mp;
}
