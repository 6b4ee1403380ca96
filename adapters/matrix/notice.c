/* SPDX-License-Identifier: MIT */
/*
 * notice.c -- writing replies for Matrix. The plain and HTML versions are written side
 * by side, piece by piece, so they always say the same thing. Every string from the
 * knowledge base is escaped in the HTML, and only http(s) URLs become links; the tags
 * used (p, em, strong, ol, ul, li, a) are all on the spec's allow-list. Dates are the
 * words rulingd's text mode prints.
 */
#include "notice.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "util.h"

/* A reply being written: plain text and HTML. Appends after a failure do nothing; the
 * check is made once at the end. */
struct writer {
	struct buf plain, html;
	int rc;
	int es; /* Spanish headings */
};

/* Appends s to the plain text and escaped to the HTML. */
static void
text(struct writer *w, const char *s)
{
	if (w->rc == 0 && (buf_puts(&w->plain, s) == -1 || html_escape(&w->html, s) == -1))
		w->rc = -1;
}

/* Appends markup to each version: plain to the text, html to the HTML. */
static void
mark(struct writer *w, const char *plain, const char *html)
{
	if (w->rc == 0 && (buf_puts(&w->plain, plain) == -1 || buf_puts(&w->html, html) == -1))
		w->rc = -1;
}

static const char *
string_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring[0] != '\0' ? v->valuestring : NULL;
}

/* "Title — Publisher, September 15, 2017, pinpoint — citation", the title a link; the
 * plain text gives the URL on a line of its own, where clients make it a link. */
static void
put_source(struct writer *w, const cJSON *s, int number)
{
	const char *title = string_of(s, "title"), *url = string_of(s, "url");
	const char *date = string_of(s, "date");
	char words[64], num[32];

	if (title == NULL)
		title = url != NULL ? url : "(untitled)";
	snprintf(num, sizeof(num), "\n%d. ", number);
	mark(w, num, "<li>");
	if (html_is_web_url(url)) {
		mark(w, "", "<a href=\"");
		if (w->rc == 0 && html_escape(&w->html, url) == -1)
			w->rc = -1;
		mark(w, "", "\">");
		text(w, title);
		mark(w, "", "</a>");
	} else {
		text(w, title);
	}
	if (string_of(s, "publisher") != NULL) {
		text(w, " — ");
		text(w, string_of(s, "publisher"));
	}
	if (date != NULL) {
		text(w, ", ");
		text(w, date_words(date, w->es ? "es" : "en", words, sizeof(words)));
	}
	if (string_of(s, "pinpoint") != NULL) {
		text(w, ", ");
		text(w, string_of(s, "pinpoint"));
	}
	if (string_of(s, "citation") != NULL) {
		text(w, " — ");
		text(w, string_of(s, "citation"));
	}
	if (html_is_web_url(url)) {
		mark(w, "\n   ", "");
		if (w->rc == 0 && buf_puts(&w->plain, url) == -1)
			w->rc = -1;
	}
	mark(w, "", "</li>");
}

/* The questions of list (related questions or suggestions) after a heading. */
static void
put_questions(struct writer *w, const cJSON *list, const char *heading)
{
	const cJSON *item;
	int n = 0;

	cJSON_ArrayForEach(item, list)
	{
		if (string_of(item, "question") == NULL)
			continue;
		if (n++ == 0) {
			mark(w, "\n\n", "<p><em>");
			text(w, heading);
			mark(w, "", "</em></p><ul>");
		}
		mark(w, "\n• ", "<li>");
		text(w, string_of(item, "question"));
		mark(w, "", "</li>");
	}
	if (n > 0)
		mark(w, "", "</ul>");
}

/* The note that a later fact replaced this one. */
static void
put_superseded(struct writer *w, const cJSON *j)
{
	const char *status = string_of(j, "status");
	const char *later =
		string_of(cJSON_GetObjectItemCaseSensitive(j, "superseded_by"), "question");

	if (status == NULL ||
	    (strcmp(status, "superseded") != 0 && strcmp(status, "partly-superseded") != 0))
		return;
	mark(w, "\n\n", "<p><em>");
	text(w, w->es ? "Esto ya no está vigente." : "This is no longer current.");
	mark(w, "", "</em>");
	if (later != NULL) {
		text(w, w->es ? " Vea: " : " See: ");
		text(w, later);
	}
	mark(w, "", "</p>");
}

static void
put_answer(struct writer *w, const cJSON *j)
{
	const cJSON *s;
	int n = 0;

	mark(w, "", "<p>");
	text(w, string_of(j, "text") ? string_of(j, "text") : "");
	mark(w, "", "</p>");
	put_superseded(w, j);
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(j, "sources"))
	{
		if (!cJSON_IsObject(s))
			continue;
		if (n == 0)
			mark(w, w->es ? "\n\nFuentes:" : "\n\nSources:",
			     w->es ? "<p><strong>Fuentes</strong></p><ol>"
				   : "<p><strong>Sources</strong></p><ol>");
		put_source(w, s, ++n);
	}
	if (n > 0)
		mark(w, "", "</ol>");
	put_questions(w, cJSON_GetObjectItemCaseSensitive(j, "related"),
		      w->es ? "Relacionado:" : "Related:");
}

static void
put_no_answer(struct writer *w, const cJSON *j)
{
	mark(w, "", "<p>");
	text(w, string_of(j, "text") ? string_of(j, "text") : "");
	mark(w, "", "</p>");
	put_questions(w, cJSON_GetObjectItemCaseSensitive(j, "suggestions"),
		      w->es ? "Pruebe a preguntar:" : "Try asking:");
}

