/* SPDX-License-Identifier: MIT */
/*
 * test_norm.c -- the normaliser: words, folding, abbreviations, bad bytes, limits,
 * language detection, stopwords, and words found again as typed.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "norm.h"

/* Normalises s and returns the words joined by spaces (static buffer). */
static const char *
norm(const char *s, size_t n)
{
	static char out[4096];
	struct buf b;

	buf_init(&b);
	norm_text(s, n, &b);
	snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
	buf_free(&b);
	return out;
}

#define NORM(s) norm((s), strlen(s))

static void
test_case_and_punctuation_fold_away(void)
{
	CHECK_STR(NORM("Who was the JUDGE?!"), "who was the judge");
	CHECK_STR(NORM("  judge  "), "judge");
	CHECK_STR(NORM("...,;:!?"), "");
	CHECK_STR(NORM("Chicago's 48-hour notice"), "chicago s 48 hour notice");
	CHECK_STR(NORM("Sessions' order"), "sessions order");
	CHECK_STR(NORM("“curly quotes” — dash"), "curly quotes dash");
}

static void
test_accents_fold_like_unicode61(void)
{
	CHECK_STR(NORM("¿Quién fue el JUEZ?"), "quien fue el juez");
	CHECK_STR(NORM("decisión, niño, pingüino"), "decision nino pinguino");
	CHECK_STR(NORM("Straße Æther Łódź"), "strasse aether lodz");
	/* e followed by a combining acute accent */
	CHECK_STR(NORM("e\xcc\x81xito"), "exito");
}

static void
test_dotted_abbreviations_join(void)
{
	CHECK_STR(NORM("8 U.S.C. § 1373"), "8 usc 1373");
	CHECK_STR(NORM("the U.S. attorney"), "the us attorney");
	CHECK_STR(NORM("D.C. and v. Sessions"), "dc and v sessions");
	CHECK_STR(NORM("e.g. this"), "eg this");
}

static void
test_spanish_stems_and_why(void)
{
	struct buf b;
	char w[NORM_TOKEN_MAX];
	static const char *const pairs[][2] = {
		{ "ciudades", "ciudad" },   { "ciudad", "ciudad" },
		{ "jueces", "juez" },	    { "juez", "juez" },
		{ "fondos", "fond" },	    { "fondo", "fond" },
		{ "bloquearon", "bloque" }, { "bloqueo", "bloque" },
		{ "leyes", "ley" },	    { "condiciones", "condicion" },
		{ "fue", "fue" },	    { "1373", "1373" },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		snprintf(w, sizeof(w), "%s", pairs[i][0]);
		norm_stem(w, LANG_ES);
		CHECK_STR(w, pairs[i][1]);
	}
	snprintf(w, sizeof(w), "cities");
	norm_stem(w, LANG_EN);
	CHECK_STR(w, "cities"); /* English is left to FTS5's porter */
	buf_init(&b);
	norm_text_lang("¿Por qué bloquearon los fondos?", 33, LANG_ES, &b);
	CHECK_STR(b.data, "porqu bloque los fond");
	buf_free(&b);
}

static void
test_numbers_stay_whole(void)
{
	CHECK_STR(NORM("$2.3 million"), "2.3 million");
	CHECK_STR(NORM("$263,682,023 in 2016."), "263682023 in 2016");
	CHECK_STR(NORM("nearly 1,000 applications"), "nearly 1000 applications");
	CHECK_STR(NORM("section 9(a), 34 U.S.C. 10102."), "section 9 a 34 usc 10102");
	CHECK_STR(NORM("3. conditions, 4"), "3 conditions 4");
}

static void
test_bad_bytes_are_separators(void)
{
	const char nul[] = "who\0was";

	CHECK_STR(norm(nul, sizeof(nul) - 1), "who was");
	CHECK_STR(NORM("judge\xff\xfe"
		       "ruling"),
		  "judge ruling");
	CHECK_STR(NORM("\xc0\xafjudge"), "judge");
	CHECK_STR(NORM("emoji\xf0\x9f\x98\x80here"), "emoji here");
	CHECK_STR(NORM("trunc\xe2\x82"), "trunc");
}

