/* SPDX-License-Identifier: MIT */
/*
 * linger.c -- lingering close: see linger.h. The sockets are read from a timer, a few
 * times a second, not from the event loop: a client that sends faster than that fills
 * its socket's buffer and waits, which costs nothing, and one that closes is noticed
 * within the period.
 */
#include "linger.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define READS_PER_POLL 16 /* reads of one socket per poll: one client cannot hold the loop */

void
linger_init(struct linger_set *l)
{
	l->fds = NULL;
	l->n = l->size = 0;
}

int
linger_add(struct linger_set *l, int fd, long long deadline)
{
	struct linger_fd *more;
	size_t size;

	if (l->n == l->size) {
		size = l->size ? l->size * 2 : 16;
		if ((more = realloc(l->fds, size * sizeof(*more))) == NULL) {
			close(fd);
			return -1;
		}
		l->fds = more;
		l->size = size;
	}
	l->fds[l->n].fd = fd;
	l->fds[l->n].deadline = deadline;
	l->n++;
	return 0;
}

/* Reads and drops what fd has to read. Returns 1 while the client may send more, 0 once
 * it closed (or the socket failed). */
static int
drop_input(int fd)
{
	char buf[16384];
	ssize_t r;
	int i;

	for (i = 0; i < READS_PER_POLL; i++) {
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0)
			return 0;
		if (r == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	}
	return 1;
}

size_t
linger_poll(struct linger_set *l, long long now)
{
	size_t i = 0;

	while (i < l->n) {
		if (drop_input(l->fds[i].fd) && now < l->fds[i].deadline) {
			i++;
			continue;
		}
		close(l->fds[i].fd);
		l->fds[i] = l->fds[--l->n];
	}
	return l->n;
}

void
linger_free(struct linger_set *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		drop_input(l->fds[i].fd);
		close(l->fds[i].fd);
	}
	free(l->fds);
	linger_init(l);
}
