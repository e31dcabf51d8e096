/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-unit.c - unit tests that need neither root nor DPDK start-up: MAC
 * rules, bridge naming, netctl's key=value parsing, IP configuration
 * validation and the SQLite store.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../bond/bond-policy.h"
#include "../../bond/bond.h"
#include "../../bond/lacp.h"
#include "../../ctl/args.h"
#include "../cp.h"
#include "../../lib/fault.h"
#include "../../lib/log.h"
#include "../../lib/mac.h"
#include "../../lib/token-bucket.h"
#include "../../pif/pif.h"
#include "../../qos/qos.h"
#include "../../network/network.h"
#include "../../network/network-verbs.h"
#include "../../switchd/store.h"
#include "../../switchd/switchd.h"
#include "../../trace/trace.h"
#include "../../vif/vif.h"

static int64_t fake_ms;

static int64_t
fake_clock(void)
{
	return fake_ms;
}

/* Log @n messages through @rl into a file; the lines written. */
static int
log_lines(struct log_rate_limit *rl, int n, char *out, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(2), lines = 0;
	size_t got;

	assert_non_null(f);
	fflush(stderr);
	dup2(fileno(f), 2);
	for (int i = 0; i < n; i++)
		LOG_WARN_RL(rl, "message %d", i);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	got = fread(out, 1, len - 1, f);
	out[got] = '\0';
	fclose(f);
	for (size_t i = 0; i < got; i++)
		lines += out[i] == '\n';
	return lines;
}

/* A rate limit lets a burst through, then one message per 60/rate s, and
 * says how many it dropped when it lets one through again. */
static void
test_log_rate_limit(void **state)
{
	struct log_rate_limit rl = LOG_RATE_LIMIT_INIT(60, 5); /* one a second */
	char buf[8192];

	(void)state;
	log_set_clock(fake_clock);
	fake_ms = 1000;
	assert_int_equal(log_lines(&rl, 20, buf, sizeof(buf)), 5);
	assert_non_null(strstr(buf, "switchd warning: message 4\n"));
	assert_null(strstr(buf, "message 5"));
	assert_int_equal(rl.dropped, 15);
	fake_ms += 999; /* not yet a second: nothing */
	assert_int_equal(log_lines(&rl, 1, buf, sizeof(buf)), 0);
	fake_ms += 1;
	assert_int_equal(log_lines(&rl, 3, buf, sizeof(buf)), 2);
	assert_non_null(strstr(buf, "dropped 16 log messages in the last 1 s"));
	assert_non_null(strstr(buf, "message 0\n"));
	assert_int_equal(rl.dropped, 2);
	/* A long quiet time refills the burst, never more. */
	fake_ms += 3600 * 1000;
	assert_int_equal(log_lines(&rl, 10, buf, sizeof(buf)), 6);
	log_set_clock(NULL);
}

/* The dispatcher's refusals, and the network verbs on a store: each
 * refusal named, and nothing changed (the listing compared whole). */
static void
test_control_plane_networks(void **state)
{
	char before[8192], after[8192], out[8192], uuid[64];
	struct cp cp;

	(void)state;
	log_set_level(LOG_LEVEL_ERROR); /* the refusals' lines */
	cp_open(&cp, NULL);
	assert_string_equal(cp_call(&cp, "network-create", json_pack("{s:s}", "name-label", "n0"),
				    uuid, sizeof(uuid)),
			    "OK");
	assert_string_equal(cp_call(&cp, "network-list", json_object(), before, sizeof(before)),
			    "OK");
	assert_non_null(strstr(before, "\"bridge\": \"xapi0\""));
	assert_string_equal(cp_call(&cp, "no-such-verb", json_object(), out, sizeof(out)),
			    "UNKNOWN_VERB");
	assert_string_equal(cp_call(&cp, "network-create", json_object(), out, sizeof(out)),
			    "MISSING_PARAMETER");
	assert_string_equal(cp_call(&cp, "network-create",
				    json_pack("{s:s, s:s}", "name-label", "x", "colour", "red"),
				    out, sizeof(out)),
			    "UNKNOWN_PARAMETER");
	assert_string_equal(cp_call(&cp, "network-create",
				    json_pack("{s:s, s:s}", "name-label", "x", "MTU", "9001"), out,
				    sizeof(out)),
			    "MTU_INVALID");
	/* Map keys (xe's properties:KEY=VALUE): any key under a verb's map,
	 * none elsewhere, and not a prefix alone. */
	assert_string_equal(cp_call(&cp, "network-create",
				    json_pack("{s:s, s:s}", "name-label", "x", "properties:a", "b"),
				    out, sizeof(out)),
			    "UNKNOWN_PARAMETER");
	assert_string_equal(
		cp_call(&cp, "bond-param-set",
			json_pack("{s:s, s:s}", "uuid", uuid, "properties:updelay", "0"), out,
			sizeof(out)),
		"UUID_INVALID"); /* the key passed; no bond has that uuid */
	assert_string_equal(
		cp_call(&cp, "bond-param-set",
			json_pack("{s:s, s:s}", "uuid", uuid, "propertiesx:updelay", "0"), out,
			sizeof(out)),
		"UNKNOWN_PARAMETER");
	assert_string_equal(
		cp_call(&cp, "bond-create",
			json_pack("{s:s, s:s}", "network-uuid", uuid, "pif-uuids", "a,b"), out,
			sizeof(out)),
		"UUID_INVALID");
	assert_string_equal(cp_call(&cp, "network-create",
				    json_pack("{s:s, s:s}", "name-label", "x", "bridge", "xapi0"),
				    out, sizeof(out)),
			    "BRIDGE_NAME_INVALID");
	assert_string_equal(cp_call(&cp, "network-create", json_pack("{s:s}", "name-label", "a\nb"),
				    out, sizeof(out)),
			    "CONTROL_CHARACTER");
	assert_string_equal(
		cp_call(&cp, "network-destroy",
			json_pack("{s:s}", "uuid", "2f0c6f4e-0000-4000-8000-000000000000"), out,
			sizeof(out)),
		"UUID_INVALID");
	assert_string_equal(cp_call(&cp, "network-list", json_object(), after, sizeof(after)),
			    "OK");
	assert_string_equal(before, after);
	/* The smallest free xapiN: xapi1 next, then xapi0 again once free. */
	assert_string_equal(cp_call(&cp, "network-create", json_pack("{s:s}", "name-label", "n1"),
				    out, sizeof(out)),
			    "OK");
	assert_string_equal(cp_call(&cp, "network-list",
				    json_pack("{s:s, s:s}", "name-label", "n1", "params", "bridge"),
				    out, sizeof(out)),
			    "OK");
	assert_string_equal(out, "[{\"bridge\": \"xapi1\"}]");
	uuid[strlen(uuid) - 1] = '\0'; /* the JSON string's quotes */
	assert_string_equal(cp_call(&cp, "network-destroy", json_pack("{s:s}", "uuid", uuid + 1),
				    out, sizeof(out)),
			    "OK");
	assert_string_equal(cp_call(&cp, "network-create", json_pack("{s:s}", "name-label", "n2"),
				    out, sizeof(out)),
			    "OK");
	assert_string_equal(cp_call(&cp, "network-list",
				    json_pack("{s:s, s:s}", "name-label", "n2", "params", "bridge"),
				    out, sizeof(out)),
			    "OK");
	assert_string_equal(out, "[{\"bridge\": \"xapi0\"}]");
	cp_close(&cp);
	log_set_level(LOG_LEVEL_INFO);
}

/* Each store write a verb makes fails in turn (the first, then the
 * second, ... until the verb makes no more): each time the verb is refused
 * with STORE_ERROR and nothing changed, in switchd or in the store (what a
 * restart would load). Then it succeeds. */
static void
test_control_plane_store_faults(void **state)
{
	static char before[65536], after[65536];
	char net[64], vif[64], out[4096];
	static const struct {
		const char *verb;
	} cases[] = {
		{"network-create"}, {"network-param-set"}, {"vif-create"},
		{"vif-param-set"},  {"vif-destroy"},	   {"network-destroy"},
	};
	struct cp cp;

	(void)state;
	log_set_level(LOG_LEVEL_ERROR);
	cp_open(&cp, NULL);
	assert_string_equal(cp_call(&cp, "network-create", json_pack("{s:s}", "name-label", "n0"),
				    net, sizeof(net)),
			    "OK");
	memmove(net, net + 1, strlen(net)); /* the JSON string's quotes */
	net[strlen(net) - 1] = '\0';
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int nth;

		for (nth = 1;; nth++) {
			json_t *p;
			const char *err;

			if (strcmp(cases[i].verb, "network-create") == 0)
				p = json_pack("{s:s, s:s}", "name-label", "n1", "MTU", "9000");
			else if (strcmp(cases[i].verb, "network-param-set") == 0)
				p = json_pack("{s:s, s:s, s:s}", "uuid", net, "name-label",
					      "renamed", "mac-limit", "100");
			else if (strcmp(cases[i].verb, "vif-create") == 0)
				p = json_pack("{s:s, s:s, s:s}", "vm-uuid",
					      "6f1c0e2a-0000-4000-8000-000000000001", "device", "0",
					      "network-uuid", net);
			else if (strcmp(cases[i].verb, "vif-param-set") == 0)
				p = json_pack("{s:s, s:s}", "uuid", vif, "mac-limit", "64");
			else if (strcmp(cases[i].verb, "vif-destroy") == 0)
				p = json_pack("{s:s}", "uuid", vif);
			else
				p = json_pack("{s:s}", "uuid", net);
			cp_snapshot(&cp, before, sizeof(before));
			fault_arm(FAULT_STORE_WRITE, nth);
			err = cp_call(&cp, cases[i].verb, p, out, sizeof(out));
			if (fault_armed(FAULT_STORE_WRITE)) { /* fewer writes than nth */
				fault_arm(FAULT_STORE_WRITE, 0);
				assert_string_equal(err, "OK");
				break;
			}
			assert_string_equal(err, "STORE_ERROR");
			cp_snapshot(&cp, after, sizeof(after));
			assert_string_equal(before, after);
			/* And the store: as a restart would find it. */
			sd_objects_free(&cp.sd);
			assert_int_equal(sd_load(&cp.sd), 0);
			cp_snapshot(&cp, after, sizeof(after));
			assert_string_equal(before, after);
		}
		assert_true(nth > 1); /* each of these verbs writes */
		if (strcmp(cases[i].verb, "vif-create") == 0)
			snprintf(vif, sizeof(vif), "%.36s", out + 1);
	}
	/* A commit that fails: the verb is refused and switchd takes no
	 * change until a restart (its live change stays, not stored). */
	fault_arm(FAULT_STORE_COMMIT, 1);
	assert_string_equal(cp_call(&cp, "network-create", json_pack("{s:s}", "name-label", "n2"),
				    out, sizeof(out)),
			    "STORE_ERROR");
	assert_string_equal(cp_call(&cp, "network-create", json_pack("{s:s}", "name-label", "n3"),
				    out, sizeof(out)),
			    "STORE_ERROR");
	assert_string_equal(cp_call(&cp, "network-list", json_pack("{s:s}", "params", "uuid"), out,
				    sizeof(out)),
			    "OK");
	cp_close(&cp);
	log_set_level(LOG_LEVEL_INFO);
}

