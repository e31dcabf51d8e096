/* SPDX-License-Identifier: BSD-3-Clause */
/* MAC address parsing and policy; see mac.h. */
#include "mac.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mac_parse(const char *s, struct mac *out)
{
	struct mac m;
	int i;

	if (s == NULL)
		return EINVAL;
	for (i = 0; i < MAC_LEN; i++) {
		int hi = hexval(s[0]);
		int lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0)
			return EINVAL;
		m.b[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < MAC_LEN - 1 && *s++ != ':')
			return EINVAL;
	}
	if (*s != '\0')
		return EINVAL;
	*out = m;
	return 0;
}

char *
mac_format(const struct mac *m, char *buf)
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2],
		 m->b[3], m->b[4], m->b[5]);
	return buf;
}

enum mac_verdict
mac_check_user(const char *s, bool allow_global, struct mac *out)
{
	struct mac m;

	if (mac_parse(s, &m) != 0)
		return MAC_BAD_SYNTAX;
	if (mac_is_zero(&m))
		return MAC_ZERO;
	if (mac_is_multicast(&m))
		return MAC_MULTICAST;
	if (!mac_is_local(&m) && !allow_global)
		return MAC_NOT_LOCAL;
	*out = m;
	return MAC_OK;
}

const char *
mac_verdict_str(enum mac_verdict v)
{
	switch (v) {
	case MAC_OK:
		return "valid";
	case MAC_BAD_SYNTAX:
		return "not of the form aa:bb:cc:dd:ee:ff";
	case MAC_ZERO:
		return "the all-zero address is not a station address";
	case MAC_MULTICAST:
		return "a multicast/broadcast address cannot be a station address";
	case MAC_NOT_LOCAL:
		return "not locally administered (pass allow-global-mac=true to keep a vendor MAC)";
	}
	return "unknown";
}

int
mac_generate(struct mac *out)
{
	ssize_t n = getrandom(out->b, sizeof(out->b), 0);

	if (n != (ssize_t)sizeof(out->b))
		return n < 0 ? errno : EIO;
	out->b[0] = (uint8_t)((out->b[0] & 0xfc) | 0x02);
	return 0;
}
