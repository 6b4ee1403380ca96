/* SPDX-License-Identifier: MIT */
/*
 * net.h -- rulingd on the network: websockets, HTTP and static files on the configured
 * addresses, one libwebsockets loop per process.
 */
#ifndef RULINGBOT_NET_H
#define RULINGBOT_NET_H

#include "config.h"
#include "service.h"

/* Serves svc on the nfds listening sockets fds (listener.h) until SIGTERM or SIGINT,
 * reloading the knowledge base on SIGHUP. The sockets stay open for the caller; on a
 * stop this process takes no more connections from them. Returns 0 after a graceful
 * stop, -1 when it could not start (the reason is logged). */
int net_serve(struct service *svc, const struct config *cfg, const int *fds, int nfds);

#endif
