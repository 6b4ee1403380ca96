/* SPDX-License-Identifier: MIT */
/*
 * events.h -- deciding what a Slack event is: a question for the bot (a mention in a
 * channel, or a message in a direct message, with or without a file), a bare mention that
 * deserves the help text, or something to leave alone (the bot's own messages, other
 * bots, edits, deletions, joins, hidden events, anything else).
 */
#ifndef RULINGBOT_EVENTS_H
#define RULINGBOT_EVENTS_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Who the bot is, from auth.test. */
struct slack_identity {
	char user_id[64];
	char bot_id[64];
};

enum event_verdict {
	EVENT_IGNORE, /* not for the bot: why says what it was */
	EVENT_ASK,    /* a question: ask rulingd text */
	EVENT_HELP,   /* a mention with nothing else: post the help text */
};

/* An event read from an event_callback payload. The strings but text point into the
 * payload; text is malloc'd (free it with slack_event_clear). */
struct slack_event {
	enum event_verdict verdict;
	const char *why;       /* for EVENT_IGNORE, for the debug log */
	const char *event_id;  /* the payload's event_id, or NULL */
	const char *channel;   /* where it was said */
	const char *ts;	       /* the message's own timestamp (its id in the channel) */
	const char *thread_ts; /* where to reply: a thread's ts, or NULL for no thread */
	char *text;	       /* the question, cleaned; for EVENT_ASK */
};

/* Reads the payload ({"type":"event_callback","event":{...},...}) as seen by me. Fills e
 * and returns its verdict; EVENT_IGNORE also when out of memory. */
enum event_verdict slack_event_read(const cJSON *payload, const struct slack_identity *me,
				    struct slack_event *e);

/* Frees what e holds. This function can't fail. */
void slack_event_clear(struct slack_event *e);

/* The text of a message as a question: every mention of the bot (<@ID> or <@ID|name>)
 * removed, Slack's escapes (&amp; &lt; &gt;) undone, surrounding white space trimmed.
 * Returns a new string, or NULL when out of memory. */
char *slack_question_text(const char *text, const char *bot_user_id);

#endif
