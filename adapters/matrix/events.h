/* SPDX-License-Identifier: MIT */
/*
 * events.h -- deciding what a Matrix room event is to the bot: a question (with whether
 * it names the bot, since only a two-person room is answered without being named), an
 * encrypted message it cannot read, or something to leave alone (its own messages,
 * notices, edits, emotes, anything else). The rules are the spec's (chat-apis §5.4).
 */
#ifndef RULINGBOT_MATRIX_EVENTS_H
#define RULINGBOT_MATRIX_EVENTS_H

#include <cjson/cJSON.h>

/* Who the bot is. */
struct mx_me {
	const char *user_id;	  /* "@rulingbot:example.org" */
	const char *localpart;	  /* "rulingbot" */
	const char *display_name; /* "RulingBot", or NULL */
};

enum mx_kind {
	MX_SKIP,      /* not for the bot: why says what it was */
	MX_QUESTION,  /* a text message: maybe a question (see mentioned) */
	MX_ENCRYPTED, /* an m.room.encrypted message the bot cannot read */
};

/* An event read from a room's timeline. The strings but text point into the event. */
struct mx_message {
	enum mx_kind kind;
	const char *why;	 /* for MX_SKIP, for the debug log */
	const char *event_id;	 /* never NULL unless kind is MX_SKIP */
	const char *sender;	 /* never NULL unless kind is MX_SKIP */
	const char *thread_root; /* the thread it was said in, or NULL */
	long long ts_ms;	 /* origin_server_ts */
	int mentioned;		 /* MX_QUESTION: it names the bot */
	char *text;		 /* MX_QUESTION: the question, cleaned (may be ""); malloc'd */
};

/* Reads the event ev as seen by me. Fills m and returns its kind; MX_SKIP also when out
 * of memory. */
enum mx_kind events_read(const cJSON *ev, const struct mx_me *me, struct mx_message *m);

/* Frees what m holds. This function can't fail. */
void events_clear(struct mx_message *m);

/* Returns 1 when the message content names me: in m.mentions.user_ids when the sender's
 * client sets m.mentions (then nothing else counts, as for push rules), or else, as older
 * clients do, by a matrix.to link in formatted_body or the bot's name at the start of
 * body. Reply fallbacks, which quote someone else, never count. */
int events_names_me(const cJSON *content, const struct mx_me *me);

/* The body as a question: the reply fallback (leading "> " lines and the blank line
 * after them) dropped, then a leading mention of me ("RulingBot: ", "@rulingbot ...")
 * and surrounding white space. Returns a new string, or NULL when out of memory. */
char *events_question_text(const char *body, const struct mx_me *me);

#endif
