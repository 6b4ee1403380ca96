/* SPDX-License-Identifier: MIT */
/*
 * main.c -- rulingbot-matrix: reads its access token, signs in, then runs one
 * libwebsockets loop holding the connection to rulingd, with the Matrix thread (syncer)
 * handing it questions and taking back the replies. SIGTERM cuts the sync short and
 * gives the replies in progress five seconds to go out; a reply that does not make it is
 * sent after the restart, since its batch was not marked done.
 *
 * Exit status: 0 after SIGTERM or SIGINT; 1 when it could not run; 2 for a bad command
 * line, token file or state file; 3 when the homeserver refused the token (restarting
 * will not help).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "clock.h"
#include "log.h"
#include "options.h"
#include "rclient.h"
#include "secret.h"
#include "state.h"
#include "stop.h"
#include "syncer.h"
#include "wsc.h"

#define TICK_US	 (100 * 1000) /* how often signals are looked at */
#define DRAIN_MS 5000	      /* for replies in progress when stopping */

/* The loop's own state. */
struct runner {
	struct lws_context *ctx;     /* the libwebsockets loop */
	struct rclient *rulingd;     /* the connection to rulingd */
	struct syncer *syncer;	     /* the Matrix thread */
	lws_sorted_usec_list_t tick; /* on_tick(), every TICK_US */
	long long stop_by_ms;	     /* 0 until stopping; then when to give up (monotonic) */
	int done;		     /* 1 when the loop is to end */
};

/* rulingd's reply: written as Matrix content and handed back to be sent. */
static void
on_reply(void *arg, void *tag, const struct rreply *r)
{
	struct runner *run = arg;
	struct mx_question *q = tag;

	syncer_answer(run->syncer, q, notice_reply(r, &q->to));
}

/* Asks rulingd the questions the syncer has found. */
static void
take_questions(struct runner *run)
{
	struct mx_question *q;

	while ((q = syncer_take_question(run->syncer)) != NULL)
		if (rclient_ask(run->rulingd, q->text, NULL, q) == -1)
			syncer_answer(run->syncer, q, NULL);
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct runner *run = lws_container_of(sul, struct runner, tick);

	take_questions(run);
	if (stop_asked() && run->stop_by_ms == 0) {
		log_info("stopping: %zu questions in progress", rclient_waiting(run->rulingd));
		run->stop_by_ms = mono_ms() + DRAIN_MS + 2000;
		syncer_stop(run->syncer, DRAIN_MS);
	}
	if (syncer_finished(run->syncer) || (run->stop_by_ms != 0 && mono_ms() >= run->stop_by_ms))
		run->done = 1;
	lws_sul_schedule(run->ctx, 0, &run->tick, on_tick, TICK_US);
}

/* The syncer wakes the loop with lws_cancel_service(): a question is waiting. */
static int
wake_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct runner *run = lws_context_user(lws_get_context(wsi));

	(void)user, (void)in, (void)len;
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED && run != NULL && run->syncer != NULL)
		take_questions(run);
	return 0;
}

static struct lws_context *
make_context(const struct options *o, struct runner *run, struct lws_protocols *protocols)
{
	struct lws_context_creation_info info;

	wsc_context_info(&info, o->shared.ca_file, protocols, run);
	return lws_create_context(&info);
}

/* Runs the loop until told to stop or refused. Returns the exit status. */
static int
run_bridge(const struct options *o, const struct syncer_config *cfg, struct mx_state *state)
{
	struct runner run = { 0 };
	struct lws_protocols protocols[3];
	char err[256];
	int rc = 0;

	memset(protocols, 0, sizeof(protocols));
	protocols[0] = wsc_protocol;
	protocols[1].name = "rulingbot-wake";
	protocols[1].callback = wake_callback;
	if ((run.ctx = make_context(o, &run, protocols)) == NULL) {
		log_errorx("cannot start the network loop");
		state_clear(state);
		return 1;
	}
	if ((run.rulingd =
		     rclient_new(run.ctx, o->shared.rulingd_url, o->shared.answer_timeout_s * 1000,
				 on_reply, &run, err, sizeof(err))) == NULL ||
	    (run.syncer = syncer_new(cfg, state, run.ctx, err, sizeof(err))) == NULL) {
		log_errorx("%s", err);
		state_clear(state);
		rc = 1;
	} else {
		lws_sul_schedule(run.ctx, 0, &run.tick, on_tick, TICK_US);
		while (!run.done)
			lws_service(run.ctx, 0);
		lws_sul_cancel(&run.tick);
		rc = syncer_refused(run.syncer) ? ACCOUNT_REFUSED : 0;
	}
	/* Questions still out get their timeout reply here, into a syncer that has stopped. */
	rclient_free(run.rulingd);
	syncer_free(run.syncer);
	lws_context_destroy(run.ctx);
	return rc;
}

