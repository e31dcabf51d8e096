/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h - the one logger of every layer's control-thread code: a line per
 * message on stderr (switchd points it at its log file), with a UTC
 * timestamp, the program and the level:
 *   2026-11-26T05:00:00.123Z switchd warning: eth0: carrier lost
 * Messages that can repeat at an outside party's pace (a client, a guest,
 * a link) go through a rate limit, as Open vSwitch's VLOG_*_RL: a token
 * bucket per call site; what it drops is counted and said in one line
 * when it lets a message through again. Never called on the fast path.
 * Thread-safe (vhost-user events come on DPDK's vhost thread).
 */
#ifndef SWITCHD_LIB_LOG_H
#define SWITCHD_LIB_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* A rate limit: at most @per_minute messages a minute on average, with
 * bursts of up to @burst. One per call site, static. */
struct log_rate_limit {
	unsigned int per_minute;
	unsigned int burst;
	/* State, under the logger's lock. */
	uint64_t credit;       /* in 1/60,000 of a message */
	int64_t last_ms;       /* when credit was last added; 0: never */
	unsigned int dropped;  /* since the last message let through */
	int64_t first_drop_ms; /* when the first of them was */
	int64_t last_drop_ms;  /* when the last of them was */
};

#define LOG_RATE_LIMIT_INIT(PER_MINUTE, BURST)               \
	{                                                    \
		.per_minute = (PER_MINUTE), .burst = (BURST) \
	}

/* The program name lines carry ("switchd" unless set). */
void log_set_program(const char *name);

/* Messages above @level are not written (default: LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);

/* The level's name ("warning"), or NULL. */
const char *log_level_name(enum log_level level);

/* The level called @name; -1 if none is. */
int log_level_parse(const char *name);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* As log_msg(), unless @rl has no credit left: then the message is counted
 * and dropped. */
void log_msg_rl(struct log_rate_limit *rl, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Would a message at @level be written? (To skip building an expensive one.) */
int log_enabled(enum log_level level);

#define LOG_ERR(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define LOG_WARN(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define LOG_INFO(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_DBG(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define LOG_ERR_RL(rl, ...) log_msg_rl(rl, LOG_LEVEL_ERROR, __VA_ARGS__)
#define LOG_WARN_RL(rl, ...) log_msg_rl(rl, LOG_LEVEL_WARNING, __VA_ARGS__)
#define LOG_INFO_RL(rl, ...) log_msg_rl(rl, LOG_LEVEL_INFO, __VA_ARGS__)

/* For tests: the clock the rate limits read (CLOCK_MONOTONIC ms by default). */
void log_set_clock(int64_t (*now_ms)(void));

#endif
