/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bond.c - a bond's properties, its datapath ports, and the policy
 * (bond-policy.c) carried out on them as the members' carrier changes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../datapath/datapath.h"
#include "../pif/pif-verbs.h"
#include "../switchd/call.h"
#include "../switchd/store.h"
#include "../switchd/switchd.h"
#include "bond.h"

/* How often a DPDK member's link state is read (DPDK's link-state
 * interrupts are not available on every driver; reading is). */
#define BOND_DPDK_LINK_POLL_MS 20

int
bond_kind_parse(const char *s, enum bond_kind *kind)
{
	if (strcmp(s, "balance-slb") == 0)
		*kind = BOND_KIND_BALANCE_SLB;
	else if (strcmp(s, "active-backup") == 0)
		*kind = BOND_KIND_ACTIVE_BACKUP;
	else if (strcmp(s, "lacp") == 0)
		*kind = BOND_KIND_LACP;
	else
		return EINVAL;
	return 0;
}

const char *
bond_kind_str(enum bond_kind kind)
{
	switch (kind) {
	case BOND_KIND_BALANCE_SLB:
		return "balance-slb";
	case BOND_KIND_ACTIVE_BACKUP:
		return "active-backup";
	case BOND_KIND_LACP:
		return "lacp";
	}
	return "?";
}

void
bond_props_default(struct bond_props *p, enum bond_kind kind)
{
	memset(p, 0, sizeof(*p));
	p->hashing = BOND_HASH_TCPUDP_PORTS;
	p->lacp_fast = false;
	p->lacp_fallback_ab = true;
	p->rebalance_ms = kind == BOND_KIND_BALANCE_SLB ? BOND_REBALANCE_DEFAULT_MS : 0;
	p->updelay_ms = BOND_UPDELAY_DEFAULT_MS;
	p->downdelay_ms = BOND_DOWNDELAY_DEFAULT_MS;
}

/* A count of milliseconds, 0..BOND_MS_MAX, in decimal. */
static int
ms_parse(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > BOND_MS_MAX)
		return EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static bool
lacp_only(const char *key)
{
	return strcmp(key, "hashing_algorithm") == 0 || strcmp(key, "lacp-time") == 0 ||
	       strcmp(key, "lacp-fallback-ab") == 0;
}

int
bond_prop_set(struct bond_props *p, enum bond_kind kind, const char *key, const char *value,
	      char member[][PIF_UUID_LEN], const char *const *device, unsigned int n_members,
	      char *why, size_t len)
{
	uint32_t *ms = NULL;

	if (lacp_only(key) && kind != BOND_KIND_LACP) {
		snprintf(why, len, "%s is for mode=lacp only", key);
		return EINVAL;
	}
	if (strcmp(key, "hashing_algorithm") == 0) {
		if (strcmp(value, "src_mac") == 0)
			p->hashing = BOND_HASH_SRC_MAC;
		else if (strcmp(value, "tcpudp_ports") == 0)
			p->hashing = BOND_HASH_TCPUDP_PORTS;
		else
			goto bad_value;
		return 0;
	}
	if (strcmp(key, "lacp-time") == 0) {
		if (strcmp(value, "fast") != 0 && strcmp(value, "slow") != 0)
			goto bad_value;
		p->lacp_fast = strcmp(value, "fast") == 0;
		return 0;
	}
	if (strcmp(key, "lacp-fallback-ab") == 0) {
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
			goto bad_value;
		p->lacp_fallback_ab = strcmp(value, "true") == 0;
		return 0;
	}
	if (strcmp(key, "primary") == 0) {
		if (value[0] == '\0') {
			memset(p->primary, 0, sizeof(p->primary));
			return 0;
		}
		for (unsigned int i = 0; i < n_members; i++)
			if (strcmp(value, member[i]) == 0 || strcmp(value, device[i]) == 0) {
				memset(p->primary, 0, sizeof(p->primary));
				snprintf(p->primary, sizeof(p->primary), "%s", member[i]);
				return 0;
			}
		snprintf(why, len, "primary=%s is not a member of the bond (its uuid or device)",
			 value);
		return EINVAL;
	}
	if (strcmp(key, "rebalance-interval") == 0)
		ms = &p->rebalance_ms;
	else if (strcmp(key, "updelay") == 0)
		ms = &p->updelay_ms;
	else if (strcmp(key, "downdelay") == 0)
		ms = &p->downdelay_ms;
	if (ms == NULL) {
		snprintf(why, len,
			 "no property %s (hashing_algorithm, lacp-time, lacp-fallback-ab,"
			 " rebalance-interval, updelay, downdelay, primary)",
			 key);
		return EINVAL;
	}
	if (ms_parse(value, ms) != 0) {
		snprintf(why, len, "%s=%s: milliseconds, 0..%u expected", key, value, BOND_MS_MAX);
		return EINVAL;
	}
	return 0;
bad_value:
	snprintf(why, len, "%s=%s: expected %s", key, value,
		 strcmp(key, "hashing_algorithm") == 0 ? "src_mac or tcpudp_ports"
		 : strcmp(key, "lacp-time") == 0       ? "fast or slow"
						       : "true or false");
	return EINVAL;
}

