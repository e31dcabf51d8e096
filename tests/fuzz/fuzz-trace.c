/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-trace.c - netctl trace's requests: a frame given as flow fields
 * (trace_flow_frame(), as the verb builds it) or as bytes, traced on one
 * of the ports of a real datapath (dp_trace()), then sent through it for
 * real. The oracle is the switch itself:
 *
 *  - the trace changes nothing: every port's counters, the FDB's
 *    counters and its entries (MAC, port) are the same after it;
 *  - the frame then leaves by exactly the ports the trace said (a VLAN
 *    port's output by its trunk, a bond's by the member the trace named),
 *    once each; a drop the trace named is counted once where it said; a
 *    frame for the control plane (LACP) is handed to it.
 *
 * The datapath is fuzz-topo.h's, with a VM's port, locked, on "native".
 * Input: byte 0 picks the port the frame comes in on (bits 0-2) and the
 * bond's state (bit 3: active-backup, else balance-slb; bit 4: the second
 * member enabled; bit 5: LACP, bit 6 negotiated); bit 7 says whether the
 * rest is flow fields, one key=value per line, or the frame's bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "../../datapath/datapath.h"
#include "../../trace/trace.h"
#include "fuzz-topo.h"
#include "fuzz.h"

/* fuzz-topo.h's ports and a VM's port (locked) on "native" */
#define N_PORTS (FUZZ_TOPO_PORTS + 1)
#define MAX_FIELDS 16

static struct fuzz_topo topo;
static struct dp *dp;
static struct ring_port *const ports = topo.ports;
static struct ring_port vm;
static uint16_t bond, vlan10, vlan20, native, v10, bonded;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint32_t v4 = 0x010012c6; /* 198.18.0.1, in network order */
	struct dp_lock_params lp = {.mode = DP_LOCK_LOCKED, .n_ipv4 = 1, .ipv4 = &v4};

	(void)argc;
	if (fuzz_topo_build(&topo, (*argv)[0], "trace") != 0)
		return 1;
	dp = topo.dp;
	bond = topo.bond;
	vlan10 = topo.vlan10;
	vlan20 = topo.vlan20;
	native = topo.native;
	v10 = topo.v10;
	bonded = topo.bonded;
	ring_port_add_access(dp, &vm, native, 1);
	memcpy(lp.mac.b, "\x02\x00\x00\x00\x00\x01", 6);
	if (dp_port_set_lock(dp, vm.id, &lp) != 0) {
		fprintf(stderr, "fuzz-trace: cannot lock the VM's port\n");
		return 1;
	}
	return 0;
}

/* Test port @i: fuzz-topo.h's, then the VM's. */
static struct ring_port *
port_at(unsigned int i)
{
	return i < FUZZ_TOPO_PORTS ? &ports[i] : &vm;
}

struct fields {
	unsigned int n;
	char *key[MAX_FIELDS], *value[MAX_FIELDS];
};

static const char *
get(void *ctx, const char *key)
{
	const struct fields *f = ctx;

	for (unsigned int i = 0; i < f->n; i++)
		if (strcmp(f->key[i], key) == 0)
			return f->value[i];
	return NULL;
}

/* key=value lines of @text (NUL-terminated, changed in place). */
static void
split(char *text, struct fields *f)
{
	char *line, *save = NULL;

	f->n = 0;
	for (line = strtok_r(text, "\n", &save); line != NULL && f->n < MAX_FIELDS;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		f->key[f->n] = line;
		f->value[f->n++] = eq + 1;
	}
}

struct snap {
	struct dp_port_stats st[N_PORTS + 3];
	struct dp_fdb_stats fs;
	unsigned int n_fdb;
	uint64_t fdb[256]; /* each entry: MAC, port */
};

static int
fdb_entry(const struct dp_fdb_entry *e, void *arg)
{
	struct snap *s = arg;
	uint64_t v = e->port;

	for (unsigned int i = 0; i < MAC_LEN; i++)
		v = v << 8 | e->mac.b[i];
	if (s->n_fdb < sizeof(s->fdb) / sizeof(s->fdb[0]))
		s->fdb[s->n_fdb] = v;
	s->n_fdb++;
	return 0;
}

static const uint16_t *
all_ports(unsigned int *n)
{
	static uint16_t ids[N_PORTS + 3];

	for (unsigned int i = 0; i < N_PORTS; i++)
		ids[i] = port_at(i)->id;
	ids[N_PORTS] = bond;
	ids[N_PORTS + 1] = vlan10;
	ids[N_PORTS + 2] = vlan20;
	*n = N_PORTS + 3;
	return ids;
}

/* Every port's counters, the FDB's counters and entries (MAC, port). */
static void
snap_take(struct snap *s)
{
	unsigned int n;
	const uint16_t *ids = all_ports(&n);

	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < n; i++)
		if (dp_port_stats_get(dp, ids[i], &s->st[i]) != 0)
			abort();
	dp_fdb_stats_get(dp, &s->fs);
	dp_fdb_dump(dp, native, fdb_entry, s);
	dp_fdb_dump(dp, v10, fdb_entry, s);
	dp_fdb_dump(dp, bonded, fdb_entry, s);
}

static int
ring_of(uint16_t id)
{
	for (unsigned int i = 0; i < N_PORTS; i++)
		if (port_at(i)->id == id)
			return (int)i;
	return -1;
}

