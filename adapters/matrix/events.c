/* SPDX-License-Identifier: MIT */
/*
 * events.c -- reading one timeline event. A notice must never be answered (the spec says
 * so: that is how bots avoid answering each other forever), nor an edit (the original
 * was answered), nor anything the bot said itself.
 */
#include "events.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"
#include "util.h"

static const char *
string_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Skips the reply fallback at the start of a body: lines starting with "> ", then one
 * blank line. */
static const char *
skip_fallback(const char *body)
{
	const char *p = body, *nl;

	if (strncmp(p, "> ", 2) != 0)
		return body;
	while (strncmp(p, "> ", 2) == 0 || strncmp(p, ">\n", 2) == 0) {
		if ((nl = strchr(p, '\n')) == NULL)
			return p + strlen(p);
		p = nl + 1;
	}
	return *p == '\n' ? p + 1 : p;
}

/* Returns the length of a name of me that s starts with, followed by a word boundary,
 * or 0. Names: the user id, the display name, and the localpart with or without '@'. */
static size_t
leading_name(const char *s, const struct mx_me *me)
{
	const char *names[4] = { me->user_id, me->display_name, me->localpart, NULL };
	size_t i, n;

	if (s[0] == '@' && me->localpart != NULL &&
	    strncasecmp(s + 1, me->localpart, strlen(me->localpart)) == 0)
		names[3] = s; /* "@rulingbot" typed by hand */
	for (i = 0; i < 4; i++) {
		if (names[i] == NULL || names[i][0] == '\0')
			continue;
		n = i == 3 ? strlen(me->localpart) + 1 : strlen(names[i]);
		if (i != 3 && strncasecmp(s, names[i], n) != 0)
			continue;
		if (s[n] == '\0' || strchr(" \t\n:,", s[n]) != NULL)
			return n;
	}
	return 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *
events_question_text(const char *body, const struct mx_me *me)
{
	const char *p = skip_fallback(body), *end;
	size_t n;

	while (is_space(*p))
		p++;
	if ((n = leading_name(p, me)) > 0) {
		p += n;
		while (is_space(*p) || *p == ':' || *p == ',')
			p++;
	}
	end = p + strlen(p);
	while (end > p && is_space(end[-1]))
		end--;
	return strndup(p, (size_t)(end - p));
}

/* Returns 1 when html holds link as a whole link target: followed by the end of the
 * href, not by more of a longer user id. */
static int
holds_link(const char *html, const char *link, int any_case)
{
	size_t n = strlen(link);
	const char *hit;

	for (hit = html; (hit = any_case ? strcasestr(hit, link) : strstr(hit, link)) != NULL;
	     hit += n)
		if (strchr("\"'?/", hit[n]) != NULL) /* also matches the end of the string */
			return 1;
	return 0;
}

/* Returns 1 when html, outside a leading <mx-reply> element (a quote of the message
 * replied to), links to me with a matrix.to link, its id plain or percent-encoded. */
static int
links_to_me(const char *html, const char *user_id)
{
	const char *p = html, *end;
	struct buf plain, encoded;
	int found = 0;

	if (strncmp(p, "<mx-reply>", 10) == 0 && (end = strstr(p, "</mx-reply>")) != NULL)
		p = end + 11;
	buf_init(&plain);
	buf_init(&encoded);
	if (buf_printf(&plain, "matrix.to/#/%s", user_id) == 0 &&
	    buf_puts(&encoded, "matrix.to/#/") == 0 && url_escape(&encoded, user_id) == 0)
		found = holds_link(p, plain.data, 0) || holds_link(p, encoded.data, 1);
	buf_free(&plain);
	buf_free(&encoded);
	return found;
}

int
events_names_me(const cJSON *content, const struct mx_me *me)
{
	const cJSON *mentions = cJSON_GetObjectItemCaseSensitive(content, "m.mentions"), *id;
	const char *html = string_of(content, "formatted_body");
	const char *body = string_of(content, "body");

	if (cJSON_IsObject(mentions)) {
		cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(mentions, "user_ids"))
		{
			if (cJSON_IsString(id) && strcmp(id->valuestring, me->user_id) == 0)
				return 1;
		}
		return 0;
	}
	if (html != NULL && links_to_me(html, me->user_id))
		return 1;
	return body != NULL && leading_name(skip_fallback(body), me) > 0;
}

static enum mx_kind
skip(struct mx_message *m, const char *why)
{
	m->why = why;
	return m->kind = MX_SKIP;
}

/* Reads the relation: a thread to answer in, or an edit (1) not to answer at all. */
static int
read_relation(const cJSON *content, struct mx_message *m)
{
	const cJSON *rel = cJSON_GetObjectItemCaseSensitive(content, "m.relates_to");
	const char *type = string_of(rel, "rel_type");

	if (type != NULL && strcmp(type, "m.replace") == 0)
		return 1;
	if (cJSON_GetObjectItemCaseSensitive(content, "m.new_content") != NULL)
		return 1;
	if (type != NULL && strcmp(type, "m.thread") == 0)
		m->thread_root = string_of(rel, "event_id");
	return 0;
}

enum mx_kind
events_read(const cJSON *ev, const struct mx_me *me, struct mx_message *m)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(ev, "content");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ev, "origin_server_ts");
	const char *type = string_of(ev, "type"), *msgtype, *body;

	memset(m, 0, sizeof(*m));
	m->event_id = string_of(ev, "event_id");
	m->sender = string_of(ev, "sender");
	if (type == NULL || m->event_id == NULL || m->sender == NULL || !cJSON_IsObject(content))
		return skip(m, "not a well-formed event");
	if (strcmp(m->sender, me->user_id) == 0)
		return skip(m, "the bot's own message");
	/* Checked before the cast: a number beyond long long's range is undefined behaviour
	 * to convert, and any homeserver can send one. 0 reads as "too old". */
	m->ts_ms = cJSON_IsNumber(ts) && ts->valuedouble >= 0 && ts->valuedouble < 1e15
			   ? (long long)ts->valuedouble
			   : 0;
	if (strcmp(type, "m.room.encrypted") == 0)
		return m->kind = MX_ENCRYPTED;
	if (strcmp(type, "m.room.message") != 0)
		return skip(m, "not a message");
	msgtype = string_of(content, "msgtype");
	body = string_of(content, "body");
	if (msgtype == NULL || strcmp(msgtype, "m.text") != 0 || body == NULL)
		return skip(m, "not a text message (a notice is never answered)");
	if (read_relation(content, m))
		return skip(m, "an edit");
	if ((m->text = events_question_text(body, me)) == NULL)
		return skip(m, "out of memory");
	m->mentioned = events_names_me(content, me);
	return m->kind = MX_QUESTION;
}

void
events_clear(struct mx_message *m)
{
	free(m->text);
	m->text = NULL;
}
