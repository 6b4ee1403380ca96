/* SPDX-License-Identifier: MIT */
/*
 * rclient.h -- the bridges' connection to rulingd: one long-lived websocket speaking the
 * JSON protocol (docs/protocol.md), reconnecting with backoff. A question is kept until
 * its answer arrives, however many times the connection drops, and is resent on each new
 * connection; each question gets exactly one reply callback: the answer, an error, or a
 * timeout.
 */
#ifndef RULINGBOT_RCLIENT_H
#define RULINGBOT_RCLIENT_H

#include <cjson/cJSON.h>
#include <libwebsockets.h>
#include <stddef.h>

enum rreply_kind {
	RREPLY_ANSWER,	  /* {"type":"answer",...} */
	RREPLY_NO_ANSWER, /* {"type":"no_answer",...}: the engine declined */
	RREPLY_CLARIFY,	  /* {"type":"clarify",...}: it asks which of its choices was meant */
	RREPLY_ERROR,	  /* {"type":"error",...} that retrying will not fix; see code */
	RREPLY_TIMEOUT,	  /* no reply within the time allowed */
};

/* A reply. json is rulingd's whole reply object (NULL for a timeout), valid only during
 * the callback; code is the error code for RREPLY_ERROR ("too_long", "internal", ...). */
struct rreply {
	enum rreply_kind kind;
	const cJSON *json;
	const char *code;
};

/* What to tell the asker when r carries no answer (RREPLY_ERROR or RREPLY_TIMEOUT): a
 * sentence saying what went wrong and what to do. This function can't fail. */
const char *rreply_apology(const struct rreply *r);

/* Called once per question, with the tag given to rclient_ask. */
typedef void (*rclient_reply_fn)(void *arg, void *tag, const struct rreply *r);

struct rclient;

/* A client of rulingd at url (ws:// or wss://), giving each question timeout_ms to be
 * answered, reporting to fn with arg. Starts connecting at once. Returns NULL with the
 * reason in err. The context must list wsc_protocol (wsc.h). */
struct rclient *rclient_new(struct lws_context *ctx, const char *url, long timeout_ms,
			    rclient_reply_fn fn, void *arg, char *err, size_t errlen);

/* Closes the connection and frees c; questions still waiting get a RREPLY_TIMEOUT
 * callback first. Accepts NULL. This function can't fail. */
void rclient_free(struct rclient *c);

/* Asks text (in lang, "en" or "es", or NULL for the question's own). The reply comes to
 * the callback, never from within this call. Returns 0, or -1 when out of memory. */
int rclient_ask(struct rclient *c, const char *text, const char *lang, void *tag);

/* Questions asked and not yet replied to. */
size_t rclient_waiting(const struct rclient *c);

#endif
