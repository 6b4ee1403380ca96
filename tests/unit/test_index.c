/* SPDX-License-Identifier: MIT */
/*
 * test_index.c -- the in-memory index. Varints and postings round-trip, cursors seek as a
 * plain array would; pruned top-k, and a scan of every fact a window at a time, equal
 * exhaustive scoring, fact for fact and bit for bit, on thousands of random queries over
 * random indexes (a property test); every fact's question tokens sorted by term say
 * where each token is; an index that does not add up is refused; and on the
 * real knowledge base (the first argument), the engine's search returns what FTS5 itself
 * returns for the same MATCH expression: the same facts in the same order with the same
 * bm25 scores.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "index.h"
#include "indexstore.h"
#include "kbstore.h"
#include "query.h"

static const char *kb_path; /* the real knowledge base */

/* A small deterministic generator (xorshift), so a failure can be replayed. */
static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static void
test_varints(void)
{
	const uint32_t values[] = { 0,	       1,	  127,	     128,
				    255,       16383,	  16384,     2097151,
				    2097152,   268435455, 268435456, UINT32_MAX - 1,
				    UINT32_MAX };
	unsigned char b[8];
	const unsigned char *p;
	uint32_t v;
	size_t i;
	int n;

	for (i = 0; i < ARRAY_LEN(values); i++) {
		n = varint_put(b, values[i]);
		p = b;
		CHECK(n >= 1 && n <= 5);
		CHECK(varint_get(&p, b + n, &v) == 0 && v == values[i] && p == b + n);
		p = b; /* cut short: refused, not read past */
		CHECK(n == 1 || varint_get(&p, b + n - 1, &v) == -1);
	}
	memset(b, 0xff, sizeof(b)); /* longer than 32 bits */
	p = b;
	CHECK(varint_get(&p, b + sizeof(b), &v) == -1);
}

/* Writes a random list of n entries into p and the same into the arrays. */
static void
random_list(struct postings *p, struct postings_list *l, uint32_t n, uint32_t *docs,
	    uint32_t (*tf)[POSTINGS_COLUMNS])
{
	struct postings_writer w;
	uint32_t d = 0, i;
	int c;

	postings_begin(p, &w);
	for (i = 0; i < n; i++) {
		d += 1 + (rnd(4) == 0 ? rnd(100000) : rnd(3));
		docs[i] = d;
		for (c = 0; c < POSTINGS_COLUMNS; c++)
			tf[i][c] = rnd(3) == 0 ? rnd(300) : 0;
		if (tf[i][0] + tf[i][1] + tf[i][2] == 0)
			tf[i][rnd(POSTINGS_COLUMNS)] = 1 + rnd(5);
		CHECK(postings_add(p, &w, d, tf[i]) == 0);
	}
	*l = w.list;
	CHECK(l->df == n && l->nskip == (n - 1) / POSTINGS_BLOCK);
}

static void
test_postings_round_trip(void)
{
	enum { N = 2000 };
	static uint32_t docs[3][N], tf[3][N][POSTINGS_COLUMNS];
	const uint32_t sizes[3] = { 1, POSTINGS_BLOCK, N };
	struct postings_list lists[3];
	struct postings_cursor c;
	struct postings p;
	uint32_t i, k, target;
	int l, col, bad;

	postings_init(&p);
	for (l = 0; l < 3; l++) /* three lists end to end, as the index keeps them */
		random_list(&p, &lists[l], sizes[l], docs[l], tf[l]);
	for (l = 0; l < 3; l++) {
		/* Read in order: every entry as written. */
		postings_open(&p, &lists[l], &c);
		for (i = 0, bad = 0; i < sizes[l]; i++) {
			postings_seek(&c, c.doc + 1);
			bad += c.doc != docs[l][i];
			for (col = 0; col < POSTINGS_COLUMNS; col++)
				bad += c.tf[col] != tf[l][i][col];
		}
		postings_seek(&c, c.doc + 1);
		CHECK(bad == 0 && c.doc == POSTINGS_END);
		/* Seeks to random targets, forward only: the first entry >= target. */
		postings_open(&p, &lists[l], &c);
		for (k = 0, target = 0, bad = 0; k < 500; k++) {
			target += rnd(docs[l][sizes[l] - 1] / 200 + 2);
			postings_seek(&c, target);
			for (i = 0; i < sizes[l] && docs[l][i] < target; i++)
				;
			bad += i == sizes[l] ? c.doc != POSTINGS_END
					     : c.doc != docs[l][i] || c.tf[0] != tf[l][i][0];
			if (c.doc == POSTINGS_END)
				break;
		}
		CHECK(bad == 0);
	}
	postings_free(&p);
}

