/* SPDX-License-Identifier: BSD-3-Clause */
/* pif-monitor.c - see pif-monitor.h. libnl-route parses the messages. */
#include "pif-monitor.h"

#include <errno.h>
#include <stdlib.h>

#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

struct pif_monitor {
	struct nl_sock *sk;
	pif_monitor_cb *cb; /* during pif_monitor_run() */
	void *arg;
};

static void
link_seen(struct nl_object *obj, void *arg)
{
	struct pif_monitor *m = arg;
	struct rtnl_link *link = (struct rtnl_link *)obj;
	const char *name = rtnl_link_get_name(link);

	if (name != NULL)
		m->cb(name, rtnl_link_get_ifindex(link), rtnl_link_get_carrier(link) != 0, m->arg);
}

static int
on_message(struct nl_msg *msg, void *arg)
{
	int type = nlmsg_hdr(msg)->nlmsg_type;

	/* A deleted link has no carrier any more. */
	if (type == RTM_NEWLINK || type == RTM_DELLINK)
		(void)nl_msg_parse(msg, link_seen, arg);
	return NL_OK;
}

int
pif_monitor_open(struct pif_monitor **out)
{
	struct pif_monitor *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return ENOMEM;
	m->sk = nl_socket_alloc();
	if (m->sk == NULL) {
		free(m);
		return ENOMEM;
	}
	/* Events come unasked: no sequence numbers to check. */
	nl_socket_disable_seq_check(m->sk);
	nl_socket_modify_cb(m->sk, NL_CB_VALID, NL_CB_CUSTOM, on_message, m);
	if (nl_connect(m->sk, NETLINK_ROUTE) < 0 ||
	    nl_socket_add_membership(m->sk, RTNLGRP_LINK) < 0 ||
	    nl_socket_set_nonblocking(m->sk) < 0) {
		nl_socket_free(m->sk);
		free(m);
		return EIO;
	}
	*out = m;
	return 0;
}

int
pif_monitor_fd(const struct pif_monitor *m)
{
	return nl_socket_get_fd(m->sk);
}

int
pif_monitor_run(struct pif_monitor *m, pif_monitor_cb *cb, void *arg)
{
	int err = 0, r;

	m->cb = cb;
	m->arg = arg;
	/* Until nothing is left (-NLE_AGAIN: the socket is non-blocking). */
	while ((r = nl_recvmsgs_default(m->sk)) >= 0 || r == -NLE_INTR)
		;
	if (r == -NLE_NOMEM)
		err = ENOBUFS; /* the kernel dropped events: ENOBUFS on the socket */
	return err;
}

void
pif_monitor_close(struct pif_monitor *m)
{
	if (m == NULL)
		return;
	nl_socket_free(m->sk);
	free(m);
}
