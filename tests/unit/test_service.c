/* SPDX-License-Identifier: MIT */
/*
 * test_service.c -- the service that turns a message into reply frames (text lines or
 * one JSON object), without a socket (daemon/server/service.c): questions, commands,
 * errors, rate limits, the cache, HTTP replies, health, reloads and the --unanswered
 * file, on the fixture knowledge base ($BUILD/test/fixture.sqlite, given as the first
 * argument). Engine answers are checked by their properties (fact id, "Source:" lines,
 * JSON fields), never by their wording.
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "proto.h"
#include "ratelimit.h"
#include "server_fixture.h"
#include "service.h"
#include "util.h"

#define FRAMES_MAX 64 /* frames one reply may hold in these tests */

/* The reply frames of one message, as the sink received them. */
struct frames {
	char *data[FRAMES_MAX]; /* each frame, with a NUL added */
	size_t len[FRAMES_MAX]; /* its length, without the NUL */
	int n;			/* frames received */
	int refuse;		/* 1: the sink refuses every frame */
};

/* ---------------------------------------------------------------- helpers */

/* Frame sink: keeps a copy of each frame. */
static int
collect_frame(void *ctx, const char *data, size_t len)
{
	struct frames *f = ctx;

	if (f->refuse || f->n == FRAMES_MAX)
		return -1;
	if ((f->data[f->n] = malloc(len + 1)) == NULL)
		return -1;
	memcpy(f->data[f->n], data, len);
	f->data[f->n][len] = '\0';
	f->len[f->n] = len;
	f->n++;
	return 0;
}

static void
frames_free(struct frames *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		free(f->data[i]);
	memset(f, 0, sizeof(*f));
}

/* Returns 1 when a and b hold the same frames, byte for byte. */
static int
frames_equal(const struct frames *a, const struct frames *b)
{
	int i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->len[i] != b->len[i] || memcmp(a->data[i], b->data[i], a->len[i]) != 0)
			return 0;
	return 1;
}

/* Returns 1 when no frame of f is empty or holds a line break. */
static int
frames_are_lines(const struct frames *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->len[i] == 0 || memchr(f->data[i], '\n', f->len[i]) != NULL)
			return 0;
	return 1;
}

