/* SPDX-License-Identifier: MIT */
/*
 * test_server.c -- the server's modules without a socket: settings from the command line
 * and from "key value" files, token buckets and the client table, the answer cache, the
 * Origin allowlist, static file paths, the Prometheus counters, and the service that
 * turns a message into reply frames (text lines or one JSON object), HTTP replies,
 * health, reloads and the --unanswered file, on the fixture knowledge base
 * ($BUILD/test/fixture.sqlite, given as the first argument). Engine answers are checked
 * by their properties (fact id, "Source:" lines, JSON fields), never by their wording.
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "members.h"
#include "config.h"
#include "harness.h"
#include "linger.h"
#include "log.h"
#include "metrics.h"
#include "origin.h"
#include "proto.h"
#include "ratelimit.h"
#include "service.h"
#include "unanswered.h"
#include "www.h"

#define SECOND	   1000000000LL /* nanoseconds */
#define FRAMES_MAX 64		/* frames one reply may hold in these tests */

/* The reply frames of one message, as the sink received them. */
struct frames {
	char *data[FRAMES_MAX]; /* each frame, with a NUL added */
	size_t len[FRAMES_MAX]; /* its length, without the NUL */
	int n;			/* frames received */
	int refuse;		/* 1: the sink refuses every frame */
};

static const char *fixture;   /* path of the fixture knowledge base */
static char tmpdir[PATH_MAX]; /* scratch folder for files the tests write */

/* ---------------------------------------------------------------- helpers */

/* Frame sink: keeps a copy of each frame. */
static int
collect_frame(void *ctx, const char *data, size_t len)
{
	struct frames *f = ctx;

	if (f->refuse || f->n == FRAMES_MAX)
		return -1;
	if ((f->data[f->n] = malloc(len + 1)) == NULL)
		return -1;
	memcpy(f->data[f->n], data, len);
	f->data[f->n][len] = '\0';
	f->len[f->n] = len;
	f->n++;
	return 0;
}

static void
frames_free(struct frames *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		free(f->data[i]);
	memset(f, 0, sizeof(*f));
}

/* Returns 1 when a and b hold the same frames, byte for byte. */
static int
frames_equal(const struct frames *a, const struct frames *b)
{
	int i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->len[i] != b->len[i] || memcmp(a->data[i], b->data[i], a->len[i]) != 0)
			return 0;
	return 1;
}

/* Returns 1 when no frame of f is empty or holds a line break. */
static int
frames_are_lines(const struct frames *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->len[i] == 0 || memchr(f->data[i], '\n', f->len[i]) != NULL)
			return 0;
	return 1;
}

