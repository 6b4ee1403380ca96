/* SPDX-License-Identifier: MIT */
/*
 * outbox.h -- the bridge's calls to Slack's Web API, made from a thread of their own so
 * the websocket loop never waits on Slack: replies to post (paced per channel, held
 * through rate limits, retried through network errors) and Socket Mode links to open
 * (apps.connections.open). The loop hands work in and collects link results; the thread
 * wakes the loop with lws_cancel_service() when a result is ready.
 */
#ifndef RULINGBOT_OUTBOX_H
#define RULINGBOT_OUTBOX_H

#include <libwebsockets.h>
#include <stddef.h>

struct outbox_config {
	const char *api_url;   /* ends in '/' */
	const char *bot_token; /* for chat.postMessage */
	const char *app_token; /* for apps.connections.open, or NULL */
	const char *ca_file;   /* or NULL for the system's */
	long post_interval_ms; /* least time between two posts in one channel */
};

/* The answer to an outbox_open_link(). */
struct link_result {
	unsigned link;	    /* the number given */
	int ok;		    /* 1: url is the websocket to connect to */
	char url[1024];	    /* wss://... */
	long retry_after_s; /* when not ok: the wait Slack asked for, or -1 */
	char error[256];    /* when not ok: why */
};

struct outbox;

/* Starts the thread. The strings of cfg must outlive the outbox. Returns NULL with the
 * reason in err. */
struct outbox *outbox_new(const struct outbox_config *cfg, struct lws_context *wake, char *err,
			  size_t errlen);

/* Queues a post of text in channel (in the thread thread_ts, unless NULL). Returns 0, or
 * -1 when out of memory. */
int outbox_post(struct outbox *o, const char *channel, const char *thread_ts, const char *text);

/* Asks for a new Socket Mode link, numbered link. Returns 0, or -1 when out of memory. */
int outbox_open_link(struct outbox *o, unsigned link);

/* Takes the next link result. Returns 1 when one was taken, 0 when there is none. */
int outbox_take_result(struct outbox *o, struct link_result *r);

/* Returns 1 when Slack refused a token for good, copying its error code into code. */
int outbox_refused(struct outbox *o, char *code, size_t len);

/* Posts waiting or being sent. */
size_t outbox_pending(struct outbox *o);

/* Stops the thread, giving the posts still queued up to drain_ms to go out, and frees o;
 * accepts NULL. Returns the number of posts that could not be sent. */
size_t outbox_free(struct outbox *o, long drain_ms);

#endif
