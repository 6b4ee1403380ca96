/* SPDX-License-Identifier: MIT */
/*
 * check.c -- every rule of kb/README.md that the loader cannot see in one item alone.
 * Facts and sources are sorted by id once, so references are found by bsearch, and
 * questions are sorted by their normalised words, so a question shared by two facts is
 * a pair of neighbours.
 */
#include "check.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "figures.h"
#include "jsonpos.h"
#include "quote.h"
#include "engine.h"

/* A question and the fact it belongs to, for finding duplicates. */
struct question_key {
	char *key;	      /* its normalised words */
	const char *text;     /* as written */
	const struct fact *f; /* its fact */
};

/* An entity's form folded as the engine folds a question, for finding a form that names
 * two entities. */
struct form_key {
	char *key;		/* the folded form */
	const char *text;	/* as written */
	const struct entity *e; /* its entity */
};

/* A stored source text, loaded on first use. */
struct source_text {
	int state;	 /* 0 not loaded, 1 loaded, -1 missing */
	struct buf text; /* its words, whitespace collapsed */
};

/* What the checks share. */
struct checker {
	struct kbset *set;	    /* the KB being checked */
	const char *texts_dir;	    /* folder of source texts, or NULL */
	long today;		    /* YYYYMMDD */
	const struct fact **facts;  /* sorted by id */
	size_t nfacts;		    /* entries in facts */
	const struct src **sources; /* sorted by id */
	size_t nsources;	    /* entries in sources */
	struct source_text *texts;  /* per entry of set->sources */
	int quotes_unchecked;	    /* quotes skipped for want of texts_dir */
};

static const char *const source_kinds[] = {
	"commentary",
	"court-filing",
	"executive-order",
	"government-record",
	"government-report",
	"legal-database",
	"news",
	"ordinance",
	"press-release",
	"reference",
	"ruling",
	"statute",
	NULL,
};

long
check_today(void)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	long secs;
	time_t t;
	struct tm tm;

	t = epoch && parse_long(epoch, 0, 4102444800L, &secs) == 0 ? (time_t)secs : time(NULL);
	gmtime_r(&t, &tm);
	return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static void __attribute__((format(printf, 4, 5)))
fact_problem(struct checker *c, const struct fact *f, int line, const char *fmt, ...)
{
	char what[160], msg[600];
	va_list ap;

	snprintf(what, sizeof(what), "fact '%s'", f->id ? f->id : "?");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kb_problem(c->set, f->file->path, line ? line : f->span.line, what, "%s", msg);
}

static void __attribute__((format(printf, 4, 5)))
source_problem(struct checker *c, const struct src *s, const char *field, const char *fmt, ...)
{
	char what[160], msg[600];
	va_list ap;

	snprintf(what, sizeof(what), "source '%s'", s->id ? s->id : "?");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kb_problem(c->set, s->file->path, jsonpos_key_line(s->file->text.data, &s->span, field),
		   what, "%s", msg);
}

/* Line of field in fact f. */
static int
field_line(const struct fact *f, const char *field)
{
	return jsonpos_key_line(f->file->text.data, &f->span, field);
}

/* Line of the string value s in fact f, or else of the field holding it. */
static int
value_line(const struct fact *f, const char *field, const char *s)
{
	int line = jsonpos_string_line(f->file->text.data, &f->span, s);

	return line > 0 ? line : field_line(f, field);
}

