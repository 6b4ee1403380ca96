/* SPDX-License-Identifier: MIT */
/*
 * mrkdwn.c -- writing replies for Slack. Every piece of text that comes from the
 * knowledge base is escaped, so that nothing in it can become a link, a mention or an
 * @channel; links are made only from http(s) URLs, as <url|title>, the one markup a
 * title cannot break out of once '|' and the escapes are dealt with. Dates are the same
 * words rulingd's text mode prints.
 */
#include "mrkdwn.h"

#include <stdlib.h>
#include <string.h>

int
mrkdwn_escape(struct buf *b, const char *s)
{
	const char *p;
	int rc = 0;

	for (p = s; *p != '\0' && rc == 0; p++) {
		switch (*p) {
		case '&': rc = buf_puts(b, "&amp;"); break;
		case '<': rc = buf_puts(b, "&lt;"); break;
		case '>': rc = buf_puts(b, "&gt;"); break;
		default: rc = buf_append(b, p, 1); break;
		}
	}
	return rc;
}

static const char *
string_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring[0] != '\0' ? v->valuestring : NULL;
}

/* A URL Slack can link: http(s), and nothing that would end the <...|...> early. */
static int
linkable(const char *url)
{
	return url != NULL &&
	       (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) &&
	       strpbrk(url, "|<> \t\r\n") == NULL;
}

/* The title as a link label: escaped, with '|' (which would end the URL part) as '/'. */
static int
put_label(struct buf *b, const char *title)
{
	char one[2] = { 0, 0 };
	const char *p;
	int rc = 0;

	for (p = title; *p != '\0' && rc == 0; p++) {
		one[0] = *p == '|' ? '/' : *p;
		rc = mrkdwn_escape(b, one);
	}
	return rc;
}

/* "• <url|Title> — Publisher, September 15, 2017, pinpoint — citation" */
static int
put_source(struct buf *b, const cJSON *s, const char *lang)
{
	const char *title = string_of(s, "title"), *url = string_of(s, "url");
	const char *publisher = string_of(s, "publisher"), *date = string_of(s, "date");
	const char *pinpoint = string_of(s, "pinpoint"), *citation = string_of(s, "citation");
	char words[64];
	int rc = buf_puts(b, "\n• ");

	if (title == NULL)
		title = url != NULL ? url : "(untitled)";
	if (rc == 0 && linkable(url)) {
		rc = buf_puts(b, "<") || mrkdwn_escape(b, url) || buf_puts(b, "|") ||
		     put_label(b, title) || buf_puts(b, ">");
	} else if (rc == 0) {
		rc = mrkdwn_escape(b, title);
	}
	if (rc == 0 && publisher != NULL)
		rc = buf_puts(b, " — ") || mrkdwn_escape(b, publisher);
	if (rc == 0 && date != NULL)
		rc = buf_puts(b, ", ") ||
		     mrkdwn_escape(b, date_words(date, lang, words, sizeof(words)));
	if (rc == 0 && pinpoint != NULL)
		rc = buf_puts(b, ", ") || mrkdwn_escape(b, pinpoint);
	if (rc == 0 && citation != NULL)
		rc = buf_puts(b, " — ") || mrkdwn_escape(b, citation);
	return rc ? -1 : 0;
}

/* Appends the "question" of each item of list, joined by sep, after head. */
static int
put_questions(struct buf *b, const cJSON *list, const char *head, const char *sep)
{
	const cJSON *item;
	const char *q;
	int n = 0, rc = 0;

	cJSON_ArrayForEach(item, list)
	{
		if ((q = string_of(item, "question")) == NULL)
			continue;
		rc = buf_puts(b, n++ == 0 ? head : sep) || mrkdwn_escape(b, q);
		if (rc)
			return -1;
	}
	return 0;
}

static int
put_answer(struct buf *b, const cJSON *j, int es)
{
	const cJSON *sources = cJSON_GetObjectItemCaseSensitive(j, "sources"), *s;
	const char *lang = es ? "es" : "en";
	int n = 0;

	if (mrkdwn_escape(b, string_of(j, "text") ? string_of(j, "text") : "") == -1)
		return -1;
	cJSON_ArrayForEach(s, sources)
	{
		if (n++ == 0 && buf_puts(b, es ? "\n\n*Fuentes*" : "\n\n*Sources*") == -1)
			return -1;
		if (put_source(b, s, lang) == -1)
			return -1;
	}
	return put_questions(b, cJSON_GetObjectItemCaseSensitive(j, "related"),
			     es ? "\n\n_Relacionado:_ " : "\n\n_Related:_ ", " · ");
}

static int
put_no_answer(struct buf *b, const cJSON *j, int es)
{
	if (mrkdwn_escape(b, string_of(j, "text") ? string_of(j, "text") : "") == -1)
		return -1;
	return put_questions(b, cJSON_GetObjectItemCaseSensitive(j, "suggestions"),
			     es ? "\n\n_Pruebe a preguntar:_\n• " : "\n\n_Try asking:_\n• ",
			     "\n• ");
}

/* A clarification: its text, which already asks which was meant, then its choices as a
 * numbered list, without a heading of their own. */
static int
put_clarify(struct buf *b, const cJSON *j)
{
	const cJSON *item;
	const char *q;
	int n = 0;

	if (mrkdwn_escape(b, string_of(j, "text") ? string_of(j, "text") : "") == -1)
		return -1;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(j, "choices"))
	{
		if ((q = string_of(item, "question")) == NULL)
			continue;
		if (buf_printf(b, n == 0 ? "\n\n%d. " : "\n%d. ", n + 1) == -1 ||
		    mrkdwn_escape(b, q) == -1)
			return -1;
		n++;
	}
	return 0;
}

char *
mrkdwn_reply(const struct rreply *r)
{
	const char *lang = string_of(r->json, "lang");
	int es = lang != NULL && strcmp(lang, "es") == 0, rc;
	struct buf b;

	buf_init(&b);
	switch (r->kind) {
	case RREPLY_ANSWER: rc = put_answer(&b, r->json, es); break;
	case RREPLY_NO_ANSWER: rc = put_no_answer(&b, r->json, es); break;
	case RREPLY_CLARIFY: rc = put_clarify(&b, r->json); break;
	default: rc = mrkdwn_escape(&b, rreply_apology(r)); break;
	}
	if (rc == 0 && b.data == NULL)
		rc = buf_puts(&b, "");
	if (rc == -1) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

char *
mrkdwn_help(const char *bot_user_id)
{
	struct buf b;

	buf_init(&b);
	if (buf_printf(&b,
		       "Ask me about *City of Chicago v. Sessions*, the 2017 ruling on the "
		       "conditions attached to Byrne JAG grants, and about the \"sanctuary "
		       "city\" policies around it. Mention me with your question, for example "
		       "<@%s> who was the judge? Every answer comes with its sources. This is "
		       "information, not legal advice.",
		       bot_user_id) == -1) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}
