/* SPDX-License-Identifier: MIT */
/*
 * kb.c -- the knowledge base in memory: opening it (kbload.c reads the file), the facts
 * and what they link to, and searching the index. No question reads the disk: after
 * kb_open() the file can be changed, truncated or deleted under a running engine.
 *
 * A search phrase is cut into terms by FTS5's own tokenizer (tokens.c), exactly as FTS5
 * would cut it in a MATCH expression, and looked up among the index's terms; a prefix is
 * the range of terms it starts. The index (index.c) ranks facts as FTS5's bm25 would.
 *
 * Questions are read against the vocabulary, so the words searched are nearly always
 * its words: each is cut by the tokenizer and looked up once, when the KB is opened, and
 * a phrase of such words is then read without calling the tokenizer. That gives the same
 * terms, as the tokenizer cuts a text at every space and reads each piece on its own.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kbstore.h"
#include "norm.h"

void
kb_close(struct kb *kb)
{
	enum lang l;

	if (kb == NULL)
		return;
	index_free(kb->index);
	tokens_close(kb->tokens);
	free(kb->meta);
	free(kb->facts);
	free(kb->fact_ids);
	free(kb->sources);
	free(kb->source_ids);
	free(kb->cites);
	free(kb->related);
	free(kb->related_num);
	for (l = LANG_EN; l < LANG_COUNT; l++) {
		free(kb->starters[l]);
		free(kb->starter_num[l]);
	}
	free(kb->replies);
	free(kb->vocab);
	free(kb->vocab_slots);
	free(kb->vocab_by_len);
	free(kb->word_terms);
	free(kb->word_term_at);
	free(kb->word_nterms);
	free(kb->syn);
	free(kb->known);
	free(kb->fixes);
	free(kb->names.forms);
	arena_free(&kb->strings);
	free(kb);
}

/* The most strings copy_strings() copies at once. */
#define KB_COPY_MAX 9

/* ---- The vocabulary, by word ---- */

/* The hash of the n bytes of word, for the vocabulary's table and filters. */
static uint32_t
word_hash(const char *word, size_t n)
{
	return hash_word(word, n);
}

/* Returns the index in kb->vocab of the n bytes of word, or -1. */
static long
vocab_find(const struct kb *kb, const char *word, size_t n)
{
	uint32_t h = word_hash(word, n);
	size_t i;
	const struct kb_vocab_slot *s;
	const struct kb_word *w;

	if (kb->vocab_slots == NULL)
		return -1;
	for (i = h & kb->vocab_mask;; i = (i + 1) & kb->vocab_mask) {
		s = &kb->vocab_slots[i];
		if (s->word == 0)
			return -1;
		w = &kb->vocab[s->word - 1];
		if (s->hash == h && w->len == n && memcmp(w->word, word, n) == 0)
			return (long)s->word - 1;
	}
}

/* Fills the vocabulary's hash table (a word given twice keeps its first place). Returns
 * 0, or -1 when out of memory. */
static int
hash_vocab(struct kb *kb)
{
	size_t size = 16, i, k;
	uint32_t h;

	if (kb->nvocab == 0)
		return 0;
	while (size < 2 * kb->nvocab)
		size *= 2;
	if (kb->nvocab >= UINT32_MAX ||
	    (kb->vocab_slots = calloc(size, sizeof(*kb->vocab_slots))) == NULL)
		return -1;
	kb->vocab_mask = size - 1;
	for (i = 0; i < kb->nvocab; i++) {
		if (vocab_find(kb, kb->vocab[i].word, kb->vocab[i].len) >= 0)
			continue;
		h = word_hash(kb->vocab[i].word, kb->vocab[i].len);
		for (k = h & kb->vocab_mask; kb->vocab_slots[k].word != 0;
		     k = (k + 1) & kb->vocab_mask)
			;
		kb->vocab_slots[k].hash = h;
		kb->vocab_slots[k].word = (uint32_t)i + 1;
	}
	return 0;
}

/* Sets the bit of the n bytes of word in a filter of KB_FILTER_BITS bits. */
static void
filter_add(uint64_t *filter, const char *word, size_t n)
{
	uint32_t h = word_hash(word, n) % KB_FILTER_BITS;

	filter[h / 64] |= 1ull << (h % 64);
}

/* Returns 0 when word is not in the filter (1: it may be). */
static int
filter_has(const uint64_t *filter, const char *word)
{
	uint32_t h = word_hash(word, strlen(word)) % KB_FILTER_BITS;

	return (filter[h / 64] >> (h % 64)) & 1;
}

/* Fills the filters of the synonym forms, of their first words and of the misspellings. */
static void
fill_filters(struct kb *kb)
{
	size_t i;

	for (i = 0; i < kb->nsyn; i++) {
		filter_add(kb->syn_first, kb->syn[i].form, strcspn(kb->syn[i].form, " "));
		filter_add(kb->syn_forms, kb->syn[i].form, strlen(kb->syn[i].form));
	}
	for (i = 0; i < kb->nfixes; i++)
		filter_add(kb->fix_words, kb->fixes[i].word, strlen(kb->fixes[i].word));
}

int
kb_may_start_synonym(const struct kb *kb, const char *word)
{
	return filter_has(kb->syn_first, word);
}

int
kb_may_be_synonym(const struct kb *kb, const char *form)
{
	return filter_has(kb->syn_forms, form);
}

/* Fills kb->vocab_from: for each byte c, the first vocabulary word that sorts at or after
 * the string of c alone, as a binary search of the sorted words would find it. */
