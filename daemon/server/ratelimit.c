/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.c -- token buckets and the client table. A bucket refills lazily, when it is
 * next used, so idle clients cost nothing; the table is a chained hash keyed by address.
 */
#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void
refill(struct bucket *b, double rate, double burst, long long now)
{
	if (now > b->last) {
		b->tokens += rate * (double)(now - b->last) / 1e9;
		if (b->tokens > burst)
			b->tokens = burst;
		b->last = now;
	}
}

void
bucket_init(struct bucket *b, double burst, long long now)
{
	b->tokens = burst;
	b->last = now;
}

long
bucket_take(struct bucket *b, double rate, double burst, long long now)
{
	long wait;

	refill(b, rate, burst, now);
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	wait = (long)((1.0 - b->tokens) / rate * 1000.0 + 0.999);
	return wait > 0 ? wait : 1;
}

int
clients_init(struct clients *t, size_t nslots)
{
	t->nslots = nslots;
	t->count = 0;
	t->slots = calloc(nslots, sizeof(*t->slots));
	return t->slots ? 0 : -1;
}

void
clients_free(struct clients *t)
{
	struct client *c, *next;
	size_t i;

	for (i = 0; t->slots && i < t->nslots; i++)
		for (c = t->slots[i]; c; c = next) {
			next = c->next;
			free(c);
		}
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

struct client *
clients_get(struct clients *t, const char *addr, double burst, long long now)
{
	size_t slot = fnv1a(FNV_OFFSET, addr, strlen(addr)) % t->nslots;
	struct client *c;

	for (c = t->slots[slot]; c; c = c->next)
		if (strcmp(c->addr, addr) == 0)
			return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	bucket_init(&c->bucket, burst, now);
	c->next = t->slots[slot];
	t->slots[slot] = c;
	t->count++;
	return c;
}

size_t
clients_prune(struct clients *t, double rate, double burst, long long now)
{
	struct client **pp, *c;
	size_t i, dropped = 0;

	for (i = 0; i < t->nslots; i++) {
		for (pp = &t->slots[i]; (c = *pp) != NULL;) {
			refill(&c->bucket, rate, burst, now);
			if (c->conns == 0 && c->bucket.tokens >= burst) {
				*pp = c->next;
				free(c);
				dropped++;
				continue;
			}
			pp = &c->next;
		}
	}
	t->count -= dropped;
	return dropped;
}
