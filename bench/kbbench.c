/* SPDX-License-Identifier: MIT */
/*
 * kbbench.c -- what the engine costs, and how that grows with the knowledge base. For each
 * knowledge base given, it times kb_open() (the engine reads the whole knowledge base into
 * memory: what start-up and a reload cost), reports kb_bytes() and how much the process's
 * resident memory grew across the open (and at its peak during it), then times
 * match_question() over a question set.
 *
 * As points of comparison it times two FTS5 queries on the same database: the bare
 * bm25-ranked query a plain bot runs (the question's words quoted and OR-ed, best fact
 * first), and the same with the engine's own FTS5 expression (its synonyms, prefixes and
 * word pairs, stopwords left out), which is what answering from SQLite would cost the
 * engine. The engine itself no longer asks SQLite anything per question. On a large
 * knowledge base these queries take a tenth of a second or more each, so --bare-every N
 * times them on every Nth question only; the engine is timed on every question.
 *
 * It prints one line of key=value figures per knowledge base (bench/run reads it): the
 * median, p99 and mean of each timing, and the load figures.
 *
 * The synthetic knowledge bases it is given come from bench/synthkb.py and rulingkb; the
 * real one is build/kb.sqlite. The engine runs without its query deadline, so that a slow
 * question is measured rather than cut short; the questions that went over the daemon's
 * default deadline are counted instead.
 */
#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

/* rulingd's default database time per question (main.c), in microseconds. */
#define DAEMON_DEADLINE_US 20000.0

/* The bare query: the best fact by the knowledge base's own bm25 weights. */
static const char *const bare_sql =
	"SELECT rowid, rank FROM fact_index WHERE fact_index MATCH ?1 ORDER BY rank LIMIT 1";

/* What the command line asked for. */
struct options {
	const char *qfile; /* --questions */
	double seconds;	   /* --seconds: least time spent timing each method on each KB */
	long bare_every;   /* --bare-every: time the FTS5 queries on every Nth question */
	char **kbs;	   /* knowledge base files */
	int nkbs;	   /* entries in kbs */
};

/* Timings, in microseconds. */
struct samples {
	double *v;  /* one per call */
	size_t n;   /* entries in v */
	size_t cap; /* entries allocated */
};

/* What the engine answered over the timed passes. */
struct outcome {
	long answered;	    /* a fact or a fixed reply */
	long declined;	    /* "I don't know" */
	long failed;	    /* match_question() returned -1 */
	long over_deadline; /* calls longer than the daemon's deadline */
};

static void
die(const char *msg, const char *detail)
{
	fprintf(stderr, "kbbench: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

/* Microseconds on the monotonic clock, as a double for the figures. */
static double
now_us(void)
{
	return (double)mono_ns() / 1e3;
}

static void
samples_add(struct samples *s, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		if ((s->v = realloc(s->v, s->cap * sizeof(*s->v))) == NULL)
			die("out of memory", NULL);
	}
	s->v[s->n++] = v;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Returns the value below which a share p of the sorted samples lie. */
static double
samples_at(const struct samples *s, double p)
{
	size_t i = (size_t)(p * (double)s->n);

	return s->n == 0 ? -1 : s->v[i < s->n ? i : s->n - 1];
}

static double
samples_mean(const struct samples *s)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		sum += s->v[i];
	return s->n ? sum / (double)s->n : -1;
}

/* Returns the "VmRSS" or "VmHWM" (peak) of this process from /proc/self/status, in KiB,
 * or -1 when it cannot be read. */
static long
status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t klen = strlen(key);
	char line[256];
	long kib = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			kib = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

/* Resets this process's VmHWM to its VmRSS (Linux's clear_refs "5"), so that the next
 * reading of VmHWM is the peak since now. Quietly does nothing where it cannot. */
static void
peak_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f != NULL) {
		fputs("5", f);
		fclose(f);
	}
}

/* Reads one question per line, empty lines skipped. Returns how many; exits on error. */
static size_t
questions_load(const char *path, char ***out)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, **qs = NULL;
	size_t cap = 0, n = 0, len;

	if (f == NULL)
		die(path, strerror(errno));
	while (getline(&line, &cap, f) != -1) {
		len = strcspn(line, "\r\n");
		if (len == 0)
			continue;
		if ((qs = realloc(qs, (n + 1) * sizeof(*qs))) == NULL ||
		    (qs[n++] = strndup(line, len)) == NULL)
			die("out of memory", NULL);
	}
	free(line);
	fclose(f);
	if (n == 0)
		die(path, "no questions");
	*out = qs;
	return n;
}