/* Returns how many frames of f begin with prefix. */
static int
frames_starting(const struct frames *f, const char *prefix)
{
	int i, n = 0;

	for (i = 0; i < f->n; i++)
		if (strncmp(f->data[i], prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

/* Sends msg to s as one websocket message, from a buffer of exactly its length (no NUL
 * after it, so a read past the end shows under a sanitizer). Frames go to f (emptied
 * first). Returns what service_message returned. */
static int
message(struct service *s, const char *msg, struct bucket *b, long long now, struct frames *f)
{
	size_t len = strlen(msg);
	char *copy = malloc(len > 0 ? len : 1);
	int rc;

	frames_free(f);
	if (copy == NULL)
		return -2;
	memcpy(copy, msg, len);
	rc = service_message(s, copy, len, b, now, collect_frame, f);
	free(copy);
	return rc;
}

/* Parses the only frame of f as JSON; NULL (and a note) when there is not exactly one or
 * it does not parse. The caller deletes the tree. */
static cJSON *
only_json(const struct frames *f)
{
	cJSON *j;

	if (f->n != 1) {
		fprintf(stderr, "  want one JSON frame, got %d\n", f->n);
		return NULL;
	}
	if ((j = cJSON_ParseWithLength(f->data[0], f->len[0])) == NULL || !cJSON_IsObject(j)) {
		fprintf(stderr, "  not a JSON object: %s\n", f->data[0]);
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Returns the string member name of o, or NULL. */
static const char *
member(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* Returns the number member name of o, or -1 when there is none. */
static double
number(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(m) ? m->valuedouble : -1;
}

/* Returns 1 when no string anywhere in j is empty and no value is null: the protocol
 * leaves out fields without a value. */
static int
no_empty_values(const cJSON *j)
{
	const cJSON *c;

	if (cJSON_IsNull(j))
		return 0;
	if (cJSON_IsString(j))
		return j->valuestring[0] != '\0';
	for (c = j->child; c; c = c->next)
		if (!no_empty_values(c))
			return 0;
	return 1;
}

/* Returns the value of the first sample of series name (followed by '{' or ' ') whose
 * labels contain label1 and label2 (either may be NULL), or -1 when there is none. */
static double
sample(const char *text, const char *name, const char *label1, const char *label2)
{
	size_t n = strlen(name);
	const char *line, *eol, *sp;
	char copy[512];

	for (line = text; line && *line; line = eol ? eol + 1 : NULL) {
		eol = strchr(line, '\n');
		if (strncmp(line, name, n) != 0 || (line[n] != '{' && line[n] != ' '))
			continue;
		snprintf(copy, sizeof(copy), "%.*s", (int)(eol ? eol - line : (long)strlen(line)),
			 line);
		if ((sp = strrchr(copy, ' ')) == NULL)
			continue;
		if ((label1 && !strstr(copy, label1)) || (label2 && !strstr(copy, label2)))
			continue;
		return strtod(sp + 1, NULL);
	}
	return -1;
}

/* Writes dir/name to out, PATH_MAX bytes ("" when it does not fit). Returns out. */
static char *
path_in(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX)
		out[0] = '\0';
	return out;
}

/* Writes text to the file at path. Returns 0, or -1. */
static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	return fclose(f) == 0 ? rc : -1;
}

/* Reads the file at path into out (NUL-terminated, cut at outlen - 1). Returns its
 * length, or -1. */
static long
slurp(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	fclose(f);
	return (long)n;
}

/* Runs config_args on c with the NULL-terminated arguments after out, "rulingd" first;
 * what it prints (stdout and stderr) goes to out. Returns what config_args returned. */
static int
args(struct config *c, char *out, size_t outlen, ...)
{
	char *argv[32], path[PATH_MAX];
	const char *a;
	int argc = 0, rc, saved_out, saved_err;
	FILE *capture;
	va_list ap;

	/* The strings are literals, alive for the whole run: glibc's getopt keeps a pointer
	 * into the last argument it read, and config_args() resets it with optind = 1,
	 * which does not forget that pointer. */
	argv[argc++] = (char *)"rulingd";
	va_start(ap, outlen);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 31)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	path_in(path, tmpdir, "args.out");
	capture = fopen(path, "w+");
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	if (capture) {
		dup2(fileno(capture), STDOUT_FILENO);
		dup2(fileno(capture), STDERR_FILENO);
	}
	rc = config_args(c, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	if (capture)
		fclose(capture);
	if (slurp(path, out, outlen) == -1)
		out[0] = '\0';
	unlink(path);
	return rc;
}

/* Fills cfg with the defaults and the fixture knowledge base. */
static void
fixture_config(struct config *cfg)
{
	config_init(cfg);
	free(cfg->kb_path);
	cfg->kb_path = strdup(fixture);
}

/* Starts s on cfg. Returns 0, or -1 (and a note). */
static int
start(struct service *s, const struct config *cfg)
{
	char err[256];

	if (service_init(s, cfg, 0, err, sizeof(err)) == -1) {
		fprintf(stderr, "  service_init: %s\n", err);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- config */

static void
test_config_defaults(void)
{
	struct config c;

	config_init(&c);
	CHECK(c.kb_path != NULL && c.www_dir != NULL);
	CHECK(c.workers == 1);
	CHECK(c.max_question == 2048);
	CHECK(c.max_message == 65536);
	CHECK(c.rate == 5.0);
	CHECK(c.burst == 20);
	CHECK(c.max_queue == 64);
	CHECK(c.max_conns == 10000);
	CHECK(c.max_conns_per_ip == 100);
	CHECK(c.handshake_timeout == 5);
	CHECK(c.idle_ping == 60);
	CHECK(c.idle_timeout == 30);
	CHECK(c.query_deadline == 20);
	CHECK(c.cache_entries == 4096);
	CHECK(c.nallow_origin == 0);
	CHECK(c.log_questions == 0 && c.verbose == 0 && c.check_only == 0 && c.json == 0);
	CHECK(c.unanswered == NULL && c.tls_cert == NULL && c.tls_key == NULL && c.lang == NULL);
	CHECK(c.given == 0);
	config_free(&c);
	CHECK(c.kb_path == NULL);
	config_free(&c); /* a freed config is an initialised-empty one */
}

static void
test_config_args(void)
{
	struct config c;
	char out[4096];

	config_init(&c);
	CHECK(args(&c, out, sizeof(out), "--kb", "/srv/kb.sqlite", "--www", "/srv/www", "--workers",
		   "4", "--listen", "127.0.0.1:9000", "--listen", "[::1]:9001", "--allow-origin",
		   "https://a.example", "--allow-origin", "http://b.example:8080", "--rate", "2.5",
		   "--burst", "7", "--max-question", "100", "--cache", "0", "--log-questions", "-v",
		   "--unanswered", "/tmp/u.txt", "-c", "/etc/r.conf", "--query-deadline", "0",
		   NULL) == 0);
	CHECK_STR(c.kb_path, "/srv/kb.sqlite");
	CHECK_STR(c.www_dir, "/srv/www");
	CHECK_STR(c.unanswered, "/tmp/u.txt");
	CHECK_STR(c.config_file, "/etc/r.conf");
	CHECK(c.workers == 4);
	CHECK(c.nlisten == 2);
	CHECK_STR(c.listen[0].host, "127.0.0.1");
	CHECK(c.listen[0].port == 9000);
	CHECK_STR(c.listen[1].host, "::1");
	CHECK(c.listen[1].port == 9001);
	CHECK(c.nallow_origin == 2);
	CHECK(c.nallow_origin == 2 && strcmp(c.allow_origin[0], "https://a.example") == 0);
	CHECK(c.nallow_origin == 2 && strcmp(c.allow_origin[1], "http://b.example:8080") == 0);
	CHECK(c.rate == 2.5);
	CHECK(c.burst == 7);
	CHECK(c.max_question == 100);
	CHECK(c.cache_entries == 0);
	CHECK(c.query_deadline == 0);
	CHECK(c.log_questions == 1 && c.verbose == 1);
	CHECK(c.max_message == 65536); /* not given: still the default */
	config_free(&c);

	/* A scalar given twice: the last one counts; -v is counted, up to 2. */
	config_init(&c);
	CHECK(args(&c, out, sizeof(out), "--burst", "3", "--burst", "5", "-n", "-vvv", NULL) == 0);
	CHECK(c.burst == 5 && c.check_only == 1 && c.verbose == 2);
	config_free(&c);
}

/* Returns 1 when config_args rejects the single option opt with value v. */
static int
rejects(const char *opt, const char *v)
{
	struct config c;
	char out[4096];
	int rc;

	config_init(&c);
	rc = args(&c, out, sizeof(out), opt, v, NULL);
	config_free(&c);
	if (rc != -1)
		fprintf(stderr, "  %s %s: want -1, got %d\n", opt, v ? v : "", rc);
	return rc == -1;
}

static void
test_config_args_rejects(void)
{
	CHECK(rejects("--workers", "0"));
	CHECK(rejects("--workers", "65"));
	CHECK(rejects("--workers", "four"));
	CHECK(rejects("--workers", "4x"));
	CHECK(rejects("--workers", ""));
	CHECK(rejects("--burst", "0"));
	CHECK(rejects("--burst", "-3"));
	CHECK(rejects("--burst", "99999999999999999999"));
	CHECK(rejects("--max-question", "15"));
	CHECK(rejects("--cache", "-1"));
	CHECK(rejects("--rate", "0"));
	CHECK(rejects("--rate", "-1"));
	CHECK(rejects("--rate", "abc"));
	CHECK(rejects("--rate", "5/s"));
	CHECK(rejects("--rate", "inf"));
	CHECK(rejects("--listen", "localhost:8080"));
	CHECK(rejects("--listen", "example.org:8080"));
	CHECK(rejects("--listen", "127.0.0.1"));
	CHECK(rejects("--listen", "127.0.0.1:"));
	CHECK(rejects("--listen", "127.0.0.1:0"));
	CHECK(rejects("--listen", "127.0.0.1:65536"));
	CHECK(rejects("--listen", "127.0.0.1:80x"));
	CHECK(rejects("--listen", ":8080"));
	CHECK(rejects("--listen", "256.0.0.1:8080"));
	CHECK(rejects("--listen", "[::1]"));
	CHECK(rejects("--listen", "[localhost]:8080"));
	CHECK(rejects("--allow-origin", "example.org"));
	CHECK(rejects("--allow-origin", "ftp://example.org"));
	CHECK(rejects("--no-such-option", NULL));
	CHECK(rejects("unexpected", NULL));
	CHECK(rejects("--kb", NULL)); /* needs a value */
}

static void
test_config_help_version(void)
{
	struct config c;
	char out[8192];

	config_init(&c);
	CHECK(args(&c, out, sizeof(out), "--help", NULL) == 1);
	CHECK(strstr(out, "--listen") != NULL);
	CHECK(strstr(out, "--allow-origin") != NULL);
	CHECK(strstr(out, "--kb") != NULL);
	CHECK(args(&c, out, sizeof(out), "-h", NULL) == 1);
	CHECK(strstr(out, "--unanswered") != NULL);
	CHECK(args(&c, out, sizeof(out), "--version", NULL) == 1);
	CHECK(strstr(out, "rulingd " RULINGBOT_VERSION) != NULL);
	CHECK(args(&c, out, sizeof(out), "--burst", "3", "--version", "--burst", "nope", NULL) ==
	      1);
	config_free(&c);
}

static void
test_config_parse(void)
{
	static const char text[] = "# rulingd settings\n"
				   "\n"
				   "   \t\n"
				   "kb /srv/rulingbot/kb.sqlite\n"
				   "  workers\t3   # three processes\n"
				   "burst 9\r\n"
				   "rate 0.5\n"
				   "log-questions yes\n"
				   "verbose no\n"
				   "listen 10.0.0.1:81\n"
				   "listen [::1]:82\n"
				   "allow-origin https://a.example\n"
				   "allow-origin https://b.example/\n"
				   "max-question 512\n"
				   "max-question 1024\n"
				   "# the end";
	struct config c;
	char err[256] = "";

	config_init(&c);
	CHECK(config_parse(&c, text, "r.conf", err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK_STR(c.kb_path, "/srv/rulingbot/kb.sqlite");
	CHECK(c.workers == 3);
	CHECK(c.burst == 9);
	CHECK(c.rate == 0.5);
	CHECK(c.log_questions == 1);
	CHECK(c.verbose == 0);
	CHECK(c.nlisten == 2); /* the file's addresses only, nothing added by default */
	CHECK_STR(c.listen[0].host, "10.0.0.1");
	CHECK(c.listen[0].port == 81);
	CHECK_STR(c.listen[1].host, "::1");
	CHECK(c.listen[1].port == 82);
	CHECK(c.nallow_origin == 2);
	CHECK(c.nallow_origin == 2 && strcmp(c.allow_origin[1], "https://b.example/") == 0);
	CHECK(c.max_question == 1024); /* the later line wins */
	CHECK(c.max_message == 65536);
	config_free(&c);

	/* Flags: yes and no both ways. */
	config_init(&c);
	CHECK(config_parse(&c, "verbose yes\nlog-questions yes\nlog-questions no\n", "f", err,
			   sizeof(err)) == 0);
	CHECK(c.verbose == 1 && c.log_questions == 0);
	config_free(&c);

	/* An empty text changes nothing. */
	config_init(&c);
	CHECK(config_parse(&c, "", "empty.conf", err, sizeof(err)) == 0);
	CHECK(c.burst == 20 && c.nlisten == 0);
	config_free(&c);
}

/* Returns 1 when config_parse rejects text with an error starting "path:line:". */
static int
parse_fails_at(const char *text, int line)
{
	struct config c;
	char err[256] = "", want[64];
	int rc;

	config_init(&c);
	rc = config_parse(&c, text, "/etc/rulingd.conf", err, sizeof(err));
	config_free(&c);
	snprintf(want, sizeof(want), "/etc/rulingd.conf:%d: ", line);
	if (rc != -1 || strncmp(err, want, strlen(want)) != 0) {
		fprintf(stderr, "  \"%s\": want -1 and \"%s...\", got %d and \"%s\"\n", text, want,
			rc, err);
		return 0;
	}
	return 1;
}

static void
test_config_parse_errors(void)
{
	struct config c;
	char err[256] = "";

	CHECK(parse_fails_at("workers 2\nno-such-key 1\n", 2));
	CHECK(parse_fails_at("# c\n\nburst 0\n", 3));
	CHECK(parse_fails_at("burst many\n", 1));
	CHECK(parse_fails_at("\n\n\n\nrate fast\n", 5));
	CHECK(parse_fails_at("log-questions maybe\n", 1));
	CHECK(parse_fails_at("burst 3\nlisten localhost:8080\n", 2));
	CHECK(parse_fails_at("listen 127.0.0.1:99999\n", 1));
	CHECK(parse_fails_at("allow-origin example.org\n", 1));
	CHECK(parse_fails_at("kb\n", 1));			   /* a value is needed */
	CHECK(parse_fails_at("# ok\nask who was the judge\n", 2)); /* command line only */
	CHECK(parse_fails_at("workers 2\nworkers 2x\n", 2));

	/* The reason names the key. */
	config_init(&c);
	CHECK(config_parse(&c, "colour blue\n", "x.conf", err, sizeof(err)) == -1);
	CHECK(strstr(err, "colour") != NULL);
	config_free(&c);
}

static void
test_config_command_line_wins(void)
{
	struct config c;
	char out[4096], err[256] = "";

	config_init(&c);
	CHECK(args(&c, out, sizeof(out), "--burst", "9", "--listen", "127.0.0.1:9000",
		   "--allow-origin", "https://cli.example", "--kb", "/cli/kb.sqlite", NULL) == 0);
	CHECK(config_parse(&c,
			   "burst 3\n"
			   "workers 5\n"
			   "kb /file/kb.sqlite\n"
			   "listen 10.0.0.1:1\n"
			   "listen 10.0.0.2:2\n"
			   "allow-origin https://file1.example\n"
			   "allow-origin https://file2.example\n",
			   "r.conf", err, sizeof(err)) == 0);
	CHECK(c.burst == 9);   /* from the command line */
	CHECK(c.workers == 5); /* from the file: the command line did not say */
	CHECK_STR(c.kb_path, "/cli/kb.sqlite");
	CHECK(c.nlisten == 1);
	CHECK_STR(c.listen[0].host, "127.0.0.1");
	CHECK(c.listen[0].port == 9000);
	CHECK(c.nallow_origin == 1);
	CHECK(c.nallow_origin >= 1 && strcmp(c.allow_origin[0], "https://cli.example") == 0);
	config_free(&c);

	/* Read the other way round, file first: the command line's --listen and
	 * --allow-origin replace the file's, its scalars override them. */
	config_init(&c);
	CHECK(config_parse(&c,
			   "burst 3\n"
			   "listen 10.0.0.1:1\n"
			   "listen 10.0.0.2:2\n"
			   "allow-origin https://file1.example\n",
			   "r.conf", err, sizeof(err)) == 0);
	CHECK(args(&c, out, sizeof(out), "--burst", "9", "--listen", "127.0.0.1:9000", "--listen",
		   "[::1]:9001", "--allow-origin", "https://cli.example", NULL) == 0);
	CHECK(c.burst == 9);
	CHECK(c.nlisten == 2);
	CHECK_STR(c.listen[0].host, "127.0.0.1");
	CHECK_STR(c.listen[1].host, "::1");
	CHECK(c.nallow_origin == 1);
	CHECK(c.nallow_origin >= 1 && strcmp(c.allow_origin[0], "https://cli.example") == 0);
	config_free(&c);

	/* Only the options the command line gave are kept from the file's reach. */
	config_init(&c);
	CHECK(args(&c, out, sizeof(out), "--workers", "2", NULL) == 0);
	CHECK(config_parse(&c, "listen 10.0.0.1:1\nlisten 10.0.0.2:2\n", "r.conf", err,
			   sizeof(err)) == 0);
	CHECK(c.nlisten == 2 && c.workers == 2);
	config_free(&c);
}

static void
test_config_check(void)
{
	struct config c;
	char err[256];

	config_init(&c);
	err[0] = '\0';
	CHECK(config_check(&c, err, sizeof(err)) == 0);
	c.tls_cert = strdup("/etc/cert.pem");
	err[0] = '\0';
	CHECK(config_check(&c, err, sizeof(err)) == -1);
	CHECK(err[0] != '\0');
	c.tls_key = strdup("/etc/key.pem");
	CHECK(config_check(&c, err, sizeof(err)) == 0);
	free(c.tls_cert);
	c.tls_cert = NULL;
	CHECK(config_check(&c, err, sizeof(err)) == -1); /* a key without a certificate */
	free(c.tls_key);
	c.tls_key = NULL;

	c.max_question = 4096;
	c.max_message = 4095;
	err[0] = '\0';
	CHECK(config_check(&c, err, sizeof(err)) == -1);
	CHECK(err[0] != '\0');
	c.max_message = 4096;
	CHECK(config_check(&c, err, sizeof(err)) == 0);

	c.lang = strdup("fr");
	err[0] = '\0';
	CHECK(config_check(&c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "fr") != NULL);
	free(c.lang);
	c.lang = strdup("es");
	CHECK(config_check(&c, err, sizeof(err)) == 0);
	config_free(&c);
}

/* ---------------------------------------------------------------- ratelimit */

static void
test_bucket(void)
{
	const double rate = 4, burst = 3; /* a token every 250 ms */
	struct bucket b;
	long long t0 = 5 * SECOND;
	long wait;
	int i;

	bucket_init(&b, burst, t0);
	for (i = 0; i < 3; i++)
		CHECK(bucket_take(&b, rate, burst, t0) == 0);
	wait = bucket_take(&b, rate, burst, t0);
	CHECK(wait >= 249 && wait <= 251); /* 1000 / rate */
	/* Half way to the next token: half the wait. */
	wait = bucket_take(&b, rate, burst, t0 + 125000000LL);
	CHECK(wait >= 124 && wait <= 126);
	/* Just before it: still a wait, at least 1 ms. */
	wait = bucket_take(&b, rate, burst, t0 + 249500000LL);
	CHECK(wait >= 1 && wait <= 2);
	CHECK(bucket_take(&b, rate, burst, t0 + 250000000LL) == 0);
	CHECK(bucket_take(&b, rate, burst, t0 + 250000000LL) > 0);
	/* A long pause refills to burst, never beyond. */
	for (i = 0; i < 3; i++)
		CHECK(bucket_take(&b, rate, burst, t0 + 1000 * SECOND) == 0);
	CHECK(b.tokens <= burst);
	CHECK(bucket_take(&b, rate, burst, t0 + 1000 * SECOND) > 0);
	/* Time going backwards adds nothing. */
	CHECK(bucket_take(&b, rate, burst, t0) > 0);

	/* A slow rate: one token a minute, so a minute's wait. */
	bucket_init(&b, 1, 0);
	CHECK(bucket_take(&b, 1.0 / 60, 1, 0) == 0);
	wait = bucket_take(&b, 1.0 / 60, 1, 0);
	CHECK(wait >= 59999 && wait <= 60001);
}

static void
test_clients(void)
{
	struct clients t;
	struct client *a, *b, *c, *x;
	char addr[64];
	int i, same = 1;

	CHECK(clients_init(&t, 8) == 0);
	a = clients_get(&t, "192.0.2.1", 3, 0);
	b = clients_get(&t, "192.0.2.2", 3, 0);
	c = clients_get(&t, "2001:db8::1", 3, 0);
	CHECK(a != NULL && b != NULL && c != NULL);
	CHECK(a != b && b != c && a != c);
	CHECK(clients_get(&t, "192.0.2.1", 3, 0) == a);
	CHECK(a && strcmp(a->addr, "192.0.2.1") == 0);
	CHECK(a && a->conns == 0 && a->bucket.tokens == 3);
	CHECK(t.count == 3);
	/* More addresses than chains: each still has its own entry. */
	for (i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		clients_get(&t, addr, 3, 0);
	}
	CHECK(t.count == 103);
	for (i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		x = clients_get(&t, addr, 3, 0);
		same &= x != NULL && strcmp(x->addr, addr) == 0;
	}
	CHECK(same && t.count == 103);

	if (a == NULL || b == NULL || c == NULL) {
		clients_free(&t);
		return;
	}
	a->conns = 1;				      /* connected */
	CHECK(bucket_take(&b->bucket, 1, 3, 0) == 0); /* asked once: its bucket is not full */
	CHECK(clients_prune(&t, 1, 3, 0) == 101);     /* c and the hundred */
	CHECK(t.count == 2);
	CHECK(clients_get(&t, "192.0.2.1", 3, 0) == a);
	CHECK(clients_get(&t, "192.0.2.2", 3, 0) == b);
	CHECK(t.count == 2);
	/* Half a second later b's bucket is still short; after a second it is full. */
	CHECK(clients_prune(&t, 1, 3, SECOND / 2) == 0);
	CHECK(t.count == 2);
	CHECK(clients_prune(&t, 1, 3, SECOND) == 1);
	CHECK(t.count == 1);
	CHECK(clients_get(&t, "192.0.2.1", 3, SECOND) == a && a->conns == 1);
	a->conns = 0;
	CHECK(clients_prune(&t, 1, 3, 2 * SECOND) == 1);
	CHECK(t.count == 0);
	/* A new entry for an address seen before starts over. */
	a = clients_get(&t, "192.0.2.1", 3, 3 * SECOND);
	CHECK(a != NULL && a->conns == 0 && t.count == 1);
	clients_free(&t);
	CHECK(t.count == 0 && t.slots == NULL);
}

/* ---------------------------------------------------------------- cache */

/* Puts key with json "J:key" and lines "L:key" into c. Returns what cache_put did. */
static int
put(struct cache *c, const char *key)
{
	char json[64], lines[64];

	snprintf(json, sizeof(json), "J:%s", key);
	snprintf(lines, sizeof(lines), "L:%s", key);
	return cache_put(c, key, strlen(key), json, strlen(json), lines, strlen(lines), 1);
}

static const struct cache_entry *
get(struct cache *c, const char *key)
{
	return cache_get(c, key, strlen(key));
}

static void
test_cache_round_trip(void)
{
	static const char key[] = "en\x1fwho was the judge", json[] = "{\"a\":\"x\0y\"}",
			  lines[] = "one\ntwo\0three";
	const struct cache_entry *e;
	struct cache c;

	CHECK(cache_init(&c, 4) == 0);
	CHECK(cache_get(&c, key, sizeof(key) - 1) == NULL);
	CHECK(cache_put(&c, key, sizeof(key) - 1, json, sizeof(json) - 1, lines, sizeof(lines) - 1,
			OUTCOME_NO_ANSWER) == 0);
	e = cache_get(&c, key, sizeof(key) - 1);
	CHECK(e != NULL);
	if (e) {
		CHECK(e->keylen == sizeof(key) - 1 && memcmp(e->key, key, e->keylen) == 0);
		CHECK(e->jsonlen == sizeof(json) - 1 && memcmp(e->json, json, e->jsonlen) == 0);
		CHECK(e->lineslen == sizeof(lines) - 1 &&
		      memcmp(e->lines, lines, e->lineslen) == 0);
		CHECK(e->json[e->jsonlen] == '\0' && e->lines[e->lineslen] == '\0');
		CHECK(e->outcome == OUTCOME_NO_ANSWER);
	}
	/* A key is its bytes: a prefix, a longer key or another language is another key. */
	CHECK(cache_get(&c, key, sizeof(key) - 2) == NULL);
	CHECK(get(&c, "en\x1fwho was the judge?") == NULL);
	CHECK(get(&c, "es\x1fwho was the judge") == NULL);
	CHECK(c.count == 1);
	cache_clear(&c);
	CHECK(c.count == 0 && c.newest == NULL && c.oldest == NULL);
	CHECK(cache_get(&c, key, sizeof(key) - 1) == NULL);
	CHECK(put(&c, "again") == 0);
	e = get(&c, "again");
	CHECK(e && strcmp(e->json, "J:again") == 0 && strcmp(e->lines, "L:again") == 0);
	cache_free(&c);
}

static void
test_cache_lru(void)
{
	struct cache c;

	CHECK(cache_init(&c, 3) == 0);
	CHECK(put(&c, "k1") == 0 && put(&c, "k2") == 0 && put(&c, "k3") == 0);
	CHECK(c.count == 3);
	CHECK(get(&c, "k1") != NULL); /* k1 used: k2 is now the least recently used */
	CHECK(put(&c, "k4") == 0);
	CHECK(c.count == 3);
	CHECK(get(&c, "k2") == NULL);
	CHECK(get(&c, "k1") != NULL && get(&c, "k3") != NULL && get(&c, "k4") != NULL);
	/* k1, k3, k4 were just read in that order: k1 is now the least recently used. */
	CHECK(put(&c, "k5") == 0);
	CHECK(get(&c, "k1") == NULL);
	CHECK(get(&c, "k3") != NULL);
	CHECK(put(&c, "k6") == 0); /* evicts k4 */
	CHECK(get(&c, "k4") == NULL);
	CHECK(get(&c, "k3") != NULL && get(&c, "k5") != NULL && get(&c, "k6") != NULL);
	CHECK(c.count == 3);
	{
		const struct cache_entry *e = get(&c, "k5");

		CHECK(e && strcmp(e->json, "J:k5") == 0 && strcmp(e->lines, "L:k5") == 0);
		CHECK(c.newest == e);
	}
	cache_clear(&c);
	CHECK(c.count == 0 && get(&c, "k3") == NULL && get(&c, "k6") == NULL);
	cache_free(&c);

	/* One entry: each put replaces the last. */
	CHECK(cache_init(&c, 1) == 0);
	CHECK(put(&c, "a") == 0 && put(&c, "b") == 0);
	CHECK(get(&c, "a") == NULL && get(&c, "b") != NULL && c.count == 1);
	cache_free(&c);
}

static void
test_cache_disabled(void)
{
	struct cache c;

	CHECK(cache_init(&c, 0) == 0);
	CHECK(put(&c, "k1") == 0);
	CHECK(get(&c, "k1") == NULL);
	CHECK(c.count == 0);
	cache_clear(&c);
	cache_free(&c);
}

/* ---------------------------------------------------------------- origin */

static void
test_origin_default(void)
{
	static const char *const good[] = {
		"http://example.org:8080",
		"https://example.org:8080",
		"HTTP://EXAMPLE.ORG:8080",
		"http://example.org:8080/",
		"http://localhost",
		"https://localhost",
		"http://localhost:3000",
		"http://LocalHost:1",
		"http://127.0.0.1",
		"https://127.0.0.1:8443",
		"http://[::1]",
		"http://[::1]:8080",
	};
	static const char *const bad[] = {
		"http://evil.com",
		"https://evil.com:8080",
		"http://example.org", /* another port than the Host the client named */
		"http://example.org:8080.evil.com",
		"http://example.org:80800",
		"http://localhost.evil.com",
		"http://127.0.0.1.evil.com",
		"http://localhost:80x",
		"http://localhost:",
		"http://localhost@evil.com",
		"http://localhost/path",
		"http://[::1].evil.com",
		"http://127.0.0.2",
		"null",
		"localhost",
		"localhost:8080",
		"example.org:8080", /* the Host itself, without a scheme */
		"ftp://localhost",
		"ws://localhost",
		"",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(good); i++) {
		int ok = origin_allowed(good[i], "example.org:8080", NULL, 0) == 1;

		if (!ok)
			fprintf(stderr, "  want %s allowed\n", good[i]);
		CHECK(ok);
	}
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		int ok = origin_allowed(bad[i], "example.org:8080", NULL, 0) == 0;

		if (!ok)
			fprintf(stderr, "  want %s refused\n", bad[i]);
		CHECK(ok);
	}
	/* The same host, named without a port. */
	CHECK(origin_allowed("https://bot.example", "bot.example", NULL, 0) == 1);
	CHECK(origin_allowed("https://bot.example:8443", "bot.example", NULL, 0) == 0);
	/* No Host header: only localhost. */
	CHECK(origin_allowed("http://example.org", NULL, NULL, 0) == 0);
	CHECK(origin_allowed("http://example.org", "", NULL, 0) == 0);
	CHECK(origin_allowed("http://localhost:9", NULL, NULL, 0) == 1);
}

static void
test_origin_list(void)
{
	char *allow[] = { "https://app.example.com/", "http://other.example:8080", "null" };
	char *no_null[] = { "https://app.example.com" };

	CHECK(origin_allowed("https://app.example.com", "bot.example", allow, 3) == 1);
	CHECK(origin_allowed("https://app.example.com/", "bot.example", allow, 3) == 1);
	CHECK(origin_allowed("HTTPS://App.Example.Com", "bot.example", allow, 3) == 1);
	CHECK(origin_allowed("http://other.example:8080", "bot.example", allow, 3) == 1);
	CHECK(origin_allowed("http://other.example", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("http://app.example.com", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("https://app.example.com.evil.net", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("https://evil.app.example.com", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("https://app.example.co", "bot.example", allow, 3) == 0);
	CHECK(origin_allowed("null", "bot.example", allow, 3) == 1); /* listed */
	CHECK(origin_allowed("null", "bot.example", no_null, 1) == 0);
	CHECK(origin_allowed("https://app.example.com", "bot.example", no_null, 0) == 0);
	/* Trailing slash on the origin and not in the list. */
	CHECK(origin_allowed("https://app.example.com/", "bot.example", no_null, 1) == 1);
}

/* ---------------------------------------------------------------- www */

/* Makes dir/name with text (NULL: a folder). Returns 0, or -1. */
static int
make(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return text ? write_file(path, text) : mkdir(path, 0700);
}

/* Returns 1 when www_resolve refuses the len bytes of path under root. */
static int
www_refuses(const char *root, const char *path, size_t len)
{
	char out[PATH_MAX];
	int rc = www_resolve(root, path, len, out, sizeof(out));

	if (rc != -1)
		fprintf(stderr, "  want \"%.*s\" refused, got %s\n", (int)len, path, out);
	return rc == -1;
}

#define REFUSES(root, lit) www_refuses((root), (lit), sizeof(lit) - 1)

static void
test_www_resolve(void)
{
	char base[PATH_MAX], root[PATH_MAX], real_root[PATH_MAX], out[PATH_MAX], want[PATH_MAX];
	char path[PATH_MAX];
	int made;

	path_in(base, tmpdir, "www-XXXXXX");
	if (mkdtemp(base) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	path_in(root, base, "www");
	made = make(base, "www", NULL) == 0 && make(root, "index.html", "<p>hi</p>") == 0 &&
	       make(root, "sub", NULL) == 0 && make(root, "sub/dir", NULL) == 0 &&
	       make(root, "sub/dir/file.js", "1;") == 0 && make(root, "sub/index.html", "s") == 0 &&
	       make(root, ".secret", "token") == 0 &&
	       make(base, "wwwsecret.txt", "outside") == 0 && /* shares the folder's prefix */
	       make(base, "secret.txt", "outside") == 0;
	path_in(path, root, "leak.txt");
	made = made && symlink("../wwwsecret.txt", path) == 0;
	path_in(path, root, "outdir");
	made = made && symlink(base, path) == 0;
	path_in(path, root, "sub/home.html");
	made = made && symlink("../index.html", path) == 0; /* a link that stays inside */
	CHECK(made);
	CHECK(realpath(root, real_root) != NULL);

	CHECK(www_resolve(root, "/", 1, out, sizeof(out)) == 0);
	path_in(want, real_root, "index.html");
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/index.html", 11, out, sizeof(out)) == 0);
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/index.htmlXYZ", 11, out, sizeof(out)) == 0); /* len counts */
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/sub/home.html", 14, out, sizeof(out)) == 0);
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/sub/dir/file.js", 16, out, sizeof(out)) == 0);
	path_in(want, real_root, "sub/dir/file.js");
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/sub/", 5, out, sizeof(out)) == 0);
	path_in(want, real_root, "sub/index.html");
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/sub/dir/file.js", 16, out, 8) == -1); /* out too small */

	CHECK(REFUSES(root, ""));
	CHECK(REFUSES(root, "index.html"));
	CHECK(REFUSES(root, "/.."));
	CHECK(REFUSES(root, "/../wwwsecret.txt"));
	CHECK(REFUSES(root, "/../secret.txt"));
	CHECK(REFUSES(root, "/sub/../index.html"));
	CHECK(REFUSES(root, "/sub/../../secret.txt"));
	CHECK(REFUSES(root, "/sub/dir/.."));
	CHECK(REFUSES(root, "/./index.html"));
	CHECK(REFUSES(root, "/sub/./dir/file.js"));
	CHECK(REFUSES(root, "/sub/."));
	CHECK(REFUSES(root, "//index.html"));
	CHECK(REFUSES(root, "/sub//dir/file.js"));
	CHECK(REFUSES(root, "/sub\\dir\\file.js"));
	CHECK(REFUSES(root, "/..\\secret.txt"));
	CHECK(REFUSES(root, "/%2e%2e/secret.txt"));
	CHECK(REFUSES(root, "/%2E%2E/secret.txt"));
	CHECK(REFUSES(root, "/index%2ehtml"));
	CHECK(REFUSES(root, "/index.html\0.js"));
	CHECK(REFUSES(root, "/\0/../secret.txt"));
	CHECK(REFUSES(root, "/index\x01.html"));
	CHECK(REFUSES(root, "/index.html\n"));
	CHECK(REFUSES(root, "/index.html\x7f"));
	CHECK(REFUSES(root, "/.secret"));
	CHECK(REFUSES(root, "/sub/dir"));  /* a folder, without its slash */
	CHECK(REFUSES(root, "/sub/dir/")); /* a folder without index.html */
	CHECK(REFUSES(root, "/missing.html"));
	CHECK(REFUSES(root, "/sub/missing/"));
	CHECK(REFUSES(root, "/index.html/"));
	CHECK(REFUSES(root, "/leak.txt"));	    /* a link out of the folder */
	CHECK(REFUSES(root, "/outdir/secret.txt")); /* through a linked folder */
	/* Through a link out and back in: the real path is inside, so it is served. */
	CHECK(www_resolve(root, "/outdir/www/index.html", 22, out, sizeof(out)) == 0);
	path_in(want, real_root, "index.html");
	CHECK_STR(out, want);
	/* Nothing is served from a folder that does not exist. */
	path_in(path, base, "nowhere");
	CHECK(www_resolve(path, "/", 1, out, sizeof(out)) == -1);

	/* Remove it all, children before their folders. */
	static const char *const files[] = {
		"www/sub/home.html",   "www/outdir",  "www/leak.txt",	    "www/.secret",
		"www/sub/dir/file.js", "www/sub/dir", "www/sub/index.html", "www/sub",
		"www/index.html",      "www",	      "wwwsecret.txt",	    "secret.txt",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		remove(path_in(path, base, files[i]));
	CHECK(rmdir(base) == 0); /* fails if anything was left */
}

static void
test_www_mime(void)
{
	CHECK(strncmp(www_mime_type("index.html"), "text/html", 9) == 0);
	CHECK(strncmp(www_mime_type("/x/INDEX.HTML"), "text/html", 9) == 0);
	CHECK(strncmp(www_mime_type("widget.js"), "text/javascript", 15) == 0);
	CHECK(strncmp(www_mime_type("style.css"), "text/css", 8) == 0);
	CHECK(strncmp(www_mime_type("data.json"), "application/json", 16) == 0);
	CHECK_STR(www_mime_type("archive.tar.gz"), "application/octet-stream");
	CHECK_STR(www_mime_type("README"), "application/octet-stream");
	CHECK_STR(www_mime_type("dir.d/file"), "application/octet-stream");
	CHECK_STR(www_mime_type("file.html.exe"), "application/octet-stream");
	CHECK_STR(www_mime_type("x.htmlx"), "application/octet-stream");
}

/* ---------------------------------------------------------------- metrics */

static void
test_metrics_observe(void)
{
	struct metrics m;
	int i, cumulative = 1;

	memset(&m, 0, sizeof(m));
	metrics_observe(&m, 0.0003); /* between the 0.00025 and the 0.0005 bounds */
	CHECK(m.latency[0] == 0 && m.latency[1] == 0 && m.latency[2] == 0);
	for (i = 3; i < METRICS_BUCKETS; i++)
		CHECK(m.latency[i] == 1);
	CHECK(m.latency_count == 1);
	metrics_observe(&m, 0.00001); /* in every bucket */
	metrics_observe(&m, 5.0);     /* in +Inf only */
	metrics_observe(&m, 0.001);   /* on a bound: le means <= */
	CHECK(m.latency[0] == 1);
	CHECK(m.latency[4] == 3); /* le="0.001": 0.00001, 0.0003 and 0.001 itself */
	CHECK(m.latency[3] == 2); /* le="0.0005" */
	CHECK(m.latency[METRICS_BUCKETS - 1] == 4);
	CHECK(m.latency[METRICS_BUCKETS - 2] == 3);
	CHECK(m.latency_count == 4);
	CHECK(m.latency_sum > 5.0012 && m.latency_sum < 5.0014);
	for (i = 1; i < METRICS_BUCKETS; i++)
		cumulative &= m.latency[i] >= m.latency[i - 1];
	CHECK(cumulative);
}

static void
test_metrics_render(void)
{
	static const char *const series[][2] = {
		{ "rulingd_connections", "gauge" },	{ "rulingd_questions_total", "counter" },
		{ "rulingd_errors_total", "counter" },	{ "rulingd_answer_seconds", "histogram" },
		{ "rulingd_kb_facts", "gauge" },	{ "rulingd_kb_load_seconds", "gauge" },
		{ "rulingd_reloads_total", "counter" }, { "rulingd_sockets", "gauge" },
		{ "rulingd_refused_total", "counter" },
	};
	struct metrics m;
	struct buf b;
	char type[128];
	const char *line, *eol, *t;
	size_t i;
	int labelled = 1, samples = 0;

	memset(&m, 0, sizeof(m));
	m.worker = 2;
	m.connections = 3;
	m.sockets = 5;
	m.refused[REFUSED_PER_ADDRESS] = 1400;
	m.questions[OUTCOME_ANSWERED] = 120;
	m.questions[OUTCOME_NO_ANSWER] = 14;
	m.questions[OUTCOME_ERROR] = 2;
	m.errors[PROTO_BAD_JSON] = 1;
	m.errors[PROTO_RATE_LIMITED] = 7;
	m.kb_facts = 384;
	m.kb_load_seconds = 0.012;
	m.reloads_ok = 1;
	m.reloads_failed = 5;
	metrics_observe(&m, 0.00007);
	metrics_observe(&m, 0.02);
	buf_init(&b);
	CHECK(metrics_render(&m, &b) == 0);
	t = b.data ? b.data : "";
	for (i = 0; i < ARRAY_LEN(series); i++) {
		snprintf(type, sizeof(type), "# TYPE %s %s\n", series[i][0], series[i][1]);
		if (strstr(t, type) == NULL)
			fprintf(stderr, "  no \"%.*s\"\n", (int)strlen(type) - 1, type);
		CHECK(strstr(t, type) != NULL);
	}
	/* Every sample carries the worker label. */
	for (line = t; *line; line = eol ? eol + 1 : line + strlen(line)) {
		eol = strchr(line, '\n');
		if (*line == '#' || *line == '\n')
			continue;
		samples++;
		if (strncmp(line, "rulingd_", 8) != 0 ||
		    !memmem(line, eol ? (size_t)(eol - line) : strlen(line), "worker=\"2\"", 10))
			labelled = 0;
	}
	CHECK(labelled && samples > 20);
	CHECK(sample(t, "rulingd_connections", "worker=\"2\"", NULL) == 3);
	CHECK(sample(t, "rulingd_sockets", "worker=\"2\"", NULL) == 5);
	CHECK(sample(t, "rulingd_refused_total", "worker=\"2\"", "limit=\"max_conns\"") == 0);
	CHECK(sample(t, "rulingd_refused_total", "worker=\"2\"", "limit=\"max_conns_per_ip\"") ==
	      1400);
	CHECK(sample(t, "rulingd_questions_total", "worker=\"2\"", "outcome=\"answered\"") == 120);
	CHECK(sample(t, "rulingd_questions_total", "worker=\"2\"", "outcome=\"no_answer\"") == 14);
	CHECK(sample(t, "rulingd_questions_total", "worker=\"2\"", "outcome=\"error\"") == 2);
	for (i = 0; i < PROTO_NERRORS; i++) {
		char code[64];

		snprintf(code, sizeof(code), "code=\"%s\"", proto_error_name((enum proto_error)i));
		CHECK(sample(t, "rulingd_errors_total", "worker=\"2\"", code) ==
		      (double)m.errors[i]);
	}
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"5e-05\"") == 0 ||
	      sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"0.00005\"") == 0);
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"0.0001\"") == 1);
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"0.01\"") == 1);
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"0.025\"") == 2);
	CHECK(sample(t, "rulingd_answer_seconds_bucket", "worker=\"2\"", "le=\"+Inf\"") == 2);
	CHECK(sample(t, "rulingd_answer_seconds_count", "worker=\"2\"", NULL) == 2);
	CHECK(sample(t, "rulingd_answer_seconds_sum", "worker=\"2\"", NULL) > 0.02006 &&
	      sample(t, "rulingd_answer_seconds_sum", "worker=\"2\"", NULL) < 0.02008);
	CHECK(sample(t, "rulingd_kb_facts", "worker=\"2\"", NULL) == 384);
	CHECK(sample(t, "rulingd_kb_load_seconds", "worker=\"2\"", NULL) == 0.012);
	CHECK(sample(t, "rulingd_reloads_total", "worker=\"2\"", "result=\"ok\"") == 1);
	CHECK(sample(t, "rulingd_reloads_total", "worker=\"2\"", "result=\"failed\"") == 5);
	buf_free(&b);
}

/* ---------------------------------------------------------------- service */

static void
test_service_text(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 }, j = { 0 };
	struct choices pick = { NULL, "" };
	cJSON *json;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		CHECK(!"service_init");
		config_free(&cfg);
		return;
	}
	CHECK(s.kb != NULL);
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "Who was the judge?", &b, SECOND, &f) == 0);
	CHECK(f.n >= 3); /* the answer, its source, the related questions */
	CHECK(frames_are_lines(&f));
	CHECK(frames_starting(&f, "Source: ") == 1);
	CHECK(frames_starting(&f, "Related: ") == 1);
	CHECK(f.n > 0 && strncmp(f.data[0], "Source: ", 8) != 0);
	/* The first line is the answer's text, as the JSON reply gives it. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\"}", &b, 2 * SECOND,
		      &j) == 0);
	json = only_json(&j);
	CHECK(json && f.n > 0 && member(json, "text") &&
	      strcmp(member(json, "text"), f.data[0]) == 0);
	cJSON_Delete(json);

	/* Leading and trailing spaces, tabs and line ends do not change the question. */
	CHECK(message(&s, "  Who was the judge?\r\n\t ", &b, 3 * SECOND, &j) == 0);
	CHECK(frames_equal(&f, &j));

	/* Spanish: "Fuente:" lines. */
	CHECK(message(&s, "¿Quién fue el juez?", &b, 4 * SECOND, &f) == 0);
	CHECK(frames_are_lines(&f));
	CHECK(frames_starting(&f, "Fuente: ") == 1);
	CHECK(frames_starting(&f, "Source: ") == 0);

	/* Out of scope: "Try:" lines, no source. */
	CHECK(message(&s, "what is the capital of France", &b, 5 * SECOND, &f) == 0);
	CHECK(f.n >= 2 && frames_are_lines(&f));
	CHECK(frames_starting(&f, "Try: ") >= 1);
	CHECK(frames_starting(&f, "Source: ") == 0);

	/* Asked back: numbered choices, and a "2" on the same connection asks the second. */
	frames_free(&f);
	frames_free(&j);
	CHECK(service_converse(&s, "who", 3, &b, &pick, 6 * SECOND, collect_frame, &f) == 0);
	CHECK(f.n == 3 && !strncmp(f.data[1], "1. ", 3) && !strncmp(f.data[2], "2. ", 3));
	CHECK(service_converse(&s, "2", 1, &b, &pick, 7 * SECOND, collect_frame, &j) == 0);
	CHECK(pick.lines == NULL && frames_starting(&j, "Source: ") == 1);
	choices_clear(&pick);

	/* Empty questions get nothing, and cost no token. */
	bucket_init(&b, 1, 0);
	CHECK(message(&s, "", &b, 0, &f) == 0 && f.n == 0);
	CHECK(message(&s, "   \r\n\t", &b, 0, &f) == 0 && f.n == 0);
	CHECK(message(&s, "\n", &b, 0, &f) == 0 && f.n == 0);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(f.n >= 2 && frames_starting(&f, "Error:") == 0);

	/* Text that merely contains JSON later is a question. */
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "judge {\"type\":\"info\"}", &b, 0, &f) == 0);
	CHECK(f.n >= 1 && frames_are_lines(&f) && f.data[0][0] != '{');
	frames_free(&f);
	frames_free(&j);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_json(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	const cJSON *src;
	cJSON *j;
	int i, n;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"c1\",\"text\":\"Who was the judge?\"}", &b, 0,
		      &f) == 0);
	j = only_json(&f);
	CHECK(j != NULL);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "id"), "c1");
	CHECK_STR(member(j, "fact"), "judge");
	CHECK_STR(member(j, "lang"), "en");
	CHECK_STR(member(j, "kb_version"), kb_meta(s.kb, "kb_version"));
	CHECK(number(j, "score") >= 0 && number(j, "score") <= 1);
	n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "sources"));
	CHECK(n >= 1);
	for (i = 0; i < n; i++) {
		src = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "sources"), i);
		CHECK(member(src, "id") && member(src, "title") && member(src, "publisher"));
	}
	CHECK(no_empty_values(j));
	/* The id comes first, as the protocol's example shows. */
	CHECK(j && j->child && strcmp(j->child->string, "id") == 0);
	cJSON_Delete(j);

	/* Without "type", with leading spaces; a Spanish answer asked for. */
	CHECK(message(&s, " \n {\"type\":\"ask\",\"text\":\"Who was the judge?\",\"lang\":\"es\"}",
		      &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "fact"), "judge-es");
	CHECK_STR(member(j, "lang"), "es");
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "id") == NULL); /* none asked, none sent */
	CHECK(no_empty_values(j));
	cJSON_Delete(j);

	/* Asked back: a clarification of its own, its choices likeliest first. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"who\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "clarify");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "choices")) == 2);
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "suggestions") == NULL);
	cJSON_Delete(j);

	/* Declined: no_answer with suggestions, no sources. */
	CHECK(message(&s,
		      "{\"type\":\"ask\",\"id\":\"c3\",\"text\":\"what is the capital of "
		      "France\"}",
		      &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "no_answer");
	CHECK_STR(member(j, "id"), "c3");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "suggestions")) > 0);
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "sources") == NULL);
	CHECK(member(j, "kb_version") != NULL);
	CHECK(no_empty_values(j));
	cJSON_Delete(j);

	/* Small talk is an answer with a fact starting with '_' and no sources. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"hello\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	CHECK(member(j, "fact") && member(j, "fact")[0] == '_');
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "sources") == NULL);
	CHECK(no_empty_values(j));
	cJSON_Delete(j);

	/* A superseded fact names the later one. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"what did the injunction block\"}", &b, 0,
		      &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	CHECK(member(j, "status") && strcmp(member(j, "status"), "current") != 0);
	{
		const cJSON *later = cJSON_GetObjectItemCaseSensitive(j, "superseded_by");

		CHECK(cJSON_IsObject(later) && member(later, "fact") && member(later, "question"));
	}
	CHECK(no_empty_values(j));
	cJSON_Delete(j);

	/* An id with characters JSON must escape comes back as it was. */
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"a\\\"b\\\\c\\n\",\"text\":\"judge\"}", &b, 0,
		      &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "id"), "a\"b\\c\n");
	cJSON_Delete(j);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

