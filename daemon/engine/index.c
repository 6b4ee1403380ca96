/* SPDX-License-Identifier: MIT */
/*
 * index.c -- the in-memory index: built once from the FTS5 index, then only read
 * (search.c ranks facts with it).
 *
 * What it holds:
 *   - the terms, in byte order (so the terms a prefix starts are a range of ids), and
 *     each term's postings (postings.c) and its highest possible bm25 frequency part;
 *   - every fact's tokens as term ids, column after column ("forward"): a phrase is
 *     matched by reading a fact's tokens, which is also how the columns a phrase was
 *     found in and a question row's coverage are told;
 *   - every fact's question tokens again, sorted by term, each with its place and row:
 *     a phrase is looked for in a fact's questions only where its first term is;
 *   - the postings of every two-token phrase (pairs.c), and how many facts hold each
 *     longer phrase index_remember() was given.
 *
 * The builder checks what it is given: terms in order, every place inside its column,
 * no place given twice, none left without a term, question rows that add up to their
 * column. A file that does not add up is refused rather than read past.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexstore.h"

struct index_builder {
	struct index *ix;	     /* what is being built */
	uint32_t *len;		     /* column lengths, 3 per fact, until terms start */
	uint32_t *qdoc, *qlen;	     /* question rows given: fact and length */
	size_t nq, capq;	     /* entries in qdoc and qlen; allocated */
	size_t capterms;	     /* entries allocated in the term arrays */
	int terms_started;	     /* 1 once the first term came */
	struct postings_writer w;    /* the current term's list */
	uint32_t doc;		     /* the fact being counted for it, 0 for none */
	uint32_t tf[INDEX_COLUMNS];  /* its counts in that fact */
	uint32_t last_col, last_pos; /* the last place added, to check the order */
	char err[160];		     /* the first problem, empty when none */
};

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
	if (len > INDEX_COLUMN_MAX)
		return fail(b, "a column too long to index");
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
	/* Every fact's length part, once: a search would work it out again for every fact
	 * it scores, a division each time. */
	if ((ix->length_part = malloc(((size_t)ix->ndocs + 1) * sizeof(*ix->length_part))) == NULL)
		return fail(b, "out of memory");
	ix->length_part[0] = 0;
	for (i = 1; i <= ix->ndocs; i++)
		ix->length_part[i] = index_length_part(ix, index_doc_len(ix, (uint32_t)i));
	ix->bytes += ((size_t)ix->ndocs + 1) * sizeof(*ix->length_part);
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
	g = index_freq_part(ix, index_weighted(ix, b->tf, ~0u), index_doc_len(ix, b->doc));
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
	if (doc < b->doc || (doc == b->doc && ((uint32_t)col < b->last_col ||
					       ((uint32_t)col == b->last_col &&
						pos <= b->last_pos && b->tf[col] > 0))))
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

