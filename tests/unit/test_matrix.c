/* SPDX-License-Identifier: MIT */
/*
 * test_matrix.c -- the Matrix bridge's pure parts: which events are questions and whether
 * they name the bot, how a question's text is cleaned, how /sync replies are read
 * (hostile ones included), how replies are written, the state file, the member counts,
 * and URLs.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "harness.h"
#include "mxapi.h"
#include "notice.h"
#include "rooms.h"
#include "state.h"
#include "sync.h"

static const struct mx_me me = { "@rulingbot:example.org", "rulingbot", "RulingBot" };

/* Reads the event JSON ev; returns its kind, with m filled (clear it). */
static enum mx_kind
kind_of(const char *ev, struct mx_message *m)
{
	cJSON *e = cJSON_Parse(ev);
	enum mx_kind k;

	CHECK(e != NULL);
	k = events_read(e, &me, m);
	/* The pointers into the event are not used after it is freed. */
	m->event_id = m->sender = m->thread_root = m->why = NULL;
	cJSON_Delete(e);
	return k;
}

#define MSG(content)                                                                               \
	"{\"type\":\"m.room.message\",\"event_id\":\"$e1\",\"sender\":\"@alice:example.org\","     \
	"\"origin_server_ts\":1700000000000,\"content\":" content "}"

static void
test_text_messages_are_questions(void)
{
	struct mx_message m;

	CHECK(kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"who was the judge?\"}"), &m) ==
	      MX_QUESTION);
	CHECK_STR(m.text, "who was the judge?");
	CHECK(!m.mentioned);
	events_clear(&m);
	CHECK(kind_of("{\"type\":\"m.room.encrypted\",\"event_id\":\"$e2\",\"sender\":\"@a:b\","
		      "\"content\":{\"algorithm\":\"m.megolm.v1.aes-sha2\"}}",
		      &m) == MX_ENCRYPTED);
	events_clear(&m);
}

static void
test_notices_own_messages_and_edits_are_skipped(void)
{
	struct mx_message m;

	CHECK(kind_of(MSG("{\"msgtype\":\"m.notice\",\"body\":\"who was the judge?\"}"), &m) ==
	      MX_SKIP);
	CHECK(kind_of(MSG("{\"msgtype\":\"m.emote\",\"body\":\"waves\"}"), &m) == MX_SKIP);
	CHECK(kind_of("{\"type\":\"m.room.message\",\"event_id\":\"$e\",\"sender\":"
		      "\"@rulingbot:example.org\",\"content\":{\"msgtype\":\"m.text\",\"body\":"
		      "\"x\"}}",
		      &m) == MX_SKIP);
	CHECK(kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"* who\",\"m.new_content\":{},"
			  "\"m.relates_to\":{\"rel_type\":\"m.replace\",\"event_id\":\"$e0\"}}"),
		      &m) == MX_SKIP);
	CHECK(kind_of(MSG("{\"msgtype\":\"m.text\"}"), &m) == MX_SKIP);
	CHECK(kind_of("{\"type\":\"m.room.message\",\"sender\":\"@a:b\",\"content\":{}}", &m) ==
	      MX_SKIP);
	CHECK(kind_of("{\"type\":\"m.room.member\",\"event_id\":\"$e\",\"sender\":\"@a:b\","
		      "\"content\":{\"membership\":\"join\"}}",
		      &m) == MX_SKIP);
	CHECK(kind_of("[1,2,3]", &m) == MX_SKIP);
}

