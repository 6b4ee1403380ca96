/* SPDX-License-Identifier: MIT */
/*
 * events.c -- the filter in front of the bridge, after the rules of Slack's Bolt
 * ("ignoreSelf") made stricter for a question-and-answer bot: any subtype (bot_message,
 * message_changed, message_deleted, channel_join, ...) but file_share, any bot_id, a
 * hidden flag, or a missing user means no question was asked by a person. A message sent
 * with a file carries subtype file_share and is a person's message like any other: its
 * text is the question, and the file is not read.
 */
#include "events.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *
string_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Length of a mention of the bot at p ("<@ID>" or "<@ID|name>"), or 0. */
static size_t
bot_mention_at(const char *p, const char *id, size_t idlen)
{
	const char *end;

	if (strncmp(p, "<@", 2) != 0 || strncmp(p + 2, id, idlen) != 0)
		return 0;
	end = p + 2 + idlen;
	if (*end == '|')
		end = strchr(end, '>');
	return end != NULL && *end == '>' ? (size_t)(end - p) + 1 : 0;
}

/* Appends the escape at p as its character, returning the bytes it took (0: none). */
static size_t
unescape_at(struct buf *b, const char *p, int *rc)
{
	static const struct {
		const char *from, *to;
	} esc[] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" } };
	size_t i;

	for (i = 0; i < ARRAY_LEN(esc); i++) {
		if (strncmp(p, esc[i].from, strlen(esc[i].from)) == 0) {
			*rc = buf_puts(b, esc[i].to);
			return strlen(esc[i].from);
		}
	}
	return 0;
}

static char *
trimmed_copy(const char *s, size_t len)
{
	while (len > 0 && strchr(" \t\r\n", *s) != NULL) {
		s++;
		len--;
	}
	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	return strndup(s, len);
}

char *
slack_question_text(const char *text, const char *bot_user_id)
{
	size_t idlen = strlen(bot_user_id), n;
	const char *p = text;
	struct buf b;
	char *out;
	int rc = 0;

	buf_init(&b);
	while (*p != '\0' && rc == 0) {
		if (idlen > 0 && (n = bot_mention_at(p, bot_user_id, idlen)) > 0) {
			rc = buf_puts(&b, " ");
			p += n;
		} else if (*p == '&' && (n = unescape_at(&b, p, &rc)) > 0) {
			p += n;
		} else {
			rc = buf_append(&b, p++, 1);
		}
	}
	out = rc == 0 ? trimmed_copy(b.data != NULL ? b.data : "", b.len) : NULL;
	buf_free(&b);
	return out;
}

/* Returns 1 when ev has a subtype that makes it something else than a person's message
 * (an edit, deletion, join, bot message, ...). */
static int
has_other_subtype(const cJSON *ev)
{
	const cJSON *subtype = cJSON_GetObjectItemCaseSensitive(ev, "subtype");

	if (subtype == NULL)
		return 0;
	return !cJSON_IsString(subtype) || strcmp(subtype->valuestring, "file_share") != 0;
}

/* Why ev, in an event_callback, is not a person's question to me; NULL when it is. */
static const char *
not_a_question(const cJSON *ev, const struct slack_identity *me)
{
	const char *type = string_of(ev, "type"), *user = string_of(ev, "user");

	if (type == NULL)
		return "no event type";
	if (strcmp(type, "app_mention") != 0 && strcmp(type, "message") != 0)
		return "an event type the bot does not answer";
	if (has_other_subtype(ev))
		return "a message subtype (an edit, deletion, join or bot message)";
	if (cJSON_GetObjectItemCaseSensitive(ev, "bot_id") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(ev, "bot_profile") != NULL)
		return "a bot's message";
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "hidden")))
		return "a hidden event";
	if (user == NULL)
		return "no user";
	if (strcmp(user, me->user_id) == 0)
		return "the bot's own message";
	if (strcmp(type, "message") == 0) {
		const char *ct = string_of(ev, "channel_type");

		if (ct == NULL || strcmp(ct, "im") != 0)
			return "a channel message without a mention";
	}
	if (string_of(ev, "channel") == NULL || string_of(ev, "ts") == NULL ||
	    string_of(ev, "text") == NULL)
		return "no channel, ts or text";
	return NULL;
}

enum event_verdict
slack_event_read(const cJSON *payload, const struct slack_identity *me, struct slack_event *e)
{
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(payload, "event");
	const char *type = string_of(payload, "type"), *ct;

	memset(e, 0, sizeof(*e));
	e->verdict = EVENT_IGNORE;
	e->event_id = string_of(payload, "event_id");
	if (type == NULL || strcmp(type, "event_callback") != 0 || !cJSON_IsObject(ev)) {
		e->why = "not an event_callback";
		return e->verdict;
	}
	if ((e->why = not_a_question(ev, me)) != NULL)
		return e->verdict;
	e->channel = string_of(ev, "channel");
	e->ts = string_of(ev, "ts");
	e->thread_ts = string_of(ev, "thread_ts");
	/* In a channel the answer starts a thread under the question; a direct message is
	 * answered in the conversation itself, unless the question was in a thread. */
	ct = string_of(ev, "channel_type");
	if (e->thread_ts == NULL && (ct == NULL || strcmp(ct, "im") != 0))
		e->thread_ts = e->ts;
	if ((e->text = slack_question_text(string_of(ev, "text"), me->user_id)) == NULL) {
		e->why = "out of memory";
		return e->verdict;
	}
	e->verdict = e->text[0] == '\0' ? EVENT_HELP : EVENT_ASK;
	return e->verdict;
}

void
slack_event_clear(struct slack_event *e)
{
	free(e->text);
	e->text = NULL;
}
