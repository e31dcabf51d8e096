/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bridge-verbs.c - what an operator asks of a network's bridge: its
 * forwarding table (fdb-show, fdb-flush) and its ports' counters.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../datapath/datapath.h"
#include "../switchd/call.h"
#include "../switchd/switchd.h"
#include "network.h"

/* Bridges and ports */

static int
bridge_arg(struct switchd *sd, struct sd_call *c, struct network **out)
{
	const char *bridge = sd_arg(c, "bridge");

	*out = network_by_bridge(sd, bridge);
	if (*out == NULL)
		return sd_fail(c, SD_E_BRIDGE_NOT_FOUND, "no network has bridge %s", bridge);
	return 0;
}

uint16_t
network_port_by_name(struct dp *dp, const struct network *n, const char *name)
{
	uint16_t p;

	for (p = 0; p < DP_MAX_PORTS; p++) {
		const char *pn = dp_port_name(dp, p);

		if (pn != NULL && strcmp(pn, name) == 0 &&
		    (n == NULL || dp_port_bridge(dp, p) == n->dp_bridge))
			return p;
	}
	return DP_PORT_NONE;
}

struct fdb_ctx {
	struct switchd *sd;
	json_t *records;
};

static int
fdb_record(const struct dp_fdb_entry *e, void *arg)
{
	struct fdb_ctx *x = arg;
	json_t *rec = json_object();
	const char *port = dp_port_name(x->sd->dp, e->port);
	char buf[MAC_STRLEN];

	sd_rec_str(rec, "MAC", mac_format(&e->mac, buf));
	sd_rec_str(rec, "port", port ? port : "?");
	sd_rec_int(rec, "age", e->age_sec);
	json_array_append_new(x->records, rec);
	return 0;
}

int
verb_fdb_show(struct switchd *sd, struct sd_call *c)
{
	struct fdb_ctx x = {.sd = sd};
	struct network *n;

	if (bridge_arg(sd, c, &n) != 0)
		return -1;
	x.records = json_array();
	c->result = x.records;
	if (sd_arg_true(c, "summary")) {
		uint32_t entries = 0,
			 max = n->mac_limit ? n->mac_limit : dp_fdb_bridge_default_max(sd->dp);
		json_t *rec = json_object();

		if (n->realised)
			dp_bridge_fdb_usage(sd->dp, n->dp_bridge, &entries, &max);
		sd_rec_str(rec, "bridge", n->bridge);
		sd_rec_int(rec, "entries", entries);
		sd_rec_int(rec, "limit", max);
		json_array_append_new(x.records, rec);
		return 0;
	}
	if (n->realised)
		dp_fdb_dump(sd->dp, n->dp_bridge, fdb_record, &x);
	return 0;
}

int
verb_fdb_flush(struct switchd *sd, struct sd_call *c)
{
	const char *port = sd_arg(c, "port");
	uint16_t p = DP_PORT_NONE;
	struct network *n;

	if (bridge_arg(sd, c, &n) != 0)
		return -1;
	if (port != NULL) {
		p = n->realised ? network_port_by_name(sd->dp, n, port) : DP_PORT_NONE;
		if (p == DP_PORT_NONE)
			return sd_fail(c, SD_E_PORT_NOT_FOUND, "%s has no port %s", n->bridge,
				       port);
	}
	if (n->realised)
		dp_fdb_flush(sd->dp, n->dp_bridge, p);
	return 0;
}

int
verb_port_stats(struct switchd *sd, struct sd_call *c)
{
	const char *port = sd_arg(c, "port");
	struct network *filter = NULL;
	uint16_t p;
	bool found = false;

	if (sd_arg(c, "bridge") != NULL && bridge_arg(sd, c, &filter) != 0)
		return -1;
	c->result = json_array();
	if (filter != NULL && !filter->realised)
		goto out;
	for (p = 0; p < DP_MAX_PORTS; p++) {
		const char *name = dp_port_name(sd->dp, p);
		const struct network *n;
		struct dp_port_stats st;
		uint64_t rate, burst;
		uint32_t waiting;
		json_t *rec;
		char key[48], ol[32];
		int r;

		if (name == NULL || (port != NULL && strcmp(name, port) != 0))
			continue;
		n = network_by_dp_bridge(sd, dp_port_bridge(sd->dp, p));
		if (filter != NULL && n != filter)
			continue;
		if (dp_port_stats_get(sd->dp, p, &st) != 0)
			continue;
		found = true;
		rec = json_object();
		sd_rec_str(rec, "port", name);
		sd_rec_str(rec, "bridge", n ? n->bridge : "");
		sd_rec_int(rec, "rx_packets", (long long)st.rx_packets);
		sd_rec_int(rec, "rx_bytes", (long long)st.rx_bytes);
		sd_rec_int(rec, "tx_packets", (long long)st.tx_packets);
		sd_rec_int(rec, "tx_bytes", (long long)st.tx_bytes);
		for (r = 0; r < DP_DROP__MAX; r++) {
			snprintf(key, sizeof(key), "drop_%s", dp_drop_name((enum dp_drop)r));
			sd_rec_int(rec, key, (long long)st.drops[r]);
		}
		sd_rec_int(rec, "fdb_entries", st.fdb_entries);
		sd_rec_int(rec, "fdb_max", st.fdb_max);
		sd_rec_int(rec, "fdb_limit", (long long)st.fdb_limit);
		sd_rec_int(rec, "fdb_moves", (long long)st.fdb_moves);
		sd_rec_int(rec, "no_mbuf", (long long)st.no_mbuf);
		sd_rec_int(rec, "gso_rx", (long long)st.gso_rx);
		sd_rec_int(rec, "sw_gso", (long long)st.sw_gso);
		sd_rec_int(rec, "sw_csum", (long long)st.sw_csum);
		if (dp_port_get_qos(sd->dp, p, &rate, &burst, &waiting) != 0)
			rate = burst = waiting = 0;
		sd_rec_int(rec, "qos_rate", (long long)rate);
		sd_rec_int(rec, "qos_burst", (long long)burst);
		sd_rec_int(rec, "qos_waiting", waiting);
		dp_port_offloads(sd->dp, p, ol, sizeof(ol));
		sd_rec_str(rec, "offloads", ol);
		json_array_append_new(c->result, rec);
	}
out:
	if (port != NULL && !found)
		return sd_fail(c, SD_E_PORT_NOT_FOUND, "no port named %s%s%s", port,
			       filter ? " on " : "", filter ? filter->bridge : "");
	return 0;
}
