/* SPDX-License-Identifier: MIT */
/*
 * figures.c -- dates and numbers out of a fact's answer, for comparing a translation
 * with its original. The text is cut into words and numbers (everything else separates
 * them); a month name with its day or year makes a date, read in the language's own
 * order ("September 15, 2017"; "15 de septiembre de 2017"); every other number stands for
 * itself, digits and separators as written, so "3.2" and "3,2" differ: a translation
 * writes numbers as the original does.
 */
#include "figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tok_kind { TOK_WORD, TOK_NUM };

struct tok {
	enum tok_kind kind;
	const char *s; /* in the text */
	size_t n;      /* bytes */
};

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII letters and every byte of a multi-byte UTF-8 character ("é", "º"). */
static int
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}

/* Cuts text into words and numbers; a number may hold '.' or ',' between digits.
 * Returns how many, or -1 when out of memory (*out malloc'd otherwise). */
static int
tokenize(const char *text, struct tok **out)
{
	size_t len = strlen(text), i = 0, start;
	struct tok *t;
	int n = 0;

	if ((t = malloc((len + 1) * sizeof(*t))) == NULL)
		return -1;
	while (i < len) {
		start = i;
		if (is_digit(text[i])) {
			while (i < len &&
			       (is_digit(text[i]) || ((text[i] == '.' || text[i] == ',') &&
						      i + 1 < len && is_digit(text[i + 1]))))
				i++;
			t[n++] = (struct tok){ TOK_NUM, text + start, i - start };
		} else if (is_letter(text[i])) {
			while (i < len && is_letter(text[i]))
				i++;
			t[n++] = (struct tok){ TOK_WORD, text + start, i - start };
		} else {
			i++;
		}
	}
	*out = t;
	return n;
}

static int
word_is(const struct tok *t, const char *w)
{
	return t->kind == TOK_WORD && t->n == strlen(w) && strncmp(t->s, w, t->n) == 0;
}

/* Returns the month (1-12) an English word names ("September", "Sept"), else 0.
 * Capitalised only: "may" is a verb. */
static int
month_en(const struct tok *t)
{
	static const char *const names[] = { "January",	  "February", "March",	  "April",
					     "May",	  "June",     "July",	  "August",
					     "September", "October",  "November", "December" };
	static const char *const abbrev[] = { "Jan", "Feb", "Mar",  "Apr", "May", "Jun",
					      "Jul", "Aug", "Sept", "Oct", "Nov", "Dec" };
	int m;

	for (m = 0; m < 12; m++)
		if (word_is(t, names[m]) || word_is(t, abbrev[m]))
			return m + 1;
	return word_is(t, "Sep") ? 9 : 0;
}

/* Returns the month (1-12) a Spanish word names, in either case, else 0. */
static int
month_es(const struct tok *t)
{
	static const char *const names[] = { "enero",	   "febrero", "marzo",	   "abril",
					     "mayo",	   "junio",   "julio",	   "agosto",
					     "septiembre", "octubre", "noviembre", "diciembre" };
	int m;

	if (t->kind != TOK_WORD)
		return 0;
	for (m = 0; m < 12; m++)
		if (t->n == strlen(names[m]) && strncasecmp(t->s, names[m], t->n) == 0)
			return m + 1;
	return t->n == 9 && strncasecmp(t->s, "setiembre", 9) == 0 ? 9 : 0;
}

/* The value of a number token of digits only and at most max_digits, else -1. */
static long
plain_number(const struct tok *t, size_t max_digits)
{
	long v = 0;
	size_t i;

	if (t == NULL || t->kind != TOK_NUM || t->n > max_digits)
		return -1;
	for (i = 0; i < t->n; i++) {
		if (!is_digit(t->s[i]))
			return -1;
		v = v * 10 + (t->s[i] - '0');
	}
	return v;
}

static long
day_at(const struct tok *t, int i, int n)
{
	long d = i < n ? plain_number(&t[i], 2) : -1;

	return d >= 1 && d <= 31 ? d : -1;
}

static long
year_at(const struct tok *t, int i, int n)
{
	return i < n && t[i].n == 4 ? plain_number(&t[i], 4) : -1;
}

/* A date found at a token: its text and how many tokens it took (0: none there). */
struct date_at {
	char text[48]; /* room for any long, though a year has 4 digits */
	int used;
};