json_t *
bond_props_json(const struct bond_props *p, enum bond_kind kind)
{
	json_t *m = json_object();
	char buf[16];

	if (kind == BOND_KIND_LACP) {
		json_object_set_new(
			m, "hashing_algorithm",
			json_string(p->hashing == BOND_HASH_SRC_MAC ? "src_mac" : "tcpudp_ports"));
		json_object_set_new(m, "lacp-time", json_string(p->lacp_fast ? "fast" : "slow"));
		json_object_set_new(m, "lacp-fallback-ab",
				    json_string(p->lacp_fallback_ab ? "true" : "false"));
	}
	snprintf(buf, sizeof(buf), "%" PRIu32, p->rebalance_ms);
	json_object_set_new(m, "rebalance-interval", json_string(buf));
	snprintf(buf, sizeof(buf), "%" PRIu32, p->updelay_ms);
	json_object_set_new(m, "updelay", json_string(buf));
	snprintf(buf, sizeof(buf), "%" PRIu32, p->downdelay_ms);
	json_object_set_new(m, "downdelay", json_string(buf));
	if (p->primary[0] != '\0')
		json_object_set_new(m, "primary", json_string(p->primary));
	return m;
}

void
bond_props_from_json(struct bond_props *p, enum bond_kind kind, const json_t *map)
{
	static const char *const keys[] = {"hashing_algorithm",	 "lacp-time", "lacp-fallback-ab",
					   "rebalance-interval", "updelay",   "downdelay"};
	char why[128];
	const char *v;
	size_t i;

	bond_props_default(p, kind);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_string_value(json_object_get(map, keys[i]));
		if (v != NULL && (kind == BOND_KIND_LACP || !lacp_only(keys[i])))
			bond_prop_set(p, kind, keys[i], v, NULL, NULL, 0, why, sizeof(why));
	}
	v = json_string_value(json_object_get(map, "primary"));
	if (v != NULL)
		snprintf(p->primary, sizeof(p->primary), "%s", v);
}

int
bond_member_index(const struct bond *b, const char *pif_uuid)
{
	for (unsigned int i = 0; i < b->n_members; i++)
		if (strcmp(b->member[i], pif_uuid) == 0)
			return (int)i;
	return -1;
}

struct bond *
bond_by_master(struct switchd *sd, const char *pif_uuid)
{
	struct bond *b;

	TAILQ_FOREACH(b, &sd->bonds, next)
		if (strcmp(b->master, pif_uuid) == 0)
			return b;
	return NULL;
}

struct bond *
bond_by_member(struct switchd *sd, const char *pif_uuid)
{
	struct bond *b;

	TAILQ_FOREACH(b, &sd->bonds, next)
		if (bond_member_index(b, pif_uuid) >= 0)
			return b;
	return NULL;
}

/* The datapath's and the policy's mode: a LACP bond balances once
 * negotiated (by L4 ports, or as balance-slb with hashing_algorithm=src_mac)
 * and is active-backup before (its fallback, or nothing enabled). */
static enum dp_bond_mode
dp_mode(const struct bond *b)
{
	if (b->kind == BOND_KIND_LACP)
		return !b->lacp_negotiated		       ? DP_BOND_ACTIVE_BACKUP
		       : b->props.hashing == BOND_HASH_SRC_MAC ? DP_BOND_BALANCE_SLB
							       : DP_BOND_BALANCE_TCP;
	return b->kind == BOND_KIND_BALANCE_SLB ? DP_BOND_BALANCE_SLB : DP_BOND_ACTIVE_BACKUP;
}

enum dp_bond_mode
bond_dp_mode(const struct bond *b)
{
	return dp_mode(b);
}

static enum bond_mode
policy_mode(const struct bond *b)
{
	return dp_mode(b) == DP_BOND_ACTIVE_BACKUP ? BOND_ACTIVE_BACKUP : BOND_BALANCE_SLB;
}