/* Returns the bare FTS5 expression of question q, as a plain bot writes it: each run of
 * letters and digits (ASCII lowercased, bytes of UTF-8 letters kept) as a quoted string,
 * OR-ed. NULL when the question has no word. The caller frees it. */
static char *
words_expr(const char *q)
{
	const unsigned char *p = (const unsigned char *)q;
	int inword = 0, rc = 0;
	struct buf e;

	buf_init(&e);
	for (; *p; p++) {
		int wordish = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p >= 0x80 || *p == '_';
		char ch = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);

		if (wordish && !inword)
			rc |= buf_puts(&e, e.len ? " OR \"" : "\"");
		if (!wordish && inword)
			rc |= buf_puts(&e, "\"");
		if (wordish)
			rc |= buf_append(&e, &ch, 1);
		inword = wordish;
	}
	if (inword)
		rc |= buf_puts(&e, "\"");
	if (rc != 0)
		die("out of memory", NULL);
	return e.data;
}

/* Returns the FTS5 expression the engine itself builds for q (its first search), or
 * NULL for a question it answers without searching (small talk). It is read from
 * the trace option, the engine's public way of showing its work. The caller frees it. */
static char *
engine_expr(struct kb *kb, const char *q)
{
	char err[256], *text = NULL, *line, *out = NULL;
	struct match_options o;
	struct answer a;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&text, &len)) == NULL)
		die("open_memstream", strerror(errno));
	match_options_init(&o);
	o.trace = f;
	match_question(kb, &o, q, strlen(q), NULL, &a, err, sizeof(err));
	answer_free(&a);
	fclose(f);
	if ((line = strstr(text, "\nFTS5: ")) != NULL) {
		line += 7;
		if ((out = strndup(line, strcspn(line, "\n"))) == NULL)
			die("out of memory", NULL);
	}
	free(text);
	return out;
}

/* One engine call, timed. */
static void
engine_one(struct kb *kb, const char *q, struct samples *s, struct outcome *o)
{
	struct answer a;
	char err[256];
	double t0 = now_us(), dt;
	int rc;

	rc = match_question(kb, NULL, q, strlen(q), NULL, &a, err, sizeof(err));
	dt = now_us() - t0;
	if (rc == -1)
		o->failed++;
	else if (a.type == ANSWER_NONE)
		o->declined++;
	else
		o->answered++;
	answer_free(&a);
	o->over_deadline += dt > DAEMON_DEADLINE_US;
	samples_add(s, dt);
}

/* One bare query, timed: prepared once, bound, stepped to its one row, reset. */
static void
bare_one(sqlite3_stmt *st, const char *expr, struct samples *s)
{
	double t0 = now_us();

	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	samples_add(s, now_us() - t0);
}

/* Times whole passes over the questions, one untimed first to warm the caches, until
 * seconds have gone by (at least one timed pass). */
static void
time_engine(struct kb *kb, char **qs, size_t nq, double seconds, struct samples *s,
	    struct outcome *o)
{
	struct outcome warm = { 0 };
	struct samples discard = { 0 };
	double start;
	size_t i;

	for (i = 0; i < nq; i++)
		engine_one(kb, qs[i], &discard, &warm);
	free(discard.v);
	start = now_us();
	do {
		for (i = 0; i < nq; i++)
			engine_one(kb, qs[i], s, o);
	} while (now_us() - start < seconds * 1e6);
}

/* Times the bare query over every every-th expression (NULL ones skipped) as
 * time_engine() does. */
