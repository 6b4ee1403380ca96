/* SPDX-License-Identifier: MIT */
/*
 * norm.c -- words out of text. Folding follows what FTS5's unicode61 tokenizer does with
 * remove_diacritics 2 for Latin letters, so that a question typed without accents finds a
 * fact written with them. Everything else (Greek, Cyrillic, CJK) is kept as typed.
 */
#include "norm.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Latin-1 letters U+00C0..U+00FF, folded; NULL marks × and ÷, which separate words. */
static const char *const fold_latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
	"d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
	"d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "y",
};

/* Latin Extended-A U+0100..U+017F, one base letter each; '*' marks the ligatures. */
static const char fold_latin_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkk"
				   "llllllllllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuu"
				   "wwyyyzzzzzzs";

/* Sorted lists, searched with bsearch; norm_lists_sorted() checks the order in tests. */
static const char *const stop_en[] = {
	"a",	   "about",   "actually",  "after",   "again",	   "ah",      "all",	   "also",
	"am",	   "an",      "and",	   "any",     "anything",  "anyway",  "anyways",   "are",
	"as",	   "at",      "basically", "be",      "been",	   "being",   "bit",	   "but",
	"by",	   "can",     "could",	   "curious", "d",	   "did",     "do",	   "does",
	"doing",   "done",    "else",	   "english", "ever",	   "exactly", "explain",   "for",
	"from",	   "get",     "give",	   "gonna",   "got",	   "gotta",   "guess",	   "had",
	"has",	   "have",    "having",	   "he",      "hello",	   "her",     "here",	   "hers",
	"hey",	   "hi",      "him",	   "his",     "i",	   "if",      "im",	   "in",
	"into",	   "is",      "it",	   "its",     "just",	   "kind",    "know",	   "layman",
	"laymans", "let",     "like",	   "ll",      "lol",	   "m",	      "maybe",	   "me",
	"more",	   "most",    "my",	   "nor",     "of",	   "oh",      "ok",	   "okay",
	"on",	   "or",      "our",	   "perhaps", "plain",	   "please",  "pls",	   "plz",
	"pretty",  "quite",   "r",	   "re",      "really",	   "s",	      "she",	   "simply",
	"so",	   "some",    "somebody",  "someone", "something", "sort",    "stuff",	   "t",
	"tell",	   "than",    "thank",	   "thanks",  "that",	   "thats",   "the",	   "their",
	"them",	   "then",    "there",	   "these",   "they",	   "thing",   "this",	   "those",
	"though",  "to",      "too",	   "u",	      "uh",	   "um",      "ur",	   "us",
	"ve",	   "very",    "wanna",	   "want",    "was",	   "we",      "were",	   "what",
	"whats",   "whether", "which",	   "will",    "with",	   "wonder",  "wondering", "would",
	"yeah",	   "yes",     "yo",	   "you",     "your",
};

static const char *const stop_es[] = {
	"a",	   "al",	"algo",	  "alguien",  "algun",	   "alguna",   "algunas",
	"algunos", "ante",	"aqui",	  "asi",      "bueno",	   "cada",     "con",
	"cual",	   "cuales",	"de",	  "decir",    "del",	   "dime",     "e",
	"el",	   "ella",	"ellas",  "ellos",    "en",	   "entonces", "entre",
	"era",	   "eran",	"es",	  "esa",      "ese",	   "eso",      "esta",
	"estaba",  "estan",	"estas",  "este",     "esto",	   "estos",    "exactamente",
	"explica", "explicame", "favor",  "fue",      "fueron",	   "gracias",  "ha",
	"han",	   "hay",	"he",	  "hola",     "la",	   "las",      "le",
	"les",	   "lo",	"los",	  "me",	      "mi",	   "mis",      "muy",
	"ni",	   "nos",	"o",	  "ok",	      "oye",	   "para",     "pero",
	"podria",  "podrias",	"por",	  "porfa",    "porfavor",  "puede",    "puedes",
	"pues",	   "que",	"quiero", "quisiera", "realmente", "saber",    "sabes",
	"se",	   "sea",	"ser",	  "si",	      "sido",	   "sobre",    "son",
	"su",	   "sus",	"tal",	  "te",	      "tu",	   "tus",      "u",
	"un",	   "una",	"unas",	  "uno",      "unos",	   "vez",      "y",
	"ya",	   "yo",
};

