/* SPDX-License-Identifier: MIT */
/*
 * test_cache.c -- the answer cache (daemon/server/cache.c): entries kept byte for byte,
 * the least recently used one evicted, and a cache of no entries.
 */
#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "harness.h"
#include "log.h"
#include "metrics.h"

/* Puts key with json "J:key" and lines "L:key" into c. Returns what cache_put did. */
static int
put(struct cache *c, const char *key)
{
	char json[64], lines[64];

	snprintf(json, sizeof(json), "J:%s", key);
	snprintf(lines, sizeof(lines), "L:%s", key);
	return cache_put(c, key, strlen(key), json, strlen(json), lines, strlen(lines), 1);
}

static const struct cache_entry *
get(struct cache *c, const char *key)
{
	return cache_get(c, key, strlen(key));
}

static void
test_cache_round_trip(void)
{
	static const char key[] = "en\x1fwho was the judge", json[] = "{\"a\":\"x\0y\"}",
			  lines[] = "one\ntwo\0three";
	const struct cache_entry *e;
	struct cache c;

	CHECK(cache_init(&c, 4) == 0);
	CHECK(cache_get(&c, key, sizeof(key) - 1) == NULL);
	CHECK(cache_put(&c, key, sizeof(key) - 1, json, sizeof(json) - 1, lines, sizeof(lines) - 1,
			OUTCOME_NO_ANSWER) == 0);
	e = cache_get(&c, key, sizeof(key) - 1);
	CHECK(e != NULL);
	if (e) {
		CHECK(e->keylen == sizeof(key) - 1 && memcmp(e->key, key, e->keylen) == 0);
		CHECK(e->jsonlen == sizeof(json) - 1 && memcmp(e->json, json, e->jsonlen) == 0);
		CHECK(e->lineslen == sizeof(lines) - 1 &&
		      memcmp(e->lines, lines, e->lineslen) == 0);
		CHECK(e->json[e->jsonlen] == '\0' && e->lines[e->lineslen] == '\0');
		CHECK(e->outcome == OUTCOME_NO_ANSWER);
	}
	/* A key is its bytes: a prefix, a longer key or another language is another key. */
	CHECK(cache_get(&c, key, sizeof(key) - 2) == NULL);
	CHECK(get(&c, "en\x1fwho was the judge?") == NULL);
	CHECK(get(&c, "es\x1fwho was the judge") == NULL);
	CHECK(c.count == 1);
	cache_clear(&c);
	CHECK(c.count == 0 && c.newest == NULL && c.oldest == NULL);
	CHECK(cache_get(&c, key, sizeof(key) - 1) == NULL);
	CHECK(put(&c, "again") == 0);
	e = get(&c, "again");
	CHECK(e && strcmp(e->json, "J:again") == 0 && strcmp(e->lines, "L:again") == 0);
	cache_free(&c);
}

static void
test_cache_lru(void)
{
	struct cache c;

	CHECK(cache_init(&c, 3) == 0);
	CHECK(put(&c, "k1") == 0 && put(&c, "k2") == 0 && put(&c, "k3") == 0);
	CHECK(c.count == 3);
	CHECK(get(&c, "k1") != NULL); /* k1 used: k2 is now the least recently used */
	CHECK(put(&c, "k4") == 0);
	CHECK(c.count == 3);
	CHECK(get(&c, "k2") == NULL);
	CHECK(get(&c, "k1") != NULL && get(&c, "k3") != NULL && get(&c, "k4") != NULL);
	/* k1, k3, k4 were just read in that order: k1 is now the least recently used. */
	CHECK(put(&c, "k5") == 0);
	CHECK(get(&c, "k1") == NULL);
	CHECK(get(&c, "k3") != NULL);
	CHECK(put(&c, "k6") == 0); /* evicts k4 */
	CHECK(get(&c, "k4") == NULL);
	CHECK(get(&c, "k3") != NULL && get(&c, "k5") != NULL && get(&c, "k6") != NULL);
	CHECK(c.count == 3);
	{
		const struct cache_entry *e = get(&c, "k5");

		CHECK(e && strcmp(e->json, "J:k5") == 0 && strcmp(e->lines, "L:k5") == 0);
		CHECK(c.newest == e);
	}
	cache_clear(&c);
	CHECK(c.count == 0 && get(&c, "k3") == NULL && get(&c, "k6") == NULL);
	cache_free(&c);

	/* One entry: each put replaces the last. */
	CHECK(cache_init(&c, 1) == 0);
	CHECK(put(&c, "a") == 0 && put(&c, "b") == 0);
	CHECK(get(&c, "a") == NULL && get(&c, "b") != NULL && c.count == 1);
	cache_free(&c);
}

static void
test_cache_disabled(void)
{
	struct cache c;

	CHECK(cache_init(&c, 0) == 0);
	CHECK(put(&c, "k1") == 0);
	CHECK(get(&c, "k1") == NULL);
	CHECK(c.count == 0);
	cache_clear(&c);
	cache_free(&c);
}

int
main(void)
{
	log_init("test_cache", LOG_LEVEL_ERR);
	RUN(test_cache_round_trip);
	RUN(test_cache_lru);
	RUN(test_cache_disabled);
	HARNESS_END();
}
