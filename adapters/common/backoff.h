/* SPDX-License-Identifier: MIT */
/*
 * backoff.h -- how long to wait before trying again: exponential, capped, with full
 * jitter, so that many bridges cut off by the same outage do not return in step.
 */
#ifndef RULINGBOT_BACKOFF_H
#define RULINGBOT_BACKOFF_H

struct backoff {
	long first_ms;	   /* the wait before the first retry */
	long max_ms;	   /* the longest wait */
	unsigned failures; /* consecutive failures so far */
};

/* Sets b to wait first_ms, doubling up to max_ms. This function can't fail. */
void backoff_init(struct backoff *b, long first_ms, long max_ms);

/* Counts a failure and returns the milliseconds to wait before the next try: a random
 * value in [cap/2, cap], cap doubling with each failure. This function can't fail. */
long backoff_next(struct backoff *b);

/* Forgets the failures after a success. This function can't fail. */
void backoff_reset(struct backoff *b);

#endif
