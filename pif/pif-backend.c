/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pif-backend.c - how the datapath reaches a PIF's NIC: the backend= rule
 * (see pif.h). A DPDK backend's device is opened by the datapath
 * (datapath/device.c).
 */
#include "pif.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../datapath/datapath.h"

int
pif_backend_parse(const char *s, char *devargs, size_t len, const char **why)
{
	const char *p;

	*why = NULL;
	if (s == NULL || strcmp(s, "af_packet") == 0) {
		devargs[0] = '\0';
		return 0;
	}
	if (strcmp(s, "af_xdp") == 0) {
		/* DPDK's AF_XDP driver takes its frames from the mempool, and
		 * the kernel wants them at most a page long: the datapath's
		 * jumbo-sized mbufs do not fit. */
		*why = "af_xdp is not supported yet; use af_packet";
		return ENOTSUP;
	}
	if (dp_pci_address_valid(s)) {
		snprintf(devargs, len, "%s", s);
		return 0;
	}
	if (strncmp(s, "dpdk:", 5) != 0) {
		*why = "not af_packet, a PCI address or dpdk:DEVARGS";
		return ENOTSUP;
	}
	s += 5;
	if (*s == '\0' || *s == ',') {
		*why = "dpdk: needs a device name, as in dpdk:net_vhost0,iface=PATH";
		return EINVAL;
	}
	for (p = s; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p)) {
			*why = "DPDK device arguments contain a space or control character";
			return EINVAL;
		}
	if (strlen(s) >= len || strlen(s) >= PIF_BACKEND_MAX - 5) {
		*why = "DPDK device arguments too long";
		return EINVAL;
	}
	snprintf(devargs, len, "%s", s);
	return 0;
}
