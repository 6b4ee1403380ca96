/* SPDX-License-Identifier: MIT */
/*
 * test_config.c -- rulingd's settings (daemon/server/config.c): the defaults, the command
 * line, "key value" files, which of the two wins, and the checks across settings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "log.h"
#include "server_fixture.h"

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

/* One of the promises test_service.c's contract tests hold, about a setting: --rate is
 * "a number from 0.01 to 1e6": NaN is not one. */
static void
test_contract_rate_nan(void)
{
	CHECK(rejects("--rate", "nan"));
	CHECK(rejects("--rate", "-nan"));
}

int
main(void)
{
	if (tmpdir_make("test_config") == -1)
		return 1;
	log_init("test_config", LOG_LEVEL_ERR);
	RUN(test_config_defaults);
	RUN(test_config_args);
	RUN(test_config_args_rejects);
	RUN(test_config_help_version);
	RUN(test_config_parse);
	RUN(test_config_parse_errors);
	RUN(test_config_command_line_wins);
	RUN(test_config_check);
	RUN(test_contract_rate_nan);
	tmpdir_remove("test_config");
	HARNESS_END();
}
