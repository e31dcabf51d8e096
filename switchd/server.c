/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket; see server.h. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "switchd.h"

/* A client gets this long to send its whole request, and to take the reply. */
#define SERVER_READ_TIMEOUT_MS 5000
#define SERVER_WRITE_TIMEOUT_MS 5000

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

static int reserve_fd = -1;

bool
server_reserve_fd(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return reserve_fd >= 0;
}

int
server_listen(const char *path, int *out)
{
	struct sockaddr_un sa;
	int fd, err;

	err = sockaddr_set(&sa, path);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return EADDRINUSE;
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, 0660) != 0 ||
	    listen(fd, 64) != 0) {
		err = errno;
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @events on @fd until @deadline (CLOCK_MONOTONIC ms). */
static bool
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int64_t left = deadline - now_ms();

	return left > 0 && poll(&pfd, 1, (int)left) == 1;
}

/* Read until EOF by @deadline; NULL on timeout, error or oversize. */
static char *
read_request(int fd, size_t *len, int64_t deadline)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);

	while (buf != NULL) {
		ssize_t r;

		if (!wait_fd(fd, POLLIN, deadline))
			break;
		r = read(fd, buf + n, cap - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			break;
		if (r == 0) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		n += (size_t)r;
		if (n == cap) {
			char *nb;

			if (cap >= SERVER_MAX_REQUEST)
				break;
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL)
				break;
			buf = nb;
		}
	}
	free(buf);
	return NULL;
}

/* Write all of @s by @deadline; a client that does not read loses its reply. */
static void
write_all(int fd, const char *s, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLOUT, deadline))
				return;
			continue;
		}
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

/* accept() found no descriptor: give up the reserve to take the connection
 * and say so. Returns EMFILE if even that found none (the reserve was lost
 * to another thread, or the limit is below it): the caller then stops
 * polling the listening socket for a while, or it would spin on it. */
static int
refuse_no_descriptors(int lfd)
{
	static const char reply[] = "{\"ok\":false,\"error\":\"INTERNAL_ERROR\",\"message\":"
				    "\"switchd is out of file descriptors\"}\n";
	size_t len;
	int fd;

	if (reserve_fd < 0 && !server_reserve_fd())
		return EMFILE;
	close(reserve_fd);
	reserve_fd = -1;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		server_reserve_fd();
		return EMFILE;
	}
	/* Take the request first: closing with it unread would reset the
	 * connection under a client still writing. */
	free(read_request(fd, &len, now_ms() + SERVER_READ_TIMEOUT_MS));
	write_all(fd, reply, sizeof(reply) - 1, now_ms() + SERVER_WRITE_TIMEOUT_MS);
	close(fd);
	server_reserve_fd();
	return 0;
}

int
server_serve_one(struct switchd *sd, int lfd)
{
	json_t *req = NULL, *reply;
	const char *verb = NULL;
	json_error_t jerr;
	size_t len = 0;
	char *buf, *out;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE))
		return refuse_no_descriptors(lfd);
	if (fd < 0)
		return 0;
	/* One client at a time: each gets a bounded time to send its request
	 * and to take its reply, so none can hold the daemon. */
	buf = read_request(fd, &len, now_ms() + SERVER_READ_TIMEOUT_MS);
	if (buf != NULL)
		req = json_loadb(buf, len, 0, &jerr);
	if (req != NULL)
		verb = json_string_value(json_object_get(req, "verb"));
	if (verb == NULL) {
		reply = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", "REQUEST_INVALID", "message",
				  buf == NULL ? "request too large, unterminated or unreadable"
					      : "expected {\"verb\": ..., \"params\": {...}}");
	} else {
		json_t *params = json_object_get(req, "params"), *empty = NULL;

		if (params == NULL)
			params = empty = json_object();
		reply = sd_call_verb(sd, verb, params);
		json_decref(empty);
	}
	out = json_dumps(reply, JSON_COMPACT);
	if (out != NULL) {
		size_t n = strlen(out);

		out[n] = '\n'; /* replaces the NUL: written with its length */
		write_all(fd, out, n + 1, now_ms() + SERVER_WRITE_TIMEOUT_MS);
		free(out);
	}
	json_decref(reply);
	json_decref(req);
	free(buf);
	close(fd);
	return 0;
}
