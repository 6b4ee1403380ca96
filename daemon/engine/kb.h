/* SPDX-License-Identifier: MIT */
/*
 * kb.h -- the built knowledge base, opened read-only: full-text search over the facts,
 * the facts' sources and links, and the vocabulary and synonyms the engine uses to
 * understand questions. struct kb is opaque; only kb.c knows it is SQLite.
 */
#ifndef RULINGBOT_KB_H
#define RULINGBOT_KB_H

#include <stddef.h>

#include "norm.h"
#include "util.h"

/* The schema version this code reads; rulingkb writes the same number into meta. */
#define KB_SCHEMA_VERSION "4"

/* A fact's questions are rows num * KB_QUESTION_ROWS + i of question_index, so a search
 * among some facts' questions reads the fact from the rowid, not from stored columns. */
#define KB_QUESTION_ROWS 256

/* The most words in one synonym form ("department of homeland security"). */
#define KB_SYNONYM_WORDS 4

/* Where a search phrase was found in a fact: the best of its columns. */
enum kb_column {
	KB_COL_NONE = 0,
	KB_COL_ANSWER = 1,
	KB_COL_KEYWORDS = 2,
	KB_COL_QUESTIONS = 3,
};

struct kb;

/* One search result. */
struct kb_hit {
	long fact;		 /* the fact's number */
	double rank;		 /* FTS5 bm25 rank: more negative is better */
	unsigned long long cols; /* enum kb_column of phrase i in bits 2i and 2i+1 */
	double centrality;	 /* facts pointing to it, as a share of the most any has */
};

/* One of a fact's own questions that a search matched. */
struct kb_question_hit {
	long fact;		 /* the fact it belongs to */
	unsigned long long cols; /* KB_COL_QUESTIONS in bits 2i, 2i+1 for each phrase i found */
	double cover;		 /* share of the question's words the search covered, [0, 1] */
};

/* The most candidate facts kb_search_questions() looks among. */
#define KB_QUESTION_FACTS 24

/* A fact, as stored. Strings belong to the arena given to kb_fact(). */
struct kb_fact {
	long num;		    /* its number (the search rowid) */
	const char *id;		    /* its id */
	const char *lang;	    /* "en" or "es" */
	const char *answer;	    /* the answer text */
	const char *question;	    /* its first question */
	const char *as_of;	    /* the date it describes */
	const char *status;	    /* current, superseded, partly-superseded */
	const char *superseded_by;  /* id of the later fact, or NULL */
	const char *translation_of; /* id of the fact it translates, or NULL */
	const char *reviewed;	    /* date last checked */
};

/* A source as a fact cites it. Strings belong to the arena; absent ones are NULL. */
struct kb_cite {
	const char *id;	       /* source id */
	const char *title;     /* title */
	const char *publisher; /* publisher or court */
	const char *date;      /* YYYY-MM-DD, YYYY-MM, YYYY, or NULL when undated */
	const char *url;       /* http(s) address */
	const char *citation;  /* reporter citation */
	const char *kind;      /* ruling, news, ... */
	const char *pinpoint;  /* where in the source */
	const char *quote;     /* exact words from it */
};

/* A word of the KB's vocabulary and the number of facts that use it. */
struct kb_word {
	const char *word; /* folded word */
	long docs;	  /* facts containing it */
};

/* A synonym form: words (joined by spaces) that mean the same as the rest of its group. */
struct kb_synonym {
	const char *form; /* folded words */
	int group;	  /* group number */
	int words;	  /* words in form */
};

/* Opens the database at path read-only and checks that it is a rulingbot KB of this
 * schema version with every table in place. Returns 0 and sets *out, or -1 with the
 * reason in err. Free with kb_close(). */
int kb_open(const char *path, struct kb **out, char *err, size_t errlen);

/* Closes kb; accepts NULL. This function can't fail. */
void kb_close(struct kb *kb);

/* Returns a value of the meta table ("kb_version", "built", "facts", "sources",
 * "reviewed", "languages"), or NULL. The string lives as long as kb. */
const char *kb_meta(const struct kb *kb, const char *key);

/* Returns the number of facts. This function can't fail. */
long kb_fact_count(const struct kb *kb);

/* Bounds the database time of one search, in milliseconds (0: unbounded). */
void kb_set_deadline(struct kb *kb, double ms);

/* Runs the MATCH expression over the facts of one language, best first. Fills up to max
 * hits. Returns the number of hits, or -1 with the reason in err (a syntax error in the
 * expression, the deadline passing). */
int kb_search(struct kb *kb, const char *match, enum lang lang, struct kb_hit *hits, int max,
	      char *err, size_t errlen);

/* Runs the MATCH expression over the questions (stopwords removed) of the given facts,
 * up to KB_QUESTION_FACTS of them. Fills up to max hits, in the order
 * the facts were written (not ranked: the caller keeps each fact's best question, and
 * ranking would cost more than the rest of the search). Returns the number of hits, or
 * -1 with the reason in err. */
int kb_search_questions(struct kb *kb, const char *match, const long *facts, int nfacts,
			struct kb_question_hit *hits, int max, char *err, size_t errlen);

/* Loads fact num into *out, copying strings into a. Returns 0, or -1 when there is no
 * such fact or on an error. */
int kb_fact(struct kb *kb, long num, struct arena *a, struct kb_fact *out);

/* Returns the number of the fact with this id, or -1. */
long kb_fact_num(struct kb *kb, const char *id);

/* Returns the number of fact num's version in lang: num itself when it is in lang, else
 * the fact it translates or that translates it; -1 when there is none. */
long kb_fact_in_lang(struct kb *kb, long num, enum lang lang);

/* Loads up to max sources of fact num into out, in the fact's order. Returns how many,
 * or -1 on an error. */
int kb_fact_cites(struct kb *kb, long num, struct arena *a, struct kb_cite *out, int max);

/* Loads up to max related fact ids of fact num. Returns how many, or -1. */
int kb_fact_related(struct kb *kb, long num, struct arena *a, const char **ids, int max);

/* Loads up to max starter fact ids for lang. Returns how many, or -1. */
int kb_starters(struct kb *kb, enum lang lang, struct arena *a, const char **ids, int max);

/* Calls fn with every source of the KB, by date then id (date NULL when undated), until
 * fn returns non-zero. Returns 0, fn's non-zero value, or -1 on a database error. */
int kb_each_source(struct kb *kb, int (*fn)(void *ctx, const struct kb_cite *src), void *ctx);

/* Returns the vocabulary, sorted by word; *n gets its length. This function can't fail. */
const struct kb_word *kb_vocab(const struct kb *kb, size_t *n);

/* Returns the number of facts using word, 0 when none. This function can't fail. */
long kb_word_docs(const struct kb *kb, const char *word);

/* Returns the synonym forms, sorted by form; *n gets their count. This function can't
 * fail. */
const struct kb_synonym *kb_synonyms(const struct kb *kb, size_t *n);

/* Returns the word the facts use for this misspelling, or NULL. */
const char *kb_misspelling(const struct kb *kb, const char *word);

#endif
