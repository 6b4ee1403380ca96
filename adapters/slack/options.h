/* SPDX-License-Identifier: MIT */
/*
 * options.h -- rulingbot-slack's command line. Tokens are not options: only the paths
 * of the files that hold them are.
 */
#ifndef RULINGBOT_SLACK_OPTIONS_H
#define RULINGBOT_SLACK_OPTIONS_H

#include "cmdline.h"

#define SLACK_DEFAULT_API_URL "https://slack.com/api/"

struct options {
	struct cmdline_shared shared; /* --rulingd, --ca-file, --answer-timeout, -v */
	int http_mode;		      /* --mode http */
	char listen_host[64];	      /* --listen, numeric address */
	int listen_port;	      /* --listen, port */
	char api_url[512];	      /* --slack-api-url, ending in '/' */
	const char *bot_token_file;   /* --bot-token-file, or NULL for the credential */
	const char *app_token_file;   /* --app-token-file */
	const char *secret_file;      /* --signing-secret-file */
	long watchdog_s;	      /* --watchdog */
	long post_interval_ms;	      /* --post-interval */
};

/* Reads the command line into o. Returns 0; 1 when --help or --version was printed
 * (exit 0); -1 after printing an error (exit 2). */
int options_parse(struct options *o, int argc, char **argv);

#endif
