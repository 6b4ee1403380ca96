/* SPDX-License-Identifier: MIT */
/*
 * html.h -- text from the knowledge base or from a reader, made safe to put in HTML and
 * in URLs: the no-JS answer page and the Matrix bridge both write with it.
 */
#ifndef RULINGBOT_HTML_H
#define RULINGBOT_HTML_H

#include "util.h"

/* Appends s to b escaped for an element's text or a quoted attribute value: & < > " '
 * as entities, control characters (but tab and newlines) as spaces, and malformed UTF-8
 * as U+FFFD, so the result is valid UTF-8 whatever s was. NULL appends nothing.
 * Returns 0, or -1 when out of memory. */
int html_escape(struct buf *b, const char *s);

/* Returns 1 when url may be written as a link (http or https): a javascript: or data:
 * URL would run in the reader's page. */
int html_is_web_url(const char *url);

/* Appends s to b percent-encoded: RFC 3986's unreserved characters as they are, every
 * other byte as %XX, so that s can be one path segment or query value and nothing in it
 * (a '/', '?', '&' or '#') can change the URL around it. Returns 0, or -1 when out of
 * memory. */
int url_escape(struct buf *b, const char *s);

#endif
