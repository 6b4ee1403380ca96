/* SPDX-License-Identifier: MIT */
/*
 * build.c -- a checked struct kbset -> the SQLite database rulingd reads.
 *
 * The tables, the numbering of facts and question rows, the tokenizer and the column
 * weights are engine.h's "knowledge base file". Text is normalised with the engine's own
 * functions (norm_text_lang, norm_question_words) before FTS5 sees it, exactly as
 * questions are, so both sides split words (U.S.C., Chicago's, 2.3) the same way.
 *
 * The database is written to a temporary file beside the target and renamed over it, so
 * a reader never opens half a knowledge base.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "engine.h"

/* The tables are engine.h's (KB_SCHEMA_SQL): the format is described there, once. */
static const char *const schema_sql = "PRAGMA journal_mode=OFF;"
				      "PRAGMA synchronous=OFF;"
				      "BEGIN;" KB_SCHEMA_SQL;

/* The statements used while writing. */
struct writer {
	sqlite3 *db;
	sqlite3_stmt *meta, *source, *fact, *question, *cite, *related, *synonym, *fix;
	sqlite3_stmt *entity, *starter, *reply, *fact_index, *word_index, *question_index;
};

static const char *const insert_sql[] = {
	"INSERT INTO meta VALUES(?1, ?2)",
	"INSERT INTO sources VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	"INSERT INTO facts VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0)",
	"INSERT INTO questions VALUES(?1, ?2, ?3)",
	"INSERT INTO fact_sources VALUES(?1, ?2, ?3, ?4, ?5)",
	"INSERT INTO fact_related VALUES(?1, ?2, ?3)",
	"INSERT OR IGNORE INTO synonyms VALUES(?1, ?2)",
	"INSERT OR REPLACE INTO misspellings VALUES(?1, ?2)",
	/* check_kb() refuses a form of two entities: what is ignored is the same entity's
	 * forms folding alike ("Séptimo Circuito", "septimo circuito"). */
	"INSERT OR IGNORE INTO entities VALUES(?1, ?2, ?3)",
	"INSERT INTO starters VALUES(?1, ?2, ?3)",
	"INSERT INTO replies VALUES(?1, ?2, ?3)",
	"INSERT INTO fact_index(rowid, questions, keywords, answer) VALUES(?1, ?2, ?3, ?4)",
	"INSERT INTO word_index(rowid, words) VALUES(?1, ?2)",
	"INSERT INTO question_index(rowid, words) VALUES(?1, ?2)",
};

static sqlite3_stmt **
writer_slot(struct writer *w, size_t i)
{
	sqlite3_stmt **slots[] = { &w->meta,	   &w->source,	      &w->fact,	   &w->question,
				   &w->cite,	   &w->related,	      &w->synonym, &w->fix,
				   &w->entity,	   &w->starter,	      &w->reply,   &w->fact_index,
				   &w->word_index, &w->question_index };

	return slots[i];
}

/* Binds the texts (NULL binds SQL NULL) after an integer first parameter when num >= 0,
 * runs the statement and resets it. Returns 0 or -1. */
