/* SPDX-License-Identifier: MIT */
/*
 * cache.c -- a hash table of answers with a use-ordered list for eviction. Each entry is
 * one allocation holding its key and both renderings.
 */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int
cache_init(struct cache *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max;
	c->nslots = max > 0 ? max : 1;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	return c->slots ? 0 : -1;
}

static void
unlink_use(struct cache *c, struct cache_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->newest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->oldest = e->prev;
	e->prev = e->next = NULL;
}

static void
push_newest(struct cache *c, struct cache_entry *e)
{
	e->prev = NULL;
	e->next = c->newest;
	if (c->newest)
		c->newest->prev = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

static void
drop(struct cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = &c->slots[e->hash % c->nslots];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	unlink_use(c, e);
	free(e);
	c->count--;
}

void
cache_clear(struct cache *c)
{
	while (c->oldest)
		drop(c, c->oldest);
}

void
cache_free(struct cache *c)
{
	if (c->slots)
		cache_clear(c);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}

const struct cache_entry *
cache_get(struct cache *c, const char *key, size_t keylen)
{
	unsigned long long h;
	struct cache_entry *e;

	if (c->max == 0)
		return NULL;
	h = fnv1a(FNV_OFFSET, key, keylen);
	for (e = c->slots[h % c->nslots]; e; e = e->hnext)
		if (e->hash == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0) {
			unlink_use(c, e);
			push_newest(c, e);
			return e;
		}
	return NULL;
}

int
cache_put(struct cache *c, const char *key, size_t keylen, const char *json, size_t jsonlen,
	  const char *lines, size_t lineslen, int outcome)
{
	struct cache_entry *e;
	char *p;

	if (c->max == 0)
		return 0;
	if ((e = malloc(sizeof(*e) + keylen + jsonlen + lineslen + 3)) == NULL)
		return -1;
	if (c->count >= c->max)
		drop(c, c->oldest);
	p = (char *)(e + 1);
	e->key = p;
	memcpy(p, key, keylen);
	p[keylen] = '\0';
	e->json = p + keylen + 1;
	memcpy(e->json, json, jsonlen);
	e->json[jsonlen] = '\0';
	e->lines = e->json + jsonlen + 1;
	memcpy(e->lines, lines, lineslen);
	e->lines[lineslen] = '\0';
	e->keylen = keylen;
	e->jsonlen = jsonlen;
	e->lineslen = lineslen;
	e->outcome = outcome;
	e->hash = fnv1a(FNV_OFFSET, key, keylen);
	e->hnext = c->slots[e->hash % c->nslots];
	c->slots[e->hash % c->nslots] = e;
	push_newest(c, e);
	c->count++;
	return 0;
}