static void
test_mentions_are_recognised(void)
{
	struct mx_message m;

	/* m.mentions decides when it is there, whatever the text says. */
	CHECK(kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"RulingBot: who?\",\"m.mentions\":"
			  "{\"user_ids\":[\"@rulingbot:example.org\"]}}"),
		      &m) == MX_QUESTION);
	CHECK(m.mentioned);
	CHECK_STR(m.text, "who?");
	events_clear(&m);
	kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"RulingBot: who?\",\"m.mentions\":{}}"), &m);
	CHECK(!m.mentioned);
	events_clear(&m);
	/* Older clients: a pill link, plain or percent-encoded, or the name first. */
	kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"hey who\",\"format\":"
		    "\"org.matrix.custom.html\",\"formatted_body\":\"hey <a href=\\\"https://"
		    "matrix.to/#/@rulingbot:example.org\\\">RulingBot</a> who\"}"),
		&m);
	CHECK(m.mentioned);
	events_clear(&m);
	kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"x\",\"formatted_body\":\"<a href=\\\""
		    "https://matrix.to/#/%40rulingbot%3aexample.org\\\">x</a>\"}"),
		&m);
	CHECK(m.mentioned);
	events_clear(&m);
	kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"x\",\"formatted_body\":\"<a href=\\\""
		    "https://matrix.to/#/@rulingbot:example.org.evil\\\">x</a>\"}"),
		&m);
	CHECK(!m.mentioned); /* another user whose id only starts like the bot's */
	events_clear(&m);
	kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"rulingbot, who was the judge\"}"), &m);
	CHECK(m.mentioned);
	CHECK_STR(m.text, "who was the judge");
	events_clear(&m);
	kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"rulingbots are fun\"}"), &m);
	CHECK(!m.mentioned);
	events_clear(&m);
}

static void
test_reply_fallbacks_are_not_mentions(void)
{
	struct mx_message m;

	/* A reply to the bot quotes it: the quote does not name the bot. */
	kind_of(MSG("{\"msgtype\":\"m.text\",\"body\":\"> <@rulingbot:example.org> The judge "
		    "was...\\n\\nand when?\",\"formatted_body\":\"<mx-reply><blockquote><a href="
		    "\\\"https://matrix.to/#/@rulingbot:example.org\\\">RulingBot</a> The judge"
		    "</blockquote></mx-reply>and when?\"}"),
		&m);
	CHECK(!m.mentioned);
	CHECK_STR(m.text, "and when?");
	events_clear(&m);
}

static void
test_threads_are_followed(void)
{
	struct mx_message m;
	cJSON *e = cJSON_Parse(MSG("{\"msgtype\":\"m.text\",\"body\":\"who?\",\"m.relates_to\":{"
				   "\"rel_type\":\"m.thread\",\"event_id\":\"$root\"}}"));

	CHECK(events_read(e, &me, &m) == MX_QUESTION);
	CHECK_STR(m.thread_root, "$root");
	CHECK_STR(m.event_id, "$e1");
	CHECK(m.ts_ms == 1700000000000LL);
	events_clear(&m);
	cJSON_Delete(e);
	/* A timestamp beyond long long's range (found by fuzz_matrix) reads as 0, too old. */
	e = cJSON_Parse("{\"type\":\"m.room.message\",\"event_id\":\"$e\",\"sender\":\"@a:x\","
			"\"origin_server_ts\":1e300,\"content\":{\"msgtype\":\"m.text\","
			"\"body\":\"hi\"}}");
	CHECK(events_read(e, &me, &m) == MX_QUESTION && m.ts_ms == 0);
	events_clear(&m);
	cJSON_Delete(e);
}

static void
test_question_text_is_cleaned(void)
{
	char *t;

	CHECK_STR(t = events_question_text("  @rulingbot:example.org:  who?  ", &me), "who?");
	free(t);
	CHECK_STR(t = events_question_text("@rulingbot who?", &me), "who?");
	free(t);
	CHECK_STR(t = events_question_text("RulingBot", &me), "");
	free(t);
	CHECK_STR(t = events_question_text("> quoted\n> more\n\nRulingBot: the question", &me),
		  "the question");
	free(t);
	CHECK_STR(t = events_question_text("> only a quote", &me), "");
	free(t);
}

