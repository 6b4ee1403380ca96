/* SPDX-License-Identifier: MIT */
/*
 * bridge.h -- rulingbot-slack's state, shared by its parts: who the bot is, its
 * connections (rulingd, Slack), and the events it has already seen.
 */
#ifndef RULINGBOT_SLACK_BRIDGE_H
#define RULINGBOT_SLACK_BRIDGE_H

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "dedupe.h"
#include "events.h"
#include "httpevents.h"
#include "options.h"
#include "outbox.h"
#include "rclient.h"
#include "socketmode.h"

/* Event ids and channel/ts pairs are remembered this long (Slack's last retry comes
 * about 5 minutes after the event), and at most this many: a flood forgets the oldest. */
#define BRIDGE_DEDUPE_MS   (15 * 60 * 1000LL)
#define BRIDGE_DEDUPE_KEYS 100000

struct bridge {
	struct options opt;
	struct slack_identity me;
	char *bot_token, *app_token, *signing_secret;
	struct lws_context *ctx;
	struct rclient *rulingd;
	struct outbox *out;
	struct socketmode *sm;	  /* Socket Mode, or NULL */
	struct httpevents events; /* HTTP mode's endpoint */
	struct dedupe *seen;	  /* event ids and channel/ts pairs answered */
};

/* Handles one Events API payload, from either mode: a question is asked of rulingd
 * and its reply posted; anything else is left alone. Matches socketmode_payload_fn. */
void bridge_on_payload(void *arg, const cJSON *payload);

/* rulingd's reply to a question: posted in the question's thread. Matches
 * rclient_reply_fn. */
void bridge_on_reply(void *arg, void *tag, const struct rreply *r);

#endif
