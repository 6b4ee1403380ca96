/* SPDX-License-Identifier: MIT */
/*
 * main.c -- rulingd: answers questions about City of Chicago v. Sessions, each answer with
 * its sources. This file reads the options and opens the knowledge base; cli.c answers.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kb.h"
#include "log.h"
#include "match.h"
#include "norm.h"
#include "util.h"

#ifndef RULINGBOT_VERSION
#define RULINGBOT_VERSION "0.0.0"
#endif
/* Milliseconds of database time one question may take; a search takes well under one. */
#define RULINGD_DEFAULT_DEADLINE_MS 20

#ifndef RULINGD_DEFAULT_KB
#define RULINGD_DEFAULT_KB "build/kb.sqlite"
#endif

/* What the command line asked for. */
struct options {
	const char *kb_path; /* --kb */
	const char *ask;     /* --ask, or NULL for the prompt */
	const char *lang;    /* --lang, or NULL */
	int json;	     /* --json */
	int verbose;	     /* -v */
	int explain;	     /* --explain */
	long deadline_ms;    /* --query-deadline */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: rulingd [--kb FILE] [--ask QUESTION] [--json] [--lang en|es]\n"
		"               [--explain] [--query-deadline MS] [-v]\n"
		"\n"
		"Answers questions about City of Chicago v. Sessions, with sources.\n"
		"\n"
		"  --kb FILE        knowledge base built by rulingkb (default %s)\n"
		"  --ask QUESTION   answer one question and exit\n"
		"  --json           print the JSON object the websocket protocol sends\n"
		"  --lang en|es     language of the answers (default: the question's)\n"
		"  --explain        show on stderr how each question was read and ranked\n"
		"  --query-deadline MS\n"
		"                   database time allowed per question (default %d, 0: none)\n"
		"  -v, --verbose    log more\n"
		"  -h, --help       show this help\n"
		"  -V, --version    show the version\n"
		"\n"
		"Without --ask, questions are read from standard input, one per line.\n",
		RULINGD_DEFAULT_KB, RULINGD_DEFAULT_DEADLINE_MS);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "kb", required_argument, NULL, 'k' },
		{ "ask", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "lang", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "query-deadline", required_argument, NULL, 'd' },
		{ "explain", no_argument, NULL, 'x' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	enum lang lang;
	int c;

	memset(o, 0, sizeof(*o));
	o->kb_path = RULINGD_DEFAULT_KB;
	o->deadline_ms = RULINGD_DEFAULT_DEADLINE_MS;
	while ((c = getopt_long(argc, argv, "vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o->kb_path = optarg; break;
		case 'a': o->ask = optarg; break;
		case 'j': o->json = 1; break;
		case 'l':
			if (lang_parse(optarg, &lang) == -1)
				fatalx("--lang must be en or es, not '%s'", optarg);
			o->lang = optarg;
			break;
		case 'd':
			if (parse_long(optarg, 0, 60000, &o->deadline_ms) == -1)
				fatalx("--query-deadline must be 0 to 60000 milliseconds, not '%s'",
				       optarg);
			break;
		case 'v': o->verbose = 1; break;
		case 'x': o->explain = 1; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("rulingd %s\n", RULINGBOT_VERSION); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rulingd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct options o;
	struct kb *kb;
	char err[512];
	int rc;

	log_init("rulingd", LOG_LEVEL_INFO);
	parse_options(argc, argv, &o);
	log_init("rulingd", o.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if (kb_open(o.kb_path, &kb, err, sizeof(err)) == -1)
		fatalx("cannot open the knowledge base: %s", err);
	kb_set_deadline(kb, (double)o.deadline_ms);
	if (o.explain)
		match_set_trace(stderr);
	if (o.ask)
		rc = cli_ask(kb, o.ask, o.lang, o.json, stdout);
	else
		rc = cli_prompt(kb, o.lang, o.json, stdin, stdout);
	kb_close(kb);
	return rc == 0 ? 0 : 1;
}
