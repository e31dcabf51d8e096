/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * call.c - what every verb handler shares: failing with a named error,
 * reading its keys, uuids, and the fields of list records.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <uuid/uuid.h>

#include "../datapath/datapath.h"
#include "call.h"
#include "switchd.h"

static const char *const error_names[] = {[SD_OK] = "OK",
#define SD_ERROR_NAME(name, desc) [SD_E_##name] = #name,
					  SD_ERRORS(SD_ERROR_NAME)
#undef SD_ERROR_NAME
};

const char *
sd_error_name(enum sd_error e)
{
	return (unsigned int)e < SD_E__MAX ? error_names[e] : NULL;
}

/* Drop a multi-byte sequence that truncation left incomplete at the end of
 * @s (which was valid UTF-8 before), so that the reply stays UTF-8. */
static void
utf8_trim(char *s)
{
	size_t end = strlen(s), lead = end, need;
	unsigned char b;

	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	b = (unsigned char)s[lead - 1];
	need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
	if (end - (lead - 1) < need)
		s[lead - 1] = '\0';
}

__attribute__((format(printf, 3, 4))) int
sd_fail(struct sd_call *c, enum sd_error e, const char *fmt, ...)
{
	va_list ap;
	int n;

	c->err = e;
	va_start(ap, fmt);
	n = vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(c->msg))
		utf8_trim(c->msg);
	return -1;
}

const char *
sd_arg(const struct sd_call *c, const char *key)
{
	return json_string_value(json_object_get(c->params, key));
}

bool
sd_arg_true(const struct sd_call *c, const char *key)
{
	const char *v = sd_arg(c, key);

	return v != NULL &&
	       (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0);
}

void
sd_new_uuid(char *out)
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

bool
sd_uuid_valid(const char *s)
{
	uuid_t u;

	return s != NULL && uuid_parse(s, u) == 0;
}

int
sd_no_such(struct sd_call *c, const char *what, const char *key)
{
	return sd_fail(c, SD_E_UUID_INVALID, "no %s has uuid %s", what, sd_arg(c, key));
}

int
sd_store_err(struct sd_call *c)
{
	return sd_fail(c, SD_E_STORE_ERROR, "the configuration database refused the change");
}

int
sd_not_ethernet(struct sd_call *c, const char *ifname)
{
	return sd_fail(c, SD_E_NETDEV_NOT_ETHERNET, "%s is %s, not an Ethernet device", ifname,
		       strcmp(ifname, "lo") == 0 ? "the loopback interface"
						 : "of another link type");
}

int
sd_dp_fail(struct sd_call *c, int err, const char *what)
{
	if (err == ENODEV)
		return sd_fail(c, SD_E_NETDEV_NOT_FOUND, "%s: no such network interface", what);
	if (err == EEXIST)
		return sd_fail(c, SD_E_NETDEV_IN_USE,
			       "%s: an interface of that name exists already", what);
	if (err == ENOSPC)
		return sd_fail(c, SD_E_DATAPATH_PORTS_EXHAUSTED,
			       "%s: the datapath has room for %d ports, all taken", what,
			       DP_MAX_PORTS);
	if (err == ENOBUFS)
		return sd_fail(c, SD_E_DATAPATH_NO_BUFFERS,
			       "%s: no memory for the packet buffers its queues hold; start switchd"
			       " with more --memory (or hugepages)",
			       what);
	if (err == EMFILE || err == ENFILE)
		return sd_fail(c, SD_E_DATAPATH_PORTS_EXHAUSTED,
			       "%s: out of file descriptors (%s); raise switchd's LimitNOFILE",
			       what, strerror(err));
	return sd_fail(c, SD_E_DATAPATH_ERROR, "%s: %s", what, strerror(err));
}

/* Records: every field a string, as xe prints them. */

void
sd_rec_str(json_t *rec, const char *key, const char *val)
{
	json_object_set_new(rec, key, json_string(val));
}

void
sd_rec_int(json_t *rec, const char *key, long long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", val);
	sd_rec_str(rec, key, buf);
}

bool
sd_prefilter(struct sd_call *c, const char *key, const char *value)
{
	const char *want = sd_arg(c, key);

	return want == NULL || strcmp(want, value) == 0;
}

int64_t
sd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
