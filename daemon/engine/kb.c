/* SPDX-License-Identifier: MIT */
/*
 * kb.c -- the knowledge base on disk, and the only daemon file that includes sqlite3.h.
 *
 * The database is opened read-only and immutable (rulingkb replaces it by rename, never in
 * place), its statements are prepared once, and every search runs under a progress-handler
 * deadline. Besides bm25, a search reports through the auxiliary function hits() which
 * column each phrase of the query was found in, so the engine can tell a question that
 * matches a fact's own questions from one that only brushes its answer text.
 */
#include "kb.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A misspelling and its fix. */
struct kb_fix {
	const char *word; /* as people type it */
	const char *fix;  /* as the facts write it */
};

/* A key of the meta table. */
struct kb_meta_entry {
	const char *key;   /* e.g. "kb_version" */
	const char *value; /* its value */
};

/* What a search needs of every fact, held in memory so FTS5 reads only its index. */
struct kb_fact_info {
	long num;	/* its number */
	long links;	/* facts pointing to it */
	enum lang lang; /* its language */
};

struct kb {
	sqlite3 *db;		    /* read-only connection */
	sqlite3_stmt *st_search;    /* MATCH over one language */
	sqlite3_stmt *st_questions; /* MATCH over some facts' own questions */
	sqlite3_stmt *st_fact;	    /* a fact by number */
	sqlite3_stmt *st_fact_num;  /* a fact number by id */
	sqlite3_stmt *st_in_lang;   /* a fact's version in another language */
	sqlite3_stmt *st_cites;	    /* a fact's sources */
	sqlite3_stmt *st_related;   /* a fact's related ids */
	sqlite3_stmt *st_starters;  /* starter ids for a language */
	sqlite3_stmt *st_sources;   /* every source */
	struct arena strings;	    /* meta, vocabulary, synonyms, misspellings */
	struct kb_meta_entry *meta; /* the meta table */
	size_t nmeta;		    /* entries in meta */
	struct kb_word *vocab;	    /* sorted vocabulary */
	size_t nvocab;		    /* words in vocab */
	struct kb_synonym *syn;	    /* sorted synonym forms */
	size_t nsyn;		    /* forms in syn */
	struct kb_fix *fixes;	    /* sorted misspellings */
	size_t nfixes;		    /* entries in fixes */
	long nfacts;		    /* facts in the KB */
	struct kb_fact_info *info;  /* by fact number - 1 */
	size_t ninfo;		    /* entries in info */
	long first[LANG_COUNT];	    /* a language's facts are numbered first..last */
	long last[LANG_COUNT];	    /* (empty when last < first) */
	long max_links;		    /* the most facts pointing to any one fact */
	double deadline_ms;	    /* database time allowed per search, 0 for no limit */
	long long deadline_ns;	    /* when the running search must stop, 0 when none runs */
};

/* The statements, in the order of the struct's members. */
static const char *const sql_search =
	"SELECT rowid, rank, hits(fact_index) FROM fact_index"
	" WHERE fact_index MATCH ?1 AND rowid BETWEEN ?2 AND ?3 ORDER BY rank, rowid LIMIT ?4";
/* The candidate facts are ?3 to ?(KB_QUESTION_FACTS + 2); the limit follows them. */
static const char *const sql_questions =
	"SELECT rowid / 256, hits(question_index), qcover(question_index) FROM question_index"
	" WHERE question_index MATCH ?1 AND rowid BETWEEN ?2 AND ?3"
	" AND rowid / 256 IN (?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	" ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)"
	" ORDER BY rowid LIMIT ?28";
_Static_assert(KB_QUESTION_ROWS == 256, "sql_questions divides rowids by KB_QUESTION_ROWS");
static const char *const sql_fact =
	"SELECT num, id, lang, answer, question, as_of, status, superseded_by,"
	" translation_of, reviewed FROM facts WHERE num = ?1";
static const char *const sql_fact_num = "SELECT num FROM facts WHERE id = ?1";
static const char *const sql_in_lang =
	"SELECT num FROM facts WHERE lang = ?2 AND ("
	" id = (SELECT translation_of FROM facts WHERE num = ?1)"
	" OR translation_of = (SELECT id FROM facts WHERE num = ?1)) ORDER BY num LIMIT 1";