static int
valid_id(const char *id)
{
	const char *p;

	if (id[0] == '-' || id[strlen(id) - 1] == '-' || strstr(id, "--"))
		return 0;
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

static int
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
valid_url(const char *url)
{
	const char *host;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return 0;
	if (*host == '\0' || *host == '/' || *host == '.')
		return 0;
	for (; *url; url++)
		if ((unsigned char)*url <= 0x20 || *url == 0x7f || *url == '"' || *url == '<' ||
		    *url == '>' || *url == '\\')
			return 0;
	return 1;
}

static int
cmp_fact_id(const void *a, const void *b)
{
	const struct fact *x = *(const struct fact *const *)a, *y = *(const struct fact *const *)b;

	return strcmp(x->id, y->id);
}

static int
cmp_src_id(const void *a, const void *b)
{
	const struct src *x = *(const struct src *const *)a, *y = *(const struct src *const *)b;

	return strcmp(x->id, y->id);
}

/* Returns the fact with this id, or NULL. */
static const struct fact *
find_fact(const struct checker *c, const char *id)
{
	size_t lo = 0, hi = c->nfacts;
	int cmp;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((cmp = strcmp(id, c->facts[mid]->id)) == 0)
			return c->facts[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct src *
find_source(const struct checker *c, const char *id)
{
	size_t lo = 0, hi = c->nsources;
	int cmp;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((cmp = strcmp(id, c->sources[mid]->id)) == 0)
			return c->sources[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Sorts the sources with ids and reports ids used twice. */
static int
index_sources(struct checker *c)
{
	int i, n = 0;

	if ((c->sources = calloc((size_t)c->set->nsources + 1, sizeof(*c->sources))) == NULL)
		return -1;
	for (i = 0; i < c->set->nsources; i++)
		if (c->set->sources[i].id)
			c->sources[n++] = &c->set->sources[i];
	qsort(c->sources, (size_t)n, sizeof(*c->sources), cmp_src_id);
	c->nsources = (size_t)n;
	for (i = 1; i < n; i++)
		if (strcmp(c->sources[i - 1]->id, c->sources[i]->id) == 0)
			source_problem(c, c->sources[i], "id", "duplicate id (also on line %d)",
				       c->sources[i - 1]->span.line);
	return 0;
}

static int
index_facts(struct checker *c)
{
	int i, n = 0;

	if ((c->facts = calloc((size_t)c->set->nfacts + 1, sizeof(*c->facts))) == NULL)
		return -1;
	for (i = 0; i < c->set->nfacts; i++)
		if (c->set->facts[i].id)
			c->facts[n++] = &c->set->facts[i];
	qsort(c->facts, (size_t)n, sizeof(*c->facts), cmp_fact_id);
	c->nfacts = (size_t)n;
	for (i = 1; i < n; i++)
		if (strcmp(c->facts[i - 1]->id, c->facts[i]->id) == 0)
			fact_problem(c, c->facts[i], field_line(c->facts[i], "id"),
				     "duplicate id (also in %s:%d)", c->facts[i - 1]->file->path,
				     c->facts[i - 1]->span.line);
	return 0;
}

/* Checks a date: precision at least min_prec, not after today; n.d. where allowed. */
static const char *
date_problem(const struct checker *c, const char *date, enum date_precision min_prec,
	     int undated_ok)
{
	enum date_precision p;
	long key;

	if (undated_ok && strcmp(date, "n.d.") == 0)
		return NULL;
	if ((p = date_parse(date, &key)) == DATE_INVALID)
		return undated_ok ? "is not a date (YYYY-MM-DD, YYYY-MM, YYYY or n.d.)"
				  : "is not a date (YYYY-MM-DD, YYYY-MM or YYYY)";
	if (p < min_prec)
		return "must be a full date (YYYY-MM-DD)";
	if (key > c->today)
		return "is in the future";
	return NULL;
}

static void
check_source(struct checker *c, const struct src *s)
{
	const char *why;

	if (s->id && !valid_id(s->id))
		source_problem(c, s, "id", "id may hold only a-z, 0-9 and single '-' inside");
	if (s->date && (why = date_problem(c, s->date, DATE_YEAR, 1)) != NULL)
		source_problem(c, s, "date", "date \"%s\" %s", s->date, why);
	if (s->url && !valid_url(s->url))
		source_problem(c, s, "url", "url \"%s\" is not an http(s) address", s->url);
	if (s->kind) {
		const char *const *k;
		for (k = source_kinds; *k && strcmp(*k, s->kind) != 0; k++)
			;
		if (*k == NULL)
			source_problem(c, s, "kind", "unknown kind \"%s\" (see kb/README.md)",
				       s->kind);
	}
	if (s->text && (strchr(s->text, '/') || s->text[0] == '.'))
		source_problem(c, s, "text", "text must be a file name, not a path");
	if ((s->title && has_control(s->title)) || (s->publisher && has_control(s->publisher)))
		source_problem(c, s, "title", "title and publisher must be one line each");
}

/* Returns the stored text of source s, as quote_find() reads it, or NULL when it is missing
 * (reported once). */
static const char *
source_text(struct checker *c, const struct src *s)
{
	struct source_text *t = &c->texts[s - c->set->sources];
	struct buf raw;
	char path[4096], err[512];

	if (t->state == 0) {
		buf_init(&raw);
		snprintf(path, sizeof(path), "%s/%s", c->texts_dir, s->text);
		t->state = -1;
		if (read_file(path, &raw, err, sizeof(err)) == -1)
			source_problem(c, s, "text", "source text not found: %s", err);
		else if (quote_text(raw.data, raw.len, &t->text) == 0)
			t->state = 1;
		buf_free(&raw);
	}
	return t->state == 1 ? t->text.data : NULL;
}

static void
check_quote(struct checker *c, const struct fact *f, const struct cite *ct, const struct src *s)
{
	enum quote_fit fit;
	const char *text;
	int line;

	if (s->text == NULL) {
		if (ct->pinpoint == NULL)
			fact_problem(c, f, value_line(f, "sources", ct->quote),
				     "a quote from '%s' needs a pinpoint (no stored text to check "
				     "it against)",
				     ct->id);
		else if (quote_starts_unmarked_cut(ct->quote))
			fact_problem(c, f, value_line(f, "sources", ct->quote),
				     "quote from '%s' begins mid-sentence: mark the cut with "
				     "\"…\": \"%s\"",
				     ct->id, ct->quote);
		return;
	}
	if (c->texts_dir == NULL) {
		c->quotes_unchecked++;
		return;
	}
	if ((text = source_text(c, s)) == NULL)
		return;
	line = value_line(f, "sources", ct->quote);
	fit = quote_find(text, ct->quote);
	if (fit == QUOTE_NOT_FOUND)
		fact_problem(c, f, line,
			     "quote not found word for word in the text of '%s': \"%s\"", ct->id,
			     ct->quote);
	else if (fit != QUOTE_FITS)
		fact_problem(c, f, line,
			     "quote %s mid-sentence in the text of '%s': mark the cut with \"…\": "
			     "\"%s\"",
			     fit == QUOTE_CUT_START ? "begins" : "ends", ct->id, ct->quote);
}

static int
same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* A source may be cited twice in one fact only for two different passages. */
static int
same_cite(const struct cite *a, const struct cite *b)
{
	return strcmp(a->id, b->id) == 0 && same_text(a->pinpoint, b->pinpoint) &&
	       same_text(a->quote, b->quote);
}

static void
check_cites(struct checker *c, const struct fact *f)
{
	const struct src *s;
	int i, j;

	if (f->ncites > FACT_SOURCES_MAX)
		fact_problem(c, f, field_line(f, "sources"), "too many sources (%d, at most %d)",
			     f->ncites, FACT_SOURCES_MAX);
	for (i = 0; i < f->ncites; i++) {
		const struct cite *ct = &f->cites[i];
		for (j = 0; j < i; j++)
			if (same_cite(&f->cites[j], ct))
				fact_problem(
					c, f, value_line(f, "sources", ct->id),
					"source '%s' cited twice with the same pinpoint and quote",
					ct->id);
		if ((s = find_source(c, ct->id)) == NULL) {
			fact_problem(c, f, value_line(f, "sources", ct->id),
				     "unknown source '%s' (not in sources.json)", ct->id);
			continue;
		}
		if (ct->quote)
			check_quote(c, f, ct, s);
	}
}

/* Checks a list of fact ids (related, superseded_by, translation_of) for fact f. */
static const struct fact *
check_ref(struct checker *c, const struct fact *f, const char *field, const char *id)
{
	const struct fact *g = find_fact(c, id);

	if (g == NULL)
		fact_problem(c, f, value_line(f, field, id), "%s names unknown fact '%s'", field,
			     id);
	else if (g == f)
		fact_problem(c, f, value_line(f, field, id), "%s names the fact itself", field);
	return g == f ? NULL : g;
}

static void
check_status(struct checker *c, const struct fact *f)
{
	int current;

	if (f->status == NULL)
		return;
	current = strcmp(f->status, "current") == 0;
	if (!current && strcmp(f->status, "superseded") != 0 &&
	    strcmp(f->status, "partly-superseded") != 0) {
		fact_problem(c, f, field_line(f, "status"),
			     "status must be current, superseded or partly-superseded, not \"%s\"",
			     f->status);
		return;
	}
	if (!current && f->superseded_by == NULL)
		fact_problem(c, f, field_line(f, "status"),
			     "a %s fact needs superseded_by (the fact that replaced it)",
			     f->status);
	if (current && f->superseded_by != NULL)
		fact_problem(c, f, field_line(f, "superseded_by"),
			     "a current fact cannot have superseded_by");
	if (f->superseded_by)
		check_ref(c, f, "superseded_by", f->superseded_by);
}

/* Returns 1 when fact f cites source id. */
static int
cites(const struct fact *f, const char *id)
{
	int i;

	for (i = 0; i < f->ncites; i++)
		if (strcmp(f->cites[i].id, id) == 0)
			return 1;
	return 0;
}

/* Reports each source that a cites and b does not. */
static void
check_cites_of(struct checker *c, const struct fact *f, const struct fact *a, const struct fact *b)
{
	int i;

	for (i = 0; i < a->ncites; i++)
		if (!cites(b, a->cites[i].id))
			fact_problem(c, f, field_line(f, "sources"),
				     "source '%s' is cited by '%s' but not by '%s': a translation "
				     "cites what its original cites",
				     a->cites[i].id, a->id, b->id);
}

/* Reports the dates and numbers that one answer of a translated pair states and the
 * other does not. */
static void
check_figures(struct checker *c, const struct fact *f, const struct fact *orig)
{
	struct buf mine, theirs, only_mine, only_theirs;
	enum lang lf = LANG_EN, lo = LANG_EN;
	int a, b;

	lang_parse(f->lang, &lf);
	lang_parse(orig->lang, &lo);
	buf_init(&mine);
	buf_init(&theirs);
	buf_init(&only_mine);
	buf_init(&only_theirs);
	if (figures_of(f->answer, lf, &mine) == -1 || figures_of(orig->answer, lo, &theirs) == -1 ||
	    (a = figures_missing(mine.data, theirs.data, &only_mine)) == -1 ||
	    (b = figures_missing(theirs.data, mine.data, &only_theirs)) == -1) {
		fact_problem(c, f, 0, "out of memory");
	} else if (a > 0 || b > 0) {
		fact_problem(c, f, field_line(f, "answer"),
			     "states other dates or numbers than '%s', its original (only here: "
			     "%s; only there: %s)",
			     orig->id, a > 0 ? only_mine.data : "none",
			     b > 0 ? only_theirs.data : "none");
	}
	buf_free(&mine);
	buf_free(&theirs);
	buf_free(&only_mine);
	buf_free(&only_theirs);
}

/* A translation says what its original says: the same dates and numbers, from the same
 * sources. */
static void
check_translation(struct checker *c, const struct fact *f, const struct fact *orig)
{
	check_cites_of(c, f, f, orig);
	check_cites_of(c, f, orig, f);
	if (f->answer && orig->answer)
		check_figures(c, f, orig);
}

static void
check_links(struct checker *c, const struct fact *f)
{
	const struct fact *g;
	int i, j;

	for (i = 0; i < f->nrelated; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(f->related[j], f->related[i]) == 0)
				fact_problem(c, f, value_line(f, "related", f->related[i]),
					     "related lists '%s' twice", f->related[i]);
		check_ref(c, f, "related", f->related[i]);
	}
	if (f->translation_of == NULL ||
	    (g = check_ref(c, f, "translation_of", f->translation_of)) == NULL || f->lang == NULL ||
	    g->lang == NULL)
		return;
	if (strcmp(f->lang, g->lang) == 0)
		fact_problem(c, f, field_line(f, "translation_of"),
			     "translation_of names '%s', which is in the same language", g->id);
	else
		check_translation(c, f, g);
}

static int
cmp_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The English facts without a Spanish version printed one by one; past that, a count. */
#define UNTRANSLATED_SHOWN 20

/* Every English fact should have a Spanish version (a fact whose translation_of names
 * it): a Spanish question about a fact known only in English gets a neighbour. A gap to
 * fill, not an error. */
static void
check_untranslated(struct checker *c)
{
	const char **originals, *id;
	char what[160];
	size_t n = 0;
	int i, missing = 0;

	if ((originals = calloc((size_t)c->set->nfacts + 1, sizeof(*originals))) == NULL) {
		c->set->problems++;
		fprintf(c->set->report, "out of memory\n");
		return;
	}
	for (i = 0; i < c->set->nfacts; i++)
		if (c->set->facts[i].translation_of)
			originals[n++] = c->set->facts[i].translation_of;
	qsort(originals, n, sizeof(*originals), cmp_string);
	for (i = 0; i < c->set->nfacts; i++) {
		const struct fact *f = &c->set->facts[i];

		id = f->id;
		if (id == NULL || f->lang == NULL || strcmp(f->lang, "en") != 0 ||
		    bsearch(&id, originals, n, sizeof(*originals), cmp_string) != NULL)
			continue;
		if (++missing > UNTRANSLATED_SHOWN) {
			c->set->warnings++;
			continue;
		}
		snprintf(what, sizeof(what), "fact '%s'", id);
		kb_warning(c->set, f->file->path, f->span.line, what,
			   "no Spanish version (no fact has translation_of \"%s\")", id);
	}
	if (missing > UNTRANSLATED_SHOWN)
		fprintf(c->set->report,
			"warning: and %d more English facts without a Spanish version\n",
			missing - UNTRANSLATED_SHOWN);
	free(originals);
}

static void
check_text(struct checker *c, const struct fact *f)
{
	size_t n;
	int i;

	if (f->answer) {
		if ((n = utf8_length(f->answer)) > FACT_ANSWER_MAX)
			fact_problem(c, f, field_line(f, "answer"),
				     "answer is too long (%zu characters, at most %d)", n,
				     FACT_ANSWER_MAX);
		if (has_control(f->answer) || !utf8_valid(f->answer, strlen(f->answer)))
			fact_problem(c, f, field_line(f, "answer"),
				     "answer must be one paragraph of valid text");
	}
	for (i = 0; i < f->nquestions; i++) {
		if ((n = utf8_length(f->questions[i])) > FACT_QUESTION_MAX)
			fact_problem(c, f, value_line(f, "questions", f->questions[i]),
				     "question is too long (%zu characters, at most %d)", n,
				     FACT_QUESTION_MAX);
		if (has_control(f->questions[i]))
			fact_problem(c, f, value_line(f, "questions", f->questions[i]),
				     "a question must be one line");
	}
}

static void
check_fact(struct checker *c, const struct fact *f)
{
	const char *why;
	enum lang lang;

	if (f->id && !valid_id(f->id))
		fact_problem(c, f, field_line(f, "id"),
			     "id may hold only a-z, 0-9 and single '-' inside");
	if (f->lang && lang_parse(f->lang, &lang) == -1)
		fact_problem(c, f, field_line(f, "lang"),
			     "lang must be \"en\" or \"es\", not \"%s\"", f->lang);
	if (f->as_of && (why = date_problem(c, f->as_of, DATE_YEAR, 0)) != NULL)
		fact_problem(c, f, field_line(f, "as_of"), "as_of \"%s\" %s", f->as_of, why);
	if (f->reviewed && (why = date_problem(c, f->reviewed, DATE_DAY, 0)) != NULL)
		fact_problem(c, f, field_line(f, "reviewed"), "reviewed \"%s\" %s", f->reviewed,
			     why);
	check_text(c, f);
	check_cites(c, f);
	check_status(c, f);
	check_links(c, f);
}

static int
cmp_question(const void *a, const void *b)
{
	const struct question_key *x = a, *y = b;
	int cmp = strcmp(x->key, y->key);

	if (cmp == 0)
		cmp = strcmp(x->f->lang, y->f->lang);
	if (cmp == 0)
		cmp = (x->f > y->f) - (x->f < y->f);
	return cmp;
}

/* Reports a question asked twice, in one fact or in two facts of the same language. */
static int
check_questions(struct checker *c)
{
	struct question_key *keys;
	struct buf b;
	size_t n = 0, i;
	int k;

	for (k = 0; k < c->set->nfacts; k++)
		n += (size_t)c->set->facts[k].nquestions;
	if ((keys = calloc(n + 1, sizeof(*keys))) == NULL)
		return -1;
	n = 0;
	for (k = 0; k < c->set->nfacts; k++) {
		const struct fact *f = &c->set->facts[k];
		for (int q = 0; f->lang && q < f->nquestions; q++) {
			buf_init(&b);
			if (norm_text(f->questions[q], strlen(f->questions[q]), &b) == -1) {
				buf_free(&b);
				continue;
			}
			keys[n++] = (struct question_key){ b.data, f->questions[q], f };
		}
	}
	qsort(keys, n, sizeof(*keys), cmp_question);
	for (i = 1; i < n; i++) {
		if (strcmp(keys[i - 1].key, keys[i].key) != 0 ||
		    strcmp(keys[i - 1].f->lang, keys[i].f->lang) != 0)
			continue;
		if (keys[i - 1].f == keys[i].f)
			fact_problem(c, keys[i].f, value_line(keys[i].f, "questions", keys[i].text),
				     "question \"%s\" is asked twice", keys[i].text);
		else
			fact_problem(c, keys[i].f, value_line(keys[i].f, "questions", keys[i].text),
				     "question \"%s\" also belongs to fact '%s'", keys[i].text,
				     keys[i - 1].f->id ? keys[i - 1].f->id : "?");
	}
	for (i = 0; i < n; i++)
		free(keys[i].key);
	free(keys);
	return 0;
}

/* Reports synonym forms in two groups, forms that are too long, bad misspellings. */
static void
check_synonyms(struct checker *c)
{
	const char *path = NULL;
	struct buf a, b;
	int i, j, k, l, words;

	for (i = 0; i < c->set->nfiles; i++)
		if (strstr(c->set->files[i]->path, "synonyms.json"))
			path = c->set->files[i]->path;
	for (i = 0; i < c->set->ngroups; i++) {
		for (j = 0; j < c->set->groups[i].nwords; j++) {
			buf_init(&a);
			norm_text(c->set->groups[i].words[j], strlen(c->set->groups[i].words[j]),
				  &a);
			for (words = a.len ? 1 : 0, l = 0; a.data && a.data[l]; l++)
				words += a.data[l] == ' ';
			if (words == 0 || words > KB_SYNONYM_WORDS)
				kb_problem(c->set, path, c->set->groups[i].line, "synonyms",
					   "'%s' must be one to %d words",
					   c->set->groups[i].words[j], KB_SYNONYM_WORDS);
			for (k = 0; k < i; k++)
				for (l = 0; l < c->set->groups[k].nwords; l++) {
					buf_init(&b);
					norm_text(c->set->groups[k].words[l],
						  strlen(c->set->groups[k].words[l]), &b);
					if (a.data && b.data && strcmp(a.data, b.data) == 0)
						kb_problem(
							c->set, path, c->set->groups[i].line,
							"synonyms",
							"'%s' is already in the group on line %d",
							c->set->groups[i].words[j],
							c->set->groups[k].line);
					buf_free(&b);
				}
			buf_free(&a);
		}
	}
	for (i = 0; i < c->set->nfixes; i++) {
		const struct misspelling *m = &c->set->fixes[i];
		buf_init(&a);
		norm_text(m->word, strlen(m->word), &a);
		if (a.data == NULL || a.data[0] == '\0' || strchr(a.data, ' '))
			kb_problem(c->set, path, m->line, "synonyms",
				   "misspelling '%s' must be a single word", m->word);
		else if (strcmp(a.data, m->fix) == 0)
			kb_problem(c->set, path, m->line, "synonyms",
				   "misspelling '%s' maps to itself", m->word);
		else if (strchr(m->fix, ' '))
			kb_problem(c->set, path, m->line, "synonyms",
				   "misspelling '%s' must map to a single word", m->word);
		buf_free(&a);
	}
}

/* The kinds of entity kb/README.md describes. */
static const char *const entity_kinds[] = {
	"agency", "case", "city",   "country", "county", "court",
	"judge",  "law",  "person", "state",   NULL,
};

static void __attribute__((format(printf, 4, 5)))
entity_problem(struct checker *c, const struct entity *e, int line, const char *fmt, ...)
{
	char what[160], msg[600];
	va_list ap;

	snprintf(what, sizeof(what), "entity '%s'", e->id ? e->id : "?");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kb_problem(c->set, c->set->entities_file->path, line ? line : e->span.line, what, "%s",
		   msg);
}

/* Line of the form s in entity e, or else of its "forms" field. */
static int
form_line(const struct checker *c, const struct entity *e, const char *s)
{
	const char *text = c->set->entities_file->text.data;
	int line = jsonpos_string_line(text, &e->span, s);

	return line > 0 ? line : jsonpos_key_line(text, &e->span, "forms");
}

/* Returns 1 when word (folded) is one the engine drops from a question in either language
 * as carrying no meaning ("la", "the"). */
static int
stopword(const char *word)
{
	struct buf b;
	enum lang l;
	int empty = 0;

	for (l = LANG_EN; !empty && l < LANG_COUNT; l++) {
		buf_init(&b);
		empty = norm_question_words(word, strlen(word), l, &b) == 0 && b.len == 0;
		buf_free(&b);
	}
	return empty;
}

static int
listed_kind(const char *kind)
{
	const char *const *k;

	for (k = entity_kinds; *k && strcmp(*k, kind) != 0; k++)
		;
	return *k != NULL;
}

/* Checks one entity's id, kind and the words of its forms: one to KB_ENTITY_WORDS once
 * folded, and not a single word a question is full of ("la", "the"), which would make
 * nearly every question name the entity. */
static void
check_entity(struct checker *c, const struct entity *e, const struct entity *first)
{
	const char *text = c->set->entities_file->text.data;
	struct buf b;
	int i, words;
	size_t l;

	if (e->id && !valid_id(e->id))
		entity_problem(c, e, jsonpos_key_line(text, &e->span, "id"),
			       "id may hold only a-z, 0-9 and single '-' inside");
	else if (e->id && first != e)
		entity_problem(c, e, jsonpos_key_line(text, &e->span, "id"),
			       "duplicate id (also on line %d)", first->span.line);
	if (e->kind && !listed_kind(e->kind))
		entity_problem(c, e, jsonpos_key_line(text, &e->span, "kind"),
			       "unknown kind \"%s\" (see kb/README.md)", e->kind);
	for (i = 0; i < e->nforms; i++) {
		buf_init(&b);
		if (norm_text(e->forms[i], strlen(e->forms[i]), &b) == -1) {
			buf_free(&b);
			continue;
		}
		for (words = b.len ? 1 : 0, l = 0; l < b.len; l++)
			words += b.data[l] == ' ';
		if (words == 0 || words > KB_ENTITY_WORDS)
			entity_problem(c, e, form_line(c, e, e->forms[i]),
				       "form '%s' must be one to %d words", e->forms[i],
				       KB_ENTITY_WORDS);
		else if (words == 1 && stopword(b.data))
			entity_problem(c, e, form_line(c, e, e->forms[i]),
				       "form '%s' is a word nearly every question has",
				       e->forms[i]);
		buf_free(&b);
	}
}

static int
cmp_form(const void *a, const void *b)
{
	const struct form_key *x = a, *y = b;
	int cmp = strcmp(x->key, y->key);

	return cmp ? cmp : (x->e > y->e) - (x->e < y->e);
}

/* Reports a form that, once folded, belongs to two entities: the engine could not tell
 * which one a question names. The same entity's forms folding alike are merged when the
 * database is written. */
static int
check_entity_forms(struct checker *c)
{
	struct form_key *keys;
	struct buf b;
	size_t n = 0, i;
	int k, f;

	for (k = 0; k < c->set->nentities; k++)
		n += (size_t)c->set->entities[k].nforms;
	if ((keys = calloc(n + 1, sizeof(*keys))) == NULL)
		return -1;
	n = 0;
	for (k = 0; k < c->set->nentities; k++) {
		const struct entity *e = &c->set->entities[k];
		for (f = 0; f < e->nforms; f++) {
			buf_init(&b);
			if (norm_text(e->forms[f], strlen(e->forms[f]), &b) == -1 || b.len == 0) {
				buf_free(&b);
				continue;
			}
			keys[n++] = (struct form_key){ b.data, e->forms[f], e };
		}
	}
	qsort(keys, n, sizeof(*keys), cmp_form);
	for (i = 1; i < n; i++)
		if (strcmp(keys[i - 1].key, keys[i].key) == 0 && keys[i - 1].e != keys[i].e)
			entity_problem(c, keys[i].e, form_line(c, keys[i].e, keys[i].text),
				       "form '%s' also names entity '%s'", keys[i].text,
				       keys[i - 1].e->id ? keys[i - 1].e->id : "?");
	for (i = 0; i < n; i++)
		free(keys[i].key);
	free(keys);
	return 0;
}

/* Returns the first entity with e's id: e itself unless the id is taken. */
static const struct entity *
first_entity(const struct kbset *set, const struct entity *e)
{
	int i;

	for (i = 0; e->id && i < set->nentities; i++)
		if (set->entities[i].id && strcmp(set->entities[i].id, e->id) == 0)
			return &set->entities[i];
	return e;
}

/* Checks entities.json, when the KB has one. */
static int
check_entities(struct checker *c)
{
	const struct kb_file *file = c->set->entities_file;
	int i;

	if (file == NULL || c->set->nentities == 0)
		return 0;
	if (c->set->nentities > KB_ENTITIES_MAX)
		kb_problem(c->set, file->path,
			   jsonpos_key_line(file->text.data, &file->whole, "entities"), NULL,
			   "%d entities, at most %d", c->set->nentities, KB_ENTITIES_MAX);
	for (i = 0; i < c->set->nentities; i++)
		check_entity(c, &c->set->entities[i], first_entity(c->set, &c->set->entities[i]));
	return check_entity_forms(c);
}

static void
check_starters(struct checker *c)
{
	const struct fact *f;
	struct kb_file *file = c->set->starters_file;
	int l, i;

	for (l = LANG_EN; l <= LANG_ES; l++)
		for (i = 0; i < c->set->nstarters[l]; i++) {
			const char *id = c->set->starters[l][i];
			int line = jsonpos_string_line(file->text.data, &file->whole, id);
			if (line < 0)
				line = jsonpos_key_line(file->text.data, &file->whole,
							lang_code((enum lang)l));
			if ((f = find_fact(c, id)) == NULL)
				kb_problem(c->set, file->path, line, "starters",
					   "unknown fact '%s'", id);
			else if (f->lang && strcmp(f->lang, lang_code((enum lang)l)) != 0)
				kb_problem(c->set, file->path, line, "starters",
					   "'%s' is not a fact in %s", id, lang_code((enum lang)l));
		}
}

static void __attribute__((format(printf, 4, 5)))
reply_problem(struct checker *c, const struct fixed_reply *r, const char *field, const char *fmt,
	      ...)
{
	char what[160], msg[600];
	va_list ap;

	snprintf(what, sizeof(what), "reply '%s'", r->id);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kb_problem(c->set, r->file->path, jsonpos_key_line(r->file->text.data, &r->span, field),
		   what, "%s", msg);
}

/* Returns the entry of replies.json with this id, or NULL. */
static const struct fixed_reply *
find_reply(const struct kbset *set, const char *id)
{
	int i;

	for (i = 0; i < set->nreplies; i++)
		if (set->replies[i].id && strcmp(set->replies[i].id, id) == 0)
			return &set->replies[i];
	return NULL;
}

/* Returns 1 when id is one of the replies the engine uses. */
static int
known_reply(const char *id)
{
	enum reply r;

	for (r = 0; r < REPLY_COUNT; r++)
		if (strcmp(kb_reply_id(r), id) == 0)
			return 1;
	return 0;
}

/* Checks one entry of replies.json: a reply the engine uses, given once, each text one
 * paragraph no longer than an answer (it is sent as one). */
static void
check_reply(struct checker *c, const struct fixed_reply *r)
{
	const struct fixed_reply *first = find_reply(c->set, r->id);
	enum lang l;
	size_t n;

	if (!known_reply(r->id))
		reply_problem(c, r, "id", "unknown reply id (kb/README.md lists the replies)");
	else if (first != r)
		reply_problem(c, r, "id", "duplicate id (also on line %d)", first->span.line);
	for (l = LANG_EN; l < LANG_COUNT; l++) {
		if (r->text[l] == NULL)
			continue;
		if ((n = utf8_length(r->text[l])) > FACT_ANSWER_MAX)
			reply_problem(c, r, lang_code(l),
				      "'%s' is too long (%zu characters, at most %d)", lang_code(l),
				      n, FACT_ANSWER_MAX);
		if (has_control(r->text[l]) || !utf8_valid(r->text[l], strlen(r->text[l])))
			reply_problem(c, r, lang_code(l),
				      "'%s' must be one paragraph of valid text", lang_code(l));
	}
}

/* Reports replies the engine uses that replies.json lacks, and what is wrong with those
 * it has. A missing or unreadable file was reported when it was read. */
static void
check_replies(struct checker *c)
{
	const struct kb_file *file = c->set->replies_file;
	char what[64];
	enum reply r;
	int i;

	if (file == NULL || !cJSON_IsArray(file->root))
		return;
	for (i = 0; i < c->set->nreplies; i++)
		if (c->set->replies[i].id)
			check_reply(c, &c->set->replies[i]);
	for (r = 0; r < REPLY_COUNT; r++) {
		if (find_reply(c->set, kb_reply_id(r)) != NULL)
			continue;
		snprintf(what, sizeof(what), "reply '%s'", kb_reply_id(r));
		kb_problem(c->set, file->path, 1, what,
			   "missing (every reply kb/README.md lists must be here, in every "
			   "language)");
	}
}

int
check_kb(struct kbset *set, const char *texts_dir, long today)
{
	struct checker c = { .set = set, .texts_dir = texts_dir, .today = today };
	int i;

	c.texts = calloc((size_t)set->nsources + 1, sizeof(*c.texts));
	if (c.texts == NULL || index_sources(&c) == -1 || index_facts(&c) == -1) {
		fprintf(set->report, "out of memory\n");
		set->problems++;
	} else {
		for (i = 0; i < set->nsources; i++)
			check_source(&c, &set->sources[i]);
		for (i = 0; i < set->nfacts; i++)
			check_fact(&c, &set->facts[i]);
		if (check_questions(&c) == -1)
			set->problems++;
		check_untranslated(&c);
		check_synonyms(&c);
		if (check_entities(&c) == -1)
			set->problems++;
		check_starters(&c);
		check_replies(&c);
		if (c.quotes_unchecked > 0)
			fprintf(set->report,
				"note: %d quotes have stored source texts but were not checked "
				"(give the folder with --texts)\n",
				c.quotes_unchecked);
	}
	for (i = 0; c.texts && i < set->nsources; i++)
		buf_free(&c.texts[i].text);
	free(c.texts);
	free(c.facts);
	free(c.sources);
	return set->problems;
}
