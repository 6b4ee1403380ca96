/* SPDX-License-Identifier: MIT */
/*
 * test_page.c -- /api/ask replies as HTML pages (page.c, linked alone with util.c): the
 * whole page of one answer, escaping of every string the server sends and of the
 * question, which URLs become links, the percent-encoded links that ask again, both
 * languages, the superseded note, a sentence for each error, and input that is no reply.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "page.h"
#include "util.h"

/* A reply with one field full of markup, for the escaping tests. */
#define HOSTILE "<script>alert(1)</script> <img src=x onerror=alert(1)> \"q\" 'a' & b"
/* The same, as it must appear in the page. */
#define HOSTILE_ESCAPED                                                                            \
	"&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; "                \
	"&quot;q&quot; &#39;a&#39; &amp; b"

/* Renders the NUL-terminated reply json for question. */
static char *
render(const char *json, const char *question)
{
	return page_render(json, strlen(json), question);
}

/* Renders the cJSON object root (deleted here) for question. */
static char *
render_tree(cJSON *root, const char *question)
{
	char *json = cJSON_PrintUnformatted(root), *page;

	cJSON_Delete(root);
	if (json == NULL)
		return NULL;
	page = render(json, question);
	cJSON_free(json);
	return page;
}

static int
has(const char *page, const char *needle)
{
	return page != NULL && strstr(page, needle) != NULL;
}

/* Returns how many times needle occurs in page. */
static int
count(const char *page, const char *needle)
{
	int n = 0;

	while (page && (page = strstr(page, needle)) != NULL) {
		n++;
		page += strlen(needle);
	}
	return n;
}

/* Checks what every page must be: whole, valid UTF-8, and without script or style. */
static int
well_formed(const char *page)
{
	return page != NULL && strncmp(page, "<!doctype html>\n<html lang=\"", 28) == 0 &&
	       has(page, "<link rel=\"stylesheet\" href=\"/demo.css\">") && has(page, "<main>") &&
	       has(page, "</main>\n</body>\n</html>\n") && !has(page, "<script") &&
	       !has(page, "<style") && !has(page, "style=") && !has(page, "<img") &&
	       utf8_valid(page, strlen(page));
}

/* ---------------------------------------------------------------- the layout */

static void
test_answer_page_whole(void)
{
	static const char json[] =
		"{\"type\":\"answer\",\"text\":\"Judge Leinenweber.\",\"fact\":\"judge\","
		"\"lang\":\"en\",\"status\":\"current\",\"sources\":[{\"id\":\"op\","
		"\"title\":\"Opinion\",\"publisher\":\"N.D. Ill.\",\"date\":\"2017-09-15\","
		"\"url\":\"https://example.com/op\",\"citation\":\"264 F. Supp. 3d 933\","
		"\"pinpoint\":\"at 1\",\"quote\":\"So ordered.\"}],"
		"\"related\":[{\"fact\":\"date\",\"question\":\"When did he rule?\"}]}";
	static const char want[] =
		"<!doctype html>\n"
		"<html lang=\"en\">\n"
		"<head>\n"
		"<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<title>rulingbot — City of Chicago v. Sessions</title>\n"
		"<link rel=\"stylesheet\" href=\"/demo.css\">\n"
		"</head>\n"
		"<body>\n"
		"<main>\n"
		"<h1>Your question: Who was the judge?</h1>\n"
		"<p>Judge Leinenweber.</p>\n"
		"<h2>Sources</h2>\n"
		"<ol>\n"
		"<li><a href=\"https://example.com/op\" rel=\"noopener noreferrer\">Opinion</a>"
		" — N.D. Ill., September 15, 2017, at 1 — 264 F. Supp. 3d 933\n"
		"<blockquote>So ordered.</blockquote></li>\n"
		"</ol>\n"
		"<h2>Related questions</h2>\n"
		"<ul>\n"
		"<li><a href=\"/api/ask?format=html&amp;q=When%20did%20he%20rule%3F\">"
		"When did he rule?</a></li>\n"
		"</ul>\n"
		"<h2>Ask another question</h2>\n"
		"<form action=\"/api/ask\" method=\"get\">\n"
		"<label for=\"q\">Your question</label>\n"
		"<input id=\"q\" name=\"q\" type=\"text\" maxlength=\"2048\" required "
		"placeholder=\"Who was the judge?\" value=\"Who was the judge?\">\n"
		"<input type=\"hidden\" name=\"format\" value=\"html\">\n"
		"<button type=\"submit\">Ask</button>\n"
		"</form>\n"
		"<p><a href=\"/\">Back to the start page</a></p>\n"
		"<p class=\"note\">General information with sources, not legal advice.</p>\n"
		"</main>\n"
		"</body>\n"
		"</html>\n";
	char *page = render(json, "Who was the judge?");

	CHECK_STR(page, want);
	CHECK(well_formed(page));
	free(page);
}