/* Reads a /sync reply from text; returns what sync_take returns. */
static int
batch_of(const char *text, struct mx_batch *b)
{
	char err[128];

	return sync_take(cJSON_Parse(text), me.user_id, b, err, sizeof(err));
}

static void
test_sync_replies_are_read(void)
{
	struct mx_batch b;

	CHECK(batch_of("{\"next_batch\":\"s9\",\"rooms\":{\"join\":{\"!a:x\":{\"summary\":{"
		       "\"m.joined_member_count\":2},\"timeline\":{\"events\":[{\"type\":\"t1\"},"
		       "{\"type\":\"t2\"}]}},\"!b:x\":{\"timeline\":{\"events\":[{\"type\":\"t3\"}]"
		       "}}},\"invite\":{\"!c:x\":{\"invite_state\":{\"events\":[{\"type\":"
		       "\"m.room.encryption\",\"state_key\":\"\"},{\"type\":\"m.room.member\","
		       "\"state_key\":\"@rulingbot:example.org\",\"sender\":\"@alice:x\"}]}}}}}",
		       &b) == 0);
	CHECK_STR(b.next_batch, "s9");
	CHECK(b.nevents == 3 && b.nrooms == 2 && b.ninvites == 1);
	CHECK(b.nrooms == 2 && b.rooms[0].joined == 2 && b.rooms[1].joined == -1);
	CHECK(b.nrooms == 2 && !b.rooms[0].limited && !b.rooms[0].members_changed &&
	      b.rooms[0].prev_batch == NULL);
	CHECK(b.ninvites == 1 && b.invites[0].encrypted);
	CHECK(b.ninvites == 1 && b.invites[0].inviter &&
	      strcmp(b.invites[0].inviter, "@alice:x") == 0);
	CHECK(b.nevents == 3 && strcmp(b.events[2].room_id, "!b:x") == 0);
	sync_free(&b);
}

static void
test_hostile_sync_replies_are_refused_or_ignored(void)
{
	static const char *const bad[] = { "[]", "{}", "{\"next_batch\":1}",
					   "{\"next_batch\":\"\"}", "\"s1\"" };
	struct mx_batch b;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(batch_of(bad[i], &b) == -1);
	CHECK(sync_take(NULL, me.user_id, &b, (char[64]){ 0 }, 64) == -1);
	/* Wrong types inside are skipped, never followed. */
	CHECK(batch_of("{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!a\":{\"timeline\":{"
		       "\"events\":{\"x\":{\"type\":\"t\"}}}},\"!b\":[{\"timeline\":{}}],\"!c\":{"
		       "\"timeline\":{\"events\":[1,\"x\",null]},\"summary\":{"
		       "\"m.joined_member_count\":-5}}},\"invite\":[{\"!d\":{}}]}}",
		       &b) == 0);
	CHECK(b.nevents == 0 && b.nrooms == 2 && b.ninvites == 0);
	CHECK(b.nrooms == 2 && b.rooms[0].joined == -1 && b.rooms[1].joined == -1);
	sync_free(&b);
	/* Nor are a limited flag, a prev_batch or a member event of the wrong type. */
	CHECK(batch_of("{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!a\":{\"timeline\":{"
		       "\"events\":[{\"type\":7}],\"limited\":\"true\",\"prev_batch\":5},"
		       "\"state\":{\"events\":{\"type\":\"m.room.member\"}}},\"!b\":{"
		       "\"timeline\":{\"limited\":true,\"prev_batch\":\"\"}}}}}",
		       &b) == 0);
	CHECK(b.nrooms == 2 && !b.rooms[0].limited && b.rooms[0].prev_batch == NULL &&
	      !b.rooms[0].members_changed);
	CHECK(b.nrooms == 2 && b.rooms[1].limited && b.rooms[1].prev_batch == NULL);
	sync_free(&b);
}

