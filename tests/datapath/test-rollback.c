/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-rollback.c - every step of a verb fails in turn, and nothing
 * changes. switchd's control plane runs over the real datapath (its
 * workers not started: nothing polls) in network and mount namespaces of
 * its own, with veths for NICs and VIF netdevs and taps for its bridges,
 * all gone with the namespace when the test ends, however it ends.
 *
 * Each case sets a verb's objects up, then fails the verb at its first
 * step of a kind, then at its second, ... until the verb makes no more
 * such steps. The kinds: a store write, a datapath bridge or port added,
 * a datapath snapshot built (every datapath change, removals included),
 * an rtnetlink change (host interfaces' alias, queueing, addresses,
 * routes). Each time the verb must be refused, and switchd's listings,
 * netctl check (store, objects, datapath, host interfaces) and the host's
 * links, IPv4 addresses and routes must be as before. A step whose
 * failure the verb rides out by design (a PIF plugged without the IP
 * configuration it could not apply) is counted, and the switch checked.
 * Then the verb succeeds, and the clean-up through the verbs must give
 * the host back exactly as it was before the case.
 *
 * Needs root (namespaces, taps); DPDK runs without hugepages or PCI.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../datapath/datapath.h"
#include "../../lib/fault.h"
#include "../../lib/log.h"
#include "../cp.h"

#define UUID_LEN 40

static struct dp *dp;

/* The objects of the base topology and of a case. */
struct ctx {
	char eth0[UUID_LEN]; /* PIF eth0: its bridge xenbr0 realised, unplugged */
	char net[UUID_LEN];  /* the case's network */
	char net2[UUID_LEN]; /* a second one (vif-move) */
	char vif[UUID_LEN];  /* the case's VIF */
	char pif[UUID_LEN];  /* the case's PIF (eth1) */
};

/* Run @verb (params as json_pack(@fmt, ...)); it must succeed. Its result,
 * if a string (a new object's uuid), goes to @uuid (if not NULL). */
static void
ok(struct cp *cp, char *uuid, const char *verb, const char *fmt, ...)
{
	char out[16384];
	json_error_t jerr;
	const char *err;
	json_t *params;
	va_list ap;

	va_start(ap, fmt);
	params = json_vpack_ex(&jerr, 0, fmt, ap);
	va_end(ap);
	assert_non_null(params);
	err = cp_call(cp, verb, params, out, sizeof(out));
	if (strcmp(err, "OK") != 0)
		fail_msg("%s: refused, %s: %s", verb, err, out);
	if (uuid != NULL) {
		assert_int_equal(strlen(out), 38); /* "uuid", quoted */
		snprintf(uuid, UUID_LEN, "%.36s", out + 1);
	}
}

/* The host's side of the switch: links (names, flags, MTU, queueing,
 * alias, MAC; not their indexes or operational state, NO-CARRIER and
 * M-DOWN included, which the kernel's link watch sets in its own time),
 * IPv4 addresses and routes, and what IPv6 is disabled on. */
static void
host_snapshot(char *out, size_t len)
{
	static const char cmd[] = "ip -o link show | sed -E 's/^[0-9]+: //; s/ state [A-Z_]+//; "
				  "s/NO-CARRIER,//; s/,M-DOWN//; s/ link-netnsid [0-9]+//';"
				  "ip -o -4 addr show | sed -E 's/^[0-9]+: //';"
				  "ip -4 route show;"
				  "grep -H . /proc/sys/net/ipv6/conf/*/disable_ipv6";
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(out, 1, len - 1, p);
	assert_true(n < len - 1);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
}

/* Is the line @l (@len bytes) one of @text's lines? */
static bool
has_line(const char *text, const char *l, size_t len)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");

		if (n == len && strncmp(p, l, len) == 0)
			return true;
		p += n + (p[n] != '\0');
	}
	return false;
}

/* Print, as TAP comments, each line only @a has ("-") and only @b has
 * ("+"); true if they differ. */
static bool
differ(const char *what, const char *a, const char *b)
{
	const char *text[2] = {a, b};

	if (strcmp(a, b) == 0)
		return false;
	printf("# %s:\n", what);
	for (int i = 0; i < 2; i++)
		for (const char *p = text[i]; *p;) {
			size_t n = strcspn(p, "\n");

			if (!has_line(text[1 - i], p, n))
				printf("#   %c %.*s\n", i ? '+' : '-', (int)n, p);
			p += n + (p[n] != '\0');
		}
	return true;
}

