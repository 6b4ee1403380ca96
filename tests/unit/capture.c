/* SPDX-License-Identifier: MIT */
/*
 * capture.c -- standard error sent to a file for a while (capture.h).
 */
#include "capture.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
stderr_to(const char *path)
{
	int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (saved == -1 || fd == -1 || dup2(fd, 2) == -1) {
		if (fd != -1)
			close(fd);
		if (saved != -1)
			close(saved);
		return -1;
	}
	close(fd);
	return saved;
}

void
stderr_restore(int saved)
{
	if (saved == -1)
		return;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}
