/* SPDX-License-Identifier: MIT */
/*
 * syncer.c -- the Matrix thread: /sync, then each event of the batch, then the replies,
 * then the saved position, then /sync again. Every wait (a 429's, a backoff's) is a wait
 * on the condition, so that syncer_stop() ends it at once; no failure is ever retried
 * without a wait.
 */
#include "syncer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "clock.h"
#include "dedupe.h"
#include "html.h"
#include "log.h"
#include "mxapi.h"
#include "rooms.h"
#include "sync.h"
#include "webcall.h"

#define SYNC_TIMEOUT_MS	 "30000" /* the homeserver holds a /sync this long */
#define POLL_LIMIT_S	 75	 /* a /sync that has not answered by then is dead */
#define FIRST_LIMIT_S	 600	 /* the first /sync can be large */
#define CALL_LIMIT_S	 20	 /* any other call */
#define MAX_SYNC_REPLY	 (64 << 20)
#define MAX_CALL_REPLY	 (1 << 20)
#define SEEN_MS		 (60 * 60 * 1000LL) /* event ids remembered this long */
#define SEEN_MAX	 100000
#define MEMBERS_TRUST_MS (10 * 60 * 1000LL) /* a room's member count, unless told sooner */
#define TXN_PREFIX	 "rulingbot-"

struct syncer {
	struct syncer_config cfg;
	struct mx_state state;
	struct lws_context *wake;
	struct webcall *poll; /* /sync */
	struct webcall *call; /* everything else */
	struct rooms *rooms;
	struct dedupe *seen; /* event ids and invites handled */
	struct backoff backoff;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mx_question *asks, *asks_tail;	/* for the loop to ask */
	struct mx_question *answers, *answers_tail; /* answered, to send */
	size_t outstanding;			/* questions of this batch not yet sent */
	int stopping, refused, finished;
	long long drain_until_ms;
};

/* Returns 1 when the thread should give up what it is doing: after a refused token, at
 * once when stopping and waiting is all that is left (hard), or when the drain time has
 * passed. Lock held. */
static int
must_quit(const struct syncer *s, int hard)
{
	return s->refused || (s->stopping && (hard || mono_ms() >= s->drain_until_ms));
}

static int
quitting(struct syncer *s, int hard)
{
	int q;

	pthread_mutex_lock(&s->lock);
	q = must_quit(s, hard);
	pthread_mutex_unlock(&s->lock);
	return q;
}

