/* SPDX-License-Identifier: MIT */
/*
 * proto.h -- answers as bytes: the JSON object of the websocket protocol (docs/protocol.md)
 * for programs, and display lines for people typing. No sockets, no SQL here.
 */
#ifndef RULINGBOT_PROTO_H
#define RULINGBOT_PROTO_H

#include "match.h"
#include "util.h"

/* Renders a as {"type":"answer",...} or {"type":"no_answer",...}, echoing id (NULL: none)
 * and adding kb_version. Fields without a value are left out. Returns a malloc'd string
 * the caller frees, or NULL when out of memory. */
char *proto_answer_json(const struct answer *a, const char *id, const char *kb_version);

/* Appends a as display lines to b, separated by '\n', none of them empty: the answer,
 * one "Source: Title — Publisher, date — URL" line per source, then a line of related
 * questions, or for no answer one "Try:" line per suggestion. Returns 0, or -1 when out
 * of memory. */
int proto_answer_lines(const struct answer *a, struct buf *b);

#endif
