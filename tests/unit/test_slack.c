/* SPDX-License-Identifier: MIT */
/*
 * test_slack.c -- the Slack bridge's pure parts: which events are questions, how a
 * question's text is cleaned, how replies are written in mrkdwn, and request signatures.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "harness.h"
#include "mrkdwn.h"
#include "signature.h"

static const struct slack_identity me = { "UBOT", "BBOT" };

/* Reads an event_callback around the event JSON ev; returns the verdict. */
static enum event_verdict
verdict_of(const char *ev, struct slack_event *e)
{
	char text[2048];
	cJSON *payload;
	enum event_verdict v;

	snprintf(text, sizeof(text),
		 "{\"type\":\"event_callback\",\"event_id\":\"Ev1\",\"event\":%s}", ev);
	payload = cJSON_Parse(text);
	CHECK(payload != NULL);
	v = slack_event_read(payload, &me, e);
	/* The pointers into the payload are checked by the callers before this frees it. */
	if (e->channel != NULL)
		e->channel = strcmp(e->channel, "C1") == 0 ? "C1" : "D1";
	if (e->thread_ts != NULL)
		e->thread_ts = strcmp(e->thread_ts, "1.000100") == 0 ? "1.000100" : "other";
	e->ts = e->event_id = NULL;
	cJSON_Delete(payload);
	return v;
}

static void
test_mentions_and_direct_messages_are_questions(void)
{
	struct slack_event e;

	CHECK(verdict_of("{\"type\":\"app_mention\",\"user\":\"U2\",\"text\":\"<@UBOT> who was "
			 "the judge?\",\"ts\":\"1.000100\",\"channel\":\"C1\"}",
			 &e) == EVENT_ASK);
	CHECK_STR(e.text, "who was the judge?");
	CHECK_STR(e.channel, "C1");
	CHECK_STR(e.thread_ts, "1.000100"); /* a channel's answer starts a thread */
	slack_event_clear(&e);
	CHECK(verdict_of("{\"type\":\"message\",\"channel_type\":\"im\",\"user\":\"U2\",\"text\":"
			 "\"who was the judge?\",\"ts\":\"1.000100\",\"channel\":\"D1\"}",
			 &e) == EVENT_ASK);
	CHECK(e.thread_ts == NULL); /* a direct message is answered in the conversation */
	slack_event_clear(&e);
	CHECK(verdict_of("{\"type\":\"message\",\"channel_type\":\"im\",\"user\":\"U2\",\"text\":"
			 "\"and then?\",\"ts\":\"1.000200\",\"thread_ts\":\"1.000100\","
			 "\"channel\":\"D1\"}",
			 &e) == EVENT_ASK);
	CHECK_STR(e.thread_ts, "1.000100");
	slack_event_clear(&e);
	CHECK(verdict_of("{\"type\":\"app_mention\",\"user\":\"U2\",\"text\":\" <@UBOT> \","
			 "\"ts\":\"1.000100\",\"channel\":\"C1\"}",
			 &e) == EVENT_HELP);
	slack_event_clear(&e);
}

/* A message sent with a file carries subtype file_share; its text is the question. */
static void
test_messages_with_files_are_questions(void)
{
	struct slack_event e;

	CHECK(verdict_of("{\"type\":\"message\",\"subtype\":\"file_share\",\"text\":"
			 "\"who was the judge?\",\"files\":[{\"id\":\"F1\"}],\"upload\":true,"
			 "\"user\":\"U2\",\"display_as_bot\":false,\"ts\":\"1.000100\","
			 "\"channel\":\"D1\",\"channel_type\":\"im\"}",
			 &e) == EVENT_ASK);
	CHECK_STR(e.text, "who was the judge?");
	CHECK(e.thread_ts == NULL);
	slack_event_clear(&e);
	CHECK(verdict_of("{\"type\":\"message\",\"subtype\":\"file_share\",\"text\":\"\","
			 "\"files\":[{\"id\":\"F1\"}],\"user\":\"U2\",\"ts\":\"1.000100\","
			 "\"channel\":\"D1\",\"channel_type\":\"im\"}",
			 &e) == EVENT_HELP);
	slack_event_clear(&e);
}

