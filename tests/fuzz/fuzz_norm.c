/* SPDX-License-Identifier: MIT */
/*
 * fuzz_norm.c -- fuzzes the question normaliser (daemon/norm.h) and the FTS5 query builder
 * (daemon/query.h). The input is a question: it is split into words, its language told,
 * and its words turned into a MATCH expression shaped like the engine's (one term per
 * word that counts, stemmed, the last one as a prefix, then adjacent pairs as phrases).
 * The raw input lines also go into query_term_add() as they are, since query.h promises
 * that no text, however hostile, acts as FTS5 syntax. Each expression is then run
 * against an empty in-memory FTS5 table: a syntax error there is a bug, and aborts.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "norm.h"
#include "query.h"
#include "util.h"

static sqlite3 *db;	    /* in-memory database with one empty FTS5 table */
static sqlite3_stmt *stmt; /* SELECT ... MATCH ?, prepared once */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The columns and tokenizer of the KB's fact_index (kb/compiler/build.c), so the
	 * expression is read as kb.c's searches read it. */
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(questions, keywords, answer, tokenize="
			     "\"porter unicode61 remove_diacritics 2 tokenchars '.'\")",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?", -1, &stmt, NULL) !=
		    SQLITE_OK) {
		fprintf(stderr, "fuzz_norm: cannot set up FTS5: %s\n", sqlite3_errmsg(db));
		abort();
	}
	return 0;
}

/* Aborts unless FTS5 accepts q's expression: query.h quotes everything it is given. */
static void
check_fts5(struct query *q)
{
	const char *match = query_text(q);
	int rc;

	if (match[0] == '\0')
		return;
	sqlite3_reset(stmt);
	sqlite3_bind_text(stmt, 1, match, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fprintf(stderr, "FTS5 refused %s: %s\n", match, sqlite3_errmsg(db));
		abort();
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* Aborts unless every word is a short, NUL-terminated, well-formed UTF-8 string. */
static void
check_tokens(const struct norm_tokens *t)
{
	size_t n;
	int i;

	if (t->n < 0 || t->n > NORM_TOKENS_MAX || t->dropped < 0)
		abort();
	for (i = 0; i < t->n; i++) {
		n = strnlen(t->tok[i].text, NORM_TOKEN_MAX);
		if (n == 0 || n >= NORM_TOKEN_MAX || !utf8_valid(t->tok[i].text, n))
			abort();
	}
}

/* Adds one term with a single alternative, as match.c's plan_add() does. */
static void
add_term(struct query *q, const char *text, size_t n, int prefix)
{
	if (query_term_begin(q) == -1)
		return;
	query_term_add(q, text, n, prefix);
	query_term_end(q);
}

/* Builds the engine's kind of expression from the words of t, in lang. */
static void
words_query(const struct norm_tokens *t, enum lang lang)
{
	char a[NORM_TOKEN_MAX], b[NORM_TOKEN_MAX], pair[2 * NORM_TOKEN_MAX + 1];
	struct query q;
	int i;

	query_init(&q);
	for (i = 0; i < t->n; i++) {
		if (!norm_counts(t, i, lang))
			continue;
		snprintf(a, sizeof(a), "%s", t->tok[i].text);
		norm_stem(a, lang);
		add_term(&q, a, strlen(a), i == t->n - 1);
	}
	for (i = 0; i + 1 < t->n; i++) {
		snprintf(a, sizeof(a), "%s", t->tok[i].text);
		snprintf(b, sizeof(b), "%s", t->tok[i + 1].text);
		norm_stem(a, lang);
		norm_stem(b, lang);
		snprintf(pair, sizeof(pair), "%s %s", a, b);
		add_term(&q, pair, strlen(pair), 0);
	}
	check_fts5(&q);
	query_free(&q);
}

/* Puts each line of the raw input into one term as alternatives: the quoting is what is
 * under test here, so the bytes go in untouched (NULs, quotes, bad UTF-8 and all). */
static void
raw_query(const char *text, size_t n)
{
	const char *p = text, *end = text + n, *nl;
	struct query q;
	int prefix = 0;

	query_init(&q);
	if (query_term_begin(&q) != -1) {
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL)
				nl = end;
			query_term_add(&q, p, (size_t)(nl - p), prefix);
			prefix = !prefix;
			p = nl + (nl < end);
		}
		query_term_end(&q);
	}
	check_fts5(&q);
	query_free(&q);
}

/* Normalises the text whole, plainly and stemmed, and checks the result is UTF-8. */
static void
whole_text(const char *text, size_t n, enum lang lang)
{
	struct buf b;

	buf_init(&b);
	if (norm_text(text, n, &b) == 0 && b.data && !utf8_valid(b.data, b.len))
		abort();
	buf_free(&b);
	if (norm_text_lang(text, n, lang, &b) == 0 && b.data && !utf8_valid(b.data, b.len))
		abort();
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct norm_tokens *t;
	enum lang lang;
	int sure = 0;

	/* 64 words of 48 bytes: too big to leave on the fuzzer's stack in every frame. */
	if ((t = malloc(sizeof(*t))) == NULL)
		return 0;
	norm_tokenize(text, size, t);
	check_tokens(t);
	lang = norm_detect_lang(text, size, t, LANG_EN, &sure);
	words_query(t, lang);
	words_query(t, lang == LANG_EN ? LANG_ES : LANG_EN);
	whole_text(text, size, lang);
	raw_query(text, size);
	free(t);
	return 0;
}
