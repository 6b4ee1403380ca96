/* SPDX-License-Identifier: MIT */
/*
 * fuzz_kbfile.c -- fuzzes the loading of a knowledge-base file (daemon/engine/kbload.c,
 * through kb_open()): the input is the whole SQLite file, damaged or hostile, as a careless
 * deploy or an attacker with write access to the path could leave it. kb_open() takes a
 * path, so the input is written to a scratch file made once; when it opens, the server's
 * self-test question and a couple of questions in each language are asked of it, so what
 * the loader let through is also read, then kb_close() frees it all. The seed corpus,
 * small KB files and damaged copies of them, is written by kbfile-seeds.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "fuzz.h"
#include "util.h"

static char path[] = "/tmp/rulingbot-fuzz-kbfile-XXXXXX"; /* the scratch KB file */
static int fd = -1;					  /* open on path */

/* Removes the scratch file when the fuzzer or the replay program exits. */
static void
cleanup(void)
{
	unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fd = mkstemp(path)) == -1) {
		perror("fuzz_kbfile: scratch file");
		exit(1);
	}
	atexit(cleanup);
	return 0;
}

/* Replaces the scratch file's bytes by data, in place. Returns 0, or -1. */
static int
write_input(const uint8_t *data, size_t size)
{
	size_t done = 0;
	ssize_t n;

	if (ftruncate(fd, 0) == -1)
		return -1;
	while (done < size) {
		if ((n = pwrite(fd, data + done, size - done, (off_t)done)) <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* Counts the sources, reading each one's fields as /sources would. */
static int
count_source(void *ctx, const struct kb_cite *src)
{
	size_t *n = ctx;

	*n += strlen(src->id) + strlen(src->title) + (src->url ? strlen(src->url) : 0);
	return 0;
}

/* Asks kb what a server would: its self-test, then questions that reach the facts, the
 * synonyms, the misspellings, a fixed reply and a decline, in both languages; then reads
 * every source and every fixed reply, as /sources, /help and --prompt do. */
static void
ask(struct kb *kb)
{
	static const char *const questions[] = {
		"who was the judge",
		"¿Quién fue el juez?",
		"what did the AG lose lienenweber",
		"hello",
		"qwzx zzyzx",
	};
	struct answer a;
	char err[256];
	size_t i, n = 0;
	const char *reply;
	int r;

	match_self_test(kb, err, sizeof(err));
	for (i = 0; i < ARRAY_LEN(questions); i++) {
		/* No deadline (options NULL): a slow load or question shows as a timeout. */
		match_question(kb, NULL, questions[i], strlen(questions[i]), i % 2 ? "es" : NULL,
			       &a, err, sizeof(err));
		answer_free(&a);
	}
	kb_each_source(kb, count_source, &n);
	for (r = 0; r < REPLY_COUNT * LANG_COUNT; r++)
		if ((reply = kb_reply_text(kb, (enum reply)(r / LANG_COUNT),
					   (enum lang)(r % LANG_COUNT))) != NULL)
			n += strlen(reply);
	kb_fact_id(kb, kb_fact_count(kb));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb *kb;
	char err[512];

	if (write_input(data, size) == -1) {
		perror(path);
		abort();
	}
	if (kb_open(path, &kb, err, sizeof(err)) == 0) {
		ask(kb);
		kb_close(kb);
	}
	return 0;
}
