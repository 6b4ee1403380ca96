/* SPDX-License-Identifier: MIT */
/*
 * index.c -- the in-memory index: built once from the FTS5 index, then only read.
 *
 * What it holds:
 *   - the terms, in byte order (so the terms a prefix starts are a range of ids), and
 *     each term's postings (postings.c) and its highest possible bm25 part;
 *   - every fact's tokens as term ids, column after column ("forward"): a phrase is
 *     matched by reading a fact's tokens, which is also how the columns a phrase was
 *     found in and a question row's coverage are told;
 *   - how many facts hold each two-token phrase that two or more facts hold, counted once
 *     here, since bm25's idf needs it and counting at search time reads every fact that
 *     has both words; and the same for phrases index_remember() was given.
 *
 * Scoring is FTS5's bm25() (sqlite ext/fts5/fts5_aux.c), term for term: for each phrase
 * i of the query, idf_i = ln((N - n_i + 0.5) / (n_i + 0.5)), at least 1e-6, where n_i
 * facts of all N hold it; f_i = the sum over its occurrences in a fact of its column's
 * weight; D = the fact's tokens in all columns, avgdl their mean; and
 *   score = sum over i of idf_i * (f_i * (k1 + 1)) / (f_i + k1 * (1 - b + b * D / avgdl))
 * with k1 = 1.2 and b = 0.75, summed in query order. That is BM25F with one length
 * normalisation for the whole fact: a column's weight multiplies its term counts before
 * they saturate.
 *
 * Top-k is MaxScore (Turtle and Flood, 1995): each phrase's part can be no more than its
 * idf times the most its frequency part reaches in any fact. Phrases sorted by that bound,
 * those whose bounds together cannot lift a fact above the k-th best score so far are
 * "non-essential": facts are found from the others' postings only, and the non-essential
 * phrases are looked up only for facts that can still make it, best bound first, stopping
 * as soon as they can't. Rare phrases carry the high bounds, so the postings of common
 * words are read only where a rare one already matched.
 */
#include "index.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BM25_K1 1.2
#define BM25_B	0.75
/* Facts scored between two looks at the clock. */
#define DEADLINE_EVERY 512

struct index {
	uint32_t ndocs;			/* facts, numbered 1..ndocs */
	double weight[INDEX_COLUMNS];	/* bm25 column weights */
	double avgdl;			/* tokens per fact, all columns */
	uint32_t nterms;		/* terms */
	const char **term;		/* their bytes, in order (NUL-terminated) */
	uint32_t *termlen;		/* their lengths */
	struct postings_list *list;	/* their postings */
	double *gmax;			/* their highest frequency part in any fact */
	struct postings post;		/* the postings of every term */
	uint32_t *fwd;			/* every fact's tokens, as term ids */
	uint32_t *fwd_off;		/* column c of fact d: fwd[fwd_off[3d+c]..[3d+c+1]) */
	uint32_t *qrow_first;		/* fact d's question rows: qrow_first[d]..[d+1] */
	uint32_t *qrow_start;		/* a row's first token in fwd */
	uint32_t *qrow_end;		/* one past its last */
	uint32_t nrows;			/* question rows */
	uint64_t *bigram;		/* two-token phrases held by 2+ facts, sorted */
	uint32_t *bigram_df;		/* how many facts hold each */
	size_t nbigrams;		/* entries in both */
	struct memo *memo;		/* phrases index_remember() counted */
	size_t nmemo;			/* entries in memo */
	struct arena strings;		/* the terms' bytes */
	size_t bytes;			/* memory held, for index_bytes() */
};

/* A phrase counted ahead of searches. */
struct memo {
	int n;				/* tokens */
	uint32_t id[INDEX_PHRASE_MAX]; /* their terms */
	uint32_t df;			/* facts holding it */
};

struct index_builder {
	struct index *ix;		 /* what is being built */
	uint32_t *len;			 /* column lengths, 3 per fact, until terms start */
	uint32_t *qdoc, *qlen;		 /* question rows given: fact and length */
	size_t nq, capq;		 /* entries in qdoc and qlen; allocated */
	size_t capterms;		 /* entries allocated in the term arrays */
	int terms_started;		 /* 1 once the first term came */
	struct postings_writer w;	 /* the current term's list */
	uint32_t doc;			 /* the fact being counted for it, 0 for none */
	uint32_t tf[INDEX_COLUMNS];	 /* its counts in that fact */
	uint32_t last_col, last_pos;	 /* the last place added, to check the order */
	char err[160];			 /* the first problem, empty when none */
};

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The frequency part of a phrase's bm25 score, without its idf. */
static double
freq_part(const struct index *ix, double f, double D)
{
	return (f * (BM25_K1 + 1.0)) / (f + BM25_K1 * (1 - BM25_B + BM25_B * D / ix->avgdl));
}

/* FTS5's idf for a phrase held by nhit of the index's facts. */
static double
idf(const struct index *ix, uint32_t nhit)
{
	double v = log(((double)((int64_t)ix->ndocs - nhit) + 0.5) / ((double)nhit + 0.5));

	return v <= 0.0 ? 1e-6 : v;
}

static uint32_t
doc_len(const struct index *ix, uint32_t doc)
{
	return ix->fwd_off[3 * doc + INDEX_COLUMNS] - ix->fwd_off[3 * doc];
}

/* Sums the column counts tf by weight, over the columns in mask. */
static double
weighted(const struct index *ix, const uint32_t *tf, unsigned mask)
{
	double f = 0;
	int c;

	for (c = 0; c < INDEX_COLUMNS; c++)
		if ((mask >> c) & 1)
			f += ix->weight[c] * tf[c];
	return f;
}