/* A VIF's QoS record (qos/qos.c): what xapi's ratelimit parameters mean
 * for the port, and the values refused. */
static void
test_qos_params(void **state)
{
	const char *bad[] = {"abc",	  "0",	 "-5",	 "+5",	" 5",
			     "5 ",	  "1e3", "0x10", "5.0", "99999999999999999999999",
			     "4294967295"};
	struct vif_qos q = {0};
	uint64_t rate, burst;
	char why[256], buf[64];
	bool rl;

	(void)state;
	assert_int_equal(qos_type_parse("ratelimit", &rl, why, sizeof(why)), 0);
	assert_true(rl);
	assert_int_equal(qos_type_parse("", &rl, why, sizeof(why)), 0);
	assert_false(rl);
	assert_int_equal(qos_type_parse("Ratelimit", &rl, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "Ratelimit"));
	/* An empty value removes a key; others must be whole numbers. */
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(qos_param_set(&q, "kbps", bad[i], why, sizeof(why)), -1);
		assert_int_equal(q.kbps, 0);
	}
	assert_int_equal(qos_param_set(&q, "burst", "5", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "kbps and timeslice_us"));
	assert_int_equal(qos_param_set(&q, "timeslice_us", "60000001", why, sizeof(why)), -1);
	/* ratelimit needs kbps. */
	q.ratelimit = true;
	assert_int_equal(qos_check(&q, why, sizeof(why)), -1);
	/* 10 Mbit/s: 1221 KiB/s; a timeslice's credit (62,515 bytes) is under
	 * netback's least burst. */
	assert_int_equal(qos_param_set(&q, "kbps", "1221", why, sizeof(why)), 0);
	assert_int_equal(qos_check(&q, why, sizeof(why)), 0);
	qos_limit(&q, &rate, &burst);
	assert_int_equal(rate, 1221 * 1024);
	assert_int_equal(burst, 131072);
	qos_params_format(&q, buf, sizeof(buf));
	assert_string_equal(buf, "kbps: 1221");
	/* 1 Gbit/s: the burst is one timeslice's credit, 6,250,176 bytes. */
	assert_int_equal(qos_param_set(&q, "kbps", "122070", why, sizeof(why)), 0);
	qos_limit(&q, &rate, &burst);
	assert_int_equal(burst, 122070ULL * 1024 * 50000 / 1000000);
	/* A timeslice of a second: the most credit netback takes is
	 * 2^32 - 2 bytes, 4,194,303 KiB/s. */
	assert_int_equal(qos_param_set(&q, "timeslice_us", "1000000", why, sizeof(why)), 0);
	assert_int_equal(qos_param_set(&q, "kbps", "4194303", why, sizeof(why)), 0);
	assert_int_equal(qos_check(&q, why, sizeof(why)), 0);
	qos_limit(&q, &rate, &burst);
	assert_int_equal(burst, 4194303ULL * 1024);
	qos_params_format(&q, buf, sizeof(buf));
	assert_string_equal(buf, "kbps: 4194303; timeslice_us: 1000000");
	assert_int_equal(qos_param_set(&q, "kbps", "4194304", why, sizeof(why)), 0);
	assert_int_equal(qos_check(&q, why, sizeof(why)), -1);
	/* Less than a byte per timeslice: 1 KiB/s over 100 us. */
	assert_int_equal(qos_param_set(&q, "kbps", "1", why, sizeof(why)), 0);
	assert_int_equal(qos_param_set(&q, "timeslice_us", "100", why, sizeof(why)), 0);
	assert_int_equal(qos_check(&q, why, sizeof(why)), -1);
	/* No algorithm: no limit, whatever the parameters. */
	q.ratelimit = false;
	assert_int_equal(qos_check(&q, why, sizeof(why)), 0);
	qos_limit(&q, &rate, &burst);
	assert_int_equal(rate, 0);
	assert_int_equal(burst, 0);
	assert_int_equal(qos_param_set(&q, "kbps", "", why, sizeof(why)), 0);
	assert_int_equal(q.kbps, 0);
}

/* A VIF's locking record (vif/vif-lock.c): modes, address lists and
 * their refusals, the datapath's lock each mode gives. */
static void
test_vif_lock_record(void **state)
{
	const char *bad4[] = {
		"198.18.0",    "198.18.0.256", "198.18.0.1/24",		 " 198.18.0.1",
		"198.18.0.1,", ",198.18.0.1",  "198.18.0.1,,198.18.0.2", "::1",
		"0x7f.1",      "localhost"};
	const char *bad6[] = {"2001:db8::1/64", "fe80::1%eth0", "2001:db8:::1", "198.18.0.1",
			      "2001:db8::1,"};
	struct mac mac = {{0x02, 0, 0, 0, 0, 1}};
	struct vif_lock l = {0}, before;
	struct dp_lock_params lp;
	char bad[80], buf[2048];
	enum vif_locking_mode m;

	(void)state;
	assert_int_equal(vif_locking_mode_parse("network_default", &m), 0);
	assert_int_equal(m, VIF_LOCKING_NETWORK_DEFAULT);
	assert_int_equal(vif_locking_mode_parse("disabled", &m), 0);
	assert_int_equal(vif_locking_mode_parse("Locked", &m), -1);
	assert_int_equal(vif_locking_mode_parse("", &m), -1);
	/* Duplicates dropped, the order kept, canonical forms out. */
	assert_int_equal(vif_lock_addrs_parse(&l, false, "198.18.0.2,198.18.0.1,198.18.0.2", bad,
					      sizeof(bad)),
			 0);
	assert_int_equal(l.n_ipv4, 2);
	vif_lock_addrs_format(&l, false, buf, sizeof(buf));
	assert_string_equal(buf, "198.18.0.2,198.18.0.1");
	assert_int_equal(vif_lock_addrs_parse(&l, true, "2001:DB8:0::1,2001:db8::1,fe80::1", bad,
					      sizeof(bad)),
			 0);
	assert_int_equal(l.n_ipv6, 2);
	vif_lock_addrs_format(&l, true, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1,fe80::1");
	/* Refusals leave the list as it was, and name the address. */
	before = l;
	for (unsigned int i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		assert_int_equal(vif_lock_addrs_parse(&l, false, bad4[i], bad, sizeof(bad)), -1);
		assert_true(vif_lock_equal(&l, &before));
	}
	assert_int_equal(vif_lock_addrs_parse(&l, false, "198.18.0.1,10.0.0.300", bad, sizeof(bad)),
			 -1);
	assert_string_equal(bad, "10.0.0.300");
	for (unsigned int i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++)
		assert_int_equal(vif_lock_addrs_parse(&l, true, bad6[i], bad, sizeof(bad)), -1);
	assert_true(vif_lock_equal(&l, &before));
	/* At most 32 of a family: 33 different ones refused, with a
	 * duplicate after them too; 32 taken. */
	buf[0] = '\0';
	for (int i = 0; i < 33; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s10.0.0.%d", i ? "," : "",
			 i);
	assert_int_equal(vif_lock_addrs_parse(&l, false, buf, bad, sizeof(bad)), -2);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ",10.0.0.0");
	assert_int_equal(vif_lock_addrs_parse(&l, false, buf, bad, sizeof(bad)), -2);
	*strrchr(buf, ',') = '\0';
	*strrchr(buf, ',') = '\0';
	assert_int_equal(vif_lock_addrs_parse(&l, false, buf, bad, sizeof(bad)), 0);
	assert_int_equal(l.n_ipv4, 32);
	assert_int_equal(vif_lock_addrs_parse(&l, false, "", bad, sizeof(bad)), 0);
	assert_int_equal(l.n_ipv4, 0);
	/* The effective modes, as xapi resolves them. */
	l.mode = VIF_LOCKING_NETWORK_DEFAULT;
	vif_lock_params(&l, &mac, false, &lp);
	assert_int_equal(lp.mode, DP_LOCK_UNLOCKED);
	vif_lock_params(&l, &mac, true, &lp);
	assert_int_equal(lp.mode, DP_LOCK_DISABLED);
	l.mode = VIF_LOCKING_UNLOCKED;
	vif_lock_params(&l, &mac, true, &lp);
	assert_int_equal(lp.mode, DP_LOCK_UNLOCKED);
	l.mode = VIF_LOCKING_DISABLED;
	vif_lock_params(&l, &mac, false, &lp);
	assert_int_equal(lp.mode, DP_LOCK_DISABLED);
	l.mode = VIF_LOCKING_LOCKED;
	vif_lock_params(&l, &mac, true, &lp);
	assert_int_equal(lp.mode, DP_LOCK_LOCKED);
	assert_int_equal(lp.n_ipv6, 2);
	assert_memory_equal(lp.mac.b, mac.b, 6);
}

