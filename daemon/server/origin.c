/* SPDX-License-Identifier: MIT */
/*
 * origin.c -- the Origin allowlist. An origin is scheme://host[:port]; it is compared
 * whole, without case, so "https://example.org.evil.net" never passes for
 * "https://example.org".
 */
#include "origin.h"

#include <string.h>
#include <strings.h>

/* Length of s without one trailing '/'. */
static size_t
trimmed_len(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '/' ? n - 1 : n;
}

static int
same(const char *a, const char *b)
{
	size_t n = trimmed_len(a);

	return n == trimmed_len(b) && strncasecmp(a, b, n) == 0;
}

/* Returns what follows "http://" or "https://" in origin, or NULL. */
static const char *
after_scheme(const char *origin)
{
	if (strncasecmp(origin, "http://", 7) == 0)
		return origin + 7;
	if (strncasecmp(origin, "https://", 8) == 0)
		return origin + 8;
	return NULL;
}

/* Returns 1 when rest is name, optionally followed by :digits, and nothing else. */
static int
host_is(const char *rest, const char *name)
{
	size_t n = strlen(name);

	if (strncasecmp(rest, name, n) != 0)
		return 0;
	rest += n;
	if (*rest == '\0')
		return 1;
	if (*rest++ != ':' || *rest == '\0')
		return 0;
	while (*rest >= '0' && *rest <= '9')
		rest++;
	return *rest == '\0';
}

int
origin_allowed(const char *origin, const char *host, char *const *allow, int n)
{
	const char *rest = after_scheme(origin);
	int i;

	for (i = 0; i < n; i++)
		if (same(origin, allow[i]))
			return 1;
	if (rest == NULL)
		return 0;
	if (host && *host && same(rest, host))
		return 1;
	return host_is(rest, "localhost") || host_is(rest, "127.0.0.1") || host_is(rest, "[::1]");
}