/* No difference between store, objects and what is realised. */
static void
assert_consistent(struct cp *cp)
{
	char out[16384];

	assert_string_equal(cp_call(cp, "check", json_object(), out, sizeof(out)), "OK");
	if (strcmp(out, "[]") != 0)
		fail_msg("netctl check: %s", out);
}

/* Undo whatever a case made, through the verbs, down to the base
 * topology: VIFs unplugged and destroyed, VLANs' pseudo-PIFs unplugged and
 * the VLANs destroyed, PIFs but eth0 unplugged and forgotten, eth0
 * unplugged, networks but xenbr0 destroyed. */
static void
cleanup(struct cp *cp, const struct ctx *x)
{
	struct switchd *sd = &cp->sd;
	char uuid[UUID_LEN];
	struct network *n;
	struct vlan *vlan;
	struct pif *p;
	struct vif *v;

	while ((v = TAILQ_FIRST(&sd->vifs)) != NULL) {
		snprintf(uuid, sizeof(uuid), "%s", v->uuid);
		if (v->attached)
			ok(cp, NULL, "vif-unplug", "{s:s}", "uuid", uuid);
		ok(cp, NULL, "vif-destroy", "{s:s}", "uuid", uuid);
	}
	while ((vlan = TAILQ_FIRST(&sd->vlans)) != NULL) {
		p = pif_by_uuid(sd, vlan->untagged_pif);
		if (p != NULL && p->attached)
			ok(cp, NULL, "pif-unplug", "{s:s}", "uuid", p->uuid);
		snprintf(uuid, sizeof(uuid), "%s", vlan->uuid);
		ok(cp, NULL, "vlan-destroy", "{s:s}", "uuid", uuid);
	}
	TAILQ_FOREACH(p, &sd->pifs, next)
		if (p->attached)
			ok(cp, NULL, "pif-unplug", "{s:s}", "uuid", p->uuid);
	for (p = TAILQ_FIRST(&sd->pifs); p != NULL;) {
		struct pif *next = TAILQ_NEXT(p, next);

		snprintf(uuid, sizeof(uuid), "%s", p->uuid);
		if (strcmp(uuid, x->eth0) != 0)
			ok(cp, NULL, "pif-forget", "{s:s}", "uuid", uuid);
		p = next;
	}
	for (n = TAILQ_FIRST(&sd->networks); n != NULL;) {
		struct network *next = TAILQ_NEXT(n, next);

		snprintf(uuid, sizeof(uuid), "%s", n->uuid);
		if (strcmp(n->bridge, "xenbr0") != 0)
			ok(cp, NULL, "network-destroy", "{s:s}", "uuid", uuid);
		n = next;
	}
}

/* Cases: a set-up, then the verb under test. */

static void
internal_vif(struct cp *cp, struct ctx *x)
{
	ok(cp, x->net, "network-create", "{s:s}", "name-label", "internal");
	ok(cp, x->vif, "vif-create", "{s:s, s:s, s:s}", "vm-uuid",
	   "6f1c0e2a-0000-4000-8000-000000000001", "device", "0", "network-uuid", x->net);
}

static void
internal_vif_plugged(struct cp *cp, struct ctx *x)
{
	internal_vif(cp, x);
	ok(cp, NULL, "vif-plug", "{s:s, s:s}", "uuid", x->vif, "ifname", "vif1.0");
}

static void
vlan_vif(struct cp *cp, struct ctx *x)
{
	ok(cp, x->net, "network-create", "{s:s}", "name-label", "VLAN 10");
	ok(cp, NULL, "vlan-create", "{s:s, s:s, s:s}", "pif-uuid", x->eth0, "vlan", "10",
	   "network-uuid", x->net);
	ok(cp, x->vif, "vif-create", "{s:s, s:s, s:s}", "vm-uuid",
	   "6f1c0e2a-0000-4000-8000-000000000001", "device", "0", "network-uuid", x->net);
}

static void
nic_with_ip(struct cp *cp, struct ctx *x)
{
	struct pif *p;

	ok(cp, x->pif, "pif-introduce", "{s:s}", "device", "eth1");
	ok(cp, NULL, "pif-reconfigure-ip", "{s:s, s:s, s:s, s:s, s:s}", "uuid", x->pif, "mode",
	   "static", "IP", "192.0.2.1", "netmask", "255.255.255.0", "gateway", "192.0.2.254");
	p = pif_by_uuid(&cp->sd, x->pif);
	assert_non_null(p);
	snprintf(x->net, sizeof(x->net), "%s", p->network_uuid);
}

