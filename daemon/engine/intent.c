/* SPDX-License-Identifier: MIT */
/*
 * intent.c -- reads what kind of answer a question asks for from its folded words: a
 * table of the one- to three-word phrases that ask for each kind, in English and Spanish,
 * found anywhere in the question ("and the judge was who?").
 */
#include "intent.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A phrase that asks for an intent; words[1] and words[2] may be NULL. */
struct cue {
	const char *words[3];
	enum intent intent;
};

/* Sorted by first word (strcmp), so a word's cues are found by a binary search. Words are
 * folded as norm.c folds them: lowercase, no accents ("qué" is "que"). */
static const struct cue cues[] = {
	{ { "actual", NULL, NULL }, INTENT_NOW },
	{ { "actualmente", NULL, NULL }, INTENT_NOW },
	{ { "ahora", NULL, NULL }, INTENT_NOW },
	{ { "anymore", NULL, NULL }, INTENT_NOW },
	{ { "cual", "corte", NULL }, INTENT_WHERE },
	{ { "cual", "juez", NULL }, INTENT_WHO },
	{ { "cual", "tribunal", NULL }, INTENT_WHERE },
	{ { "cuando", NULL, NULL }, INTENT_WHEN },
	{ { "cuanta", NULL, NULL }, INTENT_AMOUNT },
	{ { "cuantas", NULL, NULL }, INTENT_AMOUNT },
	{ { "cuanto", NULL, NULL }, INTENT_AMOUNT },
	{ { "cuantos", NULL, NULL }, INTENT_AMOUNT },
	{ { "current", NULL, NULL }, INTENT_NOW },
	{ { "currently", NULL, NULL }, INTENT_NOW },
	{ { "define", NULL, NULL }, INTENT_DEFINE },
	{ { "definition", NULL, NULL }, INTENT_DEFINE },
	{ { "desde", "cuando", NULL }, INTENT_WHEN },
	{ { "donde", NULL, NULL }, INTENT_WHERE },
	{ { "how", "come", NULL }, INTENT_WHY },
	{ { "how", "long", NULL }, INTENT_AMOUNT },
	{ { "how", "many", NULL }, INTENT_AMOUNT },
	{ { "how", "much", NULL }, INTENT_AMOUNT },
	{ { "hoy", NULL, NULL }, INTENT_NOW },
	{ { "meaning", "of", NULL }, INTENT_DEFINE },
	{ { "now", NULL, NULL }, INTENT_NOW },
	{ { "nowadays", NULL, NULL }, INTENT_NOW },
	{ { "para", "que", NULL }, INTENT_WHY },
	{ { "por", "que", NULL }, INTENT_WHY },
	{ { "porque", NULL, NULL }, INTENT_WHY },
	{ { "que", "ano", NULL }, INTENT_WHEN },
	{ { "que", "corte", NULL }, INTENT_WHERE },
	{ { "que", "dia", NULL }, INTENT_WHEN },
	{ { "que", "es", "el" }, INTENT_DEFINE },
	{ { "que", "es", "la" }, INTENT_DEFINE },
	{ { "que", "es", "un" }, INTENT_DEFINE },
	{ { "que", "es", "una" }, INTENT_DEFINE },
	{ { "que", "fecha", NULL }, INTENT_WHEN },
	{ { "que", "juez", NULL }, INTENT_WHO },
	{ { "que", "jueces", NULL }, INTENT_WHO },
	{ { "que", "mes", NULL }, INTENT_WHEN },
	{ { "que", "porcentaje", NULL }, INTENT_AMOUNT },
	{ { "que", "quiere", "decir" }, INTENT_DEFINE },
	{ { "que", "significa", NULL }, INTENT_DEFINE },
	{ { "que", "tribunal", NULL }, INTENT_WHERE },
	{ { "quien", NULL, NULL }, INTENT_WHO },
	{ { "quienes", NULL, NULL }, INTENT_WHO },
	{ { "significa", NULL, NULL }, INTENT_DEFINE },
	{ { "sigue", NULL, NULL }, INTENT_NOW },
	{ { "siguen", NULL, NULL }, INTENT_NOW },
	{ { "since", "when", NULL }, INTENT_WHEN },
	{ { "still", NULL, NULL }, INTENT_NOW },
	{ { "these", "days", NULL }, INTENT_NOW },
	{ { "todavia", NULL, NULL }, INTENT_NOW },
	{ { "today", NULL, NULL }, INTENT_NOW },
	{ { "vigente", NULL, NULL }, INTENT_NOW },
	{ { "vigentes", NULL, NULL }, INTENT_NOW },
	{ { "what", "amount", NULL }, INTENT_AMOUNT },
	{ { "what", "court", NULL }, INTENT_WHERE },
	{ { "what", "date", NULL }, INTENT_WHEN },
	{ { "what", "day", NULL }, INTENT_WHEN },
	{ { "what", "does", "mean" }, INTENT_DEFINE },
	{ { "what", "is", "a" }, INTENT_DEFINE },
	{ { "what", "is", "an" }, INTENT_DEFINE },
	{ { "what", "judge", NULL }, INTENT_WHO },
	{ { "what", "judges", NULL }, INTENT_WHO },
	{ { "what", "month", NULL }, INTENT_WHEN },
	{ { "what", "percent", NULL }, INTENT_AMOUNT },
	{ { "what", "percentage", NULL }, INTENT_AMOUNT },
	{ { "what", "s", "a" }, INTENT_DEFINE },
	{ { "what", "s", "an" }, INTENT_DEFINE },
	{ { "what", "share", NULL }, INTENT_AMOUNT },
	{ { "what", "year", NULL }, INTENT_WHEN },
	{ { "whats", "a", NULL }, INTENT_DEFINE },
	{ { "whats", "an", NULL }, INTENT_DEFINE },
	{ { "when", NULL, NULL }, INTENT_WHEN },
	{ { "where", NULL, NULL }, INTENT_WHERE },
	{ { "which", "court", NULL }, INTENT_WHERE },
	{ { "which", "judge", NULL }, INTENT_WHO },
	{ { "which", "judges", NULL }, INTENT_WHO },
	{ { "which", "year", NULL }, INTENT_WHEN },
	{ { "who", NULL, NULL }, INTENT_WHO },
	{ { "whom", NULL, NULL }, INTENT_WHO },
	{ { "whose", NULL, NULL }, INTENT_WHO },
	{ { "why", NULL, NULL }, INTENT_WHY },
};

