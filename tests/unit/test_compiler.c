/* SPDX-License-Identifier: MIT */
/*
 * test_compiler.c -- rulingkb: one test per problem the checker reports, each on a
 * knowledge base in a temporary folder with exactly that defect, checking the message
 * and its line; then the builder: the database opens, holds every reply and every
 * entity's folded forms, the version is stable, the write is atomic.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "check.h"
#include "harness.h"
#include "kb.h"
#include "load.h"
#include "quote.h"

#define TODAY 20261124L

/* Two sources: s1 without a stored text, s2 with one. */
static const char *const SOURCES =
	"[\n"
	"  {\"id\": \"s1\", \"title\": \"Opinion\", \"publisher\": \"Court\","
	" \"date\": \"2017-09-15\", \"kind\": \"ruling\", \"url\": \"https://example.org/o\"},\n"
	"  {\"id\": \"s2\", \"title\": \"News\", \"publisher\": \"Paper\", \"date\": \"2017-09\","
	" \"kind\": \"news\", \"text\": \"s2.txt\"}\n"
	"]\n";

/* A valid fact; line 2 of its file is "{", then one field per line (id on 3 ... 10). */
static const char *const FACT = "  {\n"
				"    \"id\": \"@ID\",\n"
				"    \"lang\": \"en\",\n"
				"    \"questions\": [\"What about @ID?\", \"@ID?\"],\n"
				"    \"answer\": \"The answer about @ID.\",\n"
				"    \"sources\": [\"s1\"],\n"
				"    \"as_of\": \"2017-09-15\",\n"
				"    \"status\": \"current\",\n"
				"    \"reviewed\": \"2026-11-24\"\n"
				"  }";

static char dir[64];
static char report[16384];

/* Replaces every "from" in s by "to"; returns a malloc'd string. */
static char *
replace(const char *s, const char *from, const char *to)
{
	struct buf b;
	const char *p;

	buf_init(&b);
	while ((p = strstr(s, from)) != NULL) {
		buf_append(&b, s, (size_t)(p - s));
		buf_puts(&b, to);
		s = p + strlen(from);
	}
	buf_puts(&b, s);
	return b.data;
}

/* A fact with id, and "from" replaced by "to" (from may be NULL). */
static char *
fact(const char *id, const char *from, const char *to)
{
	char *a = replace(FACT, "@ID", id), *b;

	if (from == NULL)
		return a;
	b = replace(a, from, to);
	free(a);
	return b;
}

static void
write_text(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((f = fopen(path, "w")) == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/* Writes replies.json with every reply the engine uses but skip (NULL: none), one a line
 * from line 2 in the engine's order, "from" replaced by "to" (from may be NULL). */
static void
write_replies(const char *skip, const char *from, const char *to)
{
	const char *id;
	struct buf b;
	char *edited;
	enum reply r;

	buf_init(&b);
	buf_puts(&b, "[\n");
	for (r = 0; (id = kb_reply_id(r)) != NULL; r++)
		if (skip == NULL || strcmp(id, skip) != 0)
			buf_printf(&b,
				   "%s  {\"id\": \"%s\", \"en\": \"Text of %s.\","
				   " \"es\": \"Texto de %s.\"}",
				   b.len > 2 ? ",\n" : "", id, id, id);
	buf_puts(&b, "\n]\n");
	edited = from ? replace(b.data, from, to) : NULL;
	write_text("replies.json", edited ? edited : b.data);
	free(edited);
	buf_free(&b);
}

/* Writes facts/a.json holding the facts (a JSON array of them). */
static void
write_facts(char *f1, char *f2)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "[\n");
	buf_puts(&b, f1);
	if (f2) {
		buf_puts(&b, ",\n");
		buf_puts(&b, f2);
	}
	buf_puts(&b, "\n]\n");
	write_text("facts/a.json", b.data);
	buf_free(&b);
	free(f1);
	free(f2);
}

static void
remove_tree(const char *path)
{
	char sub[512];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(path)) == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		remove_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

/* A fresh folder with sources.json, replies.json and an empty facts/ folder. */
static void
new_kb(void)
{
	char path[256];

	snprintf(dir, sizeof(dir), "/tmp/rulingkb-test-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/facts", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/texts", dir);
	mkdir(path, 0700);
	write_text("sources.json", SOURCES);
	write_replies(NULL, NULL, NULL);
}

/* Loads and checks the folder; the report goes to report[]. Returns the problems. */
static int
check(int with_texts)
{
	char texts[128];
	struct kbset set;
	FILE *f;
	int problems;

	report[0] = '\0'; /* fmemopen does not empty it when nothing is written */
	f = fmemopen(report, sizeof(report), "w");

	snprintf(texts, sizeof(texts), "%s/texts", dir);
	problems = load_kb(dir, &set, f) == -1 ? 1000
					       : check_kb(&set, with_texts ? texts : NULL, TODAY);
	fclose(f);
	kbset_free(&set);
	remove_tree(dir);
	return problems;
}

/* Checks that report[] holds "FILE:LINE: " followed by want. */
static int
reported_in(const char *file, int line, const char *want)
{
	char expect[512];

	snprintf(expect, sizeof(expect), "%s:%d: %s", file, line, want);
	if (strstr(report, expect) != NULL)
		return 1;
	fprintf(stderr, "  expected: %s\n  report:   %s", expect, report);
	return 0;
}

/* Checks that report[] holds "facts/a.json:LINE: " followed by want. */
static int
reported(int line, const char *want)
{
	return reported_in("facts/a.json", line, want);
}

static void
test_valid_kb_has_no_problem(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), fact("f2", NULL, NULL));
	CHECK(check(0) == 0);
}