static const char *const sql_cites =
	"SELECT s.id, s.title, s.publisher, s.date, s.url, s.citation, s.kind, fs.pinpoint,"
	" fs.quote FROM fact_sources fs JOIN sources s ON s.id = fs.source"
	" WHERE fs.fact = ?1 ORDER BY fs.ord";
static const char *const sql_related =
	"SELECT related FROM fact_related WHERE fact = ?1 ORDER BY ord";
static const char *const sql_starters = "SELECT fact FROM starters WHERE lang = ?1 ORDER BY ord";
static const char *const sql_sources = "SELECT id, title, publisher, date, url, citation, kind"
				       " FROM sources ORDER BY date, id";

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* SQLite calls this every few thousand instructions; non-zero interrupts the statement. */
static int
progress_check(void *arg)
{
	struct kb *kb = arg;

	return kb->deadline_ns != 0 && now_ns() > kb->deadline_ns;
}

static int
column_rank(int col)
{
	switch (col) {
	case 0: return KB_COL_QUESTIONS;
	case 1: return KB_COL_KEYWORDS;
	case 2: return KB_COL_ANSWER;
	default: return KB_COL_NONE;
	}
}

/* hits(fact_index): for each phrase of the query (up to 32), the best column it occurs in,
 * two bits per phrase. */
static void
hits_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
	      sqlite3_value **val)
{
	unsigned long long cols = 0, cur;
	int ninst, i, phrase, col, off, rank;

	(void)nval;
	(void)val;
	if (api->xInstCount(fts, &ninst) != SQLITE_OK) {
		sqlite3_result_error(ctx, "hits: cannot count instances", -1);
		return;
	}
	for (i = 0; i < ninst; i++) {
		if (api->xInst(fts, i, &phrase, &col, &off) != SQLITE_OK) {
			sqlite3_result_error(ctx, "hits: cannot read an instance", -1);
			return;
		}
		if (phrase < 0 || phrase >= 32)
			continue;
		rank = column_rank(col);
		cur = (cols >> (2 * phrase)) & 3;
		if ((unsigned long long)rank > cur)
			cols = (cols & ~(3ULL << (2 * phrase))) |
			       ((unsigned long long)rank << (2 * phrase));
	}
	sqlite3_result_int64(ctx, (sqlite3_int64)cols);
}

/* qcover(question_index): the share of the row's question words that the query's phrases
 * cover, counting each word position once. The questions are stored without stopwords,
 * so "What was the access condition?" is fully covered by "access condition", and "Was
 * the access condition blocked?" only two thirds. */
static void
qcover_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
		sqlite3_value **val)
{
	unsigned long long covered = 0;
	int size, ninst, i, k, phrase, col, off, len;

	(void)nval;
	(void)val;
	if (api->xColumnSize(fts, 0, &size) != SQLITE_OK ||
	    api->xInstCount(fts, &ninst) != SQLITE_OK) {
		sqlite3_result_error(ctx, "qcover: cannot read the row", -1);
		return;
	}
	for (i = 0; i < ninst; i++) {
		if (api->xInst(fts, i, &phrase, &col, &off) != SQLITE_OK || col != 0)
			continue;
		len = api->xPhraseSize(fts, phrase);
		for (k = off; k < off + len && k < 64; k++)
			covered |= 1ULL << k;
	}
	sqlite3_result_double(ctx, size > 0 ? (double)__builtin_popcountll(covered) /
						      (size < 64 ? size : 64)
					    : 0.0);
}

static int
register_hits(sqlite3 *db, char *err, size_t errlen)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "this SQLite has no FTS5: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (api == NULL || api->iVersion < 2) {
		snprintf(err, errlen, "this SQLite's FTS5 is too old");
		return -1;
	}
	rc = api->xCreateFunction(api, "hits", NULL, hits_function, NULL);
	if (rc == SQLITE_OK)
		rc = api->xCreateFunction(api, "qcover", NULL, qcover_function, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot register the search functions: %s",
			 sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/* Opens path as an immutable read-only URI; '?', '#' and '%' in the path are escaped. */
static int
open_readonly(const char *path, sqlite3 **db, char *err, size_t errlen)
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
		snprintf(err, errlen, "out of memory");
		buf_free(&uri);
		return -1;
	}
	/* A connection is used by one thread only: its mutexes would be pure cost. */
	rc = sqlite3_open_v2(uri.data, db,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	buf_free(&uri);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, *db ? sqlite3_errmsg(*db) : "cannot open");
		return -1;
	}
	return 0;
}

