/* SPDX-License-Identifier: MIT */
/*
 * state.h -- what the bot remembers across restarts, in one small JSON file: whose sync
 * it is, where the sync has got to (next_batch), and the encrypted rooms it has already
 * explained itself in. The file is replaced atomically (a temporary file, fsync, rename),
 * so after a crash it holds either the old state or the new one, never half of each.
 */
#ifndef RULINGBOT_MATRIX_STATE_H
#define RULINGBOT_MATRIX_STATE_H

#include <stddef.h>

struct mx_state {
	char *user_id;	  /* the account the sync belongs to */
	char *next_batch; /* NULL before the first sync: the backlog is then not answered */
	char **warned;	  /* rooms told that the bot cannot read encryption */
	size_t nwarned, cap;
};

/* Reads path into s (zeroed here). Returns 0 when read, 1 when there is no such file (a
 * first start), -1 with the reason in err when it cannot be read or is not a state file;
 * s is then empty. */
int state_load(const char *path, struct mx_state *s, char *err, size_t errlen);

/* Writes s to path atomically. Returns 0, or -1 with the reason in err; the file then
 * still holds what it held before. */
int state_save(const char *path, const struct mx_state *s, char *err, size_t errlen);

/* Returns 1 when room is in s's warned list. */
int state_warned(const struct mx_state *s, const char *room);

/* Adds room to s's warned list. Returns 0, or -1 when out of memory. */
int state_add_warned(struct mx_state *s, const char *room);

/* Sets s's next_batch to a copy of token. Returns 0, or -1 when out of memory (s keeps
 * its old token). */
int state_set_batch(struct mx_state *s, const char *token);

/* Frees what s holds and empties it. This function can't fail. */
void state_clear(struct mx_state *s);

#endif
