/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * server.h - the control socket: a UNIX stream socket; each connection
 * carries one JSON request, {"verb": "...", "params": {"key": "value"}},
 * terminated by the client shutting down its sending side, and gets one
 * JSON reply (see sd_call_verb()).
 *
 * Clients are served event-driven: many are connected at once, each with
 * its own buffers and deadlines, so that none, stalled or slow, delays
 * another. Verbs are still applied one at a time, in the order their
 * requests complete.
 */
#ifndef SWITCHD_SERVER_H
#define SWITCHD_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct switchd;
struct server;

/* Largest request accepted, in bytes. */
#define SERVER_MAX_REQUEST (1u << 20)
/* A client gets this long to send its whole request, and again to take
 * its reply. */
#define SERVER_TIMEOUT_MS 5000
/* Connections held at once; at the cap the oldest one still sending its
 * request is dropped for the new one. */
#define SERVER_MAX_CLIENTS 1024
/* Connections held at once for one peer process; more are refused
 * (TOO_MANY_CONNECTIONS). */
#define SERVER_MAX_PER_PEER 64

/* Listen on @path and serve @sd there. EADDRINUSE (logged, with its pid)
 * if a live switchd holds "@path.lock"; a switchd that is being killed is
 * waited for (up to 5 s) and its socket replaced at once, even while the
 * kernel is still releasing it. The socket is mode 0660,
 * its group @group if that group exists (else the daemon's). Peers are
 * served if they are root, switchd's own user, or in @group (by
 * SO_PEERCRED and SO_PEERGROUPS); others get PERMISSION_DENIED. Returns 0
 * and the server in *out, or an errno. */
int server_create(const char *path, const char *group, struct switchd *sd, struct server **out);

/* One request as a client sends it (@len bytes of JSON, not terminated):
 * the reply (a new reference). */
json_t *server_request(struct switchd *sd, const char *buf, size_t len);
/* The same with descriptors the client sent (taken by the verb, or
 * closed by the caller: those the verb took are set to -1). */
json_t *server_request_fds(struct switchd *sd, const char *buf, size_t len, int *fds,
			   unsigned int n_fds);

/* Close every connection and the socket; removes the socket file. The
 * instance's lock is kept: the process still owns its taps. */
void server_stop(struct server *srv);

/* server_stop() if not done, then release the lock (last thing at exit:
 * a successor may take over from then on). */
void server_destroy(struct server *srv);

/* A descriptor to poll() for input: it is readable when server_run() has
 * work. */
int server_fd(const struct server *srv);

/* Milliseconds until server_run() must be called even if server_fd() is
 * not readable (a client's deadline), or -1. */
int server_timeout_ms(const struct server *srv);

/* Serve whatever is ready, without blocking; drop clients past their
 * deadline. */
void server_run(struct server *srv);

/* Keep a descriptor in reserve, so that a switchd that runs out of
 * descriptors can still take a connection and answer that it has none
 * (INTERNAL_ERROR); otherwise the pending connection would wake poll()
 * again and again and the client would wait in vain. Call it early (after
 * stdio is set up): the reserve then has a low number, below any limit.
 * Takes it again if it is gone; returns whether it is held. */
bool server_reserve_fd(void);

#endif