static void
test_malformed_json(void)
{
	new_kb();
	write_text("facts/a.json", "[\n  {\n    \"id\": \"f1\",\n    oops\n  }\n]\n");
	CHECK(check(0) == 1);
	CHECK(reported(4, "malformed JSON"));
}

static void
test_missing_field(void)
{
	new_kb();
	write_facts(fact("f1", "    \"answer\": \"The answer about f1.\",\n", ""), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(2, "fact 'f1': missing field 'answer'"));
}

static void
test_empty_field(void)
{
	new_kb();
	write_facts(fact("f1", "The answer about f1.", " "), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(6, "fact 'f1': field 'answer' is empty"));
}

static void
test_wrong_type(void)
{
	new_kb();
	write_facts(fact("f1", "\"The answer about f1.\"", "42"), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(6, "fact 'f1': field 'answer' must be a string"));
}

static void
test_unknown_field(void)
{
	new_kb();
	write_facts(fact("f1", "    \"lang\"", "    \"qestions\": [],\n    \"lang\""), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(4, "fact 'f1': unknown field 'qestions'"));
}

static void
test_field_twice(void)
{
	new_kb();
	write_facts(fact("f1", "    \"lang\": \"en\",\n",
			 "    \"lang\": \"en\",\n    \"lang\": \"es\",\n"),
		    NULL);
	CHECK(check(0) >= 1);
	CHECK(strstr(report, "fact 'f1': field 'lang' appears twice") != NULL);
}

static void
test_duplicate_fact_id(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), fact("f1", "What about f1?", "Another question?"));
	CHECK(check(0) >= 1);
	CHECK(reported(13, "fact 'f1': duplicate id (also in"));
}

static void
test_duplicate_source_id(void)
{
	new_kb();
	write_text("sources.json", "[\n"
				   "  {\"id\": \"s1\", \"title\": \"A\", \"publisher\": \"P\", "
				   "\"date\": \"2017\", \"kind\": \"news\"},\n"
				   "  {\"id\": \"s1\", \"title\": \"B\", \"publisher\": \"P\", "
				   "\"date\": \"2017\", \"kind\": \"news\"}\n"
				   "]\n");
	write_facts(fact("f1", NULL, NULL), NULL);
	CHECK(check(0) == 1);
	CHECK(strstr(report, "sources.json:3: source 's1': duplicate id (also on line 2)") != NULL);
}

static void
test_unknown_source(void)
{
	new_kb();
	write_facts(fact("f1", "[\"s1\"]", "[\"nope\"]"), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(7, "fact 'f1': unknown source 'nope' (not in sources.json)"));
}

static void
test_fact_without_source(void)
{
	new_kb();
	write_facts(fact("f1", "[\"s1\"]", "[]"), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(7, "fact 'f1': the fact has no source"));
}

static void
test_unknown_related(void)
{
	new_kb();
	write_facts(
		fact("f1", "    \"lang\"", "    \"related\": [\"f2\", \"ghost\"],\n    \"lang\""),
		fact("f2", NULL, NULL));
	CHECK(check(0) == 1);
	CHECK(reported(4, "fact 'f1': related names unknown fact 'ghost'"));
}

static void
test_related_to_itself(void)
{
	new_kb();
	write_facts(fact("f1", "    \"lang\"", "    \"related\": [\"f1\"],\n    \"lang\""), NULL);
	CHECK(check(0) == 1);
	CHECK(strstr(report, "fact 'f1': related names the fact itself") != NULL);
}

static void
test_superseded_without_successor(void)
{
	new_kb();
	write_facts(fact("f1", "\"current\"", "\"superseded\""), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(9, "fact 'f1': a superseded fact needs superseded_by"));
}

static void
test_unknown_superseded_by(void)
{
	new_kb();
	write_facts(fact("f1", "\"current\"",
			 "\"partly-superseded\",\n    \"superseded_by\": \"later\""),
		    NULL);
	CHECK(check(0) == 1);
	CHECK(reported(10, "fact 'f1': superseded_by names unknown fact 'later'"));
}

static void
test_current_with_successor(void)
{
	new_kb();
	write_facts(fact("f1", "\"current\"", "\"current\",\n    \"superseded_by\": \"f2\""),
		    fact("f2", NULL, NULL));
	CHECK(check(0) == 1);
	CHECK(reported(10, "fact 'f1': a current fact cannot have superseded_by"));
}

static void
test_bad_status(void)
{
	new_kb();
	write_facts(fact("f1", "\"current\"", "\"outdated\""), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(9, "fact 'f1': status must be current, superseded or partly-superseded"));
}

static void
test_bad_dates(void)
{
	new_kb();
	write_facts(fact("f1", "\"2017-09-15\"", "\"2017-02-30\""),
		    fact("f2", "\"2026-11-24\"", "\"2026-11\""));
	CHECK(check(0) == 2);
	CHECK(reported(8, "fact 'f1': as_of \"2017-02-30\" is not a date"));
	CHECK(reported(20, "fact 'f2': reviewed \"2026-11\" must be a full date"));
}

static void
test_future_date(void)
{
	new_kb();
	write_facts(fact("f1", "\"2026-11-24\"", "\"2100-01-01\""), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(10, "fact 'f1': reviewed \"2100-01-01\" is in the future"));
}

