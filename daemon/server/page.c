/* SPDX-License-Identifier: MIT */
/*
 * page.c -- an /api/ask reply as an HTML page, for browsers without JavaScript. The page
 * is built from the JSON reply, not from the engine's structs, so it says exactly what the
 * JSON says. Nothing in the reply or the question is trusted: every string is escaped
 * (and malformed UTF-8 replaced), only http(s) URLs become links, and the page holds no
 * script or style of its own, as the Content-Security-Policy of every reply demands.
 */
#include "page.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "util.h"

/* The interface's words; the table below has each in English and in Spanish. */
enum word {
	W_YOUR_QUESTION,
	W_SOURCES,
	W_RELATED,
	W_TRY,
	W_NOT_CURRENT,
	W_SEE,
	W_ASK_ANOTHER,
	W_ASK,
	W_PLACEHOLDER,
	W_BACK,
	W_NOT_ADVICE,
	W_TOO_LONG,
	W_EMPTY,
	W_BAD_REQUEST,
	W_WAIT,
	W_WAIT_MOMENT,
	W_SECOND,
	W_SECONDS,
	W_OVERLOADED,
	W_INTERNAL,
	W_NWORDS
};

static const char *const words[W_NWORDS][2] = {
	[W_YOUR_QUESTION] = { "Your question", "Su pregunta" },
	[W_SOURCES] = { "Sources", "Fuentes" },
	[W_RELATED] = { "Related questions", "Preguntas relacionadas" },
	[W_TRY] = { "Try one of these", "Pruebe una de estas" },
	[W_NOT_CURRENT] = { "This is no longer current.", "Esto ya no está vigente." },
	[W_SEE] = { "See:", "Vea:" },
	[W_ASK_ANOTHER] = { "Ask another question", "Haga otra pregunta" },
	[W_ASK] = { "Ask", "Preguntar" },
	[W_PLACEHOLDER] = { "Who was the judge?", "¿Quién fue el juez?" },
	[W_BACK] = { "Back to the start page", "Volver a la página de inicio" },
	[W_NOT_ADVICE] = { "General information with sources, not legal advice.",
			   "Información general con fuentes, no asesoría legal." },
	[W_TOO_LONG] = { "Your question is too long. Please ask it in fewer words.",
			 "Su pregunta es demasiado larga. Hágala con menos palabras." },
	[W_EMPTY] = { "Please type a question first.", "Escriba primero una pregunta." },
	[W_BAD_REQUEST] = { "That request could not be read. Please ask your question again.",
			    "No se pudo leer esa solicitud. Vuelva a hacer su pregunta." },
	[W_WAIT] = { "Too many questions at once. Please wait ",
		     "Demasiadas preguntas a la vez. Espere " },
	[W_WAIT_MOMENT] = { "Too many questions at once. Please wait a moment, then ask again.",
			    "Demasiadas preguntas a la vez. Espere un momento y vuelva a "
			    "preguntar." },
	[W_SECOND] = { " second, then ask again.", " segundo y vuelva a preguntar." },
	[W_SECONDS] = { " seconds, then ask again.", " segundos y vuelva a preguntar." },
	[W_OVERLOADED] = { "The server is busy just now. Please ask again in a moment.",
			   "El servidor está ocupado ahora. Vuelva a preguntar en un momento." },
	[W_INTERNAL] = { "The question could not be answered just now. Please ask again.",
			 "No se pudo responder la pregunta ahora. Vuelva a preguntar." },
};

/* A page being written. Appends after a failed one do nothing, so a render is a list of
 * calls with one check at the end. */
struct page {
	struct buf b;	  /* the document so far */
	int rc;		  /* 0, or -1 once an append failed */
	int es;		  /* 1: Spanish words and dates */
	const char *lang; /* "en" or "es", for date_words() */
};

static void
put(struct page *p, const char *s)
{
	if (p->rc == 0 && buf_puts(&p->b, s) == -1)
		p->rc = -1;
}

static void
put_word(struct page *p, enum word w)
{
	put(p, words[w][p->es]);
}

/* Writes s (NULL writes nothing) escaped for an element's text or a quoted attribute. */
static void
put_text(struct page *p, const char *s)
{
	if (p->rc == 0 && html_escape(&p->b, s) == -1)
		p->rc = -1;
}

/* Writes s percent-encoded for a query string. */
static void
put_query_value(struct page *p, const char *s)
{
	if (p->rc == 0 && url_escape(&p->b, s) == -1)
		p->rc = -1;
}

