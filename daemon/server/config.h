/* SPDX-License-Identifier: MIT */
/*
 * config.h -- rulingd's settings: their defaults, the command line, and the "key value"
 * configuration file. Both read the same table of options, so every option has one name,
 * one range, one default and one help line, whichever way it is given.
 */
#ifndef RULINGBOT_CONFIG_H
#define RULINGBOT_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_MAX_LISTEN  8  /* --listen addresses */
#define CONFIG_MAX_WORKERS 64 /* --workers */
#define CONFIG_MAX_ORIGINS 16 /* --allow-origin entries */

/* An address to listen on. */
struct listen_addr {
	char host[64]; /* numeric IPv4 or IPv6 address */
	int port;      /* TCP port */
};

/* Everything rulingd can be told. Strings are malloc'd; free with config_free(). */
struct config {
	char *config_file;			      /* -c */
	char *kb_path;				      /* --kb */
	char *www_dir;				      /* --www */
	char *unanswered;			      /* --unanswered */
	char *tls_cert, *tls_key;		      /* --tls-cert, --tls-key */
	struct listen_addr listen[CONFIG_MAX_LISTEN]; /* --listen */
	int nlisten;				      /* entries in listen */
	char *allow_origin[CONFIG_MAX_ORIGINS];	      /* --allow-origin */
	int nallow_origin;			      /* entries in allow_origin */
	long workers;				      /* --workers */
	long max_question;			      /* --max-question, bytes */
	long max_message;			      /* --max-message, bytes */
	double rate;				      /* --rate, questions per second */
	long burst;				      /* --burst, questions */
	long max_queue;				      /* --max-queue, replies */
	long max_conns;				      /* --max-conns */
	long max_conns_per_ip;			      /* --max-conns-per-ip */
	long handshake_timeout;			      /* --handshake-timeout, seconds */
	long idle_ping;				      /* --idle-ping, seconds */
	long idle_timeout;			      /* --idle-timeout, seconds */
	long query_deadline;			      /* --query-deadline, milliseconds */
	long cache_entries;			      /* --cache, answers kept */
	int log_questions;			      /* --log-questions */
	int verbose;				      /* -v, counted: -vv is 2 */
	int check_only;				      /* -n */
	int prompt;				      /* --prompt */
	char *ask;				      /* --ask */
	int json;				      /* --json */
	char *lang;				      /* --lang */
	int explain;				      /* --explain */
	unsigned long long given;		      /* options given on the command line */
};

/* Sets every default but those of repeatable options (--listen), which a file or the
 * command line would add to. This function can't fail (out of memory leaves a string
 * NULL, which config_check() reports). */
void config_init(struct config *c);

/* Gives a repeatable option neither the command line nor the file set its default (the
 * --listen address). Call after config_load(). This function can't fail. */
void config_fill(struct config *c);

/* Frees what c holds; accepts an initialised c. This function can't fail. */
void config_free(struct config *c);

/* Reads the command line into c. Returns 0; -1 after printing an error (exit 2); 1 when
 * --help or --version was handled (exit 0). */
int config_args(struct config *c, int argc, char **argv);

/* Applies the "key value" lines of text (from the file named path, for messages) to c,
 * leaving alone what the command line gave. Returns 0, or -1 with "path:line: reason" in
 * err. */
int config_parse(struct config *c, const char *text, const char *path, char *err, size_t errlen);

/* Reads and applies the file c->config_file, if any. Returns 0, or -1 with the reason in
 * err. */
int config_load(struct config *c, char *err, size_t errlen);

/* Checks the settings that depend on each other (both TLS files or none, ...). Returns 0,
 * or -1 with the reason in err. */
int config_check(const struct config *c, char *err, size_t errlen);

/* Prints the options, one line each, as --help shows them. */
void config_usage(FILE *f);

#endif
