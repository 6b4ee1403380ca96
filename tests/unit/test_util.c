/* SPDX-License-Identifier: MIT */
/*
 * test_util.c -- buffers, arenas, UTF-8 decoding, dates and number parsing, the monotonic
 * clock, and the warnings that are logged once then counted.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "util.h"

static void
test_buf_grows_and_stays_terminated(void)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < 1000; i++)
		CHECK(buf_append(&b, "ab", 2) == 0);
	CHECK(b.len == 2000);
	CHECK(b.data[2000] == '\0');
	CHECK(buf_printf(&b, "%d-%s", 42, "x") == 0);
	CHECK(strcmp(b.data + 2000, "42-x") == 0);
	CHECK(buf_cat(&b, "", "a", "", "bc", NULL) == 0);
	CHECK(b.len == 2007 && strcmp(b.data + 2004, "abc") == 0);
	CHECK(buf_cat(&b, NULL) == 0 && b.len == 2007);
	buf_free(&b);
	CHECK(b.data == NULL && b.len == 0);
}

static void
test_arena_copies_and_frees(void)
{
	struct arena a;
	char big[10000];
	const char *s, *t, *u;

	arena_init(&a);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = arena_strdup(&a, "hello");
	t = arena_strdup(&a, big);
	u = arena_printf(&a, "%s %d", "n", 7);
	CHECK_STR(s, "hello");
	CHECK(t != NULL && strlen(t) == sizeof(big) - 1);
	CHECK_STR(u, "n 7");
	CHECK(arena_strdup(&a, NULL) == NULL);
	arena_free(&a);
	CHECK(a.head == NULL);
}

static void
test_utf8_decode_rejects_malformed(void)
{
	unsigned int cp;
	const unsigned char ok[] = "\xc3\xa9", overlong[] = "\xc0\xaf",
			    surrogate[] = "\xed\xa0\x80", truncated[] = "\xe2\x82",
			    high[] = "\xf4\x90\x80\x80";

	CHECK(utf8_decode(ok, ok + 2, &cp) == 2 && cp == 0xe9);
	utf8_decode(overlong, overlong + 2, &cp);
	CHECK(cp == 0xfffd);
	utf8_decode(surrogate, surrogate + 3, &cp);
	CHECK(cp == 0xfffd);
	utf8_decode(truncated, truncated + 2, &cp);
	CHECK(cp == 0xfffd);
	utf8_decode(high, high + 4, &cp);
	CHECK(cp == 0xfffd);
	CHECK(utf8_valid("caf\xc3\xa9 \xef\xbf\xbd", 9));
	CHECK(!utf8_valid("caf\xc3", 4));
	CHECK(!utf8_valid("\xff", 1));
	CHECK(utf8_length("¿Qué?") == 5);
}

/* Feeds s to a stream cut at split; returns what the stream says of the whole. */
static int
stream_valid(const char *s, size_t n, size_t split)
{
	struct utf8_stream u = { 0, 0, 0 };

	if (utf8_stream_feed(&u, s, split) == -1 ||
	    utf8_stream_feed(&u, s + split, n - split) == -1)
		return 0;
	return utf8_stream_complete(&u);
}

static void
test_utf8_trim_cuts_a_broken_character(void)
{
	char cut[] = "asked \"\xc2\xbfQui\xc3\xa9n?\" \xc3"; /* é whole, the last one cut */
	char fine[] = "\xef\xbf\xbd stays";		     /* a real U+FFFD is a character */
	char copy[8];

	utf8_trim(cut);
	CHECK_STR(cut, "asked \"\xc2\xbfQui\xc3\xa9n?\" ");
	utf8_trim(fine);
	CHECK_STR(fine, "\xef\xbf\xbd stays");
	str_copy(copy, sizeof(copy), "abcdef\xc3\xa9"); /* cut in the middle of é */
	utf8_trim(copy);
	CHECK_STR(copy, "abcdef");
	CHECK(utf8_valid(copy, strlen(copy)));
}