static void
test_answer_page_parts(void)
{
	char *page;

	/* No question: the heading is the case's name, the form's input empty. */
	page = render("{\"type\":\"answer\",\"text\":\"Hello.\",\"fact\":\"_greeting\"}", NULL);
	CHECK(well_formed(page));
	CHECK(has(page, "<h1>City of Chicago v. Sessions</h1>"));
	CHECK(has(page, "value=\"\">"));
	CHECK(!has(page, "<h2>Sources</h2>") && !has(page, "<ol>") && !has(page, "<ul>"));
	free(page);

	/* A blank question is no question either. */
	page = render("{\"type\":\"answer\",\"text\":\"Hello.\"}", " \t");
	CHECK(has(page, "<h1>City of Chicago v. Sessions</h1>"));
	free(page);

	/* A source without quote, pinpoint, citation or url; a month-precision date. */
	page = render("{\"type\":\"answer\",\"text\":\"T\",\"sources\":[{\"title\":\"Book\","
		      "\"publisher\":\"Press\",\"date\":\"2018-04\"}]}",
		      "q");
	CHECK(has(page, "<li>Book — Press, April 2018</li>\n"));
	CHECK(!has(page, "<blockquote>"));
	free(page);
}

/* ---------------------------------------------------------------- escaping */

static void
test_escapes_every_string(void)
{
	cJSON *root = cJSON_CreateObject(), *sources, *src;
	char *page;

	cJSON_AddStringToObject(root, "type", "answer");
	cJSON_AddStringToObject(root, "text", HOSTILE);
	sources = cJSON_AddArrayToObject(root, "sources");
	src = cJSON_CreateObject();
	cJSON_AddItemToArray(sources, src);
	cJSON_AddStringToObject(src, "title", HOSTILE);
	cJSON_AddStringToObject(src, "publisher", HOSTILE);
	cJSON_AddStringToObject(src, "date", "<b>&'\""); /* unparsable: copied as it is */
	cJSON_AddStringToObject(src, "pinpoint", HOSTILE);
	cJSON_AddStringToObject(src, "citation", HOSTILE);
	cJSON_AddStringToObject(src, "quote", HOSTILE);
	cJSON_AddStringToObject(src, "url", "https://example.com/?a=1&b=\"2\"><script>");
	page = render_tree(root, HOSTILE);
	CHECK(well_formed(page));
	/* answer, title, publisher, pinpoint, citation, quote; h1 and the input. */
	CHECK(count(page, HOSTILE_ESCAPED) == 8);
	CHECK(has(page, ", &lt;b&gt;&amp;&#39;&quot;, "));
	CHECK(has(page, "<p>" HOSTILE_ESCAPED "</p>"));
	CHECK(has(page, "<blockquote>" HOSTILE_ESCAPED "</blockquote>"));
	CHECK(has(page, "<h1>Your question: " HOSTILE_ESCAPED "</h1>"));
	CHECK(has(page, "value=\"" HOSTILE_ESCAPED "\">"));
	CHECK(has(page,
		  "<a href=\"https://example.com/?a=1&amp;b=&quot;2&quot;&gt;&lt;script&gt;\" "
		  "rel=\"noopener noreferrer\">" HOSTILE_ESCAPED "</a>"));
	CHECK(!has(page, "onerror=alert(1)>"));
	free(page);
}

static void
test_escapes_link_questions(void)
{
	char *page = render("{\"type\":\"no_answer\",\"text\":\"?\",\"suggestions\":["
			    "{\"question\":\"<b>\\\"x\\\" & 'y'</b>\"}]}",
			    "q");

	CHECK(has(page, ">&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;</a>"));
	CHECK(has(page, "q=%3Cb%3E%22x%22%20%26%20%27y%27%3C%2Fb%3E\">"));
	CHECK(!has(page, "<b>"));
	free(page);
}

/* A clarification: its text asks which was meant, so its choices have no heading. */
static void
test_clarify_page(void)
{
	char *page = render("{\"type\":\"clarify\",\"text\":\"Did you mean?\",\"choices\":["
			    "{\"question\":\"Who?\"},{\"question\":\"When?\"}]}",
			    "q");

	CHECK(has(page, "<p>Did you mean?</p>\n<ol>\n<li><a href=\"/api/ask?format=html&amp;"));
	CHECK(has(page, ">When?</a></li>\n</ol>"));
	CHECK(!has(page, "Try one of these") && !has(page, "could not be answered"));
	free(page);
}