static void
test_bad_source_fields(void)
{
	new_kb();
	write_text(
		"sources.json",
		"[\n"
		"  {\"id\": \"s1\", \"title\": \"A\", \"publisher\": \"P\", \"date\": \"someday\","
		" \"kind\": \"gossip\", \"url\": \"javascript:alert(1)\"},\n"
		"  {\"id\": \"S 2\", \"title\": \"B\", \"publisher\": \"P\", \"date\": \"n.d.\","
		" \"kind\": \"news\", \"url\": \"ftp://example.org/x\"}\n"
		"]\n");
	write_facts(fact("f1", NULL, NULL), NULL);
	CHECK(check(0) == 5);
	CHECK(strstr(report, "source 's1': date \"someday\" is not a date") != NULL);
	CHECK(strstr(report, "source 's1': unknown kind \"gossip\"") != NULL);
	CHECK(strstr(report, "source 's1': url \"javascript:alert(1)\" is not an http(s)") != NULL);
	CHECK(strstr(report, "source 'S 2': id may hold only") != NULL);
	CHECK(strstr(report, "source 'S 2': url \"ftp://example.org/x\" is not an http(s)") !=
	      NULL);
}

static void
test_answer_too_long(void)
{
	char answer[600];

	memset(answer, 'x', 481);
	answer[481] = '\0';
	new_kb();
	write_facts(fact("f1", "The answer about f1.", answer), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(6, "fact 'f1': answer is too long (481 characters, at most 480)"));
}

static void
test_answer_length_counts_characters(void)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < 480; i++)
		buf_puts(&b, "é"); /* 480 characters, 960 bytes */
	new_kb();
	write_facts(fact("f1", "The answer about f1.", b.data), NULL);
	buf_free(&b);
	CHECK(check(0) == 0);
}

static void
test_same_question_in_two_facts(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), fact("f2", "\"What about f2?\"", "\"WHAT about f1\""));
	CHECK(check(0) == 1);
	CHECK(reported(15, "fact 'f2': question \"WHAT about f1\" also belongs to fact 'f1'"));
}

static void
test_same_question_twice_in_one_fact(void)
{
	new_kb();
	write_facts(fact("f1", "\"f1?\"", "\"what about F1\""), NULL);
	CHECK(check(0) == 1);
	CHECK(strstr(report, "fact 'f1': question \"what about F1\" is asked twice") != NULL);
}

static void
test_same_question_in_two_languages_is_fine(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), fact("f2", "\"en\"", "\"es\""));
	/* f2 asks "What about f2?": different words, and another language anyway */
	CHECK(check(0) == 0);
}

static void
test_quote_checked_against_text(void)
{
	new_kb();
	write_text("texts/s2.txt", "The judge said the city\nwould suffer irreparable harm.\n");
	write_facts(fact("f1", "[\"s1\"]",
			 "[{\"id\": \"s2\", \"quote\": \"… the city would suffer …\"}]"),
		    fact("f2", "[\"s1\"]",
			 "[{\"id\": \"s2\", \"quote\": \"… the city will suffer …\"}]"));
	CHECK(check(1) == 1);
	CHECK(reported(17, "fact 'f2': quote not found word for word in the text of 's2'"));
}

static void
test_quote_cut_unmarked(void)
{
	new_kb();
	write_text("texts/s2.txt", "The judge said the city\nwould suffer irreparable harm.\n");
	write_facts(
		fact("f1", "[\"s1\"]",
		     "[{\"id\": \"s2\", \"quote\": \"the city would suffer irreparable harm.\"}]"),
		fact("f2", "[\"s1\"]",
		     "[{\"id\": \"s2\", \"quote\": \"The judge said the city would\"}]"));
	CHECK(check(1) == 2);
	CHECK(reported(7, "fact 'f1': quote begins mid-sentence in the text of 's2': mark the cut "
			  "with \"…\""));
	CHECK(reported(17, "fact 'f2': quote ends mid-sentence in the text of 's2': mark the cut "
			   "with \"…\""));
}

static void
test_quote_cut_without_text(void)
{
	new_kb();
	write_facts(fact("f1", "[\"s1\"]",
			 "[{\"id\": \"s1\", \"quote\": \"words cut\", \"pinpoint\": \"p. 3\"}]"),
		    fact("f2", "[\"s1\"]",
			 "[{\"id\": \"s1\", \"quote\": \"… words cut\", \"pinpoint\": \"p. 3\"}]"));
	CHECK(check(0) == 1);
	CHECK(reported(7, "fact 'f1': quote from 's1' begins mid-sentence: mark the cut with"));
}

/* A text with a heading, a list and a quoted speaker, as news pages have. */
static const char quote_source[] =
	"Judge blocks order\n\n  \xe2\x80\xa2 The term applies to cities\n"
	"\"The court finds that the city would suffer harm,\" the judge said. It is a "
	"fresh blow to the president, who promised to end it.";

static int
quote_fit(const char *quote)
{
	struct buf text;
	enum quote_fit fit;

	buf_init(&text);
	if (quote_text(quote_source, strlen(quote_source), &text) == -1)
		return -1;
	fit = quote_find(text.data, quote);
	buf_free(&text);
	return (int)fit;
}

