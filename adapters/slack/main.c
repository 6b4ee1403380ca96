/* SPDX-License-Identifier: MIT */
/*
 * main.c -- rulingbot-slack: reads its tokens, learns who it is (auth.test), then runs
 * one libwebsockets loop holding the connection to rulingd and the Slack side (Socket
 * Mode links, or the HTTP endpoint), with the outbox thread posting replies. SIGTERM
 * stops taking events and gives the answers in progress five seconds to go out.
 *
 * Exit status: 0 after SIGTERM or SIGINT; 1 when it could not run; 2 for a bad command
 * line or token file; 3 when Slack refused a token (restarting will not help).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"
#include "clock.h"
#include "log.h"
#include "secret.h"
#include "slackapi.h"
#include "stop.h"
#include "webcall.h"
#include "wsc.h"

#define EXIT_REFUSED  3
#define TICK_US	      (100 * 1000) /* how often signals and refusals are looked at */
#define DRAIN_MS      5000	   /* for answers in progress when stopping */
#define AUTH_ATTEMPTS 4		   /* auth.test tries before giving up at start */

/* The loop's own state, beside the bridge. */
struct runner {
	struct bridge *b;
	lws_sorted_usec_list_t tick;
	int done, exit_code;
	long long stop_by_ms; /* 0 until stopping */
};

static int
load_secrets(struct bridge *b)
{
	char err[512];

	b->bot_token = secret_load(b->opt.bot_token_file, "slack-bot-token", "bot token", "xoxb-",
				   err, sizeof(err));
	if (b->bot_token != NULL && !b->opt.http_mode)
		b->app_token = secret_load(b->opt.app_token_file, "slack-app-token",
					   "app-level token", "xapp-", err, sizeof(err));
	if (b->bot_token != NULL && b->opt.http_mode)
		b->signing_secret = secret_load(b->opt.secret_file, "slack-signing-secret",
						"signing secret", NULL, err, sizeof(err));
	if (b->bot_token == NULL || (b->opt.http_mode ? b->signing_secret : b->app_token) == NULL) {
		log_errorx("%s", err);
		return -1;
	}
	return 0;
}

