/* SPDX-License-Identifier: MIT */
/*
 * capture.h -- standard error sent to a file for a while, so a test can read what was
 * logged.
 */
#ifndef RULINGBOT_CAPTURE_H
#define RULINGBOT_CAPTURE_H

/* Sends stderr to the file at path until stderr_restore(saved). Returns the saved
 * descriptor, or -1 (stderr unchanged). */
int stderr_to(const char *path);

/* Sends stderr back where it went before stderr_to() returned saved; nothing for -1. */
void stderr_restore(int saved);

#endif
