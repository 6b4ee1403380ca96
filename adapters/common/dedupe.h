/* SPDX-License-Identifier: MIT */
/*
 * dedupe.h -- "have I seen this before?" for a while: a set of keys (event ids,
 * channel+timestamp pairs) each forgotten a fixed time after it was added, and bounded
 * in size, so that a flood of distinct keys cannot grow it without end.
 */
#ifndef RULINGBOT_DEDUPE_H
#define RULINGBOT_DEDUPE_H

#include <stddef.h>

struct dedupe;

/* A set whose keys live ttl_ms, at most max_keys at once (the oldest go first).
 * Returns NULL when out of memory. */
struct dedupe *dedupe_new(long long ttl_ms, size_t max_keys);

/* Frees d; accepts NULL. This function can't fail. */
void dedupe_free(struct dedupe *d);

/* Adds key at time now_ms unless it is there. Returns 1 when it was already there (a
 * duplicate), 0 when added, -1 when out of memory (treated by callers as new). */
int dedupe_seen(struct dedupe *d, const char *key, long long now_ms);

/* Returns 1 when key is there at time now_ms, without adding it. */
int dedupe_contains(struct dedupe *d, const char *key, long long now_ms);

/* Number of keys held now (for tests). */
size_t dedupe_count(const struct dedupe *d);

#endif