static void
time_bare(const char *path, char **exprs, size_t n, size_t every, double seconds, struct samples *s)
{
	struct samples discard = { 0 };
	sqlite3_stmt *st;
	sqlite3 *db;
	double start;
	size_t i;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(db, bare_sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		die(path, sqlite3_errmsg(db));
	for (i = 0; i < n; i += every)
		if (exprs[i])
			bare_one(st, exprs[i], &discard);
	free(discard.v);
	start = now_us();
	do {
		for (i = 0; i < n; i += every)
			if (exprs[i])
				bare_one(st, exprs[i], s);
	} while (now_us() - start < seconds * 1e6);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
exprs_free(char **exprs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(exprs[i]);
	free(exprs);
}

static void
print_samples(const char *name, struct samples *s)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	printf(" %s_p50_us=%.1f %s_p99_us=%.1f %s_mean_us=%.1f %s_calls=%zu", name,
	       samples_at(s, 0.5), name, samples_at(s, 0.99), name, samples_mean(s), name, s->n);
	free(s->v);
}

/* Times one knowledge base and prints its line. */
static void
bench_kb(const char *path, char **qs, size_t nq, double seconds, size_t bare_every)
{
	struct samples eng = { 0 }, words = { 0 }, own = { 0 };
	char **wexprs, **eexprs, err[512];
	long facts, rss_before, rss_after, peak;
	struct outcome o = { 0 };
	double t0, open_ms;
	struct kb *kb;
	size_t i;

	/* The open, as rulingd does it at start-up and on SIGHUP: the memory it leaves
	 * behind, and the most it held at once while reading (VmHWM, reset first). */
	peak_reset();
	rss_before = status_kib("VmRSS");
	t0 = now_us();
	if (kb_open(path, &kb, err, sizeof(err)) == -1)
		die(path, err);
	open_ms = (now_us() - t0) / 1e3;
	rss_after = status_kib("VmRSS");
	peak = status_kib("VmHWM");
	facts = kb_fact_count(kb);
	printf("kb=%s facts=%ld questions=%zu open_ms=%.1f kb_bytes=%zu rss_before_kib=%ld "
	       "rss_growth_kib=%ld peak_growth_kib=%ld",
	       path, facts, nq, open_ms, kb_bytes(kb), rss_before,
	       rss_before < 0 || rss_after < 0 ? -1 : rss_after - rss_before,
	       rss_before < 0 || peak < 0 ? -1 : peak - rss_before);
	if ((wexprs = calloc(nq, sizeof(*wexprs))) == NULL ||
	    (eexprs = calloc(nq, sizeof(*eexprs))) == NULL)
		die("out of memory", NULL);
	for (i = 0; i < nq; i++) {
		wexprs[i] = words_expr(qs[i]);
		eexprs[i] = engine_expr(kb, qs[i]);
	}
	time_engine(kb, qs, nq, seconds, &eng, &o);
	kb_close(kb);
	time_bare(path, wexprs, nq, bare_every, seconds, &words);
	time_bare(path, eexprs, nq, bare_every, seconds, &own);
	printf(" bare_every=%zu", bare_every);
	print_samples("engine", &eng);
	print_samples("bare", &words);
	print_samples("bare_engine_expr", &own);
	printf(" answered=%ld declined=%ld failed=%ld over_20ms=%ld\n", o.answered, o.declined,
	       o.failed, o.over_deadline);
	fflush(stdout);
	exprs_free(wexprs, nq);
	exprs_free(eexprs, nq);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: kbbench --questions FILE [--seconds S] [--bare-every N] KB.sqlite...\n"
		   "Times kb_open(), then match_question() and a bare bm25 FTS5 query over the\n"
		   "questions on each knowledge base (at least S seconds each, default 1; the\n"
		   "FTS5 queries on every Nth question, default 1); one line per KB.\n");
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "questions", required_argument, NULL, 'q' },
		{ "seconds", required_argument, NULL, 's' },
		{ "bare-every", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->seconds = 1;
	o->bare_every = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': o->qfile = optarg; break;
		case 's':
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(o->seconds >= 0 && o->seconds < 3600))
				die("--seconds must be 0 to 3600", optarg);
			break;
		case 'b':
			errno = 0;
			o->bare_every = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end ||
			    !(o->bare_every >= 1 && o->bare_every <= 1000000))
				die("--bare-every must be 1 to 1000000", optarg);
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->qfile == NULL || optind == argc) {
		usage(stderr);
		exit(2);
	}
	o->kbs = argv + optind;
	o->nkbs = argc - optind;
}

int
main(int argc, char **argv)
{
	struct options o;
	char **qs;
	size_t nq;
	int i;

	parse_options(argc, argv, &o);
	nq = questions_load(o.qfile, &qs);
	for (i = 0; i < o.nkbs; i++)
		bench_kb(o.kbs[i], qs, nq, o.seconds, (size_t)o.bare_every);
	return 0;
}
