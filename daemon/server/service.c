/* SPDX-License-Identifier: MIT */
/*
 * service.c -- a message in, reply frames out. Answers are rendered once, without the
 * request's id, and kept in the cache as the bytes sent; a repeated question costs a hash
 * lookup and a copy, not a search. Everything here runs in the network loop's thread, one
 * message at a time, so replies leave in the order questions came.
 */
#include "service.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

#ifndef RULINGBOT_VERSION
#define RULINGBOT_VERSION "0.0.0"
#endif

/* Opens the KB at the configured path and asks it its self-test question. Returns it,
 * or NULL (reason logged); why gets the self-test's failure, "" when it passed. */
static struct kb *
open_kb(struct service *s, double *seconds, char *why, size_t whylen)
{
	long long start = mono_ns();
	struct kb *kb;
	char err[512];

	why[0] = '\0';
	if (kb_open(s->cfg->kb_path, &kb, err, sizeof(err)) == -1) {
		log_warnx("cannot open the knowledge base: %s", err);
		return NULL;
	}
	if (match_self_test(kb, why, whylen) == -1) {
		utf8_trim(why); /* the reason goes into /healthz's JSON: no character cut in two */
		log_warnx("the knowledge base %s cannot answer its self-test question: %s",
			  kb_meta(kb, "kb_version"), why);
	}
	*seconds = (double)(mono_ns() - start) / 1e9;
	return kb;
}

int
service_init(struct service *s, const struct config *cfg, int worker, char *err, size_t errlen)
{
	double seconds = 0;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	match_options_init(&s->opts);
	s->opts.deadline_ms = (double)cfg->query_deadline;
	s->metrics.worker = worker;
	snprintf(s->server, sizeof(s->server), "rulingd %s", RULINGBOT_VERSION);
	if (cache_init(&s->cache, (size_t)cfg->cache_entries) == -1 ||
	    members_init(&s->members, MEMBERS_MAX) == -1) {
		cache_free(&s->cache);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	log_rate_init(&s->engine_failed, "cannot answer", LOG_RATE_INTERVAL_NS);
	if (cfg->unanswered &&
	    unanswered_open(&s->unanswered, cfg->unanswered, err, errlen) == -1) {
		cache_free(&s->cache);
		members_free(&s->members);
		return -1;
	}
	if ((s->kb = open_kb(s, &seconds, s->unhealthy, sizeof(s->unhealthy))) != NULL) {
		s->metrics.kb_facts = kb_fact_count(s->kb);
		s->metrics.kb_load_seconds = seconds;
		log_info("knowledge base %s: %ld facts", kb_meta(s->kb, "kb_version"),
			 kb_fact_count(s->kb));
	}
	return 0;
}

int
service_ready(const struct service *s)
{
	return s->kb != NULL && s->unhealthy[0] == '\0';
}

void
service_free(struct service *s)
{
	kb_close(s->kb);
	cache_free(&s->cache);
	members_free(&s->members);
	log_rate_end(&s->engine_failed, mono_ns());
	unanswered_close(&s->unanswered);
	memset(s, 0, sizeof(*s));
}

int
service_reload(struct service *s)
{
	double seconds = 0;
	char why[sizeof(s->unhealthy)];
	struct kb *kb;

	unanswered_reopen(&s->unanswered);
	kb = open_kb(s, &seconds, why, sizeof(why));
	if (kb == NULL || why[0] != '\0') {
		kb_close(kb);
		s->metrics.reloads_failed++;
		log_warnx("reload failed; still serving %s",
			  s->kb ? kb_meta(s->kb, "kb_version") : "no knowledge base");
		return -1;
	}
	kb_close(s->kb);
	s->kb = kb;
	s->unhealthy[0] = '\0';
	cache_clear(&s->cache);
	members_clear(&s->members);
	s->metrics.kb_facts = kb_fact_count(kb);
	s->metrics.kb_load_seconds = seconds;
	s->metrics.reloads_ok++;
	log_info("reloaded knowledge base %s: %ld facts in %.3f s", kb_meta(kb, "kb_version"),
		 kb_fact_count(kb), seconds);
	return 0;
}

void
service_tick(struct service *s, long long now)
{
	log_rate_flush(&s->engine_failed, now);
}

/* Sends each \n-separated line of text as its own frame, skipping empty ones. */
static int
send_lines(const char *text, size_t len, frame_sink sink, void *ctx)
{
	const char *p = text, *end = text + len, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl > p && sink(ctx, p, (size_t)(nl - p)) == -1)
			return -1;
		p = nl + 1;
	}
	return 0;
}

