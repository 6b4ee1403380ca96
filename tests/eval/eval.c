/* SPDX-License-Identifier: MIT */
/*
 * eval.c -- rulingeval: how well does the engine answer? Runs every question of a TSV file
 * (question, TAB, the fact id it should get or NONE) through the real engine on the real
 * knowledge base and prints, first, the share of all questions given a confident wrong
 * answer (a fact that is not the answer, or any fact for a question it cannot answer),
 * then the in-scope questions answered right, asked back ("did you mean ...?") and
 * declined, and the out-of-scope ones declined: for all questions, by the language the
 * engine read each in, and for a naive baseline (plain bm25 over the answer text with the
 * question's raw words OR-ed, which declines only when no fact shares a word). Then the
 * failures, one per line, of the fit and dev splits only: the test split is read to report
 * a figure, and a list of its misses would invite tuning on it (so would that of every
 * question, which holds it), so there only their number is printed.
 *
 * With --min-accuracy and --min-decline it exits 1 when a figure falls short, which is how
 * `make test` holds the line. It also refuses an evaluation that copies the knowledge
 * base's own questions, since a test set that repeats the training set measures nothing:
 * that check reads the questions table itself, since the engine does not keep the text of
 * a fact's questions; everything else goes through the engine.
 */
#include <getopt.h>
#include <stddef.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* One line of the TSV file. */
struct item {
	char *question;	  /* as a reader typed it */
	char *expected;	  /* fact id, "a|b" when either answers it, or "NONE" */
	const char *file; /* the file it is in */
	int line;	  /* its line there */
};

/* The three parts every question falls in, by a hash of its words: the answer model's
 * weights are fitted on the first, its thresholds chosen on the second, and the third is
 * only read to report. A question never moves: its words decide. */
enum split { SPLIT_ALL = -1, SPLIT_FIT, SPLIT_DEV, SPLIT_TEST };
static const char *const split_names[] = { "fit", "dev", "test", NULL };

/* fit 60%, dev 20%, test 20%. */
static enum split
split_of(const char *question)
{
	struct buf words;
	unsigned long long h;

	buf_init(&words);
	norm_text(question, strlen(question), &words);
	h = fnv1a(FNV_OFFSET, words.data ? words.data : "", words.len) % 5;
	buf_free(&words);
	return h < 3 ? SPLIT_FIT : h == 3 ? SPLIT_DEV : SPLIT_TEST;
}

/* Where --features writes each candidate of the question being asked. */
struct feature_dump {
	FILE *out;	      /* the file, or NULL */
	const struct kb *kb;  /* for fact number -> id */
	sqlite3 *db;	      /* for a fact's translations */
	int question;	      /* the question's line in the TSV file */
	const char *expected; /* the fact it should get, or NONE */
};

/* What one system (the engine or the baseline) did with the questions of one language. */
struct tally {
	int questions;	  /* asked */
	int wrong;	  /* a fact given that is not the answer: a wrong one, or one for NONE */
	int in_scope;	  /* questions the KB can answer */
	int right;	  /* of those, answered with their fact */
	int clarified;	  /* of those, asked back ("did you mean ...?") */
	int offered;	  /* of those asked back, with their fact among the choices */
	int unanswered;	  /* of those, neither answered nor asked back */
	int out_of_scope; /* questions it cannot answer */
	int declined;	  /* of those, given no fact */
};

/* A system's tallies, by the language the engine read the question in. */
struct score {
	struct tally lang[LANG_COUNT];
};

static double
percent(int a, int b)
{
	return b ? 100.0 * a / b : 0.0;
}

/* Appends the questions of the TSV file in split (SPLIT_ALL: every one) to *out, which
 * holds n. Returns the new count, or -1. */
