/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netctl.c - the command-line client of switchd, in the manner of xe:
 * `netctl VERB key=value ...`. It sends one JSON request over the control
 * socket and prints the reply: records as xe does, --minimal as a
 * comma-separated line, --json as JSON. Errors go to stderr as
 * "NAME: message" with a non-zero exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "../switchd/verbs.h"
#include "../lib/text.h"
#include "args.h"

/* A verb may take this long (pif-scan, plugging a port). */
#define REPLY_TIMEOUT_MS 60000

static void
print_keys(FILE *f, const char *list, bool optional)
{
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(tok);

		/* A map key (properties:) takes any KEY under it, as xe's. */
		if (len > 0 && tok[len - 1] == ':')
			fprintf(f, optional ? " [%sKEY=VALUE ...]" : " %sKEY=VALUE ...", tok);
		else
			fprintf(f, optional ? " [%s=]" : " %s=", tok);
	}
}

static void
verb_usage(FILE *f, const struct sd_verb *v)
{
	fprintf(f, "%s", v->name);
	print_keys(f, v->required, false);
	if (v->flags & SD_VERB_LIST)
		fprintf(f, " [FIELD=VALUE ...] [params=FIELD,...]");
	else
		print_keys(f, v->optional, true);
	fprintf(f, "\n    ");
	text_wrap(f, v->summary, 4, 4, 79);
	if (v->flags & SD_VERB_LIST) {
		char fields[512], *c;

		snprintf(fields, sizeof(fields), "%s", v->optional);
		for (c = fields; (c = strchr(c, ',')) != NULL;)
			*c = ' ';
		fprintf(f, "    fields: ");
		text_wrap(f, fields, 12, 12, 79);
	}
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: netctl [--socket PATH] [--json] [--minimal] VERB [key=value ...]\n"
		   "       netctl help [VERB]\n\n"
		   "The socket defaults to $SWITCHD_SOCKET, else /run/switchd/switchd.sock.\n\n"
		   "verbs:\n");
	for (i = 0; i < sd_n_verbs; i++) {
		fprintf(f, "  %-20s ", sd_verbs[i].name);
		text_wrap(f, sd_verbs[i].summary, 23, 23, 79);
	}
}

/* Send the first @len bytes of @req with descriptors @fds (SCM_RIGHTS). */
static ssize_t
send_with_fds(int fd, const char *req, size_t len, const int *fds, unsigned int n_fds)
{
	char ctl[CMSG_SPACE(sizeof(int) * 2)];
	struct iovec iov = {.iov_base = (void *)req, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	if (n_fds == 0)
		return write(fd, req, len);
	memset(ctl, 0, sizeof(ctl));
	msg.msg_control = ctl;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	return sendmsg(fd, &msg, MSG_NOSIGNAL);
}

static int
send_request(const char *path, const char *req, const int *fds, unsigned int n_fds, char **reply)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(req), cap = 65536, n = 0;
	char *buf;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int err = errno;

		close(fd);
		return err;
	}
	while (len > 0) {
		ssize_t w = send_with_fds(fd, req, len, fds, n_fds);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return EPIPE;
		}
		req += w;
		len -= (size_t)w;
		n_fds = 0; /* sent with the first bytes */
	}
	shutdown(fd, SHUT_WR);
	buf = malloc(cap + 1);
	while (buf != NULL) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) <= 0) {
			free(buf);
			close(fd);
			return ETIMEDOUT;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			char *nb = realloc(buf, 2 * cap + 1);

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (buf == NULL)
		return ENOMEM;
	buf[n] = '\0';
	*reply = buf;
	return 0;
}

static const char *
value_str(json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return json_is_true(v) ? "true" : json_is_false(v) ? "false" : "";
}

/* xe's layout: one "key ( RO): value" block per record, keys right-aligned. */
static void
print_records(json_t *recs)
{
	size_t i, width = 0;
	json_t *rec, *v;
	const char *k;
	char buf[32];

	json_array_foreach(recs, i, rec)
		json_object_foreach(rec, k, v)
			if (strlen(k) > width)
				width = strlen(k);
	json_array_foreach(recs, i, rec) {
		if (i > 0)
			printf("\n");
		json_object_foreach(rec, k, v)
			printf("%*s : %s\n", (int)width, k, value_str(v, buf, sizeof(buf)));
	}
}

/* trace: a line per step, as ofproto/trace prints them; the records'
 * other fields are the same steps as data (--json). */