static const char *const refusals[PROTO_NERRORS] = {
	"The message begins with { but is not a JSON object.",
	"Binary frames are not served: send questions as text.",
	"Questions are limited in size: please ask something shorter.",
	"Too many questions at once: please wait a moment.",
	"Too many replies are waiting on this connection: read them first.",
	"The question could not be answered just now: please ask again.",
};

/* The HTTP status of each error, for the replies to /api/ask. */
static const int http_status[PROTO_NERRORS] = { 400, 400, 413, 429, 503, 500 };

/* Sends an error, JSON or text, and counts it. Returns its HTTP status, or -1 when sink
 * refused the frame. */
static int
send_error(struct service *s, enum proto_error e, int json, const char *id, const char *message,
	   long retry_ms, frame_sink sink, void *ctx)
{
	char *out, line[384], wait[96];
	int rc;

	s->metrics.errors[e]++;
	s->metrics.questions[OUTCOME_ERROR]++;
	if (message == NULL)
		message = refusals[e];
	if (e == PROTO_RATE_LIMITED) {
		snprintf(wait, sizeof(wait), "Too many questions at once: please wait %ld ms.",
			 retry_ms);
		message = wait;
	}
	if (!json) {
		if (e == PROTO_RATE_LIMITED)
			snprintf(line, sizeof(line), "Error: %s: please wait %ld ms.",
				 proto_error_name(e), retry_ms);
		else if (e == PROTO_TOO_LONG)
			snprintf(line, sizeof(line),
				 "Error: %s: questions are limited to %ld bytes.",
				 proto_error_name(e), s->cfg->max_question);
		else
			snprintf(line, sizeof(line), "Error: %s: %s", proto_error_name(e), message);
		return sink(ctx, line, strlen(line)) == 0 ? http_status[e] : -1;
	}
	if ((out = proto_error_json(e, id, message, retry_ms)) == NULL)
		return -1;
	rc = sink(ctx, out, strlen(out));
	free(out);
	return rc == 0 ? http_status[e] : -1;
}

int
service_refuse(struct service *s, enum proto_error e, int json, frame_sink sink, void *ctx)
{
	return send_error(s, e, json, NULL, NULL, 0, sink, ctx) == -1 ? -1 : 0;
}

static void
note_question(struct service *s, const char *text, size_t len, int outcome)
{
	char q[1024];

	if (s->cfg->log_questions) {
		str_one_line(q, sizeof(q), text, len);
		log_info("question (%s): %s",
			 outcome == OUTCOME_NO_ANSWER ? "no answer"
			 : outcome == OUTCOME_CLARIFY ? "asked back"
						      : "answered",
			 q);
	}
	/* A clarification answers nothing either: editors review it like a decline. */
	if (s->unanswered.path && (outcome == OUTCOME_NO_ANSWER || outcome == OUTCOME_CLARIFY))
		unanswered_write(&s->unanswered, time(NULL), text, len);
}

/* Renders a in the forms asked for: its JSON object (with "id":id first when id is set),
 * its text lines, or both. A fact's members come from s->members, rendered once.
 * *jsonp must be NULL on entry. Returns 0, or -1 when out of memory. */
static int
render(struct service *s, const struct answer *a, const char *id, int json, int lines, char **jsonp,
       struct buf *linesp)
{
	const char *kb_version = kb_meta(s->kb, "kb_version"), *members;

	if (json) {
		if (a->type == ANSWER_NONE)
			*jsonp = proto_answer_json(a, id, kb_version);
		else if ((members = members_of(&s->members, a, kb_version)) != NULL)
			*jsonp = proto_fact_json(a, id, members);
		if (*jsonp == NULL)
			return -1;
	}
	return lines ? proto_answer_lines(a, linesp) : 0;
}

