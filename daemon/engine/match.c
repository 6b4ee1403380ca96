/* SPDX-License-Identifier: MIT */
/*
 * match.c -- question -> FTS5 query -> best fact, or "I don't know" with suggestions.
 *
 * A question is cut into words (norm.c); words that carry no meaning are dropped; the rest
 * become terms: a synonym group, a word the knowledge base uses, a prefix of such words, a
 * correction of a typo against the KB's vocabulary (never of a word a spelling dictionary
 * knows: spell.c), or, failing all that, an unknown word.
 * Each term weighs by how rare it is among the facts (idf). FTS5 ranks the facts by bm25,
 * questions weighing more than keywords and keywords more than answers, and a second FTS5
 * table finds each candidate's best-matching own question. What is known about a candidate
 * (how much of the question it covers and where, how close its own question comes, the
 * unknown words that count against every fact: enum feature) goes into a small logistic
 * model whose probability ranks the candidates and decides whether to answer. That is
 * how "what's the weather in Chicago?" is told from a question about the case; below the
 * threshold the engine declines and suggests.
 *
 * The model was fitted by tests/eval/fit.py on the fit split of tests/eval/ and its
 * thresholds chosen on the dev split (see docs/engine.md).
 */
#include "match.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intent.h"
#include "kb.h"
#include "names.h"
#include "norm.h"
#include "query.h"
#include "smalltalk.h"
#include "spell.h"
#include "util.h"

#define CANDIDATES    12  /* facts ranked per search (see docs/engine.md) */
#define QUESTION_ROWS 512 /* matched questions read per search */
#define SHORT_WORD    3	  /* longest word that may be a slip ("teh") */
#define PREFIX_MIN    4	  /* shortest word completed as a prefix */
#define CORRECT_MIN   5	  /* shortest word corrected as a typo (daca is no data) */
#define PHRASES_MAX   6	  /* two-word phrases of a question searched as such */
#define INTENT_RARE   0.1 /* share of a fact's questions below which it does not answer a kind */

/* What the engine knows about a candidate fact, the inputs of its answer model. */
enum feature {
	F_COVERAGE,	/* share of the question's weight the fact covers (column-credited) */
	F_Q_RECALL,	/* share of it covered by the fact's best-matching own question */
	F_Q_COVER,	/* share of that question's words the reader's words account for */
	F_Q_BOTH,	/* the two together (their product) */
	F_ANSWER_ONLY,	/* share of the question's weight found only in the fact's answer text */
	F_UNKNOWN,	/* share of the question's weight in words no fact uses */
	F_BM25,		/* bm25 relative to the best candidate's */
	F_CENTRALITY,	/* how many facts lead to this one, relative to the most */
	F_TERMS,	/* how many searchable terms the question has, log-scaled */
	F_RETRY,	/* 1 when a Spanish question is searched among the English facts */
	F_MISSING,	/* the heaviest term the fact lacks though other facts use it */
	F_UNKNOWN_MAX,	/* the heaviest term no fact uses */
	F_PHRASES,	/* share of the question's two-word phrases the fact has word for word */
	F_INTENT,	/* share of the fact's own questions asking what the question asks (who,
			 * when, why...; intent.h), 0 when it asks none of those */
	F_INTENT_MISS,	/* 1 when the question asks for a kind that (almost) none of them do */
	F_GUESSED,	/* 1 when searched in the other language as the question's was a guess */
	F_NAMES_MISS,	/* 1 when the question names an entity (names.h) the fact does not */
	F_NAMES_MISSED, /* the share of the question's entities the fact does not name */
	NFEATURES
};

static const char *const feature_names[] = {
	"coverage", "q_recall",	  "q_cover",	 "q_both",  "answer_only", "unknown",
	"bm25",	    "centrality", "terms",	 "retry",   "missing",	   "unknown_max",
	"phrases",  "intent",	  "intent_miss", "guessed", "names_miss",  "names_missed",
};

_Static_assert(NFEATURES == MATCH_FEATURES, "engine.h's MATCH_FEATURES counts enum feature");
_Static_assert(ARRAY_LEN(feature_names) == NFEATURES, "every feature has a name");

/* The engine's tuning. The model weights are fitted by tests/eval/fit.py on the fit split
 * of tests/eval/; the thresholds are chosen on the dev split (docs/engine.md): answer where
 * the most right answers with at most 1% confident wrong ones, suggest where the declined
 * questions offered their answer less those offered something unrelated are most. The
 * rest shape the terms. Named, so rulingeval --set can try others. */
static const struct match_tuning fitted = {
	.answer = 0.86,
	.suggest = 0.5,
	.bias = -3.197,
	.weight = { 1.010, 0.595, 1.539, 1.017, -0.126, -0.401, 1.571, 0.590, 0.605, 0.308, -0.254,
		    -0.078, 0.160, 0.338, -0.466, 0.330, -0.658, -0.457 },
	.trust_prefix = 0.9,
	.trust_corrected = 0.85,
	.question_word = 0.7,
	.unknown = 1.6,
	.unknown_short = 0.15,
	.idf_power = 0.6,
	.credit_answer = 0.4,
	.credit_keywords = 0.8,
};

/* The tuning values by name, as offsets into struct match_tuning. */
static const struct {
	const char *name;
	size_t offset;
} tunables[] = {
	{ "answer", offsetof(struct match_tuning, answer) },
	{ "suggest", offsetof(struct match_tuning, suggest) },
	{ "bias", offsetof(struct match_tuning, bias) },
	{ "trust_prefix", offsetof(struct match_tuning, trust_prefix) },
	{ "trust_corrected", offsetof(struct match_tuning, trust_corrected) },
	{ "question_word", offsetof(struct match_tuning, question_word) },
	{ "unknown", offsetof(struct match_tuning, unknown) },
	{ "unknown_short", offsetof(struct match_tuning, unknown_short) },
	{ "idf_power", offsetof(struct match_tuning, idf_power) },
	{ "credit_answer", offsetof(struct match_tuning, credit_answer) },
	{ "credit_keywords", offsetof(struct match_tuning, credit_keywords) },
};

/* How a word became a term, when not as itself: what --explain shows of its spelling. */
enum reading {
	READ_AS_IS,	/* a word or synonym of the facts, or an unknown word */
	READ_LISTED,	/* a misspelling an editor listed, read as its fix */
	READ_PREFIX,	/* the start of longer words */
	READ_CORRECTED, /* a typo, read as the closest word of the facts */
	READ_REAL_WORD, /* close to a word of the facts, but a real word: kept unknown */
};

/* One thing the question asks about. */
struct term {
	char word[NORM_TOKEN_MAX * KB_SYNONYM_WORDS]; /* the words read, folded */
	double weight;				      /* its share of the question's meaning */
	int qterm;		    /* its term in the FTS5 query, -1 when absent */
	enum reading read;	    /* how it was read */
	char typed[NORM_TOKEN_MAX]; /* the word typed, folded, when read is not READ_AS_IS */
	int dictionary;		    /* READ_REAL_WORD: the enum lang whose dictionary knew it */
};

/* The question's words stemmed, kept for a second look. */
struct stems {
	uint64_t known;				    /* bit i: word i is below */
	char word[NORM_TOKENS_MAX][NORM_TOKEN_MAX]; /* word i stemmed */
	long docs[NORM_TOKENS_MAX];		    /* the facts that use it */
};

