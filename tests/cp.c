/* SPDX-License-Identifier: BSD-3-Clause */
/* cp.c - see cp.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../switchd/store.h"
#include "cp.h"

void
cp_open(struct cp *cp, struct dp *dp)
{
	char path[128], msg[256];

	snprintf(cp->dir, sizeof(cp->dir), "/tmp/sdtest-cp-XXXXXX");
	assert_non_null(mkdtemp(cp->dir));
	snprintf(path, sizeof(path), "%s/db", cp->dir);
	memset(&cp->sd, 0, sizeof(cp->sd));
	cp->sd.dp = dp;
	snprintf(cp->sd.rundir, sizeof(cp->sd.rundir), "%s", cp->dir);
	snprintf(cp->sd.instance, sizeof(cp->sd.instance), "sdtest-%d", (int)getpid());
	TAILQ_INIT(&cp->sd.networks);
	TAILQ_INIT(&cp->sd.pifs);
	TAILQ_INIT(&cp->sd.vifs);
	TAILQ_INIT(&cp->sd.vlans);
	TAILQ_INIT(&cp->sd.bonds);
	assert_int_equal(store_open(path, &cp->sd.store, msg, sizeof(msg)), 0);
}

void
cp_close(struct cp *cp)
{
	char cmd[160];

	sd_objects_free(&cp->sd);
	store_close(cp->sd.store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cp->dir);
	assert_int_equal(system(cmd), 0);
}

const char *
cp_call(struct cp *cp, const char *verb, json_t *params, char *out, size_t len)
{
	json_t *reply = sd_call_verb(&cp->sd, verb, params);
	static char err[64];
	char *text;

	json_decref(params);
	assert_non_null(reply);
	if (json_is_true(json_object_get(reply, "ok"))) {
		text = json_dumps(json_object_get(reply, "result"),
				  JSON_ENCODE_ANY | JSON_SORT_KEYS);
		/* A result cut short would compare equal when it is not. */
		assert_true(snprintf(out, len, "%s", text ? text : "") < (int)len);
		free(text);
		snprintf(err, sizeof(err), "OK");
	} else {
		snprintf(err, sizeof(err), "%s",
			 json_string_value(json_object_get(reply, "error")));
		snprintf(out, len, "%s", json_string_value(json_object_get(reply, "message")));
	}
	json_decref(reply);
	return err;
}

void
cp_snapshot(struct cp *cp, char *out, size_t len)
{
	static const char *const lists[] = {"network-list", "pif-list", "vif-list", "vlan-list"};
	char part[16384];
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		assert_string_equal(cp_call(cp, lists[i], json_object(), part, sizeof(part)), "OK");
		used += (size_t)snprintf(out + used, len - used, "%s\n", part);
		assert_true(used < len);
	}
}
