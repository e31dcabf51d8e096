/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fdb.h - the forwarding database, private to datapath/.
 *
 * A hash table of our own, made for this one job: 64-bit keys, 64-bit
 * values, readers that take no lock and write nothing. rte_hash was used
 * first; its generic keys, function-pointer hash and bulk machinery cost
 * about 200 instructions per lookup, two thirds of the switching work (see
 * docs/PERFORMANCE.md).
 *
 * Key: (bridge id + 1) << 48 | MAC, so that 0 means an empty slot.
 * Value:
 *
 *     bits  0..15  port id the MAC was learned on
 *     bits 16..31  that port's flush generation at learning time
 *     bits 32..47  the bridge's flush generation at learning time
 *     bits 48..63  last seen, in seconds (mod 2^16)
 *
 * An entry whose generations differ from the current ones is dead (flushed);
 * flushing is O(1) whatever the table size.
 *
 * Layout: buckets of FDB_WAYS (key, value) slots, one cache line each. A key
 * lives in one of two buckets, both taken from one multiplicative hash, and
 * in the first whenever it has room. The caller finds a burst's first
 * buckets early and prefetches them, so its lookups overlap their cache
 * misses.
 *
 * Concurrency (every worker learns; worker 0 ages; control dumps):
 * - Readers load a slot's key, then its value, then the key again: a value
 *   read while the slot was being given to another key is thrown away.
 * - A live entry's last-seen time is refreshed in place with a
 *   compare-and-swap (see fdb_seen()): readers see the old or the new
 *   value, both right for the key. Steady traffic writes nothing.
 * - Giving a slot to a key (new, or in place of a dead entry), moving a
 *   MAC to another port and emptying a slot (aging) take the table's lock,
 *   which also keeps the counts (below); they write the value before the
 *   key, and make the value store fail any concurrent compare-and-swap of
 *   the slot's old entry.
 */
#ifndef SWITCHD_DATAPATH_FDB_H
#define SWITCHD_DATAPATH_FDB_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_prefetch.h>
#include <rte_spinlock.h>

#include "datapath.h"

#define FDB_WAYS 4 /* slots per bucket: one 64-byte cache line */

struct fdb_slot {
	uint64_t key; /* 0: empty */
	uint64_t val;
};

struct fdb_bucket {
	struct fdb_slot slot[FDB_WAYS];
} __rte_cache_aligned;

struct fdb {
	struct fdb_bucket *buckets;
	uint32_t mask;	   /* number of buckets - 1 (a power of two) */
	uint32_t capacity; /* most entries held; the table has room to spare */
	uint32_t count;	   /* slots in use, dead or alive (under lock) */
	uint16_t age_sec;
	uint16_t seen_mask;		     /* see fdb_seen() */
	uint32_t scan_next;		     /* aging cursor, a bucket (worker 0) */
	rte_spinlock_t lock;		     /* slot ownership changes */
	uint16_t bridge_gen[DP_MAX_BRIDGES]; /* written by control */
	uint16_t port_gen[DP_MAX_PORTS];     /* written by control */
	/* Limits (written by control): the most entries a bridge, and a
	 * port, may hold, so that one VM cannot fill the table nor its own
	 * bridge. Counts (fdb_cnt_*): the live entries of each. */
	uint32_t bridge_max[DP_MAX_BRIDGES];
	uint32_t port_max[DP_MAX_PORTS];
	uint64_t bridge_cnt[DP_MAX_BRIDGES];
	uint64_t port_cnt[DP_MAX_PORTS];
};

/* The key's bridge part, computed once per burst. */
static inline uint64_t
fdb_key_tag(uint16_t bridge)
{
	return (uint64_t)(bridge + 1u) << 48;
}

/* The key of the MAC at @mac on the bridge of @tag. The MAC must be
 * followed by at least two more readable bytes (a frame's addresses are):
 * one 8-byte load, read little-endian, so the group bit is bit 0. */
static inline uint64_t
fdb_key_in_frame(uint64_t tag, const void *mac)
{
	uint64_t k;

	memcpy(&k, mac, sizeof(k));
	return (rte_le_to_cpu_64(k) & 0xffffffffffffULL) | tag;
}

/* The MAC of @key, for dumps. */
static inline void
fdb_key_mac(uint64_t key, uint8_t mac[RTE_ETHER_ADDR_LEN])
{
	uint64_t k = rte_cpu_to_le_64(key);

	memcpy(mac, &k, RTE_ETHER_ADDR_LEN);
}

/* The MAC's group bit: the low bit of its first byte, the key's bit 0. */
static inline bool
fdb_key_multicast(uint64_t key)
{
	return key & 1;
}