/* Sends msg and returns 1 when the reply is one JSON error with code (and id, when not
 * NULL; absent when NULL). */
static int
json_error(struct service *s, struct bucket *b, const char *msg, const char *code, const char *id)
{
	struct frames f = { 0 };
	cJSON *j;
	int ok;

	if (message(s, msg, b, 0, &f) != 0) {
		frames_free(&f);
		return 0;
	}
	j = only_json(&f);
	ok = j && member(j, "type") && strcmp(member(j, "type"), "error") == 0 &&
	     member(j, "code") && strcmp(member(j, "code"), code) == 0 && member(j, "message") &&
	     no_empty_values(j);
	if (id)
		ok = ok && member(j, "id") && strcmp(member(j, "id"), id) == 0;
	else
		ok = ok && cJSON_GetObjectItemCaseSensitive(j, "id") == NULL;
	if (!ok)
		fprintf(stderr, "  %s: want error %s, got %s\n", msg, code,
			f.n > 0 ? f.data[0] : "nothing");
	cJSON_Delete(j);
	frames_free(&f);
	return ok;
}

static void
test_service_bad_requests(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	char longid[128];

	fixture_config(&cfg);
	cfg.burst = 1000;
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(json_error(&s, &b, "{bad", "bad_json", NULL));
	CHECK(json_error(&s, &b, "{", "bad_json", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\"}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"id\":\"r1\"}", "bad_request", "r1"));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"\"}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"  \\n \"}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":42}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":null}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"nope\"}", "bad_request", NULL));
	/* "type" is required on the websocket (POST /api/ask may leave it out). */
	CHECK(json_error(&s, &b, "{\"id\":\"r0\",\"text\":\"judge\"}", "bad_request", "r0"));
	CHECK(json_error(&s, &b, "{\"type\":\"nope\",\"id\":\"r2\"}", "bad_request", "r2"));
	CHECK(json_error(&s, &b, "{\"type\":7,\"text\":\"judge\"}", "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\",\"lang\":\"fr\"}",
			 "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\",\"lang\":\"EN\"}",
			 "bad_request", NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\",\"lang\":1}", "bad_request",
			 NULL));
	CHECK(json_error(&s, &b,
			 "{\"type\":\"ask\",\"id\":\"L\",\"text\":\"judge\",\"lang\":\"fr\"}",
			 "bad_request", "L"));
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\",\"id\":5}", "bad_request",
			 NULL));
	/* A NUL would cut the question short: "who was" answered as if it were all. */
	CHECK(json_error(&s, &b,
			 "{\"type\":\"ask\",\"id\":\"n\",\"text\":\"who was\\u0000 the judge\"}",
			 "bad_request", "n"));
	memset(longid, 'x', 65);
	longid[65] = '\0';
	{
		char msg[256];

		snprintf(msg, sizeof(msg), "{\"type\":\"ask\",\"text\":\"judge\",\"id\":\"%s\"}",
			 longid);
		CHECK(json_error(&s, &b, msg, "bad_request", NULL));
		longid[64] = '\0'; /* 64 is allowed */
		snprintf(msg, sizeof(msg), "{\"type\":\"ask\",\"text\":\"judge\",\"id\":\"%s\"}",
			 longid);
		{
			struct frames f = { 0 };
			cJSON *j;

			CHECK(message(&s, msg, &b, 0, &f) == 0);
			j = only_json(&f);
			CHECK(member(j, "type") && strcmp(member(j, "type"), "error") != 0);
			CHECK_STR(member(j, "id"), longid);
			cJSON_Delete(j);
			frames_free(&f);
		}
	}
	CHECK(s.metrics.errors[PROTO_BAD_JSON] == 2);
	CHECK(s.metrics.errors[PROTO_BAD_REQUEST] == 17);
	CHECK(s.metrics.questions[OUTCOME_ERROR] == 19);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_info(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	const cJSON *langs;
	cJSON *j;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "{\"type\":\"info\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "info");
	CHECK_STR(member(j, "server"), "rulingd " RULINGBOT_VERSION);
	CHECK_STR(member(j, "kb_version"), kb_meta(s.kb, "kb_version"));
	CHECK(number(j, "facts") > 0);
	CHECK(number(j, "facts") == (double)kb_fact_count(s.kb));
	CHECK(number(j, "sources") > 0);
	CHECK(number(j, "sources") == strtod(kb_meta(s.kb, "sources"), NULL));
	CHECK_STR(member(j, "reviewed"), kb_meta(s.kb, "reviewed"));
	langs = cJSON_GetObjectItemCaseSensitive(j, "languages");
	CHECK(cJSON_GetArraySize(langs) == 2);
	CHECK(no_empty_values(j));
	cJSON_Delete(j);
	CHECK(message(&s, "{\"type\":\"info\",\"id\":\"i1\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "info");
	CHECK_STR(member(j, "id"), "i1");
	cJSON_Delete(j);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

/* Counts the sources of the KB, through kb_each_source. */
static int
count_source(void *ctx, const struct kb_cite *c)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static void
test_service_commands(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char want[256];
	int nsources = 0, i, dashed = 1;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "/help", &b, 0, &f) == 0);
	CHECK(f.n == 3 && frames_are_lines(&f));
	/* How to ask is the knowledge base's to say: the fixture's words. */
	CHECK(f.n >= 1 && strcmp(f.data[0], "Fixture /help: ask about the fixture ruling, one "
					    "question per line.") == 0);
	{
		int about = 0, sources = 0;

		for (i = 0; i < f.n; i++) {
			about |= strstr(f.data[i], "/about") != NULL;
			sources |= strstr(f.data[i], "/sources") != NULL;
		}
		CHECK(about && sources);
	}

	CHECK(message(&s, "/about", &b, 0, &f) == 0);
	CHECK(f.n == 3 && frames_are_lines(&f));
	CHECK(f.n >= 1 && strcmp(f.data[0], "rulingd " RULINGBOT_VERSION) == 0);
	CHECK(f.n >= 2 && strstr(f.data[1], kb_meta(s.kb, "kb_version")) != NULL);
	snprintf(want, sizeof(want),
		 "%ld facts (%s in English, %s in Spanish), %s sources, last "
		 "reviewed %s",
		 kb_fact_count(s.kb), kb_meta(s.kb, "facts_en"), kb_meta(s.kb, "facts_es"),
		 kb_meta(s.kb, "sources"), kb_meta(s.kb, "reviewed"));
	CHECK(f.n >= 2 && strstr(f.data[1], want) != NULL);
	CHECK(f.n >= 3 && strstr(f.data[2], "legal advice") != NULL);

	CHECK(message(&s, "/sources", &b, 0, &f) == 0);
	CHECK(kb_each_source(s.kb, count_source, &nsources) == 0);
	CHECK(nsources > 0 && f.n == nsources);
	CHECK(frames_are_lines(&f));
	for (i = 0; i < f.n; i++)
		dashed &= strstr(f.data[i], " — ") != NULL;
	CHECK(dashed);
	{
		int found = 0;

		for (i = 0; i < f.n; i++)
			found |= strstr(f.data[i], "https://example.org/opinion") != NULL;
		CHECK(found); /* the fixture's ruling, by its URL */
	}

	CHECK(message(&s, "/nope", &b, 0, &f) == 0);
	CHECK(f.n == 1);
	CHECK(f.n == 1 && strcmp(f.data[0], "Unknown command /nope. Try /help.") == 0);
	CHECK(message(&s, "/help me", &b, 0, &f) == 0); /* the whole line is the command */
	CHECK(f.n == 1 && strcmp(f.data[0], "Unknown command /help me. Try /help.") == 0);
	CHECK(message(&s, "  /help  \n", &b, 0, &f) == 0);
	CHECK(f.n >= 2 && frames_starting(&f, "Unknown") == 0);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_rate_limit(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	cJSON *j;
	int i;

	fixture_config(&cfg);
	cfg.burst = 3;
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	/* JSON */
	bucket_init(&b, (double)cfg.burst, SECOND);
	for (i = 0; i < 3; i++) {
		CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"q\",\"text\":\"Who was the judge?\"}",
			      &b, SECOND, &f) == 0);
		j = only_json(&f);
		CHECK_STR(member(j, "type"), "answer");
		cJSON_Delete(j);
	}
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"q4\",\"text\":\"Who was the judge?\"}", &b,
		      SECOND, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "error");
	CHECK_STR(member(j, "code"), "rate_limited");
	CHECK_STR(member(j, "id"), "q4");
	CHECK(number(j, "retry_after_ms") > 0);
	CHECK(number(j, "retry_after_ms") <= 1000.0 / cfg.rate + 1);
	cJSON_Delete(j);
	CHECK(s.metrics.errors[PROTO_RATE_LIMITED] == 1);
	/* After the wait, a question is answered again. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\"}", &b,
		      SECOND + SECOND / 5, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	cJSON_Delete(j);

	/* Text */
	bucket_init(&b, (double)cfg.burst, 0);
	for (i = 0; i < 3; i++) {
		CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
		CHECK(f.n >= 2 && frames_starting(&f, "Error:") == 0);
	}
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(f.n == 1);
	CHECK(f.n == 1 && strncmp(f.data[0], "Error: rate_limited", 19) == 0);
	CHECK(f.n == 1 && strstr(f.data[0], "200") != NULL); /* ms to wait at 5 a second */
	/* Commands count too. */
	CHECK(message(&s, "/help", &b, 0, &f) == 0);
	CHECK(f.n == 1 && strncmp(f.data[0], "Error: rate_limited", 19) == 0);
	CHECK(s.metrics.errors[PROTO_RATE_LIMITED] == 3);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_cache(void)
{
	struct config cfg, nocfg;
	struct service s, nocache;
	struct bucket b;
	struct frames f1 = { 0 }, f2 = { 0 }, g = { 0 };
	static const char *const asks[] = {
		"Who was the judge?",
		"what is the capital of France",
		"¿Quién fue el juez?",
		"{\"type\":\"ask\",\"id\":\"x1\",\"text\":\"Who was the judge?\"}",
		"{\"type\":\"ask\",\"id\":\"x2\",\"text\":\"Who was the judge?\",\"lang\":\"es\"}",
		"{\"type\":\"ask\",\"text\":\"what is the capital of France\"}",
	};
	size_t i;
	double count;

	fixture_config(&cfg);
	cfg.burst = 1000;
	fixture_config(&nocfg);
	nocfg.burst = 1000;
	nocfg.cache_entries = 0;
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		config_free(&nocfg);
		CHECK(!"service_init");
		return;
	}
	if (start(&nocache, &nocfg) == -1) {
		service_free(&s);
		config_free(&cfg);
		config_free(&nocfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f1) == 0);
	CHECK(s.cache.count == 1);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f2) == 0);
	CHECK(s.cache.count == 1); /* a hit: nothing new stored */
	CHECK(f1.n >= 2 && frames_equal(&f1, &f2));
	CHECK(s.metrics.questions[OUTCOME_ANSWERED] == 2);
	CHECK(s.metrics.latency_count == 2);
	/* The other language wanted is another answer. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\",\"lang\":\"es\"}", &b,
		      0, &f2) == 0);
	CHECK(s.cache.count == 2);
	/* JSON after text: the cached answer gets the request's id. */
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"a\",\"text\":\"Who was the judge?\"}", &b, 0,
		      &f1) == 0);
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"b\",\"text\":\"Who was the judge?\"}", &b, 0,
		      &f2) == 0);
	{
		cJSON *ja = only_json(&f1), *jb = only_json(&f2);

		CHECK_STR(member(ja, "id"), "a");
		CHECK_STR(member(jb, "id"), "b");
		/* Apart from the id, the same bytes. */
		CHECK(f1.n == 1 && f2.n == 1 && f1.len[0] == f2.len[0] && strchr(f1.data[0], ',') &&
		      strchr(f2.data[0], ',') &&
		      strcmp(strchr(f1.data[0], ','), strchr(f2.data[0], ',')) == 0);
		cJSON_Delete(ja);
		cJSON_Delete(jb);
	}
	count = (double)s.metrics.questions[OUTCOME_ANSWERED];
	CHECK(count == 5);
	{
		struct buf m;

		buf_init(&m);
		CHECK(service_metrics(&s, &m) == 0);
		CHECK(m.data && sample(m.data, "rulingd_questions_total", "worker=\"0\"",
				       "outcome=\"answered\"") == count);
		CHECK(m.data && sample(m.data, "rulingd_answer_seconds_count", "worker=\"0\"",
				       NULL) == count);
		buf_free(&m);
	}

	/* Without a cache: the same bytes, twice over. */
	for (i = 0; i < ARRAY_LEN(asks); i++) {
		CHECK(message(&s, asks[i], &b, 0, &f1) == 0);
		CHECK(message(&nocache, asks[i], &b, 0, &f2) == 0);
		CHECK(message(&nocache, asks[i], &b, 0, &g) == 0);
		if (!(f1.n > 0 && frames_equal(&f1, &f2) && frames_equal(&f2, &g)))
			fprintf(stderr, "  \"%s\": cached and uncached replies differ\n", asks[i]);
		CHECK(f1.n > 0 && frames_equal(&f1, &f2) && frames_equal(&f2, &g));
	}
	CHECK(nocache.cache.count == 0);
	CHECK(nocache.metrics.questions[OUTCOME_ANSWERED] == 8);
	CHECK(nocache.metrics.questions[OUTCOME_NO_ANSWER] == 4);
	frames_free(&f1);
	frames_free(&f2);
	frames_free(&g);
	service_free(&nocache);
	service_free(&s);
	config_free(&nocfg);
	config_free(&cfg);
}