/* A question turned into terms and a search. */
struct plan {
	const struct match_options *o;	    /* how to answer */
	long long deadline_ns;		    /* when searching must stop, 0 for never */
	struct term terms[NORM_TOKENS_MAX]; /* the terms, in the question's order */
	int nterms;			    /* entries in terms */
	struct query q;			    /* the search, as phrases */
	struct index_query iq;		    /* the same, as the index reads it */
	long nfacts;			    /* facts in the KB, for idf */
	unsigned intents;		    /* what the question asks for (intent.h) */
	struct name_set names;		    /* the entities it names (names.h) */
	int nnames;			    /* how many */
	enum lang lang;			    /* the facts searched: how words are stemmed */
	int phrase_qterm[PHRASES_MAX];	    /* query terms of the two-word phrases */
	int nphrases;			    /* entries in phrase_qterm */
	struct stems stems;		    /* the words plan_word() stemmed */
	const char *text;		    /* the question as typed, for the dictionaries */
	size_t len;			    /* its bytes */
	enum lang asked;		    /* the language it was read in */
	unsigned no_dictionary;		    /* bit lang: that dictionary could not be read */
};

/* Why a question is searched among the facts of a language other than its own. */
enum retry {
	RETRY_NONE,	    /* it is not: the question's own language */
	RETRY_UNTRANSLATED, /* a Spanish question, as not every fact is translated */
	RETRY_GUESS,	    /* the question's language was a guess */
};

/* A fact found by a search, with how well it matches the question. */
struct ranked {
	long fact;	     /* fact number */
	double f[NFEATURES]; /* what is known about it (enum feature) */
	double confidence;   /* the model's probability that it answers the question */
	int pos;	     /* position in FTS5's order, for stable sorting */
};

void
match_options_init(struct match_options *o)
{
	memset(o, 0, sizeof(*o));
	o->tune = fitted;
	o->dictionary[LANG_EN] = MATCH_DICTIONARY_EN;
	o->dictionary[LANG_ES] = MATCH_DICTIONARY_ES;
}

int
match_options_set(struct match_options *o, const char *name, double value)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(tunables); i++)
		if (strcmp(tunables[i].name, name) == 0) {
			*(double *)((char *)&o->tune + tunables[i].offset) = value;
			return 0;
		}
	for (i = 0; i < NFEATURES; i++)
		if (strncmp(name, "w_", 2) == 0 && strcmp(name + 2, feature_names[i]) == 0) {
			o->tune.weight[i] = value;
			return 0;
		}
	return -1;
}

const char *
match_feature_name(int i)
{
	return i >= 0 && i < NFEATURES ? feature_names[i] : NULL;
}

static void
trace_names(const struct kb *kb, const struct plan *p)
{
	FILE *trace = p->o->trace;
	int i;

	fprintf(trace, "names:");
	for (i = 0; i < KB_ENTITIES_MAX; i++)
		if (p->names.bits[i / 64] >> (i % 64) & 1)
			fprintf(trace, " %s (%s)", kb_entity_id(kb, i), kb_entity_kind(kb, i));
	fprintf(trace, "%s\n", p->nnames ? "" : " no entity the knowledge base lists");
}

/* Says which words were read as other words, and which were kept as they are because a
 * dictionary knows them. */
static void
trace_spelling(const struct plan *p)
{
	FILE *trace = p->o->trace;
	const struct term *t;
	int i, any = 0;
	enum lang l;

	fprintf(trace, "spelling:");
	for (i = 0; i < p->nterms; i++) {
		t = &p->terms[i];
		if (t->read == READ_AS_IS)
			continue;
		fputs(any++ ? "; " : " ", trace);
		if (t->read == READ_LISTED || t->read == READ_CORRECTED)
			fprintf(trace, "%s -> %s (%s)", t->typed, t->word,
				t->read == READ_LISTED ? "a listed misspelling" : "a typo");
		else if (t->read == READ_PREFIX)
			fprintf(trace, "%s -> %s* (the start of longer words)", t->typed, t->word);
		else
			fprintf(trace, "%s kept unknown (a real word: the %s dictionary knows it)",
				t->typed, lang_code(t->dictionary));
	}
	fputs(any ? "" : " nothing corrected", trace);
	for (l = LANG_EN; l < LANG_COUNT; l++)
		if (p->no_dictionary >> l & 1)
			fprintf(trace, "; no %s dictionary: typos found by edit distance alone",
				lang_code(l));
	fputc('\n', trace);
}

static void
trace_plan(const struct kb *kb, struct plan *p, enum lang lang)
{
	FILE *trace = p->o->trace;
	int i;

	fprintf(trace, "question read as %s; terms:", lang_code(lang));
	for (i = 0; i < p->nterms; i++)
		fprintf(trace, " %s(%.2f%s)", p->terms[i].word, p->terms[i].weight,
			p->terms[i].qterm < 0 ? ", unknown" : "");
	fprintf(trace, "\nasks for:");
	for (i = 0; i < INTENTS; i++)
		if (p->intents >> i & 1)
			fprintf(trace, " %s", intent_name(i));
	fprintf(trace, "%s\n", p->intents ? "" : " no particular kind");
	trace_spelling(p);
	trace_names(kb, p);
	fprintf(trace, "FTS5: %s\n", query_text(&p->q));
}

/* What the engine does with the candidate ranked rank with probability p. */
static const char *
verdict(const struct match_options *o, double p, int rank)
{
	if (p >= o->tune.answer)
		return rank == 0 ? "(answer)" : "(sure, but not first)";
	return p >= o->tune.suggest ? "(not sure: offered)" : "(refused)";
}

/* Names the two features that pull candidate c's probability down the most: why it was
 * not sure enough, when it was not. */
static void
trace_drags(const struct match_options *o, const struct ranked *c)
{
	double pull[2] = { 0, 0 }, d;
	int worst[2] = { -1, -1 }, k;

	for (k = 0; k < NFEATURES; k++) {
		if ((d = o->tune.weight[k] * c->f[k]) >= pull[1])
			continue;
		if (d < pull[0]) {
			pull[1] = pull[0], worst[1] = worst[0];
			pull[0] = d, worst[0] = k;
		} else {
			pull[1] = d, worst[1] = k;
		}
	}
	for (k = 0; k < 2 && worst[k] >= 0; k++)
		fprintf(o->trace, "%s%s %.2f", k ? ", " : " down: ", feature_names[worst[k]],
			pull[k]);
	fputs(" |", o->trace);
}

static void
trace_ranking(struct kb *kb, const struct match_options *o, const struct ranked *r, int n,
	      enum lang lang)
{
	FILE *trace = o->trace;
	struct arena a;
	struct kb_fact f;
	int i, k;

	arena_init(&a);
	fprintf(trace, "candidates among %s facts (answer at %.2f):\n", lang_code(lang),
		o->tune.answer);
	for (i = 0; i < n && i < 8; i++) {
		if (kb_fact(kb, r[i].fact, &a, &f) != 0)
			continue;
		fprintf(trace, "  %-34s p=%.2f %s", f.id, r[i].confidence,
			verdict(o, r[i].confidence, i));
		trace_drags(o, &r[i]);
		for (k = 0; k < NFEATURES; k++)
			fprintf(trace, " %s %.2f", feature_names[k], r[i].f[k]);
		fputc('\n', trace);
	}
	arena_free(&a);
}