static void
test_utf8_stream_agrees_with_whole_check(void)
{
	static const char *const samples[] = {
		"caf\xc3\xa9",
		"\xe2\x82\xac 5",
		"\xf0\x9f\x98\x80",
		"\xc0\xaf",
		"\xed\xa0\x80",
		"\xe0\x80\x80",
		"\xf4\x90\x80\x80",
		"\xf5\x80",
		"ab\xc3",
		"\x80",
		"\xef\xbf\xbd",
		"\xed\x9f\xbf",
		"\xf0\x90\x80\x80",
		"\xf4\x8f\xbf\xbf",
		"",
	};
	unsigned int seed = 12345;
	char buf[8];
	size_t i, k, n;

	for (i = 0; i < ARRAY_LEN(samples); i++) {
		n = strlen(samples[i]);
		for (k = 0; k <= n; k++)
			CHECK(stream_valid(samples[i], n, k) == utf8_valid(samples[i], n));
	}
	/* Random bytes biased to the interesting ranges, every split. */
	for (i = 0; i < 20000; i++) {
		n = 1 + i % sizeof(buf);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = (char)(0x7f + (seed >> 16) % 0x81);
		}
		for (k = 0; k <= n; k++)
			CHECK(stream_valid(buf, n, k) == utf8_valid(buf, n));
	}
}

static void
test_date_parse_knows_the_calendar(void)
{
	long key;

	CHECK(date_parse("2017-09-15", &key) == DATE_DAY && key == 20170915);
	CHECK(date_parse("2017-09", &key) == DATE_MONTH && key == 20170900);
	CHECK(date_parse("2017", &key) == DATE_YEAR && key == 20170000);
	CHECK(date_parse("2020-02-29", NULL) == DATE_DAY);
	CHECK(date_parse("2019-02-29", NULL) == DATE_INVALID);
	CHECK(date_parse("1900-02-29", NULL) == DATE_INVALID);
	CHECK(date_parse("2017-13-01", NULL) == DATE_INVALID);
	CHECK(date_parse("2017-09-31", NULL) == DATE_INVALID);
	CHECK(date_parse("17-09-15", NULL) == DATE_INVALID);
	CHECK(date_parse("2017/09/15", NULL) == DATE_INVALID);
	CHECK(date_parse("n.d.", NULL) == DATE_INVALID);
	CHECK(date_parse("", NULL) == DATE_INVALID);
}

static void
test_date_words_in_both_languages(void)
{
	char out[64];

	CHECK_STR(date_words("2017-09-15", "en", out, sizeof(out)), "September 15, 2017");
	CHECK_STR(date_words("2017-09-15", "es", out, sizeof(out)), "15 de septiembre de 2017");
	CHECK_STR(date_words("2018-06", "en", out, sizeof(out)), "June 2018");
	CHECK_STR(date_words("2018-06", "es", out, sizeof(out)), "junio de 2018");
	CHECK_STR(date_words("2021", "en", out, sizeof(out)), "2021");
	CHECK_STR(date_words("soon", "en", out, sizeof(out)), "soon");
}

static void
test_parse_long_checks_everything(void)
{
	long v;

	CHECK(parse_long("8080", 1, 65535, &v) == 0 && v == 8080);
	CHECK(parse_long("0", 1, 65535, &v) == -1);
	CHECK(parse_long("65536", 1, 65535, &v) == -1);
	CHECK(parse_long("80x", 1, 65535, &v) == -1);
	CHECK(parse_long("", 1, 65535, &v) == -1);
	CHECK(parse_long(NULL, 1, 65535, &v) == -1);
	CHECK(parse_long("99999999999999999999", 0, 10, &v) == -1);
}

static void
test_array_grow_adds_zeroed_items(void)
{
	long *a = NULL, *item;
	size_t n = 0, i;

	for (i = 0; i < 100; i++) {
		CHECK((item = array_grow(&a, &n, sizeof(*a))) != NULL);
		if (item == NULL)
			break;
		CHECK(*item == 0 && n == i + 1 && item == &a[i]);
		*item = (long)i;
	}
	for (i = 0; i < n; i++)
		CHECK(a[i] == (long)i);
	free(a);
}

