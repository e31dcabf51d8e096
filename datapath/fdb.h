/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fdb.h - the forwarding database, private to datapath/.
 *
 * One rte_hash keyed by (bridge id, MAC) packed into 64 bits, in lock-free
 * reader/writer mode with RCU-deferred key reclamation. The value is also 64
 * bits, stored in the hash's data pointer so a hit costs no further memory
 * access:
 *
 *     bits  0..15  port id the MAC was learned on
 *     bits 16..31  that port's flush generation at learning time
 *     bits 32..47  the bridge's flush generation at learning time
 *     bits 48..63  last seen, in seconds (mod 2^16)
 *
 * An entry whose generations differ from the current ones is dead (flushed).
 * Workers add (datapath.h, rule 4); worker 0 ages, a slice of the table per call.
 */
#ifndef SWITCHD_DATAPATH_FDB_H
#define SWITCHD_DATAPATH_FDB_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "datapath.h"

struct fdb {
	struct rte_hash *h;
	uint32_t capacity;
	uint16_t age_sec;
	uint32_t scan_next;		     /* aging cursor (worker 0) */
	uint16_t bridge_gen[DP_MAX_BRIDGES]; /* written by control */
	uint16_t port_gen[DP_MAX_PORTS];     /* written by control */
};

static inline uint64_t
fdb_key(uint16_t bridge, const struct rte_ether_addr *mac)
{
	uint64_t k = 0;

	memcpy(&k, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return k | (uint64_t)bridge << 48;
}

static inline uint16_t
fdb_key_bridge(uint64_t key)
{
	return (uint16_t)(key >> 48);
}

static inline uint64_t
fdb_val(uint16_t port, uint16_t port_gen, uint16_t bridge_gen, uint16_t seen)
{
	return (uint64_t)port | (uint64_t)port_gen << 16 | (uint64_t)bridge_gen << 32 |
	       (uint64_t)seen << 48;
}

static inline uint16_t
fdb_val_port(uint64_t v)
{
	return (uint16_t)v;
}

static inline uint16_t
fdb_val_seen(uint64_t v)
{
	return (uint16_t)(v >> 48);
}

static inline uint16_t
fdb_gen_load(const uint16_t *gen)
{
	return __atomic_load_n(gen, __ATOMIC_RELAXED);
}

/* True if entry @v of a bridge whose generation is @bridge_gen is live at
 * time @now: not flushed and not older than the aging time. */
static inline bool
fdb_val_live(const struct fdb *f, uint64_t v, uint16_t bridge_gen, uint16_t now)
{
	uint16_t port = fdb_val_port(v);

	return (uint16_t)(v >> 32) == bridge_gen &&
	       (uint16_t)(v >> 16) == fdb_gen_load(&f->port_gen[port]) &&
	       (uint16_t)(now - fdb_val_seen(v)) <= f->age_sec;
}

/* Create the table; @multi_writer when several workers learn. */
int fdb_init(struct fdb *f, const char *name, uint32_t capacity, uint16_t age_sec,
	     struct rte_rcu_qsbr *qsv, bool multi_writer);
void fdb_fini(struct fdb *f);

/* Look at the next @budget key slots from the aging cursor and delete the
 * entries that are dead or expired at @now; returns how many it deleted.
 * Worker 0 only. Entries are invisible to lookups as soon as they are dead
 * (fdb_val_live), so aging only reclaims their slots. */
uint32_t fdb_age(struct fdb *f, uint16_t now, uint32_t budget);

static inline void
fdb_gen_bump(uint16_t *gen)
{
	__atomic_store_n(gen, (uint16_t)(*gen + 1), __ATOMIC_RELEASE);
}

#endif
