/* SPDX-License-Identifier: MIT */
/*
 * intent.h -- what kind of answer a question asks for: a person, a date, a number, a
 * reason, a place or court, a definition, how things stand now. The same reading is given to the
 * reader's question and to every question the knowledge base holds for a fact, so a fact's kind is
 * the share of its own questions that ask for each (kbload.c), and "which court heard the case"
 * does not get the fact that says when the case was filed.
 */
#ifndef RULINGBOT_INTENT_H
#define RULINGBOT_INTENT_H

#include "norm.h"

/* The kinds of answer told apart; a question may ask for none, or for several. */
enum intent {
	INTENT_WHO,    /* a person, a party ("who", "which judge", "quién") */
	INTENT_WHEN,   /* a date or a year ("when", "what year", "cuándo") */
	INTENT_AMOUNT, /* a number or an amount ("how many", "how much", "cuántos") */
	INTENT_WHY,    /* a reason ("why", "por qué") */
	INTENT_WHERE,  /* a place or a court ("where", "which court", "dónde") */
	INTENT_DEFINE, /* what a thing is or means ("what is a", "qué significa") */
	INTENT_NOW,    /* how things stand today ("still", "now", "todavía", "hoy") */
	INTENTS
};

/* Returns the intents the words t->tok[first..] ask for: bit i for enum intent i. */
unsigned intent_of(const struct norm_tokens *t, int first);

/* For tests: returns 0 when the table of cues is in the order intent_of() searches it,
 * -1 when not. */
int intent_check(void);

/* Returns the name of intent i ("who", "when", ...), for --explain. */
const char *intent_name(int i);

#endif
