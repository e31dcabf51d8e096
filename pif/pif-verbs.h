/* SPDX-License-Identifier: BSD-3-Clause */
/* pif-verbs.h - what other objects' verbs use of PIFs: a network's
 * uplink, plugged for a VIF or a VLAN. */
#ifndef PIF_PIF_VERBS_H
#define PIF_PIF_VERBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct network;
struct pif;
struct sd_call;
struct switchd;
struct vif;

/* The host interface of a network carries the IP configuration of the
 * network's PIF. */
int apply_ip(struct switchd *sd, const struct pif *p, const struct network *n);

/* Attach @p's port to its network's bridge: a NIC through af_packet, a
 * pseudo-PIF as a VLAN port of its parent's (attached) port. */
int attach_pif(struct switchd *sd, struct pif *p, const struct network *n);

/* Detach @p's port: a bond master's with its members' (bond_detach()). */
int detach_pif(struct switchd *sd, struct pif *p);

/* Open @p's DPDK device if it has a DPDK backend and it is not open;
 * *probed says whether this call probed it. */
int pif_backend_open(struct switchd *sd, struct pif *p, bool *probed);

/* What plug_pif() made live, so that a later failure can take it back. */
struct pif_plugged {
	struct pif *pif;    /* the PIF it plugged, or NULL (it was plugged) */
	struct pif *parent; /* its parent, if this call plugged that too */
	bool made;	    /* it realised the PIF's network */
	bool parent_made;   /* it realised the parent's network */
	bool was_pending;   /* the PIF was pending before: it is again once undone */
	bool parent_was_pending;
};

/* Plug @p as pif-plug does (its parent first for a pseudo-PIF); on failure
 * what it made live is undone. */
int pif_plug(struct switchd *sd, struct sd_call *c, struct pif *p, struct pif_plugged *done);

/* Take back what plug_pif() did, store records included (a start-up has no
 * transaction to roll back). */
void plug_pif_undo(struct switchd *sd, const struct pif_plugged *done);

/* xapi's attach_for_vif: a VIF plugged on @n needs the network's uplink, so
 * plug @n's PIF if it is not (a pseudo-PIF's parent first). Unplugging the
 * last VIF leaves it plugged, as xapi does. A failure is the VIF plug's:
 * named after the PIF's error, with nothing left changed. *done says what
 * was plugged, for plug_pif_undo(). */
int attach_network(struct switchd *sd, struct sd_call *c, const struct network *n,
		   struct pif_plugged *done);

/* Start-up: plug the PIFs the store says are attached, as pif-plug does
 * (their networks' bridges, their IP configuration). One that cannot be
 * plugged yet stays pending, logged once, for pif_retry_pending(). */
void pif_realise_all(struct switchd *sd);

/* Try the pending PIFs again (once a second, before the VIFs). */
void pif_retry_pending(struct switchd *sd);

/* A link event (pif-monitor.h): netdev @name's carrier is @carrier. A
 * plugged PIF's change is logged, as Open vSwitch logs link state: a
 * carrier seen down, then each change. */
void pif_carrier_event(struct switchd *sd, const char *name, bool carrier);

/* Link events were lost: ask the kernel for each plugged PIF's carrier. */
void pif_carrier_resync(struct switchd *sd);

#endif
