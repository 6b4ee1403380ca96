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

#endif