static const char *
member_device(struct switchd *sd, const struct bond *b, int i)
{
	const struct pif *p = i >= 0 ? pif_by_uuid(sd, b->member[i]) : NULL;

	return p != NULL ? p->device : "none";
}

/* A member's carrier now: its netdev's, or its DPDK device's link. */
static bool
member_carrier(struct switchd *sd, const struct bond *b, unsigned int i)
{
	const struct pif *p = pif_by_uuid(sd, b->member[i]);
	struct pif_netdev nd;

	if (p == NULL)
		return false;
	if (p->dpdk_open)
		return dp_device_link_up(p->ethdev);
	return pif_netdev_get(p->device, &nd) == 0 && nd.carrier;
}

/* Is datapath port @port enabled, by dp_bond_state()'s slots? */
static bool
dp_enabled(const uint16_t m[DP_BOND_MAX_MEMBERS], unsigned int enabled, uint16_t port)
{
	for (unsigned int s = 0; s < DP_BOND_MAX_MEMBERS; s++)
		if (m[s] == port)
			return enabled & (1u << s);
	return false;
}

static int
save_active(struct switchd *sd, void *arg)
{
	return store_bond_put(sd->store, arg) == 0 ? 0 : -1;
}

/* Make the datapath do what the policy decided: members enabled first,
 * then the active one, then the others disabled, so that the bond never
 * sends through a member it just took away; buckets if @bits says they
 * moved. */
static void
bond_apply(struct switchd *sd, struct bond *b, unsigned int bits)
{
	struct pif *master = pif_by_uuid(sd, b->master);
	const char *name = master != NULL ? master->device : b->uuid;
	const struct bond_policy *pol = &b->policy;
	uint16_t m[DP_BOND_MAX_MEMBERS], want;
	unsigned int i, enabled = 0;
	int active = -1;

	if (dp_bond_state(sd->dp, b->dp_bond, m, &enabled, &active) != 0)
		return; /* not live: nothing to carry out */
	for (i = 0; i < b->n_members; i++)
		if (pol->m[i].enabled && !dp_enabled(m, enabled, b->dp_member[i])) {
			dp_bond_member_enable(sd->dp, b->dp_member[i], true);
			LOG_INFO("bond %s: member %s enabled (%s)", name,
				 member_device(sd, b, (int)i),
				 b->lacp_on ? "carrier up, LACP lets it" : "carrier up");
		}
	want = pol->active >= 0 ? b->dp_member[pol->active] : DP_PORT_NONE;
	if (want != (active >= 0 ? m[active] : DP_PORT_NONE)) {
		dp_bond_set_active(sd->dp, b->dp_bond, want);
		LOG_INFO("bond %s: active member %s", name, member_device(sd, b, pol->active));
		/* Kept for a restart: stored from the poll loop (bond_run_all()),
		 * not inside a verb's transaction. */
		if (pol->active >= 0 && strcmp(b->active_member, b->member[pol->active]) != 0)
			b->active_dirty = true;
	}
	for (i = 0; i < b->n_members; i++)
		if (!pol->m[i].enabled && dp_enabled(m, enabled, b->dp_member[i])) {
			dp_bond_member_enable(sd->dp, b->dp_member[i], false);
			LOG_INFO("bond %s: member %s disabled (%s)", name,
				 member_device(sd, b, (int)i),
				 b->carrier[i] ? "LACP does not let it carry traffic"
					       : "carrier down");
		}
	if (bits & BOND_CHANGED_BUCKETS)
		for (unsigned int k = 0; k < BOND_BUCKETS; k++)
			dp_bond_bucket_set(sd->dp, b->dp_bond, k, b->dp_member[pol->bucket[k]]);
}

/* The member that carries frames from @mac on VLAN @vid (0: untagged),
 * as the datapath chooses it; -1 if none. */
static int
member_for(const struct bond *b, const struct mac *mac, uint16_t vid)
{
	const struct bond_policy *pol = &b->policy;

	if (pol->mode == BOND_BALANCE_SLB) {
		int m = pol->bucket[dp_bond_bucket_of(mac, vid)];

		if (pol->m[m].enabled)
			return m;
	}
	return pol->active;
}

struct announce {
	struct switchd *sd;
	const struct bond *b;
	uint16_t vid;  /* the bridge's VLAN on the bond, 0: untagged */
	uint16_t skip; /* the bond's port on the bridge: MACs learned there are the world's */
	unsigned int sent, failed;
};