/* A clarification: its text, which already asks which was meant, then its choices as a
 * numbered list, without a heading of their own. */
static void
put_clarify(struct writer *w, const cJSON *j)
{
	const cJSON *item;
	char number[32];
	int n = 0;

	mark(w, "", "<p>");
	text(w, string_of(j, "text") ? string_of(j, "text") : "");
	mark(w, "", "</p>");
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(j, "choices"))
	{
		if (string_of(item, "question") == NULL)
			continue;
		snprintf(number, sizeof(number), n == 0 ? "\n\n%d. " : "\n%d. ", n + 1);
		mark(w, number, n++ == 0 ? "<ol><li>" : "<li>");
		text(w, string_of(item, "question"));
		mark(w, "", "</li>");
	}
	if (n > 0)
		mark(w, "", "</ol>");
}

/* m.relates_to for a reply to t: a rich reply, inside t's thread when it has one. */
static cJSON *
relation(const struct mx_target *t)
{
	cJSON *rel = cJSON_CreateObject(), *to;

	if (rel == NULL)
		return NULL;
	if (t->thread_root != NULL &&
	    (cJSON_AddStringToObject(rel, "rel_type", "m.thread") == NULL ||
	     cJSON_AddStringToObject(rel, "event_id", t->thread_root) == NULL ||
	     cJSON_AddTrueToObject(rel, "is_falling_back") == NULL))
		goto fail;
	if ((to = cJSON_AddObjectToObject(rel, "m.in_reply_to")) == NULL ||
	    cJSON_AddStringToObject(to, "event_id", t->event_id) == NULL)
		goto fail;
	return rel;
fail:
	cJSON_Delete(rel);
	return NULL;
}

/* m.mentions naming who (or nobody when NULL): always present, so that clients' older
 * push rules, which match names in the body, stay quiet. */
static int
add_mentions(cJSON *content, const char *who)
{
	cJSON *m = cJSON_AddObjectToObject(content, "m.mentions"), *ids, *id;

	if (m == NULL)
		return -1;
	if (who == NULL)
		return 0;
	if ((ids = cJSON_AddArrayToObject(m, "user_ids")) == NULL ||
	    (id = cJSON_CreateString(who)) == NULL)
		return -1;
	cJSON_AddItemToArray(ids, id);
	return 0;
}

/* The content around w's text, replying to t (unless NULL). Frees w's buffers. */
static char *
finish(struct writer *w, const struct mx_target *t)
{
	cJSON *content = cJSON_CreateObject(), *rel = NULL;
	char *s = NULL;

	if (w->rc == 0 && content != NULL &&
	    cJSON_AddStringToObject(content, "msgtype", "m.notice") != NULL &&
	    cJSON_AddStringToObject(content, "body", w->plain.data ? w->plain.data : "") != NULL &&
	    (w->html.data == NULL ||
	     (cJSON_AddStringToObject(content, "format", "org.matrix.custom.html") != NULL &&
	      cJSON_AddStringToObject(content, "formatted_body", w->html.data) != NULL)) &&
	    add_mentions(content, t ? t->sender : NULL) == 0 &&
	    (t == NULL || (rel = relation(t)) != NULL)) {
		if (rel != NULL)
			cJSON_AddItemToObject(content, "m.relates_to", rel);
		s = cJSON_PrintUnformatted(content);
	}
	cJSON_Delete(content);
	buf_free(&w->plain);
	buf_free(&w->html);
	return s;
}

char *
notice_reply(const struct rreply *r, const struct mx_target *t)
{
	const char *lang = string_of(r->json, "lang");
	struct writer w = { .es = lang != NULL && strcmp(lang, "es") == 0 };

	buf_init(&w.plain);
	buf_init(&w.html);
	switch (r->kind) {
	case RREPLY_ANSWER: put_answer(&w, r->json); break;
	case RREPLY_NO_ANSWER: put_no_answer(&w, r->json); break;
	case RREPLY_CLARIFY: put_clarify(&w, r->json); break;
	default:
		mark(&w, "", "<p>");
		text(&w, rreply_apology(r));
		mark(&w, "", "</p>");
		break;
	}
	return finish(&w, t);
}

char *
notice_help(const struct mx_target *t, const char *bot_name)
{
	struct writer w = { 0 };

	buf_init(&w.plain);
	buf_init(&w.html);
	mark(&w, "", "<p>");
	text(&w, "Ask me about ");
	mark(&w, "", "<em>");
	text(&w, "City of Chicago v. Sessions");
	mark(&w, "", "</em>");
	text(&w, ", the 2017 ruling on the conditions attached to Byrne JAG grants, and about "
		 "the \"sanctuary city\" policies around it. Mention me with your question, "
		 "for example \"");
	text(&w, bot_name);
	text(&w, ": who was the judge?\" Every answer comes with its sources. This is "
		 "information, not legal advice.");
	mark(&w, "", "</p>");
	return finish(&w, t);
}

char *
notice_encrypted(const char *web_url)
{
	struct writer w = { 0 };

	buf_init(&w.plain);
	buf_init(&w.html);
	/* Plain text only: no formatted_body at all. */
	if (buf_puts(&w.plain, "I can't read encrypted messages, so I can't answer questions "
			       "in this room. Please ask me in a room without encryption, or in "
			       "a direct chat with encryption turned off") == -1 ||
	    (web_url != NULL && (buf_puts(&w.plain, ", or on the web: ") == -1 ||
				 buf_puts(&w.plain, web_url) == -1)) ||
	    buf_puts(&w.plain, ".") == -1)
		w.rc = -1;
	return finish(&w, NULL);
}
