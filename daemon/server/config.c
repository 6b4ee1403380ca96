/* SPDX-License-Identifier: MIT */
/*
 * config.c -- one table of options, read from the command line (getopt_long, built from
 * the table) and from "key value" files, the command line winning. Numbers are parsed
 * with an end pointer and checked against the option's range; an error in a file says
 * the file, the line and what is wrong with it (after redis's config.c).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#ifndef RULINGBOT_VERSION
#define RULINGBOT_VERSION "0.0.0"
#endif
#ifndef RULINGD_DEFAULT_KB
#define RULINGD_DEFAULT_KB "build/kb.sqlite"
#endif
#ifndef RULINGD_DEFAULT_WWW
#define RULINGD_DEFAULT_WWW "adapters/web"
#endif

/* How an option's value is read. */
enum opt_type {
	OPT_STRING, /* a string, replacing the previous one */
	OPT_LONG,   /* a whole number in [min, max] */
	OPT_DOUBLE, /* a number in [min, max] */
	OPT_FLAG,   /* no value on the command line; yes/no in a file */
	OPT_COUNT,  /* each time on the command line adds one; yes/no or a number in a file */
	OPT_LISTEN, /* ADDR:PORT, repeatable */
	OPT_ORIGIN, /* an origin, repeatable */
	OPT_HELP,   /* --help */
	OPT_VERSION /* --version */
};

/* An option. */
struct opt {
	const char *name;   /* long name, also the key in files */
	int shortopt;	    /* short letter, or 0 */
	enum opt_type type; /* how its value is read */
	size_t offset;	    /* where it goes in struct config */
	double min, max;    /* range of numbers */
	int in_file;	    /* 1 when a configuration file may set it */
	const char *arg;    /* the value's name in --help, or NULL */
	const char *def;    /* the default as it would be written, or NULL: config_init()
			     * reads it and --help shows it, so it is written once */
	const char *help;   /* what it does */
};

#define AT(field) offsetof(struct config, field)