static void
test_bots_edits_and_others_are_ignored(void)
{
	static const char *const ignored[] = {
		/* the bot's own message */
		"{\"type\":\"message\",\"channel_type\":\"im\",\"user\":\"UBOT\",\"text\":\"x\","
		"\"ts\":\"1.1\",\"channel\":\"D1\"}",
		/* another bot */
		"{\"type\":\"message\",\"subtype\":\"bot_message\",\"bot_id\":\"B9\","
		"\"channel_type\":\"im\",\"text\":\"x\",\"ts\":\"1.1\",\"channel\":\"D1\"}",
		"{\"type\":\"app_mention\",\"bot_id\":\"B9\",\"user\":\"U9\",\"text\":\"<@UBOT> "
		"x\","
		"\"ts\":\"1.1\",\"channel\":\"C1\"}",
		/* an edit, a deletion, a join */
		"{\"type\":\"message\",\"subtype\":\"message_changed\",\"channel_type\":\"im\","
		"\"channel\":\"D1\",\"ts\":\"1.2\",\"message\":{\"user\":\"U2\",\"text\":\"x\"}}",
		"{\"type\":\"message\",\"subtype\":\"message_deleted\",\"channel_type\":\"im\","
		"\"channel\":\"D1\",\"ts\":\"1.2\",\"hidden\":true}",
		"{\"type\":\"message\",\"subtype\":\"channel_join\",\"user\":\"U2\",\"text\":\"x\","
		"\"channel\":\"C1\",\"ts\":\"1.2\"}",
		/* other subtypes by people, and files from bots or in channels unmentioned */
		"{\"type\":\"message\",\"subtype\":\"me_message\",\"channel_type\":\"im\","
		"\"user\":\"U2\",\"text\":\"x\",\"channel\":\"D1\",\"ts\":\"1.2\"}",
		"{\"type\":\"message\",\"subtype\":\"thread_broadcast\",\"channel_type\":\"im\","
		"\"user\":\"U2\",\"text\":\"x\",\"channel\":\"D1\",\"ts\":\"1.2\"}",
		"{\"type\":\"message\",\"subtype\":\"file_share\",\"bot_id\":\"B9\","
		"\"channel_type\":\"im\",\"user\":\"U9\",\"text\":\"x\",\"channel\":\"D1\","
		"\"ts\":\"1.2\"}",
		"{\"type\":\"message\",\"subtype\":\"file_share\",\"channel_type\":\"im\","
		"\"user\":\"UBOT\",\"text\":\"x\",\"channel\":\"D1\",\"ts\":\"1.2\"}",
		"{\"type\":\"message\",\"subtype\":\"file_share\",\"channel_type\":\"channel\","
		"\"user\":\"U2\",\"text\":\"x\",\"channel\":\"C1\",\"ts\":\"1.2\"}",
		/* hidden; a plain channel message; another event type; no user */
		"{\"type\":\"message\",\"hidden\":true,\"channel_type\":\"im\",\"user\":\"U2\","
		"\"text\":\"x\",\"ts\":\"1.1\",\"channel\":\"D1\"}",
		"{\"type\":\"message\",\"channel_type\":\"channel\",\"user\":\"U2\",\"text\":"
		"\"<@UBOT> x\",\"ts\":\"1.1\",\"channel\":\"C1\"}",
		"{\"type\":\"reaction_added\",\"user\":\"U2\"}",
		"{\"type\":\"app_mention\",\"text\":\"<@UBOT> "
		"x\",\"ts\":\"1.1\",\"channel\":\"C1\"}",
	};
	struct slack_event e;
	size_t i;

	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		if (verdict_of(ignored[i], &e) != EVENT_IGNORE)
			fprintf(stderr, "not ignored: %s\n", ignored[i]);
		CHECK(e.verdict == EVENT_IGNORE && e.why != NULL);
		slack_event_clear(&e);
	}
}

static void
test_question_text_is_cleaned(void)
{
	char *s;

	s = slack_question_text("<@UBOT> is A &amp; B &lt;b&gt; legal?", "UBOT");
	CHECK_STR(s, "is A & B <b> legal?");
	free(s);
	/* Mentions of the bot anywhere, with or without a name; other mentions stay. */
	s = slack_question_text("who ruled <@UBOT|rulingbot>? cc <@U2>", "UBOT");
	CHECK_STR(s, "who ruled  ? cc <@U2>");
	free(s);
	s = slack_question_text("<@UBOTX> hi", "UBOT");
	CHECK_STR(s, "<@UBOTX> hi");
	free(s);
	s = slack_question_text("&amp;lt; stays one level", "UBOT");
	CHECK_STR(s, "&lt; stays one level");
	free(s);
}

static char *
reply_for(enum rreply_kind kind, const char *json)
{
	cJSON *j = json != NULL ? cJSON_Parse(json) : NULL;
	struct rreply r = { kind, j, kind == RREPLY_ERROR ? "too_long" : NULL };
	char *text = mrkdwn_reply(&r);

	cJSON_Delete(j);
	return text;
}

static void
test_answers_are_written_in_escaped_mrkdwn(void)
{
	char *s = reply_for(
		RREPLY_ANSWER,
		"{\"type\":\"answer\",\"text\":\"A <b> & c\",\"lang\":\"en\",\"sources\":["
		"{\"title\":\"Opinion | Order\",\"publisher\":\"N.D. "
		"Ill.\",\"date\":\"2017-09-15\","
		"\"url\":\"https://example.org/a?x=1&y=2\",\"pinpoint\":\"p. 3\","
		"\"citation\":\"264 F. Supp. 3d 933\"},"
		"{\"title\":\"No link\",\"publisher\":\"P\",\"date\":\"2018-04\","
		"\"url\":\"javascript:alert(1)\"}],"
		"\"related\":[{\"question\":\"When?\"},{\"question\":\"Who <x>?\"}]}");

	CHECK_STR(s, "A &lt;b&gt; &amp; c\n\n*Sources*\n"
		     "• <https://example.org/a?x=1&amp;y=2|Opinion / Order> — N.D. Ill., "
		     "September 15, 2017, p. 3 — 264 F. Supp. 3d 933\n"
		     "• No link — P, April 2018\n\n"
		     "_Related:_ When? · Who &lt;x&gt;?");
	free(s);
	s = reply_for(RREPLY_ANSWER, "{\"type\":\"answer\",\"text\":\"Hola.\",\"lang\":\"es\","
				     "\"sources\":[{\"title\":\"T\",\"publisher\":\"P\","
				     "\"date\":\"2017-09-15\"}]}");
	CHECK_STR(s, "Hola.\n\n*Fuentes*\n• T — P, 15 de septiembre de 2017");
	free(s);
	s = reply_for(RREPLY_ANSWER,
		      "{\"type\":\"answer\",\"text\":\"Hello!\",\"fact\":\"_greeting\"}");
	CHECK_STR(s, "Hello!");
	free(s);
}

