/* SPDX-License-Identifier: MIT */
/*
 * workers.c -- the parent of --workers. It blocks the signals it cares about and takes
 * them one at a time with sigtimedwait(), so there is no handler and no race: a dead
 * worker is reaped and replaced, SIGHUP is passed on, SIGTERM ends everything. A worker
 * that dies young is restarted after a pause, so a crash loop cannot spin.
 */
#include "workers.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "util.h"

#define WORKERS_MAX   64
#define YOUNG_SECONDS 2 /* a worker dying sooner than this is restarted after a pause */
#define STOP_SECONDS  8 /* how long a stop waits before SIGKILL */

struct worker {
	pid_t pid;	   /* 0 when not running */
	time_t started;	   /* when it started */
	time_t restart_at; /* when to start it again, 0 for now */
};

/* Seconds on the monotonic clock: restarts are paced in whole seconds. */
static time_t
now_s(void)
{
	return (time_t)(mono_ns() / 1000000000);
}

/* Starts worker i. Returns 0, or -1 when fork failed. */
static int
start(struct worker *w, int i, const sigset_t *old, int (*serve)(int, void *), void *arg)
{
	pid_t pid = fork();

	if (pid == -1) {
		log_warn("cannot start worker %d", i + 1);
		return -1;
	}
	if (pid == 0) {
		/* SIGCHLD back as it was; the others stay blocked until the worker's own
		 * handlers are in place (net.c). */
		sigset_t chld;

		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(sigismember(old, SIGCHLD) ? SIG_BLOCK : SIG_UNBLOCK, &chld, NULL);
		exit(serve(i + 1, arg));
	}
	w->pid = pid;
	w->started = now_s();
	w->restart_at = 0;
	log_info("worker %d started (pid %ld)", i + 1, (long)pid);
	return 0;
}

static void
signal_all(struct worker *w, int n, int sig)
{
	int i;

	for (i = 0; i < n; i++)
		if (w[i].pid > 0)
			kill(w[i].pid, sig);
}

static int
running(const struct worker *w, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += w[i].pid > 0;
	return k;
}

/* Reaps dead workers; schedules their restart unless stopping. Returns 1 when one could
 * not start at all. */
static int
reap(struct worker *w, int n, int stopping)
{
	int i, status, fatal_exit = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n && w[i].pid != pid; i++)
			;
		if (i == n)
			continue;
		w[i].pid = 0;
		if (stopping)
			continue;
		if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_CANNOT_START) {
			log_warnx("worker %d cannot start", i + 1);
			fatal_exit = 1;
			continue;
		}
		if (WIFSIGNALED(status))
			log_warnx("worker %d died of signal %d; restarting it", i + 1,
				  WTERMSIG(status));
		else
			log_warnx("worker %d exited with %d; restarting it", i + 1,
				  WEXITSTATUS(status));
		w[i].restart_at = now_s() - w[i].started < YOUNG_SECONDS ? now_s() + 1 : 0;
	}
	return fatal_exit;
}

/* Stops every worker: SIGTERM, then SIGKILL for those still there after STOP_SECONDS. */
static void
stop_all(struct worker *w, int n, const sigset_t *set)
{
	struct timespec wait = { 0, 100 * 1000 * 1000 };
	time_t deadline = now_s() + STOP_SECONDS;

	signal_all(w, n, SIGTERM);
	while (running(w, n) > 0) {
		if (now_s() >= deadline) {
			log_warnx("workers did not stop in %d s; killing them", STOP_SECONDS);
			signal_all(w, n, SIGKILL);
			deadline = now_s() + 60;
		}
		sigtimedwait(set, NULL, &wait);
		reap(w, n, 1);
	}
}

int
workers_run(int n, int (*serve)(int, void *), void *arg)
{
	struct worker w[WORKERS_MAX];
	struct timespec wait = { 0, 200 * 1000 * 1000 };
	sigset_t set, old;
	int i, sig, failed = 0;

	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	memset(w, 0, sizeof(w));
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (i = 0; i < n && !failed; i++)
		failed = start(&w[i], i, &old, serve, arg) == -1;
	if (!failed)
		notify_ready("serving with workers");
	while (!failed) {
		notify_watchdog();
		sig = sigtimedwait(&set, NULL, &wait);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			log_info("reloading the knowledge base in every worker");
			notify_reloading();
			signal_all(w, n, SIGHUP);
			notify_ready("serving with workers");
		}
		failed = reap(w, n, 0);
		for (i = 0; i < n && !failed; i++)
			if (w[i].pid == 0 && now_s() >= w[i].restart_at)
				start(&w[i], i, &old, serve, arg);
	}
	notify_stopping();
	stop_all(w, n, &set);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return failed ? 1 : 0;
}