/* Sorted; question words count only where they open a question (norm_counts). */
static const char *const question_words[] = {
	"como",	 "cuando",  "cuanta", "cuantas", "cuanto", "cuantos", "donde", "how", "porque",
	"quien", "quienes", "when",   "where",	 "who",	   "whom",    "whose", "why",
};

/* Words that say which language a question is in. Shared words (de, no, a) are left out. */
static const char *const marks_en[] = {
	"about", "and",	   "are",    "blocked", "can",	 "city",  "court", "did",    "does",
	"for",	 "grant",  "grants", "has",	"have",	 "hello", "help",  "how",    "injunction",
	"is",	 "it",	   "judge",  "lawsuit", "mayor", "money", "of",	   "please", "ruling",
	"still", "thanks", "that",   "the",	"this",	 "to",	  "was",   "were",   "what",
	"when",	 "where",  "which",  "who",	"why",	 "with",  "you",
};

static const char *const marks_es[] = {
	"alcalde",     "ayuda",	      "buenas",	   "buenos", "caso",	"ciudad", "ciudades",
	"como",	       "condiciones", "corte",	   "cual",   "cuando",	"cuanto", "cuantos",
	"del",	       "demanda",     "despues",   "dijo",   "donde",	"el",	  "es",
	"esta",	       "fallo",	      "fondos",	   "fue",    "gracias", "hola",	  "hoy",
	"inmigracion", "inmigrantes", "juez",	   "jueza",  "la",	"las",	  "los",
	"orden",       "para",	      "por",	   "porque", "que",	"quien",  "quienes",
	"santuario",   "se",	      "sentencia", "sigue",  "son",	"sus",	  "tribunal",
	"una",	       "vigente",     "y",
};

const char *
lang_code(enum lang lang)
{
	return lang == LANG_ES ? "es" : "en";
}

int
lang_parse(const char *code, enum lang *out)
{
	if (code && strcmp(code, "en") == 0)
		*out = LANG_EN;
	else if (code && strcmp(code, "es") == 0)
		*out = LANG_ES;
	else
		return -1;
	return 0;
}

/* utf8_decode(), with ASCII, most of what is typed, decoded in place. */
static size_t
decode(const unsigned char *p, const unsigned char *end, unsigned int *cp)
{
	if (*p < 0x80) {
		*cp = *p;
		return 1;
	}
	return utf8_decode(p, end, cp);
}

static int
is_ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

static int
is_combining(unsigned int cp)
{
	return cp >= 0x300 && cp <= 0x36f;
}

