/* SPDX-License-Identifier: MIT */
/*
 * mrkdwn.h -- rulingd's replies written as Slack messages: the answer, then its sources
 * as links with publisher and date, in Slack's mrkdwn with its three escapes.
 */
#ifndef RULINGBOT_MRKDWN_H
#define RULINGBOT_MRKDWN_H

#include "rclient.h"
#include "util.h"

/* Appends s to b with Slack's escapes: & < > become &amp; &lt; &gt; (nothing else).
 * Returns 0, or -1 when out of memory. */
int mrkdwn_escape(struct buf *b, const char *s);

/* The message for reply r (an answer, a decline with suggestions, an error or a
 * timeout). Returns a new string, or NULL when out of memory. */
char *mrkdwn_reply(const struct rreply *r);

/* The message for a mention with no question, naming the bot as bot_user_id. Returns a
 * new string, or NULL when out of memory. */
char *mrkdwn_help(const char *bot_user_id);

#endif
