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

/* Appends the phrase's text, NUL bytes as spaces, and a NUL. */
static int
append_text(struct buf *b, const char *text, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = buf_append(b, text[i] == '\0' ? " " : &text[i], 1);
	return rc == 0 ? buf_append(b, "", 1) : -1;
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
	const char *sep;
	int rc;

	if (!q->term_open || q->nphrases >= QUERY_MAX_PHRASES)
		return -1;
	if (blank(text, n))
		return 0;
	if (q->term_phrases > 0)
		sep = " OR ";
	else if (q->nphrases > 0)
		sep = " OR (";
	else
		sep = "(";
	q->phrase_at[q->nphrases] = q->texts.len;
	rc = buf_puts(&q->match, sep);
	if (rc == 0)
		rc = append_quoted(&q->match, text, n);
	if (rc == 0 && prefix)
		rc = buf_puts(&q->match, " *");
	if (rc == 0)
		rc = append_text(&q->texts, text, n);
	if (rc == -1) {
		q->oom = 1;
		return -1;
	}
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
		else if (buf_puts(&q->match, ")") == -1)
			q->oom = 1;
	}
	return q->oom ? -1 : 0;
}

const char *
query_text(const struct query *q)
{
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
