/* SPDX-License-Identifier: MIT */
/*
 * metrics.c -- counters and a latency histogram, rendered as Prometheus text. The buckets
 * span what an answer takes here: tens of microseconds from the cache, hundreds from the
 * engine, and the query deadline beyond.
 */
#include "metrics.h"

static const double bucket_bounds[METRICS_BUCKETS - 1] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
};

static const char *const outcome_names[OUTCOME_COUNT] = { "answered", "no_answer", "error",
							  "clarify" };
static const char *const refusal_names[REFUSED_COUNT] = { "max_conns", "max_conns_per_ip" };

/* Appends the gauge of connections open and the counts of refused ones. */
static int
render_sockets(const struct metrics *m, const char *w, struct buf *b)
{
	int rc, i;

	rc = buf_printf(b,
			"# HELP rulingd_sockets Connections open, from accept to close, "
			"finished handshake or not.\n"
			"# TYPE rulingd_sockets gauge\n"
			"rulingd_sockets{%s} %ld\n"
			"# HELP rulingd_refused_total Connections closed as soon as accepted, by "
			"limit.\n"
			"# TYPE rulingd_refused_total counter\n",
			w, m->sockets);
	for (i = 0; rc == 0 && i < REFUSED_COUNT; i++)
		rc = buf_printf(b, "rulingd_refused_total{%s,limit=\"%s\"} %llu\n", w,
				refusal_names[i], m->refused[i]);
	return rc;
}

void
metrics_observe(struct metrics *m, double seconds)
{
	int i;

	for (i = 0; i < METRICS_BUCKETS - 1; i++)
		if (seconds <= bucket_bounds[i])
			m->latency[i]++;
	m->latency[METRICS_BUCKETS - 1]++;
	m->latency_sum += seconds;
	m->latency_count++;
}

int
metrics_render(const struct metrics *m, struct buf *b)
{
	char w[32];
	int rc, i;

	snprintf(w, sizeof(w), "worker=\"%d\"", m->worker);
	rc = buf_printf(b,
			"# HELP rulingd_connections Websocket connections open.\n"
			"# TYPE rulingd_connections gauge\n"
			"rulingd_connections{%s} %ld\n"
			"# HELP rulingd_questions_total Questions, by how they ended.\n"
			"# TYPE rulingd_questions_total counter\n",
			w, m->connections);
	if (rc == 0)
		rc = render_sockets(m, w, b);
	for (i = 0; rc == 0 && i < OUTCOME_COUNT; i++)
		rc = buf_printf(b, "rulingd_questions_total{%s,outcome=\"%s\"} %llu\n", w,
				outcome_names[i], m->questions[i]);
	if (rc == 0)
		rc = buf_puts(b, "# HELP rulingd_errors_total Errors sent, by code.\n"
				 "# TYPE rulingd_errors_total counter\n");
	for (i = 0; rc == 0 && i < PROTO_NERRORS; i++)
		rc = buf_printf(b, "rulingd_errors_total{%s,code=\"%s\"} %llu\n", w,
				proto_error_name((enum proto_error)i), m->errors[i]);
	if (rc == 0)
		rc = buf_puts(b, "# HELP rulingd_answer_seconds Time to answer a question.\n"
				 "# TYPE rulingd_answer_seconds histogram\n");
	for (i = 0; rc == 0 && i < METRICS_BUCKETS - 1; i++)
		rc = buf_printf(b, "rulingd_answer_seconds_bucket{%s,le=\"%g\"} %llu\n", w,
				bucket_bounds[i], m->latency[i]);
	if (rc == 0)
		rc = buf_printf(
			b,
			"rulingd_answer_seconds_bucket{%s,le=\"+Inf\"} %llu\n"
			"rulingd_answer_seconds_sum{%s} %.6f\n"
			"rulingd_answer_seconds_count{%s} %llu\n"
			"# HELP rulingd_kb_facts Facts in the loaded knowledge base.\n"
			"# TYPE rulingd_kb_facts gauge\n"
			"rulingd_kb_facts{%s} %ld\n"
			"# HELP rulingd_kb_load_seconds Time the last knowledge-base load took.\n"
			"# TYPE rulingd_kb_load_seconds gauge\n"
			"rulingd_kb_load_seconds{%s} %.6f\n"
			"# HELP rulingd_reloads_total Knowledge-base reloads, by result.\n"
			"# TYPE rulingd_reloads_total counter\n"
			"rulingd_reloads_total{%s,result=\"ok\"} %llu\n"
			"rulingd_reloads_total{%s,result=\"failed\"} %llu\n",
			w, m->latency[METRICS_BUCKETS - 1], w, m->latency_sum, w, m->latency_count,
			w, m->kb_facts, w, m->kb_load_seconds, w, m->reloads_ok, w,
			m->reloads_failed);
	return rc;
}