/* One learning frame, as Open vSwitch's (compose_rarp()): a broadcast
 * RARP request from the MAC, tagged with its VLAN. */
static int
announce_one(const struct dp_fdb_entry *e, void *arg)
{
	struct announce *a = arg;
	uint8_t f[64] = {0};
	size_t off = 12;
	int m;

	if (e->port == a->skip)
		return 0;
	if (a->sent + a->failed >= DP_INJECT_RING / 2) {
		a->failed++; /* beyond what the datapath queues at once */
		return 0;
	}
	m = member_for(a->b, &e->mac, a->vid);
	if (m < 0)
		return 0;
	memset(f, 0xff, 6);
	memcpy(f + 6, e->mac.b, MAC_LEN);
	if (a->vid != 0) {
		f[off++] = 0x81;
		f[off++] = 0x00;
		f[off++] = (uint8_t)(a->vid >> 8);
		f[off++] = (uint8_t)a->vid;
	}
	f[off++] = 0x80; /* RARP */
	f[off++] = 0x35;
	f[off++] = 0; /* hardware: Ethernet */
	f[off++] = 1;
	f[off++] = 0x08; /* protocol: IPv4 */
	f[off++] = 0x00;
	f[off++] = MAC_LEN;
	f[off++] = 4;
	f[off++] = 0; /* reverse request */
	f[off++] = 3;
	memcpy(f + off, e->mac.b, MAC_LEN); /* sender: the MAC, IP 0 */
	off += MAC_LEN + 4;
	memcpy(f + off, e->mac.b, MAC_LEN); /* target: the MAC, IP 0 */
	off += MAC_LEN + 4;
	if (dp_port_send(a->sd->dp, a->b->dp_member[m], f, (uint16_t)(off < 60 ? 60 : off)) == 0)
		a->sent++;
	else
		a->failed++;
	return 0;
}

/* Traffic moved off a member: tell the upstream switch where each MAC
 * behind the bond (learned on the bridges' other ports, untagged or on
 * one of the bond's VLANs) is now, so that it relearns at once. */
static void
bond_announce(struct switchd *sd, struct bond *b)
{
	struct pif *master = pif_by_uuid(sd, b->master);
	struct network *n = master != NULL ? network_by_uuid(sd, master->network_uuid) : NULL;
	struct announce a = {.sd = sd, .b = b, .skip = b->dp_bond};
	struct vlan *v;

	if (n == NULL || !n->realised || b->policy.active < 0)
		return;
	dp_fdb_dump(sd->dp, n->dp_bridge, announce_one, &a);
	TAILQ_FOREACH(v, &sd->vlans, next) {
		struct pif *pseudo;
		struct network *vn;

		if (strcmp(v->tagged_pif, b->master) != 0)
			continue;
		pseudo = pif_by_uuid(sd, v->untagged_pif);
		vn = pseudo != NULL ? network_by_uuid(sd, pseudo->network_uuid) : NULL;
		if (pseudo == NULL || !pseudo->attached || vn == NULL || !vn->realised)
			continue;
		a.vid = v->tag;
		a.skip = pseudo->dp_port;
		dp_fdb_dump(sd->dp, vn->dp_bridge, announce_one, &a);
	}
	if (a.sent != 0 || a.failed != 0)
		LOG_INFO("bond %s: %u learning frames sent%s", master->device, a.sent,
			 a.failed != 0 ? ", some not (no room in the datapath's queue)" : "");
}

static void
bond_sync(struct switchd *sd, struct bond *b, int64_t now)
{
	unsigned int bits = bond_policy_run(&b->policy, now);

	if (b->policy.mode == BOND_BALANCE_SLB && b->policy.rebalance_ms != 0 &&
	    now >= b->policy.next_rebalance) {
		uint16_t member[DP_BOND_BUCKETS];
		uint64_t bytes[DP_BOND_BUCKETS], delta[BOND_BUCKETS];

		if (dp_bond_buckets_get(sd->dp, b->dp_bond, member, bytes) == 0) {
			for (unsigned int k = 0; k < BOND_BUCKETS; k++) {
				delta[k] = bytes[k] - b->bucket_bytes[k];
				b->bucket_bytes[k] = bytes[k];
			}
			bond_policy_account(&b->policy, delta);
		}
		bits |= bond_policy_rebalance(&b->policy, now);
	}
	bond_apply(sd, b, bits);
	/* Not when LACP is negotiated: the partner knows the bond (as Open
	 * vSwitch's may_send_learning_packets()). */
	if ((bits & BOND_ANNOUNCE) && !(b->lacp_on && b->lacp_negotiated))
		bond_announce(sd, b);
	b->wake = bond_policy_next_wake(&b->policy);
}

