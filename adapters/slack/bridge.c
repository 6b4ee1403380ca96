/* SPDX-License-Identifier: MIT */
/*
 * bridge.c -- from a Slack event to a posted answer. An event is answered at most once:
 * Slack retries an event it thinks was missed (same event_id), and may deliver one
 * message twice as app_mention and message (same channel and ts), so both keys are
 * remembered for BRIDGE_DEDUPE_MS, longer than Slack's last retry.
 */
#include "bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mrkdwn.h"

/* Where a reply goes, kept with the question while rulingd answers it. */
struct reply_to {
	char *channel;
	char *thread_ts; /* or NULL */
};

static void
reply_to_free(struct reply_to *t)
{
	free(t->channel);
	free(t->thread_ts);
	free(t);
}

static struct reply_to *
reply_to_new(const struct slack_event *e)
{
	struct reply_to *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->channel = strdup(e->channel)) == NULL ||
	    (e->thread_ts != NULL && (t->thread_ts = strdup(e->thread_ts)) == NULL)) {
		if (t != NULL)
			reply_to_free(t);
		return NULL;
	}
	return t;
}

/* Returns 1 when e was seen before (and so is not to be answered); remembers it. */
static int
seen_before(struct bridge *b, const struct slack_event *e)
{
	long long now = mono_ms();
	char key[256];
	int dup = 0;

	if (e->event_id != NULL) {
		snprintf(key, sizeof(key), "e %s", e->event_id);
		dup = dedupe_seen(b->seen, key, now) == 1;
	}
	if (e->verdict != EVENT_IGNORE) {
		snprintf(key, sizeof(key), "m %s %s", e->channel, e->ts);
		dup |= dedupe_seen(b->seen, key, now) == 1;
	}
	return dup;
}

static void
post(struct bridge *b, const char *channel, const char *thread_ts, const char *text)
{
	if (text == NULL || outbox_post(b->out, channel, thread_ts, text) == -1)
		log_warnx("out of memory: a reply to %s was lost", channel);
}

void
bridge_on_payload(void *arg, const cJSON *payload)
{
	struct bridge *b = arg;
	struct slack_event e;
	struct reply_to *to;
	char *help;

	slack_event_read(payload, &b->me, &e);
	if (seen_before(b, &e)) {
		log_debug("event %s: already seen", e.event_id ? e.event_id : "(no id)");
	} else if (e.verdict == EVENT_IGNORE) {
		log_debug("event %s: ignored: %s", e.event_id ? e.event_id : "(no id)", e.why);
	} else if (e.verdict == EVENT_HELP) {
		help = mrkdwn_help(b->me.user_id);
		post(b, e.channel, e.thread_ts, help);
		free(help);
	} else if ((to = reply_to_new(&e)) == NULL ||
		   rclient_ask(b->rulingd, e.text, NULL, to) == -1) {
		log_warnx("out of memory: a question in %s was not asked", e.channel);
		if (to != NULL)
			reply_to_free(to);
	} else {
		log_debug("event %s: asked rulingd", e.event_id ? e.event_id : "(no id)");
	}
	slack_event_clear(&e);
}

void
bridge_on_reply(void *arg, void *tag, const struct rreply *r)
{
	struct bridge *b = arg;
	struct reply_to *to = tag;
	char *text = mrkdwn_reply(r);

	post(b, to->channel, to->thread_ts, text);
	free(text);
	reply_to_free(to);
}
