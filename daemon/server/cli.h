/* SPDX-License-Identifier: MIT */
/*
 * cli.h -- rulingd without a network: one question from the command line (--ask), or a
 * prompt that answers questions typed on standard input, one per line.
 */
#ifndef RULINGBOT_CLI_H
#define RULINGBOT_CLI_H

#include <stdio.h>

#include "engine.h"

/* Answers one question on out, as display lines or (json = 1) as the protocol's JSON
 * object, with the engine options o. lang is "en", "es" or NULL. Returns 0, or -1 when
 * the engine failed (the reason is logged). */
int cli_ask(struct kb *kb, const struct match_options *o, const char *question, const char *lang,
	    int json, FILE *out);

/* Reads questions from in, one per line, and answers each on out until end of input;
 * prints a prompt when in is a terminal. Returns 0, or -1 on a read error. */
int cli_prompt(struct kb *kb, const struct match_options *o, const char *lang, int json, FILE *in,
	       FILE *out);

#endif