static int
fail(struct index_builder *b, const char *what)
{
	if (b->err[0] == '\0')
		snprintf(b->err, sizeof(b->err), "%s", what);
	return -1;
}

struct index_builder *
index_builder_new(uint32_t ndocs, const double weight[INDEX_COLUMNS])
{
	struct index_builder *b = calloc(1, sizeof(*b));

	if (b == NULL || (b->ix = calloc(1, sizeof(*b->ix))) == NULL ||
	    (b->len = calloc(3 * ((size_t)ndocs + 1), sizeof(*b->len))) == NULL) {
		index_builder_free(b);
		return NULL;
	}
	b->ix->ndocs = ndocs;
	memcpy(b->ix->weight, weight, sizeof(b->ix->weight));
	arena_init(&b->ix->strings);
	postings_init(&b->ix->post);
	return b;
}

void
index_builder_free(struct index_builder *b)
{
	if (b == NULL)
		return;
	index_free(b->ix);
	free(b->len);
	free(b->qdoc);
	free(b->qlen);
	free(b);
}

const char *
index_builder_error(const struct index_builder *b)
{
	return b->err[0] != '\0' ? b->err : NULL;
}

int
index_builder_length(struct index_builder *b, uint32_t doc, int col, uint32_t len)
{
	if (b->terms_started)
		return fail(b, "a column length after the terms");
	if (doc < 1 || doc > b->ix->ndocs || col < 0 || col >= INDEX_COLUMNS)
		return fail(b, "a column length for no such fact or column");
	b->len[3 * doc + (uint32_t)col] = len;
	return 0;
}

int
index_builder_question(struct index_builder *b, uint32_t doc, uint32_t len)
{
	size_t cap;
	uint32_t *d, *l;

	if (b->terms_started || doc < 1 || doc > b->ix->ndocs ||
	    (b->nq > 0 && doc < b->qdoc[b->nq - 1]))
		return fail(b, "question rows out of order");
	if (b->nq == b->capq) {
		cap = b->capq ? b->capq * 2 : 1024;
		if ((d = realloc(b->qdoc, cap * sizeof(*d))) == NULL)
			return fail(b, "out of memory");
		b->qdoc = d;
		if ((l = realloc(b->qlen, cap * sizeof(*l))) == NULL)
			return fail(b, "out of memory");
		b->qlen = l;
		b->capq = cap;
	}
	b->qdoc[b->nq] = doc;
	b->qlen[b->nq] = len;
	b->nq++;
	return 0;
}

/* Lays out the forward array from the column lengths, every slot unfilled. */
static int
start_terms(struct index_builder *b)
{
	struct index *ix = b->ix;
	size_t i, n = 3 * ((size_t)ix->ndocs + 1), total = 0;

	b->terms_started = 1;
	if ((ix->fwd_off = malloc((n + 1) * sizeof(*ix->fwd_off))) == NULL)
		return fail(b, "out of memory");
	for (i = 0; i < n; i++) {
		ix->fwd_off[i] = (uint32_t)total;
		total += b->len[i];
		if (total >= UINT32_MAX)
			return fail(b, "too many tokens");
	}
	ix->fwd_off[n] = (uint32_t)total;
	if ((ix->fwd = malloc((total ? total : 1) * sizeof(*ix->fwd))) == NULL)
		return fail(b, "out of memory");
	memset(ix->fwd, 0xff, total * sizeof(*ix->fwd)); /* INDEX_NONE everywhere */
	ix->avgdl = ix->ndocs ? (double)total / (double)ix->ndocs : 1.0;
	if (ix->avgdl <= 0)
		ix->avgdl = 1.0;
	ix->bytes += (n + 1 + total) * sizeof(uint32_t);
	return 0;
}

/* Writes the current term's counts for the fact being counted. */
static int
flush_doc(struct index_builder *b)
{
	struct index *ix = b->ix;
	double g;

	if (b->doc == 0)
		return 0;
	if (postings_add(&ix->post, &b->w, b->doc, b->tf) == -1)
		return fail(b, "out of memory");
	g = freq_part(ix, weighted(ix, b->tf, ~0u), doc_len(ix, b->doc));
	if (g > ix->gmax[ix->nterms - 1])
		ix->gmax[ix->nterms - 1] = g;
	b->doc = 0;
	memset(b->tf, 0, sizeof(b->tf));
	return 0;
}

/* Closes the current term's list. */
static int
end_term(struct index_builder *b)
{
	struct index *ix = b->ix;

	if (ix->nterms == 0)
		return 0;
	if (flush_doc(b) == -1)
		return -1;
	ix->list[ix->nterms - 1] = b->w.list;
	return 0;
}

static int
grow_terms(struct index_builder *b)
{
	struct index *ix = b->ix;
	size_t cap = b->capterms ? b->capterms * 2 : 1024;
	void *p;

	if ((p = realloc(ix->term, cap * sizeof(*ix->term))) == NULL)
		return -1;
	ix->term = p;
	if ((p = realloc(ix->termlen, cap * sizeof(*ix->termlen))) == NULL)
		return -1;
	ix->termlen = p;
	if ((p = realloc(ix->list, cap * sizeof(*ix->list))) == NULL)
		return -1;
	ix->list = p;
	if ((p = realloc(ix->gmax, cap * sizeof(*ix->gmax))) == NULL)
		return -1;
	ix->gmax = p;
	b->capterms = cap;
	return 0;
}

