/* SPDX-License-Identifier: MIT */
/*
 * fuzz_slack.c -- fuzzes the Slack bridge's reading of events (adapters/slack/events.h):
 * the input is parsed as JSON, a Socket Mode envelope is unwrapped as socketmode.c does
 * (its payload, possibly missing), anything else is taken as an Events API body, and
 * slack_event_read() decides what it is for a fixed bot identity. The input as plain text
 * also goes through slack_question_text(), which cleans a message's text.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fuzz.h"

/* The bot as auth.test names it in tests/integration/fakeslack.py. */
static const struct slack_identity me = { "UBOT", "BBOT" };

/* Returns what the bridge hands slack_event_read() for the message root. */
static const cJSON *
payload_of(const cJSON *root)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");

	if (cJSON_IsString(type) && strcmp(type->valuestring, "events_api") == 0)
		return cJSON_GetObjectItemCaseSensitive(root, "payload");
	return root;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slack_event e;
	cJSON *root;
	char *text, *q;

	if ((root = cJSON_ParseWithLength((const char *)data, size)) != NULL) {
		memset(&e, 0, sizeof(e));
		slack_event_read(payload_of(root), &me, &e);
		slack_event_clear(&e);
		cJSON_Delete(root);
	}
	if ((text = fuzz_cstring(data, size)) != NULL) {
		q = slack_question_text(text, me.user_id);
		free(q);
		free(text);
	}
	return 0;
}
