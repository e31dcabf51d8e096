/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace.c - netctl trace: what the fast path would do with one frame
 * arriving on a port, step by step, as Open vSwitch's ofproto/trace says
 * it for a flow.
 *
 * The frame is copied into a packet buffer of the datapath's pool and
 * walked through the path worker.c takes: the receive limit (qos.c), a
 * bond's member, a trunk's VLAN classification, an access port's tag and
 * lock (lock.c), the bridge's checks, learning, the lookup and the output
 * ports (a bond's member by the bond's own choice). Every decision is made
 * by the function the fast path makes it with (decide.h); what the fast
 * path then does (learn, queue, count, tap for captures) is left out, so
 * nothing is learned, sent or counted. One difference is inherent: a
 * frame whose source is its destination is looked up after its source is
 * learned, so its lookup sees the entry learning would write.
 *
 * Control thread: it reads the snapshot it publishes itself, and the FDB
 * as a worker does, without locks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "decide.h"
#include "dp-private.h"
#include "port.h"

/* Steps a trace takes before the outputs: the limit, a bond's member, the
 * VLAN; access, lock, checks, learning, lookup. */
#define DP_TRACE_STEPS_BEFORE 8

uint32_t
dp_trace_max_len(void)
{
	return DP_MBUF_DATA_ROOM - RTE_PKTMBUF_HEADROOM;
}

static struct dp_trace_step *
step_add(struct dp_trace *t, unsigned int cap, enum dp_trace_kind kind, uint16_t port)
{
	struct dp_trace_step *s;

	if (t->n_steps == cap)
		return NULL; /* cannot be: sized for the longest path */
	s = &t->steps[t->n_steps++];
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	s->verdict = -1;
	s->port = port;
	s->port2 = s->port3 = DP_PORT_NONE;
	return s;
}

/* The trace ends with @s: @reason counted on @port. */
static void
ends(struct dp_trace *t, struct dp_trace_step *s, int reason, uint16_t port)
{
	s->verdict = (int16_t)reason;
	t->drop = reason;
	t->drop_port = port;
}

/* How @port sends @m: its trunk and tag, a bond's member, its link.
 * ENOMEM if the tagged copy a bond would hash cannot be made. */
static int
output(struct dp_trace *t, unsigned int cap, struct dp_port *port, struct rte_mbuf *m)
{
	struct dp_trace_step *s = step_add(t, cap, DP_TRACE_OUTPUT, port->id);
	struct dp_port *via = port;
	struct rte_mbuf *tagged = NULL;
	const struct rte_mbuf *sent = m;

	if (s == NULL)
		return 0;
	if (port->kind == DP_PORT_VLAN && port->parent != NULL) {
		via = port->parent;
		s->port2 = via->id;
		s->vid = port->vid;
	}
	if (via->kind == DP_PORT_BOND) {
		if (via != port) {
			/* A bond hashes the frame as it leaves, tagged. */
			tagged = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (tagged == NULL)
				return ENOMEM;
			tagged->vlan_tci = port->vid;
			if (rte_vlan_insert(&tagged) != 0) {
				rte_pktmbuf_free(tagged);
				return ENOMEM;
			}
			sent = tagged;
		}
		/* bond_tx(): none enabled, counted on the port that sent
		 * (a VLAN port's own counters through vlan_tx()). */
		s->port3 = dp_bond_tx_member(via, sent);
		rte_pktmbuf_free(tagged);
		if (s->port3 == DP_PORT_NONE) {
			s->e = 1;
			s->verdict = DP_DROP_LINK_DOWN;
		}
	} else if (via->cls->link_up != NULL && !via->cls->link_up(via)) {
		/* A vhost-user port without its guest takes nothing
		 * (out_flush() counts link_down); a device without carrier
		 * may take frames all the same. */
		s->e = 1;
		if (via->kind == DP_PORT_VHOST_USER)
			s->verdict = DP_DROP_LINK_DOWN;
	}
	if (s->verdict < 0)
		t->n_out++;
	return 0;
}

/* From the bridge's checks on: bridge_input() for one frame that came in
 * on @in. */