static void
test_malformed_utf8_and_controls(void)
{
	char *page = render("{\"type\":\"answer\",\"text\":\"a\\u0001b\\u007fc\\td\"}",
			    "\xff\xfe<x>\xc3\xa9\xe2\x82");

	CHECK(well_formed(page));
	CHECK(has(page, "<p>a b c\td</p>"));
	CHECK(has(page, "Your question: \xef\xbf\xbd\xef\xbf\xbd&lt;x&gt;\xc3\xa9"
			"\xef\xbf\xbd\xef\xbf\xbd</h1>"));
	CHECK(!has(page, "\xff"));
	free(page);
}

/* ---------------------------------------------------------------- links */

static void
test_only_web_urls_are_links(void)
{
	static const char json[] =
		"{\"type\":\"answer\",\"text\":\"T\",\"sources\":["
		"{\"title\":\"JS\",\"url\":\"javascript:alert(1)\"},"
		"{\"title\":\"Data\",\"url\":\"data:text/html,<script>alert(1)</script>\"},"
		"{\"title\":\"Spaced\",\"url\":\" https://example.com/\"},"
		"{\"title\":\"Relative\",\"url\":\"//evil.example/\"},"
		"{\"title\":\"Secure\",\"url\":\"https://example.com/s\"},"
		"{\"title\":\"Shouting\",\"url\":\"HTTP://EXAMPLE.COM/\"},"
		"{\"title\":\"Mixed\",\"url\":\"hTtPs://example.com/m\"}]}";
	char *page = render(json, "q");

	CHECK(well_formed(page));
	CHECK(has(page, "<li>JS</li>"));
	CHECK(has(page, "<li>Data</li>"));
	CHECK(has(page, "<li>Spaced</li>"));
	CHECK(has(page, "<li>Relative</li>"));
	CHECK(!has(page, "javascript:") && !has(page, "data:"));
	CHECK(has(page, "<li><a href=\"https://example.com/s\" rel=\"noopener noreferrer\">"
			"Secure</a></li>"));
	CHECK(has(page, "<li><a href=\"HTTP://EXAMPLE.COM/\" rel=\"noopener noreferrer\">"
			"Shouting</a></li>"));
	CHECK(has(page, "<li><a href=\"hTtPs://example.com/m\" rel=\"noopener noreferrer\">"
			"Mixed</a></li>"));
	CHECK(count(page, "rel=\"noopener noreferrer\"") == 3);
	free(page);
}

static void
test_links_are_percent_encoded(void)
{
	static const char json[] =
		"{\"type\":\"no_answer\",\"text\":\"I don't know.\",\"lang\":\"en\","
		"\"suggestions\":[{\"question\":\"a b&c#d\"},"
		"{\"question\":\"¿Quién fue el juez?\"},"
		"{\"question\":\"x-y_z.w~1+2=3/4%\"},"
		"{\"fact\":\"no-question\"}]}";
	char *page = render(json, "q");

	CHECK(well_formed(page));
	CHECK(has(page, "<h2>Try one of these</h2>\n<ul>\n"));
	CHECK(has(page, "<li><a href=\"/api/ask?format=html&amp;q=a%20b%26c%23d\">"
			"a b&amp;c#d</a></li>\n"));
	CHECK(has(page, "q=%C2%BFQui%C3%A9n%20fue%20el%20juez%3F\">¿Quién fue el juez?</a>"));
	CHECK(has(page, "q=x-y_z.w~1%2B2%3D3%2F4%25\">"));
	CHECK(count(page, "<li><a href=\"/api/ask?format=html&amp;q=") == 3);
	CHECK(!has(page, "Related questions"));
	free(page);
}

/* ---------------------------------------------------------------- languages, status */

