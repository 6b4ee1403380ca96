/* SPDX-License-Identifier: MIT */
/*
 * metrics.h -- what rulingd counts, and its rendering in the Prometheus text format for
 * GET /metrics. Each process (worker) counts its own.
 */
#ifndef RULINGBOT_METRICS_H
#define RULINGBOT_METRICS_H

#include "proto.h"
#include "util.h"

/* How a question ended. */
enum outcome {
	OUTCOME_ANSWERED = 0, /* a fact or a fixed reply */
	OUTCOME_NO_ANSWER,    /* the engine declined */
	OUTCOME_ERROR,	      /* an error was sent instead */
	OUTCOME_CLARIFY,      /* the engine asked back, with choices (after error: values kept) */
	OUTCOME_COUNT
};

/* Why a connection was refused as soon as it was accepted. */
enum refusal {
	REFUSED_TOTAL = 0,   /* --max-conns connections open */
	REFUSED_PER_ADDRESS, /* --max-conns-per-ip open from its address */
	REFUSED_COUNT
};

#define METRICS_BUCKETS 10 /* latency histogram buckets, +Inf included */

/* The counters of one process. */
struct metrics {
	long connections;			       /* websocket connections open */
	long sockets;				       /* connections open, from accept to close */
	unsigned long long refused[REFUSED_COUNT];     /* connections refused at accept */
	unsigned long long questions[OUTCOME_COUNT];   /* questions, by outcome */
	unsigned long long errors[PROTO_NERRORS];      /* errors sent, by code */
	unsigned long long latency[METRICS_BUCKETS];   /* answers by time taken (cumulative) */
	double latency_sum;			       /* seconds, all answers */
	unsigned long long latency_count;	       /* answers timed */
	long kb_facts;				       /* facts in the loaded KB */
	double kb_load_seconds;			       /* time the last load took */
	unsigned long long reloads_ok, reloads_failed; /* SIGHUP reloads */
	int worker;				       /* worker number, 0 for the only one */
};

/* Counts an answer that took seconds. This function can't fail. */
void metrics_observe(struct metrics *m, double seconds);

/* Appends the Prometheus text for m to b. Returns 0, or -1 when out of memory. */
int metrics_render(const struct metrics *m, struct buf *b);

#endif
