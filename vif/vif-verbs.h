/* SPDX-License-Identifier: BSD-3-Clause */
/* vif-verbs.h - what other objects' verbs use of VIFs, and their start-up. */
#ifndef VIF_VIF_VERBS_H
#define VIF_VIF_VERBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct network;
struct pif;
struct sd_call;
struct switchd;
struct vif;

/* Start-up: plug the VIFs the store says are plugged. A VIF whose netdev
 * is gone (its VM went while switchd was down) is recorded as unplugged;
 * one that fails for any other reason stays pending, for
 * vif_retry_pending(). */
void vif_realise_all(struct switchd *sd);

/* The live part of vif-move: a plugged VIF's port goes to network @n's
 * bridge (with @uplink, its uplink plugged first, as a plug does; without,
 * the bridge must be there, as when a move is undone); @v's record is the
 * caller's to change. Nothing is left changed on failure. */
int vif_relocate(struct switchd *sd, struct sd_call *c, struct vif *v, struct network *n,
		 bool uplink);

/* Try the pending VIFs again (once a second). */
void vif_retry_pending(struct switchd *sd);

#endif
