/* SPDX-License-Identifier: BSD-3-Clause */
/* lacp.c - see lacp.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lacp.h"

#define LACP_SYS_PRIORITY 65535
#define LACP_PORT_PRIORITY 65535

/* Offsets in the frame (802.3 Annex 43B): the Ethernet header, then the
 * subtype and version, the actor's and the partner's TLV (type, length 20,
 * 18 bytes of information), the collector's, the terminator and padding. */
#define OFF_ETHERTYPE 12
#define OFF_SUBTYPE 14
#define OFF_VERSION 15
#define OFF_ACTOR 16
#define OFF_PARTNER 36
#define OFF_COLLECTOR 56
#define TLV_INFO_LEN 20
#define COLLECTOR_LEN 16

static const uint8_t slow_protocols_dst[MAC_LEN] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
info_put(uint8_t *p, uint8_t type, const struct lacp_info *in)
{
	p[0] = type;
	p[1] = TLV_INFO_LEN;
	put16(p + 2, in->sys_priority);
	memcpy(p + 4, in->sys_id.b, MAC_LEN);
	put16(p + 10, in->key);
	put16(p + 12, in->port_priority);
	put16(p + 14, in->port_id);
	p[16] = in->state;
}

static void
info_get(const uint8_t *p, struct lacp_info *out)
{
	memset(out, 0, sizeof(*out));
	out->sys_priority = get16(p + 2);
	memcpy(out->sys_id.b, p + 4, MAC_LEN);
	out->key = get16(p + 10);
	out->port_priority = get16(p + 12);
	out->port_id = get16(p + 14);
	out->state = p[16];
}

void
lacp_compose(const struct lacp_info *actor, const struct lacp_info *partner, const struct mac *src,
	     uint8_t frame[LACP_FRAME_LEN])
{
	memset(frame, 0, LACP_FRAME_LEN);
	memcpy(frame, slow_protocols_dst, MAC_LEN);
	memcpy(frame + MAC_LEN, src->b, MAC_LEN);
	put16(frame + OFF_ETHERTYPE, LACP_ETHERTYPE);
	frame[OFF_SUBTYPE] = LACP_SUBTYPE;
	frame[OFF_VERSION] = 1;
	info_put(frame + OFF_ACTOR, 1, actor);
	info_put(frame + OFF_PARTNER, 2, partner);
	frame[OFF_COLLECTOR] = 3;
	frame[OFF_COLLECTOR + 1] = COLLECTOR_LEN;
	/* Collector max delay 0; the terminator (type 0, length 0) and the
	 * padding are zero already. */
}

int
lacp_parse(const uint8_t *frame, size_t len, struct lacp_info *actor, struct lacp_info *partner)
{
	if (frame == NULL || len < LACP_FRAME_LEN ||
	    get16(frame + OFF_ETHERTYPE) != LACP_ETHERTYPE || frame[OFF_SUBTYPE] != LACP_SUBTYPE ||
	    frame[OFF_ACTOR] != 1 || frame[OFF_ACTOR + 1] != TLV_INFO_LEN ||
	    frame[OFF_PARTNER] != 2 || frame[OFF_PARTNER + 1] != TLV_INFO_LEN)
		return EINVAL;
	info_get(frame + OFF_ACTOR, actor);
	info_get(frame + OFF_PARTNER, partner);
	return 0;
}

size_t
lacp_marker_response(const uint8_t *frame, size_t len, const struct mac *src, uint8_t *out)
{
	if (frame == NULL || len < LACP_FRAME_LEN ||
	    get16(frame + OFF_ETHERTYPE) != LACP_ETHERTYPE ||
	    frame[OFF_SUBTYPE] != LACP_SUBTYPE_MARKER || frame[16] != 1 || frame[17] != 16)
		return 0;
	memcpy(out, frame, LACP_FRAME_LEN);
	memcpy(out, slow_protocols_dst, MAC_LEN);
	memcpy(out + MAC_LEN, src->b, MAC_LEN);
	out[16] = 2; /* Marker Response Information, the requester's fields as they came */
	return LACP_FRAME_LEN;
}

static void
set_defaulted(struct lacp *l, struct lacp_member *m)
{
	memset(&m->partner, 0, sizeof(m->partner));
	m->status = LACP_DEFAULTED;
	m->rx_expires = BOND_NEVER;
	l->update = true;
}

static void
set_expired(struct lacp *l, struct lacp_member *m, int64_t now)
{
	m->status = LACP_EXPIRED;
	m->partner.state |= LACP_STATE_TIMEOUT;
	m->partner.state &= (uint8_t)~LACP_STATE_SYNC;
	m->rx_expires = now + LACP_RX_MULTIPLIER * LACP_FAST_MS;
	l->update = true;
}

