/* SPDX-License-Identifier: MIT */
/*
 * cmdline.c -- the loop both bridges' option parsers share, and the options they share.
 */
#include "cmdline.h"

#include "util.h"

#ifndef RULINGBOT_VERSION
#define RULINGBOT_VERSION "0.0.0"
#endif

/* Applies option c: a shared one here, any other through cl->apply. Returns CMDLINE_... */
static int
apply(const struct cmdline *cl, struct cmdline_shared *shared, void *o, int c, const char *arg)
{
	switch (c) {
	case CMDLINE_RULINGD: shared->rulingd_url = arg; return CMDLINE_OK;
	case CMDLINE_CA_FILE: shared->ca_file = arg; return CMDLINE_OK;
	case CMDLINE_TIMEOUT:
		return parse_long(arg, 1, 3600, &shared->answer_timeout_s) ? CMDLINE_BAD_VALUE
									   : CMDLINE_OK;
	case 'v': shared->verbose = 1; return CMDLINE_OK;
	case CMDLINE_HELP: cl->usage(stdout); return CMDLINE_DONE;
	case CMDLINE_VERSION: printf("%s %s\n", cl->prog, RULINGBOT_VERSION); return CMDLINE_DONE;
	default: return cl->apply(o, c, arg);
	}
}

int
cmdline_parse(const struct cmdline *cl, int argc, char **argv, struct cmdline_shared *shared,
	      void *o)
{
	int c, rc, index = 0;

	shared->rulingd_url = "ws://127.0.0.1:8080/";
	shared->ca_file = NULL;
	shared->answer_timeout_s = 60;
	shared->verbose = 0;
	while ((c = getopt_long(argc, argv, "v", cl->longopts, &index)) != -1) {
		rc = apply(cl, shared, o, c, optarg);
		if (rc == CMDLINE_BAD_VALUE) {
			fprintf(stderr, "%s: --%s: invalid value '%s'\n", cl->prog,
				cl->longopts[index].name, optarg);
			return -1;
		}
		if (rc != CMDLINE_OK)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr,
			"%s: unexpected argument '%s' (%s read from files, never from the "
			"command line)\n",
			cl->prog, argv[optind], cl->secrets);
		return -1;
	}
	return 0;
}
