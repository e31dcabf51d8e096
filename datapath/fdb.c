/* SPDX-License-Identifier: BSD-3-Clause */
/* The forwarding database: table set-up, learning and aging. See fdb.h. */
#include "fdb.h"

#include <errno.h>
#include <stdio.h>

#include <rte_malloc.h>

int
fdb_init(struct fdb *f, const char *name, uint32_t capacity, uint16_t age_sec)
{
	/* Room to spare: at most 4 in 5 slots in use when full, so that two
	 * choices of a 4-slot bucket find room for every key in practice. */
	uint64_t slots = (uint64_t)capacity * 5 / 4, buckets = 1;
	char mname[64];
	unsigned int i;

	memset(f, 0, sizeof(*f));
	if (capacity == 0)
		return EINVAL;
	while (buckets * FDB_WAYS < slots)
		buckets <<= 1;
	if (buckets < 2 || buckets > UINT32_MAX / 2)
		buckets = buckets < 2 ? 2 : 0;
	if (buckets == 0)
		return EINVAL;
	snprintf(mname, sizeof(mname), "%s_fdb", name);
	f->buckets = rte_malloc(mname, buckets * sizeof(struct fdb_bucket), RTE_CACHE_LINE_SIZE);
	if (f->buckets == NULL)
		return ENOMEM;
	/* Written here, not left to rte_zmalloc, which skips memory it knows
	 * is clean: every page is faulted in now, not by a worker learning
	 * (4 KiB pages without hugepages: a fault per 64 buckets). */
	memset(f->buckets, 0, buckets * sizeof(struct fdb_bucket));
	f->mask = (uint32_t)(buckets - 1);
	f->capacity = capacity;
	f->age_sec = age_sec;
	f->seen_mask = (uint16_t) ~(rte_align32prevpow2(RTE_MAX(age_sec / 64, 1)) - 1);
	for (i = 0; i < DP_MAX_BRIDGES; i++)
		f->bridge_max[i] = capacity;
	for (i = 0; i < DP_MAX_PORTS; i++)
		f->port_max[i] = capacity;
	rte_spinlock_init(&f->lock);
	return 0;
}

void
fdb_fini(struct fdb *f)
{
	rte_free(f->buckets);
	f->buckets = NULL;
}

/* Give slot @s to @key with @val. Under the lock. Readers of the slot's
 * old key must not take the new value for theirs: the key goes to 0
 * first, the value next, the new key last (fdb_slot_read reads in the
 * other order). */
static void
slot_give(struct fdb_slot *s, uint64_t key, uint64_t val)
{
	if (s->key != 0)
		__atomic_store_n(&s->key, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->val, val, __ATOMIC_RELEASE);
	__atomic_store_n(&s->key, key, __ATOMIC_RELEASE);
}

/* Count entry @val of @key, whose generations are current. Under the lock. */
static void
cnt_add(struct fdb *f, uint64_t key, uint64_t val)
{
	uint16_t bridge = fdb_key_bridge(key), port = fdb_val_port(val);
	uint16_t pg = (uint16_t)(val >> 16), bg = (uint16_t)(val >> 32);

	__atomic_store_n(&f->bridge_cnt[bridge],
			 fdb_cnt_word(fdb_cnt_of(f->bridge_cnt[bridge], 0, bg) + 1, 0, bg),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&f->port_cnt[port],
			 fdb_cnt_word(fdb_cnt_of(f->port_cnt[port], pg, bg) + 1, pg, bg),
			 __ATOMIC_RELAXED);
}

/* Uncount entry @val of @key, unless a flush uncounted it already: its
 * port's flush (fdb_port_flush()) took it off both counts, its bridge's
 * made both words stale. Under the lock. */
static void
cnt_sub(struct fdb *f, uint64_t key, uint64_t val)
{
	uint16_t bridge = fdb_key_bridge(key), port = fdb_val_port(val);
	uint16_t pg = (uint16_t)(val >> 16), bg = (uint16_t)(val >> 32);
	uint32_t n;

	if (pg != fdb_gen_load(&f->port_gen[port]))
		return;
	n = fdb_cnt_of(f->bridge_cnt[bridge], 0, bg);
	if (n > 0)
		__atomic_store_n(&f->bridge_cnt[bridge], fdb_cnt_word(n - 1, 0, bg),
				 __ATOMIC_RELAXED);
	n = fdb_cnt_of(f->port_cnt[port], pg, bg);
	if (n > 0)
		__atomic_store_n(&f->port_cnt[port], fdb_cnt_word(n - 1, pg, bg), __ATOMIC_RELAXED);
}

