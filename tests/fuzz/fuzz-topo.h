/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-topo.h - the datapath the frame and trace targets run frames
 * through: bridge "native" with a trunk (a PIF's port) and a port; "v10",
 * VLAN 10 of the trunk, with a port; "bonded" with a bond of two members
 * (balance-slb, the first member enabled and active, buckets alternating;
 * VLAN 20 of the bond on "v10" too) and a port. Ring ports throughout.
 */
#ifndef SWITCHD_FUZZ_TOPO_H
#define SWITCHD_FUZZ_TOPO_H

#include <stdint.h>

#include "../../bench/ring-port.h"

#define FUZZ_TOPO_MTU 1500
/* trunk, native port, VLAN 10 port, bond members 0 and 1, bonded port */
#define FUZZ_TOPO_PORTS 6

struct fuzz_topo {
	struct dp *dp;
	struct ring_port ports[FUZZ_TOPO_PORTS];
	uint16_t native, v10, bonded; /* bridges */
	uint16_t vlan10, bond, vlan20;
};

/* Start DPDK (fuzz_eal_start(@argv0, @name)) and build it; -1 with a
 * message on failure. */
int fuzz_topo_build(struct fuzz_topo *t, const char *argv0, const char *name);

#endif