static int
prepare_all(struct kb *kb, char *err, size_t errlen)
{
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} list[] = {
		{ &kb->st_search, sql_search },	  { &kb->st_questions, sql_questions },
		{ &kb->st_fact, sql_fact },	  { &kb->st_fact_num, sql_fact_num },
		{ &kb->st_in_lang, sql_in_lang }, { &kb->st_cites, sql_cites },
		{ &kb->st_related, sql_related }, { &kb->st_starters, sql_starters },
		{ &kb->st_sources, sql_sources },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(list); i++) {
		if (sqlite3_prepare_v3(kb->db, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
				       list[i].st, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "not a rulingbot knowledge base (%s)",
				 sqlite3_errmsg(kb->db));
			return -1;
		}
	}
	return 0;
}

/* Runs sql (no parameters) and calls row() for each row. Returns 0, or -1 with err set. */
static int
each_row(struct kb *kb, const char *sql, int (*row)(struct kb *, sqlite3_stmt *), char *err,
	 size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(kb->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "not a rulingbot knowledge base (%s)",
			 sqlite3_errmsg(kb->db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row(kb, st) == -1) {
			snprintf(err, errlen, "out of memory");
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "cannot read the knowledge base: %s", sqlite3_errmsg(kb->db));
		return -1;
	}
	return 0;
}

/* Grows *array (of elem-sized items, *n used) by one; returns the new item or NULL. */
static void *
grow(void *array, size_t *n, size_t elem)
{
	void **p = array;
	char *items;

	if ((*n & (*n - 1)) == 0) {
		if ((items = realloc(*p, (*n ? *n * 2 : 1) * elem)) == NULL)
			return NULL;
		*p = items;
	}
	return (char *)*p + (*n)++ * elem;
}

static const char *
column_copy(struct arena *a, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? arena_strdup(a, (const char *)s) : NULL;
}

static int
meta_row(struct kb *kb, sqlite3_stmt *st)
{
	struct kb_meta_entry *e = grow(&kb->meta, &kb->nmeta, sizeof(*e));

	if (e == NULL)
		return -1;
	e->key = column_copy(&kb->strings, st, 0);
	e->value = column_copy(&kb->strings, st, 1);
	return e->key && e->value ? 0 : -1;
}

static int
vocab_row(struct kb *kb, sqlite3_stmt *st)
{
	struct kb_word *w = grow(&kb->vocab, &kb->nvocab, sizeof(*w));

	if (w == NULL)
		return -1;
	w->word = column_copy(&kb->strings, st, 0);
	w->docs = (long)sqlite3_column_int64(st, 1);
	return w->word ? 0 : -1;
}

static int
synonym_row(struct kb *kb, sqlite3_stmt *st)
{
	struct kb_synonym *s = grow(&kb->syn, &kb->nsyn, sizeof(*s));
	const char *p;

	if (s == NULL)
		return -1;
	s->form = column_copy(&kb->strings, st, 0);
	s->group = sqlite3_column_int(st, 1);
	if (s->form == NULL)
		return -1;
	for (s->words = 1, p = s->form; *p; p++)
		s->words += *p == ' ';
	return 0;
}

static int
fix_row(struct kb *kb, sqlite3_stmt *st)
{
	struct kb_fix *f = grow(&kb->fixes, &kb->nfixes, sizeof(*f));

	if (f == NULL)
		return -1;
	f->word = column_copy(&kb->strings, st, 0);
	f->fix = column_copy(&kb->strings, st, 1);
	return f->word && f->fix ? 0 : -1;
}

static int
info_row(struct kb *kb, sqlite3_stmt *st)
{
	struct kb_fact_info *f = grow(&kb->info, &kb->ninfo, sizeof(*f));
	const char *code = (const char *)sqlite3_column_text(st, 2);

	if (f == NULL)
		return -1;
	f->num = (long)sqlite3_column_int64(st, 0);
	f->links = (long)sqlite3_column_int64(st, 1);
	if (code == NULL || lang_parse(code, &f->lang) == -1)
		f->lang = LANG_COUNT; /* check_numbering() refuses it */
	return 0;
}

/* Checks that the facts are numbered 1..n a language at a time, as rulingkb writes them,
 * and finds each language's range. */