static int
read_items(const char *path, enum split split, struct item **out, int n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *tab, *nl;
	size_t cap = 0;
	int lineno = 0;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		if ((nl = strpbrk(line, "\r\n")) != NULL)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((tab = strchr(line, '\t')) == NULL || tab[1] == '\0') {
			fprintf(stderr, "%s:%d: want question<TAB>fact-id-or-NONE\n", path, lineno);
			n = -1;
			break;
		}
		*tab = '\0';
		if (split != SPLIT_ALL && split_of(line) != split)
			continue;
		*out = realloc(*out, (size_t)(n + 1) * sizeof(**out));
		(*out)[n].question = strdup(line);
		(*out)[n].expected = strdup(tab + 1);
		(*out)[n].file = path;
		(*out)[n].line = lineno;
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

/* Returns the fact whose own question is the same words as q, or NULL (copied to out). */
static const char *
copied_from(sqlite3 *db, const char *q, char *out, size_t outlen)
{
	struct buf want, have;
	sqlite3_stmt *st;
	const char *found = NULL;

	if (sqlite3_prepare_v2(db,
			       "SELECT f.id, q.text FROM questions q JOIN facts f"
			       " ON f.num = q.fact",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	buf_init(&want);
	norm_text(q, strlen(q), &want);
	while (found == NULL && sqlite3_step(st) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 1);
		buf_init(&have);
		norm_text(text, strlen(text), &have);
		if (strcmp(want.data, have.data) == 0) {
			snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
			found = out;
		}
		buf_free(&have);
	}
	sqlite3_finalize(st);
	buf_free(&want);
	return found;
}

/* Copies to out the id of the fact that id translates, or id itself. */
static void
original_of(sqlite3 *db, const char *id, char *out, size_t outlen)
{
	sqlite3_stmt *st;

	snprintf(out, outlen, "%s", id);
	if (sqlite3_prepare_v2(db, "SELECT translation_of FROM facts WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Returns 1 when fact got gives the answer that fact expected does: the same fact, or
 * one translating the other (a Spanish reader given the Spanish version of the fact
 * asked for has the answer, in the language asked in). */
static int
same_fact(sqlite3 *db, const char *got, const char *expected)
{
	char a[128], b[128];

	if (strcmp(got, expected) == 0)
		return 1;
	original_of(db, got, a, sizeof(a));
	original_of(db, expected, b, sizeof(b));
	return strcmp(a, b) == 0;
}

/* Returns 1 when got answers a question labelled expected: one fact id, or several
 * separated by '|' where the labeller found that each of them answers it. */
static int
same_answer(sqlite3 *db, const char *got, const char *expected)
{
	char one[128];
	const char *p = expected, *bar;
	size_t n;

	if (got == NULL || strcmp(expected, "NONE") == 0)
		return 0;
	for (;; p = bar + 1) {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		if (same_fact(db, got, one))
			return 1;
		if (bar == NULL)
			return 0;
	}
}

/* Returns the number of ids in expected ("a|b") that the KB does not hold, each reported
 * at file:line. */
static int
unknown_ids(struct kb *kb, const struct item *it)
{
	char one[128];
	const char *p = it->expected, *bar;
	int bad = 0;
	size_t n;

	if (strcmp(p, "NONE") == 0)
		return 0;
	for (;; p = bar + 1) {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		if (kb_fact_lang(kb, one) < 0) {
			fprintf(stderr, "%s:%d: no fact '%s' in the KB\n", it->file, it->line, one);
			bad++;
		}
		if (bar == NULL)
			return bad;
	}
}

/* Counts one question: its label, the fact given (NULL: none), whether that fact is
 * the answer, whether the system asked back and offered the answer among its choices. */
static void
tally(struct tally *t, const char *expected, const char *got, int right, int asked_back,
      int offered)
{
	t->questions++;
	t->wrong += got != NULL && !right;
	if (strcmp(expected, "NONE") == 0) {
		t->out_of_scope++;
		t->declined += got == NULL;
	} else {
		t->in_scope++;
		t->right += right;
		t->clarified += asked_back;
		t->offered += offered;
		t->unanswered += got == NULL && !asked_back;
	}
}

/* The sum of a score's languages. */
static struct tally
total(const struct score *s)
{
	struct tally t = { 0 };
	int l;

	for (l = 0; l < LANG_COUNT; l++) {
		t.questions += s->lang[l].questions;
		t.wrong += s->lang[l].wrong;
		t.in_scope += s->lang[l].in_scope;
		t.right += s->lang[l].right;
		t.clarified += s->lang[l].clarified;
		t.offered += s->lang[l].offered;
		t.unanswered += s->lang[l].unanswered;
		t.out_of_scope += s->lang[l].out_of_scope;
		t.declined += s->lang[l].declined;
	}
	return t;
}

/* Returns 1 when one of the facts the engine asked back with answers the question. */
static int
answer_offered(sqlite3 *db, const struct answer *a, const char *expected)
{
	int i;

	for (i = 0; a->asked_back && i < a->nsuggestions; i++)
		if (same_answer(db, a->suggestions[i].fact, expected))
			return 1;
	return 0;
}

/* What a row of the figures shows: a count and the count it is a share of. */
struct row {
	const char *name; /* as printed */
	size_t part;	  /* offset of the count in struct tally */
	size_t whole;	  /* offset of the count it is a share of */
	const char *note; /* printed after it, or NULL */
};

#define TALLY(m) offsetof(struct tally, m)

static const struct row rows[] = {
	{ "confident wrong", TALLY(wrong), TALLY(questions), "of all questions; lower is better" },
	{ "in-scope right", TALLY(right), TALLY(in_scope), NULL },
	{ "in-scope asked back", TALLY(clarified), TALLY(in_scope), "\"did you mean ...?\"" },
	{ "in-scope declined", TALLY(unanswered), TALLY(in_scope), NULL },
	{ "out of scope declined", TALLY(declined), TALLY(out_of_scope), NULL },
};

static double
share(const struct tally *t, const struct row *r)
{
	const char *base = (const char *)t;

	return percent(*(const int *)(base + r->part), *(const int *)(base + r->whole));
}

/* Prints the figures: each row for all questions, each language, and the baseline. */
static void
print_figures(const struct score *engine, const struct score *naive)
{
	struct tally e = total(engine), b = total(naive);
	const struct tally *en = &engine->lang[LANG_EN], *es = &engine->lang[LANG_ES];
	size_t i;

	printf("                          engine  English  Spanish  baseline\n");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		printf("  %-22s %6.1f%%  %6.1f%%  %6.1f%%   %6.1f%%%s%s\n", rows[i].name,
		       share(&e, &rows[i]), share(en, &rows[i]), share(es, &rows[i]),
		       share(&b, &rows[i]), rows[i].note ? "   " : "",
		       rows[i].note ? rows[i].note : "");
	printf("  %-22s %7d  %7d  %7d\n", "questions", e.questions, en->questions, es->questions);
	printf("  %-22s %7d  %7d  %7d\n", "in scope", e.in_scope, en->in_scope, es->in_scope);
	printf("  asked back with the answer among the choices: %d of %d\n", e.offered,
	       e.clarified);
}

/* The engine's feature sink: one line per candidate, labelled 1 when it is the right fact. */
static void
dump_features(void *ctx, long fact, const double *f, int n)
{
	struct feature_dump *d = ctx;
	const char *id = kb_fact_id(d->kb, fact);
	int i;

	fprintf(d->out, "%d\t%d", d->question, id != NULL && same_answer(d->db, id, d->expected));
	for (i = 0; i < n; i++)
		fprintf(d->out, "\t%.5f", f[i]);
	fputc('\n', d->out);
}

/* Parses a percentage in [0, 100]; exits on anything else. */
static double
parse_percent(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || v < 0 || v > 100) {
		fprintf(stderr, "rulingeval: '%s' is not a percentage\n", s);
		exit(2);
	}
	return v;
}

/* Applies --set name=value to the engine's tuning; exits on a bad one. */
static void
set_tuning(struct match_options *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[64], *end;
	double v;

	if (eq == NULL || (size_t)(eq - arg) >= sizeof(name)) {
		fprintf(stderr, "rulingeval: --set wants name=value, not '%s'\n", arg);
		exit(2);
	}
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end != '\0' || match_options_set(o, name, v) == -1) {
		fprintf(stderr, "rulingeval: cannot set '%s'\n", arg);
		exit(2);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: rulingeval --kb FILE [--split fit|dev|test] [--max-wrong PCT]"
			" [--min-accuracy PCT] [--min-decline PCT] [--set NAME=VALUE]..."
			" [--features FILE] QUESTIONS.tsv...\n");
	exit(2);
}

static enum split
parse_split(const char *s)
{
	int i;

	for (i = 0; split_names[i]; i++)
		if (strcmp(s, split_names[i]) == 0)
			return (enum split)i;
	fprintf(stderr, "rulingeval: --split must be fit, dev or test, not '%s'\n", s);
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kb", required_argument, NULL, 'k' },
		{ "min-accuracy", required_argument, NULL, 'a' },
		{ "min-decline", required_argument, NULL, 'd' },
		{ "set", required_argument, NULL, 's' },
		{ "features", required_argument, NULL, 'f' },
		{ "split", required_argument, NULL, 'p' },
		{ "max-wrong", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct score engine = { 0 }, naive = { 0 };
	const char *kb_path = NULL, *got, *base;
	double min_acc = 0, min_dec = 0, max_wrong = 100;
	enum split split = SPLIT_ALL;
	struct match_options opts;
	struct item *items;
	struct kb *kb;
	sqlite3 *db;
	char err[512], cbuf[128];
	int c, n, i, bad = 0, copies = 0, right, offered, rc = 0;
	struct tally all;
	struct buf failures;
	struct feature_dump dump = { 0 };
	const char *features = NULL;

	match_options_init(&opts);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': kb_path = optarg; break;
		case 'a': min_acc = parse_percent(optarg); break;
		case 'd': min_dec = parse_percent(optarg); break;
		case 's': set_tuning(&opts, optarg); break;
		case 'f': features = optarg; break;
		case 'p': split = parse_split(optarg); break;
		case 'w': max_wrong = parse_percent(optarg); break;
		default: usage();
		}
	}
	if (kb_path == NULL || optind >= argc)
		usage();
	if (kb_open(kb_path, &kb, err, sizeof(err)) == -1 ||
	    sqlite3_open_v2(kb_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "rulingeval: %s: %s\n", kb_path, err);
		return 2;
	}
	for (n = 0, items = NULL, i = optind; i < argc; i++)
		if ((n = read_items(argv[i], split, &items, n)) < 0)
			return 2;
	if (n == 0) {
		fprintf(stderr, "rulingeval: no question to ask\n");
		return 2;
	}
	if (features) {
		if ((dump.out = fopen(features, "w")) == NULL) {
			perror(features);
			return 2;
		}
		dump.kb = kb;
		dump.db = db;
		fprintf(dump.out, "question\tlabel");
		for (i = 0; match_feature_name(i); i++)
			fprintf(dump.out, "\t%s", match_feature_name(i));
		fputc('\n', dump.out);
		opts.features = dump_features;
		opts.features_ctx = &dump;
	}
	buf_init(&failures);
	for (i = 0; i < n; i++) {
		struct answer a;
		bad += unknown_ids(kb, &items[i]);
		if (copied_from(db, items[i].question, cbuf, sizeof(cbuf))) {
			fprintf(stderr, "%s:%d: \"%s\" is a question of fact '%s' word for word\n",
				items[i].file, items[i].line, items[i].question, cbuf);
			copies++;
		}
		dump.question = i + 1; /* unique over every file */
		dump.expected = items[i].expected;
		if (match_question(kb, &opts, items[i].question, strlen(items[i].question), NULL,
				   &a, err, sizeof(err)) == -1) {
			fprintf(stderr, "rulingeval: engine failed: %s\n", err);
			return 2;
		}
		got = a.type == ANSWER_FACT ? a.fact : NULL;
		right = same_answer(db, got, items[i].expected);
		offered = answer_offered(db, &a, items[i].expected);
		/* by the question's language, as the engine reads it */
		tally(&engine.lang[a.wanted], items[i].expected, got, right, a.asked_back, offered);
		base = kb_baseline(kb, items[i].question);
		tally(&naive.lang[a.wanted], items[i].expected, base,
		      same_answer(db, base, items[i].expected), 0, 0);
		if (got == NULL ? strcmp(items[i].expected, "NONE") != 0 : !right)
			buf_printf(&failures, "  %-50s want %-28s got %s (%.2f)\n",
				   items[i].question, items[i].expected,
				   got		   ? got
				   : !a.asked_back ? "no answer"
				   : offered	   ? "asked back, answer offered"
						   : "asked back",
				   a.score);
		answer_free(&a);
	}
	all = total(&engine);
	printf("answer quality: %d questions, %d in scope, %d out of scope (%s%s%s", n,
	       all.in_scope, all.out_of_scope, split == SPLIT_ALL ? "" : "split ",
	       split == SPLIT_ALL ? "" : split_names[split], split == SPLIT_ALL ? "" : " of ");
	for (i = optind; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? ", " : ")\n");
	print_figures(&engine, &naive);
	all = total(&engine);
	printf("failures (%d)", all.in_scope - all.right + all.out_of_scope - all.declined);
	if (split == SPLIT_FIT || split == SPLIT_DEV)
		printf(":\n%s", failures.data ? failures.data : "");
	else
		printf(", not listed: the test split is only read to report\n");
	if (percent(all.wrong, n) > max_wrong) {
		printf("FAIL: confident wrong answers are above %.0f%%\n", max_wrong);
		rc = 1;
	}
	if (min_acc > 0 && percent(all.right, all.in_scope) < min_acc) {
		printf("FAIL: in-scope accuracy is below %.0f%%\n", min_acc);
		rc = 1;
	}
	if (min_dec > 0 && percent(all.declined, all.out_of_scope) < min_dec) {
		printf("FAIL: correct-decline rate is below %.0f%%\n", min_dec);
		rc = 1;
	}
	if (bad || copies) {
		printf("FAIL: %d unknown fact ids, %d questions copied from the KB\n", bad, copies);
		rc = 1;
	}
	for (i = 0; i < n; i++) {
		free(items[i].question);
		free(items[i].expected);
	}
	free(items);
	buf_free(&failures);
	if (dump.out)
		fclose(dump.out);
	sqlite3_close(db);
	kb_close(kb);
	return rc;
}
