/* SPDX-License-Identifier: MIT */
/*
 * sync.c -- walking a /sync reply. Only the parts the bot's filter asks for are read, and
 * everything is checked for its type, since a homeserver (or something pretending to be
 * one) may send anything. The lists are sized in one counting pass, then filled.
 */
#include "sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cJSON *
path(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	return b != NULL ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

static const char *
string_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Reads one invited room's stripped state: who invited me, and whether it encrypts. */
static void
read_invite(const cJSON *room, const char *me, struct mx_invite *inv)
{
	const cJSON *ev;
	const char *type, *key;

	inv->room_id = room->string;
	cJSON_ArrayForEach(ev, path(room, "invite_state", "events"))
	{
		type = string_of(ev, "type");
		key = string_of(ev, "state_key");
		if (type == NULL)
			continue;
		if (strcmp(type, "m.room.encryption") == 0)
			inv->encrypted = 1;
		if (strcmp(type, "m.room.member") == 0 && key != NULL && strcmp(key, me) == 0)
			inv->inviter = string_of(ev, "sender");
	}
}

/* A joined room's timeline events, or NULL: counting and reading must agree on it. */
static const cJSON *
timeline_of(const cJSON *room)
{
	const cJSON *events = path(path(room, "timeline", NULL), "events", NULL);

	return room->string != NULL && cJSON_IsObject(room) && cJSON_IsArray(events) ? events
										     : NULL;
}

static size_t
count_events(const cJSON *join)
{
	const cJSON *room;
	size_t n = 0;

	cJSON_ArrayForEach(room, join)
	{
		if (timeline_of(room) != NULL)
			n += (size_t)cJSON_GetArraySize(timeline_of(room));
	}
	return n;
}

/* Returns 1 when the list of events holds an m.room.member event. */
static int
has_member_event(const cJSON *events)
{
	const cJSON *list = cJSON_IsArray(events) ? events : NULL, *ev;
	const char *type;

	cJSON_ArrayForEach(ev, list)
	{
		if ((type = string_of(ev, "type")) != NULL && strcmp(type, "m.room.member") == 0)
			return 1;
	}
	return 0;
}

/* Reads what changed in one joined room besides its events: a homeserver sends the
 * member count only when it has recomputed it, a member event when someone joined or
 * left, and a limited timeline when the events before it were left out. */
static void
read_update(const cJSON *room, struct mx_room_update *u)
{
	const cJSON *count = path(path(room, "summary", NULL), "m.joined_member_count", NULL);
	const cJSON *timeline = path(room, "timeline", NULL);

	u->room_id = room->string;
	u->joined = cJSON_IsNumber(count) && count->valuedouble >= 0 && count->valuedouble < 1e9
			    ? (long)count->valuedouble
			    : -1;
	u->members_changed = has_member_event(path(timeline, "events", NULL)) ||
			     has_member_event(path(path(room, "state", NULL), "events", NULL));
	u->limited = cJSON_IsTrue(path(timeline, "limited", NULL));
	u->prev_batch = string_of(timeline, "prev_batch");
	if (u->prev_batch != NULL && u->prev_batch[0] == '\0')
		u->prev_batch = NULL;
}

/* Reads the joined rooms: what changed in each, and their timeline events. */
static void
read_joined(const cJSON *join, struct mx_batch *b)
{
	const cJSON *room, *ev;

	cJSON_ArrayForEach(room, join)
	{
		if (room->string == NULL || !cJSON_IsObject(room))
			continue;
		read_update(room, &b->rooms[b->nrooms++]);
		cJSON_ArrayForEach(ev, timeline_of(room))
		{
			if (!cJSON_IsObject(ev))
				continue;
			b->events[b->nevents].room_id = room->string;
			b->events[b->nevents++].event = ev;
		}
	}
}

int
sync_take(cJSON *root, const char *me, struct mx_batch *b, char *err, size_t errlen)
{
	const cJSON *join, *invite, *room;
	size_t nrooms, ninvites;

	memset(b, 0, sizeof(*b));
	if ((b->root = root) == NULL || !cJSON_IsObject(b->root)) {
		snprintf(err, errlen, "the sync reply is not a JSON object");
		goto fail;
	}
	if ((b->next_batch = string_of(b->root, "next_batch")) == NULL ||
	    b->next_batch[0] == '\0') {
		snprintf(err, errlen, "the sync reply has no next_batch");
		goto fail;
	}
	join = path(path(b->root, "rooms", NULL), "join", NULL);
	invite = path(path(b->root, "rooms", NULL), "invite", NULL);
	if (!cJSON_IsObject(join))
		join = NULL;
	if (!cJSON_IsObject(invite))
		invite = NULL;
	nrooms = join != NULL ? (size_t)cJSON_GetArraySize(join) : 0;
	ninvites = invite != NULL ? (size_t)cJSON_GetArraySize(invite) : 0;
	b->rooms = calloc(nrooms + 1, sizeof(*b->rooms));
	b->events = calloc(count_events(join) + 1, sizeof(*b->events));
	b->invites = calloc(ninvites + 1, sizeof(*b->invites));
	if (b->rooms == NULL || b->events == NULL || b->invites == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	read_joined(join, b);
	cJSON_ArrayForEach(room, invite)
	{
		if (room->string != NULL && cJSON_IsObject(room))
			read_invite(room, me, &b->invites[b->ninvites++]);
	}
	return 0;
fail:
	sync_free(b);
	return -1;
}

void
sync_free(struct mx_batch *b)
{
	cJSON_Delete(b->root);
	free(b->invites);
	free(b->events);
	free(b->rooms);
	memset(b, 0, sizeof(*b));
}