static void
test_quote_passages_and_boundaries(void)
{
	CHECK(quote_fit("Judge blocks order") == QUOTE_FITS);	      /* a heading's line */
	CHECK(quote_fit("The term applies to cities") == QUOTE_FITS); /* a list item */
	CHECK(quote_fit("The court finds that the city would suffer harm") == QUOTE_FITS);
	CHECK(quote_fit("It is a fresh blow \xe2\x80\xa6 promised to end it.") == QUOTE_FITS);
	CHECK(quote_fit("\xe2\x80\xa6 a fresh blow to the president \xe2\x80\xa6") == QUOTE_FITS);
	CHECK(quote_fit("  It  is\ta fresh blow \xe2\x80\xa6 ") == QUOTE_FITS);
	CHECK(quote_fit("a fresh blow to the president \xe2\x80\xa6") == QUOTE_CUT_START);
	CHECK(quote_fit("\xe2\x80\xa6 a fresh blow to the president") == QUOTE_CUT_END);
	CHECK(quote_fit("blocks order") == QUOTE_CUT_START);
	CHECK(quote_fit("promised to end it. \xe2\x80\xa6 It is") == QUOTE_NOT_FOUND); /* order */
	CHECK(quote_fit("Judge blocks the order") == QUOTE_NOT_FOUND);
	CHECK(quote_fit("\xe2\x80\xa6") == QUOTE_NOT_FOUND);
	CHECK(quote_fit("") == QUOTE_NOT_FOUND);
}

static void
test_quote_without_text_needs_pinpoint(void)
{
	new_kb();
	write_facts(
		fact("f1", "[\"s1\"]", "[{\"id\": \"s1\", \"quote\": \"exact words\"}]"),
		fact("f2", "[\"s1\"]",
		     "[{\"id\": \"s1\", \"quote\": \"Other words.\", \"pinpoint\": \"p. 3\"}]"));
	CHECK(check(0) == 1);
	CHECK(reported(7, "fact 'f1': a quote from 's1' needs a pinpoint"));
}

static void
test_quote_unchecked_without_texts_folder(void)
{
	new_kb();
	write_facts(fact("f1", "[\"s1\"]", "[{\"id\": \"s2\", \"quote\": \"anything\"}]"), NULL);
	CHECK(check(0) == 0);
	CHECK(strstr(report, "note: 1 quotes have stored source texts but were not checked") !=
	      NULL);
}

static void
test_missing_source_text(void)
{
	new_kb();
	write_facts(fact("f1", "[\"s1\"]", "[{\"id\": \"s2\", \"quote\": \"anything\"}]"), NULL);
	CHECK(check(1) == 1);
	CHECK(strstr(report, "source 's2': source text not found") != NULL);
}

static void
test_same_source_twice(void)
{
	new_kb();
	write_facts(fact("f1", "[\"s1\"]", "[\"s1\", \"s1\"]"),
		    fact("f2", "[\"s1\"]",
			 "[{\"id\": \"s1\", \"pinpoint\": \"p. 1\"}, {\"id\": \"s1\", "
			 "\"pinpoint\": \"p. 2\"}]"));
	CHECK(check(0) == 1);
	CHECK(reported(7, "fact 'f1': source 's1' cited twice with the same pinpoint and quote"));
}

static void
test_bad_lang_and_id(void)
{
	new_kb();
	write_facts(fact("Bad_Id", "\"en\"", "\"fr\""), NULL);
	CHECK(check(0) == 2);
	CHECK(reported(3, "fact 'Bad_Id': id may hold only"));
	CHECK(reported(4, "fact 'Bad_Id': lang must be \"en\" or \"es\", not \"fr\""));
}

static void
test_translation_in_same_language(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL),
		    fact("f2", "    \"lang\"", "    \"translation_of\": \"f1\",\n    \"lang\""));
	CHECK(check(0) == 1);
	CHECK(reported(14, "fact 'f2': translation_of names 'f1', which is in the same language"));
}

/* f2, the Spanish version of f1, with answer es and f1's answer en. */
static void
write_pair(const char *en, const char *es, const char *es_sources)
{
	char *a = fact("f1", "The answer about f1.", en);
	char *b = fact("f2", "    \"lang\": \"en\"",
		       "    \"lang\": \"es\",\n    \"translation_of\": \"f1\"");
	char *c = replace(b, "The answer about f2.", es);
	char *d = replace(c, "[\"s1\"]", es_sources);

	free(b);
	free(c);
	write_facts(a, d);
}

static void
test_translation_states_the_same_figures(void)
{
	static const char en[] = "On September 15, 2017, 400 cities got $3.2 million; in "
				 "August 2025, Sept. 4 was set.";

	new_kb();
	write_pair(en,
		   "El 15 de septiembre de 2017, 400 ciudades recibieron 3.2 millones de "
		   "dólares; en agosto de 2025 se fijó el 4 de septiembre.",
		   "[\"s1\"]");
	CHECK(check(0) == 0);
	CHECK(strstr(report, "warning") == NULL); /* f1 has its Spanish version */

	new_kb();
	write_pair(en,
		   "El 16 de septiembre de 2017, 400 ciudades recibieron 3,2 millones de "
		   "dólares; en agosto de 2025 se fijó el 4 de septiembre.",
		   "[\"s1\"]");
	CHECK(check(0) == 1);
	CHECK(reported(17, "fact 'f2': states other dates or numbers than 'f1', its original "
			   "(only here: 2017-09-16, 3,2; only there: 2017-09-15, 3.2)"));

	new_kb();
	write_pair(en, "El 15 de septiembre de 2017, 400 ciudades recibieron 3.2 millones.",
		   "[\"s1\"]");
	CHECK(check(0) == 1);
	CHECK(reported(17, "fact 'f2': states other dates or numbers than 'f1', its original "
			   "(only here: none; only there: --09-04, 2025-08)"));
}

static void
test_translation_cites_the_same_sources(void)
{
	new_kb();
	write_pair("The answer.", "La respuesta.", "[\"s2\"]");
	CHECK(check(0) == 2);
	CHECK(reported(18, "fact 'f2': source 's2' is cited by 'f2' but not by 'f1'"));
	CHECK(reported(18, "fact 'f2': source 's1' is cited by 'f1' but not by 'f2'"));

	new_kb();
	write_pair("The answer.", "La respuesta.", "[{\"id\": \"s1\", \"pinpoint\": \"p. 2\"}]");
	CHECK(check(0) == 0); /* the same source, whatever the pinpoint */
}

