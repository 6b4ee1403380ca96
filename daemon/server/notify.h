/* SPDX-License-Identifier: MIT */
/*
 * notify.h -- rulingd and its service manager: readiness, reloads and stops told to
 * systemd (Type=notify), the watchdog's heartbeat, and listening sockets handed over by
 * socket activation. Outside systemd ($NOTIFY_SOCKET and $LISTEN_FDS unset) every call
 * does nothing, and rulingd runs just the same.
 */
#ifndef RULINGBOT_NOTIFY_H
#define RULINGBOT_NOTIFY_H

#include <stddef.h>

/* READY=1, with status text. */
void notify_ready(const char *status);

/* RELOADING=1, before the knowledge base is read again; notify_ready() follows. */
void notify_reloading(void);

/* STOPPING=1. */
void notify_stopping(void);

/* Sends WATCHDOG=1 when half the watchdog interval has passed since the last one; call
 * it often (every loop tick). Nothing when the unit has no WatchdogSec=. */
void notify_watchdog(void);

/* For a process that must not speak for the service (a --workers child: systemd hears
 * only the main process): forgets $NOTIFY_SOCKET and the watchdog. */
void notify_disown(void);

/* The listening sockets passed by socket activation, made non-blocking, into fds (at
 * most max). Returns how many (0 without socket activation), or -1 with the reason in
 * err when one is not a listening TCP socket. */
int notify_listen_fds(int *fds, int max, char *err, size_t errlen);

#endif
