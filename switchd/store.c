/* SPDX-License-Identifier: BSD-3-Clause */
/* SQLite-backed configuration store; see store.h. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../datapath/datapath.h"
#include "../lib/fault.h"
#include "../lib/log.h"

/* Space kept next to the database for the commit that finds the disk full
 * (see store_commit()): far more than one verb writes. */
#define STORE_RESERVE_BYTES (1 << 20)

struct store {
	sqlite3 *db;
	char path[PATH_MAX];
	char reserve[PATH_MAX + 16]; /* <path>-reserve */
	dev_t dev;		     /* the file opened: a file now at @path */
	ino_t ino;		     /* with another identity is not ours */
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS network ("
	" uuid TEXT PRIMARY KEY, name_label TEXT NOT NULL, bridge TEXT NOT NULL UNIQUE,"
	" mtu INTEGER NOT NULL, host_mac TEXT NOT NULL,"
	" group_fwd_mask INTEGER NOT NULL DEFAULT 0, mac_limit INTEGER NOT NULL DEFAULT 0,"
	" default_locking_mode TEXT NOT NULL DEFAULT 'unlocked');"
	"CREATE TABLE IF NOT EXISTS pif ("
	" uuid TEXT PRIMARY KEY, device TEXT NOT NULL UNIQUE, mac TEXT NOT NULL,"
	" mtu INTEGER NOT NULL, vlan INTEGER NOT NULL, network_uuid TEXT NOT NULL,"
	" management INTEGER NOT NULL, physical INTEGER NOT NULL, backend TEXT NOT NULL,"
	" ip_mode TEXT NOT NULL, ip TEXT NOT NULL, netmask TEXT NOT NULL,"
	" gateway TEXT NOT NULL, dns TEXT NOT NULL, attached INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS vif ("
	" uuid TEXT PRIMARY KEY, vm_uuid TEXT NOT NULL, device INTEGER NOT NULL,"
	" mac TEXT NOT NULL, mtu INTEGER NOT NULL, network_uuid TEXT NOT NULL,"
	" domid INTEGER NOT NULL, attached INTEGER NOT NULL, ifname TEXT NOT NULL,"
	" vhost_path TEXT NOT NULL DEFAULT '', vhost_server INTEGER NOT NULL DEFAULT 0,"
	" mac_limit INTEGER NOT NULL DEFAULT 0, qos_type TEXT NOT NULL DEFAULT '',"
	" qos_kbps INTEGER NOT NULL DEFAULT 0, qos_timeslice_us INTEGER NOT NULL DEFAULT 0,"
	" locking_mode TEXT NOT NULL DEFAULT 'network_default',"
	" ipv4_allowed TEXT NOT NULL DEFAULT '', ipv6_allowed TEXT NOT NULL DEFAULT '',"
	" UNIQUE (vm_uuid, device));"
	"CREATE TABLE IF NOT EXISTS vlan ("
	" uuid TEXT PRIMARY KEY, tagged_pif TEXT NOT NULL, untagged_pif TEXT NOT NULL UNIQUE,"
	" tag INTEGER NOT NULL, UNIQUE (tagged_pif, tag));"
	"CREATE TABLE IF NOT EXISTS bond ("
	" uuid TEXT PRIMARY KEY, master TEXT NOT NULL UNIQUE, members TEXT NOT NULL,"
	" primary_member TEXT NOT NULL, mode TEXT NOT NULL, properties TEXT NOT NULL,"
	" auto_update_mac INTEGER NOT NULL, active_member TEXT NOT NULL);";

static int
exec(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : EIO;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &s,
			       NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = atoi((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

/* Put the database's last error in @err (the caller's: the handle that owns
 * SQLite's message is closed next), then close @st. */
static int
open_fail(struct store *st, int code, const char *what, char *err, size_t len)
{
	snprintf(err, len, "%s", what != NULL ? what : sqlite3_errmsg(st->db));
	if (st->db != NULL)
		exec(st, "ROLLBACK");
	store_close(st);
	return code;
}

/* The database and the files SQLite keeps beside it are readable by root
 * only: they hold the whole network configuration. */
static int
make_private(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char f[PATH_MAX + 8];
	struct stat sb;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(f, sizeof(f), "%s%s", path, suffix[i]);
		if (stat(f, &sb) == 0 && (sb.st_mode & 077) && chmod(f, 0600) != 0)
			return errno;
	}
	return 0;
}

/* PRAGMA quick_check, before anything is written: a damaged database is
 * never written to. */
static int
quick_check(struct store *st, char *err, size_t len)
{
	const unsigned char *t;
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, len, "%s", sqlite3_errmsg(st->db));
		return EIO;
	}
	rc = sqlite3_step(s);
	t = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	if (t == NULL || strcmp((const char *)t, "ok") != 0) {
		snprintf(err, len, "%s", t != NULL ? (const char *)t : sqlite3_errmsg(st->db));
		for (char *p = err; *p != '\0'; p++) /* its report has lines */
			if (*p == '\n')
				*p = ' ';
	}
	/* Damaged: a report, or an error that says so; any other failure
	 * (not a database, busy, I/O) is named as it is. */
	if (t != NULL)
		rc = strcmp((const char *)t, "ok") == 0 ? 0 : EBADMSG;
	else
		rc = (rc & 0xff) == SQLITE_CORRUPT ? EBADMSG : EIO;
	sqlite3_finalize(s);
	return rc;
}

int
store_open(const char *path, struct store **out, char *err, size_t len)
{
	struct store *st = calloc(1, sizeof(*st));
	struct stat sb;
	int v, e;

	if (st == NULL) {
		snprintf(err, len, "cannot allocate");
		return ENOMEM;
	}
	snprintf(st->path, sizeof(st->path), "%s", path);
	snprintf(st->reserve, sizeof(st->reserve), "%s-reserve", path);
	e = make_private(path);
	if (e) {
		snprintf(err, len, "unable to open: %s", strerror(e));
		free(st);
		return EIO;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		return open_fail(st, EIO, st->db ? NULL : "cannot open", err, len);
	sqlite3_busy_timeout(st->db, 2000);
	e = quick_check(st, err, len);
	if (e == EIO) { /* not a database at all */
		store_close(st);
		return EIO;
	}
	if (e) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, len,
			 "damaged (quick_check: %s); it is left as it is. Restore it from a backup,"
			 " or salvage it with: sqlite3 %s .recover | sqlite3 NEW-FILE",
			 why, path);
		store_close(st);
		return EBADMSG;
	}
	/* WAL + synchronous=NORMAL: a commit is durable against a crash of the
	 * process (kill -9); only a power loss may lose the last commits. */
	if (exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		     " PRAGMA foreign_keys=ON;") != 0 ||
	    exec(st, "BEGIN IMMEDIATE") != 0 || exec(st, schema) != 0)
		return open_fail(st, EIO, NULL, err, len);
	v = store_schema_version(st);
	if (v > STORE_SCHEMA_VERSION)
		return open_fail(st, EPROTO, "the database was written by a newer switchd", err,
				 len);
	/* Upgrades, in order: version 1 lacked the vlan table and 1 to 4 the
	 * bond table, which the schema above just made; 1 and 2 lacked the
	 * vhost-user columns of vif; 1 to 3 lacked the MAC limits and the
	 * group forward mask; 1 to 5 the QoS columns of vif; 1 to 6 the
	 * locking columns of vif and network. */
	if ((v == 0 && exec(st, "INSERT INTO meta VALUES ('schema_version', '7')") != 0) ||
	    ((v == 1 || v == 2) &&
	     exec(st,
		  "ALTER TABLE vif ADD COLUMN vhost_path TEXT NOT NULL DEFAULT '';"
		  "ALTER TABLE vif ADD COLUMN vhost_server INTEGER NOT NULL DEFAULT 0;") != 0) ||
	    (v >= 1 && v <= 3 &&
	     exec(st, "ALTER TABLE network ADD COLUMN group_fwd_mask INTEGER NOT NULL DEFAULT 0;"
		      "ALTER TABLE network ADD COLUMN mac_limit INTEGER NOT NULL DEFAULT 0;"
		      "ALTER TABLE vif ADD COLUMN mac_limit INTEGER NOT NULL DEFAULT 0;"
		      "UPDATE meta SET value='4' WHERE key='schema_version'") != 0) ||
	    (v >= 1 && v <= 5 &&
	     exec(st, "ALTER TABLE vif ADD COLUMN qos_type TEXT NOT NULL DEFAULT '';"
		      "ALTER TABLE vif ADD COLUMN qos_kbps INTEGER NOT NULL DEFAULT 0;"
		      "ALTER TABLE vif ADD COLUMN qos_timeslice_us INTEGER NOT NULL DEFAULT 0;"
		      "UPDATE meta SET value='6' WHERE key='schema_version'") != 0) ||
	    (v >= 1 && v <= 6 &&
	     exec(st, "ALTER TABLE vif ADD COLUMN locking_mode TEXT NOT NULL"
		      " DEFAULT 'network_default';"
		      "ALTER TABLE vif ADD COLUMN ipv4_allowed TEXT NOT NULL DEFAULT '';"
		      "ALTER TABLE vif ADD COLUMN ipv6_allowed TEXT NOT NULL DEFAULT '';"
		      "ALTER TABLE network ADD COLUMN default_locking_mode TEXT NOT NULL"
		      " DEFAULT 'unlocked';"
		      "UPDATE meta SET value='7' WHERE key='schema_version'") != 0) ||
	    exec(st, "COMMIT") != 0)
		return open_fail(st, EIO, NULL, err, len);
	if (stat(path, &sb) != 0)
		return open_fail(st, EIO, "vanished while being opened", err, len);
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	make_private(path); /* the -wal and -shm files SQLite just made */
	*out = st;
	return 0;
}