static void
nic_with_ip_plugged(struct cp *cp, struct ctx *x)
{
	nic_with_ip(cp, x);
	ok(cp, NULL, "pif-plug", "{s:s}", "uuid", x->pif);
}

static void
vif_plugged_and_network(struct cp *cp, struct ctx *x)
{
	internal_vif_plugged(cp, x);
	ok(cp, x->net2, "network-create", "{s:s}", "name-label", "second");
}

static void
realised_empty_network(struct cp *cp, struct ctx *x)
{
	internal_vif_plugged(cp, x);
	ok(cp, NULL, "vif-unplug", "{s:s}", "uuid", x->vif);
	ok(cp, NULL, "vif-destroy", "{s:s}", "uuid", x->vif);
}

static json_t *
p_vif_plug(const struct ctx *x)
{
	return json_pack("{s:s, s:s}", "uuid", x->vif, "ifname", "vif1.0");
}

static json_t *
p_vif_replace(const struct ctx *x)
{
	return json_pack("{s:s, s:s, s:s}", "uuid", x->vif, "ifname", "vif2.0", "replace", "true");
}

static json_t *
p_vif(const struct ctx *x)
{
	return json_pack("{s:s}", "uuid", x->vif);
}

static json_t *
p_vif_move(const struct ctx *x)
{
	return json_pack("{s:s, s:s}", "uuid", x->vif, "network-uuid", x->net2);
}

static json_t *
p_vif_mac_limit(const struct ctx *x)
{
	return json_pack("{s:s, s:s}", "uuid", x->vif, "mac-limit", "64");
}

static json_t *
p_pif(const struct ctx *x)
{
	return json_pack("{s:s}", "uuid", x->pif);
}

static json_t *
p_pif_ip(const struct ctx *x)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "uuid", x->pif, "mode", "static", "IP",
			 "192.0.2.2", "netmask", "255.255.255.0", "gateway", "192.0.2.253");
}

static json_t *
p_network(const struct ctx *x)
{
	return json_pack("{s:s}", "uuid", x->net);
}

static json_t *
p_network_live(const struct ctx *x)
{
	return json_pack("{s:s, s:s, s:s}", "uuid", x->net, "group-fwd-mask", "16384", "mac-limit",
			 "100");
}

static const struct rollback_case {
	const char *name;
	void (*setup)(struct cp *cp, struct ctx *x);
	const char *verb;
	json_t *(*params)(const struct ctx *x);
	bool live;	       /* makes datapath changes: the datapath points must be reached */
	bool netlink;	       /* makes rtnetlink changes: that point must be reached */
	unsigned int ride_out; /* the points (bits of points[]) it may ride out by design */
} cases[] = {
	{"vif-plug: a new internal network's bridge and host interface, the VIF's port",
	 internal_vif, "vif-plug", p_vif_plug, true, true, 0},
	{"vif-plug: a VLAN's bridge, its pseudo-PIF, the parent NIC and its bridge", vlan_vif,
	 "vif-plug", p_vif_plug, true, true, 0},
	{"vif-plug replace=true: the VIF moved to another netdev", internal_vif_plugged, "vif-plug",
	 p_vif_replace, true, false, 0},
	{"vif-unplug", internal_vif_plugged, "vif-unplug", p_vif, true, false, 0},
	{"vif-move: to a network not yet realised", vif_plugged_and_network, "vif-move", p_vif_move,
	 true, true, 0},
	{"vif-param-set mac-limit on a plugged VIF (a datapath change that cannot fail)",
	 internal_vif_plugged, "vif-param-set", p_vif_mac_limit, false, false, 0},
	{"network-param-set group-fwd-mask, mac-limit on a realised network", internal_vif_plugged,
	 "network-param-set", p_network_live, true, false, 0},
	{"network-destroy of a realised network", realised_empty_network, "network-destroy",
	 p_network, true, false, 0},
	/* An IP configuration it could not apply is logged; the PIF is plugged. */
	{"pif-plug: a NIC's bridge, host interface, port and IP configuration", nic_with_ip,
	 "pif-plug", p_pif, true, true, 1u << 3},
	{"pif-reconfigure-ip on a plugged NIC", nic_with_ip_plugged, "pif-reconfigure-ip", p_pif_ip,
	 false, true, 0},
	{"pif-unplug", nic_with_ip_plugged, "pif-unplug", p_pif, true, false, 0},
};

