/* SPDX-License-Identifier: MIT */
/*
 * stop.c -- the bridges' stop signals, caught into one flag.
 */
#include "stop.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t got_stop; /* SIGTERM or SIGINT came */

static void
on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

void
stop_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
stop_asked(void)
{
	return got_stop;
}
