/* SPDX-License-Identifier: MIT */
/*
 * options.c -- getopt_long over rulingbot-slack's options, every number checked against
 * its range, the --help text kept beside the table it describes.
 */
#include "options.h"

#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "util.h"

enum {
	OPT_MODE = CMDLINE_OWN,
	OPT_LISTEN,
	OPT_API_URL,
	OPT_BOT_TOKEN,
	OPT_APP_TOKEN,
	OPT_SECRET,
	OPT_WATCHDOG,
	OPT_INTERVAL,
};

static const struct option longopts[] = {
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "slack-api-url", required_argument, NULL, OPT_API_URL },
	{ "bot-token-file", required_argument, NULL, OPT_BOT_TOKEN },
	{ "app-token-file", required_argument, NULL, OPT_APP_TOKEN },
	{ "signing-secret-file", required_argument, NULL, OPT_SECRET },
	{ "watchdog", required_argument, NULL, OPT_WATCHDOG },
	{ "post-interval", required_argument, NULL, OPT_INTERVAL },
	CMDLINE_SHARED_OPTIONS,
};

static void
usage(FILE *f)
{
	fputs("usage: rulingbot-slack [options]\n"
	      "Answers questions asked in Slack with rulingd's sourced answers.\n"
	      "\n"
	      "  --rulingd URL               rulingd's websocket (ws://127.0.0.1:8080/)\n"
	      "  --mode socket|http          Socket Mode (default), or the Events API over HTTP\n"
	      "  --listen ADDR:PORT          http mode: where Slack's requests arrive "
	      "(127.0.0.1:3000)\n"
	      "  --slack-api-url URL         Slack's Web API (" SLACK_DEFAULT_API_URL ")\n"
	      "  --bot-token-file FILE       the bot token, xoxb-... "
	      "($CREDENTIALS_DIRECTORY/slack-bot-token)\n"
	      "  --app-token-file FILE       socket mode: the app-level token, xapp-... "
	      "($CREDENTIALS_DIRECTORY/slack-app-token)\n"
	      "  --signing-secret-file FILE  http mode: the signing secret "
	      "($CREDENTIALS_DIRECTORY/slack-signing-secret)\n"
	      "  --ca-file FILE              trust these CA certificates (the system's)\n"
	      "  --answer-timeout SECONDS    apologise when rulingd has not answered by then "
	      "(60)\n"
	      "  --watchdog SECONDS          reconnect a Socket Mode link silent this long (30)\n"
	      "  --post-interval MS          least time between two posts in a channel (1000)\n"
	      "  -v, --verbose               log debugging detail\n"
	      "  --help, --version\n",
	      f);
}

static int
parse_api_url(struct options *o, const char *s)
{
	size_t n = strlen(s);

	if ((strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) ||
	    n + 2 > sizeof(o->api_url))
		return -1;
	snprintf(o->api_url, sizeof(o->api_url), "%s%s", s, s[n - 1] == '/' ? "" : "/");
	return 0;
}

static void
defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->listen_host, sizeof(o->listen_host), "127.0.0.1");
	o->listen_port = 3000;
	snprintf(o->api_url, sizeof(o->api_url), "%s", SLACK_DEFAULT_API_URL);
	o->watchdog_s = 30;
	o->post_interval_ms = 1000;
}

/* Applies one of the bridge's own options. Returns 0, -1 (usage printed) or -2 (a bad
 * value). */
static int
apply(void *arg_o, int c, const char *arg)
{
	struct options *o = arg_o;

	switch (c) {
	case OPT_MODE:
		if (strcmp(arg, "socket") != 0 && strcmp(arg, "http") != 0)
			break;
		o->http_mode = strcmp(arg, "http") == 0;
		return 0;
	case OPT_LISTEN:
		if (parse_host_port(arg, o->listen_host, sizeof(o->listen_host), &o->listen_port))
			break;
		return 0;
	case OPT_API_URL: return parse_api_url(o, arg) == 0 ? 0 : -2;
	case OPT_BOT_TOKEN: o->bot_token_file = arg; return 0;
	case OPT_APP_TOKEN: o->app_token_file = arg; return 0;
	case OPT_SECRET: o->secret_file = arg; return 0;
	case OPT_WATCHDOG: return parse_long(arg, 1, 3600, &o->watchdog_s) ? -2 : 0;
	case OPT_INTERVAL: return parse_long(arg, 0, 60000, &o->post_interval_ms) ? -2 : 0;
	default: usage(stderr); return -1;
	}
	return -2;
}

/* What cmdline_parse() needs to know of this bridge. */
static const struct cmdline slack_cmdline = { "rulingbot-slack", "tokens are", longopts, usage,
					      apply };

int
options_parse(struct options *o, int argc, char **argv)
{
	defaults(o);
	return cmdline_parse(&slack_cmdline, argc, argv, &o->shared, o);
}
