/* SPDX-License-Identifier: MIT */
/*
 * server.h -- the state rulingd's network loop shares between its parts: net.c (the
 * libwebsockets context, the timer, signals), ws.c (websocket sessions) and http.c (the
 * HTTP endpoints). Not for use outside them.
 */
#ifndef RULINGBOT_SERVER_H
#define RULINGBOT_SERVER_H

#include <libwebsockets.h>
#include <sys/queue.h>

#include "config.h"
#include "httpbody.h"
#include "linger.h"
#include "log.h"
#include "ratelimit.h"
#include "service.h"
#include "util.h"

/* A reply frame waiting to be sent. */
struct frame {
	struct frame *next;   /* next in the queue */
	size_t len;	      /* bytes of the message */
	int last;	      /* 1 when it ends a reply */
	unsigned char data[]; /* LWS_PRE bytes for libwebsockets, then the message */
};

/* One connection, websocket or HTTP; libwebsockets allocates it zeroed. */
struct session {
	struct lws *wsi;	  /* the connection */
	LIST_ENTRY(session) link; /* among the open websockets */
	struct client *client;	  /* its address, while the websocket is open */
	struct bucket bucket;	  /* its questions */
	struct choices choices;	  /* its last clarification's, for a numbered pick */

	/* The websocket message being received. */
	int receiving;		 /* 1 between a message's first and last piece */
	size_t received;	 /* its bytes so far, all fragments */
	struct buf msg;		 /* its bytes, while it is short enough to answer */
	struct utf8_stream utf8; /* its UTF-8 check */
	int binary;		 /* 1 for a binary message */
	int too_long;		 /* 1 once it is over --max-question */
	int json;		 /* -1 unknown, 1 when it starts with {, else 0 */

	/* Replies. */
	struct frame *head, *tail; /* frames to send, oldest first */
	long replies;		   /* whole replies waiting */
	int paused;		   /* 1 while reading is paused for a full queue */
	int closing;		   /* 1: close with 1001 once the queue is sent */

	/* The HTTP transaction. */
	struct buf post;       /* POST body received so far */
	int posting;	       /* 1 while a POST /api/ask body is arriving */
	struct http_body body; /* the reply's body, until writeable */
	int close_after;       /* 1: close the connection after this reply */
};

/* The process's server. */
struct server {
	struct lws_context *ctx;		  /* libwebsockets */
	struct lws_vhost *vhost;		  /* the vhost that serves */
	struct lws_vhost *accept_vhost;		  /* the vhost of the listening sockets */
	const int *fds;				  /* the sockets main.c bound, not listening */
	int nfds;				  /* entries in fds */
	struct lws *listeners[CONFIG_MAX_LISTEN]; /* the listening sockets, once adopted */
	int nlisteners;				  /* entries in listeners */
	int serving;				  /* 1 once connections are accepted */
	long long resume_at;			  /* when to accept again after a pause, or 0 */
	struct service *svc;			  /* answers */
	const struct config *cfg;		  /* settings */
	struct clients clients;			  /* client addresses */
	LIST_HEAD(, session) sessions;		  /* open websockets */
	long open;				  /* websockets open */
	long conns;				  /* connections open, from accept to close */
	long header_pool;			  /* libwebsockets' header buffers: the most
						     connections there can be at once */
	lws_retry_bo_t idle;			  /* ping and hang-up times for idle websockets */
	lws_sorted_usec_list_t tick;		  /* the periodic timer */
	long long prune_at;			  /* next time to forget idle client addresses */
	int draining;				  /* 1 after SIGTERM: no new connections */
	long long drain_deadline;		  /* when to stop waiting for websockets to close */
	struct linger_set linger;		  /* closed websockets still read from */
	struct log_rate refusals;		  /* connections refused at accept */
	struct log_rate accept_failed;		  /* accept4() out of descriptors or memory */
	struct buf batch;			  /* replies gathered into one write (ws.c) */
	int done;				  /* 1: leave the loop */
};

/* Returns the client entry for the peer of wsi (created if need be), or NULL. */
struct client *server_client(struct server *srv, struct lws *wsi);

/* Keeps a copy of wsi's socket, to read and drop what the client still sends for a
 * moment once libwebsockets has closed it (lingering close, linger.h); to call just
 * before the connection is closed. When no copy can be made, it closes as before. */
void server_linger(struct server *srv, struct lws *wsi);

/* Websocket events (ws.c); each returns what the libwebsockets callback returns. */
int ws_filter(struct server *srv, struct lws *wsi);
int ws_established(struct server *srv, struct session *ss);
int ws_receive(struct server *srv, struct session *ss, const char *in, size_t len);
int ws_writeable(struct server *srv, struct session *ss);
void ws_closed(struct server *srv, struct session *ss);

/* Asks every open websocket to close with 1001 once its replies are sent. */
void ws_close_all(struct server *srv);

/* HTTP events (http.c); each returns what the libwebsockets callback returns. */
int http_request(struct server *srv, struct session *ss, const char *path, size_t len);
int http_body(struct server *srv, struct session *ss, const char *in, size_t len);
int http_body_done(struct server *srv, struct session *ss);
int http_writeable(struct server *srv, struct session *ss);
void http_closed(struct session *ss);

/* Copies header h of wsi into out (NUL-terminated). Returns its length, 0 when absent,
 * or -1 when it does not fit. */
int server_header(struct lws *wsi, enum lws_token_indexes h, char *out, size_t outlen);

/* Returns 1 when the request on wsi has no Origin, or one the configuration allows;
 * copies the Origin into origin ("" when none). */
int server_origin_ok(struct server *srv, struct lws *wsi, char *origin, size_t len);

#endif