static const struct opt opts[] = {
	{ "config", 'c', OPT_STRING, AT(config_file), 0, 0, 0, "FILE", NULL,
	  "read options from FILE" },
	{ "listen", 0, OPT_LISTEN, 0, 0, 0, 1, "ADDR:PORT", "127.0.0.1:8080",
	  "listen there, repeatable; [::1]:8080 for IPv6" },
	{ "kb", 0, OPT_STRING, AT(kb_path), 0, 0, 1, "FILE", RULINGD_DEFAULT_KB,
	  "knowledge base built by rulingkb" },
	{ "www", 0, OPT_STRING, AT(www_dir), 0, 0, 1, "DIR", RULINGD_DEFAULT_WWW,
	  "folder of the web pages served at /" },
	{ "workers", 0, OPT_LONG, AT(workers), 1, CONFIG_MAX_WORKERS, 1, "N", "1",
	  "processes sharing the port" },
	{ "allow-origin", 0, OPT_ORIGIN, 0, 0, 0, 1, "ORIGIN", NULL,
	  "also accept browsers from ORIGIN (repeatable)" },
	{ "tls-cert", 0, OPT_STRING, AT(tls_cert), 0, 0, 1, "FILE", NULL,
	  "serve TLS with this certificate" },
	{ "tls-key", 0, OPT_STRING, AT(tls_key), 0, 0, 1, "FILE", NULL, "and this private key" },
	{ "max-question", 0, OPT_LONG, AT(max_question), 16, 1 << 20, 1, "BYTES", "2048",
	  "longest question" },
	{ "max-message", 0, OPT_LONG, AT(max_message), 64, 1 << 24, 1, "BYTES", "65536",
	  "longest message; beyond it the connection is closed" },
	{ "rate", 0, OPT_DOUBLE, AT(rate), 0.01, 1e6, 1, "N", "5",
	  "questions per second per client" },
	{ "burst", 0, OPT_LONG, AT(burst), 1, 1000000, 1, "N", "20",
	  "questions at once per client" },
	{ "max-queue", 0, OPT_LONG, AT(max_queue), 2, 100000, 1, "N", "64",
	  "replies waiting on a connection" },
	{ "max-conns", 0, OPT_LONG, AT(max_conns), 1, 1000000, 1, "N", "10000",
	  "connections in all" },
	{ "max-conns-per-ip", 0, OPT_LONG, AT(max_conns_per_ip), 1, 1000000, 1, "N", "100",
	  "connections per client address" },
	{ "handshake-timeout", 0, OPT_LONG, AT(handshake_timeout), 1, 3600, 1, "SECONDS", "5",
	  "time a connection has to send its whole request" },
	{ "idle-ping", 0, OPT_LONG, AT(idle_ping), 1, 30000, 1, "SECONDS", "60",
	  "ping a connection idle this long" },
	{ "idle-timeout", 0, OPT_LONG, AT(idle_timeout), 1, 30000, 1, "SECONDS", "30",
	  "then close it if no pong comes in this time" },
	{ "query-deadline", 0, OPT_LONG, AT(query_deadline), 0, 60000, 1, "MS", "20",
	  "search time per question, 0 for none" },
	{ "cache", 0, OPT_LONG, AT(cache_entries), 0, 10000000, 1, "N", "4096",
	  "answers kept for repeated questions, 0 for none" },
	{ "log-questions", 0, OPT_FLAG, AT(log_questions), 0, 0, 1, NULL, NULL,
	  "log every question asked" },
	{ "unanswered", 0, OPT_STRING, AT(unanswered), 0, 0, 1, "FILE", NULL,
	  "append questions the bot could not answer" },
	{ "verbose", 'v', OPT_COUNT, AT(verbose), 0, 2, 1, NULL, NULL,
	  "log more; twice (-vv), libwebsockets' notices too" },
	{ "check", 'n', OPT_FLAG, AT(check_only), 0, 0, 0, NULL, NULL,
	  "check the configuration and the knowledge base, then exit" },
	{ "ask", 0, OPT_STRING, AT(ask), 0, 0, 0, "QUESTION", NULL,
	  "answer one question and exit" },
	{ "json", 0, OPT_FLAG, AT(json), 0, 0, 0, NULL, NULL,
	  "with --ask: print the protocol's JSON" },
	{ "lang", 0, OPT_STRING, AT(lang), 0, 0, 0, "en|es", NULL,
	  "with --ask: language of the answer" },
	{ "explain", 0, OPT_FLAG, AT(explain), 0, 0, 0, NULL, NULL,
	  "with --ask: show on stderr how the question was read" },
	{ "prompt", 0, OPT_FLAG, AT(prompt), 0, 0, 0, NULL, NULL,
	  "answer questions typed on standard input instead of serving" },
	{ "help", 'h', OPT_HELP, 0, 0, 0, 0, NULL, NULL, "show this help" },
	{ "version", 'V', OPT_VERSION, 0, 0, 0, 0, NULL, NULL, "show the version" },
};

void
config_free(struct config *c)
{
	size_t i;
	int k;

	for (i = 0; i < ARRAY_LEN(opts); i++)
		if (opts[i].type == OPT_STRING)
			free(*(char **)((char *)c + opts[i].offset));
	for (k = 0; k < c->nallow_origin; k++)
		free(c->allow_origin[k]);
	memset(c, 0, sizeof(*c));
}

