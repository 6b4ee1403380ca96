/* SPDX-License-Identifier: MIT */
/*
 * httpevents.h -- the Events API over HTTP: Slack POSTs each event to the bridge's
 * /slack/events. Every request's signature is checked first; url_verification is
 * answered with its challenge; an event is acknowledged at once and handled after.
 */
#ifndef RULINGBOT_HTTPEVENTS_H
#define RULINGBOT_HTTPEVENTS_H

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#define HTTPEVENTS_PATH	    "/slack/events"
#define HTTPEVENTS_MAX_BODY (1 << 20)

/* What the endpoint needs; set as the protocol's user pointer. */
struct httpevents {
	const char *signing_secret;
	void (*fn)(void *arg, const cJSON *payload); /* each signed event_callback */
	void *arg;
};

/* The protocol serving HTTP on the listening vhost; copy it, set .user to a struct
 * httpevents, and list it first. */
extern const struct lws_protocols httpevents_protocol;

#endif