/* A term at a place, for feeding a builder in its order. */
struct place {
	uint32_t term, doc, col, pos;
};

static int
cmp_place(const void *a, const void *b)
{
	const struct place *x = a, *y = b;

	if (x->term != y->term)
		return x->term < y->term ? -1 : 1;
	if (x->doc != y->doc)
		return x->doc < y->doc ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* A random index: ndocs facts of up to 30 tokens a column, over a vocabulary of nterms
 * words where low ids are common (so some words are in most facts, as "the" is), each
 * fact's questions column cut into 1 to 3 question rows. */
static struct index *
random_index(uint32_t ndocs, uint32_t nterms)
{
	static const double weight[INDEX_COLUMNS] = { 4.0, 2.0, 1.0 };
	struct index_builder *b = index_builder_new(ndocs, weight);
	struct place *places = malloc((size_t)ndocs * 3 * 30 * sizeof(*places));
	uint32_t len, d, p, cut, rows, off;
	size_t n = 0, i;
	struct index *ix = NULL;
	char term[16], err[160];
	int c;

	for (d = 1; d <= ndocs; d++) {
		for (c = 0; c < INDEX_COLUMNS; c++) {
			len = rnd(30);
			for (p = 0; p < len; p++)
				places[n++] =
					(struct place){ rnd(2) ? rnd(nterms / 8 + 1) : rnd(nterms),
							d, (uint32_t)c, p };
			CHECK(index_builder_length(b, d, c, len) == 0);
			if (c != 0)
				continue;
			rows = 1 + rnd(3);
			for (off = 0; rows > 0; rows--) {
				cut = rows == 1 ? len - off : rnd(len - off + 1);
				CHECK(index_builder_question(b, d, cut) == 0);
				off += cut;
			}
		}
	}
	qsort(places, n, sizeof(*places), cmp_place);
	for (i = 0; i < n; i++) {
		if (i == 0 || places[i].term != places[i - 1].term) {
			/* Zero-padded, the terms sort in byte order as their numbers do. */
			snprintf(term, sizeof(term), "w%05u", places[i].term);
			CHECK(index_builder_term(b, term, strlen(term)) == 0);
		}
		CHECK(index_builder_add(b, places[i].doc, (int)places[i].col, places[i].pos) == 0);
	}
	free(places);
	if (index_builder_finish(b, &ix, err, sizeof(err)) == -1)
		fprintf(stderr, "  random index refused: %s\n", err);
	return ix;
}

/* Sets token j of p to term word (or, as a prefix, every term starting with its text). */
static void
set_token(const struct index *ix, struct index_phrase *p, int j, uint32_t word, int prefix)
{
	char term[16];

	snprintf(term, sizeof(term), "w%05u", word);
	if (prefix) {
		/* "w0001" starts w00010..w00019: a range of terms, as a prefix is. */
		index_term_prefix(ix, term, strlen(term) - 1, &p->lo[j], &p->hi[j]);
	} else {
		uint32_t id = index_term_id(ix, term, strlen(term));

		p->lo[j] = id == INDEX_NONE ? 0 : id;
		p->hi[j] = id == INDEX_NONE ? 0 : id + 1;
	}
}

/* A random query: 1 to 12 phrases of 1 to 3 tokens, words common and rare, some prefixes,
 * some repeated, some matching nothing. */
static void
random_query(const struct index *ix, uint32_t nterms, struct index_query *q)
{
	int i, j;

	memset(q, 0, sizeof(*q));
	q->n = 1 + (int)rnd(12);
	q->columns = rnd(5) == 0 ? 1u << rnd(3) : 0;
	for (i = 0; i < q->n; i++) {
		struct index_phrase *p = &q->ph[i];

		if (i > 0 && rnd(10) == 0) {
			*p = q->ph[rnd((uint32_t)i)];
			continue;
		}
		p->n = rnd(4) == 0 ? 2 + (int)rnd(2) : 1;
		for (j = 0; j < p->n; j++)
			set_token(ix, p, j, rnd(3) == 0 ? rnd(nterms / 8 + 1) : rnd(nterms + 20),
				  j == p->n - 1 && rnd(8) == 0);
	}
}

/* Returns 1 when the two result lists are the same facts with the same scores, their
 * phrases found in the same columns. */
static int
same_hits(const struct index_hit *a, int na, const struct index_hit *b, int nb)
{
	int i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (a[i].doc != b[i].doc || a[i].score != b[i].score ||
		    memcmp(a[i].columns, b[i].columns, sizeof(a[i].columns)) != 0)
			return 0;
	return 1;
}

/* Compares index_top(), and each of its ways, with exhaustive scoring on query i; counts
 * a difference in *differ (reporting the first few). */
static void
compare_ways(const struct index *ix, const struct index_query *q, uint32_t first, uint32_t last,
	     int k, int i, int *differ, int *found)
{
	static const char *name[] = { "index_top", "scan", "MaxScore" };
	struct index_hit pruned[64], all[64];
	int way, np, ne;

	ne = index_top_exhaustive(ix, q, first, last, k, all);
	for (way = INDEX_ANY; way <= INDEX_MAXSCORE; way++) {
		np = way == INDEX_ANY
			     ? index_top(ix, q, first, last, k, 0, pruned)
			     : index_top_by(ix, q, first, last, k, (enum index_way)way, pruned);
		*found += way == INDEX_ANY && np > 0;
		if (!same_hits(pruned, np, all, ne) && (*differ)++ < 3)
			fprintf(stderr, "  size %u, query %d: %s %d hits, exhaustive %d\n",
				index_docs(ix), i, name[way], np, ne);
	}
}

static void
test_pruned_equals_exhaustive(void)
{
	static const uint32_t sizes[][2] = { { 40, 30 }, { 300, 120 }, { 1500, 400 } };
	struct index_query q;
	struct index *ix;
	uint32_t first, last;
	int s, i, k, differ = 0, found = 0;

	for (s = 0; s < (int)ARRAY_LEN(sizes); s++) {
		if ((ix = random_index(sizes[s][0], sizes[s][1])) == NULL) {
			CHECK(ix != NULL);
			continue;
		}
		for (i = 0; i < 1500; i++) {
			random_query(ix, sizes[s][1], &q);
			k = 1 + (int)rnd(40);
			first = 1 + rnd(sizes[s][0] / 4);
			last = rnd(3) == 0 ? sizes[s][0] : first + rnd(sizes[s][0] - first + 1);
			compare_ways(ix, &q, first, last, k, i, &differ, &found);
		}
		index_free(ix);
	}
	CHECK(differ == 0);
	CHECK(found > 3000); /* most queries found something: the test tested */
}

/* The columns of a phrase, and the question rows' matches, read off the tokens. */
static void
test_columns_and_question_rows(void)
{
	struct index *ix = random_index(50, 20);
	struct index_query q;
	uint32_t d, found, all_found = 0;
	double cover;
	int r, rows, total = 0;

	if (ix == NULL) {
		CHECK(ix != NULL);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.n = 2;
	set_token(ix, &q.ph[0], 0, 0, 0);
	q.ph[0].n = 1;
	set_token(ix, &q.ph[1], 0, 1, 0);
	q.ph[1].n = 1;
	for (d = 1; d <= 50; d++) {
		uint32_t row_found[3];
		double row_cover[3];

		rows = index_question_rows(ix, d);
		CHECK(rows >= 1 && rows <= 3);
		/* All rows at once, as row by row. */
		CHECK(index_question_rows_match(ix, &q, ~0u, d, row_found, row_cover, 3) == rows);
		for (r = 0; r < rows; r++) {
			index_question_match(ix, &q, ~0u, d, r, &found, &cover);
			CHECK(row_found[r] == found && row_cover[r] == cover);
			CHECK(cover >= 0 && cover <= 1 && (found == 0) == (cover == 0));
			all_found |= found;
			/* A phrase found in a question row is in the questions column. */
			CHECK(!(found & 1) || (index_phrase_columns(ix, &q.ph[0], d) & 1));
		}
		total += rows;
	}
	CHECK(all_found == 3 && total >= 50);
	index_question_match(ix, &q, ~0u, 51, 0, &found, &cover); /* no such fact */
	CHECK(found == 0 && cover == 0);
	index_free(ix);
}

/* An index of ndocs facts whose questions columns are long (up to 150 tokens, so past the
 * 64 a row's cover counts) and cut into up to 8 rows, some empty, over a few terms, so
 * that phrases match often, overlap and run from one row into the next. */
static struct index *
long_rows_index(uint32_t ndocs, uint32_t nterms)
{
	static const double weight[INDEX_COLUMNS] = { 4.0, 2.0, 1.0 };
	struct index_builder *b = index_builder_new(ndocs, weight);
	uint32_t *tok = malloc((size_t)ndocs * 150 * sizeof(*tok)), len[64], d, p, t, rows, off,
		 cut;
	struct index *ix = NULL;
	char term[16], err[160];

	CHECK(ndocs <= 64);
	for (d = 1; d <= ndocs; d++) {
		len[d - 1] = rnd(151);
		for (p = 0; p < len[d - 1]; p++)
			tok[(d - 1) * 150 + p] = rnd(nterms);
		CHECK(index_builder_length(b, d, 0, len[d - 1]) == 0);
		CHECK(index_builder_length(b, d, 1, 0) == 0);
		CHECK(index_builder_length(b, d, 2, 0) == 0);
		rows = 1 + rnd(8);
		for (off = 0; rows > 0; rows--) {
			cut = rows == 1 ? len[d - 1] - off : rnd(len[d - 1] - off + 1);
			CHECK(index_builder_question(b, d, cut) == 0);
			off += cut;
		}
	}
	for (t = 0; t < nterms; t++) {
		snprintf(term, sizeof(term), "w%05u", t);
		CHECK(index_builder_term(b, term, strlen(term)) == 0);
		for (d = 1; d <= ndocs; d++)
			for (p = 0; p < len[d - 1]; p++)
				if (tok[(d - 1) * 150 + p] == t)
					CHECK(index_builder_add(b, d, 0, p) == 0);
	}
	free(tok);
	if (index_builder_finish(b, &ix, err, sizeof(err)) == -1)
		fprintf(stderr, "  long-rows index refused: %s\n", err);
	return ix;
}

/* All question rows at once match as one row at a time does, on random queries (phrases
 * of several tokens, prefixes, repeats), random choices of phrases and row limits, and
 * rows longer than the 64 tokens a cover counts. */
static void
test_question_rows_random(void)
{
	struct index *ix = long_rows_index(40, 12);
	struct index_query q;
	uint32_t d, mask, found, row_found[8], any = 0;
	double cover, row_cover[8];
	int i, r, rows, max, long_covered = 0;

	if (ix == NULL) {
		CHECK(ix != NULL);
		return;
	}
	for (i = 0; i < 300; i++) {
		random_query(ix, 12, &q);
		mask = rnd(3) == 0 ? ~0u : (uint32_t)rnd(1u << 12);
		for (d = 1; d <= 40; d++) {
			rows = index_question_rows(ix, d);
			max = 1 + (int)rnd(9);
			CHECK(index_question_rows_match(ix, &q, mask, d, row_found, row_cover,
							max) == (rows < max ? rows : max));
			for (r = 0; r < rows && r < max; r++) {
				index_question_match(ix, &q, mask, d, r, &found, &cover);
				CHECK(row_found[r] == found && row_cover[r] == cover);
				any |= found;
				long_covered += cover > 0 && cover < 1;
			}
		}
	}
	CHECK(any != 0 && long_covered > 100); /* the test tested */
	CHECK(index_question_rows_match(ix, &q, ~0u, 41, row_found, row_cover, 8) == 0);
	index_free(ix);
}

/* Checks entry e of fact d's question tokens against the forward index: its place is
 * in its row. */
static int
question_token_agrees(const struct index *ix, uint32_t d, const struct index_qtok *e)
{
	uint32_t at = ix->fwd_off[3 * d] + e->pos, r = ix->qrow_first[d] + e->row;

	return r < ix->qrow_first[d + 1] && at >= ix->qrow_start[r] && at < ix->qrow_end[r];
}

/* Returns the term of entry e of fact d's question tokens. */
static uint32_t
question_token_term(const struct index *ix, uint32_t d, const struct index_qtok *e)
{
	return ix->fwd[ix->fwd_off[3 * d] + e->pos];
}

/* The question tokens sorted by term hold every token of every fact's questions column
 * once, in term then place order, each saying truly where it is (empty rows and rows
 * longer than 64 tokens among them). */
static void
test_question_terms(void)
{
	struct index *ix = long_rows_index(40, 12);
	const struct index_qtok *e;
	uint32_t d, i, n, bad = 0;

	if (ix == NULL) {
		CHECK(ix != NULL);
		return;
	}
	for (d = 1; d <= 40; d++) {
		e = ix->qtok + ix->qtok_first[d];
		n = ix->qtok_first[d + 1] - ix->qtok_first[d];
		CHECK(n == ix->fwd_off[3 * d + 1] - ix->fwd_off[3 * d]);
		for (i = 0; i < n; i++) {
			bad += !question_token_agrees(ix, d, &e[i]);
			bad += i > 0 && (question_token_term(ix, d, &e[i - 1]) >
						 question_token_term(ix, d, &e[i]) ||
					 (question_token_term(ix, d, &e[i - 1]) ==
						  question_token_term(ix, d, &e[i]) &&
					  e[i - 1].pos >= e[i].pos));
		}
	}
	CHECK(bad == 0);
	index_free(ix);
}

/* A fact with more question rows than a token's row number holds is refused. */
static void
test_too_many_question_rows_refused(void)
{
	static const double weight[INDEX_COLUMNS] = { 4.0, 2.0, 1.0 };
	struct index_builder *b = index_builder_new(1, weight);
	struct index *ix = NULL;
	char err[160];
	uint32_t r;

	CHECK(b != NULL);
	if (b == NULL)
		return;
	CHECK(index_builder_length(b, 1, 0, 0) == 0);
	for (r = 0; r < UINT16_MAX + 2u; r++)
		CHECK(index_builder_question(b, 1, 0) == 0);
	CHECK(index_builder_finish(b, &ix, err, sizeof(err)) == -1 && ix == NULL);
	CHECK(strstr(err, "question rows") != NULL);
}

static void
test_index_that_does_not_add_up_is_refused(void)
{
	static const double weight[INDEX_COLUMNS] = { 4.0, 2.0, 1.0 };
	struct index_builder *b;
	struct index *ix;
	char err[160];

	/* A token with no term. */
	b = index_builder_new(1, weight);
	index_builder_length(b, 1, 2, 2);
	index_builder_term(b, "a", 1);
	index_builder_add(b, 1, 2, 0);
	CHECK(index_builder_finish(b, &ix, err, sizeof(err)) == -1 && ix == NULL);
	CHECK(strstr(err, "no term") != NULL);
	/* A place beyond its column, two terms at one place, terms out of order. */
	b = index_builder_new(1, weight);
	index_builder_length(b, 1, 2, 1);
	index_builder_term(b, "b", 1);
	CHECK(index_builder_add(b, 1, 2, 1) == -1);
	index_builder_free(b);
	b = index_builder_new(1, weight);
	index_builder_length(b, 1, 2, 1);
	index_builder_term(b, "b", 1);
	index_builder_add(b, 1, 2, 0);
	CHECK(index_builder_term(b, "a", 1) == -1);
	index_builder_free(b);
	b = index_builder_new(1, weight);
	index_builder_length(b, 1, 0, 1);
	index_builder_term(b, "a", 1);
	index_builder_add(b, 1, 0, 0);
	index_builder_term(b, "b", 1);
	CHECK(index_builder_add(b, 1, 0, 0) == -1);
	index_builder_free(b);
	/* Question rows that do not make up their column; a fact out of range. */
	b = index_builder_new(2, weight);
	index_builder_length(b, 1, 0, 3);
	index_builder_question(b, 1, 2);
	CHECK(index_builder_finish(b, &ix, err, sizeof(err)) == -1);
	b = index_builder_new(2, weight);
	CHECK(index_builder_length(b, 3, 0, 1) == -1 && index_builder_question(b, 0, 1) == -1);
	CHECK(index_builder_finish(b, &ix, err, sizeof(err)) == -1);
}

/* ---- Against FTS5 itself ---- */

/* FTS5's own top k for expr among the facts first..last: what the engine replaced. */
static int
fts5_top(sqlite3 *db, const char *expr, long first, long last, int k, long *docs, double *rank)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT rowid, rank FROM fact_index WHERE fact_index MATCH ?1"
			       " AND rowid BETWEEN ?2 AND ?3 ORDER BY rank, rowid LIMIT ?4",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, first);
	sqlite3_bind_int64(st, 3, last);
	sqlite3_bind_int(st, 4, k);
	while (n < k && sqlite3_step(st) == SQLITE_ROW) {
		docs[n] = (long)sqlite3_column_int64(st, 0);
		rank[n] = sqlite3_column_double(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* The words of the real knowledge base, to make questions of. */
static char **
vocabulary(sqlite3 *db, int *n)
{
	char **words = NULL;
	sqlite3_stmt *st;

	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT term FROM word_vocab", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		words = realloc(words, ((size_t)*n + 1) * sizeof(*words));
		words[(*n)++] = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return words;
}

static void
test_same_as_fts5(void)
{
	struct kb_hit hits[KB_QUESTION_FACTS];
	double rank[KB_QUESTION_FACTS];
	long docs[KB_QUESTION_FACTS];
	struct index_query iq;
	struct query q;
	struct kb *kb;
	sqlite3 *db;
	char err[256], pair[128], **words;
	int nwords, i, t, a, nk, nf, j, differ = 0, compared = 0;
	enum lang lang;

	if (kb_open(kb_path, &kb, err, sizeof(err)) == -1 ||
	    sqlite3_open_v2(kb_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "  %s: %s\n", kb_path, err);
		CHECK(0);
		return;
	}
	words = vocabulary(db, &nwords);
	CHECK(nwords > 100);
	for (i = 0; i < 2000 && nwords > 0; i++) {
		/* Terms of one to three alternatives: words, two-word phrases, prefixes. */
		query_init(&q);
		for (t = 1 + (int)rnd(6); t > 0; t--) {
			query_term_begin(&q);
			for (a = 1 + (int)rnd(3); a > 0; a--) {
				const char *w = words[rnd((uint32_t)nwords)];
				switch (rnd(6)) {
				case 0:
					snprintf(pair, sizeof(pair), "%s %s", w,
						 words[rnd((uint32_t)nwords)]);
					query_term_add(&q, pair, strlen(pair), 0);
					break;
				case 1:
					query_term_add(&q, w, strlen(w) > 4 ? 4 : strlen(w), 1);
					break;
				default: query_term_add(&q, w, strlen(w), 0);
				}
			}
			query_term_end(&q);
		}
		lang = rnd(2) ? LANG_EN : LANG_ES;
		CHECK(kb_prepare(kb, &q, &iq) == 0);
		nk = kb_search(kb, &iq, lang, hits, KB_QUESTION_FACTS, 0, err, sizeof(err));
		nf = fts5_top(db, query_text(&q), kb->first[lang], kb->last[lang],
			      KB_QUESTION_FACTS, docs, rank);
		compared += nf > 0;
		for (j = 0; nk == nf && j < nk; j++)
			if (hits[j].fact != docs[j] || hits[j].score != -rank[j])
				break;
		if ((nk != nf || j < nk) && differ++ < 3)
			fprintf(stderr,
				"  %s: the engine found %d facts, FTS5 %d (first differing "
				"at %d)\n",
				query_text(&q), nk, nf, j);
		query_free(&q);
	}
	CHECK(differ == 0);
	CHECK(compared > 1000);
	for (i = 0; i < nwords; i++)
		free(words[i]);
	free(words);
	sqlite3_close(db);
	kb_close(kb);
}

/* Returns 1 when synonym form i's group is linked as its group number says: from its
 * first form, every form of the group in sorted order, and the most facts of any. */
static int
group_linked(const struct kb *kb, size_t i)
{
	const struct kb_synonym *s = kb->syn;
	size_t k, at = s[i].group_first, seen = 0;
	long most;
	enum lang l;

	for (k = 0; k < kb->nsyn; k++) {
		if (s[k].group != s[i].group)
			continue;
		if (k != at)
			return 0;
		at = s[k].group_next;
		seen++;
	}
	if (at != 0 || seen == 0)
		return 0;
	for (l = LANG_EN; l < LANG_COUNT; l++) {
		for (most = 0, k = 0; k < kb->nsyn; k++)
			if (s[k].group == s[i].group && s[k].docs[l] > most)
				most = s[k].docs[l];
		if (most != s[i].group_docs[l])
			return 0;
	}
	return 1;
}

/* Returns 1 when kb_vocab_by_length() gives, for every first byte, each word that starts
 * with it once, by length and then in the vocabulary's order. */
static int
by_length_ok(const struct kb *kb)
{
	const uint32_t *by;
	size_t n, i, total = 0;
	int c;

	for (c = 1; c < 256; c++) {
		by = kb_vocab_by_length(kb, (unsigned char)c, &n);
		for (i = 0; i < n; i++) {
			if ((unsigned char)kb->vocab[by[i]].word[0] != c)
				return 0;
			if (i > 0 && (kb->vocab[by[i - 1]].len > kb->vocab[by[i]].len ||
				      (kb->vocab[by[i - 1]].len == kb->vocab[by[i]].len &&
				       by[i - 1] >= by[i])))
				return 0;
		}
		total += n;
	}
	return total == kb->nvocab;
}

/* The vocabulary's words are found by their hash, and read from the terms kept for them
 * as the tokenizer reads them, alone and in phrases; a wrong kept term shows. Every
 * synonym form's first word, and every misspelling, passes its filter, and the forms
 * of a group are linked together. */
static void
test_vocabulary_reads_as_tokenizer(void)
{
	struct kb *kb;
	char err[256], first[64];
	size_t i, k, missed;
	int c;

	if (kb_open(kb_path, &kb, err, sizeof(err)) == -1) {
		fprintf(stderr, "  %s: %s\n", kb_path, err);
		CHECK(0);
		return;
	}
	CHECK(kb->nvocab > 100 && kb_vocab_check(kb) == 0);
	CHECK(kb_word_docs(kb, kb->vocab[0].word) == kb->vocab[0].docs);
	CHECK(kb_word_docs(kb, "qqzzxq") == 0 && kb_word_docs(kb, "") == 0);
	CHECK(kb_phrase_docs(kb, "qqzzxq judge") == 0);
	for (i = 0, missed = 0; i < kb->nsyn; i++) {
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(kb->syn[i].form, " "),
			 kb->syn[i].form);
		missed +=
			!kb_may_start_synonym(kb, first) || !kb_may_be_synonym(kb, kb->syn[i].form);
	}
	CHECK(kb->nsyn > 0 && missed == 0);
	for (i = 0, missed = 0; i < kb->nsyn; i++)
		missed += !group_linked(kb, i);
	CHECK(missed == 0);
	for (c = 1, missed = 0; c < 256; c++) {
		k = kb_vocab_from(kb, (unsigned char)c);
		missed += (k > 0 && (unsigned char)kb->vocab[k - 1].word[0] >= c) ||
			  (k < kb->nvocab && (unsigned char)kb->vocab[k].word[0] < c);
	}
	CHECK(missed == 0);
	CHECK(by_length_ok(kb));
	/* The letters a word has twice: "banana" has a and n; "ab" none; "e.." the six
	 * shared bits of '.'. */
	CHECK(kb_letters_twice("banana") == ((1u << ('a' - 'a')) | (1u << ('n' - 'a'))));
	CHECK(kb_letters_twice("ab") == 0 && kb_letters_twice("") == 0);
	CHECK(kb_letters_twice("e..") == 1u << (26 + '.' % 6));
	for (i = 0, missed = 0; i < kb->nvocab; i++)
		missed += kb->vocab[i].twice != kb_letters_twice(kb->vocab[i].word);
	CHECK(missed == 0);
	for (i = 0, missed = 0; i < kb->nfixes; i++)
		missed += kb_misspelling(kb, kb->fixes[i].word) == NULL;
	CHECK(kb->nfixes > 0 && missed == 0);
	for (i = 0, k = 0; kb->known != NULL && i <= kb->known_mask; i++)
		k += kb->known[i].text != NULL;
	CHECK(k > 0);
	for (i = 0; kb->known[i].text == NULL || kb->known[i].ph.n == 0; i++)
		;
	kb->known[i].ph.lo[0] ^= 1;
	CHECK(kb_vocab_check(kb) > 0);
	kb->known[i].ph.lo[0] ^= 1;
	CHECK(kb_vocab_check(kb) == 0);
	kb->word_terms[kb->word_term_at[1]] ^= 1;
	CHECK(kb_vocab_check(kb) > 0);
	kb_close(kb);
}

int
main(int argc, char **argv)
{
	kb_path = argc > 1 ? argv[1] : "build/kb.sqlite";
	RUN(test_varints);
	RUN(test_postings_round_trip);
	RUN(test_pruned_equals_exhaustive);
	RUN(test_columns_and_question_rows);
	RUN(test_question_rows_random);
	RUN(test_question_terms);
	RUN(test_too_many_question_rows_refused);
	RUN(test_index_that_does_not_add_up_is_refused);
	RUN(test_same_as_fts5);
	RUN(test_vocabulary_reads_as_tokenizer);
	HARNESS_END();
}
