/* SPDX-License-Identifier: MIT */
/*
 * echo.c -- the benchmark's ceiling: the smallest useful libwebsockets 4.1 server, which
 * echoes every text message back as one frame. Whatever rulingd does costs at least
 * this much, so rulingd's rate is reported as a share of this one's.
 *
 * It is written the way lws's minimal-ws-server-echo example (v4.1.6) is: a protocol
 * callback with a ring of messages per connection, written from
 * LWS_CALLBACK_SERVER_WRITEABLE, and rx flow control when the ring fills. Unlike the
 * example, fragments are gathered into one message first, because the load generator
 * counts one frame per request.
 */
#include <libwebsockets.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Messages queued per connection: a client with more than this in flight is paused. */
#define RING_DEPTH 64
/* The longest message echoed, the same hard cap as rulingd's. */
#define MESSAGE_MAX 65536

/* One message waiting to go back. */
struct msg {
	unsigned char *payload; /* LWS_PRE bytes of headroom, then the message; malloc'd */
	size_t len;		/* bytes of message */
};

/* Per connection. */
struct session {
	struct lws_ring *ring; /* messages to echo, oldest first */
	uint32_t tail;	       /* our tail in ring */
	struct msg partial;    /* fragments of the message being received */
	int paused;	       /* 1 while rx flow control holds the connection */
};

static volatile sig_atomic_t interrupted; /* SIGINT or SIGTERM came */
static int one_write;			  /* --one-write: one lws_write per callback */

static void
msg_destroy(void *p)
{
	struct msg *m = p;

	free(m->payload);
	m->payload = NULL;
	m->len = 0;
}

/* Adds a fragment to the message being received; on the last one, queues the message.
 * Returns 0, or -1 to close the connection (too long, out of memory). */
static int
echo_receive(struct lws *wsi, struct session *s, const void *in, size_t len)
{
	unsigned char *p;

	if (s->partial.len + len > MESSAGE_MAX)
		return -1;
	if ((p = realloc(s->partial.payload, LWS_PRE + s->partial.len + len)) == NULL)
		return -1;
	memcpy(p + LWS_PRE + s->partial.len, in, len);
	s->partial.payload = p;
	s->partial.len += len;
	if (!lws_is_final_fragment(wsi))
		return 0;
	if (!lws_ring_insert(s->ring, &s->partial, 1)) {
		msg_destroy(&s->partial);
		return -1;
	}
	memset(&s->partial, 0, sizeof(s->partial));
	lws_callback_on_writable(wsi);
	/* Stop reading before the ring is full, as the example does, so no message is
	 * ever dropped. */
	if (lws_ring_get_count_free_elements(s->ring) < 3 && !s->paused) {
		s->paused = 1;
		lws_rx_flow_control(wsi, 0);
	}
	return 0;
}

/* Writes queued messages while the socket takes them (or one, with --one-write).
 * Returns 0, or -1 to close the connection. */
static int
echo_writeable(struct lws *wsi, struct session *s)
{
	const struct msg *m;

	while ((m = lws_ring_get_element(s->ring, &s->tail)) != NULL) {
		if (lws_write(wsi, m->payload + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
			return -1;
		lws_ring_consume_single_tail(s->ring, &s->tail, 1);
		if (one_write || lws_send_pipe_choked(wsi))
			break;
	}
	if (lws_ring_get_element(s->ring, &s->tail))
		lws_callback_on_writable(wsi);
	if (s->paused && lws_ring_get_count_free_elements(s->ring) > RING_DEPTH - 5) {
		s->paused = 0;
		lws_rx_flow_control(wsi, 1);
	}
	return 0;
}

static int
callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct session *s = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		s->ring = lws_ring_create(sizeof(struct msg), RING_DEPTH, msg_destroy);
		return s->ring == NULL ? -1 : 0;
	case LWS_CALLBACK_RECEIVE: return echo_receive(wsi, s, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE: return echo_writeable(wsi, s);
	case LWS_CALLBACK_CLOSED:
		lws_ring_destroy(s->ring);
		msg_destroy(&s->partial);
		return 0;
	default: return 0;
	}
}

/* The first protocol serves clients that ask for none, which is what the load generator
 * does. */
static const struct lws_protocols protocols[] = {
	{ "echo", callback_echo, sizeof(struct session), 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* lws sizes its descriptor table from RLIMIT_NOFILE when the context is created: raise
 * the soft limit to the hard one first, for the 10,000-connection test. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
parse_port(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535) {
		fprintf(stderr, "echo: --port must be 1 to 65535, not '%s'\n", s);
		exit(2);
	}
	return (int)v;
}

static void
parse_options(int argc, char **argv, int *port)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "one-write", no_argument, NULL, '1' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': *port = parse_port(optarg); break;
		case '1': one_write = 1; break;
		default:
			fprintf(stderr, "usage: echo [--port PORT] [--one-write]\n"
					"Echoes websocket text messages on 127.0.0.1.\n");
			exit(2);
		}
	}
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;
	int port = 7681, n = 0;

	parse_options(argc, argv, &port);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	raise_nofile();
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
	if ((context = lws_create_context(&info)) == NULL) {
		fprintf(stderr, "echo: lws init failed\n");
		return 1;
	}
	while (n >= 0 && !interrupted)
		n = lws_service(context, 0);
	lws_context_destroy(context);
	return 0;
}
