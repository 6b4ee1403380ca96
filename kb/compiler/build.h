/* SPDX-License-Identifier: MIT */
/*
 * build.h -- writes a checked knowledge base into the SQLite database rulingd reads.
 */
#ifndef RULINGKB_BUILD_H
#define RULINGKB_BUILD_H

#include <stddef.h>

#include "model.h"

/* Writes set, which must have passed check_kb() without problems, to the database out:
 * first to a temporary file beside it, then renamed over it. Returns 0, or -1 with the
 * reason in err (out is then untouched). */
int build_kb(const struct kbset *set, const char *out, char *err, size_t errlen);

#endif