/* Take the bond's settings into the policy (after bond-param-set). */
static void
policy_settings(struct bond *b)
{
	b->policy.updelay_ms = b->props.updelay_ms;
	b->policy.downdelay_ms = b->props.downdelay_ms;
	b->policy.rebalance_ms = b->props.rebalance_ms;
	b->policy.primary = b->props.primary[0] ? bond_member_index(b, b->props.primary) : -1;
}

static int
member_port_add(struct switchd *sd, struct bond *b, unsigned int i, uint16_t mtu)
{
	struct pif *p = pif_by_uuid(sd, b->member[i]);
	struct dp_port_params pp = {.mtu = mtu, .bond_member = true, .bond = b->dp_bond};
	bool probed = false;
	int err;

	if (p == NULL)
		return ENOENT;
	err = pif_backend_open(sd, p, &probed);
	if (err)
		return err;
	pp.kind = p->dpdk_open ? DP_PORT_ETHDEV : DP_PORT_AF_PACKET;
	pp.name = p->device;
	pp.ethdev = p->ethdev;
	err = dp_port_add(sd->dp, &pp, &b->dp_member[i]);
	if (err && probed) {
		dp_device_close(p->ethdev);
		p->dpdk_open = false;
	}
	b->member_probed[i] = err == 0 && probed;
	return err;
}

static void
member_port_del(struct switchd *sd, struct bond *b, unsigned int i)
{
	struct pif *p = pif_by_uuid(sd, b->member[i]);

	if (b->dp_member[i] == DP_PORT_NONE)
		return;
	if (dp_port_del(sd->dp, b->dp_member[i]) != 0)
		LOG_ERR("bond: member port %u cannot be removed", b->dp_member[i]);
	b->dp_member[i] = DP_PORT_NONE;
	if (p != NULL && b->member_probed[i]) {
		dp_device_close(p->ethdev);
		p->dpdk_open = false;
	}
	b->member_probed[i] = false;
}

/* May member @i carry traffic as far as its link and LACP go? */
static bool
may_carry(const struct bond *b, unsigned int i)
{
	return b->carrier[i] && (!b->lacp_on || lacp_may_enable(&b->lacp, i));
}

struct lacp_send {
	struct switchd *sd;
	struct bond *b;
};

static void
lacp_send(unsigned int i, const uint8_t *frame, size_t len, void *arg)
{
	struct lacp_send *ls = arg;
	static struct log_rate_limit rl = LOG_RATE_LIMIT_INIT(6, 10);
	int err = dp_port_send(ls->sd->dp, ls->b->dp_member[i], frame, (uint16_t)len);

	if (err)
		LOG_WARN_RL(&rl, "bond: a LACPDU on %s not sent: %s",
			    member_device(ls->sd, ls->b, (int)i), strerror(err));
}

/* The aggregation key: bondN's N + 1, one per bond of the host. */
static uint16_t
lacp_key(struct switchd *sd, const struct bond *b)
{
	const struct pif *master = pif_by_uuid(sd, b->master);
	unsigned int n = 0;

	if (master != NULL)
		sscanf(master->device, "bond%u", &n);
	return (uint16_t)(n + 1);
}

/* A LACP bond starts (or the mode became lacp): every member defaulted,
 * LACPDUs at once on the members that have a link. Another mode: LACP off
 * in the datapath. */
static void
lacp_start(struct switchd *sd, struct bond *b, int64_t now)
{
	const struct pif *master = pif_by_uuid(sd, b->master);
	struct mac macs[BOND_MAX_MEMBERS];

	b->lacp_negotiated = false;
	b->lacp_on = b->kind == BOND_KIND_LACP && master != NULL;
	if (!b->lacp_on) {
		dp_bond_set_lacp(sd->dp, b->dp_bond, false, false);
		return;
	}
	for (unsigned int i = 0; i < b->n_members; i++) {
		const struct pif *p = pif_by_uuid(sd, b->member[i]);

		memset(&macs[i], 0, sizeof(macs[i]));
		if (p != NULL)
			macs[i] = p->mac;
	}
	lacp_init(&b->lacp, &master->mac, lacp_key(sd, b), b->n_members, macs, b->props.lacp_fast,
		  b->props.lacp_fallback_ab);
	for (unsigned int i = 0; i < b->n_members; i++)
		lacp_carrier(&b->lacp, i, b->carrier[i], now);
	dp_bond_set_lacp(sd->dp, b->dp_bond, true, false);
}

