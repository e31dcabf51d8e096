/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket; see server.h. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "switchd.h"

/* With no descriptor for accept(), not even the reserve: look at the
 * listening socket again after this long (the connection waits in the
 * backlog meanwhile). */
#define SERVER_ACCEPT_BACKOFF_MS 100
/* Events taken from epoll per server_run(). */
#define SERVER_BATCH 64
/* How long to wait for an exiting switchd to let go of the socket. */
#define SERVER_TAKEOVER_WAIT_MS 5000

enum client_state {
	CLIENT_READING, /* taking the request, until EOF */
	CLIENT_WRITING, /* giving the reply */
};

struct client {
	TAILQ_ENTRY(client) next; /* srv->reading or srv->writing, by deadline */
	int fd;
	enum client_state state;
	int64_t deadline; /* CLOCK_MONOTONIC ms */
	pid_t pid;
	uid_t uid;
	enum sd_error refusal;	  /* answered with this error, whatever it asks */
	char *buf;		  /* the request, then the reply */
	size_t len, cap, off;	  /* off: reply bytes written */
	int fds[SD_CALL_MAX_FDS]; /* descriptors sent with the request (SCM_RIGHTS) */
	unsigned int n_fds;
};

TAILQ_HEAD(client_list, client);

struct server {
	struct switchd *sd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd, epfd;
	int lock_fd; /* holds "<socket>.lock" */
	bool have_group;
	gid_t gid;
	int64_t accept_paused_until; /* 0: accepting */
	unsigned int n_clients;
	/* Deadlines are set at a fixed interval from the moment a client
	 * enters a list, so appending keeps each list in deadline order. */
	struct client_list reading, writing;
};

static int reserve_fd = -1;

bool
server_reserve_fd(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return reserve_fd >= 0;
}

static int
sockaddr_set(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/* True if @pid is being torn down: killed (SIGKILL pending, the 31st field
 * of /proc/PID/stat; a thread not yet run since has no PF_EXITING),
 * exiting (PF_EXITING in the flags, the ninth), or a zombie. */
static bool
pid_exiting(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long sigpending = 0;
	unsigned long flags = 0;
	char state = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything */
	if (p == NULL ||
	    sscanf(p + 1,
		   " %c %*d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d"
		   " %*d %*d %*u %*u %*d %*u %*u %*u %*u %*u %*u %llu",
		   &state, &flags, &sigpending) != 3)
		return false;
	return state == 'Z' || state == 'X' || (flags & 0x4) != 0 /* PF_EXITING */ ||
	       (sigpending & (1ull << (SIGKILL - 1))) != 0;
}

/*
 * One switchd per control socket: a POSIX write lock on "<socket>.lock",
 * held for the life of the process. The lock, not the socket, says whether
 * the owner lives. The kernel drops a killed process's POSIX locks as soon
 * as it closes its descriptors, but releases what they refer to one by one
 * afterwards: a packet socket takes a grace period (about 15 ms) each, and
 * a switchd with hundreds of VIFs takes seconds to die, keeping its
 * listening socket to the last. A successor that holds the lock takes the
 * socket's path over at once. An owner that is exiting but has not closed
 * its descriptors yet is waited for, up to SERVER_TAKEOVER_WAIT_MS.
 */
static int
claim(struct server *srv, const char *path)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char lock[sizeof(srv->path) + 8];
	int64_t until = sd_now_ms() + SERVER_TAKEOVER_WAIT_MS;
	int fd;

	snprintf(lock, sizeof(lock), "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	while (fcntl(fd, F_SETLK, &fl) != 0) {
		struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		int err = errno;

		if (err != EAGAIN && err != EACCES) {
			close(fd);
			return err;
		}
		if (fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK &&
		    (!pid_exiting(who.l_pid) || sd_now_ms() >= until)) {
			LOG_ERR("control socket %s: another switchd (pid %d) is running there",
				path, (int)who.l_pid);
			close(fd);
			return EADDRINUSE;
		}
		usleep(10 * 1000);
	}
	srv->lock_fd = fd;
	return 0;
}

static int
listen_on(struct server *srv, const char *path)
{
	struct sockaddr_un sa;
	int fd, err;

	err = sockaddr_set(&sa, path);
	if (err)
		return err;
	err = claim(srv, path);
	if (err)
		return err;
	/* Ours now: a predecessor's socket, even one still being released,
	 * is replaced. */
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (srv->have_group && chown(path, (uid_t)-1, srv->gid) != 0) || chmod(path, 0660) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		err = errno;
		close(fd);
		unlink(path);
		return err;
	}
	srv->lfd = fd;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	return 0;
}