static void
test_untranslated_fact_is_a_warning(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	CHECK(check(0) == 0);
	CHECK(reported(2, "fact 'f1': warning: no Spanish version (no fact has translation_of "
			  "\"f1\")"));
}

/* Past twenty, the untranslated facts are counted, not listed. */
static void
test_untranslated_facts_are_counted_past_twenty(void)
{
	struct buf b;
	char id[16], *f;
	int i;

	new_kb();
	buf_init(&b);
	buf_puts(&b, "[\n");
	for (i = 0; i < 25; i++) {
		snprintf(id, sizeof(id), "f%d", i);
		f = fact(id, NULL, NULL);
		buf_printf(&b, "%s%s", i ? ",\n" : "", f);
		free(f);
	}
	buf_puts(&b, "\n]\n");
	write_text("facts/a.json", b.data);
	buf_free(&b);
	CHECK(check(0) == 0);
	CHECK(strstr(report, "fact 'f19': warning: no Spanish version") != NULL);
	CHECK(strstr(report, "fact 'f20': warning") == NULL);
	CHECK(strstr(report, "warning: and 5 more English facts without a Spanish version") !=
	      NULL);
}

static void
test_not_an_array(void)
{
	new_kb();
	write_text("facts/a.json", "{\"id\": \"f1\"}\n");
	CHECK(check(0) == 1);
	CHECK(reported(1, "the file must hold a JSON array of facts"));
}

static void
test_starters_and_synonyms(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_text("starters.json", "{\"en\": [\"f1\", \"ghost\"], \"es\": [\"f1\"]}\n");
	write_text("synonyms.json",
		   "{\n  \"groups\": [\n    {\"words\": [\"AG\", \"attorney general\"]},\n"
		   "    {\"words\": [\"ag\", \"a g\"]}\n  ],\n"
		   "  \"misspellings\": {\"two words\": \"x\"}\n}\n");
	CHECK(check(0) == 4);
	CHECK(strstr(report, "starters.json:1: starters: unknown fact 'ghost'") != NULL);
	CHECK(strstr(report, "starters.json:1: starters: 'f1' is not a fact in es") != NULL);
	CHECK(strstr(report, "synonyms.json:4: synonyms: 'ag' is already in the group on line 3") !=
	      NULL);
	CHECK(strstr(report, "synonyms: misspelling 'two words' must be a single word") != NULL);
}

static void
test_related_twice(void)
{
	new_kb();
	write_facts(fact("f1", "    \"lang\"", "    \"related\": [\"f2\", \"f2\"],\n    \"lang\""),
		    fact("f2", NULL, NULL));
	CHECK(check(0) == 1);
	CHECK(strstr(report, "fact 'f1': related lists 'f2' twice") != NULL);
}

static void
test_question_too_long_or_multiline(void)
{
	char q[260];

	memset(q, 'q', 201);
	q[201] = '\0';
	new_kb();
	write_facts(fact("f1", "What about f1?", q), fact("f2", "What about f2?", "two\\nlines"));
	CHECK(check(0) == 2);
	CHECK(reported(5, "fact 'f1': question is too long (201 characters, at most 200)"));
	CHECK(reported(15, "fact 'f2': a question must be one line")); /* the questions line */
}

static void
test_answer_on_several_lines(void)
{
	new_kb();
	write_facts(fact("f1", "The answer about f1.", "One line.\\nAnother."), NULL);
	CHECK(check(0) == 1);
	CHECK(reported(6, "fact 'f1': answer must be one paragraph of valid text"));
}

static void
test_too_many_sources(void)
{
	new_kb();
	write_facts(fact("f1", "[\"s1\"]",
			 "[{\"id\": \"s1\", \"pinpoint\": \"p. 1\"}, {\"id\": \"s1\", "
			 "\"pinpoint\": \"p. 2\"},"
			 " {\"id\": \"s1\", \"pinpoint\": \"p. 3\"}, {\"id\": \"s1\", "
			 "\"pinpoint\": \"p. 4\"},"
			 " {\"id\": \"s1\", \"pinpoint\": \"p. 5\"}, {\"id\": \"s1\", "
			 "\"pinpoint\": \"p. 6\"},"
			 " {\"id\": \"s1\", \"pinpoint\": \"p. 7\"}, {\"id\": \"s1\", "
			 "\"pinpoint\": \"p. 8\"},"
			 " {\"id\": \"s1\", \"pinpoint\": \"p. 9\"}]"),
		    NULL);
	CHECK(check(0) == 1);
	CHECK(reported(7, "fact 'f1': too many sources (9, at most 8)"));
}

static void
test_source_text_and_title_shape(void)
{
	new_kb();
	write_text("sources.json",
		   "[\n"
		   "  {\"id\": \"s1\", \"title\": \"A\\nB\", \"publisher\": \"P\", "
		   "\"date\": \"2017\", \"kind\": \"news\", \"text\": \"../etc/passwd\"}\n"
		   "]\n");
	write_facts(fact("f1", NULL, NULL), NULL);
	CHECK(check(0) == 2);
	CHECK(strstr(report, "source 's1': text must be a file name, not a path") != NULL);
	CHECK(strstr(report, "source 's1': title and publisher must be one line each") != NULL);
}

