/* SPDX-License-Identifier: MIT */
/*
 * kbload.c -- reads a knowledge-base file into a struct kb, and the one engine file that
 * reads a database. Everything is read in one go and the file closed: facts, sources,
 * links, starters, replies, synonyms, misspellings, vocabulary, and the full-text index
 * from FTS5's own (every term at every place through fts5vocab, and each column's length
 * as rulingkb counted it from the same index). The file is untrusted input to this code: a table
 * missing, a NULL where text belongs, a number out of range, a fact citing a source that is not
 * there, an index that does not add up, is refused with a reason, never read past.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbstore.h"
#include "norm.h"

/* What one load holds. */
struct loader {
	sqlite3 *db;			/* the file */
	struct kb *kb;			/* what is filled */
	char *err;			/* where the reason goes */
	size_t errlen;			/* its room */
	int bad;			/* 1 once a row was refused: the reason is in err */
	long prev_fact;			/* the fact of the last row of a per-fact table */
	struct index_builder *building; /* what the index rows are read into */
	struct buf last_term;		/* the term of the last index row */
};

/* Opens path as an immutable read-only URI; '?', '#' and '%' in the path are escaped.
 * Immutable: no locks, which a read-only filesystem does not allow, and rulingkb replaces
 * a knowledge base by rename, never in place. A file overwritten in place while it is read
 * reads as damaged, and is refused. */
static int
open_file(struct loader *l, const char *path)
{
	struct buf uri;
	const char *p;
	int rc;

	buf_init(&uri);
	rc = buf_puts(&uri, "file:");
	for (p = path; *p != '\0' && rc == 0; p++) {
		if (*p == '?' || *p == '#' || *p == '%')
			rc = buf_printf(&uri, "%%%02X", (unsigned char)*p);
		else
			rc = buf_append(&uri, p, 1);
	}
	if (rc == 0)
		rc = buf_puts(&uri, "?mode=ro&immutable=1");
	if (rc == -1) {
		snprintf(l->err, l->errlen, "out of memory");
		buf_free(&uri);
		return -1;
	}
	rc = sqlite3_open_v2(uri.data, &l->db,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	buf_free(&uri);
	if (rc != SQLITE_OK) {
		snprintf(l->err, l->errlen, "%s: %s", path,
			 l->db ? sqlite3_errmsg(l->db) : "cannot open");
		return -1;
	}
	return 0;
}

/* Refuses the file, with what is wrong; the first reason stays. Returns -1. */
static int
refuse(struct loader *l, const char *what)
{
	if (!l->bad)
		snprintf(l->err, l->errlen, "not a usable knowledge base: %s (rebuild it)", what);
	l->bad = 1;
	return -1;
}

/* Runs sql and calls row() for each row. Returns 0, or -1 with the reason in err. */
static int
each_row(struct loader *l, const char *sql, int (*row)(struct loader *, sqlite3_stmt *))
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(l->err, l->errlen, "not a rulingbot knowledge base (%s)",
			 sqlite3_errmsg(l->db));
		return -1;
	}
	l->prev_fact = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(l, st) == -1)
			break;
	sqlite3_finalize(st);
	if (l->bad)
		return -1;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(l->err, l->errlen, "cannot read the knowledge base: %s",
			 sqlite3_errstr(rc));
		return -1;
	}
	return rc == SQLITE_ROW ? refuse(l, "out of memory") : 0;
}

/* Returns column col copied into the kb's arena; NULL when it is NULL or memory ran out
 * (a refusal when required, or when memory ran out). */
static const char *
text(struct loader *l, sqlite3_stmt *st, int col, int required)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	const char *copy;

	if (s == NULL) {
		if (required || sqlite3_column_type(st, col) != SQLITE_NULL)
			refuse(l, "a required text is missing");
		return NULL;
	}
	if ((copy = arena_strdup(&l->kb->strings, (const char *)s)) == NULL)
		refuse(l, "out of memory");
	return copy;
}

/* Returns column col as a number in [min, max], or refuses the file and returns -1. */
static long
number(struct loader *l, sqlite3_stmt *st, int col, long min, long max)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);

	if (sqlite3_column_type(st, col) != SQLITE_INTEGER || v < min || v > max) {
		refuse(l, "a number out of range");
		return -1;
	}
	return (long)v;
}

