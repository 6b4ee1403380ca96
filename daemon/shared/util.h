/* SPDX-License-Identifier: MIT */
/*
 * util.h -- small things every rulingbot program needs: growable byte buffers and arrays,
 * an arena for strings that die together, UTF-8 decoding, dates, checked number and
 * address parsing, and the one clock deadlines and durations are measured on.
 */
#ifndef RULINGBOT_UTIL_H
#define RULINGBOT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A growable byte string, always NUL-terminated when data is not NULL. */
struct buf {
	char *data; /* the bytes, or NULL while empty */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
};

/* Sets b empty. This function can't fail. */
void buf_init(struct buf *b);

/* Frees b's bytes and sets it empty; accepts an empty b. This function can't fail. */
void buf_free(struct buf *b);

/* Makes room for extra more bytes (and the NUL after them) without moving the data
 * again. Returns 0, or -1 when out of memory. */
int buf_reserve(struct buf *b, size_t extra);

/* Appends n bytes from p. Returns 0, or -1 when out of memory (b is unchanged). */
int buf_append(struct buf *b, const void *p, size_t n);

/* Appends the NUL-terminated string s. Returns 0, or -1 when out of memory. */
int buf_puts(struct buf *b, const char *s);

/* Appends each string in turn, up to a NULL: what buf_printf does for "%s%s%s", without
 * formatting twice. Returns 0, or -1 when out of memory. */
int buf_cat(struct buf *b, ...) __attribute__((sentinel));

/* Appends printf-formatted text. Returns 0, or -1 when out of memory. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Grows the array *array (of elem-sized items, *n of them in use, allocated a power of
 * two at a time) by one zeroed item and counts it in *n. Returns the new item, or NULL
 * when out of memory (*array and *n unchanged). */
void *array_grow(void *array, size_t *n, size_t elem);

/* Copies the string s into out (outlen bytes, at least 1), cut to fit: snprintf(out,
 * outlen, "%s", s) without the formatting, for the engine's hot paths. Returns out. */
char *str_copy(char *out, size_t outlen, const char *s);

/* Copies the len bytes of text into out (outlen bytes, at least 1) on one line, for a log:
 * control characters become spaces; cut to fit, never inside a UTF-8 character. Returns
 * out. */
char *str_one_line(char *out, size_t outlen, const char *text, size_t len);

/* Cuts the spaces, tabs, \r and \n off the end of s. This function can't fail. */
void str_trim_end(char *s);

/* A string arena: allocations are freed all at once by arena_free. */
struct arena {
	struct arena_block *head; /* most recent block, or NULL */
};

/* Sets a empty. This function can't fail. */
void arena_init(struct arena *a);

/* Frees every string allocated from a. This function can't fail. */
void arena_free(struct arena *a);

/* Allocates n bytes from the arena, not aligned (for strings). Returns them, or NULL
 * when out of memory. */
char *arena_alloc(struct arena *a, size_t n);

/* Copies n bytes of s into the arena and adds a NUL. Returns the copy, or NULL when out
 * of memory. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Copies the string s into the arena. Returns the copy, NULL when s is NULL or when out
 * of memory. */
char *arena_strdup(struct arena *a, const char *s);

/* Returns the bytes the arena holds. This function can't fail. */
size_t arena_bytes(const struct arena *a);

/* Copies the strings x, y and z one after the other into the arena: what
 * arena_printf(a, "%s%s%s", x, y, z) gives, without formatting. Returns the copy, or NULL
 * when out of memory. */
char *arena_strcat3(struct arena *a, const char *x, const char *y, const char *z);

/* Formats into the arena. Returns the string, or NULL when out of memory. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Decodes one UTF-8 sequence at p (p < end). Stores the code point in *cp, or U+FFFD for
 * a malformed, overlong, surrogate or truncated sequence. Returns the bytes consumed (at
 * least 1). This function can't fail. */
size_t utf8_decode(const unsigned char *p, const unsigned char *end, unsigned int *cp);

/* Returns 1 when the n bytes at p are well-formed UTF-8, else 0. */
int utf8_valid(const char *p, size_t n);

/* A UTF-8 check that reads a message in pieces: a sequence may be split between them. */
struct utf8_stream {
	unsigned char need;   /* continuation bytes still expected */
	unsigned char lo, hi; /* range allowed for the next one */
};

/* Checks the n bytes at p as the continuation of the stream u (zeroed to start).
 * Returns 0 while the bytes so far can begin well-formed UTF-8, -1 once they cannot. */
int utf8_stream_feed(struct utf8_stream *u, const char *p, size_t n);

/* Returns 1 when the stream ends on a whole character, else 0. */
int utf8_stream_complete(const struct utf8_stream *u);

/* Cuts the string s before its first byte that does not begin well-formed UTF-8 (a
 * character that snprintf cut in two, say). This function can't fail. */
void utf8_trim(char *s);

/* Returns the number of code points in the UTF-8 string s (malformed bytes count one each). */
size_t utf8_length(const char *s);

/* Date precision, as given in the knowledge base. */
enum date_precision {
	DATE_INVALID = 0,
	DATE_YEAR,  /* YYYY */
	DATE_MONTH, /* YYYY-MM */
	DATE_DAY,   /* YYYY-MM-DD */
};

/* Parses "YYYY", "YYYY-MM" or "YYYY-MM-DD" (a real calendar date, years 1700-2199).
 * Returns the precision, or DATE_INVALID. *key, if not NULL, gets YYYYMMDD with missing
 * parts as 0, for comparing dates. */
enum date_precision date_parse(const char *s, long *key);

/* Writes the date s in words for readers: "September 15, 2017" (lang "en") or
 * "15 de septiembre de 2017" (lang "es"); "September 2017"; "2017". An unparsable s is
 * copied as it is. Returns out. */
char *date_words(const char *s, const char *lang, char *out, size_t outlen);

/* Parses a whole decimal integer in [min, max] (strtol with an end pointer and range).
 * Returns 0 and sets *out, or -1. */
int parse_long(const char *s, long min, long max, long *out);

/* Parses ADDR:PORT or [IPv6]:PORT with a numeric address: the address goes into host
 * (hostlen bytes), the port (1-65535) into *port. Returns 0, or -1. */
int parse_host_port(const char *s, char *host, size_t hostlen, int *port);

/* Reads the file at path into b (appending). Returns 0, or -1 with a reason in err. */
int read_file(const char *path, struct buf *b, char *err, size_t errlen);

/* A quick hash of n bytes, for tables and filters of short strings (words): a few loads
 * and multiplies where FNV-1a takes two operations a byte. This function can't fail. */
uint32_t hash_word(const void *p, size_t n);

/* 64-bit FNV-1a over n bytes, continuing from h (start with FNV_OFFSET). Used for the
 * KB version, where only change detection matters. This function can't fail. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
unsigned long long fnv1a(unsigned long long h, const void *p, size_t n);

/* Nanoseconds on the monotonic clock, which setting the wall clock does not move: every
 * deadline, timeout and duration in rulingbot is read from here (callers that count in
 * microseconds, milliseconds or seconds divide). This function can't fail. */
long long mono_ns(void);

#endif
