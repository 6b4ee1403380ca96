/* SPDX-License-Identifier: MIT */
/*
 * rooms.h -- how many members each room has, as last heard: a message that does not
 * name the bot is answered only in a two-person room (a direct chat). Counts come from
 * /sync's room summaries when they change, or from the homeserver when unknown; they are
 * forgotten as soon as someone joins or leaves, and trusted for a while only, in case a
 * change was missed.
 */
#ifndef RULINGBOT_MATRIX_ROOMS_H
#define RULINGBOT_MATRIX_ROOMS_H

#include <stddef.h>

struct rooms;

/* A table whose counts are trusted for ttl_ms. Returns NULL when out of memory. */
struct rooms *rooms_new(long long ttl_ms);

/* Frees r; accepts NULL. This function can't fail. */
void rooms_free(struct rooms *r);

/* Records that room has joined members at time now_ms. Returns 0, or -1 when out of
 * memory (the count is then simply not known). */
int rooms_set(struct rooms *r, const char *room, long joined, long long now_ms);

/* Forgets the count for room (someone joined or left): it is unknown until set again.
 * This function can't fail. */
void rooms_forget(struct rooms *r, const char *room);

/* The count for room if it was heard within the ttl before now_ms, else -1. */
long rooms_get(struct rooms *r, const char *room, long long now_ms);

/* Rooms known (for tests). */
size_t rooms_count(const struct rooms *r);

#endif
