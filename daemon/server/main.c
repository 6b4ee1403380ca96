/* SPDX-License-Identifier: MIT */
/*
 * main.c -- rulingd: answers questions about City of Chicago v. Sessions, each answer with
 * its sources, over a websocket and HTTP. This file reads the settings and picks what to
 * run: the server (net.c, one process or --workers), one question (--ask), the terminal
 * prompt (--prompt), or a check of the configuration (-n).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "engine.h"
#include "listener.h"
#include "log.h"
#include "net.h"
#include "notify.h"
#include "service.h"
#include "unanswered.h"
#include "workers.h"

#define SPARE_FDS 256 /* descriptors beyond connections: listeners, HTTP, the database */

/* Answers --ask, or the questions typed at --prompt. Returns the exit status. */
static int
run_cli(const struct config *cfg)
{
	struct match_options opts;
	struct kb *kb;
	char err[512];
	int rc;

	if (kb_open(cfg->kb_path, &kb, err, sizeof(err)) == -1) {
		log_warnx("cannot open the knowledge base: %s", err);
		return 1;
	}
	match_options_init(&opts);
	opts.deadline_ms = (double)cfg->query_deadline;
	if (cfg->explain)
		opts.trace = stderr;
	if (cfg->ask)
		rc = cli_ask(kb, &opts, cfg->ask, cfg->lang, cfg->json, stdout);
	else
		rc = cli_prompt(kb, &opts, cfg->lang, cfg->json, stdin, stdout);
	kb_close(kb);
	return rc == 0 ? 0 : 1;
}

/* Opens the knowledge base and asks it its self-test question, as the server does at
 * start and on reload: a file that opens but cannot answer would be served with /healthz
 * at 503, or refused on reload, so a check that passed it would mislead. Returns 0, or -1
 * (logged). */
static int
check_kb(const struct config *cfg)
{
	struct kb *kb;
	char err[512];
	int rc = 0;

	if (kb_open(cfg->kb_path, &kb, err, sizeof(err)) == -1) {
		log_warnx("cannot open the knowledge base: %s", err);
		return -1;
	}
	if (match_self_test(kb, err, sizeof(err)) == -1) {
		log_warnx("the knowledge base %s (%s) cannot answer its self-test question: %s",
			  cfg->kb_path, kb_meta(kb, "kb_version"), err);
		rc = -1;
	} else {
		printf("knowledge base %s: %s, %ld facts, self-test passed\n", cfg->kb_path,
		       kb_meta(kb, "kb_version"), kb_fact_count(kb));
	}
	kb_close(kb);
	return rc;
}

/* Checks that the --unanswered file, if any, can be opened for appending. Returns 0, or
 * -1 (logged with the reason). */
