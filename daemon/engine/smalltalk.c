/* SPDX-License-Identifier: MIT */
/*
 * smalltalk.c -- when a question gets one of the bot's fixed replies instead of a fact.
 * Each rule lists the whole questions it answers, as folded words (see norm.h); "legal
 * advice" rules match anywhere in a question, because "can you give me legal advice about
 * my case" must never get a fact in reply. What the replies say is the knowledge base's.
 */
#include "smalltalk.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The most words of a phrase that must be the whole question: a longer question is none
 * of them (smalltalk_check() makes sure). */
#define WHOLE_WORDS_MAX 5

/* Where a rule's phrase must stand in the question. */
enum rule_place {
	WHOLE,	  /* the phrase is the whole question */
	START,	  /* the question starts with it */
	ANYWHERE, /* it appears anywhere */
};

/* A rule: the phrases that trigger a reply. */
struct smalltalk_rule {
	enum reply reply;	    /* the reply it triggers */
	enum rule_place place;	    /* where the phrase must stand */
	const char *const *phrases; /* folded phrases, NULL-terminated */
	const char *const *also;    /* words one of which must also appear, or NULL */
};

/* Whether a reply is followed by suggested questions: a greeting invites a question, a
 * "thanks" does not. The words are the knowledge base's (kb_reply_text()). */
static const struct smalltalk replies[] = {
	{ REPLY_GREETING, 1 },	   { REPLY_THANKS, 0 }, { REPLY_GOODBYE, 0 },
	{ REPLY_HELP, 1 },	   { REPLY_ABOUT, 1 },	{ REPLY_NOT_A_WRITER, 1 },
	{ REPLY_LEGAL_ADVICE, 0 },
};

static const char *const greeting_phrases[] = {
	"hi",
	"hello",
	"hey",
	"hey there",
	"hi there",
	"hello there",
	"hiya",
	"howdy",
	"yo",
	"greetings",
	"good morning",
	"good afternoon",
	"good evening",
	"hi bot",
	"hello bot",
	"hola",
	"hola que tal",
	"buenas",
	"buenos dias",
	"buenas tardes",
	"buenas noches",
	"saludos",
	"anyone there",
	"is anyone there",
	"anybody there",
	"is anybody there",
	"are you there",
	"you there",
	"hay alguien",
	"hay alguien ahi",
	"estas ahi",
	NULL,
};
static const char *const thanks_phrases[] = {
	"thanks",
	"thank you",
	"thank you very much",
	"thanks a lot",
	"thanks so much",
	"many thanks",
	"thx",
	"ty",
	"cheers",
	"ok thanks",
	"great thanks",
	"thank you bot",
	"gracias",
	"muchas gracias",
	"mil gracias",
	"ok gracias",
	NULL,
};
static const char *const goodbye_phrases[] = {
	"bye",	 "goodbye",	"bye bye",	"see you", "see you later", "good night",
	"adios", "hasta luego", "hasta pronto", "chao",	   "chau",	    NULL,
};
static const char *const help_phrases[] = {
	"help",
	"help me",
	"what can you do",
	"what can i ask",
	"what can i ask you",
	"what do you know",
	"what do you know about",
	"what questions can i ask",
	"how does this work",
	"how do i use this",
	"how do i use you",
	"commands",
	"menu",
	"ayuda",
	"ayudame",
	"que puedo preguntar",
	"que puedo preguntarte",
	"que sabes",
	"que puedes hacer",
	"como funciona",
	"como funciona esto",
	NULL,
};
static const char *const about_phrases[] = {
	"who are you",	    "what are you",
	"are you a bot",    "are you a robot",
	"are you human",    "are you a person",
	"are you real",	    "are you a lawyer",
	"who made you",	    "who built you",
	"what is this",	    "what is rulingbot",
	"what is this bot", "quien eres",
	"que eres",	    "eres un bot",
	"eres un robot",    "eres humano",
	"eres una persona", "eres abogado",
	"que es esto",	    NULL,
};
static const char *const advice_phrases[] = {
	"legal advice",
	"give me advice",
	"advise me",
	"need a lawyer",
	"need an attorney",
	"hire a lawyer",
	"get a lawyer",
	"find a lawyer",
	"represent me",
	"my immigration case",
	"my case",
	"consejo legal",
	"consejos legales",
	"asesoria legal",
	"asesoramiento legal",
	"necesito un abogado",
	"necesito abogado",
	"buscar un abogado",
	"representarme",
	"mi caso",
	"i lost",
	"my lawyer",
	"my hearing",
	"recommend a lawyer",
	"recommend an attorney",
	"recommend a good",
	"mi audiencia",
	"mi abogado",
	"recomiendame un abogado",
	"que perdi",
	"mi juicio",
	NULL,
};
/* A question about the reader's own situation asks for advice, whatever its topic. */
static const char *const personal_phrases[] = {
	"how do i",
	"how can i",
	"can i",
	"should i",
	"what should i",
	"am i",
	"could i",
	"do i have to",
	"do i need to",
	"how long do i",
	"how much time do i",
	"como puedo",
	"puedo",
	"debo",
	"que debo",
	"cuanto tiempo tengo",
	"que hago",
	"tengo que",
	NULL,
};
/* Asking the bot to write something is not a question it can answer from its facts. */
static const char *const writing_phrases[] = {
	"write",
	"write me",
	"compose",
	"draft",
	"tell me a joke",
	"tell a joke",
	"summarize the news",
	"escribe",
	"escribeme",
	"redacta",
	"cuentame un chiste",
	"cuenta un chiste",
	NULL,
};
/* ...when it is about acting in the law: "how do I cite the ruling" is a fair question. */
static const char *const legal_actions[] = {
	"appeal",   "sue",	"file",	    "apply",	   "hire",	"lawyer",
	"attorney", "deported", "deport",   "deportation", "visa",	"court",
	"case",	    "claim",	"fight",    "defend",	   "represent", "arrested",
	"detained", "apelar",	"demandar", "abogado",	   "deportar",	"deportacion",
	"corte",    "caso",	"visa",	    "detenido",	   "arrestado", NULL,
};

