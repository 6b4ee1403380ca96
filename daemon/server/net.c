/* SPDX-License-Identifier: MIT */
/*
 * net.c -- the libwebsockets context of one process: the vhost that serves, the one
 * protocol that answers both HTTP and websockets, the accepting of connections from the
 * listening sockets main.c opened, a timer that acts on signals, and the graceful stop.
 * Signal handlers only set flags; the timer, running in the loop, does the work, so a
 * reload never races a question.
 *
 * Debian's libwebsockets 4.1.6 leaves some checks to the application, done here and in
 * ws.c: Origin (in FILTER_PROTOCOL_CONNECTION), message size, and UTF-8. With TLS only
 * http/1.1 is offered by ALPN, keeping clear of its HTTP/2 header parser.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "server.h"

#define TICK_US		(100 * 1000)  /* how often the timer looks at signals */
#define PRUNE_NS	60000000000LL /* how often idle client addresses are forgotten */
#define DRAIN_NS	4000000000LL  /* how long a stop waits for websockets to close */
#define RX_CHUNK	2048	      /* bytes of a message handed over at a time */
#define HEADER_BYTES	8192	      /* request line and headers: room for ?q= of 2 KiB */
#define CLIENT_SLOTS	4093	      /* hash chains of the client table */
#define ACCEPT_BATCH	64	      /* connections accepted per wake-up */
#define ACCEPT_PAUSE_NS 100000000LL   /* pause after running out of descriptors */
#define HEADER_POOL_MAX 65535	      /* libwebsockets counts its header buffers in 16 bits */

static volatile sig_atomic_t got_reload, got_stop;

static void connection_closed(struct server *srv, struct lws *wsi);
static int accept_when_ready(struct server *srv);

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_reload = 1;
	else
		got_stop = 1;
}

/* Returns the session of a connection, remembering the connection in it. Only for the
 * reasons where user is the session: for others (TLS ones among them) it is not. */
static struct session *
session(void *user, struct lws *wsi)
{
	struct session *ss = user;

	ss->wsi = wsi;
	return ss;
}

