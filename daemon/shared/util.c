/* SPDX-License-Identifier: MIT */
/*
 * util.c -- buffers, arenas, UTF-8, dates, numbers and the clock: the plumbing shared by
 * rulingd, rulingkb, the tests and the bridges. Nothing here knows about questions or answers.
 */
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One block of an arena; strings are carved from data[] until it is full. */
struct arena_block {
	struct arena_block *next; /* older block */
	size_t used;		  /* bytes of data[] in use */
	size_t size;		  /* bytes of data[] */
	char data[];		  /* the strings */
};

#define ARENA_BLOCK 4000

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

char *
str_one_line(char *out, size_t outlen, const char *text, size_t len)
{
	size_t i, n = len < outlen - 1 ? len : outlen - 1;

	for (i = 0; i < n; i++)
		out[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? ' ' : text[i];
	out[n] = '\0';
	if (n < len)
		utf8_trim(out);
	return out;
}

int
buf_cat(struct buf *b, ...)
{
	va_list ap;
	const char *s;
	int rc = 0;

	va_start(ap, b);
	while (rc == 0 && (s = va_arg(ap, const char *)) != NULL)
		rc = buf_puts(b, s);
	va_end(ap);
	return rc;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void *
array_grow(void *array, size_t *n, size_t elem)
{
	void **p = array;
	char *items;

	if ((*n & (*n - 1)) == 0) {
		if ((items = realloc(*p, (*n ? *n * 2 : 1) * elem)) == NULL)
			return NULL;
		*p = items;
	}
	memset((char *)*p + *n * elem, 0, elem);
	return (char *)*p + (*n)++ * elem;
}

void
arena_init(struct arena *a)
{
	a->head = NULL;
}

void
arena_free(struct arena *a)
{
	struct arena_block *blk, *next;

	for (blk = a->head; blk != NULL; blk = next) {
		next = blk->next;
		free(blk);
	}
	a->head = NULL;
}

char *
str_copy(char *out, size_t outlen, const char *s)
{
	size_t n = strnlen(s, outlen - 1);

	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

void
str_trim_end(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		s[--n] = '\0';
}

size_t
arena_bytes(const struct arena *a)
{
	const struct arena_block *blk;
	size_t n = 0;

	for (blk = a->head; blk != NULL; blk = blk->next)
		n += sizeof(*blk) + blk->size;
	return n;
}

char *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *blk = a->head;
	size_t size;

	if (blk == NULL || blk->size - blk->used < n) {
		size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if ((blk = malloc(sizeof(*blk) + size)) == NULL)
			return NULL;
		blk->used = 0;
		blk->size = size;
		blk->next = a->head;
		a->head = blk;
	}
	blk->used += n;
	return blk->data + blk->used - n;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || (p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *
arena_strcat3(struct arena *a, const char *x, const char *y, const char *z)
{
	size_t nx = strlen(x), ny = strlen(y), nz = strlen(z);
	char *p;

	if (nx + ny > SIZE_MAX - nz - 1 || (p = arena_alloc(a, nx + ny + nz + 1)) == NULL)
		return NULL;
	memcpy(p, x, nx);
	memcpy(p + nx, y, ny);
	memcpy(p + nx + ny, z, nz + 1);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t
utf8_decode(const unsigned char *p, const unsigned char *end, unsigned int *cp)
{
	unsigned int c = p[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if ((size_t)(end - p) < n) {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return i;
		}
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*cp = 0xfffd;
		return n;
	}
	*cp = c;
	return n;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	unsigned int cp;
	size_t k;

	while (p < end) {
		k = utf8_decode(p, end, &cp);
		/* U+FFFD itself is valid (EF BF BD); a replacement from bad input is not. */
		if (cp == 0xfffd && !(k == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] == 0xbd))
			return 0;
		p += k;
	}
	return 1;
}

/* The ranges of RFC 3629: the second byte's is narrower after E0, ED, F0 and F4, which
 * is what rules out overlong forms, surrogates and code points beyond U+10FFFF. */
static int
utf8_lead(struct utf8_stream *u, unsigned char c)
{
	u->lo = 0x80;
	u->hi = 0xbf;
	if (c < 0x80)
		u->need = 0;
	else if (c >= 0xc2 && c <= 0xdf)
		u->need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		u->need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		u->need = 3;
	else
		return -1;
	if (c == 0xe0)
		u->lo = 0xa0;
	else if (c == 0xed)
		u->hi = 0x9f;
	else if (c == 0xf0)
		u->lo = 0x90;
	else if (c == 0xf4)
		u->hi = 0x8f;
	return 0;
}

int
utf8_stream_feed(struct utf8_stream *u, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;

	for (; s < end; s++) {
		if (u->need == 0) {
			if (*s < 0x80)
				continue;
			if (utf8_lead(u, *s) == -1)
				return -1;
		} else if (*s < u->lo || *s > u->hi) {
			return -1;
		} else {
			u->need--;
			u->lo = 0x80;
			u->hi = 0xbf;
		}
	}
	return 0;
}

int
utf8_stream_complete(const struct utf8_stream *u)
{
	return u->need == 0;
}

void
utf8_trim(char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	unsigned int cp;
	size_t n;

	while (p < end) {
		n = utf8_decode(p, end, &cp);
		if (cp == 0xFFFD && !(n == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] == 0xBD))
			break; /* malformed here, not a real U+FFFD */
		p += n;
	}
	s[p - (const unsigned char *)s] = '\0';
}

size_t
utf8_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	unsigned int cp;
	size_t n = 0;

	while (p < end) {
		p += utf8_decode(p, end, &cp);
		n++;
	}
	return n;
}

static int
days_in_month(long year, long month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

static int
digits(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

enum date_precision
date_parse(const char *s, long *key)
{
	long year, month = 0, day = 0;
	enum date_precision prec;
	size_t n = strlen(s);

	if (n != 4 && n != 7 && n != 10)
		return DATE_INVALID;
	if (!digits(s, 4))
		return DATE_INVALID;
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	prec = DATE_YEAR;
	if (n >= 7) {
		if (s[4] != '-' || !digits(s + 5, 2))
			return DATE_INVALID;
		month = (s[5] - '0') * 10 + (s[6] - '0');
		prec = DATE_MONTH;
	}
	if (n == 10) {
		if (s[7] != '-' || !digits(s + 8, 2))
			return DATE_INVALID;
		day = (s[8] - '0') * 10 + (s[9] - '0');
		prec = DATE_DAY;
	}
	if (year < 1700 || year > 2199)
		return DATE_INVALID;
	if (prec >= DATE_MONTH && (month < 1 || month > 12))
		return DATE_INVALID;
	if (prec == DATE_DAY && (day < 1 || day > days_in_month(year, month)))
		return DATE_INVALID;
	if (key)
		*key = year * 10000 + month * 100 + day;
	return prec;
}

char *
date_words(const char *s, const char *lang, char *out, size_t outlen)
{
	static const char *en[] = { "January",	 "February", "March",	 "April",
				    "May",	 "June",     "July",	 "August",
				    "September", "October",  "November", "December" };
	static const char *es[] = { "enero",	  "febrero", "marzo",	  "abril",
				    "mayo",	  "junio",   "julio",	  "agosto",
				    "septiembre", "octubre", "noviembre", "diciembre" };
	int spanish = lang && strcmp(lang, "es") == 0;
	enum date_precision prec;
	long key, y, m, d;

	prec = date_parse(s, &key);
	y = key / 10000, m = key / 100 % 100, d = key % 100;
	switch (prec) {
	case DATE_DAY:
		if (spanish)
			snprintf(out, outlen, "%ld de %s de %ld", d, es[m - 1], y);
		else
			snprintf(out, outlen, "%s %ld, %ld", en[m - 1], d, y);
		break;
	case DATE_MONTH:
		if (spanish)
			snprintf(out, outlen, "%s de %ld", es[m - 1], y);
		else
			snprintf(out, outlen, "%s %ld", en[m - 1], y);
		break;
	case DATE_YEAR: snprintf(out, outlen, "%ld", y); break;
	default: snprintf(out, outlen, "%s", s); break;
	}
	return out;
}

int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
parse_host_port(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon, *addr = s;
	unsigned char scratch[16];
	size_t addrlen;
	long n;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return -1;
		addr = s + 1;
		addrlen = (size_t)(colon - addr);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		addrlen = (size_t)(colon - s);
	}
	if (addrlen == 0 || addrlen >= hostlen || parse_long(colon + 1, 1, 65535, &n) == -1)
		return -1;
	memcpy(host, addr, addrlen);
	host[addrlen] = '\0';
	if (inet_pton(AF_INET, host, scratch) != 1 && inet_pton(AF_INET6, host, scratch) != 1)
		return -1;
	*port = (int)n;
	return 0;
}

int
read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
	char chunk[16384];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(b, chunk, n) == -1) {
			snprintf(err, errlen, "%s: out of memory", path);
			fclose(f);
			return -1;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (b->data == NULL && buf_append(b, "", 0) == -1) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

uint32_t
hash_word(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, v;
	uint32_t lo, hi;

	for (; n > 8; s += 8, n -= 8) {
		memcpy(&v, s, 8);
		h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	/* The last 1 to 8 bytes in one word: two loads of 4 that may overlap, or for fewer
	 * than 4 the first, middle and last byte; with the length mixed in first, no two
	 * strings read the same bytes. */
	if (n >= 4) {
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		v = (uint64_t)hi << 32 | lo;
	} else {
		v = n > 0 ? (uint64_t)s[0] << 16 | (uint64_t)s[n / 2] << 8 | s[n - 1] : 0;
	}
	h = (h ^ v) * 0x94d049bb133111ebULL;
	return (uint32_t)(h >> 32 ^ h);
}

unsigned long long
fnv1a(unsigned long long h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

long long
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