/* Asks the engine; a failure is logged (at most one line every few seconds). Returns 0,
 * or -1 when the engine failed; a is to be freed either way. */
static int
ask_engine(struct service *s, const char *text, size_t len, const char *lang, struct answer *a)
{
	char err[256];

	if (match_question(s->kb, &s->opts, text, len, lang, a, err, sizeof(err)) == 0)
		return 0;
	log_rate_warnx(&s->engine_failed, mono_ns(), "%s", err);
	return -1;
}

static int
outcome_of(const struct answer *a)
{
	if (proto_clarifies(a))
		return OUTCOME_CLARIFY;
	return a->type == ANSWER_NONE ? OUTCOME_NO_ANSWER : OUTCOME_ANSWERED;
}

void
choices_clear(struct choices *c)
{
	free(c->lines);
	c->lines = NULL;
	c->lang[0] = '\0';
}

/* Keeps the numbered lines of a clarification's text lines (len bytes), the reply text
 * before them left out, as pending's choices; asked in lang (NULL for the question's own).
 * Out of memory, there are simply no choices to pick. */
static void
remember_choices(struct choices *pending, const char *lines, size_t len, const char *lang)
{
	const char *first = memmem(lines, len, "\n1. ", 4);

	choices_clear(pending);
	if (first == NULL)
		return;
	first++;
	pending->lines = strndup(first, len - (size_t)(first - lines));
	snprintf(pending->lang, sizeof(pending->lang), "%s", lang ? lang : "");
}

/* Returns the question of the choice whose number is text ("2": the second line), its
 * length in *qlen; NULL when text is not the number of a pending choice. */
static const char *
picked_choice(const struct choices *c, const char *text, size_t len, size_t *qlen)
{
	const char *p, *nl;
	char label[8];
	size_t n;

	if (c->lines == NULL || len == 0 || len > 2)
		return NULL;
	for (n = 0; n < len; n++) /* text ends at len: no NUL after it */
		if (text[n] < '0' || text[n] > '9')
			return NULL;
	n = (size_t)snprintf(label, sizeof(label), "%.*s. ", (int)len, text);
	for (p = c->lines; p != NULL; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (strncmp(p, label, n) == 0) {
			*qlen = nl ? (size_t)(nl - p) - n : strlen(p + n);
			return p + n;
		}
	}
	return NULL;
}

/* Returns the cached answer to (lang, text) in both forms, computing and caching it on
 * a miss; NULL when the engine failed or memory ran out. */
static const struct cache_entry *
cached_answer(struct service *s, const char *text, size_t len, const char *lang)
{
	const struct cache_entry *hit;
	struct answer a;
	struct buf key, lines;
	char *obj = NULL;

	buf_init(&key);
	buf_init(&lines);
	if (buf_puts(&key, lang ? lang : "") || buf_append(&key, "\x1f", 1) ||
	    buf_append(&key, text, len)) {
		buf_free(&key);
		return NULL;
	}
	if ((hit = cache_get(&s->cache, key.data, key.len)) != NULL) {
		buf_free(&key);
		return hit;
	}
	if (ask_engine(s, text, len, lang, &a) == 0 &&
	    render(s, &a, NULL, 1, 1, &obj, &lines) == 0 &&
	    cache_put(&s->cache, key.data, key.len, obj, strlen(obj), lines.data ? lines.data : "",
		      lines.len, outcome_of(&a)) == 0)
		hit = cache_get(&s->cache, key.data, key.len);
	answer_free(&a);
	free(obj);
	buf_free(&lines);
	buf_free(&key);
	return hit;
}

/* Sends the answer to req, from the cache when it is on; a clarification sent as text
 * lines becomes pending's choices (when pending is not NULL). Returns the outcome
 * (OUTCOME_...), -1 when the engine failed or memory ran out (nothing sent), or -2 when
 * sink refused a frame. */
