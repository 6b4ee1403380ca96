/* SPDX-License-Identifier: MIT */
/*
 * pairs.c -- postings for every two-token phrase of the facts, built once from their
 * tokens. A question's word pairs ("federal funding", "the judge") and its synonyms of
 * several words are phrases; to score one, bm25 needs how many facts hold it and where.
 * Through the words' own postings that means reading every fact that has both words, and
 * common words are in most facts: with the pair's own postings, a phrase costs what a rare
 * word costs. Longer phrases are read from their rarest pair.
 *
 * Two passes over the facts, in order: the first counts each pair's facts and the bytes
 * its entries will take, the second writes every entry straight into its place. Nothing
 * is sorted but the distinct pairs, and nothing is allocated per entry. The table that
 * tells a pair's slot from its two terms lives only while the lists are built.
 */
#include <stdlib.h>
#include <string.h>

#include "indexstore.h"

/* A distinct pair, while the lists are built. */
struct slot {
	uint64_t key;		    /* (first << 32 | second) + 1; 0 for an empty slot */
	uint32_t df;		    /* facts counted (pass 1), written (pass 2) */
	uint32_t last;		    /* the fact being read */
	uint32_t prev;		    /* the last fact given an entry */
	uint32_t at;		    /* pass 1: bytes of its entries; pass 2: the next one's place */
	uint32_t list;		    /* its number among the sorted pairs */
	uint16_t tf[INDEX_COLUMNS]; /* its counts in the fact being read */
};

/* Open addressing on the pair's key. */
struct table {
	struct slot *slot; /* the slots */
	size_t cap, n;	   /* slots (a power of two); used */
};

static size_t
slot_of(const struct table *t, uint64_t key)
{
	size_t s = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 17) & (t->cap - 1);

	while (t->slot[s].key != 0 && t->slot[s].key != key)
		s = (s + 1) & (t->cap - 1);
	return s;
}