static void
test_str_trim_end_cuts_line_ends(void)
{
	char a[] = "xoxb-1 \t\r\n", b[] = " \n", c[] = "a b";

	str_trim_end(a);
	str_trim_end(b);
	str_trim_end(c);
	CHECK_STR(a, "xoxb-1");
	CHECK_STR(b, "");
	CHECK_STR(c, "a b");
}

static void
test_parse_host_port_takes_numeric_addresses(void)
{
	char host[16];
	int port = 0;

	CHECK(parse_host_port("127.0.0.1:8080", host, sizeof(host), &port) == 0 && port == 8080);
	CHECK_STR(host, "127.0.0.1");
	CHECK(parse_host_port("[::1]:3000", host, sizeof(host), &port) == 0 && port == 3000);
	CHECK_STR(host, "::1");
	CHECK(parse_host_port("::1:443", host, sizeof(host), &port) == 0 && port == 443);
	CHECK_STR(host, "::1");
	CHECK(parse_host_port("localhost:80", host, sizeof(host), &port) == -1);
	CHECK(parse_host_port("127.0.0.1", host, sizeof(host), &port) == -1);
	CHECK(parse_host_port("127.0.0.1:0", host, sizeof(host), &port) == -1);
	CHECK(parse_host_port(":80", host, sizeof(host), &port) == -1);
	CHECK(parse_host_port("[]:80", host, sizeof(host), &port) == -1);
	CHECK(parse_host_port("[::1]80", host, sizeof(host), &port) == -1);
	CHECK(parse_host_port("[2001:db8::1234:5678]:80", host, sizeof(host), &port) == -1);
}

