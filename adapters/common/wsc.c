/* SPDX-License-Identifier: MIT */
/*
 * wsc.c -- a websocket client on libwebsockets 4.1. Each connect makes a new wsi whose
 * opaque user data points back to its wsc; the wsi's end, whichever callback reports it
 * (connection error, close, or only its destruction), is reported to the owner once.
 * Outgoing messages wait in a FIFO and are written one per WRITEABLE, as lws requires.
 */
#include "wsc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* A message waiting to be written, with the room lws needs in front of it. */
struct outmsg {
	struct outmsg *next;
	size_t len;
	unsigned char data[]; /* LWS_PRE bytes, then the message */
};

enum wsc_state { WSC_CLOSED, WSC_CONNECTING, WSC_OPEN };

struct wsc {
	struct lws_context *ctx;
	char name[64];
	const struct wsc_ops *ops;
	void *arg;
	size_t max_message;
	enum wsc_state state;
	struct lws *wsi;	    /* the connection, or NULL */
	struct outmsg *head, *tail; /* messages to write */
	struct buf rx;		    /* the message being received */
	int rx_too_big;		    /* drop the rest of this message */
	int want_ping, want_close;
	lws_sorted_usec_list_t fail_sul; /* reports a connect that failed at once */
	char fail_why[128];
};

