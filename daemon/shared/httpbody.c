/* SPDX-License-Identifier: MIT */
/*
 * httpbody.c -- an HTTP reply's body kept for libwebsockets' writeable callback.
 */
#include "httpbody.h"

#include <stdlib.h>
#include <string.h>

int
http_body_hold(struct http_body *b, const void *p, size_t len)
{
	http_body_free(b);
	if (len == 0)
		return 0;
	if ((b->data = malloc(LWS_PRE + len)) == NULL)
		return -1;
	memcpy(b->data + LWS_PRE, p, len);
	b->len = len;
	return 0;
}

int
http_body_write(struct http_body *b, struct lws *wsi)
{
	size_t len = b->len;
	int n = lws_write(wsi, b->data + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);

	http_body_free(b);
	return n < (int)len ? -1 : 0;
}

void
http_body_free(struct http_body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}
