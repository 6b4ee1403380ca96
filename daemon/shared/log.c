/* SPDX-License-Identifier: MIT */
/*
 * log.c -- stderr logging with levels, after OpenBSD's httpd log.c. Under systemd the
 * journal adds the time; by hand, the level word is enough to read the line. Warnings
 * that can repeat without end go through a struct log_rate, which logs the first and
 * counts the rest, so that a failing disk or engine cannot flood the journal.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_prog = "rulingbot";
static enum log_level log_max = LOG_LEVEL_INFO;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_max = level;
}

int
log_enabled(enum log_level level)
{
	return level <= log_max;
}

static void
vlog(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	char line[1024];

	if (!log_enabled(level))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (with_errno)
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog, level_names[level], line,
			strerror(saved));
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, level_names[level], line);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, 0, fmt, ap);
	va_end(ap);
}

void
log_errorx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERR, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_rate_init(struct log_rate *r, const char *kind, long long interval_ns)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->interval_ns = interval_ns;
}

/* Logs the count of warnings held back since r->counting_since, the last one quoted. */
static void
log_rate_summary(struct log_rate *r, long long now)
{
	double seconds = (double)(now - r->counting_since) / 1e9;

	log_warnx("%s: %lu more in the last %.0f s, the last: %s", r->kind, r->count,
		  seconds < 1 ? 1 : seconds, r->last);
	r->count = 0;
}

void
log_rate_warnx(struct log_rate *r, long long now, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->last, sizeof(r->last), fmt, ap);
	va_end(ap);
	if (r->quiet_until != 0 && now < r->quiet_until) {
		if (r->count++ == 0)
			r->counting_since = now;
		return;
	}
	if (r->count > 0) {
		r->count++; /* this one too: the summary quotes it */
		log_rate_summary(r, now);
	} else {
		log_warnx("%s: %s", r->kind, r->last);
	}
	r->quiet_until = now + r->interval_ns;
}

unsigned long
log_rate_end(struct log_rate *r, long long now)
{
	unsigned long n = r->count;

	if (n > 0)
		log_rate_summary(r, now);
	return n;
}

unsigned long
log_rate_flush(struct log_rate *r, long long now)
{
	unsigned long n = r->count;

	if (n == 0 || now < r->quiet_until)
		return 0;
	log_rate_summary(r, now);
	r->quiet_until = now + r->interval_ns;
	return n;
}
