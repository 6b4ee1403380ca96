/* SPDX-License-Identifier: MIT */
/*
 * http.c -- the HTTP side of the port: /healthz, /metrics, /api/ask (GET, POST, and the
 * CORS preflight), and static files from the --www folder for everything else. Replies
 * are written as libwebsockets wants them: the headers at once, the body from the
 * writeable callback.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "page.h"
#include "proto.h"
#include "server.h"
#include "www.h"

#define JSON_TYPE "application/json"
#define HTML_TYPE "text/html; charset=utf-8"

/* How an /api/ask reply is written: format= of a GET, always JSON for a POST. */
enum ask_format {
	FORMAT_JSON, /* the JSON object of docs/protocol.md */
	FORMAT_HTML, /* a page for browsers without JavaScript (page.c) */
	FORMAT_BAD,  /* any other format=: refused */
};

/* Extra headers of a reply. */
struct reply_headers {
	const char *origin; /* Access-Control-Allow-Origin, or NULL */
	long retry_after;   /* Retry-After seconds, or 0 */
	int preflight;	    /* 1: the CORS preflight headers */
};

static int
add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
	   unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
					   (const unsigned char *)value, (int)strlen(value), p,
					   end);
}

static int
add_extra_headers(struct lws *wsi, const struct reply_headers *h, unsigned char **p,
		  unsigned char *end)
{
	char n[24];

	if (h->origin && (add_header(wsi, "access-control-allow-origin:", h->origin, p, end) ||
			  add_header(wsi, "vary:", "Origin", p, end)))
		return -1;
	if (h->preflight &&
	    (add_header(wsi, "access-control-allow-methods:", "GET, POST, OPTIONS", p, end) ||
	     add_header(wsi, "access-control-allow-headers:", "Content-Type", p, end) ||
	     add_header(wsi, "access-control-max-age:", "600", p, end)))
		return -1;
	if (h->retry_after > 0) {
		snprintf(n, sizeof(n), "%ld", h->retry_after);
		if (add_header(wsi, "retry-after:", n, p, end))
			return -1;
	}
	return 0;
}

/* Sends a reply: headers now, the body (len bytes, copied) when writeable. Returns what
 * the callback returns. */
