/* SPDX-License-Identifier: MIT */
/*
 * test_linger.c -- lingering close (daemon/server/linger.c): sockets read and dropped until
 * their client closes or their deadline passes, and closed by linger_free.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "linger.h"

static void
test_linger_reads_until_the_client_closes(void)
{
	struct linger_set l;
	int a[2], b[2];
	char junk[100] = { 0 };

	linger_init(&l);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	CHECK(linger_add(&l, a[0], 1000) == 0);
	CHECK(linger_add(&l, b[0], 2000) == 0);
	CHECK(write(a[1], junk, sizeof(junk)) == sizeof(junk));
	CHECK(linger_poll(&l, 0) == 2); /* read and dropped; both still open */
	CHECK(recv(a[1], junk, sizeof(junk), MSG_DONTWAIT) == -1); /* nothing sent back */

	/* The client of a closes: a goes. */
	close(a[1]);
	CHECK(linger_poll(&l, 10) == 1);
	CHECK(fcntl(a[0], F_GETFD) == -1);
	/* b's deadline passes: b goes, and its client sees the end. */
	CHECK(linger_poll(&l, 1999) == 1);
	CHECK(linger_poll(&l, 2000) == 0);
	CHECK(fcntl(b[0], F_GETFD) == -1);
	CHECK(recv(b[1], junk, sizeof(junk), 0) == 0);
	close(b[1]);

	/* linger_free closes what is left. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
	CHECK(linger_add(&l, a[0], 1000) == 0);
	linger_free(&l);
	CHECK(l.n == 0 && l.fds == NULL);
	CHECK(recv(a[1], junk, sizeof(junk), 0) == 0);
	close(a[1]);
}

int
main(void)
{
	log_init("test_linger", LOG_LEVEL_ERR);
	RUN(test_linger_reads_until_the_client_closes);
	HARNESS_END();
}