static void
test_declines_errors_and_timeouts_are_said(void)
{
	char *s = reply_for(RREPLY_NO_ANSWER,
			    "{\"type\":\"no_answer\",\"text\":\"I don't know.\",\"lang\":\"en\","
			    "\"suggestions\":[{\"question\":\"Who was the judge?\"},"
			    "{\"question\":\"When?\"}]}");

	CHECK_STR(s, "I don't know.\n\n_Try asking:_\n• Who was the judge?\n• When?");
	free(s);
	/* Asked back: the choices numbered under the text, which is their only heading. */
	s = reply_for(RREPLY_CLARIFY, "{\"type\":\"clarify\",\"text\":\"Did you mean?\","
				      "\"choices\":[{\"question\":\"Who was the judge?\"},"
				      "{\"question\":\"Who <x>?\"}]}");
	CHECK_STR(s, "Did you mean?\n\n1. Who was the judge?\n2. Who &lt;x&gt;?");
	free(s);
	s = reply_for(RREPLY_TIMEOUT, NULL);
	CHECK(s != NULL && strncmp(s, "Sorry, I could not get an answer", 32) == 0);
	free(s);
	s = reply_for(RREPLY_ERROR, "{\"type\":\"error\",\"code\":\"too_long\"}");
	CHECK(s != NULL && strstr(s, "too long") != NULL);
	free(s);
	s = mrkdwn_help("UBOT");
	CHECK(s != NULL && strncmp(s, "Ask me about *City of Chicago v. Sessions*", 42) == 0);
	CHECK(s != NULL && strstr(s, "<@UBOT> who was the judge?") != NULL);
	free(s);
}

static void
test_signatures_are_checked(void)
{
	const char *body = "{\"type\":\"event_callback\"}";
	char sig[128], why[128];
	long long now = 1700000000;

	CHECK(slack_signature_make("secret", "1700000000", body, strlen(body), sig, sizeof(sig)) ==
	      0);
	CHECK(strncmp(sig, "v0=", 3) == 0 && strlen(sig) == 67);
	CHECK(slack_signature_ok("secret", "1700000000", sig, body, strlen(body), now, why,
				 sizeof(why)) == 1);
	/* Within the window either way; outside it, refused. */
	CHECK(slack_signature_ok("secret", "1700000000", sig, body, strlen(body), now + 300, why,
				 sizeof(why)) == 1);
	CHECK(slack_signature_ok("secret", "1700000000", sig, body, strlen(body), now + 301, why,
				 sizeof(why)) == 0);
	CHECK(strstr(why, "timestamp") != NULL);
	/* Another secret, body, timestamp or a changed signature: refused. */
	CHECK(slack_signature_ok("Secret", "1700000000", sig, body, strlen(body), now, why,
				 sizeof(why)) == 0);
	CHECK(slack_signature_ok("secret", "1700000000", sig, body, strlen(body) - 1, now, why,
				 sizeof(why)) == 0);
	CHECK(slack_signature_ok("secret", "1700000001", sig, body, strlen(body), now, why,
				 sizeof(why)) == 0);
	sig[10] = sig[10] == 'a' ? 'b' : 'a';
	CHECK(slack_signature_ok("secret", "1700000000", sig, body, strlen(body), now, why,
				 sizeof(why)) == 0);
	CHECK(slack_signature_ok("secret", NULL, sig, body, strlen(body), now, why, sizeof(why)) ==
	      0);
	CHECK(slack_signature_ok("secret", "1700000000", NULL, body, strlen(body), now, why,
				 sizeof(why)) == 0);
	CHECK(slack_signature_ok("secret", "17e8", "v0=00", body, strlen(body), now, why,
				 sizeof(why)) == 0);
}

int
main(void)
{
	RUN(test_mentions_and_direct_messages_are_questions);
	RUN(test_messages_with_files_are_questions);
	RUN(test_bots_edits_and_others_are_ignored);
	RUN(test_question_text_is_cleaned);
	RUN(test_answers_are_written_in_escaped_mrkdwn);
	RUN(test_declines_errors_and_timeouts_are_said);
	RUN(test_signatures_are_checked);
	HARNESS_END();
}
