/* SPDX-License-Identifier: MIT */
/*
 * syncer.h -- the bridge's Matrix side, on a thread of its own so that the websocket
 * loop never waits on the homeserver: it long-polls /sync, joins the rooms it is invited
 * to, decides which messages are questions, and sends the replies. Questions go to the
 * loop (which asks rulingd) and come back with their replies; the thread wakes the loop
 * with lws_cancel_service() when a question is waiting.
 *
 * A batch from /sync is finished before the next is asked for, and its next_batch is
 * saved only once every reply of the batch has been sent. Each reply's transaction id is
 * made from its question's event id, so a batch handled again after a crash sends each
 * reply again under the same id, and the homeserver keeps only one.
 */
#ifndef RULINGBOT_MATRIX_SYNCER_H
#define RULINGBOT_MATRIX_SYNCER_H

#include <libwebsockets.h>
#include <stddef.h>

#include "events.h"
#include "notice.h"
#include "state.h"

struct syncer_config {
	const char *homeserver; /* "https://matrix.example.org" */
	const char *token;
	const char *ca_file; /* or NULL for the system's */
	const char *state_path;
	const char *filter_id;
	const char *web_url; /* for the encrypted-room notice, or NULL */
	struct mx_me me;
	const char *const *allow; /* inviters allowed (@user or server); none: anyone */
	size_t nallow;
	const char *const *ignore; /* users never answered */
	size_t nignore;
	long max_age_s; /* older messages are not answered */
};

/* A question on its way to rulingd and back. */
struct mx_question {
	struct mx_question *next;
	char *text;	     /* what to ask */
	struct mx_target to; /* where the reply goes (the strings are the question's) */
	char *content;	     /* the reply's content, once answered */
};

struct syncer;

/* Starts the thread, taking state over (it is cleared here). The strings of cfg must
 * outlive the syncer. Returns NULL with the reason in err. */
struct syncer *syncer_new(const struct syncer_config *cfg, struct mx_state *state,
			  struct lws_context *wake, char *err, size_t errlen);

/* The next question to ask, or NULL. The loop hands it back with syncer_answer. */
struct mx_question *syncer_take_question(struct syncer *s);

/* Hands back q with the content of its reply (taken over; NULL when it could not be
 * written, and the question then goes unanswered). This function can't fail. */
void syncer_answer(struct syncer *s, struct mx_question *q, char *content);

/* Returns 1 when the homeserver refused the access token (the thread has then ended). */
int syncer_refused(struct syncer *s);

/* Returns 1 once the thread has ended. */
int syncer_finished(struct syncer *s);

/* Asks the thread to end: the sync in progress is cut short, and the replies of the
 * batch in hand have drain_ms to be sent. This function can't fail. */
void syncer_stop(struct syncer *s, long drain_ms);

/* Ends the thread at once and frees s; accepts NULL. This function can't fail. */
void syncer_free(struct syncer *s);

#endif