static int
send_reply(struct service *s, const struct request *req, struct choices *pending, frame_sink sink,
	   void *ctx)
{
	const char *lang = req->lang[0] ? req->lang : NULL;
	const struct cache_entry *e;
	struct answer a;
	struct buf lines;
	char *json = NULL;
	int outcome = -1, sent;

	if (s->cache.max > 0) {
		if ((e = cached_answer(s, req->text, req->len, lang)) == NULL)
			return -1;
		if (!req->json && pending && e->outcome == OUTCOME_CLARIFY)
			remember_choices(pending, e->lines, e->lineslen, lang);
		if (!req->json)
			return send_lines(e->lines, e->lineslen, sink, ctx) == 0 ? e->outcome : -2;
		if ((json = proto_with_id(e->json, e->jsonlen, req->id)) == NULL)
			return -1;
		sent = sink(ctx, json, strlen(json));
		free(json);
		return sent == 0 ? e->outcome : -2;
	}
	/* No cache: only the form asked for is rendered, with the id in place, so the bytes
	 * are those proto_with_id() gives a cached answer. */
	buf_init(&lines);
	if (ask_engine(s, req->text, req->len, lang, &a) == 0 &&
	    render(s, &a, req->id, req->json, !req->json, &json, &lines) == 0) {
		outcome = outcome_of(&a);
		if (!req->json && pending && outcome == OUTCOME_CLARIFY)
			remember_choices(pending, lines.data ? lines.data : "", lines.len, lang);
		sent = req->json ? sink(ctx, json, strlen(json))
				 : send_lines(lines.data ? lines.data : "", lines.len, sink, ctx);
		if (sent != 0)
			outcome = -2;
	}
	answer_free(&a);
	free(json);
	buf_free(&lines);
	return outcome;
}

/* Answers a question as JSON (id echoed) or as text lines; a text-mode clarification
 * leaves its choices in pending when it is not NULL. Returns the HTTP status of what was
 * sent (200 for an answer, an error's otherwise), or -1 when sink refused a frame. */
static int
answer_question(struct service *s, const struct request *req, struct choices *pending,
		frame_sink sink, void *ctx)
{
	long long start = mono_ns();
	int outcome;

	if (s->kb == NULL)
		return send_error(s, PROTO_INTERNAL, req->json, req->id,
				  "No knowledge base is loaded.", 0, sink, ctx);
	if ((outcome = send_reply(s, req, pending, sink, ctx)) == -1)
		return send_error(s, PROTO_INTERNAL, req->json, req->id, NULL, 0, sink, ctx);
	if (outcome == -2)
		return -1;
	s->metrics.questions[outcome]++;
	metrics_observe(&s->metrics, (double)(mono_ns() - start) / 1e9);
	note_question(s, req->text, req->len, outcome);
	return 200;
}

/* Answers a question with no clarification to remember (HTTP). */
static int
send_answer(struct service *s, const struct request *req, frame_sink sink, void *ctx)
{
	return answer_question(s, req, NULL, sink, ctx);
}

static int
send_info(struct service *s, const struct request *req, frame_sink sink, void *ctx)
{
	struct proto_info info = { s->server, NULL, 0, 0, NULL };
	long n;
	char *json, *out;
	int rc;

	if (s->kb) {
		info.kb_version = kb_meta(s->kb, "kb_version");
		info.reviewed = kb_meta(s->kb, "reviewed");
		info.facts = kb_fact_count(s->kb);
		if (parse_long(kb_meta(s->kb, "sources"), 0, 100000000, &n) == 0)
			info.sources = n;
	}
	if ((json = proto_info_json(&info)) == NULL)
		return -1;
	out = proto_with_id(json, strlen(json), req->id);
	free(json);
	if (out == NULL)
		return -1;
	rc = sink(ctx, out, strlen(out));
	free(out);
	return rc;
}

/* What /sources writes, one source at a time. */
struct source_lines {
	frame_sink sink; /* where lines go */
	void *ctx;	 /* its context */
	int failed;	 /* 1 after the sink refused a line */
};

static int
source_line(void *arg, const struct kb_cite *c)
{
	struct source_lines *sl = arg;
	struct buf b;
	char date[64];
	int rc;

	buf_init(&b);
	rc = buf_printf(&b, "%s — %s", c->title, c->publisher);
	if (rc == 0 && c->date)
		rc = buf_printf(&b, ", %s", date_words(c->date, "en", date, sizeof(date)));
	if (rc == 0 && (c->url || c->citation))
		rc = buf_printf(&b, " — %s", c->url ? c->url : c->citation);
	if (rc == 0)
		rc = sl->sink(sl->ctx, b.data, b.len);
	buf_free(&b);
	sl->failed = rc != 0;
	return rc != 0;
}

