/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * qos.c - a VIF's QoS record: parsing, checking, and the limit it gives
 * its port (qos.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qos.h"

/* The largest timeslice taken: a minute. */
#define QOS_TIMESLICE_MAX_US 60000000ULL
/* netback's credit is an unsigned long of 32 bits on some hosts: xenopsd
 * refuses 0xffffffff and above. */
#define QOS_CREDIT_MAX 0xfffffffeULL

int
qos_type_parse(const char *s, bool *ratelimit, char *why, size_t len)
{
	if (strcmp(s, "") == 0 || strcmp(s, QOS_TYPE_RATELIMIT) == 0) {
		*ratelimit = s[0] != '\0';
		return 0;
	}
	snprintf(why, len, "qos_algorithm_type %s: expected %s or nothing (none)", s,
		 QOS_TYPE_RATELIMIT);
	return -1;
}

/* A whole number above 0, digits only, at most @max. */
static int
positive_parse(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1; /* no sign, no space */
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int
qos_param_set(struct vif_qos *q, const char *key, const char *value, char *why, size_t len)
{
	uint64_t *field, max;

	if (strcmp(key, "kbps") == 0) {
		field = &q->kbps;
		max = QOS_CREDIT_MAX; /* at 1 s a timeslice; qos_check() narrows it */
	} else if (strcmp(key, "timeslice_us") == 0) {
		field = &q->timeslice_us;
		max = QOS_TIMESLICE_MAX_US;
	} else {
		snprintf(why, len, "%s%s: %s takes kbps and timeslice_us", QOS_PARAMS_PREFIX, key,
			 QOS_TYPE_RATELIMIT);
		return -1;
	}
	if (value[0] == '\0') {
		*field = 0;
		return 0;
	}
	if (positive_parse(value, max, field) != 0) {
		snprintf(why, len, "%s%s=%s: expected a whole number from 1 to %llu",
			 QOS_PARAMS_PREFIX, key, value, (unsigned long long)max);
		return -1;
	}
	return 0;
}

static uint64_t
timeslice(const struct vif_qos *q)
{
	return q->timeslice_us != 0 ? q->timeslice_us : QOS_TIMESLICE_DEFAULT_US;
}

/* Bytes of credit per timeslice, as xenopsd computes them. */
static unsigned __int128
credit(const struct vif_qos *q)
{
	return (unsigned __int128)q->kbps * 1024 * timeslice(q) / 1000000;
}

int
qos_check(const struct vif_qos *q, char *why, size_t len)
{
	unsigned __int128 c;

	if (!q->ratelimit)
		return 0;
	if (q->kbps == 0) {
		snprintf(why, len, "qos_algorithm_type %s needs %skbps", QOS_TYPE_RATELIMIT,
			 QOS_PARAMS_PREFIX);
		return -1;
	}
	c = credit(q);
	if (c == 0 || c > QOS_CREDIT_MAX) {
		snprintf(why, len,
			 "%skbps=%llu with a timeslice of %llu us: a credit of %s bytes per "
			 "timeslice (1 to %llu)",
			 QOS_PARAMS_PREFIX, (unsigned long long)q->kbps,
			 (unsigned long long)timeslice(q), c == 0 ? "less than 1" : "over the most",
			 QOS_CREDIT_MAX);
		return -1;
	}
	return 0;
}

void
qos_limit(const struct vif_qos *q, uint64_t *rate, uint64_t *burst)
{
	uint64_t c;

	*rate = 0;
	*burst = 0;
	if (!q->ratelimit || q->kbps == 0)
		return;
	c = (uint64_t)credit(q);
	*rate = q->kbps * 1024;
	*burst = c > QOS_BURST_MIN ? c : QOS_BURST_MIN;
}

void
qos_params_format(const struct vif_qos *q, char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	if (q->kbps != 0)
		n = snprintf(buf, len, "kbps: %llu", (unsigned long long)q->kbps);
	if (q->timeslice_us != 0 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%stimeslice_us: %llu", n ? "; " : "",
			 (unsigned long long)q->timeslice_us);
}
