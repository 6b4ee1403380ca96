/* SPDX-License-Identifier: MIT */
/*
 * proto.h -- answers as bytes: the JSON object of the websocket protocol (docs/protocol.md)
 * for programs, and display lines for people typing. No sockets, no SQL here.
 */
#ifndef RULINGBOT_PROTO_H
#define RULINGBOT_PROTO_H

#include <stddef.h>

#include "engine.h"
#include "util.h"

/* The error codes of the protocol (docs/protocol.md). */
enum proto_error {
	PROTO_BAD_JSON = 0, /* begins with { but is not a JSON object */
	PROTO_BAD_REQUEST,  /* JSON, but not a request we serve; or a binary frame */
	PROTO_TOO_LONG,	    /* the question is over the size limit */
	PROTO_RATE_LIMITED, /* asking faster than the connection's rate */
	PROTO_OVERLOADED,   /* too many replies waiting on the connection */
	PROTO_INTERNAL,	    /* the engine failed */
	PROTO_NERRORS
};

/* What a message asks for. */
enum request_type {
	REQ_ASK = 0, /* a question */
	REQ_INFO,    /* {"type":"info"} */
	REQ_COMMAND, /* a typed /command */
	REQ_INVALID, /* nothing we serve: error and message say why */
};

#define PROTO_ID_MAX 64 /* longest id echoed back, in characters */

/* A parsed message. Strings point into the message or into tree. */
struct request {
	enum request_type type;	       /* what it asks */
	int json;		       /* 1: answer with one JSON frame; 0: text lines */
	const char *text;	       /* the question or command, trimmed */
	size_t len;		       /* its length */
	char id[PROTO_ID_MAX * 4 + 1]; /* id to echo (UTF-8), "" for none */
	char lang[3];		       /* "en", "es", or "" for the question's own */
	enum proto_error error;	       /* for REQ_INVALID */
	const char *message;	       /* for REQ_INVALID: a sentence a developer understands */
	struct cJSON *tree;	       /* the parsed JSON, freed by proto_request_free() */
};

/* Reads a whole text message (len bytes, valid UTF-8). Text not starting with { is a
 * question or a /command (trailing spaces and line ends trimmed; an empty one has len 0);
 * JSON is an ask or an info request. Fills *req, which the caller frees with
 * proto_request_free(). This function can't fail: a message that cannot be served
 * becomes REQ_INVALID, or REQ_INVALID with PROTO_INTERNAL when out of memory. */
void proto_parse(const char *msg, size_t len, struct request *req);

/* Sets the id req echoes. Returns 0, or -1 (req made REQ_INVALID) when it is longer than
 * PROTO_ID_MAX characters. */
int proto_set_id(struct request *req, const char *id);

/* Reads the body of POST /api/ask: a JSON ask whose "type" may be left out. Fills *req
 * as proto_parse() does; anything but a JSON object is PROTO_BAD_JSON. */
void proto_parse_body(const char *body, size_t len, struct request *req);

/* Frees what req holds. This function can't fail. */
void proto_request_free(struct request *req);

/* Returns the protocol's name for an error code ("bad_json", ...). */
const char *proto_error_name(enum proto_error e);

/* Renders {"type":"error",...} with id (NULL or "" for none), the code, message, and
 * retry_after_ms when it is positive. Returns a malloc'd string, or NULL when out of
 * memory. */
char *proto_error_json(enum proto_error e, const char *id, const char *message,
		       long retry_after_ms);

/* What {"type":"info"} reports. */
struct proto_info {
	const char *server;	/* "rulingd VERSION" */
	const char *kb_version; /* the KB's version */
	long facts, sources;	/* counts */
	const char *reviewed;	/* newest review date */
};

/* Renders {"type":"info",...}. Returns a malloc'd string, or NULL when out of memory. */
char *proto_info_json(const struct proto_info *info);

/* Renders /healthz's body: {"status":status} with kb_version and facts when kb_version is
 * not NULL, and reason when it is not NULL. Returns a malloc'd string, or NULL when out of
 * memory. */
char *proto_health_json(const char *status, const char *kb_version, long facts, const char *reason);

/* Returns json (an object) with "id":id inserted first, as a malloc'd string; a copy of
 * json when id is NULL or empty. NULL when out of memory. */
char *proto_with_id(const char *json, size_t len, const char *id);

/* Returns 1 when a asks back ("did you mean"): no answer, but facts that came close, which
 * go out as a clarification's numbered choices rather than as a decline's suggestions. */
int proto_clarifies(const struct answer *a);

/* Renders a as {"id":id,"type":"answer",...}, {"id":id,"type":"clarify",...} or
 * {"id":id,"type":"no_answer",...} (no id when id is NULL or empty), adding kb_version. Fields
 * without a value are left out. Returns a malloc'd string the caller frees, or NULL when out of
 * memory. */
char *proto_answer_json(const struct answer *a, const char *id, const char *kb_version);

/* The members of an answer that depend only on its fact, the reader's language and the
 * knowledge base ("status" ... "related", "kb_version"): a JSON member list without the
 * braces, so that it can be rendered once per fact and spliced into every answer that
 * gives the fact. Returns a malloc'd string (possibly empty), or NULL when out of
 * memory. */
char *proto_fact_members(const struct answer *a, const char *kb_version);

/* proto_answer_json for an answer of type fact or chat whose fact members were rendered
 * by proto_fact_members: the same bytes. Returns a malloc'd string, or NULL when out of
 * memory. */
char *proto_fact_json(const struct answer *a, const char *id, const char *members);

/* Appends a as display lines to b, separated by '\n', none of them empty: the answer,
 * one "Source: Title — Publisher, date — URL" line per source, then a line of related
 * questions; for a clarification one "1. question" line per choice, for no answer one
 * "Try:" line per suggestion. Returns 0, or -1 when out
 * of memory. */
int proto_answer_lines(const struct answer *a, struct buf *b);

#endif