/* ---------------------------------------------------------------- members */

/* Asks s's knowledge base q (lang: the reader's language, or NULL). */
static struct answer
ask_kb(struct service *s, const char *q, const char *lang)
{
	struct answer a;
	char err[256];

	if (match_question(s->kb, &s->opts, q, strlen(q), lang, &a, err, sizeof(err)) == -1)
		fprintf(stderr, "  match_question(\"%s\"): %s\n", q, err);
	return a;
}

/* Returns 1 when m gives a's members as proto_fact_members renders them. */
static int
members_right(struct members *m, const struct answer *a, const char **got)
{
	char *want = proto_fact_members(a, "v1");
	int ok;

	*got = members_of(m, a, "v1");
	ok = want != NULL && *got != NULL && strcmp(want, *got) == 0;
	free(want);
	return ok;
}

/* Returns 1 when every score from 0 to 1 in hundredths (and a few beyond) is written as
 * cJSON writes the number itself. */
static int
scores_as_cjson_writes(struct answer *a)
{
	char *json, *want, *at;
	cJSON *n;
	int h, ok = 1;

	for (h = -3; h <= 103 && ok; h++) {
		a->score = h / 100.0 + (h % 7) * 1e-4; /* not quite round, as scores come */
		json = proto_fact_json(a, NULL, "");
		n = cJSON_CreateNumber(round(a->score * 100) / 100);
		want = n ? cJSON_PrintUnformatted(n) : NULL;
		at = json ? strstr(json, "\"score\":") : NULL;
		ok = want && at && strncmp(at + 8, want, strlen(want)) == 0 &&
		     at[8 + strlen(want)] == ',';
		if (!ok)
			fprintf(stderr, "  score %d/100: %s, cJSON writes %s\n", h, json, want);
		free(json);
		free(want);
		cJSON_Delete(n);
	}
	return ok;
}