/* Writes a link to this page for question. */
static void
put_ask_link(struct page *p, const char *question)
{
	put(p, "<a href=\"/api/ask?format=html&amp;q=");
	put_query_value(p, question);
	put(p, "\">");
	put_text(p, question);
	put(p, "</a>");
}

/* Returns the string member name of obj, or NULL when it is absent, empty or not a
 * string. */
static const char *
str(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(item) && item->valuestring[0] ? item->valuestring : NULL;
}

static void
render_head(struct page *p, const char *question)
{
	put(p, "<!doctype html>\n<html lang=\"");
	put(p, p->lang);
	put(p, "\">\n<head>\n<meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	       "<title>rulingbot — City of Chicago v. Sessions</title>\n"
	       "<link rel=\"stylesheet\" href=\"/demo.css\">\n</head>\n<body>\n<main>\n<h1>");
	if (question && question[strspn(question, " \t\r\n")]) {
		put_word(p, W_YOUR_QUESTION);
		put(p, ": ");
		put_text(p, question);
	} else {
		put(p, "City of Chicago v. Sessions");
	}
	put(p, "</h1>\n");
}

/* Writes the note that a later fact replaced this one, with a link to ask about it. */
static void
render_superseded(struct page *p, const cJSON *root)
{
	const char *status = str(root, "status"), *later;

	if (status == NULL ||
	    (strcmp(status, "superseded") != 0 && strcmp(status, "partly-superseded") != 0))
		return;
	put(p, "<p class=\"note\">");
	put_word(p, W_NOT_CURRENT);
	later = str(cJSON_GetObjectItemCaseSensitive(root, "superseded_by"), "question");
	if (later) {
		put(p, " ");
		put_word(p, W_SEE);
		put(p, " ");
		put_ask_link(p, later);
	}
	put(p, "</p>\n");
}

/* Writes one source as "Title — Publisher, date, pinpoint — citation", as the text
 * protocol's Source: line has it, and its quote. */
static void
render_source(struct page *p, const cJSON *src)
{
	const char *url = str(src, "url"), *title = str(src, "title"), *date = str(src, "date");
	const char *quote = str(src, "quote");
	char when[64];

	if (title == NULL)
		title = url ? url : str(src, "id");
	put(p, "<li>");
	if (html_is_web_url(url)) {
		put(p, "<a href=\"");
		put_text(p, url);
		put(p, "\" rel=\"noopener noreferrer\">");
		put_text(p, title);
		put(p, "</a>");
	} else {
		put_text(p, title);
	}
	if (str(src, "publisher")) {
		put(p, " — ");
		put_text(p, str(src, "publisher"));
	}
	if (date) {
		put(p, ", ");
		put_text(p, date_words(date, p->lang, when, sizeof(when)));
	}
	if (str(src, "pinpoint")) {
		put(p, ", ");
		put_text(p, str(src, "pinpoint"));
	}
	if (str(src, "citation")) {
		put(p, " — ");
		put_text(p, str(src, "citation"));
	}
	if (quote) {
		put(p, "\n<blockquote>");
		put_text(p, quote);
		put(p, "</blockquote>");
	}
	put(p, "</li>\n");
}

static void
render_sources(struct page *p, const cJSON *sources)
{
	const cJSON *src;

	if (!cJSON_IsArray(sources) || cJSON_GetArraySize(sources) == 0)
		return;
	put(p, "<h2>");
	put_word(p, W_SOURCES);
	put(p, "</h2>\n<ol>\n");
	cJSON_ArrayForEach(src, sources)
	{
		if (cJSON_IsObject(src))
			render_source(p, src);
	}
	put(p, "</ol>\n");
}

/* Writes the questions of the array name of root (related, suggestions or choices) as
 * links that ask them, under heading; a clarification's choices (heading W_NWORDS) as a
 * numbered list without one, its text having just asked "did you mean one of these?". */
static void
render_questions(struct page *p, const cJSON *root, const char *name, enum word heading)
{
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(root, name), *link;
	const char *list = heading == W_NWORDS ? "ol" : "ul";

	if (!cJSON_IsArray(links) || cJSON_GetArraySize(links) == 0)
		return;
	if (heading != W_NWORDS) {
		put(p, "<h2>");
		put_word(p, heading);
		put(p, "</h2>\n");
	}
	put(p, "<");
	put(p, list);
	put(p, ">\n");
	cJSON_ArrayForEach(link, links)
	{
		if (str(link, "question") == NULL)
			continue;
		put(p, "<li>");
		put_ask_link(p, str(link, "question"));
		put(p, "</li>\n");
	}
	put(p, "</");
	put(p, list);
	put(p, ">\n");
}