static int
bridge(struct dp *dp, const struct dp_cfg *cfg, struct dp_trace *t, unsigned int cap,
       struct dp_port *in, struct rte_mbuf *m, uint16_t now)
{
	const struct fdb *f = &dp->fdb;
	uint16_t bridge = cfg->port_bridge[in->id];
	const struct dp_cfg_bridge *br = &cfg->bridge[bridge];
	uint16_t bgen = fdb_gen_load(&f->bridge_gen[bridge]);
	uint64_t learn_val =
		fdb_val(in->id, fdb_gen_load(&f->port_gen[in->id]), bgen, fdb_seen(f, now));
	struct dp_trace_step *s;
	struct fdb_slot *slot;
	struct dp_fwd fwd;
	uint64_t skey = 0, dkey = 0, old, v = 0;
	enum dp_learn act;
	bool live, found;
	int why;

	if (in->access) {
		const struct dp_lock *lock = __atomic_load_n(&in->lock, __ATOMIC_ACQUIRE);
		uint32_t len = m->pkt_len;

		s = step_add(t, cap, DP_TRACE_ACCESS, in->id);
		if (!dp_access_untag(m)) {
			ends(t, s, DP_DROP_VIF_TAGGED, in->id);
			return 0;
		}
		s->e = m->pkt_len != len;
		if (lock != NULL) {
			s = step_add(t, cap, DP_TRACE_LOCK, in->id);
			s->e = lock->mode;
			why = dp_lock_verdict_frame(lock, rte_pktmbuf_mtod(m, const uint8_t *),
						    m->data_len);
			if (why >= 0) {
				ends(t, s, why, in->id);
				return 0;
			}
		}
	}
	s = step_add(t, cap, DP_TRACE_CHECKS, in->id);
	s->port2 = bridge;
	s->a = m->pkt_len;
	s->b = br->max_len;
	why = dp_frame_check(br, fdb_key_tag(bridge), m, &skey, &dkey);
	if (why >= 0) {
		ends(t, s, why, in->id);
		return 0;
	}

	act = dp_learn_decide(f, skey, fdb_bucket1(f, skey), learn_val, bgen, now, &slot, &old,
			      &live);
	s = step_add(t, cap, DP_TRACE_LEARN, in->id);
	s->e = (uint8_t)act;
	s->a = skey & 0xffffffffffffULL;
	if (live || act == DP_LEARN_FRESH)
		s->port2 = fdb_val_port(old);

	found = !fdb_key_multicast(dkey) && fdb_find(f, dkey, fdb_bucket1(f, dkey), &v) != NULL;
	/* Its own source: looked up once learned. */
	if (dkey == skey && (act == DP_LEARN_NEW || act == DP_LEARN_MOVE)) {
		found = true;
		v = learn_val;
	}
	fwd = dp_fwd_of(f, cfg, br, bridge, in->id, dkey, found, v, bgen, now);
	s = step_add(t, cap, DP_TRACE_LOOKUP, in->id);
	s->e = fwd.lookup;
	s->a = dkey & 0xffffffffffffULL;
	if (found && fdb_val_live(f, v, bgen, now)) {
		s->port2 = fdb_val_port(v);
		s->b = (uint16_t)(now - fdb_val_seen(v));
	}
	switch (fwd.lookup) {
	case DP_LOOKUP_KNOWN: {
		int err = output(t, cap, fwd.port, m);
		const struct dp_trace_step *o = &t->steps[t->n_steps - 1];

		/* Its one output does not take it: the drop is the output's. */
		if (err == 0 && o->kind == DP_TRACE_OUTPUT && o->verdict >= 0) {
			t->drop = o->verdict;
			t->drop_port = o->port;
		}
		return err;
	}
	case DP_LOOKUP_HAIRPIN:
		ends(t, s, DP_DROP_HAIRPIN, in->id);
		return 0;
	case DP_LOOKUP_RESERVED:
		ends(t, s, DP_DROP_RESERVED_MULTICAST, in->id);
		return 0;
	default:
		break;
	}
	/* flood() */
	if (br->n_ports <= 1) {
		ends(t, s, DP_DROP_NO_DESTINATION, in->id);
		return 0;
	}
	for (uint16_t i = 0; i < br->n_ports; i++) {
		int err = br->ports[i] != in->id ? output(t, cap, cfg->port[br->ports[i]], m) : 0;

		if (err != 0)
			return err;
	}
	return 0;
}