/* Make the reserve if it is missing. */
static int
reserve_make(struct store *st)
{
	struct stat sb;
	int fd, e;

	if (stat(st->reserve, &sb) == 0 && sb.st_size >= STORE_RESERVE_BYTES)
		return 0;
	fd = open(st->reserve, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno;
	e = posix_fallocate(fd, 0, STORE_RESERVE_BYTES);
	close(fd);
	if (e)
		unlink(st->reserve);
	return e;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

int
store_check(struct store *st, char *err, size_t len)
{
	struct stat sb;
	int e;

	if (st->db == NULL) {
		snprintf(err, len, "%s could not be opened again; restart switchd", st->path);
		return EIO;
	}
	e = stat(st->path, &sb) != 0 ? errno : 0;
	if (e != 0 || sb.st_dev != st->dev || sb.st_ino != st->ino) {
		snprintf(err, len,
			 "%s was %s while switchd runs; the running configuration is intact: "
			 "netctl store-restore writes it back there",
			 st->path, e == ENOENT ? "deleted" : "replaced");
		return ENOENT;
	}
	e = reserve_make(st);
	if (e) {
		snprintf(err, len, "no room for the database beside %s (%s): free %d KiB there",
			 st->path, strerror(e), STORE_RESERVE_BYTES / 1024);
		return ENOSPC;
	}
	return 0;
}

int
store_restore(struct store *st, char *err, size_t len)
{
	char tmp[PATH_MAX + 16];
	sqlite3_stmt *s;
	struct store *fresh;
	int rc;

	snprintf(tmp, sizeof(tmp), "%s-restore", st->path);
	unlink(tmp);
	/* The deleted file is still open: copy it, committed state only. */
	if (sqlite3_prepare_v2(st->db, "VACUUM INTO ?", -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, len, "%s", sqlite3_errmsg(st->db));
		return EIO;
	}
	sqlite3_bind_text(s, 1, tmp, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE || chmod(tmp, 0600) != 0) {
		snprintf(err, len, "cannot write %s: %s", tmp, sqlite3_errmsg(st->db));
		unlink(tmp);
		return EIO;
	}
	/* Close the old one first: closing checkpoints it and removes the
	 * -wal and -shm files at the path, which are about to be the new
	 * file's. */
	sqlite3_close(st->db);
	st->db = NULL;
	if (rename(tmp, st->path) != 0) { /* the copy stays: the only one now */
		snprintf(err, len, "cannot rename %s to %s: %s; the configuration is in %s", tmp,
			 st->path, strerror(errno), tmp);
		return EIO;
	}
	rc = store_open(st->path, &fresh, err, len);
	if (rc)
		return rc;
	st->db = fresh->db;
	st->dev = fresh->dev;
	st->ino = fresh->ino;
	free(fresh);
	return 0;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);
	free(st);
}

int
store_begin(struct store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *st)
{
	struct statvfs vfs;
	int rc;

	/* Little room left: give the commit the reserve. (A commit that
	 * finds the disk full is rolled back by SQLite: too late then.) The
	 * verbs after it are refused by store_check() until there is room
	 * for the reserve again. */
	if (statvfs(st->path, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < STORE_RESERVE_BYTES / 2)
		unlink(st->reserve);
	if (fault_hit(FAULT_STORE_COMMIT))
		return EIO;
	rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : (rc & 0xff) == SQLITE_FULL ? ENOSPC : EIO;
}

void
store_rollback(struct store *st)
{
	exec(st, "ROLLBACK");
}

/* Bind a list of values described by @fmt ('s' text, 'i' int, 'L' long
 * long) and step. */
static int
run(struct store *st, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int i, rc;

	if (fault_hit(FAULT_STORE_WRITE) ||
	    sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return EIO;
	va_start(ap, fmt);
	for (i = 0; fmt[i] != '\0'; i++) {
		if (fmt[i] == 's')
			sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
		else if (fmt[i] == 'L')
			sqlite3_bind_int64(s, i + 1, va_arg(ap, long long));
		else
			sqlite3_bind_int(s, i + 1, va_arg(ap, int));
	}
	va_end(ap);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : EIO;
}

int
store_network_put(struct store *st, const struct network *n)
{
	char mac[MAC_STRLEN];

	return run(
		st,
		"INSERT INTO network VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(uuid) DO UPDATE SET"
		" name_label=excluded.name_label, bridge=excluded.bridge, mtu=excluded.mtu,"
		" host_mac=excluded.host_mac, group_fwd_mask=excluded.group_fwd_mask,"
		" mac_limit=excluded.mac_limit, default_locking_mode=excluded.default_locking_mode",
		"sssisiis", n->uuid, n->name_label, n->bridge, (int)n->mtu,
		mac_format(&n->host_mac, mac), (int)n->group_fwd_mask, (int)n->mac_limit,
		n->locking_disabled ? "disabled" : "unlocked");
}

int
store_network_del(struct store *st, const char *uuid)
{
	return run(st, "DELETE FROM network WHERE uuid=?", "s", uuid);
}

int
store_pif_put(struct store *st, const struct pif *p)
{
	char mac[MAC_STRLEN];

	return run(
		st,
		"INSERT INTO pif VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(uuid) DO "
		"UPDATE SET"
		" device=excluded.device, mac=excluded.mac, mtu=excluded.mtu, vlan=excluded.vlan,"
		" network_uuid=excluded.network_uuid, management=excluded.management,"
		" physical=excluded.physical, backend=excluded.backend, ip_mode=excluded.ip_mode,"
		" ip=excluded.ip, netmask=excluded.netmask, gateway=excluded.gateway,"
		" dns=excluded.dns, attached=excluded.attached",
		"sssiisiissssssi", p->uuid, p->device, mac_format(&p->mac, mac), (int)p->mtu,
		p->vlan, p->network_uuid, (int)p->management, (int)p->physical, p->backend,
		pif_ip_mode_str(p->ip.mode), p->ip.ip, p->ip.netmask, p->ip.gateway, p->ip.dns,
		(int)(p->attached || p->pending));
}

int
store_pif_del(struct store *st, const char *uuid)
{
	return run(st, "DELETE FROM pif WHERE uuid=?", "s", uuid);
}

int
store_vif_put(struct store *st, const struct vif *v)
{
	char mac[MAC_STRLEN], v4[VIF_LOCK_MAX_ADDRS * 16], v6[VIF_LOCK_MAX_ADDRS * 40];

	vif_lock_addrs_format(&v->lock, false, v4, sizeof(v4));
	vif_lock_addrs_format(&v->lock, true, v6, sizeof(v6));
	return run(
		st,
		"INSERT INTO vif VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(uuid) DO "
		"UPDATE SET"
		" vm_uuid=excluded.vm_uuid, device=excluded.device, mac=excluded.mac,"
		" mtu=excluded.mtu, network_uuid=excluded.network_uuid, domid=excluded.domid,"
		" attached=excluded.attached, ifname=excluded.ifname,"
		" vhost_path=excluded.vhost_path, vhost_server=excluded.vhost_server,"
		" mac_limit=excluded.mac_limit, qos_type=excluded.qos_type,"
		" qos_kbps=excluded.qos_kbps, qos_timeslice_us=excluded.qos_timeslice_us,"
		" locking_mode=excluded.locking_mode, ipv4_allowed=excluded.ipv4_allowed,"
		" ipv6_allowed=excluded.ipv6_allowed",
		"ssisisiissiisLLsss", v->uuid, v->vm_uuid, v->device, mac_format(&v->mac, mac),
		(int)v->mtu, v->network_uuid, v->domid, (int)(v->attached || v->pending), v->ifname,
		v->vhost_path, (int)v->vhost_server, (int)v->mac_limit,
		v->qos.ratelimit ? QOS_TYPE_RATELIMIT : "", (long long)v->qos.kbps,
		(long long)v->qos.timeslice_us, vif_locking_mode_str(v->lock.mode), v4, v6);
}

int
store_vif_del(struct store *st, const char *uuid)
{
	return run(st, "DELETE FROM vif WHERE uuid=?", "s", uuid);
}

int
store_vlan_put(struct store *st, const struct vlan *v)
{
	return run(st,
		   "INSERT INTO vlan VALUES (?,?,?,?) ON CONFLICT(uuid) DO UPDATE SET"
		   " tagged_pif=excluded.tagged_pif, untagged_pif=excluded.untagged_pif,"
		   " tag=excluded.tag",
		   "sssi", v->uuid, v->tagged_pif, v->untagged_pif, (int)v->tag);
}

int
store_vlan_del(struct store *st, const char *uuid)
{
	return run(st, "DELETE FROM vlan WHERE uuid=?", "s", uuid);
}

int
store_bond_put(struct store *st, const struct bond *b)
{
	json_t *props = bond_props_json(&b->props, b->kind);
	char members[BOND_MAX_MEMBERS * PIF_UUID_LEN] = "", *text;
	int err;

	for (unsigned int i = 0; i < b->n_members; i++)
		snprintf(members + strlen(members), sizeof(members) - strlen(members), "%s%s",
			 i ? "," : "", b->member[i]);
	text = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(props);
	if (text == NULL)
		return ENOMEM;
	err = run(st,
		  "INSERT INTO bond VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(uuid) DO UPDATE SET"
		  " master=excluded.master, members=excluded.members,"
		  " primary_member=excluded.primary_member, mode=excluded.mode,"
		  " properties=excluded.properties, auto_update_mac=excluded.auto_update_mac,"
		  " active_member=excluded.active_member",
		  "ssssssis", b->uuid, b->master, members, b->primary_member,
		  bond_kind_str(b->kind), text, (int)b->auto_update_mac, b->active_member);
	free(text);
	return err;
}

int
store_bond_del(struct store *st, const char *uuid)
{
	return run(st, "DELETE FROM bond WHERE uuid=?", "s", uuid);
}

static void
col_text(sqlite3_stmt *s, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static int
load_networks(struct store *st, const struct store_loader *ld)
{
	sqlite3_stmt *s;
	int rc, err = 0;

	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT uuid,name_label,bridge,mtu,host_mac,group_fwd_mask,mac_limit,"
		    "default_locking_mode"
		    " FROM network"
		    " ORDER BY rowid",
		    -1, &s, NULL) != SQLITE_OK)
		return EIO;
	while (err == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct network *n = calloc(1, sizeof(*n));
		char mac[MAC_STRLEN];

		if (n == NULL) {
			err = ENOMEM;
			break;
		}
		col_text(s, 0, n->uuid, sizeof(n->uuid));
		col_text(s, 1, n->name_label, sizeof(n->name_label));
		col_text(s, 2, n->bridge, sizeof(n->bridge));
		n->mtu = (uint16_t)sqlite3_column_int(s, 3);
		col_text(s, 4, mac, sizeof(mac));
		mac_parse(mac, &n->host_mac);
		n->group_fwd_mask = (uint16_t)sqlite3_column_int(s, 5);
		n->mac_limit = (uint32_t)sqlite3_column_int(s, 6);
		n->locking_disabled =
			strcmp((const char *)sqlite3_column_text(s, 7), "disabled") == 0;
		err = ld->network(n, ld->arg);
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = EIO; /* a read error, not the end of the table */
	sqlite3_finalize(s);
	return err;
}

static int
load_pifs(struct store *st, const struct store_loader *ld)
{
	sqlite3_stmt *s;
	int rc, err = 0;

	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT uuid,device,mac,mtu,vlan,network_uuid,management,physical,"
		    "backend,ip_mode,ip,netmask,gateway,dns,attached FROM pif ORDER BY rowid",
		    -1, &s, NULL) != SQLITE_OK)
		return EIO;
	while (err == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pif *p = calloc(1, sizeof(*p));
		char buf[MAC_STRLEN];

		if (p == NULL) {
			err = ENOMEM;
			break;
		}
		col_text(s, 0, p->uuid, sizeof(p->uuid));
		col_text(s, 1, p->device, sizeof(p->device));
		col_text(s, 2, buf, sizeof(buf));
		mac_parse(buf, &p->mac);
		p->mtu = (uint16_t)sqlite3_column_int(s, 3);
		p->vlan = sqlite3_column_int(s, 4);
		col_text(s, 5, p->network_uuid, sizeof(p->network_uuid));
		p->management = sqlite3_column_int(s, 6) != 0;
		p->physical = sqlite3_column_int(s, 7) != 0;
		col_text(s, 8, p->backend, sizeof(p->backend));
		col_text(s, 9, buf, sizeof(buf));
		if (pif_ip_mode_parse(buf, &p->ip.mode) != 0)
			p->ip.mode = PIF_IP_NONE;
		col_text(s, 10, p->ip.ip, sizeof(p->ip.ip));
		col_text(s, 11, p->ip.netmask, sizeof(p->ip.netmask));
		col_text(s, 12, p->ip.gateway, sizeof(p->ip.gateway));
		col_text(s, 13, p->ip.dns, sizeof(p->ip.dns));
		p->attached = sqlite3_column_int(s, 14) != 0;
		p->dp_port = DP_PORT_NONE;
		err = ld->pif(p, ld->arg);
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = EIO; /* a read error, not the end of the table */
	sqlite3_finalize(s);
	return err;
}

static int
load_vifs(struct store *st, const struct store_loader *ld)
{
	sqlite3_stmt *s;
	int rc, err = 0;

	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT uuid,vm_uuid,device,mac,mtu,network_uuid,domid,attached,ifname,"
		    "vhost_path,vhost_server,mac_limit,qos_type,qos_kbps,qos_timeslice_us,"
		    "locking_mode,ipv4_allowed,ipv6_allowed FROM vif ORDER BY rowid",
		    -1, &s, NULL) != SQLITE_OK)
		return EIO;
	while (err == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vif *v = calloc(1, sizeof(*v));
		char mac[MAC_STRLEN], bad[80];

		if (v == NULL) {
			err = ENOMEM;
			break;
		}
		col_text(s, 0, v->uuid, sizeof(v->uuid));
		col_text(s, 1, v->vm_uuid, sizeof(v->vm_uuid));
		v->device = sqlite3_column_int(s, 2);
		col_text(s, 3, mac, sizeof(mac));
		mac_parse(mac, &v->mac);
		v->mtu = (uint16_t)sqlite3_column_int(s, 4);
		col_text(s, 5, v->network_uuid, sizeof(v->network_uuid));
		v->domid = sqlite3_column_int(s, 6);
		v->attached = sqlite3_column_int(s, 7) != 0;
		col_text(s, 8, v->ifname, sizeof(v->ifname));
		col_text(s, 9, v->vhost_path, sizeof(v->vhost_path));
		v->vhost_server = sqlite3_column_int(s, 10) != 0;
		v->mac_limit = (uint32_t)sqlite3_column_int(s, 11);
		v->qos.ratelimit = strcmp((const char *)sqlite3_column_text(s, 12), "") != 0;
		v->qos.kbps = (uint64_t)sqlite3_column_int64(s, 13);
		v->qos.timeslice_us = (uint64_t)sqlite3_column_int64(s, 14);
		/* Written by us: a value that does not parse (a database
		 * edited by hand) must not unlock a VIF that was locked: it
		 * is disabled, with a warning. */
		if (vif_locking_mode_parse((const char *)sqlite3_column_text(s, 15),
					   &v->lock.mode) != 0 ||
		    vif_lock_addrs_parse(&v->lock, false, (const char *)sqlite3_column_text(s, 16),
					 bad, sizeof(bad)) != 0 ||
		    vif_lock_addrs_parse(&v->lock, true, (const char *)sqlite3_column_text(s, 17),
					 bad, sizeof(bad)) != 0) {
			memset(&v->lock, 0, sizeof(v->lock));
			v->lock.mode = VIF_LOCKING_DISABLED;
			LOG_WARN("store: VIF %s: its locking does not parse: disabled", v->uuid);
		}
		v->dp_port = DP_PORT_NONE;
		err = ld->vif(v, ld->arg);
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = EIO; /* a read error, not the end of the table */
	sqlite3_finalize(s);
	return err;
}

static int
load_vlans(struct store *st, const struct store_loader *ld)
{
	sqlite3_stmt *s;
	int rc, err = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT uuid,tagged_pif,untagged_pif,tag FROM vlan ORDER BY rowid",
			       -1, &s, NULL) != SQLITE_OK)
		return EIO;
	while (err == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vlan *v = calloc(1, sizeof(*v));

		if (v == NULL) {
			err = ENOMEM;
			break;
		}
		col_text(s, 0, v->uuid, sizeof(v->uuid));
		col_text(s, 1, v->tagged_pif, sizeof(v->tagged_pif));
		col_text(s, 2, v->untagged_pif, sizeof(v->untagged_pif));
		v->tag = (uint16_t)sqlite3_column_int(s, 3);
		err = ld->vlan(v, ld->arg);
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = EIO;
	sqlite3_finalize(s);
	return err;
}