/* Returns how many frames of f begin with prefix. */
static int
frames_starting(const struct frames *f, const char *prefix)
{
	int i, n = 0;

	for (i = 0; i < f->n; i++)
		if (strncmp(f->data[i], prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

/* Sends msg to s as one websocket message, from a buffer of exactly its length (no NUL
 * after it, so a read past the end shows under a sanitizer). Frames go to f (emptied
 * first). Returns what service_message returned. */
static int
message(struct service *s, const char *msg, struct bucket *b, long long now, struct frames *f)
{
	size_t len = strlen(msg);
	char *copy = malloc(len > 0 ? len : 1);
	int rc;

	frames_free(f);
	if (copy == NULL)
		return -2;
	memcpy(copy, msg, len);
	rc = service_message(s, copy, len, b, now, collect_frame, f);
	free(copy);
	return rc;
}

/* Parses the only frame of f as JSON; NULL (and a note) when there is not exactly one or
 * it does not parse. The caller deletes the tree. */
static cJSON *
only_json(const struct frames *f)
{
	cJSON *j;

	if (f->n != 1) {
		fprintf(stderr, "  want one JSON frame, got %d\n", f->n);
		return NULL;
	}
	if ((j = cJSON_ParseWithLength(f->data[0], f->len[0])) == NULL || !cJSON_IsObject(j)) {
		fprintf(stderr, "  not a JSON object: %s\n", f->data[0]);
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Returns the string member name of o, or NULL. */
static const char *
member(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* Returns the number member name of o, or -1 when there is none. */
static double
number(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(m) ? m->valuedouble : -1;
}

/* Returns 1 when no string anywhere in j is empty and no value is null: the protocol
 * leaves out fields without a value. */
static int
no_empty_values(const cJSON *j)
{
	const cJSON *c;

	if (cJSON_IsNull(j))
		return 0;
	if (cJSON_IsString(j))
		return j->valuestring[0] != '\0';
	for (c = j->child; c; c = c->next)
		if (!no_empty_values(c))
			return 0;
	return 1;
}

static void
test_service_text(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 }, j = { 0 };
	struct choices pick = { NULL, "" };
	cJSON *json;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		CHECK(!"service_init");
		config_free(&cfg);
		return;
	}
	CHECK(s.kb != NULL);
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "Who was the judge?", &b, SECOND, &f) == 0);
	CHECK(f.n >= 3); /* the answer, its source, the related questions */
	CHECK(frames_are_lines(&f));
	CHECK(frames_starting(&f, "Source: ") == 1);
	CHECK(frames_starting(&f, "Related: ") == 1);
	CHECK(f.n > 0 && strncmp(f.data[0], "Source: ", 8) != 0);
	/* The first line is the answer's text, as the JSON reply gives it. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\"}", &b, 2 * SECOND,
		      &j) == 0);
	json = only_json(&j);
	CHECK(json && f.n > 0 && member(json, "text") &&
	      strcmp(member(json, "text"), f.data[0]) == 0);
	cJSON_Delete(json);

	/* Leading and trailing spaces, tabs and line ends do not change the question. */
	CHECK(message(&s, "  Who was the judge?\r\n\t ", &b, 3 * SECOND, &j) == 0);
	CHECK(frames_equal(&f, &j));

	/* Spanish: "Fuente:" lines. */
	CHECK(message(&s, "¿Quién fue el juez?", &b, 4 * SECOND, &f) == 0);
	CHECK(frames_are_lines(&f));
	CHECK(frames_starting(&f, "Fuente: ") == 1);
	CHECK(frames_starting(&f, "Source: ") == 0);

	/* Out of scope: "Try:" lines, no source. */
	CHECK(message(&s, "what is the capital of France", &b, 5 * SECOND, &f) == 0);
	CHECK(f.n >= 2 && frames_are_lines(&f));
	CHECK(frames_starting(&f, "Try: ") >= 1);
	CHECK(frames_starting(&f, "Source: ") == 0);

	/* Asked back: numbered choices, and a "2" on the same connection asks the second. */
	frames_free(&f);
	frames_free(&j);
	CHECK(service_converse(&s, "the judge and the attorney general", 34, &b, &pick, 6 * SECOND,
			       collect_frame, &f) == 0);
	CHECK(f.n >= 3 && !strncmp(f.data[1], "1. ", 3) && !strncmp(f.data[2], "2. ", 3));
	CHECK(service_converse(&s, "2", 1, &b, &pick, 7 * SECOND, collect_frame, &j) == 0);
	CHECK(pick.lines == NULL && frames_starting(&j, "Source: ") == 1);
	choices_clear(&pick);

	/* Empty questions get nothing, and cost no token. */
	bucket_init(&b, 1, 0);
	CHECK(message(&s, "", &b, 0, &f) == 0 && f.n == 0);
	CHECK(message(&s, "   \r\n\t", &b, 0, &f) == 0 && f.n == 0);
	CHECK(message(&s, "\n", &b, 0, &f) == 0 && f.n == 0);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(f.n >= 2 && frames_starting(&f, "Error:") == 0);

	/* Text that merely contains JSON later is a question. */
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "judge {\"type\":\"info\"}", &b, 0, &f) == 0);
	CHECK(f.n >= 1 && frames_are_lines(&f) && f.data[0][0] != '{');
	frames_free(&f);
	frames_free(&j);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_json(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	const cJSON *src;
	cJSON *j;
	int i, n;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"c1\",\"text\":\"Who was the judge?\"}", &b, 0,
		      &f) == 0);
	j = only_json(&f);
	CHECK(j != NULL);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "id"), "c1");
	CHECK_STR(member(j, "fact"), "judge");
	CHECK_STR(member(j, "lang"), "en");
	CHECK_STR(member(j, "kb_version"), kb_meta(s.kb, "kb_version"));
	CHECK(number(j, "score") >= 0 && number(j, "score") <= 1);
	n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "sources"));
	CHECK(n >= 1);
	for (i = 0; i < n; i++) {
		src = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "sources"), i);
		CHECK(member(src, "id") && member(src, "title") && member(src, "publisher"));
	}
	CHECK(no_empty_values(j));
	/* The id comes first, as the protocol's example shows. */
	CHECK(j && j->child && strcmp(j->child->string, "id") == 0);
	cJSON_Delete(j);

	/* Without "type", with leading spaces; a Spanish answer asked for. */
	CHECK(message(&s, " \n {\"type\":\"ask\",\"text\":\"Who was the judge?\",\"lang\":\"es\"}",
		      &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "fact"), "judge-es");
	CHECK_STR(member(j, "lang"), "es");
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "id") == NULL); /* none asked, none sent */
	CHECK(no_empty_values(j));
	cJSON_Delete(j);

	/* Asked back: a clarification of its own, its choices likeliest first. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"the judge and the attorney general\"}", &b,
		      0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "clarify");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "choices")) >= 2);
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "suggestions") == NULL);
	cJSON_Delete(j);

	/* Declined: no_answer with suggestions, no sources. */
	CHECK(message(&s,
		      "{\"type\":\"ask\",\"id\":\"c3\",\"text\":\"what is the capital of "
		      "France\"}",
		      &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "no_answer");
	CHECK_STR(member(j, "id"), "c3");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "suggestions")) > 0);
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "sources") == NULL);
	CHECK(member(j, "kb_version") != NULL);
	CHECK(no_empty_values(j));
	cJSON_Delete(j);

	/* Small talk is an answer with a fact starting with '_' and no sources. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"hello\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	CHECK(member(j, "fact") && member(j, "fact")[0] == '_');
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "sources") == NULL);
	CHECK(no_empty_values(j));
	cJSON_Delete(j);

	/* A superseded fact names the later one. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"what did the injunction block\"}", &b, 0,
		      &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	CHECK(member(j, "status") && strcmp(member(j, "status"), "current") != 0);
	{
		const cJSON *later = cJSON_GetObjectItemCaseSensitive(j, "superseded_by");

		CHECK(cJSON_IsObject(later) && member(later, "fact") && member(later, "question"));
	}
	CHECK(no_empty_values(j));
	cJSON_Delete(j);

	/* An id with characters JSON must escape comes back as it was. */
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"a\\\"b\\\\c\\n\",\"text\":\"judge\"}", &b, 0,
		      &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "id"), "a\"b\\c\n");
	cJSON_Delete(j);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

/* Sends msg and returns 1 when the reply is one JSON error with code (and id, when not
 * NULL; absent when NULL). */
static int
json_error(struct service *s, struct bucket *b, const char *msg, const char *code, const char *id)
{
	struct frames f = { 0 };
	cJSON *j;
	int ok;

	if (message(s, msg, b, 0, &f) != 0) {
		frames_free(&f);
		return 0;
	}
	j = only_json(&f);
	ok = j && member(j, "type") && strcmp(member(j, "type"), "error") == 0 &&
	     member(j, "code") && strcmp(member(j, "code"), code) == 0 && member(j, "message") &&
	     no_empty_values(j);
	if (id)
		ok = ok && member(j, "id") && strcmp(member(j, "id"), id) == 0;
	else
		ok = ok && cJSON_GetObjectItemCaseSensitive(j, "id") == NULL;
	if (!ok)
		fprintf(stderr, "  %s: want error %s, got %s\n", msg, code,
			f.n > 0 ? f.data[0] : "nothing");
	cJSON_Delete(j);
	frames_free(&f);
	return ok;
}

