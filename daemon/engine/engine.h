/* SPDX-License-Identifier: MIT */
/*
 * engine.h -- the answering engine, the whole of its API: open a knowledge base, ask it a
 * question, get back the best sourced fact or an honest "I don't know" with suggestions.
 * rulingd, the knowledge-base compiler, the evaluation, the benchmarks and the fuzzers all
 * come through here. Nothing in the engine knows which court case a knowledge base is
 * about: every word it says about one comes from the knowledge base.
 *
 *   1. Languages and words   how text is cut into words (the compiler indexes with these)
 *   2. The knowledge base file, described once: schema, tables, numbering, tokenizer
 *   3. Opening a knowledge base
 *   4. Options
 *   5. Answers
 *   6. Diagnostics           --explain, the answer model's features, a naive baseline
 *
 * The engine keeps no global state but the spelling dictionaries, loaded once per process
 * and safe from any thread. A struct kb is used by one thread at a time.
 */
#ifndef RULINGBOT_ENGINE_H
#define RULINGBOT_ENGINE_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

/* ---- 1. Languages and words ---- */

/* The languages the bot answers in. */
enum lang {
	LANG_EN = 0,
	LANG_ES = 1,
	LANG_COUNT /* how many there are */
};

/* Returns "en" or "es". This function can't fail. */
const char *lang_code(enum lang lang);

/* Parses "en" or "es" into *out. Returns 0, or -1 for anything else (NULL included). */
int lang_parse(const char *code, enum lang *out);

/* Appends the normalised text, its words folded (case, accents: "Decisión" -> "decision",
 * "U.S.C." -> "usc") and joined by single spaces, to b. Returns 0, or -1 when out of
 * memory. */
int norm_text(const char *text, size_t n, struct buf *b);

/* As norm_text, each word also stemmed the engine's way for lang (Spanish plurals and
 * verb endings; English is left to the index's porter stemmer). How fact texts are
 * indexed. */
int norm_text_lang(const char *text, size_t n, enum lang lang, struct buf *b);

/* Appends what a question is about to b, as the engine reads a reader's question: its
 * words without those that carry no meaning in lang, stemmed for lang ("Who was the
 * judge?" -> "who judge"). How a fact's own questions are indexed. Returns 0, or -1 when
 * out of memory. */
int norm_question_words(const char *question, size_t n, enum lang lang, struct buf *b);

/* ---- 2. The knowledge base file ----
 *
 * rulingkb writes one SQLite database; kb_open() reads all of it into memory and closes
 * it, so nothing that later happens to the file reaches the engine. A file of another
 * schema version is refused ("rebuild it"). The tables (KB_SCHEMA_SQL creates them):
 *
 *   meta(key, value)     schema (KB_SCHEMA_VERSION), kb_version (a hash of the sources),
 *                        built, facts, facts_en, facts_es, sources, reviewed,
 *                        reviewed_oldest, languages, max_links
 *   sources              every source: id, title, publisher, date, url, citation, kind
 *   facts                num, id, lang, topic, answer, question (its first), as_of,
 *                        status, superseded_by, translation_of, reviewed, links (how many
 *                        facts point to it by related or superseded_by)
 *   questions            every question of a fact, as written: (fact, ord, text)
 *   fact_sources         (fact, ord, source, pinpoint, quote)
 *   fact_related         (fact, ord, related fact id)
 *   synonyms             (form, grp): folded forms of up to KB_SYNONYM_WORDS words; the
 *                        forms of a group mean the same
 *   misspellings         (word, fix): folded, as people type it and as the facts write it
 *   entities             (form, id, kind): the names the knowledge base knows (courts,
 *                        judges and other people, cities, states, agencies, cases, laws),
 *                        each form folded as norm_text() folds it, of up to
 *                        KB_ENTITY_WORDS words, naming one entity (id) of one kind
 *   starters             (lang, ord, fact): questions offered when nothing else fits
 *   replies              (id, lang, text): what the bot says without a fact (greeting,
 *                        help, the decline) in each language
 *   fact_index           FTS5 (questions, keywords, answer), rowid = num, tokenizer
 *                        KB_TOKENIZER. questions: the norm_question_words() of each of the
 *                        fact's questions, in order, one after another; keywords and
 *                        answer: their norm_text_lang(). Column weights KB_WEIGHT_*.
 *   question_index       FTS5 (words), one row per question with words: rowid = num *
 *                        KB_QUESTION_ROWS + ord, the same words as its stretch of
 *                        fact_index.questions, so a fact's rows cut that column in order
 *   fact_terms           fts5vocab(fact_index, 'instance'): every term at every place, the
 *                        postings the engine loads
 *   question_terms       fts5vocab(question_index, 'instance')
 *   fact_sizes           (num, col, size): each column's length in terms (col 0 questions,
 *                        1 keywords, 2 answer), and question_sizes (row, size) each
 *                        question row's: written by KB_SIZES_SQL from the two vocab tables
 *                        once FTS5's index is complete (FTS5's API gives no column sizes
 *                        in a scan of a whole table); a column missing has no terms
 *   word_index, word_vocab  the facts' words unstemmed (FTS5 contentless, no porter) and
 *                        how many facts use each: the vocabulary typos are corrected to
 *
 * Facts are numbered 1..N a language at a time (English, then Spanish), so the facts of a
 * language are a range of numbers.
 */

