/* SPDX-License-Identifier: MIT */
/*
 * query.h -- a question's search: terms OR-ed together, a term being one or more
 * alternatives (a word, a phrase, a prefix), each alternative a phrase the index looks
 * up. The same search can also be written as an FTS5 MATCH expression (query_text(),
 * only when asked: a question's search never reads it), for --explain and for the tests
 * that hold the in-memory index to FTS5's own results: every phrase becomes a
 * double-quoted FTS5 string with inner quotes doubled, so nothing a user types (", *, ^,
 * :, NEAR(, AND, OR, NOT, brackets) can act as FTS5 syntax.
 */
#ifndef RULINGBOT_QUERY_H
#define RULINGBOT_QUERY_H

#include <stddef.h>

#include "util.h"

/* The most phrases in one expression: FTS5's cost grows steeply with the number of
 * phrases, and the hit map packs two bits per phrase into 64 bits. */
#define QUERY_MAX_PHRASES 32

/* A search being built. */
struct query {
	struct buf match;		      /* the MATCH expression, once query_text() wrote it */
	struct buf texts;		      /* each phrase's text, NUL-terminated, end to end */
	size_t phrase_at[QUERY_MAX_PHRASES];  /* where phrase i's text starts in texts */
	size_t phrase_len[QUERY_MAX_PHRASES]; /* its length */
	unsigned char phrase_prefix[QUERY_MAX_PHRASES]; /* 1: phrase i is a prefix */
	int nphrases;					/* phrases in it */
	int nterms;					/* terms in it, the open one included */
	int phrase_term[QUERY_MAX_PHRASES]; /* term index of each phrase, in FTS5's order */
	int term_open;			    /* 1 between query_term_begin and _end */
	int term_phrases;		    /* phrases in the open term */
	int oom;			    /* 1 after an allocation failed */
};

/* Sets q empty. This function can't fail. */
void query_init(struct query *q);

/* Sets q empty again, keeping the memory it holds for the next search. This function
 * can't fail. */
void query_reset(struct query *q);

/* Frees q's expression. This function can't fail. */
void query_free(struct query *q);

/* Starts a new term. Returns its index, or -1 when the phrase budget is spent. */
int query_term_begin(struct query *q);

/* Adds an alternative to the open term: the n bytes of text as one FTS5 string (FTS5
 * splits it into a phrase with the table's tokenizer), followed by * when prefix is 1.
 * NUL bytes become spaces. Empty text is ignored. Returns 0, or -1 when no term is open,
 * the phrase budget is spent, or memory ran out. */
int query_term_add(struct query *q, const char *text, size_t n, int prefix);

/* Closes the open term; a term left without alternatives is dropped. Returns 0, or -1
 * when memory ran out at any point. */
int query_term_end(struct query *q);

/* Writes and returns the expression ("" when there is no phrase, or when memory ran out,
 * which also sets q->oom). The text is q's until the next call or query_free(). */
const char *query_text(struct query *q);

/* Returns the text of phrase i (NUL bytes turned to spaces) and sets *prefix to 1 when it
 * is a prefix. */
const char *query_phrase(const struct query *q, int i, int *prefix);

#endif
