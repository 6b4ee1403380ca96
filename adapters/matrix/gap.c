/* SPDX-License-Identifier: MIT */
/*
 * gap.c -- the events a limited timeline left out. After an outage, or a burst of
 * messages between two syncs, /sync sends only the last events of a busy room and marks
 * its timeline limited; a question asked before those would never be seen. So the thread
 * pages back through GET /rooms/{roomId}/messages (dir=b: newest first) from the
 * timeline's prev_batch, up to the previous sync's position (the "to" token: what came
 * before it was handled then), and stops sooner at a message already handled or one
 * older than --max-age, since nothing further back would be answered. What it found is
 * then acted on oldest first, as if it had come in the timeline. The pages read are
 * bounded; a gap longer than that is left, with a warning naming the room.
 */
#include "syncer_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "clock.h"
#include "html.h"
#include "log.h"

#define GAP_PAGE      "100" /* events asked for per call */
#define GAP_MAX_PAGES 10    /* so at most 1000 events of a room are read back */

/* The types the sync's timeline has: the homeserver leaves the rest out of the pages. */
static const char gap_filter[] = "{\"types\":" ACCOUNT_TIMELINE_TYPES "}";

/* What was read back of one room's gap. */
struct gap {
	const char *room;
	cJSON *pages[GAP_MAX_PAGES]; /* the /messages replies, the newest events first */
	size_t npages;
	int last_count; /* how many events of the last page are in the gap */
	int reached;	/* it stopped at the sync position, a handled message or --max-age */
	char why[300];	/* when not reached: why it stopped */
};

/* The index in chunk of the first event that is already handled or older than oldest_ms
 * (the end of the gap), or the size of chunk when there is none. */
static int
end_in(struct syncer *s, const cJSON *chunk, long long oldest_ms)
{
	const cJSON *ev, *id, *ts;
	int i = 0;

	cJSON_ArrayForEach(ev, chunk)
	{
		id = cJSON_GetObjectItemCaseSensitive(ev, "event_id");
		ts = cJSON_GetObjectItemCaseSensitive(ev, "origin_server_ts");
		if ((cJSON_IsString(id) && dedupe_contains(s->seen, id->valuestring, mono_ms())) ||
		    (cJSON_IsNumber(ts) && ts->valuedouble < (double)oldest_ms))
			return i;
		i++;
	}
	return i;
}

/* Asks for the page of room's events before from, back to the previous sync position.
 * Returns the outcome (r filled; free it), -1 when told to quit (r empty), or -2 when
 * out of memory (r empty). */
static int
fetch_page(struct syncer *s, const char *room, const char *from, struct mx_result *r)
{
	const char *since = s->state.next_batch;
	struct buf url;
	int outcome;

	buf_init(&url);
	if (mx_url(&url, s->cfg.homeserver,
		   "rooms/%e/messages?dir=b&limit=" GAP_PAGE "&filter=%e&from=%e", room, gap_filter,
		   from) == -1 ||
	    (since != NULL && (buf_puts(&url, "&to=") == -1 || url_escape(&url, since) == -1))) {
		buf_free(&url);
		return -2;
	}
	outcome = batch_call(s, "GET", url.data, NULL, r, "paging back through a gap");
	buf_free(&url);
	return outcome;
}

/* Keeps the page r holds (taken over) in g. Returns 1 when it ends the gap, 0 when the
 * page before it is to be read from *from, -1 when it is not a page (g->why says so). */
static int
take_page(struct syncer *s, struct gap *g, struct mx_result *r, const char **from,
	  long long oldest_ms)
{
	const cJSON *chunk = cJSON_GetObjectItemCaseSensitive(r->reply, "chunk");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(r->reply, "end");

	if (!cJSON_IsArray(chunk)) {
		snprintf(g->why, sizeof(g->why), "a reply without a chunk of events");
		return -1;
	}
	g->pages[g->npages++] = r->reply;
	r->reply = NULL;
	g->last_count = end_in(s, chunk, oldest_ms);
	/* No "end": nothing further back, or the previous sync's position was reached. An
	 * empty chunk with an "end" does not mean the end (the spec says to go on). */
	if (g->last_count < cJSON_GetArraySize(chunk) || !cJSON_IsString(end))
		return 1;
	*from = end->valuestring;
	return 0;
}

/* Reads g's room back from prev_batch. Returns 0 (g->reached, or g->why), or -1 when the
 * batch must be done again. */
static int
page_back(struct syncer *s, struct gap *g, const char *prev_batch, long long oldest_ms)
{
	const char *from = prev_batch;
	struct mx_result r;
	int outcome, taken;

	while (g->npages < GAP_MAX_PAGES) {
		if ((outcome = fetch_page(s, g->room, from, &r)) == -1)
			return -1;
		if (outcome == -2) {
			snprintf(g->why, sizeof(g->why), "out of memory");
			return 0;
		}
		if (outcome != MX_OK) {
			snprintf(g->why, sizeof(g->why), "%s", r.error);
			mx_result_free(&r);
			return outcome == MX_AUTH ? -1 : 0;
		}
		taken = take_page(s, g, &r, &from, oldest_ms);
		mx_result_free(&r);
		if (taken != 0) {
			g->reached = taken == 1;
			return 0;
		}
	}
	snprintf(g->why, sizeof(g->why), "%d pages of events read back", GAP_MAX_PAGES);
	return 0;
}

/* Acts on the events of g, oldest first. Returns 0, or -1 when a reply could not be
 * sent. */
static int
act(struct syncer *s, const struct gap *g, long long now_ms)
{
	const cJSON *chunk;
	size_t p;
	int i, rc = 0;

	for (p = g->npages; p-- > 0 && rc == 0;) {
		chunk = cJSON_GetObjectItemCaseSensitive(g->pages[p], "chunk");
		i = p + 1 == g->npages ? g->last_count : cJSON_GetArraySize(chunk);
		while (i-- > 0 && rc == 0)
			rc = batch_event(s, g->room, cJSON_GetArrayItem(chunk, i), now_ms);
	}
	return rc;
}

int
gap_handle(struct syncer *s, const char *room, const char *prev_batch, long long now_ms)
{
	struct gap g = { .room = room };
	size_t p;
	int rc;

	if ((rc = page_back(s, &g, prev_batch, now_ms - s->cfg.max_age_s * 1000)) == 0) {
		if (!g.reached)
			log_warnx("%s: stopped reading back through a gap in the timeline (%s) "
				  "before the messages already handled or --max-age; questions "
				  "asked earlier there go unanswered",
				  room, g.why);
		log_debug("%s: a gap in the timeline, read back in %zu pages", room, g.npages);
		rc = act(s, &g, now_ms);
	}
	for (p = 0; p < g.npages; p++)
		cJSON_Delete(g.pages[p]);
	return rc;
}
