/* SPDX-License-Identifier: MIT */
/*
 * socketmode.c -- the links' lives, after what Slack's own SDKs do:
 *
 *   free -> opening (apps.connections.open) -> connecting -> hello_wait -> ready
 *
 * A disconnect with "warning" or "refresh_requested" marks the link retiring and opens
 * a new one. The old link is not closed from here when the new one says hello: Slack
 * may still be sending on it, and a websocket drops whatever arrives after its own close
 * frame went out (RFC 6455 allows no reply then, so no acknowledgement). So it is read,
 * and every envelope on it acknowledged, until Slack closes it; only when Slack has not
 * done so a watchdog's time after the new hello is it closed from here, and an envelope
 * crossing that close is left to Slack to deliver again (the bridge's dedupe keeps the
 * answer single). Any other reason ("too_many_websockets") closes the link first. A link
 * that fails, closes, waits over HELLO_WAIT_MS for hello, or hears nothing (not even a
 * pong to our pings) for the watchdog's time is replaced, after a backoff with jitter.
 * Envelopes are acknowledged before anything else is done with them, as Slack
 * redelivers those unacknowledged within 3 seconds.
 */
#include "socketmode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "clock.h"
#include "log.h"
#include "wsc.h"

#define MAX_LINKS     4		   /* the kept one, and those being replaced */
#define TICK_US	      (200 * 1000) /* how often timeouts are looked at */
#define HELLO_WAIT_MS 10000	   /* from connecting to hello */
#define OPENING_MS    60000	   /* for apps.connections.open to come back */
#define MAX_ENVELOPE  (1 << 20)	   /* longest frame taken */

enum link_state { LINK_FREE, LINK_OPENING, LINK_CONNECTING, LINK_HELLO_WAIT, LINK_READY };

struct link {
	struct socketmode *sm;
	unsigned id; /* this link's number, for the log and the outbox */
	enum link_state state;
	struct wsc *ws; /* while connecting or connected */
	int retiring;	/* Slack asked it to go: it goes once another is ready */
	/* For a retiring link once its replacement is ready: when to close it if Slack has
	 * not by then; 0 before that, and once it was closed from here. */
	long long close_at_ms;
	long long since_ms, last_rx_ms, last_ping_ms;
};

struct socketmode {
	struct lws_context *ctx;
	struct outbox *out;
	long watchdog_ms;
	socketmode_payload_fn fn;
	void *arg;
	struct link links[MAX_LINKS];
	struct wsc *dead[MAX_LINKS]; /* closed connections, freed on the next tick */
	unsigned next_id;
	struct backoff backoff;
	long long reconnect_at_ms;
	int stopping;
	lws_sorted_usec_list_t tick;
};

static const char *const state_names[] = { "free", "opening", "connecting", "waiting for hello",
					   "ready" };

/* A connection's wsc cannot be freed from its own callback: it waits for the tick. */
static void
bury(struct socketmode *sm, struct wsc *ws)
{
	size_t i;

	for (i = 0; i < MAX_LINKS; i++) {
		if (sm->dead[i] == NULL) {
			sm->dead[i] = ws;
			return;
		}
	}
	/* Cannot happen: at most MAX_LINKS connections exist. Leak rather than crash. */
	log_warnx("Slack: a closed connection could not be freed");
}

static void
free_link(struct link *l)
{
	if (l->ws != NULL)
		bury(l->sm, l->ws);
	l->ws = NULL;
	l->state = LINK_FREE;
	l->retiring = 0;
	l->close_at_ms = 0;
}

/* Returns 1 when a link that is not retiring is kept (or being opened). */
static int
has_good_link(const struct socketmode *sm)
{
	size_t i;

	for (i = 0; i < MAX_LINKS; i++)
		if (sm->links[i].state != LINK_FREE && !sm->links[i].retiring)
			return 1;
	return 0;
}

/* Asks the outbox for a new link. */
static void
open_link(struct socketmode *sm)
{
	struct link *l = NULL;
	size_t i;

	for (i = 0; i < MAX_LINKS && l == NULL; i++)
		if (sm->links[i].state == LINK_FREE)
			l = &sm->links[i];
	if (l == NULL)
		return;
	l->id = ++sm->next_id;
	if (outbox_open_link(sm->out, l->id) == -1) {
		sm->reconnect_at_ms = mono_ms() + backoff_next(&sm->backoff);
		return;
	}
	log_debug("Slack link %u: opening", l->id);
	l->state = LINK_OPENING;
	l->since_ms = mono_ms();
}

