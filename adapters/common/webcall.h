/* SPDX-License-Identifier: MIT */
/*
 * webcall.h -- one HTTPS request at a time to a chat service's API, through libcurl:
 * certificates verified, a bearer token, a time limit, and the reply's status, body and
 * Retry-After. A webcall keeps its connection open between requests; it belongs to one
 * thread (only webcall_abort may be called from another).
 */
#ifndef RULINGBOT_WEBCALL_H
#define RULINGBOT_WEBCALL_H

#include <stddef.h>

#include "util.h"

/* What came back. */
struct web_reply {
	long status;	    /* HTTP status, or 0 when no reply came (see error) */
	struct buf body;    /* the body, NUL-terminated */
	long retry_after_s; /* the Retry-After header in seconds, or -1 */
	char error[256];    /* why no reply came, or "" */
};

struct webcall;

/* A client trusting the CA certificates in ca_file (NULL: the system's), giving up on a
 * request after timeout_s seconds, refusing bodies over max_body bytes. Returns NULL with
 * the reason in err. Call curl_global_init() first, once. */
struct webcall *webcall_new(const char *ca_file, long timeout_s, size_t max_body, char *err,
			    size_t errlen);

/* Sets the time limit for the requests that follow (a long-poll needs more than a call).
 * This function can't fail. */
void webcall_set_timeout(struct webcall *w, long timeout_s);

/* Callable from any thread: the request in progress in w gives up within about a
 * second, and every later one at once, with r->error "stopped". This function can't
 * fail. */
void webcall_abort(struct webcall *w);

/* Frees w; accepts NULL. This function can't fail. */
void webcall_free(struct webcall *w);

/* Sends method ("GET", "POST", "PUT") to url with "Authorization: Bearer token" (unless
 * token is NULL) and, when content_type is not NULL, the len bytes of body. Fills r
 * (initialised here; free it with web_reply_free). Returns 0 when an HTTP reply came
 * (whatever its status), -1 when none did (r->error says why). */
int webcall_request(struct webcall *w, const char *method, const char *url, const char *token,
		    const char *content_type, const char *body, size_t len, struct web_reply *r);

/* Frees what r holds. This function can't fail. */
void web_reply_free(struct web_reply *r);

#endif
