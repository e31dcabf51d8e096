/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pif-monitor.h - the kernel's link events (rtnetlink, group RTNLGRP_LINK)
 * for the control thread's poll loop: which netdev's carrier changed.
 * switchd logs PIFs' carrier changes from them; bonds enable and disable
 * their members from them.
 */
#ifndef SWITCHD_PIF_MONITOR_H
#define SWITCHD_PIF_MONITOR_H

#include <stdbool.h>

struct pif_monitor;

/* Called for each link event: netdev @name, its index and carrier. An
 * event says nothing changed as often as not (any attribute's change
 * sends one): the callee compares with what it knew. */
typedef void pif_monitor_cb(const char *name, int ifindex, bool carrier, void *arg);

/* Open a non-blocking socket subscribed to link events. */
int pif_monitor_open(struct pif_monitor **out);

/* Its descriptor, to poll for readability. */
int pif_monitor_fd(const struct pif_monitor *m);

/* Read what is pending and call @cb for each event. Returns 0, or ENOBUFS
 * if the kernel dropped events (the socket's buffer was full): the caller
 * then asks for the state of what it watches. */
int pif_monitor_run(struct pif_monitor *m, pif_monitor_cb *cb, void *arg);

void pif_monitor_close(struct pif_monitor *m);

#endif
