/* SPDX-License-Identifier: MIT */
/*
 * monocond.h -- condition variables timed on the monotonic clock, for the bridges'
 * threads: a wait until a deadline must neither stretch nor end early when someone sets
 * the wall clock.
 */
#ifndef RULINGBOT_MONOCOND_H
#define RULINGBOT_MONOCOND_H

#include <pthread.h>

/* Initialises c to time its waits on CLOCK_MONOTONIC. Returns 0, or an errno value. */
int monocond_init(pthread_cond_t *c);

/* Waits on c (m held) until signalled or until when_ms on mono_ms()'s clock, whichever
 * comes first; returns at once when when_ms has passed. This function can't fail. */
void monocond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, long long when_ms);

#endif