/* Returns the one number sql selects, or -1. */
static long
count_rows(struct loader *l, const char *sql)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
meta_row(struct loader *l, sqlite3_stmt *st)
{
	struct kb_meta_entry *e = array_grow(&l->kb->meta, &l->kb->nmeta, sizeof(*e));

	if (e == NULL)
		return refuse(l, "out of memory");
	e->key = text(l, st, 0, 1);
	e->value = text(l, st, 1, 1);
	return e->key && e->value ? 0 : -1;
}

/* The meta table is read here, where it is checked: this is its accessor too. */
const char *
kb_meta(const struct kb *kb, const char *key)
{
	size_t i;

	for (i = 0; i < kb->nmeta; i++)
		if (strcmp(kb->meta[i].key, key) == 0)
			return kb->meta[i].value;
	return NULL;
}

static int
read_meta(struct loader *l)
{
	struct kb *kb = l->kb;
	const char *schema, *facts, *links;

	if (each_row(l, "SELECT key, value FROM meta ORDER BY key", meta_row) == -1)
		return -1;
	schema = kb_meta(kb, "schema");
	if (schema == NULL || strcmp(schema, KB_SCHEMA_VERSION) != 0) {
		snprintf(l->err, l->errlen, "knowledge base schema %s, expected %s (rebuild it)",
			 schema ? schema : "unknown", KB_SCHEMA_VERSION);
		return -1;
	}
	facts = kb_meta(kb, "facts");
	links = kb_meta(kb, "max_links");
	if (facts == NULL || parse_long(facts, 1, 10000000, &kb->nfacts) == -1 || links == NULL ||
	    parse_long(links, 0, 100000000, &kb->max_links) == -1 ||
	    kb_meta(kb, "kb_version") == NULL)
		return refuse(l, "no facts or no version");
	/* Counted before anything is sized by it: a meta that claims ten million facts
	 * must not cost the memory for them. */
	if (count_rows(l, "SELECT count(*) FROM facts") != kb->nfacts)
		return refuse(l, "the facts are not as many as its meta says");
	if ((kb->facts = calloc((size_t)kb->nfacts, sizeof(*kb->facts))) == NULL)
		return refuse(l, "out of memory");
	return 0;
}

static int
fact_row(struct loader *l, sqlite3_stmt *st)
{
	struct kb *kb = l->kb;
	long num = number(l, st, 0, 1, kb->nfacts);
	struct kb_fact_rec *f;
	const char *lang;

	if (num == -1)
		return -1;
	f = &kb->facts[num - 1];
	if (f->id != NULL)
		return refuse(l, "two facts with one number");
	f->id = text(l, st, 1, 1);
	lang = (const char *)sqlite3_column_text(st, 2);
	if (lang == NULL || lang_parse(lang, &f->lang) == -1)
		return refuse(l, "a fact in no known language");
	f->answer = text(l, st, 3, 1);
	f->question = text(l, st, 4, 1);
	f->as_of = text(l, st, 5, 1);
	f->status = text(l, st, 6, 1);
	f->superseded_by = text(l, st, 7, 0);
	f->translation_of = text(l, st, 8, 0);
	f->reviewed = text(l, st, 9, 1);
	f->links = number(l, st, 10, 0, 100000000);
	f->other = -1;
	return l->bad ? -1 : 0;
}

/* Returns the number of the entity with this id and kind, numbering it when it is new;
 * -1 (refused) when there are too many, or the id comes with two kinds. */
static int
entity_number(struct loader *l, const char *id, const char *kind)
{
	struct name_table *t = &l->kb->names;
	int i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->ids[i], id) == 0)
			return strcmp(t->kinds[i], kind) == 0 ? i
							      : refuse(l, "an entity of two kinds");
	if (t->n == KB_ENTITIES_MAX)
		return refuse(l, "too many entities");
	if ((t->ids[i] = arena_strdup(&l->kb->strings, id)) == NULL ||
	    (t->kinds[i] = arena_strdup(&l->kb->strings, kind)) == NULL)
		return refuse(l, "out of memory");
	return t->n++;
}

