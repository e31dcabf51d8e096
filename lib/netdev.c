/* SPDX-License-Identifier: BSD-3-Clause */
/* netdev.c - see netdev.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev.h"

static int ioctl_fd = -1;

static int
ioctl_socket(void)
{
	int fd = __atomic_load_n(&ioctl_fd, __ATOMIC_ACQUIRE), expected = -1;

	if (fd >= 0)
		return fd;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Another thread may have made one meanwhile: keep the first. */
	if (!__atomic_compare_exchange_n(&ioctl_fd, &expected, fd, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

int
netdev_ioctl(unsigned long req, struct ifreq *ifr)
{
	int fd = ioctl_socket();

	if (fd < 0)
		return errno;
	return ioctl(fd, req, ifr) < 0 ? errno : 0;
}

unsigned int
netdev_index(const char *name)
{
	struct ifreq ifr;

	if (strlen(name) >= sizeof(ifr.ifr_name))
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (netdev_ioctl(SIOCGIFINDEX, &ifr) != 0)
		return 0;
	return (unsigned int)ifr.ifr_ifindex;
}