static int
respond(struct session *ss, unsigned int status, const char *type, const char *body, size_t len,
	const struct reply_headers *h)
{
	unsigned char head[LWS_PRE + 1024], *start = head + LWS_PRE, *p = start,
					    *end = head + sizeof(head) - 1;
	static const struct reply_headers none;
	struct lws *wsi = ss->wsi;

	if (h == NULL)
		h = &none;
	if (http_body_hold(&ss->body, body, len) == -1)
		return -1;
	if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
	    add_extra_headers(wsi, h, &p, end) ||
	    (ss->close_after && add_header(wsi, "connection:", "close", &p, end)) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (len == 0)
		return ss->close_after || lws_http_transaction_completed(wsi) ? -1 : 0;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
respond_text(struct session *ss, unsigned int status, const char *text)
{
	return respond(ss, status, "text/plain; charset=utf-8", text, strlen(text), NULL);
}

/* Sends a refusal that comes before any question is read, as the protocol's error object
 * (proto.c) with no id. Returns what the callback returns. */
static int
respond_error(struct session *ss, unsigned int status, enum proto_error e, const char *message,
	      const struct reply_headers *h)
{
	char *body = proto_error_json(e, NULL, message, 0);
	int rc;

	if (body == NULL)
		return respond_text(ss, 500, "Out of memory.\n");
	rc = respond(ss, status, JSON_TYPE, body, strlen(body), h);
	free(body);
	return rc;
}

int
http_writeable(struct server *srv, struct session *ss)
{
	(void)srv;
	if (ss->body.data == NULL)
		return 0;
	if (http_body_write(&ss->body, ss->wsi) == -1 || ss->close_after)
		return -1;
	return lws_http_transaction_completed(ss->wsi) ? -1 : 0;
}

void
http_closed(struct session *ss)
{
	http_body_free(&ss->body);
	buf_free(&ss->post);
	ss->posting = 0;
}

/* Sends the result of an /api/ask request: r's JSON, or, for FORMAT_HTML, the page made
 * of it for question, with the status and headers the JSON would have had. Frees r's
 * body. */
static int
respond_ask(struct session *ss, struct http_reply *r, const char *origin, enum ask_format format,
	    const char *question)
{
	struct reply_headers h = { origin[0] ? origin : NULL, r->retry_after, 0 };
	char *page = NULL;
	int rc;

	if (r->body != NULL && format == FORMAT_HTML &&
	    (page = page_render(r->body, strlen(r->body), question)) == NULL) {
		free(r->body);
		r->body = NULL;
	}
	if (r->body == NULL)
		return respond_text(ss, 500, "Out of memory.\n");
	if (page != NULL)
		rc = respond(ss, (unsigned int)r->status, HTML_TYPE, page, strlen(page), &h);
	else
		rc = respond(ss, (unsigned int)r->status, JSON_TYPE, r->body, strlen(r->body), &h);
	free(page);
	free(r->body);
	return rc;
}

/* Copies URL argument name ("q") of the request into a malloc'd string, NULL when absent;
 * *too_long set when it is longer than max bytes. libwebsockets has decoded it. */
static char *
url_arg(struct lws *wsi, const char *name, long max, int *too_long)
{
	size_t nlen = strlen(name);
	char *frag;
	int i, n;

	for (i = 0; (n = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i)) > 0; i++) {
		if ((frag = malloc((size_t)n + 1)) == NULL)
			return NULL;
		if (lws_hdr_copy_fragment(wsi, frag, n + 1, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0 &&
		    strncmp(frag, name, nlen) == 0 && frag[nlen] == '=') {
			if ((long)(n - (int)nlen - 1) > max)
				*too_long = 1;
			memmove(frag, frag + nlen + 1, (size_t)n - nlen);
			return frag;
		}
		free(frag);
	}
	return NULL;
}

/* Reads the format= argument of a GET /api/ask: absent means JSON. */
static enum ask_format
ask_format(struct lws *wsi)
{
	int too_long = 0;
	char *f = url_arg(wsi, "format", 16, &too_long);
	enum ask_format format = FORMAT_BAD;

	if (f == NULL || strcmp(f, "json") == 0)
		format = FORMAT_JSON;
	else if (strcmp(f, "html") == 0)
		format = FORMAT_HTML;
	free(f);
	return format;
}

static int
ask_get(struct server *srv, struct session *ss, const char *origin)
{
	struct reply_headers h = { origin[0] ? origin : NULL, 0, 0 };
	enum ask_format format = ask_format(ss->wsi);
	struct http_reply r;
	int too_long = 0, rc;
	char *q, *lang, *id;
	struct client *c;

	if (format == FORMAT_BAD)
		return respond_error(ss, 400, PROTO_BAD_REQUEST,
				     "\"format\" must be \"json\" or \"html\".", &h);
	q = url_arg(ss->wsi, "q", srv->cfg->max_question, &too_long);
	lang = url_arg(ss->wsi, "lang", 16, &too_long);
	id = url_arg(ss->wsi, "id", 1024, &too_long);
	if ((c = server_client(srv, ss->wsi)) == NULL) {
		r.status = 500;
		r.body = NULL;
		r.retry_after = 0;
	} else {
		service_http_get(srv->svc, q, lang, id, &c->bucket, mono_ns(), &r);
	}
	rc = respond_ask(ss, &r, origin, format, q);
	free(q);
	free(lang);
	free(id);
	return rc;
}

static int
ask_post_start(struct server *srv, struct session *ss)
{
	char len[24];
	long n;

	if (server_header(ss->wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, len, sizeof(len)) <= 0 ||
	    parse_long(len, 0, 1L << 40, &n) == -1) {
		ss->close_after = 1;
		return respond_text(ss, 411, "POST /api/ask needs a Content-Length.\n");
	}
	if (n > srv->cfg->max_message) {
		ss->close_after = 1;
		return respond_error(ss, 413, PROTO_TOO_LONG, "The request body is too large.",
				     NULL);
	}
	ss->posting = 1;
	buf_init(&ss->post);
	if (n == 0)
		return http_body_done(srv, ss);
	return 0;
}

int
http_body(struct server *srv, struct session *ss, const char *in, size_t len)
{
	if (!ss->posting)
		return 0;
	if (ss->post.len + len > (size_t)srv->cfg->max_message)
		return -1; /* more than Content-Length promised */
	return buf_append(&ss->post, in, len) == -1 ? -1 : 0;
}

int
http_body_done(struct server *srv, struct session *ss)
{
	struct http_reply r;
	struct client *c;
	char origin[256];

	if (!ss->posting)
		return 0;
	ss->posting = 0;
	if (!server_origin_ok(srv, ss->wsi, origin, sizeof(origin)))
		origin[0] = '\0';
	if ((c = server_client(srv, ss->wsi)) == NULL) {
		buf_free(&ss->post);
		return respond_text(ss, 500, "Out of memory.\n");
	}
	service_http_post(srv->svc, ss->post.data ? ss->post.data : "", ss->post.len, &c->bucket,
			  mono_ns(), &r);
	buf_free(&ss->post);
	return respond_ask(ss, &r, origin, FORMAT_JSON, NULL);
}

static int
preflight(struct session *ss, const char *origin)
{
	struct reply_headers h = { origin, 0, 1 };

	return respond(ss, 204, "text/plain", "", 0, origin[0] ? &h : NULL);
}

static int
serve_file(struct server *srv, struct session *ss, const char *path, size_t len)
{
	char file[4096];
	int n;

	if (www_resolve(srv->cfg->www_dir, path, len, file, sizeof(file)) == -1)
		return respond_text(ss, 404, "Not found.\n");
	n = lws_serve_http_file(ss->wsi, file, www_mime_type(file), NULL, 0);
	if (n < 0 || (n > 0 && lws_http_transaction_completed(ss->wsi)))
		return -1;
	return 0;
}

static int
is_path(const char *path, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(path, want, len) == 0;
}

int
http_request(struct server *srv, struct session *ss, const char *path, size_t len)
{
	int get = lws_hdr_total_length(ss->wsi, WSI_TOKEN_GET_URI) > 0;
	int post = lws_hdr_total_length(ss->wsi, WSI_TOKEN_POST_URI) > 0;
	int options = lws_hdr_total_length(ss->wsi, WSI_TOKEN_OPTIONS_URI) > 0;
	struct http_reply r;
	struct buf b;
	char origin[256];
	int rc;

	ss->close_after = 0;
	if (!server_origin_ok(srv, ss->wsi, origin, sizeof(origin)))
		origin[0] = '\0'; /* served, but without CORS: the browser will not show it */
	if (is_path(path, len, "/api/ask")) {
		if (get)
			return ask_get(srv, ss, origin);
		if (post)
			return ask_post_start(srv, ss);
		if (options)
			return preflight(ss, origin);
	} else if (get && is_path(path, len, "/healthz")) {
		service_health(srv->svc, &r);
		if (r.body == NULL)
			return respond_text(ss, 500, "Out of memory.\n");
		rc = respond(ss, (unsigned int)r.status, JSON_TYPE, r.body, strlen(r.body), NULL);
		free(r.body);
		return rc;
	} else if (get && is_path(path, len, "/metrics")) {
		buf_init(&b);
		if (service_metrics(srv->svc, &b) == -1) {
			buf_free(&b);
			return respond_text(ss, 500, "Out of memory.\n");
		}
		rc = respond(ss, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len,
			     NULL);
		buf_free(&b);
		return rc;
	} else if (get) {
		return serve_file(srv, ss, path, len);
	}
	return respond_text(ss, 405, "Method not allowed.\n");
}