/* Returns the number of words of a form, folded words joined by single spaces; 0 when it
 * is not such a form. */
static int
form_words(const char *form)
{
	const char *p;
	int words = 1;

	if (*form == '\0' || *form == ' ')
		return 0;
	for (p = form; *p != '\0'; p++)
		if (*p == ' ' && (p[1] == ' ' || p[1] == '\0' || ++words > KB_ENTITY_WORDS))
			return 0;
	return words;
}

static int
entity_row(struct loader *l, sqlite3_stmt *st)
{
	const char *id = (const char *)sqlite3_column_text(st, 1);
	const char *kind = (const char *)sqlite3_column_text(st, 2);
	struct name_table *t = &l->kb->names;
	struct name_form *f;
	int entity, words;

	if ((f = array_grow(&t->forms, &t->nforms, sizeof(*f))) == NULL)
		return refuse(l, "out of memory");
	f->text = text(l, st, 0, 1);
	if (l->bad)
		return -1;
	if (id == NULL || kind == NULL)
		return refuse(l, "a required text is missing");
	if ((words = form_words(f->text)) == 0)
		return refuse(
			l, "an entity form that is not one to six words joined by single spaces");
	if ((entity = entity_number(l, id, kind)) == -1)
		return -1;
	f->entity = (uint16_t)entity;
	f->words = (uint8_t)words;
	return 0;
}

/* Reads the entities and their forms, sorted for names_find(). */
static int
read_entities(struct loader *l)
{
	if (each_row(l, "SELECT form, id, kind FROM entities ORDER BY form", entity_row) == -1)
		return -1;
	names_index(&l->kb->names);
	return 0;
}

/* Finds the entities each fact's answer names; its questions' are found as they are
 * counted. */
static void
name_answers(struct loader *l)
{
	struct kb *kb = l->kb;
	long i;

	for (i = 0; i < kb->nfacts && kb->names.n > 0; i++)
		names_in_text(&kb->names, kb->facts[i].answer, strlen(kb->facts[i].answer),
			      &kb->facts[i].names);
}

/* Counts one of a fact's own questions, and the intents it asks for (intent.h): what kind
 * of answer the fact gives is what its questions ask. */
static int
fact_question_row(struct loader *l, sqlite3_stmt *st)
{
	long num = number(l, st, 0, 1, l->kb->nfacts);
	const char *q = (const char *)sqlite3_column_text(st, 1);
	struct kb_fact_rec *f;
	const char *words[NORM_TOKENS_MAX];
	struct norm_tokens t;
	unsigned asks;
	int i;

	if (num == -1)
		return -1;
	if (q == NULL)
		return refuse(l, "a required text is missing");
	f = &l->kb->facts[num - 1];
	if (f->questions == UINT16_MAX)
		return 0; /* enough to know the fact's kind */
	norm_tokenize(q, strlen(q), &t);
	f->questions++;
	for (asks = intent_of(&t, 0), i = 0; i < INTENTS; i++)
		f->asking[i] += (asks >> i) & 1;
	for (i = 0; i < t.n; i++)
		words[i] = t.tok[i].text;
	names_find(&l->kb->names, words, t.n, &f->names);
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct kb_id *)a)->id, ((const struct kb_id *)b)->id);
}

/* Checks that the facts are numbered 1..n a language at a time, as rulingkb writes them,
 * finds each language's range, and sorts their ids for lookups. */
static int
number_facts(struct loader *l)
{
	struct kb *kb = l->kb;
	enum lang lang;
	long i;

	for (lang = LANG_EN; lang < LANG_COUNT; lang++)
		kb->first[lang] = 1, kb->last[lang] = 0;
	if ((kb->fact_ids = malloc((size_t)kb->nfacts * sizeof(*kb->fact_ids))) == NULL)
		return refuse(l, "out of memory");
	for (i = 0; i < kb->nfacts; i++) {
		const struct kb_fact_rec *f = &kb->facts[i];

		if (f->id == NULL)
			return refuse(l, "fewer facts than its meta says");
		if (kb->last[f->lang] != 0 && kb->last[f->lang] != i)
			return refuse(l, "facts not numbered a language at a time");
		if (kb->last[f->lang] == 0)
			kb->first[f->lang] = i + 1;
		kb->last[f->lang] = i + 1;
		kb->fact_ids[i] = (struct kb_id){ f->id, i + 1 };
	}
	qsort(kb->fact_ids, (size_t)kb->nfacts, sizeof(*kb->fact_ids), cmp_id);
	for (i = 1; i < kb->nfacts; i++)
		if (strcmp(kb->fact_ids[i - 1].id, kb->fact_ids[i].id) == 0)
			return refuse(l, "two facts with one id");
	return 0;
}

