/* SPDX-License-Identifier: MIT */
/*
 * state.c -- the state file: {"user_id": ..., "next_batch": ..., "warned_rooms": [...]}.
 * Saving writes a temporary file beside it, fsyncs it, renames it over the old one and
 * fsyncs the folder, the order that survives a power cut.
 */
#include "state.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define MAX_STATE (4 << 20) /* a state file larger than this is not ours */

int
state_add_warned(struct mx_state *s, const char *room)
{
	char **grown, *copy;

	if (state_warned(s, room))
		return 0;
	if (s->nwarned == s->cap) {
		if ((grown = realloc(s->warned, (s->cap * 2 + 8) * sizeof(*grown))) == NULL)
			return -1;
		s->warned = grown;
		s->cap = s->cap * 2 + 8;
	}
	if ((copy = strdup(room)) == NULL)
		return -1;
	s->warned[s->nwarned++] = copy;
	return 0;
}

int
state_warned(const struct mx_state *s, const char *room)
{
	size_t i;

	for (i = 0; i < s->nwarned; i++)
		if (strcmp(s->warned[i], room) == 0)
			return 1;
	return 0;
}

int
state_set_batch(struct mx_state *s, const char *token)
{
	char *copy = strdup(token);

	if (copy == NULL)
		return -1;
	free(s->next_batch);
	s->next_batch = copy;
	return 0;
}

void
state_clear(struct mx_state *s)
{
	size_t i;

	for (i = 0; i < s->nwarned; i++)
		free(s->warned[i]);
	free(s->warned);
	free(s->user_id);
	free(s->next_batch);
	memset(s, 0, sizeof(*s));
}

/* Copies the JSON state into s. Returns 0, or -1 (a reason in err). */
static int
read_state(const cJSON *root, struct mx_state *s, char *err, size_t errlen)
{
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(root, "user_id");
	const cJSON *batch = cJSON_GetObjectItemCaseSensitive(root, "next_batch");
	const cJSON *rooms = cJSON_GetObjectItemCaseSensitive(root, "warned_rooms"), *room;

	if (!cJSON_IsString(user) || (batch != NULL && !cJSON_IsString(batch)) ||
	    (rooms != NULL && !cJSON_IsArray(rooms))) {
		snprintf(err, errlen, "not a rulingbot-matrix state file");
		return -1;
	}
	if ((s->user_id = strdup(user->valuestring)) == NULL ||
	    (batch != NULL && state_set_batch(s, batch->valuestring) == -1))
		goto oom;
	cJSON_ArrayForEach(room, rooms)
	{
		if (cJSON_IsString(room) && state_add_warned(s, room->valuestring) == -1)
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
state_load(const char *path, struct mx_state *s, char *err, size_t errlen)
{
	struct buf b;
	cJSON *root;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	buf_init(&b);
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return 1;
	if (read_file(path, &b, err, errlen) == -1)
		return -1;
	if (b.len > MAX_STATE || (root = cJSON_ParseWithLength(b.data, b.len)) == NULL) {
		snprintf(err, errlen, "%s: not a rulingbot-matrix state file", path);
	} else {
		rc = read_state(root, s, err, errlen);
		cJSON_Delete(root);
	}
	buf_free(&b);
	if (rc == -1)
		state_clear(s);
	return rc;
}

static char *
state_json(const struct mx_state *s)
{
	cJSON *root = cJSON_CreateObject(), *rooms;
	char *text = NULL;
	size_t i;

	if (root == NULL || cJSON_AddStringToObject(root, "user_id", s->user_id) == NULL ||
	    (s->next_batch != NULL &&
	     cJSON_AddStringToObject(root, "next_batch", s->next_batch) == NULL) ||
	    (rooms = cJSON_AddArrayToObject(root, "warned_rooms")) == NULL)
		goto out;
	for (i = 0; i < s->nwarned; i++)
		if (!cJSON_AddItemToArray(rooms, cJSON_CreateString(s->warned[i])))
			goto out;
	text = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return text;
}

/* Writes all n bytes of p to fd. Returns 0 or -1 (errno set). */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsyncs the folder holding path, so that the rename itself is on disk. */
static int
sync_folder(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = -1;

	if (copy == NULL)
		return -1;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

int
state_save(const char *path, const struct mx_state *s, char *err, size_t errlen)
{
	char *text = state_json(s), tmp[4096];
	int fd = -1;

	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: the path is too long", path);
		goto fail;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1 ||
	    write_all(fd, text, strlen(text)) == -1 || write_all(fd, "\n", 1) == -1 ||
	    fsync(fd) == -1 || close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -2; /* closed */
		unlink(tmp);
		goto fail;
	}
	if (rename(tmp, path) == -1 || sync_folder(path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto fail;
	}
	free(text);
	return 0;
fail:
	free(text);
	return -1;
}
