/* SPDX-License-Identifier: MIT */
/*
 * fuzz_matrix.c -- fuzzes the Matrix bridge's reading of a /sync reply
 * (adapters/matrix/sync.h) and of each timeline event in it (adapters/matrix/events.h),
 * for a fixed bot identity, as batch.c does. The input as plain text also goes through
 * events_question_text(), which turns a message body into a question.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fuzz.h"
#include "sync.h"

/* The bot as tests/integration/fakematrix.py names it. */
static const struct mx_me me = { "@rulingbot:example.org", "rulingbot", "RulingBot" };

/* Reads every string the batch points to, so AddressSanitizer sees a pointer that does
 * not point into the tree. Returns a sum nobody needs but the compiler must compute. */
static size_t
touch_batch(const struct mx_batch *b)
{
	size_t i, n = strlen(b->next_batch);

	for (i = 0; i < b->ninvites; i++)
		n += strlen(b->invites[i].room_id) +
		     (b->invites[i].inviter ? strlen(b->invites[i].inviter) : 0);
	for (i = 0; i < b->nrooms; i++)
		n += strlen(b->rooms[i].room_id) + (size_t)b->rooms[i].joined +
		     (b->rooms[i].prev_batch ? strlen(b->rooms[i].prev_batch) : 0);
	for (i = 0; i < b->nevents; i++)
		n += strlen(b->events[i].room_id);
	return n;
}

static volatile size_t sink; /* where touch_batch()'s sum goes */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_message m;
	struct mx_batch b;
	char err[256], *text, *q;
	cJSON *root;
	size_t i;

	/* sync_take() owns root from here, whatever it returns. */
	if ((root = cJSON_ParseWithLength((const char *)data, size)) != NULL &&
	    sync_take(root, me.user_id, &b, err, sizeof(err)) == 0) {
		sink += touch_batch(&b);
		for (i = 0; i < b.nevents; i++) {
			memset(&m, 0, sizeof(m));
			events_read(b.events[i].event, &me, &m);
			events_clear(&m);
		}
		sync_free(&b);
	}
	if ((text = fuzz_cstring(data, size)) != NULL) {
		q = events_question_text(text, &me);
		free(q);
		free(text);
	}
	return 0;
}