/* A link failed or closed: replace it, after a backoff, unless another one is kept. */
static void
lost(struct socketmode *sm, struct link *l, const char *why, long wait_ms)
{
	int retiring = l->retiring;

	free_link(l);
	if (retiring)
		log_info("Slack link %u: %s (it had been replaced)", l->id, why);
	if (sm->stopping || has_good_link(sm))
		return;
	if (wait_ms < 0)
		wait_ms = backoff_next(&sm->backoff);
	if (!retiring)
		log_warnx("Slack link %u: %s; a new one in %ld ms", l->id, why, wait_ms);
	sm->reconnect_at_ms = mono_ms() + wait_ms;
}

static struct link *
link_of(struct socketmode *sm, unsigned id)
{
	size_t i;

	for (i = 0; i < MAX_LINKS; i++)
		if (sm->links[i].state != LINK_FREE && sm->links[i].id == id)
			return &sm->links[i];
	return NULL;
}

/* The new link said hello: the links it replaces are read until Slack closes them, or
 * for a watchdog's time. */
static void
retire_others(struct socketmode *sm, struct link *keep)
{
	size_t i;

	for (i = 0; i < MAX_LINKS; i++) {
		struct link *l = &sm->links[i];

		if (l != keep && l->retiring && l->ws != NULL && l->close_at_ms == 0) {
			log_info("Slack link %u: replaced by link %u; read until Slack closes it",
				 l->id, keep->id);
			l->close_at_ms = mono_ms() + sm->watchdog_ms;
		}
	}
}

static void
on_disconnect(struct socketmode *sm, struct link *l, const cJSON *msg)
{
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(msg, "reason");
	const char *why = cJSON_IsString(reason) ? reason->valuestring : "no reason";

	if (strcmp(why, "warning") == 0 || strcmp(why, "refresh_requested") == 0) {
		log_info("Slack link %u: disconnect (%s): opening its replacement", l->id, why);
		l->retiring = 1;
		if (!has_good_link(sm) && !sm->stopping)
			open_link(sm);
		return;
	}
	/* too_many_websockets, and reasons not known here: this link goes first. */
	log_info("Slack link %u: disconnect (%s): closing it", l->id, why);
	wsc_close(l->ws);
}

static void
acknowledge(struct link *l, const char *envelope_id)
{
	cJSON *ack = cJSON_CreateObject();
	char *text = NULL;

	if (ack != NULL && cJSON_AddStringToObject(ack, "envelope_id", envelope_id) != NULL)
		text = cJSON_PrintUnformatted(ack);
	if (text == NULL || wsc_send(l->ws, text, strlen(text)) == -1)
		log_warnx("Slack link %u: could not acknowledge an envelope", l->id);
	cJSON_free(text);
	cJSON_Delete(ack);
}

static void
on_message(struct wsc *ws, void *arg, const char *text, size_t len)
{
	struct link *l = arg;
	struct socketmode *sm = l->sm;
	cJSON *msg = cJSON_ParseWithLength(text, len);
	const cJSON *envelope = cJSON_GetObjectItemCaseSensitive(msg, "envelope_id");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
	const char *t = cJSON_IsString(type) ? type->valuestring : "";

	(void)ws;
	l->last_rx_ms = mono_ms();
	if (cJSON_IsString(envelope))
		acknowledge(l, envelope->valuestring);
	if (strcmp(t, "hello") == 0) {
		log_info("Slack link %u: ready", l->id);
		l->state = LINK_READY;
		backoff_reset(&sm->backoff);
		retire_others(sm, l);
	} else if (strcmp(t, "disconnect") == 0) {
		on_disconnect(sm, l, msg);
	} else if (strcmp(t, "events_api") == 0) {
		sm->fn(sm->arg, cJSON_GetObjectItemCaseSensitive(msg, "payload"));
	} else {
		log_debug("Slack link %u: a '%s' message was ignored", l->id, t);
	}
	cJSON_Delete(msg);
}

static void
on_opened(struct wsc *ws, void *arg)
{
	struct link *l = arg;

	(void)ws;
	l->state = LINK_HELLO_WAIT;
	l->since_ms = l->last_rx_ms = l->last_ping_ms = mono_ms();
}

static void
on_pong(struct wsc *ws, void *arg)
{
	struct link *l = arg;

	(void)ws;
	l->last_rx_ms = mono_ms();
}

static void
on_closed(struct wsc *ws, void *arg, const char *why)
{
	struct link *l = arg;

	(void)ws;
	lost(l->sm, l, why, -1);
}

static const struct wsc_ops link_ops = { on_opened, on_message, on_pong, on_closed };

