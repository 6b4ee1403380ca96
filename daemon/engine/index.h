/* SPDX-License-Identifier: MIT */
/*
 * index.h -- the knowledge base's full-text index, held in memory: every term's postings
 * (postings.h), and every fact's words in order, from which phrases are matched and the
 * column a phrase was found in is read. It ranks facts by bm25 over the columns exactly
 * as FTS5's bm25() does (the same idf, frequencies, lengths and constants, summed in the
 * same order, so the same scores to the last bit), and finds the best k with MaxScore
 * pruning: a question made of common words does not cost a pass over every fact that uses
 * one of them. It knows nothing of SQLite: kb.c fills it from the FTS5 index.
 */
#ifndef RULINGBOT_INDEX_H
#define RULINGBOT_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "postings.h"

#define INDEX_COLUMNS	 POSTINGS_COLUMNS /* questions, keywords, answer, in that order */
#define INDEX_PHRASE_MAX 8		  /* tokens in one phrase */
#define INDEX_QUERY_MAX	 32		  /* phrases in one query */
#define INDEX_NONE	 UINT32_MAX	  /* no such term */
#define INDEX_COLUMN_MAX 65535		  /* tokens in one column of one fact */

/* A phrase: tokens in a row, the one at i being any term whose id is in [lo[i], hi[i]).
 * An exact token has hi = lo + 1; a prefix, the range of the terms it starts (terms are
 * numbered in byte order). A phrase with a token no term matches, or none, matches
 * nothing. */
struct index_phrase {
	int n;			       /* tokens */
	uint32_t lo[INDEX_PHRASE_MAX]; /* first term of each token */
	uint32_t hi[INDEX_PHRASE_MAX]; /* one past its last term */
};

/* A query: phrases OR-ed, each scored on its own, as FTS5 scores an OR of phrases. */
struct index_query {
	int n;					 /* phrases */
	struct index_phrase ph[INDEX_QUERY_MAX]; /* in order: scores are summed in it */
	unsigned columns;			 /* bit c: column c is searched; 0 for all */
};

/* A fact found, its bm25 score (higher is better: FTS5's rank, negated), and where in it
 * each phrase of the query is. */
struct index_hit {
	uint32_t doc;			  /* the fact's number */
	double score;			  /* bm25 */
	uint8_t columns[INDEX_QUERY_MAX]; /* phrase i is in column c of it: bit c of [i] */
};

struct index;
struct index_builder;

/* Starts an index of ndocs facts (numbered 1..ndocs) whose columns weigh weight[c] in
 * bm25. Returns NULL when out of memory. Free with index_builder_free() unless given to
 * index_builder_finish(). */
struct index_builder *index_builder_new(uint32_t ndocs, const double weight[INDEX_COLUMNS]);

/* Frees a builder; accepts NULL. This function can't fail. */
void index_builder_free(struct index_builder *b);

/* Gives the length in tokens of column col of fact doc; every length comes before the
 * first term. Returns 0, or -1 (the builder keeps the reason for index_builder_finish). */
int index_builder_length(struct index_builder *b, uint32_t doc, int col, uint32_t len);

/* Gives the next question row: one of fact doc's questions, len tokens long. The rows of
 * a fact, in order, cut its questions column from start to end. Rows come in fact order,
 * before the first term. Returns 0, or -1. */
int index_builder_question(struct index_builder *b, uint32_t doc, uint32_t len);

/* Starts the next term (n bytes, after the previous one in byte order). Returns 0, or
 * -1. */
int index_builder_term(struct index_builder *b, const char *term, size_t n);

/* Records the current term at token pos of column col of fact doc. A term's places come
 * in fact, column and position order. Returns 0, or -1. */
int index_builder_add(struct index_builder *b, uint32_t doc, int col, uint32_t pos);

/* Returns what the builder refused, or NULL when nothing was. */
const char *index_builder_error(const struct index_builder *b);

/* Checks that every token of every column was given a term, and builds the index.
 * Frees b. Returns 0 and sets *out, or -1 with the reason in err. Free with
 * index_free(). */
int index_builder_finish(struct index_builder *b, struct index **out, char *err, size_t errlen);

/* Frees an index; accepts NULL. This function can't fail. */
void index_free(struct index *ix);

/* Returns the number of facts. This function can't fail. */
uint32_t index_docs(const struct index *ix);

/* Returns the number of terms. This function can't fail. */
uint32_t index_terms(const struct index *ix);

/* Returns the id of the term of n bytes, or INDEX_NONE. */
uint32_t index_term_id(const struct index *ix, const char *term, size_t n);

/* Sets [*lo, *hi) to the ids of the terms that start with the n bytes of prefix (empty
 * when none does). This function can't fail. */
void index_term_prefix(const struct index *ix, const char *prefix, size_t n, uint32_t *lo,
		       uint32_t *hi);

/* Works out now, rather than at each search, how many facts hold phrase p (one of more
 * than two words that searches will often use: a synonym). Returns 0, or -1 when out of
 * memory. */
int index_remember(struct index *ix, const struct index_phrase *p);

/* Finds the k best facts numbered first..last for q, best first, ties to the lower
 * number: what FTS5 returns for ORDER BY rank, rowid LIMIT k. Gives up at deadline_ns
 * (mono_ns(); 0 for never). Returns how many it found (facts with a phrase of q),
 * -1 when out of memory, -2 past the deadline. */
int index_top(const struct index *ix, const struct index_query *q, uint32_t first, uint32_t last,
	      int k, long long deadline_ns, struct index_hit *out);

/* How index_top() finds the best facts: as it sees fit; scoring every fact of the range,
 * a window at a time; MaxScore. */
enum index_way { INDEX_ANY, INDEX_SCAN, INDEX_MAXSCORE };

/* As index_top(), the given way, with no deadline: for tests, which try each. */
int index_top_by(const struct index *ix, const struct index_query *q, uint32_t first, uint32_t last,
		 int k, enum index_way way, struct index_hit *out);

/* As index_top(), scoring every fact with no pruning and counting each phrase's facts by
 * reading every fact: slow, and the reference index_top() is tested against. */
int index_top_exhaustive(const struct index *ix, const struct index_query *q, uint32_t first,
			 uint32_t last, int k, struct index_hit *out);

/* Returns the columns (bit c for column c) of fact doc that hold phrase p. */
unsigned index_phrase_columns(const struct index *ix, const struct index_phrase *p, uint32_t doc);

/* Returns the number of question rows of fact doc. */
int index_question_rows(const struct index *ix, uint32_t doc);

/* Matches the phrases of q that bit j of phrases selects against question row i of fact
 * doc: sets bit j of *found for each phrase j in it, and *cover to the share of the row's
 * tokens (the first 64) inside one of their matches. This function can't fail. */
void index_question_match(const struct index *ix, const struct index_query *q, uint32_t phrases,
			  uint32_t doc, int i, uint32_t *found, double *cover);

/* Matches the phrases of q that bit j of phrases selects against every question row of
 * fact doc at once (up to max rows), as index_question_match() does one: fills found[i]
 * and cover[i] for row i. It looks each phrase up by its first term in the fact's
 * question tokens sorted by term, rather than reading them all. Returns the number of
 * rows filled. This function can't fail. */
int index_question_rows_match(const struct index *ix, const struct index_query *q, uint32_t phrases,
			      uint32_t doc, uint32_t *found, double *cover, int max);

/* Returns the bytes the index holds. This function can't fail. */
size_t index_bytes(const struct index *ix);

#endif