static void
test_service_bad_requests(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	char longid[128];

	fixture_config(&cfg);
	cfg.burst = 1000;
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(json_error(&s, &b, "{bad", "bad_json", NULL));
	CHECK(json_error(&s, &b, "{", "bad_json", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\"}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"id\":\"r1\"}", "bad_request", "r1"));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"\"}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"  \\n \"}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":42}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":null}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"nope\"}", "bad_request", NULL));
	/* "type" is required on the websocket (POST /api/ask may leave it out). */
	CHECK(json_error(&s, &b, "{\"id\":\"r0\",\"text\":\"judge\"}", "bad_request", "r0"));
	CHECK(json_error(&s, &b, "{\"type\":\"nope\",\"id\":\"r2\"}", "bad_request", "r2"));
	CHECK(json_error(&s, &b, "{\"type\":7,\"text\":\"judge\"}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\",\"lang\":\"fr\"}",
			 "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\",\"lang\":\"EN\"}",
			 "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\",\"lang\":1}", "bad_request",
			 NULL));
	CHECK(json_error(&s, &b,
			 "{\"type\":\"ask\",\"id\":\"L\",\"text\":\"judge\",\"lang\":\"fr\"}",
			 "bad_request", "L"));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\",\"id\":5}", "bad_request",
			 NULL));
	/* A NUL would cut the question short: "who was" answered as if it were all. */
	CHECK(json_error(&s, &b,
			 "{\"type\":\"ask\",\"id\":\"n\",\"text\":\"who was\\u0000 the judge\"}",
			 "bad_request", "n"));
	memset(longid, 'x', 65);
	longid[65] = '\0';
	{
		char msg[256];

		snprintf(msg, sizeof(msg), "{\"type\":\"ask\",\"text\":\"judge\",\"id\":\"%s\"}",
			 longid);
		CHECK(json_error(&s, &b, msg, "bad_request", NULL));
		longid[64] = '\0'; /* 64 is allowed */
		snprintf(msg, sizeof(msg), "{\"type\":\"ask\",\"text\":\"judge\",\"id\":\"%s\"}",
			 longid);
		{
			struct frames f = { 0 };
			cJSON *j;

			CHECK(message(&s, msg, &b, 0, &f) == 0);
			j = only_json(&f);
			CHECK(member(j, "type") && strcmp(member(j, "type"), "error") != 0);
			CHECK_STR(member(j, "id"), longid);
			cJSON_Delete(j);
			frames_free(&f);
		}
	}
	CHECK(s.metrics.errors[PROTO_BAD_JSON] == 2);
	CHECK(s.metrics.errors[PROTO_BAD_REQUEST] == 17);
	CHECK(s.metrics.questions[OUTCOME_ERROR] == 19);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_info(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	const cJSON *langs;
	cJSON *j;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "{\"type\":\"info\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "info");
	CHECK_STR(member(j, "server"), "rulingd " RULINGBOT_VERSION);
	CHECK_STR(member(j, "kb_version"), kb_meta(s.kb, "kb_version"));
	CHECK(number(j, "facts") > 0);
	CHECK(number(j, "facts") == (double)kb_fact_count(s.kb));
	CHECK(number(j, "sources") > 0);
	CHECK(number(j, "sources") == strtod(kb_meta(s.kb, "sources"), NULL));
	CHECK_STR(member(j, "reviewed"), kb_meta(s.kb, "reviewed"));
	langs = cJSON_GetObjectItemCaseSensitive(j, "languages");
	CHECK(cJSON_GetArraySize(langs) == 2);
	CHECK(no_empty_values(j));
	cJSON_Delete(j);
	CHECK(message(&s, "{\"type\":\"info\",\"id\":\"i1\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "info");
	CHECK_STR(member(j, "id"), "i1");
	cJSON_Delete(j);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

/* Counts the sources of the KB, through kb_each_source. */
static int
count_source(void *ctx, const struct kb_cite *c)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static void
test_service_commands(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char want[256];
	int nsources = 0, i, dashed = 1;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "/help", &b, 0, &f) == 0);
	CHECK(f.n == 3 && frames_are_lines(&f));
	/* How to ask is the knowledge base's to say: the fixture's words. */
	CHECK(f.n >= 1 && strcmp(f.data[0], "Fixture /help: ask about the fixture ruling, one "
					    "question per line.") == 0);
	{
		int about = 0, sources = 0;

		for (i = 0; i < f.n; i++) {
			about |= strstr(f.data[i], "/about") != NULL;
			sources |= strstr(f.data[i], "/sources") != NULL;
		}
		CHECK(about && sources);
	}

	CHECK(message(&s, "/about", &b, 0, &f) == 0);
	CHECK(f.n == 3 && frames_are_lines(&f));
	CHECK(f.n >= 1 && strcmp(f.data[0], "rulingd " RULINGBOT_VERSION) == 0);
	CHECK(f.n >= 2 && strstr(f.data[1], kb_meta(s.kb, "kb_version")) != NULL);
	snprintf(want, sizeof(want),
		 "%ld facts (%s in English, %s in Spanish), %s sources, last "
		 "reviewed %s",
		 kb_fact_count(s.kb), kb_meta(s.kb, "facts_en"), kb_meta(s.kb, "facts_es"),
		 kb_meta(s.kb, "sources"), kb_meta(s.kb, "reviewed"));
	CHECK(f.n >= 2 && strstr(f.data[1], want) != NULL);
	CHECK(f.n >= 3 && strstr(f.data[2], "legal advice") != NULL);

	CHECK(message(&s, "/sources", &b, 0, &f) == 0);
	CHECK(kb_each_source(s.kb, count_source, &nsources) == 0);
	CHECK(nsources > 0 && f.n == nsources);
	CHECK(frames_are_lines(&f));
	for (i = 0; i < f.n; i++)
		dashed &= strstr(f.data[i], " — ") != NULL;
	CHECK(dashed);
	{
		int found = 0;

		for (i = 0; i < f.n; i++)
			found |= strstr(f.data[i], "https://example.org/opinion") != NULL;
		CHECK(found); /* the fixture's ruling, by its URL */
	}

	CHECK(message(&s, "/nope", &b, 0, &f) == 0);
	CHECK(f.n == 1);
	CHECK(f.n == 1 && strcmp(f.data[0], "Unknown command /nope. Try /help.") == 0);
	CHECK(message(&s, "/help me", &b, 0, &f) == 0); /* the whole line is the command */
	CHECK(f.n == 1 && strcmp(f.data[0], "Unknown command /help me. Try /help.") == 0);
	CHECK(message(&s, "  /help  \n", &b, 0, &f) == 0);
	CHECK(f.n >= 2 && frames_starting(&f, "Unknown") == 0);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_rate_limit(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	cJSON *j;
	int i;

	fixture_config(&cfg);
	cfg.burst = 3;
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	/* JSON */
	bucket_init(&b, (double)cfg.burst, SECOND);
	for (i = 0; i < 3; i++) {
		CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"q\",\"text\":\"Who was the judge?\"}",
			      &b, SECOND, &f) == 0);
		j = only_json(&f);
		CHECK_STR(member(j, "type"), "answer");
		cJSON_Delete(j);
	}
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"q4\",\"text\":\"Who was the judge?\"}", &b,
		      SECOND, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "error");
	CHECK_STR(member(j, "code"), "rate_limited");
	CHECK_STR(member(j, "id"), "q4");
	CHECK(number(j, "retry_after_ms") > 0);
	CHECK(number(j, "retry_after_ms") <= 1000.0 / cfg.rate + 1);
	cJSON_Delete(j);
	CHECK(s.metrics.errors[PROTO_RATE_LIMITED] == 1);
	/* After the wait, a question is answered again. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\"}", &b,
		      SECOND + SECOND / 5, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	cJSON_Delete(j);

	/* Text */
	bucket_init(&b, (double)cfg.burst, 0);
	for (i = 0; i < 3; i++) {
		CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
		CHECK(f.n >= 2 && frames_starting(&f, "Error:") == 0);
	}
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(f.n == 1);
	CHECK(f.n == 1 && strncmp(f.data[0], "Error: rate_limited", 19) == 0);
	CHECK(f.n == 1 && strstr(f.data[0], "200") != NULL); /* ms to wait at 5 a second */
	/* Commands count too. */
	CHECK(message(&s, "/help", &b, 0, &f) == 0);
	CHECK(f.n == 1 && strncmp(f.data[0], "Error: rate_limited", 19) == 0);
	CHECK(s.metrics.errors[PROTO_RATE_LIMITED] == 3);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_cache(void)
{
	struct config cfg, nocfg;
	struct service s, nocache;
	struct bucket b;
	struct frames f1 = { 0 }, f2 = { 0 }, g = { 0 };
	static const char *const asks[] = {
		"Who was the judge?",
		"what is the capital of France",
		"¿Quién fue el juez?",
		"{\"type\":\"ask\",\"id\":\"x1\",\"text\":\"Who was the judge?\"}",
		"{\"type\":\"ask\",\"id\":\"x2\",\"text\":\"Who was the judge?\",\"lang\":\"es\"}",
		"{\"type\":\"ask\",\"text\":\"what is the capital of France\"}",
	};
	size_t i;
	double count;

	fixture_config(&cfg);
	cfg.burst = 1000;
	fixture_config(&nocfg);
	nocfg.burst = 1000;
	nocfg.cache_entries = 0;
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		config_free(&nocfg);
		CHECK(!"service_init");
		return;
	}
	if (fixture_start(&nocache, &nocfg) == -1) {
		service_free(&s);
		config_free(&cfg);
		config_free(&nocfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f1) == 0);
	CHECK(s.cache.count == 1);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f2) == 0);
	CHECK(s.cache.count == 1); /* a hit: nothing new stored */
	CHECK(f1.n >= 2 && frames_equal(&f1, &f2));
	CHECK(s.metrics.questions[OUTCOME_ANSWERED] == 2);
	CHECK(s.metrics.latency_count == 2);
	/* The other language wanted is another answer. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\",\"lang\":\"es\"}", &b,
		      0, &f2) == 0);
	CHECK(s.cache.count == 2);
	/* JSON after text: the cached answer gets the request's id. */
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"a\",\"text\":\"Who was the judge?\"}", &b, 0,
		      &f1) == 0);
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"b\",\"text\":\"Who was the judge?\"}", &b, 0,
		      &f2) == 0);
	{
		cJSON *ja = only_json(&f1), *jb = only_json(&f2);

		CHECK_STR(member(ja, "id"), "a");
		CHECK_STR(member(jb, "id"), "b");
		/* Apart from the id, the same bytes. */
		CHECK(f1.n == 1 && f2.n == 1 && f1.len[0] == f2.len[0] && strchr(f1.data[0], ',') &&
		      strchr(f2.data[0], ',') &&
		      strcmp(strchr(f1.data[0], ','), strchr(f2.data[0], ',')) == 0);
		cJSON_Delete(ja);
		cJSON_Delete(jb);
	}
	count = (double)s.metrics.questions[OUTCOME_ANSWERED];
	CHECK(count == 5);
	{
		struct buf m;

		buf_init(&m);
		CHECK(service_metrics(&s, &m) == 0);
		CHECK(m.data && sample(m.data, "rulingd_questions_total", "worker=\"0\"",
				       "outcome=\"answered\"") == count);
		CHECK(m.data && sample(m.data, "rulingd_answer_seconds_count", "worker=\"0\"",
				       NULL) == count);
		buf_free(&m);
	}

	/* Without a cache: the same bytes, twice over. */
	for (i = 0; i < ARRAY_LEN(asks); i++) {
		CHECK(message(&s, asks[i], &b, 0, &f1) == 0);
		CHECK(message(&nocache, asks[i], &b, 0, &f2) == 0);
		CHECK(message(&nocache, asks[i], &b, 0, &g) == 0);
		if (!(f1.n > 0 && frames_equal(&f1, &f2) && frames_equal(&f2, &g)))
			fprintf(stderr, "  \"%s\": cached and uncached replies differ\n", asks[i]);
		CHECK(f1.n > 0 && frames_equal(&f1, &f2) && frames_equal(&f2, &g));
	}
	CHECK(nocache.cache.count == 0);
	CHECK(nocache.metrics.questions[OUTCOME_ANSWERED] == 8);
	CHECK(nocache.metrics.questions[OUTCOME_NO_ANSWER] == 4);
	frames_free(&f1);
	frames_free(&f2);
	frames_free(&g);
	service_free(&nocache);
	service_free(&s);
	config_free(&nocfg);
	config_free(&cfg);
}