static void
bond_state(uint8_t ctl)
{
	if (ctl & 0x20) {
		dp_bond_set_lacp(dp, bond, true, ctl & 0x40);
		dp_bond_set_mode(dp, bond, ctl & 0x8 ? DP_BOND_ACTIVE_BACKUP : DP_BOND_BALANCE_TCP);
		dp_bond_member_enable(dp, ports[4].id, false);
		dp_bond_member_collect(dp, ports[4].id, ctl & 0x10);
	} else {
		dp_bond_set_lacp(dp, bond, false, false);
		dp_bond_set_mode(dp, bond, ctl & 0x8 ? DP_BOND_ACTIVE_BACKUP : DP_BOND_BALANCE_SLB);
		dp_bond_member_enable(dp, ports[4].id, ctl & 0x10);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[9216];
	static const uint16_t in_of[8] = {0, 1, 2, 3, 4, 5, 6, 0};
	unsigned int want[N_PORTS] = {0};
	struct dp_port_stats before[N_PORTS + 4], after;
	uint16_t drop_at[N_PORTS + 4];
	int drop_why[N_PORTS + 4];
	unsigned int n_drops = 0;
	struct rte_mbuf *m, *out[64];
	struct snap a, b;
	struct dp_trace t;
	struct ring_port *in;
	uint8_t ctl, buf[128];
	uint16_t pport, plen;
	int len;

	if (size < 1)
		return 0;
	ctl = data[0];
	in = port_at(in_of[ctl & 7]);
	if (ctl & 0x80) {
		struct fields f;
		char *text = malloc(size);
		char err[256];

		if (text == NULL)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		split(text, &f);
		len = trace_flow_frame(get, &f, frame, sizeof(frame), err, sizeof(err));
		free(text);
		if (len < 0)
			return 0; /* refused, as the verb does */
	} else {
		if (size - 1 > dp_trace_max_len())
			return 0;
		len = (int)(size - 1);
		memcpy(frame, data + 1, (size_t)len);
	}
	bond_state(ctl);

	snap_take(&a);
	if (dp_trace(dp, in->id, frame, (uint32_t)len, &t) != 0)
		abort();
	snap_take(&b);
	if (memcmp(&a, &b, sizeof(a)) != 0) {
		fprintf(stderr, "fuzz-trace: the trace changed a counter or the FDB\n");
		abort();
	}
	for (unsigned int i = 0; i < t.n_steps; i++) {
		const struct dp_trace_step *s = &t.steps[i];
		uint16_t phys = s->port3 != DP_PORT_NONE   ? s->port3
				: s->port2 != DP_PORT_NONE ? s->port2
							   : s->port;
		int r;

		if (s->kind != DP_TRACE_OUTPUT || s->verdict >= 0)
			continue;
		r = ring_of(phys);
		if (r < 0) {
			fprintf(stderr, "fuzz-trace: an output by port %u, no ring's\n", phys);
			abort();
		}
		want[r]++;
	}
	/* The drops it names: the frame's, and an output's that does not
	 * take it (a flood goes on elsewhere). */
	for (unsigned int i = 0; i < t.n_steps && n_drops < N_PORTS + 3; i++)
		if (t.steps[i].kind == DP_TRACE_OUTPUT && t.steps[i].verdict >= 0 &&
		    t.steps[i].port != t.drop_port) {
			drop_at[n_drops] = t.steps[i].port;
			drop_why[n_drops++] = t.steps[i].verdict;
		}
	if (t.drop >= 0) {
		drop_at[n_drops] = t.drop_port;
		drop_why[n_drops++] = t.drop;
	}
	for (unsigned int i = 0; i < n_drops; i++)
		if (dp_port_stats_get(dp, drop_at[i], &before[i]) != 0)
			abort();

	m = rte_pktmbuf_alloc(dp_mempool(dp));
	if (m == NULL) {
		dp_trace_free(&t);
		return 0;
	}
	if (len > 0)
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, (size_t)len);
	if (rte_ring_enqueue(in->rx, m) != 0)
		abort();
	dp_worker_poll(dp, 0);

	for (unsigned int i = 0; i < N_PORTS; i++) {
		unsigned int got = 0, n;

		while ((n = rte_ring_dequeue_burst(port_at(i)->tx[0], (void **)out, 64, NULL)) >
		       0) {
			got += n;
			for (unsigned int k = 0; k < n; k++)
				rte_pktmbuf_free(out[k]);
		}
		if (got != want[i]) {
			fprintf(stderr, "fuzz-trace: port %u sent %u, the trace said %u\n",
				port_at(i)->id, got, want[i]);
			abort();
		}
	}
	for (unsigned int i = 0; i < n_drops; i++) {
		if (dp_port_stats_get(dp, drop_at[i], &after) != 0 ||
		    after.drops[drop_why[i]] != before[i].drops[drop_why[i]] + 1) {
			fprintf(stderr, "fuzz-trace: the trace said %s on port %u, not counted\n",
				dp_drop_name((enum dp_drop)drop_why[i]), drop_at[i]);
			abort();
		}
	}
	if (dp_punt_recv(dp, &pport, buf, sizeof(buf), &plen) == 0) {
		if (!t.punt || pport != in->id)
			abort();
	} else if (t.punt) {
		fprintf(stderr, "fuzz-trace: the trace said LACP, nothing punted\n");
		abort();
	}
	dp_trace_free(&t);
	return 0;
}
