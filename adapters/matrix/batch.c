/* SPDX-License-Identifier: MIT */
/*
 * batch.c -- what the Matrix thread does with a batch from /sync: joins the rooms it is
 * invited to (or declines them), decides which messages are questions, tells encrypted
 * rooms once that it cannot read them, and sends replies, waiting out 429s and backing
 * off after failures. A reply's transaction id is made from what it answers, so that
 * sending it again after a crash is harmless.
 */
#include "syncer_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mxapi.h"
#include "notice.h"

#define TXN_PREFIX "rulingbot-"

/* Makes a call until it is done, refused, or failed for good: waiting out 429s and
 * backing off after network errors and 5xx. Returns the outcome (r filled; free it), or
 * -1 when told to quit first (r empty). */
int
batch_call(struct syncer *s, const char *method, const char *url, const char *body,
	   struct mx_result *r, const char *what)
{
	struct backoff b;
	long wait;

	backoff_init(&b, 1000, 60000);
	for (;;) {
		if (syncer_quitting(s, 0))
			return -1;
		switch (mx_call(s->call, method, url, s->cfg.token, body, r)) {
		case MX_RATELIMITED:
			wait = r->retry_after_ms;
			log_warnx("%s: rate limited; trying again in %ld ms", what, wait);
			break;
		case MX_RETRY:
			wait = backoff_next(&b);
			log_warnx("%s: %s; trying again in %ld ms", what, r->error, wait);
			break;
		case MX_AUTH: syncer_refuse(s, r->error); return MX_AUTH;
		default: return r->outcome;
		}
		mx_result_free(r);
		if (syncer_pause(s, wait, 0) == -1)
			return -1;
	}
}

/* Sends content in room under the transaction id TXN_PREFIX + key. Returns 0 when it
 * was sent or refused for good (and dropped), -1 when it must be sent again later. */
int
batch_send(struct syncer *s, const char *room, const char *key, const char *content)
{
	struct mx_result r;
	struct buf url;
	int rc = -1, outcome;

	buf_init(&url);
	if (mx_url(&url, s->cfg.homeserver, "rooms/%e/send/m.room.message/" TXN_PREFIX "%e", room,
		   key) == -1) {
		buf_free(&url);
		return 0;
	}
	outcome = batch_call(s, "PUT", url.data, content, &r, "sending a reply");
	if (outcome == MX_OK) {
		log_debug("sent a reply in %s", room);
		rc = 0;
	} else if (outcome == MX_FAILED) {
		log_warnx("the homeserver refused a reply in %s: %s; it is dropped", room, r.error);
		rc = 0;
	}
	if (outcome != -1)
		mx_result_free(&r);
	buf_free(&url);
	return rc;
}

/* The number of members of room: known, or asked of the homeserver. -1 when unknown. */
static long
members(struct syncer *s, const char *room)
{
	long n = rooms_get(s->rooms, room, mono_ms());
	const cJSON *joined;
	struct mx_result r;
	struct buf url;

	if (n >= 0)
		return n;
	buf_init(&url);
	if (mx_url(&url, s->cfg.homeserver, "rooms/%e/joined_members", room) == 0 &&
	    batch_call(s, "GET", url.data, NULL, &r, "counting a room's members") != -1) {
		joined = cJSON_GetObjectItemCaseSensitive(r.reply, "joined");
		if (r.outcome == MX_OK && cJSON_IsObject(joined)) {
			n = cJSON_GetArraySize(joined);
			rooms_set(s->rooms, room, n, mono_ms());
		} else {
			log_warnx("cannot count the members of %s: %s", room, r.error);
		}
		mx_result_free(&r);
	}
	buf_free(&url);
	return n;
}

/* Tells room, once, that the bot cannot read it. Returns 0, or -1 when the notice must
 * be sent again later. */
static int
warn_room(struct syncer *s, const char *room)
{
	char *content;
	int rc;

	if (state_warned(&s->state, room))
		return 0;
	if ((content = notice_encrypted(s->cfg.web_url)) == NULL)
		return 0;
	log_info("%s is encrypted: telling it once that I cannot read it", room);
	rc = batch_send(s, room, room, content);
	free(content);
	if (rc == 0 && state_add_warned(&s->state, room) == -1)
		log_warnx("out of memory: %s may be told twice", room);
	return rc;
}

static int
listed(const char *const *list, size_t n, const char *user)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], user) == 0)
			return 1;
	return 0;
}

/* Returns 1 when inviter is allowed: named, or on a named server. */
static int
allowed_inviter(const struct syncer *s, const char *inviter)
{
	const char *server = inviter != NULL ? strchr(inviter, ':') : NULL, *entry;
	size_t i;

	if (s->cfg.nallow == 0)
		return 1;
	for (i = 0; inviter != NULL && i < s->cfg.nallow; i++) {
		entry = s->cfg.allow[i];
		if (entry[0] == '@'
			    ? strcmp(entry, inviter) == 0
			    : server != NULL && strcmp(entry + (entry[0] == ':'), server + 1) == 0)
			return 1;
	}
	return 0;
}

/* Joins (or declines) the room of an invitation, once. Returns 0, or -1 when the work is
 * to be done again later. */
