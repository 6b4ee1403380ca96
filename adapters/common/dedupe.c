/* SPDX-License-Identifier: MIT */
/*
 * dedupe.c -- a chained hash table of keys plus a FIFO of the same entries in the order
 * they were added. Every key lives the same time, so the oldest entry is always at the
 * head of the FIFO: expiring is popping from the head, in constant time per key.
 */
#include "dedupe.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct entry {
	struct entry *chain; /* next in the same hash bucket */
	struct entry *newer; /* the entry added next after this one */
	long long added_ms;  /* when it was added */
	unsigned long long hash;
	char key[];
};

struct dedupe {
	struct entry **buckets;
	size_t nbuckets;	   /* a power of two */
	struct entry *head, *tail; /* oldest, newest */
	size_t count, max_keys;
	long long ttl_ms;
};

struct dedupe *
dedupe_new(long long ttl_ms, size_t max_keys)
{
	struct dedupe *d = calloc(1, sizeof(*d));
	size_t n = 64;

	if (d == NULL)
		return NULL;
	while (n < max_keys && n < ((size_t)1 << 20))
		n *= 2;
	if ((d->buckets = calloc(n, sizeof(*d->buckets))) == NULL) {
		free(d);
		return NULL;
	}
	d->nbuckets = n;
	d->ttl_ms = ttl_ms;
	d->max_keys = max_keys ? max_keys : 1;
	return d;
}

void
dedupe_free(struct dedupe *d)
{
	struct entry *e, *next;

	if (d == NULL)
		return;
	for (e = d->head; e != NULL; e = next) {
		next = e->newer;
		free(e);
	}
	free(d->buckets);
	free(d);
}

/* Unlinks and frees the oldest entry. */
static void
drop_oldest(struct dedupe *d)
{
	struct entry *e = d->head, **pp;

	for (pp = &d->buckets[e->hash & (d->nbuckets - 1)]; *pp != e; pp = &(*pp)->chain)
		;
	*pp = e->chain;
	d->head = e->newer;
	if (d->head == NULL)
		d->tail = NULL;
	d->count--;
	free(e);
}

static void
expire(struct dedupe *d, long long now_ms)
{
	while (d->head != NULL && now_ms - d->head->added_ms >= d->ttl_ms)
		drop_oldest(d);
}

static struct entry *
find(struct dedupe *d, const char *key, unsigned long long h)
{
	struct entry *e;

	for (e = d->buckets[h & (d->nbuckets - 1)]; e != NULL; e = e->chain)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

int
dedupe_contains(struct dedupe *d, const char *key, long long now_ms)
{
	expire(d, now_ms);
	return find(d, key, fnv1a(FNV_OFFSET, key, strlen(key))) != NULL;
}

int
dedupe_seen(struct dedupe *d, const char *key, long long now_ms)
{
	size_t len = strlen(key);
	unsigned long long h = fnv1a(FNV_OFFSET, key, len);
	struct entry *e, **bucket;

	expire(d, now_ms);
	if (find(d, key, h) != NULL)
		return 1;
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL)
		return -1;
	memcpy(e->key, key, len + 1);
	e->hash = h;
	e->added_ms = now_ms;
	e->newer = NULL;
	bucket = &d->buckets[h & (d->nbuckets - 1)];
	e->chain = *bucket;
	*bucket = e;
	if (d->tail != NULL)
		d->tail->newer = e;
	else
		d->head = e;
	d->tail = e;
	if (++d->count > d->max_keys)
		drop_oldest(d);
	return 0;
}

size_t
dedupe_count(const struct dedupe *d)
{
	return d->count;
}
