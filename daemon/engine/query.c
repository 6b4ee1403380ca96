/* SPDX-License-Identifier: MIT */
/*
 * query.c -- the MATCH expression builder. FTS5 reads a double-quoted string as plain
 * text, with "" standing for one quote character (sqlite ext/fts5/fts5_expr.c), so
 * quoting every alternative is all the escaping there is to do.
 */
#include "query.h"

#include <string.h>

void
query_init(struct query *q)
{
	memset(q, 0, sizeof(*q));
	buf_init(&q->match);
	buf_init(&q->texts);
}

void
query_reset(struct query *q)
{
	struct buf match = q->match, texts = q->texts;

	memset(q, 0, sizeof(*q));
	q->match = match;
	q->texts = texts;
	q->match.len = q->texts.len = 0;
}

void
query_free(struct query *q)
{
	buf_free(&q->match);
	buf_free(&q->texts);
}

int
query_term_begin(struct query *q)
{
	if (q->term_open)
		query_term_end(q);
	if (q->nphrases >= QUERY_MAX_PHRASES)
		return -1;
	q->term_open = 1;
	q->term_phrases = 0;
	return q->nterms++;
}

/* Bytes the phrases' texts are given room for at first: a question's, most of the time,
 * rather than a few doublings from a small buffer. */
#define TEXTS_ROOM 512

/* Appends the phrase's text, NUL bytes as spaces, and a NUL: one copy, whose NULs are
 * then turned into spaces in place. */
static int
append_text(struct buf *b, const char *text, size_t n)
{
	char *at, *end, *nul;

	if (buf_reserve(b, (b->cap == 0 ? TEXTS_ROOM : 0) + n + 1) == -1)
		return -1;
	at = b->data + b->len;
	end = at + n;
	memcpy(at, text, n);
	for (; (nul = memchr(at, '\0', (size_t)(end - at))) != NULL; at = nul + 1)
		*nul = ' ';
	*end = '\0';
	b->len += n + 1;
	b->data[b->len] = '\0';
	return 0;
}

/* Appends text as one FTS5 string. */
static int
append_quoted(struct buf *b, const char *text, size_t n)
{
	size_t i;
	int rc = buf_append(b, "\"", 1);

	for (i = 0; i < n && rc == 0; i++) {
		if (text[i] == '"')
			rc = buf_append(b, "\"\"", 2);
		else if (text[i] == '\0')
			rc = buf_append(b, " ", 1);
		else
			rc = buf_append(b, &text[i], 1);
	}
	if (rc == 0)
		rc = buf_append(b, "\"", 1);
	return rc;
}

static int
blank(const char *text, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (text[i] != ' ' && text[i] != '\0' && text[i] != '\t')
			return 0;
	return 1;
}

int
query_term_add(struct query *q, const char *text, size_t n, int prefix)
{
	if (!q->term_open || q->nphrases >= QUERY_MAX_PHRASES)
		return -1;
	if (blank(text, n))
		return 0;
	q->phrase_at[q->nphrases] = q->texts.len;
	if (append_text(&q->texts, text, n) == -1) {
		q->oom = 1;
		return -1;
	}
	q->phrase_len[q->nphrases] = n;
	q->phrase_prefix[q->nphrases] = prefix != 0;
	q->phrase_term[q->nphrases++] = q->nterms - 1;
	q->term_phrases++;
	return 0;
}

int
query_term_end(struct query *q)
{
	if (q->term_open) {
		q->term_open = 0;
		if (q->term_phrases == 0)
			q->nterms--;
	}
	return q->oom ? -1 : 0;
}

/* Writes the MATCH expression of q into b: each term's phrases OR-ed in brackets, the
 * terms OR-ed together; a term still open has no closing bracket yet. */
static int
write_expression(const struct query *q, struct buf *b)
{
	int i, rc = 0;

	for (i = 0; i < q->nphrases && rc == 0; i++) {
		if (i > 0 && q->phrase_term[i] == q->phrase_term[i - 1])
			rc = buf_puts(b, " OR ");
		else
			rc = buf_puts(b, i > 0 ? " OR (" : "(");
		if (rc == 0)
			rc = append_quoted(b, q->texts.data + q->phrase_at[i], q->phrase_len[i]);
		if (rc == 0 && q->phrase_prefix[i])
			rc = buf_puts(b, " *");
		if (rc == 0 && (i + 1 < q->nphrases ? q->phrase_term[i + 1] != q->phrase_term[i]
						    : !q->term_open))
			rc = buf_puts(b, ")");
	}
	return rc;
}

const char *
query_text(struct query *q)
{
	q->match.len = 0;
	if (q->match.data != NULL)
		q->match.data[0] = '\0';
	if (write_expression(q, &q->match) == -1) {
		q->oom = 1;
		return "";
	}
	return q->match.data ? q->match.data : "";
}

const char *
query_phrase(const struct query *q, int i, int *prefix)
{
	*prefix = i >= 0 && i < q->nphrases ? q->phrase_prefix[i] : 0;
	if (i < 0 || i >= q->nphrases || q->texts.data == NULL)
		return "";
	return q->texts.data + q->phrase_at[i];
}
