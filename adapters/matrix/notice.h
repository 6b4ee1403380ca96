/* SPDX-License-Identifier: MIT */
/*
 * notice.h -- the bot's messages as Matrix event content: always m.notice (which other
 * bots must not answer), with body in plain text and formatted_body in HTML that any
 * client's allow-list keeps, a rich reply to the question (in its thread when it was
 * asked in one), and m.mentions naming only the asker.
 */
#ifndef RULINGBOT_MATRIX_NOTICE_H
#define RULINGBOT_MATRIX_NOTICE_H

#include "rclient.h"

/* The question a reply answers. */
struct mx_target {
	const char *room_id;
	const char *event_id;	 /* the question */
	const char *sender;	 /* who asked */
	const char *thread_root; /* its thread, or NULL */
};

/* The content for rulingd's reply r to the question t: the answer and its sources, a
 * decline with suggestions, or an apology. Returns a JSON string (free it), or NULL when
 * out of memory. */
char *notice_reply(const struct rreply *r, const struct mx_target *t);

/* The content of the help text, for a message that names the bot and asks nothing.
 * Returns a JSON string (free it), or NULL when out of memory. */
char *notice_help(const struct mx_target *t, const char *bot_name);

/* The one notice for an encrypted room: the bot cannot read it, and where to ask instead
 * (a room without encryption, or web_url unless NULL). Returns a JSON string (free it),
 * or NULL when out of memory. */
char *notice_encrypted(const char *web_url);

#endif