/* The token bucket (lib/token-bucket.h) on a nanosecond clock. */
static void
test_token_bucket(void **state)
{
	const uint64_t ns = 1000000000ull;
	struct token_bucket tb;
	uint64_t t = 5 * ns;

	(void)state;
	/* xapi's lowest rate, 1 KiB/s: a burst of 128 KiB passes at once,
	 * then a byte about every millisecond, none lost to rounding. */
	token_bucket_init(&tb, 1024, 131072, ns, t);
	assert_true(token_bucket_take(&tb, t, 131072));
	assert_false(token_bucket_take(&tb, t, 1));
	assert_int_equal(token_bucket_wait(&tb, t, 1024), ns);
	for (int i = 0; i < 1000; i++) {
		t += ns / 1000;
		token_bucket_refill(&tb, t);
	}
	assert_int_equal(token_bucket_available(&tb, t), 1024);
	assert_int_equal(token_bucket_wait(&tb, t, 1024), 0);
	assert_int_equal(token_bucket_wait(&tb, t, 1025), ns / 1024 + 1); /* rounded up */
	/* A clock that goes back gives nothing, takes nothing. */
	assert_int_equal(token_bucket_available(&tb, t - ns), 1024);
	/* Credit stops at the burst; a long idle (2^62 ns) overflows nothing. */
	t += (uint64_t)1 << 62;
	assert_int_equal(token_bucket_available(&tb, t), 131072);
	assert_true(token_bucket_take(&tb, t, 131072));
	assert_false(token_bucket_take(&tb, t + 1, 2)); /* 1 ns: a thousandth of a byte */
	/* A full bucket does not save idle time beyond the burst. */
	token_bucket_init(&tb, 1000, 2000, ns, 0);
	assert_int_equal(token_bucket_available(&tb, 10 * ns), 2000);
	assert_true(token_bucket_take(&tb, 10 * ns, 2000));
	assert_int_equal(token_bucket_available(&tb, 10 * ns + ns / 2), 500);
	/* 1 Tbit/s on a 3 GHz clock: 41 bytes and a third a tick, exact over a
	 * second's ticks taken one by one at first, then in one step. */
	token_bucket_init(&tb, 125000000000ull, 1ull << 40, 3000000000ull, 0);
	assert_true(token_bucket_take(&tb, 0, 1ull << 40));
	for (uint64_t k = 1; k <= 3; k++)
		token_bucket_refill(&tb, k);
	assert_int_equal(token_bucket_available(&tb, 3), 125);
	assert_int_equal(token_bucket_available(&tb, 3000000000ull), 125000000000ull);
	/* Rate 0: no limit. */
	token_bucket_init(&tb, 0, 0, ns, 0);
	assert_true(token_bucket_take(&tb, 0, UINT64_MAX));
	assert_int_equal(token_bucket_available(&tb, 0), UINT64_MAX);
	assert_int_equal(token_bucket_wait(&tb, 0, 1 << 20), 0);
}

/* A bond's properties: xapi's defaults, each key's values, refusals. */
static void
test_bond_props(void **state)
{
	char member[2][PIF_UUID_LEN] = {"d4648836-a82f-44a4-9813-279dc0461e3c",
					"9a2d3e4f-5a6b-4c7d-8e8f-9a0b1c2d3e4f"};
	const char *const device[2] = {"eth0", "eth1"};
	struct bond_props p, back;
	enum bond_kind k;
	char why[256];
	json_t *m;

	(void)state;
	assert_int_equal(bond_kind_parse("balance-slb", &k), 0);
	assert_int_equal(k, BOND_KIND_BALANCE_SLB);
	assert_int_equal(bond_kind_parse("lacp", &k), 0);
	assert_int_equal(bond_kind_parse("round-robin", &k), EINVAL);
	assert_int_equal(bond_kind_parse("", &k), EINVAL);
	bond_props_default(&p, BOND_KIND_BALANCE_SLB);
	assert_int_equal(p.updelay_ms, 31000);
	assert_int_equal(p.downdelay_ms, 200);
	assert_int_equal(p.rebalance_ms, 1800000);
	assert_true(p.lacp_fallback_ab);
	bond_props_default(&p, BOND_KIND_ACTIVE_BACKUP);
	assert_int_equal(p.rebalance_ms, 0);
#define SET(kind, key, val) bond_prop_set(&p, kind, key, val, member, device, 2, why, sizeof(why))
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "updelay", "0"), 0);
	assert_int_equal(p.updelay_ms, 0);
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "downdelay", "86400000"), 0);
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "downdelay", "86400001"), EINVAL);
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "updelay", "-1"), EINVAL);
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "updelay", "1e3"), EINVAL);
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "updelay", ""), EINVAL);
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "updelay", "99999999999999999999"), EINVAL);
	assert_int_equal(p.updelay_ms, 0); /* refusals change nothing */
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "miimon", "100"), EINVAL);
	assert_non_null(strstr(why, "no property miimon"));
	/* LACP's properties on a bond that is not lacp. */
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "hashing_algorithm", "src_mac"), EINVAL);
	assert_non_null(strstr(why, "mode=lacp only"));
	assert_int_equal(SET(BOND_KIND_BALANCE_SLB, "lacp-time", "fast"), EINVAL);
	assert_int_equal(SET(BOND_KIND_LACP, "lacp-time", "fast"), 0);
	assert_true(p.lacp_fast);
	assert_int_equal(SET(BOND_KIND_LACP, "lacp-time", "medium"), EINVAL);
	assert_int_equal(SET(BOND_KIND_LACP, "hashing_algorithm", "src_mac"), 0);
	assert_int_equal(p.hashing, BOND_HASH_SRC_MAC);
	assert_int_equal(SET(BOND_KIND_LACP, "hashing_algorithm", "dst_mac"), EINVAL);
	assert_int_equal(SET(BOND_KIND_LACP, "lacp-fallback-ab", "false"), 0);
	assert_false(p.lacp_fallback_ab);
	assert_int_equal(SET(BOND_KIND_LACP, "lacp-fallback-ab", "no"), EINVAL);
	/* primary: a member, by uuid or device; "" clears it. */
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "primary", "eth1"), 0);
	assert_string_equal(p.primary, member[1]);
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "primary", member[0]), 0);
	assert_string_equal(p.primary, member[0]);
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "primary", "eth2"), EINVAL);
	assert_int_equal(SET(BOND_KIND_ACTIVE_BACKUP, "primary", ""), 0);
	assert_string_equal(p.primary, "");
#undef SET
	/* What is stored comes back. */
	p.primary[0] = '\0';
	snprintf(p.primary, sizeof(p.primary), "%s", member[1]);
	m = bond_props_json(&p, BOND_KIND_LACP);
	bond_props_from_json(&back, BOND_KIND_LACP, m);
	json_decref(m);
	assert_memory_equal(&back, &p, sizeof(p));
	/* A bond that is not lacp shows no LACP keys. */
	m = bond_props_json(&p, BOND_KIND_BALANCE_SLB);
	assert_null(json_object_get(m, "lacp-time"));
	assert_non_null(json_object_get(m, "rebalance-interval"));
	json_decref(m);
}

/* LACP on a simulated clock (as Open vSwitch's tests warp time). */
struct lacp_sent {
	unsigned int n[BOND_MAX_MEMBERS];
	uint8_t last[BOND_MAX_MEMBERS][LACP_FRAME_LEN];
};

static void
lacp_sent_cb(unsigned int i, const uint8_t *frame, size_t len, void *arg)
{
	struct lacp_sent *s = arg;

	assert_int_equal(len, LACP_FRAME_LEN);
	s->n[i]++;
	memcpy(s->last[i], frame, len);
}

/* A LACPDU from partner system @sys (key @key) port @port with @state, as
 * the frame member @i would receive. */
static void
lacp_from(struct lacp *l, unsigned int i, uint8_t sys, uint16_t key, uint16_t port, uint8_t state,
	  int64_t now)
{
	struct lacp_info actor = {.sys_priority = 100,
				  .sys_id = {{0x02, 0, 0, 0, 0, sys}},
				  .key = key,
				  .port_priority = 1,
				  .port_id = port,
				  .state = state},
			 partner;
	struct mac src = {{0x02, 0, 0, 0, 1, sys}};
	uint8_t f[LACP_FRAME_LEN];

	lacp_actor(l, i, &partner);
	lacp_compose(&actor, &partner, &src, f);
	assert_int_equal(lacp_rx(l, i, f, sizeof(f), now), 0);
}

static bool
lacp_info_same(const struct lacp_info *a, const struct lacp_info *b)
{
	return a->sys_priority == b->sys_priority &&
	       memcmp(a->sys_id.b, b->sys_id.b, MAC_LEN) == 0 && a->key == b->key &&
	       a->port_priority == b->port_priority && a->port_id == b->port_id &&
	       a->state == b->state;
}

static void
test_lacp_pdu(void **state)
{
	struct lacp_info a = {.sys_priority = 7,
			      .sys_id = {{0x02, 1, 2, 3, 4, 5}},
			      .key = 0x1234,
			      .port_priority = 9,
			      .port_id = 3,
			      .state = 0x3d},
			 p = {.sys_priority = 65535, .key = 1, .port_id = 2, .state = 0x47}, a2, p2;
	struct mac src = {{0x02, 0, 0, 0, 0, 1}};
	uint8_t f[LACP_FRAME_LEN + 4];

	(void)state;
	lacp_compose(&a, &p, &src, f);
	/* 802.3 Annex 43B: slow protocols group, ethertype 0x8809, subtype 1,
	 * version 1, actor TLV 1/20, partner TLV 2/20, collector 3/16. */
	assert_memory_equal(f, "\x01\x80\xc2\x00\x00\x02", 6);
	assert_int_equal(f[12] << 8 | f[13], 0x8809);
	assert_int_equal(f[14], 1);
	assert_int_equal(f[15], 1);
	assert_int_equal(f[16], 1);
	assert_int_equal(f[17], 20);
	assert_int_equal(f[36], 2);
	assert_int_equal(f[56], 3);
	assert_int_equal(f[57], 16);
	assert_int_equal(lacp_parse(f, LACP_FRAME_LEN, &a2, &p2), 0);
	assert_true(lacp_info_same(&a, &a2));
	assert_true(lacp_info_same(&p, &p2));
	/* Padded frames parse; short or malformed ones do not. */
	assert_int_equal(lacp_parse(f, sizeof(f), &a2, &p2), 0);
	assert_int_equal(lacp_parse(f, LACP_FRAME_LEN - 1, &a2, &p2), EINVAL);
	assert_int_equal(lacp_parse(NULL, 0, &a2, &p2), EINVAL);
	f[14] = 2; /* marker protocol */
	assert_int_equal(lacp_parse(f, LACP_FRAME_LEN, &a2, &p2), EINVAL);
	f[14] = 1;
	f[17] = 19;
	assert_int_equal(lacp_parse(f, LACP_FRAME_LEN, &a2, &p2), EINVAL);
	f[17] = 20;
	f[36] = 1;
	assert_int_equal(lacp_parse(f, LACP_FRAME_LEN, &a2, &p2), EINVAL);
	f[36] = 2;
	f[13] = 0x08;
	assert_int_equal(lacp_parse(f, LACP_FRAME_LEN, &a2, &p2), EINVAL);
	/* Marker PDUs are answered (802.3 43.5), from the member's MAC, the
	 * requester's fields unchanged; a LACPDU is not a Marker PDU. */
	{
		uint8_t mk[LACP_FRAME_LEN] = {0x01, 0x80, 0xc2, 0,    0, 2, 0x02, 9,  9, 9,
					      9,    9,	  0x88, 0x09, 2, 1, 1,	  16, 0, 7,
					      0x02, 8,	  8,	8,    8, 8, 0,	  0,  0, 42};
		uint8_t out[LACP_FRAME_LEN];
		struct mac me = {{0x02, 0, 0, 0, 0, 0x33}};

		assert_int_equal(lacp_marker_response(mk, sizeof(mk), &me, out), LACP_FRAME_LEN);
		assert_int_equal(out[16], 2);
		assert_memory_equal(out + 6, me.b, MAC_LEN);
		assert_memory_equal(out + 17, mk + 17, sizeof(mk) - 17);
		f[13] = 0x09;
		assert_int_equal(lacp_marker_response(f, LACP_FRAME_LEN, &me, out), 0);
		assert_int_equal(lacp_marker_response(mk, LACP_FRAME_LEN - 1, &me, out), 0);
		mk[16] = 2; /* a response is not answered */
		assert_int_equal(lacp_marker_response(mk, sizeof(mk), &me, out), 0);
	}
}

