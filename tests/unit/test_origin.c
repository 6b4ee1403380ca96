/* SPDX-License-Identifier: MIT */
/*
 * test_origin.c -- the websocket's Origin check (daemon/server/origin.c): by default the
 * host the client named and localhost, otherwise the --allow-origin list.
 */
#include <stdio.h>

#include "harness.h"
#include "log.h"
#include "origin.h"
#include "util.h"

static void
test_origin_default(void)
{
	static const char *const good[] = {
		"http://example.org:8080",
		"https://example.org:8080",
		"HTTP://EXAMPLE.ORG:8080",
		"http://example.org:8080/",
		"http://localhost",
		"https://localhost",
		"http://localhost:3000",
		"http://LocalHost:1",
		"http://127.0.0.1",
		"https://127.0.0.1:8443",
		"http://[::1]",
		"http://[::1]:8080",
	};
	static const char *const bad[] = {
		"http://evil.com",
		"https://evil.com:8080",
		"http://example.org", /* another port than the Host the client named */
		"http://example.org:8080.evil.com",
		"http://example.org:80800",
		"http://localhost.evil.com",
		"http://127.0.0.1.evil.com",
		"http://localhost:80x",
		"http://localhost:",
		"http://localhost@evil.com",
		"http://localhost/path",
		"http://[::1].evil.com",
		"http://127.0.0.2",
		"null",
		"localhost",
		"localhost:8080",
		"example.org:8080", /* the Host itself, without a scheme */
		"ftp://localhost",
		"ws://localhost",
		"",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(good); i++) {
		int ok = origin_allowed(good[i], "example.org:8080", NULL, 0) == 1;

		if (!ok)
			fprintf(stderr, "  want %s allowed\n", good[i]);
		CHECK(ok);
	}
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		int ok = origin_allowed(bad[i], "example.org:8080", NULL, 0) == 0;

		if (!ok)
			fprintf(stderr, "  want %s refused\n", bad[i]);
		CHECK(ok);
	}
	/* The same host, named without a port. */
	CHECK(origin_allowed("https://bot.example", "bot.example", NULL, 0) == 1);
	CHECK(origin_allowed("https://bot.example:8443", "bot.example", NULL, 0) == 0);
	/* No Host header: only localhost. */
	CHECK(origin_allowed("http://example.org", NULL, NULL, 0) == 0);
	CHECK(origin_allowed("http://example.org", "", NULL, 0) == 0);
	CHECK(origin_allowed("http://localhost:9", NULL, NULL, 0) == 1);
}

static void
test_origin_list(void)
{
	char *allow[] = { "https://app.example.com/", "http://other.example:8080", "null" };
	char *no_null[] = { "https://app.example.com" };

	CHECK(origin_allowed("https://app.example.com", "bot.example", allow, 3) == 1);
	CHECK(origin_allowed("https://app.example.com/", "bot.example", allow, 3) == 1);
	CHECK(origin_allowed("HTTPS://App.Example.Com", "bot.example", allow, 3) == 1);
	CHECK(origin_allowed("http://other.example:8080", "bot.example", allow, 3) == 1);
	CHECK(origin_allowed("http://other.example", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("http://app.example.com", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("https://app.example.com.evil.net", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("https://evil.app.example.com", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("https://app.example.co", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("null", "bot.example", allow, 3) == 1); /* listed */
	CHECK(origin_allowed("null", "bot.example", no_null, 1) == 0);
	CHECK(origin_allowed("https://app.example.com", "bot.example", no_null, 0) == 0);
	/* Trailing slash on the origin and not in the list. */
	CHECK(origin_allowed("https://app.example.com/", "bot.example", no_null, 1) == 1);
}

int
main(void)
{
	log_init("test_origin", LOG_LEVEL_ERR);
	RUN(test_origin_default);
	RUN(test_origin_list);
	HARNESS_END();
}