static void
index_vocab_letters(struct kb *kb)
{
	char one[2] = { 0, 0 };
	size_t lo, hi, mid;
	int c;

	for (c = 0; c < 256; c++) {
		one[0] = (char)c;
		for (lo = 0, hi = kb->nvocab; lo < hi;) {
			mid = lo + (hi - lo) / 2;
			if (strcmp(kb->vocab[mid].word, one) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		kb->vocab_from[c] = lo;
	}
}

uint32_t
kb_letters_twice(const char *word)
{
	const unsigned char *p;
	uint32_t seen = 0, twice = 0, bit;

	for (p = (const unsigned char *)word; *p != '\0'; p++) {
		bit = 1u << (*p >= 'a' && *p <= 'z' ? *p - 'a' : 26 + *p % 6);
		twice |= seen & bit;
		seen |= bit;
	}
	return twice;
}

size_t
kb_vocab_from(const struct kb *kb, unsigned char c)
{
	return kb->vocab_from[c];
}

/* Orders vocabulary indexes by their word's first byte, then length, then place. */
static int
cmp_by_length(const void *a, const void *b, void *ctx)
{
	const struct kb_word *v = ctx, *x = &v[*(const uint32_t *)a], *y = &v[*(const uint32_t *)b];
	unsigned char cx = (unsigned char)x->word[0], cy = (unsigned char)y->word[0];

	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Fills kb->vocab_by_len, so that a word's near misses are looked for among the words of
 * about its length. Returns 0, or -1 when out of memory. */
static int
sort_vocab_by_length(struct kb *kb)
{
	size_t i;

	if ((kb->vocab_by_len = malloc((kb->nvocab ? kb->nvocab : 1) * sizeof(uint32_t))) == NULL)
		return -1;
	for (i = 0; i < kb->nvocab; i++)
		kb->vocab_by_len[i] = (uint32_t)i;
	qsort_r(kb->vocab_by_len, kb->nvocab, sizeof(uint32_t), cmp_by_length, kb->vocab);
	return 0;
}

const uint32_t *
kb_vocab_by_length(const struct kb *kb, unsigned char c, size_t *n)
{
	size_t from = kb->vocab_from[c], to = c < 255 ? kb->vocab_from[c + 1] : kb->nvocab;

	*n = to - from;
	return kb->vocab_by_len + from;
}

/* Collects the term ids of one vocabulary word's tokens. */
struct word_reader {
	const struct index *ix; /* where terms are looked up */
	uint32_t *terms;	/* where they go */
	size_t n;		/* how many came */
};

static int
read_word_token(void *ctx, const char *token, size_t n)
{
	struct word_reader *r = ctx;

	/* One token more than a phrase holds is enough to make any phrase with it too long. */
	if (r->n > INDEX_PHRASE_MAX)
		return 1;
	r->terms[r->n++] = index_term_id(r->ix, token, n);
	return 0;
}

/* Cuts every vocabulary word with the tokenizer and looks its tokens up among the index's
 * terms, once, for read_known_phrase(). Returns 0, or -1 when out of memory. */
static int
tokenize_vocab(struct kb *kb)
{
	uint32_t one[INDEX_PHRASE_MAX + 1];
	struct word_reader r = { kb->index, one, 0 };
	size_t i, used = 0, cap = kb->nvocab + 16;
	uint32_t *grown;
	int rc;

	if (kb->nvocab == 0)
		return 0;
	kb->word_terms = malloc(cap * sizeof(*kb->word_terms));
	kb->word_term_at = malloc(kb->nvocab * sizeof(*kb->word_term_at));
	kb->word_nterms = malloc(kb->nvocab);
	if (kb->word_terms == NULL || kb->word_term_at == NULL || kb->word_nterms == NULL)
		return -1;
	for (i = 0; i < kb->nvocab; i++) {
		r.n = 0;
		rc = tokens_split(kb->tokens, kb->vocab[i].word, kb->vocab[i].len, 0,
				  read_word_token, &r);
		kb->word_term_at[i] = (uint32_t)used;
		kb->word_nterms[i] = rc == -1 ? KB_WORD_UNREAD : (unsigned char)r.n;
		if (rc == -1)
			continue;
		if (used + r.n > cap) {
			cap = 2 * cap + r.n;
			if ((grown = realloc(kb->word_terms, cap * sizeof(*grown))) == NULL)
				return -1;
			kb->word_terms = grown;
		}
		memcpy(kb->word_terms + used, one, r.n * sizeof(*one));
		used += r.n;
		if (used >= UINT32_MAX)
			return -1;
	}
	kb->nword_terms = used;
	return 0;
}

/* Reads text into p as read_phrase() does with the tokenizer, from the vocabulary's
 * tokens, when text is vocabulary words separated by spaces. Returns 1 when it did, 0
 * when a word is not in the vocabulary (p is then to be read with the tokenizer). */
static int
read_known_phrase(const struct kb *kb, const char *text, struct index_phrase *p)
{
	const char *w = text, *end;
	const uint32_t *id;
	long k;
	int n = 0, j;

	memset(p, 0, sizeof(*p));
	for (;;) {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		for (end = w; *end != ' ' && *end != '\0'; end++)
			;
		if ((k = vocab_find(kb, w, (size_t)(end - w))) < 0 ||
		    kb->word_nterms[k] == KB_WORD_UNREAD)
			return 0;
		id = kb->word_terms + kb->word_term_at[k];
		for (j = 0; j < kb->word_nterms[k]; j++, n++) {
			if (n == INDEX_PHRASE_MAX) {
				p->n = 0; /* too long to hold: it matches nothing */
				return 1;
			}
			p->lo[n] = id[j] == INDEX_NONE ? 0 : id[j];
			p->hi[n] = id[j] == INDEX_NONE ? 0 : id[j] + 1;
		}
		w = end;
	}
	p->n = n;
	return 1;
}

/* ---- Reading phrases ---- */

/* Cuts a phrase into tokens, up to INDEX_PHRASE_MAX, each looked up as a term. */
struct phrase_reader {
	const struct index *ix; /* where terms are looked up */
	struct index_phrase *p; /* what is filled */
	char last[256];		/* the last token, for a prefix */
	size_t lastlen;		/* its length, 0 when too long */
	int too_many;		/* 1 when the phrase has more tokens than fit */
};

static int
read_token(void *ctx, const char *token, size_t n)
{
	struct phrase_reader *r = ctx;
	uint32_t id;

	if (r->p->n == INDEX_PHRASE_MAX) {
		r->too_many = 1;
		return 1;
	}
	id = index_term_id(r->ix, token, n);
	r->p->lo[r->p->n] = id == INDEX_NONE ? 0 : id;
	r->p->hi[r->p->n] = id == INDEX_NONE ? 0 : id + 1;
	r->p->n++;
	r->lastlen = n < sizeof(r->last) ? n : 0;
	memcpy(r->last, token, r->lastlen);
	return 0;
}

/* Reads text into p with the tokenizer, as FTS5 reads a phrase (prefix: its last token
 * as a prefix). A phrase FTS5 could not match, or one too long to hold, matches nothing
 * (n = 0). */
static int
tokenize_phrase(struct kb *kb, const char *text, int prefix, struct index_phrase *p)
{
	struct phrase_reader r;
	int rc;

	memset(p, 0, sizeof(*p));
	memset(&r, 0, sizeof(r));
	r.ix = kb->index;
	r.p = p;
	rc = tokens_split(kb->tokens, text, strlen(text), prefix, read_token, &r);
	if (rc == -1)
		return -1;
	if (r.too_many) {
		p->n = 0;
		return 0;
	}
	if (prefix && p->n > 0) {
		if (r.lastlen > 0)
			index_term_prefix(kb->index, r.last, r.lastlen, &p->lo[p->n - 1],
					  &p->hi[p->n - 1]);
		else
			p->lo[p->n - 1] = p->hi[p->n - 1] = 0;
	}
	return 0;
}

/* Returns the phrase of the n bytes of text read when the KB was opened, or NULL. */
static const struct kb_known_phrase *
known_find(const struct kb *kb, const char *text, size_t n)
{
	const struct kb_known_phrase *k;
	uint32_t h;
	size_t i;

	if (kb->known == NULL)
		return NULL;
	h = hash_word(text, n);
	for (i = h & kb->known_mask;; i = (i + 1) & kb->known_mask) {
		k = &kb->known[i];
		if (k->text == NULL)
			return NULL;
		if (k->hash == h && k->len == n && memcmp(k->text, text, n) == 0)
			return k;
	}
}

/* Reads text into p as FTS5 reads a phrase: from the vocabulary's tokens, as read when
 * the KB was opened, or else with the tokenizer. */
static int
read_phrase(struct kb *kb, const char *text, int prefix, struct index_phrase *p)
{
	const struct kb_known_phrase *k;

	if (!prefix && read_known_phrase(kb, text, p))
		return 0;
	if (!prefix && (k = known_find(kb, text, strlen(text))) != NULL) {
		*p = k->ph;
		return 0;
	}
	return tokenize_phrase(kb, text, prefix, p);
}

/* Reads every synonym form's stemmed words once, into kb->known: a search adds a whole
 * group's forms, and those no fact uses would go through the tokenizer each time. A form
 * the tokenizer fails on is left to fail again at the search. Returns 0, or -1 when out
 * of memory. */
static int
read_synonym_phrases(struct kb *kb)
{
	struct index_phrase p;
	size_t size = 16, i, k, n;
	const char *text;
	enum lang l;
	uint32_t h;

	if (kb->nsyn == 0)
		return 0;
	while (size < 2 * LANG_COUNT * kb->nsyn)
		size *= 2;
	if ((kb->known = calloc(size, sizeof(*kb->known))) == NULL)
		return -1;
	kb->known_mask = size - 1;
	for (i = 0; i < kb->nsyn; i++) {
		for (l = LANG_EN; l < LANG_COUNT; l++) {
			text = kb->syn[i].stemmed[l];
			n = strlen(text);
			if (known_find(kb, text, n) != NULL || read_phrase(kb, text, 0, &p) == -1)
				continue;
			h = hash_word(text, n);
			for (k = h & kb->known_mask; kb->known[k].text != NULL;
			     k = (k + 1) & kb->known_mask)
				;
			kb->known[k] = (struct kb_known_phrase){ text, n, h, p };
		}
	}
	return 0;
}

/* Returns 1 when text reads to the same phrase with and without the tokenizer. */
static int
reads_alike(struct kb *kb, const char *text)
{
	struct index_phrase known, cut;

	return !read_known_phrase(kb, text, &known) ||
	       (tokenize_phrase(kb, text, 0, &cut) == 0 && memcmp(&known, &cut, sizeof(cut)) == 0);
}

/* Returns 1 when a phrase kept from when the KB was opened is what its text reads to. */
static int
reads_as_kept(struct kb *kb, const struct kb_known_phrase *k)
{
	struct index_phrase p;

	return (read_known_phrase(kb, k->text, &p) || tokenize_phrase(kb, k->text, 0, &p) == 0) &&
	       memcmp(&p, &k->ph, sizeof(p)) == 0;
}

int
kb_vocab_check(struct kb *kb)
{
	char text[4 * NORM_TOKEN_MAX];
	size_t i, k;
	int bad = 0;

	for (i = 0; i < kb->nvocab; i++) {
		if (kb_word_docs(kb, kb->vocab[i].word) != kb->vocab[i].docs ||
		    !read_known_phrase(kb, kb->vocab[i].word, &(struct index_phrase){ 0 }))
			bad++;
		/* The word alone, after the next one, and the two as a phrase with spaces
		 * around; then as many words as make a phrase too long to hold. */
		snprintf(text, sizeof(text), " %s  %s ", kb->vocab[i].word,
			 kb->vocab[(i + 1) % kb->nvocab].word);
		bad += !reads_alike(kb, kb->vocab[i].word) || !reads_alike(kb, text);
	}
	for (i = 0; kb->known != NULL && i <= kb->known_mask; i++)
		bad += kb->known[i].text != NULL && !reads_as_kept(kb, &kb->known[i]);
	for (i = 0; i + INDEX_PHRASE_MAX < kb->nvocab && i < 64; i++) {
		text[0] = '\0';
		for (k = 0; k <= INDEX_PHRASE_MAX; k++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s",
				 k ? " " : "", kb->vocab[(i * 37 + k) % kb->nvocab].word);
		bad += !reads_alike(kb, text);
	}
	return bad;
}

/* Returns kb_phrase_docs() of text made of lowercase ASCII letters and digits only, in
 * words shorter than NORM_TOKEN_MAX separated by spaces, which norm_next() would give
 * back as they are; -2 for any other text. */
static long
plain_phrase_docs(const struct kb *kb, const char *text)
{
	const char *w = text, *end;
	long docs = -1, d, k;

	for (;;) {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			return docs < 0 ? 0 : docs;
		for (end = w; (*end >= 'a' && *end <= 'z') || (*end >= '0' && *end <= '9'); end++)
			;
		if ((*end != ' ' && *end != '\0') || end - w >= NORM_TOKEN_MAX)
			return -2;
		k = vocab_find(kb, w, (size_t)(end - w));
		d = k < 0 ? 0 : kb->vocab[k].docs;
		if (docs < 0 || d < docs)
			docs = d;
		w = end;
	}
}

long
kb_phrase_docs(const struct kb *kb, const char *text)
{
	char word[NORM_TOKEN_MAX];
	const char *p = text, *end;
	long docs, d;

	if ((docs = plain_phrase_docs(kb, text)) != -2)
		return docs;
	docs = -1;
	end = text + strlen(text);
	while (norm_next(&p, end, word, sizeof(word)) > 0) {
		d = kb_word_docs(kb, word);
		if (docs < 0 || d < docs)
			docs = d;
	}
	return docs < 0 ? 0 : docs;
}

/* Reads each synonym form once, in both languages' stemming, as searches will use it:
 * its stemmed words and the fewest facts one of them is in; and counts the facts holding
 * each form of three or more words, which counting at search time would cost. */
static int
read_synonyms(struct kb *kb)
{
	struct kb_synonym *s;
	struct index_phrase p;
	struct buf b;
	enum lang l;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < kb->nsyn; i++) {
		s = &kb->syn[i];
		for (l = LANG_EN; rc == 0 && l < LANG_COUNT; l++) {
			buf_init(&b);
			rc = norm_text_lang(s->form, strlen(s->form), l, &b);
			if (rc == 0 && (s->stemmed[l] = arena_strdup(&kb->strings,
								     b.data ? b.data : "")) == NULL)
				rc = -1;
			if (rc == 0)
				s->docs[l] = kb_phrase_docs(kb, s->stemmed[l]);
			if (rc == 0 && s->words >= 3 && b.data != NULL)
				rc = read_phrase(kb, b.data, 0, &p);
			if (rc == 0 && s->words >= 3 && b.data != NULL)
				rc = index_remember(kb->index, &p);
			buf_free(&b);
		}
	}
	return rc;
}

/* Orders forms by group, then by their place among the sorted forms. */
static int
cmp_group(const void *a, const void *b, void *ctx)
{
	const struct kb_synonym *syn = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (syn[x].group != syn[y].group)
		return syn[x].group < syn[y].group ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Links the forms of each group in their sorted order, and gives each form the most facts
 * any form of its group is in, so that reading a synonym does not go over every form.
 * Returns 0, or -1 when out of memory. */
static int
link_synonym_groups(struct kb *kb)
{
	struct kb_synonym *s = kb->syn;
	size_t *order, i, j, k;
	enum lang l;

	if (kb->nsyn == 0)
		return 0;
	if ((order = malloc(kb->nsyn * sizeof(*order))) == NULL)
		return -1;
	for (i = 0; i < kb->nsyn; i++)
		order[i] = i;
	qsort_r(order, kb->nsyn, sizeof(*order), cmp_group, s);
	for (i = 0; i < kb->nsyn; i = j) {
		for (j = i; j < kb->nsyn && s[order[j]].group == s[order[i]].group; j++)
			;
		memset(s[order[i]].group_docs, 0, sizeof(s[order[i]].group_docs));
		for (k = i; k < j; k++) {
			s[order[k]].group_first = order[i];
			s[order[k]].group_next = k + 1 < j ? order[k + 1] : 0;
			for (l = LANG_EN; l < LANG_COUNT; l++)
				if (s[order[k]].docs[l] > s[order[i]].group_docs[l])
					s[order[i]].group_docs[l] = s[order[k]].docs[l];
		}
		for (k = i + 1; k < j; k++)
			memcpy(s[order[k]].group_docs, s[order[i]].group_docs,
			       sizeof(s[order[i]].group_docs));
	}
	free(order);
	return 0;
}

/* Links each fact to its version in the other language: the fact it translates, or the
 * first fact that translates it. */
static void
link_translations(struct kb *kb)
{
	long i, t;

	for (i = 0; i < kb->nfacts; i++) {
		struct kb_fact_rec *f = &kb->facts[i];

		if (f->translation_of == NULL || (t = kb_fact_num(kb, f->translation_of)) < 1 ||
		    kb->facts[t - 1].lang == f->lang)
			continue;
		if (f->other == -1 || t < f->other)
			f->other = t;
		if (kb->facts[t - 1].other == -1 || i + 1 < kb->facts[t - 1].other)
			kb->facts[t - 1].other = i + 1;
	}
}

/* Returns the fact numbers of the n ids (-1 for an id that names no fact), or NULL when
 * out of memory. */
static long *
fact_nums(const struct kb *kb, const char *const *ids, size_t n)
{
	long *nums = malloc((n ? n : 1) * sizeof(*nums));
	size_t i;

	for (i = 0; nums != NULL && i < n; i++)
		nums[i] = kb_fact_num(kb, ids[i]);
	return nums;
}

/* Looks up once the facts that related links and starters name by id, which answers
 * would otherwise look up at each question. Returns 0, or -1 when out of memory. */
static int
resolve_links(struct kb *kb)
{
	enum lang l;

	if ((kb->related_num = fact_nums(kb, kb->related, kb->nrelated)) == NULL)
		return -1;
	for (l = LANG_EN; l < LANG_COUNT; l++)
		if ((kb->starter_num[l] = fact_nums(kb, kb->starters[l], kb->nstarters[l])) == NULL)
			return -1;
	return 0;
}

int
kb_open(const char *path, struct kb **out, char *err, size_t errlen)
{
	static const char *const spec[] = { KB_TOKENIZER_ARGS };
	struct kb *kb;

	*out = NULL;
	if ((kb = calloc(1, sizeof(*kb))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	arena_init(&kb->strings);
	if (kbload_read(kb, path, err, errlen) == -1 ||
	    tokens_open(spec, (int)ARRAY_LEN(spec), &kb->tokens, err, errlen) == -1) {
		kb_close(kb);
		return -1;
	}
	link_translations(kb);
	norm_lexicon_init(&kb->lexicon);
	index_vocab_letters(kb);
	fill_filters(kb);
	if (hash_vocab(kb) == -1 || sort_vocab_by_length(kb) == -1 || tokenize_vocab(kb) == -1 ||
	    read_synonyms(kb) == -1 || link_synonym_groups(kb) == -1 ||
	    read_synonym_phrases(kb) == -1 || resolve_links(kb) == -1) {
		snprintf(err, errlen, "out of memory");
		kb_close(kb);
		return -1;
	}
	kb->bytes = sizeof(*kb) + arena_bytes(&kb->strings) + kb->nmeta * sizeof(*kb->meta) +
		    (size_t)kb->nfacts * (sizeof(*kb->facts) + sizeof(*kb->fact_ids)) +
		    kb->nsources * (sizeof(*kb->sources) + sizeof(*kb->source_ids)) +
		    kb->ncites * sizeof(*kb->cites) + kb->nrelated * sizeof(*kb->related) +
		    kb->nreplies * sizeof(*kb->replies) + kb->nvocab * sizeof(*kb->vocab) +
		    (kb->vocab_mask + 1) * sizeof(*kb->vocab_slots) +
		    kb->nvocab * (sizeof(*kb->word_term_at) + sizeof(*kb->word_nterms)) +
		    kb->nword_terms * sizeof(*kb->word_terms) + kb->nsyn * sizeof(*kb->syn) +
		    kb->nfixes * sizeof(*kb->fixes) + kb->names.nforms * sizeof(*kb->names.forms) +
		    (kb->known ? kb->known_mask + 1 : 0) * sizeof(*kb->known);
	*out = kb;
	return 0;
}

long
kb_fact_count(const struct kb *kb)
{
	return kb->nfacts;
}

size_t
kb_bytes(const struct kb *kb)
{
	return kb->bytes + index_bytes(kb->index);
}

int
kb_each_source(const struct kb *kb, int (*fn)(void *ctx, const struct kb_cite *src), void *ctx)
{
	size_t i;
	int rc;

	for (i = 0; i < kb->nsources; i++)
		if ((rc = fn(ctx, &kb->sources[i])) != 0)
			return rc;
	return 0;
}

static const struct kb_fact_rec *
fact_rec(const struct kb *kb, long num)
{
	return num >= 1 && num <= kb->nfacts ? &kb->facts[num - 1] : NULL;
}

const char *
kb_fact_id(const struct kb *kb, long num)
{
	const struct kb_fact_rec *f = fact_rec(kb, num);

	return f ? f->id : NULL;
}

static int
cmp_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct kb_id *)elem)->id);
}

long
kb_fact_num(const struct kb *kb, const char *id)
{
	const struct kb_id *e;

	if (id == NULL || kb->nfacts == 0)
		return -1;
	e = bsearch(id, kb->fact_ids, (size_t)kb->nfacts, sizeof(*kb->fact_ids), cmp_id);
	return e ? e->num : -1;
}

int
kb_fact_lang(const struct kb *kb, const char *id)
{
	const struct kb_fact_rec *f = fact_rec(kb, kb_fact_num(kb, id));

	return f ? (int)f->lang : -1;
}

long
kb_fact_in_lang(const struct kb *kb, long num, enum lang lang)
{
	const struct kb_fact_rec *f = fact_rec(kb, num);

	if (f == NULL)
		return -1;
	return f->lang == lang ? num : f->other;
}

double
kb_fact_asked(const struct kb *kb, long num, unsigned intents)
{
	const struct kb_fact_rec *f = fact_rec(kb, num);
	unsigned most = 0;
	int i;

	if (f == NULL || f->questions == 0)
		return 0;
	for (i = 0; i < INTENTS; i++)
		if ((intents >> i & 1) && f->asking[i] > most)
			most = f->asking[i];
	return (double)most / f->questions;
}

const struct name_set *
kb_fact_names(const struct kb *kb, long num)
{
	static const struct name_set none;
	const struct kb_fact_rec *f = fact_rec(kb, num);

	return f != NULL ? &f->names : &none;
}

void
kb_find_names(const struct kb *kb, const char *const *words, int n, struct name_set *out)
{
	if (kb->names.n > 0)
		names_find(&kb->names, words, n, out);
}

const char *
kb_entity_id(const struct kb *kb, int i)
{
	return i >= 0 && i < kb->names.n ? kb->names.ids[i] : "?";
}

const char *
kb_entity_kind(const struct kb *kb, int i)
{
	return i >= 0 && i < kb->names.n ? kb->names.kinds[i] : "?";
}

/* Copies the n strings of from into to (a NULL stays NULL), all in one allocation from
 * a: a fact or a citation is some ten strings. Returns 0, or -1 when out of memory. */
static int
copy_strings(struct arena *a, const char *const *from, const char **to, int n)
{
	size_t len[KB_COPY_MAX], total = 1;
	char *p;
	int i;

	for (i = 0; i < n; i++)
		total += len[i] = from[i] ? strlen(from[i]) + 1 : 0;
	if ((p = arena_alloc(a, total)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		to[i] = from[i] ? memcpy(p, from[i], len[i]) : NULL;
		p += len[i];
	}
	return 0;
}

int
kb_fact(struct kb *kb, long num, struct arena *a, struct kb_fact *out)
{
	const struct kb_fact_rec *f = fact_rec(kb, num);
	const char *to[8];

	if (f == NULL ||
	    copy_strings(a,
			 (const char *const[]){ f->id, f->answer, f->question, f->as_of, f->status,
						f->superseded_by, f->translation_of, f->reviewed },
			 to, 8) == -1)
		return -1;
	out->num = num;
	out->id = to[0];
	out->lang = lang_code(f->lang);
	out->answer = to[1];
	out->question = to[2];
	out->as_of = to[3];
	out->status = to[4];
	out->superseded_by = to[5];
	out->translation_of = to[6];
	out->reviewed = to[7];
	if (!out->id || !out->answer || !out->question || !out->as_of || !out->status ||
	    !out->reviewed)
		return -1;
	return 0;
}

int
kb_fact_link(struct kb *kb, long num, struct arena *a, const char **id, const char **question)
{
	const struct kb_fact_rec *f = fact_rec(kb, num);
	const char *to[2];

	if (f == NULL || copy_strings(a, (const char *const[]){ f->id, f->question }, to, 2) == -1)
		return -1;
	*id = to[0];
	*question = to[1];
	return *id && *question ? 0 : -1;
}

int
kb_fact_cites(struct kb *kb, long num, struct arena *a, struct kb_cite *out, int max)
{
	const struct kb_fact_rec *f = fact_rec(kb, num);
	const char *to[9];
	int n;

	for (n = 0; f != NULL && n < max && (uint32_t)n < f->ncites; n++) {
		const struct kb_cite_rec *c = &kb->cites[f->cite + (uint32_t)n];
		const struct kb_cite *s = &kb->sources[c->source];

		if (copy_strings(a,
				 (const char *const[]){ s->id, s->title, s->publisher, s->date,
							s->url, s->citation, s->kind, c->pinpoint,
							c->quote },
				 to, 9) == -1)
			return -1;
		out[n] = (struct kb_cite){ .id = to[0],
					   .title = to[1],
					   .publisher = to[2],
					   .date = to[3],
					   .url = to[4],
					   .citation = to[5],
					   .kind = to[6],
					   .pinpoint = to[7],
					   .quote = to[8] };
		if (!out[n].id || !out[n].title || !out[n].publisher || !out[n].kind)
			return -1;
	}
	return n;
}

/* Copies up to max of the n strings into ids. Returns how many, or -1. */
static int
copy_ids(const char *const *from, size_t n, struct arena *a, const char **ids, int max)
{
	int i;

	for (i = 0; i < max && (size_t)i < n; i++)
		if ((ids[i] = arena_strdup(a, from[i])) == NULL)
			return -1;
	return i;
}

/* Copies up to max of the n numbers into nums. Returns how many. */
static int
copy_nums(const long *from, size_t n, long *nums, int max)
{
	int i;

	for (i = 0; i < max && (size_t)i < n; i++)
		nums[i] = from[i];
	return i;
}

int
kb_fact_related(const struct kb *kb, long num, long *nums, int max)
{
	const struct kb_fact_rec *f = fact_rec(kb, num);

	if (f == NULL || f->nrelated == 0)
		return 0;
	return copy_nums(kb->related_num + f->related, f->nrelated, nums, max);
}

int
kb_starters(struct kb *kb, enum lang lang, struct arena *a, const char **ids, int max)
{
	return copy_ids(kb->starters[lang], kb->nstarters[lang], a, ids, max);
}

int
kb_starter_nums(const struct kb *kb, enum lang lang, long *nums, int max)
{
	return copy_nums(kb->starter_num[lang], kb->nstarters[lang], nums, max);
}

const char *
kb_reply(const struct kb *kb, const char *id, enum lang lang)
{
	size_t i;

	for (i = 0; i < kb->nreplies; i++)
		if (kb->replies[i].lang == lang && strcmp(kb->replies[i].id, id) == 0)
			return kb->replies[i].text;
	return NULL;
}

/* The ids enum reply is stored under: what editors write in kb/replies.json. */
static const char *const reply_ids[REPLY_COUNT] = {
	[REPLY_GREETING] = "_greeting",
	[REPLY_THANKS] = "_thanks",
	[REPLY_GOODBYE] = "_goodbye",
	[REPLY_HELP] = "_help",
	[REPLY_ABOUT] = "_about",
	[REPLY_NOT_A_WRITER] = "_not_a_writer",
	[REPLY_LEGAL_ADVICE] = "_legal_advice",
	[REPLY_DECLINE] = "_decline",
	[REPLY_HELP_COMMAND] = "_help_command",
	[REPLY_PROMPT] = "_prompt",
	[REPLY_CLARIFY] = "_clarify",
};

const char *
kb_reply_id(enum reply r)
{
	return (unsigned)r < REPLY_COUNT ? reply_ids[r] : NULL;
}

const char *
kb_reply_text(const struct kb *kb, enum reply r, enum lang lang)
{
	const char *id = kb_reply_id(r);

	return id ? kb_reply(kb, id, lang) : NULL;
}

const struct kb_word *
kb_vocab(const struct kb *kb, size_t *n)
{
	*n = kb->nvocab;
	return kb->vocab;
}

long
kb_word_docs(const struct kb *kb, const char *word)
{
	long k = vocab_find(kb, word, strlen(word));

	return k < 0 ? 0 : kb->vocab[k].docs;
}

const struct norm_lexicon *
kb_lexicon(const struct kb *kb)
{
	return &kb->lexicon;
}

const struct kb_synonym *
kb_synonyms(const struct kb *kb, size_t *n)
{
	*n = kb->nsyn;
	return kb->syn;
}

static int
cmp_fix(const void *key, const void *elem)
{
	return strcmp(key, ((const struct kb_fix *)elem)->word);
}

const char *
kb_misspelling(const struct kb *kb, const char *word)
{
	const struct kb_fix *f;

	if (kb->nfixes == 0 || !filter_has(kb->fix_words, word))
		return NULL;
	f = bsearch(word, kb->fixes, kb->nfixes, sizeof(*kb->fixes), cmp_fix);
	return f ? f->fix : NULL;
}

/* ---- Searching ---- */

int
kb_prepare(struct kb *kb, const struct query *q, struct index_query *out)
{
	const char *text;
	int i, prefix;

	/* The phrases past out->n are not read: they are left as they are, rather than
	 * cleared, 2 KB a search. */
	out->n = 0;
	out->columns = 0;
	for (i = 0; i < q->nphrases && i < INDEX_QUERY_MAX; i++) {
		text = query_phrase(q, i, &prefix);
		if (read_phrase(kb, text, prefix, &out->ph[i]) == -1)
			return -1;
	}
	out->n = i;
	return 0;
}

/* How many facts lead to fact num, as a share of the most any fact has. */
static double
centrality(const struct kb *kb, long num)
{
	const struct kb_fact_rec *f = fact_rec(kb, num);

	return f && kb->max_links > 0 ? (double)f->links / (double)kb->max_links : 0.0;
}

/* Returns bit i set when byte i of x has its low bit set (x having no other bits). */
static unsigned
gather_bytes(uint64_t x)
{
	return (unsigned)((x * 0x0102040810204080ULL) >> 56);
}

/* Returns the 8 bits of x moved to the even bits of 16. */
static uint64_t
spread_bits(uint64_t x)
{
	x = (x | x << 4) & 0x0f0f;
	x = (x | x << 2) & 0x3333;
	return (x | x << 1) & 0x5555;
}

/* The best column of each phrase, two bits a phrase (enum kb_column), from the columns
 * the index found each in: the questions (bit 0) rank 3, else the keywords (bit 1) 2,
 * else the answer (bit 2) 1. Eight phrases at a time, a byte each: the high bit of a
 * field is questions or keywords, the low one questions, or the answer without the
 * keywords. */
static unsigned long long
best_columns(const struct index_query *q, const struct index_hit *h)
{
	const uint64_t ones = 0x0101010101010101ULL;
	unsigned long long cols = 0;
	uint64_t w, in_q, in_k, in_a;
	int g, n = q->n < 32 ? q->n : 32;

	_Static_assert(KB_COL_QUESTIONS == 3 && KB_COL_KEYWORDS == 2 && KB_COL_ANSWER == 1,
		       "a column ranks as its two bits");
	_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "byte i of 8 is bits 8i..");
	for (g = 0; g < n; g += 8) {
		memcpy(&w, h->columns + g, sizeof(w));
		if (n - g < 8)
			w &= (1ULL << (8 * (n - g))) - 1;
		if (w == 0)
			continue;
		in_q = w & ones;
		in_k = (w >> 1) & ones;
		in_a = (w >> 2) & ones;
		cols |= (spread_bits(gather_bytes(in_q | (in_a & ~in_k))) |
			 spread_bits(gather_bytes(in_q | in_k)) << 1)
			<< (2 * g);
	}
	return cols;
}

int
kb_search(struct kb *kb, const struct index_query *q, enum lang lang, struct kb_hit *hits, int max,
	  long long deadline_ns, char *err, size_t errlen)
{
	struct index_hit found[KB_QUESTION_FACTS * 4];
	int n, i;

	if (max > (int)ARRAY_LEN(found))
		max = (int)ARRAY_LEN(found);
	if (kb->last[lang] < kb->first[lang])
		return 0;
	n = index_top(kb->index, q, (uint32_t)kb->first[lang], (uint32_t)kb->last[lang], max,
		      deadline_ns, found);
	if (n < 0) {
		snprintf(err, errlen, "%s", n == -2 ? "search took too long" : "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		hits[i].fact = found[i].doc;
		hits[i].score = found[i].score;
		hits[i].cols = best_columns(q, &found[i]);
		hits[i].centrality = centrality(kb, found[i].doc);
	}
	return n;
}

/* A candidate fact, and the phrases found in its questions. */
struct candidate {
	long fact;	  /* its number */
	uint32_t phrases; /* bit i: phrase i is in its questions column */
	uint32_t of;	  /* bit i: it is hit i */
};

/* Sorts the candidates by fact number: an insertion sort, as there are at most
 * KB_QUESTION_FACTS. */
static void
sort_candidates(struct candidate *c, int n)
{
	struct candidate t;
	int i, j;

	for (i = 1; i < n; i++) {
		t = c[i];
		for (j = i; j > 0 && c[j - 1].fact > t.fact; j--)
			c[j] = c[j - 1];
		c[j] = t;
	}
}

/* Returns the phrases of q (bit i: phrase i) that a hit map has in the questions column. */
static uint32_t
questions_phrases(const struct index_query *q, unsigned long long cols)
{
	/* Both bits of a phrase's field set: KB_COL_QUESTIONS; the low one marks it. The
	 * marks, at the even bits, are then gathered into the low 32 (the inverse of
	 * spread_bits(), on all 64 at once). */
	uint64_t x = cols & (cols >> 1) & 0x5555555555555555ULL;

	_Static_assert(KB_COL_QUESTIONS == 3, "the questions column is both bits");
	x = (x | x >> 1) & 0x3333333333333333ULL;
	x = (x | x >> 2) & 0x0f0f0f0f0f0f0f0fULL;
	x = (x | x >> 4) & 0x00ff00ff00ff00ffULL;
	x = (x | x >> 8) & 0x0000ffff0000ffffULL;
	x = (x | x >> 16) & 0x00000000ffffffffULL;
	return (uint32_t)x & (q->n < 32 ? (1u << q->n) - 1 : ~0u);
}

int
kb_search_questions(struct kb *kb, const struct index_query *q, const struct kb_hit *facts,
		    int nfacts, struct kb_question_hit *hits, int max)
{
	struct candidate c[KB_QUESTION_FACTS];
	uint32_t found[KB_QUESTION_ROWS];
	double cover[KB_QUESTION_ROWS];
	int n = 0, i, r, rows;

	if (nfacts > KB_QUESTION_FACTS)
		nfacts = KB_QUESTION_FACTS;
	_Static_assert(KB_QUESTION_FACTS <= 32, "a hit is one bit of a uint32_t");
	for (i = 0; i < nfacts; i++) {
		c[i].fact = facts[i].fact;
		c[i].phrases = questions_phrases(q, facts[i].cols);
		c[i].of = 1u << i;
	}
	sort_candidates(c, nfacts);
	for (i = nfacts - 1; i > 0; i--) /* a fact found twice: its first entry is both */
		if (c[i].fact == c[i - 1].fact)
			c[i - 1].of |= c[i].of;
	for (i = 0; i < nfacts && n < max; i++) {
		if (fact_rec(kb, c[i].fact) == NULL || c[i].phrases == 0 ||
		    (i > 0 && c[i].fact == c[i - 1].fact))
			continue;
		rows = index_question_rows_match(kb->index, q, c[i].phrases, (uint32_t)c[i].fact,
						 found, cover, KB_QUESTION_ROWS);
		for (r = 0; r < rows; r++) {
			if (found[r] == 0)
				continue;
			if (n == max)
				break;
			hits[n].fact = c[i].fact;
			hits[n].of = c[i].of;
			hits[n].phrases = found[r];
			hits[n].cover = cover[r];
			n++;
		}
	}
	return n;
}

const char *
kb_baseline(struct kb *kb, const char *question)
{
	struct index_query q;
	struct index_hit best;
	const char *p = question;
	char word[256];
	size_t len;

	memset(&q, 0, sizeof(q));
	q.columns = 1u << 2; /* the answer */
	while (*p != '\0' && q.n < INDEX_QUERY_MAX) {
		p += strspn(p, " \t");
		if ((len = strcspn(p, " \t")) == 0)
			break;
		snprintf(word, sizeof(word), "%.*s",
			 (int)(len < sizeof(word) ? len : sizeof(word) - 1), p);
		if (read_phrase(kb, word, 0, &q.ph[q.n]) == -1)
			return NULL;
		q.n++;
		p += len;
	}
	if (index_top(kb->index, &q, 1, (uint32_t)kb->nfacts, 1, 0, &best) != 1)
		return NULL;
	return kb_fact_id(kb, best.doc);
}
