/* SPDX-License-Identifier: MIT */
/*
 * rclient.c -- questions to rulingd and their replies. Each question waits in a list in
 * the order asked, with an id of its own ("b<N>"), until a reply with that id comes or
 * its deadline passes. On every new connection the questions not yet answered are sent
 * again (the old connection's replies died with it); a reply for an id no longer waiting
 * is a late duplicate and is dropped, so no question is answered twice. rate_limited and
 * overloaded are rulingd asking for patience: the question waits and goes again.
 */
#include "rclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "clock.h"
#include "log.h"
#include "wsc.h"

#define TICK_US		(250 * 1000) /* how often deadlines and retries are looked at */
#define MAX_IN_FLIGHT	16	     /* questions sent and unanswered; rulingd queues 64 */
#define MAX_REPLY	(1 << 20)    /* longest reply taken */
#define PING_AFTER_MS	20000	     /* silence before a ping */
#define DEAD_AFTER_MS	60000	     /* silence before the connection is given up */
#define OVERLOADED_MS	1000	     /* wait after an "overloaded" */
#define RECONNECT_FIRST 500	     /* backoff, milliseconds */
#define RECONNECT_MAX	30000

enum qstate {
	Q_QUEUED, /* to be sent on the current connection */
	Q_SENT,	  /* sent, waiting for its reply */
	Q_PAUSED, /* rulingd asked to wait until resume_ms */
};

struct question {
	struct question *next;
	char id[24];
	char *request; /* the JSON ask, ready to send */
	void *tag;
	enum qstate state;
	long long deadline_ms, resume_ms;
};

struct rclient {
	struct lws_context *ctx;
	struct wsc *ws;
	char *url;
	long timeout_ms;
	rclient_reply_fn fn;
	void *arg;
	struct question *head; /* in the order asked */
	size_t waiting, in_flight;
	unsigned long long next_id;
	struct backoff backoff;
	long long reconnect_at_ms; /* when closed: the time to try again */
	long long last_rx_ms, last_ping_ms;
	lws_sorted_usec_list_t tick;
};

static void
question_free(struct question *q)
{
	free(q->request);
	free(q);
}

/* Takes q out of the list. */
static void
unlink_question(struct rclient *c, struct question *q)
{
	struct question **pp;

	for (pp = &c->head; *pp != q; pp = &(*pp)->next)
		;
	*pp = q->next;
	if (q->state == Q_SENT)
		c->in_flight--;
	c->waiting--;
}

/* Ends q with reply r: the only way a question leaves the list while c lives. */
static void
finish(struct rclient *c, struct question *q, const struct rreply *r)
{
	void *tag = q->tag;

	unlink_question(c, q);
	question_free(q);
	c->fn(c->arg, tag, r);
}

static struct question *
find(struct rclient *c, const char *id)
{
	struct question *q;

	for (q = c->head; q != NULL; q = q->next)
		if (strcmp(q->id, id) == 0)
			return q;
	return NULL;
}

/* Sends what is queued, oldest first, while there is room in flight. */
static void
send_queued(struct rclient *c)
{
	struct question *q;

	if (!wsc_is_open(c->ws))
		return;
	for (q = c->head; q != NULL && c->in_flight < MAX_IN_FLIGHT; q = q->next) {
		if (q->state != Q_QUEUED)
			continue;
		if (wsc_send(c->ws, q->request, strlen(q->request)) == -1)
			return;
		q->state = Q_SENT;
		c->in_flight++;
	}
}

static void
on_opened(struct wsc *ws, void *arg)
{
	struct rclient *c = arg;

	(void)ws;
	log_info("connected to rulingd");
	backoff_reset(&c->backoff);
	c->last_rx_ms = c->last_ping_ms = mono_ms();
	send_queued(c);
}

/* A question rulingd asked us to hold back: queue it again after wait_ms. */
static void
pause_question(struct rclient *c, struct question *q, long long wait_ms)
{
	if (q->state == Q_SENT)
		c->in_flight--;
	q->state = Q_PAUSED;
	q->resume_ms = mono_ms() + (wait_ms > 0 ? wait_ms : 1);
}

