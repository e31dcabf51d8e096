/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-lacp.c - received LACPDUs (bond/lacp.c) on a simulated clock. The
 * input is a sequence of events for a bond of four members; each starts
 * with an opcode byte:
 *   0-3   a frame on member (op): a length byte, then that many bytes (a
 *         LACPDU when it parses, anything otherwise)
 *   4-7   the member's (op - 4) carrier flips
 *   8     time passes: the next two bytes, big-endian, in ms
 *   9     the next byte sets lacp-time (bit 0) and lacp-fallback-ab (bit 1)
 *   other lacp_run() now
 * A frame that is almost a LACPDU is the interesting case: an input byte
 * 0x80 in the length turns the frame into a well-formed LACPDU whose
 * actor's information comes from the following bytes.
 * Checks, after each event: a member that may carry traffic is attached;
 * negotiated means some member has a partner that is not itself; nothing
 * is sent on a member without a link, and every LACPDU sent parses back
 * with our system as its actor; the next wake is never in the past unless
 * selection is due.
 */
#include <stdlib.h>
#include <string.h>

#include "../../bond/lacp.h"
#include "fuzz.h"

struct ctx {
	const struct lacp *l;
	unsigned int sent;
};

static void
sent(unsigned int i, const uint8_t *frame, size_t len, void *arg)
{
	struct ctx *c = arg;
	struct lacp_info a, p;

	if (i >= c->l->n_members || !c->l->m[i].carrier || len != LACP_FRAME_LEN ||
	    lacp_parse(frame, len, &a, &p) != 0 ||
	    memcmp(a.sys_id.b, c->l->sys_id.b, MAC_LEN) != 0 || a.port_id != i + 1)
		abort();
	c->sent++;
}

static void
check(const struct lacp *l, int64_t now)
{
	bool partner = false;

	for (unsigned int i = 0; i < l->n_members; i++) {
		const struct lacp_member *m = &l->m[i];

		if (lacp_may_enable(l, i) && !m->attached)
			abort();
		if (m->status != LACP_DEFAULTED &&
		    memcmp(m->partner.sys_id.b, l->sys_id.b, MAC_LEN) != 0 &&
		    memcmp(m->partner.sys_id.b, "\0\0\0\0\0\0", MAC_LEN) != 0)
			partner = true;
		if (m->status == LACP_DEFAULTED && m->rx_expires != BOND_NEVER)
			abort();
	}
	if (!l->update && l->negotiated && !partner)
		abort();
	if (!l->update && lacp_next_wake(l) < now)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mac sys = {{0x02, 0x5d, 0, 0, 0, 1}};
	struct mac macs[BOND_MAX_MEMBERS];
	struct lacp l;
	struct ctx c = {&l, 0};
	int64_t now = 0;
	size_t off = 0;

	for (unsigned int i = 0; i < BOND_MAX_MEMBERS; i++)
		macs[i] = (struct mac){{0x02, 0x5d, 0, 0, 1, (uint8_t)i}};
	lacp_init(&l, &sys, 1, BOND_MAX_MEMBERS, macs, false, true);
	while (off < size) {
		uint8_t op = data[off++];

		if (op < 4 && off < size) {
			size_t len = data[off++];
			uint8_t f[LACP_FRAME_LEN + 64];

			if (len == 0x80 && off + 17 <= size) {
				/* A well-formed LACPDU, the actor from the input. */
				struct lacp_info a, p = {0};
				struct mac src = {{0x02, 0, 0, 0, 0, 9}};

				a.sys_priority = (uint16_t)(data[off] << 8 | data[off + 1]);
				memcpy(a.sys_id.b, data + off + 2, MAC_LEN);
				a.key = (uint16_t)(data[off + 8] << 8 | data[off + 9]);
				a.port_priority = (uint16_t)(data[off + 10] << 8 | data[off + 11]);
				a.port_id = (uint16_t)(data[off + 12] << 8 | data[off + 13]);
				a.state = data[off + 14];
				lacp_actor(&l, op, &p);
				p.state ^= data[off + 15];
				lacp_compose(&a, &p, &src, f);
				off += 17;
				lacp_rx(&l, op, f, LACP_FRAME_LEN, now);
			} else {
				if (len > size - off)
					len = size - off;
				if (len > sizeof(f))
					len = sizeof(f);
				memcpy(f, data + off, len);
				off += len;
				lacp_rx(&l, op, f, len, now);
			}
		} else if (op >= 4 && op < 8) {
			lacp_carrier(&l, op - 4u, !l.m[op - 4].carrier, now);
		} else if (op == 8 && off + 2 <= size) {
			now += data[off] << 8 | data[off + 1];
			off += 2;
		} else if (op == 9 && off < size) {
			lacp_configure(&l, data[off] & 1, data[off] & 2);
			off++;
		} else {
			lacp_run(&l, now, sent, &c);
			check(&l, now);
		}
	}
	lacp_run(&l, now, sent, &c);
	check(&l, now);
	return 0;
}
