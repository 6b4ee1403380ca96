/* SPDX-License-Identifier: MIT */
/*
 * rooms.c -- a chained hash table of room ids. A bot sits in tens or thousands of rooms,
 * not millions, and a room it has left costs a few bytes, so entries are never removed.
 */
#include "rooms.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BUCKETS 1024

struct room {
	struct room *next;
	long joined;	    /* members, or -1 once forgotten */
	long long heard_ms; /* when joined was set */
	char id[];
};

struct rooms {
	long long ttl_ms;
	size_t count;
	struct room *bucket[BUCKETS];
};

struct rooms *
rooms_new(long long ttl_ms)
{
	struct rooms *r = calloc(1, sizeof(*r));

	if (r != NULL)
		r->ttl_ms = ttl_ms;
	return r;
}

void
rooms_free(struct rooms *r)
{
	struct room *e, *next;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < BUCKETS; i++)
		for (e = r->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(r);
}

static struct room **
slot(struct rooms *r, const char *room)
{
	struct room **pp = &r->bucket[fnv1a(FNV_OFFSET, room, strlen(room)) % BUCKETS];

	while (*pp != NULL && strcmp((*pp)->id, room) != 0)
		pp = &(*pp)->next;
	return pp;
}

int
rooms_set(struct rooms *r, const char *room, long joined, long long now_ms)
{
	struct room **pp = slot(r, room), *e = *pp;
	size_t n = strlen(room);

	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e) + n + 1)) == NULL)
			return -1;
		memcpy(e->id, room, n + 1);
		*pp = e;
		r->count++;
	}
	e->joined = joined;
	e->heard_ms = now_ms;
	return 0;
}

void
rooms_forget(struct rooms *r, const char *room)
{
	struct room *e = *slot(r, room);

	if (e != NULL)
		e->joined = -1;
}

long
rooms_get(struct rooms *r, const char *room, long long now_ms)
{
	struct room *e = *slot(r, room);

	return e != NULL && now_ms - e->heard_ms < r->ttl_ms ? e->joined : -1;
}

size_t
rooms_count(const struct rooms *r)
{
	return r->count;
}
