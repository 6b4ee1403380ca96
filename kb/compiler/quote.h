/* SPDX-License-Identifier: MIT */
/*
 * quote.h -- a quote found in its source's stored text, with its cuts marked. A quote
 * is the source's own words, with "…" (U+2026) wherever words were left out: at its
 * start, between two passages, or at its end. A reader is shown the quote on its own,
 * so a quote that begins or ends in the middle of a sentence must say so.
 */
#ifndef RULINGKB_QUOTE_H
#define RULINGKB_QUOTE_H

#include <stddef.h>

#include "util.h"

/* How a quote stands against its source's text. */
enum quote_fit {
	QUOTE_FITS,	 /* found, each cut marked */
	QUOTE_CUT_START, /* found, but it begins mid-sentence without a leading "…" */
	QUOTE_CUT_END,	 /* found, but it ends mid-sentence without a trailing "…" */
	QUOTE_NOT_FOUND, /* its words are not in the text, in this order */
};
/* (In order: the lower, the better the fit.) */

/* Appends to out the words of a stored text of n bytes as quote_find() reads them:
 * each run of white space as one space, or as one line break when the run holds one
 * (a heading ends where its line does). Returns 0, or -1 when out of memory. */
int quote_text(const char *raw, size_t n, struct buf *out);

/* Where quote stands against text (from quote_text()). Spaces in the quote match any
 * white space of the text. */
enum quote_fit quote_find(const char *text, const char *quote);

/* Returns 1 when quote, which cannot be checked against a text, visibly begins
 * mid-sentence (with a lower-case letter) without a leading "…". */
int quote_starts_unmarked_cut(const char *quote);

#endif