/* The one protocol: HTTP requests and websocket messages alike. */
static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct server *srv = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return ws_filter(srv, wsi);
	case LWS_CALLBACK_ESTABLISHED: return ws_established(srv, session(user, wsi));
	case LWS_CALLBACK_RECEIVE: return ws_receive(srv, session(user, wsi), in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE: return ws_writeable(srv, session(user, wsi));
	case LWS_CALLBACK_CLOSED: ws_closed(srv, session(user, wsi)); return 0;
	case LWS_CALLBACK_HTTP: return http_request(srv, session(user, wsi), in, len);
	case LWS_CALLBACK_WSI_DESTROY: connection_closed(srv, wsi); return 0;
	case LWS_CALLBACK_HTTP_BODY: return http_body(srv, session(user, wsi), in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION: return http_body_done(srv, session(user, wsi));
	case LWS_CALLBACK_HTTP_WRITEABLE: return http_writeable(srv, session(user, wsi));
	case LWS_CALLBACK_HTTP_FILE_COMPLETION: return lws_http_transaction_completed(wsi) ? -1 : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (user)
			http_closed(user);
		return 0;
	default: return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "rulingbot.v1", callback, sizeof(struct session), RX_CHUNK, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Stops or resumes taking connections from every listening socket. */
static void
accepting(struct server *srv, int on)
{
	int i;

	for (i = 0; i < srv->nlisteners; i++)
		lws_rx_flow_control(srv->listeners[i], on);
}

/* Writes the numeric address of sa into out, as lws_get_peer_simple() would, so that a
 * connection and its HTTP requests find the same client entry. */
static void
peer_address(const struct sockaddr_storage *sa, char *out, size_t len)
{
	const void *addr = sa->ss_family == AF_INET6
				   ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
				   : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (inet_ntop(sa->ss_family, addr, out, (socklen_t)len) == NULL)
		snprintf(out, len, "unknown");
}

/* Returns the client entry of a connection just accepted from addr when the limits let
 * it in, or NULL when it must be refused (why says which limit, for the count). */
static struct client *
admit(struct server *srv, const char *addr, enum refusal *why)
{
	struct client *c;

	*why = REFUSED_TOTAL;
	if (srv->conns >= srv->cfg->max_conns || srv->conns >= srv->header_pool)
		return NULL;
	if ((c = clients_get(&srv->clients, addr, (double)srv->cfg->burst, mono_ns())) == NULL)
		return NULL;
	*why = REFUSED_PER_ADDRESS;
	return c->conns < srv->cfg->max_conns_per_ip ? c : NULL;
}

/* Counts a connection refused at accept, and says so: once, then at most a summary line
 * every few seconds, so that a flood of refusals does not flood the log too; /metrics
 * has the exact count. */
static void
refused(struct server *srv, enum refusal why, const char *addr)
{
	srv->svc->metrics.refused[why]++;
	log_rate_warnx(&srv->refusals, mono_ns(), "%s (%s)",
		       why == REFUSED_TOTAL ? "--max-conns reached" : "--max-conns-per-ip reached",
		       addr);
}

/* Counts a connection from its accept to its close, in all and for its address: every
 * connection, whether or not it ever finishes its handshake, holds a descriptor and may
 * hold a header buffer, so the limits apply to all of them. */
static void
connection_opened(struct server *srv, struct lws *wsi, struct client *c)
{
	lws_set_opaque_user_data(wsi, c);
	c->conns++;
	srv->conns++;
	srv->svc->metrics.sockets = srv->conns;
}

/* The last event of every connection libwebsockets was handed, whatever state it closed
 * in (WSI_DESTROY): gives back what connection_opened() counted, once. */
static void
connection_closed(struct server *srv, struct lws *wsi)
{
	struct client *c = lws_get_opaque_user_data(wsi);

	if (c == NULL)
		return; /* not one of ours: a listening socket */
	lws_set_opaque_user_data(wsi, NULL);
	c->conns--;
	srv->conns--;
	srv->svc->metrics.sockets = srv->conns;
}

/* Takes the waiting connections of a listening socket and hands them to the serving
 * vhost, or closes them at once, unread, when a limit is reached. A client that then does
 * not send a whole request within --handshake-timeout is dropped; libwebsockets replaces
 * the timeout once its request is in. The deadline runs from here: the connection gets
 * its header buffer at once (create_context()), never later from a queue, which would
 * start the clock again. */
static void
accept_clients(struct server *srv, struct lws *listener)
{
	int lfd = lws_get_socket_fd(listener), fd, i, on = 1;
	struct sockaddr_storage sa;
	char addr[64]; /* its numeric address */
	socklen_t salen;
	enum refusal why;
	struct client *c;
	struct lws *wsi;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		salen = sizeof(sa);
		memset(&sa, 0, sizeof(sa));
		if ((fd = accept4(lfd, (struct sockaddr *)&sa, &salen,
				  SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
			if (errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Still readable: pause, or the loop would spin on it. */
				log_rate_warnx(&srv->accept_failed, mono_ns(), "%s; pausing",
					       strerror(errno));
				accepting(srv, 0);
				srv->resume_at = mono_ns() + ACCEPT_PAUSE_NS;
			}
			return;
		}
		peer_address(&sa, addr, sizeof(addr));
		if ((c = admit(srv, addr, &why)) == NULL) {
			refused(srv, why, addr);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if ((wsi = lws_adopt_socket_vhost(srv->vhost, fd)) == NULL)
			continue;
		connection_opened(srv, wsi, c);
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, (int)srv->cfg->handshake_timeout);
	}
}

/* The listening sockets, adopted as raw descriptors: readable means connections wait. */
static int
accept_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct server *srv = lws_context_user(lws_get_context(wsi));

	(void)user;
	(void)in;
	(void)len;
	if (reason == LWS_CALLBACK_RAW_RX_FILE && !srv->draining)
		accept_clients(srv, wsi);
	return 0;
}

static const struct lws_protocols accept_protocols[] = {
	{ "rulingd-accept", accept_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Runs every TICK_US in the loop: read what lingering sockets received, sum up held-back
 * warnings, reload, stop, forget idle clients. A stop ends once every websocket is closed
 * and no socket lingers, or at its deadline. */
static void
tick(lws_sorted_usec_list_t *sul)
{
	struct server *srv = lws_container_of(sul, struct server, tick);
	long long now = mono_ns();
	size_t lingering = linger_poll(&srv->linger, now);

	notify_watchdog();
	service_tick(srv->svc, now);
	log_rate_flush(&srv->refusals, now);
	log_rate_flush(&srv->accept_failed, now);
	if (got_reload) {
		got_reload = 0;
		if (srv->serving)
			notify_reloading();
		service_reload(srv->svc);
		if (accept_when_ready(srv) == -1)
			got_stop = 1;
	}
	if (got_stop && !srv->draining) {
		log_info("stopping: closing %ld websockets", srv->open);
		notify_stopping();
		srv->draining = 1;
		srv->drain_deadline = now + DRAIN_NS;
		accepting(srv, 0);
		ws_close_all(srv);
	}
	if (srv->resume_at && now >= srv->resume_at && !srv->draining) {
		srv->resume_at = 0;
		accepting(srv, 1);
	}
	if (srv->draining && ((srv->open == 0 && lingering == 0) || now >= srv->drain_deadline)) {
		srv->done = 1;
		lws_cancel_service(srv->ctx);
		return;
	}
	if (now >= srv->prune_at) {
		clients_prune(&srv->clients, srv->cfg->rate, (double)srv->cfg->burst, now);
		srv->prune_at = now + PRUNE_NS;
	}
	lws_sul_schedule(srv->ctx, 0, &srv->tick, tick, TICK_US);
}

/* libwebsockets' own log lines, on our log. */
static void
lws_log_line(int level, const char *line)
{
	int n = (int)strcspn(line, "\n");

	/* Its warnings include one line per refused handshake: debug, or a flood of
	 * refusals would flood the log too. */
	if (level & LLL_ERR)
		log_warnx("libwebsockets: %.*s", n, line);
	else
		log_debug("libwebsockets: %.*s", n, line);
}

/* Creates the vhost that serves: it does not listen, connections are handed to it. */
static struct lws_vhost *
serving_vhost(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.vhost_name = "rulingd";
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = protocols;
	info.retry_and_idle_policy = &srv->idle;
	info.keepalive_timeout = 5;
	info.timeout_secs_ah_idle = (unsigned int)cfg->handshake_timeout;
	info.options = LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
	if (cfg->tls_cert) {
		/* libwebsockets reads this option on the vhost too, not only the context. */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->tls_cert;
		info.ssl_private_key_filepath = cfg->tls_key;
		info.alpn = "http/1.1";
	}
	return lws_create_vhost(srv->ctx, &info);
}

/* Creates the vhost the listening sockets will be adopted into: one of their own, which
 * serves nothing, so no client can ask for the accepting protocol by name. */
static struct lws_vhost *
accepting_vhost(struct server *srv)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.vhost_name = "rulingd-accept";
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = accept_protocols;
	return lws_create_vhost(srv->ctx, &info);
}

/* Starts taking connections: listen() on each socket main.c bound (again, harmlessly, on
 * those systemd passed), then hands them to the loop. Called only once the knowledge base
 * is loaded and has answered its self-test question: until then the port refuses
 * connections instead of queueing clients that would wait for nothing. Returns 0, or -1
 * (logged). */
static int
start_accepting(struct server *srv)
{
	lws_sock_file_fd_type desc;
	int i;

	for (i = srv->nlisteners; i < srv->nfds && i < CONFIG_MAX_LISTEN; i++) {
		memset(&desc, 0, sizeof(desc));
		if (listen(srv->fds[i], SOMAXCONN) == -1 ||
		    (desc.filefd = dup(srv->fds[i])) == -1) {
			log_warn("cannot listen");
			return -1;
		}
		srv->listeners[i] = lws_adopt_descriptor_vhost(
			srv->accept_vhost, LWS_ADOPT_RAW_FILE_DESC, desc, "rulingd-accept", NULL);
		if (srv->listeners[i] == NULL) {
			close(desc.filefd);
			log_warnx("cannot take connections from a listening socket");
			return -1;
		}
		srv->nlisteners++;
	}
	srv->serving = 1;
	notify_ready("serving");
	return 0;
}

/* After a start or a reload: accepts once the knowledge base is ready, or says why not
 * yet. Returns 0, or -1 when the listening sockets cannot be used (logged). */
static int
accept_when_ready(struct server *srv)
{
	if (srv->serving) {
		notify_ready("serving");
		return 0;
	}
	if (service_ready(srv->svc))
		return start_accepting(srv);
	log_warnx("not accepting connections until a knowledge base that answers its self-test "
		  "question is loaded (SIGHUP loads it again)");
	return 0;
}

static struct lws_context *
create_context(struct server *srv)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	/* Not LWS_SERVER_OPTION_VALIDATE_UTF8: ws.c checks text messages itself (it says why). */
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	if (srv->cfg->tls_cert)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = srv;
	info.max_http_header_data = HEADER_BYTES;
	/* Every connection takes a header buffer as soon as it is accepted and keeps it
	 * until its request is in; one that finds none waits in a queue without a deadline
	 * of its own, behind whoever holds them, from whatever address. So there are as many
	 * as connections may be open (--max-conns): connections stuck in their handshake
	 * then only use up their own address's --max-conns-per-ip, never a buffer another
	 * client needs. Buffers are allocated when taken and freed when given back, so
	 * unused ones cost nothing. libwebsockets counts them in 16 bits: beyond that,
	 * accept_clients() refuses connections instead. */
	srv->header_pool =
		srv->cfg->max_conns < HEADER_POOL_MAX ? srv->cfg->max_conns : HEADER_POOL_MAX;
	info.max_http_header_pool = (unsigned short)srv->header_pool;
	return lws_create_context(&info);
}

/* Sets the handler of the signals rulingd acts on, then lets them in: main.c blocks them
 * from the start, so one sent while starting waits here instead of killing the process. */
static void
set_signals(void (*handler)(int))
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(handler == SIG_DFL ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

int
net_serve(struct service *svc, const struct config *cfg, const int *fds, int nfds)
{
	struct server srv;
	int rc = 0;

	memset(&srv, 0, sizeof(srv));
	srv.svc = svc;
	srv.cfg = cfg;
	srv.fds = fds;
	srv.nfds = nfds;
	srv.idle.secs_since_valid_ping = (uint16_t)cfg->idle_ping;
	srv.idle.secs_since_valid_hangup = (uint16_t)(cfg->idle_ping + cfg->idle_timeout);
	linger_init(&srv.linger);
	buf_init(&srv.batch);
	log_rate_init(&srv.refusals, "connections refused", LOG_RATE_INTERVAL_NS);
	log_rate_init(&srv.accept_failed, "cannot accept a connection", LOG_RATE_INTERVAL_NS);
	lws_set_log_level(LLL_ERR | LLL_WARN | (cfg->verbose > 1 ? LLL_NOTICE | LLL_INFO : 0),
			  lws_log_line);
	if (clients_init(&srv.clients, CLIENT_SLOTS) == -1) {
		log_warnx("out of memory");
		return -1;
	}
	got_reload = got_stop = 0;
	set_signals(on_signal);
	if ((srv.ctx = create_context(&srv)) == NULL) {
		log_warnx("cannot start the network loop");
		clients_free(&srv.clients);
		return -1;
	}
	if ((srv.vhost = serving_vhost(&srv)) == NULL ||
	    (srv.accept_vhost = accepting_vhost(&srv)) == NULL) {
		log_warnx("cannot start serving%s",
			  cfg->tls_cert ? " (check the TLS certificate and key)" : "");
		rc = -1;
	} else if (accept_when_ready(&srv) == -1) {
		rc = -1;
	} else {
		srv.prune_at = mono_ns() + PRUNE_NS;
		lws_sul_schedule(srv.ctx, 0, &srv.tick, tick, TICK_US);
		while (!srv.done && lws_service(srv.ctx, 0) >= 0)
			;
		log_info("stopped");
	}
	lws_context_destroy(srv.ctx);
	log_rate_end(&srv.refusals, mono_ns());
	log_rate_end(&srv.accept_failed, mono_ns());
	linger_free(&srv.linger);
	buf_free(&srv.batch);
	clients_free(&srv.clients);
	set_signals(SIG_DFL);
	return rc;
}
