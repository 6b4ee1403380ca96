/* SPDX-License-Identifier: MIT */
/*
 * unanswered.c -- appending the --unanswered file so that no line is ever torn or glued
 * to another. Each line goes out in one write(2) on an O_APPEND descriptor: the kernel
 * puts it at the end of the file in one piece, even with several processes appending
 * (--workers, each with its own descriptor). A full disk can still cut a write short;
 * the piece written is then taken back with ftruncate(), under an flock() that every
 * writer holds around its write, so the truncation cannot cut another process's line.
 * When it cannot be taken back, the next line begins with a newline, so it is never
 * glued onto the piece.
 */
#include "unanswered.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define QUESTION_MAX 1000 /* bytes of a question kept on its line */

/* Opens path for appending; O_RDWR when allowed, to read the file's last byte. Returns
 * the descriptor, or -1 with errno set. */
static int
open_append(const char *path)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);

	if (fd == -1 && errno == EACCES)
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	return fd;
}

/* Returns 1 when the file fd ends in something other than a newline (a line cut by an
 * earlier failure or crash), else 0; 0 too when it cannot tell. */
static int
ends_midline(int fd)
{
	struct stat st;
	char c;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return 0;
	return pread(fd, &c, 1, st.st_size - 1) == 1 && c != '\n';
}

int
unanswered_check(const char *path, char *err, size_t errlen)
{
	int fd = open_append(path);

	if (fd == -1) {
		snprintf(err, errlen, "%s: cannot open for appending: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int
unanswered_open(struct unanswered *u, const char *path, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	u->fd = -1;
	if ((u->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((u->fd = open_append(path)) == -1) {
		snprintf(err, errlen, "%s: cannot open for appending: %s", path, strerror(errno));
		free(u->path);
		u->path = NULL;
		return -1;
	}
	u->midline = ends_midline(u->fd);
	return 0;
}

int
unanswered_reopen(struct unanswered *u)
{
	int fd;

	if (u->path == NULL)
		return 0;
	if ((fd = open_append(u->path)) == -1) {
		log_warn("cannot open %s again; unanswered questions still go to the file "
			 "opened before",
			 u->path);
		return -1;
	}
	close(u->fd);
	u->fd = fd;
	u->midline = ends_midline(fd);
	log_info("unanswered questions go to %s, opened again", u->path);
	return 0;
}

/* Writes the line for question into out (room for QUESTION_MAX + 64 bytes): a newline
 * first when the file may end mid-line. Returns its length. */
static size_t
format_line(const struct unanswered *u, char *out, size_t outlen, time_t when, const char *q,
	    size_t len)
{
	struct tm tm;
	size_t n = 0;

	if (u->midline)
		out[n++] = '\n';
	gmtime_r(&when, &tm);
	n += strftime(out + n, outlen - n, "%Y-%m-%dT%H:%M:%SZ\t", &tm);
	n += strlen(str_one_line(out + n, QUESTION_MAX + 1, q, len));
	out[n++] = '\n';
	return n;
}

/* Takes back the first `written` bytes of a line the disk cut short, when they are still
 * at the end of the file. Returns 0, or -1 when they stay. */
static int
take_back(int fd, size_t written)
{
	off_t end = lseek(fd, 0, SEEK_CUR); /* O_APPEND: just past what this write put */
	struct stat st;

	if (end < (off_t)written || fstat(fd, &st) == -1 || st.st_size != end)
		return -1;
	return ftruncate(fd, end - (off_t)written);
}

/* Notes a dropped line; logs the first of a run of failures, with its reason. */
static void
dropped(struct unanswered *u, int err)
{
	u->dropped++;
	if (u->failing)
		return;
	u->failing = err;
	log_warnx("cannot append to %s: %s; unanswered questions are dropped until it can "
		  "be written again",
		  u->path, strerror(err));
}

/* Notes a line written; logs the end of a run of failures with the count dropped. */
static void
written(struct unanswered *u)
{
	if (!u->failing)
		return;
	log_warnx("appending to %s again: %lu unanswered question%s dropped while it "
		  "failed (%s)",
		  u->path, u->dropped, u->dropped == 1 ? "" : "s", strerror(u->failing));
	u->failing = 0;
	u->dropped = 0;
}

int
unanswered_write(struct unanswered *u, time_t when, const char *question, size_t len)
{
	char line[QUESTION_MAX + 64];
	size_t n;
	ssize_t w;
	int err, locked;

	if (u->path == NULL || u->fd == -1)
		return -1;
	n = format_line(u, line, sizeof(line), when, question, len);
	/* Shared with the other processes appending: held only around one write and,
	 * when the disk cut it short, taking it back. */
	locked = flock(u->fd, LOCK_EX) == 0;
	w = write(u->fd, line, n);
	err = w == -1 ? errno : ENOSPC; /* a short write means the disk is full */
	if (w > 0 && (size_t)w < n && take_back(u->fd, (size_t)w) == -1)
		u->midline = 1;
	else if (w == (ssize_t)n)
		u->midline = 0;
	if (locked)
		flock(u->fd, LOCK_UN);
	if (w != (ssize_t)n) {
		dropped(u, err);
		return -1;
	}
	written(u);
	return 0;
}

void
unanswered_close(struct unanswered *u)
{
	if (u->failing)
		log_warnx("%s: %lu unanswered question%s dropped since appending failed (%s)",
			  u->path, u->dropped, u->dropped == 1 ? "" : "s", strerror(u->failing));
	if (u->path != NULL && u->fd != -1)
		close(u->fd);
	free(u->path);
	memset(u, 0, sizeof(*u));
}