/* Returns 1 when service_refuse sends error e as one frame: JSON with the code, or an
 * "Error: code" line. */
static int
refuses(struct service *s, enum proto_error e, int json)
{
	struct frames f = { 0 };
	char prefix[64];
	cJSON *j = NULL;
	int ok;

	ok = service_refuse(s, e, json, collect_frame, &f) == 0 && f.n == 1;
	if (ok && json) {
		j = only_json(&f);
		ok = j && member(j, "type") && strcmp(member(j, "type"), "error") == 0 &&
		     member(j, "code") && strcmp(member(j, "code"), proto_error_name(e)) == 0 &&
		     member(j, "message") && cJSON_GetObjectItemCaseSensitive(j, "id") == NULL &&
		     no_empty_values(j);
	} else if (ok) {
		snprintf(prefix, sizeof(prefix), "Error: %s: ", proto_error_name(e));
		ok = strncmp(f.data[0], prefix, strlen(prefix)) == 0 && f.len[0] > strlen(prefix) &&
		     frames_are_lines(&f);
	}
	if (!ok)
		fprintf(stderr, "  refuse %s (%s): got %s\n", proto_error_name(e),
			json ? "JSON" : "text", f.n ? f.data[0] : "nothing");
	cJSON_Delete(j);
	frames_free(&f);
	return ok;
}

