/* SPDX-License-Identifier: MIT */
/*
 * mxapi.h -- calling a homeserver's Client-Server API (v3): URLs with every id
 * percent-encoded, and each reply judged as done, rate limited (and for how long),
 * worth retrying, refused for the access token, or failed for good.
 */
#ifndef RULINGBOT_MXAPI_H
#define RULINGBOT_MXAPI_H

#include <cjson/cJSON.h>

#include "util.h"
#include "webcall.h"

enum mx_outcome {
	MX_OK,		/* 2xx */
	MX_RATELIMITED, /* 429: wait retry_after_ms, then send the same request */
	MX_RETRY,	/* no reply, or 5xx: try again after a while */
	MX_AUTH,	/* 401: the access token is not (or no longer) valid */
	MX_FAILED,	/* any other 4xx: this request will never work */
};

struct mx_result {
	enum mx_outcome outcome;
	cJSON *reply;	     /* the JSON body, or NULL */
	long retry_after_ms; /* for MX_RATELIMITED */
	char error[256];     /* "M_FORBIDDEN: ...", or why no reply came */
};

/* Appends to b the homeserver's base, "/_matrix/client/v3/", and fmt, in which each %e
 * is replaced by the next argument percent-encoded (an id, as one path segment or query
 * value) and each %s by the next argument as it is. Returns 0, or -1 when out of memory. */
int mx_url(struct buf *b, const char *homeserver, const char *fmt, ...);

/* Sends method to url with the token and, unless NULL, a JSON body. Fills r; free it
 * with mx_result_free. Returns r->outcome. */
enum mx_outcome mx_call(struct webcall *w, const char *method, const char *url, const char *token,
			const char *json_body, struct mx_result *r);

/* Frees what r holds. This function can't fail. */
void mx_result_free(struct mx_result *r);

#endif
