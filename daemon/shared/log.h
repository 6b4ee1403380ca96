/* SPDX-License-Identifier: MIT */
/*
 * log.h -- one line per event on stderr, with a level. The level is checked before any
 * formatting, so debug lines cost nothing when they are off.
 */
#ifndef RULINGBOT_LOG_H
#define RULINGBOT_LOG_H

enum log_level {
	LOG_LEVEL_ERR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Sets the program name printed on every line and the most verbose level printed.
 * This function can't fail. */
void log_init(const char *progname, enum log_level level);

/* Returns 1 when lines of this level are printed. */
int log_enabled(enum log_level level);

/* Error, for a program that stops with a status of its own. */
void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning with strerror(errno) appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Information. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Debugging detail. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Error with strerror(errno), then exit(1). Only for start-up errors. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Error, then exit(1). Only for start-up errors. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* One kind of warning that may come in floods (an engine that fails on every question, a
 * full disk): the first is logged, the next ones within interval_ns are only counted, and
 * a line sums them up once the interval has passed. Embedded in its owner, zeroed by
 * log_rate_init; no allocation. */
#define LOG_RATE_INTERVAL_NS 5000000000LL /* least time between two lines of one warning */

struct log_rate {
	const char *kind;	  /* what the warnings are about: each line starts with it */
	long long interval_ns;	  /* least time between two lines */
	long long quiet_until;	  /* no line before this time (ns); 0 before the first */
	long long counting_since; /* when the warnings now counted began (ns) */
	unsigned long count;	  /* warnings counted but not logged since the last line */
	char last[512];		  /* the last of them */
};

/* Sets r up for warnings about kind (a string that outlives r). This function can't fail. */
void log_rate_init(struct log_rate *r, const char *kind, long long interval_ns);

/* A warning of r's kind at time now (monotonic ns): logged as "kind: message" when no line
 * of its kind was logged within the interval (with the count of those held back, if any),
 * otherwise counted. This function can't fail. */
void log_rate_warnx(struct log_rate *r, long long now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Logs the line summing up the warnings counted, if there are any and the interval has
 * passed at time now; a timer calls it so that a burst is summed up even when no warning
 * follows it. Returns the number of warnings summed up. */
unsigned long log_rate_flush(struct log_rate *r, long long now);

/* Logs the line summing up the warnings counted, if any, whether or not the interval has
 * passed: for the end of r's life, at a stop. Returns the number summed up. */
unsigned long log_rate_end(struct log_rate *r, long long now);

#endif