static void
render_answer(struct page *p, const cJSON *root)
{
	put(p, "<p>");
	put_text(p, str(root, "text"));
	put(p, "</p>\n");
	render_superseded(p, root);
	render_sources(p, cJSON_GetObjectItemCaseSensitive(root, "sources"));
	render_questions(p, root, "related", W_RELATED);
	render_questions(p, root, "suggestions", W_TRY);
	render_questions(p, root, "choices", W_NWORDS);
}

/* Writes how long to wait, in whole seconds rounded up, as the Retry-After header has it. */
static void
render_wait(struct page *p, const cJSON *root)
{
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(root, "retry_after_ms");
	long s;

	if (!cJSON_IsNumber(ms) || !(ms->valuedouble > 0 && ms->valuedouble < 1e9)) {
		put_word(p, W_WAIT_MOMENT);
		return;
	}
	s = (long)ceil(ms->valuedouble / 1000);
	put_word(p, W_WAIT);
	if (p->rc == 0 && buf_printf(&p->b, "%ld", s) == -1)
		p->rc = -1;
	put_word(p, s == 1 ? W_SECOND : W_SECONDS);
}

/* Writes a sentence for people in place of the error's message, which is for developers.
 * A reply that is no known error (or no JSON at all) is an internal one. */
static void
render_error(struct page *p, const cJSON *root, const char *question)
{
	const char *code = str(root, "code");

	put(p, "<p>");
	if (code == NULL)
		put_word(p, W_INTERNAL);
	else if (strcmp(code, "too_long") == 0)
		put_word(p, W_TOO_LONG);
	else if (strcmp(code, "rate_limited") == 0)
		render_wait(p, root);
	else if (strcmp(code, "bad_request") == 0 || strcmp(code, "bad_json") == 0)
		put_word(p, question && question[strspn(question, " \t\r\n")] ? W_BAD_REQUEST
									      : W_EMPTY);
	else if (strcmp(code, "overloaded") == 0)
		put_word(p, W_OVERLOADED);
	else
		put_word(p, W_INTERNAL);
	put(p, "</p>\n");
}

/* Writes the demo page's form, holding question, then the way back and the caveat. */
static void
render_foot(struct page *p, const char *question)
{
	put(p, "<h2>");
	put_word(p, W_ASK_ANOTHER);
	put(p, "</h2>\n<form action=\"/api/ask\" method=\"get\">\n<label for=\"q\">");
	put_word(p, W_YOUR_QUESTION);
	put(p, "</label>\n<input id=\"q\" name=\"q\" type=\"text\" maxlength=\"2048\" required "
	       "placeholder=\"");
	put_text(p, words[W_PLACEHOLDER][p->es]);
	put(p, "\" value=\"");
	put_text(p, question);
	put(p, "\">\n<input type=\"hidden\" name=\"format\" value=\"html\">\n"
	       "<button type=\"submit\">");
	put_word(p, W_ASK);
	put(p, "</button>\n</form>\n<p><a href=\"/\">");
	put_word(p, W_BACK);
	put(p, "</a></p>\n<p class=\"note\">");
	put_word(p, W_NOT_ADVICE);
	put(p, "</p>\n</main>\n</body>\n</html>\n");
}

char *
page_render(const char *json, size_t len, const char *question)
{
	struct page p = { .rc = 0 };
	cJSON *root = json ? cJSON_ParseWithLength(json, len) : NULL;
	const char *type, *lang;

	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		root = NULL; /* the page of an internal error */
	}
	type = str(root, "type");
	lang = str(root, "lang");
	p.es = lang && strcmp(lang, "es") == 0;
	p.lang = p.es ? "es" : "en";
	buf_init(&p.b);
	render_head(&p, question);
	if (type && (strcmp(type, "answer") == 0 || strcmp(type, "no_answer") == 0 ||
		     strcmp(type, "clarify") == 0))
		render_answer(&p, root);
	else
		render_error(&p, root, question);
	render_foot(&p, question);
	cJSON_Delete(root);
	if (p.rc == -1) {
		buf_free(&p.b);
		return NULL;
	}
	return p.b.data;
}