void
socketmode_link_result(struct socketmode *sm, const struct link_result *r)
{
	struct link *l = link_of(sm, r->link);
	char name[32];

	if (l == NULL || l->state != LINK_OPENING)
		return;
	if (sm->stopping) {
		free_link(l);
		return;
	}
	if (!r->ok) {
		lost(sm, l, r->error, r->retry_after_s >= 0 ? r->retry_after_s * 1000 : -1);
		return;
	}
	snprintf(name, sizeof(name), "Slack link %u", l->id);
	/* Connecting before the call: a connection can fail, and be reported, within it. */
	l->state = LINK_CONNECTING;
	l->since_ms = mono_ms();
	if ((l->ws = wsc_new(sm->ctx, name, &link_ops, l, MAX_ENVELOPE)) == NULL)
		lost(sm, l, "out of memory", -1);
	else if (wsc_connect(l->ws, r->url, NULL) == -1)
		lost(sm, l, "apps.connections.open gave no websocket URL", -1);
}

/* Drops a link that is stuck or silent, or replaced and left open by Slack; pings one
 * that is quiet. */
static void
watch(struct socketmode *sm, struct link *l, long long now)
{
	if (l->close_at_ms != 0 && now >= l->close_at_ms) {
		log_info("Slack link %u: replaced, and not closed by Slack after %ld s; closing it",
			 l->id, sm->watchdog_ms / 1000);
		l->close_at_ms = 0;
		wsc_close(l->ws);
	} else if (l->state == LINK_OPENING && now - l->since_ms > OPENING_MS) {
		lost(sm, l, "apps.connections.open never came back", -1);
	} else if ((l->state == LINK_CONNECTING || l->state == LINK_HELLO_WAIT) &&
		   now - l->since_ms > HELLO_WAIT_MS) {
		log_warnx("Slack link %u: no hello after %d s", l->id, HELLO_WAIT_MS / 1000);
		wsc_drop(l->ws);
	} else if (l->state == LINK_READY && now - l->last_rx_ms > sm->watchdog_ms) {
		log_warnx("Slack link %u: nothing received for %lld ms, replacing it", l->id,
			  now - l->last_rx_ms);
		wsc_drop(l->ws);
	} else if (l->state == LINK_READY && now - l->last_ping_ms > sm->watchdog_ms / 3) {
		l->last_ping_ms = now;
		wsc_ping(l->ws);
	}
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct socketmode *sm = lws_container_of(sul, struct socketmode, tick);
	long long now = mono_ms();
	size_t i;

	for (i = 0; i < MAX_LINKS; i++) {
		wsc_free(sm->dead[i]);
		sm->dead[i] = NULL;
	}
	for (i = 0; i < MAX_LINKS; i++)
		if (sm->links[i].state != LINK_FREE)
			watch(sm, &sm->links[i], now);
	if (!sm->stopping && !has_good_link(sm) && now >= sm->reconnect_at_ms)
		open_link(sm);
	lws_sul_schedule(sm->ctx, 0, &sm->tick, on_tick, TICK_US);
}

struct socketmode *
socketmode_new(struct lws_context *ctx, struct outbox *out, long watchdog_ms,
	       socketmode_payload_fn fn, void *arg)
{
	struct socketmode *sm = calloc(1, sizeof(*sm));
	size_t i;

	if (sm == NULL)
		return NULL;
	sm->ctx = ctx;
	sm->out = out;
	sm->watchdog_ms = watchdog_ms;
	sm->fn = fn;
	sm->arg = arg;
	for (i = 0; i < MAX_LINKS; i++)
		sm->links[i].sm = sm;
	backoff_init(&sm->backoff, 1000, 60000);
	open_link(sm);
	lws_sul_schedule(ctx, 0, &sm->tick, on_tick, TICK_US);
	return sm;
}

void
socketmode_stop(struct socketmode *sm)
{
	size_t i;

	sm->stopping = 1;
	for (i = 0; i < MAX_LINKS; i++) {
		struct link *l = &sm->links[i];

		if (l->state == LINK_FREE)
			continue;
		log_debug("Slack link %u: %s, closing", l->id, state_names[l->state]);
		if (l->ws != NULL && wsc_is_busy(l->ws))
			wsc_close(l->ws);
		else if (l->state == LINK_OPENING)
			free_link(l);
	}
}

void
socketmode_free(struct socketmode *sm)
{
	size_t i;

	if (sm == NULL)
		return;
	lws_sul_cancel(&sm->tick);
	for (i = 0; i < MAX_LINKS; i++) {
		wsc_free(sm->links[i].ws);
		wsc_free(sm->dead[i]);
	}
	free(sm);
}