static const struct smalltalk_rule rules[] = {
	{ REPLY_LEGAL_ADVICE, ANYWHERE, advice_phrases, NULL },
	{ REPLY_GREETING, WHOLE, greeting_phrases, NULL },
	{ REPLY_THANKS, WHOLE, thanks_phrases, NULL },
	{ REPLY_GOODBYE, WHOLE, goodbye_phrases, NULL },
	{ REPLY_HELP, WHOLE, help_phrases, NULL },
	{ REPLY_ABOUT, WHOLE, about_phrases, NULL },
	{ REPLY_LEGAL_ADVICE, START, personal_phrases, legal_actions },
	{ REPLY_NOT_A_WRITER, START, writing_phrases, NULL },
};

/* Returns the number of words of phrase that match t from word i on, or 0. The words
 * are compared a byte at a time: most phrases differ from the question at once. */
static int
phrase_at(const struct norm_tokens *t, int i, const char *phrase)
{
	const char *p = phrase, *w;
	int words = 0;

	for (;;) {
		if (i + words >= t->n)
			return 0;
		for (w = t->tok[i + words].text; *w != '\0' && *w == *p; w++, p++)
			;
		if (*w != '\0' || (*p != ' ' && *p != '\0'))
			return 0;
		words++;
		if (*p == '\0')
			return words;
		p++;
	}
}

/* Returns 1 when one of the words appears in t. */
static int
has_word(const struct norm_tokens *t, const char *const *words)
{
	int i;

	for (; *words != NULL; words++)
		for (i = 0; i < t->n; i++)
			if (strcmp(t->tok[i].text, *words) == 0)
				return 1;
	return 0;
}

/* The words of a question by their first byte, so that a phrase is compared only where
 * it may start. */
struct first_bytes {
	uint32_t has[256 / 32]; /* bit c: a word starts with byte c */
	uint64_t at[256];	/* bit i: word i does (set only for the bytes in has) */
};

