/* SPDX-License-Identifier: MIT */
/*
 * monocond.h -- condition variables timed on the monotonic clock, for the bridges'
 * threads: a wait until a deadline must neither stretch nor end early when someone sets
 * the wall clock. Also the start of such a thread, with its lock and its condition.
 */
#ifndef RULINGBOT_MONOCOND_H
#define RULINGBOT_MONOCOND_H

#include <pthread.h>
#include <stddef.h>

/* Initialises c to time its waits on CLOCK_MONOTONIC. Returns 0, or an errno value. */
int monocond_init(pthread_cond_t *c);

/* Waits on c (m held) until signalled or until when_ms on mono_ms()'s clock, whichever
 * comes first; returns at once when when_ms has passed. This function can't fail. */
void monocond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, long long when_ms);

/* Initialises the lock m and the condition c (as monocond_init does), then starts
 * run(arg) in a thread, *t. Returns 0, or -1 with the reason in err and m and c
 * destroyed again. */
int monocond_start_thread(pthread_t *t, pthread_mutex_t *m, pthread_cond_t *c, void *(*run)(void *),
			  void *arg, char *err, size_t errlen);

#endif
