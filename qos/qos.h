/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * qos.h - a VIF's QoS as xapi records it (qos_algorithm_type and
 * qos_algorithm_params) and what it means for its port: xapi's only
 * algorithm, "ratelimit", as xenopsd and netback apply it.
 *
 * xapi passes kbps and the optional timeslice_us to xenopsd, which gives
 * netback a credit of kbps x 1024 x timeslice_us / 10^6 bytes per
 * timeslice (50 ms when none is given), and only if that is between 1 and
 * 2^32 - 2 bytes; netback lets a guest's transmitted frames through while
 * it has credit and saves at most max(128 KiB, one timeslice's credit).
 * Here: a rate of kbps x 1024 bytes a second, the same burst; a VM's
 * frames beyond it wait (datapath.h, dp_port_set_qos()). Unlike xapi,
 * which logs a bad value and applies no limit, a bad value is refused.
 */
#ifndef SWITCHD_QOS_H
#define SWITCHD_QOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QOS_TYPE_RATELIMIT "ratelimit"
#define QOS_PARAMS_PREFIX "qos_algorithm_params:"
#define QOS_TIMESLICE_DEFAULT_US 50000 /* xenopsd's */
#define QOS_BURST_MIN 131072	       /* netback's least burst, bytes */

struct vif_qos {
	bool ratelimit;	       /* qos_algorithm_type=ratelimit (else empty) */
	uint64_t kbps;	       /* qos_algorithm_params:kbps; 0: not set */
	uint64_t timeslice_us; /* qos_algorithm_params:timeslice_us; 0: not set */
};

static inline bool
qos_equal(const struct vif_qos *a, const struct vif_qos *b)
{
	return a->ratelimit == b->ratelimit && a->kbps == b->kbps &&
	       a->timeslice_us == b->timeslice_us;
}

/* qos_algorithm_type: "ratelimit" or "" (none). Returns 0, or -1 with the
 * reason in @why. */
int qos_type_parse(const char *s, bool *ratelimit, char *why, size_t len);

/* qos_algorithm_params:@key=@value: kbps or timeslice_us, a whole number
 * above 0 (an empty value removes the key). Returns 0, or -1 with the
 * reason in @why. */
int qos_param_set(struct vif_qos *q, const char *key, const char *value, char *why, size_t len);

/* Whether @q can be applied: a ratelimit needs kbps, and a credit per
 * timeslice netback could hold (1 up to 2^32 - 2 bytes). Returns 0, or -1
 * with the reason in @why. */
int qos_check(const struct vif_qos *q, char *why, size_t len);

/* The port's limit: bytes a second and burst; 0 and 0 without one. */
void qos_limit(const struct vif_qos *q, uint64_t *rate, uint64_t *burst);

/* "kbps: N; timeslice_us: M" (the keys set), as xe shows a map. */
void qos_params_format(const struct vif_qos *q, char *buf, size_t len);

#endif