/* Orders 64-bit keys. */
static int
key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Writes fact d's question tokens to the table from at on, ordered by term then place
 * (through key, room for the fact's questions column). Returns where the next fact's
 * entries start, or -1 when a row number does not fit. */
static int64_t
fact_question_terms(struct index *ix, uint32_t d, uint32_t at, uint64_t *key)
{
	uint32_t col = ix->fwd_off[3 * d], r, pos, n = 0, i;

	if (ix->qrow_first[d + 1] - ix->qrow_first[d] > UINT16_MAX + 1u)
		return -1;
	for (r = ix->qrow_first[d]; r < ix->qrow_first[d + 1]; r++)
		for (pos = ix->qrow_start[r]; pos < ix->qrow_end[r]; pos++)
			key[n++] = (uint64_t)ix->fwd[pos] << 32 | (uint64_t)(pos - col) << 16 |
				   (r - ix->qrow_first[d]);
	qsort(key, n, sizeof(*key), key_cmp);
	for (i = 0; i < n; i++, at++) {
		ix->qtok[at].pos = (uint16_t)(key[i] >> 16);
		ix->qtok[at].row = (uint16_t)key[i];
	}
	return at;
}

/* Lays out every fact's question tokens sorted by term (after build_rows()): a phrase is
 * then looked for in a fact's questions where its first term is, not token by token. */
static int
build_question_terms(struct index_builder *b)
{
	struct index *ix = b->ix;
	size_t total = 0, longest = 1, len;
	uint64_t *key;
	int64_t at = 0;
	uint32_t d;

	for (d = 1; d <= ix->ndocs; d++) {
		len = ix->fwd_off[3 * d + 1] - ix->fwd_off[3 * d];
		total += len;
		longest = len > longest ? len : longest;
	}
	ix->qtok_first = malloc(((size_t)ix->ndocs + 2) * sizeof(*ix->qtok_first));
	ix->qtok = malloc((total ? total : 1) * sizeof(*ix->qtok));
	if (ix->qtok_first == NULL || ix->qtok == NULL ||
	    (key = malloc(longest * sizeof(*key))) == NULL)
		return fail(b, "out of memory");
	ix->qtok_first[0] = 0;
	for (d = 1; d <= ix->ndocs && at >= 0; d++) {
		ix->qtok_first[d] = (uint32_t)at;
		at = fact_question_terms(ix, d, (uint32_t)at, key);
	}
	free(key);
	if (at < 0)
		return fail(b, "a fact with too many question rows");
	ix->qtok_first[ix->ndocs + 1] = (uint32_t)at;
	ix->bytes += ((size_t)ix->ndocs + 2) * sizeof(*ix->qtok_first) + total * sizeof(*ix->qtok);
	return 0;
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
		rc = build_question_terms(b);
	if (rc == 0 && b->err[0] == '\0' && (pairs_build(ix) == -1 || dense_build(ix) == -1))
		rc = fail(b, "out of memory");
	if (b->err[0] != '\0') {
		snprintf(err, errlen, "%s", b->err);
		index_builder_free(b);
		return -1;
	}
	ix->bytes += sizeof(*ix) + ix->post.bytes.cap +
		     ix->post.capskips * sizeof(struct postings_skip) +
		     b->capterms * (sizeof(char *) + sizeof(uint32_t) +
				    sizeof(struct postings_list) + sizeof(double));
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
	free(ix->length_part);
	free(ix->qrow_first);
	free(ix->qrow_start);
	free(ix->qrow_end);
	free(ix->qtok_first);
	free(ix->qtok);
	free(ix->pair);
	free(ix->pair_list);
	free(ix->pair_gmax);
	postings_free(&ix->pair_post);
	dense_free(ix);
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
index_term_prefix(const struct index *ix, const char *prefix, size_t n, uint32_t *lo, uint32_t *hi)
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

void
index_phrase_tf(const struct index *ix, const struct index_phrase *p, uint32_t doc, unsigned mask,
		uint32_t tf[INDEX_COLUMNS])
{
	const uint32_t *off = ix->fwd_off + 3 * doc;
	int c;

	for (c = 0; c < INDEX_COLUMNS; c++)
		tf[c] = (mask >> c) & 1 ? count_in(ix->fwd + off[c], off[c + 1] - off[c], p) : 0;
}

unsigned
index_phrase_columns(const struct index *ix, const struct index_phrase *p, uint32_t doc)
{
	uint32_t tf[INDEX_COLUMNS];
	unsigned mask = 0;
	int c;

	if (doc < 1 || doc > ix->ndocs)
		return 0;
	index_phrase_tf(ix, p, doc, ~0u, tf);
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
		*cover = (double)index_popcount(covered) / (n < 64 ? n : 64);
}

/* ---- Question rows, by term ---- */

/* Returns the first of the n entries of e whose term (in tok) is t or after it. */
static const struct index_qtok *
qtok_lower_bound(const struct index_qtok *e, uint32_t n, const uint32_t *tok, uint32_t t)
{
	uint32_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tok[e[mid].pos] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return e + lo;
}

/* Sets bits [from, from + n) of the bitmap. */
static void
bits_set(uint64_t *bits, uint32_t from, uint32_t n)
{
	for (; n > 0; n--, from++)
		bits[from >> 6] |= 1ULL << (from & 63);
}

/* Returns the bits set among [from, from + n) of the bitmap, n at most 64; the word after
 * the one from is in must be readable. */
static uint32_t
bits_count(const uint64_t *bits, uint32_t from, uint32_t n)
{
	uint32_t shift = from & 63;
	uint64_t window = bits[from >> 6] >> shift;

	if (shift != 0)
		window |= bits[(from >> 6) + 1] << (64 - shift);
	return index_popcount(n < 64 ? window & ((1ULL << n) - 1) : window);
}

/* Where fact doc's question rows being matched lie, relative to its questions column. */
struct qrows {
	const uint32_t *tok; /* the column's tokens */
	uint32_t col;	     /* its first token in fwd */
	uint32_t first;	     /* the fact's first row */
	uint32_t n;	     /* rows looked at */
	const uint32_t *end; /* each row's end in fwd (one past its last token) */
};

/* Finds phrase ph of q in the rows: sets bit ph of found[row] for each row it starts in
 * (and ends in), and marks the tokens it covers in covered. Only a row's first 64 tokens
 * count towards its cover, and a match never runs into the next row: marks past the 64th
 * are never read, so need no clipping. */
static void
find_phrase(const struct qrows *qr, const struct index_query *q, int ph, const struct index_qtok *e,
	    uint32_t n, uint32_t *found, uint64_t *covered)
{
	const struct index_phrase *p = &q->ph[ph];
	const struct index_qtok *it, *end = e + n;
	uint32_t len = (uint32_t)p->n;

	if (len == 0)
		return;
	for (it = qtok_lower_bound(e, n, qr->tok, p->lo[0]);
	     it < end && qr->tok[it->pos] < p->hi[0]; it++) {
		if (it->row >= qr->n || qr->col + it->pos + len > qr->end[it->row] ||
		    !rest_matches(qr->tok, it->pos, p))
			continue;
		found[it->row] |= 1u << ph;
		bits_set(covered, it->pos, len);
	}
}

int
index_question_rows_match(const struct index *ix, const struct index_query *q, uint32_t phrases,
			  uint32_t doc, uint32_t *found, double *cover, int max)
{
	uint64_t covered[(INDEX_COLUMN_MAX + 63) / 64 + 1]; /* and a word for bits_count() */
	const struct index_qtok *e;
	struct qrows qr;
	uint32_t r, n, start, len;

	if (doc < 1 || doc > ix->ndocs)
		return 0;
	qr.first = ix->qrow_first[doc];
	qr.n = ix->qrow_first[doc + 1] - qr.first;
	if (qr.n > (uint32_t)max)
		qr.n = (uint32_t)max;
	if (qr.n == 0)
		return 0;
	qr.col = ix->fwd_off[3 * doc];
	qr.end = ix->qrow_end + qr.first;
	qr.tok = ix->fwd + qr.col;
	memset(found, 0, qr.n * sizeof(*found));
	memset(covered, 0,
	       ((ix->qrow_end[qr.first + qr.n - 1] - qr.col + 63) / 64 + 1) * sizeof(uint64_t));
	if (q->n < 32)
		phrases &= (1u << q->n) - 1;
	e = ix->qtok + ix->qtok_first[doc];
	n = ix->qtok_first[doc + 1] - ix->qtok_first[doc];
	for (; phrases != 0; phrases &= phrases - 1)
		find_phrase(&qr, q, __builtin_ctz(phrases), e, n, found, covered);
	/* A row's share: of its tokens (the first 64), those inside one of its matches. */
	for (r = 0; r < qr.n; r++) {
		cover[r] = 0;
		if (found[r] == 0)
			continue;
		start = ix->qrow_start[qr.first + r] - qr.col;
		len = ix->qrow_end[qr.first + r] - qr.col - start;
		len = len < 64 ? len : 64;
		cover[r] = (double)bits_count(covered, start, len) / len;
	}
	return (int)qr.n;
}

/* ---- How many facts hold a phrase ---- */

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

int64_t
index_known_df(const struct index *ix, const struct index_phrase *p)
{
	if (p->n == 1 && p->hi[0] == p->lo[0] + 1)
		return ix->list[p->lo[0]].df;
	if (!index_exact_ids(p))
		return -1;
	if (p->n == 2) {
		long k = pairs_find(ix, p->lo[0], p->lo[1]);

		return k < 0 ? 0 : ix->pair_list[k].df;
	}
	return memo_find(ix, p);
}
