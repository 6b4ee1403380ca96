/* SPDX-License-Identifier: MIT */
/*
 * server_fixture.h -- what the server's unit tests (tests/unit/test_<module>.c, one for
 * each daemon/server/<module>.c) share: the fixture knowledge base and a service started
 * on it, a scratch folder for the files the tests write, small file helpers, and a reader
 * of Prometheus samples.
 */
#ifndef RULINGBOT_SERVER_FIXTURE_H
#define RULINGBOT_SERVER_FIXTURE_H

#include <limits.h>
#include <stddef.h>

#include "config.h"
#include "service.h"

#define SECOND 1000000000LL /* nanoseconds */

extern const char *fixture_kb; /* path of the fixture knowledge base */
extern char tmpdir[PATH_MAX];  /* scratch folder for files the tests write */

/* Sets fixture_kb from argv[1] (build/test/fixture.sqlite when not given). Returns 0, or
 * -1 (and a note, prog first) when it cannot be read. */
int fixture_find(const char *prog, int argc, char **argv);

/* Fills cfg with the defaults and the fixture knowledge base. */
void fixture_config(struct config *cfg);

/* Starts s on cfg. Returns 0, or -1 (and a note). */
int fixture_start(struct service *s, const struct config *cfg);

/* Makes tmpdir, under $TMPDIR or /tmp. Returns 0, or -1 (and a note). */
int tmpdir_make(const char *prog);

/* Removes tmpdir, which the tests left empty (a note when they did not). */
void tmpdir_remove(const char *prog);

/* Writes dir/name to out, PATH_MAX bytes ("" when it does not fit). Returns out. */
char *path_in(char *out, const char *dir, const char *name);

/* Writes text to the file at path. Returns 0, or -1. */
int write_file(const char *path, const char *text);

/* Reads the file at path into out (NUL-terminated, cut at outlen - 1). Returns its
 * length, or -1. */
long slurp(const char *path, char *out, size_t outlen);

/* Returns the value of the first sample of series name (followed by '{' or ' ') whose
 * labels contain label1 and label2 (either may be NULL), or -1 when there is none. */
double sample(const char *text, const char *name, const char *label1, const char *label2);

#endif
