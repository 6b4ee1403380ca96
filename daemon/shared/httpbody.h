/* SPDX-License-Identifier: MIT */
/*
 * httpbody.h -- the body of an HTTP reply on libwebsockets' server, held from the moment
 * the headers go out until the connection is writeable, with the LWS_PRE bytes that
 * lws_write() wants in front of it: rulingd's HTTP side and the Slack bridge's Events API
 * both reply so.
 */
#ifndef RULINGBOT_HTTPBODY_H
#define RULINGBOT_HTTPBODY_H

#include <libwebsockets.h>
#include <stddef.h>

/* A body waiting to be written; all zero when there is none. */
struct http_body {
	unsigned char *data; /* LWS_PRE bytes, then the body, or NULL */
	size_t len;	     /* bytes of the body */
};

/* Holds a copy of the len bytes at p in b, in place of what b held; len 0 holds nothing.
 * Returns 0, or -1 when out of memory (b then holds nothing). */
int http_body_hold(struct http_body *b, const void *p, size_t len);

/* Writes what b holds to wsi as the end of the reply, then lets it go. Returns 0 when all
 * of it was written, -1 when not. */
int http_body_write(struct http_body *b, struct lws *wsi);

/* Lets go of what b holds; accepts an empty b. This function can't fail. */
void http_body_free(struct http_body *b);

#endif
