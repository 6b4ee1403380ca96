/* SPDX-License-Identifier: MIT */
/*
 * webcall.c -- the libcurl easy interface, used from one thread that may block: the
 * bridges make their API calls from a thread of their own, so a slow chat service never
 * stalls the websocket loop. Redirects are not followed (an API answers where it is
 * asked) and only http and https are spoken.
 */
#include "webcall.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

struct webcall {
	CURL *curl;
	size_t max_body;
	atomic_int aborted; /* set by webcall_abort() from another thread */
};

/* The body being received, with its limit. */
struct sink {
	struct web_reply *r;
	size_t max_body;
	int too_big;
};

/* libcurl calls this often while a request runs, and about once a second while it
 * waits: a long-poll can be cut short without waiting for its timeout. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct webcall *w = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load(&w->aborted) ? 1 : 0;
}

struct webcall *
webcall_new(const char *ca_file, long timeout_s, size_t max_body, char *err, size_t errlen)
{
	struct webcall *w = calloc(1, sizeof(*w));

	if (w == NULL || (w->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot start libcurl");
		free(w);
		return NULL;
	}
	w->max_body = max_body;
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT, timeout_s < 10 ? timeout_s : 10L);
	curl_easy_setopt(w->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(w->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(w->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(w->curl, CURLOPT_USERAGENT, "rulingbot/" RULINGBOT_VERSION);
	curl_easy_setopt(w->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(w->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(w->curl, CURLOPT_XFERINFODATA, w);
	if (ca_file != NULL && curl_easy_setopt(w->curl, CURLOPT_CAINFO, ca_file) != CURLE_OK) {
		snprintf(err, errlen, "libcurl does not take a CA file");
		webcall_free(w);
		return NULL;
	}
	return w;
}

void
webcall_set_timeout(struct webcall *w, long timeout_s)
{
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, timeout_s);
}

void
webcall_abort(struct webcall *w)
{
	atomic_store(&w->aborted, 1);
}

void
webcall_free(struct webcall *w)
{
	if (w == NULL)
		return;
	curl_easy_cleanup(w->curl);
	free(w);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	n *= size;
	if (s->r->body.len + n > s->max_body) {
		s->too_big = 1;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	return buf_append(&s->r->body, p, n) == 0 ? n : 0;
}

/* Picks Retry-After out of the headers: seconds only (an HTTP date is rare from APIs and
 * is treated as absent). */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct sink *s = arg;
	char value[32];
	size_t len = size * n, i;
	long v;

	if (len > sizeof(name) - 1 && len - (sizeof(name) - 1) < sizeof(value) &&
	    strncasecmp(p, name, sizeof(name) - 1) == 0) {
		memcpy(value, p + sizeof(name) - 1, len - (sizeof(name) - 1));
		value[len - (sizeof(name) - 1)] = '\0';
		for (i = strlen(value); i > 0 && strchr(" \t\r\n", value[i - 1]); i--)
			value[i - 1] = '\0';
		for (i = 0; value[i] == ' ' || value[i] == '\t'; i++)
			;
		if (parse_long(value + i, 0, 86400, &v) == 0)
			s->r->retry_after_s = v;
	}
	return len;
}

/* Adds "Authorization: Bearer token", wiping the copy made for it. */
static struct curl_slist *
add_auth(struct curl_slist *h, const char *token)
{
	size_t n = strlen(token) + 32;
	struct curl_slist *nh;
	char *line = malloc(n);

	if (line == NULL)
		return NULL;
	snprintf(line, n, "Authorization: Bearer %s", token);
	nh = curl_slist_append(h, line);
	explicit_bzero(line, n);
	free(line);
	return nh;
}

/* Frees a header list, wiping it first: it holds the token. */
static void
free_headers(struct curl_slist *h)
{
	struct curl_slist *p;

	for (p = h; p != NULL; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

static struct curl_slist *
headers_for(const char *token, const char *content_type)
{
	struct curl_slist *h = NULL, *nh;
	char line[128];

	if (token != NULL && (h = add_auth(h, token)) == NULL)
		return NULL;
	if (content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		if ((nh = curl_slist_append(h, line)) == NULL) {
			free_headers(h);
			return NULL;
		}
		h = nh;
	}
	/* No "Expect: 100-continue" round trip for a small body. */
	if ((nh = curl_slist_append(h, "Expect:")) == NULL) {
		free_headers(h);
		return NULL;
	}
	return nh;
}

int
webcall_request(struct webcall *w, const char *method, const char *url, const char *token,
		const char *content_type, const char *body, size_t len, struct web_reply *r)
{
	struct sink sink = { r, w->max_body, 0 };
	struct curl_slist *headers;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
	r->retry_after_s = -1;
	if ((headers = headers_for(token, content_type)) == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return -1;
	}
	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	curl_easy_setopt(w->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(w->curl, CURLOPT_HTTPGET, 1L);
	if (content_type != NULL || strcmp(method, "GET") != 0) {
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body != NULL ? body : "");
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(w->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(w->curl, CURLOPT_HEADERDATA, &sink);
	rc = atomic_load(&w->aborted) ? CURLE_ABORTED_BY_CALLBACK : curl_easy_perform(w->curl);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
	free_headers(headers);
	if (buf_append(&r->body, "", 0) == -1)
		rc = CURLE_OUT_OF_MEMORY;
	if (rc != CURLE_OK) {
		snprintf(r->error, sizeof(r->error), "%s",
			 sink.too_big			   ? "the reply was too long"
			 : rc == CURLE_ABORTED_BY_CALLBACK ? "stopped"
							   : curl_easy_strerror(rc));
		r->status = 0;
		return -1;
	}
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &r->status);
	return 0;
}

void
web_reply_free(struct web_reply *r)
{
	buf_free(&r->body);
}