static int
handle_invite(struct syncer *s, const struct mx_invite *inv)
{
	int ok = allowed_inviter(s, inv->inviter), outcome;
	const char *who = inv->inviter ? inv->inviter : "someone";
	struct mx_result r;
	struct buf url, key;

	buf_init(&url);
	buf_init(&key);
	if (buf_printf(&key, "invite %s", inv->room_id) == -1 ||
	    dedupe_contains(s->seen, key.data, mono_ms()) ||
	    (ok ? mx_url(&url, s->cfg.homeserver, "join/%e", inv->room_id)
		: mx_url(&url, s->cfg.homeserver, "rooms/%e/leave", inv->room_id)) == -1) {
		buf_free(&key);
		return 0;
	}
	outcome = batch_call(s, "POST", url.data, "{}", &r, ok ? "joining" : "declining");
	buf_free(&url);
	if (outcome == -1 || outcome == MX_AUTH) {
		buf_free(&key);
		if (outcome == MX_AUTH)
			mx_result_free(&r);
		return -1;
	}
	dedupe_seen(s->seen, key.data, mono_ms());
	buf_free(&key);
	if (outcome != MX_OK)
		log_warnx("cannot %s %s: %s", ok ? "join" : "decline", inv->room_id, r.error);
	else
		log_info("%s %s, invited by %s", ok ? "joined" : "declined", inv->room_id, who);
	mx_result_free(&r);
	return outcome == MX_OK && ok && inv->encrypted ? warn_room(s, inv->room_id) : 0;
}

/* The help text, for a message that names the bot and asks nothing. */
static int
help(struct syncer *s, const char *room, const struct mx_message *m)
{
	struct mx_target to = { room, m->event_id, m->sender, m->thread_root };
	const char *name = s->cfg.me.display_name ? s->cfg.me.display_name : s->cfg.me.localpart;
	char *content = notice_help(&to, name);
	int rc = content != NULL ? batch_send(s, room, m->event_id, content) : 0;

	free(content);
	return rc;
}

/* Why a message that is a question is left alone, or NULL when it is to be answered. */
static const char *
why_not(struct syncer *s, const char *room, const struct mx_message *m, long long now_ms)
{
	if (listed(s->cfg.ignore, s->cfg.nignore, m->sender))
		return "a user to ignore";
	if (state_warned(&s->state, room))
		return "a room the bot cannot read";
	if (m->ts_ms < now_ms - s->cfg.max_age_s * 1000)
		return "older than --max-age";
	if (dedupe_seen(s->seen, m->event_id, mono_ms()) == 1)
		return "already handled";
	if (m->kind == MX_QUESTION && !m->mentioned && members(s, room) != 2)
		return "not for the bot (no mention, and not a direct chat)";
	return NULL;
}

/* Acts on one event. Returns 0, or -1 when a reply could not be sent. */
int
batch_event(struct syncer *s, const char *room, const cJSON *ev, long long now_ms)
{
	struct mx_message m;
	const char *why;
	int rc = 0;

	if (events_read(ev, &s->cfg.me, &m) == MX_SKIP)
		why = m.why;
	else
		why = why_not(s, room, &m, now_ms);
	if (why != NULL)
		log_debug("%s in %s: %s", m.event_id ? m.event_id : "an event", room, why);
	else if (m.kind == MX_ENCRYPTED)
		rc = warn_room(s, room);
	else if (m.text[0] == '\0')
		rc = help(s, room, &m);
	else
		syncer_ask(s, room, &m);
	events_clear(&m);
	return rc;
}

/* Keeps the room's member count current. A membership change makes the count unknown
 * at once (a direct chat that someone joins must not be answered as one), and so does a
 * gap, which may hide one; the summary, when sent, is the count after the batch. */
static void
update_room(struct syncer *s, const struct mx_room_update *u)
{
	if (u->members_changed || u->limited) {
		log_debug("%s: %s; its member count is %s", u->room_id,
			  u->members_changed ? "someone joined or left" : "a gap in the timeline",
			  u->joined >= 0 ? "updated" : "asked for again");
		rooms_forget(s->rooms, u->room_id);
	}
	if (u->joined >= 0)
		rooms_set(s->rooms, u->room_id, u->joined, mono_ms());
}

/* Acts on a batch. Returns 0 when all of it is done, -1 when it must be done again. */
int
batch_handle(struct syncer *s, const struct mx_batch *b, int first)
{
	long long now_ms = wall_ms();
	int rc = 0;
	size_t i;

	for (i = 0; i < b->nrooms; i++)
		update_room(s, &b->rooms[i]);
	for (i = 0; i < b->ninvites && rc == 0; i++)
		rc = handle_invite(s, &b->invites[i]);
	if (first) {
		log_info("first start: %zu earlier messages are left unanswered", b->nevents);
		return rc;
	}
	/* What a gap hid comes first: it was said before the timeline's events. */
	for (i = 0; i < b->nrooms && rc == 0; i++)
		if (b->rooms[i].limited && b->rooms[i].prev_batch != NULL)
			rc = gap_handle(s, b->rooms[i].room_id, b->rooms[i].prev_batch, now_ms);
	for (i = 0; i < b->nevents && rc == 0; i++)
		rc = batch_event(s, b->events[i].room_id, b->events[i].event, now_ms);
	/* The replies already asked for are sent even when this batch is to be redone. */
	return syncer_deliver(s) == 0 ? rc : -1;
}