static void
on_error_reply(struct rclient *c, struct question *q, const cJSON *reply)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(reply, "code");
	const cJSON *wait = cJSON_GetObjectItemCaseSensitive(reply, "retry_after_ms");
	const char *name = cJSON_IsString(code) ? code->valuestring : "unknown";
	struct rreply r = { RREPLY_ERROR, reply, name };

	if (strcmp(name, "rate_limited") == 0) {
		/* The wait is checked before the cast, which would be undefined beyond range. */
		pause_question(c, q,
			       cJSON_IsNumber(wait) && wait->valuedouble >= 0 &&
					       wait->valuedouble <= 600000
				       ? (long long)wait->valuedouble
				       : 1000);
		return;
	}
	if (strcmp(name, "overloaded") == 0) {
		pause_question(c, q, OVERLOADED_MS);
		return;
	}
	log_warnx("rulingd refused question %s: %s", q->id, name);
	finish(c, q, &r);
}

static struct question *
oldest_sent(struct rclient *c)
{
	struct question *q;

	for (q = c->head; q != NULL && q->state != Q_SENT; q = q->next)
		;
	return q;
}

static void
on_message(struct wsc *ws, void *arg, const char *text, size_t len)
{
	struct rclient *c = arg;
	cJSON *reply = cJSON_ParseWithLength(text, len);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(reply, "type");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(reply, "id");
	struct question *q;
	struct rreply r = { RREPLY_ANSWER, reply, NULL };

	(void)ws;
	c->last_rx_ms = mono_ms();
	/* An error without an id answers a message rulingd could not read (too long to
	 * parse): replies come in order, so it is the oldest question in flight. */
	q = cJSON_IsString(id) ? find(c, id->valuestring) : oldest_sent(c);
	if (!cJSON_IsString(type) || q == NULL || q->state != Q_SENT ||
	    (!cJSON_IsString(id) && strcmp(type->valuestring, "error") != 0)) {
		log_debug("rulingd: a reply for no waiting question was dropped");
		cJSON_Delete(reply);
		return;
	}
	if (strcmp(type->valuestring, "error") == 0) {
		on_error_reply(c, q, reply);
	} else {
		r.kind = strcmp(type->valuestring, "no_answer") == 0 ? RREPLY_NO_ANSWER
			 : strcmp(type->valuestring, "clarify") == 0 ? RREPLY_CLARIFY
								     : RREPLY_ANSWER;
		finish(c, q, &r);
	}
	cJSON_Delete(reply);
	send_queued(c);
}

static void
on_pong(struct wsc *ws, void *arg)
{
	struct rclient *c = arg;

	(void)ws;
	c->last_rx_ms = mono_ms();
}

static void
on_closed(struct wsc *ws, void *arg, const char *why)
{
	struct rclient *c = arg;
	struct question *q;
	long wait = backoff_next(&c->backoff);

	(void)ws;
	log_warnx("rulingd: %s; trying again in %ld ms", why, wait);
	for (q = c->head; q != NULL; q = q->next)
		if (q->state == Q_SENT)
			q->state = Q_QUEUED;
	c->in_flight = 0;
	c->reconnect_at_ms = mono_ms() + wait;
}

static const struct wsc_ops rclient_ops = { on_opened, on_message, on_pong, on_closed };

/* Questions past their deadline get a timeout; paused ones whose wait is over queue. */
static void
expire(struct rclient *c, long long now)
{
	static const struct rreply timeout = { RREPLY_TIMEOUT, NULL, NULL };
	struct question *q, *next;

	for (q = c->head; q != NULL; q = next) {
		next = q->next;
		if (now >= q->deadline_ms) {
			log_warnx("rulingd did not answer question %s in time", q->id);
			finish(c, q, &timeout);
		} else if (q->state == Q_PAUSED && now >= q->resume_ms) {
			q->state = Q_QUEUED;
		}
	}
}

/* Keeps the connection alive and honest: pings a quiet one, drops a dead one, and
 * reconnects a closed one when its backoff is over. */