static int
check_numbering(struct kb *kb, char *err, size_t errlen)
{
	size_t i;
	enum lang l;

	for (l = LANG_EN; l < LANG_COUNT; l++)
		kb->first[l] = 1, kb->last[l] = 0;
	for (i = 0; i < kb->ninfo; i++) {
		const struct kb_fact_info *f = &kb->info[i];

		if (f->num != (long)i + 1 || f->lang == LANG_COUNT ||
		    (kb->last[f->lang] != 0 && kb->last[f->lang] != f->num - 1)) {
			snprintf(err, errlen,
				 "knowledge base facts are not numbered by language "
				 "(rebuild it)");
			return -1;
		}
		if (kb->last[f->lang] == 0)
			kb->first[f->lang] = f->num;
		kb->last[f->lang] = f->num;
	}
	if ((long)kb->ninfo != kb->nfacts) {
		snprintf(err, errlen, "knowledge base has %zu facts, its meta says %ld", kb->ninfo,
			 kb->nfacts);
		return -1;
	}
	return 0;
}

static int
load_tables(struct kb *kb, char *err, size_t errlen)
{
	const char *schema, *facts, *links;

	if (each_row(kb, "SELECT key, value FROM meta ORDER BY key", meta_row, err, errlen) ||
	    each_row(kb, "SELECT term, doc FROM word_vocab ORDER BY term", vocab_row, err,
		     errlen) ||
	    each_row(kb, "SELECT form, grp FROM synonyms ORDER BY form, grp", synonym_row, err,
		     errlen) ||
	    each_row(kb, "SELECT word, fix FROM misspellings ORDER BY word", fix_row, err, errlen))
		return -1;
	schema = kb_meta(kb, "schema");
	if (schema == NULL || strcmp(schema, KB_SCHEMA_VERSION) != 0) {
		snprintf(err, errlen, "knowledge base schema %s, expected %s (rebuild it)",
			 schema ? schema : "unknown", KB_SCHEMA_VERSION);
		return -1;
	}
	facts = kb_meta(kb, "facts");
	links = kb_meta(kb, "max_links");
	if (facts == NULL || parse_long(facts, 1, 100000000, &kb->nfacts) == -1 || links == NULL ||
	    parse_long(links, 0, 100000000, &kb->max_links) == -1 ||
	    kb_meta(kb, "kb_version") == NULL) {
		snprintf(err, errlen, "knowledge base has no facts or no version");
		return -1;
	}
	if (each_row(kb, "SELECT num, links, lang FROM facts ORDER BY num", info_row, err,
		     errlen) == -1)
		return -1;
	return check_numbering(kb, err, errlen);
}

int
kb_open(const char *path, struct kb **out, char *err, size_t errlen)
{
	struct kb *kb;

	*out = NULL;
	if ((kb = calloc(1, sizeof(*kb))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	arena_init(&kb->strings);
	kb->deadline_ms = 50;
	if (open_readonly(path, &kb->db, err, errlen) == -1 ||
	    register_hits(kb->db, err, errlen) == -1 || prepare_all(kb, err, errlen) == -1 ||
	    load_tables(kb, err, errlen) == -1) {
		kb_close(kb);
		return -1;
	}
	sqlite3_progress_handler(kb->db, 1000, progress_check, kb);
	*out = kb;
	return 0;
}

void
kb_close(struct kb *kb)
{
	if (kb == NULL)
		return;
	sqlite3_finalize(kb->st_search);
	sqlite3_finalize(kb->st_questions);
	sqlite3_finalize(kb->st_fact);
	sqlite3_finalize(kb->st_fact_num);
	sqlite3_finalize(kb->st_in_lang);
	sqlite3_finalize(kb->st_cites);
	sqlite3_finalize(kb->st_related);
	sqlite3_finalize(kb->st_starters);
	sqlite3_finalize(kb->st_sources);
	sqlite3_close(kb->db);
	free(kb->meta);
	free(kb->info);
	free(kb->vocab);
	free(kb->syn);
	free(kb->fixes);
	arena_free(&kb->strings);
	free(kb);
}

const char *
kb_meta(const struct kb *kb, const char *key)
{
	size_t i;

	for (i = 0; i < kb->nmeta; i++)
		if (strcmp(kb->meta[i].key, key) == 0)
			return kb->meta[i].value;
	return NULL;
}

long
kb_fact_count(const struct kb *kb)
{
	return kb->nfacts;
}

void
kb_set_deadline(struct kb *kb, double ms)
{
	kb->deadline_ms = ms > 0 ? ms : 0;
}

/* How many facts lead to fact num, as a share of the most any fact has. */
static double
centrality(const struct kb *kb, long num)
{
	if (num < 1 || num > (long)kb->ninfo || kb->max_links <= 0)
		return 0.0;
	return (double)kb->info[num - 1].links / (double)kb->max_links;
}

int
kb_search(struct kb *kb, const char *match, enum lang lang, struct kb_hit *hits, int max, char *err,
	  size_t errlen)
{
	sqlite3_stmt *st = kb->st_search;
	int n = 0, rc = SQLITE_DONE;

	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, kb->first[lang]);
	sqlite3_bind_int64(st, 3, kb->last[lang]);
	sqlite3_bind_int(st, 4, max);
	if (kb->deadline_ms > 0)
		kb->deadline_ns = now_ns() + (long long)(kb->deadline_ms * 1e6);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		hits[n].fact = (long)sqlite3_column_int64(st, 0);
		hits[n].rank = sqlite3_column_double(st, 1);
		hits[n].cols = (unsigned long long)sqlite3_column_int64(st, 2);
		hits[n].centrality = centrality(kb, hits[n].fact);
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s",
			 rc == SQLITE_INTERRUPT ? "search took too long" : sqlite3_errmsg(kb->db));
		n = -1;
	}
	kb->deadline_ns = 0;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return n;
}

