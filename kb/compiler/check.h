/* SPDX-License-Identifier: MIT */
/*
 * check.h -- the rules a knowledge base must follow beyond its shape: unique ids, known
 * references, real dates, http(s) addresses, short answers, questions that lead to one
 * fact only, supersession with a successor, quotes that are really in their source,
 * translations that state their original's dates and numbers from the same sources (and
 * a warning for an English fact without one), entities whose forms name one entity
 * each, and every reply the engine says, once each.
 */
#ifndef RULINGKB_CHECK_H
#define RULINGKB_CHECK_H

#include "model.h"

/* Checks set, printing each problem to set->report. texts_dir, when not NULL, is a folder
 * of source texts (the "text" of a source) against which quotes are checked; without it
 * that check is skipped and a note says so. today is the date (YYYYMMDD) after which no
 * date may lie. Returns the total number of problems in set. */
int check_kb(struct kbset *set, const char *texts_dir, long today);

/* Returns today's date as YYYYMMDD, from SOURCE_DATE_EPOCH when it is set (reproducible
 * builds), else from the clock. This function can't fail. */
long check_today(void);

#endif