static void
test_fnv1a_matches_reference(void)
{
	/* Reference values of 64-bit FNV-1a. */
	CHECK(fnv1a(FNV_OFFSET, "", 0) == 0xcbf29ce484222325ULL);
	CHECK(fnv1a(FNV_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cULL);
	CHECK(fnv1a(FNV_OFFSET, "foobar", 6) == 0x85944171f73967e8ULL);
}

static void
test_arena_strcat3_joins(void)
{
	struct arena a;
	char *p;

	arena_init(&a);
	p = arena_strcat3(&a, "(lead) ", "the answer", " (note)");
	CHECK(p != NULL && strcmp(p, "(lead) the answer (note)") == 0);
	p = arena_strcat3(&a, "", "only", "");
	CHECK(p != NULL && strcmp(p, "only") == 0);
	arena_free(&a);
}

static void
test_hash_word_reads_every_byte_and_no_more(void)
{
	char a[32], b[32];
	size_t n, i;

	for (n = 0; n <= 24; n++) {
		memset(a, 'x', sizeof(a));
		memset(b, 'y', sizeof(b));
		for (i = 0; i < n; i++)
			a[i] = b[i] = (char)('a' + i);
		/* The bytes past n are not read; the length counts. */
		CHECK(hash_word(a, n) == hash_word(b, n));
		CHECK(hash_word(a, n) != hash_word(a, n + 1));
		/* Every byte of the n counts. */
		for (i = 0; i < n; i++) {
			b[i] = 'Z';
			CHECK(hash_word(a, n) != hash_word(b, n));
			b[i] = a[i];
		}
	}
	CHECK(hash_word("daca", 4) != hash_word("adca", 4));
	CHECK(hash_word("abc", 3) != hash_word("acb", 3));
}

#define SEC 1000000000LL

/* Runs the warnings of test_log_rate_counts_repeats with stderr going to a temporary
 * file; reads what they printed into out. Returns 0, or -1 when stderr could not move. */
static int
log_rate_script(char *out, size_t outlen)
{
	char path[] = "/tmp/test_util.XXXXXX";
	struct log_rate r;
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	if (fd == -1 || saved == -1 || dup2(fd, 2) == -1) {
		if (fd != -1) {
			close(fd);
			unlink(path);
		}
		if (saved != -1)
			close(saved);
		return -1;
	}
	log_rate_init(&r, "cannot answer", 5 * SEC);
	log_rate_warnx(&r, 100 * SEC, "first %d", 1); /* logged */
	log_rate_warnx(&r, 101 * SEC, "second");      /* counted */
	log_rate_warnx(&r, 102 * SEC, "third");	      /* counted */
	CHECK(log_rate_flush(&r, 104 * SEC) == 0);    /* too soon */
	CHECK(log_rate_flush(&r, 105 * SEC) == 2);    /* "2 more" */
	CHECK(log_rate_flush(&r, 106 * SEC) == 0);    /* nothing counted */
	log_rate_warnx(&r, 107 * SEC, "fourth");      /* counted: a line at 105 */
	log_rate_warnx(&r, 111 * SEC, "fifth");	      /* "2 more", fifth the last */
	log_rate_warnx(&r, 200 * SEC, "sixth");	      /* logged, long after */
	CHECK(log_rate_flush(&r, 300 * SEC) == 0);
	log_rate_warnx(&r, 201 * SEC, "seventh"); /* counted */
	CHECK(log_rate_end(&r, 203 * SEC) == 1);  /* at a stop: at once */
	CHECK(log_rate_end(&r, 204 * SEC) == 0);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, outlen - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return 0;
}

static void
test_log_rate_counts_repeats(void)
{
	char out[4096];

	log_init("test_util", LOG_LEVEL_INFO);
	CHECK(log_rate_script(out, sizeof(out)) == 0);
	CHECK_STR(out,
		  "test_util: warning: cannot answer: first 1\n"
		  "test_util: warning: cannot answer: 2 more in the last 4 s, the last: third\n"
		  "test_util: warning: cannot answer: 2 more in the last 4 s, the last: fifth\n"
		  "test_util: warning: cannot answer: sixth\n"
		  "test_util: warning: cannot answer: 1 more in the last 2 s, the last: seventh\n");
}

static void
test_one_line_for_a_log(void)
{
	char out[8];

	CHECK_STR(str_one_line(out, sizeof(out), "a\tb\nc\x7f", 6), "a b c ");
	CHECK_STR(str_one_line(out, sizeof(out), "abcdefghij", 10), "abcdefg");
	/* "ab" and three 2-byte letters: cut after 7 bytes, inside the third */
	CHECK_STR(str_one_line(out, sizeof(out), "ab\xc3\xa9\xc3\xa9\xc3\xa9", 8),
		  "ab\xc3\xa9\xc3\xa9");
}

static void
test_mono_ns_moves_forward(void)
{
	struct timespec pause = { 0, 2000000 };
	long long before = mono_ns(), after;

	CHECK(before > 0);
	CHECK(mono_ns() >= before);
	nanosleep(&pause, NULL);
	after = mono_ns();
	CHECK(after - before >= 2000000);
	CHECK(after - before < 10000000000LL);
}

int
main(void)
{
	RUN(test_buf_grows_and_stays_terminated);
	RUN(test_one_line_for_a_log);
	RUN(test_arena_copies_and_frees);
	RUN(test_utf8_decode_rejects_malformed);
	RUN(test_utf8_trim_cuts_a_broken_character);
	RUN(test_utf8_stream_agrees_with_whole_check);
	RUN(test_date_parse_knows_the_calendar);
	RUN(test_date_words_in_both_languages);
	RUN(test_parse_long_checks_everything);
	RUN(test_array_grow_adds_zeroed_items);
	RUN(test_str_trim_end_cuts_line_ends);
	RUN(test_parse_host_port_takes_numeric_addresses);
	RUN(test_fnv1a_matches_reference);
	RUN(test_hash_word_reads_every_byte_and_no_more);
	RUN(test_arena_strcat3_joins);
	RUN(test_log_rate_counts_repeats);
	RUN(test_mono_ns_moves_forward);
	HARNESS_END();
}
