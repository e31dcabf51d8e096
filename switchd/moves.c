/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAC moves, logged rate-limited. A learning bridge follows a MAC to the
 * port it is last seen on, so a VM that sends with another VM's source MAC
 * takes that VM's traffic. The datapath counts moves per port (fdb_moves,
 * in port-stats); this logs them so that an operator sees flapping, as
 * Open vSwitch logs "learned that MAC is on port P" under a rate limit.
 * One line per port and interval at most, counting every move since the
 * last line, so nothing is hidden and a flood of moves is a line every
 * SD_MOVES_LOG_INTERVAL_S seconds.
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../datapath/datapath.h"
#include "switchd.h"

struct port_moves {
	char name[IF_NAMESIZE]; /* the port the id was last seen for */
	uint64_t logged;	/* fdb_moves counted in lines so far */
	time_t last_line;
};

static struct port_moves moves[DP_MAX_PORTS];

void
sd_moves_check(struct switchd *sd)
{
	time_t now = (time_t)(sd_now_ms() / 1000);

	for (uint16_t p = 0; p < DP_MAX_PORTS; p++) {
		const char *name = dp_port_name(sd->dp, p), *from;
		struct port_moves *pm = &moves[p];
		const struct network *n;
		struct dp_port_stats st;
		uint8_t mac[6];

		if (name == NULL || dp_port_stats_get(sd->dp, p, &st) != 0)
			continue;
		if (strcmp(pm->name, name) != 0 || st.fdb_moves < pm->logged) {
			/* Another port has this id now: its count began at 0. */
			snprintf(pm->name, sizeof(pm->name), "%s", name);
			pm->logged = 0;
			pm->last_line = 0;
		}
		if (st.fdb_moves == pm->logged || now - pm->last_line < SD_MOVES_LOG_INTERVAL_S)
			continue;
		n = network_by_dp_bridge(sd, dp_port_bridge(sd->dp, p));
		from = dp_port_name(sd->dp, dp_move_from(st.last_move));
		dp_move_mac(st.last_move, mac);
		LOG_WARN("bridge %s: %llu move(s) to port %s of MACs learned on other ports"
			 " (fdb_moves %llu), the latest %02x:%02x:%02x:%02x:%02x:%02x from %s;"
			 " a VM sending with another's MAC takes its traffic",
			 n != NULL ? n->bridge : "?",
			 (unsigned long long)(st.fdb_moves - pm->logged), name,
			 (unsigned long long)st.fdb_moves, mac[0], mac[1], mac[2], mac[3], mac[4],
			 mac[5], from != NULL ? from : "a removed port");
		pm->logged = st.fdb_moves;
		pm->last_line = now;
	}
}
