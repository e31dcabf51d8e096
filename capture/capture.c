/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture.c - netctl capture (capture.h).
 *
 * The filter is tcpdump's syntax, compiled by libpcap (pcap_compile() on a
 * dead handle of link type Ethernet) into classic BPF, which the datapath
 * converts with DPDK's BPF library (rte_bpf_convert()) into its eBPF,
 * loads and JIT-compiles (rte_bpf_load(), rte_bpf_get_jit()), and runs on
 * each frame of a captured port: only what matches is copied.
 *
 * The output is pcapng written here (DPDK 22.11's rte_pcapng describes
 * ethdevs only, and most of our ports are not): a section header, an
 * interface description per port (its name, nanosecond timestamps), an
 * enhanced packet block per frame with its direction in the flags, and at
 * the end an interface statistics block per port (frames written; on the
 * first, the frames the capture could not keep). The descriptor is a
 * pipe only switchd writes (netctl copies from it), made non-blocking: a
 * reader slower than the capture leaves frames in the datapath's rings,
 * where they are counted as dropped; switchd never waits for it, but for
 * at most a second at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "../datapath/datapath.h"
#include "../lib/log.h"
#include "../network/network.h"
#include "../pif/pif.h"
#include "../switchd/call.h"
#include "../switchd/switchd.h"
#include "../vif/vif.h"
#include "capture.h"

#define CAPTURE_MAX_PORTS 1024
#define CAPTURE_SNAPLEN_MAX 262144
#define CAPTURE_BUF (1u << 20)		/* output waiting to be written */
#define CAPTURE_READ_ROOM (256u * 1024) /* read frames while less than this waits */
#define CAPTURE_TICK_MS 10
#define CAPTURE_FINAL_FLUSH_MS 1000

struct session {
	bool used;
	unsigned int dp_id;
	int out, life;
	bool pcapng;
	uint64_t count;	  /* frames to write; 0: no limit */
	int64_t deadline; /* CLOCK_MONOTONIC ms; 0: none */
	uint64_t written; /* frames written */
	uint32_t snaplen;
	struct bpf_program prog; /* the filter, compiled by libpcap */
	bool has_prog;
	uint64_t tsc0; /* the TSC and the wall clock (ns) at the start */
	uint64_t wall0;
	uint16_t n_ports;
	uint16_t ports[CAPTURE_MAX_PORTS];
	char names[CAPTURE_MAX_PORTS][32];
	uint64_t port_frames[CAPTURE_MAX_PORTS];
	uint8_t *buf; /* output not written yet */
	size_t len;
	bool broken; /* the output cannot be written any more */
	uint8_t frame[CAPTURE_SNAPLEN_MAX];
};

