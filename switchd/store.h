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
#include "../bond/bond.h"
#include "../network/network.h"

/* 1: networks, PIFs, VIFs. 2: VLANs. 3: vhost-user VIFs. 4: MAC limits,
 * group forward masks. 5: bonds. 6: VIFs' QoS. 7: VIFs' locking, networks'
 * default locking mode. Older databases are upgraded on open. */
#define STORE_SCHEMA_VERSION 7

struct store;

/* Open (creating if needed, mode 0600) the database at @path. EPROTO if it
 * was written by a newer schema, EBADMSG if PRAGMA quick_check finds it
 * damaged (it is then not written to). On failure @err (@len bytes, the
 * caller's) says why. */
int store_open(const char *path, struct store **out, char *err, size_t len);
/* Close; accepts NULL. */
void store_close(struct store *st);

/* Before a change: 0 if it may be stored. ENOENT if the file at the path is
 * no longer the one opened (deleted or replaced: see store_restore());
 * ENOSPC if there is no room for a reserve of 1 MiB beside it, kept for a
 * commit that finds the disk full. @err says which. */
int store_check(struct store *st, char *err, size_t len);
/* Write the open database (the running configuration, whatever happened to
 * its file) to its path again, and use that file from then on. */
int store_restore(struct store *st, char *err, size_t len);

int store_begin(struct store *st);
/* 0, ENOSPC if the disk is full even after the reserve is given up, or EIO;
 * on failure the transaction is still to be rolled back. */
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
int store_bond_put(struct store *st, const struct bond *bond);
int store_bond_del(struct store *st, const char *uuid);

/* Load every record. Each callback receives a malloc'ed object that it
 * owns from then on. Networks come first, then PIFs (each before the
 * VLAN pseudo-PIFs made on it), then VIFs, then VLANs, then bonds. */
struct store_loader {
	int (*network)(struct network *net, void *arg);
	int (*pif)(struct pif *pif, void *arg);
	int (*vif)(struct vif *vif, void *arg);
	int (*vlan)(struct vlan *vlan, void *arg);
	int (*bond)(struct bond *bond, void *arg);
	void *arg;
};
int store_load(struct store *st, const struct store_loader *ld);

/* The path the database was opened at. */
const char *store_path(const struct store *st);

/* The database's schema version (for tests and diagnostics). */
int store_schema_version(struct store *st);

#endif
