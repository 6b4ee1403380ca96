/* SPDX-License-Identifier: MIT */
/*
 * smalltalk.h -- what the bot says without the knowledge base: greetings, thanks,
 * goodbyes, help, who it is, and that it gives no legal advice.
 */
#ifndef RULINGBOT_SMALLTALK_H
#define RULINGBOT_SMALLTALK_H

#include "norm.h"

/* A reply the bot knows by heart. */
struct smalltalk {
	const char *id;	     /* reply id, starting with '_' so it never clashes with a fact */
	const char *text_en; /* the reply in English */
	const char *text_es; /* the reply in Spanish */
	int offer_starters;  /* 1: follow the reply with suggested questions */
};

/* Returns the reply when the whole question is small talk, else NULL. Questions that
 * ask for legal advice, or about the reader's own situation ("how do I ...", "can I
 * ..."), get the not-legal-advice reply. */
const struct smalltalk *smalltalk_match(const struct norm_tokens *t);

/* Returns the index of the first word after a leading greeting ("hi, who was the judge"
 * -> the index of "who"); 0 when there is none. */
int smalltalk_skip_greeting(const struct norm_tokens *t);

/* Returns the reply with this id, or NULL. */
const struct smalltalk *smalltalk_find(const char *id);

#endif
