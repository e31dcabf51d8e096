/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fault.h - failure injection for tests: a point armed with N fails its
 * N-th call from then on (once), as if what it wraps had failed. Off in
 * production (a load and a compare per call; never on the fast path).
 * Tests arm a point, run a verb, and check that nothing changed.
 */
#ifndef SWITCHD_LIB_FAULT_H
#define SWITCHD_LIB_FAULT_H

#include <stdbool.h>

enum fault_point {
	FAULT_STORE_WRITE,  /* a row written or deleted (switchd/store.c) */
	FAULT_STORE_COMMIT, /* a transaction's commit */
	FAULT_DP_ADD,	    /* a datapath bridge or port added (datapath/datapath.c) */
	FAULT_DP_PUBLISH,   /* a datapath snapshot built: every change, removals too */
	FAULT_NETLINK,	    /* a change requested by rtnetlink (pif/pif.c) */
	FAULT__N,
};

/* Calls left before each point fails; 0: not armed. */
extern unsigned int fault_countdown[FAULT__N];

/* Arm @p to fail its @nth call from now (0 disarms). */
static inline void
fault_arm(enum fault_point p, unsigned int nth)
{
	fault_countdown[p] = nth;
}

/* Should this call of @p fail? Counts it. */
static inline bool
fault_hit(enum fault_point p)
{
	return fault_countdown[p] != 0 && --fault_countdown[p] == 0;
}

/* Is @p still armed (its failing call not reached)? */
static inline bool
fault_armed(enum fault_point p)
{
	return fault_countdown[p] != 0;
}

#endif
