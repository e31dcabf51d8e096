/* SPDX-License-Identifier: BSD-3-Clause */
/* The forwarding database: table set-up and aging. See fdb.h. */
#include "fdb.h"

#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>

int
fdb_init(struct fdb *f, const char *name, uint32_t capacity, uint16_t age_sec,
	 struct rte_rcu_qsbr *qsv, bool multi_writer)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = capacity,
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE |
			      (multi_writer ? RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD : 0),
	};
	struct rte_hash_rcu_config rcu = {
		.v = qsv,
		.mode = RTE_HASH_QSBR_MODE_DQ,
	};

	memset(f, 0, sizeof(*f));
	snprintf(hname, sizeof(hname), "%s_fdb", name);
	f->h = rte_hash_create(&hp);
	if (f->h == NULL)
		return rte_errno ? rte_errno : ENOMEM;
	if (rte_hash_rcu_qsbr_add(f->h, &rcu) != 0) {
		int err = rte_errno ? rte_errno : EINVAL;

		rte_hash_free(f->h);
		f->h = NULL;
		return err;
	}
	f->capacity = capacity;
	f->age_sec = age_sec;
	return 0;
}

void
fdb_fini(struct fdb *f)
{
	rte_hash_free(f->h);
	f->h = NULL;
}

uint32_t
fdb_age(struct fdb *f, uint16_t now, uint32_t budget)
{
	int32_t max = rte_hash_max_key_id(f->h);
	uint32_t removed = 0;

	while (budget-- > 0) {
		int32_t pos = (int32_t)f->scan_next;
		void *key, *data;
		uint64_t k;

		/* Key positions are 0..max-1. */
		f->scan_next = pos + 1 >= max ? 0 : (uint32_t)pos + 1;
		if (rte_hash_get_key_with_position(f->h, pos, &key) != 0)
			continue;
		memcpy(&k, key, sizeof(k));
		if (rte_hash_lookup_data(f->h, &k, &data) < 0)
			continue;
		if (fdb_val_live(f, (uint64_t)(uintptr_t)data,
				 fdb_gen_load(&f->bridge_gen[fdb_key_bridge(k)]), now))
			continue;
		if (rte_hash_del_key(f->h, &k) >= 0)
			removed++;
	}
	return removed;
}
