/* SPDX-License-Identifier: MIT */
/*
 * match.h -- the answering engine's parts that are not its API (that is engine.h): for
 * the engine's own tests.
 */
#ifndef RULINGBOT_MATCH_H
#define RULINGBOT_MATCH_H

#include "engine.h"

/* The optimal-string-alignment distance between a and b, or max + 1 when it is larger
 * than max. */
int match_distance(const char *a, const char *b, int max);

#endif
