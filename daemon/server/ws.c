/* SPDX-License-Identifier: MIT */
/*
 * ws.c -- websocket sessions. A message is gathered piece by piece, its UTF-8 checked as
 * it comes and its size against two limits: past --max-question it is no longer kept
 * (the reply is too_long), past --max-message the connection is closed with 1009 before
 * the rest arrives. Replies are queued as frames and sent from the writeable callback,
 * as libwebsockets requires: all those waiting in one write when there are several (up
 * to BATCH_BYTES); while a client leaves --max-queue replies unread, reading
 * from it pauses, and a client that then reads nothing for --idle-timeout is dropped.
 * On a stop, the replies queued are sent, then close 1001; messages that come after the
 * stop began are not answered, and the socket lingers (server_linger) so that what the
 * client still sends cannot reset the connection before it has read them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server.h"

#define BATCH_BYTES 16384 /* most reply bytes gathered into one write */

/* Refuses a handshake with an HTTP status: the answer goes out, then the connection is
 * dropped (the non-zero return). */
static int
refuse(struct lws *wsi, unsigned int status, const char *why)
{
	log_debug("websocket handshake refused (%u): %s", status, why);
	lws_return_http_status(wsi, status, NULL);
	return -1;
}

/* The connection limits were applied when the connection was accepted (net.c): it is
 * already counted, in all and for its address, and is not counted again here. */
int
ws_filter(struct server *srv, struct lws *wsi)
{
	char origin[256];

	if (!server_origin_ok(srv, wsi, origin, sizeof(origin)))
		return refuse(wsi, HTTP_STATUS_FORBIDDEN, "origin not allowed");
	if (srv->draining)
		return refuse(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, "shutting down");
	return 0;
}

int
ws_established(struct server *srv, struct session *ss)
{
	if ((ss->client = server_client(srv, ss->wsi)) == NULL)
		return -1;
	bucket_init(&ss->bucket, (double)srv->cfg->burst, mono_ns());
	memset(&ss->choices, 0, sizeof(ss->choices));
	buf_init(&ss->msg);
	LIST_INSERT_HEAD(&srv->sessions, ss, link);
	srv->open++;
	srv->svc->metrics.connections = srv->open;
	if (srv->draining) {
		ss->closing = 1;
		lws_callback_on_writable(ss->wsi);
	}
	return 0;
}

void
ws_closed(struct server *srv, struct session *ss)
{
	struct frame *f, *next;

	if (ss->client == NULL)
		return; /* never established */
	for (f = ss->head; f; f = next) {
		next = f->next;
		free(f);
	}
	ss->head = ss->tail = NULL;
	buf_free(&ss->msg);
	choices_clear(&ss->choices);
	ss->client = NULL;
	LIST_REMOVE(ss, link);
	srv->open--;
	srv->svc->metrics.connections = srv->open;
}

/* frame_sink: queues one reply frame on the session ctx. */
static int
queue_frame(void *ctx, const char *data, size_t len)
{
	struct session *ss = ctx;
	struct frame *f = malloc(sizeof(*f) + LWS_PRE + len);

	if (f == NULL)
		return -1;
	f->next = NULL;
	f->len = len;
	f->last = 0;
	memcpy(f->data + LWS_PRE, data, len);
	if (ss->tail)
		ss->tail->next = f;
	else
		ss->head = f;
	ss->tail = f;
	return 0;
}

/* Closes the connection with a status; returned by the receive callback. */
static int
close_with(struct lws *wsi, enum lws_close_status status, const char *why)
{
	lws_close_reason(wsi, status, (unsigned char *)why, strlen(why));
	return -1;
}

/* Notes the first non-space byte of a message: JSON or not, for the error it may get. */
static void
note_kind(struct session *ss, const char *in, size_t len)
{
	size_t i;

	for (i = 0; ss->json == -1 && i < len; i++)
		if (in[i] != ' ' && in[i] != '\t' && in[i] != '\r' && in[i] != '\n')
			ss->json = in[i] == '{';
}

