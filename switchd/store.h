/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store.h - the persistent configuration: an SQLite database in WAL mode,
 * one transaction per verb, schema version recorded in the database.
 * Everything committed survives kill -9.
 */
#ifndef SWITCHD_STORE_H
#define SWITCHD_STORE_H

#include "../pif/pif.h"
#include "../vif/vif.h"
#include "../vlan/vlan.h"
#include "network.h"

/* 1: networks, PIFs, VIFs. 2: VLANs. 3: vhost-user VIFs. 4: MAC limits,
 * group forward masks. Older databases are upgraded on open. */
#define STORE_SCHEMA_VERSION 4

struct store;

/* Open (creating if needed) the database at @path. EPROTO if it was written
 * by a newer schema. On failure @err (@len bytes, the caller's) says why. */
int store_open(const char *path, struct store **out, char *err, size_t len);
/* Close; accepts NULL. */
void store_close(struct store *st);

int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Insert or update a whole record by uuid (EIO if another record has the
 * same unique field: bridge, device, or VM and device) / delete it. */
int store_network_put(struct store *st, const struct network *net);
int store_network_del(struct store *st, const char *uuid);
int store_pif_put(struct store *st, const struct pif *pif);
int store_pif_del(struct store *st, const char *uuid);
int store_vif_put(struct store *st, const struct vif *vif);
int store_vif_del(struct store *st, const char *uuid);
int store_vlan_put(struct store *st, const struct vlan *vlan);
int store_vlan_del(struct store *st, const char *uuid);

/* Load every record. Each callback receives a malloc'ed object that it
 * owns from then on. Networks come first, then PIFs (each before the
 * VLAN pseudo-PIFs made on it), then VIFs, then VLANs. */
struct store_loader {
	int (*network)(struct network *net, void *arg);
	int (*pif)(struct pif *pif, void *arg);
	int (*vif)(struct vif *vif, void *arg);
	int (*vlan)(struct vlan *vlan, void *arg);
	void *arg;
};
int store_load(struct store *st, const struct store_loader *ld);

/* The database's schema version (for tests and diagnostics). */
int store_schema_version(struct store *st);

#endif