static struct session *sessions[DP_CAPTURE_MAX];

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
out_add(struct session *s, const void *p, size_t n)
{
	if (s->len + n > CAPTURE_BUF)
		return; /* cannot happen: frames are read only with room */
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

/* Write what waits, as much as the descriptor takes now. */
static void
out_flush(struct session *s)
{
	size_t off = 0;

	while (off < s->len && !s->broken) {
		ssize_t r = write(s->out, s->buf + off, s->len - off);

		if (r > 0) {
			off += (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			if (r < 0 && errno != EAGAIN)
				s->broken = true; /* EPIPE: the reader is gone */
			break;
		}
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
}

/* pcapng (draft-ietf-opsawg-pcapng): blocks are 32-bit aligned, their
 * total length at both ends. */
static void
block_begin(uint8_t *b, size_t *n, uint32_t type)
{
	memcpy(b, &type, 4);
	*n = 8; /* the length is filled in by block_end() */
}

static void
option(uint8_t *b, size_t *n, uint16_t code, const void *v, uint16_t len)
{
	static const uint8_t pad[4];

	memcpy(b + *n, &code, 2);
	memcpy(b + *n + 2, &len, 2);
	if (len != 0)
		memcpy(b + *n + 4, v, len);
	*n += 4 + len;
	memcpy(b + *n, pad, (4 - len % 4) % 4);
	*n += (4 - len % 4) % 4;
}

static void
block_end(struct session *s, uint8_t *b, size_t n)
{
	uint32_t total = (uint32_t)n + 4;

	memcpy(b + 4, &total, 4);
	memcpy(b + n, &total, 4);
	out_add(s, b, total);
}

static void
pcapng_header(struct session *s)
{
	uint8_t b[256];
	size_t n;
	uint32_t magic = 0x1A2B3C4D;
	uint16_t major = 1, minor = 0;
	int64_t section_len = -1;
	const char *app = "switchd";

	block_begin(b, &n, 0x0A0D0D0A);
	memcpy(b + n, &magic, 4);
	memcpy(b + n + 4, &major, 2);
	memcpy(b + n + 6, &minor, 2);
	memcpy(b + n + 8, &section_len, 8);
	n += 16;
	option(b, &n, 4, app, (uint16_t)strlen(app)); /* shb_userappl */
	option(b, &n, 0, NULL, 0);
	block_end(s, b, n);
	for (unsigned int i = 0; i < s->n_ports; i++) {
		uint16_t linktype = 1; /* Ethernet */
		uint16_t reserved = 0;
		uint8_t tsresol = 9; /* nanoseconds */

		block_begin(b, &n, 1);
		memcpy(b + n, &linktype, 2);
		memcpy(b + n + 2, &reserved, 2);
		memcpy(b + n + 4, &s->snaplen, 4);
		n += 8;
		option(b, &n, 2, s->names[i], (uint16_t)strlen(s->names[i])); /* if_name */
		option(b, &n, 9, &tsresol, 1);				      /* if_tsresol */
		option(b, &n, 0, NULL, 0);
		block_end(s, b, n);
	}
}

static uint64_t
frame_ns(const struct session *s, uint64_t tsc, uint64_t hz)
{
	uint64_t d = tsc > s->tsc0 ? tsc - s->tsc0 : 0;

	return s->wall0 + (uint64_t)((unsigned __int128)d * 1000000000u / hz);
}

static void
write_frame(struct session *s, unsigned int ifx, const struct dp_capture_frame *f, uint64_t ns)
{
	if (s->pcapng) {
		uint8_t h[32], tail[16];
		size_t n = 0, total = 28 + ((f->len + 3) & ~3u) + 12 + 4;
		uint32_t type = 6, v, flags = f->dir == DP_CAPTURE_IN ? 1 : 2;
		uint16_t code = 2, olen = 4, end = 0;
		static const uint8_t pad[4];

		memcpy(h, &type, 4);
		v = (uint32_t)total;
		memcpy(h + 4, &v, 4);
		v = ifx;
		memcpy(h + 8, &v, 4);
		v = (uint32_t)(ns >> 32);
		memcpy(h + 12, &v, 4);
		v = (uint32_t)ns;
		memcpy(h + 16, &v, 4);
		memcpy(h + 20, &f->len, 4);
		memcpy(h + 24, &f->orig_len, 4);
		out_add(s, h, 28);
		out_add(s, s->frame, f->len);
		out_add(s, pad, (4 - f->len % 4) % 4);
		/* epb_flags: inbound 1, outbound 2 (bits 0-1) */
		memcpy(tail + n, &code, 2);
		memcpy(tail + n + 2, &olen, 2);
		memcpy(tail + n + 4, &flags, 4);
		n += 8;
		memcpy(tail + n, &end, 2);
		memcpy(tail + n + 2, &end, 2);
		n += 4;
		v = (uint32_t)total;
		memcpy(tail + n, &v, 4);
		out_add(s, tail, n + 4);
	} else {
		char line[256];
		const uint8_t *p = s->frame;
		time_t sec = (time_t)(ns / 1000000000u);
		struct tm tm;
		int k;

		localtime_r(&sec, &tm);
		k = snprintf(line, sizeof(line), "%02d:%02d:%02d.%06u %s %s ", tm.tm_hour,
			     tm.tm_min, tm.tm_sec, (unsigned int)(ns % 1000000000u / 1000),
			     s->names[ifx], f->dir == DP_CAPTURE_IN ? "In " : "Out");
		if (f->len >= 14) {
			uint16_t type = (uint16_t)(p[12] << 8 | p[13]);

			k += snprintf(
				line + k, sizeof(line) - (size_t)k,
				"%02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x",
				p[6], p[7], p[8], p[9], p[10], p[11], p[0], p[1], p[2], p[3], p[4],
				p[5]);
			if (type == 0x8100 && f->len >= 18) {
				k += snprintf(line + k, sizeof(line) - (size_t)k, ", vlan %u",
					      (unsigned int)((p[14] << 8 | p[15]) & 0xfff));
				type = (uint16_t)(p[16] << 8 | p[17]);
			}
			k += snprintf(line + k, sizeof(line) - (size_t)k, ", ethertype 0x%04x",
				      type);
		}
		snprintf(line + k, sizeof(line) - (size_t)k, ", length %u\n", f->orig_len);
		out_add(s, line, strlen(line));
	}
	s->port_frames[ifx]++;
	s->written++;
}

static unsigned int
port_index(const struct session *s, uint16_t port)
{
	for (unsigned int i = 0; i < s->n_ports; i++)
		if (s->ports[i] == port)
			return i;
	return 0;
}

/* Write the frames the datapath kept, while there is room. */
static void
session_read(struct switchd *sd, struct session *s)
{
	uint64_t hz = dp_tsc_hz(sd->dp);
	struct dp_capture_frame f;

	while (s->len < CAPTURE_READ_ROOM && (s->count == 0 || s->written < s->count) &&
	       dp_capture_next(sd->dp, s->dp_id, &f, s->frame, s->snaplen) == 1)
		write_frame(s, port_index(s, f.port), &f, frame_ns(s, f.tsc, hz));
}

static void
session_free(struct session *s)
{
	if (s->out >= 0)
		close(s->out);
	if (s->life >= 0)
		close(s->life);
	if (s->has_prog)
		pcap_freecode(&s->prog);
	free(s->buf);
	free(s);
}

/* The end: what is left, the statistics, the summary on the lifeline. */
static void
session_end(struct switchd *sd, unsigned int slot)
{
	struct session *s = sessions[slot];
	uint64_t kept, dropped;
	int64_t until = now_ms() + CAPTURE_FINAL_FLUSH_MS;
	char summary[160];

	session_read(sd, s);
	dp_capture_stats(sd->dp, s->dp_id, &kept, &dropped);
	dp_capture_stop(sd->dp, s->dp_id);
	/* Kept by the datapath but not written (count reached, or no room)
	 * are dropped too, as far as the reader is concerned. */
	dropped += kept > s->written ? kept - s->written : 0;
	if (s->pcapng) {
		for (unsigned int i = 0; i < s->n_ports; i++) {
			uint8_t b[96];
			size_t n;
			uint32_t ifx = i, hi = 0, lo = 0;

			block_begin(b, &n, 5); /* interface statistics */
			memcpy(b + n, &ifx, 4);
			memcpy(b + n + 4, &hi, 4);
			memcpy(b + n + 8, &lo, 4);
			n += 12;
			option(b, &n, 4, &s->port_frames[i], 8); /* isb_ifrecv */
			if (i == 0)
				option(b, &n, 7, &dropped, 8); /* isb_osdrop */
			option(b, &n, 0, NULL, 0);
			block_end(s, b, n);
		}
	}
	while (s->len != 0 && !s->broken && now_ms() < until) {
		struct pollfd p = {.fd = s->out, .events = POLLOUT};

		out_flush(s);
		if (s->len != 0)
			(void)poll(&p, 1, 50);
	}
	snprintf(summary, sizeof(summary),
		 "{\"written\": %" PRIu64 ", \"dropped\": %" PRIu64 "%s}\n", s->written, dropped,
		 s->broken || s->len != 0 ? ", \"output\": \"not all written\"" : "");
	if (s->life >= 0 && write(s->life, summary, strlen(summary)) < 0)
		LOG_DBG("capture: the lifeline is gone");
	LOG_INFO("capture on %s%s: %" PRIu64 " frames written, %" PRIu64 " dropped", s->names[0],
		 s->n_ports > 1 ? " and others" : "", s->written, dropped);
	session_free(s);
	sessions[slot] = NULL;
}

int
capture_run(struct switchd *sd)
{
	bool any = false;

	for (unsigned int i = 0; i < DP_CAPTURE_MAX; i++) {
		struct session *s = sessions[i];
		struct pollfd p;

		if (s == NULL)
			continue;
		p = (struct pollfd){.fd = s->life, .events = POLLIN};
		out_flush(s);
		session_read(sd, s);
		out_flush(s);
		/* netctl shut its side down (Ctrl-C) or is gone: the end. */
		if ((poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP | POLLERR))) ||
		    s->broken || (s->count != 0 && s->written >= s->count) ||
		    (s->deadline != 0 && now_ms() >= s->deadline)) {
			session_end(sd, i);
			continue;
		}
		any = true;
	}
	return any ? CAPTURE_TICK_MS : -1;
}

void
capture_stop_all(struct switchd *sd)
{
	for (unsigned int i = 0; i < DP_CAPTURE_MAX; i++)
		if (sessions[i] != NULL)
			session_end(sd, i);
}

/* A positive whole number of @what, at most @max. */
static int
positive(struct sd_call *c, const char *what, uint64_t max, uint64_t *out)
{
	const char *v = sd_arg(c, what);
	char *end;
	unsigned long long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n == 0 || n > max)
		return sd_fail(c, SD_E_INVALID_VALUE,
			       "%s=%s: expected a whole number from 1 to %llu", what, v,
			       (unsigned long long)max);
	*out = n;
	return 0;
}

