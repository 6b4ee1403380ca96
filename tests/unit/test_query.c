/* SPDX-License-Identifier: MIT */
/*
 * test_query.c -- the MATCH builder. Every FTS5 operator and special character is given
 * to the builder as a word, and each expression is run against a real FTS5 table: it
 * must parse, and it must match only rows holding the literal text.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "query.h"

static sqlite3 *db;

/* Runs MATCH expr; returns the number of rows, or -1 on an FTS5 error. */
static int
match_count(const char *expr)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	if (sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1", -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n++;
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

/* Builds a query of one term per word. */
static void
build(struct query *q, const char *const *words, int n)
{
	int i;

	query_init(q);
	for (i = 0; i < n; i++) {
		query_term_begin(q);
		query_term_add(q, words[i], strlen(words[i]), 0);
		query_term_end(q);
	}
}

static void
test_words_are_quoted_and_or_ed(void)
{
	const char *words[] = { "who", "judge" };
	struct query q;

	build(&q, words, 2);
	CHECK_STR(query_text(&q), "(\"who\") OR (\"judge\")");
	CHECK(q.nphrases == 2 && q.nterms == 2);
	CHECK(q.phrase_term[0] == 0 && q.phrase_term[1] == 1);
	CHECK(match_count(query_text(&q)) == 1);
	query_free(&q);
}

static void
test_alternatives_and_prefixes(void)
{
	struct query q;

	query_init(&q);
	CHECK(query_term_begin(&q) == 0);
	CHECK(query_term_add(&q, "ag", 2, 0) == 0);
	CHECK(query_term_add(&q, "attorney general", 16, 0) == 0);
	query_term_end(&q);
	CHECK(query_term_begin(&q) == 1);
	CHECK(query_term_add(&q, "immigr", 6, 1) == 0);
	CHECK(query_term_end(&q) == 0);
	CHECK_STR(query_text(&q), "(\"ag\" OR \"attorney general\") OR (\"immigr\" *)");
	CHECK(q.phrase_term[0] == 0 && q.phrase_term[1] == 0 && q.phrase_term[2] == 1);
	CHECK(match_count(query_text(&q)) == 2);
	query_free(&q);
}

static void
test_fts5_syntax_is_only_text(void)
{
	/* Each would be an operator, a column filter, or a syntax error if passed raw. */
	static const char *const hostile[] = {
		"\"",
		"\"\"",
		"\"judge",
		"*",
		"^",
		":",
		"-",
		"+",
		"(",
		")",
		"{",
		"}",
		"[",
		"]",
		"NEAR(",
		"NEAR(judge ruling, 2)",
		"AND",
		"OR",
		"NOT",
		"judge AND ruling",
		"questions:judge",
		"{questions}: judge",
		"^judge",
		"judge*",
		"'; DROP TABLE t; --",
		"Who was the judge?",
		"\\",
		"%",
		"_",
		"judge\" OR \"ruling",
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct query q;
		build(&q, &hostile[i], 1);
		rc = match_count(query_text(&q));
		if (rc < 0)
			fprintf(stderr, "  expression failed: %s\n", query_text(&q));
		CHECK(rc >= 0);
		/* "judge AND ruling" as a phrase matches nothing: no row has "judge and ruling". */
		if (strcmp(hostile[i], "judge AND ruling") == 0 || strcmp(hostile[i], "NOT") == 0)
			CHECK(rc == 0);
		query_free(&q);
	}
	CHECK(match_count("NEAR(") < 0); /* proof that raw text would have failed */
}

static void
test_nul_bytes_become_spaces(void)
{
	struct query q;

	query_init(&q);
	query_term_begin(&q);
	CHECK(query_term_add(&q, "who\0judge", 9, 0) == 0);
	query_term_end(&q);
	CHECK_STR(query_text(&q), "(\"who judge\")");
	CHECK(match_count(query_text(&q)) >= 0);
	query_free(&q);
}

static void
test_phrase_budget_is_enforced(void)
{
	struct query q;
	char word[16];
	int i, added = 0;

	query_init(&q);
	for (i = 0; i < 100; i++) {
		if (query_term_begin(&q) == -1)
			break;
		snprintf(word, sizeof(word), "w%d", i);
		if (query_term_add(&q, word, strlen(word), 0) == 0)
			added++;
		query_term_end(&q);
	}
	CHECK(added == QUERY_MAX_PHRASES);
	CHECK(q.nphrases == QUERY_MAX_PHRASES);
	CHECK(query_term_begin(&q) == -1);
	CHECK(match_count(query_text(&q)) >= 0);
	query_free(&q);
}

static void
test_empty_terms_are_dropped(void)
{
	struct query q;

	query_init(&q);
	query_term_begin(&q);
	CHECK(query_term_add(&q, "  ", 2, 0) == 0);
	query_term_end(&q);
	CHECK(q.nterms == 0 && q.nphrases == 0);
	CHECK_STR(query_text(&q), "");
	CHECK(query_term_add(&q, "x", 1, 0) == -1); /* no term open */
	query_free(&q);
}

static void
test_reset_starts_afresh(void)
{
	const char *words[] = { "who", "judge" };
	struct query q;

	build(&q, words, 2);
	query_reset(&q);
	CHECK(q.nphrases == 0 && q.nterms == 0);
	CHECK_STR(query_text(&q), "");
	query_term_begin(&q);
	query_term_add(&q, "ruling", 6, 1);
	query_term_add(&q, "judge", 5, 0);
	CHECK_STR(query_text(&q), "(\"ruling\" * OR \"judge\""); /* the term is still open */
	query_term_end(&q);
	CHECK_STR(query_text(&q), "(\"ruling\" * OR \"judge\")");
	CHECK(match_count(query_text(&q)) == 2);
	query_free(&q);
}

int
main(void)
{
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(
		    db,
		    "CREATE VIRTUAL TABLE t USING fts5(questions, answer,"
		    " tokenize='porter unicode61 remove_diacritics 2');"
		    "INSERT INTO t VALUES('who was the judge', 'attorney general sessions');"
		    "INSERT INTO t VALUES('when was the ruling', 'the immigration conditions');",
		    NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "cannot create the FTS5 table\n");
		return 1;
	}
	RUN(test_words_are_quoted_and_or_ed);
	RUN(test_alternatives_and_prefixes);
	RUN(test_reset_starts_afresh);
	RUN(test_fts5_syntax_is_only_text);
	RUN(test_nul_bytes_become_spaces);
	RUN(test_phrase_budget_is_enforced);
	RUN(test_empty_terms_are_dropped);
	sqlite3_close(db);
	HARNESS_END();
}
