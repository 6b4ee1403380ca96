/* SPDX-License-Identifier: MIT */
/*
 * workers.h -- rulingd --workers N: N processes serving the same port, each with its own
 * loop and knowledge base, watched by a parent that restarts any that dies.
 */
#ifndef RULINGBOT_WORKERS_H
#define RULINGBOT_WORKERS_H

/* A worker's exit status meaning it cannot start at all (cannot listen, ...): restarting
 * it would not help, so the parent stops. */
#define WORKER_CANNOT_START 3

/* Runs n workers, each calling serve(worker number from 1, arg) in its own process and
 * exiting with what it returns. Forwards SIGHUP to them; on SIGTERM or SIGINT stops them
 * and waits. Returns the parent's exit status: 0 after a stop, 1 when a worker could not
 * start. */
int workers_run(int n, int (*serve)(int worker, void *arg), void *arg);

#endif