void
lacp_init(struct lacp *l, const struct mac *sys_id, uint16_t key, unsigned int n,
	  const struct mac *macs, bool fast, bool fallback_ab)
{
	memset(l, 0, sizeof(*l));
	l->sys_id = *sys_id;
	l->sys_priority = LACP_SYS_PRIORITY;
	l->key = key;
	l->fast = fast;
	l->fallback_ab = fallback_ab;
	l->n_members = n > BOND_MAX_MEMBERS ? BOND_MAX_MEMBERS : n;
	for (unsigned int i = 0; i < l->n_members; i++) {
		l->m[i].mac = macs[i];
		l->m[i].port_id = (uint16_t)(i + 1);
		l->m[i].tx_next = 0; /* the first LACPDU at once */
		set_defaulted(l, &l->m[i]);
	}
}

void
lacp_configure(struct lacp *l, bool fast, bool fallback_ab)
{
	if (l->fallback_ab != fallback_ab)
		l->update = true;
	l->fast = fast;
	l->fallback_ab = fallback_ab;
}

void
lacp_carrier(struct lacp *l, unsigned int i, bool up, int64_t now)
{
	struct lacp_member *m;

	if (i >= l->n_members)
		return;
	m = &l->m[i];
	if (m->carrier == up)
		return;
	m->carrier = up;
	/* As Open vSwitch: a link that went down and up may lead elsewhere. */
	if (m->status == LACP_CURRENT || m->status == LACP_DEFAULTED)
		set_expired(l, m, now);
	if (up)
		m->tx_next = now; /* tell the (maybe new) partner at once */
}

int
lacp_rx(struct lacp *l, unsigned int i, const uint8_t *frame, size_t len, int64_t now)
{
	struct lacp_info actor, partner;
	struct lacp_member *m;

	if (i >= l->n_members)
		return EINVAL;
	m = &l->m[i];
	m->rx_pdus++;
	if (lacp_parse(frame, len, &actor, &partner) != 0) {
		m->rx_bad++;
		return EINVAL;
	}
	m->status = LACP_CURRENT;
	m->rx_expires = now + LACP_RX_MULTIPLIER * (l->fast ? LACP_FAST_MS : LACP_SLOW_MS);
	/* What the partner believes of us: if it is not what we say, we
	 * send at once (lacp_run()). */
	m->ntt = partner;
	/* A partner that asks for fast LACPDUs gets them from now on, not at
	 * the end of a slow period (802.3ad's periodic machine). */
	if ((actor.state & LACP_STATE_TIMEOUT) && m->tx_next > now + LACP_FAST_MS)
		m->tx_next = now;
	if (memcmp(&m->partner, &actor, sizeof(actor)) != 0) {
		m->partner = actor;
		l->update = true;
	}
	return 0;
}

/* No partner: defaulted, or expired without ever hearing one (a link that
 * just came up). Open vSwitch counts the latter as a partner (of zeros),
 * so that a bond without one is "negotiated" for its first 3 s and
 * carries nothing then even with fallback; here it falls back at once. */
static bool
no_partner(const struct lacp_member *m)
{
	static const struct mac zero;

	return m->status == LACP_DEFAULTED || memcmp(m->partner.sys_id.b, zero.b, MAC_LEN) == 0;
}

static bool
may_enable(const struct lacp *l, const struct lacp_member *m)
{
	return m->attached &&
	       ((m->partner.state & LACP_STATE_SYNC) || (l->fallback_ab && no_partner(m)));
}

bool
lacp_may_enable(const struct lacp *l, unsigned int i)
{
	return i < l->n_members && may_enable(l, &l->m[i]);
}

void
lacp_actor(const struct lacp *l, unsigned int i, struct lacp_info *actor)
{
	const struct lacp_member *m = &l->m[i];
	uint8_t state = LACP_STATE_ACTIVITY; /* always active, as xapi configures */

	if (l->fast)
		state |= LACP_STATE_TIMEOUT;
	if (m->attached)
		state |= LACP_STATE_SYNC;
	if (m->status == LACP_DEFAULTED)
		state |= LACP_STATE_DEFAULTED;
	if (m->status == LACP_EXPIRED)
		state |= LACP_STATE_EXPIRED;
	if (l->n_members > 1)
		state |= LACP_STATE_AGGREGATION;
	if (m->attached || !l->negotiated)
		state |= LACP_STATE_COLLECTING | LACP_STATE_DISTRIBUTING;
	memset(actor, 0, sizeof(*actor));
	actor->sys_priority = l->sys_priority;
	actor->sys_id = l->sys_id;
	actor->key = l->key;
	actor->port_priority = LACP_PORT_PRIORITY;
	actor->port_id = m->port_id;
	actor->state = state;
}

/* Compare two (priority, MAC) system ids: <0 if @a is the better. */
static int
sys_cmp(uint16_t pa, const struct mac *a, uint16_t pb, const struct mac *b)
{
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return memcmp(a->b, b->b, MAC_LEN);
}

/* A member's link priority, from the better system's view of the link:
 * system priority and id, then port priority and id; smaller is better. */
struct link_pri {
	uint16_t sys_priority;
	struct mac sys_id;
	uint16_t port_priority, port_id;
};

