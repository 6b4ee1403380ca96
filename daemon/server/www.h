/* SPDX-License-Identifier: MIT */
/*
 * www.h -- the static files served at /: from a request path to a file inside the web
 * folder, or to nothing. Whatever the path or its encoding, nothing outside the folder
 * is reached: the path is checked word by word, then the real path of the file (links
 * followed) must still lie inside the folder's.
 */
#ifndef RULINGBOT_WWW_H
#define RULINGBOT_WWW_H

#include <stddef.h>

/* Finds the file for the decoded request path (len bytes, may hold NUL) under the folder
 * root: "/" and paths ending in "/" mean their index.html. Writes its real path to out.
 * Returns 0, or -1 when there is no such file that may be served. */
int www_resolve(const char *root, const char *path, size_t len, char *out, size_t outlen);

/* Returns the Content-Type for a file name, by its extension. */
const char *www_mime_type(const char *name);

#endif