int
server_create(const char *path, const char *group, struct switchd *sd, struct server **out)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	struct server *srv = calloc(1, sizeof(*srv));
	struct group *gr;
	int err;

	if (srv == NULL)
		return ENOMEM;
	srv->sd = sd;
	srv->lfd = -1;
	srv->lock_fd = -1;
	TAILQ_INIT(&srv->reading);
	TAILQ_INIT(&srv->writing);
	gr = group != NULL ? getgrnam(group) : NULL;
	if (gr != NULL) {
		srv->have_group = true;
		srv->gid = gr->gr_gid;
	} else if (group != NULL) {
		LOG_INFO("no group %s (make install creates it): only root may use %s", group,
			 path);
	}
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0) {
		err = errno;
		free(srv);
		return err;
	}
	err = listen_on(srv, path);
	if (err == 0 && epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev) != 0)
		err = errno;
	if (err) {
		if (srv->lfd >= 0) {
			close(srv->lfd);
			unlink(path);
		}
		if (srv->lock_fd >= 0)
			close(srv->lock_fd);
		close(srv->epfd);
		free(srv);
		return err;
	}
	*out = srv;
	return 0;
}

int
server_fd(const struct server *srv)
{
	return srv->epfd;
}

int
server_timeout_ms(const struct server *srv)
{
	const struct client *r = TAILQ_FIRST(&srv->reading), *w = TAILQ_FIRST(&srv->writing);
	int64_t next = INT64_MAX, now;

	if (r != NULL)
		next = r->deadline;
	if (w != NULL && w->deadline < next)
		next = w->deadline;
	if (srv->accept_paused_until && srv->accept_paused_until < next)
		next = srv->accept_paused_until;
	if (next == INT64_MAX)
		return -1;
	now = sd_now_ms();
	return next <= now ? 0 : (int)(next - now);
}

static struct client_list *
client_list(struct server *srv, const struct client *c)
{
	return c->state == CLIENT_READING ? &srv->reading : &srv->writing;
}

static void
client_close(struct server *srv, struct client *c)
{
	for (unsigned int k = 0; k < c->n_fds; k++)
		if (c->fds[k] >= 0)
			close(c->fds[k]);
	c->n_fds = 0;
	TAILQ_REMOVE(client_list(srv, c), c, next);
	close(c->fd); /* leaves the epoll set with it */
	free(c->buf);
	free(c);
	srv->n_clients--;
	server_reserve_fd(); /* if it was given to a client */
}

/* Write what the socket takes of the reply; close once it is all out, or
 * if the client is gone. */
static void
client_write(struct server *srv, struct client *c)
{
	while (c->off < c->len) {
		ssize_t w = write(c->fd, c->buf + c->off, c->len - c->off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};

			epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->fd, &ev);
			return;
		}
		if (w <= 0)
			break;
		c->off += (size_t)w;
	}
	client_close(srv, c);
}

/* Make @reply (stolen) the client's reply and start giving it. */
static void
client_reply(struct server *srv, struct client *c, json_t *reply)
{
	char *out = reply != NULL ? json_dumps(reply, JSON_COMPACT) : NULL;

	json_decref(reply);
	free(c->buf);
	c->buf = out;
	if (out == NULL) {
		client_close(srv, c);
		return;
	}
	c->len = strlen(out);
	out[c->len++] = '\n'; /* replaces the NUL: written with its length */
	c->off = 0;
	TAILQ_REMOVE(&srv->reading, c, next);
	c->state = CLIENT_WRITING;
	c->deadline = sd_now_ms() + SERVER_TIMEOUT_MS;
	TAILQ_INSERT_TAIL(&srv->writing, c, next);
	client_write(srv, c);
}

static json_t *
error_reply(enum sd_error err, const char *message)
{
	return json_pack("{s:b, s:s, s:s}", "ok", 0, "error", sd_error_name(err), "message",
			 message);
}

