/* SPDX-License-Identifier: MIT */
/*
 * members.h -- the JSON members of a fact's answer that no question changes (status,
 * sources, related questions, kb_version: about three quarters of an answer's bytes),
 * rendered once per fact and reader's language for the loaded knowledge base instead of
 * for every answer. A fixed number of them are kept; past that, each is rendered anew.
 */
#ifndef RULINGBOT_MEMBERS_H
#define RULINGBOT_MEMBERS_H

#include <stddef.h>

#include "engine.h"

/* How many facts' members a table keeps at most (both languages of the bundled
 * knowledge base several times over; a few MiB at most). */
#define MEMBERS_MAX 8192

struct members_entry;

/* The rendered members of the facts answered so far. */
struct members {
	struct members_entry *slots; /* open addressing, nslots a power of two */
	size_t nslots;
	size_t count; /* entries in use */
	size_t max;   /* entries kept at most */
	char *spare;  /* the last members rendered when the table was full */
};

/* Prepares an empty table keeping at most max entries (0: none; every call renders).
 * Returns 0, or -1 when out of memory. */
int members_init(struct members *m, size_t max);

/* Returns the members of a (a fact or chat answer from the engine) as
 * proto_fact_members() renders them with kb_version: kept from an earlier answer of the
 * same fact in the same reader's language, or rendered now. The string belongs to m and
 * stays valid until the next call or members_clear(). NULL when out of memory. */
const char *members_of(struct members *m, const struct answer *a, const char *kb_version);

/* Forgets every entry (a new knowledge base). This function can't fail. */
void members_clear(struct members *m);

/* Frees what m holds. This function can't fail. */
void members_free(struct members *m);

#endif
