/* SPDX-License-Identifier: MIT */
/*
 * jsonpos.h -- line numbers for JSON the parser has already accepted. cJSON keeps no
 * positions, and an editor needs "facts/case.json:42", so this scans the text once more,
 * minding strings and escapes, to find where each item and field begins.
 */
#ifndef RULINGKB_JSONPOS_H
#define RULINGKB_JSONPOS_H

#include <stddef.h>

#include "model.h"

/* Returns the line (from 1) of byte offset off in text. */
int jsonpos_line(const char *text, size_t off);

/* Finds the items of the top-level array of text (len bytes) and stores their spans in a
 * malloc'd array *out. Returns the number of items, 0 when the top level is not an array,
 * or -1 when out of memory. */
int jsonpos_items(const char *text, size_t len, struct json_span **out);

/* Returns the line of the first "key": inside span, or the span's own line. */
int jsonpos_key_line(const char *text, const struct json_span *span, const char *key);

/* Returns the line of the first occurrence of the JSON string "s" inside span, or -1 when
 * it is not there as written (for instance because the file escapes a character of it). */
int jsonpos_string_line(const char *text, const struct json_span *span, const char *s);

#endif
