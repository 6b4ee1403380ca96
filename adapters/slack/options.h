/* SPDX-License-Identifier: MIT */
/*
 * options.h -- rulingbot-slack's command line. Tokens are not options: only the paths
 * of the files that hold them are.
 */
#ifndef RULINGBOT_SLACK_OPTIONS_H
#define RULINGBOT_SLACK_OPTIONS_H

#define SLACK_DEFAULT_API_URL "https://slack.com/api/"

struct options {
	const char *rulingd_url; /* --rulingd */
	int http_mode;		 /* --mode http */
	char listen_host[64];	 /* --listen, numeric address */
	int listen_port;
	char api_url[512];	    /* --slack-api-url, ending in '/' */
	const char *bot_token_file; /* --bot-token-file, or NULL for the credential */
	const char *app_token_file; /* --app-token-file */
	const char *secret_file;    /* --signing-secret-file */
	const char *ca_file;	    /* --ca-file, or NULL */
	long answer_timeout_s;	    /* --answer-timeout */
	long watchdog_s;	    /* --watchdog */
	long post_interval_ms;	    /* --post-interval */
	int verbose;		    /* -v */
};

/* Reads the command line into o. Returns 0; 1 when --help or --version was printed
 * (exit 0); -1 after printing an error (exit 2). */
int options_parse(struct options *o, int argc, char **argv);

#endif
