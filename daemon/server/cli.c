/* SPDX-License-Identifier: MIT */
/*
 * cli.c -- the one-shot and interactive front ends. They print exactly what the websocket
 * daemon sends for the same question, so a test of one is a test of both.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "util.h"

int
cli_ask(struct kb *kb, const struct match_options *o, const char *question, const char *lang,
	int json, FILE *out)
{
	struct answer a;
	struct buf lines;
	char err[256], *s;
	int rc;

	if (match_question(kb, o, question, strlen(question), lang, &a, err, sizeof(err)) == -1) {
		log_warnx("cannot answer: %s", err);
		answer_free(&a);
		return -1;
	}
	if (json) {
		s = proto_answer_json(&a, NULL, kb_meta(kb, "kb_version"));
		rc = s ? 0 : -1;
		if (s)
			fprintf(out, "%s\n", s);
		free(s);
	} else {
		buf_init(&lines);
		rc = proto_answer_lines(&a, &lines);
		if (rc == 0)
			fprintf(out, "%s\n", lines.data);
		buf_free(&lines);
	}
	if (rc == -1)
		log_warnx("cannot answer: out of memory");
	answer_free(&a);
	fflush(out);
	return rc;
}

/* Returns the line the prompt opens with: the knowledge base's, in lang (NULL: English),
 * since it alone knows what the bot is about. */
static const char *
prompt_line(const struct kb *kb, const char *lang)
{
	enum lang l = LANG_EN;
	const char *text;

	lang_parse(lang, &l);
	text = kb_reply_text(kb, REPLY_PROMPT, l);
	return text ? text : "rulingbot: ask a question (Ctrl-D to quit).";
}

int
cli_prompt(struct kb *kb, const struct match_options *o, const char *lang, int json, FILE *in,
	   FILE *out)
{
	int tty = isatty(fileno(in));
	char *line = NULL;
	size_t cap = 0;

	if (tty)
		fprintf(out, "%s\n> ", prompt_line(kb, lang));
	while (getline(&line, &cap, in) != -1) {
		str_trim_end(line);
		if (line[0] != '\0')
			cli_ask(kb, o, line, lang, json, out);
		if (tty)
			fprintf(out, "> ");
		fflush(out);
	}
	free(line);
	if (ferror(in)) {
		log_warn("reading questions");
		return -1;
	}
	return 0;
}