static void
set_date(struct date_at *d, long year, int month, long day, int used)
{
	if (year >= 0 && day >= 0)
		snprintf(d->text, sizeof(d->text), "%04ld-%02d-%02ld", year, month, day);
	else if (year >= 0)
		snprintf(d->text, sizeof(d->text), "%04ld-%02d", year, month);
	else
		snprintf(d->text, sizeof(d->text), "--%02d-%02ld", month, day);
	d->used = used;
}

/* "September 15, 2017", "September 15", "September 2017" (the comma is a separator). */
static struct date_at
date_en(const struct tok *t, int i, int n)
{
	struct date_at d = { "", 0 };
	int m = month_en(&t[i]);
	long day, year;

	if (m == 0)
		return d;
	if ((day = day_at(t, i + 1, n)) > 0)
		set_date(&d, year_at(t, i + 2, n), m, day, year_at(t, i + 2, n) >= 0 ? 3 : 2);
	else if ((year = year_at(t, i + 1, n)) >= 0)
		set_date(&d, year, m, -1, 2);
	return d;
}

/* "15 de septiembre de 2017", "1.º de agosto", "septiembre de 2017", "septiembre 2017". */
static struct date_at
date_es(const struct tok *t, int i, int n)
{
	struct date_at d = { "", 0 };
	long day = day_at(t, i, n), year;
	int j = i + 1, m;

	if (day > 0) {
		if (j < n && (word_is(&t[j], "º") || word_is(&t[j], "°")))
			j++;
		if (j + 1 < n && word_is(&t[j], "de") && (m = month_es(&t[j + 1])) > 0) {
			j += 2;
			year = j + 1 < n && word_is(&t[j], "de") ? year_at(t, j + 1, n) : -1;
			set_date(&d, year, m, day, j - i + (year >= 0 ? 2 : 0));
		}
		return d;
	}
	if ((m = month_es(&t[i])) == 0)
		return d;
	if (i + 2 < n && word_is(&t[i + 1], "de") && (year = year_at(t, i + 2, n)) >= 0)
		set_date(&d, year, m, -1, 3);
	else if ((year = year_at(t, i + 1, n)) >= 0)
		set_date(&d, year, m, -1, 2);
	return d;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the figures, drops repeats, appends them to out one per line. */
static int
write_sorted(char **figs, int n, struct buf *out)
{
	int i;

	qsort(figs, (size_t)n, sizeof(*figs), cmp_str);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(figs[i], figs[i - 1]) == 0)
			continue;
		if (buf_puts(out, figs[i]) || buf_append(out, "\n", 1))
			return -1;
	}
	return buf_puts(out, "");
}

int
figures_of(const char *text, enum lang lang, struct buf *out)
{
	struct tok *t;
	struct date_at d;
	char **figs = NULL;
	int n, nfigs = 0, i, rc = -1;

	if ((n = tokenize(text, &t)) < 0)
		return -1;
	if ((figs = calloc((size_t)n + 1, sizeof(*figs))) == NULL)
		goto done;
	for (i = 0; i<n; i += d.used> 0 ? d.used : 1) {
		d = lang == LANG_ES ? date_es(t, i, n) : date_en(t, i, n);
		if (d.used > 0)
			figs[nfigs] = strdup(d.text);
		else if (t[i].kind == TOK_NUM)
			figs[nfigs] = strndup(t[i].s, t[i].n);
		else
			continue;
		if (figs[nfigs++] == NULL)
			goto done;
	}
	rc = write_sorted(figs, nfigs, out);
done:
	for (i = 0; figs && i < nfigs; i++)
		free(figs[i]);
	free(figs);
	free(t);
	return rc;
}

/* Returns 1 when list holds the line [s, s + n). */
static int
has_line(const char *list, const char *s, size_t n)
{
	const char *p = list, *end;

	for (; *p; p = *end ? end + 1 : end) {
		end = strchr(p, '\n');
		end = end ? end : p + strlen(p);
		if ((size_t)(end - p) == n && strncmp(p, s, n) == 0)
			return 1;
	}
	return 0;
}

int
figures_missing(const char *a, const char *b, struct buf *out)
{
	const char *p = a, *end;
	int missing = 0;

	for (; *p; p = *end ? end + 1 : end) {
		end = strchr(p, '\n');
		end = end ? end : p + strlen(p);
		if (end == p || has_line(b, p, (size_t)(end - p)))
			continue;
		if ((missing > 0 && buf_puts(out, ", ")) || buf_append(out, p, (size_t)(end - p)))
			return -1;
		missing++;
	}
	return missing;
}