static void
test_lacp_negotiation(void **state)
{
	const uint8_t sync = LACP_STATE_ACTIVITY | LACP_STATE_AGGREGATION | LACP_STATE_SYNC |
			     LACP_STATE_COLLECTING | LACP_STATE_DISTRIBUTING;
	struct mac sys = {{0x02, 0xaa, 0, 0, 0, 1}},
		   macs[2] = {{{0x02, 0xaa, 0, 0, 0, 2}}, {{0x02, 0xaa, 0, 0, 0, 3}}};
	struct lacp_sent sent;
	struct lacp_info actor, a, p;
	struct lacp l;

	(void)state;
	memset(&sent, 0, sizeof(sent));
	lacp_init(&l, &sys, 1, 2, macs, false, true);
	/* Without a partner: nothing negotiated; fallback lets members carry
	 * traffic at once; LACPDUs at once on members with a link only. */
	lacp_carrier(&l, 0, true, 0);
	lacp_run(&l, 0, lacp_sent_cb, &sent);
	assert_false(l.negotiated);
	assert_true(lacp_may_enable(&l, 0));
	assert_int_equal(sent.n[0], 1);
	assert_int_equal(sent.n[1], 0);
	assert_int_equal(lacp_parse(sent.last[0], LACP_FRAME_LEN, &a, &p), 0);
	assert_memory_equal(a.sys_id.b, sys.b, MAC_LEN);
	assert_memory_equal(sent.last[0] + 6, macs[0].b, MAC_LEN); /* from the member's MAC */
	assert_true(a.state & LACP_STATE_ACTIVITY);
	assert_false(a.state & LACP_STATE_TIMEOUT); /* lacp-time=slow */
	/* A link that comes up expires the partner it may have had: taken as
	 * fast (every second) for 3 s, then defaulted, a slow partner: the
	 * next one 30 s later. */
	for (int64_t t = 1000; t <= 3000; t += 1000) {
		lacp_run(&l, t - 1, lacp_sent_cb, &sent);
		assert_int_equal(sent.n[0], t / 1000);
		lacp_run(&l, t, lacp_sent_cb, &sent);
		assert_int_equal(sent.n[0], t / 1000 + 1);
	}
	assert_int_equal(l.m[0].status, LACP_DEFAULTED);
	lacp_run(&l, 32999, lacp_sent_cb, &sent);
	assert_int_equal(sent.n[0], 4);
	lacp_run(&l, 33000, lacp_sent_cb, &sent);
	assert_int_equal(sent.n[0], 5);

	/* Both members hear the same partner, in sync: negotiated. */
	lacp_carrier(&l, 1, true, 34000);
	lacp_from(&l, 0, 9, 77, 1, sync | LACP_STATE_TIMEOUT, 34010);
	lacp_from(&l, 1, 9, 77, 2, sync | LACP_STATE_TIMEOUT, 34010);
	lacp_run(&l, 34010, lacp_sent_cb, &sent);
	assert_true(l.negotiated);
	assert_true(lacp_may_enable(&l, 0));
	assert_true(lacp_may_enable(&l, 1));
	lacp_actor(&l, 0, &actor);
	assert_int_equal(actor.state & sync, sync);
	assert_false(actor.state & (LACP_STATE_DEFAULTED | LACP_STATE_EXPIRED));
	/* The partner asked for fast: a LACPDU every second. */
	{
		unsigned int n = sent.n[0];

		lacp_run(&l, 35010, lacp_sent_cb, &sent);
		lacp_run(&l, 36010, lacp_sent_cb, &sent);
		assert_int_equal(sent.n[0], n + 2);
	}
	/* A partner out of sync: attached, but not carrying. */
	lacp_from(&l, 1, 9, 77, 2, sync & ~LACP_STATE_SYNC, 36020);
	lacp_run(&l, 36020, lacp_sent_cb, &sent);
	assert_false(lacp_may_enable(&l, 1));
	assert_true(l.m[1].attached);
	lacp_from(&l, 1, 9, 77, 2, sync, 36030);
	lacp_run(&l, 36030, lacp_sent_cb, &sent);
	assert_true(lacp_may_enable(&l, 1));

	/* Silence: expired after 3 of our (slow) intervals, then defaulted
	 * 3 fast ones later; with fallback, once no member has a partner,
	 * the bond carries traffic again (active-backup). */
	lacp_run(&l, 34010 + 89999, lacp_sent_cb, &sent); /* member 0 heard at 34010 */
	assert_int_equal(l.m[0].status, LACP_CURRENT);
	lacp_run(&l, 34010 + 90000, lacp_sent_cb, &sent);
	assert_int_equal(l.m[0].status, LACP_EXPIRED);
	assert_false(lacp_may_enable(&l, 0));
	lacp_actor(&l, 0, &actor);
	assert_true(actor.state & LACP_STATE_EXPIRED);
	assert_int_equal(l.m[0].rx_expires, 34010 + 90000 + 3000);
	assert_true(lacp_next_wake(&l) > 34010 + 90000 && lacp_next_wake(&l) <= l.m[0].rx_expires);
	lacp_run(&l, 34010 + 92999, lacp_sent_cb, &sent);
	assert_int_equal(l.m[0].status, LACP_EXPIRED);
	lacp_run(&l, 34010 + 93000, lacp_sent_cb, &sent);
	assert_int_equal(l.m[0].status, LACP_DEFAULTED);
	/* Member 1 still hears its partner: the bond stays negotiated, and a
	 * member without that partner stays out of it. */
	assert_true(l.negotiated);
	assert_false(lacp_may_enable(&l, 0));
	lacp_run(&l, l.m[1].rx_expires, lacp_sent_cb, &sent); /* member 1 defaulted too */
	assert_int_equal(l.m[1].status, LACP_DEFAULTED);
	assert_false(l.negotiated);
	assert_true(lacp_may_enable(&l, 0));
	/* Without fallback a defaulted member carries nothing. */
	lacp_configure(&l, false, false);
	lacp_run(&l, 36030 + 93001, lacp_sent_cb, &sent);
	assert_false(lacp_may_enable(&l, 0));
}

static void
test_lacp_selection(void **state)
{
	const uint8_t sync = LACP_STATE_ACTIVITY | LACP_STATE_AGGREGATION | LACP_STATE_SYNC |
			     LACP_STATE_COLLECTING | LACP_STATE_DISTRIBUTING;
	struct mac sys = {{0x02, 0, 0, 0, 0, 1}}, macs[3] = {{{0x02, 0, 0, 0, 0, 2}},
							     {{0x02, 0, 0, 0, 0, 3}},
							     {{0x02, 0, 0, 0, 0, 4}}};
	struct lacp_sent sent;
	struct lacp l;

	(void)state;
	memset(&sent, 0, sizeof(sent));
	lacp_init(&l, &sys, 5, 3, macs, true, false);
	for (unsigned int i = 0; i < 3; i++)
		lacp_carrier(&l, i, true, 0);
	/* Members 0 and 2 lead to one switch, member 1 to another: the lead
	 * is the link of the better system (priority 100 < our 65535; of the
	 * two switches the smaller MAC) with the best port priority and id:
	 * member 0's, port 1 of switch 9. */
	lacp_from(&l, 0, 9, 77, 1, sync, 10);
	lacp_from(&l, 1, 10, 77, 1, sync, 10);
	lacp_from(&l, 2, 9, 77, 3, sync, 10);
	lacp_run(&l, 10, lacp_sent_cb, &sent);
	assert_true(l.negotiated);
	assert_true(lacp_may_enable(&l, 0));
	assert_false(lacp_may_enable(&l, 1));
	assert_false(l.m[1].attached);
	assert_true(lacp_may_enable(&l, 2));
	/* A member that hears its own bond (looped back) never attaches. */
	{
		struct lacp_info me, p;
		uint8_t f[LACP_FRAME_LEN];

		lacp_actor(&l, 1, &me);
		memset(&p, 0, sizeof(p));
		lacp_compose(&me, &p, &macs[1], f);
		assert_int_equal(lacp_rx(&l, 1, f, sizeof(f), 20), 0);
		lacp_run(&l, 20, lacp_sent_cb, &sent);
		assert_false(l.m[1].attached);
	}
	/* Another key on the lead's switch: not in the aggregation. */
	lacp_from(&l, 2, 9, 78, 3, sync, 30);
	lacp_run(&l, 30, lacp_sent_cb, &sent);
	assert_false(lacp_may_enable(&l, 2));
	/* No LACPDU on a member without a link; a link that comes back
	 * expires what was heard there and sends at once. */
	lacp_carrier(&l, 0, false, 40);
	{
		unsigned int n = sent.n[0];

		lacp_run(&l, 5000, lacp_sent_cb, &sent);
		assert_int_equal(sent.n[0], n);
		lacp_carrier(&l, 0, true, 5001);
		lacp_run(&l, 5001, lacp_sent_cb, &sent);
		assert_int_equal(sent.n[0], n + 1);
	}
	/* A malformed frame is counted and changes nothing. */
	assert_int_equal(lacp_rx(&l, 2, (const uint8_t *)"short", 5, 6000), EINVAL);
	assert_int_equal(l.m[2].rx_bad, 1);
	assert_int_equal(lacp_rx(&l, 7, sent.last[0], LACP_FRAME_LEN, 6000), EINVAL);
}

/* Bonds: carrier, delays and the active member, on a simulated clock
 * (xapi's defaults: updelay 31 s, downdelay 200 ms). */