static int
grow(struct table *t)
{
	struct table bigger = { NULL, t->cap ? t->cap * 2 : 1 << 12, t->n };
	size_t i;

	if ((bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++)
		if (t->slot[i].key != 0)
			bigger.slot[slot_of(&bigger, t->slot[i].key)] = t->slot[i];
	free(t->slot);
	*t = bigger;
	return 0;
}

/* Returns the slot of the pair (a, b), adding it when add is 1 (the table has room: see
 * read_fact); NULL when, not adding, it is not there. */
static struct slot *
find(struct table *t, uint32_t a, uint32_t b, int add)
{
	uint64_t key = ((uint64_t)a << 32 | b) + 1;
	struct slot *s = &t->slot[slot_of(t, key)];

	if (s->key == 0) {
		if (!add)
			return NULL;
		s->key = key;
		t->n++;
	}
	return s;
}

/* What the passes share. */
struct reading {
	struct index *ix;
	struct table t;
	struct slot **touched; /* the pairs of the fact being read */
	size_t ntouched;
	int writing; /* 0: counting (pass 1); 1: writing (pass 2) */
};

/* Gives each pair of fact d its counts there, and lists the pairs d holds. */
static int
read_fact(struct reading *r, uint32_t d)
{
	const struct index *ix = r->ix;
	uint32_t p, end;
	struct slot *s;
	int c;

	r->ntouched = 0;
	/* Room for every pair of the fact first: the slots listed in touched must not move. */
	while (!r->writing && (r->t.n + index_doc_len(ix, d)) * 4 > r->t.cap * 3)
		if (grow(&r->t) == -1)
			return -1;
	for (c = 0; c < INDEX_COLUMNS; c++) {
		end = ix->fwd_off[3 * d + (uint32_t)c + 1];
		for (p = ix->fwd_off[3 * d + (uint32_t)c]; p + 1 < end; p++) {
			if ((s = find(&r->t, ix->fwd[p], ix->fwd[p + 1], !r->writing)) == NULL)
				return -1;
			if (s->last != d) {
				s->last = d;
				memset(s->tf, 0, sizeof(s->tf));
				r->touched[r->ntouched++] = s;
			}
			s->tf[c]++;
		}
	}
	return 0;
}

/* Pass 1 for fact d: counts the fact for its pairs, and the bytes of their entries. */
static void
count_fact(struct reading *r, uint32_t d)
{
	unsigned char entry[5 * (INDEX_COLUMNS + 1)];
	uint32_t tf[INDEX_COLUMNS];
	size_t i;
	int c;

	for (i = 0; i < r->ntouched; i++) {
		struct slot *s = r->touched[i];

		for (c = 0; c < INDEX_COLUMNS; c++)
			tf[c] = s->tf[c];
		s->at += (uint32_t)postings_entry(entry, d - s->prev, tf);
		s->prev = d;
		s->df++;
	}
}

/* Pass 2 for fact d: writes the entries of its pairs in their places. */
static void
write_fact(struct reading *r, uint32_t d)
{
	struct index *ix = r->ix;
	uint32_t tf[INDEX_COLUMNS];
	double g;
	size_t i;
	int c;

	for (i = 0; i < r->ntouched; i++) {
		struct slot *s = r->touched[i];
		struct postings_list *l = &ix->pair_list[s->list];

		for (c = 0; c < INDEX_COLUMNS; c++)
			tf[c] = s->tf[c];
		if (s->df > 0 && s->df % POSTINGS_BLOCK == 0) {
			struct postings_skip *k =
				&ix->pair_post.skips[l->skip + s->df / POSTINGS_BLOCK - 1];

			k->base = s->prev;
			k->off = s->at - l->off;
		}
		s->at += (uint32_t)postings_entry((unsigned char *)ix->pair_post.bytes.data + s->at,
						  d - s->prev, tf);
		s->prev = d;
		s->df++;
		g = index_freq_part(ix, index_weighted(ix, tf, ~0u), index_doc_len(ix, d));
		if (g > ix->pair_gmax[s->list])
			ix->pair_gmax[s->list] = g;
	}
}

static int
cmp_slot(const void *a, const void *b)
{
	uint64_t x = (*(struct slot *const *)a)->key, y = (*(struct slot *const *)b)->key;

	return (x > y) - (x < y);
}

/* Lays the lists out in pair order, and sets every slot up for pass 2. */
static int
lay_out(struct reading *r)
{
	struct index *ix = r->ix;
	struct slot **order;
	size_t i, k = 0, bytes = 0, skips = 0;

	if ((order = malloc((r->t.n ? r->t.n : 1) * sizeof(*order))) == NULL)
		return -1;
	for (i = 0; i < r->t.cap; i++)
		if (r->t.slot[i].key != 0)
			order[k++] = &r->t.slot[i];
	qsort(order, k, sizeof(*order), cmp_slot);
	ix->pair = malloc((k ? k : 1) * sizeof(*ix->pair));
	ix->pair_list = malloc((k ? k : 1) * sizeof(*ix->pair_list));
	ix->pair_gmax = calloc(k ? k : 1, sizeof(*ix->pair_gmax));
	if (ix->pair == NULL || ix->pair_list == NULL || ix->pair_gmax == NULL) {
		free(order);
		return -1;
	}
	for (i = 0; i < k; i++) {
		struct slot *s = order[i];

		ix->pair[i] = s->key - 1;
		ix->pair_list[i] =
			(struct postings_list){ (uint32_t)bytes, s->at, s->df, (uint32_t)skips,
						(s->df - 1) / POSTINGS_BLOCK };
		bytes += s->at;
		skips += (s->df - 1) / POSTINGS_BLOCK;
		s->list = (uint32_t)i;
		s->at = (uint32_t)(bytes - s->at);
		s->prev = 0;
		s->df = 0;
		s->last = 0;
	}
	ix->npairs = k;
	free(order);
	return bytes >= UINT32_MAX ? -1 : postings_presize(&ix->pair_post, bytes, skips);
}

int
pairs_build(struct index *ix)
{
	struct reading r = { ix, { NULL, 0, 0 }, NULL, 0, 0 };
	uint32_t d, longest = 0;
	int rc = grow(&r.t);

	for (d = 1; d <= ix->ndocs; d++)
		if (index_doc_len(ix, d) > longest)
			longest = index_doc_len(ix, d);
	if (rc == 0 && (r.touched = malloc((longest ? longest : 1) * sizeof(*r.touched))) == NULL)
		rc = -1;
	for (d = 1; rc == 0 && d <= ix->ndocs; d++)
		if ((rc = read_fact(&r, d)) == 0)
			count_fact(&r, d);
	if (rc == 0)
		rc = lay_out(&r);
	r.writing = 1;
	for (d = 1; rc == 0 && d <= ix->ndocs; d++)
		if ((rc = read_fact(&r, d)) == 0)
			write_fact(&r, d);
	ix->bytes +=
		ix->npairs * (sizeof(*ix->pair) + sizeof(*ix->pair_list) + sizeof(*ix->pair_gmax)) +
		ix->pair_post.bytes.cap + ix->pair_post.nskips * sizeof(struct postings_skip);
	free(r.t.slot);
	free(r.touched);
	return rc;
}

long
pairs_find(const struct index *ix, uint32_t a, uint32_t b)
{
	uint64_t key = (uint64_t)a << 32 | b;
	size_t lo = 0, hi = ix->npairs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ix->pair[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->npairs && ix->pair[lo] == key ? (long)lo : -1;
}