static void
test_words_and_counts_are_bounded(void)
{
	struct norm_tokens t;
	char big[3000];
	size_t i;

	memset(big, 'a', sizeof(big));
	norm_tokenize(big, sizeof(big), &t);
	CHECK(t.n == 1);
	CHECK(strlen(t.tok[0].text) == NORM_TOKEN_MAX - 1);
	for (i = 0; i < sizeof(big); i++)
		big[i] = i % 2 ? ' ' : 'x';
	norm_tokenize(big, sizeof(big), &t);
	CHECK(t.n == NORM_TOKENS_MAX);
	CHECK(t.dropped == (int)sizeof(big) / 2 - NORM_TOKENS_MAX);
	/* A long word of two-byte letters is cut on a character boundary. */
	for (i = 0; i + 1 < sizeof(big); i += 2)
		big[i] = '\xd0', big[i + 1] = '\x96'; /* Ж, kept as typed */
	norm_tokenize(big, sizeof(big), &t);
	CHECK(t.n == 1 && strlen(t.tok[0].text) % 2 == 0);
}

static void
test_language_detection(void)
{
	struct norm_tokens t;
	const char *q;
	int sure = 0;

	q = "¿Quién fue el juez?";
	norm_tokenize(q, strlen(q), &t);
	norm_detect_lang(q, strlen(q), &t, LANG_EN, &sure);
	CHECK(sure);
	norm_tokenize(q, strlen(q), &t);
	CHECK(norm_detect_lang(q, strlen(q), &t, LANG_EN, NULL) == LANG_ES);
	q = "quien fue el juez del caso";
	norm_tokenize(q, strlen(q), &t);
	CHECK(norm_detect_lang(q, strlen(q), &t, LANG_EN, NULL) == LANG_ES);
	q = "Who was the judge?";
	norm_tokenize(q, strlen(q), &t);
	CHECK(norm_detect_lang(q, strlen(q), &t, LANG_EN, NULL) ==
	      LANG_EN); /* "los" alone says es */
	q = "demandante condicion de notificacion";
	norm_tokenize(q, strlen(q), &t);
	CHECK(norm_detect_lang(q, strlen(q), &t, LANG_EN, NULL) == LANG_ES);
	q = "los angeles sanctuary ordinance 2024";
	norm_tokenize(q, strlen(q), &t);
	CHECK(norm_detect_lang(q, strlen(q), &t, LANG_EN, NULL) ==
	      LANG_EN); /* "los" alone says es */
	q = "Leinenweber";
	norm_tokenize(q, strlen(q), &t);
	norm_detect_lang(q, strlen(q), &t, LANG_EN, &sure);
	CHECK(!sure);
	CHECK(norm_detect_lang(q, strlen(q), &t, LANG_ES, NULL) == LANG_ES);
	CHECK(norm_detect_lang(q, strlen(q), &t, LANG_EN, NULL) == LANG_EN);
}

static void
test_stopwords(void)
{
	CHECK(norm_lists_sorted());
	CHECK(norm_is_stopword("the", LANG_EN));
	CHECK(norm_is_stopword("what", LANG_EN));
	CHECK(!norm_is_stopword("who", LANG_EN));
	CHECK(!norm_is_stopword("judge", LANG_EN));
	CHECK(norm_is_stopword("el", LANG_ES));
	CHECK(!norm_is_stopword("quien", LANG_ES));
	CHECK(!norm_is_stopword("the", LANG_ES));
	/* A slip of a stopword: one letter off, or two neighbours swapped. */
	CHECK(norm_near_stopword("teh", LANG_EN));
	CHECK(norm_near_stopword("hte", LANG_EN));
	CHECK(norm_near_stopword("tha", LANG_EN));
	CHECK(!norm_near_stopword("eth", LANG_EN)); /* two swaps apart */
	CHECK(!norm_near_stopword("zqx", LANG_EN));
	CHECK(norm_near_stopword("lso", LANG_ES)); /* "los" */
}

/* A word's kind is what the lists say of it, and each word of a question has its own,
 * "por que" joined into "porque" too. */
