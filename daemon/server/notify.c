/* SPDX-License-Identifier: MIT */
/*
 * notify.c -- libsystemd's sd_notify(), sd_watchdog_enabled() and sd_listen_fds(). The
 * watchdog is pinged at half its interval, as systemd advises, from the serving loop's
 * tick: a loop that hangs stops pinging, and systemd restarts the service.
 */
#include "notify.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "util.h"

static long long watchdog_every_us = -1; /* -1: not asked yet; 0: no watchdog */
static long long next_ping_us;

void
notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
notify_reloading(void)
{
	sd_notify(0, "RELOADING=1\nSTATUS=reloading the knowledge base");
}

void
notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void
notify_watchdog(void)
{
	uint64_t usec = 0;
	long long now;

	if (watchdog_every_us < 0)
		watchdog_every_us = sd_watchdog_enabled(0, &usec) > 0 ? (long long)usec / 2 : 0;
	if (watchdog_every_us == 0 || (now = mono_ns() / 1000) < next_ping_us)
		return;
	sd_notify(0, "WATCHDOG=1");
	next_ping_us = now + watchdog_every_us;
}

void
notify_disown(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	watchdog_every_us = 0;
}

int
notify_listen_fds(int *fds, int max, char *err, size_t errlen)
{
	int n = sd_listen_fds(1), i, fd, flags;

	if (n <= 0)
		return 0;
	if (n > max) {
		snprintf(err, errlen, "systemd passed %d sockets; at most %d are served", n, max);
		return -1;
	}
	for (i = 0; i < n; i++) {
		fd = SD_LISTEN_FDS_START + i;
		if (sd_is_socket_inet(fd, 0, SOCK_STREAM, 1, 0) <= 0) {
			snprintf(err, errlen,
				 "socket %d passed by systemd is not a listening TCP "
				 "socket (ListenStream= is needed)",
				 fd);
			return -1;
		}
		if ((flags = fcntl(fd, F_GETFL)) == -1 ||
		    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
			snprintf(err, errlen, "cannot make socket %d non-blocking", fd);
			return -1;
		}
		fds[i] = fd;
	}
	return n;
}
