/* SPDX-License-Identifier: MIT */
/*
 * mxapi.c -- the Client-Server API's replies. Errors are {"errcode":"M_...","error":...}.
 * A 429's wait comes from the Retry-After header when there is one (the spec's way since
 * v1.10) and otherwise from the body's retry_after_ms (the older way, still common).
 */
#include "mxapi.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

#define DEFAULT_RETRY_AFTER_MS 5000 /* a 429 that gives no wait at all */

int
mx_url(struct buf *b, const char *homeserver, const char *fmt, ...)
{
	const char *p, *arg;
	va_list ap;
	int rc;

	rc = buf_printf(b, "%s/_matrix/client/v3/", homeserver);
	va_start(ap, fmt);
	for (p = fmt; *p != '\0' && rc == 0; p++) {
		if (p[0] == '%' && (p[1] == 'e' || p[1] == 's')) {
			arg = va_arg(ap, const char *);
			rc = *++p == 'e' ? url_escape(b, arg) : buf_puts(b, arg);
		} else {
			rc = buf_append(b, p, 1);
		}
	}
	va_end(ap);
	return rc;
}

static const char *
member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum mx_outcome
judge(struct mx_result *r, const struct web_reply *w)
{
	const char *code, *why;
	const cJSON *ms;

	if (w->status == 0) {
		snprintf(r->error, sizeof(r->error), "%s", w->error);
		return MX_RETRY;
	}
	r->reply = cJSON_ParseWithLength(w->body.data, w->body.len);
	if (w->status >= 200 && w->status < 300)
		return MX_OK;
	code = member(r->reply, "errcode");
	why = member(r->reply, "error");
	snprintf(r->error, sizeof(r->error), "HTTP %ld %s%s%s", w->status, code ? code : "",
		 code && why ? ": " : "", why ? why : "");
	if (w->status == 429) {
		ms = cJSON_GetObjectItemCaseSensitive(r->reply, "retry_after_ms");
		if (w->retry_after_s >= 0)
			r->retry_after_ms = w->retry_after_s * 1000;
		else if (cJSON_IsNumber(ms) && ms->valuedouble >= 0 && ms->valuedouble < 86400e3)
			r->retry_after_ms = (long)ms->valuedouble;
		else
			r->retry_after_ms = DEFAULT_RETRY_AFTER_MS;
		return MX_RATELIMITED;
	}
	if (w->status == 401)
		return MX_AUTH;
	return w->status >= 500 ? MX_RETRY : MX_FAILED;
}

enum mx_outcome
mx_call(struct webcall *w, const char *method, const char *url, const char *token,
	const char *json_body, struct mx_result *r)
{
	struct web_reply reply;

	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;
	webcall_request(w, method, url, token, json_body ? "application/json" : NULL, json_body,
			json_body ? strlen(json_body) : 0, &reply);
	r->outcome = judge(r, &reply);
	web_reply_free(&reply);
	return r->outcome;
}

void
mx_result_free(struct mx_result *r)
{
	cJSON_Delete(r->reply);
	r->reply = NULL;
}