static void
test_unknown_translation(void)
{
	new_kb();
	write_facts(fact("f1", "    \"lang\": \"en\"",
			 "    \"lang\": \"es\",\n    \"translation_of\": \"ghost\""),
		    NULL);
	CHECK(check(0) == 1);
	CHECK(strstr(report, "fact 'f1': translation_of names unknown fact 'ghost'") != NULL);
}

static void
test_synonym_and_misspelling_shape(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_text(
		"synonyms.json",
		"{\n  \"groups\": [\n    {\"words\": [\"one two three four five\", \"x\"]}\n  ],\n"
		"  \"misspellings\": {\"judge\": \"judge\", \"jugde\": \"the judge\"}\n}\n");
	CHECK(check(0) == 3);
	CHECK(strstr(report, "synonyms: 'one two three four five' must be one to 4 words") != NULL);
	CHECK(strstr(report, "synonyms: misspelling 'judge' maps to itself") != NULL);
	CHECK(strstr(report, "synonyms: misspelling 'jugde' must map to a single word") != NULL);
}

/* Writes entities.json: its "entities" list holds items, the first on line 3. */
static void
write_entities(const char *items)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "{\n  \"entities\": [\n%s\n  ]\n}\n", items);
	write_text("entities.json", b.data);
	buf_free(&b);
}

/* A KB with one fact and the entities items. Returns the problems. */
static int
check_entities(const char *items)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_entities(items);
	return check(0);
}

static void
test_entities_valid(void)
{
	CHECK(check_entities(
		      "    {\"id\": \"seventh-circuit\", \"kind\": \"court\", \"note\": \"CA7\",\n"
		      "     \"forms\": [\"Seventh Circuit\", \"7th Circuit\", \"Séptimo Circuito\","
		      " \"septimo circuito\"]},\n"
		      "    {\"id\": \"nyc\", \"kind\": \"city\", \"forms\": [\"New York "
		      "City\"]}") == 0);
}

static void
test_entities_file_is_optional(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	CHECK(check(0) == 0);
}

static void
test_entity_without_id(void)
{
	CHECK(check_entities(
		      "    {\"id\": \"chicago\", \"kind\": \"city\", \"forms\": [\"Chicago\"]},\n"
		      "    {\"kind\": \"city\", \"forms\": [\"Evanston\"]}") == 1);
	CHECK(reported_in("entities.json", 4, "entity #2: missing field 'id'"));
}

static void
test_entity_duplicate_id(void)
{
	CHECK(check_entities(
		      "    {\"id\": \"chicago\", \"kind\": \"city\", \"forms\": [\"Chicago\"]},\n"
		      "    {\"id\": \"chicago\", \"kind\": \"city\", \"forms\": [\"Chi\"]}") == 1);
	CHECK(reported_in("entities.json", 4, "entity 'chicago': duplicate id (also on line 3)"));
}

static void
test_entity_unknown_kind(void)
{
	CHECK(check_entities(
		      "    {\"id\": \"chicago\", \"kind\": \"town\", \"forms\": [\"Chicago\"]}") ==
	      1);
	CHECK(reported_in("entities.json", 3, "entity 'chicago': unknown kind \"town\""));
}

static void
test_entity_without_forms(void)
{
	CHECK(check_entities("    {\"id\": \"chicago\", \"kind\": \"city\", \"forms\": []},\n"
			     "    {\"id\": \"evanston\", \"kind\": \"city\"}") == 2);
	CHECK(reported_in("entities.json", 3,
			  "entity 'chicago': field 'forms' needs at least 1 entries"));
	CHECK(reported_in("entities.json", 4, "entity 'evanston': missing field 'forms'"));
}

static void
test_entity_empty_form(void)
{
	CHECK(check_entities("    {\"id\": \"chicago\", \"kind\": \"city\",\n"
			     "     \"forms\": [\"Chicago\", \" \"]},\n"
			     "    {\"id\": \"evanston\", \"kind\": \"city\",\n"
			     "     \"forms\": [\"Evanston\", \"...\"]}") == 2);
	CHECK(reported_in("entities.json", 4, "entity 'chicago': field 'forms': entry 2 is empty"));
	CHECK(reported_in("entities.json", 6,
			  "entity 'evanston': form '...' must be one to 6 words"));
}

static void
test_entity_form_too_long(void)
{
	CHECK(check_entities(
		      "    {\"id\": \"ca7\", \"kind\": \"court\", \"forms\": [\"Seventh Circuit\","
		      " \"U.S. Court of Appeals for the Seventh Circuit\"]}") == 1);
	CHECK(reported_in("entities.json", 3,
			  "entity 'ca7': form 'U.S. Court of Appeals for the Seventh Circuit' must "
			  "be one to 6 words"));
}

static void
test_entity_form_is_a_stopword(void)
{
	CHECK(check_entities("    {\"id\": \"los-angeles\", \"kind\": \"city\",\n"
			     "     \"forms\": [\"Los Angeles\", \"LA\"]}") == 1);
	CHECK(reported_in("entities.json", 4,
			  "entity 'los-angeles': form 'LA' is a word nearly every question has"));
}

static void
test_entity_form_in_two_entities(void)
{
	CHECK(check_entities(
		      "    {\"id\": \"nyc\", \"kind\": \"city\", \"forms\": [\"New York\"]},\n"
		      "    {\"id\": \"nys\", \"kind\": \"state\", \"forms\": [\"NEW YORK\"]}") ==
	      1);
	CHECK(reported_in("entities.json", 4,
			  "entity 'nys': form 'NEW YORK' also names entity 'nyc'"));
}