static void
keep_connected(struct rclient *c, long long now)
{
	if (wsc_is_open(c->ws)) {
		if (now - c->last_rx_ms > DEAD_AFTER_MS) {
			log_warnx("rulingd: nothing heard for %d s, reconnecting",
				  DEAD_AFTER_MS / 1000);
			wsc_drop(c->ws);
		} else if (now - c->last_rx_ms > PING_AFTER_MS &&
			   now - c->last_ping_ms > PING_AFTER_MS) {
			c->last_ping_ms = now;
			wsc_ping(c->ws);
		}
	} else if (!wsc_is_busy(c->ws) && now >= c->reconnect_at_ms) {
		wsc_connect(c->ws, c->url, "rulingbot.v1");
	}
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct rclient *c = lws_container_of(sul, struct rclient, tick);
	long long now = mono_ms();

	expire(c, now);
	keep_connected(c, now);
	send_queued(c);
	lws_sul_schedule(c->ctx, 0, &c->tick, on_tick, TICK_US);
}

struct rclient *
rclient_new(struct lws_context *ctx, const char *url, long timeout_ms, rclient_reply_fn fn,
	    void *arg, char *err, size_t errlen)
{
	struct rclient *c = calloc(1, sizeof(*c));
	char scratch[2048];
	const char *host, *path;
	int port, tls;

	if (wsc_parse_url(url, scratch, sizeof(scratch), &host, &port, &path, &tls) == -1) {
		snprintf(err, errlen, "%s: not a ws:// or wss:// URL", url);
		free(c);
		return NULL;
	}
	if (c == NULL || (c->url = strdup(url)) == NULL ||
	    (c->ws = wsc_new(ctx, "rulingd", &rclient_ops, c, MAX_REPLY)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rclient_free(c);
		return NULL;
	}
	c->ctx = ctx;
	c->timeout_ms = timeout_ms;
	c->fn = fn;
	c->arg = arg;
	backoff_init(&c->backoff, RECONNECT_FIRST, RECONNECT_MAX);
	wsc_connect(c->ws, c->url, "rulingbot.v1");
	lws_sul_schedule(ctx, 0, &c->tick, on_tick, TICK_US);
	return c;
}

void
rclient_free(struct rclient *c)
{
	struct question *q, *next;

	if (c == NULL)
		return;
	static const struct rreply timeout = { RREPLY_TIMEOUT, NULL, NULL };

	if (c->ctx != NULL)
		lws_sul_cancel(&c->tick);
	/* Each question gets its one reply, even now: its owner frees what it tagged. */
	for (q = c->head; q != NULL; q = next) {
		next = q->next;
		if (c->fn != NULL)
			c->fn(c->arg, q->tag, &timeout);
		question_free(q);
	}
	wsc_free(c->ws);
	free(c->url);
	free(c);
}

/* The JSON ask for q's id and the text. */
static char *
make_request(const char *id, const char *text, const char *lang)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o != NULL && cJSON_AddStringToObject(o, "type", "ask") != NULL &&
	    cJSON_AddStringToObject(o, "id", id) != NULL &&
	    cJSON_AddStringToObject(o, "text", text) != NULL &&
	    (lang == NULL || cJSON_AddStringToObject(o, "lang", lang) != NULL))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

int
rclient_ask(struct rclient *c, const char *text, const char *lang, void *tag)
{
	struct question *q = calloc(1, sizeof(*q)), **pp;

	if (q == NULL)
		return -1;
	snprintf(q->id, sizeof(q->id), "b%llu", ++c->next_id);
	if ((q->request = make_request(q->id, text, lang)) == NULL) {
		free(q);
		return -1;
	}
	q->tag = tag;
	q->state = Q_QUEUED;
	q->deadline_ms = mono_ms() + c->timeout_ms;
	for (pp = &c->head; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = q;
	c->waiting++;
	send_queued(c);
	return 0;
}

size_t
rclient_waiting(const struct rclient *c)
{
	return c->waiting;
}

const char *
rreply_apology(const struct rreply *r)
{
	if (r->kind == RREPLY_ERROR && r->code != NULL && strcmp(r->code, "too_long") == 0)
		return "That question is too long for me. Please ask it in fewer words.";
	return "Sorry, I could not get an answer just now. Please ask again in a few minutes.";
}
