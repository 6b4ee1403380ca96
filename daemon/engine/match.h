/* SPDX-License-Identifier: MIT */
/*
 * match.h -- the answering engine: a question in, the best sourced fact out, or an honest
 * "I don't know" with suggestions. Every front end (the one-shot command line, the
 * websocket daemon, the bridges through it) gets its answers here, so they all agree.
 */
#ifndef RULINGBOT_MATCH_H
#define RULINGBOT_MATCH_H

#include <stddef.h>
#include <stdio.h>

#include "kb.h"
#include "norm.h"
#include "util.h"

#define ANSWER_SOURCES_MAX 8 /* sources shown with one answer */
#define ANSWER_LINKS_MAX   3 /* related questions, or suggestions */

enum answer_type {
	ANSWER_FACT = 0, /* a fact from the knowledge base */
	ANSWER_CHAT,	 /* a fixed reply: greeting, help, legal-advice notice */
	ANSWER_NONE,	 /* not confident enough: suggestions instead */
};

/* A source of an answer. Absent fields are NULL. */
struct answer_source {
	const char *id;	       /* source id */
	const char *title;     /* title */
	const char *publisher; /* publisher or court */
	const char *date;      /* YYYY-MM-DD, YYYY-MM or YYYY; NULL when undated */
	const char *url;       /* http(s) address */
	const char *citation;  /* reporter citation */
	const char *pinpoint;  /* where in the source */
	const char *quote;     /* exact words from it */
};

/* A question the reader may ask next, and the fact it leads to. */
struct answer_link {
	const char *fact;     /* fact id */
	const char *question; /* the fact's first question */
};

/* What the engine says. Every string belongs to arena; free with answer_free(). */
struct answer {
	enum answer_type type;				  /* fact, chat or none */
	const char *text;				  /* the reply, notes included */
	const char *fact;				  /* fact or reply id; NULL for none */
	double score;					  /* confidence in [0, 1] */
	enum lang lang;					  /* language of text */
	const char *status;				  /* fact's status, or NULL */
	const char *as_of;				  /* date the fact describes, or NULL */
	struct answer_source sources[ANSWER_SOURCES_MAX]; /* the fact's sources */
	int nsources;					  /* entries in sources */
	struct answer_link related[ANSWER_LINKS_MAX];	  /* questions to ask next */
	int nrelated;					  /* entries in related */
	struct answer_link suggestions[ANSWER_LINKS_MAX]; /* for ANSWER_NONE: what it knows */
	int nsuggestions;				  /* entries in suggestions */
	struct answer_link superseded_by;		  /* later fact, .fact NULL if none */
	int other_language;				  /* 1: text is not in the asked language */
	struct arena arena;				  /* owns every string above */
};

/* Answers the question (len bytes of UTF-8, any case or punctuation, possibly malformed).
 * lang_hint ("en", "es" or NULL) is the language the reader wants the answer in; NULL
 * means the question's own language. Fills *out, which the caller frees with
 * answer_free() whatever this returns. Returns 0, or -1 with the reason in err when the
 * knowledge base failed (out of memory, a search over its deadline). */
int match_question(struct kb *kb, const char *text, size_t len, const char *lang_hint,
		   struct answer *out, char *err, size_t errlen);

/* Frees what an answer holds and clears it; accepts a cleared answer. This function
 * can't fail. */
void answer_free(struct answer *a);

/* Makes match_question() describe its work on f (NULL: stop): the terms it read, their
 * weights, the FTS5 expression and each candidate's coverage. For editors asking why a
 * question got the answer it got. This function can't fail. */
void match_set_trace(FILE *f);

/* For evaluation: sets the tuning value called name (see match.c) for every later
 * question. Returns 0, or -1 when there is no such value. */
int match_tune(const char *name, double value);

/* For fitting the answer model (tests/eval/fit.py): calls sink with every candidate's
 * features, for every search, and searches both languages for every question. NULL
 * stops it. This function can't fail. */
void match_set_features(void (*sink)(void *ctx, long fact, const double *f, int n), void *ctx);

/* Returns the name of feature i, or NULL past the last. */
const char *match_feature_name(int i);

/* For tests: the optimal-string-alignment distance between a and b, or max + 1 when it
 * is larger than max. */
int match_distance(const char *a, const char *b, int max);

#endif
