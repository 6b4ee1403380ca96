/* SPDX-License-Identifier: MIT */
/*
 * indexstore.h -- struct index, the index in memory, and the few calculations on it that
 * both its halves need: index.c builds it and reads phrases off facts' tokens, search.c
 * ranks facts with it. Nothing else sees inside.
 */
#ifndef RULINGBOT_INDEXSTORE_H
#define RULINGBOT_INDEXSTORE_H

#include <math.h>
#include <stdint.h>

#include "index.h"
#include "util.h"

/* FTS5's bm25 constants (sqlite ext/fts5/fts5_aux.c). */
#define BM25_K1 1.2
#define BM25_B	0.75

struct index {
	uint32_t ndocs;			 /* facts, numbered 1..ndocs */
	double weight[INDEX_COLUMNS];	 /* bm25 column weights */
	double avgdl;			 /* tokens per fact, all columns */
	uint32_t nterms;		 /* terms */
	const char **term;		 /* their bytes, in order (NUL-terminated) */
	uint32_t *termlen;		 /* their lengths */
	struct postings_list *list;	 /* their postings */
	double *gmax;			 /* their highest frequency part in any fact */
	struct postings post;		 /* the postings of every term */
	uint32_t *fwd;			 /* every fact's tokens, as term ids */
	uint32_t *fwd_off;		 /* column c of fact d: fwd[fwd_off[3d+c]..[3d+c+1]) */
	double *length_part;		 /* fact d's index_length_part() */
	uint32_t *qrow_first;		 /* fact d's question rows: qrow_first[d]..[d+1] */
	uint32_t *qrow_start;		 /* a row's first token in fwd */
	uint32_t *qrow_end;		 /* one past its last */
	uint32_t nrows;			 /* question rows */
	struct index_qtok *qtok;	 /* each fact's question tokens, by term then place */
	uint32_t *qtok_first;		 /* fact d's: qtok[qtok_first[d]..[d+1]) */
	uint64_t *pair;			 /* every two-token phrase (first << 32 | second), sorted */
	struct postings_list *pair_list; /* their postings, in pair_post */
	double *pair_gmax;		 /* their highest frequency part in any fact */
	size_t npairs;			 /* entries in the three */
	struct postings pair_post;	 /* the postings of every pair */
	struct dense *dense;		 /* by term: facts at a glance, for common terms */
	struct memo *memo;		 /* phrases index_remember() counted */
	size_t nmemo;			 /* entries in memo */
	struct arena strings;		 /* the terms' bytes */
	size_t bytes;			 /* memory held, for index_bytes() */
};

/* A token of a fact's questions column, in its table sorted by term (the term itself is
 * read from the forward array, at its place). */
struct index_qtok {
	uint16_t pos; /* its place in the column (columns are at most INDEX_COLUMN_MAX) */
	uint16_t row; /* the fact's question row it is in */
};

/* A common term's facts, at a glance (dense.c); bits is NULL for the others. */
struct dense {
	uint64_t *bits;		      /* bit d: fact d uses the term */
	uint32_t *rank;		      /* rank[w]: bits set before word w */
	uint8_t (*tf)[INDEX_COLUMNS]; /* the counts of the facts that use it, in fact order */
};

/* A phrase counted ahead of searches. */
struct memo {
	int n;			       /* tokens */
	uint32_t id[INDEX_PHRASE_MAX]; /* their terms */
	uint32_t df;		       /* facts holding it */
};

/* The length part of bm25's denominator for a fact of D tokens, the same for every phrase
 * of a search in that fact: worked out once a fact, it saves a division a phrase. */
static inline double
index_length_part(const struct index *ix, double D)
{
	return BM25_K1 * (1 - BM25_B + BM25_B * D / ix->avgdl);
}

/* The frequency part of a phrase's bm25 score, without its idf, for weighted frequency f
 * in a fact whose length part is K: FTS5's expression, term for term. */
static inline double
index_freq_part_k(double f, double K)
{
	return (f * (BM25_K1 + 1.0)) / (f + K);
}