static void
test_members(void)
{
	struct config cfg;
	struct service s;
	struct members m;
	struct answer judge, other, chat, none, bare;
	const char *first, *again, *es, *full, *talk;
	char *json, *whole;
	cJSON *j;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1 || members_init(&m, 2) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	judge = ask_kb(&s, "Who was the judge?", NULL);
	other = ask_kb(&s, "When was the ruling?", NULL);
	chat = ask_kb(&s, "hello", NULL);
	none = ask_kb(&s, "what is the capital of France", NULL);
	CHECK(judge.type == ANSWER_FACT && other.type == ANSWER_FACT &&
	      strcmp(judge.fact, other.fact) != 0);
	CHECK(chat.type == ANSWER_CHAT && none.type == ANSWER_NONE);

	/* Rendered once, then kept: the same string. */
	CHECK(members_right(&m, &judge, &first) && m.count == 1);
	CHECK(members_right(&m, &judge, &again) && again == first && m.count == 1);
	CHECK(strstr(first, "\"sources\":[") != NULL && strstr(first, "\"kb_version\":\"v1\""));
	/* The reader's language is part of the key: the related questions follow it. */
	judge.wanted = judge.wanted == LANG_EN ? LANG_ES : LANG_EN;
	CHECK(members_right(&m, &judge, &es) && es != first && m.count == 2);
	/* Full: rendered each time, right all the same; kept ones stay. */
	CHECK(members_right(&m, &other, &full) && m.count == 2);
	judge.wanted = judge.wanted == LANG_EN ? LANG_ES : LANG_EN;
	CHECK(members_right(&m, &judge, &again) && again == first);
	/* A chat reply is never kept: its links depend on more than its id. */
	members_clear(&m);
	CHECK(m.count == 0);
	CHECK(members_right(&m, &chat, &talk) && m.count == 0);
	CHECK(members_right(&m, &judge, &first) && m.count == 1);

	/* Spliced, the members give proto_answer_json's bytes, with or without an id. */
	json = proto_fact_json(&judge, "c1", first);
	whole = proto_answer_json(&judge, "c1", "v1");
	CHECK(json && whole && strcmp(json, whole) == 0);
	CHECK(json && strncmp(json, "{\"id\":\"c1\",\"type\":\"answer\",", 27) == 0);
	free(json);
	free(whole);
	/* An answer with no fact members at all still makes a whole object. */
	memset(&bare, 0, sizeof(bare));
	bare.type = ANSWER_CHAT;
	bare.text = "hi";
	json = proto_fact_json(&bare, NULL, "");
	j = json ? cJSON_Parse(json) : NULL;
	CHECK(j != NULL && cJSON_GetObjectItem(j, "kb_version") == NULL);
	CHECK(json &&
	      strcmp(json, "{\"type\":\"answer\",\"text\":\"hi\",\"score\":0,\"lang\":\"en\"}") ==
		      0);
	cJSON_Delete(j);
	free(json);
	CHECK(scores_as_cjson_writes(&bare));

	answer_free(&judge);
	answer_free(&other);
	answer_free(&chat);
	answer_free(&none);
	members_free(&m);
	service_free(&s);
	config_free(&cfg);
}