static int
is_word_char(unsigned int cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
		       (cp >= 'A' && cp <= 'Z');
	if (cp < 0xc0 || cp == 0xd7 || cp == 0xf7 || cp == 0xfffd)
		return 0;
	if ((cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
	    (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfe00 && cp <= 0xfe6f) ||
	    (cp >= 0xff00 && cp <= 0xff20) || (cp >= 0xff3b && cp <= 0xff40) ||
	    (cp >= 0xff5b && cp <= 0xff65) || (cp >= 0xfff0 && cp <= 0xffff) ||
	    (cp >= 0x1f000 && cp <= 0x1ffff))
		return 0;
	return 1;
}

/* Writes the folded form of cp into s (up to 4 bytes). Returns the byte count. */
static size_t
fold(unsigned int cp, const unsigned char *raw, size_t rawlen, char *s)
{
	const char *f;

	if (cp < 0x80) {
		s[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
		return 1;
	}
	if (cp >= 0xc0 && cp <= 0xff) {
		f = fold_latin1[cp - 0xc0];
		memcpy(s, f, strlen(f));
		return strlen(f);
	}
	if (cp >= 0x100 && cp <= 0x17f) {
		if (fold_latin_a[cp - 0x100] != '*') {
			s[0] = fold_latin_a[cp - 0x100];
			return 1;
		}
		memcpy(s, cp <= 0x133 ? "ij" : "oe", 2);
		return 2;
	}
	memcpy(s, raw, rawlen);
	return rawlen;
}

/* A dot joins a dotted abbreviation when one letter came before it and "letter ." follows. */
static int
joins_abbreviation(size_t segment, const unsigned char *p, const unsigned char *end)
{
	return segment == 1 && end - p >= 3 && p[0] == '.' &&
	       ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z')) && p[2] == '.';
}

/* A '.' or ',' between digits keeps a number whole: 2.3 stays "2.3" (so it is not read as a
 * 3), and 1,000 becomes "1000". The word so far must be all digits and dots. */
static int
joins_number(const char *tok, size_t n, const unsigned char *p, const unsigned char *end)
{
	size_t i;

	if (n == 0 || end - p < 2 || (p[0] != '.' && p[0] != ',') || p[1] < '0' || p[1] > '9')
		return 0;
	for (i = 0; i < n; i++)
		if ((tok[i] < '0' || tok[i] > '9') && tok[i] != '.')
			return 0;
	return 1;
}

/* norm_next(), which also points *start at the word's first byte as typed. */
static size_t
next_word(const char **pp, const char *endp, char *tok, size_t toksz, const char **start)
{
	const unsigned char *p = (const unsigned char *)*pp, *end = (const unsigned char *)endp;
	size_t n = 0, k, f, segment = 0;
	unsigned int cp;
	char folded[4];

	while (p < end) {
		k = decode(p, end, &cp);
		if (is_word_char(cp))
			break;
		p += k;
	}
	*start = (const char *)p;
	while (p < end) {
		if (is_ascii_alnum(*p)) { /* what the rest of the loop does with one */
			if (n + 1 < toksz)
				tok[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			segment++;
			p++;
			continue;
		}
		k = decode(p, end, &cp);
		if (is_combining(cp)) {
			p += k;
			continue;
		}
		if (!is_word_char(cp)) {
			if (joins_number(tok, n, p, end)) {
				if (*p == '.' && n + 1 < toksz)
					tok[n++] = '.';
				p++;
				continue;
			}
			if (!joins_abbreviation(segment, p, end))
				break;
			p++;
			segment = 0;
			continue;
		}
		f = fold(cp, p, k, folded);
		if (n + f < toksz) {
			memcpy(tok + n, folded, f);
			n += f;
		}
		segment++;
		p += k;
	}
	if (toksz > 0)
		tok[n < toksz ? n : toksz - 1] = '\0';
	*pp = (const char *)p;
	return n;
}

size_t
norm_next(const char **pp, const char *endp, char *tok, size_t toksz)
{
	const char *start;

	return next_word(pp, endp, tok, toksz, &start);
}

int
norm_typed(const char *text, size_t n, const char *word, char *out, size_t outsz)
{
	const char *p = text, *end = text + n, *start;
	char folded[NORM_TOKEN_MAX];

	while (next_word(&p, end, folded, sizeof(folded), &start) > 0) {
		if (strcmp(folded, word) != 0)
			continue;
		if ((size_t)(p - start) >= outsz)
			return -1;
		memcpy(out, start, (size_t)(p - start));
		out[p - start] = '\0';
		return 0;
	}
	return -1;
}

/* "por qué" (why) folds to two stopwords; read together they are the question word
 * "porque", which is what the pair means in a question. Returns 1 when word completes
 * such a pair after prev, which is then rewritten. */
static int
joins_porque(char *prev, const char *word)
{
	if (strcmp(prev, "por") != 0 || strcmp(word, "que") != 0)
		return 0;
	strcpy(prev, "porque");
	return 1;
}

void
norm_tokenize(const char *text, size_t n, struct norm_tokens *out)
{
	norm_tokenize_with(NULL, text, n, out);
}

void
norm_tokenize_with(const struct norm_lexicon *lx, const char *text, size_t n,
		   struct norm_tokens *out)
{
	const char *p = text, *end = text + n;
	char word[NORM_TOKEN_MAX];
	int k;

	out->n = 0;
	out->dropped = 0;
	while (norm_next(&p, end, word, sizeof(word)) > 0) {
		if (out->n > 0 && joins_porque(out->tok[out->n - 1].text, word))
			continue;
		if (out->n == NORM_TOKENS_MAX) {
			out->dropped++;
			continue;
		}
		memcpy(out->tok[out->n++].text, word, sizeof(word));
	}
	for (k = 0; k < out->n; k++) /* after joins_porque() has had its say */
		out->tok[k].kind = (unsigned char)(lx ? norm_lexicon_kind(lx, out->tok[k].text)
						      : norm_kind(out->tok[k].text));
}

static int
ends_with(const char *w, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(w + n - k, suffix, k) == 0;
}

void
norm_stem(char *w, enum lang lang)
{
	/* Verb endings, participles and final vowels, longest first, with their lengths. */
#define ENDING(s) s, sizeof(s) - 1
	static const struct {
		const char *text;
		size_t len;
	} endings[] = {
		{ ENDING("ieron") }, { ENDING("iendo") }, { ENDING("aron") }, { ENDING("ando") },
		{ ENDING("ados") },  { ENDING("adas") },  { ENDING("idos") }, { ENDING("idas") },
		{ ENDING("ado") },   { ENDING("ada") },	  { ENDING("ido") },  { ENDING("ida") },
		{ ENDING("ar") },    { ENDING("er") },	  { ENDING("ir") },   { ENDING("io") },
		{ ENDING("a") },     { ENDING("e") },	  { ENDING("o") },
	};
#undef ENDING
	size_t n, i, k;

	if (lang != LANG_ES)
		return;
	if ((n = strlen(w)) <= 3 || strpbrk(w, "0123456789"))
		return;
	if (n > 5 && ends_with(w, n, "ces")) { /* jueces -> juez */
		w[n - 3] = 'z';
		w[n - 2] = '\0';
		return;
	}
	if (n > 4 && ends_with(w, n, "es") && !strchr("aeiou", w[n - 3]))
		w[n -= 2] = '\0'; /* ciudades -> ciudad, leyes -> ley */
	else if (ends_with(w, n, "s"))
		w[--n] = '\0'; /* fondos -> fondo */
	for (i = 0; i < ARRAY_LEN(endings); i++) {
		k = endings[i].len;
		/* A single vowel may leave three letters (vivo -> viv); a longer ending must
		 * leave four, or redadas would be read as red. */
		if (n >= k + (k == 1 ? 3 : 4) && w[n - 1] == endings[i].text[k - 1] &&
		    memcmp(w + n - k, endings[i].text, k) == 0) {
			w[n - k] = '\0';
			return;
		}
	}
}

/* Appends word, stemmed for lang, to b, after a space unless it is the first. */
static int
append_word(struct buf *b, char *word, enum lang lang, int *first)
{
	norm_stem(word, lang);
	if (!*first && buf_append(b, " ", 1) == -1)
		return -1;
	*first = 0;
	return buf_puts(b, word);
}

int
norm_text_lang(const char *text, size_t n, enum lang lang, struct buf *b)
{
	const char *p = text, *end = text + n;
	char word[NORM_TOKEN_MAX], prev[NORM_TOKEN_MAX] = "";
	int first = 1;

	/* Each word is held back one step, so that "por" can still become "porque". */
	while (norm_next(&p, end, word, sizeof(word)) > 0) {
		if (joins_porque(prev, word))
			continue;
		if (prev[0] != '\0' && append_word(b, prev, lang, &first) == -1)
			return -1;
		memcpy(prev, word, sizeof(word));
	}
	if (prev[0] != '\0' && append_word(b, prev, lang, &first) == -1)
		return -1;
	return buf_append(b, "", 0);
}

int
norm_text(const char *text, size_t n, struct buf *b)
{
	return norm_text_lang(text, n, LANG_EN, b);
}

int
norm_question_words(const char *question, size_t n, enum lang lang, struct buf *b)
{
	struct norm_tokens *t;
	int rc = 0, k, first = 1;

	if ((t = malloc(sizeof(*t))) == NULL)
		return -1;
	norm_tokenize(question, n, t);
	for (k = 0; rc == 0 && k < t->n; k++) {
		if (!norm_counts(t, k, lang))
			continue;
		norm_stem(t->tok[k].text, lang);
		t->tok[k].kind = (unsigned char)norm_kind(t->tok[k].text);
		rc = buf_printf(b, "%s%s", first ? "" : " ", t->tok[k].text);
		first = 0;
	}
	free(t);
	return rc == 0 ? buf_append(b, "", 0) : -1;
}

/* A binary search of a sorted list that compares first bytes before calling strcmp():
 * most words of a list differ from the one sought in the first. */
static int
in_list(const char *word, const char *const *list, size_t n)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = (unsigned char)word[0] - (unsigned char)list[mid][0];
		if (c == 0 && (c = strcmp(word, list[mid])) == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* Returns 1 when a and b differ by at most one letter (substituted, added or dropped) or
 * by two neighbours swapped ("teh" for "the", the commonest slip of all). */
static int
one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > lb)
		return one_edit(b, a);
	if (lb - la > 1)
		return 0;
	while (*a && *a == *b)
		a++, b++;
	if (la == lb && a[0] && a[1] && a[0] == b[1] && a[1] == b[0] && strcmp(a + 2, b + 2) == 0)
		return 1;
	if (la == lb)
		return strcmp(a + (*a != 0), b + (*b != 0)) == 0;
	return strcmp(a, b + 1) == 0;
}

int
norm_near_stopword(const char *word, enum lang lang)
{
	const char *const *list = lang == LANG_ES ? stop_es : stop_en;
	size_t n = lang == LANG_ES ? ARRAY_LEN(stop_es) : ARRAY_LEN(stop_en), i, len, k;

	/* A stopword whose length is more than one off is more than one edit away. */
	for (len = strlen(word), i = 0; i < n; i++)
		if ((k = strlen(list[i])) > 1 && k + 1 >= len && k <= len + 1 &&
		    one_edit(word, list[i]))
			return 1;
	return 0;
}

int
norm_is_question_word(const char *word)
{
	return in_list(word, question_words, ARRAY_LEN(question_words));
}

int
norm_counts(const struct norm_tokens *t, int i, enum lang lang)
{
	int k;

	if (norm_token_is_stopword(t, i, lang))
		return 0;
	if (!(t->tok[i].kind & NORM_QUESTION))
		return 1;
	for (k = 0; k < i; k++)
		if (!norm_token_is_stopword(t, k, lang))
			return 0;
	return 1;
}

int
norm_is_stopword(const char *word, enum lang lang)
{
	if (lang == LANG_ES)
		return in_list(word, stop_es, ARRAY_LEN(stop_es));
	return in_list(word, stop_en, ARRAY_LEN(stop_en));
}

/* Returns 1 for a word with an ending English does not have: -cion(es), -dades. */
static int
spanish_ending(const char *w)
{
	static const char *const endings[] = { "cion", "ciones", "dades" };
	size_t n = strlen(w), i, k;

	for (i = 0; i < ARRAY_LEN(endings); i++) {
		k = strlen(endings[i]);
		if (n > k + 2 && strcmp(w + n - k, endings[i]) == 0)
			return 1;
	}
	return 0;
}

/* Returns 1 for the first two words of a place named in Spanish (Los Angeles, San
 * Francisco), which say nothing about the language of the question. */
static int
place_name(const char *a, const char *b)
{
	static const char *const places[][2] = {
		{ "los", "angeles" }, { "las", "vegas" },   { "san", "francisco" },
		{ "san", "antonio" }, { "san", "diego" },   { "santa", "clara" },
		{ "san", "jose" },    { "el", "salvador" },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(places); i++)
		if (a[0] == places[i][0][0] && strcmp(a, places[i][0]) == 0 &&
		    strcmp(b, places[i][1]) == 0)
			return 1;
	return 0;
}

/* Counts the characters only Spanish uses: accented vowels, ñ, ü, ¿ and ¡. */
static int
spanish_marks(const char *text, size_t n)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + n;
	unsigned int cp;
	int count = 0;

	while (p < end) {
		if (*p < 0x80) { /* no mark is ASCII */
			p++;
			continue;
		}
		p += utf8_decode(p, end, &cp);
		switch (cp) {
		case 0xe1:
		case 0xe9:
		case 0xed:
		case 0xf3:
		case 0xfa: /* á é í ó ú */
		case 0xc1:
		case 0xc9:
		case 0xcd:
		case 0xd3:
		case 0xda: /* Á É Í Ó Ú */
		case 0xf1:
		case 0xd1:
		case 0xfc:
		case 0xdc: /* ñ Ñ ü Ü */
		case 0xbf:
		case 0xa1: /* ¿ ¡ */ count++; break;
		default: break;
		}
	}
	return count;
}

enum lang
norm_detect_lang(const char *text, size_t n, const struct norm_tokens *t, enum lang fallback,
		 int *sure)
{
	int en = 0, es = 2 * spanish_marks(text, n), i;

	for (i = 0; i < t->n; i++) {
		if (i + 1 < t->n && place_name(t->tok[i].text, t->tok[i + 1].text)) {
			i++;
			continue;
		}
		en += (t->tok[i].kind & NORM_MARK_EN) != 0;
		es += (t->tok[i].kind & NORM_MARK_ES) != 0;
	}
	if (sure)
		*sure = es - en >= 2 || en - es >= 2;
	if (es > en)
		return LANG_ES;
	if (en > es)
		return LANG_EN;
	return fallback;
}

unsigned
norm_kind(const char *word)
{
	unsigned kind = 0;

	if (in_list(word, stop_en, ARRAY_LEN(stop_en)))
		kind |= NORM_STOP_EN;
	if (in_list(word, stop_es, ARRAY_LEN(stop_es)))
		kind |= NORM_STOP_ES;
	if (in_list(word, question_words, ARRAY_LEN(question_words)))
		kind |= NORM_QUESTION;
	if (in_list(word, marks_en, ARRAY_LEN(marks_en)))
		kind |= NORM_MARK_EN;
	if (in_list(word, marks_es, ARRAY_LEN(marks_es)) || spanish_ending(word))
		kind |= NORM_MARK_ES;
	return kind;
}

/* The hash of word, for the lexicon's table. */
static uint32_t
lexicon_hash(const char *word)
{
	return (uint32_t)fnv1a(FNV_OFFSET, word, strlen(word));
}

/* Returns the place of word in lx: where it is, or the empty place where it would go. */
static const struct norm_lexicon_slot *
lexicon_place(const struct norm_lexicon *lx, const char *word, uint32_t h)
{
	const struct norm_lexicon_slot *s;
	size_t i;

	for (i = h % NORM_LEXICON_SLOTS;; i = (i + 1) % NORM_LEXICON_SLOTS) {
		s = &lx->slot[i];
		if (s->word == NULL || (s->hash == h && strcmp(s->word, word) == 0))
			return s;
	}
}

static void
lexicon_add(struct norm_lexicon *lx, const char *const *list, size_t n, unsigned kind)
{
	struct norm_lexicon_slot *s;
	uint32_t h;
	size_t i;

	for (i = 0; i < n; i++) {
		h = lexicon_hash(list[i]);
		s = (struct norm_lexicon_slot *)lexicon_place(lx, list[i], h);
		s->word = list[i];
		s->hash = h;
		s->kind |= (unsigned char)kind;
	}
}

/* Every list's words fit in the table at most half full, so that a search ends soon. */
_Static_assert(2 * (ARRAY_LEN(stop_en) + ARRAY_LEN(stop_es) + ARRAY_LEN(question_words) +
		    ARRAY_LEN(marks_en) + ARRAY_LEN(marks_es)) <=
		       NORM_LEXICON_SLOTS,
	       "the word lists outgrew NORM_LEXICON_SLOTS");

void
norm_lexicon_init(struct norm_lexicon *lx)
{
	memset(lx, 0, sizeof(*lx));
	lexicon_add(lx, stop_en, ARRAY_LEN(stop_en), NORM_STOP_EN);
	lexicon_add(lx, stop_es, ARRAY_LEN(stop_es), NORM_STOP_ES);
	lexicon_add(lx, question_words, ARRAY_LEN(question_words), NORM_QUESTION);
	lexicon_add(lx, marks_en, ARRAY_LEN(marks_en), NORM_MARK_EN);
	lexicon_add(lx, marks_es, ARRAY_LEN(marks_es), NORM_MARK_ES);
}

unsigned
norm_lexicon_kind(const struct norm_lexicon *lx, const char *word)
{
	unsigned kind = lexicon_place(lx, word, lexicon_hash(word))->kind;

	if (!(kind & NORM_MARK_ES) && spanish_ending(word))
		kind |= NORM_MARK_ES;
	return kind;
}

/* Counts the words of list whose kind lx gives otherwise than norm_kind(). */
static int
lexicon_differs(const struct norm_lexicon *lx, const char *const *list, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++)
		bad += norm_lexicon_kind(lx, list[i]) != norm_kind(list[i]);
	return bad;
}

