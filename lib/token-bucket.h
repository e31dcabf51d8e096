/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * token-bucket.h - a token bucket on the caller's clock (TSC cycles in the
 * datapath, any unit in tests): @rate bytes per second of credit, at most
 * @burst bytes of it saved. Exact over any number of refills (the credit
 * smaller than a byte is carried, so that a rate of a few bytes a second
 * is kept as well as one of 100 Gbit/s), and safe over any idle time (the
 * product of time and rate is taken in 128 bits, and a full bucket stops
 * counting). A bucket of rate 0 is not a limit: it always has credit.
 */
#ifndef SWITCHD_LIB_TOKEN_BUCKET_H
#define SWITCHD_LIB_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct token_bucket {
	uint64_t rate;	 /* bytes per second; 0: no limit */
	uint64_t burst;	 /* bytes saved at most */
	uint64_t tokens; /* bytes of credit as of @last */
	uint64_t frac;	 /* credit below a byte, in bytes x 1/hz */
	uint64_t last;	 /* the clock at the last refill */
	uint64_t hz;	 /* clock ticks per second */
};

/* A full bucket at @now. */
static inline void
token_bucket_init(struct token_bucket *tb, uint64_t rate, uint64_t burst, uint64_t hz, uint64_t now)
{
	tb->rate = rate;
	tb->burst = burst;
	tb->tokens = burst;
	tb->frac = 0;
	tb->last = now;
	tb->hz = hz ? hz : 1;
}

/* Credit for the time since the last refill. A clock that went back
 * gives none. */
static inline void
token_bucket_refill(struct token_bucket *tb, uint64_t now)
{
	unsigned __int128 add;
	uint64_t whole;

	if (now <= tb->last)
		return;
	if (tb->tokens >= tb->burst) {
		tb->last = now; /* full: idle time is not saved up */
		tb->frac = 0;
		return;
	}
	add = (unsigned __int128)(now - tb->last) * tb->rate + tb->frac;
	tb->last = now;
	/* One division, of 64 bits when the product fits (a datapath's
	 * refills come microseconds apart). */
	if ((uint64_t)(add >> 64) == 0) {
		whole = (uint64_t)add / tb->hz;
		tb->frac = (uint64_t)add - whole * tb->hz;
	} else {
		unsigned __int128 w = add / tb->hz;

		if (w >= tb->burst - tb->tokens) {
			tb->tokens = tb->burst;
			tb->frac = 0;
			return;
		}
		whole = (uint64_t)w;
		tb->frac = (uint64_t)(add - w * tb->hz);
	}
	if (whole >= tb->burst - tb->tokens) {
		tb->tokens = tb->burst;
		tb->frac = 0;
		return;
	}
	tb->tokens += whole;
}

/* Bytes that may go at @now. */
static inline uint64_t
token_bucket_available(struct token_bucket *tb, uint64_t now)
{
	if (tb->rate == 0)
		return UINT64_MAX;
	token_bucket_refill(tb, now);
	return tb->tokens;
}

/* Take @bytes at @now if the credit is there: true, else false and nothing
 * taken. */
static inline bool
token_bucket_take(struct token_bucket *tb, uint64_t now, uint64_t bytes)
{
	if (tb->rate == 0)
		return true;
	token_bucket_refill(tb, now);
	if (tb->tokens < bytes)
		return false;
	tb->tokens -= bytes;
	return true;
}

/* Clock ticks from @now until @bytes (at most the burst) may go; 0 if
 * they may now. */
static inline uint64_t
token_bucket_wait(struct token_bucket *tb, uint64_t now, uint64_t bytes)
{
	unsigned __int128 need;

	if (tb->rate == 0)
		return 0;
	token_bucket_refill(tb, now);
	if (bytes > tb->burst)
		bytes = tb->burst;
	if (tb->tokens >= bytes)
		return 0;
	/* (missing bytes x hz - the fraction) / rate, rounded up */
	need = (unsigned __int128)(bytes - tb->tokens) * tb->hz - tb->frac;
	return (uint64_t)((need + tb->rate - 1) / tb->rate);
}

#endif
