/* SPDX-License-Identifier: MIT */
/*
 * html.c -- escaping for HTML and URLs. Runs of characters that need nothing are copied in one
 * append, so escaping costs little more than copying.
 */
#include "html.h"

#include <string.h>
#include <strings.h>

/* Returns what stands for code point cp, or NULL when it stands for itself. A malformed
 * sequence decodes as U+FFFD and is written as one. */
static const char *
entity(unsigned int cp)
{
	switch (cp) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	case 0xfffd: return "\xef\xbf\xbd";
	case '\t':
	case '\n':
	case '\r': return NULL;
	}
	return cp < 0x20 || cp == 0x7f ? " " : NULL;
}

int
html_escape(struct buf *b, const char *s)
{
	const unsigned char *u, *end, *run;
	const char *e;
	unsigned int cp;
	size_t n;

	if (s == NULL)
		return 0;
	run = u = (const unsigned char *)s;
	end = u + strlen(s);
	for (; u < end; u += n) {
		n = utf8_decode(u, end, &cp);
		if ((e = entity(cp)) == NULL)
			continue;
		if (buf_append(b, run, (size_t)(u - run)) == -1 || buf_puts(b, e) == -1)
			return -1;
		run = u + n;
	}
	return buf_append(b, run, (size_t)(end - run));
}

int
html_is_web_url(const char *url)
{
	return url != NULL &&
	       (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

int
url_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u;
	char esc[3] = { '%' };
	int rc = 0;

	for (u = (const unsigned char *)s; *u != '\0' && rc == 0; u++) {
		if ((*u >= 'A' && *u <= 'Z') || (*u >= 'a' && *u <= 'z') ||
		    (*u >= '0' && *u <= '9') || strchr("-._~", *u) != NULL) {
			rc = buf_append(b, u, 1);
		} else {
			esc[1] = hex[*u >> 4];
			esc[2] = hex[*u & 15];
			rc = buf_append(b, esc, 3);
		}
	}
	return rc;
}