static const char *const names[INTENTS] = {
	"who", "when", "amount", "why", "where", "define", "now"
};

/* Compares first bytes before calling strcmp(): a question's words are looked up one by
 * one, and most differ from the cue's first word in the first byte. */
static int
cmp_first(const void *key, const void *elem)
{
	const unsigned char *a = key,
			    *b = (const unsigned char *)((const struct cue *)elem)->words[0];

	return *a != *b ? *a - *b : strcmp(key, (const char *)b);
}

/* Returns 1 when the words a and b are the same. The table's words are compared by
 * address first (a compiler keeps one copy of equal literals), then byte by byte. */
static int
same_word(const char *a, const char *b)
{
	return a == b || (*a == *b && strcmp(a, b) == 0);
}

/* Returns 1 when the cue's words are t's from word i on ("what does X mean": the third word
 * of that cue may come anywhere after the second). */
static int
cue_matches(const struct cue *c, const struct norm_tokens *t, int i)
{
	int k;

	if (c->words[1] == NULL)
		return 1;
	if (i + 1 >= t->n || !same_word(t->tok[i + 1].text, c->words[1]))
		return 0;
	if (c->words[2] == NULL)
		return 1;
	if (c->intent == INTENT_DEFINE && strcmp(c->words[2], "mean") == 0) {
		for (k = i + 2; k < t->n; k++)
			if (strcmp(t->tok[k].text, "mean") == 0)
				return 1;
		return 0;
	}
	return i + 2 < t->n && same_word(t->tok[i + 2].text, c->words[2]);
}

unsigned
intent_of(const struct norm_tokens *t, int first)
{
	const struct cue *c, *end = cues + ARRAY_LEN(cues);
	const char *w;
	unsigned found = 0;
	int i;

	for (i = first; i < t->n; i++) {
		c = bsearch(t->tok[i].text, cues, ARRAY_LEN(cues), sizeof(*cues), cmp_first);
		if (c == NULL)
			continue;
		while (c > cues && same_word(c[-1].words[0], c->words[0]))
			c--;
		for (w = c->words[0]; c < end && same_word(c->words[0], w); c++)
			if (cue_matches(c, t, i))
				found |= 1u << c->intent;
	}
	return found;
}

const char *
intent_name(int i)
{
	return i >= 0 && i < INTENTS ? names[i] : "?";
}

int
intent_check(void)
{
	size_t i;

	for (i = 1; i < ARRAY_LEN(cues); i++)
		if (strcmp(cues[i - 1].words[0], cues[i].words[0]) > 0)
			return -1;
	return 0;
}