static void
test_service_refuse(void)
{
	struct config cfg;
	struct service s;
	struct frames f = { 0 };
	char want[64];

	fixture_config(&cfg);
	cfg.max_question = 300;
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	CHECK(refuses(&s, PROTO_TOO_LONG, 1));
	CHECK(refuses(&s, PROTO_TOO_LONG, 0));
	CHECK(refuses(&s, PROTO_OVERLOADED, 1));
	CHECK(refuses(&s, PROTO_OVERLOADED, 0));
	CHECK(refuses(&s, PROTO_BAD_REQUEST, 1));
	CHECK(refuses(&s, PROTO_BAD_REQUEST, 0));
	/* The text line names the limit in bytes. */
	CHECK(service_refuse(&s, PROTO_TOO_LONG, 0, collect_frame, &f) == 0);
	snprintf(want, sizeof(want), "%ld bytes", cfg.max_question);
	CHECK(f.n == 1 && strstr(f.data[0], want) != NULL);
	frames_free(&f);
	CHECK(s.metrics.errors[PROTO_TOO_LONG] == 3);
	CHECK(s.metrics.errors[PROTO_OVERLOADED] == 2);
	CHECK(s.metrics.errors[PROTO_BAD_REQUEST] == 2);
	/* A sink that refuses the frame makes the call fail. */
	f.refuse = 1;
	CHECK(service_refuse(&s, PROTO_OVERLOADED, 1, collect_frame, &f) == -1);
	service_free(&s);
	config_free(&cfg);
}

