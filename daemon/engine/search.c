/* SPDX-License-Identifier: MIT */
/*
 * search.c -- ranking facts with the index: FTS5's bm25, top k by a scan of every fact
 * of a small range, by MaxScore on a larger one.
 *
 * Scoring is FTS5's bm25() (sqlite ext/fts5/fts5_aux.c), term for term: for each phrase
 * i of the query, idf_i = ln((N - n_i + 0.5) / (n_i + 0.5)), at least 1e-6, where n_i
 * facts of all N hold it; f_i = the sum over its occurrences in a fact of its column's
 * weight; D = the fact's tokens in all columns, avgdl their mean; and
 *   score = sum over i of idf_i * (f_i * (k1 + 1)) / (f_i + k1 * (1 - b + b * D / avgdl))
 * with k1 = 1.2 and b = 0.75, summed in query order, so that scores are FTS5's to the
 * last bit. That is BM25F with one length normalisation for the whole fact: a column's
 * weight multiplies its term counts before they saturate.
 *
 * A range of fewer than SCAN_MAX facts (the bundled knowledge base's languages) is
 * scanned: each phrase's postings, in query order, add its part to an array of scores, a
 * window of facts at a time, and the k best are read off the array. Every fact's parts
 * are summed in query order there too, so the scores are the same to the bit; on a few
 * hundred facts that costs less than MaxScore's bookkeeping (about 60% on the bundled
 * knowledge base).
 *
 * Top k on a larger range is MaxScore (Turtle and Flood, 1995). A phrase can add no more to a
 * fact's score than its idf times the highest frequency part it reaches in any fact: its bound.
 * Sorted by bound, the phrases whose bounds together cannot lift a fact above the k-th best score
 * so far are only looked up in the facts the others ("drivers") bring, best bound first, and not at
 * all once a fact can no longer make it. Rare phrases carry the high bounds, so the postings of
 * common words are read only where a rare word matched. The drivers' postings are read a window
 * of facts at a time, each driver's in one go into an array of parts as the scan does, and the
 * window's facts then judged in order: no merging of the drivers fact by fact.
 *
 * A phrase of two tokens has postings of its own (pairs.c); a longer one is followed
 * through its rarest pair, each fact there read to see whether the rest stands in a row;
 * one with a prefix through its tokens' postings. Every fact holding a phrase holds each
 * of its tokens and each pair of them in a row, so while one of those is itself a driver of
 * the search, the phrase is never followed, only checked: the facts it could add are
 * brought anyway.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "indexstore.h"
#include "util.h"

/* Facts scored between two looks at the clock. */
#define DEADLINE_EVERY 512

/* Ranges of fewer facts than this are scanned whole rather than pruned: see top_by(). */
#define SCAN_MAX 1024

/* ---- Where a token is found: one term's postings, or a prefix's terms merged ---- */

/* A fact in merged postings. */
struct merged {
	uint32_t doc;		    /* the fact */
	uint32_t tf[INDEX_COLUMNS]; /* counts of all the terms, summed */
};

struct source {
	struct postings_cursor pc;     /* one term: its cursor */
	const struct merged *m, *mend; /* a prefix: the next fact, the end */
	int is_merged;		       /* which of the two */
	uint32_t df;		       /* facts in it */
	double gmax;		       /* the highest frequency part in it */
	uint32_t doc;		       /* the current fact, POSTINGS_END past the last */
	const uint32_t *tf;	       /* its counts in doc */
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
	struct postings_cursor *t;
	size_t c;

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
		g = index_freq_part(ix, index_weighted(ix, m[i].tf, ~0u),
				    index_doc_len(ix, m[i].doc));
		if (g > *gmax)
			*gmax = g;
	}
	free(cur), free(heap);
	*out = m;
	return (int64_t)n;
}

/* ---- A phrase of the query, being scored ---- */

