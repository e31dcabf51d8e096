/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * verbs.c - the dispatcher: a request's verb found in the table
 * (verbs.def), its keys checked, its handler (in its object's folder) run
 * in a store transaction when it changes state, the outcome turned into a
 * reply; the daemon-wide verbs (check, store-restore); start-up.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../datapath/datapath.h"
#include "../pif/pif-verbs.h"
#include "../vif/vif-verbs.h"
#include "call.h"
#include "store.h"
#include "switchd.h"
#include "verbs.h"

/* The database file was deleted or replaced under switchd: write the
 * running configuration (the committed one, still open) back there. A file
 * that replaced it is kept aside. */
int
verb_store_restore(struct switchd *sd, struct sd_call *c)
{
	char msg[512], aside[PATH_MAX + 32];
	const char *path = store_path(sd->store);
	int err = store_check(sd->store, msg, sizeof(msg));
	bool moved = false;

	if (err == 0 || err == ENOSPC) {
		c->result = json_string("nothing to restore: the database is in place");
		return 0;
	}
	if (err != ENOENT) /* a restore that failed half-way: the handle is gone */
		return sd_fail(c, SD_E_STORE_ERROR, "%s", msg);
	snprintf(aside, sizeof(aside), "%s-replaced-%lld", path, (long long)time(NULL));
	if (access(path, F_OK) == 0) {
		if (rename(path, aside) != 0)
			return sd_fail(c, SD_E_STORE_ERROR,
				       "cannot move the file now at %s aside: %s", path,
				       strerror(errno));
		moved = true;
	}
	if (store_restore(sd->store, msg, sizeof(msg)) != 0)
		return sd_fail(c, SD_E_STORE_ERROR, "cannot restore %s: %s", path, msg);
	LOG_INFO("store-restore: the running configuration is written to %s again%s%s", path,
		 moved ? "; the file found there is now " : "", moved ? aside : "");
	c->result = json_string(path);
	return 0;
}

int
verb_check(struct switchd *sd, struct sd_call *c)
{
	c->result = sd_check(sd);
	return 0;
}

/* The table. */

typedef int (*sd_handler)(struct switchd *sd, struct sd_call *c);

/* Each verb's handler, in the order of sd_verbs (both from verbs.def). */
static const sd_handler handlers[] = {
#define SD_VERB(handler, name, req, opt, flags, summary) verb_##handler,
#include "verbs.def"
#undef SD_VERB
};

/* Is @key one of the comma-separated names in @list? A name that ends in
 * ':' (properties:) takes every key it begins (properties:updelay), as
 * xe's map keys. */
static bool
in_list(const char *list, const char *key)
{
	const char *colon = strchr(key, ':');
	size_t len = strlen(key);
	const char *p = list;

	if (len == 0)
		return false;
	if (colon != NULL && colon[1] != '\0') {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "%.*s", (int)(colon - key + 1), key);
		if ((size_t)(colon - key + 1) < sizeof(prefix) && in_list(list, prefix))
			return true;
	}
	while ((p = strstr(p, key)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static int
check_keys(const struct sd_verb *v, struct sd_call *c)
{
	char req[256], *tok, *save = NULL;
	const char *key;
	json_t *val;

	json_object_foreach(c->params, key, val) {
		if (key[0] == '\0')
			return sd_fail(c, SD_E_REQUEST_INVALID, "a key is empty");
		for (const char *p = key; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return sd_fail(c, SD_E_CONTROL_CHARACTER,
					       "a key holds a control character (0x%02x)",
					       (unsigned char)*p);
		if (!json_is_string(val))
			return sd_fail(c, SD_E_REQUEST_INVALID, "value of %s is not a string", key);
		/* A newline in a name would forge lines in listings and logs. */
		for (const char *p = json_string_value(val); *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return sd_fail(
					c, SD_E_CONTROL_CHARACTER,
					"the value of %s= holds a control character (0x%02x at "
					"%zu)",
					key, (unsigned char)*p,
					(size_t)(p - json_string_value(val)));
		if (!in_list(v->required, key) && !in_list(v->optional, key))
			return sd_fail(c, SD_E_UNKNOWN_PARAMETER,
				       "%s does not take %s= (see netctl help %s)", v->name, key,
				       v->name);
	}
	snprintf(req, sizeof(req), "%s", v->required);
	for (tok = strtok_r(req, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		if (sd_arg(c, tok) == NULL)
			return sd_fail(c, SD_E_MISSING_PARAMETER, "%s needs %s=", v->name, tok);
	return 0;
}

/* Keep the records that match every filter (list verbs only); then keep
 * only the params= fields. */
static void
list_filter(struct sd_call *c, bool filter)
{
	const char *params = sd_arg(c, "params");
	json_t *out = json_array(), *rec, *val;
	const char *key;
	size_t i;

	json_array_foreach(c->result, i, rec) {
		bool match = true;

		json_object_foreach(c->params, key, val) {
			const char *have = json_string_value(json_object_get(rec, key));

			if (!filter || strcmp(key, "params") == 0)
				continue;
			if (have == NULL || strcmp(have, json_string_value(val)) != 0)
				match = false;
		}
		if (!match)
			continue;
		if (params != NULL && strcmp(params, "all") != 0) {
			json_t *sel = json_object();
			json_t *fv;
			const char *fk;

			json_object_foreach(rec, fk, fv)
				if (in_list(params, fk))
					json_object_set(sel, fk, fv);
			json_array_append_new(out, sel);
		} else {
			json_array_append(out, rec);
		}
	}
	json_decref(c->result);
	c->result = out;
}

/* May a change be stored now? Refuses it by name if not. */
static int
store_ready(struct switchd *sd, struct sd_call *c)
{
	char msg[512];
	int err;

	if (sd->diverged[0] != '\0')
		return sd_fail(c, SD_E_STORE_ERROR,
			       "%s could not be committed earlier; restart switchd to realise the"
			       " stored configuration",
			       sd->diverged);
	err = store_check(sd->store, msg, sizeof(msg));
	if (err)
		return sd_fail(c,
			       err == ENOENT   ? SD_E_STORE_MISSING
			       : err == ENOSPC ? SD_E_STORE_FULL
					       : SD_E_STORE_ERROR,
			       "%s", msg);
	return 0;
}

/* Commit the transaction change @what ran in. If even the reserve was not
 * enough (or the disk failed), the live change is made but not stored:
 * forwarding goes on, and every change is refused until a restart realises
 * what is stored. Returns 0 or the store's errno. */
static int
commit_or_diverge(struct switchd *sd, const char *what)
{
	int err = store_commit(sd->store);

	if (err != 0) {
		snprintf(sd->diverged, sizeof(sd->diverged), "%s", what);
		LOG_ERR("%s could not be committed: refusing changes until a restart", what);
	}
	return err;
}

int
sd_transaction(struct switchd *sd, const char *what, int (*fn)(struct switchd *sd, void *arg),
	       void *arg)
{
	int rc;

	if (sd->diverged[0] != '\0' || store_begin(sd->store) != 0)
		return -1;
	rc = fn(sd, arg);
	if (rc != 0)
		store_rollback(sd->store);
	else if (commit_or_diverge(sd, what) != 0)
		rc = -1;
	return rc;
}

/* Refusals come at a client's pace. */
static struct log_rate_limit refused_rl = LOG_RATE_LIMIT_INIT(600, 600);

json_t *
sd_call_verb(struct switchd *sd, const char *name, json_t *params)
{
	return sd_call_verb_fds(sd, name, params, NULL, 0);
}

json_t *
sd_call_verb_fds(struct switchd *sd, const char *name, json_t *params, int *fds, unsigned int n_fds)
{
	struct sd_call c = {.params = params, .fds = fds, .n_fds = n_fds};
	const struct sd_verb *v = sd_verb_find(name);
	bool txn = false;
	json_t *reply;
	int rc = -1, err;

	if (v == NULL) {
		sd_fail(&c, SD_E_UNKNOWN_VERB, "no verb %s (see netctl help)", name);
	} else if (!json_is_object(params)) {
		sd_fail(&c, SD_E_REQUEST_INVALID, "params must be an object");
	} else if (check_keys(v, &c) == 0) {
		if (!(v->flags & (SD_VERB_RO | SD_VERB_LIVE)) && store_ready(sd, &c) == 0) {
			if (store_begin(sd->store) != 0)
				sd_fail(&c, SD_E_STORE_ERROR, "cannot start a transaction");
			else
				txn = true;
		}
		if (txn || (v->flags & (SD_VERB_RO | SD_VERB_LIVE)))
			rc = handlers[v - sd_verbs](sd, &c);
		if (txn && rc == 0 && (err = commit_or_diverge(sd, name)) != 0)
			rc = sd_fail(&c, err == ENOSPC ? SD_E_STORE_FULL : SD_E_STORE_ERROR,
				     "%s could not be committed; its live change stays until"
				     " switchd is restarted, and no change is taken until then",
				     name);
		if (txn && rc != 0)
			store_rollback(sd->store);
		if (rc == 0 && json_is_array(c.result))
			list_filter(&c, v->flags & SD_VERB_LIST);
	}
	if (rc == 0) {
		LOG_DBG("%s: done", name);
		reply = json_pack("{s:b, s:o}", "ok", 1, "result",
				  c.result ? c.result : json_null());
	} else {
		json_decref(c.result);
		reply = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", sd_error_name(c.err),
				  "message", c.msg);
		LOG_INFO_RL(&refused_rl, "%s: %s: %s", name, sd_error_name(c.err), c.msg);
	}
	if (reply == NULL) /* only if out of memory */
		reply = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", "INTERNAL_ERROR", "message",
				  "cannot build the reply");
	return reply;
}

static void
left_tap_removed(const char *name, int err)
{
	log_msg(err ? LOG_LEVEL_WARNING : LOG_LEVEL_INFO,
		"%s: host interface left by a killed switchd%s%s", name,
		err ? ", not removed: " : ", removed", err ? strerror(err) : "");
}

void
sd_realise_all(struct switchd *sd)
{
	int err;

	/* The workers take the whole configuration at once, at the end. */
	dp_batch_begin(sd->dp);
	if (network_adopt_begin(sd->instance) != 0)
		LOG_WARN("cannot list host interfaces: each bridge's is looked up alone");
	pif_realise_all(sd);
	vif_realise_all(sd);
	err = dp_batch_end(sd->dp);
	if (err)
		LOG_ERR("the datapath did not take the configuration: %s", strerror(err));
	/* Taps of this instance no network adopted (their network is gone
	 * from a restored database, or cannot be realised) go. */
	network_adopt_end(left_tap_removed);
}

void
sd_retry_pending(struct switchd *sd)
{
	if (sd->diverged[0] != '\0')
		return;
	pif_retry_pending(sd);
	vif_retry_pending(sd);
}
