/* SPDX-License-Identifier: MIT */
/*
 * names.c -- finds the knowledge base's entities in a run of folded words. The forms are
 * sorted, so those that start with a word are one stretch of the table, found by a binary
 * search on the first word; the longest of them that the following words spell wins.
 */
#include "names.h"

#include <string.h>

#include "norm.h"
#include "util.h"

/* Compares word w with the first word of form f, in the order strcmp sorts the forms:
 * the space that ends a form's first word sorts before any character of a word. */
static int
cmp_first_word(const char *w, const char *f)
{
	while (*w != '\0' && *f != ' ' && *f != '\0' && *w == *f)
		w++, f++;
	return (unsigned char)*w - (*f == ' ' ? 0 : (unsigned char)*f);
}

/* Returns how many words of form f words[0..n) spell from the start, when they spell all
 * of it; 0 when they do not. */
static int
spells(const char *f, const char *const *words, int n)
{
	size_t len;
	int k;

	for (k = 0; k < n; k++) {
		len = strlen(words[k]);
		if (strncmp(f, words[k], len) != 0 || (f[len] != ' ' && f[len] != '\0'))
			return 0;
		if (f[len] == '\0')
			return k + 1;
		f += len + 1;
	}
	return 0;
}

/* Returns the first form whose first word is w, or NULL. */
static const struct name_form *
first_form(const struct name_table *t, const char *w)
{
	size_t lo = 0, hi = t->nforms;

	while (lo < hi) { /* the first form whose first word is not before w */
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_first_word(w, t->forms[mid].text) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nforms && cmp_first_word(w, t->forms[lo].text) == 0 ? &t->forms[lo] : NULL;
}

/* Returns the bit of the filter for the len bytes of word. */
static uint32_t
first_bit(const char *word, size_t len)
{
	return hash_word(word, len) % (64 * 64);
}

void
names_index(struct name_table *t)
{
	uint32_t bit;
	size_t i;

	memset(t->first, 0, sizeof(t->first));
	for (i = 0; i < t->nforms; i++) {
		bit = first_bit(t->forms[i].text, strcspn(t->forms[i].text, " "));
		t->first[bit / 64] |= 1ULL << (bit % 64);
	}
}

static void
name_set_add(struct name_set *s, int entity)
{
	s->bits[entity / 64] |= 1ULL << (entity % 64);
}

void
names_find(const struct name_table *t, const char *const *words, int n, struct name_set *out)
{
	const struct name_form *f, *end, *best;
	int i, k, longest;

	if (t->nforms == 0)
		return; /* and t->forms may be NULL, to which not even 0 may be added */
	end = t->forms + t->nforms;
	for (i = 0; i < n; i++) {
		uint32_t bit = first_bit(words[i], strlen(words[i]));

		/* Most words start no form: one look at the filter says so. */
		if (!(t->first[bit / 64] >> (bit % 64) & 1) ||
		    (f = first_form(t, words[i])) == NULL)
			continue;
		best = NULL;
		longest = 0;
		for (; f < end && cmp_first_word(words[i], f->text) == 0; f++)
			if (f->words > longest && (k = spells(f->text, words + i, n - i)) > 0) {
				best = f;
				longest = k;
			}
		if (best != NULL) {
			name_set_add(out, best->entity);
			i += longest - 1;
		}
	}
}

void
names_in_text(const struct name_table *t, const char *text, size_t len, struct name_set *out)
{
	enum { WINDOW = 64 };
	char word[WINDOW][NORM_TOKEN_MAX];
	const char *ptr[WINDOW], *p = text, *end = text + len;
	int n = 0, keep = KB_ENTITY_WORDS - 1, i;

	for (i = 0; i < WINDOW; i++)
		ptr[i] = word[i];
	/* A window of words at a time; the last few stay for the next, so that no form is cut
	 * in two. */
	for (;;) {
		size_t got = norm_next(&p, end, word[n], sizeof(word[n]));

		if (got > 0)
			n++;
		if (n == WINDOW || (got == 0 && n > 0)) {
			names_find(t, ptr, n, out);
			if (got == 0)
				break;
			for (i = 0; i < keep; i++)
				memcpy(word[i], word[n - keep + i], sizeof(word[i]));
			n = keep;
		}
		if (got == 0)
			break;
	}
}

int
names_count(const struct name_set *a)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ARRAY_LEN(a->bits); i++)
		n += __builtin_popcountll(a->bits[i]);
	return n;
}

int
names_missing(const struct name_set *a, const struct name_set *b)
{
	uint64_t missing;
	size_t i;
	int n = 0;

	for (i = 0; i < ARRAY_LEN(a->bits); i++)
		if ((missing = a->bits[i] & ~b->bits[i]) != 0)
			n += __builtin_popcountll(missing);
	return n;
}
