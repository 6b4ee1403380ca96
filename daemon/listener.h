/* SPDX-License-Identifier: MIT */
/*
 * listener.h -- the listening sockets, opened by rulingd itself before anything else:
 * bound to exactly the numeric address given (never a wildcard), and shared by every
 * worker process, which inherit them across fork().
 */
#ifndef RULINGBOT_LISTENER_H
#define RULINGBOT_LISTENER_H

#include <stddef.h>

#include "config.h"

/* Opens a non-blocking TCP socket listening on a. Returns it, or -1 with the reason in
 * err. */
int listener_open(const struct listen_addr *a, char *err, size_t errlen);

#endif
