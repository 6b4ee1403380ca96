/* SPDX-License-Identifier: MIT */
/*
 * kbstore.h -- struct kb, the knowledge base in memory: shared by kbload.c, which fills
 * it from the file, and kb.c, which answers from it. Nothing else sees inside.
 */
#ifndef RULINGBOT_KBSTORE_H
#define RULINGBOT_KBSTORE_H

#include <stdint.h>

#include "index.h"
#include "intent.h"
#include "names.h"
#include "kb.h"
#include "norm.h"
#include "tokens.h"

/* A key of the meta table. */
struct kb_meta_entry {
	const char *key;   /* e.g. "kb_version" */
	const char *value; /* its value */
};

/* A fact. Strings live in the kb's arena. */
struct kb_fact_rec {
	const char *id, *answer, *question, *as_of, *status, *superseded_by, *translation_of,
		*reviewed;
	enum lang lang;		    /* its language */
	long links;		    /* facts pointing to it */
	long other;		    /* its version in the other language, or -1 */
	uint32_t cite, ncites;	    /* its sources: cites[cite..cite+ncites) */
	uint32_t related, nrelated; /* its links: related[related..related+nrelated) */
	uint16_t questions;	    /* its own questions, while they are counted */
	uint16_t asking[INTENTS];   /* how many of them ask for each intent (intent.h) */
	struct name_set names;	    /* the entities its questions and answer name */
};

/* A fact's citation of a source. */
struct kb_cite_rec {
	uint32_t source;      /* index in sources */
	const char *pinpoint; /* where in the source, or NULL */
	const char *quote;    /* the words quoted, or NULL */
};

/* An id and what it names, for lookups by id. */
struct kb_id {
	const char *id; /* the id */
	long num;	/* a fact number, or an index */
};

/* A misspelling and its fix. */
struct kb_fix {
	const char *word; /* as people type it */
	const char *fix;  /* as the facts write it */
};

/* Bits in the filters of the synonym forms, of their first words and of the
 * misspellings: most words of a question start no form and are no known misspelling,
 * and one look at a bit says so. */
#define KB_FILTER_BITS (64 * 64)

/* word_nterms of a word the tokenizer failed on when the KB was opened. */
#define KB_WORD_UNREAD 255

/* A place in the vocabulary's hash table. */
struct kb_vocab_slot {
	uint32_t hash; /* the word's hash */
	uint32_t word; /* its index in vocab + 1; 0 for an empty place */
};

/* A phrase read when the KB was opened: a synonym form's words stemmed for a language,
 * which the vocabulary often does not hold and the tokenizer would read at each search. */
struct kb_known_phrase {
	const char *text;	/* its text; NULL for an empty place of the table */
	size_t len;		/* its length */
	uint32_t hash;		/* hash_word() of it */
	struct index_phrase ph; /* as read_phrase() reads it */
};

/* A fixed reply in one language. */
struct kb_reply {
	const char *id;	  /* reply id, e.g. "_greeting" */
	enum lang lang;	  /* its language */
	const char *text; /* what the bot says */
};

struct kb {
	struct arena strings;		   /* every string below */
	size_t bytes;			   /* memory held, the index's aside */
	struct kb_meta_entry *meta;	   /* the meta table */
	size_t nmeta;			   /* entries in meta */
	struct kb_fact_rec *facts;	   /* by number - 1 */
	long nfacts;			   /* facts */
	struct kb_id *fact_ids;		   /* fact numbers, sorted by id */
	struct kb_cite *sources;	   /* every source, by date then id */
	size_t nsources;		   /* entries in sources */
	struct kb_id *source_ids;	   /* indexes into sources, sorted by id */
	struct kb_cite_rec *cites;	   /* every fact's sources, fact after fact */
	size_t ncites;			   /* entries in cites */
	const char **related;		   /* every fact's related ids, fact after fact */
	size_t nrelated;		   /* entries in related */
	long *related_num;		   /* the fact each names, -1 for none */
	const char **starters[LANG_COUNT]; /* starter fact ids by language */
	size_t nstarters[LANG_COUNT];	   /* entries in each */
	long *starter_num[LANG_COUNT];	   /* the fact each names, -1 for none */
	struct kb_reply *replies;	   /* the fixed replies, sorted by id then language */
	size_t nreplies;		   /* entries in replies */
	struct kb_word *vocab;		   /* sorted vocabulary */
	size_t nvocab;			   /* words in vocab */
	struct kb_vocab_slot *vocab_slots; /* vocab by word: an open-addressed hash table */
	size_t vocab_mask;		   /* its size - 1 (a power of two) */
	size_t vocab_from[256];		   /* the first word >= each one-byte string */
	uint32_t *vocab_by_len;		   /* vocab indexes by first byte, length, order */
	uint32_t *word_terms;		   /* each word's term ids as the tokenizer cuts it */
	uint32_t *word_term_at;		   /* where word i's terms start in it */
	unsigned char *word_nterms;	   /* how many (KB_WORD_UNREAD: not known) */
	size_t nword_terms;		   /* entries of word_terms in use */
	struct kb_synonym *syn;		   /* sorted synonym forms */
	size_t nsyn;			   /* forms in syn */
	struct kb_known_phrase *known;	   /* the forms read, an open-addressed table */
	size_t known_mask;		   /* its size - 1 (a power of two) */
	uint64_t syn_first[64];		   /* the forms' first words, a bit each by hash */
	uint64_t syn_forms[64];		   /* the forms, a bit each by hash */
	struct kb_fix *fixes;		   /* sorted misspellings */
	size_t nfixes;			   /* entries in fixes */
	uint64_t fix_words[64];		   /* the misspellings, a bit each by hash */
	long first[LANG_COUNT];		   /* a language's facts are numbered first..last */
	long last[LANG_COUNT];		   /* (empty when last < first) */
	long max_links;			   /* the most facts pointing to any one fact */
	struct index *index;		   /* the full-text index */
	struct tokens *tokens;		   /* FTS5's tokenizer, for reading search phrases */
	struct norm_lexicon lexicon;	   /* the word lists, for reading questions */
	struct name_table names;	   /* the entities and their forms */
};

/* Fills kb (zeroed, its arena initialised) from the database at path. Returns 0, or -1
 * with the reason in err; kb_close() frees what was filled either way. */
int kbload_read(struct kb *kb, const char *path, char *err, size_t errlen);

#endif
