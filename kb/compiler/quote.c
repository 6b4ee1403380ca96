/* SPDX-License-Identifier: MIT */
/*
 * quote.c -- a quote found in its source's stored text, with its cuts marked. The
 * quote is split at its "…" into passages, which must appear in the text in order;
 * where the quote has no leading (trailing) "…", its first (last) passage must begin
 * (end) where a sentence, a heading or a list item does.
 */
#include "quote.h"

#include <string.h>

#define ELLIPSIS     "\xe2\x80\xa6" /* U+2026, in UTF-8 */
#define ELLIPSIS_LEN 3
#define MAX_PASSAGES 16

/* Words of the quote between two cuts, white space trimmed. */
struct passage {
	const char *s; /* its first byte */
	size_t n;      /* its length in bytes */
};

/* A quote, read for the search. */
struct quote {
	const char *text;		       /* the source's words (quote_text()) */
	struct passage passages[MAX_PASSAGES]; /* in the quote's order */
	size_t npassages;		       /* entries in passages */
	int cut_start;			       /* it begins with "…" */
	int cut_end;			       /* it ends with "…" */
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_ellipsis(const char *s, size_t n)
{
	return n >= ELLIPSIS_LEN && memcmp(s, ELLIPSIS, ELLIPSIS_LEN) == 0;
}

int
quote_text(const char *raw, size_t n, struct buf *out)
{
	size_t i;
	int space = 0, line = 0, rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (is_space(raw[i])) {
			space = 1;
			line |= raw[i] == '\n';
			continue;
		}
		if (space && out->len > 0)
			rc = buf_append(out, line ? "\n" : " ", 1);
		space = line = 0;
		if (rc == 0)
			rc = buf_append(out, &raw[i], 1);
	}
	return rc == 0 ? buf_append(out, "", 0) : -1;
}

/* Adds the passage s[0..n), trimmed, unless it is empty. Returns -1 when there are too
 * many to hold. */
static int
add_passage(struct quote *q, const char *s, size_t n)
{
	while (n > 0 && is_space(*s))
		s++, n--;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	if (q->npassages == MAX_PASSAGES)
		return -1;
	q->passages[q->npassages++] = (struct passage){ s, n };
	return 0;
}

/* Splits quote at its cuts. Returns -1 when it has no words, or too many cuts. */
static int
read_quote(struct quote *q, const char *quote)
{
	const char *start = quote, *p = quote;
	size_t n = strlen(quote);

	while (n > 0 && is_space(quote[n - 1]))
		n--;
	while (p < quote + n && is_space(*p))
		p++;
	q->cut_start = is_ellipsis(p, (size_t)(quote + n - p));
	q->cut_end = n >= ELLIPSIS_LEN && is_ellipsis(quote + n - ELLIPSIS_LEN, ELLIPSIS_LEN);
	for (p = quote; p < quote + n; p++) {
		if (!is_ellipsis(p, (size_t)(quote + n - p)))
			continue;
		if (add_passage(q, start, (size_t)(p - start)) == -1)
			return -1;
		p += ELLIPSIS_LEN - 1;
		start = p + 1;
	}
	if (add_passage(q, start, (size_t)(quote + n - start)) == -1)
		return -1;
	return q->npassages > 0 ? 0 : -1;
}

/* Returns the end of passage p in the text at t, or NULL when it is not there. */
static const char *
match_at(const char *t, const struct passage *p)
{
	size_t i = 0;

	while (i < p->n) {
		if (is_space(p->s[i])) {
			if (*t != ' ' && *t != '\n')
				return NULL;
			while (i < p->n && is_space(p->s[i]))
				i++;
			t++;
		} else if (*t++ != p->s[i++]) {
			return NULL;
		}
	}
	return t;
}

static int
ends_with(const char *text, const char *at, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(at - text) >= n && memcmp(at - n, s, n) == 0;
}

/* Returns 1 when at, in text, begins a sentence, a line or a list item: what comes
 * before it, opening quotation marks and spaces aside, ends one. */
static int
starts_sentence(const char *text, const char *at)
{
	while (at > text) {
		if (strchr(" \"'(", at[-1]) != NULL)
			at--;
		else if (ends_with(text, at, "\xe2\x80\x9c") || ends_with(text, at, "\xe2\x80\x98"))
			at -= 3;
		else
			return ends_with(text, at, "\xe2\x80\xa2") ||
			       strchr(".?!:\n", at[-1]) != NULL;
	}
	return 1;
}

/* Returns 1 when a passage whose last byte is last, followed in the text by at, ends a
 * sentence, a clause or a line, or what a speaker is quoted as saying ("…entered," the
 * judge said). */
static int
ends_sentence(char last, const char *at)
{
	if (strchr(".?!", last) != NULL)
		return 1;
	if (*at == ',' && (at[1] == '"' || strncmp(at + 1, "\xe2\x80\x9d", 3) == 0))
		return 1;
	for (;;) {
		if (*at == '"' || *at == '\'' || *at == ')')
			at++;
		else if (strncmp(at, "\xe2\x80\x9d", 3) == 0 || strncmp(at, "\xe2\x80\x99", 3) == 0)
			at += 3;
		else
			return *at == '\0' || strchr(".?!:;\n", *at) != NULL;
	}
}

/* The best fit of passages i and after, the first at or after from. */
static enum quote_fit
find_from(const struct quote *q, const char *from, size_t i)
{
	const struct passage *p = &q->passages[i];
	enum quote_fit best = QUOTE_NOT_FOUND, fit;
	const char *at, *end;

	for (at = from; *at != '\0' && best != QUOTE_FITS; at++) {
		if ((end = match_at(at, p)) == NULL)
			continue;
		if (i + 1 < q->npassages)
			fit = find_from(q, end, i + 1);
		else
			fit = q->cut_end || ends_sentence(p->s[p->n - 1], end) ? QUOTE_FITS
									       : QUOTE_CUT_END;
		if (i == 0 && fit != QUOTE_NOT_FOUND && !q->cut_start &&
		    !starts_sentence(q->text, at))
			fit = QUOTE_CUT_START;
		if (fit < best)
			best = fit;
	}
	return best;
}

enum quote_fit
quote_find(const char *text, const char *quote)
{
	struct quote q = { .text = text };

	if (read_quote(&q, quote) == -1)
		return QUOTE_NOT_FOUND;
	return find_from(&q, text, 0);
}

int
quote_starts_unmarked_cut(const char *quote)
{
	while (is_space(*quote))
		quote++;
	return *quote >= 'a' && *quote <= 'z';
}
