/* SPDX-License-Identifier: MIT */
/*
 * sync.h -- reading a /sync reply into what the bot acts on: the next_batch token, the
 * invitations (who invited, and whether the room is encrypted), what changed in each
 * joined room (its member count, a membership change, a gap before its timeline), and
 * the timeline events in order.
 */
#ifndef RULINGBOT_MATRIX_SYNC_H
#define RULINGBOT_MATRIX_SYNC_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct mx_invite {
	const char *room_id;
	const char *inviter; /* the sender of the bot's invite, or NULL */
	int encrypted;	     /* the room's state has m.room.encryption */
};

struct mx_timeline_event {
	const char *room_id;
	const cJSON *event;
};

/* A joined room in the reply. */
struct mx_room_update {
	const char *room_id;
	long joined;		/* summary's m.joined_member_count, or -1 when not sent */
	int members_changed;	/* an m.room.member event in its timeline or state */
	int limited;		/* timeline.limited: earlier events were left out (a gap) */
	const char *prev_batch; /* where the timeline starts, for /messages, or NULL */
};

/* A /sync reply. Every pointer points into root. */
struct mx_batch {
	cJSON *root;
	const char *next_batch;
	struct mx_invite *invites;
	size_t ninvites;
	struct mx_timeline_event *events;
	size_t nevents;
	struct mx_room_update *rooms;
	size_t nrooms;
};

/* Reads the parsed /sync reply root, for the user me, into b, which takes root over
 * (even on failure). Returns 0, or -1 with the reason in err (not an object, no
 * next_batch, out of memory); b is then empty. */
int sync_take(cJSON *root, const char *me, struct mx_batch *b, char *err, size_t errlen);

/* Frees what b holds. This function can't fail. */
void sync_free(struct mx_batch *b);

#endif
