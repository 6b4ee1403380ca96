/* SPDX-License-Identifier: MIT */
/*
 * slackapi.c -- calling Slack's Web API. Slack answers HTTP 200 for nearly everything,
 * with {"ok":false,"error":"<code>"} for failures; only rate limiting has a status of
 * its own (429 with Retry-After). The codes that mean the credentials are dead are
 * those Slack's own Socket Mode client treats as unrecoverable.
 */
#include "slackapi.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_RETRY_AFTER 30 /* seconds, when a 429 says nothing (as Slack's SDKs do) */

int
slack_error_is_fatal(const char *code)
{
	static const char *const fatal[] = { "not_authed",	 "invalid_auth",
					     "account_inactive", "user_removed_from_team",
					     "team_disabled",	 "token_revoked",
					     "token_expired",	 "not_allowed_token_type" };
	size_t i;

	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (strcmp(code, fatal[i]) == 0)
			return 1;
	return 0;
}

/* Reads Slack's {"ok":...} reply into r. */
static enum slack_outcome
judge_body(struct slack_result *r, long retry_after_s)
{
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(r->reply, "ok");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(r->reply, "error");

	if (cJSON_IsTrue(ok))
		return SLACK_OK;
	snprintf(r->error, sizeof(r->error), "%s",
		 cJSON_IsString(err) ? err->valuestring : "no error code in the reply");
	if (strcmp(r->error, "ratelimited") == 0 || strcmp(r->error, "rate_limited") == 0) {
		r->retry_after_s = retry_after_s >= 0 ? retry_after_s : DEFAULT_RETRY_AFTER;
		return SLACK_RATELIMITED;
	}
	if (strcmp(r->error, "internal_error") == 0 || strcmp(r->error, "fatal_error") == 0 ||
	    strcmp(r->error, "service_unavailable") == 0 ||
	    strcmp(r->error, "request_timeout") == 0)
		return SLACK_RETRY;
	return slack_error_is_fatal(r->error) ? SLACK_AUTH : SLACK_FAILED;
}

static enum slack_outcome
judge(struct slack_result *r, const struct web_reply *w)
{
	if (w->status == 0) {
		snprintf(r->error, sizeof(r->error), "%s", w->error);
		return SLACK_RETRY;
	}
	r->reply = cJSON_ParseWithLength(w->body.data, w->body.len);
	if (w->status == 429) {
		snprintf(r->error, sizeof(r->error), "ratelimited");
		r->retry_after_s = w->retry_after_s >= 0 ? w->retry_after_s : DEFAULT_RETRY_AFTER;
		return SLACK_RATELIMITED;
	}
	if (w->status >= 500) {
		snprintf(r->error, sizeof(r->error), "HTTP %ld", w->status);
		return SLACK_RETRY;
	}
	if (w->status != 200 || !cJSON_IsObject(r->reply)) {
		snprintf(r->error, sizeof(r->error), "HTTP %ld%s", w->status,
			 cJSON_IsObject(r->reply) ? "" : " without a JSON reply");
		/* A 4xx with an error code (Slack does that for a few methods) says more. */
		if (cJSON_IsObject(r->reply) &&
		    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r->reply, "error")))
			return judge_body(r, w->retry_after_s);
		return SLACK_FAILED;
	}
	return judge_body(r, w->retry_after_s);
}

enum slack_outcome
slackapi_call(struct webcall *w, const char *api_url, const char *method, const char *token,
	      const char *json_body, struct slack_result *r)
{
	struct web_reply reply;
	char url[1024];

	memset(r, 0, sizeof(*r));
	r->retry_after_s = -1;
	if ((size_t)snprintf(url, sizeof(url), "%s%s", api_url, method) >= sizeof(url)) {
		snprintf(r->error, sizeof(r->error), "the API URL is too long");
		return r->outcome = SLACK_FAILED;
	}
	if (json_body != NULL)
		webcall_request(w, "POST", url, token, "application/json; charset=utf-8", json_body,
				strlen(json_body), &reply);
	else
		webcall_request(w, "POST", url, token, "application/x-www-form-urlencoded", "", 0,
				&reply);
	r->outcome = judge(r, &reply);
	web_reply_free(&reply);
	return r->outcome;
}

void
slack_result_free(struct slack_result *r)
{
	cJSON_Delete(r->reply);
	r->reply = NULL;
}