int
dp_trace(struct dp *dp, uint16_t port, const void *frame, uint32_t len, struct dp_trace *t)
{
	const struct dp_cfg *cfg = __atomic_load_n(&dp->cfg, __ATOMIC_ACQUIRE);
	struct dp_port *in = port < DP_MAX_PORTS ? cfg->port[port] : NULL;
	uint16_t now = dp_now_sec(dp), vid;
	struct dp_trace_step *s;
	struct rte_mbuf *m;
	unsigned int cap;
	bool tagged;
	int why, err = 0;

	memset(t, 0, sizeof(*t));
	t->drop = -1;
	t->drop_port = DP_PORT_NONE;
	if (in == NULL)
		return ENOENT;
	if (in->bond_port == DP_PORT_NONE && cfg->port_bridge[in->id] == DP_BRIDGE_NONE)
		return ENOENT;
	if (len > dp_trace_max_len())
		return EMSGSIZE;
	/* The steps before the bridge's, at most once each; then room for
	 * the bridge's (below). */
	cap = DP_TRACE_STEPS_BEFORE;
	t->steps = calloc(cap, sizeof(*t->steps));
	m = rte_pktmbuf_alloc(dp->mp);
	if (t->steps == NULL || m == NULL) {
		free(t->steps);
		t->steps = NULL;
		rte_pktmbuf_free(m);
		return ENOMEM;
	}
	if (len != 0)
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);

	/* The receive limit, as the port is read (dp_qos_rx()). */
	s = &t->steps[t->n_steps];
	s->port = in->id;
	s->port2 = s->port3 = DP_PORT_NONE;
	s->kind = DP_TRACE_QOS;
	s->verdict = -1;
	if (dp_qos_trace(in, len, s))
		t->n_steps++;

	/* input(): a bond's member, bond_input(). */
	if (in->bond_port != DP_PORT_NONE) {
		struct dp_port *bond = cfg->port[in->bond_port];
		struct dp_bond_view bv;

		s = step_add(t, cap, DP_TRACE_MEMBER, in->id);
		s->port2 = in->bond_port;
		if (bond == NULL || bond->kind != DP_PORT_BOND) {
			ends(t, s, DP_DROP_BOND_STANDBY, in->id);
			goto out;
		}
		dp_bond_view_load(bond->bond, &bv);
		if (bv.lacp != 0) {
			s->e = 1;
			if (dp_is_slow_protocol(m)) {
				s->e = 2;
				t->punt = true;
				goto out;
			}
			why = dp_bond_lacp_takes(&bv, in) ? -1 : DP_DROP_BOND_STANDBY;
		} else {
			why = dp_bond_member_verdict(&dp->fdb, cfg, bond, &bv, in->bond_slot, m,
						     now);
		}
		if (why >= 0) {
			ends(t, s, why, in->id);
			goto out;
		}
		in = bond; /* bond_take() */
	}
	/* trunk_input() */
	if (in->trunk) {
		uint16_t to = dp_trunk_classify(cfg->vlan_map[in->id], in->id, m, &vid, &tagged);

		s = step_add(t, cap, DP_TRACE_VLAN, in->id);
		s->vid = vid;
		s->port2 = to;
		s->e = tagged;
		if (to == DP_PORT_NONE) {
			ends(t, s, DP_DROP_UNKNOWN_VLAN, in->id);
			goto out;
		}
		if (tagged) {
			rte_vlan_strip(m);
			dp_ol_untagged(m);
		}
		in = cfg->port[to];
		if (in == NULL)
			goto out;
	}
	/* Its checks, learning and lookup, and an output per port of the
	 * bridge at most. */
	{
		unsigned int need = t->n_steps + DP_TRACE_STEPS_BEFORE +
				    cfg->bridge[cfg->port_bridge[in->id]].n_ports;
		struct dp_trace_step *more = realloc(t->steps, need * sizeof(*t->steps));

		if (more == NULL) {
			err = ENOMEM;
			goto out;
		}
		t->steps = more;
		cap = need;
	}
	err = bridge(dp, cfg, t, cap, in, m, now);
out:
	rte_pktmbuf_free(m);
	if (err != 0)
		dp_trace_free(t);
	return err;
}

void
dp_trace_free(struct dp_trace *t)
{
	free(t->steps);
	t->steps = NULL;
	t->n_steps = 0;
}