/* Answers the whole message; returns 0, or -1 to close (out of memory). */
static int
finish_message(struct server *srv, struct session *ss)
{
	struct service *svc = srv->svc;
	struct frame *before = ss->tail;
	int json = ss->json == 1, rc;

	if (ss->binary || ss->too_long || ss->replies >= srv->cfg->max_queue)
		choices_clear(&ss->choices); /* a message refused is sent all the same */
	if (ss->binary)
		rc = service_refuse(svc, PROTO_BAD_REQUEST, 1, queue_frame, ss);
	else if (ss->too_long)
		rc = service_refuse(svc, PROTO_TOO_LONG, json, queue_frame, ss);
	else if (ss->replies >= srv->cfg->max_queue)
		rc = service_refuse(svc, PROTO_OVERLOADED, json, queue_frame, ss);
	else
		rc = service_converse(svc, ss->msg.data ? ss->msg.data : "", ss->msg.len,
				      &ss->bucket, &ss->choices, mono_ns(), queue_frame, ss);
	ss->receiving = 0;
	ss->msg.len = 0;
	if (rc == -1)
		return -1;
	if (ss->tail != before) {
		ss->tail->last = 1;
		ss->replies++;
		lws_callback_on_writable(ss->wsi);
	}
	if (ss->replies >= srv->cfg->max_queue && !ss->paused) {
		ss->paused = 1;
		lws_rx_flow_control(ss->wsi, 0);
		/* A client that has stopped reading holds its queue, and memory, for good:
		 * unless it reads half of it within --idle-timeout, it is dropped. */
		lws_set_timeout(ss->wsi, PENDING_TIMEOUT_USER_OK, (int)srv->cfg->idle_timeout);
	}
	return 0;
}

