/* SPDX-License-Identifier: BSD-3-Clause */
/* The frame and trace targets' datapath; see fuzz-topo.h. */
#include <stdio.h>

#include "../../datapath/datapath.h"
#include "fuzz-topo.h"
#include "fuzz.h"

int
fuzz_topo_build(struct fuzz_topo *t, const char *argv0, const char *name)
{
	struct dp_params p = {.n_workers = 1, .launch = false, .fdb_size = 4096, .name = name};
	struct dp_port_params vp = {
		.kind = DP_PORT_VLAN, .name = "eth0.10", .mtu = FUZZ_TOPO_MTU, .vid = 10};
	struct dp_port_params bp = {.kind = DP_PORT_BOND,
				    .name = "bond0",
				    .mtu = FUZZ_TOPO_MTU,
				    .trunk = true,
				    .bond_mode = DP_BOND_BALANCE_SLB};
	struct ring_port *ports = t->ports;

	if (fuzz_eal_start(argv0, name) != 0 || dp_create(&p, &t->dp) != 0 ||
	    dp_bridge_add(t->dp, "native", FUZZ_TOPO_MTU, &t->native) != 0 ||
	    dp_bridge_add(t->dp, "v10", FUZZ_TOPO_MTU, &t->v10) != 0 ||
	    dp_bridge_add(t->dp, "bonded", FUZZ_TOPO_MTU, &t->bonded) != 0) {
		fprintf(stderr, "fuzz-%s: cannot start DPDK and the datapath\n", name);
		return -1;
	}
	ring_port_add(t->dp, &ports[0], t->native, true, 1);
	ring_port_add(t->dp, &ports[1], t->native, false, 1);
	ring_port_add(t->dp, &ports[2], t->v10, false, 1);
	vp.bridge = t->v10;
	vp.parent = ports[0].id;
	bp.bridge = t->bonded;
	if (dp_port_add(t->dp, &vp, &t->vlan10) != 0 || dp_port_add(t->dp, &bp, &t->bond) != 0) {
		fprintf(stderr, "fuzz-%s: cannot add VLAN 10 and the bond\n", name);
		return -1;
	}
	ring_port_add_member(t->dp, &ports[3], t->bond, 1);
	ring_port_add_member(t->dp, &ports[4], t->bond, 1);
	ring_port_add(t->dp, &ports[5], t->bonded, false, 1);
	vp.name = "bond0.20";
	vp.vid = 20;
	vp.parent = t->bond;
	if (dp_port_add(t->dp, &vp, &t->vlan20) != 0 ||
	    dp_bond_member_enable(t->dp, ports[3].id, true) != 0 ||
	    dp_bond_set_active(t->dp, t->bond, ports[3].id) != 0) {
		fprintf(stderr, "fuzz-%s: cannot set the bond up\n", name);
		return -1;
	}
	for (unsigned int b = 0; b < DP_BOND_BUCKETS; b++)
		if (dp_bond_bucket_set(t->dp, t->bond, b, ports[3 + b % 2].id) != 0)
			return -1;
	return 0;
}
