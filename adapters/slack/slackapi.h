/* SPDX-License-Identifier: MIT */
/*
 * slackapi.h -- one call of Slack's Web API (POST https://slack.com/api/<method>) and
 * what its reply means for the caller: done, wait and retry, try again later, or stop
 * because the credentials were refused.
 */
#ifndef RULINGBOT_SLACKAPI_H
#define RULINGBOT_SLACKAPI_H

#include <cjson/cJSON.h>

#include "webcall.h"

enum slack_outcome {
	SLACK_OK,	   /* {"ok":true,...} */
	SLACK_RATELIMITED, /* HTTP 429 or "ratelimited": wait retry_after_s, then again */
	SLACK_RETRY,	   /* no reply, or a server error: again, after a backoff */
	SLACK_AUTH,	   /* the token was refused (invalid_auth, ...): stop the program */
	SLACK_FAILED,	   /* any other {"ok":false}: this call will not succeed */
};

/* The result of a call. reply is the parsed body when it was JSON (free with
 * slack_result_free); error is Slack's error code or a description. */
struct slack_result {
	enum slack_outcome outcome;
	long retry_after_s; /* for SLACK_RATELIMITED */
	char error[256];
	cJSON *reply;
};

/* Calls api_url + method with token, sending json_body (JSON) or, when it is NULL, an
 * empty form. Returns the outcome, also stored in r. */
enum slack_outcome slackapi_call(struct webcall *w, const char *api_url, const char *method,
				 const char *token, const char *json_body, struct slack_result *r);

/* Frees what r holds. This function can't fail. */
void slack_result_free(struct slack_result *r);

/* Returns 1 when Slack's error code means the credentials will never work. */
int slack_error_is_fatal(const char *code);

#endif