_Static_assert(KB_QUESTION_FACTS == 24, "sql_questions binds KB_QUESTION_FACTS facts");

int
kb_search_questions(struct kb *kb, const char *match, const long *facts, int nfacts,
		    struct kb_question_hit *hits, int max, char *err, size_t errlen)
{
	sqlite3_stmt *st = kb->st_questions;
	int n = 0, rc = SQLITE_DONE, i;
	long lo = 0, hi = -1;

	for (i = 0; i < nfacts && i < KB_QUESTION_FACTS; i++) {
		lo = i == 0 || facts[i] < lo ? facts[i] : lo;
		hi = i == 0 || facts[i] > hi ? facts[i] : hi;
	}
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, lo * KB_QUESTION_ROWS);
	sqlite3_bind_int64(st, 3, hi * KB_QUESTION_ROWS + KB_QUESTION_ROWS - 1);
	for (i = 0; i < KB_QUESTION_FACTS; i++)
		sqlite3_bind_int64(st, 4 + i, i < nfacts ? facts[i] : -1);
	sqlite3_bind_int(st, 4 + KB_QUESTION_FACTS, max);
	if (kb->deadline_ms > 0)
		kb->deadline_ns = now_ns() + (long long)(kb->deadline_ms * 1e6);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		hits[n].fact = (long)sqlite3_column_int64(st, 0);
		hits[n].cols = (unsigned long long)sqlite3_column_int64(st, 1);
		hits[n].cover = sqlite3_column_double(st, 2);
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s",
			 rc == SQLITE_INTERRUPT ? "search took too long" : sqlite3_errmsg(kb->db));
		n = -1;
	}
	kb->deadline_ns = 0;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return n;
}

/* Steps st once; on a row, copies its text columns into out[0..ncol). Returns 1 for a
 * row, 0 for none, -1 on an error or when out of memory. Resets st either way. */
