/* SPDX-License-Identifier: MIT */
/*
 * members.c -- a fact's answer members, rendered once. Printing them through cJSON is
 * most of what rendering an answer costs (each string escaped, each object and link an
 * allocation), yet they depend only on the fact shown and the reader's language: the
 * engine picks the related questions in that language, and takes everything else from
 * the fact. A chat reply's links depend on which small talk matched, not on its id, so
 * chat replies are rendered every time. The table only grows until the knowledge base
 * changes: no eviction, as a knowledge base has a fixed number of facts.
 */
#include "members.h"

#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "util.h"

struct members_entry {
	char *fact;	  /* the fact's id; NULL for an empty slot */
	enum lang wanted; /* the reader's language */
	unsigned long long hash;
	char *json; /* proto_fact_members() */
};

int
members_init(struct members *m, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
	if (max == 0)
		return 0;
	/* At most half full, so that a probe ends soon. */
	for (m->nslots = 16; m->nslots < 2 * max; m->nslots *= 2)
		;
	if ((m->slots = calloc(m->nslots, sizeof(*m->slots))) == NULL) {
		m->nslots = 0;
		return -1;
	}
	return 0;
}

static unsigned long long
key_hash(const char *fact, enum lang wanted)
{
	unsigned char w = (unsigned char)wanted;

	return fnv1a(fnv1a(FNV_OFFSET, fact, strlen(fact)), &w, 1);
}

/* The slot holding (fact, wanted), or the empty slot where it belongs. */
static struct members_entry *
find(const struct members *m, const char *fact, enum lang wanted, unsigned long long h)
{
	size_t i = (size_t)h & (m->nslots - 1);
	struct members_entry *e;

	for (;; i = (i + 1) & (m->nslots - 1)) {
		e = &m->slots[i];
		if (e->fact == NULL ||
		    (e->hash == h && e->wanted == wanted && strcmp(e->fact, fact) == 0))
			return e;
	}
}

/* Renders a's members into the spare string, for an answer the table does not keep. */
static const char *
render_spare(struct members *m, const struct answer *a, const char *kb_version)
{
	free(m->spare);
	m->spare = proto_fact_members(a, kb_version);
	return m->spare;
}

const char *
members_of(struct members *m, const struct answer *a, const char *kb_version)
{
	struct members_entry *e;
	unsigned long long h;
	char *json, *fact;

	if (a->type != ANSWER_FACT || a->fact == NULL || m->nslots == 0)
		return render_spare(m, a, kb_version);
	h = key_hash(a->fact, a->wanted);
	e = find(m, a->fact, a->wanted, h);
	if (e->fact != NULL)
		return e->json;
	if (m->count >= m->max)
		return render_spare(m, a, kb_version);
	if ((json = proto_fact_members(a, kb_version)) == NULL)
		return NULL;
	if ((fact = strdup(a->fact)) == NULL) {
		free(json);
		return NULL;
	}
	*e = (struct members_entry){ fact, a->wanted, h, json };
	m->count++;
	return json;
}

void
members_clear(struct members *m)
{
	size_t i;

	for (i = 0; i < m->nslots; i++) {
		free(m->slots[i].fact);
		free(m->slots[i].json);
		m->slots[i].fact = m->slots[i].json = NULL;
	}
	m->count = 0;
	free(m->spare);
	m->spare = NULL;
}

void
members_free(struct members *m)
{
	members_clear(m);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