/* Returns 1 when service_refuse sends error e as one frame: JSON with the code, or an
 * "Error: code" line. */
static int
refuses(struct service *s, enum proto_error e, int json)
{
	struct frames f = { 0 };
	char prefix[64];
	cJSON *j = NULL;
	int ok;

	ok = service_refuse(s, e, json, collect_frame, &f) == 0 && f.n == 1;
	if (ok && json) {
		j = only_json(&f);
		ok = j && member(j, "type") && strcmp(member(j, "type"), "error") == 0 &&
		     member(j, "code") && strcmp(member(j, "code"), proto_error_name(e)) == 0 &&
		     member(j, "message") && cJSON_GetObjectItemCaseSensitive(j, "id") == NULL &&
		     no_empty_values(j);
	} else if (ok) {
		snprintf(prefix, sizeof(prefix), "Error: %s: ", proto_error_name(e));
		ok = strncmp(f.data[0], prefix, strlen(prefix)) == 0 && f.len[0] > strlen(prefix) &&
		     frames_are_lines(&f);
	}
	if (!ok)
		fprintf(stderr, "  refuse %s (%s): got %s\n", proto_error_name(e),
			json ? "JSON" : "text", f.n ? f.data[0] : "nothing");
	cJSON_Delete(j);
	frames_free(&f);
	return ok;
}

static void
test_service_refuse(void)
{
	struct config cfg;
	struct service s;
	struct frames f = { 0 };
	char want[64];

	fixture_config(&cfg);
	cfg.max_question = 300;
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	CHECK(refuses(&s, PROTO_TOO_LONG, 1));
	CHECK(refuses(&s, PROTO_TOO_LONG, 0));
	CHECK(refuses(&s, PROTO_OVERLOADED, 1));
	CHECK(refuses(&s, PROTO_OVERLOADED, 0));
	CHECK(refuses(&s, PROTO_BAD_REQUEST, 1));
	CHECK(refuses(&s, PROTO_BAD_REQUEST, 0));
	/* The text line names the limit in bytes. */
	CHECK(service_refuse(&s, PROTO_TOO_LONG, 0, collect_frame, &f) == 0);
	snprintf(want, sizeof(want), "%ld bytes", cfg.max_question);
	CHECK(f.n == 1 && strstr(f.data[0], want) != NULL);
	frames_free(&f);
	CHECK(s.metrics.errors[PROTO_TOO_LONG] == 3);
	CHECK(s.metrics.errors[PROTO_OVERLOADED] == 2);
	CHECK(s.metrics.errors[PROTO_BAD_REQUEST] == 2);
	/* A sink that refuses the frame makes the call fail. */
	f.refuse = 1;
	CHECK(service_refuse(&s, PROTO_OVERLOADED, 1, collect_frame, &f) == -1);
	service_free(&s);
	config_free(&cfg);
}

