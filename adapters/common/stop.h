/* SPDX-License-Identifier: MIT */
/*
 * stop.h -- how both bridges are told to stop: SIGTERM or SIGINT sets a flag their loop
 * reads on its next tick, so replies in progress can still go out.
 */
#ifndef RULINGBOT_STOP_H
#define RULINGBOT_STOP_H

/* Catches SIGTERM and SIGINT (see stop_asked()) and ignores SIGPIPE, so that a closed
 * connection shows as a failed write. This function can't fail. */
void stop_catch(void);

/* Returns 1 once SIGTERM or SIGINT has come, else 0. */
int stop_asked(void);

#endif
