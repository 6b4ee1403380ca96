/* SPDX-License-Identifier: MIT */
/*
 * rulingkb.c -- the knowledge-base compiler: "check" validates a kb/ folder and prints
 * every problem as file:line; "build" does the same and, when there is none, writes the
 * database rulingd reads.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "check.h"
#include "load.h"

#ifndef RULINGBOT_VERSION
#define RULINGBOT_VERSION "0.0.0"
#endif

static void
usage(FILE *f)
{
	fprintf(f, "usage: rulingkb check DIR [--texts DIR]\n"
		   "       rulingkb build DIR -o FILE [--texts DIR]\n"
		   "\n"
		   "  check         validate the knowledge base in DIR; print every problem\n"
		   "  build         validate, then write the database FILE (atomically)\n"
		   "  --texts DIR   folder of stored source texts to check quotes against\n"
		   "  -o FILE       the database to write\n"
		   "  -h, --help    show this help\n"
		   "  -V, --version show the version\n");
}

/* Prints the summary line of a KB. */
static void
summary(const struct kbset *set, FILE *f)
{
	int i, en = 0;

	for (i = 0; i < set->nfacts; i++)
		en += set->facts[i].lang && strcmp(set->facts[i].lang, "en") == 0;
	fprintf(f, "%d facts (%d en, %d es), %d sources, ", set->nfacts, en, set->nfacts - en,
		set->nsources);
	if (set->warnings > 0)
		fprintf(f, "%d warning%s (above), ", set->warnings, set->warnings == 1 ? "" : "s");
	fprintf(f, "version %s\n", set->version);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "texts", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *texts = NULL, *out = NULL, *cmd, *dir;
	struct kbset set;
	char err[512];
	int c, problems, rc;

	while ((c = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 't': texts = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rulingkb %s\n", RULINGBOT_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2 || argv[optind + 1][0] == '\0') {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	dir = argv[optind + 1];
	if (strcmp(cmd, "check") != 0 && strcmp(cmd, "build") != 0) {
		fprintf(stderr, "rulingkb: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "build") == 0 && out == NULL) {
		fprintf(stderr, "rulingkb: build needs -o FILE\n");
		return 2;
	}
	if (load_kb(dir, &set, stdout) == -1) {
		kbset_free(&set);
		return 1;
	}
	problems = check_kb(&set, texts, check_today());
	if (problems > 0) {
		printf("%s: %d problem%s; %s\n", dir, problems, problems == 1 ? "" : "s",
		       strcmp(cmd, "build") == 0 ? "nothing was built"
						 : "fix them and check again");
		kbset_free(&set);
		return 1;
	}
	rc = 0;
	if (strcmp(cmd, "build") == 0 && build_kb(&set, out, err, sizeof(err)) == -1) {
		fprintf(stderr, "rulingkb: %s\n", err);
		rc = 1;
	}
	if (rc == 0) {
		printf("%s: ", strcmp(cmd, "build") == 0 ? out : dir);
		summary(&set, stdout);
	}
	kbset_free(&set);
	return rc;
}
