/* SPDX-License-Identifier: MIT */
/*
 * httpevents.c -- POST /slack/events on libwebsockets' HTTP server. The body is kept as
 * the raw bytes that arrived, because the signature is over exactly those; only a
 * request whose signature holds is parsed at all. Slack wants its answer within 3
 * seconds, so the 200 goes out before the event is handed on.
 */
#include "httpevents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "httpbody.h"
#include "log.h"
#include "signature.h"
#include "util.h"

/* One request. */
struct session {
	struct buf body;	/* the raw body so far */
	int posting;		/* a POST to our path whose body is being read */
	char timestamp[32];	/* X-Slack-Request-Timestamp, or "" */
	char signature[128];	/* X-Slack-Signature, or "" */
	struct http_body reply; /* the body to write */
};

/* Copies the header name ("x-slack-signature:") into out; "" when absent or too long. */
static void
custom_header(struct lws *wsi, const char *name, char *out, size_t len)
{
	int n = lws_hdr_custom_length(wsi, name, (int)strlen(name));

	out[0] = '\0';
	if (n <= 0 || (size_t)n >= len ||
	    lws_hdr_custom_copy(wsi, out, (int)len, name, (int)strlen(name)) < 0)
		out[0] = '\0';
}

/* Sends status with a body of type: the headers now, the body when writeable. */
static int
respond(struct lws *wsi, struct session *s, unsigned int status, const char *type, const char *body)
{
	unsigned char head[LWS_PRE + 512], *start = head + LWS_PRE, *p = start,
					   *end = head + sizeof(head) - 1;
	size_t len = strlen(body);

	if (http_body_hold(&s->reply, body, len) == -1)
		return -1;
	if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (len == 0)
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
respond_error(struct lws *wsi, struct session *s, unsigned int status, const char *error)
{
	char body[160];

	snprintf(body, sizeof(body), "{\"ok\":false,\"error\":\"%s\"}", error);
	return respond(wsi, s, status, "application/json", body);
}

static void
on_closed(struct session *s)
{
	http_body_free(&s->reply);
	buf_free(&s->body);
	s->posting = 0;
}

static int
on_request(struct lws *wsi, struct session *s, const char *path)
{
	char length[24];
	long n;

	on_closed(s); /* what a previous request on this connection left */
	memset(s, 0, sizeof(*s));
	buf_init(&s->body);
	if (strcmp(path, HTTPEVENTS_PATH) != 0)
		return respond_error(wsi, s, 404, "not_found");
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) <= 0)
		return respond_error(wsi, s, 405, "method_not_allowed");
	if (lws_hdr_copy(wsi, length, sizeof(length), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
	    (parse_long(length, 0, 1L << 40, &n) == -1 || n > HTTPEVENTS_MAX_BODY))
		return respond_error(wsi, s, 413, "request_too_large");
	custom_header(wsi, "x-slack-request-timestamp:", s->timestamp, sizeof(s->timestamp));
	custom_header(wsi, "x-slack-signature:", s->signature, sizeof(s->signature));
	s->posting = 1;
	return 0;
}

static int
on_body(struct session *s, const char *in, size_t len)
{
	if (!s->posting)
		return 0;
	if (s->body.len + len > HTTPEVENTS_MAX_BODY)
		return -1; /* Slack's events are a few kilobytes: drop the connection */
	return buf_append(&s->body, in, len) == -1 ? -1 : 0;
}

static int
on_body_done(struct lws *wsi, struct session *s, const struct httpevents *he)
{
	const char *body = s->body.data != NULL ? s->body.data : "";
	const cJSON *type, *challenge;
	char why[128];
	cJSON *payload;
	int rc;

	if (!s->posting)
		return 0;
	s->posting = 0;
	if (!slack_signature_ok(he->signing_secret, s->timestamp[0] ? s->timestamp : NULL,
				s->signature[0] ? s->signature : NULL, body, s->body.len, wall_s(),
				why, sizeof(why))) {
		log_warnx("Slack events: a request was refused: %s", why);
		return respond_error(wsi, s, 401, "invalid_signature");
	}
	if ((payload = cJSON_ParseWithLength(body, s->body.len)) == NULL)
		return respond_error(wsi, s, 400, "invalid_json");
	type = cJSON_GetObjectItemCaseSensitive(payload, "type");
	challenge = cJSON_GetObjectItemCaseSensitive(payload, "challenge");
	if (cJSON_IsString(type) && strcmp(type->valuestring, "url_verification") == 0) {
		rc = cJSON_IsString(challenge)
			     ? respond(wsi, s, 200, "text/plain", challenge->valuestring)
			     : respond_error(wsi, s, 400, "no_challenge");
	} else {
		rc = respond(wsi, s, 200, "text/plain", "");
		if (cJSON_IsString(type) && strcmp(type->valuestring, "event_callback") == 0)
			he->fn(he->arg, payload);
	}
	cJSON_Delete(payload);
	buf_free(&s->body);
	return rc;
}

static int
on_writeable(struct lws *wsi, struct session *s)
{
	if (s->reply.data == NULL)
		return 0;
	if (http_body_write(&s->reply, wsi) == -1)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	const struct lws_protocols *proto = lws_get_protocol(wsi);
	struct session *s = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP: return on_request(wsi, s, in);
	case LWS_CALLBACK_HTTP_BODY: return on_body(s, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION: return on_body_done(wsi, s, proto->user);
	case LWS_CALLBACK_HTTP_WRITEABLE: return on_writeable(wsi, s);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (s != NULL)
			on_closed(s);
		return 0;
	default: return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

const struct lws_protocols httpevents_protocol = {
	.name = "slack-events",
	.callback = callback,
	.per_session_data_size = sizeof(struct session),
	.rx_buffer_size = 4096,
};