/* The comma-separated members of a bond row into @b. */
static void
bond_members_parse(struct bond *b, const char *list)
{
	char buf[1024], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	b->n_members = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL && b->n_members < BOND_MAX_MEMBERS;
	     tok = strtok_r(NULL, ",", &save))
		snprintf(b->member[b->n_members++], PIF_UUID_LEN, "%s", tok);
}

static int
load_bonds(struct store *st, const struct store_loader *ld)
{
	sqlite3_stmt *s;
	int rc, err = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT uuid,master,members,primary_member,mode,properties,"
			       "auto_update_mac,active_member FROM bond ORDER BY rowid",
			       -1, &s, NULL) != SQLITE_OK)
		return EIO;
	while (err == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bond *b = calloc(1, sizeof(*b));
		char buf[1024];
		json_t *props;

		if (b == NULL) {
			err = ENOMEM;
			break;
		}
		col_text(s, 0, b->uuid, sizeof(b->uuid));
		col_text(s, 1, b->master, sizeof(b->master));
		col_text(s, 2, buf, sizeof(buf));
		bond_members_parse(b, buf);
		col_text(s, 3, b->primary_member, sizeof(b->primary_member));
		col_text(s, 4, buf, sizeof(buf));
		if (bond_kind_parse(buf, &b->kind) != 0 || b->n_members < 2) {
			free(b);
			err = EBADMSG;
			break;
		}
		col_text(s, 5, buf, sizeof(buf));
		props = json_loads(buf, 0, NULL);
		bond_props_from_json(&b->props, b->kind, props);
		json_decref(props);
		b->auto_update_mac = sqlite3_column_int(s, 6) != 0;
		col_text(s, 7, b->active_member, sizeof(b->active_member));
		b->wake = BOND_NEVER;
		for (unsigned int i = 0; i < BOND_MAX_MEMBERS; i++)
			b->dp_member[i] = DP_PORT_NONE;
		err = ld->bond(b, ld->arg);
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = EIO;
	sqlite3_finalize(s);
	return err;
}

int
store_load(struct store *st, const struct store_loader *ld)
{
	int err = load_networks(st, ld);

	if (err == 0)
		err = load_pifs(st, ld);
	if (err == 0)
		err = load_vifs(st, ld);
	if (err == 0)
		err = load_vlans(st, ld);
	if (err == 0)
		err = load_bonds(st, ld);
	return err;
}