static void
drop_queue(struct wsc *c)
{
	struct outmsg *m, *next;

	for (m = c->head; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	c->head = c->tail = NULL;
}

struct wsc *
wsc_new(struct lws_context *ctx, const char *name, const struct wsc_ops *ops, void *arg,
	size_t max_message)
{
	struct wsc *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ctx = ctx;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->ops = ops;
	c->arg = arg;
	c->max_message = max_message;
	buf_init(&c->rx);
	return c;
}

void
wsc_free(struct wsc *c)
{
	if (c == NULL)
		return;
	lws_sul_cancel(&c->fail_sul);
	if (c->wsi != NULL) {
		/* Detach first: the wsi's last callbacks must not reach freed memory. */
		lws_set_opaque_user_data(c->wsi, NULL);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	drop_queue(c);
	buf_free(&c->rx);
	free(c);
}

/* The connection has ended: forget it and tell the owner, once. */
static void
ended(struct wsc *c, const char *why)
{
	if (c->state == WSC_CLOSED)
		return;
	if (c->wsi != NULL)
		lws_set_opaque_user_data(c->wsi, NULL);
	c->wsi = NULL;
	c->state = WSC_CLOSED;
	c->want_ping = c->want_close = 0;
	drop_queue(c);
	buf_free(&c->rx);
	c->ops->closed(c, c->arg, why);
}

static void
report_failed_connect(lws_sorted_usec_list_t *sul)
{
	struct wsc *c = lws_container_of(sul, struct wsc, fail_sul);

	ended(c, c->fail_why);
}

int
wsc_parse_url(const char *url, char *scratch, size_t scratchlen, const char **host, int *port,
	      const char **path, int *tls)
{
	const char *p;
	char *colon, *end;
	long v;
	size_t n;

	if (strncmp(url, "ws://", 5) == 0) {
		*tls = 0;
		p = url + 5;
	} else if (strncmp(url, "wss://", 6) == 0) {
		*tls = 1;
		p = url + 6;
	} else {
		return -1;
	}
	/* scratch holds "host\0/path": the path keeps its slash, the host gets a NUL. */
	n = strcspn(p, "/?#");
	if (n == 0 || n + 1 + strlen(p + n) + 2 > scratchlen)
		return -1;
	memcpy(scratch, p, n);
	scratch[n] = '\0';
	snprintf(scratch + n + 1, scratchlen - n - 1, "%s%s", p[n] == '/' ? "" : "/", p + n);
	*path = scratch + n + 1;
	*port = *tls ? 443 : 80;
	end = scratch + n;
	if (scratch[0] == '[') { /* [IPv6]:port */
		if ((end = strchr(scratch, ']')) == NULL)
			return -1;
		*end++ = '\0';
		*host = scratch + 1;
		colon = *end == ':' ? end : NULL;
		if (*end != '\0' && colon == NULL)
			return -1;
	} else {
		*host = scratch;
		colon = strchr(scratch, ':');
	}
	if (colon != NULL) {
		*colon = '\0';
		if (parse_long(colon + 1, 1, 65535, &v) == -1)
			return -1;
		*port = (int)v;
	}
	return **host == '\0' || strpbrk(*path, " \r\n") != NULL ? -1 : 0;
}

int
wsc_connect(struct wsc *c, const char *url, const char *subprotocol)
{
	struct lws_client_connect_info i;
	char scratch[2048];
	const char *host, *path;
	int port, tls;

	if (c->state != WSC_CLOSED ||
	    wsc_parse_url(url, scratch, sizeof(scratch), &host, &port, &path, &tls) == -1)
		return -1;
	memset(&i, 0, sizeof(i));
	i.context = c->ctx;
	i.address = host;
	i.port = port;
	i.path = path;
	i.host = host;
	i.origin = NULL; /* a program, not a browser: no Origin header */
	i.protocol = subprotocol;
	i.local_protocol_name = WSC_PROTOCOL_NAME;
	i.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
	i.ietf_version_or_minus_one = -1;
	i.opaque_user_data = c;
	i.pwsi = &c->wsi;
	c->state = WSC_CONNECTING;
	c->rx_too_big = 0;
	buf_free(&c->rx);
	if (lws_client_connect_via_info(&i) == NULL && c->state == WSC_CONNECTING) {
		/* Failed before any callback: report it from the loop, not from inside this
		 * call, so that an owner reconnecting in closed() cannot recurse. */
		c->wsi = NULL;
		snprintf(c->fail_why, sizeof(c->fail_why), "cannot connect to %s:%d", host, port);
		lws_sul_schedule(c->ctx, 0, &c->fail_sul, report_failed_connect, 1);
	}
	return 0;
}

int
wsc_send(struct wsc *c, const char *text, size_t len)
{
	struct outmsg *m;

	if (c->state != WSC_OPEN || c->wsi == NULL)
		return -1;
	if ((m = malloc(sizeof(*m) + LWS_PRE + len)) == NULL)
		return -1;
	m->next = NULL;
	m->len = len;
	memcpy(m->data + LWS_PRE, text, len);
	if (c->tail != NULL)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	lws_callback_on_writable(c->wsi);
	return 0;
}

void
wsc_ping(struct wsc *c)
{
	if (c->state == WSC_OPEN && c->wsi != NULL) {
		c->want_ping = 1;
		lws_callback_on_writable(c->wsi);
	}
}

void
wsc_close(struct wsc *c)
{
	if (c->wsi == NULL)
		return;
	drop_queue(c);
	c->want_close = 1;
	lws_callback_on_writable(c->wsi);
	/* Some servers never finish the closing handshake: give it two seconds at most. */
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 2);
}

void
wsc_drop(struct wsc *c)
{
	if (c->wsi != NULL)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

int
wsc_is_open(const struct wsc *c)
{
	return c->state == WSC_OPEN;
}

int
wsc_is_busy(const struct wsc *c)
{
	return c->state != WSC_CLOSED;
}

static int
on_receive(struct wsc *c, struct lws *wsi, const char *in, size_t len)
{
	if (lws_is_first_fragment(wsi)) {
		buf_free(&c->rx);
		c->rx_too_big = 0;
	}
	if (!c->rx_too_big &&
	    (c->rx.len + len > c->max_message || buf_append(&c->rx, in, len) == -1)) {
		log_warnx("%s: a message over %zu bytes was dropped", c->name, c->max_message);
		c->rx_too_big = 1;
		buf_free(&c->rx);
	}
	if (!lws_is_final_fragment(wsi) || c->rx_too_big)
		return 0;
	if (lws_frame_is_binary(wsi)) {
		log_debug("%s: a binary message was ignored", c->name);
	} else {
		if (buf_append(&c->rx, "", 0) == -1)
			return 0;
		c->ops->message(c, c->arg, c->rx.data, c->rx.len);
	}
	buf_free(&c->rx);
	return 0;
}

static int
on_writeable(struct wsc *c, struct lws *wsi)
{
	unsigned char ping[LWS_PRE + 4];
	struct outmsg *m = c->head;

	if (c->want_close) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	if (c->want_ping) {
		c->want_ping = 0;
		if (lws_write(wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0)
			return -1;
	} else if (m != NULL) {
		c->head = m->next;
		if (c->head == NULL)
			c->tail = NULL;
		if (lws_write(wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len) {
			free(m);
			return -1;
		}
		free(m);
	}
	if (c->head != NULL || c->want_ping)
		lws_callback_on_writable(wsi);
	return 0;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct wsc *c = lws_get_opaque_user_data(wsi);
	char why[160];

	(void)user;
	if (c == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->wsi = wsi;
		c->state = WSC_OPEN;
		log_debug("%s: connected", c->name);
		c->ops->opened(c, c->arg);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE: return on_receive(c, wsi, in, len);
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		if (c->ops->pong != NULL)
			c->ops->pong(c, c->arg);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE: return on_writeable(c, wsi);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(why, sizeof(why), "connection failed: %.120s",
			 in != NULL ? (const char *)in : "no reason given");
		ended(c, why);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED: ended(c, "connection closed"); return 0;
	case LWS_CALLBACK_WSI_DESTROY: ended(c, "connection ended"); return 0;
	default: return 0;
	}
}

const struct lws_protocols wsc_protocol = {
	.name = WSC_PROTOCOL_NAME,
	.callback = callback,
	.rx_buffer_size = 4096,
};

void
wsc_context_info(struct lws_context_creation_info *info, const char *ca_file,
		 const struct lws_protocols *protocols, void *user)
{
	memset(info, 0, sizeof(*info));
	info->options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info->protocols = protocols;
	info->user = user;
	info->client_ssl_ca_filepath = ca_file != NULL ? ca_file : WSC_DEFAULT_CA_FILE;
	info->port = CONTEXT_PORT_NO_LISTEN;
}
