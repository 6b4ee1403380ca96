/* SPDX-License-Identifier: MIT */
/*
 * secret.c -- reading a secret from a file. The file must be a regular file of sensible
 * size; its contents are kept only in the returned string, and wiped when freed.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define SECRET_MAX 4096 /* Slack tokens are under 100 bytes, Matrix's under 300 */

/* Reads the whole of fd into a new string. Returns it, or NULL with errno set. */
static char *
read_all(int fd)
{
	char *s = malloc(SECRET_MAX + 1);
	size_t len = 0;
	ssize_t n;

	if (s == NULL)
		return NULL;
	while ((n = read(fd, s + len, SECRET_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (len += (size_t)n) > SECRET_MAX) {
			int saved = n >= 0 ? EFBIG : errno;

			explicit_bzero(s, SECRET_MAX + 1);
			free(s);
			errno = saved;
			return NULL;
		}
	}
	s[len] = '\0';
	return s;
}

char *
secret_load(const char *path, const char *credential, const char *what, const char *prefix,
	    char *err, size_t errlen)
{
	char def[4096];
	const char *dir;
	struct stat st;
	char *s;
	int fd;

	if (path == NULL) {
		if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL || *dir == '\0') {
			snprintf(err, errlen,
				 "no %s: give its file with an option, or run "
				 "under systemd with LoadCredential=%s",
				 what, credential);
			return NULL;
		}
		snprintf(def, sizeof(def), "%s/%s", dir, credential);
		path = def;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s (%s): %s", path, what, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s (%s): not a regular file", path, what);
		close(fd);
		return NULL;
	}
	s = read_all(fd);
	close(fd);
	if (s == NULL) {
		snprintf(err, errlen, "%s (%s): %s", path, what,
			 errno == EFBIG ? "too long for a token" : strerror(errno));
		return NULL;
	}
	str_trim_end(s);
	if (*s == '\0' || strpbrk(s, "\r\n") != NULL) {
		snprintf(err, errlen, "%s (%s): %s", path, what,
			 *s == '\0' ? "the file is empty" : "more than one line");
		secret_free(s);
		return NULL;
	}
	if (prefix != NULL && strncmp(s, prefix, strlen(prefix)) != 0) {
		snprintf(err, errlen, "%s (%s): does not begin with %s", path, what, prefix);
		secret_free(s);
		return NULL;
	}
	return s;
}

void
secret_free(char *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}