static void
add_port(struct session *s, uint16_t port, const char *name)
{
	for (unsigned int i = 0; i < s->n_ports; i++)
		if (s->ports[i] == port)
			return;
	if (s->n_ports == CAPTURE_MAX_PORTS)
		return;
	s->ports[s->n_ports] = port;
	snprintf(s->names[s->n_ports], sizeof(s->names[0]), "%s", name);
	s->n_ports++;
}

/* The ports of interface @name: a plugged PIF (a NIC, bond or VLAN), a
 * plugged VIF (by uuid or port name), or every port of a bridge. */
static int
resolve(struct switchd *sd, struct sd_call *c, struct session *s, const char *name)
{
	const struct network *n = network_by_bridge(sd, name);
	const struct pif *p = pif_by_device(sd, name);
	const struct vif *v = vif_by_uuid(sd, name);

	if (v == NULL) {
		const struct vif *x;

		TAILQ_FOREACH(x, &sd->vifs, next)
			if (x->attached && strcmp(x->ifname, name) == 0)
				v = x;
	}
	if (p != NULL && p->attached) {
		add_port(s, p->dp_port, p->device);
	} else if (v != NULL && v->attached) {
		add_port(s, v->dp_port, v->ifname);
	} else if (n != NULL && n->realised) {
		for (unsigned int i = 0; i < DP_MAX_PORTS; i++) {
			const char *pn = dp_port_name(sd->dp, (uint16_t)i);

			if (pn != NULL && dp_port_bridge(sd->dp, (uint16_t)i) == n->dp_bridge)
				add_port(s, (uint16_t)i, pn);
		}
	}
	if (s->n_ports == 0)
		return sd_fail(c, SD_E_INTERFACE_NOT_FOUND,
			       "%s is no plugged PIF, plugged VIF or realised bridge", name);
	return 0;
}

