/* SPDX-License-Identifier: MIT */
/*
 * listener.c -- socket(), bind(), listen(). libwebsockets 4.1 can listen by itself, but
 * it takes an interface name or address and may fall back to every interface, and its
 * listen-share option does not share a port between processes on Linux. Opening the
 * sockets here settles both: the bind is exactly what --listen says, and each worker gets
 * a socket of its own on it (SO_REUSEPORT), so the kernel balances connections among
 * workers instead of the first one awake taking them all. The socket is only bound here:
 * net.c calls listen() once its knowledge base is ready, so until then the port refuses
 * connections rather than queueing them.
 */
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
listener_open(const struct listen_addr *a, int shared, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, a->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)a->port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, a->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)a->port);
		len = sizeof(*sin6);
	} else {
		snprintf(err, errlen, "%s is not a numeric address", a->host);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* SO_REUSEADDR: restart while old connections linger in TIME_WAIT. SO_REUSEPORT only
	 * for a worker's socket: alone, a second rulingd on the same port fails to start. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (shared && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1) ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1) ||
	    bind(fd, (struct sockaddr *)&ss, len) == -1) {
		snprintf(err, errlen, "%s%s%s:%d: %s", ss.ss_family == AF_INET6 ? "[" : "", a->host,
			 ss.ss_family == AF_INET6 ? "]" : "", a->port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