/* Parses an HTTP reply's body; NULL (and a note) when it is not a JSON object. */
static cJSON *
body_json(const struct http_reply *r)
{
	cJSON *j = r->body ? cJSON_Parse(r->body) : NULL;

	if (j == NULL || !cJSON_IsObject(j)) {
		fprintf(stderr, "  HTTP %d body not a JSON object: %s\n", r->status,
			r->body ? r->body : "(null)");
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Returns 1 when r has the status and is an error with code. */
static int
http_error(struct http_reply *r, int status, const char *code)
{
	cJSON *j = body_json(r);
	int ok = r->status == status && j && member(j, "type") &&
		 strcmp(member(j, "type"), "error") == 0 && member(j, "code") &&
		 strcmp(member(j, "code"), code) == 0 && no_empty_values(j);

	if (!ok)
		fprintf(stderr, "  want HTTP %d %s, got %d %s\n", status, code, r->status,
			r->body ? r->body : "(null)");
	cJSON_Delete(j);
	free(r->body);
	r->body = NULL;
	return ok;
}

static void
test_service_http_get(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;
	struct frames f = { 0 };
	char *q;
	cJSON *j;

	fixture_config(&cfg);
	cfg.burst = 1000;
	cfg.max_question = 100;
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	service_http_get(&s, "Who was the judge?", NULL, "h1", &b, 0, &r);
	CHECK(r.status == 200 && r.retry_after == 0);
	j = body_json(&r);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "fact"), "judge");
	CHECK_STR(member(j, "id"), "h1");
	cJSON_Delete(j);
	/* The same bytes as the websocket's JSON reply. */
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"h1\",\"text\":\"Who was the judge?\"}", &b, 0,
		      &f) == 0);
	CHECK(f.n == 1 && r.body && strcmp(f.data[0], r.body) == 0);
	free(r.body);

	service_http_get(&s, "Who was the judge?", "es", NULL, &b, 0, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "fact"), "judge-es");
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "id") == NULL);
	cJSON_Delete(j);
	free(r.body);

	service_http_get(&s, "what is the capital of France", "", NULL, &b, 0, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "type"), "no_answer");
	cJSON_Delete(j);
	free(r.body);

	service_http_get(&s, NULL, NULL, "e1", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "Who was the judge?", "fr", NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "Who was the judge?", NULL,
			 "0123456789012345678901234567890123456789012345678901234567890123456789",
			 &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "judge \xff\xfe", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));

	/* Over max_question: 413; exactly at it: answered. */
	q = malloc((size_t)cfg.max_question + 2);
	if (q) {
		memset(q, 'a', (size_t)cfg.max_question + 1);
		q[cfg.max_question + 1] = '\0';
		service_http_get(&s, q, NULL, "long", &b, 0, &r);
		j = body_json(&r);
		CHECK_STR(member(j, "id"), "long");
		cJSON_Delete(j);
		CHECK(http_error(&r, 413, "too_long"));
		q[cfg.max_question] = '\0';
		service_http_get(&s, q, NULL, NULL, &b, 0, &r);
		CHECK(r.status == 200);
		free(r.body);
		free(q);
	}
	CHECK(s.metrics.errors[PROTO_TOO_LONG] == 1);
	CHECK(s.metrics.errors[PROTO_BAD_REQUEST] == 5);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

/* Calls service_http_post with text copied into a buffer of exactly its length. */
static void
post(struct service *s, const char *text, struct bucket *b, long long now, struct http_reply *r)
{
	size_t len = strlen(text);
	char *copy = malloc(len > 0 ? len : 1);

	memset(r, 0, sizeof(*r));
	if (copy == NULL)
		return;
	memcpy(copy, text, len);
	service_http_post(s, copy, len, b, now, r);
	free(copy);
}

