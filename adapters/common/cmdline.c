/* SPDX-License-Identifier: MIT */
/*
 * cmdline.c -- the loop both bridges' option parsers share.
 */
#include "cmdline.h"

#include <stdio.h>

int
cmdline_parse(const char *prog, const char *secrets, int argc, char **argv,
	      const struct option *longopts, int (*apply)(void *o, int c, const char *arg), void *o)
{
	int c, rc, index = 0;

	while ((c = getopt_long(argc, argv, "v", longopts, &index)) != -1) {
		rc = apply(o, c, optarg);
		if (rc == CMDLINE_BAD_VALUE) {
			fprintf(stderr, "%s: --%s: invalid value '%s'\n", prog,
				longopts[index].name, optarg);
			return -1;
		}
		if (rc != CMDLINE_OK)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr,
			"%s: unexpected argument '%s' (%s read from files, never from the "
			"command line)\n",
			prog, argv[optind], secrets);
		return -1;
	}
	return 0;
}