static int
source_row(struct loader *l, sqlite3_stmt *st)
{
	struct kb_cite *c = array_grow(&l->kb->sources, &l->kb->nsources, sizeof(*c));

	if (c == NULL)
		return refuse(l, "out of memory");
	c->id = text(l, st, 0, 1);
	c->title = text(l, st, 1, 1);
	c->publisher = text(l, st, 2, 1);
	c->date = text(l, st, 3, 1);
	c->url = text(l, st, 4, 0);
	c->citation = text(l, st, 5, 0);
	c->kind = text(l, st, 6, 1);
	if (c->date && strcmp(c->date, "n.d.") == 0)
		c->date = NULL;
	return l->bad ? -1 : 0;
}

static int
index_sources(struct loader *l)
{
	struct kb *kb = l->kb;
	size_t i;

	if (kb->nsources == 0)
		return 0;
	if ((kb->source_ids = malloc(kb->nsources * sizeof(*kb->source_ids))) == NULL)
		return refuse(l, "out of memory");
	for (i = 0; i < kb->nsources; i++)
		kb->source_ids[i] = (struct kb_id){ kb->sources[i].id, (long)i };
	qsort(kb->source_ids, kb->nsources, sizeof(*kb->source_ids), cmp_id);
	return 0;
}

/* Returns the fact of a row of a per-fact table, checking that they come in fact order;
 * 0 after a refusal. */
static long
row_fact(struct loader *l, sqlite3_stmt *st)
{
	long num = number(l, st, 0, 1, l->kb->nfacts);

	if (num == -1)
		return 0;
	if (num < l->prev_fact) {
		refuse(l, "rows out of order");
		return 0;
	}
	l->prev_fact = num;
	return num;
}

static int
cite_row(struct loader *l, sqlite3_stmt *st)
{
	struct kb *kb = l->kb;
	struct kb_cite_rec *c;
	const struct kb_id *s;
	struct kb_id key;
	long num;

	if ((num = row_fact(l, st)) == 0)
		return -1;
	key.id = (const char *)sqlite3_column_text(st, 1);
	if (key.id == NULL || kb->nsources == 0 ||
	    (s = bsearch(&key, kb->source_ids, kb->nsources, sizeof(key), cmp_id)) == NULL)
		return refuse(l, "a fact cites a source that is not there");
	if ((c = array_grow(&kb->cites, &kb->ncites, sizeof(*c))) == NULL)
		return refuse(l, "out of memory");
	c->source = (uint32_t)s->num;
	c->pinpoint = text(l, st, 2, 0);
	c->quote = text(l, st, 3, 0);
	if (kb->facts[num - 1].ncites++ == 0)
		kb->facts[num - 1].cite = (uint32_t)(kb->ncites - 1);
	return l->bad ? -1 : 0;
}

static int
related_row(struct loader *l, sqlite3_stmt *st)
{
	struct kb *kb = l->kb;
	const char **r;
	long num;

	if ((num = row_fact(l, st)) == 0)
		return -1;
	if ((r = array_grow(&kb->related, &kb->nrelated, sizeof(*r))) == NULL)
		return refuse(l, "out of memory");
	if ((*r = text(l, st, 1, 1)) == NULL)
		return -1;
	if (kb->facts[num - 1].nrelated++ == 0)
		kb->facts[num - 1].related = (uint32_t)(kb->nrelated - 1);
	return 0;
}