static void
print_trace(json_t *steps)
{
	size_t i;
	json_t *rec;

	json_array_foreach(steps, i, rec) {
		const char *stage = json_string_value(json_object_get(rec, "stage"));
		const char *port = json_string_value(json_object_get(rec, "port"));
		const char *detail = json_string_value(json_object_get(rec, "detail"));

		if (stage != NULL && strcmp(stage, "result") == 0)
			printf("result: %s\n", detail ? detail : "");
		else
			printf("%2zu. %-7s %-16s %s\n", i + 1, stage ? stage : "", port ? port : "",
			       detail ? detail : "");
	}
}

/* --minimal: the uuids (or the single selected field) on one line. */
static void
print_minimal(json_t *recs)
{
	size_t i;
	json_t *rec;
	char buf[32];

	json_array_foreach(recs, i, rec) {
		json_t *v = json_object_get(rec, "uuid");

		if (v == NULL || json_object_size(rec) == 1)
			v = json_object_iter_value(json_object_iter(rec));
		printf("%s%s", i ? "," : "", v ? value_str(v, buf, sizeof(buf)) : "");
	}
	printf("\n");
}

static int
help(const char *verb)
{
	const struct sd_verb *v;

	if (verb == NULL) {
		usage(stdout);
		return 0;
	}
	v = sd_verb_find(verb);
	if (v == NULL) {
		fprintf(stderr, "UNKNOWN_VERB: no verb %s (see netctl help)\n", verb);
		return 1;
	}
	verb_usage(stdout, v);
	return 0;
}

/* netctl capture: the output (file=PATH, file=- for standard output:
 * pcapng; no file: a line per frame on standard output). switchd gets the
 * write end of a pipe of ours, which only it then writes (it makes it
 * non-blocking: a descriptor shared with a terminal or a file must not
 * be), and netctl copies what comes through to the output; and a
 * lifeline, one end of a socket pair. Ctrl-C shuts our side of the
 * lifeline down; switchd then ends the capture, writes its summary there
 * and closes both. */
static volatile sig_atomic_t capture_stop;
static char *capture_made; /* the output file, if netctl created it */
static int capture_out = -1, capture_in = -1;

static void
on_stop(int sig)
{
	(void)sig;
	capture_stop = 1;
}

/* A capture that does not start leaves no file behind. */
static void
capture_abort(void)
{
	if (capture_made != NULL)
		unlink(capture_made);
}

static int
capture_prepare(struct ctl_args *a, int fds[2], int life[2])
{
	const char *file = json_string_value(json_object_get(a->params, "file"));
	int pp[2];

	capture_out = STDOUT_FILENO;
	if (file != NULL && strcmp(file, "-") != 0) {
		capture_made = access(file, F_OK) != 0 ? strdup(file) : NULL;
		/* Emptied once switchd takes the capture, not before. */
		capture_out = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (capture_out < 0) {
			fprintf(stderr, "FILE_UNWRITABLE: %s: %s\n", file, strerror(errno));
			return -1;
		}
	}
	if (pipe2(pp, O_CLOEXEC) != 0) {
		fprintf(stderr, "INTERNAL_ERROR: pipe: %s\n", strerror(errno));
		capture_abort();
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, life) != 0) {
		fprintf(stderr, "INTERNAL_ERROR: socketpair: %s\n", strerror(errno));
		close(pp[0]);
		close(pp[1]);
		capture_abort();
		return -1;
	}
	json_object_set_new(a->params, "format", json_string(file != NULL ? "pcapng" : "text"));
	json_object_del(a->params, "file");
	capture_in = pp[0];
	fds[0] = pp[1];
	fds[1] = life[1];
	return 0;
}

