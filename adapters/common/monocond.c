/* SPDX-License-Identifier: MIT */
/*
 * monocond.c -- pthread_cond_timedwait with an absolute deadline on the monotonic clock.
 */
#include "monocond.h"

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
	long long wait_ms = when_ms - mono_ms();
	struct timespec ts;

	if (wait_ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (wait_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(c, m, &ts);
}