static double
idf(const struct plan *p, long docs)
{
	return pow(log(1.0 + (double)p->nfacts / ((double)docs + 0.5)), p->o->tune.idf_power);
}

/* The edit distance with swaps (optimal string alignment), by rows of the usual table,
 * of which only the cells within max of the diagonal are worked out: every other one is
 * more than max, and counting it as max + 1 changes no cell that is max or less. */
int
match_distance(const char *a, const char *b, int max)
{
	int la = (int)strlen(a), lb = (int)strlen(b), i, j, lo, hi, best, cost, v;
	int rows[3][NORM_TOKEN_MAX + 1], *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *t;

	if (la > NORM_TOKEN_MAX || lb > NORM_TOKEN_MAX || abs(la - lb) > max)
		return max + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = j, prev2[j] = j;
	for (i = 1; i <= la; i++) {
		lo = i - max > 1 ? i - max : 1;
		hi = i + max < lb ? i + max : lb;
		cur[0] = i;
		if (lo > 1)
			cur[lo - 1] = max + 1;
		if (hi < lb)
			cur[hi + 1] = max + 1;
		best = i;
		for (j = lo; j <= hi; j++) {
			cost = a[i - 1] != b[j - 1];
			v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
		t = prev2, prev2 = prev, prev = cur, cur = t;
	}
	return prev[lb] > max ? max + 1 : prev[lb];
}

/* Returns the index of the first vocabulary word >= w. */
static size_t
vocab_lower_bound(const struct kb_word *v, size_t n, const char *w)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].word, w) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Returns the largest fact count among the words starting with w (0: none). */
static long
prefix_docs(const struct kb *kb, const char *w)
{
	size_t n, i, len = strlen(w), seen = 0;
	const struct kb_word *v = kb_vocab(kb, &n);
	long docs = 0;

	for (i = vocab_lower_bound(v, n, w); i < n && seen < 200; i++, seen++) {
		if (strncmp(v[i].word, w, len) != 0)
			break;
		if (v[i].docs > docs)
			docs = v[i].docs;
	}
	return docs;
}

static int
has_digit(const char *w)
{
	return strpbrk(w, "0123456789") != NULL;
}

/* Returns 1 when more than n bits of x are set; stops counting there (a plain count
 * would be a libgcc call on a CPU not assumed to have POPCNT). */
static int
more_bits_than(uint64_t x, int n)
{
	for (; x != 0; x &= x - 1)
		if (n-- == 0)
			return 1;
	return 0;
}

/* Finds the vocabulary word closest to w, sharing its first letter: within one edit for
 * short words, two for long ones; ties go to the commoner word, then to the first in the
 * vocabulary. Returns its fact count and copies it to out, or returns 0. */
static long
correct_word(const struct kb *kb, const char *w, char *out, size_t outlen)
{
	size_t n, m, len = strlen(w), lo, hi, mid, k;
	const struct kb_word *v = kb_vocab(kb, &n), *c, *pick = NULL;
	const uint32_t *by = kb_vocab_by_length(kb, (unsigned char)w[0], &m);
	int max = len >= 8 ? 2 : 1, best = max + 1, d;
	uint32_t letters = norm_letters(w), twice = kb_letters_twice(w);
	uint64_t differ;

	if (len < CORRECT_MIN || has_digit(w))
		return 0;
	/* A length further off than max edits is too far: the words of w's first letter come
	 * by length, and only those within max of it are measured. */
	for (lo = 0, hi = m; lo < hi;) {
		mid = lo + (hi - lo) / 2;
		if (v[by[mid]].len + (size_t)max < len)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k < m && v[by[k]].len <= len + (size_t)max; k++) {
		c = &v[by[k]];
		/* An edit changes at most two of the bits of the letters the words have, and
		 * have twice, or one of them and the length by one: more is too far. */
		differ = (uint64_t)(letters ^ c->letters) << 32 | (twice ^ c->twice);
		if (c->len < 3 ||
		    more_bits_than(differ,
				   2 * max - (int)(c->len > len ? c->len - len : len - c->len)))
			continue;
		d = match_distance(w, c->word, max);
		if (d < best || (d == best && pick &&
				 (c->docs > pick->docs || (c->docs == pick->docs && c < pick)))) {
			best = d;
			pick = c;
		}
	}
	if (pick == NULL || best > max)
		return 0;
	str_copy(out, outlen, pick->word);
	return pick->docs;
}

static int
plan_has(const struct plan *p, const char *word)
{
	int i;

	for (i = 0; i < p->nterms; i++) /* the first byte tells most apart, without a call */
		if (p->terms[i].word[0] == word[0] && strcmp(p->terms[i].word, word) == 0)
			return 1;
	return 0;
}

/* Adds a term with one alternative (or none, for an unknown word). Returns 0, or -1 when
 * the query is full. */
static int
plan_add(struct plan *p, const char *word, const char *alt, int prefix, double weight)
{
	struct term *t = &p->terms[p->nterms];

	t->qterm = -1;
	if (alt != NULL) {
		if ((t->qterm = query_term_begin(&p->q)) == -1)
			return -1;
		query_term_add(&p->q, alt, strlen(alt), prefix);
		query_term_end(&p->q);
	}
	str_copy(t->word, sizeof(t->word), word);
	t->weight = weight;
	t->read = READ_AS_IS;
	p->nterms++;
	return 0;
}

/* Says how the term just added was read from the word typed (folded). */
static void
plan_read(struct plan *p, enum reading read, const char *typed, int dictionary)
{
	struct term *t = &p->terms[p->nterms - 1];

	t->read = read;
	str_copy(t->typed, sizeof(t->typed), typed);
	t->dictionary = dictionary;
}

/* plan_add(), for a term read from the word typed as another (plan_read()). */
static int
plan_add_read(struct plan *p, const char *word, int prefix, double weight, enum reading read,
	      const char *typed)
{
	if (plan_add(p, word, word, prefix, weight) == -1)
		return -1;
	plan_read(p, read, typed, -1);
	return 0;
}

/* Asks the dictionaries whether word (folded, as norm_tokenize() gave it) is a real word,
 * as typed: the question's own language first, then the other one, as a question in one
 * language often names things in the other ("sanctuary city" in a Spanish question).
 * Returns the enum lang of the dictionary that knows it, or -1 when none does or none can
 * be read. */
static int
real_word(struct plan *p, const char *word)
{
	char typed[4 * NORM_TOKEN_MAX];
	long long start = p->deadline_ns ? mono_ns() : 0;
	enum lang order[LANG_COUNT] = { p->asked, p->asked == LANG_EN ? LANG_ES : LANG_EN };
	enum spell_verdict v;
	int k, real = -1;

	if (norm_typed(p->text, p->len, word, typed, sizeof(typed)) == -1)
		str_copy(typed, sizeof(typed), word);
	for (k = 0; k < LANG_COUNT && real < 0; k++) {
		v = spell_check(p->o->dictionary[order[k]], typed);
		if (v == SPELL_REAL)
			real = (int)order[k];
		else if (v == SPELL_NO_DICTIONARY && p->o->dictionary[order[k]] != NULL)
			p->no_dictionary |= 1U << order[k];
	}
	/* Loading a dictionary, the first time one is asked, is no part of the search. */
	if (p->deadline_ns)
		p->deadline_ns += mono_ns() - start;
	return real;
}

