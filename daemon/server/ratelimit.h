/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h -- what keeps one client from taking more than its share: a token bucket for
 * questions, and a table of client addresses with their connection counts and their own
 * bucket for HTTP questions. No network, no clock of its own: callers pass the time.
 */
#ifndef RULINGBOT_RATELIMIT_H
#define RULINGBOT_RATELIMIT_H

#include <stddef.h>

/* A token bucket: up to burst tokens, refilled at rate per second. */
struct bucket {
	double tokens;	/* tokens left */
	long long last; /* time of the last refill, in nanoseconds */
};

/* Fills b to burst at time now (ns). This function can't fail. */
void bucket_init(struct bucket *b, double burst, long long now);

/* Takes a token at time now. Returns 0 when there was one, else the milliseconds until
 * there will be (at least 1). This function can't fail. */
long bucket_take(struct bucket *b, double rate, double burst, long long now);

/* A client address and what is known about it. */
struct client {
	char addr[64];	      /* numeric address */
	long conns;	      /* connections open, from accept to close */
	struct bucket bucket; /* HTTP questions */
	struct client *next;  /* next in its hash chain */
};

/* Client addresses, by address. */
struct clients {
	struct client **slots; /* hash chains */
	size_t nslots;	       /* chains */
	size_t count;	       /* clients held */
};

/* Sets t empty. Returns 0, or -1 when out of memory. */
int clients_init(struct clients *t, size_t nslots);

/* Frees every client of t. This function can't fail. */
void clients_free(struct clients *t);

/* Returns the entry for addr, creating it (with a full bucket of burst at time now)
 * when there is none; NULL when out of memory. */
struct client *clients_get(struct clients *t, const char *addr, double burst, long long now);

/* Drops entries with no connection whose bucket has refilled: nothing to remember.
 * Returns how many were dropped. This function can't fail. */
size_t clients_prune(struct clients *t, double rate, double burst, long long now);

#endif
