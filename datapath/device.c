/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device.c - NICs on DPDK drivers: a PCI NIC bound to vfio-pci, or a DPDK
 * virtual device (net_vhost, net_pcap, ...), probed and removed at run time
 * through the EAL's device hotplug (rte_dev_probe/rte_dev_remove). Their
 * ethdevs then become ports of the ethdev kind (port-ethdev.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_pci.h>

#include "datapath.h"

bool
dp_pci_address_valid(const char *s)
{
	struct rte_pci_addr addr;

	return rte_pci_addr_parse(s, &addr) == 0;
}

/* The ethdev @devargs names, if one is probed. */
static int
ethdev_find(const char *devargs, uint16_t *ethdev)
{
	struct rte_dev_iterator it;
	uint16_t id;

	RTE_ETH_FOREACH_MATCHING_DEV(id, devargs, &it)
	{
		*ethdev = id;
		rte_eth_iterator_cleanup(&it);
		return 0;
	}
	return ENODEV;
}

/* Whether @devargs names a PCI device: "0000:03:00.0[,key=value...]". */
static bool
devargs_is_pci(const char *devargs)
{
	char addr[32];
	size_t n = strcspn(devargs, ",");

	if (n >= sizeof(addr))
		return false;
	memcpy(addr, devargs, n);
	addr[n] = '\0';
	return dp_pci_address_valid(addr);
}

/* Undo a probe that made no ethdev (dpdk:crypto_null): by bus and name,
 * the name being what comes before the first comma (a PCI address in the
 * bus's own long form). */
static void
remove_by_devargs(const char *devargs)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	struct rte_pci_addr addr;
	size_t n = strcspn(devargs, ",");

	if (n >= sizeof(name))
		return;
	memcpy(name, devargs, n);
	name[n] = '\0';
	if (rte_pci_addr_parse(name, &addr) == 0) {
		rte_pci_device_name(&addr, name, sizeof(name));
		rte_eal_hotplug_remove("pci", name);
	} else {
		rte_eal_hotplug_remove("vdev", name);
	}
}

int
dp_device_open(const char *devargs, struct dp_device *dev, char *msg, size_t msglen)
{
	struct rte_ether_addr ea;
	int ret;

	msg[0] = '\0';
	dev->probed = false;
	if (devargs_is_pci(devargs) && !rte_eal_has_pci()) {
		snprintf(msg, msglen,
			 "PCI devices are off: start switchd with -- -a %.*s (it leaves the host's "
			 "NICs alone unless told)",
			 (int)strcspn(devargs, ","), devargs);
		return ENOTSUP;
	}
	/* Probed already (named on switchd's command line): take it. */
	if (ethdev_find(devargs, &dev->ethdev) != 0) {
		ret = rte_dev_probe(devargs);
		if (ret < 0 && ret != -EEXIST) {
			/* DPDK's error numbers say little ("Bad address" for
			 * an unknown driver); the driver logs its reason. */
			snprintf(msg, msglen,
				 "DPDK cannot open %s: no such driver, or the driver refused "
				 "it (switchd's log has its reason)",
				 devargs);
			return -ret;
		}
		if (ethdev_find(devargs, &dev->ethdev) != 0) {
			snprintf(msg, msglen, "%s is not an Ethernet device", devargs);
			if (ret == 0) /* we probed it: undo that, not another's */
				remove_by_devargs(devargs);
			return ENODEV;
		}
		dev->probed = ret == 0;
	}
	ret = rte_eth_macaddr_get(dev->ethdev, &ea);
	if (ret == 0)
		ret = rte_eth_dev_get_mtu(dev->ethdev, &dev->mtu);
	if (ret != 0) {
		snprintf(msg, msglen, "%s: %s", devargs, rte_strerror(-ret));
		if (dev->probed)
			dp_device_close(dev->ethdev);
		return -ret;
	}
	memcpy(dev->mac.b, ea.addr_bytes, sizeof(dev->mac.b));
	return 0;
}

void
dp_device_close(uint16_t ethdev)
{
	struct rte_eth_dev_info info;

	unsigned int siblings = 0;
	uint16_t id;

	if (!rte_eth_dev_is_valid_port(ethdev))
		return;
	/* Removing the device closes all its ports: only when this is its
	 * one port (a NIC with several ports, or representors, keeps the
	 * others'). A device that cannot be removed has its port closed. */
	if (rte_eth_dev_info_get(ethdev, &info) == 0 && info.device != NULL) {
		RTE_ETH_FOREACH_DEV_OF(id, info.device)
		siblings += id != ethdev;
		if (siblings == 0 && rte_dev_remove(info.device) == 0)
			return;
	}
	rte_eth_dev_close(ethdev);
}

bool
dp_device_link_up(uint16_t ethdev)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(ethdev, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}
