/* SPDX-License-Identifier: MIT */
/*
 * outbox.c -- the Web API thread. Posts wait in one FIFO per channel; the next post to
 * go is the one, among the heads of those FIFOs, whose channel may speak soonest (one
 * post per post_interval per channel, as Slack asks). A 429 holds every post for the
 * Retry-After Slack gave and then sends the same post again; a network error retries
 * it with a growing wait, up to MAX_ATTEMPTS. Link requests jump the queue: without a
 * link no question arrives at all.
 */
#include "outbox.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "monocond.h"
#include "slackapi.h"
#include "webcall.h"

#define MAX_ATTEMPTS 5	       /* tries of one post through network errors */
#define CALL_TIMEOUT 15	       /* seconds for one Web API call */
#define MAX_REPLY    (1 << 20) /* longest Web API reply read */
#define MAX_RESULTS  8	       /* link results waiting for the loop */

struct post {
	struct post *next;
	char *body; /* the chat.postMessage JSON */
	int attempts;
	long long not_before_ms;
};

struct channel {
	struct channel *next;
	struct post *head, *tail;
	long long next_ms; /* when it may be posted to again */
	char name[];
};

struct outbox {
	struct outbox_config cfg;
	struct lws_context *wake;
	struct webcall *web;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct channel *channels;
	size_t posts;		 /* queued or in the air */
	long long held_until_ms; /* after a 429: no post before then */
	unsigned opens[MAX_RESULTS];
	size_t nopens;
	struct link_result results[MAX_RESULTS];
	size_t nresults;
	char refused[256]; /* Slack's code when a token was refused, or "" */
	int stopping;
	long long drain_until_ms;
};

static struct channel *
channel_get(struct outbox *o, const char *name)
{
	struct channel *c;
	size_t n = strlen(name);

	for (c = o->channels; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	if ((c = calloc(1, sizeof(*c) + n + 1)) == NULL)
		return NULL;
	memcpy(c->name, name, n + 1);
	c->next = o->channels;
	o->channels = c;
	return c;
}

/* Forgets channels with nothing queued that may be posted to now, so that the list
 * holds only the channels that matter. */
static void
prune_channels(struct outbox *o, long long now)
{
	struct channel **pp = &o->channels, *c;

	while ((c = *pp) != NULL) {
		if (c->head == NULL && c->next_ms <= now) {
			*pp = c->next;
			free(c);
		} else {
			pp = &c->next;
		}
	}
}

static char *
post_body(const char *channel, const char *thread_ts, const char *text)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o != NULL && cJSON_AddStringToObject(o, "channel", channel) != NULL &&
	    cJSON_AddStringToObject(o, "text", text) != NULL &&
	    (thread_ts == NULL || cJSON_AddStringToObject(o, "thread_ts", thread_ts) != NULL) &&
	    cJSON_AddFalseToObject(o, "unfurl_links") != NULL &&
	    cJSON_AddFalseToObject(o, "unfurl_media") != NULL)
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

int
outbox_post(struct outbox *o, const char *channel, const char *thread_ts, const char *text)
{
	struct post *p = calloc(1, sizeof(*p));
	struct channel *c;

	if (p == NULL || (p->body = post_body(channel, thread_ts, text)) == NULL) {
		free(p);
		return -1;
	}
	pthread_mutex_lock(&o->lock);
	if ((c = channel_get(o, channel)) == NULL) {
		pthread_mutex_unlock(&o->lock);
		free(p->body);
		free(p);
		return -1;
	}
	if (c->tail != NULL)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	o->posts++;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	return 0;
}