struct scorer {
	int phrase;		      /* its place in the query */
	const struct index_phrase *p; /* the phrase */
	int nsrc;		      /* tokens (or pairs) it is found through */
	int whole;		      /* 1: its one source gives its counts (a term, a pair) */
	int simple;		      /* 1: and that source is one list's cursor (not merged) */
	uint32_t dense;		      /* its term when that has a dense form, else INDEX_NONE */
	double idf;		      /* its idf */
	double bound;		      /* the most it can add to a fact's score */
	uint32_t covered_by;	      /* one-token scorers holding all its facts (bits) */
	int driver;		      /* 1 while it brings facts, 0 while only checked */
	uint32_t doc;		      /* the current fact, POSTINGS_END past the last */
	double f;		      /* its frequency there, weighted */
	uint8_t columns;	      /* the columns it is in there */
	/* Last, and not cleared with the rest: each is set as it is opened. */
	struct source src[INDEX_PHRASE_MAX]; /* where its tokens are found */
};

/* Sees whether s's phrase is in fact d, whose every token is (the sources are at d):
 * sets s->f and s->columns, 0 when its tokens are not in a row in a searched column. */
static void
scorer_check(const struct index *ix, unsigned columns, struct scorer *s, uint32_t d)
{
	uint32_t tf[INDEX_COLUMNS];
	unsigned in_all = ~0u;
	int j;

	if (s->whole) {
		s->f = index_weighted(ix, s->src[0].tf, columns);
		s->columns = s->simple ? s->src[0].pc.columns : index_column_mask(s->src[0].tf);
		return;
	}
	/* Only the columns holding every token can hold the phrase. */
	for (j = 0; j < s->nsrc; j++)
		in_all &= index_column_mask(s->src[j].tf);
	index_phrase_tf(ix, s->p, d, in_all, tf);
	s->f = index_weighted(ix, tf, columns);
	s->columns = index_column_mask(tf);
}

/* Moves simple scorer s, searched in every column and on a fact, to its next fact, which
 * holds its phrase: the inner loop's usual step. */
static inline void
scorer_next(const struct index *ix, struct scorer *s)
{
	struct postings_cursor *pc = &s->src[0].pc;

	postings_next(pc);
	s->src[0].doc = s->doc = pc->doc;
	if (s->doc != POSTINGS_END) {
		s->f = index_weighted(ix, pc->tf, ~0u);
		s->columns = pc->columns;
	}
}

/* Moves s to its first fact >= target holding the phrase in one of the columns. */
static void
scorer_seek(const struct index *ix, unsigned columns, struct scorer *s, uint32_t target)
{
	struct postings_cursor *pc = &s->src[0].pc;
	uint32_t d = target;
	int j;

	if (s->simple && columns == ~0u && pc->doc != 0 && pc->doc != POSTINGS_END &&
	    target == pc->doc + 1) {
		scorer_next(ix, s);
		return;
	}
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
		/* ...where its tokens are in a row. */
		scorer_check(ix, columns, s, d);
		if (s->f > 0) {
			s->doc = d;
			return;
		}
		d++;
	}
}

/* Returns 1 when s's phrase is in fact d (s->f and s->columns then say how), else 0,
 * moving its sources no further than d. */
static int
scorer_at(const struct index *ix, unsigned columns, struct scorer *s, uint32_t d)
{
	uint32_t tf[INDEX_COLUMNS];
	int j;

	/* A common term, at a glance, its cursor left where it is. */
	if (s->dense != INDEX_NONE) {
		if (!index_dense_at(ix, s->dense, d, tf))
			return 0;
		s->f = index_weighted(ix, tf, columns);
		s->columns = index_column_mask(tf);
		return s->f > 0;
	}
	if (s->simple) { /* its cursor, straight to d (often past it already) */
		if (s->src[0].pc.doc < d || s->src[0].pc.doc == 0)
			postings_seek(&s->src[0].pc, d);
		s->src[0].doc = s->doc = s->src[0].pc.doc;
		s->src[0].tf = s->src[0].pc.tf;
		if (s->doc != d)
			return 0;
		scorer_check(ix, columns, s, d);
		return s->f > 0;
	}
	if (s->whole) {
		scorer_seek(ix, columns, s, d);
		return s->doc == d;
	}
	for (j = 0; j < s->nsrc; j++) {
		source_seek(&s->src[j], d);
		if (s->src[j].doc != d)
			return 0;
	}
	scorer_check(ix, columns, s, d);
	return s->f > 0;
}