/* A member event in the timeline or the state, and a limited timeline with where it
 * starts: what makes the bot count the members again and page back through a gap. */
static void
test_membership_changes_and_gaps_are_read(void)
{
	struct mx_batch b;

	CHECK(batch_of("{\"next_batch\":\"s9\",\"rooms\":{\"join\":{"
		       "\"!a:x\":{\"timeline\":{\"events\":[{\"type\":\"m.room.message\"},"
		       "{\"type\":\"m.room.member\",\"state_key\":\"@carol:x\"}],"
		       "\"limited\":false,\"prev_batch\":\"t1\"}},"
		       "\"!b:x\":{\"state\":{\"events\":[{\"type\":\"m.room.member\"}]},"
		       "\"timeline\":{\"events\":[],\"limited\":true,\"prev_batch\":\"t2\"},"
		       "\"summary\":{\"m.joined_member_count\":3}},"
		       "\"!c:x\":{\"timeline\":{\"events\":[{\"type\":\"m.room.message\"}]}}"
		       "}}}",
		       &b) == 0);
	CHECK(b.nrooms == 3 && b.nevents == 3);
	CHECK(b.nrooms == 3 && b.rooms[0].members_changed && !b.rooms[0].limited &&
	      b.rooms[0].joined == -1);
	CHECK(b.nrooms == 3 && b.rooms[0].prev_batch && strcmp(b.rooms[0].prev_batch, "t1") == 0);
	CHECK(b.nrooms == 3 && b.rooms[1].members_changed && b.rooms[1].limited &&
	      b.rooms[1].joined == 3);
	CHECK(b.nrooms == 3 && b.rooms[1].prev_batch && strcmp(b.rooms[1].prev_batch, "t2") == 0);
	CHECK(b.nrooms == 3 && !b.rooms[2].members_changed && !b.rooms[2].limited &&
	      b.rooms[2].prev_batch == NULL);
	sync_free(&b);
}

/* The content JSON s, parsed (free it). */
static cJSON *
parsed(char *s)
{
	cJSON *c;

	CHECK(s != NULL);
	c = cJSON_Parse(s ? s : "null");
	free(s);
	return c;
}

static const char *
str_at(const cJSON *o, const char *a, const char *b, const char *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	if (c != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, c);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
test_answers_are_escaped_notices(void)
{
	struct mx_target t = { "!r:x", "$q", "@alice:x", NULL };
	cJSON *j = cJSON_Parse(
		"{\"type\":\"answer\",\"lang\":\"en\",\"text\":\"<b>A & B</b>\",\"sources\":[{"
		"\"title\":\"T<script>\",\"url\":\"https://e.org/?a=1&b=\\\"2\",\"publisher\":"
		"\"P\",\"date\":\"2017-09-15\"},{\"title\":\"Bad\",\"url\":\"javascript:alert(1)\"}"
		"],\"related\":[{\"question\":\"Q<1>?\"}]}");
	struct rreply r = { RREPLY_ANSWER, j, NULL };
	cJSON *c = parsed(notice_reply(&r, &t));
	const char *html = str_at(c, "formatted_body", NULL, NULL);
	const char *body = str_at(c, "body", NULL, NULL);

	CHECK_STR(str_at(c, "msgtype", NULL, NULL), "m.notice");
	CHECK_STR(str_at(c, "format", NULL, NULL), "org.matrix.custom.html");
	CHECK(html != NULL && strstr(html, "&lt;b&gt;A &amp; B&lt;/b&gt;") != NULL);
	CHECK(html != NULL && strstr(html, "<a href=\"https://e.org/?a=1&amp;b=&quot;2\">T&lt;"
					   "script&gt;</a> — P, September 15, 2017") != NULL);
	CHECK(html != NULL && strstr(html, "javascript:") == NULL);
	CHECK(html != NULL && strstr(html, "<li>Q&lt;1&gt;?</li>") != NULL);
	CHECK(body != NULL && strstr(body, "<b>A & B</b>\n\nSources:\n1. T<script> — P, "
					   "September 15, 2017\n   https://e.org/?a=1&b=\"2\n2. Bad"
					   "\n\nRelated:\n• Q<1>?") == body);
	CHECK_STR(str_at(c, "m.relates_to", "m.in_reply_to", "event_id"), "$q");
	CHECK(str_at(c, "m.relates_to", "rel_type", NULL) == NULL);
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		      cJSON_GetObjectItemCaseSensitive(c, "m.mentions"), "user_ids")) == 1);
	cJSON_Delete(c);
	cJSON_Delete(j);
}

