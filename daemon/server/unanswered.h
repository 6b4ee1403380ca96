/* SPDX-License-Identifier: MIT */
/*
 * unanswered.h -- the --unanswered file: one line per question the bot could not answer,
 * its time and its text, for editors. Lines are appended whole or not at all, by every
 * process at once (--workers), and a failing disk is logged, not hidden.
 */
#ifndef RULINGBOT_UNANSWERED_H
#define RULINGBOT_UNANSWERED_H

#include <stddef.h>
#include <time.h>

/* The open file; all zero when there is none. */
struct unanswered {
	char *path;	       /* the file (malloc'd), NULL when there is none */
	int fd;		       /* opened for appending, or -1 */
	int midline;	       /* 1: the file may end in a cut line, so the next starts with \n */
	int failing;	       /* errno of the failure that began dropping lines, 0 when none */
	unsigned long dropped; /* lines dropped since appending began to fail */
};

/* Checks that path can be opened for appending (creating it if need be), as rulingd -n
 * and the start before listening do. Returns 0, or -1 with "path: reason" in err. */
int unanswered_check(const char *path, char *err, size_t errlen);

/* Opens path for appending into u. Returns 0, or -1 with "path: reason" in err (u then
 * holds nothing). */
int unanswered_open(struct unanswered *u, const char *path, char *err, size_t errlen);

/* Opens u's path again, for log rotation: lines go to the file now at that path. When it
 * cannot be opened the reason is logged and lines keep going to the old one. Returns 0 or
 * -1. */
int unanswered_reopen(struct unanswered *u);

/* Appends "TIME<TAB>QUESTION\n" (UTC, ISO 8601; control characters of the question made
 * spaces, at most about 1000 bytes of it) in one write(2). A line the disk cut short is
 * taken back, so the file holds whole lines only. The first failure is logged with its
 * reason, then lines are counted as dropped until one is written again, which is logged
 * with the count. Returns 0, or -1 when the line was dropped. */
int unanswered_write(struct unanswered *u, time_t when, const char *question, size_t len);

/* Closes the file, logging the lines dropped if appending was still failing. Accepts a
 * u that holds nothing. This function can't fail. */
void unanswered_close(struct unanswered *u);

#endif
