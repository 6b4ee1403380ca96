/* SPDX-License-Identifier: MIT */
/*
 * test_members.c -- the fact members kept per answer (daemon/server/members.c): rendered
 * once and kept, keyed by the reader's language too, never kept for small talk, and spliced
 * into the same bytes as proto_answer_json, on the fixture knowledge base
 * ($BUILD/test/fixture.sqlite, given as the first argument).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "log.h"
#include "members.h"
#include "proto.h"
#include "server_fixture.h"
#include "service.h"

/* Asks s's knowledge base q (lang: the reader's language, or NULL). */
static struct answer
ask_kb(struct service *s, const char *q, const char *lang)
{
	struct answer a;
	char err[256];

	if (match_question(s->kb, &s->opts, q, strlen(q), lang, &a, err, sizeof(err)) == -1)
		fprintf(stderr, "  match_question(\"%s\"): %s\n", q, err);
	return a;
}

/* Returns 1 when m gives a's members as proto_fact_members renders them. */
static int
members_right(struct members *m, const struct answer *a, const char **got)
{
	char *want = proto_fact_members(a, "v1");
	int ok;

	*got = members_of(m, a, "v1");
	ok = want != NULL && *got != NULL && strcmp(want, *got) == 0;
	free(want);
	return ok;
}

/* Returns 1 when every score from 0 to 1 in hundredths (and a few beyond) is written as
 * cJSON writes the number itself. */
static int
scores_as_cjson_writes(struct answer *a)
{
	char *json, *want, *at;
	cJSON *n;
	int h, ok = 1;

	for (h = -3; h <= 103 && ok; h++) {
		a->score = h / 100.0 + (h % 7) * 1e-4; /* not quite round, as scores come */
		json = proto_fact_json(a, NULL, "");
		n = cJSON_CreateNumber(round(a->score * 100) / 100);
		want = n ? cJSON_PrintUnformatted(n) : NULL;
		at = json ? strstr(json, "\"score\":") : NULL;
		ok = want && at && strncmp(at + 8, want, strlen(want)) == 0 &&
		     at[8 + strlen(want)] == ',';
		if (!ok)
			fprintf(stderr, "  score %d/100: %s, cJSON writes %s\n", h, json, want);
		free(json);
		free(want);
		cJSON_Delete(n);
	}
	return ok;
}

static void
test_members(void)
{
	struct config cfg;
	struct service s;
	struct members m;
	struct answer judge, other, chat, none, bare;
	const char *first, *again, *es, *full, *talk;
	char *json, *whole;
	cJSON *j;

	fixture_config(&cfg);
	if (fixture_start(&s, &cfg) == -1 || members_init(&m, 2) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	judge = ask_kb(&s, "Who was the judge?", NULL);
	other = ask_kb(&s, "When was the ruling?", NULL);
	chat = ask_kb(&s, "hello", NULL);
	none = ask_kb(&s, "what is the capital of France", NULL);
	CHECK(judge.type == ANSWER_FACT && other.type == ANSWER_FACT &&
	      strcmp(judge.fact, other.fact) != 0);
	CHECK(chat.type == ANSWER_CHAT && none.type == ANSWER_NONE);

	/* Rendered once, then kept: the same string. */
	CHECK(members_right(&m, &judge, &first) && m.count == 1);
	CHECK(members_right(&m, &judge, &again) && again == first && m.count == 1);
	CHECK(strstr(first, "\"sources\":[") != NULL && strstr(first, "\"kb_version\":\"v1\""));
	/* The reader's language is part of the key: the related questions follow it. */
	judge.wanted = judge.wanted == LANG_EN ? LANG_ES : LANG_EN;
	CHECK(members_right(&m, &judge, &es) && es != first && m.count == 2);
	/* Full: rendered each time, right all the same; kept ones stay. */
	CHECK(members_right(&m, &other, &full) && m.count == 2);
	judge.wanted = judge.wanted == LANG_EN ? LANG_ES : LANG_EN;
	CHECK(members_right(&m, &judge, &again) && again == first);
	/* A chat reply is never kept: its links depend on more than its id. */
	members_clear(&m);
	CHECK(m.count == 0);
	CHECK(members_right(&m, &chat, &talk) && m.count == 0);
	CHECK(members_right(&m, &judge, &first) && m.count == 1);

	/* Spliced, the members give proto_answer_json's bytes, with or without an id. */
	json = proto_fact_json(&judge, "c1", first);
	whole = proto_answer_json(&judge, "c1", "v1");
	CHECK(json && whole && strcmp(json, whole) == 0);
	CHECK(json && strncmp(json, "{\"id\":\"c1\",\"type\":\"answer\",", 27) == 0);
	free(json);
	free(whole);
	/* An answer with no fact members at all still makes a whole object. */
	memset(&bare, 0, sizeof(bare));
	bare.type = ANSWER_CHAT;
	bare.text = "hi";
	json = proto_fact_json(&bare, NULL, "");
	j = json ? cJSON_Parse(json) : NULL;
	CHECK(j != NULL && cJSON_GetObjectItem(j, "kb_version") == NULL);
	CHECK(json &&
	      strcmp(json, "{\"type\":\"answer\",\"text\":\"hi\",\"score\":0,\"lang\":\"en\"}") ==
		      0);
	cJSON_Delete(j);
	free(json);
	CHECK(scores_as_cjson_writes(&bare));

	answer_free(&judge);
	answer_free(&other);
	answer_free(&chat);
	answer_free(&none);
	members_free(&m);
	service_free(&s);
	config_free(&cfg);
}

int
main(int argc, char **argv)
{
	if (fixture_find("test_members", argc, argv) == -1)
		return 1;
	log_init("test_members", LOG_LEVEL_ERR);
	RUN(test_members);
	HARNESS_END();
}
