/* SPDX-License-Identifier: BSD-3-Clause */
/* log.c - see log.h. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const char *program = "switchd";
static enum log_level max_level = LOG_LEVEL_INFO;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t (*now_ms)(void) = monotonic_ms;

void
log_set_program(const char *name)
{
	program = name;
}

void
log_set_level(enum log_level level)
{
	max_level = level;
}

void
log_set_clock(int64_t (*fn)(void))
{
	now_ms = fn != NULL ? fn : monotonic_ms;
}

const char *
log_level_name(enum log_level level)
{
	return (unsigned int)level <= LOG_LEVEL_DEBUG ? level_names[level] : NULL;
}

int
log_level_parse(const char *name)
{
	for (int i = LOG_LEVEL_ERROR; i <= LOG_LEVEL_DEBUG; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

int
log_enabled(enum log_level level)
{
	return level <= max_level;
}

/* Write one line; the caller holds the lock. */
__attribute__((format(printf, 2, 0))) static void
emit(enum log_level level, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	flockfile(stderr);
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		program, level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
	funlockfile(stderr);
}

__attribute__((format(printf, 2, 3))) static void
emitf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (!log_enabled(level))
		return;
	pthread_mutex_lock(&lock);
	emit(level, fmt, ap);
	pthread_mutex_unlock(&lock);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* Take one message's credit from @rl; false if there is none. */
static int
take_credit(struct log_rate_limit *rl, int64_t now)
{
	const uint64_t one = 60000, cap = (uint64_t)rl->burst * one;

	if (rl->last_ms == 0) {
		rl->credit = cap;
	} else if (now > rl->last_ms) {
		uint64_t add = (uint64_t)(now - rl->last_ms) * rl->per_minute;

		rl->credit = add >= cap - rl->credit ? cap : rl->credit + add;
	}
	rl->last_ms = now;
	if (rl->credit < one)
		return 0;
	rl->credit -= one;
	return 1;
}

void
log_msg_rl(struct log_rate_limit *rl, enum log_level level, const char *fmt, ...)
{
	int64_t now;
	va_list ap;

	if (!log_enabled(level))
		return;
	pthread_mutex_lock(&lock);
	now = now_ms();
	if (!take_credit(rl, now)) {
		if (rl->dropped++ == 0)
			rl->first_drop_ms = now;
		rl->last_drop_ms = now;
		pthread_mutex_unlock(&lock);
		return;
	}
	if (rl->dropped != 0) {
		emitf(level,
		      "dropped %u log messages in the last %lld s (the latest %lld s ago):"
		      " too many",
		      rl->dropped, (long long)(now - rl->first_drop_ms + 999) / 1000,
		      (long long)(now - rl->last_drop_ms) / 1000);
		rl->dropped = 0;
	}
	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&lock);
}