int
ws_receive(struct server *srv, struct session *ss, const char *in, size_t len)
{
	const struct config *cfg = srv->cfg;
	size_t remaining = lws_remaining_packet_payload(ss->wsi);

	/* Stopping: the replies queued go out, then the close. What comes now is not
	 * answered, or a client that keeps asking would hold the close off for good. */
	if (ss->closing)
		return 0;
	if (!ss->receiving) {
		ss->receiving = 1;
		ss->received = 0;
		ss->msg.len = 0;
		ss->binary = lws_frame_is_binary(ss->wsi);
		ss->too_long = 0;
		ss->json = -1;
		memset(&ss->utf8, 0, sizeof(ss->utf8));
	}
	/* The frame header announced what is still to come: refuse it now, unread. */
	if (ss->received + len + remaining > (size_t)cfg->max_message)
		return close_with(ss->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
	ss->received += len;
	if (!ss->binary) {
		/* Checked here, not by libwebsockets (LWS_SERVER_OPTION_VALIDATE_UTF8). In
		 * 4.1.6 that option lets a message through whose last fragment is empty and
		 * the one before ends inside a character; after rulingd closes with 1009 it
		 * checks what it still drains of the frame and drops the connection without
		 * sending the close; and it drops a client's close frame whose reason is not
		 * UTF-8 without answering it. Tests: 07-daemon-limits (invalid_utf8), and
		 * 23-hostile (100,000 '[', a close reason that is not UTF-8). */
		if (utf8_stream_feed(&ss->utf8, in, len) == -1 ||
		    (lws_is_final_fragment(ss->wsi) && !utf8_stream_complete(&ss->utf8)))
			return close_with(ss->wsi, LWS_CLOSE_STATUS_INVALID_PAYLOAD,
					  "invalid UTF-8");
		note_kind(ss, in, len);
		if (ss->received > (size_t)cfg->max_question)
			ss->too_long = 1;
		else if (buf_append(&ss->msg, in, len) == -1)
			return -1;
	}
	if (!lws_is_final_fragment(ss->wsi))
		return 0;
	return finish_message(srv, ss);
}

/* Appends frame f to out as the whole websocket message libwebsockets would make of it
 * (server to client: a text frame with FIN, unmasked): its header, then its bytes.
 * Returns 0, or -1 when out of memory. */
static int
append_message(struct buf *out, const struct frame *f)
{
	unsigned char head[10];
	size_t n = 2;
	int i;

	head[0] = 0x81; /* FIN, text */
	if (f->len < 126) {
		head[1] = (unsigned char)f->len;
	} else if (f->len < 65536) {
		head[1] = 126;
		head[2] = (unsigned char)(f->len >> 8);
		head[3] = (unsigned char)f->len;
		n = 4;
	} else {
		head[1] = 127;
		for (i = 0; i < 8; i++)
			head[2 + i] = (unsigned char)((uint64_t)f->len >> (56 - 8 * i));
		n = 10;
	}
	return buf_append(out, head, n) || buf_append(out, f->data + LWS_PRE, f->len) ? -1 : 0;
}

/* Gathers the frames at the head of the queue, up to BATCH_BYTES (one at least), into
 * srv->batch as websocket messages. Returns how many, or 0 when out of memory. */
static int
gather_messages(struct server *srv, struct session *ss)
{
	struct buf *out = &srv->batch;
	const struct frame *f;
	int n = 0;

	out->len = 0;
	if (buf_reserve(out, LWS_PRE) == -1)
		return 0;
	memset(out->data, 0, LWS_PRE);
	out->len = LWS_PRE;
	for (f = ss->head; f != NULL; f = f->next, n++) {
		if (n > 0 && out->len - LWS_PRE + f->len > BATCH_BYTES)
			break;
		if (append_message(out, f) == -1)
			return 0;
	}
	return n;
}

/* Drops the frame at the head of the queue, once sent. */
static void
drop_sent(struct session *ss)
{
	struct frame *f = ss->head;

	if ((ss->head = f->next) == NULL)
		ss->tail = NULL;
	if (f->last)
		ss->replies--;
	free(f);
}

/* Sends what is queued: one frame, as libwebsockets frames it, or when several wait,
 * as many as fit in BATCH_BYTES in one write, framed here: a client that asked several
 * questions at once gets their answers in one segment instead of one system call and
 * one segment each. The bytes on the wire are the same either way. Returns 0, or -1
 * to close. */
static int
send_queued(struct server *srv, struct session *ss)
{
	struct frame *f = ss->head;
	int n = f->next != NULL ? gather_messages(srv, ss) : 0;
	size_t len;

	if (n == 0) {
		if (lws_write(ss->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
			return -1;
		drop_sent(ss);
		return 0;
	}
	/* Raw: libwebsockets adds no header, and keeps what the socket does not take at
	 * once to send it before anything else, as it does for a frame. */
	len = srv->batch.len - LWS_PRE;
	if (lws_write(ss->wsi, (unsigned char *)srv->batch.data + LWS_PRE, len, LWS_WRITE_RAW) <
	    (int)len)
		return -1;
	while (n-- > 0)
		drop_sent(ss);
	return 0;
}

int
ws_writeable(struct server *srv, struct session *ss)
{
	if (ss->head == NULL) {
		if (!ss->closing)
			return 0;
		/* libwebsockets closes the socket right after the close frame: whatever
		 * the client sent meanwhile would turn that into a reset. */
		server_linger(srv, ss->wsi);
		return close_with(ss->wsi, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
	}
	if (send_queued(srv, ss) == -1)
		return -1;
	if (ss->paused && ss->replies <= srv->cfg->max_queue / 2) {
		ss->paused = 0;
		lws_set_timeout(ss->wsi, NO_PENDING_TIMEOUT, 0);
		lws_rx_flow_control(ss->wsi, 1);
	}
	if (ss->head || ss->closing)
		lws_callback_on_writable(ss->wsi);
	return 0;
}

void
ws_close_all(struct server *srv)
{
	struct session *ss;

	LIST_FOREACH(ss, &srv->sessions, link)
	{
		ss->closing = 1;
		lws_callback_on_writable(ss->wsi);
	}
}