/* What one search holds. */
struct search {
	const struct index *ix;
	const struct index_query *q;
	unsigned columns;			 /* columns searched */
	struct scorer pool[INDEX_QUERY_MAX];	 /* the phrases that can match */
	struct scorer *sc[INDEX_QUERY_MAX];	 /* the same, by bound, lowest first */
	int n;					 /* entries in both */
	struct scorer *drivers[INDEX_QUERY_MAX]; /* the scorers that bring facts */
	int ndrivers;				 /* entries in drivers */
	int saving[INDEX_QUERY_MAX];		 /* sc's places, most postings per bound first */
	int checked[INDEX_QUERY_MAX];		 /* scorers only checked, highest bound first */
	double rest[INDEX_QUERY_MAX + 1];	 /* rest[i]: bounds of checked[i..] summed */
	int nchecked;				 /* entries in checked */
	double flip; /* a driver is only checked from theta > flip + slack(theta) on */
	struct merged *merged[INDEX_QUERY_MAX * INDEX_PHRASE_MAX]; /* prefix postings */
	int nmerged;						   /* entries in merged */
};

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

/* Opens the postings of the rarest word pair of phrase p (every token one term) as s's one
 * source. Returns 1, or 0 when a pair of p is in no fact, and so p is not either. */
static int
open_pairs(struct search *se, struct scorer *s)
{
	const struct index *ix = se->ix;
	const struct index_phrase *p = s->p;
	long k, rarest = -1;
	int j;

	for (j = 0; j + 1 < p->n; j++) {
		if ((k = pairs_find(ix, p->lo[j], p->lo[j + 1])) < 0)
			return 0;
		if (rarest < 0 || ix->pair_list[k].df < ix->pair_list[rarest].df)
			rarest = k;
	}
	memset(&s->src[0], 0, sizeof(s->src[0]));
	postings_open(&ix->pair_post, &ix->pair_list[rarest], &s->src[0].pc);
	s->src[0].df = ix->pair_list[rarest].df;
	s->src[0].gmax = ix->pair_gmax[rarest];
	s->nsrc = 1;
	s->whole = p->n == 2; /* a longer phrase is still to be read off the fact */
	return 1;
}

/* Counts the facts holding s's phrase in one of the columns by reading them all: for
 * phrases the index has no count of, and for searches of some columns only. */
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

static int
ix_has_dense(const struct index *ix, uint32_t t)
{
	return ix->dense != NULL && ix->dense[t].bits != NULL;
}

/* Sets up the scorer of phrase i. Returns 1 when it can match, 0 when it cannot, -1
 * when out of memory. */
static int
open_scorer(struct search *se, struct scorer *s, int i)
{
	const struct index_phrase *p = &se->q->ph[i];
	double gmax = 0;
	int64_t nhit;
	int j;

	memset(s, 0, offsetof(struct scorer, src));
	s->dense = INDEX_NONE;
	s->phrase = i;
	s->p = p;
	if (p->n <= 0 || p->n > INDEX_PHRASE_MAX)
		return 0;
	for (j = 0; j < p->n; j++)
		if (p->lo[j] >= p->hi[j] || p->hi[j] > se->ix->nterms)
			return 0;
	if (p->n > 1 && index_exact_ids(p)) {
		if (!open_pairs(se, s))
			return 0;
		gmax = s->src[0].gmax; /* a phrase is never more frequent than its pairs */
	} else {
		for (j = 0; j < p->n; j++) {
			if (open_source(se, s, j) == -1)
				return -1;
			if (j == 0 || s->src[j].gmax < gmax)
				gmax = s->src[j].gmax; /* nor than its tokens */
			s->nsrc++;
		}
		s->whole = p->n == 1;
	}
	s->simple = s->whole && !s->src[0].is_merged;
	if (s->simple && p->n == 1 && ix_has_dense(se->ix, p->lo[0]))
		s->dense = p->lo[0];
	/* As FTS5 counts: the facts holding the phrase in the columns searched. */
	if (se->columns != ~0u)
		nhit = count_phrase(se->ix, se->columns, s);
	else if (s->whole)
		nhit = s->src[0].df;
	else if ((nhit = index_known_df(se->ix, p)) < 0)
		nhit = count_phrase(se->ix, ~0u, s);
	s->idf = index_idf(se->ix, (uint32_t)nhit);
	s->bound = s->idf * gmax;
	return 1;
}

static int
cmp_bound(const void *a, const void *b)
{
	const struct scorer *x = *(struct scorer *const *)a, *y = *(struct scorer *const *)b;

	if (x->bound != y->bound)
		return x->bound < y->bound ? -1 : 1;
	return x->phrase - y->phrase;
}