static int
starter_row(struct loader *l, sqlite3_stmt *st)
{
	const char *code = (const char *)sqlite3_column_text(st, 0), **s;
	enum lang lang;

	if (code == NULL || lang_parse(code, &lang) == -1)
		return refuse(l, "a starter in no known language");
	s = array_grow(&l->kb->starters[lang], &l->kb->nstarters[lang], sizeof(*s));
	if (s == NULL)
		return refuse(l, "out of memory");
	return (*s = text(l, st, 1, 1)) ? 0 : -1;
}

static int
reply_row(struct loader *l, sqlite3_stmt *st)
{
	const char *code = (const char *)sqlite3_column_text(st, 1);
	struct kb_reply *r = array_grow(&l->kb->replies, &l->kb->nreplies, sizeof(*r));

	if (r == NULL)
		return refuse(l, "out of memory");
	if (code == NULL || lang_parse(code, &r->lang) == -1)
		return refuse(l, "a reply in no known language");
	r->id = text(l, st, 0, 1);
	r->text = text(l, st, 2, 1);
	return l->bad ? -1 : 0;
}

static int
vocab_row(struct loader *l, sqlite3_stmt *st)
{
	struct kb_word *w = array_grow(&l->kb->vocab, &l->kb->nvocab, sizeof(*w));

	if (w == NULL)
		return refuse(l, "out of memory");
	w->word = text(l, st, 0, 1);
	w->len = w->word ? strlen(w->word) : 0;
	w->letters = w->word ? norm_letters(w->word) : 0;
	w->twice = w->word ? kb_letters_twice(w->word) : 0;
	w->docs = number(l, st, 1, 0, l->kb->nfacts);
	return l->bad ? -1 : 0;
}

static int
synonym_row(struct loader *l, sqlite3_stmt *st)
{
	struct kb_synonym *s = array_grow(&l->kb->syn, &l->kb->nsyn, sizeof(*s));
	const char *p;

	if (s == NULL)
		return refuse(l, "out of memory");
	s->form = text(l, st, 0, 1);
	s->group = (int)number(l, st, 1, 0, 1000000);
	if (l->bad)
		return -1;
	for (s->words = 1, p = s->form; *p; p++)
		s->words += *p == ' ';
	if (s->words > KB_SYNONYM_WORDS)
		return refuse(l, "a synonym form of too many words");
	return 0;
}

static int
fix_row(struct loader *l, sqlite3_stmt *st)
{
	struct kb_fix *f = array_grow(&l->kb->fixes, &l->kb->nfixes, sizeof(*f));

	if (f == NULL)
		return refuse(l, "out of memory");
	f->word = text(l, st, 0, 1);
	f->fix = text(l, st, 1, 1);
	return l->bad ? -1 : 0;
}

static int
read_tables(struct loader *l)
{
	if (read_meta(l) == -1 ||
	    each_row(l,
		     "SELECT num, id, lang, answer, question, as_of, status, superseded_by,"
		     " translation_of, reviewed, links FROM facts ORDER BY num",
		     fact_row) == -1 ||
	    number_facts(l) == -1 || read_entities(l) == -1 ||
	    each_row(l, "SELECT fact, text FROM questions", fact_question_row) == -1 ||
	    each_row(l,
		     "SELECT id, title, publisher, date, url, citation, kind FROM sources"
		     " ORDER BY date, id",
		     source_row) == -1 ||
	    index_sources(l) == -1 ||
	    each_row(l, "SELECT fact, source, pinpoint, quote FROM fact_sources ORDER BY fact, ord",
		     cite_row) == -1 ||
	    each_row(l, "SELECT fact, related FROM fact_related ORDER BY fact, ord", related_row) ==
		    -1 ||
	    each_row(l, "SELECT lang, fact FROM starters ORDER BY lang, ord", starter_row) == -1 ||
	    each_row(l, "SELECT id, lang, text FROM replies ORDER BY id, lang", reply_row) == -1 ||
	    each_row(l, "SELECT term, doc FROM word_vocab ORDER BY term", vocab_row) == -1 ||
	    each_row(l, "SELECT form, grp FROM synonyms ORDER BY form, grp", synonym_row) == -1 ||
	    each_row(l, "SELECT word, fix FROM misspellings ORDER BY word", fix_row) == -1)
		return -1;
	name_answers(l);
	return 0;
}

/* ---- The index, from FTS5's ---- */

