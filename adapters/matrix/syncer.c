/* SPDX-License-Identifier: MIT */
/*
 * syncer.c -- the Matrix thread: /sync, then the batch (batch.c), then the saved
 * position, then /sync again; and the queues between the thread and the loop. Every wait
 * (a 429's, a backoff's, an answer's) is a wait on the condition, so that syncer_stop()
 * ends it at once; no failure is ever retried without a wait.
 */
#include "syncer_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "html.h"
#include "log.h"
#include "monocond.h"
#include "mxapi.h"

#define SYNC_TIMEOUT_MS	 "30000" /* the homeserver holds a /sync this long */
#define POLL_LIMIT_S	 75	 /* a /sync that has not answered by then is dead */
#define FIRST_LIMIT_S	 600	 /* the first /sync can be large */
#define CALL_LIMIT_S	 20	 /* any other call */
#define MAX_SYNC_REPLY	 (64 << 20)
#define MAX_CALL_REPLY	 (1 << 20)
#define SEEN_MS		 (60 * 60 * 1000LL) /* event ids remembered this long */
#define SEEN_MAX	 100000
#define MEMBERS_TRUST_MS (10 * 60 * 1000LL) /* a room's member count, unless told sooner */

/* Returns 1 when the thread should give up what it is doing: after a refused token, at
 * once when stopping and waiting is all that is left (hard), or when the drain time has
 * passed. Lock held. */
static int
must_quit(const struct syncer *s, int hard)
{
	return s->refused || (s->stopping && (hard || mono_ms() >= s->drain_until_ms));
}

int
syncer_quitting(struct syncer *s, int hard)
{
	int q;

	pthread_mutex_lock(&s->lock);
	q = must_quit(s, hard);
	pthread_mutex_unlock(&s->lock);
	return q;
}

/* Pauses for ms. Returns 0, or -1 when told to quit meanwhile. */
int
syncer_pause(struct syncer *s, long ms, int hard)
{
	long long until = mono_ms() + ms;
	int quit;

	pthread_mutex_lock(&s->lock);
	while (!(quit = must_quit(s, hard)) && mono_ms() < until)
		monocond_wait_until(&s->cond, &s->lock, until);
	pthread_mutex_unlock(&s->lock);
	return quit ? -1 : 0;
}

void
syncer_refuse(struct syncer *s, const char *why)
{
	log_errorx("the homeserver refused the access token: %s", why);
	pthread_mutex_lock(&s->lock);
	s->refused = 1;
	pthread_mutex_unlock(&s->lock);
	lws_cancel_service(s->wake);
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

/* Puts q at the end of the queue from *head to *tail. */
static void
enqueue(struct mx_question **head, struct mx_question **tail, struct mx_question *q)
{
	if (*tail != NULL)
		(*tail)->next = q;
	else
		*head = q;
	*tail = q;
}

/* Takes the first question off the queue from *head to *tail, alone. Returns it, or
 * NULL. */
static struct mx_question *
dequeue(struct mx_question **head, struct mx_question **tail)
{
	struct mx_question *q = *head;

	if (q == NULL)
		return NULL;
	if ((*head = q->next) == NULL)
		*tail = NULL;
	q->next = NULL;
	return q;
}

/* Hands a question to the loop, to be asked of rulingd. */
void
syncer_ask(struct syncer *s, const char *room, const struct mx_message *m)
{
	struct mx_question *q = question_new(room, m);

	if (q == NULL) {
		log_warnx("out of memory: a question in %s was not asked", room);
		return;
	}
	pthread_mutex_lock(&s->lock);
	enqueue(&s->asks, &s->asks_tail, q);
	s->outstanding++;
	pthread_mutex_unlock(&s->lock);
	lws_cancel_service(s->wake);
}

/* Sends the replies of the batch as their answers come back. Returns 0 when all went
 * out, -1 when told to quit first. */
int
syncer_deliver(struct syncer *s)
{
	struct mx_question *q;
	int rc;

	pthread_mutex_lock(&s->lock);
	while (s->outstanding > 0 && !must_quit(s, 0)) {
		if ((q = dequeue(&s->answers, &s->answers_tail)) == NULL) {
			monocond_wait_until(&s->cond, &s->lock, mono_ms() + 1000);
			continue;
		}
		pthread_mutex_unlock(&s->lock);
		rc = q->content != NULL ? batch_send(s, q->to.room_id, q->to.event_id, q->content)
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

static void
save_position(struct syncer *s, const char *next_batch)
{
	char err[512] = "out of memory";

	/* An idle sync often returns the same token: nothing new to write (and fsync). The
	 * warned rooms change only in a batch with events, which moves the token too. */
	if (s->state.next_batch != NULL && strcmp(s->state.next_batch, next_batch) == 0)
		return;
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
	    (!first &&
	     (buf_puts(&url, "&since=") == -1 || url_escape(&url, s->state.next_batch) == -1))) {
		buf_free(&url);
		return -1;
	}
	webcall_set_timeout(s->poll, first ? FIRST_LIMIT_S : POLL_LIMIT_S);
	switch (mx_call(s->poll, "GET", url.data, s->cfg.token, NULL, &r)) {
	case MX_OK:
		if (sync_take(r.reply, s->cfg.me.user_id, &b, err, sizeof(err)) == -1) {
			log_warnx("sync: %s", err);
		} else if ((rc = batch_handle(s, &b, first)) == 0) {
			save_position(s, b.next_batch);
			backoff_reset(&s->backoff);
		}
		r.reply = NULL; /* taken by the batch */
		sync_free(&b);
		break;
	case MX_RATELIMITED:
		log_warnx("sync: rate limited; trying again in %ld ms", r.retry_after_ms);
		syncer_pause(s, r.retry_after_ms, 1);
		rc = 0;
		break;
	case MX_AUTH:
		syncer_refuse(s, r.error);
		rc = 0;
		break;
	default:
		if (!syncer_quitting(s, 1))
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

	while (!syncer_quitting(s, 1))
		if (sync_once(s) == -1)
			syncer_pause(s, backoff_next(&s->backoff), 1);
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
	q = dequeue(&s->asks, &s->asks_tail);
	pthread_mutex_unlock(&s->lock);
	return q;
}

void
syncer_answer(struct syncer *s, struct mx_question *q, char *content)
{
	q->content = content;
	pthread_mutex_lock(&s->lock);
	enqueue(&s->answers, &s->answers_tail, q);
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
	if (monocond_start_thread(&s->thread, &s->lock, &s->cond, run, s, err, errlen) == -1) {
		release(s);
		return NULL;
	}
	return s;
}
