/* SPDX-License-Identifier: MIT */
/*
 * figures.h -- the dates and numbers a text states, in a form that does not depend on
 * its language: "September 15, 2017" and "15 de septiembre de 2017" are both
 * 2017-09-15. A translation must state the same figures as its original.
 */
#ifndef RULINGKB_FIGURES_H
#define RULINGKB_FIGURES_H

#include "engine.h"
#include "util.h"

/* Appends to out the figures of text, written in lang, one per line, sorted, each once:
 * dates as YYYY-MM-DD, YYYY-MM or --MM-DD (a day without its year), and every other
 * number as its digits are written ("3.2", "1,000", "1373"). out is left holding a
 * string ("" when there is none). Returns 0, or -1 when out of memory. */
int figures_of(const char *text, enum lang lang, struct buf *out);

/* Appends to out, as "a, b, c", the lines of list a (figures_of) that list b lacks.
 * Returns the number of such lines, or -1 when out of memory. */
int figures_missing(const char *a, const char *b, struct buf *out);

#endif
