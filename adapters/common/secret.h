/* SPDX-License-Identifier: MIT */
/*
 * secret.h -- tokens and secrets read from files: a path given by an option, or by
 * default a file of that name in systemd's $CREDENTIALS_DIRECTORY. Never from the command
 * line, where every user of the machine could read them in ps.
 */
#ifndef RULINGBOT_SECRET_H
#define RULINGBOT_SECRET_H

#include <stddef.h>

/* Reads the secret in path, or, when path is NULL, in $CREDENTIALS_DIRECTORY/credential.
 * Trailing white space is dropped. what names the secret in messages ("bot token"); when
 * prefix is not NULL the secret must begin with it. Returns the secret (free it with
 * secret_free), or NULL with the reason in err, which never contains the secret. */
char *secret_load(const char *path, const char *credential, const char *what, const char *prefix,
		  char *err, size_t errlen);

/* Wipes and frees a secret; accepts NULL. This function can't fail. */
void secret_free(char *secret);

#endif