static const struct {
	enum fault_point point;
	const char *name;
} points[] = {
	{FAULT_STORE_WRITE, "store write"},
	{FAULT_DP_ADD, "datapath add"},
	{FAULT_DP_PUBLISH, "datapath snapshot"},
	{FAULT_NETLINK, "rtnetlink change"},
};

#define N_POINTS (sizeof(points) / sizeof(points[0]))

static struct cp cp;
static struct ctx base;

/* The base topology: eth0 introduced, plugged once (its bridge xenbr0 and
 * host interface stay) and unplugged. */
static int
group_setup(void **state)
{
	(void)state;
	cp_open(&cp, dp);
	ok(&cp, base.eth0, "pif-introduce", "{s:s}", "device", "eth0");
	ok(&cp, NULL, "pif-plug", "{s:s}", "uuid", base.eth0);
	ok(&cp, NULL, "pif-unplug", "{s:s}", "uuid", base.eth0);
	return 0;
}

/* Whatever a failed case left goes before the next. */
static int
case_setup(void **state)
{
	(void)state;
	cleanup(&cp, &base);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	cp_close(&cp);
	return 0;
}

static void
test_case(void **state)
{
	static char host0[65536], host[65536], before[65536], after[65536], hbefore[65536];
	const struct rollback_case *tc = *state;
	unsigned int failed[N_POINTS] = {0}, ridden[N_POINTS] = {0};
	char out[16384], line[256];
	size_t used = 0;

	host_snapshot(host0, sizeof(host0));
	for (size_t i = 0; i < N_POINTS; i++) {
		for (unsigned int nth = 1;; nth++) {
			struct ctx x = base;
			char err[64], what[256];
			bool done;

			tc->setup(&cp, &x);
			cp_snapshot(&cp, before, sizeof(before));
			host_snapshot(hbefore, sizeof(hbefore));
			fault_arm(points[i].point, nth);
			snprintf(err, sizeof(err), "%s",
				 cp_call(&cp, tc->verb, tc->params(&x), out, sizeof(out)));
			done = fault_armed(points[i].point); /* fewer such steps than nth */
			snprintf(what, sizeof(what), "%s, %s %u failing (%s)", tc->verb,
				 points[i].name, nth, err);
			if (done) {
				fault_arm(points[i].point, 0);
				if (strcmp(err, "OK") != 0)
					fail_msg("%s: refused without a fault: %s", tc->verb, out);
				assert_consistent(&cp);
			} else if (strcmp(err, "OK") == 0) {
				/* A failure the verb rides out: only where it is meant
				 * to, and the switch agrees with itself. */
				if (!(tc->ride_out & (1u << i)))
					fail_msg("%s: succeeded though its step failed", what);
				ridden[i]++;
				assert_consistent(&cp);
			} else {
				failed[i]++;
				cp_snapshot(&cp, after, sizeof(after));
				host_snapshot(host, sizeof(host));
				if (differ(what, before, after) | differ(what, hbefore, host))
					fail_msg("%s: something changed", what);
				assert_consistent(&cp);
			}
			cleanup(&cp, &x);
			host_snapshot(host, sizeof(host));
			if (differ("after the clean-up", host0, host))
				fail_msg("%s: the clean-up left the host changed", what);
			if (done)
				break;
		}
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s %u", i ? ", " : "",
					 points[i].name, failed[i]);
		if (ridden[i])
			used += (size_t)snprintf(line + used, sizeof(line) - used,
						 " (+%u ridden out)", ridden[i]);
	}
	printf("# %s: steps failed: %s\n", tc->verb, line);
	assert_true(failed[0] > 0); /* every verb here writes the store */
	if (tc->live)
		assert_true(failed[1] + failed[2] > 0);
	if (tc->netlink)
		assert_true(failed[3] + ridden[3] > 0);
}

/* netctl check compares a VIF's QoS and locking with its port's. Changed
 * behind the control plane's back (straight through the datapath), each
 * is reported; put back, nothing is. */