static void
test_bond_policy_delays(void **state)
{
	struct bond_policy b;
	unsigned int c;

	(void)state;
	bond_policy_init(&b, BOND_ACTIVE_BACKUP, 2, 0);
	b.updelay_ms = 31000;
	b.downdelay_ms = 200;
	assert_int_equal(bond_policy_next_wake(&b), BOND_NEVER);
	/* Both come up: with none enabled, the first is taken at once; the
	 * other waits its updelay. */
	bond_policy_carrier(&b, 0, true, 1000);
	bond_policy_carrier(&b, 1, true, 1500);
	c = bond_policy_run(&b, 1500);
	assert_int_equal(c & (BOND_CHANGED_ENABLED | BOND_CHANGED_ACTIVE),
			 BOND_CHANGED_ENABLED | BOND_CHANGED_ACTIVE);
	assert_int_equal(b.active, 0);
	assert_true(b.m[0].enabled);
	assert_false(b.m[1].enabled);
	assert_int_equal(bond_policy_next_wake(&b), 32500);
	assert_int_equal(bond_policy_run(&b, 32499), 0);
	assert_int_equal(bond_policy_run(&b, 32500), BOND_CHANGED_ENABLED);
	assert_true(b.m[1].enabled);
	assert_int_equal(b.active, 0);
	/* The active one loses carrier: disabled after the downdelay, and the
	 * other takes over; learning frames are due. */
	bond_policy_carrier(&b, 0, false, 40000);
	assert_int_equal(bond_policy_run(&b, 40199), 0);
	assert_true(b.m[0].enabled);
	c = bond_policy_run(&b, 40200);
	assert_int_equal(c, BOND_CHANGED_ENABLED | BOND_CHANGED_ACTIVE | BOND_ANNOUNCE);
	assert_false(b.m[0].enabled);
	assert_int_equal(b.active, 1);
	/* It comes back: enabled after the updelay, and without a primary the
	 * active member stays. */
	bond_policy_carrier(&b, 0, true, 50000);
	assert_int_equal(bond_policy_run(&b, 80999), 0);
	assert_int_equal(bond_policy_run(&b, 81000), BOND_CHANGED_ENABLED);
	assert_int_equal(b.active, 1);
	/* A flap shorter than the downdelay changes nothing. */
	bond_policy_carrier(&b, 1, false, 90000);
	bond_policy_carrier(&b, 1, true, 90100);
	assert_int_equal(bond_policy_next_wake(&b), BOND_NEVER);
	assert_int_equal(bond_policy_run(&b, 90300), 0);
	assert_int_equal(b.active, 1);
	/* With a primary: failback once it is enabled again. */
	b.primary = 0;
	assert_int_equal(bond_policy_run(&b, 90400), BOND_CHANGED_ACTIVE | BOND_ANNOUNCE);
	assert_int_equal(b.active, 0);
	bond_policy_carrier(&b, 0, false, 100000);
	bond_policy_run(&b, 100200);
	assert_int_equal(b.active, 1);
	bond_policy_carrier(&b, 0, true, 110000);
	bond_policy_run(&b, 140999);
	assert_int_equal(b.active, 1);
	bond_policy_run(&b, 141000);
	assert_int_equal(b.active, 0);
	/* Every member down: none active. */
	b.downdelay_ms = 0;
	bond_policy_carrier(&b, 0, false, 150000);
	bond_policy_carrier(&b, 1, false, 150000);
	c = bond_policy_run(&b, 150000);
	assert_int_equal(b.active, -1);
	assert_true(c & BOND_CHANGED_ACTIVE);
}

/* balance-slb: a disabled member's buckets go to the others in turn; load
 * moves from the most loaded member to the least loaded, a bucket at a
 * time, only for a gap worth it; loads then halve. */
static void
test_bond_policy_slb(void **state)
{
	uint64_t bytes[BOND_BUCKETS] = {0}, load[BOND_MAX_MEMBERS];
	struct bond_policy b;
	unsigned int on[3] = {0, 0, 0};

	(void)state;
	bond_policy_init(&b, BOND_BALANCE_SLB, 3, 0);
	b.rebalance_ms = 10000;
	for (unsigned int i = 0; i < 3; i++)
		bond_policy_carrier(&b, i, true, 0);
	b.updelay_ms = 0;
	for (unsigned int i = 0; i < 3; i++)
		bond_policy_carrier(&b, i, true, 0);
	bond_policy_run(&b, 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_true(b.m[i].enabled);
	/* Member 2 goes: its buckets are shared by 0 and 1. */
	bond_policy_carrier(&b, 2, false, 100);
	assert_true(bond_policy_run(&b, 100) & BOND_CHANGED_BUCKETS);
	for (unsigned int k = 0; k < BOND_BUCKETS; k++)
		on[b.bucket[k]]++;
	assert_int_equal(on[2], 0);
	assert_int_equal(on[0] + on[1], BOND_BUCKETS);
	assert_true(on[0] >= 120 && on[1] >= 120);
	/* Member 0's buckets 0 and 3 carry 4 MB and 2 MB, member 1's bucket 1
	 * 1 MB: bucket 0 moves (member 1 then carries 5 MB, member 0 2 MB);
	 * then member 1 is the loaded one, but its only other loaded bucket
	 * stays (moving a member's one bucket just moves the imbalance). */
	assert_int_equal(b.bucket[0], 0);
	assert_int_equal(b.bucket[3], 0);
	assert_int_equal(b.bucket[1], 1);
	bytes[0] = 4000000;
	bytes[3] = 2000000;
	bytes[1] = 1000000;
	bond_policy_account(&b, bytes);
	assert_int_equal(bond_policy_rebalance(&b, 10000), BOND_CHANGED_BUCKETS);
	assert_int_equal(bond_policy_rebalance(&b, 19999), 0); /* once an interval */
	assert_int_equal(b.bucket[0], 1);
	assert_int_equal(b.bucket[3], 0);
	assert_int_equal(b.bucket[1], 1);
	assert_int_equal(b.load[0], 2000000); /* halved */
	bond_policy_member_loads(&b, load);
	assert_int_equal(load[0], 1000000);
	assert_int_equal(load[1], 2500000);
	/* Within 1/32 of the lesser load, or under 100,000 bytes: no move. */
	memset(bytes, 0, sizeof(bytes));
	memset(b.load, 0, sizeof(b.load));
	bytes[0] = 50000;
	bytes[2] = 10;
	bytes[1] = 10;
	bond_policy_account(&b, bytes);
	assert_int_equal(bond_policy_rebalance(&b, 20000), 0);
	assert_int_equal(bond_policy_next_wake(&b), 30000);
}

static void
test_mac_parse_format(void **state)
{
	struct mac m;
	char buf[MAC_STRLEN];

	(void)state;
	assert_int_equal(mac_parse("02:AB:cd:00:11:ff", &m), 0);
	assert_string_equal(mac_format(&m, buf), "02:ab:cd:00:11:ff");
	assert_int_equal(mac_parse("02:ab:cd:00:11", &m), EINVAL);
	assert_int_equal(mac_parse("02:ab:cd:00:11:ff:00", &m), EINVAL);
	assert_int_equal(mac_parse("02-ab-cd-00-11-ff", &m), EINVAL);
	assert_int_equal(mac_parse("0g:ab:cd:00:11:ff", &m), EINVAL);
	assert_int_equal(mac_parse("", &m), EINVAL);
	assert_int_equal(mac_parse(NULL, &m), EINVAL);
}

static void
test_mac_policy(void **state)
{
	struct mac m;

	(void)state;
	assert_int_equal(mac_check_user("02:00:00:00:00:01", false, &m), MAC_OK);
	assert_int_equal(mac_check_user("00:16:3e:00:00:01", false, &m), MAC_NOT_LOCAL);
	assert_int_equal(mac_check_user("00:16:3e:00:00:01", true, &m), MAC_OK);
	assert_int_equal(mac_check_user("03:00:00:00:00:01", true, &m), MAC_MULTICAST);
	assert_int_equal(mac_check_user("ff:ff:ff:ff:ff:ff", true, &m), MAC_MULTICAST);
	assert_int_equal(mac_check_user("00:00:00:00:00:00", true, &m), MAC_ZERO);
	assert_int_equal(mac_check_user("nonsense", true, &m), MAC_BAD_SYNTAX);
}

static void
test_mac_generate(void **state)
{
	struct mac a, b;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(mac_generate(&a), 0);
		assert_true(mac_is_local(&a));
		assert_false(mac_is_multicast(&a));
	}
	assert_int_equal(mac_generate(&b), 0);
	assert_memory_not_equal(a.b, b.b, MAC_LEN);
}

static void
test_xenbr_names(void **state)
{
	char out[IFNAMSIZ];

	(void)state;
	assert_int_equal(network_xenbr_name("eth0", out, sizeof(out)), 0);
	assert_string_equal(out, "xenbr0");
	assert_int_equal(network_xenbr_name("eth12", out, sizeof(out)), 0);
	assert_string_equal(out, "xenbr12");
	assert_int_equal(network_xenbr_name("eth", out, sizeof(out)), EINVAL);
	assert_int_equal(network_xenbr_name("eth01", out, sizeof(out)), EINVAL);
	assert_int_equal(network_xenbr_name("eth0.10", out, sizeof(out)), EINVAL);
	assert_int_equal(network_xenbr_name("ens3", out, sizeof(out)), EINVAL);
	assert_int_equal(network_xenbr_name("eth99999999999", out, sizeof(out)), EINVAL);
}

static bool
used_set(const char *bridge, void *arg)
{
	const char *const *names = arg;

	for (; *names != NULL; names++)
		if (strcmp(*names, bridge) == 0)
			return true;
	return false;
}

static void
test_xapi_smallest_unused(void **state)
{
	const char *none[] = {NULL};
	const char *some[] = {"xapi0", "xapi1", "xapi3", "xenbr0", NULL};
	char out[IFNAMSIZ];

	(void)state;
	assert_int_equal(network_xapi_name(used_set, none, out, sizeof(out)), 0);
	assert_string_equal(out, "xapi0");
	assert_int_equal(network_xapi_name(used_set, some, out, sizeof(out)), 0);
	assert_string_equal(out, "xapi2");
}

static void
test_user_bridge_names(void **state)
{
	const char *why;

	(void)state;
	assert_true(network_bridge_name_valid("br-storage", &why));
	assert_true(network_bridge_name_valid("a23456789012345", &why));
	assert_false(network_bridge_name_valid("a234567890123456", &why));
	assert_false(network_bridge_name_valid("", &why));
	assert_false(network_bridge_name_valid("xenbr7", &why));
	assert_false(network_bridge_name_valid("xapi1", &why));
	assert_false(network_bridge_name_valid("vif1.0", &why));
	assert_false(network_bridge_name_valid("tapx", &why));
	assert_false(network_bridge_name_valid("eth9", &why));
	assert_false(network_bridge_name_valid("bad name", &why));
	assert_false(network_bridge_name_valid("bad/name", &why));
}