/* LACP's timers and transmissions; what it lets members do goes to the
 * policy, the negotiated state to the datapath. */
static void
lacp_tick(struct switchd *sd, struct bond *b, int64_t now)
{
	struct lacp_send ls = {sd, b};
	struct pif *master;

	if (!b->lacp_on)
		return;
	lacp_run(&b->lacp, now, lacp_send, &ls);
	if (b->lacp.negotiated != b->lacp_negotiated) {
		master = pif_by_uuid(sd, b->master);
		b->lacp_negotiated = b->lacp.negotiated;
		LOG_INFO("bond %s: LACP %s", master != NULL ? master->device : b->uuid,
			 b->lacp_negotiated ? "negotiated"
			 : b->props.lacp_fallback_ab
				 ? "not negotiated: active-backup until a partner answers"
				 : "not negotiated: the bond carries nothing until a partner "
				   "answers");
		dp_bond_set_mode(sd->dp, b->dp_bond, dp_mode(b));
		dp_bond_set_lacp(sd->dp, b->dp_bond, true, b->lacp_negotiated);
		b->policy.mode = policy_mode(b);
		bond_apply(sd, b, BOND_CHANGED_BUCKETS);
	}
	for (unsigned int i = 0; i < b->n_members; i++) {
		if (may_carry(b, i) != b->policy.m[i].carrier)
			bond_policy_carrier(&b->policy, i, may_carry(b, i), now);
		/* The partner sends to what LACP lets collect, updelay or not. */
		dp_bond_member_collect(sd->dp, b->dp_member[i], may_carry(b, i));
	}
}

int
bond_attach(struct switchd *sd, struct bond *b, struct pif *master, uint16_t bridge, uint16_t mtu)
{
	struct dp_port_params pp = {
		.kind = DP_PORT_BOND,
		.name = master->device,
		.bridge = bridge,
		.mtu = mtu,
		.trunk = true,			    /* bond0.10 is a VLAN port of it */
		.bond_mode = DP_BOND_ACTIVE_BACKUP, /* its own once LACP's state is known */
	};
	int64_t now = sd_now_ms();
	unsigned int i;
	int err, saved;

	for (i = 0; i < BOND_MAX_MEMBERS; i++)
		b->dp_member[i] = DP_PORT_NONE;
	err = pif_port_add(master, sd->dp, &pp);
	if (err)
		return err;
	b->dp_bond = master->dp_port;
	for (i = 0; i < b->n_members; i++) {
		err = member_port_add(sd, b, i, mtu);
		if (err) {
			while (i-- > 0)
				member_port_del(sd, b, i);
			pif_detach(master, sd->dp);
			return err;
		}
	}
	b->lacp_negotiated = false;
	bond_policy_init(&b->policy, policy_mode(b), b->n_members, now);
	policy_settings(b);
	b->policy.next_rebalance = now + b->props.rebalance_ms;
	for (i = 0; i < b->n_members; i++)
		b->carrier[i] = member_carrier(sd, b, i);
	lacp_start(sd, b, now);
	dp_bond_set_mode(sd->dp, b->dp_bond, dp_mode(b));
	/* As Open vSwitch starts a member: enabled at once if it may be (its
	 * carrier is up; LACP lets it); the active member is the one of before
	 * a restart if it is. */
	for (i = 0; i < b->n_members; i++) {
		bool up = may_carry(b, i);

		b->policy.m[i].carrier = up;
		b->policy.m[i].enabled = up;
	}
	saved = b->active_member[0] ? bond_member_index(b, b->active_member) : -1;
	if (saved >= 0 && b->policy.m[saved].enabled)
		b->policy.active = saved;
	memset(b->bucket_bytes, 0, sizeof(b->bucket_bytes));
	b->live = true;
	bond_apply(sd, b, BOND_CHANGED_BUCKETS);
	bond_sync(sd, b, now);
	return 0;
}

int
bond_detach(struct switchd *sd, struct bond *b, struct pif *master)
{
	const struct network *n = network_by_uuid(sd, master->network_uuid);
	unsigned int i;
	int err;

	/* The members first: a bond port with members is busy. */
	for (i = 0; i < b->n_members; i++)
		member_port_del(sd, b, i);
	err = pif_detach(master, sd->dp);
	if (err) {
		/* As it was: the members back, enabled and active as the policy
		 * says, their buckets on their new port ids. */
		for (i = 0; i < b->n_members; i++)
			if (n == NULL || member_port_add(sd, b, i, n->mtu) != 0)
				LOG_ERR("bond %s: member %s cannot be added back", master->device,
					member_device(sd, b, (int)i));
		bond_apply(sd, b, BOND_CHANGED_BUCKETS);
		for (i = 0; b->lacp_on && i < b->n_members; i++)
			dp_bond_member_collect(sd->dp, b->dp_member[i], may_carry(b, i));
		return err;
	}
	b->live = false;
	b->lacp_on = false;
	b->wake = BOND_NEVER;
	return 0;
}