static int
check_unanswered(const struct config *cfg)
{
	char err[512];

	if (cfg->unanswered && unanswered_check(cfg->unanswered, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/* rulingd -n: checks what the server needs before it would start. */
static int
check_only(const struct config *cfg)
{
	struct stat st;

	if (check_kb(cfg) == -1 || check_unanswered(cfg) == -1)
		return 1;
	if (stat(cfg->www_dir, &st) == -1 || !S_ISDIR(st.st_mode))
		log_warnx("%s: no such folder; only the websocket and the API will be served",
			  cfg->www_dir);
	if (cfg->tls_cert &&
	    (access(cfg->tls_cert, R_OK) == -1 || access(cfg->tls_key, R_OK) == -1)) {
		log_warnx("cannot read the TLS certificate or key");
		return 1;
	}
	printf("configuration ok\n");
	return 0;
}

/* Makes room for max_conns connections, as far as the hard limit allows. */
static void
raise_fd_limit(const struct config *cfg)
{
	rlim_t want = (rlim_t)cfg->max_conns + SPARE_FDS;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		log_warnx("open files limited to %lu: fewer than %ld connections can be served",
			  (unsigned long)rl.rlim_cur, cfg->max_conns);
}

/* What every serving process shares. */
struct serving {
	const struct config *cfg;			/* settings */
	int fds[CONFIG_MAX_WORKERS][CONFIG_MAX_LISTEN]; /* listening sockets, by worker */
	int copies;					/* rows of fds in use */
	int nfds;					/* sockets in each row */
	int activated; /* the sockets came from systemd: one row, every worker shares it */
};

static void
close_listeners(struct serving *sv)
{
	int k, i;

	for (k = 0; k < sv->copies; k++)
		for (i = 0; i < sv->nfds; i++)
			close(sv->fds[k][i]);
	sv->copies = sv->nfds = 0;
}

/* Opens the sockets of --listen address i: one, or one per worker. A worker's sockets
 * may share the port with each other only: a plain socket is bound first, so a port
 * something else holds is an error even then. Returns 0, or -1 with err set. */
static int
open_address(struct serving *sv, int i, char *err, size_t errlen)
{
	int want = sv->cfg->workers > 1 ? (int)sv->cfg->workers : 1, k, fd;

	if (want > 1) {
		if ((fd = listener_open(&sv->cfg->listen[i], 0, err, errlen)) == -1)
			return -1;
		close(fd);
	}
	for (k = 0; k < want; k++) {
		if ((fd = listener_open(&sv->cfg->listen[i], want > 1, err, errlen)) == -1) {
			while (k-- > 0)
				close(sv->fds[k][i]);
			return -1;
		}
		sv->fds[k][i] = fd;
	}
	sv->copies = want;
	return 0;
}

/* Takes the sockets systemd passed (socket activation), if any. Returns how many, or -1
 * (logged). */
static int
take_activated(struct serving *sv)
{
	char err[256];
	int n = notify_listen_fds(sv->fds[0], CONFIG_MAX_LISTEN, err, sizeof(err));

	if (n == -1)
		log_warnx("%s", err);
	if (n > 0) {
		sv->activated = 1;
		sv->copies = 1;
		sv->nfds = n;
		log_info("listening on %d socket%s passed by systemd (--listen is not used)", n,
			 n == 1 ? "" : "s");
	}
	return n;
}

/* Opens every --listen socket, unless systemd passed them. Returns 0, or -1 (logged,
 * those opened closed). */
static int
open_listeners(struct serving *sv)
{
	char err[256];
	int i, n;

	if ((n = take_activated(sv)) != 0)
		return n > 0 ? 0 : -1;
	for (i = 0; i < sv->cfg->nlisten; i++) {
		if (open_address(sv, i, err, sizeof(err)) == -1) {
			log_warnx("cannot listen on %s", err);
			close_listeners(sv);
			return -1;
		}
		sv->nfds++;
		log_info("listening on %s%s%s:%d%s",
			 strchr(sv->cfg->listen[i].host, ':') ? "[" : "", sv->cfg->listen[i].host,
			 strchr(sv->cfg->listen[i].host, ':') ? "]" : "", sv->cfg->listen[i].port,
			 sv->cfg->tls_cert ? " (TLS)" : "");
	}
	return 0;
}

/* One serving process: worker 0 when alone, 1.. under --workers. */
static int
serve(int worker, void *arg)
{
	const struct serving *sv = arg;
	const struct config *cfg = sv->cfg;
	struct service svc;
	static char name[32]; /* the log keeps the pointer */
	char err[512];
	int rc;

	if (worker > 0) {
		snprintf(name, sizeof(name), "rulingd[%d]", worker);
		log_init(name, cfg->verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
		notify_disown(); /* the parent speaks to systemd for everyone */
	}
	if (service_init(&svc, cfg, worker, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return WORKER_CANNOT_START;
	}
	/* Worker w serves its own row of sockets; row 0 when alone, or when systemd passed
	 * the sockets (the workers then take turns accepting on them). */
	rc = net_serve(&svc, cfg, sv->fds[worker > 0 && !sv->activated ? worker - 1 : 0], sv->nfds);
	service_free(&svc);
	return rc == 0 ? 0 : WORKER_CANNOT_START;
}

/* Holds SIGTERM, SIGINT and SIGHUP until a serving loop can act on them (net.c), so a
 * stop asked for during start-up is a graceful one. */
static void
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Listens, then serves in this process or in --workers processes. */
static int
run_server(const struct config *cfg)
{
	struct serving sv;
	int rc;

	memset(&sv, 0, sizeof(sv));
	sv.cfg = cfg;
	block_signals();
	raise_fd_limit(cfg);
	if (check_unanswered(cfg) == -1 || open_listeners(&sv) == -1)
		return 1;
	if (cfg->workers > 1)
		rc = workers_run((int)cfg->workers, serve, &sv);
	else
		rc = serve(0, &sv) == 0 ? 0 : 1;
	close_listeners(&sv);
	return rc;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	char err[512];
	int rc;

	log_init("rulingd", LOG_LEVEL_INFO);
	config_init(&cfg);
	if ((rc = config_args(&cfg, argc, argv)) != 0) {
		config_free(&cfg);
		return rc == 1 ? 0 : 2;
	}
	if (config_load(&cfg, err, sizeof(err)) == -1 ||
	    config_check(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "rulingd: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	log_init("rulingd", cfg.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	config_fill(&cfg);
	if (cfg.ask || cfg.prompt)
		rc = run_cli(&cfg);
	else if (cfg.check_only)
		rc = check_only(&cfg);
	else
		rc = run_server(&cfg);
	config_free(&cfg);
	return rc;
}
