/* SPDX-License-Identifier: MIT */
/*
 * kb.h -- the knowledge base in memory, as the engine's other parts read it: the facts,
 * their sources and links, the vocabulary and synonyms questions are read against, and
 * the search over the index. kb_open() and the rest of the public part are in engine.h.
 */
#ifndef RULINGBOT_KB_H
#define RULINGBOT_KB_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "names.h"
#include "index.h"
#include "norm.h"
#include "query.h"

/* Where a search phrase was found in a fact: the best of its columns. */
enum kb_column {
	KB_COL_NONE = 0,
	KB_COL_ANSWER = 1,
	KB_COL_KEYWORDS = 2,
	KB_COL_QUESTIONS = 3,
};

/* One search result. */
struct kb_hit {
	long fact;		 /* the fact's number */
	double score;		 /* bm25: higher is better */
	unsigned long long cols; /* enum kb_column of phrase i in bits 2i and 2i+1 */
	double centrality;	 /* facts pointing to it, as a share of the most any has */
};

/* One of a fact's own questions that a search matched. */
struct kb_question_hit {
	long fact;	  /* the fact it belongs to */
	uint32_t of;	  /* bit i: the fact is facts[i] of the search's hits */
	uint32_t phrases; /* bit i: phrase i of the search is in the question */
	double cover;	  /* share of the question's words the search covered, [0, 1] */
};

/* The most candidate facts kb_search_questions() looks among. */
#define KB_QUESTION_FACTS 24

/* A fact, as stored. Strings belong to the arena given to kb_fact(). */
struct kb_fact {
	long num;		    /* its number */
	const char *id;		    /* its id */
	const char *lang;	    /* "en" or "es" */
	const char *answer;	    /* the answer text */
	const char *question;	    /* its first question */
	const char *as_of;	    /* the date it describes */
	const char *status;	    /* current, superseded, partly-superseded */
	const char *superseded_by;  /* id of the later fact, or NULL */
	const char *translation_of; /* id of the fact it translates, or NULL */
	const char *reviewed;	    /* date last checked */
};

/* A word of the KB's vocabulary and the number of facts that use it. */
struct kb_word {
	const char *word; /* folded word */
	size_t len;	  /* its length in bytes */
	uint32_t letters; /* norm_letters() of it */
	uint32_t twice;	  /* kb_letters_twice() of it */
	long docs;	  /* facts containing it */
};

/* A synonym form: words (joined by spaces) that mean the same as the rest of its group. */
struct kb_synonym {
	const char *form;		 /* folded words */
	int group;			 /* group number */
	int words;			 /* words in form */
	const char *stemmed[LANG_COUNT]; /* its words stemmed for each language */
	long docs[LANG_COUNT];		 /* the fewest facts one of those is in */
	long group_docs[LANG_COUNT];	 /* the most docs of any form of its group */
	size_t group_first;		 /* the group's first form, in the sorted forms */
	size_t group_next;		 /* the group's next form after this one, or 0 */
};

/* Reads the phrases of q into an index query: each phrase's text cut by FTS5's tokenizer,
 * each token looked up among the index's terms (a prefix: the terms it starts). Returns
 * 0, or -1 when the tokenizer failed. */
int kb_prepare(struct kb *kb, const struct query *q, struct index_query *out);

/* Searches the facts of one language for q, best first, up to max, giving up at
 * deadline_ns (mono_ns(), 0 for never). Returns the number of hits, or -1 with the
 * reason in err. */
int kb_search(struct kb *kb, const struct index_query *q, enum lang lang, struct kb_hit *hits,
	      int max, long long deadline_ns, char *err, size_t errlen);

/* Matches q against the questions of the facts of the hits kb_search() found (up to
 * KB_QUESTION_FACTS): fills up to max hits, one per question holding a phrase of q, by
 * fact number and then question order. Returns the number of hits. This function can't
 * fail. */
int kb_search_questions(struct kb *kb, const struct index_query *q, const struct kb_hit *facts,
			int nfacts, struct kb_question_hit *hits, int max);

/* Loads fact num into *out, copying strings into a. Returns 0, or -1 when there is no
 * such fact or memory ran out. */
int kb_fact(struct kb *kb, long num, struct arena *a, struct kb_fact *out);

/* Returns the number of the fact with this id, or -1. */
long kb_fact_num(const struct kb *kb, const char *id);