int
norm_lexicon_check(const struct norm_lexicon *lx)
{
	return lexicon_differs(lx, stop_en, ARRAY_LEN(stop_en)) +
	       lexicon_differs(lx, stop_es, ARRAY_LEN(stop_es)) +
	       lexicon_differs(lx, question_words, ARRAY_LEN(question_words)) +
	       lexicon_differs(lx, marks_en, ARRAY_LEN(marks_en)) +
	       lexicon_differs(lx, marks_es, ARRAY_LEN(marks_es));
}

static int
sorted(const char *const *list, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (strcmp(list[i - 1], list[i]) >= 0)
			return 0;
	return 1;
}

int
norm_lists_sorted(void)
{
	return sorted(stop_en, ARRAY_LEN(stop_en)) && sorted(stop_es, ARRAY_LEN(stop_es)) &&
	       sorted(question_words, ARRAY_LEN(question_words)) &&
	       sorted(marks_en, ARRAY_LEN(marks_en)) && sorted(marks_es, ARRAY_LEN(marks_es)) &&
	       strlen(fold_latin_a) == 128;
}

uint32_t
norm_letters(const char *word)
{
	uint32_t bits = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)word; *p != '\0'; p++)
		bits |= 1u << (*p >= 'a' && *p <= 'z' ? *p - 'a' : 26 + *p % 6);
	return bits;
}