static int
fetch_row(sqlite3_stmt *st, struct arena *a, const char **out, int ncol)
{
	int rc = sqlite3_step(st), i;

	if (rc == SQLITE_ROW) {
		for (i = 0; i < ncol; i++) {
			out[i] = column_copy(a, st, i);
			if (out[i] == NULL && sqlite3_column_type(st, i) != SQLITE_NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
kb_fact(struct kb *kb, long num, struct arena *a, struct kb_fact *out)
{
	const char *col[10];

	sqlite3_bind_int64(kb->st_fact, 1, num);
	if (fetch_row(kb->st_fact, a, col, 10) != 1)
		return -1;
	out->num = num;
	out->id = col[1];
	out->lang = col[2];
	out->answer = col[3];
	out->question = col[4];
	out->as_of = col[5];
	out->status = col[6];
	out->superseded_by = col[7];
	out->translation_of = col[8];
	out->reviewed = col[9];
	return 0;
}

/* Steps an integer-returning statement once. Returns the value, or -1. */
static long
fetch_long(sqlite3_stmt *st)
{
	long v = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return v;
}

long
kb_fact_num(struct kb *kb, const char *id)
{
	sqlite3_bind_text(kb->st_fact_num, 1, id, -1, SQLITE_STATIC);
	return fetch_long(kb->st_fact_num);
}

long
kb_fact_in_lang(struct kb *kb, long num, enum lang lang)
{
	struct arena a;
	struct kb_fact f;
	int same;

	arena_init(&a);
	same = kb_fact(kb, num, &a, &f) == 0 && strcmp(f.lang, lang_code(lang)) == 0;
	arena_free(&a);
	if (same)
		return num;
	sqlite3_bind_int64(kb->st_in_lang, 1, num);
	sqlite3_bind_text(kb->st_in_lang, 2, lang_code(lang), -1, SQLITE_STATIC);
	return fetch_long(kb->st_in_lang);
}

int
kb_fact_cites(struct kb *kb, long num, struct arena *a, struct kb_cite *out, int max)
{
	sqlite3_stmt *st = kb->st_cites;
	const char *col[9];
	int n = 0, rc = SQLITE_DONE;

	sqlite3_bind_int64(st, 1, num);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 9; i++)
			col[i] = column_copy(a, st, i);
		if (col[0] == NULL || col[1] == NULL || col[2] == NULL) {
			n = -1;
			break;
		}
		out[n] = (struct kb_cite){
			.id = col[0],
			.title = col[1],
			.publisher = col[2],
			.date = col[3],
			.url = col[4],
			.citation = col[5],
			.kind = col[6],
			.pinpoint = col[7],
			.quote = col[8],
		};
		if (out[n].date && strcmp(out[n].date, "n.d.") == 0)
			out[n].date = NULL;
		n++;
	}
	if (n >= 0 && n < max && rc != SQLITE_DONE)
		n = -1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return n;
}

/* Collects the first text column of st's rows into ids. Returns how many, or -1. */
static int
fetch_ids(sqlite3_stmt *st, struct arena *a, const char **ids, int max)
{
	int n = 0, rc = SQLITE_DONE;

	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((ids[n] = column_copy(a, st, 0)) == NULL) {
			n = -1;
			break;
		}
		n++;
	}
	if (n >= 0 && n < max && rc != SQLITE_DONE)
		n = -1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return n;
}

int
kb_fact_related(struct kb *kb, long num, struct arena *a, const char **ids, int max)
{
	sqlite3_bind_int64(kb->st_related, 1, num);
	return fetch_ids(kb->st_related, a, ids, max);
}

int
kb_starters(struct kb *kb, enum lang lang, struct arena *a, const char **ids, int max)
{
	sqlite3_bind_text(kb->st_starters, 1, lang_code(lang), -1, SQLITE_STATIC);
	return fetch_ids(kb->st_starters, a, ids, max);
}

int
kb_each_source(struct kb *kb, int (*fn)(void *ctx, const struct kb_cite *src), void *ctx)
{
	sqlite3_stmt *st = kb->st_sources;
	struct kb_cite c;
	int rc, stop = 0;

	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		c.id = (const char *)sqlite3_column_text(st, 0);
		c.title = (const char *)sqlite3_column_text(st, 1);
		c.publisher = (const char *)sqlite3_column_text(st, 2);
		c.date = (const char *)sqlite3_column_text(st, 3);
		c.url = (const char *)sqlite3_column_text(st, 4);
		c.citation = (const char *)sqlite3_column_text(st, 5);
		c.kind = (const char *)sqlite3_column_text(st, 6);
		if (c.date && strcmp(c.date, "n.d.") == 0)
			c.date = NULL;
		stop = fn(ctx, &c);
	}
	sqlite3_reset(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : -1;
}

const struct kb_word *
kb_vocab(const struct kb *kb, size_t *n)
{
	*n = kb->nvocab;
	return kb->vocab;
}

static int
cmp_word(const void *key, const void *elem)
{
	return strcmp(key, ((const struct kb_word *)elem)->word);
}

long
kb_word_docs(const struct kb *kb, const char *word)
{
	const struct kb_word *w;

	if (kb->nvocab == 0)
		return 0;
	w = bsearch(word, kb->vocab, kb->nvocab, sizeof(*kb->vocab), cmp_word);
	return w ? w->docs : 0;
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

	if (kb->nfixes == 0)
		return NULL;
	f = bsearch(word, kb->fixes, kb->nfixes, sizeof(*kb->fixes), cmp_fix);
	return f ? f->fix : NULL;
}