/* The request is complete: apply it and reply. */
static void
client_serve(struct server *srv, struct client *c)
{
	char msg[128];

	if (c->refusal == SD_E_PERMISSION_DENIED) {
		snprintf(msg, sizeof(msg), "uid %u (pid %d) is not root and not in switchd's group",
			 (unsigned int)c->uid, (int)c->pid);
		client_reply(srv, c, error_reply(c->refusal, msg));
		return;
	}
	if (c->refusal != SD_OK) {
		client_reply(srv, c, error_reply(c->refusal, "switchd is out of file descriptors"));
		return;
	}
	client_reply(srv, c, server_request_fds(srv->sd, c->buf, c->len, c->fds, c->n_fds));
}

json_t *
server_request(struct switchd *sd, const char *buf, size_t len)
{
	return server_request_fds(sd, buf, len, NULL, 0);
}

json_t *
server_request_fds(struct switchd *sd, const char *buf, size_t len, int *fds, unsigned int n_fds)
{
	json_t *req, *reply;
	const char *verb = NULL;
	json_error_t jerr;

	req = json_loadb(buf, len, 0, &jerr);
	if (req != NULL)
		verb = json_string_value(json_object_get(req, "verb"));
	if (verb == NULL) {
		reply = error_reply(SD_E_REQUEST_INVALID,
				    "expected {\"verb\": ..., \"params\": {...}}");
	} else {
		json_t *params = json_object_get(req, "params"), *empty = NULL;

		if (params == NULL)
			params = empty = json_object();
		reply = sd_call_verb_fds(sd, verb, params, fds, n_fds);
		json_decref(empty);
	}
	json_decref(req);
	return reply;
}

/* read() that also takes the descriptors a client sends with its request
 * (netctl capture: its output, its lifeline); more than it may send are
 * closed. */
static ssize_t
recv_fds(struct client *c, char *buf, size_t len)
{
	char ctl[CMSG_SPACE(sizeof(int) * SD_CALL_MAX_FDS)];
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm;
	ssize_t r = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);

	if (r < 0)
		return r;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		unsigned int n, k;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (unsigned int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (k = 0; k < n; k++) {
			memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (c->n_fds < SD_CALL_MAX_FDS)
				c->fds[c->n_fds++] = fd;
			else
				close(fd);
		}
	}
	return r;
}

/* Take what the client has sent; serve it at EOF. */
static void
client_read(struct server *srv, struct client *c)
{
	for (;;) {
		ssize_t r;

		if (c->len == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 4096;
			char *nb;

			if (c->cap >= SERVER_MAX_REQUEST) {
				client_reply(srv, c,
					     error_reply(SD_E_REQUEST_INVALID,
							 "request larger than 1 MiB"));
				return;
			}
			nb = realloc(c->buf, cap);
			if (nb == NULL) {
				client_close(srv, c);
				return;
			}
			c->buf = nb;
			c->cap = cap;
		}
		r = recv_fds(c, c->buf + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0) {
			client_close(srv, c);
			return;
		}
		if (r == 0) {
			client_serve(srv, c);
			return;
		}
		c->len += (size_t)r;
	}
}

