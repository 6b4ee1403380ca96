/* SPDX-License-Identifier: MIT */
/*
 * tokens.h -- FTS5's own tokenizer, outside any table: what the knowledge base's index
 * calls a term is what this cuts a text into, so a search phrase is read exactly as FTS5
 * would read it in a MATCH expression. It runs on a private in-memory SQLite connection;
 * no file is involved.
 */
#ifndef RULINGBOT_TOKENS_H
#define RULINGBOT_TOKENS_H

#include <stddef.h>

struct tokens;

/* Called with each token of a text in turn; returns 0 to go on, non-zero to stop. */
typedef int (*tokens_fn)(void *ctx, const char *token, size_t n);

/* Creates the tokenizer spec[0] with the arguments spec[1..nspec), as FTS5's tokenize
 * option names them ("porter", "unicode61", "remove_diacritics", "2"). Returns 0 and
 * sets *out, or -1 with the reason in err. */
int tokens_open(const char *const *spec, int nspec, struct tokens **out, char *err, size_t errlen);

/* Frees a tokenizer; accepts NULL. This function can't fail. */
void tokens_close(struct tokens *t);

/* Cuts the n bytes of text into tokens as a query would be (prefix: as the last phrase of
 * a prefix query), calling fn with each. Returns 0, fn's non-zero value, or -1 when the
 * tokenizer failed. */
int tokens_split(struct tokens *t, const char *text, size_t n, int prefix, tokens_fn fn, void *ctx);

#endif
