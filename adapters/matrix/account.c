/* SPDX-License-Identifier: MIT */
/*
 * account.c -- the calls made once, before the sync starts. They run before the loop, so
 * they simply block; a homeserver that is down gets a few tries with growing waits, and
 * then the bridge exits for its service manager to restart it later.
 */
#include "account.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mxapi.h"
#include "webcall.h"

#define ATTEMPTS 4  /* tries of each call through network errors */
#define LIMIT_S	 15 /* seconds for one call */
#define MAX_BODY (1 << 20)
#define MAX_WAIT 60 /* seconds: the longest wait between two tries */

/* Timeline messages (and encrypted ones, to notice unreadable rooms) and member events,
 * and nothing else at all: no presence, no typing, no receipts, no state. Lazy-loading
 * members (of which none are sent) is what makes a homeserver send each room's summary,
 * with the member count that tells a direct chat from a group; but Synapse recomputes a
 * summary only for an initial sync, a room just joined, or a member event in the
 * filtered timeline: without m.room.member there, a third person joining a direct chat
 * would go unnoticed. */
const char account_filter[] =
	"{\"event_format\":\"client\",\"presence\":{\"not_types\":[\"*\"]},"
	"\"account_data\":{\"not_types\":[\"*\"]},"
	"\"room\":{\"timeline\":{\"types\":" ACCOUNT_TIMELINE_TYPES ","
	"\"limit\":50},\"state\":{\"not_types\":[\"*\"],\"lazy_load_members\":true},"
	"\"ephemeral\":{\"not_types\":[\"*\"]},\"account_data\":{\"not_types\":[\"*\"]}}}";

/* Makes one call, trying again after network errors, 5xx and 429. Returns its outcome;
 * r is filled (free it). */
static enum mx_outcome
call(struct webcall *w, const char *method, const char *url, const char *token, const char *body,
     struct mx_result *r, const char *what)
{
	unsigned wait_s;
	int attempt;

	for (attempt = 1;; attempt++) {
		mx_call(w, method, url, token, body, r);
		if ((r->outcome != MX_RETRY && r->outcome != MX_RATELIMITED) || attempt == ATTEMPTS)
			return r->outcome;
		wait_s = r->outcome == MX_RATELIMITED ? (unsigned)(r->retry_after_ms / 1000) + 1
						      : 1U << attempt;
		if (wait_s > MAX_WAIT)
			wait_s = MAX_WAIT;
		log_warnx("%s: %s (attempt %d of %d; next in %u s)", what, r->error, attempt,
			  ATTEMPTS, wait_s);
		mx_result_free(r);
		sleep(wait_s);
	}
}

static int
copy(char *out, size_t len, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' || strlen(v->valuestring) >= len)
		return -1;
	snprintf(out, len, "%s", v->valuestring);
	return 0;
}

/* GET or POST path; copies the reply's key into out. Returns 0 or an exit status. */
static int
fetch(struct webcall *w, const char *homeserver, const char *token, const char *method,
      const char *path, const char *arg, const char *body, const char *key, char *out, size_t len)
{
	struct mx_result r;
	struct buf url;
	int rc = 1;

	buf_init(&url);
	if (mx_url(&url, homeserver, path, arg) == -1) {
		log_errorx("out of memory");
		return 1;
	}
	call(w, method, url.data, token, body, &r, path);
	if (r.outcome == MX_AUTH) {
		log_errorx("the homeserver refused the access token: %s", r.error);
		rc = ACCOUNT_REFUSED;
	} else if (r.outcome != MX_OK) {
		log_errorx("%s %s: %s", method, url.data, r.error);
	} else if (copy(out, len, r.reply, key) == -1) {
		log_errorx("%s %s: no usable %s in the reply", method, url.data, key);
	} else {
		rc = 0;
	}
	mx_result_free(&r);
	buf_free(&url);
	return rc;
}

/* The bot's display name, or "": without one, people write the localpart, so a failure
 * here is not worth more than a debug line. */
static void
display_name(struct webcall *w, const char *homeserver, const char *token, struct account *a)
{
	struct mx_result r = { 0 };
	struct buf url;

	buf_init(&url);
	if (mx_url(&url, homeserver, "profile/%e/displayname", a->user_id) == 0 &&
	    call(w, "GET", url.data, token, NULL, &r, "profile") == MX_OK &&
	    copy(a->display_name, sizeof(a->display_name), r.reply, "displayname") == 0)
		log_debug("display name: %s", a->display_name);
	else
		a->display_name[0] = '\0';
	mx_result_free(&r);
	buf_free(&url);
}

int
account_sign_in(const char *homeserver, const char *token, const char *ca_file, struct account *a)
{
	struct webcall *w;
	char err[256];
	size_t n;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((w = webcall_new(ca_file, LIMIT_S, MAX_BODY, err, sizeof(err))) == NULL) {
		log_errorx("%s", err);
		return 1;
	}
	rc = fetch(w, homeserver, token, "GET", "account/whoami", NULL, NULL, "user_id", a->user_id,
		   sizeof(a->user_id));
	if (rc == 0 && (a->user_id[0] != '@' || strchr(a->user_id, ':') == NULL)) {
		log_errorx("whoami: \"%s\" is not a user id", a->user_id);
		rc = 1;
	}
	if (rc == 0) {
		n = strcspn(a->user_id + 1, ":");
		snprintf(a->localpart, sizeof(a->localpart), "%.*s", (int)n, a->user_id + 1);
		display_name(w, homeserver, token, a);
		rc = fetch(w, homeserver, token, "POST", "user/%e/filter", a->user_id,
			   account_filter, "filter_id", a->filter_id, sizeof(a->filter_id));
	}
	webcall_free(w);
	if (rc == 0)
		log_info("signed in to %s as %s (%s)", homeserver, a->user_id,
			 a->display_name[0] ? a->display_name : "no display name");
	return rc;
}