void
bond_member_carrier(struct switchd *sd, struct bond *b, unsigned int i, bool up)
{
	int64_t now = sd_now_ms();

	if (!b->live || i >= b->n_members || b->carrier[i] == up)
		return;
	b->carrier[i] = up;
	if (b->lacp_on)
		lacp_carrier(&b->lacp, i, up, now);
	lacp_tick(sd, b, now);
	bond_policy_carrier(&b->policy, i, may_carry(b, i), now);
	bond_sync(sd, b, now);
}

void
bond_punt_input(struct switchd *sd)
{
	static struct log_rate_limit rl = LOG_RATE_LIMIT_INIT(6, 10);
	uint8_t frame[256];
	uint16_t port, len;
	unsigned int n;

	/* A bounded batch: the rest wait for the next turn of the loop. */
	for (n = 0; n < 64 && dp_punt_recv(sd->dp, &port, frame, sizeof(frame), &len) == 0; n++) {
		int64_t now = sd_now_ms();
		struct bond *b;
		int i = -1;

		TAILQ_FOREACH(b, &sd->bonds, next) {
			for (unsigned int k = 0; b->live && k < b->n_members; k++)
				if (b->dp_member[k] == port)
					i = (int)k;
			if (i >= 0)
				break;
		}
		if (b == NULL || !b->lacp_on)
			continue; /* a member removed since, or no longer LACP */
		if (frame[14] == LACP_SUBTYPE_MARKER && len >= LACP_FRAME_LEN) {
			uint8_t resp[LACP_FRAME_LEN];

			if (lacp_marker_response(frame, len, &b->lacp.m[i].mac, resp) != 0)
				dp_port_send(sd->dp, b->dp_member[i], resp, sizeof(resp));
			continue;
		}
		if (lacp_rx(&b->lacp, (unsigned int)i, frame, len, now) != 0)
			LOG_WARN_RL(&rl, "bond: an unparsable LACPDU on %s",
				    member_device(sd, b, i));
		lacp_tick(sd, b, now);
		bond_sync(sd, b, now);
	}
}

/* Does @b have a member on a DPDK device (whose link state is read)? */
static bool
has_dpdk_member(struct switchd *sd, const struct bond *b)
{
	for (unsigned int i = 0; i < b->n_members; i++) {
		const struct pif *p = pif_by_uuid(sd, b->member[i]);

		if (p != NULL && p->dpdk_open)
			return true;
	}
	return false;
}

int64_t
bond_run_all(struct switchd *sd, int64_t now)
{
	int64_t next = BOND_NEVER;
	struct bond *b;

	TAILQ_FOREACH(b, &sd->bonds, next) {
		if (!b->live)
			continue;
		if (b->active_dirty && b->policy.active >= 0) {
			struct bond rec = *b;

			snprintf(rec.active_member, sizeof(rec.active_member), "%s",
				 b->member[b->policy.active]);
			/* A failure to store it changes nothing else; tried again. */
			if (sd_transaction(sd, "the bond's active member", save_active, &rec) ==
			    0) {
				snprintf(b->active_member, sizeof(b->active_member), "%s",
					 rec.active_member);
				b->active_dirty = false;
			}
		}
		if (has_dpdk_member(sd, b) && now >= b->link_poll_at) {
			b->link_poll_at = now + BOND_DPDK_LINK_POLL_MS;
			for (unsigned int i = 0; i < b->n_members; i++) {
				const struct pif *p = pif_by_uuid(sd, b->member[i]);
				bool up;

				if (p == NULL || !p->dpdk_open)
					continue;
				up = dp_device_link_up(p->ethdev);
				if (up != b->carrier[i]) {
					b->carrier[i] = up;
					if (b->lacp_on)
						lacp_carrier(&b->lacp, i, up, now);
					bond_policy_carrier(&b->policy, i, may_carry(b, i), now);
				}
			}
			b->wake = now;
		}
		if (b->lacp_on && lacp_next_wake(&b->lacp) <= now) {
			lacp_tick(sd, b, now);
			b->wake = now;
		}
		if (b->wake <= now)
			bond_sync(sd, b, now);
		if (b->lacp_on && lacp_next_wake(&b->lacp) < b->wake)
			b->wake = lacp_next_wake(&b->lacp);
		if (has_dpdk_member(sd, b) && b->link_poll_at < b->wake)
			b->wake = b->link_poll_at;
		if (b->active_dirty && now + 1000 < b->wake)
			b->wake = now + 1000; /* the store refused: try again */
		if (b->wake < next)
			next = b->wake;
	}
	return next;
}