/* Parses an HTTP reply's body; NULL (and a note) when it is not a JSON object. */
static cJSON *
body_json(const struct http_reply *r)
{
	cJSON *j = r->body ? cJSON_Parse(r->body) : NULL;

	if (j == NULL || !cJSON_IsObject(j)) {
		fprintf(stderr, "  HTTP %d body not a JSON object: %s\n", r->status,
			r->body ? r->body : "(null)");
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Returns 1 when r has the status and is an error with code. */
static int
http_error(struct http_reply *r, int status, const char *code)
{
	cJSON *j = body_json(r);
	int ok = r->status == status && j && member(j, "type") &&
		 strcmp(member(j, "type"), "error") == 0 && member(j, "code") &&
		 strcmp(member(j, "code"), code) == 0 && no_empty_values(j);

	if (!ok)
		fprintf(stderr, "  want HTTP %d %s, got %d %s\n", status, code, r->status,
			r->body ? r->body : "(null)");
	cJSON_Delete(j);
	free(r->body);
	r->body = NULL;
	return ok;
}

static void
test_service_http_get(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;
	struct frames f = { 0 };
	char *q;
	cJSON *j;

	fixture_config(&cfg);
	cfg.burst = 1000;
	cfg.max_question = 100;
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	service_http_get(&s, "Who was the judge?", NULL, "h1", &b, 0, &r);
	CHECK(r.status == 200 && r.retry_after == 0);
	j = body_json(&r);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "fact"), "judge");
	CHECK_STR(member(j, "id"), "h1");
	cJSON_Delete(j);
	/* The same bytes as the websocket's JSON reply. */
	CHECK(message(&s, "{\"type\":\"ask\",\"id\":\"h1\",\"text\":\"Who was the judge?\"}", &b, 0,
		      &f) == 0);
	CHECK(f.n == 1 && r.body && strcmp(f.data[0], r.body) == 0);
	free(r.body);

	service_http_get(&s, "Who was the judge?", "es", NULL, &b, 0, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "fact"), "judge-es");
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "id") == NULL);
	cJSON_Delete(j);
	free(r.body);

	service_http_get(&s, "what is the capital of France", "", NULL, &b, 0, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "type"), "no_answer");
	cJSON_Delete(j);
	free(r.body);

	service_http_get(&s, NULL, NULL, "e1", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "Who was the judge?", "fr", NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "Who was the judge?", NULL,
			 "0123456789012345678901234567890123456789012345678901234567890123456789",
			 &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "judge \xff\xfe", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));

	/* Over max_question: 413; exactly at it: answered. */
	q = malloc((size_t)cfg.max_question + 2);
	if (q) {
		memset(q, 'a', (size_t)cfg.max_question + 1);
		q[cfg.max_question + 1] = '\0';
		service_http_get(&s, q, NULL, "long", &b, 0, &r);
		j = body_json(&r);
		CHECK_STR(member(j, "id"), "long");
		cJSON_Delete(j);
		CHECK(http_error(&r, 413, "too_long"));
		q[cfg.max_question] = '\0';
		service_http_get(&s, q, NULL, NULL, &b, 0, &r);
		CHECK(r.status == 200);
		free(r.body);
		free(q);
	}
	CHECK(s.metrics.errors[PROTO_TOO_LONG] == 1);
	CHECK(s.metrics.errors[PROTO_BAD_REQUEST] == 5);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

/* Calls service_http_post with text copied into a buffer of exactly its length. */
static void
post(struct service *s, const char *text, struct bucket *b, long long now, struct http_reply *r)
{
	size_t len = strlen(text);
	char *copy = malloc(len > 0 ? len : 1);

	memset(r, 0, sizeof(*r));
	if (copy == NULL)
		return;
	memcpy(copy, text, len);
	service_http_post(s, copy, len, b, now, r);
	free(copy);
}

static void
test_service_http_post(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r, g;
	char *body;
	cJSON *j;

	fixture_config(&cfg);
	cfg.burst = 1000;
	cfg.max_question = 100;
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	post(&s, "{\"text\":\"Who was the judge?\",\"id\":\"p1\"}", &b, 0, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "fact"), "judge");
	CHECK_STR(member(j, "id"), "p1");
	cJSON_Delete(j);
	service_http_get(&s, "Who was the judge?", NULL, "p1", &b, 0, &g);
	CHECK(r.body && g.body && strcmp(r.body, g.body) == 0);
	free(g.body);
	free(r.body);

	post(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\",\"lang\":\"es\"}", &b, 0, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "fact"), "judge-es");
	cJSON_Delete(j);
	free(r.body);

	post(&s, "{bad", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_json"));
	post(&s, "Who was the judge?", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_json"));
	post(&s, "", &b, 0, &r);
	CHECK(r.status == 400);
	free(r.body);
	post(&s, "{\"type\":\"ask\"}", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	post(&s, "{\"type\":\"info\"}", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	post(&s, "{\"text\":\"judge\",\"lang\":\"fr\",\"id\":\"p2\"}", &b, 0, &r);
	j = body_json(&r);
	CHECK_STR(member(j, "id"), "p2");
	cJSON_Delete(j);
	CHECK(http_error(&r, 400, "bad_request"));
	post(&s, "{\"text\":\"judge \xff\"}", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));

	body = malloc((size_t)cfg.max_question + 32);
	if (body) {
		int n = snprintf(body, 16, "{\"text\":\"");

		memset(body + n, 'a', (size_t)cfg.max_question + 1);
		strcpy(body + n + cfg.max_question + 1, "\"}");
		post(&s, body, &b, 0, &r);
		CHECK(http_error(&r, 413, "too_long"));
		free(body);
	}
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_http_rate_limit(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;
	cJSON *j;
	int i;

	fixture_config(&cfg);
	cfg.burst = 3;
	cfg.rate = 0.4; /* a token every 2.5 s */
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 3, 0);
	for (i = 0; i < 3; i++) {
		service_http_get(&s, "Who was the judge?", NULL, NULL, &b, 0, &r);
		CHECK(r.status == 200);
		free(r.body);
	}
	service_http_get(&s, "Who was the judge?", NULL, "late", &b, 0, &r);
	CHECK(r.status == 429);
	CHECK(r.retry_after > 0);
	j = body_json(&r);
	CHECK_STR(member(j, "type"), "error");
	CHECK_STR(member(j, "code"), "rate_limited");
	CHECK_STR(member(j, "id"), "late");
	CHECK(number(j, "retry_after_ms") > 0);
	/* Retry-After is the wait rounded up to whole seconds. */
	CHECK(r.retry_after * 1000 >= number(j, "retry_after_ms") &&
	      (r.retry_after - 1) * 1000 < number(j, "retry_after_ms"));
	CHECK(r.retry_after == 3);
	cJSON_Delete(j);
	free(r.body);
	post(&s, "{\"text\":\"Who was the judge?\"}", &b, 0, &r);
	CHECK(http_error(&r, 429, "rate_limited"));
	service_http_get(&s, "Who was the judge?", NULL, NULL, &b, 2 * SECOND, &r);
	CHECK(r.status == 429 && r.retry_after == 1); /* 500 ms to go: rounded up */
	free(r.body);
	service_http_get(&s, "Who was the judge?", NULL, NULL, &b, 2 * SECOND + SECOND / 2, &r);
	CHECK(r.status == 200 && r.retry_after == 0);
	free(r.body);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_health_and_no_kb(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;
	struct frames f = { 0 };
	cJSON *j;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	service_health(&s, &r);
	CHECK(r.status == 200);
	j = body_json(&r);
	CHECK_STR(member(j, "status"), "ok");
	CHECK_STR(member(j, "kb_version"), kb_meta(s.kb, "kb_version"));
	CHECK(number(j, "facts") > 0 && number(j, "facts") == (double)kb_fact_count(s.kb));
	CHECK(s.metrics.kb_facts == kb_fact_count(s.kb));
	CHECK(service_ready(&s));
	cJSON_Delete(j);
	free(r.body);
	service_free(&s);

	/* No knowledge base: the service starts, health says so, questions get internal. */
	free(cfg.kb_path);
	cfg.kb_path = strdup("/nonexistent/kb.sqlite");
	CHECK(start(&s, &cfg) == 0);
	CHECK(s.kb == NULL);
	CHECK(!service_ready(&s)); /* net.c does not listen then */
	service_health(&s, &r);
	CHECK(r.status == 503);
	j = body_json(&r);
	CHECK_STR(member(j, "status"), "no_kb");
	cJSON_Delete(j);
	free(r.body);
	bucket_init(&b, 20, 0);
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"id\":\"n1\",\"text\":\"Who was the judge?\"}",
			 "internal", "n1"));
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(f.n == 1 && strncmp(f.data[0], "Error: internal", 15) == 0);
	service_http_get(&s, "Who was the judge?", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 500, "internal"));
	/* Once the file is there, a reload brings it in. */
	free(cfg.kb_path);
	cfg.kb_path = strdup(fixture);
	CHECK(service_reload(&s) == 0);
	CHECK(s.kb != NULL);
	service_health(&s, &r);
	CHECK(r.status == 200);
	free(r.body);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(frames_starting(&f, "Source: ") == 1);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_reload(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char garbage[PATH_MAX];
	const char *version;
	long facts;
	cJSON *j;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(s.cache.count == 1);
	facts = s.metrics.kb_facts;
	CHECK(service_reload(&s) == 0);
	CHECK(s.metrics.reloads_ok == 1 && s.metrics.reloads_failed == 0);
	CHECK(s.cache.count == 0); /* emptied */
	CHECK(s.metrics.kb_facts == facts);
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "fact"), "judge");
	cJSON_Delete(j);

	path_in(garbage, tmpdir, "garbage.sqlite");
	CHECK(write_file(garbage, "this is not a database, just some bytes\n") == 0);
	free(cfg.kb_path);
	cfg.kb_path = strdup(garbage);
	version = kb_meta(s.kb, "kb_version");
	CHECK(service_reload(&s) == -1);
	CHECK(s.metrics.reloads_ok == 1 && s.metrics.reloads_failed == 1);
	CHECK(s.kb != NULL && s.metrics.kb_facts == facts);
	CHECK_STR(kb_meta(s.kb, "kb_version"), version);
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"Who was the judge?\"}", &b, 0, &f) == 0);
	j = only_json(&f);
	CHECK_STR(member(j, "type"), "answer");
	CHECK_STR(member(j, "fact"), "judge");
	cJSON_Delete(j);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(frames_starting(&f, "Source: ") == 1);
	/* A missing file fails the same way. */
	free(cfg.kb_path);
	snprintf(garbage + strlen(garbage), sizeof(garbage) - strlen(garbage), ".missing");
	cfg.kb_path = strdup(garbage);
	CHECK(service_reload(&s) == -1);
	CHECK(s.metrics.reloads_failed == 2 && s.kb != NULL);
	{
		struct buf m;

		buf_init(&m);
		CHECK(service_metrics(&s, &m) == 0);
		CHECK(m.data &&
		      sample(m.data, "rulingd_reloads_total", NULL, "result=\"ok\"") == 1);
		CHECK(m.data &&
		      sample(m.data, "rulingd_reloads_total", NULL, "result=\"failed\"") == 2);
		buf_free(&m);
	}
	path_in(garbage, tmpdir, "garbage.sqlite");
	unlink(garbage);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

static void
test_service_unanswered(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char path[PATH_MAX], text[4096], *tab, *nl;
	long n;

	path_in(path, tmpdir, "unanswered.txt");
	unlink(path);
	fixture_config(&cfg);
	cfg.unanswered = strdup(path);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	CHECK(message(&s, "Who was the judge?", &b, 0, &f) == 0);
	CHECK(frames_starting(&f, "Source: ") == 1);
	CHECK(slurp(path, text, sizeof(text)) == 0); /* made, and empty */

	CHECK(message(&s, "what is the capital of France", &b, 0, &f) == 0);
	CHECK(frames_starting(&f, "Try: ") >= 1);
	n = slurp(path, text, sizeof(text));
	CHECK(n > 0 && text[n - 1] == '\n');
	tab = strchr(text, '\t');
	nl = strchr(text, '\n');
	CHECK(tab != NULL && nl != NULL && tab < nl && tab > text);
	CHECK(nl && nl[1] == '\0'); /* one line */
	CHECK(tab && strcmp(tab + 1, "what is the capital of France\n") == 0);

	/* Answered questions and small talk are not written. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"When was the ruling?\"}", &b, 0, &f) == 0);
	CHECK(message(&s, "¿Quién fue el juez?", &b, 0, &f) == 0);
	CHECK(slurp(path, text, sizeof(text)) == n);

	/* A declined JSON question with a line break stays on one line. */
	CHECK(message(&s, "{\"type\":\"ask\",\"text\":\"capital of\\nFrance\\r\"}", &b, 0, &f) ==
	      0);
	CHECK(slurp(path, text, sizeof(text)) > n);
	nl = strchr(text, '\n');
	CHECK(nl && strchr(nl + 1, '\n') && strchr(strchr(nl + 1, '\n') + 1, '\n') == NULL);
	CHECK(nl && strchr(nl + 1, '\t') &&
	      strncmp(strchr(nl + 1, '\t') + 1, "capital of France", 17) == 0);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
	unlink(path);

	/* A file that cannot be opened for appending is an error. */
	fixture_config(&cfg);
	cfg.unanswered = strdup("/nonexistent/dir/unanswered.txt");
	text[0] = '\0';
	CHECK(service_init(&s, &cfg, 0, text, sizeof(text)) == -1);
	CHECK(text[0] != '\0');
	config_free(&cfg);
}

static void
test_service_sink_refuses(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 1000, 0);
	f.refuse = 1;
	CHECK(service_message(&s, "Who was the judge?", 18, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "{\"type\":\"ask\",\"text\":\"judge\"}", 29, &b, 0, collect_frame,
			      &f) == -1);
	CHECK(service_message(&s, "/sources", 8, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "/help", 5, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "{\"type\":\"info\"}", 15, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "{bad", 4, &b, 0, collect_frame, &f) == -1);
	CHECK(service_message(&s, "", 0, &b, 0, collect_frame, &f) == 0); /* nothing to send */
	CHECK(f.n == 0);
	service_free(&s);
	config_free(&cfg);
}