static void
test_spanish_page(void)
{
	static const char json[] =
		"{\"type\":\"answer\",\"text\":\"El juez Leinenweber.\",\"lang\":\"es\","
		"\"status\":\"superseded\",\"superseded_by\":{\"fact\":\"f\",\"question\":"
		"\"¿Qué decidió el Séptimo Circuito?\"},\"sources\":[{\"title\":\"Opinión\","
		"\"publisher\":\"N.D. Ill.\",\"date\":\"2017-09-15\"}],"
		"\"related\":[{\"question\":\"¿Cuándo falló?\"}]}";
	char *page = render(json, "¿Quién fue el juez?");

	CHECK(well_formed(page));
	CHECK(has(page, "<html lang=\"es\">"));
	CHECK(has(page, "<h1>Su pregunta: ¿Quién fue el juez?</h1>"));
	CHECK(has(page, "<h2>Fuentes</h2>"));
	CHECK(has(page, "<li>Opinión — N.D. Ill., 15 de septiembre de 2017</li>"));
	CHECK(has(page, "<h2>Preguntas relacionadas</h2>"));
	CHECK(has(page, "<h2>Haga otra pregunta</h2>"));
	CHECK(has(page, "<label for=\"q\">Su pregunta</label>"));
	CHECK(has(page, "<button type=\"submit\">Preguntar</button>"));
	CHECK(has(page, "<p class=\"note\">Esto ya no está vigente. Vea: <a href=\"/api/ask?"
			"format=html&amp;q=%C2%BFQu%C3%A9%20decidi%C3%B3%20el%20S%C3%A9ptimo%20"
			"Circuito%3F\">¿Qué decidió el Séptimo Circuito?</a></p>"));
	CHECK(has(page, "Volver a la página de inicio"));
	CHECK(has(page, "Información general con fuentes, no asesoría legal."));
	CHECK(!has(page, "Sources") && !has(page, "September") && !has(page, "not legal advice"));
	free(page);

	/* Any other lang is English. */
	page = render("{\"type\":\"answer\",\"text\":\"T\",\"lang\":\"fr\"}", "q");
	CHECK(has(page, "<html lang=\"en\">") && has(page, "Ask another question"));
	free(page);
}

static void
test_superseded_note(void)
{
	static const char *const fmt[] = {
		"{\"type\":\"answer\",\"text\":\"T\",\"status\":\"superseded\","
		"\"superseded_by\":{\"fact\":\"later\",\"question\":\"What came later?\"}}",
		"{\"type\":\"answer\",\"text\":\"T\",\"status\":\"partly-superseded\","
		"\"superseded_by\":{\"fact\":\"later\",\"question\":\"What came later?\"}}",
	};
	size_t i;
	char *page;

	for (i = 0; i < ARRAY_LEN(fmt); i++) {
		page = render(fmt[i], "q");
		CHECK(has(page,
			  "<p class=\"note\">This is no longer current. See: <a href=\"/api/"
			  "ask?format=html&amp;q=What%20came%20later%3F\">What came later?</a>"
			  "</p>\n"));
		free(page);
	}
	/* No later question: the note alone. Current: no note. */
	page = render("{\"type\":\"answer\",\"text\":\"T\",\"status\":\"superseded\"}", "q");
	CHECK(has(page, "<p class=\"note\">This is no longer current.</p>"));
	free(page);
	page = render("{\"type\":\"answer\",\"text\":\"T\",\"status\":\"current\","
		      "\"superseded_by\":{\"question\":\"What came later?\"}}",
		      "q");
	CHECK(page != NULL && !has(page, "no longer current") && !has(page, "What came later?"));
	free(page);
}

/* ---------------------------------------------------------------- errors */