static bool
slot_dead(const struct fdb *f, const struct fdb_slot *s, uint16_t now)
{
	uint64_t key = __atomic_load_n(&s->key, __ATOMIC_RELAXED);

	return key != 0 && !fdb_val_live(f, __atomic_load_n(&s->val, __ATOMIC_RELAXED),
					 fdb_gen_load(&f->bridge_gen[fdb_key_bridge(key)]), now);
}

static struct fdb_slot *
bucket_empty_slot(struct fdb_bucket *b)
{
	unsigned int i;

	for (i = 0; i < FDB_WAYS; i++)
		if (b->slot[i].key == 0)
			return &b->slot[i];
	return NULL;
}

/* The other bucket of the key in slot @i of bucket @b. */
static struct fdb_bucket *
alt_bucket(const struct fdb *f, const struct fdb_bucket *b, unsigned int i)
{
	struct fdb_bucket *b1 = fdb_bucket1(f, b->slot[i].key);

	return b1 != b ? b1 : fdb_bucket2(f, b->slot[i].key);
}

/* Move the entry in slot @from to the empty slot @to. Under the lock. It
 * is in both for a moment, never in neither; a reader that looked in @to
 * before the copy and in @from after the removal misses it once, and the
 * frame is flooded. */
static void
slot_move(struct fdb_slot *to, struct fdb_slot *from)
{
	slot_give(to, from->key, __atomic_load_n(&from->val, __ATOMIC_RELAXED));
	__atomic_store_n(&from->key, 0, __ATOMIC_RELEASE);
}

#define FDB_CUCKOO_BUCKETS 128 /* most buckets a search for room visits */

static bool
visited(struct fdb_bucket *const *b, int n, const struct fdb_bucket *x)
{
	int i;

	for (i = 0; i < n; i++)
		if (b[i] == x)
			return true;
	return false;
}

/* Both buckets @b1, @b2 of a new key are full: make room in one by moving
 * entries to their other buckets (cuckoo hashing), searching breadth
 * first for the shortest chain of moves. Returns the freed slot, in @b1
 * or @b2, or NULL. Under the lock. */
static struct fdb_slot *
cuckoo(struct fdb *f, struct fdb_bucket *b1, struct fdb_bucket *b2)
{
	/* Node q: bucket b[q], reached from bucket b[parent[q]] whose slot
	 * via[q] holds a key that may move to b[q]. */
	struct fdb_bucket *b[FDB_CUCKOO_BUCKETS];
	int parent[FDB_CUCKOO_BUCKETS];
	uint8_t via[FDB_CUCKOO_BUCKETS];
	int n = 2, q;

	b[0] = b1;
	b[1] = b2;
	parent[0] = parent[1] = -1;
	for (q = 0; q < n; q++) {
		unsigned int i;

		for (i = 0; i < FDB_WAYS; i++) {
			struct fdb_bucket *alt = alt_bucket(f, b[q], i);
			struct fdb_slot *free = bucket_empty_slot(alt);
			int at = q;

			if (free == NULL) {
				/* Each bucket once: a chain through one twice
				 * would move an entry out of its buckets. */
				if (n < FDB_CUCKOO_BUCKETS && !visited(b, n, alt)) {
					b[n] = alt;
					parent[n] = q;
					via[n++] = (uint8_t)i;
				}
				continue;
			}
			/* Room at the end of the chain: move back along it. */
			slot_move(free, &b[at]->slot[i]);
			free = &b[at]->slot[i];
			while (parent[at] >= 0) {
				struct fdb_slot *from = &b[parent[at]]->slot[via[at]];

				slot_move(free, from);
				free = from;
				at = parent[at];
			}
			return free;
		}
	}
	return NULL;
}