static void
test_word_kinds(void)
{
	const char *q = "Por qué the judge, who decided el caso?";
	struct norm_tokens t;
	int i;

	CHECK(norm_kind("the") == (NORM_STOP_EN | NORM_MARK_EN));
	CHECK(norm_kind("a") == (NORM_STOP_EN | NORM_STOP_ES));
	CHECK(norm_kind("cuando") == (NORM_QUESTION | NORM_MARK_ES));
	CHECK(norm_kind("inmigracion") == NORM_MARK_ES);
	CHECK(norm_kind("nacionalidades") == NORM_MARK_ES); /* a Spanish ending */
	CHECK(norm_kind("judge") == NORM_MARK_EN && norm_kind("sanctuary") == 0);
	CHECK(norm_kind("") == 0 && norm_kind("zzz") == 0 && norm_kind("yours") == 0);
	norm_tokenize(q, strlen(q), &t);
	CHECK(t.n == 7 && strcmp(t.tok[0].text, "porque") == 0);
	for (i = 0; i < t.n; i++)
		CHECK(t.tok[i].kind == norm_kind(t.tok[i].text));
	CHECK(t.tok[0].kind == (NORM_QUESTION | NORM_MARK_ES));
	CHECK(t.tok[1].kind == (NORM_STOP_EN | NORM_MARK_EN) && t.tok[2].kind == NORM_MARK_EN);
	CHECK(norm_token_is_stopword(&t, 1, LANG_EN) && !norm_token_is_stopword(&t, 1, LANG_ES));
	CHECK(norm_counts(&t, 0, LANG_ES) && !norm_counts(&t, 3, LANG_EN));
}

/* The lists' hash table gives every word the kind the lists do, and a question's words
 * the same kinds as norm_tokenize(); a word it holds wrongly shows. */
static void
test_lexicon(void)
{
	const char *q = "¿Por qué the judge, who decided el caso de las ciudades santuario "
			"y la inmigración, blocked sanctuary funding? Cuándo, when, fondos";
	struct norm_lexicon *lx = malloc(sizeof(*lx));
	struct norm_tokens a, b;
	int i;

	norm_lexicon_init(lx);
	CHECK(norm_lexicon_check(lx) == 0);
	norm_tokenize(q, strlen(q), &a);
	norm_tokenize_with(lx, q, strlen(q), &b);
	CHECK(a.n == b.n && a.n == 20);
	for (i = 0; i < a.n && i < b.n; i++)
		CHECK(strcmp(a.tok[i].text, b.tok[i].text) == 0 && a.tok[i].kind == b.tok[i].kind);
	CHECK(norm_lexicon_kind(lx, "nacionalidades") == NORM_MARK_ES);
	CHECK(norm_lexicon_kind(lx, "") == 0 && norm_lexicon_kind(lx, "sanctuary") == 0);
	for (i = 0; i < NORM_LEXICON_SLOTS; i++)
		if (lx->slot[i].word != NULL && strcmp(lx->slot[i].word, "the") == 0)
			lx->slot[i].kind = NORM_STOP_ES;
	CHECK(norm_lexicon_check(lx) > 0);
	free(lx);
}

/* A folded word's first place in a text, as typed: what the spelling dictionaries are
 * asked. */
static void
test_words_as_typed(void)
{
	const char *q = "¿Cuándo FALLÓ el juez? U.S.C. fallo";
	char out[64], small[4];

	CHECK(norm_typed(q, strlen(q), "cuando", out, sizeof(out)) == 0);
	CHECK_STR(out, "Cuándo");
	CHECK(norm_typed(q, strlen(q), "fallo", out, sizeof(out)) == 0);
	CHECK_STR(out, "FALLÓ");
	CHECK(norm_typed(q, strlen(q), "usc", out, sizeof(out)) == 0);
	CHECK_STR(out, "U.S.C");
	CHECK(norm_typed(q, strlen(q), "juez", out, sizeof(out)) == 0);
	CHECK_STR(out, "juez");
	CHECK(norm_typed(q, strlen(q), "judge", out, sizeof(out)) == -1);
	CHECK(norm_typed(q, strlen(q), "cuando", small, sizeof(small)) == -1);
	CHECK(norm_typed("", 0, "cuando", out, sizeof(out)) == -1);
}

static void
test_lang_codes(void)
{
	enum lang l;

	CHECK(lang_parse("es", &l) == 0 && l == LANG_ES);
	CHECK(lang_parse("en", &l) == 0 && l == LANG_EN);
	CHECK(lang_parse("fr", &l) == -1);
	CHECK(lang_parse(NULL, &l) == -1);
	CHECK_STR(lang_code(LANG_ES), "es");
}

int
main(void)
{
	RUN(test_case_and_punctuation_fold_away);
	RUN(test_accents_fold_like_unicode61);
	RUN(test_dotted_abbreviations_join);
	RUN(test_numbers_stay_whole);
	RUN(test_spanish_stems_and_why);
	RUN(test_bad_bytes_are_separators);
	RUN(test_words_and_counts_are_bounded);
	RUN(test_language_detection);
	RUN(test_stopwords);
	RUN(test_word_kinds);
	RUN(test_lexicon);
	RUN(test_words_as_typed);
	RUN(test_lang_codes);
	HARNESS_END();
}