static void
test_mtu_parse(void **state)
{
	uint16_t mtu;

	(void)state;
	assert_int_equal(network_mtu_parse("1500", &mtu), 0);
	assert_int_equal(mtu, 1500);
	assert_int_equal(network_mtu_parse("68", &mtu), 0);
	assert_int_equal(network_mtu_parse("9000", &mtu), 0);
	assert_int_equal(network_mtu_parse("67", &mtu), EINVAL);
	assert_int_equal(network_mtu_parse("9001", &mtu), EINVAL);
	assert_int_equal(network_mtu_parse("15x0", &mtu), EINVAL);
	assert_int_equal(network_mtu_parse("-1", &mtu), EINVAL);
	assert_int_equal(network_mtu_parse("", &mtu), EINVAL);
}

static int
parse(struct ctl_args *a, char *err, const char *const *words)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"netctl";
	for (; *words != NULL; words++)
		argv[argc++] = (char *)*words;
	return ctl_args_parse(argc, argv, a, err, 256);
}

static void
test_args_parse(void **state)
{
	const char *ok[] = {"--json",	  "vif-list",  "uuid=abc",
			    "params=MAC", "--minimal", "other-config:x=y=z",
			    "--socket",	  "/tmp/s",    NULL};
	const char *dup[] = {"vif-list", "uuid=a", "uuid=b", NULL};
	const char *bare[] = {"vif-list", "nonsense", NULL};
	const char *opt[] = {"--frobnicate", NULL};
	const char *empty_key[] = {"vif-list", "=x", NULL};
	const char *help[] = {"help", "vif-plug", NULL};
	struct ctl_args a;
	char err[256];

	(void)state;
	assert_int_equal(parse(&a, err, ok), 0);
	assert_string_equal(a.verb, "vif-list");
	assert_true(a.json);
	assert_true(a.minimal);
	assert_string_equal(a.socket, "/tmp/s");
	assert_string_equal(json_string_value(json_object_get(a.params, "uuid")), "abc");
	assert_string_equal(json_string_value(json_object_get(a.params, "other-config:x")), "y=z");
	ctl_args_free(&a);
	assert_int_equal(parse(&a, err, dup), -1);
	assert_non_null(strstr(err, "twice"));
	ctl_args_free(&a);
	assert_int_equal(parse(&a, err, bare), -1);
	ctl_args_free(&a);
	assert_int_equal(parse(&a, err, opt), -1);
	assert_non_null(strstr(err, "--frobnicate"));
	ctl_args_free(&a);
	assert_int_equal(parse(&a, err, empty_key), -1);
	ctl_args_free(&a);
	assert_int_equal(parse(&a, err, help), 0);
	assert_string_equal(json_string_value(json_object_get(a.params, "verb")), "vif-plug");
	ctl_args_free(&a);
}

static void
test_ip_validate(void **state)
{
	struct pif_ip ip = {.mode = PIF_IP_STATIC};
	const char *what = NULL;

	(void)state;
	strcpy(ip.ip, "198.18.0.10");
	strcpy(ip.netmask, "255.255.255.0");
	strcpy(ip.gateway, "198.18.0.1");
	strcpy(ip.dns, "198.18.0.53,198.18.0.54");
	assert_int_equal(pif_ip_validate(&ip, &what), 0);
	strcpy(ip.netmask, "255.0.255.0");
	assert_int_equal(pif_ip_validate(&ip, &what), EINVAL);
	assert_string_equal(what, "netmask");
	strcpy(ip.netmask, "255.255.255.0");
	strcpy(ip.gateway, "198.19.0.1"); /* outside the subnet */
	assert_int_equal(pif_ip_validate(&ip, &what), EINVAL);
	assert_string_equal(what, "gateway");
	strcpy(ip.gateway, "");
	strcpy(ip.ip, "198.18.0.300");
	assert_int_equal(pif_ip_validate(&ip, &what), EINVAL);
	assert_string_equal(what, "IP");
	strcpy(ip.ip, "198.18.0.10");
	strcpy(ip.dns, "dns.example");
	assert_int_equal(pif_ip_validate(&ip, &what), EINVAL);
	assert_string_equal(what, "DNS");
}

struct loaded {
	int networks, pifs, vifs, vlans, vlan_tag, bonds;
	struct bond bond;
	char label[128];
	int vif_device;
	unsigned int net_mask, net_limit, vif_limit;
	struct vif_qos vif_qos;
	struct vif_lock vif_lock;
	enum pif_ip_mode mode;
	char backend[PIF_BACKEND_MAX];
};

static int
ld_net(struct network *n, void *arg)
{
	struct loaded *l = arg;

	l->networks++;
	snprintf(l->label, sizeof(l->label), "%s", n->name_label);
	l->net_mask = n->group_fwd_mask;
	l->net_limit = n->mac_limit;
	free(n);
	return 0;
}

static int
ld_pif(struct pif *p, void *arg)
{
	struct loaded *l = arg;

	l->pifs++;
	l->mode = p->ip.mode;
	snprintf(l->backend, sizeof(l->backend), "%s", p->backend);
	free(p);
	return 0;
}

static int
ld_vif(struct vif *v, void *arg)
{
	struct loaded *l = arg;

	l->vifs++;
	l->vif_device = v->device;
	l->vif_limit = v->mac_limit;
	l->vif_qos = v->qos;
	l->vif_lock = v->lock;
	free(v);
	return 0;
}

/* Remove a database and its WAL files. */
static void
remove_db(const char *path)
{
	char aux[PATH_MAX];

	unlink(path);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
}

static int
ld_vlan(struct vlan *v, void *arg)
{
	struct loaded *l = arg;

	l->vlans++;
	l->vlan_tag = v->tag;
	free(v);
	return 0;
}

static int
ld_bond(struct bond *b, void *arg)
{
	struct loaded *l = arg;

	l->bonds++;
	l->bond = *b;
	free(b);
	return 0;
}

static void
test_store_roundtrip(void **state)
{
	char path[] = "/tmp/sdtest-store-XXXXXX";
	struct network n = {.uuid = "0f79d86c-f0c0-4b65-bc25-78bae8e2a261",
			    .name_label = "Pool-wide network 0",
			    .bridge = "xenbr0",
			    .mtu = 1500,
			    .group_fwd_mask = 0x4008,
			    .mac_limit = 5000};
	struct pif p = {.uuid = "d4648836-a82f-44a4-9813-279dc0461e3c",
			.device = "eth0",
			.vlan = -1,
			.backend = "dpdk:net_vhost0,iface=/run/a-socket-path-longer-than-"
				   "sixteen-characters.sock,client=1",
			.ip = {.mode = PIF_IP_STATIC}};
	struct vif v = {.uuid = "30d0d24f-bc2a-4178-b251-58bcc6902318",
			.device = 7,
			.mac_limit = 64,
			.qos = {.ratelimit = true, .kbps = 4194303, .timeslice_us = 1000000},
			.lock = {.mode = VIF_LOCKING_LOCKED,
				 .n_ipv4 = 2,
				 .ipv4 = {0x0100a8c0, 0x0200a8c0},
				 .n_ipv6 = 1,
				 .ipv6 = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}}}};
	struct vlan vl = {.uuid = "5a7d0c1e-7bd2-4a1f-9a0e-3d1c2b4a5f60",
			  .tagged_pif = "d4648836-a82f-44a4-9813-279dc0461e3c",
			  .untagged_pif = "6b8e1d2f-8ce3-4b2a-8b1f-4e2d3c5b6a71",
			  .tag = 10};
	struct bond bond = {.uuid = "7e0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
			    .master = "8f1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e",
			    .member = {"d4648836-a82f-44a4-9813-279dc0461e3c",
				       "9a2d3e4f-5a6b-4c7d-8e8f-9a0b1c2d3e4f",
				       "ab3e4f5a-6b7c-4d8e-9f9a-0b1c2d3e4f5a"},
			    .n_members = 3,
			    .primary_member = "9a2d3e4f-5a6b-4c7d-8e8f-9a0b1c2d3e4f",
			    .kind = BOND_KIND_ACTIVE_BACKUP,
			    .auto_update_mac = true,
			    .active_member = "ab3e4f5a-6b7c-4d8e-9f9a-0b1c2d3e4f5a"};
	struct loaded l = {0};
	struct store_loader ld = {ld_net, ld_pif, ld_vif, ld_vlan, ld_bond, &l};
	struct store *st;
	char msg[256];
	int fd;

	(void)state;
	bond_props_default(&bond.props, bond.kind);
	bond.props.updelay_ms = 0;
	bond.props.downdelay_ms = 1234;
	strcpy(bond.props.primary, bond.member[2]);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_network_put(st, &n), 0);
	assert_int_equal(store_pif_put(st, &p), 0);
	assert_int_equal(store_vif_put(st, &v), 0);
	assert_int_equal(store_vlan_put(st, &vl), 0);
	assert_int_equal(store_bond_put(st, &bond), 0);
	assert_int_equal(store_commit(st), 0);
	/* One tag once per tagged PIF. */
	assert_int_equal(store_begin(st), 0);
	strcpy(vl.uuid, "00000000-7bd2-4a1f-9a0e-3d1c2b4a5f60");
	strcpy(vl.untagged_pif, "00000000-8ce3-4b2a-8b1f-4e2d3c5b6a71");
	assert_int_equal(store_vlan_put(st, &vl), EIO);
	store_rollback(st);
	/* A rolled-back transaction leaves nothing behind. */
	assert_int_equal(store_begin(st), 0);
	strcpy(n.uuid, "11111111-1111-1111-1111-111111111111");
	strcpy(n.bridge, "xapi0");
	assert_int_equal(store_network_put(st, &n), 0);
	store_rollback(st);
	/* The bridge name is unique. */
	assert_int_equal(store_begin(st), 0);
	strcpy(n.bridge, "xenbr0");
	assert_int_equal(store_network_put(st, &n), EIO);
	store_rollback(st);
	store_close(st);

	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), 0);
	assert_int_equal(store_load(st, &ld), 0);
	assert_int_equal(l.networks, 1);
	assert_int_equal(l.pifs, 1);
	assert_int_equal(l.vifs, 1);
	assert_string_equal(l.label, "Pool-wide network 0");
	assert_int_equal(l.vif_device, 7);
	assert_int_equal(l.net_mask, 0x4008);
	assert_int_equal(l.net_limit, 5000);
	assert_int_equal(l.vif_limit, 64);
	assert_true(qos_equal(&l.vif_qos, &v.qos));
	assert_true(vif_lock_equal(&l.vif_lock, &v.lock));
	assert_int_equal(l.vlans, 1);
	assert_int_equal(l.vlan_tag, 10);
	assert_int_equal(l.mode, PIF_IP_STATIC);
	assert_string_equal(l.backend, p.backend);
	/* A bond comes back whole: members in order, properties, active member. */
	assert_int_equal(l.bonds, 1);
	assert_int_equal(l.bond.n_members, 3);
	assert_string_equal(l.bond.member[2], bond.member[2]);
	assert_string_equal(l.bond.master, bond.master);
	assert_string_equal(l.bond.primary_member, bond.primary_member);
	assert_string_equal(l.bond.active_member, bond.active_member);
	assert_int_equal(l.bond.kind, BOND_KIND_ACTIVE_BACKUP);
	assert_true(l.bond.auto_update_mac);
	assert_memory_equal(&l.bond.props, &bond.props, sizeof(bond.props));
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_vif_del(st, v.uuid), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), 0);
	assert_int_equal(store_load(st, &ld), 0);
	assert_int_equal(l.vifs, 0);
	store_close(st);
	remove_db(path);
}

