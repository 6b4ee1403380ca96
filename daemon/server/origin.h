/* SPDX-License-Identifier: MIT */
/*
 * origin.h -- which web pages may talk to rulingd. Browsers name the page a websocket or
 * a cross-site request comes from in the Origin header; programs send none. The check is
 * plain string work, kept apart from the network so it is tested on its own.
 */
#ifndef RULINGBOT_ORIGIN_H
#define RULINGBOT_ORIGIN_H

/* Returns 1 when a request carrying Origin origin, sent to the server the client calls
 * host (its Host header, may be NULL), may be served: the same host, localhost on any
 * port, or one of the n origins of allow (compared without case, a trailing / ignored).
 * The literal origin "null" (files, sandboxed frames) is allowed only when listed. */
int origin_allowed(const char *origin, const char *host, char *const *allow, int n);

#endif