#define KB_SCHEMA_VERSION "6"

/* A fact has at most this many questions: question rows are num * this + ord. */
#define KB_QUESTION_ROWS 256

/* The most words in one synonym form ("department of homeland security"). */
#define KB_SYNONYM_WORDS 4

/* The most words in one entity form ("united states court of appeals"), and the most
 * entities a knowledge base may name. */
#define KB_ENTITY_WORDS 6
#define KB_ENTITIES_MAX 256

/* The FTS5 tokenizer of fact_index and question_index: porter stemming over unicode61
 * with accents folded; '.' is part of a word, since the only dots left in normalised
 * text are inside numbers (2.3). KB_TOKENIZER_ARGS is the same, as FTS5's C API takes
 * it. */
#define KB_TOKENIZER	  "porter unicode61 remove_diacritics 2 tokenchars '.'"
#define KB_TOKENIZER_ARGS "porter", "unicode61", "remove_diacritics", "2", "tokenchars", "."

/* bm25 column weights of fact_index: a fact's questions say most about what it answers,
 * its keywords less, its answer text least. */
#define KB_WEIGHT_QUESTIONS 4.0
#define KB_WEIGHT_KEYWORDS  2.0
#define KB_WEIGHT_ANSWER    1.0
#define KB_RANK		    "bm25(4.0, 2.0, 1.0)" /* the same, as fact_index's rank */

