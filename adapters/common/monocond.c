/* SPDX-License-Identifier: MIT */
/*
 * monocond.c -- pthread_cond_timedwait with an absolute deadline on the monotonic clock,
 * and the start of the bridges' threads that wait so.
 */
#include "monocond.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

int
monocond_init(pthread_cond_t *c)
{
	pthread_condattr_t attr;
	int rc;

	if ((rc = pthread_condattr_init(&attr)) != 0)
		return rc;
	if ((rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) == 0)
		rc = pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
	return rc;
}

void
monocond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, long long when_ms)
{
	/* c times its waits on the clock when_ms is read from (monocond_init). */
	struct timespec ts = { (time_t)(when_ms / 1000), (long)(when_ms % 1000) * 1000000 };

	if (when_ms <= mono_ms())
		return;
	pthread_cond_timedwait(c, m, &ts);
}

int
monocond_start_thread(pthread_t *t, pthread_mutex_t *m, pthread_cond_t *c, void *(*run)(void *),
		      void *arg, char *err, size_t errlen)
{
	int rc;

	if ((rc = monocond_init(c)) != 0) {
		snprintf(err, errlen, "cannot make a condition variable: %s", strerror(rc));
		return -1;
	}
	pthread_mutex_init(m, NULL);
	if ((rc = pthread_create(t, NULL, run, arg)) != 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
		pthread_cond_destroy(c);
		pthread_mutex_destroy(m);
		return -1;
	}
	return 0;
}
