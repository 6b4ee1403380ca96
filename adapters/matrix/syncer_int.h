/* SPDX-License-Identifier: MIT */
/*
 * syncer_int.h -- inside the Matrix thread, shared by its files: syncer.c (the thread,
 * its queues and waits, the /sync loop), batch.c (what is done with a batch) and gap.c
 * (the events a limited timeline left out).
 * Nothing outside the syncer includes this.
 */
#ifndef RULINGBOT_MATRIX_SYNCER_INT_H
#define RULINGBOT_MATRIX_SYNCER_INT_H

#include <pthread.h>

#include "backoff.h"
#include "dedupe.h"
#include "mxapi.h"
#include "rooms.h"
#include "sync.h"
#include "syncer.h"
#include "webcall.h"

/* The Matrix thread's state. The fields from asks on are shared with the loop's thread
 * and read or written only under lock. */
struct syncer {
	struct syncer_config cfg; /* what syncer_new() was given */
	struct mx_state state;	  /* the sync position and rooms warned, as saved */
	struct lws_context *wake; /* the loop, woken with lws_cancel_service() */
	struct webcall *poll;	  /* /sync */
	struct webcall *call;	  /* everything else */
	struct rooms *rooms;	  /* what is known of each joined room */
	struct dedupe *seen;	  /* event ids and invites handled */
	struct backoff backoff;	  /* the wait after a failed /sync */
	pthread_t thread;	  /* the Matrix thread */
	pthread_mutex_t lock;	  /* guards the fields below */
	pthread_cond_t cond;	  /* signalled when an answer comes or stopping starts */
	struct mx_question *asks, *asks_tail;	    /* for the loop to ask */
	struct mx_question *answers, *answers_tail; /* answered, to send */
	size_t outstanding;			    /* questions of this batch not yet sent */
	int stopping;				    /* syncer_stop() was called */
	int refused;				    /* the homeserver refused the token */
	int finished;				    /* the thread has ended */
	long long drain_until_ms; /* when stopping: replies are sent until then (monotonic) */
};

/* syncer.c */

/* Returns 1 when the thread should give up what it is doing: after a refused token, at
 * once when stopping and hard (nothing is in hand), or when the drain time has passed. */
int syncer_quitting(struct syncer *s, int hard);

/* Pauses for ms. Returns 0, or -1 when told to quit meanwhile. */
int syncer_pause(struct syncer *s, long ms, int hard);

/* Records that the homeserver refused the token: the thread ends. */
void syncer_refuse(struct syncer *s, const char *why);

/* Hands the question m, said in room, to the loop to be asked of rulingd. */
void syncer_ask(struct syncer *s, const char *room, const struct mx_message *m);

/* Sends the replies of the batch as their answers come back. Returns 0 when all went
 * out, -1 when told to quit first. */
int syncer_deliver(struct syncer *s);

/* batch.c */

/* Acts on batch b (the first since a fresh start when first: only its invitations).
 * Returns 0 when all of it is done, -1 when it must be done again after a restart. */
int batch_handle(struct syncer *s, const struct mx_batch *b, int first);

/* Makes a call until it is done, refused, or failed for good: waiting out 429s and
 * backing off after network errors and 5xx. Returns the outcome (r filled; free it), or
 * -1 when told to quit first (r empty). what names the call in the log. */
int batch_call(struct syncer *s, const char *method, const char *url, const char *body,
	       struct mx_result *r, const char *what);

/* Acts on one event said in room (answers it when it is a question for the bot), now_ms
 * being the time the batch is handled. Returns 0, or -1 when a reply could not be sent. */
int batch_event(struct syncer *s, const char *room, const cJSON *ev, long long now_ms);

/* Sends content in room under a transaction id made from key. Returns 0 when it was sent
 * or refused for good (and dropped), -1 when it must be sent again later. */
int batch_send(struct syncer *s, const char *room, const char *key, const char *content);

/* gap.c */

/* Fetches the events of room that a limited timeline left out, paging back from
 * prev_batch until the previous sync's position, a message already handled, or one older
 * than --max-age, and acts on them oldest first (a warning says when it had to stop before
 * any of those). Returns 0, or -1 when the batch must be done again. */
int gap_handle(struct syncer *s, const char *room, const char *prev_batch, long long now_ms);

#endif
