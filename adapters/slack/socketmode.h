/* SPDX-License-Identifier: MIT */
/*
 * socketmode.h -- Slack's Socket Mode: websocket links that Slack pushes events down,
 * opened with apps.connections.open (through the outbox thread), each envelope
 * acknowledged at once, refreshed when Slack asks, and replaced when it fails or falls
 * silent. There is always one link being kept, and briefly two while one is replaced.
 */
#ifndef RULINGBOT_SOCKETMODE_H
#define RULINGBOT_SOCKETMODE_H

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "outbox.h"

/* Called with each Events API payload ({"type":"event_callback",...}), after its
 * envelope was acknowledged. */
typedef void (*socketmode_payload_fn)(void *arg, const cJSON *payload);

struct socketmode;

/* Starts keeping a link, opening them through out, dropping one that has received
 * nothing for watchdog_ms. Returns NULL when out of memory. */
struct socketmode *socketmode_new(struct lws_context *ctx, struct outbox *out, long watchdog_ms,
				  socketmode_payload_fn fn, void *arg);

/* Hands over the answer to a link request (from outbox_take_result). */
void socketmode_link_result(struct socketmode *sm, const struct link_result *r);

/* Closes every link and opens no more; envelopes not yet acknowledged are left to Slack
 * to deliver again. This function can't fail. */
void socketmode_stop(struct socketmode *sm);

/* Frees sm; accepts NULL. This function can't fail. */
void socketmode_free(struct socketmode *sm);

#endif