/* Compares the byte strings a (na bytes) and b (nb) as FTS5 orders its terms. */
static int
term_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	return c != 0 ? c : (na > nb) - (na < nb);
}

int
index_builder_term(struct index_builder *b, const char *term, size_t n)
{
	struct index *ix = b->ix;
	uint32_t id = ix->nterms;
	char *copy;

	if (b->err[0] != '\0')
		return -1;
	if (!b->terms_started && start_terms(b) == -1)
		return -1;
	if (end_term(b) == -1)
		return -1;
	if (n == 0 || memchr(term, '\0', n) != NULL)
		return fail(b, "an empty term, or one with a NUL byte");
	if (id > 0 && term_cmp(ix->term[id - 1], ix->termlen[id - 1], term, n) >= 0)
		return fail(b, "terms out of order");
	if (id == UINT32_MAX - 1 || (id == b->capterms && grow_terms(b) == -1) ||
	    (copy = arena_strndup(&ix->strings, term, n)) == NULL)
		return fail(b, "out of memory");
	ix->term[id] = copy;
	ix->termlen[id] = (uint32_t)n;
	ix->gmax[id] = 0;
	ix->nterms++;
	postings_begin(&ix->post, &b->w);
	b->last_col = 0;
	b->last_pos = 0;
	return 0;
}

int
index_builder_add(struct index_builder *b, uint32_t doc, int col, uint32_t pos)
{
	struct index *ix = b->ix;
	uint32_t slot;

	if (b->err[0] != '\0')
		return -1;
	if (ix->nterms == 0)
		return fail(b, "a place before any term");
	if (doc < 1 || doc > ix->ndocs || col < 0 || col >= INDEX_COLUMNS)
		return fail(b, "a place in no such fact or column");
	if (pos >= ix->fwd_off[3 * doc + (uint32_t)col + 1] - ix->fwd_off[3 * doc + (uint32_t)col])
		return fail(b, "a place beyond its column's length");
	if (doc < b->doc ||
	    (doc == b->doc && ((uint32_t)col < b->last_col ||
			       ((uint32_t)col == b->last_col && pos <= b->last_pos &&
				b->tf[col] > 0))))
		return fail(b, "a term's places out of order");
	slot = ix->fwd_off[3 * doc + (uint32_t)col] + pos;
	if (ix->fwd[slot] != INDEX_NONE)
		return fail(b, "two terms at one place");
	ix->fwd[slot] = ix->nterms - 1;
	if (doc != b->doc && flush_doc(b) == -1)
		return -1;
	b->doc = doc;
	b->tf[col]++;
	b->last_col = (uint32_t)col;
	b->last_pos = pos;
	return 0;
}

/* Lays out the question rows: each fact's rows cut its questions column in order. */
static int
build_rows(struct index_builder *b)
{
	struct index *ix = b->ix;
	uint32_t d, r = 0, at;

	ix->nrows = (uint32_t)b->nq;
	ix->qrow_first = malloc(((size_t)ix->ndocs + 2) * sizeof(*ix->qrow_first));
	ix->qrow_start = malloc((b->nq + 1) * sizeof(*ix->qrow_start));
	ix->qrow_end = malloc((b->nq + 1) * sizeof(*ix->qrow_end));
	if (ix->qrow_first == NULL || ix->qrow_start == NULL || ix->qrow_end == NULL)
		return fail(b, "out of memory");
	for (d = 0; d <= ix->ndocs; d++) {
		ix->qrow_first[d] = r;
		at = ix->fwd_off[3 * d];
		for (; r < b->nq && b->qdoc[r] == d; r++) {
			ix->qrow_start[r] = at;
			at += b->qlen[r];
			ix->qrow_end[r] = at;
		}
		if (at != ix->fwd_off[3 * d + 1])
			return fail(b, "question rows that do not make up their questions column");
	}
	ix->qrow_first[ix->ndocs + 1] = r;
	ix->bytes += ((size_t)ix->ndocs + 2 + 2 * (b->nq + 1)) * sizeof(uint32_t);
	return 0;
}

/* The two-token phrase counter: open addressing on the pair of term ids. */
struct pair_table {
	uint64_t *key;	   /* (first << 32 | second) + 1; 0 for an empty slot */
	uint32_t *df;	   /* facts holding the pair */
	uint32_t *last;	   /* the last fact counted for it */
	size_t cap, n;	   /* slots (a power of two); used */
};

static size_t
pair_slot(const struct pair_table *t, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 17) & (t->cap - 1);
}

static int
pair_grow(struct pair_table *t)
{
	struct pair_table bigger = { 0 };
	size_t i, s;

	bigger.cap = t->cap ? t->cap * 2 : 1 << 14;
	bigger.key = calloc(bigger.cap, sizeof(*bigger.key));
	bigger.df = malloc(bigger.cap * sizeof(*bigger.df));
	bigger.last = malloc(bigger.cap * sizeof(*bigger.last));
	if (bigger.key == NULL || bigger.df == NULL || bigger.last == NULL) {
		free(bigger.key), free(bigger.df), free(bigger.last);
		return -1;
	}
	for (i = 0; i < t->cap; i++) {
		if (t->key[i] == 0)
			continue;
		for (s = pair_slot(&bigger, t->key[i]); bigger.key[s] != 0; s = (s + 1) & (bigger.cap - 1))
			;
		bigger.key[s] = t->key[i];
		bigger.df[s] = t->df[i];
		bigger.last[s] = t->last[i];
	}
	bigger.n = t->n;
	free(t->key), free(t->df), free(t->last);
	*t = bigger;
	return 0;
}