/* Copy what the pipe has to the output; false at its end. */
static bool
capture_copy(void)
{
	char buf[65536];
	ssize_t r = read(capture_in, buf, sizeof(buf));

	if (r < 0 && errno == EINTR)
		return true;
	if (r <= 0)
		return false;
	for (ssize_t off = 0; off < r;) {
		ssize_t w = write(capture_out, buf + off, (size_t)(r - off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false; /* the reader is gone: switchd sees the pipe close */
		off += w;
	}
	return true;
}

static int
capture_wait(json_t *result, int life)
{
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll returns */
	bool shut = false, piped = true, lived = true;
	json_t *rec, *sum;
	char buf[512];
	size_t i, n = 0;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (capture_out != STDOUT_FILENO && ftruncate(capture_out, 0) != 0)
		fprintf(stderr, "FILE_UNWRITABLE: cannot empty the file: %s\n", strerror(errno));
	fprintf(stderr, "capturing on");
	json_array_foreach(result, i, rec)
		fprintf(stderr, "%s %s", i ? "," : "",
			json_string_value(json_object_get(rec, "interface")));
	fprintf(stderr, "\n");
	while (piped || lived) {
		struct pollfd p[2] = {{.fd = piped ? capture_in : -1, .events = POLLIN},
				      {.fd = lived ? life : -1, .events = POLLIN}};

		if (capture_stop && !shut) {
			shutdown(life, SHUT_WR);
			shut = true;
		}
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[0].revents != 0 && !capture_copy()) {
			close(capture_in);
			piped = false;
		}
		if (p[1].revents != 0) {
			ssize_t r = read(life, buf + n, sizeof(buf) - 1 - n);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || (n += (size_t)r) == sizeof(buf) - 1)
				lived = false;
		}
	}
	buf[n] = '\0';
	close(life);
	if (capture_out != STDOUT_FILENO)
		close(capture_out);
	sum = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
	if (sum == NULL) {
		fprintf(stderr, "CAPTURE_LOST: switchd ended the capture without its summary\n");
		return 1;
	}
	fprintf(stderr,
		"%" JSON_INTEGER_FORMAT " frames written, %" JSON_INTEGER_FORMAT
		" dropped by the capture%s%s\n",
		json_integer_value(json_object_get(sum, "written")),
		json_integer_value(json_object_get(sum, "dropped")),
		json_object_get(sum, "output") ? ": " : "",
		json_object_get(sum, "output") ? json_string_value(json_object_get(sum, "output"))
					       : "");
	json_decref(sum);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl_args a;
	json_t *req, *rep, *result;
	json_error_t jerr;
	char err[256], *text, *reply = NULL;
	int rc, fds[2] = {-1, -1}, life[2] = {-1, -1};

	if (ctl_args_parse(argc, argv, &a, err, sizeof(err)) != 0) {
		fprintf(stderr, "INVALID_ARGUMENTS: %s (see netctl --help)\n", err);
		ctl_args_free(&a);
		return 2;
	}
	if (a.verb == NULL && !a.help) {
		/* Named, as every refusal is, on the first line. */
		fprintf(stderr, "INVALID_ARGUMENTS: no verb given (see netctl --help)\n");
		usage(stderr);
		ctl_args_free(&a);
		return 2;
	}
	if (a.help || strcmp(a.verb, "help") == 0) {
		const char *v = a.verb && strcmp(a.verb, "help") != 0
					? a.verb
					: json_string_value(json_object_get(a.params, "verb"));

		rc = help(v);
		ctl_args_free(&a);
		return rc;
	}

	if (strcmp(a.verb, "capture") == 0 && capture_prepare(&a, fds, life) != 0) {
		ctl_args_free(&a);
		return 1;
	}
	req = json_pack("{s:s, s:O}", "verb", a.verb, "params", a.params);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	rc = send_request(a.socket, text, fds, fds[0] >= 0 ? 2 : 0, &reply);
	free(text);
	if (fds[0] >= 0) {
		/* switchd has its own copies now. */
		close(fds[0]);
		close(fds[1]);
	}
	if (rc != 0)
		capture_abort();
	if (rc != 0) {
		if (rc == ENOENT || rc == ECONNREFUSED)
			fprintf(stderr, "SWITCHD_NOT_RUNNING: no switchd answers on %s (%s)\n",
				a.socket, strerror(rc));
		else
			fprintf(stderr, "SWITCHD_UNREACHABLE: %s: %s\n", a.socket, strerror(rc));
		ctl_args_free(&a);
		return 1;
	}
	rep = json_loads(reply, 0, &jerr);
	free(reply);
	if (rep == NULL) {
		capture_abort();
		fprintf(stderr,
			"PROTOCOL_ERROR: switchd on %s closed the connection without a valid reply"
			" (see its log)\n",
			a.socket);
		ctl_args_free(&a);
		return 1;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		fprintf(stderr, "%s: %s\n", json_string_value(json_object_get(rep, "error")),
			json_string_value(json_object_get(rep, "message")));
		capture_abort(); /* a refusal leaves nothing behind */
		json_decref(rep);
		ctl_args_free(&a);
		return 1;
	}
	result = json_object_get(rep, "result");
	if (life[0] >= 0) {
		rc = capture_wait(result, life[0]);
		json_decref(rep);
		ctl_args_free(&a);
		return rc;
	}
	if (a.json) {
		text = json_dumps(result, JSON_INDENT(2) | JSON_ENCODE_ANY);
		printf("%s\n", text ? text : "null");
		free(text);
	} else if (json_is_array(result)) {
		if (a.minimal)
			print_minimal(result);
		else if (strcmp(a.verb, "trace") == 0)
			print_trace(result);
		else
			print_records(result);
	} else if (json_is_string(result)) {
		printf("%s\n", json_string_value(result));
	}
	json_decref(rep);
	ctl_args_free(&a);
	return 0;
}