/* Returns 1 when every fact holding phrase p holds the shorter phrase t: t's tokens are
 * tokens of p in a row, each of p's terms one of t's. */
static int
holds_all(const struct index_phrase *t, const struct index_phrase *p)
{
	int o, m;

	for (o = 0; o + t->n <= p->n; o++) {
		for (m = 0; m < t->n; m++)
			if (p->lo[o + m] < t->lo[m] || t->hi[m] < p->hi[o + m])
				break;
		if (m == t->n)
			return 1;
	}
	return 0;
}

static void
search_free(struct search *se)
{
	int i;

	for (i = 0; i < se->nmerged; i++)
		free(se->merged[i]);
}

/* Sets up a search: one scorer for each phrase that can match, in query order in pool
 * and sc. Returns 0, or -1 when out of memory. */
static int
search_open(struct search *se, const struct index *ix, const struct index_query *q)
{
	int i, rc;

	/* Not memset: the scorers' sources are most of it, set only as they are opened. */
	se->ix = ix;
	se->q = q;
	se->columns = q->columns && (q->columns & 7) != 7 ? q->columns : ~0u;
	se->n = se->nchecked = se->nmerged = 0;
	for (i = 0; i < q->n && i < INDEX_QUERY_MAX; i++) {
		if ((rc = open_scorer(se, &se->pool[se->n], i)) == -1) {
			search_free(se);
			return -1;
		}
		if (rc == 1) {
			se->sc[se->n] = &se->pool[se->n];
			se->n++;
		}
	}
	return 0;
}

/* The postings a scorer reads while it drives: those of its rarest source. */
static uint32_t
scorer_postings(const struct scorer *s)
{
	uint32_t df = s->src[0].df;
	int j;

	for (j = 1; j < s->nsrc; j++)
		if (s->src[j].df < df)
			df = s->src[j].df;
	return df;
}

/* Orders places in sc by the postings a scorer saves per unit of bound when it is only
 * checked, most first; ties by place. */
static void
order_by_saving(struct search *se)
{
	int i, j, t;

	for (i = 0; i < se->n; i++)
		se->saving[i] = i;
	for (i = 1; i < se->n; i++) { /* an insertion sort: a few dozen scorers at most */
		t = se->saving[i];
		for (j = i; j > 0; j--) {
			const struct scorer *a = se->sc[se->saving[j - 1]], *b = se->sc[t];
			double x = scorer_postings(a) * b->bound, y = scorer_postings(b) * a->bound;

			if (x > y || (x == y && se->saving[j - 1] < t))
				break;
			se->saving[j] = se->saving[j - 1];
		}
		se->saving[j] = t;
	}
}

/* Orders the scorers for MaxScore: by bound, lowest first, every one a driver, and notes
 * which shorter phrases (a token, a pair) hold all of each phrase's facts. */
static void
search_order(struct search *se)
{
	int i, k;

	qsort(se->sc, (size_t)se->n, sizeof(se->sc[0]), cmp_bound);
	order_by_saving(se);
	for (i = 0; i < se->n; i++) {
		se->sc[i]->driver = 1;
		/* Only whole-fact searches: a token found in another column brings the fact. */
		for (k = 0; se->columns == ~0u && se->sc[i]->p->n > 1 && k < se->n; k++)
			if (se->sc[k]->p->n < se->sc[i]->p->n &&
			    holds_all(se->sc[k]->p, se->sc[i]->p))
				se->sc[i]->covered_by |= 1u << k;
	}
}

/* The room left for rounding when a sum of bounds is held against theta. */
static double
slack_at(double theta)
{
	return 1e-9 * (theta > 1 ? theta : 1);
}

/* The bounds of the checked scorers in mask that no driver but the one at place i holds:
 * what turning that driver to checked would add to what a fact without drivers may get. */
static double
held_only_by(const struct search *se, int i, uint32_t drivers, uint32_t mask)
{
	double sum = 0;
	int c;

	for (; mask != 0; mask &= mask - 1) {
		c = __builtin_ctz(mask);
		if ((se->sc[c]->covered_by & drivers) == 1u << i)
			sum += se->sc[c]->bound;
	}
	return sum;
}