static int
parse_flag(const char *v)
{
	if (v == NULL || *v == '\0' || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		return 0;
	return -1;
}

/* Returns 1 when o may be given more than once, each value kept; else 0. */
static int
repeatable(const struct opt *o)
{
	return o->type == OPT_LISTEN || o->type == OPT_ORIGIN;
}

/* Sets option o to the text value v. Returns 0, or -1 with the reason in err. */
static int
set_option(struct config *c, const struct opt *o, const char *v, char *err, size_t errlen)
{
	void *field = (char *)c + o->offset;
	char *end;
	double d;
	long l;
	int f;

	switch (o->type) {
	case OPT_STRING:
		free(*(char **)field);
		if ((*(char **)field = strdup(v)) == NULL)
			goto nomem;
		return 0;
	case OPT_LONG:
		if (parse_long(v, (long)o->min, (long)o->max, &l) == -1)
			goto range;
		*(long *)field = l;
		return 0;
	case OPT_DOUBLE:
		d = strtod(v, &end);
		if (end == v || *end != '\0' || !(d >= o->min && d <= o->max)) /* NaN too */
			goto range;
		*(double *)field = d;
		return 0;
	case OPT_FLAG:
		if ((f = parse_flag(v)) == -1) {
			snprintf(err, errlen, "'%s' must be yes or no, not '%s'", o->name, v);
			return -1;
		}
		*(int *)field = f;
		return 0;
	case OPT_COUNT:
		if (v == NULL) { /* once more on the command line */
			if (*(int *)field < (int)o->max)
				(*(int *)field)++;
			return 0;
		}
		if ((f = parse_flag(v)) == -1 &&
		    parse_long(v, (long)o->min, (long)o->max, &l) == -1) {
			snprintf(err, errlen,
				 "'%s' must be yes, no or a number from %g to %g, not '%s'",
				 o->name, o->min, o->max, v);
			return -1;
		}
		*(int *)field = f != -1 ? f : (int)l;
		return 0;
	case OPT_LISTEN:
		if (c->nlisten == CONFIG_MAX_LISTEN) {
			snprintf(err, errlen, "at most %d listen addresses", CONFIG_MAX_LISTEN);
			return -1;
		}
		if (parse_host_port(v, c->listen[c->nlisten].host,
				    sizeof(c->listen[c->nlisten].host),
				    &c->listen[c->nlisten].port) == -1) {
			snprintf(err, errlen,
				 "listen wants a numeric ADDR:PORT or [IPv6]:PORT, not '%s'", v);
			return -1;
		}
		c->nlisten++;
		return 0;
	case OPT_ORIGIN:
		if (c->nallow_origin == CONFIG_MAX_ORIGINS) {
			snprintf(err, errlen, "at most %d allowed origins", CONFIG_MAX_ORIGINS);
			return -1;
		}
		if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
			snprintf(err, errlen, "an origin looks like https://example.org, not '%s'",
				 v);
			return -1;
		}
		if ((c->allow_origin[c->nallow_origin] = strdup(v)) == NULL)
			goto nomem;
		c->nallow_origin++;
		return 0;
	default: return 0;
	}
range:
	snprintf(err, errlen, "'%s' must be a number from %g to %g, not '%s'", o->name, o->min,
		 o->max, v);
	return -1;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
config_init(struct config *c)
{
	char err[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < ARRAY_LEN(opts); i++)
		if (opts[i].def != NULL && !repeatable(&opts[i]))
			set_option(c, &opts[i], opts[i].def, err, sizeof(err));
}

void
config_fill(struct config *c)
{
	char err[256];
	size_t i;

	for (i = 0; i < ARRAY_LEN(opts); i++)
		if (opts[i].def != NULL && opts[i].type == OPT_LISTEN && c->nlisten == 0)
			set_option(c, &opts[i], opts[i].def, err, sizeof(err));
}

void
config_usage(FILE *f)
{
	char left[64];
	size_t i;

	fprintf(f, "usage: rulingd [options]\n\n"
		   "Answers questions about City of Chicago v. Sessions, each answer with its\n"
		   "sources, over a websocket and HTTP (docs/protocol.md).\n\n");
	for (i = 0; i < ARRAY_LEN(opts); i++) {
		if (opts[i].shortopt)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].shortopt,
				 opts[i].name, opts[i].arg ? " " : "",
				 opts[i].arg ? opts[i].arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts[i].name,
				 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		fprintf(f, "  %-32s %s%s%s%s\n", left, opts[i].help, opts[i].def ? " (" : "",
			opts[i].def ? opts[i].def : "", opts[i].def ? ")" : "");
	}
}

/* Forgets the repeatable values a file set, when the command line gives its own. */
static void
forget_repeatable(struct config *c, const struct opt *o)
{
	int k;

	if (o->type == OPT_LISTEN) {
		c->nlisten = 0;
	} else if (o->type == OPT_ORIGIN) {
		for (k = 0; k < c->nallow_origin; k++)
			free(c->allow_origin[k]);
		c->nallow_origin = 0;
	}
}

