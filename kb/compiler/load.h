/* SPDX-License-Identifier: MIT */
/*
 * load.h -- reads a kb/ folder into a struct kbset: sources.json, facts/<topic>.json,
 * synonyms.json, entities.json, starters.json and replies.json. Shape problems (malformed JSON,
 * missing or empty fields, wrong types, unknown fields, a missing replies.json) are reported as
 * they are found.
 */
#ifndef RULINGKB_LOAD_H
#define RULINGKB_LOAD_H

#include <stdio.h>

#include "model.h"

/* Reads the folder dir into set, printing problems to report. Returns 0 when every file
 * could be read (problems in their content are counted in set->problems), or -1 when a
 * file could not be read at all (reason printed). Free set with kbset_free() either way. */
int load_kb(const char *dir, struct kbset *set, FILE *report);

#endif