static void
test_too_many_entities(void)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i <= KB_ENTITIES_MAX; i++)
		buf_printf(&b,
			   "%s    {\"id\": \"e%d\", \"kind\": \"city\", \"forms\": [\"city%d\"]}",
			   i ? ",\n" : "", i, i);
	CHECK(check_entities(b.data) == 1);
	CHECK(reported_in("entities.json", 2, "257 entities, at most 256"));
	buf_free(&b);
}

static void
test_entity_unknown_fields(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_text("entities.json",
		   "{\n  \"people\": [],\n  \"entities\": [\n"
		   "    {\"id\": \"chicago\", \"kind\": \"city\", \"forms\": [\"Chicago\"],\n"
		   "     \"alias\": \"Chi\"}\n  ]\n}\n");
	CHECK(check(0) == 2);
	CHECK(reported_in("entities.json", 2, "unknown field 'people'"));
	CHECK(reported_in("entities.json", 5, "entity 'chicago': unknown field 'alias'"));
}

static void
test_entities_file_shape(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_text("entities.json", "[\"Chicago\"]\n");
	CHECK(check(0) == 1);
	CHECK(reported_in("entities.json", 1, "the file must hold an object with 'entities'"));
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_text("entities.json", "{\n  \"entities\": {\"chicago\": \"city\"}\n}\n");
	CHECK(check(0) == 1);
	CHECK(reported_in("entities.json", 2, "'entities' must be a list of entities"));
}

static void
test_reply_missing(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_replies("_decline", NULL, NULL);
	CHECK(check(0) == 1);
	CHECK(reported_in("replies.json", 1, "reply '_decline': missing"));
}

static void
test_reply_missing_language(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_replies(NULL, ", \"es\": \"Texto de _thanks.\"", ""); /* the second reply */
	CHECK(check(0) == 1);
	CHECK(reported_in("replies.json", 3, "reply '_thanks': missing field 'es'"));
}

static void
test_reply_unknown_id(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_replies(NULL, "[\n",
		      "[\n  {\"id\": \"_gretting\", \"en\": \"Hi.\", \"es\": \"Hola.\"},\n");
	CHECK(check(0) == 1);
	CHECK(reported_in("replies.json", 2, "reply '_gretting': unknown reply id"));
}

static void
test_reply_empty_text(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_replies(NULL, "\"Text of _help.\"", "\" \""); /* the fourth reply */
	CHECK(check(0) == 1);
	CHECK(reported_in("replies.json", 5, "reply '_help': field 'en' is empty"));
}

static void
test_reply_twice(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	/* _goodbye (line 4) again, after every other reply. */
	write_replies(NULL, "\n]",
		      ",\n  {\"id\": \"_goodbye\", \"en\": \"Bye.\", \"es\": \"Adiós.\"}\n]");
	CHECK(check(0) == 1);
	CHECK(reported_in("replies.json", 2 + REPLY_COUNT,
			  "reply '_goodbye': duplicate id (also on line 4)"));
}

static void
test_reply_on_two_lines(void)
{
	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_replies(NULL, "Texto de _about.", "Dos\\nlíneas."); /* the fifth reply */
	CHECK(check(0) == 1);
	CHECK(reported_in("replies.json", 6, "reply '_about': 'es' must be one paragraph"));
}

static void
test_replies_file_missing(void)
{
	char path[256];

	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	snprintf(path, sizeof(path), "%s/replies.json", dir);
	unlink(path);
	CHECK(check(0) == 1);
	CHECK(reported_in("replies.json", 1, "the file is missing"));
}

/* Builds the KB in dir into out; returns 0 on success. */
static int
build_to(const char *out, char *version, size_t vlen)
{
	struct kbset set;
	char err[512];
	int rc;

	if (load_kb(dir, &set, stderr) == -1 || check_kb(&set, NULL, TODAY) != 0) {
		kbset_free(&set);
		return -1;
	}
	rc = build_kb(&set, out, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "  build: %s\n", err);
	snprintf(version, vlen, "%s", set.version);
	kbset_free(&set);
	return rc;
}

static void
test_build_writes_a_readable_kb(void)
{
	char out[128], version[32], err[256];
	struct kb *kb;
	struct arena a;
	struct kb_fact f;
	DIR *d;
	struct dirent *e;
	enum reply r;
	int others = 0;

	new_kb();
	write_facts(fact("f1", NULL, NULL), fact("f2", NULL, NULL));
	snprintf(out, sizeof(out), "%s/kb.sqlite", dir);
	CHECK(build_to(out, version, sizeof(version)) == 0);
	CHECK(kb_open(out, &kb, err, sizeof(err)) == 0);
	if (kb) {
		CHECK(kb_fact_count(kb) == 2);
		CHECK_STR(kb_meta(kb, "kb_version"), version);
		CHECK_STR(kb_meta(kb, "facts_en"), "2");
		arena_init(&a);
		CHECK(kb_fact(kb, kb_fact_num(kb, "f2"), &a, &f) == 0);
		CHECK_STR(f.question, "What about f2?");
		arena_free(&a);
		for (r = 0; r < REPLY_COUNT; r++)
			CHECK(kb_reply_text(kb, r, LANG_EN) && kb_reply_text(kb, r, LANG_ES));
		CHECK_STR(kb_reply_text(kb, REPLY_DECLINE, LANG_ES), "Texto de _decline.");
		CHECK_STR(kb_reply_text(kb, REPLY_PROMPT, LANG_EN), "Text of _prompt.");
		CHECK(kb_reply_text(kb, REPLY_COUNT, LANG_EN) == NULL);
		kb_close(kb);
	}
	/* Nothing but the database is left beside it: the temporary file was renamed. */
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			others += strncmp(e->d_name, "kb.sqlite.tmp", 13) == 0;
		closedir(d);
	}
	CHECK(others == 0);
	remove_tree(dir);
}

