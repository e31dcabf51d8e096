/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAC address rules shared by every layer: parsing, formatting, and the
 * project's MAC policy (user-given MACs must be unicast and, unless the caller
 * overrides it, locally administered; generated MACs always are both).
 * Depends on nothing but libc.
 */
#ifndef SWITCHD_LIB_MAC_H
#define SWITCHD_LIB_MAC_H

#include <stdbool.h>
#include <stdint.h>

#define MAC_LEN 6
/* "aa:bb:cc:dd:ee:ff" plus the terminating NUL. */
#define MAC_STRLEN 18

struct mac {
	uint8_t b[MAC_LEN];
};

/* Parse "aa:bb:cc:dd:ee:ff" (case-insensitive, exactly six two-digit
 * groups). Returns 0, or EINVAL if @s is not such a string. */
int mac_parse(const char *s, struct mac *out);

/* Format @m into @buf (at least MAC_STRLEN bytes), lower case. Returns buf. */
char *mac_format(const struct mac *m, char *buf);

static inline bool
mac_is_multicast(const struct mac *m)
{
	return (m->b[0] & 0x01) != 0;
}

static inline bool
mac_is_local(const struct mac *m)
{
	return (m->b[0] & 0x02) != 0;
}

static inline bool
mac_is_zero(const struct mac *m)
{
	return (m->b[0] | m->b[1] | m->b[2] | m->b[3] | m->b[4] | m->b[5]) == 0;
}

/* Why a user-given MAC is refused, or MAC_OK. */
enum mac_verdict {
	MAC_OK,
	MAC_BAD_SYNTAX,
	MAC_ZERO,
	MAC_MULTICAST,
	MAC_NOT_LOCAL,
};

/* Apply the MAC policy to a user-given string. @allow_global accepts a
 * universally administered (vendor) MAC, e.g. an imported VM's. On MAC_OK the
 * parsed address is stored in @out. */
enum mac_verdict mac_check_user(const char *s, bool allow_global, struct mac *out);

/* Human-readable reason for a verdict (static string). */
const char *mac_verdict_str(enum mac_verdict v);

/* Generate a random locally administered unicast MAC. Returns 0 or an errno
 * value from getrandom(). */
int mac_generate(struct mac *out);

#endif
