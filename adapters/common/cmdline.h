/* SPDX-License-Identifier: MIT */
/*
 * cmdline.h -- the bridges' command-line loop: getopt_long over a table, each option
 * applied by the caller's function, a bad value named with its option, and no stray
 * arguments (a token pasted on the command line is refused, not read).
 */
#ifndef RULINGBOT_CMDLINE_H
#define RULINGBOT_CMDLINE_H

#include <getopt.h>

/* What apply returns: the option was taken, --help or --version was printed, the usage
 * was printed (an unknown option), or the value is invalid. */
enum { CMDLINE_OK = 0, CMDLINE_DONE = 1, CMDLINE_USAGE = -1, CMDLINE_BAD_VALUE = -2 };

/* Parses argv with longopts (short options "v"), calling apply(o, option, argument) for
 * each. prog names the program in messages; secrets names what must come from files.
 * Returns 0; 1 when --help or --version was printed; -1 after printing an error. */
int cmdline_parse(const char *prog, const char *secrets, int argc, char **argv,
		  const struct option *longopts, int (*apply)(void *o, int c, const char *arg),
		  void *o);

#endif