/* Counts fact doc for the pair key, once however often the fact holds it. */
static int
pair_count(struct pair_table *t, uint64_t key, uint32_t doc)
{
	size_t s;

	if ((t->n + 1) * 2 > t->cap && pair_grow(t) == -1)
		return -1;
	for (s = pair_slot(t, key); t->key[s] != 0 && t->key[s] != key; s = (s + 1) & (t->cap - 1))
		;
	if (t->key[s] == 0) {
		t->key[s] = key;
		t->df[s] = 0;
		t->last[s] = 0;
		t->n++;
	}
	if (t->last[s] != doc) {
		t->last[s] = doc;
		t->df[s]++;
	}
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Counts every two-token phrase, and keeps those two or more facts hold: a phrase missing
 * from the table is held by one fact or none, and for a phrase no fact holds the idf
 * does not matter. */
static int
build_bigrams(struct index_builder *b)
{
	struct index *ix = b->ix;
	struct pair_table t = { 0 };
	uint32_t d, p, end;
	size_t i, k = 0;
	int c, rc = 0;

	for (d = 1; d <= ix->ndocs && rc == 0; d++)
		for (c = 0; c < INDEX_COLUMNS && rc == 0; c++) {
			end = ix->fwd_off[3 * d + (uint32_t)c + 1];
			for (p = ix->fwd_off[3 * d + (uint32_t)c]; p + 1 < end && rc == 0; p++)
				rc = pair_count(&t, ((uint64_t)ix->fwd[p] << 32 | ix->fwd[p + 1]) + 1, d);
		}
	for (i = 0; rc == 0 && i < t.cap; i++)
		k += t.key[i] != 0 && t.df[i] >= 2;
	if (rc == 0 && k > 0) {
		ix->bigram = malloc(k * sizeof(*ix->bigram));
		ix->bigram_df = malloc(k * sizeof(*ix->bigram_df));
		rc = ix->bigram && ix->bigram_df ? 0 : -1;
	}
	for (i = 0; rc == 0 && i < t.cap; i++)
		if (t.key[i] != 0 && t.df[i] >= 2)
			ix->bigram[ix->nbigrams++] = t.key[i] - 1;
	if (rc == 0 && ix->nbigrams > 1)
		qsort(ix->bigram, ix->nbigrams, sizeof(*ix->bigram), cmp_u64);
	/* The counts, in the sorted order. */
	for (i = 0; rc == 0 && i < ix->nbigrams; i++) {
		uint64_t key = ix->bigram[i] + 1;
		size_t s = pair_slot(&t, key);

		while (t.key[s] != key)
			s = (s + 1) & (t.cap - 1);
		ix->bigram_df[i] = t.df[s];
	}
	ix->bytes += ix->nbigrams * (sizeof(uint64_t) + sizeof(uint32_t));
	free(t.key), free(t.df), free(t.last);
	return rc == 0 ? 0 : fail(b, "out of memory");
}

int
index_builder_finish(struct index_builder *b, struct index **out, char *err, size_t errlen)
{
	struct index *ix = b->ix;
	size_t i, total;
	int rc = 0;

	*out = NULL;
	if (b->err[0] == '\0' && !b->terms_started)
		rc = start_terms(b);
	if (rc == 0 && b->err[0] == '\0')
		rc = end_term(b);
	total = ix->fwd_off ? ix->fwd_off[3 * ((size_t)ix->ndocs + 1)] : 0;
	for (i = 0; rc == 0 && b->err[0] == '\0' && i < total; i++)
		if (ix->fwd[i] == INDEX_NONE)
			rc = fail(b, "a token with no term");
	if (rc == 0 && b->err[0] == '\0')
		rc = build_rows(b);
	if (rc == 0 && b->err[0] == '\0')
		rc = build_bigrams(b);
	if (b->err[0] != '\0') {
		snprintf(err, errlen, "%s", b->err);
		index_builder_free(b);
		return -1;
	}
	ix->bytes += sizeof(*ix) + ix->post.bytes.cap + ix->post.capskips * sizeof(struct postings_skip) +
		     b->capterms * (sizeof(char *) + sizeof(uint32_t) + sizeof(struct postings_list) +
				    sizeof(double));
	for (i = 0; i < ix->nterms; i++)
		ix->bytes += ix->termlen[i] + 1;
	b->ix = NULL;
	index_builder_free(b);
	*out = ix;
	return 0;
}

void
index_free(struct index *ix)
{
	if (ix == NULL)
		return;
	free(ix->term);
	free(ix->termlen);
	free(ix->list);
	free(ix->gmax);
	postings_free(&ix->post);
	free(ix->fwd);
	free(ix->fwd_off);
	free(ix->qrow_first);
	free(ix->qrow_start);
	free(ix->qrow_end);
	free(ix->bigram);
	free(ix->bigram_df);
	free(ix->memo);
	arena_free(&ix->strings);
	free(ix);
}

uint32_t
index_docs(const struct index *ix)
{
	return ix->ndocs;
}

uint32_t
index_terms(const struct index *ix)
{
	return ix->nterms;
}

size_t
index_bytes(const struct index *ix)
{
	return ix->bytes;
}

/* Returns the first term id >= the n bytes of s. */
static uint32_t
lower_bound(const struct index *ix, const char *s, size_t n)
{
	uint32_t lo = 0, hi = ix->nterms, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (term_cmp(ix->term[mid], ix->termlen[mid], s, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t
index_term_id(const struct index *ix, const char *term, size_t n)
{
	uint32_t i = lower_bound(ix, term, n);

	return i < ix->nterms && term_cmp(ix->term[i], ix->termlen[i], term, n) == 0 ? i
										   : INDEX_NONE;
}

void
index_term_prefix(const struct index *ix, const char *prefix, size_t n, uint32_t *lo,
		  uint32_t *hi)
{
	uint32_t i = lower_bound(ix, prefix, n);

	*lo = i;
	while (i < ix->nterms && ix->termlen[i] >= n && memcmp(ix->term[i], prefix, n) == 0)
		i++;
	*hi = i;
}

/* Returns 1 when phrase p starts at tok[pos], whose first token is known to match. */
static int
rest_matches(const uint32_t *tok, uint32_t pos, const struct index_phrase *p)
{
	int j;

	for (j = 1; j < p->n; j++)
		if (tok[pos + (uint32_t)j] - p->lo[j] >= p->hi[j] - p->lo[j])
			return 0;
	return 1;
}

/* Returns the number of places in tok[0..n) where phrase p starts. The first token is
 * tested on its own, in one comparison (unsigned: below lo wraps round above the range),
 * since it is the one that rarely matches. */
static uint32_t
count_in(const uint32_t *tok, uint32_t n, const struct index_phrase *p)
{
	uint32_t pos, count = 0, lo = p->lo[0], width = p->hi[0] - p->lo[0];

	if (p->n == 0 || (uint32_t)p->n > n)
		return 0;
	for (pos = 0; pos + (uint32_t)p->n <= n; pos++)
		if (tok[pos] - lo < width)
			count += rest_matches(tok, pos, p);
	return count;
}

/* Counts phrase p in each column of fact doc. */
static void
phrase_tf(const struct index *ix, const struct index_phrase *p, uint32_t doc,
	  uint32_t tf[INDEX_COLUMNS])
{
	const uint32_t *off = ix->fwd_off + 3 * doc;
	int c;

	for (c = 0; c < INDEX_COLUMNS; c++)
		tf[c] = count_in(ix->fwd + off[c], off[c + 1] - off[c], p);
}

unsigned
index_phrase_columns(const struct index *ix, const struct index_phrase *p, uint32_t doc)
{
	uint32_t tf[INDEX_COLUMNS];
	unsigned mask = 0;
	int c;

	if (doc < 1 || doc > ix->ndocs)
		return 0;
	phrase_tf(ix, p, doc, tf);
	for (c = 0; c < INDEX_COLUMNS; c++)
		mask |= (unsigned)(tf[c] > 0) << c;
	return mask;
}

int
index_question_rows(const struct index *ix, uint32_t doc)
{
	if (doc < 1 || doc > ix->ndocs)
		return 0;
	return (int)(ix->qrow_first[doc + 1] - ix->qrow_first[doc]);
}

void
index_question_match(const struct index *ix, const struct index_query *q, uint32_t phrases,
		     uint32_t doc, int i, uint32_t *found, double *cover)
{
	uint32_t r, n, pos, k, lo, width;
	const uint32_t *tok;
	uint64_t covered = 0;
	int ph;

	*found = 0;
	*cover = 0;
	if (doc < 1 || doc > ix->ndocs || i < 0 || i >= index_question_rows(ix, doc))
		return;
	r = ix->qrow_first[doc] + (uint32_t)i;
	tok = ix->fwd + ix->qrow_start[r];
	n = ix->qrow_end[r] - ix->qrow_start[r];
	for (ph = 0; ph < q->n; ph++) {
		const struct index_phrase *p = &q->ph[ph];

		if (!((phrases >> ph) & 1) || p->n == 0 || (uint32_t)p->n > n)
			continue;
		lo = p->lo[0];
		width = p->hi[0] - p->lo[0];
		for (pos = 0; pos + (uint32_t)p->n <= n; pos++) {
			if (tok[pos] - lo >= width || !rest_matches(tok, pos, p))
				continue;
			*found |= 1u << ph;
			for (k = pos; k < pos + (uint32_t)p->n && k < 64; k++)
				covered |= 1ULL << k;
		}
	}
	if (n > 0)
		*cover = (double)__builtin_popcountll(covered) / (n < 64 ? n : 64);
}

/* ---- How many facts hold a phrase ---- */

static int
exact_ids(const struct index_phrase *p)
{
	int j;

	for (j = 0; j < p->n; j++)
		if (p->hi[j] != p->lo[j] + 1)
			return 0;
	return 1;
}

/* Returns the remembered count of p, or -1. */
static int64_t
memo_find(const struct index *ix, const struct index_phrase *p)
{
	size_t i;
	int j;

	for (i = 0; i < ix->nmemo; i++) {
		if (ix->memo[i].n != p->n)
			continue;
		for (j = 0; j < p->n && ix->memo[i].id[j] == p->lo[j]; j++)
			;
		if (j == p->n)
			return ix->memo[i].df;
	}
	return -1;
}

/* Returns the count of the pair (a, b): from the table, or 1 when it is not there. */
static uint32_t
bigram_df(const struct index *ix, uint32_t a, uint32_t b)
{
	uint64_t key = (uint64_t)a << 32 | b;
	size_t lo = 0, hi = ix->nbigrams, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ix->bigram[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->nbigrams && ix->bigram[lo] == key ? ix->bigram_df[lo] : 1;
}

/* ---- Reading postings: one term's, or the merged postings of a prefix's terms ---- */

/* A fact in merged postings. */
struct merged {
	uint32_t doc;		    /* the fact */
	uint32_t tf[INDEX_COLUMNS]; /* counts of all the terms, summed */
};

/* Where a token of a phrase is found: one term's postings, or a prefix's merged ones. */
struct source {
	struct postings_cursor pc;	/* one term: its cursor */
	const struct merged *m, *mend;	/* a prefix: the next fact, the end */
	int is_merged;			/* which of the two */
	uint32_t df;			/* facts in it */
	double gmax;			/* the highest frequency part in it */
	uint32_t doc;			/* the current fact, POSTINGS_END past the last */
	const uint32_t *tf;		/* its counts in doc */
};

static void
source_seek(struct source *s, uint32_t target)
{
	if (!s->is_merged) {
		postings_seek(&s->pc, target);
		s->doc = s->pc.doc;
		s->tf = s->pc.tf;
		return;
	}
	while (s->m < s->mend && s->m->doc < target)
		s->m++;
	s->doc = s->m < s->mend ? s->m->doc : POSTINGS_END;
	s->tf = s->m < s->mend ? s->m->tf : NULL;
}

/* A small heap of cursors by their current fact, for merging a prefix's terms. */
static void
heap_down(struct postings_cursor **h, size_t n, size_t i)
{
	size_t c;
	struct postings_cursor *t;

	for (; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && h[c + 1]->doc < h[c]->doc)
			c++;
		if (h[i]->doc <= h[c]->doc)
			break;
		t = h[i], h[i] = h[c], h[c] = t;
	}
}

/* Merges the postings of terms [lo, hi) into *out (malloc'd). Returns the facts, or -1
 * when out of memory. */
static int64_t
merge_terms(const struct index *ix, uint32_t lo, uint32_t hi, struct merged **out, double *gmax)
{
	size_t nterms = hi - lo, n = 0, cap = 0, i;
	struct postings_cursor *cur, **heap;
	struct merged *m = NULL;
	double g;
	int c;

	*out = NULL;
	*gmax = 0;
	cur = calloc(nterms, sizeof(*cur));
	heap = calloc(nterms, sizeof(*heap));
	for (i = 0; cur && heap && i < nterms; i++) {
		postings_open(&ix->post, &ix->list[lo + i], &cur[i]);
		postings_seek(&cur[i], 1);
		heap[i] = &cur[i];
		cap += ix->list[lo + i].df;
	}
	if (cur == NULL || heap == NULL || (cap && (m = malloc(cap * sizeof(*m))) == NULL)) {
		free(cur), free(heap);
		return -1;
	}
	for (i = nterms / 2 + 1; i-- > 0;)
		heap_down(heap, nterms, i);
	while (nterms > 0 && heap[0]->doc != POSTINGS_END) {
		struct postings_cursor *top = heap[0];

		if (n == 0 || m[n - 1].doc != top->doc) {
			m[n].doc = top->doc;
			memset(m[n].tf, 0, sizeof(m[n].tf));
			n++;
		}
		for (c = 0; c < INDEX_COLUMNS; c++)
			m[n - 1].tf[c] += top->tf[c];
		postings_seek(top, top->doc + 1);
		heap_down(heap, nterms, 0);
	}
	for (i = 0; i < n; i++) {
		g = freq_part(ix, weighted(ix, m[i].tf, ~0u), doc_len(ix, m[i].doc));
		if (g > *gmax)
			*gmax = g;
	}
	free(cur), free(heap);
	*out = m;
	return (int64_t)n;
}

/* ---- Scoring ---- */

/* One phrase of the query, being scored. */
struct scorer {
	int phrase;			     /* its place in the query */
	const struct index_phrase *p;	     /* the phrase */
	struct source src[INDEX_PHRASE_MAX]; /* where each token is found */
	int nsrc;			     /* tokens */
	double idf;			     /* its idf */
	double bound;			     /* the most it can add to a fact's score */
	uint32_t doc;			     /* the current fact, POSTINGS_END past the last */
	double f;			     /* its frequency there, weighted */
	uint8_t columns;		     /* the columns it is in there */
};

/* What one search holds. */
struct search {
	const struct index *ix;
	const struct index_query *q;
	unsigned columns;		      /* columns searched */
	struct scorer sc[INDEX_QUERY_MAX];    /* the phrases that can match */
	int n;				      /* entries in sc */
	struct merged *merged[INDEX_QUERY_MAX * INDEX_PHRASE_MAX]; /* prefix postings */
	int nmerged;			      /* entries in merged */
};

/* Returns bit c set for each column c with a count. */
static uint8_t
column_mask(const uint32_t *tf)
{
	uint8_t mask = 0;
	int c;

	for (c = 0; c < INDEX_COLUMNS; c++)
		mask |= (uint8_t)((tf[c] > 0) << c);
	return mask;
}

/* Moves s to its first fact >= target where the phrase occurs in one of the columns. */
static void
scorer_seek(const struct index *ix, unsigned columns, struct scorer *s, uint32_t target)
{
	uint32_t d = target, tf[INDEX_COLUMNS];
	int j;

	for (;;) {
		/* The next fact holding every token of the phrase... */
		for (j = 0; j < s->nsrc; j++) {
			source_seek(&s->src[j], d);
			if (s->src[j].doc == POSTINGS_END) {
				s->doc = POSTINGS_END;
				return;
			}
			if (s->src[j].doc > d) {
				d = s->src[j].doc;
				j = -1; /* again from the first */
			}
		}
		/* ...where its tokens are in a row, in a searched column. */
		if (s->nsrc == 1) {
			s->f = weighted(ix, s->src[0].tf, columns);
			s->columns = column_mask(s->src[0].tf);
		} else {
			phrase_tf(ix, s->p, d, tf);
			s->f = weighted(ix, tf, columns);
			s->columns = column_mask(tf);
		}
		if (s->f > 0) {
			s->doc = d;
			return;
		}
		d++;
	}
}

/* Opens the source of token j of s's phrase. Returns 0, or -1 when out of memory. */
static int
open_source(struct search *se, struct scorer *s, int j)
{
	const struct index *ix = se->ix;
	struct source *src = &s->src[j];
	uint32_t lo = s->p->lo[j], hi = s->p->hi[j];
	struct merged *m;
	int64_t n;

	memset(src, 0, sizeof(*src));
	if (hi == lo + 1) {
		postings_open(&ix->post, &ix->list[lo], &src->pc);
		src->df = ix->list[lo].df;
		src->gmax = ix->gmax[lo];
		return 0;
	}
	if ((n = merge_terms(ix, lo, hi, &m, &src->gmax)) < 0)
		return -1;
	se->merged[se->nmerged++] = m;
	src->is_merged = 1;
	src->m = m;
	src->mend = n > 0 ? m + n : m;
	src->df = (uint32_t)n;
	return 0;
}

/* Counts the facts holding s's phrase in one of the columns by reading them all: for
 * phrases neither the pair table nor index_remember() counted, and for searches of some
 * columns only. */
static uint32_t
count_phrase(const struct index *ix, unsigned columns, const struct scorer *s)
{
	struct scorer t = *s;
	uint32_t n = 0;

	for (scorer_seek(ix, columns, &t, 1); t.doc != POSTINGS_END;
	     scorer_seek(ix, columns, &t, t.doc + 1))
		n++;
	return n;
}

/* Sets up the scorer of phrase i. Returns 1 when it can match, 0 when it cannot, -1
 * when out of memory. */
static int
open_scorer(struct search *se, struct scorer *s, int i)
{
	const struct index_phrase *p = &se->q->ph[i];
	double gmax = 0;
	uint32_t nhit;
	int64_t known;
	int j;

	memset(s, 0, sizeof(*s));
	s->phrase = i;
	s->p = p;
	if (p->n <= 0 || p->n > INDEX_PHRASE_MAX)
		return 0;
	for (j = 0; j < p->n; j++)
		if (p->lo[j] >= p->hi[j] || p->hi[j] > se->ix->nterms)
			return 0;
	for (j = 0; j < p->n; j++) {
		if (open_source(se, s, j) == -1)
			return -1;
		if (j == 0 || s->src[j].gmax < gmax)
			gmax = s->src[j].gmax; /* a phrase is never more frequent than a token */
		s->nsrc++;
	}
	/* As FTS5 counts: the facts holding the phrase in the columns searched. */
	if (se->columns != ~0u)
		nhit = count_phrase(se->ix, se->columns, s);
	else if (p->n == 1)
		nhit = s->src[0].df;
	else if (exact_ids(p) && p->n == 2)
		nhit = bigram_df(se->ix, p->lo[0], p->lo[1]);
	else if (exact_ids(p) && (known = memo_find(se->ix, p)) >= 0)
		nhit = (uint32_t)known;
	else
		nhit = count_phrase(se->ix, ~0u, s);
	s->idf = idf(se->ix, nhit);
	s->bound = s->idf * gmax;
	return 1;
}

static int
cmp_bound(const void *a, const void *b)
{
	const struct scorer *x = a, *y = b;

	if (x->bound != y->bound)
		return x->bound < y->bound ? -1 : 1;
	return x->phrase - y->phrase;
}

static void
search_free(struct search *se)
{
	int i;

	for (i = 0; i < se->nmerged; i++)
		free(se->merged[i]);
}

/* Sets up a search: one scorer for each phrase that can match, by bound, lowest first. */
static int
search_open(struct search *se, const struct index *ix, const struct index_query *q)
{
	int i, rc;

	memset(se, 0, sizeof(*se));
	se->ix = ix;
	se->q = q;
	se->columns = q->columns && (q->columns & 7) != 7 ? q->columns : ~0u;
	for (i = 0; i < q->n && i < INDEX_QUERY_MAX; i++) {
		if ((rc = open_scorer(se, &se->sc[se->n], i)) == -1) {
			search_free(se);
			return -1;
		}
		se->n += rc;
	}
	qsort(se->sc, (size_t)se->n, sizeof(se->sc[0]), cmp_bound);
	return 0;
}

/* Puts hit h into the k best (best first; ties to the lower fact, which came first). */
static void
keep_best(struct index_hit *best, int *n, int k, const struct index_hit *h)
{
	int i;

	if (*n == k && h->score <= best[k - 1].score)
		return;
	i = *n < k ? (*n)++ : k - 1;
	for (; i > 0 && best[i - 1].score < h->score; i--)
		best[i] = best[i - 1];
	best[i] = *h;
}

/* The score of a fact from its phrases' parts, summed in query order as FTS5 sums them. */
static double
query_order_sum(const double *part, int n)
{
	double score = 0.0;
	int i;

	for (i = 0; i < n; i++)
		score += part[i];
	return score;
}

int
index_top(const struct index *ix, const struct index_query *q, uint32_t first, uint32_t last,
	  int k, long long deadline_ns, struct index_hit *out)
{
	struct search se;
	double bound_below[INDEX_QUERY_MAX], part[INDEX_QUERY_MAX] = { 0 };
	double theta = -HUGE_VAL, partial, slack;
	int n = 0, essential = 0, i, scored = 0;
	struct index_hit hit;
	uint32_t d;

	if (k <= 0 || first > last)
		return 0;
	if (search_open(&se, ix, q) == -1)
		return -1;
	memset(&hit, 0, sizeof(hit));
	/* bound_below[i]: the most scorers 0..i can add together. */
	for (i = 0; i < se.n; i++) {
		bound_below[i] = se.sc[i].bound + (i > 0 ? bound_below[i - 1] : 0);
		scorer_seek(ix, se.columns, &se.sc[i], first);
	}
	for (;;) {
		/* The next fact that an essential scorer holds. */
		d = POSTINGS_END;
		for (i = essential; i < se.n; i++)
			if (se.sc[i].doc < d)
				d = se.sc[i].doc;
		if (d == POSTINGS_END || d > last)
			break;
		partial = 0;
		for (i = essential; i < se.n; i++) {
			struct scorer *s = &se.sc[i];

			if (s->doc != d)
				continue;
			part[s->phrase] = s->idf * freq_part(ix, s->f, doc_len(ix, d));
			partial += part[s->phrase];
			hit.columns[s->phrase] = s->columns;
			scorer_seek(ix, se.columns, s, d + 1);
		}
		/* The others, best bound first, while the fact can still make the k best.
		 * The slack absorbs rounding: a fact is dropped only when clearly below. */
		slack = 1e-9 * (theta > 1 ? theta : 1);
		for (i = essential - 1; i >= 0; i--) {
			struct scorer *s = &se.sc[i];

			if (partial + bound_below[i] + slack < theta)
				break;
			scorer_seek(ix, se.columns, s, d);
			if (s->doc == d) {
				part[s->phrase] = s->idf * freq_part(ix, s->f, doc_len(ix, d));
				partial += part[s->phrase];
				hit.columns[s->phrase] = s->columns;
			}
		}
		if (i < 0) {
			hit.doc = d;
			hit.score = query_order_sum(part, q->n);
			keep_best(out, &n, k, &hit);
			if (n == k) {
				theta = out[k - 1].score;
				slack = 1e-9 * (theta > 1 ? theta : 1);
				while (essential < se.n && bound_below[essential] + slack < theta)
					essential++;
			}
		}
		memset(part, 0, sizeof(part));
		memset(hit.columns, 0, sizeof(hit.columns));
		if (deadline_ns != 0 && ++scored % DEADLINE_EVERY == 0 && now_ns() > deadline_ns) {
			search_free(&se);
			return -2;
		}
	}
	search_free(&se);
	return n;
}

int
index_remember(struct index *ix, const struct index_phrase *p)
{
	struct index_query q = { .n = 1 };
	struct search se;
	struct memo *m;
	uint32_t df = 0;

	/* Two-token phrases are in the pair table. */
	if (p->n < 3 || p->n > INDEX_PHRASE_MAX || !exact_ids(p) || memo_find(ix, p) >= 0)
		return 0;
	q.ph[0] = *p;
	if (search_open(&se, ix, &q) == -1)
		return -1;
	if (se.n == 1)
		df = count_phrase(ix, ~0u, &se.sc[0]);
	search_free(&se);
	if ((m = realloc(ix->memo, (ix->nmemo + 1) * sizeof(*m))) == NULL)
		return -1;
	ix->memo = m;
	m[ix->nmemo].n = p->n;
	memcpy(m[ix->nmemo].id, p->lo, sizeof(m[ix->nmemo].id));
	m[ix->nmemo].df = df;
	ix->nmemo++;
	return 0;
}

static int
cmp_hit(const void *a, const void *b)
{
	const struct index_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->doc > y->doc) - (x->doc < y->doc);
}

int
index_top_exhaustive(const struct index *ix, const struct index_query *q, uint32_t first,
		     uint32_t last, int k, struct index_hit *out)
{
	uint32_t nhit[INDEX_QUERY_MAX] = { 0 }, tf[INDEX_COLUMNS], d;
	unsigned columns = q->columns ? q->columns : ~0u;
	double part[INDEX_QUERY_MAX], f;
	struct index_hit *all, h;
	size_t n = 0;
	int i, any;

	if (k <= 0 || first > last)
		return 0;
	if ((all = malloc(((size_t)(last - first) + 1) * sizeof(*all))) == NULL)
		return -1;
	for (d = 1; d <= ix->ndocs; d++)
		for (i = 0; i < q->n; i++)
			nhit[i] += (index_phrase_columns(ix, &q->ph[i], d) & columns) != 0;
	for (d = first; d <= last && d <= ix->ndocs; d++) {
		memset(&h, 0, sizeof(h));
		for (i = 0, any = 0; i < q->n; i++) {
			phrase_tf(ix, &q->ph[i], d, tf);
			f = weighted(ix, tf, columns);
			part[i] = f > 0 ? idf(ix, nhit[i]) * freq_part(ix, f, doc_len(ix, d)) : 0;
			h.columns[i] = f > 0 ? column_mask(tf) : 0;
			any |= f > 0;
		}
		if (any) {
			h.doc = d;
			h.score = query_order_sum(part, q->n);
			all[n++] = h;
		}
	}
	qsort(all, n, sizeof(*all), cmp_hit);
	if (n > (size_t)k)
		n = (size_t)k;
	memcpy(out, all, n * sizeof(*all));
	free(all);
	return (int)n;
}
