/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace.c - the trace verb: the datapath's steps for one frame
 * (dp_trace()), named and put in sentences, one record per step and a
 * last one with the result.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <jansson.h>

#include "../datapath/datapath.h"
#include "../lib/mac.h"
#include "../network/network.h"
#include "../switchd/call.h"
#include "../switchd/switchd.h"
#include "../vif/vif.h"
#include "trace.h"

static const char *
port_name(struct switchd *sd, uint16_t port)
{
	const char *n = port != DP_PORT_NONE ? dp_port_name(sd->dp, port) : NULL;

	return n != NULL ? n : "?";
}

static const char *
bridge_name(struct switchd *sd, uint16_t bridge)
{
	const char *name;
	uint16_t mtu;

	return dp_bridge_info(sd->dp, bridge, &name, &mtu) == 0 ? name : "?";
}

/* A MAC from a step's 48 bits (first byte lowest), as mac_format() writes
 * it. */
static void
mac_str(uint64_t v, char buf[MAC_STRLEN])
{
	struct mac m;

	for (unsigned int i = 0; i < MAC_LEN; i++)
		m.b[i] = (uint8_t)(v >> (8 * i));
	mac_format(&m, buf);
}

/* Does a frame on @port enter bridge @bridge: a port of it, a member of a
 * bond of it, or the trunk (or a trunk bond's member) of one of its VLAN
 * ports? */
static bool
enters(struct switchd *sd, uint16_t port, uint16_t bridge)
{
	struct dp_port_info pi;

	if (dp_port_info(sd->dp, port, &pi) != 0)
		return false;
	if (pi.bond != DP_PORT_NONE)
		port = pi.bond;
	if (dp_port_bridge(sd->dp, port) == bridge)
		return true;
	for (uint16_t p = 0; p < DP_MAX_PORTS; p++)
		if (dp_port_info(sd->dp, p, &pi) == 0 && pi.kind == DP_PORT_VLAN &&
		    pi.parent == port && pi.bridge == bridge)
			return true;
	return false;
}

/* in-port: a VIF's uuid, or a datapath port's name (a PIF, a bond's
 * member, a VLAN pseudo-PIF, a VIF's port, the bridge's own interface). */
static uint16_t
in_port(struct switchd *sd, const char *name)
{
	const struct vif *v = vif_by_uuid(sd, name);

	if (v != NULL)
		return v->attached ? v->dp_port : DP_PORT_NONE;
	return network_port_by_name(sd->dp, NULL, name);
}

/* A VLAN port or a bond receives nothing of its own: frames reach them
 * through their trunk or members, whose checks come first. Then the
 * sentence says which to trace from. */
static bool
receives_nothing(struct switchd *sd, uint16_t port, char *msg, size_t len)
{
	struct dp_port_info pi;

	if (dp_port_info(sd->dp, port, &pi) != 0)
		return false;
	if (pi.kind == DP_PORT_VLAN) {
		snprintf(msg, len,
			 "a VLAN receives through its trunk: in-port=%s vlan=%u (or a frame "
			 "tagged %u)",
			 port_name(sd, pi.parent), pi.vid, pi.vid);
		return true;
	}
	if (pi.kind == DP_PORT_BOND) {
		char members[128] = "";
		size_t n = 0;

		for (uint16_t p = 0; p < DP_MAX_PORTS && n < sizeof(members); p++) {
			struct dp_port_info mi;

			if (dp_port_info(sd->dp, p, &mi) == 0 && mi.bond == port)
				n += (size_t)snprintf(members + n, sizeof(members) - n, "%s%s",
						      n ? " or " : "", mi.name);
		}
		snprintf(msg, len, "a bond receives through its members: in-port=%s",
			 members[0] ? members : "(none)");
		return true;
	}
	return false;
}

static json_t *
record(json_t *steps, const char *stage, const char *port)
{
	json_t *rec = json_object();

	sd_rec_int(rec, "step", (long long)json_array_size(steps) + 1);
	sd_rec_str(rec, "stage", stage);
	sd_rec_str(rec, "port", port);
	json_array_append_new(steps, rec);
	return rec;
}