/* The same for a fact of D tokens. */
static inline double
index_freq_part(const struct index *ix, double f, double D)
{
	return index_freq_part_k(f, index_length_part(ix, D));
}

/* FTS5's idf for a phrase held by nhit of the index's facts. */
static inline double
index_idf(const struct index *ix, uint32_t nhit)
{
	double v = log(((double)((int64_t)ix->ndocs - nhit) + 0.5) / ((double)nhit + 0.5));

	return v <= 0.0 ? 1e-6 : v;
}

/* Returns fact doc's length in tokens, all columns. */
static inline uint32_t
index_doc_len(const struct index *ix, uint32_t doc)
{
	return ix->fwd_off[3 * doc + INDEX_COLUMNS] - ix->fwd_off[3 * doc];
}

/* Sums the column counts tf by weight, over the columns in mask. */
static inline double
index_weighted(const struct index *ix, const uint32_t *tf, unsigned mask)
{
	double f = 0;
	int c;

	if (mask == ~0u) /* the usual case, unrolled; the same sum, in the same order */
		return ix->weight[0] * tf[0] + ix->weight[1] * tf[1] + ix->weight[2] * tf[2];
	for (c = 0; c < INDEX_COLUMNS; c++)
		if ((mask >> c) & 1)
			f += ix->weight[c] * tf[c];
	return f;
}

/* Returns bit c set for each column c with a count. */
static inline uint8_t
index_column_mask(const uint32_t *tf)
{
	uint8_t mask = 0;
	int c;

	for (c = 0; c < INDEX_COLUMNS; c++)
		mask |= (uint8_t)((tf[c] > 0) << c);
	return mask;
}

/* Returns 1 when every token of p is one term (no prefix). */
static inline int
index_exact_ids(const struct index_phrase *p)
{
	int j;

	for (j = 0; j < p->n; j++)
		if (p->hi[j] != p->lo[j] + 1)
			return 0;
	return 1;
}

/* Counts phrase p in each column of fact doc that mask selects (the others get 0). */
void index_phrase_tf(const struct index *ix, const struct index_phrase *p, uint32_t doc,
		     unsigned mask, uint32_t tf[INDEX_COLUMNS]);

/* Returns how many facts hold p when that is known without reading them: one of its
 * terms' postings, the pair's, a phrase index_remember() counted; else -1. */
int64_t index_known_df(const struct index *ix, const struct index_phrase *p);

/* Gives the terms that many facts use their dense form (dense.c). Returns 0, or -1 when
 * out of memory. */
int dense_build(struct index *ix);

/* Frees the dense forms. This function can't fail. */
void dense_free(struct index *ix);

/* Returns the bits set in x. The compiler's builtin is a call into its runtime library
 * unless the target has the instruction, and the engine is built for any x86-64: this is
 * the same count in a dozen instructions, inline. */
static inline uint32_t
index_popcount(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (uint32_t)((x * 0x0101010101010101ULL) >> 56);
}

/* Looks term t up in fact d through its dense form (which it must have): returns 0 when
 * d does not use it, else 1 with its counts there in tf. */
static inline int
index_dense_at(const struct index *ix, uint32_t t, uint32_t d, uint32_t tf[INDEX_COLUMNS])
{
	const struct dense *s = &ix->dense[t];
	uint64_t word = s->bits[d >> 6], bit = 1ULL << (d & 63);
	uint32_t i;

	if (!(word & bit))
		return 0;
	i = s->rank[d >> 6] + index_popcount(word & (bit - 1));
	tf[0] = s->tf[i][0];
	tf[1] = s->tf[i][1];
	tf[2] = s->tf[i][2];
	return 1;
}

/* Builds the postings of every two-token phrase from the facts' tokens (pairs.c).
 * Returns 0, or -1 when out of memory. */
int pairs_build(struct index *ix);

/* Returns the number of the pair (a, b) in ix->pair, or -1 when no fact holds it. */
long pairs_find(const struct index *ix, uint32_t a, uint32_t b);

#endif