static void
test_check_sees_drift(void **state)
{
	struct ctx x = base;
	struct dp_lock_params lp = {.mode = DP_LOCK_LOCKED};
	uint64_t rate, burst;
	uint32_t waiting;
	char out[16384];
	struct vif *v;

	(void)state;
	internal_vif_plugged(&cp, &x);
	ok(&cp, NULL, "vif-param-set", "{s:s, s:s, s:s}", "uuid", x.vif, "qos_algorithm_type",
	   "ratelimit", "qos_algorithm_params:kbps", "1000");
	assert_consistent(&cp);
	v = vif_by_uuid(&cp.sd, x.vif);
	assert_non_null(v);
	assert_int_equal(dp_port_get_qos(dp, v->dp_port, &rate, &burst, &waiting), 0);
	assert_int_equal(rate, 1024000);
	assert_int_equal(dp_port_set_qos(dp, v->dp_port, rate * 2, burst), 0);
	assert_string_equal(cp_call(&cp, "check", json_object(), out, sizeof(out)), "OK");
	if (strstr(out, "its port is limited to 2048000 bytes/s") == NULL)
		fail_msg("a limit changed in the datapath, netctl check says: %s", out);
	assert_int_equal(dp_port_set_qos(dp, v->dp_port, rate, burst), 0);
	assert_consistent(&cp);

	memcpy(lp.mac.b, v->mac.b, MAC_LEN);
	assert_int_equal(dp_port_set_lock(dp, v->dp_port, &lp), 0);
	assert_string_equal(cp_call(&cp, "check", json_object(), out, sizeof(out)), "OK");
	if (strstr(out, "its port's locking is 1") == NULL)
		fail_msg("a lock set in the datapath, netctl check says: %s", out);
	assert_int_equal(dp_port_set_lock(dp, v->dp_port, NULL), 0);
	assert_consistent(&cp);
	cleanup(&cp, &x);
}

/* Namespaces of the test's own: every netdev and tap it makes, and the
 * sysfs that shows them, go when it exits. */
static int
private_namespaces(void)
{
	static const char *const cmds[] = {
		"ip link set lo up",
		/* Each netdev is brought up once first: the kernel gives it its
		 * queueing discipline then, and keeps it when it goes down. */
		"ip link add eth0 type veth peer name up0 && ip link set up0 up",
		"ip link add eth1 type veth peer name up1 && ip link set up1 up",
		"ip link add vif1.0 type veth peer name vm1 && ip link set vm1 up",
		"ip link add vif2.0 type veth peer name vm2 && ip link set vm2 up",
		"for d in eth0 eth1 vif1.0 vif2.0; do ip link set $d up && ip link set $d down; "
		"done",
	};

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    umount2("/sys", MNT_DETACH) != 0 || mount("sysfs", "/sys", "sysfs", 0, NULL) != 0) {
		fprintf(stderr, "namespaces: %s\n", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (system(cmds[i]) != 0) {
			fprintf(stderr, "%s: failed\n", cmds[i]);
			return -1;
		}
	return 0;
}

int
main(int argc, char **argv)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 1];
	char prefix[64];
	struct dp_eal_params ep = {0};
	struct dp_params dpp = {.n_workers = 1, .launch = false, .fdb_size = 4096, .name = "rb"};
	char state_dir[] = "/tmp/sdtest-rb-XXXXXX";
	int failed;

	(void)argc;
	if (geteuid() != 0) {
		printf("not ok 1 - the rollback tests need root (namespaces, taps)\n");
		return 1;
	}
	if (private_namespaces() != 0) {
		printf("not ok 1 - make the test's namespaces and netdevs\n");
		return 1;
	}
	snprintf(prefix, sizeof(prefix), "sdtest-rb-%d", (int)getpid());
	ep.program = argv[0];
	ep.file_prefix = prefix;
	ep.lcores = "0";
	ep.no_huge = true;
	ep.memory_mb = 256;
	if (dp_eal_start(&ep) != 0 || mkdtemp(state_dir) == NULL) {
		printf("not ok 1 - start DPDK\n");
		return 1;
	}
	dpp.state_dir = state_dir;
	if (dp_create(&dpp, &dp) != 0) {
		printf("not ok 1 - create the datapath\n");
		return 1;
	}
	log_set_level(LOG_LEVEL_ERROR);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tests[i] = (struct CMUnitTest)cmocka_unit_test_setup(test_case, case_setup);
		tests[i].name = cases[i].name;
		tests[i].initial_state = (void *)&cases[i];
	}
	tests[sizeof(cases) / sizeof(cases[0])] =
		(struct CMUnitTest)cmocka_unit_test(test_check_sees_drift);
	failed = cmocka_run_group_tests_name("rollback", tests, group_setup, group_teardown);
	dp_destroy(dp);
	dp_eal_cleanup();
	snprintf(prefix, sizeof(prefix), "rm -rf %s", state_dir);
	if (system(prefix) != 0)
		failed++;
	return failed;
}