static int
length_row(struct loader *l, sqlite3_stmt *st)
{
	long num = number(l, st, 0, 1, l->kb->nfacts), col = number(l, st, 1, 0, INDEX_COLUMNS - 1);
	long len = number(l, st, 2, 0, 1000000);

	if (num == -1 || col == -1 || len == -1)
		return -1;
	if (index_builder_length(l->building, (uint32_t)num, (int)col, (uint32_t)len) == -1)
		return refuse(l, "a fact's length out of place");
	return 0;
}

static int
question_row(struct loader *l, sqlite3_stmt *st)
{
	long row = number(l, st, 0, KB_QUESTION_ROWS, (l->kb->nfacts + 1) * KB_QUESTION_ROWS - 1);
	long len = number(l, st, 1, 0, 1000000);

	if (row == -1 || len == -1)
		return -1;
	if (index_builder_question(l->building, (uint32_t)(row / KB_QUESTION_ROWS),
				   (uint32_t)len) == -1)
		return refuse(l, "question rows out of order");
	return 0;
}

/* fact_terms gives the columns by name. */
static int
column_number(const char *name)
{
	static const char *const names[INDEX_COLUMNS] = { "questions", "keywords", "answer" };
	int c;

	for (c = 0; name != NULL && c < INDEX_COLUMNS; c++)
		if (strcmp(name, names[c]) == 0)
			return c;
	return -1;
}

static int
term_row(struct loader *l, sqlite3_stmt *st)
{
	const char *term = (const char *)sqlite3_column_text(st, 0);
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	long doc = number(l, st, 1, 1, l->kb->nfacts), pos = number(l, st, 3, 0, 1000000);
	int col = column_number((const char *)sqlite3_column_text(st, 2));

	if (term == NULL || doc == -1 || pos == -1 || col == -1)
		return refuse(l, "an index row out of range");
	/* A new term starts where the text changes. */
	if (l->last_term.data == NULL || n != l->last_term.len ||
	    memcmp(term, l->last_term.data, n) != 0) {
		l->last_term.len = 0;
		if (buf_append(&l->last_term, term, n) == -1)
			return refuse(l, "out of memory");
		if (index_builder_term(l->building, term, n) == -1)
			return refuse(l, "index terms out of order");
	}
	if (index_builder_add(l->building, (uint32_t)doc, col, (uint32_t)pos) == -1)
		return refuse(l, "index places out of order");
	return 0;
}

static int
read_index(struct loader *l)
{
	const double weight[INDEX_COLUMNS] = { KB_WEIGHT_QUESTIONS, KB_WEIGHT_KEYWORDS,
					       KB_WEIGHT_ANSWER };
	char why[160];
	int rc;

	if ((l->building = index_builder_new((uint32_t)l->kb->nfacts, weight)) == NULL)
		return refuse(l, "out of memory");
	rc = each_row(l, "SELECT num, col, size FROM fact_sizes", length_row);
	if (rc == 0)
		rc = each_row(l, "SELECT row, size FROM question_sizes ORDER BY row", question_row);
	if (rc == 0)
		rc = each_row(l, "SELECT term, doc, col, offset FROM fact_terms", term_row);
	buf_free(&l->last_term);
	if (rc == -1) {
		/* The builder's own reason, when it has one, says more. */
		if (index_builder_error(l->building) != NULL) {
			l->bad = 0;
			refuse(l, index_builder_error(l->building));
		}
		index_builder_free(l->building);
		l->building = NULL;
		return -1;
	}
	rc = index_builder_finish(l->building, &l->kb->index, why, sizeof(why));
	l->building = NULL;
	return rc == 0 ? 0 : refuse(l, why);
}

int
kbload_read(struct kb *kb, const char *path, char *err, size_t errlen)
{
	struct loader l;
	int rc;

	memset(&l, 0, sizeof(l));
	l.kb = kb;
	l.err = err;
	l.errlen = errlen;
	buf_init(&l.last_term);
	rc = open_file(&l, path);
	if (rc == 0)
		rc = read_tables(&l);
	if (rc == 0)
		rc = read_index(&l);
	sqlite3_close(l.db);
	return rc;
}