static int
run(sqlite3_stmt *st, long num, int n, ...)
{
	va_list ap;
	int i, p = 1, rc;
	const char *s;

	if (num >= 0)
		sqlite3_bind_int64(st, p++, num);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		s = va_arg(ap, const char *);
		if (s)
			sqlite3_bind_text(st, p++, s, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, p++);
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Appends the normalised form of each of the n strings, stemmed for lang, to b, separated
 * by spaces. */
static int
normalise_all(const char *const *strings, int n, enum lang lang, struct buf *b)
{
	int i;

	for (i = 0; i < n; i++)
		if ((i > 0 && buf_append(b, " ", 1) == -1) ||
		    norm_text_lang(strings[i], strlen(strings[i]), lang, b) == -1)
			return -1;
	return buf_append(b, "", 0);
}

/* Indexes each question of fact f by what it is about, for question-level matching. */
static int
index_questions(struct writer *w, const struct fact *f, long num, enum lang lang)
{
	struct buf b;
	int rc = 0, i;

	for (i = 0; rc == 0 && i < f->nquestions; i++) {
		buf_init(&b);
		rc = norm_question_words(f->questions[i], strlen(f->questions[i]), lang, &b);
		if (rc == 0 && b.len > 0)
			rc = run(w->question_index, num * KB_QUESTION_ROWS + i, 1, b.data);
		buf_free(&b);
	}
	return rc;
}

/* Indexes fact f as number num. */
static int
index_fact(struct writer *w, const struct fact *f, long num)
{
	enum lang lang = LANG_EN;
	struct buf q, k, a, all;
	int rc = 0, i;

	lang_parse(f->lang, &lang);
	buf_init(&q), buf_init(&k), buf_init(&a), buf_init(&all);
	for (i = 0; rc == 0 && i < f->nquestions; i++)
		rc = (i > 0 ? buf_append(&q, " ", 1) : 0) ||
		     norm_question_words(f->questions[i], strlen(f->questions[i]), lang, &q);
	if (rc == 0)
		rc = buf_append(&q, "", 0);
	if (rc == 0)
		rc = normalise_all(f->keywords, f->nkeywords, lang, &k);
	if (rc == 0)
		rc = normalise_all(&f->answer, 1, lang, &a);
	if (rc == 0)
		rc = run(w->fact_index, num, 3, q.data, k.data, a.data);
	if (rc == 0)
		rc = buf_printf(&all, "%s %s %s", q.data, k.data, a.data);
	if (rc == 0)
		rc = run(w->word_index, num, 1, all.data);
	if (rc == 0)
		rc = index_questions(w, f, num, lang);
	buf_free(&q), buf_free(&k), buf_free(&a), buf_free(&all);
	return rc;
}

static int
write_fact(struct writer *w, const struct fact *f, long num)
{
	char ord[16];
	int rc, i;

	rc = run(w->fact, num, 10, f->id, f->lang, f->topic, f->answer, f->questions[0], f->as_of,
		 f->status, f->superseded_by, f->translation_of, f->reviewed);
	for (i = 0; rc == 0 && i < f->nquestions; i++) {
		snprintf(ord, sizeof(ord), "%d", i);
		rc = run(w->question, num, 2, ord, f->questions[i]);
	}
	for (i = 0; rc == 0 && i < f->ncites; i++) {
		snprintf(ord, sizeof(ord), "%d", i);
		rc = run(w->cite, num, 4, ord, f->cites[i].id, f->cites[i].pinpoint,
			 f->cites[i].quote);
	}
	for (i = 0; rc == 0 && i < f->nrelated; i++) {
		snprintf(ord, sizeof(ord), "%d", i);
		rc = run(w->related, num, 2, ord, f->related[i]);
	}
	return rc == 0 ? index_fact(w, f, num) : -1;
}

/* Writes a normalised form; an empty form (only punctuation) is skipped. */
static int
write_normalised(sqlite3_stmt *st, const char *text, const char *second, int second_is_text)
{
	struct buf b, c;
	int rc;

	buf_init(&b), buf_init(&c);
	rc = norm_text(text, strlen(text), &b);
	if (rc == 0 && second_is_text)
		rc = norm_text(second, strlen(second), &c);
	if (rc == 0 && b.data[0] != '\0')
		rc = run(st, -1, 2, b.data, second_is_text ? c.data : second);
	buf_free(&b), buf_free(&c);
	return rc;
}

/* Writes each entity's forms folded as norm_text() folds a question, so the engine finds
 * them among a question's words as they are. */
static int
write_entities(struct writer *w, const struct kbset *set)
{
	const struct entity *e;
	struct buf b;
	int rc = 0, i, j;

	for (i = 0; rc == 0 && i < set->nentities; i++) {
		e = &set->entities[i];
		for (j = 0; rc == 0 && j < e->nforms; j++) {
			buf_init(&b);
			rc = norm_text(e->forms[j], strlen(e->forms[j]), &b);
			if (rc == 0 && b.len > 0)
				rc = run(w->entity, -1, 3, b.data, e->id, e->kind);
			buf_free(&b);
		}
	}
	return rc;
}

static int
write_words(struct writer *w, const struct kbset *set)
{
	char grp[16], ord[16];
	int rc = 0, i, j, l;

	for (i = 0; rc == 0 && i < set->ngroups; i++) {
		snprintf(grp, sizeof(grp), "%d", i);
		for (j = 0; rc == 0 && j < set->groups[i].nwords; j++)
			rc = write_normalised(w->synonym, set->groups[i].words[j], grp, 0);
	}
	for (i = 0; rc == 0 && i < set->nfixes; i++)
		rc = write_normalised(w->fix, set->fixes[i].word, set->fixes[i].fix, 1);
	for (l = LANG_EN; l <= LANG_ES; l++)
		for (i = 0; rc == 0 && i < set->nstarters[l]; i++) {
			snprintf(ord, sizeof(ord), "%d", i);
			rc = run(w->starter, -1, 3, lang_code((enum lang)l), ord,
				 set->starters[l][i]);
		}
	return rc;
}

/* Writes every reply in every language; check_kb() has made sure each is there once. */
static int
write_replies(struct writer *w, const struct kbset *set)
{
	int rc = 0, i, l;

	for (i = 0; rc == 0 && i < set->nreplies; i++)
		for (l = LANG_EN; rc == 0 && l < LANG_COUNT; l++)
			rc = run(w->reply, -1, 3, set->replies[i].id, lang_code((enum lang)l),
				 set->replies[i].text[l]);
	return rc;
}

static int
write_meta(struct writer *w, const struct kbset *set)
{
	char facts[24], en[24], es[24], sources[24], built[48], newest[16] = "", oldest[16] = "";
	long today = check_today();
	int i, n_en = 0, rc = 0;

	for (i = 0; i < set->nfacts; i++) {
		const char *r = set->facts[i].reviewed;
		n_en += strcmp(set->facts[i].lang, "en") == 0;
		if (newest[0] == '\0' || strcmp(r, newest) > 0)
			snprintf(newest, sizeof(newest), "%s", r);
		if (oldest[0] == '\0' || strcmp(r, oldest) < 0)
			snprintf(oldest, sizeof(oldest), "%s", r);
	}
	snprintf(facts, sizeof(facts), "%d", set->nfacts);
	snprintf(en, sizeof(en), "%d", n_en);
	snprintf(es, sizeof(es), "%d", set->nfacts - n_en);
	snprintf(sources, sizeof(sources), "%d", set->nsources);
	snprintf(built, sizeof(built), "%04ld-%02ld-%02ld", today / 10000, today / 100 % 100,
		 today % 100);
	const char *pairs[][2] = {
		{ "schema", KB_SCHEMA_VERSION },
		{ "kb_version", set->version },
		{ "built", built },
		{ "facts", facts },
		{ "facts_en", en },
		{ "facts_es", es },
		{ "sources", sources },
		{ "reviewed", newest },
		{ "reviewed_oldest", oldest },
		{ "languages", "en,es" },
	};
	for (i = 0; rc == 0 && i < (int)ARRAY_LEN(pairs); i++)
		rc = run(w->meta, -1, 2, pairs[i][0], pairs[i][1]);
	return rc;
}

/* Numbers and writes the facts a language at a time, in their order in the set: the facts
 * of one language then have consecutive numbers, and a search in one language is a rowid
 * range FTS5 applies while reading its index, not a column it reads row by row. */
static int
write_facts(struct writer *w, const struct kbset *set)
{
	enum lang lang, l;
	long num = 1;
	int rc = 0, i;

	for (l = LANG_EN; rc == 0 && l < LANG_COUNT; l++) {
		for (i = 0; rc == 0 && i < set->nfacts; i++) {
			if (lang_parse(set->facts[i].lang, &lang) == 0 && lang == l)
				rc = write_fact(w, &set->facts[i], num++);
		}
	}
	return rc;
}

static int
write_all(struct writer *w, const struct kbset *set)
{
	int rc = 0, i;

	for (i = 0; rc == 0 && i < set->nsources; i++) {
		const struct src *s = &set->sources[i];
		rc = run(w->source, -1, 7, s->id, s->title, s->publisher, s->date, s->url,
			 s->citation, s->kind);
	}
	rc = rc == 0 ? write_facts(w, set) : rc;
	if (rc == 0)
		rc = write_words(w, set);
	if (rc == 0)
		rc = write_entities(w, set);
	if (rc == 0)
		rc = write_replies(w, set);
	if (rc == 0)
		rc = write_meta(w, set);
	return rc;
}

/* Counts, for each fact, the other facts that point to it (related, superseded_by): the
 * facts everything else leads to are the ones a vague question most likely means. */
static const char *const links_sql =
	/* Counted once into a keyed table: a count per fact would scan every link per fact,
	 * which takes minutes for a knowledge base of 100,000 facts. */
	"CREATE TEMP TABLE link_counts(id TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO link_counts SELECT id, count(*) FROM ("
	" SELECT related AS id FROM fact_related"
	" UNION ALL SELECT superseded_by FROM facts WHERE superseded_by IS NOT NULL) GROUP BY id;"
	"UPDATE facts SET links = coalesce((SELECT n FROM link_counts c WHERE c.id = facts.id), 0);"
	"DROP TABLE link_counts;"
	"INSERT INTO meta SELECT 'max_links', max(links) FROM facts;";

static int
writer_open(struct writer *w, const char *path, char *err, size_t errlen)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		    SQLITE_OK ||
	    sqlite3_exec(w->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(w->db));
		return -1;
	}
	for (i = 0; i < ARRAY_LEN(insert_sql); i++)
		if (sqlite3_prepare_v2(w->db, insert_sql[i], -1, writer_slot(w, i), NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(w->db));
			return -1;
		}
	return 0;
}

