/* SPDX-License-Identifier: MIT */
/*
 * jsonpos.c -- a second, position-keeping look at JSON text that cJSON already parsed.
 * It only tracks strings and bracket depth; the parser has checked everything else.
 */
#include "jsonpos.h"

#include <stdlib.h>
#include <string.h>

int
jsonpos_line(const char *text, size_t off)
{
	int line = 1;
	size_t i;

	for (i = 0; i < off && text[i] != '\0'; i++)
		line += text[i] == '\n';
	return line;
}

/* Adds an item span to *out; returns 0 or -1. */
static int
push_span(struct json_span **out, int *n, size_t start, int line)
{
	struct json_span *p;

	if ((*n & (*n - 1)) == 0) {
		if ((p = realloc(*out, (size_t)(*n ? *n * 2 : 1) * sizeof(*p))) == NULL)
			return -1;
		*out = p;
	}
	(*out)[*n].start = start;
	(*out)[*n].end = start;
	(*out)[*n].line = line;
	(*n)++;
	return 0;
}

int
jsonpos_items(const char *text, size_t len, struct json_span **out)
{
	int depth = 0, in_str = 0, esc = 0, open = 0, line = 1, n = 0;
	size_t i;
	char c;

	*out = NULL;
	for (i = 0; i < len; i++) {
		c = text[i];
		if (c == '\n')
			line++;
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (depth == 0 && c != '[')
			return 0;
		if (depth == 1 && c != ',' && c != ']' && !open) {
			if (push_span(out, &n, i, line) == -1)
				return -1;
			open = 1;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			depth++;
		} else if (c == ']' || c == '}') {
			if (--depth == 0)
				break;
		} else if (c == ',' && depth == 1) {
			(*out)[n - 1].end = i;
			open = 0;
		}
		if (depth == 1 && open)
			(*out)[n - 1].end = i + 1;
	}
	if (open)
		(*out)[n - 1].end = i;
	return n;
}

/* Returns the offset of the first "s" (followed by ':' when key) within span, or -1. */
static long
find_quoted(const char *text, const struct json_span *span, const char *s, int key)
{
	size_t n = strlen(s), i, j;

	for (i = span->start; i + n + 2 <= span->end; i++) {
		if (text[i] != '"' || memcmp(text + i + 1, s, n) != 0 || text[i + n + 1] != '"')
			continue;
		if (!key)
			return (long)i;
		for (j = i + n + 2; j < span->end && strchr(" \t\r\n", text[j]); j++)
			;
		if (j < span->end && text[j] == ':')
			return (long)i;
	}
	return -1;
}

int
jsonpos_key_line(const char *text, const struct json_span *span, const char *key)
{
	long off = find_quoted(text, span, key, 1);

	return off < 0 ? span->line : jsonpos_line(text, (size_t)off);
}

int
jsonpos_string_line(const char *text, const struct json_span *span, const char *s)
{
	long off = find_quoted(text, span, s, 0);

	return off < 0 ? -1 : jsonpos_line(text, (size_t)off);
}