/* Returns the number of fact num's version in lang: num itself when it is in lang, else
 * the fact it translates or the first that translates it; -1 when there is none. */
long kb_fact_in_lang(const struct kb *kb, long num, enum lang lang);

/* Returns the share of fact num's own questions that ask for one of the intents (bit i:
 * enum intent i of intent.h): what kind of answer the fact gives. 0 for no intents. */
double kb_fact_asked(const struct kb *kb, long num, unsigned intents);

/* Returns the entities fact num's questions and answer name (names.h); an empty set for
 * a number out of range. */
const struct name_set *kb_fact_names(const struct kb *kb, long num);

/* Adds to out the entities that the folded words[0..n) name. */
void kb_find_names(const struct kb *kb, const char *const *words, int n, struct name_set *out);

/* Returns entity i's id and kind ("judge", "city", ...); "?" for no such entity. */
const char *kb_entity_id(const struct kb *kb, int i);
const char *kb_entity_kind(const struct kb *kb, int i);

/* Loads up to max sources of fact num into out, in the fact's order, copying strings into
 * a. Returns how many, or -1 when memory ran out. */
int kb_fact_cites(struct kb *kb, long num, struct arena *a, struct kb_cite *out, int max);

/* Copies fact num's id and first question into a: what a link to it shows. Returns 0,
 * or -1 when there is no such fact or memory ran out. */
int kb_fact_link(struct kb *kb, long num, struct arena *a, const char **id, const char **question);

/* Gives up to max of fact num's related facts, by number (-1: a link to no fact).
 * Returns how many. This function can't fail. */
int kb_fact_related(const struct kb *kb, long num, long *nums, int max);

/* Loads up to max starter fact ids for lang. Returns how many. */
int kb_starters(struct kb *kb, enum lang lang, struct arena *a, const char **ids, int max);

/* Gives up to max of the starter facts for lang, by number (-1: a starter that is no
 * fact). Returns how many. This function can't fail. */
int kb_starter_nums(const struct kb *kb, enum lang lang, long *nums, int max);

/* Returns the text of the fixed reply id in lang (see the replies table), or NULL. */
const char *kb_reply(const struct kb *kb, const char *id, enum lang lang);

/* Returns the vocabulary, sorted by word; *n gets its length. This function can't fail. */
const struct kb_word *kb_vocab(const struct kb *kb, size_t *n);

/* Returns the index in kb_vocab() of the first word that sorts at or after the string
 * of byte c alone (the first word starting with c, if any). This function can't fail. */
size_t kb_vocab_from(const struct kb *kb, unsigned char c);

/* Returns the vocabulary's words that start with byte c, as indexes in kb_vocab(), by
 * length and then in the vocabulary's order; *n gets their count. This function can't
 * fail. */
const uint32_t *kb_vocab_by_length(const struct kb *kb, unsigned char c, size_t *n);

/* Returns a bit for each letter word has twice or more, numbered as norm_letters() does
 * (other bytes share six more bits): with the letters it has, an edit changes at most two
 * bits, one with the length. This function can't fail. */
uint32_t kb_letters_twice(const char *word);

/* Returns the fewest facts any word of the normalised text uses (0 when a word is in
 * none): an upper bound on the facts holding the whole phrase. */
long kb_phrase_docs(const struct kb *kb, const char *text);

/* Returns the number of facts using word, 0 when none. This function can't fail. */
long kb_word_docs(const struct kb *kb, const char *word);

/* For tests: returns how many of the vocabulary's words, of some phrases of them, and of
 * the synonym forms read when the KB was opened, are not found or read otherwise from
 * what was kept than by the tokenizer (0 when all agree). */
int kb_vocab_check(struct kb *kb);

/* Returns the word lists' table, for norm_tokenize_with(). This function can't fail. */
const struct norm_lexicon *kb_lexicon(const struct kb *kb);

/* Returns 0 when no synonym form starts with word (1: one may). This function can't
 * fail. */
int kb_may_start_synonym(const struct kb *kb, const char *word);

/* Returns 0 when no synonym form is form (1: one may be). This function can't fail. */
int kb_may_be_synonym(const struct kb *kb, const char *form);

/* Returns the synonym forms, sorted by form; *n gets their count. This function can't
 * fail. */
const struct kb_synonym *kb_synonyms(const struct kb *kb, size_t *n);

/* Returns the word the facts use for this misspelling, or NULL. */
const char *kb_misspelling(const struct kb *kb, const char *word);

#endif