/* Appends the lines of /help to b: how to ask, in the knowledge base's words (it alone
 * knows what the bot is about), then the commands; in English, like every command's
 * reply. Returns 0, or -1 when out of memory. */
static int
help_lines(const struct service *s, struct buf *b)
{
	const char *how = s->kb ? kb_reply_text(s->kb, REPLY_HELP_COMMAND, LANG_EN) : NULL;

	if (how != NULL && buf_printf(b, "%s\n", how) == -1)
		return -1;
	return buf_puts(b, "Each answer is followed by its sources. Commands: /help, /about, "
			   "/sources.\n"
			   "This is general information with sources, not legal advice.");
}

static int
send_command(struct service *s, const struct request *req, frame_sink sink, void *ctx)
{
	struct source_lines sl = { sink, ctx, 0 };
	struct buf b;
	int rc;

	buf_init(&b);
	if (req->len == 5 && memcmp(req->text, "/help", 5) == 0) {
		rc = help_lines(s, &b);
	} else if (req->len == 6 && memcmp(req->text, "/about", 6) == 0) {
		rc = buf_printf(&b, "%s\n", s->server);
		if (rc == 0 && s->kb)
			rc = buf_printf(
				&b,
				"Knowledge base: %s, %ld facts (%s in English, %s in Spanish), "
				"%s sources, last reviewed %s\n",
				kb_meta(s->kb, "kb_version"), kb_fact_count(s->kb),
				kb_meta(s->kb, "facts_en"), kb_meta(s->kb, "facts_es"),
				kb_meta(s->kb, "sources"), kb_meta(s->kb, "reviewed"));
		if (rc == 0)
			rc = buf_puts(&b, "General information with sources, not legal advice.");
	} else if (req->len == 8 && memcmp(req->text, "/sources", 8) == 0 && s->kb) {
		rc = kb_each_source(s->kb, source_line, &sl) == 0 ? 0 : -1;
		buf_free(&b);
		return rc == -1 && sl.failed ? -1 : 0;
	} else {
		rc = buf_printf(&b, "Unknown command %.*s. Try /help.",
				(int)(req->len > 40 ? 40 : req->len), req->text);
	}
	if (rc == 0)
		rc = send_lines(b.data, b.len, sink, ctx);
	buf_free(&b);
	return rc;
}

int
service_message(struct service *s, const char *msg, size_t len, struct bucket *b, long long now,
		frame_sink sink, void *ctx)
{
	return service_converse(s, msg, len, b, NULL, now, sink, ctx);
}

int
service_converse(struct service *s, const char *msg, size_t len, struct bucket *b,
		 struct choices *pending, long long now, frame_sink sink, void *ctx)
{
	struct choices taken = { NULL, "" };
	struct request req;
	const char *choice;
	size_t qlen;
	long wait;
	int rc;

	if (pending != NULL) { /* whatever this message is, it answers the last choices */
		taken = *pending;
		pending->lines = NULL;
		pending->lang[0] = '\0';
	}
	proto_parse(msg, len, &req);
	if (req.type == REQ_ASK && !req.json &&
	    (choice = picked_choice(&taken, req.text, req.len, &qlen)) != NULL) {
		req.text = choice; /* in taken, freed below */
		req.len = qlen;
		snprintf(req.lang, sizeof(req.lang), "%s", taken.lang);
	}
	if (req.type == REQ_ASK && !req.json && req.len == 0) {
		proto_request_free(&req);
		choices_clear(&taken);
		return 0;
	}
	if ((wait = bucket_take(b, s->cfg->rate, (double)s->cfg->burst, now)) > 0)
		rc = send_error(s, PROTO_RATE_LIMITED, req.json, req.id, NULL, wait, sink, ctx);
	else if (req.type == REQ_INVALID)
		rc = send_error(s, req.error, 1, req.id, req.message, 0, sink, ctx);
	else if (req.type == REQ_INFO)
		rc = send_info(s, &req, sink, ctx);
	else if (req.type == REQ_COMMAND)
		rc = send_command(s, &req, sink, ctx);
	else
		rc = answer_question(s, &req, pending, sink, ctx);
	proto_request_free(&req);
	choices_clear(&taken);
	return rc == -1 ? -1 : 0;
}