/* Returns 1 when w is lowercase ASCII letters and digits only: a word whose facts
 * kb_phrase_docs() and kb_word_docs() count alike. */
static int
plain_word(const char *w)
{
	for (; *w != '\0'; w++)
		if (!((*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9')))
			return 0;
	return 1;
}

/* Keeps word i's stem and the facts that use it, for plan_phrases() to read again. */
static void
plan_keep_stem(struct plan *p, int i, const char *stem, long docs)
{
	_Static_assert(NORM_TOKENS_MAX <= 64, "a word is one bit of a uint64_t");
	str_copy(p->stems.word[i], sizeof(p->stems.word[i]), stem);
	p->stems.docs[i] = docs;
	p->stems.known |= 1ULL << i;
}

/* Returns 1 when word, read as fixed, is the same Spanish word with another ending: one
 * is the start of the other, in a Spanish question or among the Spanish facts. Spanish
 * stems are light ("detenga", stemmed "deteng", read as "deten" of "detener"; "santuario"
 * as "santuar" in a search among the English facts); English inflections are the porter
 * stemmer's, so there a real word that only adds letters is another word ("ruler"). */
static int
spanish_ending(const struct plan *p, const char *word, const char *fixed)
{
	size_t shared = 0;

	if (p->lang != LANG_ES && p->asked != LANG_ES)
		return 0;
	while (word[shared] != '\0' && word[shared] == fixed[shared])
		shared++;
	return word[shared] == '\0' || fixed[shared] == '\0';
}

/* Reads word i, which is not part of a synonym. Returns 0, or -1 when the query is
 * full. */
static int
plan_word(struct plan *p, const struct kb *kb, const struct norm_tokens *t, int i)
{
	const struct norm_token *tok = &t->tok[i];
	const char *w = tok->text, *fix = kb_misspelling(kb, w);
	double qw = tok->kind & NORM_QUESTION ? p->o->tune.question_word : 1.0;
	char word[NORM_TOKEN_MAX], fixed[NORM_TOKEN_MAX];
	long docs;
	int real = -1;

	str_copy(word, sizeof(word), fix ? fix : w);
	norm_stem(word, p->lang);
	w = word;
	if (plan_has(p, w))
		return 0;
	docs = kb_phrase_docs(kb, w);
	if (fix == NULL && plain_word(w))
		plan_keep_stem(p, i, w, docs);
	if (docs > 0)
		return plan_add_read(p, w, 0, qw * idf(p, docs), fix ? READ_LISTED : READ_AS_IS,
				     tok->text);
	if (strlen(w) >= PREFIX_MIN && !has_digit(w) && (docs = prefix_docs(kb, w)) > 0)
		return plan_add_read(p, w, 1, qw * p->o->tune.trust_prefix * idf(p, docs),
				     READ_PREFIX, tok->text);
	/* A word read as a typo of another must not be a real word: "feather" is not
	 * "father" mistyped. The dictionaries are asked only then. */
	if ((docs = correct_word(kb, w, fixed, sizeof(fixed))) > 0 &&
	    (spanish_ending(p, w, fixed) || (real = real_word(p, tok->text)) < 0)) {
		if (plan_has(p, fixed))
			return 0;
		return plan_add_read(p, fixed, 0, qw * p->o->tune.trust_corrected * idf(p, docs),
				     READ_CORRECTED, tok->text);
	}
	plan_add(p, w, NULL, 0, /* an unknown word has no alternative: it always fits */
		 qw *
			 (strlen(w) <= SHORT_WORD && norm_near_stopword(w, p->lang)
				  ? p->o->tune.unknown_short
				  : p->o->tune.unknown) *
			 idf(p, 0));
	if (real >= 0)
		plan_read(p, READ_REAL_WORD, tok->text, real);
	return 0;
}

static int
cmp_synonym(const void *key, const void *elem)
{
	return strcmp(key, ((const struct kb_synonym *)elem)->form);
}

/* Returns 1 when a synonym form is word, or starts with it ("attorney" for "attorney
 * general"): the forms are sorted, so they follow word's place in the list. */
static int
starts_synonym(const struct kb_synonym *syn, size_t nsyn, const char *word)
{
	size_t lo = 0, hi = nsyn, mid, n = strlen(word);

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(syn[mid].form, word) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nsyn && strncmp(syn[lo].form, word, n) == 0 &&
	       (syn[lo].form[n] == '\0' || syn[lo].form[n] == ' ');
}

/* Reads a synonym form of up to KB_SYNONYM_WORDS words starting at word i, and adds its whole group
 * as one term. Returns the number of words read (0: no synonym starts here), or -1 when
 * the query is full. */
static int
plan_synonym(struct plan *p, const struct kb *kb, const struct norm_tokens *t, int i)
{
	const struct kb_synonym *syn, *hit;
	char form[NORM_TOKEN_MAX * KB_SYNONYM_WORDS];
	size_t nsyn, k;
	int len, j;
	long best;

	if ((syn = kb_synonyms(kb, &nsyn)) == NULL || nsyn == 0 ||
	    !kb_may_start_synonym(kb, t->tok[i].text) || !starts_synonym(syn, nsyn, t->tok[i].text))
		return 0; /* bsearch() is not given a null array, even an empty one */
	for (len = KB_SYNONYM_WORDS; len >= 1; len--) {
		if (i + len > t->n)
			continue;
		form[0] = '\0';
		for (j = 0; j < len; j++) {
			strcat(form, t->tok[i + j].text);
			if (j + 1 < len)
				strcat(form, " ");
		}
		if (!kb_may_be_synonym(kb, form))
			continue;
		hit = bsearch(form, syn, nsyn, sizeof(*syn), cmp_synonym);
		if (hit == NULL)
			continue;
		best = hit->group_docs[p->lang];
		if (best == 0)
			return 0; /* no form is in any fact: read the words one by one */
		if (plan_has(p, form))
			return len;
		if (plan_add(p, form, NULL, 0, idf(p, best)) == -1)
			return -1;
		if ((p->terms[p->nterms - 1].qterm = query_term_begin(&p->q)) == -1)
			return -1;
		k = hit->group_first;
		do
			query_term_add(&p->q, syn[k].stemmed[p->lang],
				       strlen(syn[k].stemmed[p->lang]), 0);
		while ((k = syn[k].group_next) != 0);
		query_term_end(&p->q);
		return len;
	}
	return 0;
}

/* Points *word at word i stemmed, kept by plan_word() or else stemmed into buf, and
 * returns the facts that use it. */
static long
plan_stem(const struct plan *p, const struct kb *kb, const struct norm_tokens *t, int i, char *buf,
	  const char **word)
{
	if ((p->stems.known >> i) & 1) {
		*word = p->stems.word[i];
		return p->stems.docs[i];
	}
	str_copy(buf, NORM_TOKEN_MAX, t->tok[i].text);
	norm_stem(buf, p->lang);
	*word = buf;
	return kb_word_docs(kb, buf);
}

/* Adds, while the query has room, the question's two-word phrases whose words the facts
 * use and one of which carries meaning ("sword of", "of federal", "federal funding"), as
 * phrases a fact may hold word for word. They do not count as terms: they only tell which
 * fact the reader is quoting or naming. */
static void
plan_phrases(struct plan *p, const struct kb *kb, const struct norm_tokens *t, int first)
{
	char buf[2][NORM_TOKEN_MAX], phrase[2 * NORM_TOKEN_MAX + 1];
	const char *word[2];
	long docs[2];
	size_t la, lb;
	int i, qt, held = -1, a = 0, b;

	/* word[a] holds word i stemmed when held == i: each word is read once, not twice. */
	p->nphrases = 0;
	for (i = first; i + 1 < t->n && p->nphrases < PHRASES_MAX; i++) {
		if (norm_token_is_stopword(t, i, p->lang) &&
		    norm_token_is_stopword(t, i + 1, p->lang))
			continue;
		if (held != i)
			docs[a] = plan_stem(p, kb, t, i, buf[a], &word[a]);
		b = !a;
		docs[b] = plan_stem(p, kb, t, i + 1, buf[b], &word[b]);
		held = i + 1;
		if (docs[a] == 0 || docs[b] == 0) {
			a = b;
			continue;
		}
		la = strlen(word[a]);
		lb = strlen(word[b]);
		memcpy(phrase, word[a], la);
		phrase[la] = ' ';
		memcpy(phrase + la + 1, word[b], lb + 1);
		a = b;
		if ((qt = query_term_begin(&p->q)) == -1)
			return;
		query_term_add(&p->q, phrase, la + 1 + lb, 0);
		query_term_end(&p->q);
		p->phrase_qterm[p->nphrases++] = qt;
	}
}

/* Turns the question's words, from word first on, into terms and a MATCH expression,
 * dropping the stopwords of lang, and of the other language too when both is 1 (a
 * question searched in a language other than its own). */
static void
plan_build(struct plan *p, const struct kb *kb, const struct norm_tokens *t, int first,
	   enum lang lang, int both)
{
	int i = first, used;

	query_reset(&p->q);
	p->nterms = 0;
	p->stems.known = 0;
	p->nfacts = kb_fact_count(kb);
	p->lang = lang;
	while (i < t->n && p->nterms < NORM_TOKENS_MAX) {
		used = plan_synonym(p, kb, t, i);
		if (used == -1)
			break;
		if (used > 0) {
			i += used;
			continue;
		}
		if (norm_counts(t, i, lang) &&
		    !(both && norm_token_is_stopword(t, i, lang == LANG_EN ? LANG_ES : LANG_EN)) &&
		    plan_word(p, kb, t, i) == -1)
			break;
		i++;
	}
	plan_phrases(p, kb, t, first);
}

/* Which phrases of the query stand for what, worked out once a search rather than once
 * for every candidate and every question row it matched. A hit map (struct kb_hit) has
 * two bits a phrase, phrase ph at bit 2 ph. */
struct phrase_map {
	unsigned long long term_cols[NORM_TOKENS_MAX]; /* the bits of term i's phrases */
	unsigned long long pair_cols[PHRASES_MAX];     /* of two-word phrase k's */
	uint64_t terms_of[QUERY_MAX_PHRASES];	       /* bit i: phrase ph is one of term i's */
	double total;	     /* the terms' weights, summed in their order */
	uint64_t pair_marks; /* the low bit of each two-word phrase's field, when pairs_apart */
	int pairs_apart;     /* 1: each two-word phrase is one field of its own, or none */
};

static void
phrase_map_init(const struct plan *p, struct phrase_map *m)
{
	unsigned long long cols_of_qterm[QUERY_MAX_PHRASES + 1] = { 0 }, c;
	uint64_t terms_of_qterm[QUERY_MAX_PHRASES + 1] = { 0 };
	int i, k, ph, qt;

	_Static_assert(NORM_TOKENS_MAX <= 64, "a term is one bit of a uint64_t");
	for (ph = 0; ph < p->q.nphrases; ph++)
		cols_of_qterm[p->q.phrase_term[ph]] |= 3ULL << (2 * ph);
	m->total = 0;
	for (i = 0; i < p->nterms; i++) {
		m->total += p->terms[i].weight;
		/* Two terms can share a query term: one whose phrases were all dropped left its
		 * number to the next. Both are credited. */
		qt = p->terms[i].qterm;
		m->term_cols[i] = qt >= 0 ? cols_of_qterm[qt] : 0;
		if (qt >= 0)
			terms_of_qterm[qt] |= 1ULL << i;
	}
	m->pair_marks = 0;
	m->pairs_apart = 1;
	for (k = 0; k < p->nphrases; k++) {
		c = m->pair_cols[k] = cols_of_qterm[p->phrase_qterm[k]];
		if (c != 0 && (c != 3ULL << __builtin_ctzll(c) || (m->pair_marks & c) != 0))
			m->pairs_apart = 0;
		m->pair_marks |= c & 0x5555555555555555ULL;
	}
	for (ph = 0; ph < p->q.nphrases; ph++)
		m->terms_of[ph] = terms_of_qterm[p->q.phrase_term[ph]];
	memset(m->terms_of + ph, 0, (size_t)(QUERY_MAX_PHRASES - ph) * sizeof(*m->terms_of));
}

/* Returns the best column (enum kb_column) among the two-bit fields of cols: a field with
 * both bits is the questions column, one with the high bit only the keywords. */
static int
best_column(unsigned long long cols)
{
	_Static_assert(KB_COL_QUESTIONS == 3 && KB_COL_KEYWORDS == 2 && KB_COL_ANSWER == 1,
		       "the columns rank as their two bits");
	if (cols == 0)
		return KB_COL_NONE;
	if (cols & (cols >> 1) & 0x5555555555555555ULL)
		return KB_COL_QUESTIONS;
	return cols & 0xaaaaaaaaaaaaaaaaULL ? KB_COL_KEYWORDS : KB_COL_ANSWER;
}

/* Returns the share of the question's weight that a fact with these hits covers, each
 * term counting by the best column it was found in; *answer_only gets the share found
 * only in the answer text, *missing the heaviest term's share among those not found. */
static double
coverage(const struct plan *p, const struct phrase_map *m, unsigned long long cols,
	 double *answer_only, double *missing)
{
	const double credit[4] = { 0.0, p->o->tune.credit_answer, p->o->tune.credit_keywords, 1.0 };
	double total = m->total, got = 0, answer = 0, heaviest = 0;
	int c, i;

	for (i = 0; i < p->nterms; i++) {
		if (p->terms[i].qterm < 0)
			continue;
		c = best_column(cols & m->term_cols[i]);
		got += p->terms[i].weight * credit[c];
		if (c == KB_COL_ANSWER)
			answer += p->terms[i].weight;
		if (c == KB_COL_NONE && p->terms[i].weight > heaviest)
			heaviest = p->terms[i].weight;
	}
	*answer_only = total > 0 ? answer / total : 0;
	*missing = total > 0 ? heaviest / total : 0;
	return total > 0 ? got / total : 0;
}

/* Returns coverage() of one of a fact's questions holding these phrases of the query (bit
 * ph: phrase ph), all in the questions column: the weights of the terms found, each in
 * full, summed in the terms' order (as coverage() sums them, so to the same bits: the
 * terms it skips are those that add 0). */
static double
question_recall(const struct plan *p, const struct phrase_map *m, uint32_t phrases)
{
	uint64_t terms = 0;
	double got = 0;

	for (; phrases != 0; phrases &= phrases - 1)
		terms |= m->terms_of[__builtin_ctz(phrases)];
	for (; terms != 0; terms &= terms - 1)
		got += p->terms[__builtin_ctzll(terms)].weight;
	return m->total > 0 ? got / m->total : 0;
}

/* Returns the share of the plan's two-word phrases that these hits contain. */
static double
phrase_share(const struct plan *p, const struct phrase_map *m, unsigned long long cols)
{
	unsigned long long has;
	int k, found = 0;

	if (p->nphrases == 0)
		return 0;
	if (m->pairs_apart) /* a field with either bit set: count the marks */
		for (has = (cols | cols >> 1) & m->pair_marks; has != 0; has &= has - 1)
			found++;
	else
		for (k = 0; k < p->nphrases; k++)
			found += (cols & m->pair_cols[k]) != 0;
	return (double)found / p->nphrases;
}

/* Fills the features every candidate of this plan shares: unknown words, term count. */
static void
plan_features(const struct plan *p, double *f)
{
	double total = 0, unknown = 0, heaviest = 0;
	int i, known = 0;

	for (i = 0; i < p->nterms; i++) {
		total += p->terms[i].weight;
		if (p->terms[i].qterm >= 0)
			known++;
		else if ((unknown += p->terms[i].weight), p->terms[i].weight > heaviest)
			heaviest = p->terms[i].weight;
	}
	f[F_UNKNOWN] = total > 0 ? unknown / total : 1.0;
	f[F_UNKNOWN_MAX] = total > 0 ? heaviest / total : 1.0;
	f[F_TERMS] = log(1.0 + known) / log(1.0 + QUERY_MAX_PHRASES);
}

/* Fills the features saying whether fact num gives the kind of answer asked for. A fact
 * whose own questions never ask "when" is unlikely to be the answer to a "when" question,
 * however many of its words the question shares. */
static void
intent_features(const struct kb *kb, const struct plan *p, long num, double *f)
{
	if (p->intents == 0)
		return; /* f[F_INTENT] and f[F_INTENT_MISS] stay 0 */
	f[F_INTENT] = kb_fact_asked(kb, num, p->intents);
	f[F_INTENT_MISS] = f[F_INTENT] < INTENT_RARE;
}

/* Fills the features saying whether fact num concerns the entities the question names:
 * a question about Judge Orrick's ruling is not one about Judge Leinenweber's, and one
 * naming a city no fact names is about none of them. */
static void
name_features(const struct kb *kb, const struct plan *p, long num, double *f)
{
	int missing;

	if (p->nnames == 0)
		return; /* f[F_NAMES_MISS] and f[F_NAMES_MISSED] stay 0 */
	missing = names_missing(&p->names, kb_fact_names(kb, num));
	f[F_NAMES_MISS] = missing > 0;
	f[F_NAMES_MISSED] = (double)missing / p->nnames;
}

/* Returns 1 when x ranks before y: more likely, or as likely and first in bm25's order. */
static int
ranks_before(const struct ranked *x, const struct ranked *y)
{
	if (x->confidence != y->confidence)
		return x->confidence > y->confidence;
	return x->pos < y->pos;
}

/* Sorts the candidates, best first: an insertion sort, as there are at most CANDIDATES. */
static void
sort_ranked(struct ranked *r, int n)
{
	struct ranked t;
	int i, j;

	for (i = 1; i < n; i++) {
		if (!ranks_before(&r[i], &r[i - 1]))
			continue; /* in place already: the candidate is not copied out and back */
		t = r[i];
		for (j = i; j > 0 && ranks_before(&t, &r[j - 1]); j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
}

/* The recalls score_questions() remembers, by their phrases' hash. */
#define RECALL_MEMO_BITS 4
#define RECALL_MEMO	 (1 << RECALL_MEMO_BITS)

/* Finds each candidate's best-matching own question: how much of the reader's question it
 * holds (recall) and how much of it the reader's words account for (cover). */
static void
score_questions(struct kb *kb, const struct plan *p, const struct phrase_map *m,
		const struct kb_hit *found, struct ranked *r, int n)
{
	struct kb_question_hit hits[QUESTION_ROWS];
	double recall = 0, best[CANDIDATES] = { 0 }, memo[RECALL_MEMO];
	uint32_t memo_of[RECALL_MEMO] = { 0 }, slot;
	unsigned which, left;
	int k, i, j;

	_Static_assert(CANDIDATES <= 32, "a candidate is one bit of an unsigned");
	k = kb_search_questions(kb, &p->iq, found, n, hits, QUESTION_ROWS);
	for (j = 0; j < k; j++) {
		which = hits[j].of; /* r[i] is found[i] */
		/* Questions, of a fact and of the facts, often hold the same phrases: recall
		 * depends on them only, and is remembered by them (a question hit holds one). */
		slot = (hits[j].phrases * 0x9e3779b1u) >> (32 - RECALL_MEMO_BITS);
		if (memo_of[slot] != hits[j].phrases) {
			memo_of[slot] = hits[j].phrases;
			memo[slot] = question_recall(p, m, hits[j].phrases);
		}
		recall = memo[slot];
		for (left = which; left != 0; left &= left - 1) {
			i = __builtin_ctz(left);
			if (recall * (1 + hits[j].cover) <= best[i])
				continue;
			best[i] = recall * (1 + hits[j].cover);
			r[i].f[F_Q_RECALL] = recall;
			r[i].f[F_Q_COVER] = hits[j].cover;
			r[i].f[F_Q_BOTH] = recall * hits[j].cover;
		}
	}
}

/* The answer model: the probability that a candidate with these features answers. */
static double
model(const struct match_tuning *tune, const double *f)
{
	double z = tune->bias;
	int i;

	/* Four at a time, in order: the same sum, to the bit, with a quarter of the loop. */
	for (i = 0; i + 4 <= NFEATURES; i += 4) {
		z += tune->weight[i] * f[i];
		z += tune->weight[i + 1] * f[i + 1];
		z += tune->weight[i + 2] * f[i + 2];
		z += tune->weight[i + 3] * f[i + 3];
	}
	for (; i < NFEATURES; i++)
		z += tune->weight[i] * f[i];
	return 1.0 / (1.0 + exp(-z));
}

/* Searches the facts of one language and ranks them by the answer model. retry says why,
 * when the question's own language is another. Returns the number ranked (0 when the question
 * has no searchable word), or -1 with err set. */
static int
search(struct kb *kb, const struct plan *p, enum lang lang, enum retry retry, struct ranked *out,
       char *err, size_t errlen)
{
	struct kb_hit hits[CANDIDATES];
	struct phrase_map m;
	double shared[NFEATURES] = { 0 };
	int n, i;

	if (p->q.nphrases == 0)
		return 0;
	if ((n = kb_search(kb, &p->iq, lang, hits, CANDIDATES, p->deadline_ns, err, errlen)) < 0)
		return -1;
	plan_features(p, shared);
	if (n > 0)
		phrase_map_init(p, &m);
	for (i = 0; i < n; i++) {
		memcpy(out[i].f, shared, sizeof(shared));
		out[i].fact = hits[i].fact;
		out[i].pos = i;
		out[i].f[F_COVERAGE] = coverage(p, &m, hits[i].cols, &out[i].f[F_ANSWER_ONLY],
						&out[i].f[F_MISSING]);
		out[i].f[F_BM25] = hits[0].score > 0 ? hits[i].score / hits[0].score : 1.0;
		out[i].f[F_CENTRALITY] = hits[i].centrality;
		out[i].f[F_RETRY] = retry == RETRY_UNTRANSLATED;
		out[i].f[F_GUESSED] = retry == RETRY_GUESS;
		out[i].f[F_PHRASES] = phrase_share(p, &m, hits[i].cols);
		intent_features(kb, p, hits[i].fact, out[i].f);
		name_features(kb, p, hits[i].fact, out[i].f);
	}
	if (n > 0)
		score_questions(kb, p, &m, hits, out, n);
	for (i = 0; i < n; i++) {
		out[i].confidence = model(&p->o->tune, out[i].f);
		if (p->o->features)
			p->o->features(p->o->features_ctx, out[i].fact, out[i].f, NFEATURES);
	}
	sort_ranked(out, n);
	if (p->o->trace)
		trace_ranking(kb, p->o, out, n, lang);
	return n;
}

/* Fills link with the version in lang (or else the original) of fact num. Returns 0, or
 * -1 when the fact cannot be read. */
static int
link_num(struct kb *kb, long num, enum lang lang, struct arena *a, struct answer_link *link)
{
	long shown = kb_fact_in_lang(kb, num, lang);

	return kb_fact_link(kb, shown >= 0 ? shown : num, a, &link->fact, &link->question);
}

static int
link_id(struct kb *kb, const char *id, enum lang lang, struct arena *a, struct answer_link *link)
{
	long num = kb_fact_num(kb, id);

	return num < 0 ? -1 : link_num(kb, num, lang, a, link);
}

/* Fills links with the starter questions for lang. Returns how many. */
static int
starter_links(struct kb *kb, enum lang lang, struct arena *a, struct answer_link *links)
{
	long nums[ANSWER_LINKS_MAX];
	int n = kb_starter_nums(kb, lang, nums, ANSWER_LINKS_MAX), i, k = 0;

	for (i = 0; i < n; i++)
		if (nums[i] >= 1 && link_num(kb, nums[i], lang, a, &links[k]) == 0)
			k++;
	return k;
}

static const char *
supersession_note(struct answer *a, const struct kb_fact *f)
{
	int partly = strcmp(f->status, "partly-superseded") == 0;
	const char *q = a->superseded_by.question;
	char date[64];

	date_words(f->as_of, f->lang, date, sizeof(date));
	if (strcmp(f->lang, "es") == 0)
		return arena_printf(&a->arena, " Nota: así era la situación %s %s; %s (vea «%s»).",
				    date_parse(f->as_of, NULL) == DATE_DAY ? "del" : "de", date,
				    partly ? "una parte cambió después" : "después cambió", q);
	return arena_printf(&a->arena, " Note: this was the situation as of %s; %s (see \"%s\").",
			    date, partly ? "part of it later changed" : "it later changed", q);
}

static int
compose_text(struct answer *a, const struct kb_fact *f, enum lang want)
{
	const char *note = "", *lead = "";

	if (a->superseded_by.fact != NULL && (note = supersession_note(a, f)) == NULL)
		return -1;
	if (a->other_language)
		lead = want == LANG_ES ? "(No tengo esta respuesta en español; esta es la "
					 "versión en inglés.) "
				       : "(This answer is only available in Spanish.) ";
	/* Most answers are the fact's answer alone, already copied into the answer's arena:
	 * no need to copy it again through printf. */
	if (*lead == '\0' && *note == '\0') {
		a->text = f->answer;
		return 0;
	}
	a->text = arena_strcat3(&a->arena, lead, f->answer, note);
	return a->text ? 0 : -1;
}

static int
fill_fact(struct kb *kb, long num, double score, enum lang want, struct answer *a)
{
	struct kb_cite cites[ANSWER_SOURCES_MAX];
	long related[ANSWER_LINKS_MAX];
	long shown = kb_fact_in_lang(kb, num, want);
	struct kb_fact f;
	int n, i;

	if (kb_fact(kb, shown >= 0 ? shown : num, &a->arena, &f) == -1)
		return -1;
	a->type = ANSWER_FACT;
	a->fact = f.id;
	a->score = score;
	lang_parse(f.lang, &a->lang);
	a->other_language = a->lang != want;
	a->status = f.status;
	a->as_of = f.as_of;
	if ((n = kb_fact_cites(kb, f.num, &a->arena, cites, ANSWER_SOURCES_MAX)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		a->sources[i] = (struct answer_source){ cites[i].id,	    cites[i].title,
							cites[i].publisher, cites[i].date,
							cites[i].url,	    cites[i].citation,
							cites[i].pinpoint,  cites[i].quote };
	a->nsources = n;
	n = kb_fact_related(kb, f.num, related, ANSWER_LINKS_MAX);
	for (i = 0; i < n; i++)
		if (related[i] >= 1 &&
		    link_num(kb, related[i], want, &a->arena, &a->related[a->nrelated]) == 0)
			a->nrelated++;
	if (f.superseded_by != NULL)
		link_id(kb, f.superseded_by, a->lang, &a->arena, &a->superseded_by);
	return compose_text(a, &f, want);
}

/* Sets a's text to reply r in want, copied from the knowledge base. Returns 0, 1 when kb
 * has no such reply, or -1 when out of memory. */
static int
reply_text(struct kb *kb, enum reply r, enum lang want, struct answer *a)
{
	const char *text = kb_reply_text(kb, r, want);

	if (text == NULL)
		return 1;
	return (a->text = arena_strdup(&a->arena, text)) ? 0 : -1;
}

static int
fill_none(struct kb *kb, const struct match_options *o, const struct ranked *r, int n,
	  enum lang want, struct answer *a)
{
	struct answer_link *s = a->suggestions;
	int i, k, rc = 1;

	a->type = ANSWER_NONE;
	a->lang = want;
	for (i = 0; i < n && a->nsuggestions < ANSWER_LINKS_MAX; i++) {
		if (r[i].confidence < o->tune.suggest ||
		    link_num(kb, r[i].fact, want, &a->arena, &s[a->nsuggestions]) == -1)
			continue;
		for (k = 0; k < a->nsuggestions; k++)
			if (strcmp(s[k].fact, s[a->nsuggestions].fact) == 0)
				break;
		if (k == a->nsuggestions)
			a->nsuggestions++;
	}
	/* Facts that came close are offered as a question back ("did you mean ...?"): not
	 * sure enough to answer, the bot lets the reader pick rather than guess. Without
	 * them, the knowledge base's decline says what it knows and leads to the starters;
	 * without suggestions, or without that reply, the bot only says it does not know. */
	if ((a->asked_back = a->nsuggestions > 0))
		rc = reply_text(kb, REPLY_CLARIFY, want, a);
	else if ((a->nsuggestions = starter_links(kb, want, &a->arena, s)) > 0)
		rc = reply_text(kb, REPLY_DECLINE, want, a);
	if (rc == 1)
		a->text = want == LANG_ES ? "No sé la respuesta a eso."
					  : "I don't know the answer to that.";
	return rc == -1 ? -1 : 0;
}

static int
fill_chat(struct kb *kb, const struct match_options *o, const struct smalltalk *s, enum lang want,
	  struct answer *a)
{
	int rc = reply_text(kb, s->reply, want, a);

	/* A knowledge base without this reply (rulingkb builds none) gets the decline: a
	 * fact found for the words of "can you advise me on my case" would be worse. */
	if (rc != 0)
		return rc == 1 ? fill_none(kb, o, NULL, 0, want, a) : -1;
	a->type = ANSWER_CHAT;
	a->fact = kb_reply_id(s->reply);
	a->score = 1.0;
	a->lang = want;
	if (s->offer_starters)
		a->nrelated = starter_links(kb, want, &a->arena, a->related);
	return 0;
}

/* Returns 1 when the best candidate is likely enough to be the answer. */
static int
confident(const struct match_options *o, const struct ranked *r, int n)
{
	return n > 0 && r[0].confidence >= o->tune.answer;
}

/* Searches the facts of one language with a plan read in that language (retry: the
 * question's own language was another). */
static int
search_lang(struct kb *kb, struct plan *p, const struct norm_tokens *t, int first, enum lang lang,
	    enum retry retry, struct ranked *r, char *err, size_t errlen)
{
	int n;

	plan_build(p, kb, t, first, lang, retry != RETRY_NONE);
	if (p->q.oom || kb_prepare(kb, &p->q, &p->iq) == -1) {
		snprintf(err, errlen, p->q.oom ? "out of memory" : "the tokenizer failed");
		return -1;
	}
	if (p->o->trace)
		trace_plan(kb, p, lang);
	n = search(kb, p, lang, retry, r, err, errlen);
	return n;
}

/* Searches the question's own language first. A Spanish question that nothing Spanish
 * answers is tried on the English facts (not every fact is translated), and so is any
 * question whose language was a guess; the answer is then given in the language asked
 * for when a translation exists. A guess that the other language's facts answer better,
 * and well enough to be offered, was wrong ("cuantas veces le dispararon a byrne", without
 * accents, reads as English): unless the reader named a language (hinted), the reply is
 * in the other one. Returns 0 and fills *out, or -1. */
static int
answer_question(struct kb *kb, struct plan *p, const struct norm_tokens *t, int first,
		enum lang asked, int sure, int hinted, enum lang want, struct answer *out,
		char *err, size_t errlen)
{
	struct ranked r[CANDIDATES], r2[CANDIDATES];
	enum lang other = asked == LANG_ES ? LANG_EN : LANG_ES;
	int n, n2;

	if ((n = search_lang(kb, p, t, first, asked, RETRY_NONE, r, err, errlen)) < 0)
		return -1;
	if (confident(p->o, r, n))
		return fill_fact(kb, r[0].fact, r[0].confidence, want, out);
	if (asked == LANG_ES || !sure || p->o->features) {
		if ((n2 = search_lang(kb, p, t, first, other,
				      asked == LANG_ES ? RETRY_UNTRANSLATED : RETRY_GUESS, r2, err,
				      errlen)) < 0)
			return -1;
		if (!sure && !hinted && n2 > 0 && r2[0].confidence >= p->o->tune.suggest &&
		    (n == 0 || r2[0].confidence > r[0].confidence))
			want = out->wanted = other;
		if (confident(p->o, r2, n2))
			return fill_fact(kb, r2[0].fact, r2[0].confidence, want, out);
		if (n == 0 || (n2 > 0 && r2[0].confidence > r[0].confidence))
			return fill_none(kb, p->o, r2, n2, want, out);
	}
	return fill_none(kb, p->o, r, n, want, out);
}

/* Finds the entities the words t->tok[first..] name. */
static void
question_names(const struct kb *kb, const struct norm_tokens *t, int first, struct plan *p)
{
	const char *words[NORM_TOKENS_MAX];
	int i;

	for (i = first; i < t->n; i++)
		words[i - first] = t->tok[i].text;
	memset(&p->names, 0, sizeof(p->names));
	kb_find_names(kb, words, t->n - first, &p->names);
	p->nnames = names_count(&p->names);
}

int
match_question(struct kb *kb, const struct match_options *o, const char *text, size_t len,
	       const char *lang_hint, struct answer *out, char *err, size_t errlen)
{
	struct match_options defaults;
	const struct smalltalk *chat;
	struct norm_tokens t;
	enum lang hint = LANG_EN, asked, want;
	int has_hint, sure, rc, first;
	struct plan *p;

	memset(out, 0, sizeof(*out));
	arena_init(&out->arena);
	if (errlen > 0)
		err[0] = '\0';
	if (o == NULL) {
		match_options_init(&defaults);
		o = &defaults;
	}
	has_hint = lang_parse(lang_hint, &hint) == 0;
	norm_tokenize_with(kb_lexicon(kb), text, len, &t);
	asked = norm_detect_lang(text, len, &t, hint, &sure);
	want = has_hint ? hint : asked;
	out->wanted = want;
	if ((chat = smalltalk_match(&t, &first)) != NULL) {
		rc = fill_chat(kb, o, chat, want, out);
	} else if ((p = malloc(sizeof(*p))) == NULL) {
		rc = -1;
	} else {
		query_init(&p->q);
		p->o = o;
		p->text = text;
		p->len = len;
		p->asked = asked;
		p->no_dictionary = 0;
		p->intents = intent_of(&t, first);
		question_names(kb, &t, first, p);
		p->deadline_ns =
			o->deadline_ms > 0 ? mono_ns() + (long long)(o->deadline_ms * 1e6) : 0;
		rc = answer_question(kb, p, &t, first, asked, sure, has_hint, want, out, err,
				     errlen);
		query_free(&p->q);
		free(p);
	}
	if (rc == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	return rc;
}

void
answer_free(struct answer *a)
{
	arena_free(&a->arena);
	memset(a, 0, sizeof(*a));
}

/* Asks fact num's first question in lang; it must get fact num. */
static int
self_test_fact(struct kb *kb, long num, enum lang lang, char *err, size_t errlen)
{
	struct answer a;
	struct arena mem;
	struct kb_fact f;
	char why[256];
	int rc = -1;

	arena_init(&mem);
	if (kb_fact(kb, num, &mem, &f) == -1) {
		snprintf(err, errlen, "fact %ld cannot be read", num);
	} else if (match_question(kb, NULL, f.question, strlen(f.question), lang_code(lang), &a,
				  why, sizeof(why)) == -1) {
		snprintf(err, errlen, "asked \"%s\", the engine failed: %s", f.question, why);
		answer_free(&a);
	} else {
		if (a.type != ANSWER_FACT || a.fact == NULL || strcmp(a.fact, f.id) != 0)
			snprintf(err, errlen, "asked \"%s\", it answered %s instead of %s",
				 f.question, a.fact ? a.fact : "nothing", f.id);
		else
			rc = 0;
		answer_free(&a);
	}
	arena_free(&mem);
	return rc;
}

int
match_self_test(struct kb *kb, char *err, size_t errlen)
{
	const char *ids[1];
	struct arena mem;
	enum lang lang;
	long num;
	int n, asked = 0, rc = 0;

	for (lang = LANG_EN; rc == 0 && lang < LANG_COUNT; lang++) {
		arena_init(&mem);
		n = kb_starters(kb, lang, &mem, ids, 1);
		num = n == 1 ? kb_fact_num(kb, ids[0]) : -1;
		if (n == 1 && num < 1) {
			snprintf(err, errlen, "the starter %s is not a fact", ids[0]);
			rc = -1;
		} else if (num >= 1) {
			rc = self_test_fact(kb, num, lang, err, errlen);
			asked++;
		}
		arena_free(&mem);
	}
	if (rc == 0 && asked == 0 && kb_fact_count(kb) > 0)
		rc = self_test_fact(kb, 1, LANG_EN, err, errlen);
	return rc;
}