/* Decides, for a k-th best score of theta, which scorers bring facts ("drivers") and
 * which are only checked in the facts the drivers bring; next is the first fact not yet
 * read, where a scorer that drives again resumes. A fact that no driver holds can get at
 * most the bounds of the checked scorers (missed), but those whose facts a driver holds
 * all of (a token or a pair of a phrase); so scorers are made checked while missed stays
 * short of theta, those that save the most postings per unit of bound first. Each test
 * would come out otherwise once theta passes the sum it compared; the least of those sums
 * of the failed ones is kept in flip: until theta is past it, the roles would come out
 * the same. (Keeping them longer would be safe anyway: the checked scorers' bounds only
 * fall further short of a higher theta.) */
static void
search_roles(struct search *se, double theta, uint32_t next)
{
	double missed = 0, slack = slack_at(theta), extra;
	int was[INDEX_QUERY_MAX], i, j, k;
	uint32_t drivers = 0, held = 0; /* held: checked scorers a driver holds */

	se->flip = HUGE_VAL;
	for (i = 0; i < se->n; i++) {
		was[i] = se->sc[i]->driver;
		se->sc[i]->driver = 1;
		drivers |= 1u << i;
	}
	for (k = 0; k < se->n; k++) {
		struct scorer *s = se->sc[i = se->saving[k]];

		if (s->covered_by & drivers & ~(1u << i)) {
			s->driver = 0;
			drivers &= ~(1u << i);
			held |= 1u << i;
			continue;
		}
		extra = held_only_by(se, i, drivers, held);
		if (missed + s->bound + extra + slack < theta) {
			missed += s->bound + extra;
			s->driver = 0;
			drivers &= ~(1u << i);
			for (j = 0; j < se->n; j++) /* no longer held: they count now */
				if (((held >> j) & 1) && !(se->sc[j]->covered_by & drivers))
					held &= ~(1u << j);
		} else if (missed + s->bound + extra < se->flip) {
			se->flip = missed + s->bound + extra;
		}
	}
	se->ndrivers = 0;
	for (i = 0; i < se->n; i++) {
		if (!se->sc[i]->driver)
			continue;
		if (!was[i])
			scorer_seek(se->ix, se->columns, se->sc[i], next);
		se->drivers[se->ndrivers++] = se->sc[i];
	}
	/* The checked ones, highest bound first, and what is left of them at each. */
	se->nchecked = 0;
	for (i = se->n - 1; i >= 0; i--)
		if (!se->sc[i]->driver)
			se->checked[se->nchecked++] = i;
	se->rest[se->nchecked] = 0;
	for (j = se->nchecked - 1; j >= 0; j--) {
		k = se->checked[j];
		se->rest[j] = se->rest[j + 1] + se->sc[k]->bound;
	}
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

/* Facts MaxScore gathers its drivers' parts for at once (a multiple of 64). */
#define MAXSCORE_WINDOW 128

/* The drivers' parts in a window of facts lo..hi, at most MAXSCORE_WINDOW of them. */
struct window {
	uint32_t lo, hi;
	uint64_t hit[MAXSCORE_WINDOW / 64]; /* bit j: a driver is in fact lo + j */
	uint32_t found[MAXSCORE_WINDOW];    /* bit i: phrase i's part is below (where hit) */
	double part[INDEX_QUERY_MAX][MAXSCORE_WINDOW]; /* [i][j]: phrase i's part in fact lo + j */
	uint8_t columns[INDEX_QUERY_MAX][MAXSCORE_WINDOW]; /* [i][j]: the columns it is in there */
};

/* Notes driver s's part in fact d of the window, where its weighted frequency is f. */
static inline void
window_add(struct window *w, const struct index *ix, const struct scorer *s, uint32_t d, double f,
	   uint8_t columns)
{
	uint32_t j = d - w->lo;
	uint64_t bit = 1ULL << (j & 63);

	if (!(w->hit[j >> 6] & bit)) {
		w->hit[j >> 6] |= bit;
		w->found[j] = 0;
	}
	w->found[j] |= 1u << s->phrase;
	w->part[s->phrase][j] = s->idf * index_freq_part_k(f, ix->length_part[d]);
	w->columns[s->phrase][j] = columns;
}

/* Reads driver s's facts in the window into it, leaving s on its first fact after. */
static void
window_collect(struct search *se, struct scorer *s, struct window *w)
{
	if (s->simple && se->columns == ~0u) {
		for (; s->doc <= w->hi; scorer_next(se->ix, s))
			window_add(w, se->ix, s, s->doc, s->f, s->columns);
		return;
	}
	for (; s->doc <= w->hi; scorer_seek(se->ix, se->columns, s, s->doc + 1))
		window_add(w, se->ix, s, s->doc, s->f, s->columns);
}

/* Scores fact lo + j of the window: its drivers' parts, then the checked scorers while
 * it can still beat theta. Fills hit and returns 1 when it was scored in full, 0 when it
 * cannot make the k best. No driver's bound alone is short of theta with every checked
 * scorer's (search_roles() made them drivers for that), so the fact is judged on its
 * drivers' actual parts; and most facts fail at once, so the parts are laid out in query
 * order only for those that pass. */
static int
window_score(struct search *se, const struct window *w, uint32_t j, double theta,
	     struct index_hit *hit)
{
	double part[INDEX_QUERY_MAX], got[INDEX_QUERY_MAX], partial = 0;
	uint32_t d = w->lo + j, found = w->found[j], m;
	double K = se->ix->length_part[d], slack = slack_at(theta);
	struct scorer *at[INDEX_QUERY_MAX];
	uint8_t columns[INDEX_QUERY_MAX];
	int i, nat = 0;

	for (m = found; m != 0; m &= m - 1)
		partial += w->part[__builtin_ctz(m)][j];
	for (i = 0; i < se->nchecked; i++) {
		struct scorer *s = se->sc[se->checked[i]];

		if (partial + se->rest[i] + slack < theta)
			return 0;
		if (!scorer_at(se->ix, se->columns, s, d))
			continue;
		got[nat] = s->idf * index_freq_part_k(s->f, K);
		partial += got[nat];
		columns[nat] = s->columns;
		at[nat++] = s;
	}
	memset(part, 0, (size_t)se->q->n * sizeof(*part));
	memset(hit->columns, 0, sizeof(hit->columns));
	for (m = found; m != 0; m &= m - 1) {
		i = __builtin_ctz(m);
		part[i] = w->part[i][j];
		hit->columns[i] = w->columns[i][j];
	}
	for (i = 0; i < nat; i++) {
		part[at[i]->phrase] = got[i];
		hit->columns[at[i]->phrase] = columns[i];
	}
	hit->doc = d;
	hit->score = query_order_sum(part, se->q->n);
	return 1;
}

/* ---- A small range: every fact at once ---- */

/* Facts a scan scores at once: what it keeps of them is on the stack. */
#define SCAN_WINDOW 512

/* A window of facts being scanned: lo..hi, at most SCAN_WINDOW of them. */
struct scan {
	uint32_t lo, hi;
	double score[SCAN_WINDOW];		       /* each fact's score so far */
	uint32_t found[SCAN_WINDOW];		       /* bit i: phrase i is in it */
	uint8_t columns[INDEX_QUERY_MAX][SCAN_WINDOW]; /* [i][f]: phrase i's columns */
};

/* Adds s's part to fact d of the window, which holds its phrase with weighted frequency
 * f in the given columns. Phrases come in query order, so each fact's parts are summed
 * in the order FTS5 sums them; the phrases it lacks would add 0, which changes nothing. */
static inline void
scan_add(struct scan *w, const struct index *ix, const struct scorer *s, uint32_t d, double f,
	 uint8_t columns)
{
	uint32_t j = d - w->lo;

	w->score[j] += s->idf * index_freq_part_k(f, ix->length_part[d]);
	w->found[j] |= 1u << s->phrase;
	w->columns[s->phrase][j] = columns;
}

/* Adds a common term's parts: its facts in the window are its bits there, and their
 * counts follow one another in its dense form. */
static void
scan_dense(const struct index *ix, unsigned columns, const struct scorer *s, struct scan *w)
{
	const struct dense *ds = &ix->dense[s->dense];
	uint32_t word, tf[INDEX_COLUMNS], i, d;
	uint64_t bits;
	double f;

	for (word = w->lo >> 6; word <= w->hi >> 6; word++) {
		bits = ds->bits[word];
		i = ds->rank[word];
		if (word == w->lo >> 6) { /* not the facts before the window */
			i += index_popcount(bits & ((1ULL << (w->lo & 63)) - 1));
			bits &= ~0ULL << (w->lo & 63);
		}
		if (word == w->hi >> 6 && (w->hi & 63) != 63) /* nor those after it */
			bits &= (2ULL << (w->hi & 63)) - 1;
		for (; bits != 0; bits &= bits - 1, i++) {
			d = (word << 6) | (uint32_t)__builtin_ctzll(bits);
			tf[0] = ds->tf[i][0];
			tf[1] = ds->tf[i][1];
			tf[2] = ds->tf[i][2];
			if ((f = index_weighted(ix, tf, columns)) > 0)
				scan_add(w, ix, s, d, f, index_column_mask(tf));
		}
	}
}

/* Adds the parts of scorer s to the window's facts. */
static void
scan_scorer(const struct index *ix, unsigned columns, struct scorer *s, struct scan *w)
{
	struct postings_cursor *pc = &s->src[0].pc;
	double f;

	if (s->dense != INDEX_NONE) {
		scan_dense(ix, columns, s, w);
		return;
	}
	if (s->simple) { /* a term or a pair: its postings */
		postings_seek(pc, w->lo);
		for (; pc->doc <= w->hi; postings_next(pc))
			if ((f = index_weighted(ix, pc->tf, columns)) > 0)
				scan_add(w, ix, s, pc->doc, f, pc->columns);
		return;
	}
	if (s->doc < w->lo) /* the first window: where the scorer stopped is another's */
		scorer_seek(ix, columns, s, w->lo);
	for (; s->doc <= w->hi; scorer_seek(ix, columns, s, s->doc + 1))
		scan_add(w, ix, s, s->doc, s->f, s->columns);
}

/* Puts the window's facts with a phrase into the k best, in fact order, then gives those
 * of them still there their columns: a fact soon pushed out never needs them. */
static void
scan_keep(const struct scan *w, struct index_hit *best, int *n, int k)
{
	struct index_hit hit;
	uint32_t j, found;
	int i, c;

	memset(&hit, 0, sizeof(hit));
	for (j = 0; j <= w->hi - w->lo; j++) {
		/* Most facts score below the k best once there are k: keep_best() would turn
		 * them away, here without a call. */
		if (w->found[j] == 0 || (*n == k && w->score[j] <= best[k - 1].score))
			continue;
		hit.doc = w->lo + j;
		hit.score = w->score[j];
		keep_best(best, n, k, &hit);
	}
	for (i = 0; i < *n; i++) {
		if (best[i].doc < w->lo || best[i].doc > w->hi)
			continue;
		j = best[i].doc - w->lo;
		for (found = w->found[j]; found != 0; found &= found - 1) {
			c = __builtin_ctz(found);
			best[i].columns[c] = w->columns[c][j];
		}
	}
}

/* index_top() by scoring every fact of first..last, a window at a time, phrase after
 * phrase: for a range of a few hundred facts, cheaper than MaxScore's bookkeeping. */
static int
top_by_scan(struct search *se, uint32_t first, uint32_t last, int k, long long deadline_ns,
	    struct index_hit *out)
{
	struct scan w;
	int n = 0, i;

	if (first < 1)
		first = 1;
	if (last > se->ix->ndocs)
		last = se->ix->ndocs;
	for (w.lo = first; w.lo <= last; w.lo = w.hi + 1) {
		w.hi = last - w.lo >= SCAN_WINDOW - 1 ? w.lo + SCAN_WINDOW - 1 : last;
		memset(w.score, 0, (w.hi - w.lo + 1) * sizeof(w.score[0]));
		memset(w.found, 0, (w.hi - w.lo + 1) * sizeof(w.found[0]));
		for (i = 0; i < se->n; i++)
			scan_scorer(se->ix, se->columns, se->sc[i], &w);
		scan_keep(&w, out, &n, k);
		if (w.hi == last)
			break;
		if (deadline_ns != 0 && mono_ns() > deadline_ns)
			return -2;
	}
	return n;
}

/* ---- Any range: MaxScore ---- */

/* index_top() by MaxScore, a window of facts at a time: the drivers' postings in the
 * window are read into it one driver after another, then its facts are scored in order.
 * The roles are decided again between windows only: roles decided for a lower theta
 * stay right for a higher one, they only check less than they could. */
static int
top_by_maxscore(struct search *se, uint32_t first, uint32_t last, int k, long long deadline_ns,
		struct index_hit *out)
{
	const struct index *ix = se->ix;
	double theta = -HUGE_VAL;
	struct index_hit hit;
	struct window w;
	int n = 0, i, word;
	long scored = 0, next_look = DEADLINE_EVERY;
	uint64_t bits;
	uint32_t j;

	search_order(se);
	search_roles(se, theta, first);
	for (i = 0; i < se->ndrivers; i++)
		scorer_seek(ix, se->columns, se->drivers[i], first);
	for (;;) {
		/* The next window starts at the next fact a driver holds. */
		w.lo = POSTINGS_END;
		for (i = 0; i < se->ndrivers; i++)
			if (se->drivers[i]->doc < w.lo)
				w.lo = se->drivers[i]->doc;
		if (w.lo == POSTINGS_END || w.lo > last)
			break;
		w.hi = last - w.lo >= MAXSCORE_WINDOW - 1 ? w.lo + MAXSCORE_WINDOW - 1 : last;
		memset(w.hit, 0, sizeof(w.hit));
		for (i = 0; i < se->ndrivers; i++)
			window_collect(se, se->drivers[i], &w);
		for (word = 0; word < MAXSCORE_WINDOW / 64; word++) {
			for (bits = w.hit[word]; bits != 0; bits &= bits - 1) {
				j = (uint32_t)word * 64 + (uint32_t)__builtin_ctzll(bits);
				scored++;
				if (!window_score(se, &w, j, theta, &hit))
					continue;
				keep_best(out, &n, k, &hit);
				if (n == k && out[k - 1].score > theta)
					theta = out[k - 1].score;
			}
		}
		/* The roles stand until one of them would change. */
		if (se->flip + slack_at(theta) < theta)
			search_roles(se, theta, w.hi + 1);
		if (deadline_ns != 0 && scored >= next_look) {
			next_look = scored + DEADLINE_EVERY;
			if (mono_ns() > deadline_ns)
				return -2;
		}
	}
	return n;
}

/* index_top() by the given way. */
static int
top_by(const struct index *ix, const struct index_query *q, uint32_t first, uint32_t last, int k,
       long long deadline_ns, struct index_hit *out, enum index_way way)
{
	struct search se;
	int n;

	if (k <= 0 || first > last)
		return 0;
	if (search_open(&se, ix, q) == -1)
		return -1;
	if (way == INDEX_ANY)
		way = last - first + 1 < SCAN_MAX ? INDEX_SCAN : INDEX_MAXSCORE;
	if (way == INDEX_SCAN)
		n = top_by_scan(&se, first, last, k, deadline_ns, out);
	else
		n = top_by_maxscore(&se, first, last, k, deadline_ns, out);
	search_free(&se);
	return n;
}

int
index_top(const struct index *ix, const struct index_query *q, uint32_t first, uint32_t last, int k,
	  long long deadline_ns, struct index_hit *out)
{
	return top_by(ix, q, first, last, k, deadline_ns, out, INDEX_ANY);
}

int
index_top_by(const struct index *ix, const struct index_query *q, uint32_t first, uint32_t last,
	     int k, enum index_way way, struct index_hit *out)
{
	return top_by(ix, q, first, last, k, 0, out, way);
}

int
index_remember(struct index *ix, const struct index_phrase *p)
{
	struct index_query q = { .n = 1 };
	struct search se;
	struct memo *m;
	uint32_t df = 0;

	/* One- and two-token phrases are counted already. */
	if (p->n < 3 || p->n > INDEX_PHRASE_MAX || !index_exact_ids(p) ||
	    index_known_df(ix, p) >= 0)
		return 0;
	q.ph[0] = *p;
	if (search_open(&se, ix, &q) == -1)
		return -1;
	if (se.n == 1)
		df = count_phrase(ix, ~0u, se.sc[0]);
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
			index_phrase_tf(ix, &q->ph[i], d, ~0u, tf);
			f = index_weighted(ix, tf, columns);
			part[i] = f > 0 ? index_idf(ix, nhit[i]) *
						  index_freq_part(ix, f, index_doc_len(ix, d))
					: 0;
			h.columns[i] = f > 0 ? index_column_mask(tf) : 0;
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