static void
copy_id(char *out, size_t len, const cJSON *reply, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(reply, key);

	snprintf(out, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* auth.test: who the bot is. Returns 0, or an exit status. */
static int
identify(struct bridge *b)
{
	struct slack_result r;
	struct webcall *w;
	char err[256];
	int attempt;

	if ((w = webcall_new(b->opt.shared.ca_file, 15, 1 << 20, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	for (attempt = 1; attempt <= AUTH_ATTEMPTS; attempt++) {
		slackapi_call(w, b->opt.api_url, "auth.test", b->bot_token, NULL, &r);
		if (r.outcome != SLACK_RETRY && r.outcome != SLACK_RATELIMITED)
			break;
		log_warnx("auth.test: %s (attempt %d of %d)", r.error, attempt, AUTH_ATTEMPTS);
		slack_result_free(&r);
		if (attempt < AUTH_ATTEMPTS)
			sleep(1U << attempt);
	}
	webcall_free(w);
	if (attempt > AUTH_ATTEMPTS)
		return 1;
	if (r.outcome == SLACK_OK) {
		copy_id(b->me.user_id, sizeof(b->me.user_id), r.reply, "user_id");
		copy_id(b->me.bot_id, sizeof(b->me.bot_id), r.reply, "bot_id");
	}
	slack_result_free(&r);
	if (r.outcome == SLACK_AUTH) {
		log_errorx("Slack refused the bot token: %s", r.error);
		return EXIT_REFUSED;
	}
	if (r.outcome != SLACK_OK || b->me.user_id[0] == '\0') {
		log_errorx("auth.test failed: %s",
			   r.outcome != SLACK_OK ? r.error : "no user_id in the reply");
		return 1;
	}
	log_info("signed in to Slack as user %s (bot %s)", b->me.user_id,
		 b->me.bot_id[0] ? b->me.bot_id : "unknown");
	return 0;
}

/* Hands link results to Socket Mode and stops on a refused token. */
static void
poll_outbox(struct runner *run)
{
	struct bridge *b = run->b;
	struct link_result r;
	char code[128];

	while (outbox_take_result(b->out, &r))
		if (b->sm != NULL)
			socketmode_link_result(b->sm, &r);
	if (!run->done && outbox_refused(b->out, code, sizeof(code))) {
		log_errorx("Slack refused a token: %s; stopping", code);
		run->exit_code = EXIT_REFUSED;
		run->done = 1;
	}
}

static void
begin_stop(struct runner *run)
{
	log_info("stopping: %zu questions and %zu replies in progress",
		 rclient_waiting(run->b->rulingd), outbox_pending(run->b->out));
	run->stop_by_ms = mono_ms() + DRAIN_MS;
	if (run->b->sm != NULL)
		socketmode_stop(run->b->sm);
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct runner *run = lws_container_of(sul, struct runner, tick);

	poll_outbox(run);
	if (stop_asked() && run->stop_by_ms == 0)
		begin_stop(run);
	if (run->stop_by_ms != 0 &&
	    ((rclient_waiting(run->b->rulingd) == 0 && outbox_pending(run->b->out) == 0) ||
	     mono_ms() >= run->stop_by_ms))
		run->done = 1;
	lws_sul_schedule(run->b->ctx, 0, &run->tick, on_tick, TICK_US);
}

/* The outbox thread wakes the loop with lws_cancel_service(): look at once. */
static int
wake_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct runner *run = lws_context_user(lws_get_context(wsi));

	(void)user, (void)in, (void)len;
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED && run != NULL)
		poll_outbox(run);
	return 0;
}

static struct lws_context *
make_context(struct bridge *b, struct runner *run, struct lws_protocols *protocols)
{
	struct lws_context_creation_info info;

	wsc_context_info(&info, b->opt.shared.ca_file, protocols, run);
	if (b->opt.http_mode) {
		info.port = b->opt.listen_port;
		info.iface = b->opt.listen_host;
	}
	return lws_create_context(&info);
}

/* Builds the connections, runs the loop until told to stop, and takes it all down.
 * Returns the exit status. */
static int
run_bridge(struct bridge *b)
{
	struct runner run = { .b = b };
	struct lws_protocols protocols[4];
	struct outbox_config oc = { b->opt.api_url, b->bot_token, b->app_token,
				    b->opt.shared.ca_file, b->opt.post_interval_ms };
	char err[256];
	size_t lost;

	memset(protocols, 0, sizeof(protocols));
	protocols[0] = httpevents_protocol;
	protocols[0].user = &b->events;
	protocols[1] = wsc_protocol;
	protocols[2].name = "rulingbot-wake";
	protocols[2].callback = wake_callback;
	b->events.signing_secret = b->signing_secret;
	b->events.fn = bridge_on_payload;
	b->events.arg = b;
	if ((b->ctx = make_context(b, &run, protocols)) == NULL) {
		log_errorx("cannot start the network loop%s",
			   b->opt.http_mode ? " (is the --listen address free?)" : "");
		return 1;
	}
	if ((b->out = outbox_new(&oc, b->ctx, err, sizeof(err))) == NULL ||
	    (b->rulingd = rclient_new(b->ctx, b->opt.shared.rulingd_url,
				      b->opt.shared.answer_timeout_s * 1000, bridge_on_reply, b,
				      err, sizeof(err))) == NULL ||
	    (!b->opt.http_mode && (b->sm = socketmode_new(b->ctx, b->out, b->opt.watchdog_s * 1000,
							  bridge_on_payload, b)) == NULL)) {
		log_warnx("%s", b->sm == NULL && b->rulingd != NULL ? "out of memory" : err);
		run.exit_code = 1;
		run.done = 1;
	}
	if (!run.done) {
		if (b->opt.http_mode)
			log_info("listening for Slack's events on %s port %d, path %s",
				 b->opt.listen_host, b->opt.listen_port, HTTPEVENTS_PATH);
		lws_sul_schedule(b->ctx, 0, &run.tick, on_tick, TICK_US);
		while (!run.done)
			lws_service(b->ctx, 0);
		lws_sul_cancel(&run.tick);
	}
	socketmode_free(b->sm);
	rclient_free(b->rulingd);
	lost = outbox_free(b->out, run.exit_code == 0 ? DRAIN_MS : 0);
	if (lost > 0)
		log_warnx("%zu replies could not be posted before stopping", lost);
	lws_context_destroy(b->ctx);
	return run.exit_code;
}

int
main(int argc, char **argv)
{
	struct bridge b;
	int rc;

	memset(&b, 0, sizeof(b));
	if ((rc = options_parse(&b.opt, argc, argv)) != 0)
		return rc == 1 ? 0 : 2;
	log_init("rulingbot-slack", b.opt.shared.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	lws_set_log_level(b.opt.shared.verbose ? LLL_ERR | LLL_WARN : LLL_ERR, NULL);
	if (load_secrets(&b) == -1) {
		rc = 2;
		goto out;
	}
	stop_catch();
	srandom((unsigned)getpid() ^ (unsigned)mono_ms());
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_warnx("cannot start libcurl");
		rc = 1;
		goto out;
	}
	if ((rc = identify(&b)) == 0 &&
	    (b.seen = dedupe_new(BRIDGE_DEDUPE_MS, BRIDGE_DEDUPE_KEYS)) == NULL) {
		log_warnx("out of memory");
		rc = 1;
	}
	if (rc == 0)
		rc = run_bridge(&b);
	dedupe_free(b.seen);
	curl_global_cleanup();
out:
	secret_free(b.bot_token);
	secret_free(b.app_token);
	secret_free(b.signing_secret);
	return rc;
}
