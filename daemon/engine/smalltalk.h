/* SPDX-License-Identifier: MIT */
/*
 * smalltalk.h -- questions that get a fixed reply instead of a fact: greetings, thanks,
 * goodbyes, help, who it is, and that it gives no legal advice. Which reply, not its
 * words: those are the knowledge base's (kb_reply_text() in engine.h).
 */
#ifndef RULINGBOT_SMALLTALK_H
#define RULINGBOT_SMALLTALK_H

#include "engine.h"
#include "norm.h"

/* A fixed reply, as small talk gives it. */
struct smalltalk {
	enum reply reply;   /* which reply */
	int offer_starters; /* 1: follow the reply with suggested questions */
};

/* Returns the reply when the whole question is small talk, else NULL. Questions that
 * ask for legal advice, or about the reader's own situation ("how do I ...", "can I
 * ..."), get the not-legal-advice reply. Sets *start to smalltalk_skip_greeting() of t,
 * which it works out on the way. */
const struct smalltalk *smalltalk_match(const struct norm_tokens *t, int *start);

/* Returns the index of the first word after a leading greeting ("hi, who was the judge"
 * -> the index of "who"); 0 when there is none. */
int smalltalk_skip_greeting(const struct norm_tokens *t);

/* For tests: returns how many whole-question phrases are longer than the matcher
 * assumes (0 when none is). */
int smalltalk_check(void);

#endif