/* The filter, compiled by libpcap (the datapath makes it DPDK's). */
static int
filter(struct sd_call *c, struct session *s, const char *expr)
{
	pcap_t *pc = pcap_open_dead(DLT_EN10MB, (int)s->snaplen);

	if (pc == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "libpcap: no handle");
	if (pcap_compile(pc, &s->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		sd_fail(c, SD_E_FILTER_INVALID, "%s: %s", expr, pcap_geterr(pc));
		pcap_close(pc);
		return -1;
	}
	s->has_prog = true;
	pcap_close(pc);
	return 0;
}

int
verb_capture(struct switchd *sd, struct sd_call *c)
{
	const char *dir = sd_arg(c, "direction"), *fmt = sd_arg(c, "format");
	const char *expr = sd_arg(c, "filter");
	struct dp_capture_params cp = {.dir = DP_CAPTURE_IN | DP_CAPTURE_OUT};
	uint64_t count = 0, duration = 0, snaplen = 262144;
	struct timespec ts;
	struct session *s;
	unsigned int slot;
	int err;

	if (positive(c, "count", UINT32_MAX, &count) != 0 ||
	    positive(c, "duration", 31536000, &duration) != 0 ||
	    positive(c, "snaplen", CAPTURE_SNAPLEN_MAX, &snaplen) != 0)
		return -1;
	if (dir != NULL) {
		if (strcmp(dir, "in") == 0)
			cp.dir = DP_CAPTURE_IN;
		else if (strcmp(dir, "out") == 0)
			cp.dir = DP_CAPTURE_OUT;
		else if (strcmp(dir, "both") != 0)
			return sd_fail(c, SD_E_INVALID_VALUE,
				       "direction %s: expected in, out or both", dir);
	}
	if (fmt != NULL && strcmp(fmt, "pcapng") != 0 && strcmp(fmt, "text") != 0)
		return sd_fail(c, SD_E_INVALID_VALUE, "format %s: expected pcapng or text", fmt);
	if (c->n_fds != 2)
		return sd_fail(c, SD_E_REQUEST_INVALID,
			       "capture writes to the descriptors netctl sends with the request");
	for (slot = 0; slot < DP_CAPTURE_MAX && sessions[slot] != NULL; slot++)
		;
	if (slot == DP_CAPTURE_MAX)
		return sd_fail(c, SD_E_TOO_MANY_CAPTURES, "%d captures run already",
			       DP_CAPTURE_MAX);
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->buf = malloc(CAPTURE_BUF)) == NULL) {
		free(s);
		return sd_fail(c, SD_E_INTERNAL_ERROR, "no memory for a capture");
	}
	s->out = s->life = -1;
	s->snaplen = (uint32_t)snaplen;
	s->count = count;
	s->pcapng = fmt == NULL || strcmp(fmt, "pcapng") == 0;
	if (resolve(sd, c, s, sd_arg(c, "iface")) != 0 ||
	    (expr != NULL && expr[0] != '\0' && filter(c, s, expr) != 0)) {
		session_free(s);
		return -1;
	}
	cp.ports = s->ports;
	cp.n_ports = s->n_ports;
	cp.snaplen = s->snaplen;
	cp.filter = s->has_prog ? &s->prog : NULL;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->wall0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	s->tsc0 = dp_tsc_now();
	err = dp_capture_start(sd->dp, &cp, &s->dp_id);
	if (err) {
		session_free(s);
		if (err == ENOSPC)
			return sd_fail(c, SD_E_TOO_MANY_CAPTURES, "no capture session free");
		if (err == ENOTSUP)
			return sd_fail(c, SD_E_FILTER_INVALID, "%s: DPDK's BPF cannot run it",
				       expr);
		return sd_fail(c, SD_E_DATAPATH_ERROR, "capture: %s", strerror(err));
	}
	s->out = c->fds[0];
	s->life = c->fds[1];
	c->fds[0] = c->fds[1] = -1;
	(void)fcntl(s->out, F_SETFL, fcntl(s->out, F_GETFL) | O_NONBLOCK);
	if (duration != 0)
		s->deadline = now_ms() + (int64_t)duration * 1000;
	if (s->pcapng)
		pcapng_header(s);
	out_flush(s);
	sessions[slot] = s;
	c->result = json_array();
	for (unsigned int i = 0; i < s->n_ports; i++) {
		json_t *rec = json_object();

		sd_rec_str(rec, "interface", s->names[i]);
		json_array_append_new(c->result, rec);
	}
	return 0;
}
