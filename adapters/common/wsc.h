/* SPDX-License-Identifier: MIT */
/*
 * wsc.h -- one websocket client connection on the program's libwebsockets loop: connect
 * to a ws:// or wss:// URL, send text messages (queued until they can be written), get
 * whole messages back, ping, close. What to do when it closes (reconnect, and when) is the
 * owner's choice; wsc only reports it, exactly once per connect.
 */
#ifndef RULINGBOT_WSC_H
#define RULINGBOT_WSC_H

#include <libwebsockets.h>
#include <stddef.h>

struct wsc;

/* What a connection tells its owner. The callbacks may send, ping and close, but not
 * free c; and closed() must not connect again at once (schedule it: closed() can be
 * called from within wsc_connect). */
struct wsc_ops {
	/* The handshake succeeded. */
	void (*opened)(struct wsc *c, void *arg);
	/* A whole text message arrived (text is NUL-terminated). */
	void (*message)(struct wsc *c, void *arg, const char *text, size_t len);
	/* A pong arrived (may be NULL). */
	void (*pong)(struct wsc *c, void *arg);
	/* The connection failed or closed; why is for the log. Queued messages are dropped. */
	void (*closed)(struct wsc *c, void *arg, const char *why);
};

/* The protocol to list in the context's protocols (before the terminating entry). */
#define WSC_PROTOCOL_NAME "rulingbot-wsc"
extern const struct lws_protocols wsc_protocol;

/* A connection, closed for now, called name in logs, reporting to ops with arg, taking
 * messages of at most max_message bytes. Returns NULL when out of memory. */
struct wsc *wsc_new(struct lws_context *ctx, const char *name, const struct wsc_ops *ops, void *arg,
		    size_t max_message);

/* Closes c at once, without telling its owner, and frees it; accepts NULL. */
void wsc_free(struct wsc *c);

/* Starts connecting c (closed now) to url, asking for subprotocol (or none). Returns 0
 * (opened or closed follows), or -1 when url is not a ws:// or wss:// URL. */
int wsc_connect(struct wsc *c, const char *url, const char *subprotocol);

/* Queues a text message. Returns 0, or -1 when c is not open or out of memory. */
int wsc_send(struct wsc *c, const char *text, size_t len);

/* Sends a ping when c is open. This function can't fail. */
void wsc_ping(struct wsc *c);

/* Closes c with a close frame, dropping what is still queued; closed follows, within
 * a second or two even when the peer does not answer. */
void wsc_close(struct wsc *c);

/* Drops the connection without a close frame (the peer is not answering); closed
 * follows. */
void wsc_drop(struct wsc *c);

/* Returns 1 when c is open (the handshake succeeded and it has not closed). */
int wsc_is_open(const struct wsc *c);

/* Returns 1 while c is connecting or open, 0 when closed. */
int wsc_is_busy(const struct wsc *c);

/* Splits url into its parts for lws_client_connect_info: copies it into scratch (of
 * scratchlen bytes) and points *host and *path into it. Sets *port (the scheme's default
 * when absent) and *tls. Returns 0, or -1 when url is not ws(s)://host[:port][/path]. */
int wsc_parse_url(const char *url, char *scratch, size_t scratchlen, const char **host, int *port,
		  const char **path, int *tls);

/* The CA file the loop should trust for wss:// when none is given: Debian's bundle. */
#define WSC_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/* Fills info for a bridge's loop: no port of its own, OpenSSL started, wss:// trusting
 * ca_file (NULL: WSC_DEFAULT_CA_FILE), protocols, and user for lws_context_user(). This
 * function can't fail. */
void wsc_context_info(struct lws_context_creation_info *info, const char *ca_file,
		      const struct lws_protocols *protocols, void *user);

#endif
