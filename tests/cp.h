/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp.h - switchd's control plane inside a test: its objects on a store of
 * their own in a temporary directory, over a datapath the test made (or
 * none, for verbs that need none), verbs called as the socket would call
 * them. For cmocka tests: a failure is an assertion.
 */
#ifndef SWITCHD_TESTS_CP_H
#define SWITCHD_TESTS_CP_H

#include <stddef.h>

#include <jansson.h>

#include "../switchd/switchd.h"

struct cp {
	char dir[64];
	struct switchd sd;
};

/* An empty switchd over datapath @dp (may be NULL). */
void cp_open(struct cp *cp, struct dp *dp);

/* Free its objects, close its store and remove its directory (the
 * datapath is the caller's). */
void cp_close(struct cp *cp);

/* Call @verb with @params (stolen); "OK" and the result's JSON text in
 * @out, or the error's name and its message in @out. The name is in a
 * buffer the next call reuses. */
const char *cp_call(struct cp *cp, const char *verb, json_t *params, char *out, size_t len);

/* Everything switchd lists, as one text. */
void cp_snapshot(struct cp *cp, char *out, size_t len);

#endif