static void
test_replies_stay_in_threads(void)
{
	struct mx_target t = { "!r:x", "$q", "@alice:x", "$root" };
	struct rreply r = { RREPLY_TIMEOUT, NULL, NULL };
	cJSON *c = parsed(notice_reply(&r, &t)), *fb;

	CHECK_STR(str_at(c, "m.relates_to", "rel_type", NULL), "m.thread");
	CHECK_STR(str_at(c, "m.relates_to", "event_id", NULL), "$root");
	CHECK_STR(str_at(c, "m.relates_to", "m.in_reply_to", "event_id"), "$q");
	fb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "m.relates_to"),
					      "is_falling_back");
	CHECK(cJSON_IsTrue(fb));
	CHECK_STR(str_at(c, "body", NULL, NULL), rreply_apology(&r));
	cJSON_Delete(c);
}

static void
test_declines_help_and_encryption_notices(void)
{
	struct mx_target t = { "!r:x", "$q", "@alice:x", NULL };
	cJSON *j = cJSON_Parse("{\"type\":\"no_answer\",\"lang\":\"es\",\"text\":\"No sé.\","
			       "\"suggestions\":[{\"question\":\"¿Quién fue el juez?\"}]}");
	struct rreply r = { RREPLY_NO_ANSWER, j, NULL };
	cJSON *c = parsed(notice_reply(&r, &t));

	CHECK_STR(str_at(c, "body", NULL, NULL),
		  "No sé.\n\nPruebe a preguntar:\n• ¿Quién fue el juez?");
	cJSON_Delete(c);
	cJSON_Delete(j);
	/* Asked back: the choices numbered under the text, which is their only heading. */
	j = cJSON_Parse("{\"type\":\"clarify\",\"text\":\"Did you mean?\",\"choices\":["
			"{\"question\":\"Who?\"},{\"question\":\"When <x>?\"}]}");
	r.kind = RREPLY_CLARIFY;
	r.json = j;
	c = parsed(notice_reply(&r, &t));
	CHECK_STR(str_at(c, "body", NULL, NULL), "Did you mean?\n\n1. Who?\n2. When <x>?");
	CHECK_STR(str_at(c, "formatted_body", NULL, NULL),
		  "<p>Did you mean?</p><ol><li>Who?</li><li>When &lt;x&gt;?</li></ol>");
	cJSON_Delete(c);
	cJSON_Delete(j);
	c = parsed(notice_help(&t, "Bot<1>"));
	CHECK(strstr(str_at(c, "formatted_body", NULL, NULL), "Bot&lt;1&gt;: who was") != NULL);
	cJSON_Delete(c);
	c = parsed(notice_encrypted("https://example.org/ask"));
	CHECK_STR(str_at(c, "msgtype", NULL, NULL), "m.notice");
	CHECK(str_at(c, "formatted_body", NULL, NULL) == NULL);
	CHECK(strstr(str_at(c, "body", NULL, NULL), "on the web: https://example.org/ask.") !=
	      NULL);
	CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c, "m.mentions")));
	CHECK(cJSON_GetObjectItemCaseSensitive(c, "m.relates_to") == NULL);
	cJSON_Delete(c);
}