int
outbox_open_link(struct outbox *o, unsigned link)
{
	int rc = -1;

	pthread_mutex_lock(&o->lock);
	if (o->nopens < MAX_RESULTS) {
		o->opens[o->nopens++] = link;
		rc = 0;
		pthread_cond_signal(&o->cond);
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int
outbox_take_result(struct outbox *o, struct link_result *r)
{
	int got = 0;

	pthread_mutex_lock(&o->lock);
	if (o->nresults > 0) {
		*r = o->results[0];
		memmove(o->results, o->results + 1, --o->nresults * sizeof(o->results[0]));
		got = 1;
	}
	pthread_mutex_unlock(&o->lock);
	return got;
}

int
outbox_refused(struct outbox *o, char *code, size_t len)
{
	int refused;

	pthread_mutex_lock(&o->lock);
	refused = o->refused[0] != '\0';
	snprintf(code, len, "%s", o->refused);
	pthread_mutex_unlock(&o->lock);
	return refused;
}

size_t
outbox_pending(struct outbox *o)
{
	size_t n;

	pthread_mutex_lock(&o->lock);
	n = o->posts;
	pthread_mutex_unlock(&o->lock);
	return n;
}

/* Called with the lock held: records a refused token and wakes the loop. */
static void
refuse(struct outbox *o, const char *code)
{
	if (o->refused[0] == '\0')
		snprintf(o->refused, sizeof(o->refused), "%s", code);
	lws_cancel_service(o->wake);
}

/* Opens a link (lock not held), then files the result. */
static void
open_link(struct outbox *o, unsigned link)
{
	struct link_result lr = { .link = link, .retry_after_s = -1 };
	struct slack_result r;
	const cJSON *url;

	slackapi_call(o->web, o->cfg.api_url, "apps.connections.open", o->cfg.app_token, NULL, &r);
	url = cJSON_GetObjectItemCaseSensitive(r.reply, "url");
	if (r.outcome == SLACK_OK && cJSON_IsString(url) &&
	    strlen(url->valuestring) < sizeof(lr.url)) {
		lr.ok = 1;
		snprintf(lr.url, sizeof(lr.url), "%s", url->valuestring);
	} else {
		snprintf(lr.error, sizeof(lr.error), "%s",
			 r.outcome == SLACK_OK ? "no usable url in the reply" : r.error);
		if (r.outcome == SLACK_RATELIMITED)
			lr.retry_after_s = r.retry_after_s;
	}
	pthread_mutex_lock(&o->lock);
	if (r.outcome == SLACK_AUTH)
		refuse(o, r.error);
	if (o->nresults < MAX_RESULTS)
		o->results[o->nresults++] = lr;
	pthread_mutex_unlock(&o->lock);
	slack_result_free(&r);
	lws_cancel_service(o->wake);
}

/* The channel whose head post may go soonest, and when; NULL when nothing is queued. */
static struct channel *
next_channel(struct outbox *o, long long *when)
{
	struct channel *c, *best = NULL;
	long long t;

	for (c = o->channels; c != NULL; c = c->next) {
		if (c->head == NULL)
			continue;
		t = c->next_ms > c->head->not_before_ms ? c->next_ms : c->head->not_before_ms;
		if (t < o->held_until_ms)
			t = o->held_until_ms;
		if (best == NULL || t < *when) {
			best = c;
			*when = t;
		}
	}
	return best;
}

static void
pop_post(struct outbox *o, struct channel *c)
{
	struct post *p = c->head;

	c->head = p->next;
	if (c->head == NULL)
		c->tail = NULL;
	o->posts--;
	free(p->body);
	free(p);
}

/* Files the outcome of sending c's head post (lock held). */
static void
settle_post(struct outbox *o, struct channel *c, const struct slack_result *r)
{
	long long now = mono_ms();
	struct post *p = c->head;

	switch (r->outcome) {
	case SLACK_OK:
		c->next_ms = now + o->cfg.post_interval_ms;
		pop_post(o, c);
		break;
	case SLACK_RATELIMITED:
		log_warnx("Slack is rate limiting posts: waiting %ld s", r->retry_after_s);
		o->held_until_ms = now + r->retry_after_s * 1000;
		break;
	case SLACK_RETRY:
		if (++p->attempts < MAX_ATTEMPTS) {
			log_warnx("posting to %s failed (%s): trying again", c->name, r->error);
			p->not_before_ms = now + (1000LL << (p->attempts - 1));
			break;
		}
		log_warnx("posting to %s failed %d times (%s): the reply is dropped", c->name,
			  MAX_ATTEMPTS, r->error);
		pop_post(o, c);
		break;
	case SLACK_AUTH:
		refuse(o, r->error);
		pop_post(o, c);
		break;
	case SLACK_FAILED:
		log_warnx("Slack refused a post to %s: %s", c->name, r->error);
		pop_post(o, c);
		break;
	}
}

/* Waits on the condition until when_ms (or for a signal when when_ms < 0). */
static void
wait_until(struct outbox *o, long long when_ms)
{
	if (when_ms < 0)
		pthread_cond_wait(&o->cond, &o->lock);
	else
		monocond_wait_until(&o->cond, &o->lock, when_ms);
}

/* Sends c's head post (lock held on entry and on return). */
static void
send_post(struct outbox *o, struct channel *c)
{
	struct slack_result r;
	char *body = c->head->body;

	pthread_mutex_unlock(&o->lock);
	slackapi_call(o->web, o->cfg.api_url, "chat.postMessage", o->cfg.bot_token, body, &r);
	pthread_mutex_lock(&o->lock);
	settle_post(o, c, &r);
	slack_result_free(&r);
}

static void *
run(void *arg)
{
	struct outbox *o = arg;
	struct channel *c;
	long long when = 0, now;
	unsigned link;

	pthread_mutex_lock(&o->lock);
	for (;;) {
		now = mono_ms();
		if (o->stopping && (o->posts == 0 || now >= o->drain_until_ms))
			break;
		if (!o->stopping && o->nopens > 0) {
			link = o->opens[0];
			memmove(o->opens, o->opens + 1, --o->nopens * sizeof(o->opens[0]));
			pthread_mutex_unlock(&o->lock);
			open_link(o, link);
			pthread_mutex_lock(&o->lock);
			continue;
		}
		prune_channels(o, now);
		if ((c = next_channel(o, &when)) != NULL && when <= now)
			send_post(o, c);
		else if (o->stopping)
			wait_until(o, c != NULL && when < o->drain_until_ms ? when
									    : o->drain_until_ms);
		else
			wait_until(o, c != NULL ? when : -1);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

struct outbox *
outbox_new(const struct outbox_config *cfg, struct lws_context *wake, char *err, size_t errlen)
{
	struct outbox *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->cfg = *cfg;
	o->wake = wake;
	if ((o->web = webcall_new(cfg->ca_file, CALL_TIMEOUT, MAX_REPLY, err, errlen)) == NULL) {
		free(o);
		return NULL;
	}
	if (monocond_start_thread(&o->thread, &o->lock, &o->cond, run, o, err, errlen) == -1) {
		webcall_free(o->web);
		free(o);
		return NULL;
	}
	return o;
}

size_t
outbox_free(struct outbox *o, long drain_ms)
{
	struct channel *c, *next;
	size_t lost;

	if (o == NULL)
		return 0;
	pthread_mutex_lock(&o->lock);
	o->stopping = 1;
	o->drain_until_ms = mono_ms() + drain_ms;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->thread, NULL);
	lost = o->posts;
	for (c = o->channels; c != NULL; c = next) {
		next = c->next;
		while (c->head != NULL)
			pop_post(o, c);
		free(c);
	}
	pthread_cond_destroy(&o->cond);
	pthread_mutex_destroy(&o->lock);
	webcall_free(o->web);
	free(o);
	return lost;
}
