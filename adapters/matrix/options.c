/* SPDX-License-Identifier: MIT */
/*
 * options.c -- getopt_long over rulingbot-matrix's options, every number checked against
 * its range, the --help text kept beside the table it describes.
 */
#include "options.h"

#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "util.h"

enum {
	OPT_HOMESERVER = CMDLINE_OWN,
	OPT_TOKEN,
	OPT_STATE,
	OPT_WEB_URL,
	OPT_MAX_AGE,
	OPT_ALLOW,
	OPT_IGNORE,
};

static const struct option longopts[] = {
	{ "homeserver", required_argument, NULL, OPT_HOMESERVER },
	{ "access-token-file", required_argument, NULL, OPT_TOKEN },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "web-url", required_argument, NULL, OPT_WEB_URL },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "allow-inviter", required_argument, NULL, OPT_ALLOW },
	{ "ignore-user", required_argument, NULL, OPT_IGNORE },
	CMDLINE_SHARED_OPTIONS,
};

static void
usage(FILE *f)
{
	fputs("usage: rulingbot-matrix --homeserver URL [options]\n"
	      "Answers questions asked in Matrix rooms with rulingd's sourced answers.\n"
	      "\n"
	      "  --homeserver URL          the homeserver's client API, "
	      "https://matrix.example.org\n"
	      "  --rulingd URL             rulingd's websocket (ws://127.0.0.1:8080/)\n"
	      "  --access-token-file FILE  the bot user's access token "
	      "($CREDENTIALS_DIRECTORY/matrix-access-token)\n"
	      "  --state FILE              where the sync position is kept "
	      "($STATE_DIRECTORY/sync-state.json)\n"
	      "  --ca-file FILE            trust these CA certificates (the system's)\n"
	      "  --web-url URL             the web page named in the encrypted-room notice\n"
	      "  --answer-timeout SECONDS  apologise when rulingd has not answered by then (60)\n"
	      "  --max-age SECONDS         leave older messages unanswered (300)\n"
	      "  --allow-inviter WHO       join only rooms this @user or server invites to "
	      "(repeatable;\n"
	      "                            default: any)\n"
	      "  --ignore-user USER        never answer this user, another bot (repeatable)\n"
	      "  -v, --verbose             log debugging detail\n"
	      "  --help, --version\n",
	      f);
}

static int
is_http_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static int
parse_homeserver(struct options *o, const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	if (!is_http_url(s) || n >= sizeof(o->homeserver) || strpbrk(s, "?# \t\r\n") != NULL)
		return -1;
	memcpy(o->homeserver, s, n);
	o->homeserver[n] = '\0';
	return 0;
}

/* Adds s to list: a user id (@local:server) or a server name. Returns 0 or -1. */
static int
add_to(const char **list, size_t *n, const char *s, int users_only)
{
	if (*n == OPTIONS_MAX_LIST || s[0] == '\0' || strpbrk(s, " \t\r\n") != NULL ||
	    (users_only && (s[0] != '@' || strchr(s, ':') == NULL)))
		return -1;
	list[(*n)++] = s;
	return 0;
}

static void
defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_age_s = 300;
}

/* Applies one of the bridge's own options. Returns 0, -1 (usage printed) or -2 (a bad
 * value). */
static int
apply(void *arg_o, int c, const char *arg)
{
	struct options *o = arg_o;

	switch (c) {
	case OPT_HOMESERVER: return parse_homeserver(o, arg) == 0 ? 0 : -2;
	case OPT_TOKEN: o->token_file = arg; return 0;
	case OPT_STATE: o->state_file = arg; return 0;
	case OPT_WEB_URL: o->web_url = arg; return is_http_url(arg) ? 0 : -2;
	case OPT_MAX_AGE: return parse_long(arg, 1, 7 * 86400, &o->max_age_s) ? -2 : 0;
	case OPT_ALLOW: return add_to(o->allow_inviters, &o->nallow, arg, 0) ? -2 : 0;
	case OPT_IGNORE: return add_to(o->ignore_users, &o->nignore, arg, 1) ? -2 : 0;
	default: usage(stderr); return -1;
	}
}

/* What cmdline_parse() needs to know of this bridge. */
static const struct cmdline matrix_cmdline = { "rulingbot-matrix", "the token is", longopts, usage,
					       apply };

int
options_parse(struct options *o, int argc, char **argv)
{
	int rc;

	defaults(o);
	if ((rc = cmdline_parse(&matrix_cmdline, argc, argv, &o->shared, o)) != 0)
		return rc;
	if (o->homeserver[0] == '\0') {
		fprintf(stderr, "rulingbot-matrix: --homeserver URL is required\n");
		return -1;
	}
	return 0;
}