static void detail(json_t *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
detail(json_t *rec, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_rec_str(rec, "detail", buf);
}

static void
drop_fields(json_t *rec, int verdict)
{
	if (verdict >= 0)
		sd_rec_str(rec, "drop", dp_drop_name((enum dp_drop)verdict));
}

static const char *const learn_action[] = {
	[DP_LEARN_FRESH] = "fresh", [DP_LEARN_REFRESH] = "refresh", [DP_LEARN_ZERO] = "zero",
	[DP_LEARN_LIMIT] = "limit", [DP_LEARN_NEW] = "new",	    [DP_LEARN_MOVE] = "move",
};

static const char *const lookup_result[] = {
	[DP_LOOKUP_KNOWN] = "known",	     [DP_LOOKUP_UNKNOWN] = "unknown",
	[DP_LOOKUP_MULTICAST] = "multicast", [DP_LOOKUP_RESERVED] = "reserved",
	[DP_LOOKUP_HAIRPIN] = "hairpin",     [DP_LOOKUP_ELSEWHERE] = "elsewhere",
};

static void
learn_step(struct switchd *sd, json_t *rec, const struct dp_trace_step *s)
{
	const char *in = port_name(sd, s->port);
	char mac[MAC_STRLEN];

	mac_str(s->a, mac);
	sd_rec_str(rec, "mac", mac);
	sd_rec_str(rec, "action", learn_action[s->e]);
	if (s->port2 != DP_PORT_NONE)
		sd_rec_str(rec, "learned_on", port_name(sd, s->port2));
	switch (s->e) {
	case DP_LEARN_FRESH:
		detail(rec, "source %s is learned on %s: nothing to learn", mac, in);
		break;
	case DP_LEARN_REFRESH:
		detail(rec, "source %s is learned on %s: would refresh its last-seen time", mac,
		       in);
		break;
	case DP_LEARN_ZERO:
		detail(rec, "source %s is no station: not learned", mac);
		break;
	case DP_LEARN_LIMIT:
		detail(rec,
		       "source %s: a MAC limit keeps it from being learned on %s (counted "
		       "fdb_limit; the frame still goes on)",
		       mac, in);
		break;
	case DP_LEARN_NEW:
		detail(rec, "source %s is not learned: would learn it on %s", mac, in);
		break;
	default:
		if (s->port2 != s->port)
			detail(rec, "source %s is learned on %s: would move it to %s", mac,
			       port_name(sd, s->port2), in);
		else
			detail(rec,
			       "source %s was learned on %s before a flush: would learn it again",
			       mac, in);
		break;
	}
}

static void
lookup_step(struct switchd *sd, json_t *rec, const struct dp_trace_step *s, uint16_t bridge)
{
	const char *br = bridge_name(sd, bridge);
	char mac[MAC_STRLEN];

	mac_str(s->a, mac);
	sd_rec_str(rec, "mac", mac);
	sd_rec_str(rec, "result", lookup_result[s->e]);
	if (s->port2 != DP_PORT_NONE) {
		sd_rec_str(rec, "learned_on", port_name(sd, s->port2));
		sd_rec_int(rec, "age", (long long)s->b);
	}
	switch (s->e) {
	case DP_LOOKUP_KNOWN:
		detail(rec, "destination %s is learned on %s (seen %" PRIu64 " s ago): to it", mac,
		       port_name(sd, s->port2), s->b);
		break;
	case DP_LOOKUP_UNKNOWN:
		detail(rec, "destination %s is not learned on %s: flood", mac, br);
		break;
	case DP_LOOKUP_MULTICAST:
		detail(rec, "destination %s is %s: flood", mac,
		       s->a == 0xffffffffffffULL ? "broadcast" : "multicast");
		break;
	case DP_LOOKUP_RESERVED:
		detail(rec,
		       "destination %s is a reserved link-local group %s does not forward "
		       "(group_fwd_mask)",
		       mac, br);
		break;
	case DP_LOOKUP_HAIRPIN:
		detail(rec, "destination %s is learned on %s, the port the frame came in on", mac,
		       port_name(sd, s->port2));
		break;
	default:
		detail(rec, "destination %s is learned on %s, now on another bridge: flood", mac,
		       port_name(sd, s->port2));
		break;
	}
}

static bool
is_bond(struct switchd *sd, uint16_t port)
{
	struct dp_port_info pi;

	return dp_port_info(sd->dp, port, &pi) == 0 && pi.kind == DP_PORT_BOND;
}

static void
output_step(struct switchd *sd, json_t *rec, const struct dp_trace_step *s)
{
	char via[96] = "", member[64] = "";

	if (s->port2 != DP_PORT_NONE) {
		sd_rec_str(rec, "via", port_name(sd, s->port2));
		sd_rec_int(rec, "vid", s->vid);
		snprintf(via, sizeof(via), ", tagged %u out of %s", s->vid,
			 port_name(sd, s->port2));
	}
	if (s->port3 != DP_PORT_NONE) {
		sd_rec_str(rec, "member", port_name(sd, s->port3));
		snprintf(member, sizeof(member), " (bond member %s)", port_name(sd, s->port3));
	}
	if (s->e != 0)
		sd_rec_str(rec, "link", "down");
	if (s->verdict >= 0)
		detail(rec, "%s: not sent (counted %s on %s)",
		       s->port3 == DP_PORT_NONE && s->port2 == DP_PORT_NONE && is_bond(sd, s->port)
			       ? "no member of the bond enabled"
			       : "link down",
		       dp_drop_name((enum dp_drop)s->verdict), port_name(sd, s->port));
	else if (s->e != 0)
		detail(rec, "handed to the device%s%s, whose link is down (it may drop it)", via,
		       member);
	else
		detail(rec, "sent%s%s", via, member);
}

static const char *const lock_mode[] = {"unlocked", "locked", "disabled"};

/* One record for step @s. */
static void
step_record(struct switchd *sd, json_t *steps, const struct dp_trace_step *s, uint16_t *bridge)
{
	const char *port = port_name(sd, s->port);
	json_t *rec;

	switch (s->kind) {
	case DP_TRACE_QOS:
		rec = record(steps, "qos", port);
		sd_rec_int(rec, "rate", (long long)s->a);
		sd_rec_int(rec, "burst", (long long)s->b);
		sd_rec_int(rec, "credit", (long long)s->c);
		sd_rec_int(rec, "waiting", (long long)s->d);
		if (s->e == 0)
			detail(rec,
			       "limited to %" PRIu64 " bytes/s, burst %" PRIu64 ": credit %" PRIu64
			       " covers it now",
			       s->a, s->b, s->c);
		else if (s->e == 1)
			detail(rec,
			       "limited to %" PRIu64 " bytes/s, burst %" PRIu64 ": credit %" PRIu64
			       ", %" PRIu64 " frames wait: it waits its turn, then",
			       s->a, s->b, s->c, s->d);
		else
			detail(rec,
			       "limited to %" PRIu64 " bytes/s: %" PRIu64
			       " frames wait, near the bound of a kernel port's queue: it may be "
			       "dropped (qos_drop), else it waits its turn, then",
			       s->a, s->d);
		break;
	case DP_TRACE_MEMBER:
		rec = record(steps, "bond", port);
		sd_rec_str(rec, "bond", port_name(sd, s->port2));
		if (s->e == 2)
			detail(rec,
			       "a slow-protocol frame (LACP) on a member of %s: to the control "
			       "plane",
			       port_name(sd, s->port2));
		else if (s->verdict == DP_DROP_BOND_LOOP)
			detail(rec, "multicast from a MAC learned on a local port: our own frame "
				    "flooded back by the upstream switch");
		else if (s->verdict >= 0)
			detail(rec, "%s does not take frames (of this kind) from this member",
			       port_name(sd, s->port2));
		else
			detail(rec, "member of %s%s: taken, as %s's", port_name(sd, s->port2),
			       s->e == 1 ? " (LACP)" : "", port_name(sd, s->port2));
		break;
	case DP_TRACE_VLAN:
		rec = record(steps, "vlan", port);
		sd_rec_int(rec, "vid", s->vid);
		if (s->port2 != DP_PORT_NONE)
			sd_rec_str(rec, "to", port_name(sd, s->port2));
		if (s->vid != 0 && s->port2 == DP_PORT_NONE)
			detail(rec, "tagged %u: no network for VLAN %u on this trunk", s->vid,
			       s->vid);
		else if (s->vid != 0)
			detail(rec, "tagged %u: to %s, untagged", s->vid, port_name(sd, s->port2));
		else
			detail(rec, "%s: stays on the trunk's own bridge",
			       s->e ? "priority-tagged (VID 0), tag removed" : "untagged");
		break;
	case DP_TRACE_ACCESS:
		rec = record(steps, "access", port);
		if (s->verdict >= 0)
			detail(rec, "a VM's port: VLAN-tagged frames are not taken");
		else
			detail(rec, "a VM's port: %s",
			       s->e ? "priority tag (VID 0) removed" : "untagged, taken");
		break;
	case DP_TRACE_LOCK:
		rec = record(steps, "lock", port);
		sd_rec_str(rec, "mode", s->e < 3 ? lock_mode[s->e] : "?");
		if (s->verdict >= 0)
			detail(rec, "locking mode %s: refused (%s)",
			       s->e < 3 ? lock_mode[s->e] : "?",
			       dp_drop_description((enum dp_drop)s->verdict));
		else
			detail(rec, "locking mode %s: allowed", s->e < 3 ? lock_mode[s->e] : "?");
		break;
	case DP_TRACE_CHECKS:
		*bridge = s->port2;
		rec = record(steps, "bridge", port);
		sd_rec_str(rec, "bridge", bridge_name(sd, s->port2));
		sd_rec_int(rec, "length", (long long)s->a);
		sd_rec_int(rec, "max_length", (long long)s->b);
		if (s->verdict >= 0)
			detail(rec, "into %s: %s", bridge_name(sd, s->port2),
			       dp_drop_description((enum dp_drop)s->verdict));
		else
			detail(rec,
			       "into %s: %" PRIu64 " bytes (at most %" PRIu64 "), source unicast",
			       bridge_name(sd, s->port2), s->a, s->b);
		break;
	case DP_TRACE_LEARN:
		rec = record(steps, "learn", port);
		learn_step(sd, rec, s);
		break;
	case DP_TRACE_LOOKUP:
		rec = record(steps, "lookup", bridge_name(sd, *bridge));
		lookup_step(sd, rec, s, *bridge);
		break;
	default:
		rec = record(steps, "output", port);
		output_step(sd, rec, s);
		break;
	}
	drop_fields(rec, s->verdict);
}

/* The last record: where the frame goes. */
static void
result_record(struct switchd *sd, json_t *steps, const struct dp_trace *t)
{
	json_t *rec = record(steps, "result", "");
	char list[1024] = "";
	size_t n = 0;

	for (unsigned int i = 0; i < t->n_steps; i++) {
		const struct dp_trace_step *s = &t->steps[i];

		if (s->kind != DP_TRACE_OUTPUT || s->verdict >= 0)
			continue;
		if (n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? "," : "",
					      port_name(sd, s->port));
	}
	if (n >= sizeof(list))
		snprintf(list + sizeof(list) - 4, 4, "...");
	if (t->punt) {
		sd_rec_str(rec, "action", "control-plane");
		detail(rec, "to the control plane (LACP)");
	} else if (t->drop >= 0) {
		sd_rec_str(rec, "action", "drop");
		sd_rec_str(rec, "drop", dp_drop_name((enum dp_drop)t->drop));
		sd_rec_str(rec, "counted_on", port_name(sd, t->drop_port));
		detail(rec, "dropped, counted %s on %s", dp_drop_name((enum dp_drop)t->drop),
		       port_name(sd, t->drop_port));
	} else if (t->n_out == 0) {
		sd_rec_str(rec, "action", "drop");
		sd_rec_str(rec, "drop", dp_drop_name(DP_DROP_LINK_DOWN));
		detail(rec, "sent nowhere: every output port's link is down");
	} else {
		sd_rec_str(rec, "action", "output");
		sd_rec_str(rec, "ports", list);
		detail(rec, "sent out of %u port%s: %s", t->n_out, t->n_out == 1 ? "" : "s", list);
	}
}

struct req {
	struct sd_call *c;
};

static const char *
get(void *ctx, const char *key)
{
	return sd_arg(((struct req *)ctx)->c, key);
}

int
verb_trace(struct switchd *sd, struct sd_call *c)
{
	const char *hex = sd_arg(c, "frame"), *in = sd_arg(c, "in-port");
	uint32_t cap = dp_trace_max_len();
	struct req r = {c};
	struct dp_trace t;
	struct network *n;
	uint8_t *frame;
	uint16_t port, bridge = DP_BRIDGE_NONE;
	char err[256], keys[] = TRACE_FLOW_KEYS, *k, *save = NULL;
	int len, rc;

	n = network_by_bridge(sd, sd_arg(c, "bridge"));
	if (n == NULL)
		return sd_fail(c, SD_E_BRIDGE_NOT_FOUND, "no network has bridge %s",
			       sd_arg(c, "bridge"));
	port = n->realised ? in_port(sd, in) : DP_PORT_NONE;
	if (port == DP_PORT_NONE || !enters(sd, port, n->dp_bridge))
		return sd_fail(c, SD_E_PORT_NOT_FOUND,
			       "%s has no port %s (a port of it, a member of its bond, the "
			       "trunk of its VLAN)",
			       n->bridge, in);
	if (receives_nothing(sd, port, err, sizeof(err)))
		return sd_fail(c, SD_E_INVALID_VALUE, "in-port=%s: %s", in, err);
	for (k = strtok_r(keys, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save))
		if (hex != NULL && sd_arg(c, k) != NULL)
			return sd_fail(
				c, SD_E_INVALID_VALUE,
				"frame= and %s=: give the frame or its flow fields, not both", k);
	frame = malloc(cap);
	if (frame == NULL)
		return sd_fail(c, SD_E_INTERNAL_ERROR, "no memory for the frame");
	len = hex != NULL ? trace_hex_frame(hex, frame, cap, err, sizeof(err))
			  : trace_flow_frame(get, &r, frame, cap, err, sizeof(err));
	if (len < 0) {
		free(frame);
		return sd_fail(c, SD_E_INVALID_VALUE, "%s", err);
	}
	rc = dp_trace(sd->dp, port, frame, (uint32_t)len, &t);
	free(frame);
	if (rc != 0)
		return sd_dp_fail(c, rc, "trace");
	c->result = json_array();
	for (unsigned int i = 0; i < t.n_steps; i++)
		step_record(sd, c->result, &t.steps[i], &bridge);
	result_record(sd, c->result, &t);
	dp_trace_free(&t);
	return 0;
}