static void
test_state_survives_a_round_trip(void)
{
	char path[] = "/tmp/rulingbot-test-state-XXXXXX", err[256];
	struct mx_state s = { 0 }, back;
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd != -1);
	close(fd);
	unlink(path);
	CHECK(state_load(path, &back, err, sizeof(err)) == 1); /* no file: a first start */
	s.user_id = strdup("@rulingbot:example.org");
	CHECK(state_set_batch(&s, "s72595_4483") == 0);
	CHECK(state_add_warned(&s, "!enc:x") == 0 && state_add_warned(&s, "!enc:x") == 0);
	CHECK(s.nwarned == 1);
	CHECK(state_save(path, &s, err, sizeof(err)) == 0);
	CHECK(state_load(path, &back, err, sizeof(err)) == 0);
	CHECK_STR(back.next_batch, "s72595_4483");
	CHECK_STR(back.user_id, "@rulingbot:example.org");
	CHECK(state_warned(&back, "!enc:x") && !state_warned(&back, "!other:x"));
	state_clear(&back);
	CHECK((f = fopen(path, "w")) != NULL);
	if (f != NULL) {
		fputs("{\"next_batch\": 5}", f);
		fclose(f);
	}
	CHECK(state_load(path, &back, err, sizeof(err)) == -1);
	CHECK(back.user_id == NULL);
	CHECK(state_save("/nonexistent-dir/state.json", &s, err, sizeof(err)) == -1);
	state_clear(&s);
	unlink(path);
}

static void
test_member_counts_expire(void)
{
	struct rooms *r = rooms_new(1000);

	CHECK(rooms_get(r, "!a:x", 0) == -1);
	CHECK(rooms_set(r, "!a:x", 2, 100) == 0);
	CHECK(rooms_set(r, "!a:x", 3, 200) == 0);
	CHECK(rooms_get(r, "!a:x", 1100) == 3);
	CHECK(rooms_get(r, "!a:x", 1200) == -1);
	CHECK(rooms_count(r) == 1);
	/* Someone joined or left: unknown at once, until a new count is heard. */
	CHECK(rooms_set(r, "!a:x", 2, 1300) == 0);
	rooms_forget(r, "!a:x");
	rooms_forget(r, "!never:x");
	CHECK(rooms_get(r, "!a:x", 1301) == -1);
	CHECK(rooms_set(r, "!a:x", 3, 1400) == 0 && rooms_get(r, "!a:x", 1401) == 3);
	CHECK(rooms_count(r) == 1);
	rooms_free(r);
}

static void
test_ids_are_escaped_in_urls(void)
{
	struct buf b;

	buf_init(&b);
	CHECK(mx_url(&b, "https://hs.example", "rooms/%e/send/m.room.message/rb-%e?x=%s",
		     "!r/../x:hs", "$a+b/c", "1") == 0);
	CHECK_STR(b.data, "https://hs.example/_matrix/client/v3/rooms/%21r%2F..%2Fx%3Ahs/send/"
			  "m.room.message/rb-%24a%2Bb%2Fc?x=1");
	buf_free(&b);
}

int
main(void)
{
	RUN(test_text_messages_are_questions);
	RUN(test_notices_own_messages_and_edits_are_skipped);
	RUN(test_mentions_are_recognised);
	RUN(test_reply_fallbacks_are_not_mentions);
	RUN(test_threads_are_followed);
	RUN(test_question_text_is_cleaned);
	RUN(test_sync_replies_are_read);
	RUN(test_hostile_sync_replies_are_refused_or_ignored);
	RUN(test_membership_changes_and_gaps_are_read);
	RUN(test_answers_are_escaped_notices);
	RUN(test_replies_stay_in_threads);
	RUN(test_declines_help_and_encryption_notices);
	RUN(test_state_survives_a_round_trip);
	RUN(test_member_counts_expire);
	RUN(test_ids_are_escaped_in_urls);
	HARNESS_END();
}