/* Appends "form=id/kind;" for every row of the entities table of the database at path. */
static void
read_entities(const char *path, struct buf *b)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT form, id, kind FROM entities ORDER BY form", -1, &st,
			       NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW)
			buf_printf(b, "%s=%s/%s;", sqlite3_column_text(st, 0),
				   sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
test_build_writes_folded_entity_forms(void)
{
	char out[128], version[32];
	struct buf b;

	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	write_entities(
		"    {\"id\": \"ca7\", \"kind\": \"court\",\n"
		"     \"forms\": [\"Séptimo Circuito\", \"septimo circuito\", \"7th Cir.\"]},\n"
		"    {\"id\": \"sessions\", \"kind\": \"case\","
		" \"forms\": [\"City of Chicago v. Sessions\"]}");
	snprintf(out, sizeof(out), "%s/kb.sqlite", dir);
	CHECK(build_to(out, version, sizeof(version)) == 0);
	buf_init(&b);
	read_entities(out, &b);
	CHECK_STR(b.data, "7th cir=ca7/court;city of chicago v sessions=sessions/case;"
			  "septimo circuito=ca7/court;");
	buf_free(&b);
	remove_tree(dir);
}

static void
test_version_follows_content(void)
{
	char out[128], v1[32], v2[32], v3[32];

	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	snprintf(out, sizeof(out), "%s/kb.sqlite", dir);
	CHECK(build_to(out, v1, sizeof(v1)) == 0);
	CHECK(build_to(out, v2, sizeof(v2)) == 0);
	write_facts(fact("f1", "The answer", "An answer"), NULL);
	CHECK(build_to(out, v3, sizeof(v3)) == 0);
	CHECK(strcmp(v1, v2) == 0);
	CHECK(strcmp(v1, v3) != 0);
	CHECK(strlen(v1) == 16);
	remove_tree(dir);
}

static void
test_build_into_missing_folder_fails_cleanly(void)
{
	char version[32];

	new_kb();
	write_facts(fact("f1", NULL, NULL), NULL);
	CHECK(build_to("/nonexistent-rulingbot-dir/kb.sqlite", version, sizeof(version)) == -1);
	remove_tree(dir);
}

int
main(void)
{
	RUN(test_valid_kb_has_no_problem);
	RUN(test_malformed_json);
	RUN(test_missing_field);
	RUN(test_empty_field);
	RUN(test_wrong_type);
	RUN(test_unknown_field);
	RUN(test_field_twice);
	RUN(test_duplicate_fact_id);
	RUN(test_duplicate_source_id);
	RUN(test_unknown_source);
	RUN(test_fact_without_source);
	RUN(test_unknown_related);
	RUN(test_related_to_itself);
	RUN(test_superseded_without_successor);
	RUN(test_unknown_superseded_by);
	RUN(test_current_with_successor);
	RUN(test_bad_status);
	RUN(test_bad_dates);
	RUN(test_future_date);
	RUN(test_bad_source_fields);
	RUN(test_answer_too_long);
	RUN(test_answer_length_counts_characters);
	RUN(test_same_question_in_two_facts);
	RUN(test_same_question_twice_in_one_fact);
	RUN(test_same_question_in_two_languages_is_fine);
	RUN(test_quote_checked_against_text);
	RUN(test_quote_cut_unmarked);
	RUN(test_quote_cut_without_text);
	RUN(test_quote_passages_and_boundaries);
	RUN(test_quote_without_text_needs_pinpoint);
	RUN(test_quote_unchecked_without_texts_folder);
	RUN(test_missing_source_text);
	RUN(test_same_source_twice);
	RUN(test_bad_lang_and_id);
	RUN(test_translation_in_same_language);
	RUN(test_translation_states_the_same_figures);
	RUN(test_translation_cites_the_same_sources);
	RUN(test_untranslated_fact_is_a_warning);
	RUN(test_untranslated_facts_are_counted_past_twenty);
	RUN(test_not_an_array);
	RUN(test_starters_and_synonyms);
	RUN(test_related_twice);
	RUN(test_question_too_long_or_multiline);
	RUN(test_answer_on_several_lines);
	RUN(test_too_many_sources);
	RUN(test_source_text_and_title_shape);
	RUN(test_unknown_translation);
	RUN(test_synonym_and_misspelling_shape);
	RUN(test_entities_valid);
	RUN(test_entities_file_is_optional);
	RUN(test_entity_without_id);
	RUN(test_entity_duplicate_id);
	RUN(test_entity_unknown_kind);
	RUN(test_entity_without_forms);
	RUN(test_entity_empty_form);
	RUN(test_entity_form_too_long);
	RUN(test_entity_form_is_a_stopword);
	RUN(test_entity_form_in_two_entities);
	RUN(test_too_many_entities);
	RUN(test_entity_unknown_fields);
	RUN(test_entities_file_shape);
	RUN(test_reply_missing);
	RUN(test_reply_missing_language);
	RUN(test_reply_unknown_id);
	RUN(test_reply_empty_text);
	RUN(test_reply_twice);
	RUN(test_reply_on_two_lines);
	RUN(test_replies_file_missing);
	RUN(test_build_writes_a_readable_kb);
	RUN(test_build_writes_folded_entity_forms);
	RUN(test_version_follows_content);
	RUN(test_build_into_missing_folder_fails_cleanly);
	HARNESS_END();
}
