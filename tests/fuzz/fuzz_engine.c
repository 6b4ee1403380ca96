/* SPDX-License-Identifier: MIT */
/*
 * fuzz_engine.c -- fuzzes the answering engine end to end on the bundled knowledge base:
 * the input is a question, answered by match_question() and rendered as the protocol's
 * JSON answer, as `rulingd --ask --json` does (daemon/cli.c). The KB is opened once, from
 * $RULINGBOT_FUZZ_KB or build/kb.sqlite.
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "fuzz.h"
#include "proto.h"

static struct kb *kb; /* opened once: opening costs far more than a question */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("RULINGBOT_FUZZ_KB");
	char err[256];

	(void)argc;
	(void)argv;
	if (path == NULL || path[0] == '\0')
		path = "build/kb.sqlite";
	if (kb_open(path, &kb, err, sizeof(err)) == -1) {
		fprintf(stderr, "fuzz_engine: %s (set RULINGBOT_FUZZ_KB)\n", err);
		exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The language hint a reader may send, picked from the size so the input's bytes
	 * all stay question: no hint, English, Spanish. */
	static const char *const hints[] = { NULL, "en", "es" };
	struct answer a;
	char err[256], *json;

	/* No deadline (options NULL), unlike the daemon: a slow question should show as a
	 * libFuzzer timeout rather than pass as an error, and runs stay deterministic. */
	if (match_question(kb, NULL, (const char *)data, size, hints[size % 3], &a, err,
			   sizeof(err)) == 0) {
		json = proto_answer_json(&a, "fuzz", kb_meta(kb, "kb_version"));
		free(json);
	}
	answer_free(&a);
	return 0;
}