static void
test_store_upgrades_version_1(void **state)
{
	char path[] = "/tmp/sdtest-store-XXXXXX", cmd[1024];
	struct vlan vl = {.uuid = "5a7d0c1e-7bd2-4a1f-9a0e-3d1c2b4a5f60",
			  .tagged_pif = "a",
			  .untagged_pif = "b",
			  .tag = 7};
	struct vif vif = {.uuid = "6b8e1d2f-8ce3-4b2a-8b1f-4e2d3c5b6a71",
			  .vm_uuid = "7c9f2e3a-9df4-4c3b-9c2a-5f3e4d6c7b82",
			  .vhost_path = "/run/vm7/vhu0.sock",
			  .domid = 7};
	struct store *st;
	char msg[256];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), 0);
	store_close(st);
	/* Make it a version 1 database: no vlan table, no vhost-user columns,
	 * no MAC limits, no group forward mask. */
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 %s \"DROP TABLE vlan; ALTER TABLE vif DROP COLUMN vhost_path;"
		 " ALTER TABLE vif DROP COLUMN vhost_server; ALTER TABLE vif DROP COLUMN mac_limit;"
		 " ALTER TABLE network DROP COLUMN mac_limit;"
		 " ALTER TABLE network DROP COLUMN group_fwd_mask;"
		 " ALTER TABLE vif DROP COLUMN qos_type; ALTER TABLE vif DROP COLUMN qos_kbps;"
		 " ALTER TABLE vif DROP COLUMN qos_timeslice_us;"
		 " ALTER TABLE vif DROP COLUMN locking_mode; ALTER TABLE vif DROP COLUMN "
		 "ipv4_allowed;"
		 " ALTER TABLE vif DROP COLUMN ipv6_allowed;"
		 " ALTER TABLE network DROP COLUMN default_locking_mode;"
		 " UPDATE meta SET value='1' WHERE key='schema_version'\"",
		 path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_vlan_put(st, &vl), 0);
	assert_int_equal(store_vif_put(st, &vif), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	remove_db(path);
}

/* A database that cannot be opened: the message is SQLite's, copied
 * before the handle that owned it was closed (it was read after). */
static void
test_store_open_errors(void **state)
{
	char dir[] = "/tmp/sdtest-store-XXXXXX", path[64], msg[256];
	struct store *st = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* A directory where the file should be. */
	assert_int_equal(store_open(dir, &st, msg, sizeof(msg)), EIO);
	assert_null(st);
	assert_true(strlen(msg) > 0 && strlen(msg) < sizeof(msg));
	assert_non_null(strstr(msg, "unable to open"));
	/* Not a database. */
	snprintf(path, sizeof(path), "%s/garbage.db", dir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		for (int i = 0; i < 512; i++)
			fputs("this is not an SQLite database\n", f);
		fclose(f);
	}
	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), EIO);
	assert_non_null(strstr(msg, "not a database"));
	unlink(path);
	rmdir(dir);
}

/* pif_dhcp_stop() stops only the client it started: a pid file that names
 * another process (the client died and its pid was given again) leaves that
 * process alone, and the pid file goes. */
static void
test_dhcp_stop_spares_others(void **state)
{
	char dir[] = "/tmp/sdtest-dhcp-XXXXXX", path[96];
	pid_t pid;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/dhclient.xenbr9.pid", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
	usleep(100000); /* the child has exec'd sleep */
	pif_dhcp_stop("xenbr9", dir);
	usleep(200000); /* time for a signal, had one been sent, to end it */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0); /* still running */
	assert_int_equal(access(path, F_OK), -1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	rmdir(dir);
}

/* Version 3 (vhost-user VIFs, no MAC limits, no group forward mask), the
 * version the previous release wrote: upgraded on open, its records kept,
 * the new fields 0. */
static void
test_store_upgrades_version_3(void **state)
{
	char path[] = "/tmp/sdtest-store-XXXXXX", cmd[1024];
	struct network n = {.uuid = "0f79d86c-f0c0-4b65-bc25-78bae8e2a261",
			    .name_label = "n",
			    .bridge = "xenbr0",
			    .mtu = 1500,
			    .group_fwd_mask = 0x4000,
			    .mac_limit = 9};
	struct vif v = {.uuid = "30d0d24f-bc2a-4178-b251-58bcc6902318",
			.vhost_path = "/run/vm7/vhu0.sock",
			.mac_limit = 9};
	struct loaded l = {0};
	struct store_loader ld = {ld_net, ld_pif, ld_vif, ld_vlan, ld_bond, &l};
	struct store *st;
	char msg[256];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_network_put(st, &n), 0);
	assert_int_equal(store_vif_put(st, &v), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 %s \"ALTER TABLE vif DROP COLUMN mac_limit;"
		 " ALTER TABLE network DROP COLUMN mac_limit;"
		 " ALTER TABLE network DROP COLUMN group_fwd_mask;"
		 " ALTER TABLE vif DROP COLUMN qos_type; ALTER TABLE vif DROP COLUMN qos_kbps;"
		 " ALTER TABLE vif DROP COLUMN qos_timeslice_us;"
		 " ALTER TABLE vif DROP COLUMN locking_mode; ALTER TABLE vif DROP COLUMN "
		 "ipv4_allowed;"
		 " ALTER TABLE vif DROP COLUMN ipv6_allowed;"
		 " ALTER TABLE network DROP COLUMN default_locking_mode;"
		 " UPDATE meta SET value='3' WHERE key='schema_version'\"",
		 path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_load(st, &ld), 0);
	assert_int_equal(l.networks, 1);
	assert_int_equal(l.vifs, 1);
	assert_int_equal(l.net_mask, 0);
	assert_int_equal(l.net_limit, 0);
	assert_int_equal(l.vif_limit, 0);
	assert_false(l.vif_qos.ratelimit); /* an upgraded VIF has no QoS, no locking */
	assert_int_equal(l.vif_lock.mode, VIF_LOCKING_NETWORK_DEFAULT);
	assert_int_equal(l.vif_qos.kbps, 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_network_put(st, &n), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	remove_db(path);
}

static void
test_store_refuses_newer_schema(void **state)
{
	char path[] = "/tmp/sdtest-store-XXXXXX", cmd[256];
	struct store *st;
	char msg[256];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), 0);
	store_close(st);
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 %s \"UPDATE meta SET value='99' WHERE key='schema_version'\"", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(store_open(path, &st, msg, sizeof(msg)), EPROTO);
	assert_non_null(strstr(msg, "newer"));
	remove_db(path);
}

static void
test_vlan_tags_and_names(void **state)
{
	char name[32];
	uint16_t tag;

	(void)state;
	assert_int_equal(vlan_tag_parse("1", &tag), 0);
	assert_int_equal(tag, 1);
	assert_int_equal(vlan_tag_parse("4094", &tag), 0);
	assert_int_equal(vlan_tag_parse("0", &tag), EINVAL);
	assert_int_equal(vlan_tag_parse("4095", &tag), EINVAL);
	assert_int_equal(vlan_tag_parse("-5", &tag), EINVAL);
	assert_int_equal(vlan_tag_parse("10x", &tag), EINVAL);
	assert_int_equal(vlan_tag_parse("", &tag), EINVAL);
	assert_int_equal(vlan_tag_parse("99999999999999999999", &tag), EINVAL);
	assert_int_equal(vlan_device_name("eth0", 10, name, sizeof(name)), 0);
	assert_string_equal(name, "eth0.10");
	assert_int_equal(vlan_device_name("bond0", 4094, name, sizeof(name)), 0);
	assert_string_equal(name, "bond0.4094");
	assert_int_equal(vlan_device_name("eth0", 10, name, 5), ENAMETOOLONG);
}

static void
test_pif_backends(void **state)
{
	char devargs[PIF_BACKEND_MAX], longer[PIF_BACKEND_MAX + 8];
	const char *why;

	(void)state;
	assert_int_equal(pif_backend_parse(NULL, devargs, sizeof(devargs), &why), 0);
	assert_string_equal(devargs, "");
	assert_int_equal(pif_backend_parse("af_packet", devargs, sizeof(devargs), &why), 0);
	assert_string_equal(devargs, "");
	/* PCI addresses, long and short form. */
	assert_int_equal(pif_backend_parse("0000:03:00.1", devargs, sizeof(devargs), &why), 0);
	assert_string_equal(devargs, "0000:03:00.1");
	assert_int_equal(pif_backend_parse("03:00.0", devargs, sizeof(devargs), &why), 0);
	assert_string_equal(devargs, "03:00.0");
	/* DPDK device arguments, as they come. */
	assert_int_equal(pif_backend_parse("dpdk:net_vhost0,iface=/run/v.sock,client=1", devargs,
					   sizeof(devargs), &why),
			 0);
	assert_string_equal(devargs, "net_vhost0,iface=/run/v.sock,client=1");
	assert_int_equal(pif_backend_parse("dpdk:0000:03:00.0,rxq_cqe_comp_en=0", devargs,
					   sizeof(devargs), &why),
			 0);
	assert_string_equal(devargs, "0000:03:00.0,rxq_cqe_comp_en=0");
	/* Refused, each with a reason. */
	assert_int_equal(pif_backend_parse("netmap", devargs, sizeof(devargs), &why), ENOTSUP);
	assert_non_null(why);
	assert_int_equal(pif_backend_parse("af_xdp", devargs, sizeof(devargs), &why), ENOTSUP);
	assert_int_equal(pif_backend_parse("0000:03:00", devargs, sizeof(devargs), &why), ENOTSUP);
	assert_int_equal(pif_backend_parse("", devargs, sizeof(devargs), &why), ENOTSUP);
	assert_int_equal(pif_backend_parse("dpdk:", devargs, sizeof(devargs), &why), EINVAL);
	assert_int_equal(pif_backend_parse("dpdk:,iface=x", devargs, sizeof(devargs), &why),
			 EINVAL);
	assert_int_equal(
		pif_backend_parse("dpdk:net_pcap0, iface=x", devargs, sizeof(devargs), &why),
		EINVAL);
	assert_int_equal(
		pif_backend_parse("dpdk:net_pcap0,iface=x\n", devargs, sizeof(devargs), &why),
		EINVAL);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(longer, "dpdk:", 5);
	assert_int_equal(pif_backend_parse(longer, devargs, sizeof(devargs), &why), EINVAL);
	assert_non_null(why);
}