static void
writer_close(struct writer *w)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(insert_sql); i++)
		sqlite3_finalize(*writer_slot(w, i));
	sqlite3_close(w->db);
}

/* Flushes the file at path, and after a rename the folder holding it, to disk. */
static int
sync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC), rc;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
build_kb(const struct kbset *set, const char *out, char *err, size_t errlen)
{
	struct writer w;
	char *tmp, *dircopy;
	int fd, rc;

	if ((tmp = malloc(strlen(out) + 16)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sprintf(tmp, "%s.tmp-XXXXXX", out);
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	rc = writer_open(&w, tmp, err, errlen);
	if (rc == 0 &&
	    (write_all(&w, set) == -1 ||
	     sqlite3_exec(w.db, links_sql, NULL, NULL, NULL) != SQLITE_OK ||
	     sqlite3_exec(
		     w.db,
		     "INSERT INTO fact_index(fact_index) VALUES('optimize');"
		     "INSERT INTO word_index(word_index) VALUES('optimize');"
		     "INSERT INTO question_index(question_index) VALUES('optimize');" KB_SIZES_SQL
		     "COMMIT;",
		     NULL, NULL, NULL) != SQLITE_OK)) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(w.db));
		rc = -1;
	}
	writer_close(&w);
	if (rc == 0 && (sync_path(tmp, 0) == -1 || rename(tmp, out) == -1)) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		rc = -1;
	}
	if (rc == -1)
		unlink(tmp);
	else if ((dircopy = strdup(out)) != NULL) {
		sync_path(dirname(dircopy), 1);
		free(dircopy);
	}
	free(tmp);
	return rc;
}