/* Collects the one frame an HTTP answer is made of. */
static int
collect(void *ctx, const char *data, size_t len)
{
	char **out = ctx;

	free(*out);
	if ((*out = malloc(len + 1)) == NULL)
		return -1;
	memcpy(*out, data, len);
	(*out)[len] = '\0';
	return 0;
}

static void
http_request(struct service *s, struct request *req, struct bucket *b, long long now,
	     struct http_reply *out)
{
	char *json = NULL;
	long wait = 0;
	int status;

	memset(out, 0, sizeof(*out));
	if ((long)req->len > s->cfg->max_question && req->type == REQ_ASK)
		status = send_error(s, PROTO_TOO_LONG, 1, req->id, NULL, 0, collect, &json);
	else if ((wait = bucket_take(b, s->cfg->rate, (double)s->cfg->burst, now)) > 0)
		status = send_error(s, PROTO_RATE_LIMITED, 1, req->id, NULL, wait, collect, &json);
	else if (req->type == REQ_INVALID)
		status = send_error(s, req->error, 1, req->id, req->message, 0, collect, &json);
	else if (req->type != REQ_ASK || req->len == 0)
		status = send_error(s, PROTO_BAD_REQUEST, 1, req->id,
				    "Ask with a question: ?q=... or {\"text\":\"...\"}.", 0,
				    collect, &json);
	else
		status = send_answer(s, req, collect, &json);
	out->body = json;
	out->status = json == NULL || status == -1 ? 500 : status;
	if (out->status == 429)
		out->retry_after = (wait + 999) / 1000;
}

void
service_http_get(struct service *s, const char *q, const char *lang, const char *id,
		 struct bucket *b, long long now, struct http_reply *out)
{
	struct request req;

	memset(&req, 0, sizeof(req));
	req.json = 1;
	req.type = REQ_ASK;
	req.text = q ? q : "";
	req.len = strlen(req.text);
	while (req.len > 0 && strchr(" \t\r\n", req.text[req.len - 1]))
		req.len--;
	if (id)
		proto_set_id(&req, id);
	if (lang && *lang && strcmp(lang, "en") != 0 && strcmp(lang, "es") != 0) {
		req.type = REQ_INVALID;
		req.error = PROTO_BAD_REQUEST;
		req.message = "\"lang\" must be \"en\" or \"es\".";
	} else if (lang) {
		snprintf(req.lang, sizeof(req.lang), "%s", lang);
	}
	if (!utf8_valid(req.text, req.len)) {
		req.type = REQ_INVALID;
		req.error = PROTO_BAD_REQUEST;
		req.message = "The question is not valid UTF-8.";
	}
	http_request(s, &req, b, now, out);
}

void
service_http_post(struct service *s, const char *body, size_t len, struct bucket *b, long long now,
		  struct http_reply *out)
{
	struct request req;

	if (!utf8_valid(body, len)) {
		memset(&req, 0, sizeof(req));
		req.json = 1;
		req.type = REQ_INVALID;
		req.error = PROTO_BAD_REQUEST;
		req.message = "The body is not valid UTF-8.";
	} else {
		proto_parse_body(body, len, &req);
	}
	http_request(s, &req, b, now, out);
	proto_request_free(&req);
}

void
service_health(struct service *s, struct http_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (s->kb == NULL) {
		out->status = 503;
		out->body = proto_health_json("no_kb", NULL, 0, "no knowledge base is loaded");
	} else if (s->unhealthy[0] != '\0') {
		out->status = 503;
		out->body = proto_health_json("cannot_answer", kb_meta(s->kb, "kb_version"),
					      kb_fact_count(s->kb), s->unhealthy);
	} else {
		out->status = 200;
		out->body = proto_health_json("ok", kb_meta(s->kb, "kb_version"),
					      kb_fact_count(s->kb), NULL);
	}
}

int
service_metrics(struct service *s, struct buf *b)
{
	return metrics_render(&s->metrics, b);
}
