/* SPDX-License-Identifier: MIT */
/*
 * linger.h -- lingering close, as nginx's lingering_close: sockets whose connection is
 * over for the server, kept open a little longer to read and drop what the client still
 * sends. Closing a socket with unread bytes makes the kernel send a reset, which throws
 * away the replies still on their way and makes the client's next send fail; reading
 * until the client closes, or a short deadline, lets them arrive.
 */
#ifndef RULINGBOT_LINGER_H
#define RULINGBOT_LINGER_H

#include <stddef.h>

/* A socket lingering. */
struct linger_fd {
	int fd;		    /* the socket, ours to close */
	long long deadline; /* when to close it even if the client has not (monotonic ns) */
};

/* The sockets lingering. */
struct linger_set {
	struct linger_fd *fds; /* n of them, in no order */
	size_t n;	       /* sockets lingering */
	size_t size;	       /* room in fds */
};

/* Sets l up, empty. This function can't fail. */
void linger_init(struct linger_set *l);

/* Adds fd (a socket whose writing side is shut) to linger until deadline; l owns it from
 * now on, and closes it at once when it cannot be kept. Returns 0, or -1 when it was
 * closed (out of memory). */
int linger_add(struct linger_set *l, int fd, long long deadline);

/* Reads and drops what every socket has to read, without waiting; closes those whose
 * client closed or failed, and those past their deadline at time now. Returns the
 * number still lingering. */
size_t linger_poll(struct linger_set *l, long long now);

/* Drops what each socket has to read, then closes them all. This function can't fail. */
void linger_free(struct linger_set *l);

#endif
