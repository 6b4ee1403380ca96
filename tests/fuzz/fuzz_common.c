/* SPDX-License-Identifier: MIT */
/*
 * fuzz_common.c -- helpers shared by the fuzz drivers (see fuzz.h). Linked into every
 * driver, for libFuzzer and for the gcc replay program alike.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