/* Waits on the condition until when_ms at the latest (lock held). */
static void
wait_until(struct syncer *s, long long when_ms)
{
	struct timespec ts;
	long long wait_ms = when_ms - mono_ms();

	if (wait_ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (wait_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

/* Pauses for ms. Returns 0, or -1 when told to quit meanwhile. */
static int
pause_ms(struct syncer *s, long ms, int hard)
{
	long long until = mono_ms() + ms;
	int quit;

	pthread_mutex_lock(&s->lock);
	while (!(quit = must_quit(s, hard)) && mono_ms() < until)
		wait_until(s, until);
	pthread_mutex_unlock(&s->lock);
	return quit ? -1 : 0;
}

static void
refuse(struct syncer *s, const char *why)
{
	log_errorx("the homeserver refused the access token: %s", why);
	pthread_mutex_lock(&s->lock);
	s->refused = 1;
	pthread_mutex_unlock(&s->lock);
	lws_cancel_service(s->wake);
}

/* Makes a call until it is done, refused, or failed for good: waiting out 429s and
 * backing off after network errors and 5xx. Returns the outcome (r filled; free it), or
 * -1 when told to quit first (r empty). */
static int
call_until_done(struct syncer *s, const char *method, const char *url, const char *body,
		struct mx_result *r, const char *what)
{
	struct backoff b;
	long wait;

	backoff_init(&b, 1000, 60000);
	for (;;) {
		if (quitting(s, 0))
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
		case MX_AUTH: refuse(s, r->error); return MX_AUTH;
		default: return r->outcome;
		}
		mx_result_free(r);
		if (pause_ms(s, wait, 0) == -1)
			return -1;
	}
}

/* Sends content in room under the transaction id TXN_PREFIX + key. Returns 0 when it
 * was sent or refused for good (and dropped), -1 when it must be sent again later. */
static int
send_message(struct syncer *s, const char *room, const char *key, const char *content)
{
	struct mx_result r;
	struct buf url;
	int rc = -1, outcome;

	buf_init(&url);
	if (mx_url(&url, s->cfg.homeserver, "rooms/%e/send/m.room.message/" TXN_PREFIX "%e",
		   room, key) == -1) {
		buf_free(&url);
		return 0;
	}
	outcome = call_until_done(s, "PUT", url.data, content, &r, "sending a reply");
	if (outcome == MX_OK) {
		log_debug("sent a reply in %s", room);
		rc = 0;
	} else if (outcome == MX_FAILED) {
		log_warnx("the homeserver refused a reply in %s: %s; it is dropped", room,
			  r.error);
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
	    call_until_done(s, "GET", url.data, NULL, &r, "counting a room's members") != -1) {
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
	rc = send_message(s, room, room, content);
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
		if (entry[0] == '@' ? strcmp(entry, inviter) == 0
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
	outcome = call_until_done(s, "POST", url.data, "{}", &r, ok ? "joining" : "declining");
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

static void
question_free(struct mx_question *q)
{
	free(q->text);
	free((char *)q->to.room_id);
	free((char *)q->to.event_id);
	free((char *)q->to.sender);
	free((char *)q->to.thread_root);
	free(q->content);
	free(q);
}

static struct mx_question *
question_new(const char *room, const struct mx_message *m)
{
	struct mx_question *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->text = strdup(m->text)) == NULL ||
	    (q->to.room_id = strdup(room)) == NULL ||
	    (q->to.event_id = strdup(m->event_id)) == NULL ||
	    (q->to.sender = strdup(m->sender)) == NULL ||
	    (m->thread_root != NULL && (q->to.thread_root = strdup(m->thread_root)) == NULL)) {
		if (q != NULL)
			question_free(q);
		return NULL;
	}
	return q;
}

/* Hands a question to the loop, to be asked of rulingd. */
static void
ask(struct syncer *s, const char *room, const struct mx_message *m)
{
	struct mx_question *q = question_new(room, m);

	if (q == NULL) {
		log_warnx("out of memory: a question in %s was not asked", room);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (s->asks_tail != NULL)
		s->asks_tail->next = q;
	else
		s->asks = q;
	s->asks_tail = q;
	s->outstanding++;
	pthread_mutex_unlock(&s->lock);
	lws_cancel_service(s->wake);
}

/* The help text, for a message that names the bot and asks nothing. */
static int
help(struct syncer *s, const char *room, const struct mx_message *m)
{
	struct mx_target to = { room, m->event_id, m->sender, m->thread_root };
	const char *name = s->cfg.me.display_name ? s->cfg.me.display_name : s->cfg.me.localpart;
	char *content = notice_help(&to, name);
	int rc = content != NULL ? send_message(s, room, m->event_id, content) : 0;

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

/* Acts on one timeline event. Returns 0, or -1 when a reply could not be sent. */
static int
handle_event(struct syncer *s, const char *room, const cJSON *ev, long long now_ms)
{
	struct mx_message m;
	const char *why;
	int rc = 0;

	if (mx_message_read(ev, &s->cfg.me, &m) == MX_SKIP)
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
		ask(s, room, &m);
	mx_message_clear(&m);
	return rc;
}

/* Sends the replies of the batch as their answers come back. Returns 0 when all went
 * out, -1 when told to quit first. */
static int
deliver(struct syncer *s)
{
	struct mx_question *q;
	int rc;

	pthread_mutex_lock(&s->lock);
	while (s->outstanding > 0 && !must_quit(s, 0)) {
		if ((q = s->answers) == NULL) {
			wait_until(s, mono_ms() + 1000);
			continue;
		}
		if ((s->answers = q->next) == NULL)
			s->answers_tail = NULL;
		pthread_mutex_unlock(&s->lock);
		rc = q->content != NULL ? send_message(s, q->to.room_id, q->to.event_id, q->content)
					: 0;
		question_free(q);
		pthread_mutex_lock(&s->lock);
		if (rc == -1)
			break;
		s->outstanding--;
	}
	rc = s->outstanding == 0 ? 0 : -1;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Acts on a batch. Returns 0 when all of it is done, -1 when it must be done again. */
static int
handle_batch(struct syncer *s, const struct mx_batch *b, int first)
{
	long long now_ms = wall_ms();
	int rc = 0;
	size_t i;

	for (i = 0; i < b->ncounts; i++)
		rooms_set(s->rooms, b->counts[i].room_id, b->counts[i].joined, mono_ms());
	for (i = 0; i < b->ninvites && rc == 0; i++)
		rc = handle_invite(s, &b->invites[i]);
	if (first) {
		log_info("first start: %zu earlier messages are left unanswered", b->nevents);
		return rc;
	}
	for (i = 0; i < b->nevents && rc == 0; i++)
		rc = handle_event(s, b->events[i].room_id, b->events[i].event, now_ms);
	/* The replies already asked for are sent even when this batch is to be redone. */
	return deliver(s) == 0 ? rc : -1;
}

static void
save_position(struct syncer *s, const char *next_batch)
{
	char err[512];

	if (state_set_batch(&s->state, next_batch) == -1 ||
	    state_save(s->cfg.state_path, &s->state, err, sizeof(err)) == -1)
		log_warnx("cannot save the sync position: %s", err);
}

/* One /sync and what follows. Returns 0, or -1 after a failure (to back off). */
static int
sync_once(struct syncer *s)
{
	int first = s->state.next_batch == NULL, rc = -1;
	struct mx_result r;
	struct mx_batch b;
	struct buf url;
	char err[256];

	buf_init(&url);
	if (mx_url(&url, s->cfg.homeserver, "sync?filter=%e&set_presence=offline&timeout=%s",
		   s->cfg.filter_id, first ? "0" : SYNC_TIMEOUT_MS) == -1 ||
	    (!first && (buf_puts(&url, "&since=") == -1 ||
			url_escape(&url, s->state.next_batch) == -1))) {
		buf_free(&url);
		return -1;
	}
	webcall_set_timeout(s->poll, first ? FIRST_LIMIT_S : POLL_LIMIT_S);
	switch (mx_call(s->poll, "GET", url.data, s->cfg.token, NULL, &r)) {
	case MX_OK:
		if (mx_batch_take(r.reply, s->cfg.me.user_id, &b, err, sizeof(err)) == -1) {
			log_warnx("sync: %s", err);
		} else if ((rc = handle_batch(s, &b, first)) == 0) {
			save_position(s, b.next_batch);
			backoff_reset(&s->backoff);
		}
		r.reply = NULL; /* taken by the batch */
		mx_batch_free(&b);
		break;
	case MX_RATELIMITED:
		log_warnx("sync: rate limited; trying again in %ld ms", r.retry_after_ms);
		pause_ms(s, r.retry_after_ms, 1);
		rc = 0;
		break;
	case MX_AUTH: refuse(s, r.error); rc = 0; break;
	default:
		if (!quitting(s, 1))
			log_warnx("sync: %s", r.error);
		break;
	}
	mx_result_free(&r);
	buf_free(&url);
	return rc;
}

static void *
run(void *arg)
{
	struct syncer *s = arg;

	while (!quitting(s, 1))
		if (sync_once(s) == -1)
			pause_ms(s, backoff_next(&s->backoff), 1);
	pthread_mutex_lock(&s->lock);
	s->finished = 1;
	pthread_mutex_unlock(&s->lock);
	lws_cancel_service(s->wake);
	return NULL;
}

struct mx_question *
syncer_take_question(struct syncer *s)
{
	struct mx_question *q;

	pthread_mutex_lock(&s->lock);
	if ((q = s->asks) != NULL && (s->asks = q->next) == NULL)
		s->asks_tail = NULL;
	pthread_mutex_unlock(&s->lock);
	if (q != NULL)
		q->next = NULL;
	return q;
}

void
syncer_answer(struct syncer *s, struct mx_question *q, char *content)
{
	q->content = content;
	pthread_mutex_lock(&s->lock);
	if (s->answers_tail != NULL)
		s->answers_tail->next = q;
	else
		s->answers = q;
	s->answers_tail = q;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static int
flag(struct syncer *s, const int *f)
{
	int v;

	pthread_mutex_lock(&s->lock);
	v = *f;
	pthread_mutex_unlock(&s->lock);
	return v;
}

int
syncer_refused(struct syncer *s)
{
	return flag(s, &s->refused);
}

int
syncer_finished(struct syncer *s)
{
	return flag(s, &s->finished);
}

void
syncer_stop(struct syncer *s, long drain_ms)
{
	pthread_mutex_lock(&s->lock);
	if (!s->stopping) {
		s->stopping = 1;
		s->drain_until_ms = mono_ms() + drain_ms;
	}
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	webcall_abort(s->poll);
}

static void
free_list(struct mx_question *q)
{
	struct mx_question *next;

	for (; q != NULL; q = next) {
		next = q->next;
		question_free(q);
	}
}

/* Frees what syncer_new made; the thread is not running. */
static void
release(struct syncer *s)
{
	free_list(s->asks);
	free_list(s->answers);
	webcall_free(s->poll);
	webcall_free(s->call);
	rooms_free(s->rooms);
	dedupe_free(s->seen);
	state_clear(&s->state);
	free(s);
}

void
syncer_free(struct syncer *s)
{
	if (s == NULL)
		return;
	syncer_stop(s, 0);
	pthread_mutex_lock(&s->lock);
	s->drain_until_ms = 0;
	pthread_mutex_unlock(&s->lock);
	webcall_abort(s->call);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	release(s);
}

struct syncer *
syncer_new(const struct syncer_config *cfg, struct mx_state *state, struct lws_context *wake,
	   char *err, size_t errlen)
{
	struct syncer *s = calloc(1, sizeof(*s));
	pthread_condattr_t attr;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		state_clear(state);
		return NULL;
	}
	s->cfg = *cfg;
	s->state = *state;
	memset(state, 0, sizeof(*state));
	s->wake = wake;
	backoff_init(&s->backoff, 1000, 60000);
	if ((s->poll = webcall_new(cfg->ca_file, POLL_LIMIT_S, MAX_SYNC_REPLY, err, errlen)) ==
		    NULL ||
	    (s->call = webcall_new(cfg->ca_file, CALL_LIMIT_S, MAX_CALL_REPLY, err, errlen)) ==
		    NULL ||
	    (s->rooms = rooms_new(MEMBERS_TRUST_MS)) == NULL ||
	    (s->seen = dedupe_new(SEEN_MS, SEEN_MAX)) == NULL) {
		if (s->rooms == NULL || s->seen == NULL)
			snprintf(err, errlen, "out of memory");
		release(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &attr);
	pthread_condattr_destroy(&attr);
	if ((errno = pthread_create(&s->thread, NULL, run, s)) != 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		release(s);
		return NULL;
	}
	return s;
}