void
bond_settings_changed(struct switchd *sd, struct bond *b)
{
	int64_t now = sd_now_ms();

	if (!b->live)
		return;
	if ((b->kind == BOND_KIND_LACP) != b->lacp_on)
		lacp_start(sd, b, now);
	else if (b->lacp_on)
		lacp_configure(&b->lacp, b->props.lacp_fast, b->props.lacp_fallback_ab);
	lacp_tick(sd, b, now);
	dp_bond_set_mode(sd->dp, b->dp_bond, dp_mode(b));
	b->policy.mode = policy_mode(b);
	for (unsigned int i = 0; i < b->n_members; i++)
		if (may_carry(b, i) != b->policy.m[i].carrier)
			bond_policy_carrier(&b->policy, i, may_carry(b, i), now);
	policy_settings(b);
	if (b->policy.next_rebalance > now + b->props.rebalance_ms)
		b->policy.next_rebalance = now + b->props.rebalance_ms;
	bond_apply(sd, b, BOND_CHANGED_BUCKETS);
	bond_sync(sd, b, now);
}

json_t *
bond_record(struct switchd *sd, const struct bond *b)
{
	const struct pif *master = pif_by_uuid(sd, b->master);
	json_t *rec = json_object(), *props = bond_props_json(&b->props, b->kind);
	char members[BOND_MAX_MEMBERS * PIF_UUID_LEN], state[1536], pbuf[512];
	unsigned int i, links_up = 0;
	size_t off = 0, poff = 0;
	const char *key;
	json_t *val;

	members[0] = state[0] = pbuf[0] = '\0';
	for (i = 0; i < b->n_members; i++) {
		const struct bond_member_state *m = &b->policy.m[i];
		bool up = b->live && b->carrier[i];

		links_up += up;
		snprintf(members + strlen(members), sizeof(members) - strlen(members), "%s%s",
			 i ? "," : "", b->member[i]);
		off += (size_t)snprintf(
			state + off, off < sizeof(state) ? sizeof(state) - off : 0,
			"%s%s: %s, carrier %s", i ? "; " : "", member_device(sd, b, (int)i),
			b->live && m->enabled ? "enabled" : "disabled", up ? "up" : "down");
		if (b->live && b->lacp_on && off < sizeof(state)) {
			struct lacp_info actor;
			char as[128], ps[128];

			lacp_actor(&b->lacp, i, &actor);
			lacp_state_str(actor.state, as, sizeof(as));
			lacp_state_str(b->lacp.m[i].partner.state, ps, sizeof(ps));
			off += (size_t)snprintf(state + off, sizeof(state) - off,
						", LACP %s, actor: %s, partner: %s",
						b->lacp.m[i].attached ? "attached" : "detached", as,
						ps[0] ? ps : "none");
		}
	}
	json_object_foreach(props, key, val)
		poff += (size_t)snprintf(pbuf + poff, poff < sizeof(pbuf) ? sizeof(pbuf) - poff : 0,
					 "%s%s: %s", poff ? "; " : "", key, json_string_value(val));
	json_decref(props);
	sd_rec_str(rec, "uuid", b->uuid);
	sd_rec_str(rec, "master", b->master);
	sd_rec_str(rec, "master-device", master != NULL ? master->device : "");
	sd_rec_str(rec, "slaves", members);
	sd_rec_str(rec, "mode", bond_kind_str(b->kind));
	sd_rec_str(rec, "primary-slave", b->primary_member);
	sd_rec_str(rec, "active-member",
		   b->live && b->policy.active >= 0 ? member_device(sd, b, b->policy.active) : "");
	sd_rec_int(rec, "links-up", links_up);
	sd_rec_str(rec, "properties", pbuf);
	sd_rec_str(rec, "members-state", state);
	sd_rec_str(rec, "lacp",
		   !b->live || !b->lacp_on ? ""
		   : b->lacp_negotiated	   ? "negotiated"
					   : "configured");
	return rec;
}
