/* SPDX-License-Identifier: MIT */
/*
 * backoff.c -- capped exponential backoff with jitter. Half of each wait is fixed and
 * half random ("equal jitter"): full jitter can pick a wait near zero, which would turn
 * an outage into a busy loop of reconnects.
 */
#include "backoff.h"

#include <stdlib.h>

void
backoff_init(struct backoff *b, long first_ms, long max_ms)
{
	b->first_ms = first_ms > 0 ? first_ms : 1;
	b->max_ms = max_ms >= b->first_ms ? max_ms : b->first_ms;
	b->failures = 0;
}

long
backoff_next(struct backoff *b)
{
	long cap = b->first_ms;
	unsigned i;

	for (i = 0; i < b->failures && cap < b->max_ms; i++)
		cap *= 2;
	if (cap > b->max_ms)
		cap = b->max_ms;
	if (b->failures < 64)
		b->failures++;
	/* random() is enough: the wait only needs to differ between processes. */
	return cap / 2 + random() % (cap / 2 + 1);
}

void
backoff_reset(struct backoff *b)
{
	b->failures = 0;
}
