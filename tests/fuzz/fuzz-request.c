/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-request.c - the control protocol: the input is one request as a
 * client sends it, served by the code the socket uses (server_request()
 * and every verb), against a real store and datapath. State carries over
 * from one input to the next, as it does in switchd.
 *
 * Checks: every reply is {"ok": true, ...} or {"ok": false, "error":
 * NAME, "message": ...} with a known error name, and a refused change
 * leaves the configuration as it was (all four listings compared).
 *
 * It runs in a network namespace of its own (unshare; root), so that what
 * a verb makes (bridges' taps) goes nowhere else; the database and
 * runtime files are in a directory of its own, removed at exit.
 */
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_eal.h>

#include "../../datapath/datapath.h"
#include "../../switchd/server.h"
#include "../../switchd/store.h"
#include "../../switchd/switchd.h"
#include "fuzz.h"

static struct switchd sd;
static char tmpdir[64];

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
remove_dir(void)
{
	if (sd.store != NULL)
		store_close(sd.store);
	if (nftw(tmpdir, remove_one, 8, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "fuzz-request: cannot remove %s\n", tmpdir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/sdfuzz-request.XXXXXX";
	struct dp_params p = {.n_workers = 1, .launch = false, .fdb_size = 4096, .name = "fz"};
	char path[256], msg[256];

	(void)argc;
	if (unshare(CLONE_NEWNET) != 0) {
		perror("fuzz-request: a network namespace of its own (needs root)");
		return 1;
	}
	if (mkdtemp(dir) == NULL) {
		perror("fuzz-request: a directory of its own");
		return 1;
	}
	if (fuzz_eal_start((*argv)[0], "request") != 0 || dp_create(&p, &sd.dp) != 0) {
		fprintf(stderr, "fuzz-request: cannot start DPDK and the datapath\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/switchd.db", dir);
	snprintf(tmpdir, sizeof(tmpdir), "%s", dir);
	atexit(remove_dir);
	if (store_open(path, &sd.store, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "fuzz-request: store: %s\n", msg);
		return 1;
	}
	snprintf(sd.rundir, sizeof(sd.rundir), "%s", dir);
	snprintf(sd.instance, sizeof(sd.instance), "switchd-fuzz");
	TAILQ_INIT(&sd.networks);
	TAILQ_INIT(&sd.pifs);
	TAILQ_INIT(&sd.vifs);
	TAILQ_INIT(&sd.vlans);
	TAILQ_INIT(&sd.bonds);
	return 0;
}

static json_t *
listing(void)
{
	static const char *const verbs[] = {"network-list", "pif-list", "vif-list", "vlan-list"};
	json_t *all = json_array();
	unsigned int i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		json_t *params = json_object();

		json_array_append_new(all, sd_call_verb(&sd, verbs[i], params));
		json_decref(params);
	}
	return all;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *before = listing(), *reply = server_request(&sd, (const char *)data, size),
	       *ok = json_object_get(reply, "ok");
	const char *name = json_string_value(json_object_get(reply, "error"));

	if (!json_is_boolean(ok)) {
		fprintf(stderr, "fuzz-request: a reply without \"ok\"\n");
		abort();
	}
	if (!json_is_true(ok)) {
		json_t *after = listing();
		bool known = false;
		int e;

		for (e = 1; e < SD_E__MAX && name != NULL; e++)
			known |= sd_error_name((enum sd_error)e) != NULL &&
				 strcmp(sd_error_name((enum sd_error)e), name) == 0;
		if (!known || !json_is_string(json_object_get(reply, "message"))) {
			fprintf(stderr, "fuzz-request: a refusal without a known name: %s\n",
				name ? name : "(none)");
			abort();
		}
		if (!json_equal(before, after)) {
			fprintf(stderr,
				"fuzz-request: refused (%s) but changed the configuration\n", name);
			abort();
		}
		json_decref(after);
	}
	json_decref(before);
	json_decref(reply);
	return 0;
}