static inline uint16_t
fdb_key_bridge(uint64_t key)
{
	return (uint16_t)((key >> 48) - 1);
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

/* Last-seen as learning writes it at time @now: rounded down to a
 * multiple of refresh (a power of two near 1/64 of the aging time), so
 * that a table of many active MACs is not rewritten once a second per MAC
 * and a frame of steady traffic needs one comparison to know its entry is
 * fresh. Entries may expire up to refresh - 1 seconds early. */
static inline uint16_t
fdb_seen(const struct fdb *f, uint16_t now)
{
	return now & f->seen_mask;
}

static inline uint16_t
fdb_gen_load(const uint16_t *gen)
{
	return __atomic_load_n(gen, __ATOMIC_RELAXED);
}

static inline void
fdb_gen_bump(uint16_t *gen)
{
	__atomic_store_n(gen, (uint16_t)(*gen + 1), __ATOMIC_RELEASE);
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

/*
 * Entry counts per bridge and per port, for the limits. A count word packs
 * the generations it counts for with the count:
 *
 *     bits  0..31  live entries
 *     bits 32..47  the port's flush generation (0 in a bridge's word)
 *     bits 48..63  the bridge's flush generation
 *
 * A word whose generations are not the current ones counts 0: a flush
 * makes every entry it covers dead by bumping a generation, and with it
 * their count 0. An entry is counted when it is given a slot (or
 * moves to a port; fdb_learn() stores only entries with current
 * generations); it is uncounted when its slot is taken back or given to
 * another key (or it moves away), in each word that still counts its
 * generations. A port's flush (fdb_port_flush(): also its deletion and its
 * move to another bridge) takes the port's count off its bridge's under the
 * lock and bumps the port's generation: entries of an older port
 * generation are never uncounted again. A bridge's flush makes every word
 * of the bridge stale. Entries that expired by age stay counted until aging
 * takes their slots (within a quarter of the aging time). Counting happens
 * under the table's lock; readers (the limit check before taking the lock,
 * port-stats) read one word.
 */
static inline uint64_t
fdb_cnt_word(uint32_t count, uint16_t port_gen, uint16_t bridge_gen)
{
	return (uint64_t)count | (uint64_t)port_gen << 32 | (uint64_t)bridge_gen << 48;
}

/* The count in word @w if it counts generations @port_gen, @bridge_gen. */
static inline uint32_t
fdb_cnt_of(uint64_t w, uint16_t port_gen, uint16_t bridge_gen)
{
	return (w >> 32) == (fdb_cnt_word(0, port_gen, bridge_gen) >> 32) ? (uint32_t)w : 0;
}

/* Live entries of @bridge, and of @port (on bridge @bridge). Any thread. */
static inline uint32_t
fdb_cnt_bridge(const struct fdb *f, uint16_t bridge)
{
	return fdb_cnt_of(__atomic_load_n(&f->bridge_cnt[bridge], __ATOMIC_RELAXED), 0,
			  fdb_gen_load(&f->bridge_gen[bridge]));
}

static inline uint32_t
fdb_cnt_port(const struct fdb *f, uint16_t port, uint16_t bridge)
{
	return fdb_cnt_of(__atomic_load_n(&f->port_cnt[port], __ATOMIC_RELAXED),
			  fdb_gen_load(&f->port_gen[port]), fdb_gen_load(&f->bridge_gen[bridge]));
}

/* True if entry @v of @bridge is in the counts: its generations are the
 * current ones (it may have expired by age, its slot not yet taken back). */
static inline bool
fdb_val_counted(const struct fdb *f, uint64_t v, uint16_t bridge)
{
	return (uint16_t)(v >> 32) == fdb_gen_load(&f->bridge_gen[bridge]) &&
	       (uint16_t)(v >> 16) == fdb_gen_load(&f->port_gen[fdb_val_port(v)]);
}

/* True if an entry learned on @port of @bridge would pass a limit: a new
 * entry (@new_entry) its port's or its bridge's, a move within the bridge
 * its new port's only. Any thread; fdb_learn() checks again under the lock. */
static inline bool
fdb_over_limit(const struct fdb *f, uint16_t port, uint16_t bridge, bool new_entry)
{
	if (fdb_cnt_port(f, port, bridge) >= __atomic_load_n(&f->port_max[port], __ATOMIC_RELAXED))
		return true;
	return new_entry && fdb_cnt_bridge(f, bridge) >=
				    __atomic_load_n(&f->bridge_max[bridge], __ATOMIC_RELAXED);
}

/* The hash of @key. Its top bits pick the first bucket, the bits below
 * them the second: a multiplication mixes every key bit into the top
 * ones, and the xor-shift first folds the bridge and the MAC's last bytes
 * down into the bits that feed the rest. */
static inline uint64_t
fdb_hash(uint64_t key)
{
	return (key ^ key >> 29) * 0x9e3779b97f4a7c15ULL;
}

/* The first bucket of @key: where it is looked for first, and where
 * fdb_learn() puts it if there is room. Prefetch it early. */
static inline struct fdb_bucket *
fdb_bucket1(const struct fdb *f, uint64_t key)
{
	return &f->buckets[(uint32_t)(fdb_hash(key) >> 32) & f->mask];
}

/* The second bucket, never the first: a key whose two choices coincided
 * would have half the room. */
static inline struct fdb_bucket *
fdb_bucket2(const struct fdb *f, uint64_t key)
{
	uint64_t h = fdb_hash(key);
	uint32_t b1 = (uint32_t)(h >> 32) & f->mask;
	uint32_t b2 = (uint32_t)(h >> 8) & f->mask;

	return &f->buckets[b2 != b1 ? b2 : (b1 + 1) & f->mask];
}

/* Reads one slot as a reader: true, with its value, if it holds @key. */
static inline bool
fdb_slot_read(const struct fdb_slot *s, uint64_t key, uint64_t *val)
{
	if (__atomic_load_n(&s->key, __ATOMIC_ACQUIRE) != key)
		return false;
	*val = __atomic_load_n(&s->val, __ATOMIC_ACQUIRE);
	/* The slot may have been given to another key while we read. */
	return __atomic_load_n(&s->key, __ATOMIC_RELAXED) == key;
}

static inline struct fdb_slot *
fdb_bucket_find(struct fdb_bucket *b, uint64_t key, uint64_t *val)
{
	unsigned int i;

	for (i = 0; i < FDB_WAYS; i++)
		if (fdb_slot_read(&b->slot[i], key, val))
			return &b->slot[i];
	return NULL;
}

/* The slot holding @key, whose first bucket is @b1, and its value; or
 * NULL. Any thread. */
static inline struct fdb_slot *
fdb_find(const struct fdb *f, uint64_t key, struct fdb_bucket *b1, uint64_t *val)
{
	struct fdb_slot *s = fdb_bucket_find(b1, key, val);

	return likely(s != NULL) ? s : fdb_bucket_find(fdb_bucket2(f, key), key, val);
}

/* Rewrite the value of @key's live entry in slot @s from @old to @val.
 * False if the slot changed meanwhile (the caller then learns afresh). */
static inline bool
fdb_update(struct fdb_slot *s, uint64_t old, uint64_t val)
{
	return __atomic_compare_exchange_n(&s->val, &old, val, false, __ATOMIC_RELEASE,
					   __ATOMIC_RELAXED);
}

/* Create a table for @capacity entries. Returns 0 or ENOMEM, EINVAL. */
int fdb_init(struct fdb *f, const char *name, uint32_t capacity, uint16_t age_sec);
void fdb_fini(struct fdb *f);

/* Learn @key with value @val: add it, or rewrite its entry (a move to
 * another port). Workers, at any time. Returns 0; EDQUOT if the entry
 * would pass its bridge's or its port's limit (nothing changes: a MAC that
 * was live elsewhere stays there); ENOSPC if the table or both of the
 * key's buckets are full of live entries. */
int fdb_learn(struct fdb *f, uint64_t key, uint64_t val, uint16_t now);

/* Forget every entry learned on @port (on @bridge): bump its generation,
 * and take its entries off its count and its bridge's at once. Also for a
 * port id given to a new port. Control thread; no worker may be learning
 * on the port for another bridge (dp_port_set_bridge() freezes it). */
void fdb_port_flush(struct fdb *f, uint16_t port, uint16_t bridge);

/* Forget every entry of @bridge (also for a bridge id given to a new
 * bridge): its generation bumped, its count and its ports' words stale. */
void fdb_bridge_flush(struct fdb *f, uint16_t bridge);

/* Look at the next @budget buckets from the aging cursor and empty the
 * slots of entries dead or expired at @now; returns how many. Worker 0
 * only. Entries are invisible to lookups as soon as they are dead
 * (fdb_val_live), so aging only gives their slots back. */
uint32_t fdb_age(struct fdb *f, uint16_t now, uint32_t budget);

/* Slots in use, dead entries not yet aged included. */
static inline uint32_t
fdb_count(const struct fdb *f)
{
	return __atomic_load_n(&f->count, __ATOMIC_RELAXED);
}

/* Number of buckets; fdb_bucket_at() is bucket @i, for walks. */
static inline uint32_t
fdb_n_buckets(const struct fdb *f)
{
	return f->mask + 1;
}

static inline struct fdb_bucket *
fdb_bucket_at(const struct fdb *f, uint32_t i)
{
	return &f->buckets[i];
}

#endif
