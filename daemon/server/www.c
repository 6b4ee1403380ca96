/* SPDX-License-Identifier: MIT */
/*
 * www.c -- request paths to files. Only plain names are accepted: no "..", no hidden
 * files, no empty or "." segments, no backslash, control character or '%' (a path still
 * holding '%' after decoding was encoded twice). Then realpath() settles symbolic links.
 */
#include "www.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"

#define WWW_PATH_MAX 512 /* longest request path served */

/* Returns 1 when every segment of path (starting with '/') is a plain name. */
static int
plain_path(const char *path, size_t len)
{
	size_t i;

	if (len == 0 || len > WWW_PATH_MAX || path[0] != '/')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c < 0x20 || c == 0x7f || c == '\\' || c == '%')
			return 0;
		/* A segment starts after each '/': it may not be empty (except at the end,
		 * meaning index.html) nor start with a dot. */
		if (c == '/' && i + 1 < len && (path[i + 1] == '/' || path[i + 1] == '.'))
			return 0;
	}
	return 1;
}

int
www_resolve(const char *root, const char *path, size_t len, char *out, size_t outlen)
{
	char joined[PATH_MAX], real_root[PATH_MAX], real[PATH_MAX];
	const char *index = len > 0 && path[len - 1] == '/' ? "index.html" : "";
	struct stat st;
	size_t rootlen;
	int n;

	if (!plain_path(path, len) || realpath(root, real_root) == NULL)
		return -1;
	n = snprintf(joined, sizeof(joined), "%s%.*s%s", real_root, (int)len, path, index);
	if (n < 0 || (size_t)n >= sizeof(joined) || realpath(joined, real) == NULL)
		return -1;
	rootlen = strlen(real_root);
	if (strncmp(real, real_root, rootlen) != 0 || real[rootlen] != '/')
		return -1;
	if (stat(real, &st) == -1 || !S_ISREG(st.st_mode))
		return -1;
	n = snprintf(out, outlen, "%s", real);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

const char *
www_mime_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".md", "text/plain; charset=utf-8" },
		{ ".woff2", "font/woff2" },
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot && i < ARRAY_LEN(types); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}
