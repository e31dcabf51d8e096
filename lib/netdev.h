/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netdev.h - interface requests (SIOC*) on one socket kept for the
 * process. glibc's if_nametoindex() and a socket per request each cost a
 * socket made and closed: at start-up with thousands of bridges that was
 * tens of thousands of them. The socket is made at the first call (any
 * thread) and kept; requests from several threads are safe.
 */
#ifndef SWITCHD_LIB_NETDEV_H
#define SWITCHD_LIB_NETDEV_H

#include <net/if.h>

/* ioctl(@req, @ifr) on the kept socket: 0 or an errno. */
int netdev_ioctl(unsigned long req, struct ifreq *ifr);

/* The index of netdev @name in this network namespace, or 0 if there is
 * none (as if_nametoindex()). */
unsigned int netdev_index(const char *name);

#endif
