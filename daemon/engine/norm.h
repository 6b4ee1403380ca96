/* SPDX-License-Identifier: MIT */
/*
 * norm.h -- the text normaliser: splits UTF-8 text into folded words (lowercase, accents
 * removed), tells English from Spanish, and knows which words carry no meaning. The KB
 * compiler normalises every text it indexes with the same code, so a question's words and
 * the index's words always agree.
 */
#ifndef RULINGBOT_NORM_H
#define RULINGBOT_NORM_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define NORM_TOKEN_MAX	48 /* bytes in one word, NUL included; longer words are cut */
#define NORM_TOKENS_MAX 64 /* words kept from one question; the rest are dropped */

/* What a word is to the word lists (struct norm_token's kind): set once for each word
 * of a question, so that the lists are not searched again at every use. */
enum norm_kind {
	NORM_STOP_EN = 1 << 0,	/* an English stopword (norm_is_stopword) */
	NORM_STOP_ES = 1 << 1,	/* a Spanish one */
	NORM_QUESTION = 1 << 2, /* a question word (norm_is_question_word) */
	NORM_MARK_EN = 1 << 3,	/* a word that says the question is English */
	NORM_MARK_ES = 1 << 4,	/* one that says it is Spanish (or a Spanish ending) */
};

/* One folded word. */
struct norm_token {
	char text[NORM_TOKEN_MAX]; /* NUL-terminated, lowercase, no accents */
	unsigned char kind;	   /* enum norm_kind bits of text, as norm_kind() gives */
};

/* The words of one question, in order. */
struct norm_tokens {
	struct norm_token tok[NORM_TOKENS_MAX]; /* the words */
	int n;					/* words in tok[] */
	int dropped;				/* words beyond NORM_TOKENS_MAX, not kept */
};

/* Reads the next word of the text [*p, end): skips separators, folds case and accents
 * (é -> e, ñ -> n, ß -> ss), drops combining marks, joins dotted abbreviations (U.S.C. ->
 * usc), keeps numbers whole (2.3, 1,000 -> 1000), and cuts the word to toksz - 1 bytes on
 * a character boundary. Advances *p past
 * the word. Returns the word's length in bytes, or 0 when the text has no more words.
 * Malformed UTF-8 and NUL bytes are separators. This function can't fail. */
size_t norm_next(const char **p, const char *end, char *tok, size_t toksz);

/* Copies to out the first word of the n bytes of text that norm_next() folds to word, as
 * it was typed ("Decisión" for "decision"): what a dictionary, which knows accents and
 * capitals, is asked. Returns 0, or -1 when no word of text folds to word or it does not fit
 * in outsz bytes. */
int norm_typed(const char *text, size_t n, const char *word, char *out, size_t outsz);

/* Reduces a folded Spanish word to a light stem in place ("ciudades" -> "ciudad",
 * "jueces" -> "juez", "bloquearon" and "bloqueo" -> "bloque"); does nothing for LANG_EN,
 * whose stemming FTS5's porter tokenizer does. Applied alike to Spanish facts when they
 * are indexed and to words searched among them. This function can't fail. */
void norm_stem(char *word, enum lang lang);

/* The word lists as a hash table, where a word's kind is found at one look rather than
 * by searching five lists. Filled once (a struct kb holds one); it holds no pointer to
 * free. */
#define NORM_LEXICON_SLOTS 1024
struct norm_lexicon {
	struct norm_lexicon_slot {
		const char *word;   /* a word of the lists, NULL for an empty place */
		uint32_t hash;	    /* its hash */
		unsigned char kind; /* what the lists say of it (enum norm_kind) */
	} slot[NORM_LEXICON_SLOTS];
};

/* Fills lx from the word lists. This function can't fail. */
void norm_lexicon_init(struct norm_lexicon *lx);

/* Returns the enum norm_kind bits of a folded word. This function can't fail. */
unsigned norm_kind(const char *word);

/* Returns norm_kind(word), found in lx. This function can't fail. */
unsigned norm_lexicon_kind(const struct norm_lexicon *lx, const char *word);

/* Splits n bytes of text into out, each word with its kind. This function can't fail. */
void norm_tokenize(const char *text, size_t n, struct norm_tokens *out);

/* Does what norm_tokenize() does, finding the words' kinds in lx. */
void norm_tokenize_with(const struct norm_lexicon *lx, const char *text, size_t n,
			struct norm_tokens *out);

/* Scores how English and how Spanish the text looks, from accents, ¿ ¡, common words and
 * Spanish word endings. Returns LANG_ES or LANG_EN, or fallback when the text gives no
 * sign either way. *sure, when not NULL, is set to 1 when one language leads clearly. */
enum lang norm_detect_lang(const char *text, size_t n, const struct norm_tokens *t,
			   enum lang fallback, int *sure);

/* Returns 1 when the folded word carries no meaning for search in that language ("the",
 * "what", "el", "que"), else 0. Question words (who, when, quien, cuando) are not
 * stopwords: they tell "who decided" from "when was it decided". */
int norm_is_stopword(const char *word, enum lang lang);

/* Returns 1 when word is one letter away from a stopword of lang ("teh", "wat"): an
 * unknown short word like that is likely a slip, not a subject ("nyc" is no slip). */
int norm_near_stopword(const char *word, enum lang lang);

/* Returns 1 for a folded question word (who, when, why, quien, cuando, porque). */
int norm_is_question_word(const char *word);

/* Returns 1 when word i of t is a stopword of lang: norm_is_stopword() of its text, read
 * from its kind. */
static inline int
norm_token_is_stopword(const struct norm_tokens *t, int i, enum lang lang)
{
	return (t->tok[i].kind & (lang == LANG_ES ? NORM_STOP_ES : NORM_STOP_EN)) != 0;
}

/* Returns 1 when word i of t counts in a search, for a question in lang: it is not a
 * stopword, and if it is a question word it opens the question (the first word that is
 * not a stopword): in "how old was the judge when he ruled", "when" is no question word.
 * This function can't fail. */
int norm_counts(const struct norm_tokens *t, int i, enum lang lang);

/* Returns a bit for each letter in word (other bytes share six more bits): an edit
 * changes at most two bits, so words whose letters differ in more than 2n bits are more
 * than n edits apart, which is cheaper to see than the distance itself. */
uint32_t norm_letters(const char *word);

/* For tests: returns how many words of the lists lx gives another kind than
 * norm_kind() does (0 when it agrees on all). */
int norm_lexicon_check(const struct norm_lexicon *lx);

/* For tests: returns 1 when the built-in word lists are sorted and free of duplicates. */
int norm_lists_sorted(void);

#endif