int
fdb_learn(struct fdb *f, uint64_t key, uint64_t val, uint16_t now)
{
	struct fdb_bucket *b[2] = {fdb_bucket1(f, key), fdb_bucket2(f, key)};
	struct fdb_slot *s = NULL;
	unsigned int i, j;
	int err = 0;

	rte_spinlock_lock(&f->lock);
	/* Flushed since the caller made @val: it would be dead, and counted
	 * by no one. */
	if ((uint16_t)(val >> 32) != fdb_gen_load(&f->bridge_gen[fdb_key_bridge(key)]) ||
	    (uint16_t)(val >> 16) != fdb_gen_load(&f->port_gen[fdb_val_port(val)]))
		goto out;
	/* Another worker may have learned the key since our lookup. */
	for (j = 0; j < 2 && s == NULL; j++)
		for (i = 0; i < FDB_WAYS && s == NULL; i++)
			if (b[j]->slot[i].key == key)
				s = &b[j]->slot[i];
	if (s != NULL) {
		uint64_t old = s->val;
		uint16_t bridge = fdb_key_bridge(key);
		bool counted = fdb_val_counted(f, old, bridge);

		/* A counted entry (live, or expired with its slot not yet
		 * taken back) of the same port keeps its count; of another
		 * port it moves, counting against its new port's limit only. */
		if (!counted || fdb_val_port(old) != fdb_val_port(val)) {
			if (fdb_over_limit(f, fdb_val_port(val), bridge, !counted)) {
				err = EDQUOT;
				goto out;
			}
			cnt_sub(f, key, old);
			cnt_add(f, key, val);
		}
		__atomic_store_n(&s->val, val, __ATOMIC_RELEASE);
		goto out;
	}
	if (fdb_over_limit(f, fdb_val_port(val), fdb_key_bridge(key), true)) {
		err = EDQUOT;
		goto out;
	}
	/* An empty slot, in the first bucket if it has one (lookups look
	 * there first); else the slot of a dead entry; else room made by
	 * moving others. */
	if (f->count < f->capacity) {
		for (j = 0; j < 2 && s == NULL; j++)
			for (i = 0; i < FDB_WAYS && s == NULL; i++)
				if (b[j]->slot[i].key == 0)
					s = &b[j]->slot[i];
		if (s != NULL)
			__atomic_store_n(&f->count, f->count + 1, __ATOMIC_RELAXED);
	}
	for (j = 0; j < 2 && s == NULL; j++)
		for (i = 0; i < FDB_WAYS && s == NULL; i++)
			if (slot_dead(f, &b[j]->slot[i], now)) {
				s = &b[j]->slot[i];
				cnt_sub(f, s->key, s->val);
			}
	if (s == NULL && f->count < f->capacity) {
		s = cuckoo(f, b[0], b[1]);
		if (s != NULL)
			__atomic_store_n(&f->count, f->count + 1, __ATOMIC_RELAXED);
	}
	if (s != NULL) {
		slot_give(s, key, val);
		cnt_add(f, key, val);
	} else {
		err = ENOSPC;
	}
out:
	rte_spinlock_unlock(&f->lock);
	return err;
}

void
fdb_port_flush(struct fdb *f, uint16_t port, uint16_t bridge)
{
	uint16_t bg = fdb_gen_load(&f->bridge_gen[bridge]);
	uint32_t n, nb;

	rte_spinlock_lock(&f->lock);
	n = fdb_cnt_port(f, port, bridge);
	nb = fdb_cnt_of(f->bridge_cnt[bridge], 0, bg);
	__atomic_store_n(&f->bridge_cnt[bridge], fdb_cnt_word(nb > n ? nb - n : 0, 0, bg),
			 __ATOMIC_RELAXED);
	fdb_gen_bump(&f->port_gen[port]);
	__atomic_store_n(&f->port_cnt[port], 0, __ATOMIC_RELAXED);
	rte_spinlock_unlock(&f->lock);
}

void
fdb_bridge_flush(struct fdb *f, uint16_t bridge)
{
	rte_spinlock_lock(&f->lock);
	fdb_gen_bump(&f->bridge_gen[bridge]);
	__atomic_store_n(&f->bridge_cnt[bridge], 0, __ATOMIC_RELAXED);
	rte_spinlock_unlock(&f->lock);
}

uint32_t
fdb_age(struct fdb *f, uint16_t now, uint32_t budget)
{
	uint32_t removed = 0;

	for (; budget > 0; budget--) {
		struct fdb_bucket *b = &f->buckets[f->scan_next];
		unsigned int i;

		f->scan_next = (f->scan_next + 1) & f->mask;
		for (i = 0; i < FDB_WAYS; i++) {
			struct fdb_slot *s = &b->slot[i];

			/* Unlocked look first: most slots are empty or live. */
			if (!slot_dead(f, s, now))
				continue;
			rte_spinlock_lock(&f->lock);
			if (slot_dead(f, s, now)) {
				cnt_sub(f, s->key, s->val);
				__atomic_store_n(&s->key, 0, __ATOMIC_RELEASE);
				__atomic_store_n(&f->count, f->count - 1, __ATOMIC_RELAXED);
				removed++;
			}
			rte_spinlock_unlock(&f->lock);
		}
	}
	return removed;
}
