/* SPDX-License-Identifier: MIT */
/*
 * listener.h -- the listening sockets, opened by rulingd itself before anything else:
 * bound to exactly the numeric address given (never a wildcard). Under --workers each
 * worker has a socket of its own on the same address (SO_REUSEPORT), inherited across
 * fork(), and the kernel spreads new connections evenly among them.
 */
#ifndef RULINGBOT_LISTENER_H
#define RULINGBOT_LISTENER_H

#include <stddef.h>

#include "config.h"

/* Opens a non-blocking TCP socket bound to a, not yet listening (net.c calls listen()
 * when it is ready to serve); shared: one of several on the same address (SO_REUSEPORT).
 * Returns it, or -1 with the reason in err. */
int listener_open(const struct listen_addr *a, int shared, char *err, size_t errlen);

#endif