static void
test_service_http_post(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r, g;
	char *body;
	cJSON *j;

	fixture_config(&cfg);
	cfg.burst = 1000;
	cfg.max_question = 100;
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	post(&s, "{\"text\":\"Who was the judge?\",\"id\":\"p1\"}", &b, 0, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "fact"), "judge");
	CHECK_STR(member(j, "id"), "p1");
	cJSON_Delete(j);
	service_http_get(&s, "Who was the judge?", NULL, "p1", &b, 0, &g);
	CHECK(r.body && g.body && strcmp(r.body, g.body) == 0);
	free(g.body);
	free(r.body);

	post(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\",\"lang\":\"es\"}", &b, 0, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "fact"), "judge-es");
	cJSON_Delete(j);
	free(r.body);

	post(&s, "{bad", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_json"));
	post(&s, "Who was the judge?", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_json"));
	post(&s, "", &b, 0, &r);
	CHECK(r.status == 400);
	free(r.body);
	post(&s, "{\"type\":\"ask\"}", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	post(&s, "{\"type\":\"info\"}", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	post(&s, "{\"text\":\"judge\",\"lang\":\"fr\",\"id\":\"p2\"}", &b, 0, &r);
	j = body_json(&r);
	CHECK_STR(member(j, "id"), "p2");
	cJSON_Delete(j);
	CHECK(http_error(&r, 400, "bad_request"));
	post(&s, "{\"text\":\"judge \xff\"}", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));

	body = malloc((size_t)cfg.max_question + 32);
	if (body) {
		int n = snprintf(body, 16, "{\"text\":\"");

		memset(body + n, 'a', (size_t)cfg.max_question + 1);
		strcpy(body + n + cfg.max_question + 1, "\"}");
		post(&s, body, &b, 0, &r);
		CHECK(http_error(&r, 413, "too_long"));
		free(body);
	}
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_http_rate_limit(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;
	cJSON *j;
	int i;

	fixture_config(&cfg);
	cfg.burst = 3;
	cfg.rate = 0.4; /* a token every 2.5 s */
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 3, 0);
	for (i = 0; i < 3; i++) {
		service_http_get(&s, "Who was the judge?", NULL, NULL, &b, 0, &r);
		CHECK(r.status == 200);
		free(r.body);
	}
	service_http_get(&s, "Who was the judge?", NULL, "late", &b, 0, &r);
	CHECK(r.status == 429);
	CHECK(r.retry_after > 0);
	j = body_json(&r);
	CHECK_STR(member(j, "type"), "error");
	CHECK_STR(member(j, "code"), "rate_limited");
	CHECK_STR(member(j, "id"), "late");
	CHECK(number(j, "retry_after_ms") > 0);
	/* Retry-After is the wait rounded up to whole seconds. */
	CHECK(r.retry_after * 1000 >= number(j, "retry_after_ms") &&
	      (r.retry_after - 1) * 1000 < number(j, "retry_after_ms"));
	CHECK(r.retry_after == 3);
	cJSON_Delete(j);
	free(r.body);
	post(&s, "{\"text\":\"Who was the judge?\"}", &b, 0, &r);
	CHECK(http_error(&r, 429, "rate_limited"));
	service_http_get(&s, "Who was the judge?", NULL, NULL, &b, 2 * SECOND, &r);
	CHECK(r.status == 429 && r.retry_after == 1); /* 500 ms to go: rounded up */
	free(r.body);
	service_http_get(&s, "Who was the judge?", NULL, NULL, &b, 2 * SECOND + SECOND / 2, &r);
	CHECK(r.status == 200 && r.retry_after == 0);
	free(r.body);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_health_and_no_kb(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;
	struct frames f = { 0 };
	cJSON *j;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	service_health(&s, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "status"), "ok");
	CHECK_STR(member(j, "kb_version"), kb_meta(s.kb, "kb_version"));
	CHECK(number(j, "facts") > 0 && number(j, "facts") == (double)kb_fact_count(s.kb));
	CHECK(s.metrics.kb_facts == kb_fact_count(s.kb));
	CHECK(service_ready(&s));
	cJSON_Delete(j);
	free(r.body);
	service_free(&s);

	/* No knowledge base: the service starts, health says so, questions get internal. */
	free(cfg.kb_path);
	cfg.kb_path = strdup("/nonexistent/kb.sqlite");
	CHECK(fixture_start(&s, &cfg) == 0);
	CHECK(s.kb == NULL);
	CHECK(!service_ready(&s)); /* net.c does not listen then */
	service_health(&s, &r);
	CHECK(r.status == 503);
	j = body_json(&r);
	CHECK_STR(member(j, "status"), "no_kb");
	cJSON_Delete(j);
	free(r.body);
	bucket_init(&b, 20, 0);
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"id\":\"n1\",\"text\":\"Who was the judge?\"}",
			 "internal", "n1"));
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(f.n == 1 && strncmp(f.data[0], "Error: internal", 15) == 0);
	service_http_get(&s, "Who was the judge?", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 500, "internal"));
	/* Once the file is there, a reload brings it in. */
	free(cfg.kb_path);
	cfg.kb_path = strdup(fixture_kb);
	CHECK(service_reload(&s) == 0);
	CHECK(s.kb != NULL);
	service_health(&s, &r);
	CHECK(r.status == 200);
	free(r.body);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(frames_starting(&f, "Source: ") == 1);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_reload(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char garbage[PATH_MAX];
	const char *version;
	long facts;
	cJSON *j;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(s.cache.count == 1);
	facts = s.metrics.kb_facts;
	CHECK(service_reload(&s) == 0);
	CHECK(s.metrics.reloads_ok == 1 && s.metrics.reloads_failed == 0);
	CHECK(s.cache.count == 0); /* emptied */
	CHECK(s.metrics.kb_facts == facts);
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "fact"), "judge");
	cJSON_Delete(j);

	path_in(garbage, tmpdir, "garbage.sqlite");
	CHECK(write_file(garbage, "this is not a database, just some bytes\n") == 0);
	free(cfg.kb_path);
	cfg.kb_path = strdup(garbage);
	version = kb_meta(s.kb, "kb_version");
	CHECK(service_reload(&s) == -1);
	CHECK(s.metrics.reloads_ok == 1 && s.metrics.reloads_failed == 1);
	CHECK(s.kb != NULL && s.metrics.kb_facts == facts);
	CHECK_STR(kb_meta(s.kb, "kb_version"), version);
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "fact"), "judge");
	cJSON_Delete(j);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(frames_starting(&f, "Source: ") == 1);
	/* A missing file fails the same way. */
	free(cfg.kb_path);
	snprintf(garbage + strlen(garbage), sizeof(garbage) - strlen(garbage), ".missing");
	cfg.kb_path = strdup(garbage);
	CHECK(service_reload(&s) == -1);
	CHECK(s.metrics.reloads_failed == 2 && s.kb != NULL);
	{
		struct buf m;

		buf_init(&m);
		CHECK(service_metrics(&s, &m) == 0);
		CHECK(m.data &&
		      sample(m.data, "rulingd_reloads_total", NULL, "result=\"ok\"") == 1);
		CHECK(m.data &&
		      sample(m.data, "rulingd_reloads_total", NULL, "result=\"failed\"") == 2);
		buf_free(&m);
	}
	path_in(garbage, tmpdir, "garbage.sqlite");
	unlink(garbage);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_unanswered(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char path[PATH_MAX], text[4096], *tab, *nl;
	long n;

	path_in(path, tmpdir, "unanswered.txt");
	unlink(path);
	fixture_config(&cfg);
	cfg.unanswered = strdup(path);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(frames_starting(&f, "Source: ") == 1);
	CHECK(slurp(path, text, sizeof(text)) == 0); /* made, and empty */

	CHECK(message(&s, "what is the capital of France", &b, 0, &f) == 0);
	CHECK(frames_starting(&f, "Try: ") >= 1);
	n = slurp(path, text, sizeof(text));
	CHECK(n > 0 && text[n - 1] == '\n');
	tab = strchr(text, '\t');
	nl = strchr(text, '\n');
	CHECK(tab != NULL && nl != NULL && tab < nl && tab > text);
	CHECK(nl && nl[1] == '\0'); /* one line */
	CHECK(tab && strcmp(tab + 1, "what is the capital of France\n") == 0);

	/* Answered questions and small talk are not written. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"When was the ruling?\"}", &b, 0, &f) == 0);
	CHECK(message(&s, "¿Quién fue el juez?", &b, 0, &f) == 0);
	CHECK(slurp(path, text, sizeof(text)) == n);

	/* A declined JSON question with a line break stays on one line. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"capital of\\nFrance\\r\"}", &b, 0, &f) ==
	      0);
	CHECK(slurp(path, text, sizeof(text)) > n);
	nl = strchr(text, '\n');
	CHECK(nl && strchr(nl + 1, '\n') && strchr(strchr(nl + 1, '\n') + 1, '\n') == NULL);
	CHECK(nl && strchr(nl + 1, '\t') &&
	      strncmp(strchr(nl + 1, '\t') + 1, "capital of France", 17) == 0);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
	unlink(path);

	/* A file that cannot be opened for appending is an error. */
	fixture_config(&cfg);
	cfg.unanswered = strdup("/nonexistent/dir/unanswered.txt");
	text[0] = '\0';
	CHECK(service_init(&s, &cfg, 0, text, sizeof(text)) == -1);
	CHECK(text[0] != '\0');
	config_free(&cfg);
}

