/* SPDX-License-Identifier: MIT */
/*
 * fuzz_proto.c -- fuzzes the protocol's request parser (daemon/proto.h): the input is one
 * websocket text message for proto_parse() and one POST /api/ask body for
 * proto_parse_body(); every request is then rendered as an error frame, as the daemon
 * does for REQ_INVALID, so the id and message it echoes are exercised too.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "proto.h"
#include "util.h"

/* Reads req the way service.c does once parsed: echo an error with its id and message. */
static void
use_request(struct request *req)
{
	char *s;

	if (req->type == REQ_INVALID) {
		s = proto_error_json(req->error, req->id, req->message, 0);
		free(s);
	}
	proto_request_free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct request req;

	/* Both callers check UTF-8 first (the websocket layer for text frames, service.c for
	 * bodies) and the parsers rely on it, so anything else is not a reachable input. */
	if (!utf8_valid(msg, size))
		return 0;
	proto_parse(msg, size, &req);
	use_request(&req);
	proto_parse_body(msg, size, &req);
	use_request(&req);
	return 0;
}