static void
test_vif_vhost_paths_and_names(void **state)
{
	struct vif v = {.uuid = "6b8e1d2f-8ce3-4b2a-8b1f-4e2d3c5b6a71", .device = 3};
	char long_path[VIF_VHOST_PATH_MAX + 1], name[IFNAMSIZ], canon[VIF_VHOST_PATH_MAX];

	(void)state;
	assert_int_equal(vif_vhost_path_canon("/tmp/vm.sock", canon), 0);
	assert_string_equal(canon, "/tmp/vm.sock");
	assert_int_equal(vif_vhost_path_canon("/tmp//./vm.sock", canon), 0);
	assert_string_equal(canon, "/tmp/vm.sock");
	assert_int_equal(vif_vhost_path_canon("/vm.sock", canon), 0);
	assert_string_equal(canon, "/vm.sock");
	assert_int_equal(vif_vhost_path_canon("vm.sock", canon), EINVAL);
	assert_int_equal(vif_vhost_path_canon("/tmp/", canon), EINVAL);
	assert_int_equal(vif_vhost_path_canon("/no-such-dir-here/vm.sock", canon), ENOENT);
	assert_int_equal(vif_vhost_path_canon("/etc/hostname/vm.sock", canon), ENOENT);
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	assert_int_equal(vif_vhost_path_canon(long_path, canon), ENAMETOOLONG);
	long_path[VIF_VHOST_PATH_MAX - 1] = '\0'; /* exactly the longest that fits */
	assert_int_equal(vif_vhost_path_canon(long_path, canon), 0);

	vif_vhost_port_name(&v, 12, name);
	assert_string_equal(name, "vif12.3");
	vif_vhost_port_name(&v, 32751, name);
	assert_string_equal(name, "vif32751.3");
	vif_vhost_port_name(&v, -1, name);
	assert_string_equal(name, "vhu-6b8e1d2f");
}

/* netctl trace's frames from flow fields (trace/flow.c). */
struct kv {
	const char *const *pairs; /* key, value, ..., NULL */
};

static const char *
kv_get(void *ctx, const char *key)
{
	const struct kv *kv = ctx;

	for (const char *const *p = kv->pairs; *p != NULL; p += 2)
		if (strcmp(p[0], key) == 0)
			return p[1];
	return NULL;
}

static int
flow(uint8_t *buf, char *err, const char *const *pairs)
{
	struct kv kv = {pairs};

	return trace_flow_frame(kv_get, &kv, buf, 256, err, 256);
}

static void
test_trace_flow_frames(void **state)
{
	uint8_t b[256];
	char err[256];
	uint32_t sum = 0;
	int n;

	(void)state;
	/* Nothing set: an IPv4 echo request between zero addresses, padded. */
	n = flow(b, err, (const char *const[]){NULL});
	assert_int_equal(n, 60);
	assert_int_equal(b[12] << 8 | b[13], 0x0800);
	assert_int_equal(b[14], 0x45);
	assert_int_equal(b[14 + 9], 1);	 /* ICMP */
	assert_int_equal(b[34], 8);	 /* echo request */
	for (int i = 14; i < 34; i += 2) /* a valid header checksum */
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	/* A tag, UDP with ports. */
	n = flow(b, err,
		 (const char *const[]){"dl_src", "02:00:00:00:00:01", "dl_dst", "ff:ff:ff:ff:ff:ff",
				       "vlan", "10", "nw_src", "198.18.0.1", "nw_dst", "198.18.0.2",
				       "tp_dst", "53", NULL});
	assert_int_equal(n, 60);
	assert_memory_equal(b,
			    "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x81\x00\x00\x0a"
			    "\x08\x00",
			    18);
	assert_int_equal(b[18 + 9], 17);
	assert_memory_equal(b + 18 + 12, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
	assert_int_equal(b[38 + 2] << 8 | b[38 + 3], 53);
	/* ARP: the sender's MAC and address, the target's address. */
	n = flow(b, err,
		 (const char *const[]){"dl_src", "02:00:00:00:00:01", "arp_op", "1", "nw_src",
				       "198.18.0.1", "nw_dst", "198.18.0.9", NULL});
	assert_int_equal(n, 60);
	assert_int_equal(b[12] << 8 | b[13], 0x0806);
	assert_int_equal(b[21], 1);
	assert_memory_equal(b + 22, "\x02\x00\x00\x00\x00\x01\xc6\x12\x00\x01", 10);
	assert_memory_equal(b + 38, "\xc6\x12\x00\x09", 4);
	/* A neighbour solicitation: type 135, hop limit 255, the target and
	 * the source's link-layer option. */
	n = flow(b, err,
		 (const char *const[]){"dl_src", "02:00:00:00:00:01", "nw_src", "2001:db8::1",
				       "nw_dst", "ff02::1:ff00:2", "nd_target", "2001:db8::2",
				       NULL});
	assert_int_equal(n, 14 + 40 + 32);
	assert_int_equal(b[12] << 8 | b[13], 0x86dd);
	assert_int_equal(b[14 + 6], 58);
	assert_int_equal(b[14 + 7], 255);
	assert_int_equal(b[54], 135);
	assert_int_equal(b[54 + 8 + 15], 2);
	assert_memory_equal(b + 54 + 24, "\x01\x01\x02\x00\x00\x00\x00\x01", 8);
	/* Numbers are decimal, or hex with 0x: never octal. */
	n = flow(b, err, (const char *const[]){"vlan", "010", "dl_type", "0x88b5", NULL});
	assert_int_equal(n, 60);
	assert_int_equal(b[15], 10);
	assert_int_equal(b[16] << 8 | b[17], 0x88b5);
	/* Refusals name the field. */
	assert_int_equal(flow(b, err, (const char *const[]){"dl_dst", "02:00:00:00:00", NULL}), -1);
	assert_non_null(strstr(err, "dl_dst"));
	assert_int_equal(flow(b, err, (const char *const[]){"vlan", "4096", NULL}), -1);
	assert_int_equal(flow(b, err, (const char *const[]){"vlan", "-1", NULL}), -1);
	assert_int_equal(flow(b, err, (const char *const[]){"dl_type", "0x10000", NULL}), -1);
	assert_int_equal(flow(b, err, (const char *const[]){"nw_proto", "256", NULL}), -1);
	assert_int_equal(
		flow(b, err, (const char *const[]){"nw_proto", "icmp", "tp_src", "256", NULL}), -1);
	assert_int_equal(flow(b, err, (const char *const[]){"dl_type", "arp", "tp_src", "1", NULL}),
			 -1);
	assert_int_equal(
		flow(b, err, (const char *const[]){"dl_type", "0x88b5", "nw_src", "1.2.3.4", NULL}),
		-1);
	assert_int_equal(
		flow(b, err, (const char *const[]){"dl_type", "ip", "nw_src", "::1", NULL}), -1);
	assert_int_equal(flow(b, err, (const char *const[]){"arp_op", "0", NULL}), -1);
	assert_int_equal(flow(b, err, (const char *const[]){"nd_target", "1.2.3.4", NULL}), -1);
	/* frame=HEX */
	assert_int_equal(trace_hex_frame("01:02 03-04.05", b, sizeof(b), err, sizeof(err)), 5);
	assert_memory_equal(b, "\x01\x02\x03\x04\x05", 5);
	assert_int_equal(trace_hex_frame("0102", b, 1, err, sizeof(err)), -1);
	assert_int_equal(trace_hex_frame("", b, sizeof(b), err, sizeof(err)), -1);
	assert_int_equal(trace_hex_frame("0g", b, sizeof(b), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "byte 0x67 at offset 1"));
	assert_int_equal(trace_hex_frame("ff\xc3\xa9", b, sizeof(b), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "byte 0xc3 at offset 2"));
	assert_int_equal(trace_hex_frame("012", b, sizeof(b), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "odd"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_rate_limit),
		cmocka_unit_test(test_control_plane_networks),
		cmocka_unit_test(test_control_plane_store_faults),
		cmocka_unit_test(test_token_bucket),
		cmocka_unit_test(test_qos_params),
		cmocka_unit_test(test_vif_lock_record),
		cmocka_unit_test(test_bond_props),
		cmocka_unit_test(test_lacp_pdu),
		cmocka_unit_test(test_lacp_negotiation),
		cmocka_unit_test(test_lacp_selection),
		cmocka_unit_test(test_bond_policy_delays),
		cmocka_unit_test(test_bond_policy_slb),
		cmocka_unit_test(test_mac_parse_format),
		cmocka_unit_test(test_mac_policy),
		cmocka_unit_test(test_mac_generate),
		cmocka_unit_test(test_xenbr_names),
		cmocka_unit_test(test_xapi_smallest_unused),
		cmocka_unit_test(test_user_bridge_names),
		cmocka_unit_test(test_mtu_parse),
		cmocka_unit_test(test_args_parse),
		cmocka_unit_test(test_ip_validate),
		cmocka_unit_test(test_store_roundtrip),
		cmocka_unit_test(test_store_upgrades_version_1),
		cmocka_unit_test(test_store_upgrades_version_3),
		cmocka_unit_test(test_store_refuses_newer_schema),
		cmocka_unit_test(test_store_open_errors),
		cmocka_unit_test(test_dhcp_stop_spares_others),
		cmocka_unit_test(test_vlan_tags_and_names),
		cmocka_unit_test(test_pif_backends),
		cmocka_unit_test(test_vif_vhost_paths_and_names),
		cmocka_unit_test(test_trace_flow_frames),
	};

	return cmocka_run_group_tests_name("unit", tests, NULL, NULL);
}