/* Returns 1 when phrase appears in t, whose words' first bytes are in f. */
static int
phrase_anywhere(const struct norm_tokens *t, const struct first_bytes *f, const char *phrase)
{
	unsigned char c = (unsigned char)phrase[0];
	uint64_t at;

	if (!(f->has[c / 32] & 1u << (c % 32)))
		return 0;
	for (at = f->at[c]; at != 0; at &= at - 1)
		if (phrase_at(t, __builtin_ctzll(at), phrase) > 0)
			return 1;
	return 0;
}

/* Returns 1 when a phrase of rule r stands where r wants it; f has t's words by their
 * first bytes. Where a phrase must stand is the rule's, so it is told once, and each
 * phrase is then passed over on its first byte unless it may start there. */
static int
phrase_matches(const struct smalltalk_rule *r, const struct norm_tokens *t, int start,
	       const struct first_bytes *f)
{
	const char *const *ph = r->phrases;
	char c;

	switch (r->place) {
	case WHOLE: /* the whole question, or all of it after a greeting ("hi, thanks") */
		if (t->dropped != 0 || t->n - start > WHOLE_WORDS_MAX)
			return 0;
		for (; *ph != NULL; ph++)
			if (((*ph)[0] == t->tok[0].text[0] && phrase_at(t, 0, *ph) == t->n) ||
			    (start > 0 && start < t->n && (*ph)[0] == t->tok[start].text[0] &&
			     phrase_at(t, start, *ph) == t->n - start))
				return 1;
		break;
	case START:
		if (start >= t->n)
			return 0;
		for (c = t->tok[start].text[0]; *ph != NULL; ph++)
			if ((*ph)[0] == c && phrase_at(t, start, *ph) > 0)
				return 1;
		break;
	case ANYWHERE:
		for (; *ph != NULL; ph++)
			if (phrase_anywhere(t, f, *ph))
				return 1;
		break;
	}
	return 0;
}

/* The phrase is looked for first: it rarely matches, and the words it needs beside it
 * would be looked for among all of the question's. */
static int
rule_matches(const struct smalltalk_rule *r, const struct norm_tokens *t, int start,
	     const struct first_bytes *f)
{
	return phrase_matches(r, t, start, f) && (r->also == NULL || has_word(t, r->also));
}

/* Returns the entry of reply r. */
static const struct smalltalk *
smalltalk_find(enum reply r)
{
	size_t i;

	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++)
		if (replies[i].reply == r)
			return &replies[i];
	return NULL;
}

const struct smalltalk *
smalltalk_match(const struct norm_tokens *t, int *start)
{
	struct first_bytes f;
	unsigned char c;
	size_t i;
	int k;

	_Static_assert(NORM_TOKENS_MAX <= 64, "a word is one bit of a uint64_t");
	*start = 0;
	if (t->n == 0)
		return NULL;
	memset(f.has, 0, sizeof(f.has));
	for (k = 0; k < t->n; k++) {
		c = (unsigned char)t->tok[k].text[0];
		if (!(f.has[c / 32] & 1u << (c % 32)))
			f.at[c] = 0;
		f.has[c / 32] |= 1u << (c % 32);
		f.at[c] |= 1ULL << k;
	}
	*start = smalltalk_skip_greeting(t); /* where a START phrase must stand */
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rule_matches(&rules[i], t, *start, &f))
			return smalltalk_find(rules[i].reply);
	return NULL;
}

int
smalltalk_skip_greeting(const struct norm_tokens *t)
{
	const char *const *ph;
	int words, best = 0;

	if (t->n == 0)
		return 0;
	for (ph = greeting_phrases; *ph != NULL; ph++) {
		if (t->tok[0].text[0] != (*ph)[0])
			continue;
		words = phrase_at(t, 0, *ph);
		if (words > best)
			best = words;
	}
	return best;
}

int
smalltalk_check(void)
{
	const char *const *ph;
	const char *c;
	size_t i;
	int bad = 0, words;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		for (ph = rules[i].phrases; rules[i].place == WHOLE && *ph != NULL; ph++) {
			for (c = *ph, words = 1; *c != '\0'; c++)
				words += *c == ' ';
			bad += words > WHOLE_WORDS_MAX;
		}
	return bad;
}
