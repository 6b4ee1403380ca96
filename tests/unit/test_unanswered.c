/* SPDX-License-Identifier: MIT */
/*
 * test_unanswered.c -- the --unanswered file (daemon/server/unanswered.c): whole lines
 * appended, long questions cut between characters, rotation, a cut last line, and a file
 * that fails logged once, not at every question.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "harness.h"
#include "log.h"
#include "server_fixture.h"
#include "unanswered.h"

/* Returns how many times needle occurs in text. */
static int
occurrences(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)) != NULL; text += strlen(needle))
		n++;
	return n;
}

static void
test_unanswered_appends_whole_lines(void)
{
	struct unanswered u;
	char path[PATH_MAX], old[PATH_MAX], text[4096], err[512], big[3000];
	time_t t = 86400; /* 1970-01-02T00:00:00Z */

	path_in(path, tmpdir, "u.txt");
	path_in(old, tmpdir, "u.txt.1");
	unlink(path);
	unlink(old);
	CHECK(unanswered_open(&u, path, err, sizeof(err)) == 0);
	CHECK(unanswered_write(&u, t, "one", 3) == 0);
	CHECK(unanswered_write(&u, t, "two\nlines\x7f", 10) == 0);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK_STR(text, "1970-01-02T00:00:00Z\tone\n1970-01-02T00:00:00Z\ttwo lines \n");

	/* A long question is cut, not in the middle of a character, and stays one line. */
	memset(big, 'a', sizeof(big));
	memcpy(big + 999, "\xc3\xa9", 2);
	CHECK(unanswered_write(&u, t, big, sizeof(big)) == 0);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK(occurrences(text, "\n") == 3 && strstr(text, "\xc3") == NULL);

	/* Rotation: renamed, then opened again; new lines go to the new file. */
	CHECK(rename(path, old) == 0);
	CHECK(unanswered_reopen(&u) == 0);
	CHECK(unanswered_write(&u, t, "three", 5) == 0);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK_STR(text, "1970-01-02T00:00:00Z\tthree\n");
	CHECK(slurp(old, text, sizeof(text)) > 0 && occurrences(text, "\n") == 3);
	unanswered_close(&u);
	unanswered_close(&u); /* closing twice, or what was never opened, is harmless */

	/* A file that ends in a cut line (a crash, an older rulingd): the next line starts
	 * on a line of its own. */
	CHECK(write_file(path, "2020-01-01T00:00:00Z\tcut sho") == 0);
	CHECK(unanswered_open(&u, path, err, sizeof(err)) == 0);
	CHECK(unanswered_write(&u, t, "four", 4) == 0);
	CHECK(unanswered_write(&u, t, "five", 4) == 0);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK_STR(text, "2020-01-01T00:00:00Z\tcut sho\n1970-01-02T00:00:00Z\tfour\n"
			"1970-01-02T00:00:00Z\tfive\n");
	unanswered_close(&u);
	unlink(path);
	unlink(old);
}

static void
test_unanswered_failures_are_logged_once(void)
{
	struct unanswered u;
	char log[PATH_MAX], missing[PATH_MAX], text[4096], err[512];
	int saved;

	path_in(log, tmpdir, "stderr.txt");
	path_in(missing, tmpdir, "no-such-folder/u.txt");
	CHECK(unanswered_check(missing, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no-such-folder/u.txt") && strstr(err, "No such file or directory"));
	CHECK(unanswered_open(&u, missing, err, sizeof(err)) == -1 && u.path == NULL);
	CHECK(strstr(err, "No such file or directory") != NULL);
	CHECK(unanswered_write(&u, 0, "x", 1) == -1);
	unanswered_close(&u);

	/* /dev/full fails every write with ENOSPC, as a full disk does. */
	if (access("/dev/full", W_OK) == -1)
		return;
	CHECK(unanswered_check("/dev/full", err, sizeof(err)) == 0);
	CHECK(unanswered_open(&u, "/dev/full", err, sizeof(err)) == 0);
	log_init("test_unanswered", LOG_LEVEL_WARN);
	saved = stderr_to(log);
	CHECK(unanswered_write(&u, 0, "x", 1) == -1);
	CHECK(unanswered_write(&u, 0, "y", 1) == -1);
	CHECK(unanswered_write(&u, 0, "z", 1) == -1);
	CHECK(u.dropped == 3);
	unanswered_close(&u);
	stderr_restore(saved);
	log_init("test_unanswered", LOG_LEVEL_ERR);
	CHECK(slurp(log, text, sizeof(text)) > 0);
	CHECK(occurrences(text, "cannot append to /dev/full: No space left on device") == 1);
	CHECK(occurrences(text, "/dev/full: 3 unanswered questions dropped") == 1);
	CHECK(occurrences(text, "\n") == 2);
	unlink(log);
}

int
main(void)
{
	if (tmpdir_make("test_unanswered") == -1)
		return 1;
	log_init("test_unanswered", LOG_LEVEL_ERR);
	RUN(test_unanswered_appends_whole_lines);
	RUN(test_unanswered_failures_are_logged_once);
	tmpdir_remove("test_unanswered");
	HARNESS_END();
}