static void
link_priority(const struct lacp *l, const struct lacp_member *m, struct link_pri *out)
{
	const struct lacp_info *p = &m->partner;

	if (sys_cmp(l->sys_priority, &l->sys_id, p->sys_priority, &p->sys_id) < 0) {
		out->sys_priority = l->sys_priority;
		out->sys_id = l->sys_id;
		out->port_priority = LACP_PORT_PRIORITY;
		out->port_id = m->port_id;
	} else {
		out->sys_priority = p->sys_priority;
		out->sys_id = p->sys_id;
		out->port_priority = p->port_priority;
		out->port_id = p->port_id;
	}
}

static int
link_pri_cmp(const struct link_pri *a, const struct link_pri *b)
{
	int c = sys_cmp(a->sys_priority, &a->sys_id, b->sys_priority, &b->sys_id);

	if (c != 0)
		return c;
	if (a->port_priority != b->port_priority)
		return a->port_priority < b->port_priority ? -1 : 1;
	return a->port_id < b->port_id ? -1 : a->port_id > b->port_id;
}

static void
update_attached(struct lacp *l)
{
	struct lacp_member *lead = NULL;
	struct link_pri lead_pri = {0};
	bool lead_enable = false;

	l->update = false;
	for (unsigned int i = 0; i < l->n_members; i++) {
		struct lacp_member *m = &l->m[i];
		struct link_pri pri;
		bool en;

		m->attached = false;
		/* A member that hears its own bond is looped back. */
		if (memcmp(m->partner.sys_id.b, l->sys_id.b, MAC_LEN) == 0)
			continue;
		if (no_partner(m)) {
			m->attached = l->fallback_ab;
			continue;
		}
		m->attached = true;
		link_priority(l, m, &pri);
		en = may_enable(l, m);
		if (lead == NULL || (en && !lead_enable) ||
		    (en == lead_enable && link_pri_cmp(&pri, &lead_pri) < 0)) {
			lead = m;
			lead_pri = pri;
			lead_enable = en;
		}
	}
	l->negotiated = lead != NULL;
	if (lead == NULL)
		return;
	/* Only the members that lead to the lead's partner aggregate. */
	for (unsigned int i = 0; i < l->n_members; i++) {
		struct lacp_member *m = &l->m[i];

		if ((l->fallback_ab && no_partner(m)) || m->partner.key != lead->partner.key ||
		    memcmp(m->partner.sys_id.b, lead->partner.sys_id.b, MAC_LEN) != 0)
			m->attached = false;
	}
}

/* Does what we say differ from what the partner knows in a way that needs
 * a LACPDU (802.3ad 43.4.9: port, system, key and the activity, timeout,
 * sync and aggregation bits)? */
static bool
tx_differs(const struct lacp_info *a, const struct lacp_info *b)
{
	const uint8_t bits =
		LACP_STATE_ACTIVITY | LACP_STATE_TIMEOUT | LACP_STATE_SYNC | LACP_STATE_AGGREGATION;

	return ((a->state ^ b->state) & bits) || a->port_id != b->port_id ||
	       a->port_priority != b->port_priority || a->key != b->key ||
	       a->sys_priority != b->sys_priority || memcmp(a->sys_id.b, b->sys_id.b, MAC_LEN);
}

void
lacp_run(struct lacp *l, int64_t now, lacp_send_cb *send, void *arg)
{
	for (unsigned int i = 0; i < l->n_members; i++) {
		struct lacp_member *m = &l->m[i];

		if (m->rx_expires > now)
			continue;
		if (m->status == LACP_CURRENT)
			set_expired(l, m, now);
		else if (m->status == LACP_EXPIRED)
			set_defaulted(l, m);
	}
	if (l->update)
		update_attached(l);
	for (unsigned int i = 0; i < l->n_members; i++) {
		struct lacp_member *m = &l->m[i];
		struct lacp_info actor;
		uint8_t frame[LACP_FRAME_LEN];

		/* Always active: a LACPDU whether or not a partner answers;
		 * none on a link that is down. */
		if (!m->carrier)
			continue;
		lacp_actor(l, i, &actor);
		if (now < m->tx_next && !tx_differs(&actor, &m->ntt))
			continue;
		m->ntt = actor;
		lacp_compose(&actor, &m->partner, &m->mac, frame);
		send(i, frame, sizeof(frame), arg);
		m->tx_pdus++;
		m->tx_next = now + ((m->partner.state & LACP_STATE_TIMEOUT) ? LACP_FAST_MS
									    : LACP_SLOW_MS);
	}
}

int64_t
lacp_next_wake(const struct lacp *l)
{
	int64_t next = BOND_NEVER;

	for (unsigned int i = 0; i < l->n_members; i++) {
		const struct lacp_member *m = &l->m[i];

		if (m->rx_expires < next)
			next = m->rx_expires;
		if (m->carrier && m->tx_next < next)
			next = m->tx_next;
	}
	return l->update ? 0 : next;
}

void
lacp_state_str(uint8_t state, char *buf, size_t len)
{
	static const char *const names[] = {"activity",	    "timeout",	  "aggregation",
					    "synchronized", "collecting", "distributing",
					    "defaulted",    "expired"};
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int b = 0; b < 8; b++)
		if ((state & (1u << b)) && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "",
						names[b]);
}
