/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * server.h - the control socket: a UNIX stream socket; each connection
 * carries one JSON request, {"verb": "...", "params": {"key": "value"}},
 * terminated by the client shutting down its sending side, and gets one
 * JSON reply (see sd_call_verb()).
 */
#ifndef SWITCHD_SERVER_H
#define SWITCHD_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct switchd;

/* Largest request accepted, in bytes. */
#define SERVER_MAX_REQUEST (1u << 20)

/* Listen on @path. EADDRINUSE if a switchd already answers there; a stale
 * socket file is replaced. Returns 0 and the fd in *fd, or an errno. */
int server_listen(const char *path, int *fd);

/* Keep a descriptor in reserve, so that a switchd that runs out of
 * descriptors can still take a connection and answer that it has none
 * (INTERNAL_ERROR); otherwise the pending connection would wake poll()
 * again and again and the client would wait in vain. Call it early (after
 * stdio is set up): the reserve then has a low number, below any limit.
 * Takes it again if it is gone; returns whether it is held. */
bool server_reserve_fd(void);

/* Accept one connection on @lfd, serve its request, close it. Returns
 * EMFILE if no descriptor, not even the reserve, could take the
 * connection: the caller must then leave @lfd alone until
 * server_reserve_fd() succeeds again, or poll() would spin on it. */
int server_serve_one(struct switchd *sd, int lfd);

#endif
