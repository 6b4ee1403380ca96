/* SPDX-License-Identifier: MIT */
/*
 * clock.h -- the two clocks the bridges read: a monotonic one for deadlines and waits,
 * which never jumps, and the wall clock, only for comparing with times a peer sent.
 */
#ifndef RULINGBOT_CLOCK_H
#define RULINGBOT_CLOCK_H

#include <time.h>

#include "util.h"

/* Milliseconds on the monotonic clock (util.h's mono_ns). */
static inline long long
mono_ms(void)
{
	return mono_ns() / 1000000;
}

/* Seconds since the Unix epoch on the wall clock. */
static inline long long
wall_s(void)
{
	return (long long)time(NULL);
}

/* Milliseconds since the Unix epoch on the wall clock (Matrix's origin_server_ts). */
static inline long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
