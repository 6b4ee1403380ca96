/* SPDX-License-Identifier: MIT */
/*
 * test_metrics.c -- the Prometheus counters (daemon/server/metrics.c): the latency
 * histogram, and the text /metrics serves, every series typed and every sample labelled
 * with its worker.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "log.h"
#include "metrics.h"
#include "proto.h"
#include "server_fixture.h"
#include "util.h"

static void
test_metrics_observe(void)
{
	struct metrics m;
	int i, cumulative = 1;

	memset(&m, 0, sizeof(m));
	metrics_observe(&m, 0.0003); /* between the 0.00025 and the 0.0005 bounds */
	CHECK(m.latency[0] == 0 && m.latency[1] == 0 && m.latency[2] == 0);
	for (i = 3; i < METRICS_BUCKETS; i++)
		CHECK(m.latency[i] == 1);
	CHECK(m.latency_count == 1);
	metrics_observe(&m, 0.00001); /* in every bucket */
	metrics_observe(&m, 5.0);     /* in +Inf only */
	metrics_observe(&m, 0.001);   /* on a bound: le means <= */
	CHECK(m.latency[0] == 1);
	CHECK(m.latency[4] == 3); /* le="0.001": 0.00001, 0.0003 and 0.001 itself */
	CHECK(m.latency[3] == 2); /* le="0.0005" */
	CHECK(m.latency[METRICS_BUCKETS - 1] == 4);
	CHECK(m.latency[METRICS_BUCKETS - 2] == 3);
	CHECK(m.latency_count == 4);
	CHECK(m.latency_sum > 5.0012 && m.latency_sum < 5.0014);
	for (i = 1; i < METRICS_BUCKETS; i++)
		cumulative &= m.latency[i] >= m.latency[i - 1];
	CHECK(cumulative);
}

static void
test_metrics_render(void)
{
	static const char *const series[][2] = {
		{ "rulingd_connections", "gauge" },	{ "rulingd_questions_total", "counter" },
		{ "rulingd_errors_total", "counter" },	{ "rulingd_answer_seconds", "histogram" },
		{ "rulingd_kb_facts", "gauge" },	{ "rulingd_kb_load_seconds", "gauge" },
		{ "rulingd_reloads_total", "counter" }, { "rulingd_sockets", "gauge" },
		{ "rulingd_refused_total", "counter" },
	};
	struct metrics m;
	struct buf b;
	char type[128];
	const char *line, *eol, *t;
	size_t i;
	int labelled = 1, samples = 0;

	memset(&m, 0, sizeof(m));
	m.worker = 2;
	m.connections = 3;
	m.sockets = 5;
	m.refused[REFUSED_PER_ADDRESS] = 1400;
	m.questions[OUTCOME_ANSWERED] = 120;
	m.questions[OUTCOME_NO_ANSWER] = 14;
	m.questions[OUTCOME_ERROR] = 2;
	m.errors[PROTO_BAD_JSON] = 1;
	m.errors[PROTO_RATE_LIMITED] = 7;
	m.kb_facts = 384;
	m.kb_load_seconds = 0.012;
	m.reloads_ok = 1;
	m.reloads_failed = 5;
	metrics_observe(&m, 0.00007);
	metrics_observe(&m, 0.02);
	buf_init(&b);
	CHECK(metrics_render(&m, &b) == 0);
	t = b.data ? b.data : "";
	for (i = 0; i < ARRAY_LEN(series); i++) {
		snprintf(type, sizeof(type), "# TYPE %s %s\n", series[i][0], series[i][1]);
		if (strstr(t, type) == NULL)
			fprintf(stderr, "  no \"%.*s\"\n", (int)strlen(type) - 1, type);
		CHECK(strstr(t, type) != NULL);
	}
	/* Every sample carries the worker label. */
	for (line = t; *line; line = eol ? eol + 1 : line + strlen(line)) {
		eol = strchr(line, '\n');
		if (*line == '#' || *line == '\n')
			continue;
		samples++;
		if (strncmp(line, "rulingd_", 8) != 0 ||
		    !memmem(line, eol ? (size_t)(eol - line) : strlen(line), "worker=\"2\"", 10))
			labelled = 0;
	}
	CHECK(labelled && samples > 20);
	CHECK(sample(t, "rulingd_connections", "worker=\"2\"", NULL) == 3);
	CHECK(sample(t, "rulingd_sockets", "worker=\"2\"", NULL) == 5);
	CHECK(sample(t, "rulingd_refused_total", "worker=\"2\"", "limit=\"max_conns\"") == 0);
	CHECK(sample(t, "rulingd_refused_total", "worker=\"2\"", "limit=\"max_conns_per_ip\"") ==
	      1400);
	CHECK(sample(t, "rulingd_questions_total", "worker=\"2\"", "outcome=\"answered\"") == 120);
	CHECK(sample(t, "rulingd_questions_total", "worker=\"2\"", "outcome=\"no_answer\"") == 14);
	CHECK(sample(t, "rulingd_questions_total", "worker=\"2\"", "outcome=\"error\"") == 2);
	for (i = 0; i < PROTO_NERRORS; i++) {
		char code[64];

		snprintf(code, sizeof(code), "code=\"%s\"", proto_error_name((enum proto_error)i));
		CHECK(sample(t, "rulingd_errors_total", "worker=\"2\"", code) ==
		      (double)m.errors[i]);
	}
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"5e-05\"") == 0 ||
	      sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"0.00005\"") == 0);
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"0.0001\"") == 1);
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"0.01\"") == 1);
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"0.025\"") == 2);
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"+Inf\"") == 2);
	CHECK(sample(t, "rulingd_answer_seconds_count", "worker=\"2\"", NULL) == 2);
	CHECK(sample(t, "rulingd_answer_seconds_sum", "worker=\"2\"", NULL) > 0.02006 &&
	      sample(t, "rulingd_answer_seconds_sum", "worker=\"2\"", NULL) < 0.02008);
	CHECK(sample(t, "rulingd_kb_facts", "worker=\"2\"", NULL) == 384);
	CHECK(sample(t, "rulingd_kb_load_seconds", "worker=\"2\"", NULL) == 0.012);
	CHECK(sample(t, "rulingd_reloads_total", "worker=\"2\"", "result=\"ok\"") == 1);
	CHECK(sample(t, "rulingd_reloads_total", "worker=\"2\"", "result=\"failed\"") == 5);
	buf_free(&b);
}

int
main(void)
{
	log_init("test_metrics", LOG_LEVEL_ERR);
	RUN(test_metrics_observe);
	RUN(test_metrics_render);
	HARNESS_END();
}
