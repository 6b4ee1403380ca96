/* SPDX-License-Identifier: MIT */
/*
 * service.h -- what rulingd does with a message, apart from the network: read it, keep
 * the client to its rate, answer it (from the cache or the engine), and hand back the
 * frames to send. The same code serves websockets and HTTP; it knows nothing of either,
 * so it is tested without a socket.
 */
#ifndef RULINGBOT_SERVICE_H
#define RULINGBOT_SERVICE_H

#include <stddef.h>
#include <stdio.h>

#include "cache.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "members.h"
#include "ratelimit.h"
#include "metrics.h"
#include "proto.h"
#include "unanswered.h"

/* Receives each frame of a reply, in order; returns 0, or -1 when it cannot take it. */
typedef int (*frame_sink)(void *ctx, const char *data, size_t len);

/* The state of one process serving questions. */
struct service {
	const struct config *cfg;  /* settings */
	struct kb *kb;		   /* the knowledge base, NULL when none could be loaded */
	struct match_options opts; /* how the engine answers (the deadline) */
	char unhealthy[256];	   /* why the loaded KB failed its self-test; "" when it passed */
	struct cache cache;	   /* answers to repeated questions */
	struct members members;	   /* facts' answer members, rendered once */
	struct metrics metrics;	   /* counters for /metrics */
	struct unanswered unanswered;  /* --unanswered file (path NULL when none) */
	struct log_rate engine_failed; /* "cannot answer" warnings, one line every few seconds */
	char server[48];	       /* "rulingd VERSION" */
};

/* Opens the knowledge base and the --unanswered file. A knowledge base that cannot be
 * opened is logged and left unloaded (health reports 503, SIGHUP tries again); one that
 * cannot answer its self-test question (match_self_test) serves, but health reports 503
 * with the reason. Returns 0, or -1 with the reason in err for what cannot be done
 * without (memory, the file). */
int service_init(struct service *s, const struct config *cfg, int worker, char *err, size_t errlen);

/* Returns 1 when a knowledge base is loaded and has answered its self-test question, the
 * condition for taking connections; else 0. This function can't fail. */
int service_ready(const struct service *s);

/* Closes what s holds. This function can't fail. */
void service_free(struct service *s);

/* Opens the knowledge base again and, when it opens and answers its self-test question,
 * puts it in place of the old one and empties the cache; otherwise keeps the old one and
 * logs why. Opens the --unanswered file again too (log rotation), whatever became of the
 * knowledge base. Returns 0, or -1 when the old knowledge base was kept. */
int service_reload(struct service *s);

/* Runs every few tenths of a second from the network loop, at time now (monotonic ns):
 * sums up the warnings held back. This function can't fail. */
void service_tick(struct service *s, long long now);

/* Answers one whole websocket text message (valid UTF-8) from a client whose question
 * bucket is b, at time now (ns): sends each reply frame to sink. An empty question gets
 * no frame. Returns 0, or -1 when sink refused a frame. */
int service_message(struct service *s, const char *msg, size_t len, struct bucket *b, long long now,
		    frame_sink sink, void *ctx);

/* The choices of a connection's last clarification in text mode, kept so that the
 * reader can answer it with just a number. */
struct choices {
	char *lines;  /* "1. question\n2. question...", malloc'd; NULL when none is pending */
	char lang[3]; /* the language the clarified question asked for, "" for its own */
};

/* Forgets c's choices; accepts a cleared one. This function can't fail. */
void choices_clear(struct choices *c);

/* service_message() for a connection that remembers its last clarification: a text
 * message that is only the number of one of pending's choices asks that choice's
 * question. Every message clears pending; a text-mode clarification fills it again. */
int service_converse(struct service *s, const char *msg, size_t len, struct bucket *b,
		     struct choices *pending, long long now, frame_sink sink, void *ctx);

/* Sends the error for a message the network refused before reading it (too long,
 * binary, the queue full): as JSON when json is 1, as an "Error:" line otherwise.
 * Returns 0, or -1 when sink refused the frame. */
int service_refuse(struct service *s, enum proto_error e, int json, frame_sink sink, void *ctx);

/* An HTTP reply. */
struct http_reply {
	int status;	  /* HTTP status */
	char *body;	  /* JSON, malloc'd */
	long retry_after; /* seconds for Retry-After, 0 for none */
};

/* Answers GET /api/ask (q, lang, id from the query; any may be NULL) for a client whose
 * bucket is b. Fills *out (free body). This function can't fail: out of memory is a 500. */
void service_http_get(struct service *s, const char *q, const char *lang, const char *id,
		      struct bucket *b, long long now, struct http_reply *out);

/* Answers POST /api/ask with a JSON body (len bytes). Fills *out (free body). */
void service_http_post(struct service *s, const char *body, size_t len, struct bucket *b,
		       long long now, struct http_reply *out);

/* Fills *out with GET /healthz. */
void service_health(struct service *s, struct http_reply *out);

/* Appends GET /metrics to b. Returns 0, or -1 when out of memory. */
int service_metrics(struct service *s, struct buf *b);

#endif
