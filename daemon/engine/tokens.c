/* SPDX-License-Identifier: MIT */
/*
 * tokens.c -- reaching FTS5's tokenizers through its C API (fts5_api.xFindTokenizer), on
 * a connection to an in-memory database that exists only to hold the API.
 */
#include "tokens.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

struct tokens {
	sqlite3 *db;	    /* the in-memory connection FTS5 belongs to */
	fts5_tokenizer api; /* the tokenizer's functions */
	Fts5Tokenizer *tok; /* an instance of it */
};

/* Carries tokens_split()'s callback through FTS5's. */
struct split {
	tokens_fn fn;
	void *ctx;
	int stopped; /* fn's non-zero value */
};

static fts5_api *
fts5_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

int
tokens_open(const char *const *spec, int nspec, struct tokens **out, char *err, size_t errlen)
{
	struct tokens *t;
	fts5_api *api;
	void *user = NULL;

	*out = NULL;
	if (nspec < 1 || (t = sqlite3_malloc(sizeof(*t))) == NULL) {
		snprintf(err, errlen, nspec < 1 ? "no tokenizer named" : "out of memory");
		return -1;
	}
	memset(t, 0, sizeof(*t));
	if (sqlite3_open_v2(":memory:", &t->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    (api = fts5_of(t->db)) == NULL || api->iVersion < 2) {
		snprintf(err, errlen, "this SQLite has no FTS5, or one too old");
		tokens_close(t);
		return -1;
	}
	if (api->xFindTokenizer(api, spec[0], &user, &t->api) != SQLITE_OK ||
	    t->api.xCreate(user, (const char **)spec + 1, nspec - 1, &t->tok) != SQLITE_OK) {
		snprintf(err, errlen, "FTS5 has no tokenizer \"%s\" taking these arguments",
			 spec[0]);
		t->tok = NULL;
		tokens_close(t);
		return -1;
	}
	*out = t;
	return 0;
}

void
tokens_close(struct tokens *t)
{
	if (t == NULL)
		return;
	if (t->tok)
		t->api.xDelete(t->tok);
	sqlite3_close(t->db);
	sqlite3_free(t);
}

static int
on_token(void *arg, int flags, const char *token, int n, int start, int end)
{
	struct split *s = arg;

	(void)start;
	(void)end;
	if (flags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK; /* a synonym at the same place: the index has the first */
	if ((s->stopped = s->fn(s->ctx, token, (size_t)n)) != 0)
		return SQLITE_DONE;
	return SQLITE_OK;
}

int
tokens_split(struct tokens *t, const char *text, size_t n, int prefix, tokens_fn fn, void *ctx)
{
	struct split s = { fn, ctx, 0 };
	int rc;

	if (n > 1 << 20)
		return -1;
	rc = t->api.xTokenize(t->tok, &s, FTS5_TOKENIZE_QUERY | (prefix ? FTS5_TOKENIZE_PREFIX : 0),
			      text, (int)n, on_token);
	if (s.stopped)
		return s.stopped;
	return rc == SQLITE_OK ? 0 : -1;
}