/* The state file's path: the option, or sync-state.json in systemd's StateDirectory. */
static const char *
state_path(const struct options *o, char *buf, size_t len)
{
	const char *dir = getenv("STATE_DIRECTORY");

	if (o->state_file != NULL)
		return o->state_file;
	if (dir == NULL || dir[0] == '\0') {
		log_errorx("no state file: give --state FILE, or run under systemd with "
			   "StateDirectory=");
		return NULL;
	}
	/* With several StateDirectory= entries, systemd lists them separated by ':'. */
	if ((size_t)snprintf(buf, len, "%.*s/sync-state.json", (int)strcspn(dir, ":"), dir) >= len)
		return NULL;
	return buf;
}

/* Reads the state for user_id and checks that it can be written. Returns 0 or 2. */
static int
open_state(const char *path, const char *user_id, struct mx_state *s)
{
	char err[512];
	int rc = state_load(path, s, err, sizeof(err));

	if (rc == -1)
		log_warnx("%s; starting afresh", err);
	if (rc == 0 && strcmp(s->user_id, user_id) != 0) {
		log_warnx("%s belongs to %s; starting afresh", path, s->user_id);
		rc = 1;
	}
	if (rc != 0) {
		state_clear(s);
		if ((s->user_id = strdup(user_id)) == NULL)
			return 2;
		log_info("first start: messages sent before now will not be answered");
	}
	if (state_save(path, s, err, sizeof(err)) == -1) {
		log_errorx("cannot write the state file: %s", err);
		state_clear(s);
		return 2;
	}
	return 0;
}

static int
start(const struct options *o, const char *token)
{
	struct syncer_config cfg = { 0 };
	struct mx_state state;
	struct account a;
	char path_buf[4096];
	const char *path;
	int rc;

	if ((path = state_path(o, path_buf, sizeof(path_buf))) == NULL)
		return 2;
	if ((rc = account_sign_in(o->homeserver, token, o->shared.ca_file, &a)) != 0)
		return rc;
	if ((rc = open_state(path, a.user_id, &state)) != 0)
		return rc;
	cfg.homeserver = o->homeserver;
	cfg.token = token;
	cfg.ca_file = o->shared.ca_file;
	cfg.state_path = path;
	cfg.filter_id = a.filter_id;
	cfg.web_url = o->web_url;
	cfg.me.user_id = a.user_id;
	cfg.me.localpart = a.localpart;
	cfg.me.display_name = a.display_name[0] ? a.display_name : NULL;
	cfg.allow = o->allow_inviters;
	cfg.nallow = o->nallow;
	cfg.ignore = o->ignore_users;
	cfg.nignore = o->nignore;
	cfg.max_age_s = o->max_age_s;
	return run_bridge(o, &cfg, &state);
}

int
main(int argc, char **argv)
{
	struct options o;
	char err[512], *token;
	int rc;

	if ((rc = options_parse(&o, argc, argv)) != 0)
		return rc == 1 ? 0 : 2;
	log_init("rulingbot-matrix", o.shared.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	lws_set_log_level(o.shared.verbose ? LLL_ERR | LLL_WARN : LLL_ERR, NULL);
	if ((token = secret_load(o.token_file, "matrix-access-token", "access token", NULL, err,
				 sizeof(err))) == NULL) {
		log_errorx("%s", err);
		return 2;
	}
	stop_catch();
	srandom((unsigned)getpid() ^ (unsigned)mono_ms());
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_errorx("cannot start libcurl");
		rc = 1;
	} else {
		rc = start(&o, token);
		curl_global_cleanup();
	}
	secret_free(token);
	return rc;
}
