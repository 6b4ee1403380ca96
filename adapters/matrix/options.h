/* SPDX-License-Identifier: MIT */
/*
 * options.h -- rulingbot-matrix's command line. The access token is not an option: only
 * the path of the file that holds it is.
 */
#ifndef RULINGBOT_MATRIX_OPTIONS_H
#define RULINGBOT_MATRIX_OPTIONS_H

#include <stddef.h>

#include "cmdline.h"

#define OPTIONS_MAX_LIST 64 /* entries of --allow-inviter, and of --ignore-user */

struct options {
	struct cmdline_shared shared; /* --rulingd, --ca-file, --answer-timeout, -v */
	char homeserver[512];	      /* --homeserver, without a trailing '/' */
	const char *token_file;	      /* --access-token-file, or NULL for the credential */
	const char *state_file;	      /* --state, or NULL for $STATE_DIRECTORY's */
	const char *web_url;	      /* --web-url, named in the encrypted-room notice */
	long max_age_s;		      /* --max-age: older messages are not answered */
	const char *allow_inviters[OPTIONS_MAX_LIST]; /* --allow-inviter: @user or server */
	size_t nallow;				      /* entries in allow_inviters */
	const char *ignore_users[OPTIONS_MAX_LIST];   /* --ignore-user */
	size_t nignore;				      /* entries in ignore_users */
};

/* Reads the command line into o. Returns 0; 1 when --help or --version was printed
 * (exit 0); -1 after printing an error (exit 2). */
int options_parse(struct options *o, int argc, char **argv);

#endif