/* ---------------------------------------------------------------- contract */

/* What docs/protocol.md promises and the tests above do not already hold: each test
 * here is one promise, so a failure names it. */

/* --rate is "a number from 0.01 to 1e6": NaN is not one. */
static void
test_contract_rate_nan(void)
{
	CHECK(rejects("--rate", "nan"));
	CHECK(rejects("--rate", "-nan"));
}

/* "bad_json: the message begins with { but is not valid JSON": an object followed by
 * more bytes is not valid JSON. */
static void
test_contract_trailing_bytes_are_bad_json(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 20, 0);
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"judge\"} trailing", "bad_json",
			 NULL));
	CHECK(json_error(&s, &b, "{\"type\":\"info\"}{\"type\":\"info\"}", "bad_json", NULL));
	post(&s, "{\"text\":\"judge\"}x", &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_json"));
	service_free(&s);
	config_free(&cfg);
}

/* "id (optional, a string of at most 64 characters)": 64 "é" (128 bytes) is such an id. */
static void
test_contract_id_length_in_characters(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char msg[512], id[160];
	cJSON *j;
	int k;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 20, 0);
	for (k = 0; k < 64; k++)
		memcpy(id + 2 * k, "\xc3\xa9", 2);
	id[128] = '\0';
	snprintf(msg, sizeof(msg), "{\"type\":\"ask\",\"id\":\"%s\",\"text\":\"judge\"}", id);
	CHECK(message(&s, msg, &b, 0, &f) == 0);
	j = only_json(&f);
	if (!(member(j, "id") && strcmp(member(j, "id"), id) == 0))
		fprintf(stderr, "  an id of 64 characters (128 bytes): got %s\n",
			f.n ? f.data[0] : "nothing");
	CHECK(member(j, "id") && strcmp(member(j, "id"), id) == 0);
	CHECK(member(j, "type") && strcmp(member(j, "type"), "answer") == 0);
	cJSON_Delete(j);
	/* 65 characters is too long. */
	snprintf(msg, sizeof(msg), "{\"type\":\"ask\",\"id\":\"%s\xc3\xa9\",\"text\":\"judge\"}",
		 id);
	CHECK(json_error(&s, &b, msg, "bad_request", NULL));
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

/* GET /api/ask gives "the same JSON object as the websocket ask": a blank question is
 * bad_request there ({"text":"   "}), so it is here. */
static void
test_contract_http_blank_question(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct http_reply r;

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, 20, 0);
	CHECK(json_error(&s, &b, "{\"type\":\"ask\",\"text\":\"   \"}", "bad_request", NULL));
	service_http_get(&s, "   ", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_http_get(&s, "\t\r\n", NULL, NULL, &b, 0, &r);
	CHECK(http_error(&r, 400, "bad_request"));
	service_free(&s);
	config_free(&cfg);
}

/* /about: "Knowledge base: <kb_version>, <N> facts (<en> in English, <es> in Spanish),
 * <M> sources, last reviewed <YYYY-MM-DD>". */
static void
test_contract_about_line(void)
{
	struct config cfg;
	struct service s;
	struct bucket b;
	struct frames f = { 0 };
	char want[256];

	fixture_config(&cfg);
	if (start(&s, &cfg) == -1) {
		config_free(&cfg);
		CHECK(!"service_init");
		return;
	}
	bucket_init(&b, (double)cfg.burst, 0);
	CHECK(message(&s, "/about", &b, 0, &f) == 0);
	snprintf(want, sizeof(want),
		 "Knowledge base: %s, %ld facts (%s in English, %s in Spanish), %s sources, last "
		 "reviewed %s",
		 kb_meta(s.kb, "kb_version"), kb_fact_count(s.kb), kb_meta(s.kb, "facts_en"),
		 kb_meta(s.kb, "facts_es"), kb_meta(s.kb, "sources"), kb_meta(s.kb, "reviewed"));
	if (f.n < 2 || strncmp(f.data[1], want, strlen(want)) != 0)
		fprintf(stderr, "  /about: want \"%s\", got \"%s\"\n", want,
			f.n >= 2 ? f.data[1] : "nothing");
	CHECK(f.n >= 2 && strncmp(f.data[1], want, strlen(want)) == 0);
	frames_free(&f);
	service_free(&s);
	config_free(&cfg);
}

/* Sends stderr to the file at path until stderr_restore(saved). Returns the saved
 * descriptor, or -1. */
static int
stderr_to(const char *path)
{
	int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (saved == -1 || fd == -1 || dup2(fd, 2) == -1) {
		if (fd != -1)
			close(fd);
		if (saved != -1)
			close(saved);
		return -1;
	}
	close(fd);
	return saved;
}

static void
stderr_restore(int saved)
{
	if (saved == -1)
		return;
	dup2(saved, 2);
	close(saved);
}

/* Returns how many times needle occurs in text. */
static int
occurrences(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)) != NULL; text += strlen(needle))
		n++;
	return n;
}

static void
test_unanswered_appends_whole_lines(void)
{
	struct unanswered u;
	char path[PATH_MAX], old[PATH_MAX], text[4096], err[512], big[3000];
	time_t t = 86400; /* 1970-01-02T00:00:00Z */

	path_in(path, tmpdir, "u.txt");
	path_in(old, tmpdir, "u.txt.1");
	unlink(path);
	unlink(old);
	CHECK(unanswered_open(&u, path, err, sizeof(err)) == 0);
	CHECK(unanswered_write(&u, t, "one", 3) == 0);
	CHECK(unanswered_write(&u, t, "two\nlines\x7f", 10) == 0);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK_STR(text, "1970-01-02T00:00:00Z\tone\n1970-01-02T00:00:00Z\ttwo lines \n");

	/* A long question is cut, not in the middle of a character, and stays one line. */
	memset(big, 'a', sizeof(big));
	memcpy(big + 999, "\xc3\xa9", 2);
	CHECK(unanswered_write(&u, t, big, sizeof(big)) == 0);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK(occurrences(text, "\n") == 3 && strstr(text, "\xc3") == NULL);

	/* Rotation: renamed, then opened again; new lines go to the new file. */
	CHECK(rename(path, old) == 0);
	CHECK(unanswered_reopen(&u) == 0);
	CHECK(unanswered_write(&u, t, "three", 5) == 0);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK_STR(text, "1970-01-02T00:00:00Z\tthree\n");
	CHECK(slurp(old, text, sizeof(text)) > 0 && occurrences(text, "\n") == 3);
	unanswered_close(&u);
	unanswered_close(&u); /* closing twice, or what was never opened, is harmless */

	/* A file that ends in a cut line (a crash, an older rulingd): the next line starts
	 * on a line of its own. */
	CHECK(write_file(path, "2020-01-01T00:00:00Z\tcut sho") == 0);
	CHECK(unanswered_open(&u, path, err, sizeof(err)) == 0);
	CHECK(unanswered_write(&u, t, "four", 4) == 0);
	CHECK(unanswered_write(&u, t, "five", 4) == 0);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK_STR(text, "2020-01-01T00:00:00Z\tcut sho\n1970-01-02T00:00:00Z\tfour\n"
			"1970-01-02T00:00:00Z\tfive\n");
	unanswered_close(&u);
	unlink(path);
	unlink(old);
}

static void
test_unanswered_failures_are_logged_once(void)
{
	struct unanswered u;
	char log[PATH_MAX], missing[PATH_MAX], text[4096], err[512];
	int saved;

	path_in(log, tmpdir, "stderr.txt");
	path_in(missing, tmpdir, "no-such-folder/u.txt");
	CHECK(unanswered_check(missing, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no-such-folder/u.txt") && strstr(err, "No such file or directory"));
	CHECK(unanswered_open(&u, missing, err, sizeof(err)) == -1 && u.path == NULL);
	CHECK(strstr(err, "No such file or directory") != NULL);
	CHECK(unanswered_write(&u, 0, "x", 1) == -1);
	unanswered_close(&u);

	/* /dev/full fails every write with ENOSPC, as a full disk does. */
	if (access("/dev/full", W_OK) == -1)
		return;
	CHECK(unanswered_check("/dev/full", err, sizeof(err)) == 0);
	CHECK(unanswered_open(&u, "/dev/full", err, sizeof(err)) == 0);
	log_init("test_server", LOG_LEVEL_WARN);
	saved = stderr_to(log);
	CHECK(unanswered_write(&u, 0, "x", 1) == -1);
	CHECK(unanswered_write(&u, 0, "y", 1) == -1);
	CHECK(unanswered_write(&u, 0, "z", 1) == -1);
	CHECK(u.dropped == 3);
	unanswered_close(&u);
	stderr_restore(saved);
	log_init("test_server", LOG_LEVEL_ERR);
	CHECK(slurp(log, text, sizeof(text)) > 0);
	CHECK(occurrences(text, "cannot append to /dev/full: No space left on device") == 1);
	CHECK(occurrences(text, "/dev/full: 3 unanswered questions dropped") == 1);
	CHECK(occurrences(text, "\n") == 2);
	unlink(log);
}

static void
test_linger_reads_until_the_client_closes(void)
{
	struct linger_set l;
	int a[2], b[2];
	char junk[100] = { 0 };

	linger_init(&l);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	CHECK(linger_add(&l, a[0], 1000) == 0);
	CHECK(linger_add(&l, b[0], 2000) == 0);
	CHECK(write(a[1], junk, sizeof(junk)) == sizeof(junk));
	CHECK(linger_poll(&l, 0) == 2); /* read and dropped; both still open */
	CHECK(recv(a[1], junk, sizeof(junk), MSG_DONTWAIT) == -1); /* nothing sent back */

	/* The client of a closes: a goes. */
	close(a[1]);
	CHECK(linger_poll(&l, 10) == 1);
	CHECK(fcntl(a[0], F_GETFD) == -1);
	/* b's deadline passes: b goes, and its client sees the end. */
	CHECK(linger_poll(&l, 1999) == 1);
	CHECK(linger_poll(&l, 2000) == 0);
	CHECK(fcntl(b[0], F_GETFD) == -1);
	CHECK(recv(b[1], junk, sizeof(junk), 0) == 0);
	close(b[1]);

	/* linger_free closes what is left. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
	CHECK(linger_add(&l, a[0], 1000) == 0);
	linger_free(&l);
	CHECK(l.n == 0 && l.fds == NULL);
	CHECK(recv(a[1], junk, sizeof(junk), 0) == 0);
	close(a[1]);
}

int
main(int argc, char **argv)
{
	fixture = argc > 1 ? argv[1] : "build/test/fixture.sqlite";
	if (access(fixture, R_OK) == -1) {
		fprintf(stderr, "test_server: cannot read %s\n", fixture);
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_server.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("test_server: mkdtemp");
		return 1;
	}
	log_init("test_server", LOG_LEVEL_ERR);
	RUN(test_config_defaults);
	RUN(test_config_args);
	RUN(test_config_args_rejects);
	RUN(test_config_help_version);
	RUN(test_config_parse);
	RUN(test_config_parse_errors);
	RUN(test_config_command_line_wins);
	RUN(test_config_check);
	RUN(test_bucket);
	RUN(test_clients);
	RUN(test_cache_round_trip);
	RUN(test_cache_lru);
	RUN(test_cache_disabled);
	RUN(test_origin_default);
	RUN(test_origin_list);
	RUN(test_www_resolve);
	RUN(test_www_mime);
	RUN(test_metrics_observe);
	RUN(test_metrics_render);
	RUN(test_service_text);
	RUN(test_service_json);
	RUN(test_service_bad_requests);
	RUN(test_service_info);
	RUN(test_service_commands);
	RUN(test_service_rate_limit);
	RUN(test_service_cache);
	RUN(test_members);
	RUN(test_service_refuse);
	RUN(test_service_http_get);
	RUN(test_service_http_post);
	RUN(test_service_http_rate_limit);
	RUN(test_service_health_and_no_kb);
	RUN(test_service_reload);
	RUN(test_service_unanswered);
	RUN(test_unanswered_appends_whole_lines);
	RUN(test_unanswered_failures_are_logged_once);
	RUN(test_linger_reads_until_the_client_closes);
	RUN(test_service_sink_refuses);
	RUN(test_contract_rate_nan);
	RUN(test_contract_trailing_bytes_are_bad_json);
	RUN(test_contract_id_length_in_characters);
	RUN(test_contract_http_blank_question);
	RUN(test_contract_about_line);
	if (rmdir(tmpdir) == -1)
		fprintf(stderr, "test_server: %s left behind\n", tmpdir);
	HARNESS_END();
}
