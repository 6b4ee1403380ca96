/* SPDX-License-Identifier: MIT */
/*
 * page.h -- an /api/ask reply as an HTML page, for browsers without JavaScript: the demo
 * page's form asks GET /api/ask?format=html&q=..., and this is what comes back.
 */
#ifndef RULINGBOT_PAGE_H
#define RULINGBOT_PAGE_H

#include <stddef.h>

/* Writes the JSON object of an /api/ask reply (len bytes: an answer, clarify, no_answer or error,
 * as docs/protocol.md describes) as a complete HTML5 document in the reply's language,
 * for question (the question asked, or NULL). Every string is escaped; a source is a
 * link only when its url is http(s). JSON that is not such an object gets the page of an
 * internal error. Returns the page, malloc'd (the caller frees it), or NULL when out of
 * memory. */
char *page_render(const char *json, size_t len, const char *question);

#endif
