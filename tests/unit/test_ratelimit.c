/* SPDX-License-Identifier: MIT */
/*
 * test_ratelimit.c -- the limits on each client (daemon/server/ratelimit.c): token buckets,
 * and the table of clients by address, pruned of those with nothing to remember.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "log.h"
#include "ratelimit.h"
#include "server_fixture.h"

static void
test_bucket(void)
{
	const double rate = 4, burst = 3; /* a token every 250 ms */
	struct bucket b;
	long long t0 = 5 * SECOND;
	long wait;
	int i;

	bucket_init(&b, burst, t0);
	for (i = 0; i < 3; i++)
		CHECK(bucket_take(&b, rate, burst, t0) == 0);
	wait = bucket_take(&b, rate, burst, t0);
	CHECK(wait >= 249 && wait <= 251); /* 1000 / rate */
	/* Half way to the next token: half the wait. */
	wait = bucket_take(&b, rate, burst, t0 + 125000000LL);
	CHECK(wait >= 124 && wait <= 126);
	/* Just before it: still a wait, at least 1 ms. */
	wait = bucket_take(&b, rate, burst, t0 + 249500000LL);
	CHECK(wait >= 1 && wait <= 2);
	CHECK(bucket_take(&b, rate, burst, t0 + 250000000LL) == 0);
	CHECK(bucket_take(&b, rate, burst, t0 + 250000000LL) > 0);
	/* A long pause refills to burst, never beyond. */
	for (i = 0; i < 3; i++)
		CHECK(bucket_take(&b, rate, burst, t0 + 1000 * SECOND) == 0);
	CHECK(b.tokens <= burst);
	CHECK(bucket_take(&b, rate, burst, t0 + 1000 * SECOND) > 0);
	/* Time going backwards adds nothing. */
	CHECK(bucket_take(&b, rate, burst, t0) > 0);

	/* A slow rate: one token a minute, so a minute's wait. */
	bucket_init(&b, 1, 0);
	CHECK(bucket_take(&b, 1.0 / 60, 1, 0) == 0);
	wait = bucket_take(&b, 1.0 / 60, 1, 0);
	CHECK(wait >= 59999 && wait <= 60001);
}

static void
test_clients(void)
{
	struct clients t;
	struct client *a, *b, *c, *x;
	char addr[64];
	int i, same = 1;

	CHECK(clients_init(&t, 8) == 0);
	a = clients_get(&t, "192.0.2.1", 3, 0);
	b = clients_get(&t, "192.0.2.2", 3, 0);
	c = clients_get(&t, "2001:db8::1", 3, 0);
	CHECK(a != NULL && b != NULL && c != NULL);
	CHECK(a != b && b != c && a != c);
	CHECK(clients_get(&t, "192.0.2.1", 3, 0) == a);
	CHECK(a && strcmp(a->addr, "192.0.2.1") == 0);
	CHECK(a && a->conns == 0 && a->bucket.tokens == 3);
	CHECK(t.count == 3);
	/* More addresses than chains: each still has its own entry. */
	for (i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		clients_get(&t, addr, 3, 0);
	}
	CHECK(t.count == 103);
	for (i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		x = clients_get(&t, addr, 3, 0);
		same &= x != NULL && strcmp(x->addr, addr) == 0;
	}
	CHECK(same && t.count == 103);

	if (a == NULL || b == NULL || c == NULL) {
		clients_free(&t);
		return;
	}
	a->conns = 1;				      /* connected */
	CHECK(bucket_take(&b->bucket, 1, 3, 0) == 0); /* asked once: its bucket is not full */
	CHECK(clients_prune(&t, 1, 3, 0) == 101);     /* c and the hundred */
	CHECK(t.count == 2);
	CHECK(clients_get(&t, "192.0.2.1", 3, 0) == a);
	CHECK(clients_get(&t, "192.0.2.2", 3, 0) == b);
	CHECK(t.count == 2);
	/* Half a second later b's bucket is still short; after a second it is full. */
	CHECK(clients_prune(&t, 1, 3, SECOND / 2) == 0);
	CHECK(t.count == 2);
	CHECK(clients_prune(&t, 1, 3, SECOND) == 1);
	CHECK(t.count == 1);
	CHECK(clients_get(&t, "192.0.2.1", 3, SECOND) == a && a->conns == 1);
	a->conns = 0;
	CHECK(clients_prune(&t, 1, 3, 2 * SECOND) == 1);
	CHECK(t.count == 0);
	/* A new entry for an address seen before starts over. */
	a = clients_get(&t, "192.0.2.1", 3, 3 * SECOND);
	CHECK(a != NULL && a->conns == 0 && t.count == 1);
	clients_free(&t);
	CHECK(t.count == 0 && t.slots == NULL);
}

int
main(void)
{
	log_init("test_ratelimit", LOG_LEVEL_ERR);
	RUN(test_bucket);
	RUN(test_clients);
	HARNESS_END();
}