#define KB_SCHEMA_SQL                                                                              \
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"              \
	"CREATE TABLE sources(id TEXT PRIMARY KEY, title TEXT NOT NULL, publisher TEXT NOT NULL,"  \
	" date TEXT NOT NULL, url TEXT, citation TEXT, kind TEXT NOT NULL) WITHOUT ROWID;"         \
	"CREATE TABLE facts(num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, lang TEXT NOT NULL," \
	" topic TEXT NOT NULL, answer TEXT NOT NULL, question TEXT NOT NULL,"                      \
	" as_of TEXT NOT NULL, status TEXT NOT NULL, superseded_by TEXT, translation_of TEXT,"     \
	" reviewed TEXT NOT NULL, links INTEGER NOT NULL);"                                        \
	"CREATE TABLE questions(fact INTEGER NOT NULL, ord INTEGER NOT NULL, text TEXT NOT NULL,"  \
	" PRIMARY KEY(fact, ord)) WITHOUT ROWID;"                                                  \
	"CREATE TABLE fact_sources(fact INTEGER NOT NULL, ord INTEGER NOT NULL,"                   \
	" source TEXT NOT NULL, pinpoint TEXT, quote TEXT, PRIMARY KEY(fact, ord)) WITHOUT ROWID;" \
	"CREATE TABLE fact_related(fact INTEGER NOT NULL, ord INTEGER NOT NULL,"                   \
	" related TEXT NOT NULL, PRIMARY KEY(fact, ord)) WITHOUT ROWID;"                           \
	"CREATE TABLE synonyms(form TEXT NOT NULL, grp INTEGER NOT NULL,"                          \
	" PRIMARY KEY(form, grp)) WITHOUT ROWID;"                                                  \
	"CREATE TABLE misspellings(word TEXT PRIMARY KEY, fix TEXT NOT NULL) WITHOUT ROWID;"       \
	"CREATE TABLE entities(form TEXT PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL)"       \
	" WITHOUT ROWID;"                                                                          \
	"CREATE TABLE starters(lang TEXT NOT NULL, ord INTEGER NOT NULL, fact TEXT NOT NULL,"      \
	" PRIMARY KEY(lang, ord)) WITHOUT ROWID;"                                                  \
	"CREATE TABLE replies(id TEXT NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL,"           \
	" PRIMARY KEY(id, lang)) WITHOUT ROWID;"                                                   \
	"CREATE VIRTUAL TABLE fact_index USING fts5(questions, keywords, answer,"                  \
	" tokenize=\"" KB_TOKENIZER "\");"                                                         \
	"INSERT INTO fact_index(fact_index, rank) VALUES('rank', '" KB_RANK "');"                  \
	"CREATE VIRTUAL TABLE question_index USING fts5(words, tokenize=\"" KB_TOKENIZER "\");"    \
	"CREATE VIRTUAL TABLE fact_terms USING fts5vocab(fact_index, 'instance');"                 \
	"CREATE VIRTUAL TABLE question_terms USING fts5vocab(question_index, 'instance');"         \
	"CREATE TABLE fact_sizes(num INTEGER NOT NULL, col INTEGER NOT NULL, size INTEGER NOT "    \
	"NULL,"                                                                                    \
	" PRIMARY KEY(num, col)) WITHOUT ROWID;"                                                   \
	"CREATE TABLE question_sizes(row INTEGER PRIMARY KEY, size INTEGER NOT NULL);"             \
	"CREATE VIRTUAL TABLE word_index USING fts5(words, content='', detail=none,"               \
	" tokenize=\"unicode61 remove_diacritics 2 tokenchars '.'\");"                             \
	"CREATE VIRTUAL TABLE word_vocab USING fts5vocab(word_index, 'row');"

/* Fills fact_sizes and question_sizes from the finished FTS5 index: every place holds a
 * term, so a column's last place, plus one, is its length. */
#define KB_SIZES_SQL                                                                               \
	"INSERT INTO fact_sizes SELECT doc, CASE col WHEN 'questions' THEN 0"                      \
	" WHEN 'keywords' THEN 1 ELSE 2 END, max(offset) + 1 FROM fact_terms GROUP BY doc, col;"   \
	"INSERT INTO question_sizes SELECT doc, max(offset) + 1 FROM question_terms GROUP BY doc;"

/* ---- 3. Opening a knowledge base ---- */

struct kb;

/* Reads the knowledge base at path into memory, checks it, and closes the file. Returns 0
 * and sets *out, or -1 with the reason in err. Free with kb_close(). */
int kb_open(const char *path, struct kb **out, char *err, size_t errlen);

/* Frees kb; accepts NULL. This function can't fail. */
void kb_close(struct kb *kb);

/* Returns a value of the meta table ("kb_version", "built", "facts", "facts_en",
 * "facts_es", "sources", "reviewed"), or NULL. The string lives as long as kb. */
const char *kb_meta(const struct kb *kb, const char *key);

/* Returns the number of facts. This function can't fail. */
long kb_fact_count(const struct kb *kb);

/* Returns the bytes kb holds in memory. This function can't fail. */
size_t kb_bytes(const struct kb *kb);

/* A source. Absent fields are NULL. */
struct kb_cite {
	const char *id;	       /* source id */
	const char *title;     /* title */
	const char *publisher; /* publisher or court */
	const char *date;      /* YYYY-MM-DD, YYYY-MM, YYYY, or NULL when undated */
	const char *url;       /* http(s) address */
	const char *citation;  /* reporter citation */
	const char *kind;      /* ruling, news, ... */
	const char *pinpoint;  /* where in the source (as a fact cites it) */
	const char *quote;     /* exact words from it (as a fact cites it) */
};

/* Calls fn with every source, by date then id, until fn returns non-zero. Returns 0 or
 * fn's non-zero value. */
int kb_each_source(const struct kb *kb, int (*fn)(void *ctx, const struct kb_cite *src), void *ctx);

/* Returns the id of fact num, or NULL. */
const char *kb_fact_id(const struct kb *kb, long num);

/* Returns the language of the fact with this id, or -1 when there is none. */
int kb_fact_lang(const struct kb *kb, const char *id);

/* The fixed replies: what the bot says without a fact (to "hello", to "help", before the
 * questions it suggests when it has no answer) and the lines rulingd opens /help and
 * --prompt with. Every word of them is the knowledge base's (kb/replies.json, the replies
 * table), so that the programs name no case. This list is the one place that says which
 * replies there are; rulingkb refuses a knowledge base without each in every language. */
enum reply {
	REPLY_GREETING = 0, /* "hello" */
	REPLY_THANKS,	    /* "thanks" */
	REPLY_GOODBYE,	    /* "bye" */
	REPLY_HELP,	    /* "help", "what can you do" */
	REPLY_ABOUT,	    /* "who are you" */
	REPLY_NOT_A_WRITER, /* "write me a poem" */
	REPLY_LEGAL_ADVICE, /* asking for legal advice, or about the reader's own case */
	REPLY_DECLINE,	    /* no answer: said before the questions it suggests */
	REPLY_HELP_COMMAND, /* the first line of rulingd's /help command */
	REPLY_PROMPT,	    /* the line rulingd --prompt opens with on a terminal */
	REPLY_CLARIFY,	    /* no answer, but close ones: said before the questions it suggests */
	REPLY_COUNT	    /* how many there are */
};

/* Returns the id reply r is stored under in the knowledge base ("_greeting"; each starts
 * with '_', which no fact id does), or NULL when r is not a reply. This function can't
 * fail. */
const char *kb_reply_id(enum reply r);

/* Returns the text of reply r in lang, or NULL when kb has none (a knowledge base rulingkb
 * did not build). The string lives as long as kb. */
const char *kb_reply_text(const struct kb *kb, enum reply r, enum lang lang);

/* ---- 4. Options ---- */

/* The answer model's inputs (docs/engine.md). */
#define MATCH_FEATURES 18

/* How the engine weighs what it finds: the model, its thresholds, and the constants that
 * shape a question's terms. match_options_set() sets them by name. */
struct match_tuning {
	double answer;		       /* probability needed to answer */
	double suggest;		       /* probability needed to be offered as a suggestion */
	double bias;		       /* the model's intercept */
	double weight[MATCH_FEATURES]; /* the model's weights, by feature */
	double trust_prefix;	       /* a word read as the start of longer words */
	double trust_corrected;	       /* a word read as a typo of another */
	double question_word;	       /* who, when, why: they steer, they don't decide */
	double unknown;		       /* a word no fact uses, times the highest idf */
	double unknown_short;	       /* the same for a short word */
	double idf_power;	       /* term weight = idf^this */
	double credit_answer;	       /* a term found only in a fact's answer text */
	double credit_keywords;	       /* a term found in a fact's keywords, not its questions */
};

/* Debian's hunspell dictionaries (hunspell-en-us, hunspell-es), as match_options takes
 * them: the path of the .aff and .dic files without the suffix. */
#define MATCH_DICTIONARY_EN "/usr/share/hunspell/en_US"
#define MATCH_DICTIONARY_ES "/usr/share/hunspell/es_ES"

/* Everything about how one question is answered. */
struct match_options {
	struct match_tuning tune; /* the model and its thresholds */
	double deadline_ms;	  /* most time one question may search, 0 for no limit */
	/* The spelling dictionary of each language, by enum lang: a word one of them knows is
	 * a real word, never corrected into another (docs/engine.md, "Terms"). NULL for none;
	 * without any, or when one cannot be read (said once in the log), words are corrected
	 * by edit distance alone. Loaded when first needed, once per process. */
	const char *dictionary[LANG_COUNT];
	FILE *trace; /* where the engine explains its work, or NULL */
	/* For fitting the model: called with every candidate's features, and every question
	 * is searched in both languages; NULL for neither. */
	void (*features)(void *ctx, long fact, const double *f, int n);
	void *features_ctx; /* passed to features */
};

/* Sets o to the fitted model, Debian's dictionaries, and no deadline, trace or features.
 * This function can't fail. */
void match_options_init(struct match_options *o);

/* Sets the tuning value called name ("answer", "idf_power", model weights as
 * "w_<feature>"). Returns 0, or -1 when there is no such value. */
int match_options_set(struct match_options *o, const char *name, double value);

/* Returns the name of feature i, or NULL past the last. */
const char *match_feature_name(int i);

/* ---- 5. Answers ---- */

#define ANSWER_SOURCES_MAX 8 /* sources shown with one answer */
#define ANSWER_LINKS_MAX   3 /* related questions, or suggestions */

enum answer_type {
	ANSWER_FACT = 0, /* a fact from the knowledge base */
	ANSWER_CHAT,	 /* a fixed reply: greeting, help, legal-advice notice */
	ANSWER_NONE,	 /* not confident enough: suggestions instead */
};

/* A source of an answer. Absent fields are NULL. */
struct answer_source {
	const char *id;	       /* source id */
	const char *title;     /* title */
	const char *publisher; /* publisher or court */
	const char *date;      /* YYYY-MM-DD, YYYY-MM or YYYY; NULL when undated */
	const char *url;       /* http(s) address */
	const char *citation;  /* reporter citation */
	const char *pinpoint;  /* where in the source */
	const char *quote;     /* exact words from it */
};

/* A question the reader may ask next, and the fact it leads to. */
struct answer_link {
	const char *fact;     /* fact id */
	const char *question; /* the fact's first question */
};

/* What the engine says. Every string belongs to arena; free with answer_free(). */
struct answer {
	enum answer_type type; /* fact, chat or none */
	const char *text;      /* the reply, notes included */
	const char *fact;      /* fact or reply id; NULL for none */
	double score;	       /* confidence in [0, 1] */
	enum lang lang;	       /* language of text */
	enum lang wanted;      /* the reader's language: the hint, else the question's */
	const char *status;    /* fact's status, or NULL */
	const char *as_of;     /* date the fact describes, or NULL */
	struct answer_source sources[ANSWER_SOURCES_MAX]; /* the fact's sources */
	int nsources;					  /* entries in sources */
	struct answer_link related[ANSWER_LINKS_MAX];	  /* questions to ask next */
	int nrelated;					  /* entries in related */
	struct answer_link suggestions[ANSWER_LINKS_MAX]; /* for ANSWER_NONE: what it knows */
	int nsuggestions;				  /* entries in suggestions */
	int asked_back; /* 1: the suggestions came close ("did you mean"), 0: starters */
	struct answer_link superseded_by; /* later fact, .fact NULL if none */
	int other_language;		  /* 1: text is not in the asked language */
	struct arena arena;		  /* owns every string above */
};

/* Answers the question (len bytes of UTF-8, any case or punctuation, possibly malformed)
 * with the options o (NULL: match_options_init()'s). lang_hint ("en", "es" or NULL) is
 * the language the reader wants the answer in; NULL means the question's own language.
 * Fills *out, which the caller frees with answer_free() whatever this returns. Returns 0,
 * or -1 with the reason in err (out of memory, a search past the deadline). */
int match_question(struct kb *kb, const struct match_options *o, const char *text, size_t len,
		   const char *lang_hint, struct answer *out, char *err, size_t errlen);

/* Frees what an answer holds and clears it; accepts a cleared answer. This function
 * can't fail. */
void answer_free(struct answer *a);

/* Asks kb each language's first starter question, which must be answered with that very
 * fact: how a server knows that what it loaded can answer. Returns 0, or -1 with what went
 * wrong in err. */
int match_self_test(struct kb *kb, char *err, size_t errlen);

/* ---- 6. Diagnostics ---- */

/* The naive baseline the evaluation compares the engine with: plain bm25 over the facts'
 * answer text, the question's words as they come, OR-ed. Returns the id of the best fact,
 * or NULL when no fact has one of the words. */
const char *kb_baseline(struct kb *kb, const char *question);

#endif