static void
test_error_pages(void)
{
	static const struct {
		const char *json;     /* the error reply */
		const char *question; /* the question asked */
		const char *want;     /* the sentence shown */
	} cases[] = {
		{ "{\"type\":\"error\",\"code\":\"too_long\",\"message\":\"m\"}", "judge judge",
		  "<p>Your question is too long. Please ask it in fewer words.</p>" },
		{ "{\"type\":\"error\",\"code\":\"rate_limited\",\"retry_after_ms\":1500}", "q",
		  "<p>Too many questions at once. Please wait 2 seconds, then ask again.</p>" },
		{ "{\"type\":\"error\",\"code\":\"rate_limited\",\"retry_after_ms\":1000}", "q",
		  "<p>Too many questions at once. Please wait 1 second, then ask again.</p>" },
		{ "{\"type\":\"error\",\"code\":\"rate_limited\",\"retry_after_ms\":1}", "q",
		  "Please wait 1 second," },
		{ "{\"type\":\"error\",\"code\":\"rate_limited\"}", "q",
		  "<p>Too many questions at once. Please wait a moment, then ask again.</p>" },
		{ "{\"type\":\"error\",\"code\":\"rate_limited\",\"retry_after_ms\":-5}", "q",
		  "Please wait a moment" },
		{ "{\"type\":\"error\",\"code\":\"rate_limited\",\"retry_after_ms\":\"9\"}", "q",
		  "Please wait a moment" },
		{ "{\"type\":\"error\",\"code\":\"bad_request\"}", NULL,
		  "<p>Please type a question first.</p>" },
		{ "{\"type\":\"error\",\"code\":\"bad_request\"}", "  ",
		  "<p>Please type a question first.</p>" },
		{ "{\"type\":\"error\",\"code\":\"bad_request\"}", "judge",
		  "<p>That request could not be read. Please ask your question again.</p>" },
		{ "{\"type\":\"error\",\"code\":\"overloaded\"}", "q",
		  "<p>The server is busy just now. Please ask again in a moment.</p>" },
		{ "{\"type\":\"error\",\"code\":\"internal\"}", "q",
		  "<p>The question could not be answered just now. Please ask again.</p>" },
		{ "{\"type\":\"error\",\"code\":\"no_such_code\"}", "q",
		  "<p>The question could not be answered just now. Please ask again.</p>" },
		{ "{\"type\":\"error\",\"code\":\"too_long\",\"lang\":\"es\"}", "q",
		  "<p>Su pregunta es demasiado larga. Hágala con menos palabras.</p>" },
		{ "{\"type\":\"error\",\"code\":\"rate_limited\",\"lang\":\"es\","
		  "\"retry_after_ms\":3000}",
		  "q",
		  "<p>Demasiadas preguntas a la vez. Espere 3 segundos y vuelva a preguntar.</p>" },
	};
	size_t i;
	char *page;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		page = render(cases[i].json, cases[i].question);
		if (!has(page, cases[i].want))
			fprintf(stderr, "error case %zu: no \"%s\" in\n%s\n", i, cases[i].want,
				page ? page : "(null)");
		CHECK(has(page, cases[i].want));
		CHECK(well_formed(page));
		CHECK(has(page, "<form action=\"/api/ask\" method=\"get\">"));
		CHECK(has(page, "<input type=\"hidden\" name=\"format\" value=\"html\">"));
		CHECK(!has(page, "<h2>Sources</h2>"));
		free(page);
	}
	/* The developer's message is not shown. */
	page = render("{\"type\":\"error\",\"code\":\"bad_request\",\"message\":\"<i>dev</i>\"}",
		      "q");
	CHECK(page != NULL && !has(page, "&lt;i&gt;dev") && !has(page, "<i>"));
	free(page);
}

/* ---------------------------------------------------------------- not a reply */

static void
test_not_a_reply(void)
{
	static const char *const inputs[] = {
		"",
		"{",
		"null",
		"[1,2,3]",
		"\"answer\"",
		"{\"type\":42}",
		"{\"type\":\"info\",\"server\":\"rulingd\"}",
		"{\"type\":\"answer\",\"text\":42,\"lang\":7,\"status\":[],\"sources\":\"x\","
		"\"related\":[1,null,{},{\"question\":3}],\"superseded_by\":\"y\"}",
		"{\"type\":\"answer\",\"sources\":[1,\"s\",{},{\"url\":\"https://x/\"},"
		"{\"date\":\"\"}]}",
		"{\"type\":\"no_answer\",\"suggestions\":{\"question\":\"q\"}}",
		"\xff\xfe\x00garbage",
	};
	size_t i;
	char *page;

	for (i = 0; i < ARRAY_LEN(inputs); i++) {
		page = render(inputs[i], "q");
		CHECK(well_formed(page));
		free(page);
	}
	/* No JSON at all, and a reply read only up to len: both pages of an internal error. */
	page = page_render(NULL, 0, NULL);
	CHECK(well_formed(page) && has(page, "could not be answered just now"));
	free(page);
	page = page_render("{\"type\":\"answer\",\"text\":\"T\"}", 10, "q");
	CHECK(well_formed(page) && has(page, "could not be answered just now"));
	free(page);
	/* A source with only a url is that url, as a link. */
	page = render(inputs[8], "q");
	CHECK(has(page,
		  "<li><a href=\"https://x/\" rel=\"noopener noreferrer\">https://x/</a></li>"));
	free(page);
}

int
main(void)
{
	RUN(test_answer_page_whole);
	RUN(test_answer_page_parts);
	RUN(test_escapes_every_string);
	RUN(test_escapes_link_questions);
	RUN(test_clarify_page);
	RUN(test_malformed_utf8_and_controls);
	RUN(test_only_web_urls_are_links);
	RUN(test_links_are_percent_encoded);
	RUN(test_spanish_page);
	RUN(test_superseded_note);
	RUN(test_error_pages);
	RUN(test_not_a_reply);
	HARNESS_END();
}