static bool
peer_in_group(int fd, gid_t gid, gid_t primary)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (primary == gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return false; /* more than 256 groups: refused, as with none */
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static unsigned int
clients_of(const struct client_list *l, pid_t pid)
{
	const struct client *c;
	unsigned int n = 0;

	TAILQ_FOREACH(c, l, next)
		n += c->pid == pid;
	return n;
}

/* A peer over its share: say so and close, without taking its request.
 * (A UNIX socket keeps what was written before close for the reader.) */
static void
refuse_now(int fd, pid_t pid)
{
	char msg[160];
	json_t *reply;
	char *out;

	snprintf(msg, sizeof(msg),
		 "pid %d holds %u connections to switchd already; close some and retry", (int)pid,
		 SERVER_MAX_PER_PEER);
	reply = error_reply(SD_E_TOO_MANY_CONNECTIONS, msg);
	out = reply != NULL ? json_dumps(reply, JSON_COMPACT) : NULL;
	if (out != NULL) {
		size_t n = strlen(out);

		out[n] = '\n'; /* replaces the NUL: written with its length */
		if (write(fd, out, n + 1) < 0)
			LOG_DBG("pid %d refused, and gone: %s", (int)pid, strerror(errno));
	}
	free(out);
	json_decref(reply);
	close(fd);
	server_reserve_fd(); /* if it took this connection */
}

/* Take one pending connection. Returns false if there is none to take now
 * (or no descriptor for it: accepting then pauses for a while). */
static bool
accept_one(struct server *srv)
{
	struct epoll_event ev = {.events = EPOLLIN};
	enum sd_error refusal = SD_OK;
	struct ucred cred = {0};
	socklen_t clen = sizeof(cred);
	struct client *c;
	int fd;

	fd = accept4(srv->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		/* Give up the reserve to take the connection and say so. */
		if (reserve_fd >= 0) {
			close(reserve_fd);
			reserve_fd = -1;
			fd = accept4(srv->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		}
		if (fd < 0) {
			server_reserve_fd();
			srv->accept_paused_until = sd_now_ms() + SERVER_ACCEPT_BACKOFF_MS;
			epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->lfd, NULL);
			return false;
		}
		refusal = SD_E_INTERNAL_ERROR;
	}
	if (fd < 0)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0) {
		close(fd);
		server_reserve_fd(); /* if it took this connection */
		return true;
	}
	if (clients_of(&srv->reading, cred.pid) + clients_of(&srv->writing, cred.pid) >=
	    SERVER_MAX_PER_PEER) {
		refuse_now(fd, cred.pid);
		return true;
	}
	if (refusal == SD_OK && cred.uid != 0 && cred.uid != geteuid() &&
	    !(srv->have_group && peer_in_group(fd, srv->gid, cred.gid)))
		refusal = SD_E_PERMISSION_DENIED;
	if (srv->n_clients >= SERVER_MAX_CLIENTS && !TAILQ_EMPTY(&srv->reading))
		client_close(srv, TAILQ_FIRST(&srv->reading));
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		server_reserve_fd();
		return true;
	}
	c->fd = fd;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->refusal = refusal;
	c->state = CLIENT_READING;
	c->deadline = sd_now_ms() + SERVER_TIMEOUT_MS;
	ev.data.ptr = c;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		free(c);
		server_reserve_fd();
		return true;
	}
	TAILQ_INSERT_TAIL(&srv->reading, c, next);
	srv->n_clients++;
	return true;
}

/* Clients past their deadline: one that has not sent its whole request is
 * told so, best effort; one that does not take its reply loses it. */
static void
expire(struct server *srv, int64_t now)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&srv->reading)) != NULL && c->deadline <= now) {
		static const char late[] = "{\"ok\":false,\"error\":\"REQUEST_INVALID\","
					   "\"message\":\"request not complete within 5 s\"}\n";

		/* Best effort: a client that is gone or not reading loses it. */
		ssize_t w = write(c->fd, late, sizeof(late) - 1);

		(void)w;
		client_close(srv, c);
	}
	while ((c = TAILQ_FIRST(&srv->writing)) != NULL && c->deadline <= now)
		client_close(srv, c);
}

void
server_run(struct server *srv)
{
	struct epoll_event ev[SERVER_BATCH];
	bool pending = false;
	int n;

	n = epoll_wait(srv->epfd, ev, SERVER_BATCH, 0);
	/* Each client has one descriptor, so it is in the batch at most
	 * once; connections are taken after the batch, because the cap on
	 * clients may close one. */
	for (int i = 0; i < n; i++) {
		struct client *c = ev[i].data.ptr;

		if (c == NULL)
			pending = true;
		else if (c->state == CLIENT_READING)
			client_read(srv, c);
		else
			client_write(srv, c);
	}
	for (int i = 0; pending && i < SERVER_BATCH; i++)
		pending = accept_one(srv);
	if (srv->accept_paused_until && sd_now_ms() >= srv->accept_paused_until) {
		struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};

		if (server_reserve_fd()) {
			srv->accept_paused_until = 0;
			epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &lev);
		} else {
			srv->accept_paused_until = sd_now_ms() + SERVER_ACCEPT_BACKOFF_MS;
		}
	}
	expire(srv, sd_now_ms());
}

void
server_stop(struct server *srv)
{
	if (srv == NULL || srv->lfd < 0)
		return;
	while (!TAILQ_EMPTY(&srv->reading))
		client_close(srv, TAILQ_FIRST(&srv->reading));
	while (!TAILQ_EMPTY(&srv->writing))
		client_close(srv, TAILQ_FIRST(&srv->writing));
	close(srv->lfd);
	srv->lfd = -1;
	unlink(srv->path);
	close(srv->epfd);
	srv->epfd = -1;
}

void
server_destroy(struct server *srv)
{
	if (srv == NULL)
		return;
	if (srv->lfd >= 0)
		server_stop(srv);
	close(srv->lock_fd); /* last: the taps and the path were ours until now */
	free(srv);
}
