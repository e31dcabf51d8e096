/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * call.h - one invocation of a verb, and what every handler shares. Each
 * object's folder holds its verbs' handlers (verbs.def names them); the
 * dispatcher (verbs.c) checks the keys, wraps a handler that changes state
 * in a store transaction and turns its outcome into a reply.
 *
 * A handler that changes live state follows one order, so that the
 * transaction's rollback covers every failure: validate; write the new
 * record (a copy) to the store; make the live change, undoing its own
 * earlier steps if a later one fails; only then update the object in
 * memory. It fails with sd_fail() (or a helper below), which returns -1.
 */
#ifndef SWITCHD_CALL_H
#define SWITCHD_CALL_H

#include <stdbool.h>

#include <jansson.h>

#include "errors.h"

struct switchd;

struct sd_call {
	json_t *params; /* borrowed: key -> string */
	json_t *result; /* owned: string, array of records, or NULL */
	enum sd_error err;
	char msg[512];
	/* Descriptors the client sent with the request (netctl capture):
	 * a verb that keeps one sets its slot to -1; the others are closed
	 * after the reply. */
	int *fds;
	unsigned int n_fds;
};

/* Every verb's handler: 0, or -1 with c->err and c->msg set. */
#define SD_VERB(handler, name, req, opt, flags, summary) \
	int verb_##handler(struct switchd *sd, struct sd_call *c);
#include "verbs.def"
#undef SD_VERB

/* Run @fn(@sd, @arg) as a verb runs, in a store transaction: committed if
 * it returns 0, rolled back otherwise. A commit that fails leaves its live
 * change and switchd refusing changes until a restart, as a verb's does
 * (@what names it in the log). Returns @fn's result, or -1 if there was no
 * transaction to run it in (switchd diverged, or the store refused). */
int sd_transaction(struct switchd *sd, const char *what, int (*fn)(struct switchd *sd, void *arg),
		   void *arg);

/* Fail @c with error @e and a message; returns -1. */
__attribute__((format(printf, 3, 4))) int sd_fail(struct sd_call *c, enum sd_error e,
						  const char *fmt, ...);

/* The value of key @key, or NULL. */
const char *sd_arg(const struct sd_call *c, const char *key);

/* Is @key given as true (true, yes, 1)? */
bool sd_arg_true(const struct sd_call *c, const char *key);

/* A new random uuid into @out (37 bytes). */
void sd_new_uuid(char *out);

/* Is @s a uuid? */
bool sd_uuid_valid(const char *s);

/* No @what has the uuid given as @key=: UUID_INVALID. */
int sd_no_such(struct sd_call *c, const char *what, const char *key);

/* The store refused a write: STORE_ERROR. */
int sd_store_err(struct sd_call *c);

/* A port's frames must stay on Ethernet: never onto the host's lo, a tun
 * or any other link type. NETDEV_NOT_ETHERNET. */
int sd_not_ethernet(struct sd_call *c, const char *ifname);

/* A datapath or netlink failure @err on @what, by its named error. */
int sd_dp_fail(struct sd_call *c, int err, const char *what);

/* Records: every field a string, as xe prints them. */
void sd_rec_str(json_t *rec, const char *key, const char *val);
void sd_rec_int(json_t *rec, const char *key, long long val);

/* A list verb's filter on @key, tried before the record is built: a
 * lookup by uuid or name (what the toolstack and the hotplug script do)
 * then costs no record for every other object. The dispatcher still
 * applies every filter to the records. */
bool sd_prefilter(struct sd_call *c, const char *key, const char *value);

#endif