int
config_args(struct config *c, int argc, char **argv)
{
	struct option longopts[ARRAY_LEN(opts) + 1];
	char shortopts[64], err[256];
	size_t i, n = 0;
	const struct opt *o;
	int ch;

	memset(longopts, 0, sizeof(longopts));
	for (i = 0; i < ARRAY_LEN(opts); i++) {
		longopts[i].name = opts[i].name;
		longopts[i].has_arg = opts[i].arg ? required_argument : no_argument;
		longopts[i].val = 256 + (int)i;
		if (opts[i].shortopt) {
			shortopts[n++] = (char)opts[i].shortopt;
			if (opts[i].arg)
				shortopts[n++] = ':';
		}
	}
	shortopts[n] = '\0';
	optind = 0; /* glibc: a full reset, for a second call */
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		for (o = NULL, i = 0; i < ARRAY_LEN(opts); i++)
			if (ch == 256 + (int)i || ch == opts[i].shortopt)
				o = &opts[i];
		if (o == NULL) {
			config_usage(stderr);
			return -1;
		}
		if (o->type == OPT_HELP) {
			config_usage(stdout);
			return 1;
		}
		if (o->type == OPT_VERSION) {
			printf("rulingd %s\n", RULINGBOT_VERSION);
			return 1;
		}
		if (repeatable(o))
			if (!(c->given & (1ULL << (o - opts))))
				forget_repeatable(c, o);
		if (set_option(c, o, optarg, err, sizeof(err)) == -1) {
			fprintf(stderr, "rulingd: --%s: %s\n", o->name, err);
			return -1;
		}
		c->given |= 1ULL << (o - opts);
	}
	if (optind != argc) {
		fprintf(stderr, "rulingd: unexpected argument '%s'\n", argv[optind]);
		config_usage(stderr);
		return -1;
	}
	return 0;
}

/* Cuts a line into key and value (both trimmed, comments removed); key NULL when blank. */
static void
split_line(char *line, char **key, char **value)
{
	char *p = strchr(line, '#'), *end;

	if (p)
		*p = '\0';
	p = line + strspn(line, " \t\r");
	end = p + strlen(p);
	while (end > p && strchr(" \t\r", end[-1]))
		*--end = '\0';
	*key = *p ? p : NULL;
	*value = "";
	if (*key && (p = strpbrk(p, " \t")) != NULL) {
		*p++ = '\0';
		*value = p + strspn(p, " \t");
	}
}

int
config_parse(struct config *c, const char *text, const char *path, char *err, size_t errlen)
{
	char *copy = strdup(text), *line, *next, *key, *value, reason[256];
	const struct opt *o;
	size_t i;
	int lineno = 0, rc = 0;

	if (copy == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (line = copy; line && rc == 0; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		split_line(line, &key, &value);
		if (key == NULL)
			continue;
		for (o = NULL, i = 0; i < ARRAY_LEN(opts); i++)
			if (strcmp(opts[i].name, key) == 0)
				o = &opts[i];
		if (o == NULL || !o->in_file) {
			snprintf(err, errlen, "%s:%d: %s '%s'", path, lineno,
				 o ? "not an option for a file:" : "unknown key", key);
			rc = -1;
		} else if (c->given & (1ULL << (o - opts))) {
			continue; /* the command line wins */
		} else if (o->type != OPT_FLAG && o->type != OPT_COUNT && *value == '\0') {
			snprintf(err, errlen, "%s:%d: '%s' needs a value", path, lineno, key);
			rc = -1;
		} else if (set_option(c, o, value, reason, sizeof(reason)) == -1) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, reason);
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

int
config_load(struct config *c, char *err, size_t errlen)
{
	struct buf b;
	int rc;

	if (c->config_file == NULL)
		return 0;
	buf_init(&b);
	rc = read_file(c->config_file, &b, err, errlen);
	if (rc == 0)
		rc = config_parse(c, b.data, c->config_file, err, errlen);
	buf_free(&b);
	return rc;
}

int
config_check(const struct config *c, char *err, size_t errlen)
{
	if (c->kb_path == NULL || c->www_dir == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
		snprintf(err, errlen, "TLS needs both --tls-cert and --tls-key");
		return -1;
	}
	if (c->lang && strcmp(c->lang, "en") != 0 && strcmp(c->lang, "es") != 0) {
		snprintf(err, errlen, "--lang must be en or es, not '%s'", c->lang);
		return -1;
	}
	if (c->max_question > c->max_message) {
		snprintf(err, errlen, "max-question (%ld) cannot exceed max-message (%ld)",
			 c->max_question, c->max_message);
		return -1;
	}
	return 0;
}
