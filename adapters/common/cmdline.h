/* SPDX-License-Identifier: MIT */
/*
 * cmdline.h -- the bridges' command line: getopt_long over a table, the options both
 * bridges take (--rulingd, --ca-file, --answer-timeout, -v, --help, --version) read
 * here, each of the others applied by the bridge's function, a bad value named with its
 * option, and no stray arguments (a token pasted on the command line is refused, not
 * read).
 */
#ifndef RULINGBOT_CMDLINE_H
#define RULINGBOT_CMDLINE_H

#include <getopt.h>
#include <stdio.h>

/* What apply returns: the option was taken, --help or --version was printed, the usage
 * was printed (an unknown option), or the value is invalid. */
enum { CMDLINE_OK = 0, CMDLINE_DONE = 1, CMDLINE_USAGE = -1, CMDLINE_BAD_VALUE = -2 };

/* getopt_long's values for the options both bridges take; a bridge numbers its own from
 * CMDLINE_OWN. */
enum {
	CMDLINE_RULINGD = 256,
	CMDLINE_CA_FILE,
	CMDLINE_TIMEOUT,
	CMDLINE_HELP,
	CMDLINE_VERSION,
	CMDLINE_OWN,
};

/* The entries of the options both bridges take, which end a bridge's table. */
/* clang-format off */
#define CMDLINE_SHARED_OPTIONS                                          \
	{ "rulingd", required_argument, NULL, CMDLINE_RULINGD },        \
	{ "ca-file", required_argument, NULL, CMDLINE_CA_FILE },        \
	{ "answer-timeout", required_argument, NULL, CMDLINE_TIMEOUT }, \
	{ "verbose", no_argument, NULL, 'v' },                          \
	{ "help", no_argument, NULL, CMDLINE_HELP },                    \
	{ "version", no_argument, NULL, CMDLINE_VERSION },              \
	{ NULL, 0, NULL, 0 }
/* clang-format on */

/* What both bridges are told. */
struct cmdline_shared {
	const char *rulingd_url; /* --rulingd */
	const char *ca_file;	 /* --ca-file, or NULL for the system's */
	long answer_timeout_s;	 /* --answer-timeout */
	int verbose;		 /* -v */
};

/* A bridge's command line. */
struct cmdline {
	const char *prog;	       /* the program, in messages and --version */
	const char *secrets;	       /* what must come from files: "tokens are" */
	const struct option *longopts; /* its table, ending with CMDLINE_SHARED_OPTIONS */
	void (*usage)(FILE *f);	       /* prints its --help */
	/* Applies one of its own options (or '?', an unknown one) to o: returns CMDLINE_... */
	int (*apply)(void *o, int c, const char *arg);
};

/* Parses argv as cl says: the shared options into shared (their defaults set first), the
 * others through cl->apply(o, ...). Returns 0; 1 when --help or --version was printed;
 * -1 after printing an error. */
int cmdline_parse(const struct cmdline *cl, int argc, char **argv, struct cmdline_shared *shared,
		  void *o);

#endif
