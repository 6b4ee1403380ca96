/* SPDX-License-Identifier: MIT */
/*
 * signature.h -- checking that an HTTP request really comes from Slack: the v0 request
 * signature, an HMAC-SHA256 of the timestamp and the raw body under the app's signing
 * secret, and a timestamp recent enough that an old request cannot be replayed.
 */
#ifndef RULINGBOT_SIGNATURE_H
#define RULINGBOT_SIGNATURE_H

#include <stddef.h>

#define SIGNATURE_WINDOW_S 300 /* how old (or new) a request's timestamp may be */

/* Checks the headers X-Slack-Request-Timestamp (timestamp) and X-Slack-Signature
 * (signature, "v0=<hex>"; either NULL when absent) for the len bytes of body, at wall
 * time now. Returns 1 when genuine; 0 with the reason in why when not. */
int slack_signature_ok(const char *secret, const char *timestamp, const char *signature,
		       const char *body, size_t len, long long now, char *why, size_t whylen);

/* Writes "v0=<hex>" for timestamp and body into out (at least 68 bytes). Returns 0, or
 * -1 when out of memory. */
int slack_signature_make(const char *secret, const char *timestamp, const char *body, size_t len,
			 char *out, size_t outlen);

#endif
