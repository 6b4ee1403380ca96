/* SPDX-License-Identifier: MIT */
/*
 * server.c -- what the parts of the network loop (net.c, ws.c, http.c) share: the client
 * table entry of a connection, reading a request's headers and Origin, and the lingering
 * close of a connection.
 */
#include "server.h"

#include <fcntl.h>
#include <stdio.h>

#include "origin.h"

#define LINGER_NS 2000000000LL /* how long a closed connection is still read from */

struct client *
server_client(struct server *srv, struct lws *wsi)
{
	struct client *c = lws_get_opaque_user_data(wsi);
	char addr[64];

	if (c != NULL)
		return c; /* found when it was accepted (net.c) */
	if (lws_get_peer_simple(wsi, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "unknown");
	return clients_get(&srv->clients, addr, (double)srv->cfg->burst, mono_ns());
}

int
server_header(struct lws *wsi, enum lws_token_indexes h, char *out, size_t outlen)
{
	int n = lws_hdr_total_length(wsi, h);

	out[0] = '\0';
	if (n <= 0)
		return 0;
	if ((size_t)n >= outlen)
		return -1;
	return lws_hdr_copy(wsi, out, (int)outlen, h) < 0 ? -1 : n;
}

int
server_origin_ok(struct server *srv, struct lws *wsi, char *origin, size_t len)
{
	char host[256];
	int n = server_header(wsi, WSI_TOKEN_ORIGIN, origin, len);

	if (n == 0)
		return 1;
	if (n < 0) {
		origin[0] = '\0';
		return 0;
	}
	if (server_header(wsi, WSI_TOKEN_HOST, host, sizeof(host)) < 0)
		host[0] = '\0';
	return origin_allowed(origin, host, srv->cfg->allow_origin, srv->cfg->nallow_origin);
}

void
server_linger(struct server *srv, struct lws *wsi)
{
	long long deadline = mono_ns() + LINGER_NS;
	int fd = fcntl(lws_get_socket_fd(wsi), F_DUPFD_CLOEXEC, 0);

	/* libwebsockets shuts the writing side (over TLS it sends close_notify instead),
	 * so the client sees the end, then closes its descriptor: the socket lives on in
	 * this copy until linger closes it. */
	if (fd == -1)
		return;
	if (srv->draining && deadline > srv->drain_deadline)
		deadline = srv->drain_deadline;
	linger_add(&srv->linger, fd, deadline);
}