static void
test_service_sink_refuses(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	f.refuse = 1;
	CHECK(service_message(&s, "Who was the judge?", 18, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "{\"type\":\"ask\",\"text\":\"judge\"}", 29, &b, 0, collect_frame,
			      &f) == -1);
	CHECK(service_message(&s, "/sources", 8, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "/help", 5, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "{\"type\":\"info\"}", 15, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "{bad", 4, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "", 0, &b, 0, collect_frame, &f) == 0); /* nothing to send */
	CHECK(f.n == 0);
	service_free(&s);
	config_free(&cfg);
}

/* ---------------------------------------------------------------- contract */

/* What docs/protocol.md promises and the tests above do not already hold: each test
 * here is one promise, so a failure names it (test_config.c holds the settings'). */

/* "bad_json: the message begins with { but is not valid JSON": an object followed by
 * more bytes is not valid JSON. */
static void
test_contract_trailing_bytes_are_bad_json(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 20, 0);
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\"} trailing", "bad_json",
			 NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"info\"}{\"type\":\"info\"}", "bad_json", NULL));
	post(&s, "{\"text\":\"judge\"}x", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_json"));
	service_free(&s);
	config_free(&cfg);
}

/* "id (optional, a string of at most 64 characters)": 64 "é" (128 bytes) is such an id. */
static void
test_contract_id_length_in_characters(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char msg[512], id[160];
	cJSON *j;
	int k;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 20, 0);
	for (k = 0; k < 64; k++)
		memcpy(id + 2 * k, "\xc3\xa9", 2);
	id[128] = '\0';
	snprintf(msg, sizeof(msg), "{\"type\":\"ask\",\"id\":\"%s\",\"text\":\"judge\"}", id);
	CHECK(message(&s, msg, &b, 0, &f) == 0);
	j = only_json(&f);
	if (!(member(j, "id") && strcmp(member(j, "id"), id) == 0))
		fprintf(stderr, "  an id of 64 characters (128 bytes): got %s\n",
			f.n ? f.data[0] : "nothing");
	CHECK(member(j, "id") && strcmp(member(j, "id"), id) == 0);
	CHECK(member(j, "type") && strcmp(member(j, "type"), "answer") == 0);
	cJSON_Delete(j);
	/* 65 characters is too long. */
	snprintf(msg, sizeof(msg), "{\"type\":\"ask\",\"id\":\"%s\xc3\xa9\",\"text\":\"judge\"}",
		 id);
	CHECK(json_error(&s, &b, msg, "bad_request", NULL));
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

/* GET /api/ask gives "the same JSON object as the websocket ask": a blank question is
 * bad_request there ({"text":"   "}), so it is here. */
static void
test_contract_http_blank_question(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 20, 0);
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"   \"}", "bad_request", NULL));
	service_http_get(&s, "   ", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "\t\r\n", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_free(&s);
	config_free(&cfg);
}

/* /about: "Knowledge base: <kb_version>, <N> facts (<en> in English, <es> in Spanish),
 * <M> sources, last reviewed <YYYY-MM-DD>". */
static void
test_contract_about_line(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char want[256];

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "/about", &b, 0, &f) == 0);
	snprintf(want, sizeof(want),
		 "Knowledge base: %s, %ld facts (%s in English, %s in Spanish), %s sources, last "
		 "reviewed %s",
		 kb_meta(s.kb, "kb_version"), kb_fact_count(s.kb), kb_meta(s.kb, "facts_en"),
		 kb_meta(s.kb, "facts_es"), kb_meta(s.kb, "sources"), kb_meta(s.kb, "reviewed"));
	if (f.n < 2 || strncmp(f.data[1], want, strlen(want)) != 0)
		fprintf(stderr, "  /about: want \"%s\", got \"%s\"\n", want,
			f.n >= 2 ? f.data[1] : "nothing");
	CHECK(f.n >= 2 && strncmp(f.data[1], want, strlen(want)) == 0);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

int
main(int argc, char **argv)
{
	if (fixture_find("test_service", argc, argv) == -1 || tmpdir_make("test_service") == -1)
		return 1;
	log_init("test_service", LOG_LEVEL_ERR);
	RUN(test_service_text);
	RUN(test_service_json);
	RUN(test_service_bad_requests);
	RUN(test_service_info);
	RUN(test_service_commands);
	RUN(test_service_rate_limit);
	RUN(test_service_cache);
	RUN(test_service_refuse);
	RUN(test_service_http_get);
	RUN(test_service_http_post);
	RUN(test_service_http_rate_limit);
	RUN(test_service_health_and_no_kb);
	RUN(test_service_reload);
	RUN(test_service_unanswered);
	RUN(test_service_sink_refuses);
	RUN(test_contract_trailing_bytes_are_bad_json);
	RUN(test_contract_id_length_in_characters);
	RUN(test_contract_http_blank_question);
	RUN(test_contract_about_line);
	tmpdir_remove("test_service");
	HARNESS_END();
}
