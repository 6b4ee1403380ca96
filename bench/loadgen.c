/* SPDX-License-Identifier: MIT */
/*
 * loadgen.c -- the benchmark's load generator: N websocket connections to a server on the
 * loopback, each keeping K questions in flight for a fixed time, then one line of figures
 * (answers per second, the server's CPU per answer, latency percentiles, its memory).
 *
 * It is one thread on epoll with non-blocking sockets and does its own HTTP upgrade and
 * framing, without libwebsockets, so that rulingd, the lws echo server and the Python bot
 * are all measured by the same client, and so that the client stays cheaper than the
 * cheapest server: one read() per ready socket, one write() for every frame a read
 * produced, and one clock reading per read.
 *
 * Replies come back in order on a connection (docs/protocol.md), so each connection's
 * send times form a ring and a reply's latency is now minus the oldest one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* Latency histogram: exact below 128 ns, then 128 buckets per power of two (under 0.8%
 * error), which is constant memory however long the run. */
#define HIST_SUB_BITS 7
#define HIST_SUB      (1 << HIST_SUB_BITS)
#define HIST_SIZE     (64 * HIST_SUB)

/* Handshakes under way at once: opening 10,000 at a time would overflow the server's
 * listen backlog and turn the memory test into a test of SYN retries. */
#define CONNECTING_MAX 256
/* A server frame larger than this is a server bug, not an answer. */
#define FRAME_MAX (1 << 20)
/* An HTTP upgrade reply longer than this is not one. */
#define HANDSHAKE_MAX 8192
/* Seconds allowed for every connection to open before the run is abandoned. */
#define CONNECT_TIMEOUT_S 30
#define EVENTS_MAX	  1024

enum mode {
	MODE_JSON, /* {"type":"ask",...}; one JSON frame back */
	MODE_ECHO, /* the question's text; the same frame back */
};

enum conn_state {
	CONN_UNUSED = 0, /* not opened yet */
	CONN_CONNECTING, /* TCP connect under way */
	CONN_HANDSHAKE,	 /* upgrade request sent, reply awaited */
	CONN_OPEN,	 /* websocket open */
	CONN_CLOSED,	 /* failed, refused or closed */
};

/* What the command line asked for. */
struct options {
	struct in_addr host;  /* --host, a loopback address */
	int port;	      /* --port */
	int conns;	      /* --conns */
	int inflight;	      /* --inflight, questions in flight per connection */
	double seconds;	      /* --seconds measured (or held idle) */
	double warmup;	      /* --warmup seconds before measuring */
	const char *qfile;    /* --questions */
	enum mode mode;	      /* --mode */
	int unique;	      /* --unique: append " #<counter>" to every question */
	int idle;	      /* --idle N: hold N idle connections instead */
	long pid;	      /* --pid of the server, 0 when not given */
	int per_source;	      /* --per-source: connections per source address, 0: all from host */
	const char *protocol; /* --subprotocol to ask for, or NULL */
};

/* A growable byte string. */
struct bytes {
	char *data; /* the bytes, or NULL */
	size_t len; /* bytes used */
	size_t cap; /* bytes allocated */
};

/* A question of the question file, ready to paste into a frame. */
struct question {
	char *text; /* JSON-escaped in json mode, as read in echo mode */
	size_t len; /* bytes in text */
};

/* One websocket connection. */
struct conn {
	int fd;		       /* socket, -1 when closed */
	enum conn_state state; /* where it is */
	struct bytes in;       /* received bytes not yet a whole frame (or the whole reply) */
	struct bytes out;      /* bytes not yet written */
	size_t out_off;	       /* bytes of out already written */
	uint64_t *sent;	       /* send time of each request in flight, a ring of inflight */
	int head;	       /* index in sent of the oldest request in flight */
	int pending;	       /* requests in flight */
	int pollout;	       /* 1 while EPOLLOUT is asked for */
	uint32_t rng;	       /* xorshift state for mask keys */
};

/* Figures of the measured window. */
struct stats {
	uint64_t hist[HIST_SIZE]; /* latency histogram, ns */
	uint64_t replies;	  /* reply frames, errors included */
	uint64_t no_answer;	  /* replies of type no_answer */
	uint64_t errors;	  /* replies of type error */
	uint64_t max_ns;	  /* the slowest reply */
	uint64_t start_ns;	  /* start of the window */
	long long cpu_ticks;	  /* server CPU at the start, clock ticks */
	long long self_us;	  /* own CPU at the start, microseconds */
};

/* The whole run. */
struct bench {
	struct options opt;  /* what was asked */
	struct question *qs; /* questions */
	size_t nqs;	     /* entries in qs */
	struct conn *conns;  /* opt.conns connections */
	int nconns;	     /* entries in conns */
	int epfd;	     /* epoll descriptor */
	int next_conn;	     /* next connection to open */
	int connecting;	     /* connections in CONN_CONNECTING or CONN_HANDSHAKE */
	int opened;	     /* handshakes completed */
	int failed;	     /* connections that could not connect or upgrade */
	int refused;	     /* upgrades answered with something other than 101 */
	int closed;	     /* open connections the server closed */
	uint64_t unexpected; /* frames with nothing in flight */
	uint64_t counter;    /* requests sent: picks the question, the id, the suffix */
	int sending;	     /* 1 while replies are answered with new requests */
	int measuring;	     /* 1 inside the measured window */
	long rss_before;     /* server VmRSS before connecting, KiB, -1 unknown */
	struct stats st;     /* the measured window */
	struct bytes req;    /* scratch: the payload being built */
	char *scratch;	     /* scratch: bytes read */
	size_t scratch_cap;  /* bytes in scratch */
};

static void usage(FILE *f);

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

/* Nanoseconds on the monotonic clock, unsigned as the figures here are kept. */
static uint64_t
now_ns(void)
{
	return (uint64_t)mono_ns();
}

/* Makes room for n more bytes; out of memory ends the run, since the figures would be
 * meaningless anyway. */
static void
bytes_reserve(struct bytes *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;

	if (b->len + n <= b->cap)
		return;
	while (cap < b->len + n)
		cap *= 2;
	if ((b->data = realloc(b->data, cap)) == NULL)
		die("out of memory");
	b->cap = cap;
}

static void
bytes_append(struct bytes *b, const void *p, size_t n)
{
	bytes_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void
bytes_free(struct bytes *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Parses a whole decimal number within [min, max] (strtol, end pointer, range). */
static long
parse_num(const char *name, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		die("%s must be a number from %ld to %ld, not '%s'", name, min, max, s);
	return v;
}

static double
parse_seconds(const char *name, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0 && v <= 86400))
		die("%s must be seconds from 0 to 86400, not '%s'", name, s);
	return v;
}

/* Only the loopback: this program opens thousands of connections and must never aim
 * them at another machine by mistake. */
static void
parse_host(const char *s, struct in_addr *out)
{
	if (inet_pton(AF_INET, s, out) != 1 || (ntohl(out->s_addr) >> 24) != 127)
		die("--host must be an IPv4 loopback address (127.x.x.x), not '%s'", s);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "inflight", required_argument, NULL, 'k' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "questions", required_argument, NULL, 'q' },
		{ "mode", required_argument, NULL, 'm' },
		{ "unique", no_argument, NULL, 'u' },
		{ "idle", required_argument, NULL, 'i' },
		{ "pid", required_argument, NULL, 'P' },
		{ "per-source", required_argument, NULL, 'S' },
		{ "subprotocol", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	parse_host("127.0.0.1", &o->host);
	o->conns = 50;
	o->inflight = 1;
	o->seconds = 5;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': parse_host(optarg, &o->host); break;
		case 'p': o->port = (int)parse_num("--port", optarg, 1, 65535); break;
		case 'c': o->conns = (int)parse_num("--conns", optarg, 1, 1000000); break;
		case 'k': o->inflight = (int)parse_num("--inflight", optarg, 1, 4096); break;
		case 's': o->seconds = parse_seconds("--seconds", optarg); break;
		case 'w': o->warmup = parse_seconds("--warmup", optarg); break;
		case 'q': o->qfile = optarg; break;
		case 'm':
			if (strcmp(optarg, "json") == 0)
				o->mode = MODE_JSON;
			else if (strcmp(optarg, "echo") == 0)
				o->mode = MODE_ECHO;
			else
				die("--mode must be json or echo, not '%s'", optarg);
			break;
		case 'u': o->unique = 1; break;
		case 'i': o->idle = (int)parse_num("--idle", optarg, 1, 1000000); break;
		case 'P': o->pid = parse_num("--pid", optarg, 1, 1L << 30); break;
		case 'S': o->per_source = (int)parse_num("--per-source", optarg, 1, 65535); break;
		case 'R': o->protocol = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc)
		die("unexpected argument '%s'", argv[optind]);
	if (o->port == 0)
		die("--port is required");
	if (o->idle == 0 && o->qfile == NULL)
		die("--questions is required (or --idle N)");
	if (o->idle)
		o->conns = o->idle;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: loadgen --port PORT [--host 127.0.0.1] [--conns N] [--inflight K]\n"
		"               [--seconds S] [--warmup S] --questions FILE [--mode json|echo]\n"
		"               [--unique] [--pid PID] [--per-source M] [--subprotocol NAME]\n"
		"       loadgen --port PORT --idle N [--seconds S] [--pid PID] [--per-source M]\n"
		"\n"
		"Drives N websocket connections with K questions in flight each for S seconds\n"
		"(after a warm-up) and prints one line of key=value figures. With --idle, opens N\n"
		"connections, holds them idle for S seconds and reports the server's memory.\n"
		"--pid names the server process whose CPU (its own and its children's) and VmRSS\n"
		"are read from /proc.\n"
		"--per-source M opens at most M connections from each source address\n"
		"(127.0.0.1, 127.0.0.2, ...), for servers that limit connections per address.\n");
}

/* Appends s (n bytes) as the inside of a JSON string. UTF-8 passes through; the server
 * checks it, not us. */
static void
json_escape(struct bytes *b, const char *s, size_t n)
{
	char esc[8];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			bytes_append(b, esc, 2);
		} else if (ch < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			bytes_append(b, esc, 6);
		} else {
			bytes_append(b, &s[i], 1);
		}
	}
}

/* Reads the question file: one question per line, empty lines skipped. */
static void
questions_load(struct bench *b)
{
	FILE *f = fopen(b->opt.qfile, "r");
	struct bytes q = { 0 };
	char *line = NULL;
	size_t cap = 0, n;
	ssize_t len;

	if (f == NULL)
		die("cannot open %s: %s", b->opt.qfile, strerror(errno));
	while ((len = getline(&line, &cap, f)) != -1) {
		n = (size_t)len;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		memset(&q, 0, sizeof(q));
		if (b->opt.mode == MODE_JSON)
			json_escape(&q, line, n);
		else
			bytes_append(&q, line, n);
		if ((b->qs = realloc(b->qs, (b->nqs + 1) * sizeof(*b->qs))) == NULL)
			die("out of memory");
		b->qs[b->nqs].text = q.data;
		b->qs[b->nqs++].len = q.len;
	}
	free(line);
	fclose(f);
	if (b->nqs == 0)
		die("%s has no questions", b->opt.qfile);
}

/* A descriptor per connection, and some for the rest: without raising the soft limit
 * (often 1024) the memory test could not open its 10,000 connections. */
static void
raise_nofile(int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= (rlim_t)need + 64)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < (rlim_t)need + 64)
		die("need %d file descriptors, the hard limit is %llu", need + 64,
		    (unsigned long long)rl.rlim_max);
}

/* Returns utime + stime of process pid in clock ticks, or -1. */
static long long
proc_cpu_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and brackets: fields start after the last ')'.
	 * utime and stime are fields 14 and 15, the 12th and 13th after the state. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* Returns the CPU ticks of process pid and of its children (rulingd --workers runs its
 * workers as children), or -1 when pid is gone. */
static long long
tree_cpu_ticks(long pid)
{
	long long total = proc_cpu_ticks(pid), t;
	char path[96];
	long child;
	FILE *f;

	if (total < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children", pid, pid);
	if ((f = fopen(path, "r")) == NULL)
		return total;
	while (fscanf(f, "%ld", &child) == 1)
		if ((t = proc_cpu_ticks(child)) > 0)
			total += t;
	fclose(f);
	return total;
}

/* Returns the VmRSS of process pid in KiB, or -1. */
static long
proc_rss_kib(long pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static long long
self_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((long long)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static uint32_t
xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Appends a client frame (FIN set, masked as RFC 6455 requires of clients) carrying the
 * n bytes at p. */
static void
frame_put(struct conn *c, int opcode, const char *p, size_t n)
{
	unsigned char hdr[14], mask[4];
	uint32_t key = xorshift(&c->rng);
	size_t h = 2, i;
	char *dst;

	hdr[0] = (unsigned char)(0x80 | opcode);
	if (n < 126) {
		hdr[1] = (unsigned char)(0x80 | n);
	} else if (n < 65536) {
		hdr[1] = 0x80 | 126;
		hdr[2] = (unsigned char)(n >> 8);
		hdr[3] = (unsigned char)n;
		h = 4;
	} else {
		hdr[1] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			hdr[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		h = 10;
	}
	memcpy(mask, &key, 4);
	memcpy(hdr + h, mask, 4);
	bytes_append(&c->out, hdr, h + 4);
	bytes_reserve(&c->out, n);
	dst = c->out.data + c->out.len;
	for (i = 0; i < n; i++)
		dst[i] = (char)(p[i] ^ mask[i & 3]);
	c->out.len += n;
}

/* Builds the next request's payload in b->req: the JSON ask or the bare text, made
 * distinct by a counter with --unique. */
static void
request_build(struct bench *b)
{
	const struct question *q = &b->qs[b->counter % b->nqs];
	char num[48];
	int n;

	b->req.len = 0;
	if (b->opt.mode == MODE_JSON) {
		n = snprintf(num, sizeof(num), "{\"type\":\"ask\",\"id\":\"%llu\",\"text\":\"",
			     (unsigned long long)b->counter);
		bytes_append(&b->req, num, (size_t)n);
	}
	bytes_append(&b->req, q->text, q->len);
	if (b->opt.unique) {
		n = snprintf(num, sizeof(num), " #%llu", (unsigned long long)b->counter);
		bytes_append(&b->req, num, (size_t)n);
	}
	if (b->opt.mode == MODE_JSON)
		bytes_append(&b->req, "\"}", 2);
	b->counter++;
}

static void
request_send(struct bench *b, struct conn *c, uint64_t now)
{
	request_build(b);
	frame_put(c, 0x1, b->req.data, b->req.len);
	c->sent[(c->head + c->pending) % b->opt.inflight] = now;
	c->pending++;
}

static void
poll_set(struct bench *b, struct conn *c, int pollout)
{
	struct epoll_event ev;

	if (c->pollout == pollout)
		return;
	ev.events = EPOLLIN | (pollout ? EPOLLOUT : 0);
	ev.data.u32 = (uint32_t)(c - b->conns);
	if (epoll_ctl(b->epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	c->pollout = pollout;
}

static void
conn_close(struct bench *b, struct conn *c)
{
	if (c->state == CONN_CONNECTING || c->state == CONN_HANDSHAKE) {
		b->connecting--;
		b->failed++;
	} else if (c->state == CONN_OPEN) {
		b->closed++;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->state = CONN_CLOSED;
	bytes_free(&c->in);
	bytes_free(&c->out);
	c->out_off = 0;
	c->pending = 0;
}

/* Writes what is queued; asks for EPOLLOUT when the socket is full. Returns 0, or -1
 * when the connection broke (and is closed). */
static int
conn_flush(struct bench *b, struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out.len) {
		n = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			poll_set(b, c, 1);
			return 0;
		}
		if (n == -1) {
			conn_close(b, c);
			return -1;
		}
		c->out_off += (size_t)n;
	}
	c->out.len = c->out_off = 0;
	poll_set(b, c, 0);
	return 0;
}

static void
hist_add(struct stats *st, uint64_t v)
{
	int msb, shift, idx;

	if (v < HIST_SUB) {
		idx = (int)v;
	} else {
		msb = 63 - __builtin_clzll(v);
		shift = msb - HIST_SUB_BITS;
		idx = (shift + 1) * HIST_SUB + (int)((v >> shift) - HIST_SUB);
	}
	st->hist[idx]++;
	if (v > st->max_ns)
		st->max_ns = v;
}

/* Returns the middle of histogram bucket idx, in ns. */
static double
hist_value(int idx)
{
	int shift;

	if (idx < HIST_SUB)
		return idx;
	shift = idx / HIST_SUB - 1;
	return ((double)(idx % HIST_SUB + HIST_SUB) + 0.5) * (double)(1ULL << shift);
}

/* Returns the latency in µs below which a share p of the replies came, or -1 when
 * there were none. */
static double
hist_percentile(const struct stats *st, double p)
{
	uint64_t total = 0, seen = 0, rank;
	int i;

	for (i = 0; i < HIST_SIZE; i++)
		total += st->hist[i];
	if (total == 0)
		return -1;
	rank = (uint64_t)ceil(p * (double)total);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HIST_SIZE; i++) {
		seen += st->hist[i];
		if (seen >= rank)
			break;
	}
	return fmin(hist_value(i), (double)st->max_ns) / 1000.0;
}

/* A reply frame: retires the oldest request in flight and, while the run lasts, sends
 * the next one. The type is near the start of every JSON reply the servers send. */
static void
reply_handle(struct bench *b, struct conn *c, const char *p, size_t n, uint64_t now)
{
	size_t look = n < 40 ? n : 40;

	if (c->pending == 0) {
		b->unexpected++;
		return;
	}
	if (b->measuring) {
		hist_add(&b->st, now - c->sent[c->head]);
		b->st.replies++;
		if (b->opt.mode == MODE_JSON && memmem(p, look, "\"type\":\"error\"", 14))
			b->st.errors++;
		else if (b->opt.mode == MODE_JSON && memmem(p, look, "\"type\":\"no_answer\"", 18))
			b->st.no_answer++;
	}
	c->head = (c->head + 1) % b->opt.inflight;
	c->pending--;
	if (b->sending)
		request_send(b, c, now);
}

/* Handles one server frame. Returns 0, or -1 when the connection must close. */
static int
frame_handle(struct bench *b, struct conn *c, int opcode, const char *p, size_t n, uint64_t now)
{
	switch (opcode) {
	case 0x1:
	case 0x2: reply_handle(b, c, p, n, now); return 0;
	case 0x8: return -1;
	case 0x9: frame_put(c, 0xA, p, n); return 0;
	default: return 0; /* continuation, pong: the servers send whole frames */
	}
}

/* Handles every whole frame in p. Returns the bytes used, or -1 when the connection must
 * close (a close frame, a masked or oversized server frame). */
static long
frames_parse(struct bench *b, struct conn *c, const unsigned char *p, size_t len, uint64_t now)
{
	size_t off = 0, hdr, i;
	uint64_t plen;

	while (len - off >= 2) {
		if (p[off + 1] & 0x80)
			return -1;
		plen = p[off + 1] & 0x7f;
		hdr = 2;
		if (plen == 126) {
			if (len - off < 4)
				break;
			plen = (uint64_t)p[off + 2] << 8 | p[off + 3];
			hdr = 4;
		} else if (plen == 127) {
			if (len - off < 10)
				break;
			for (plen = 0, i = 0; i < 8; i++)
				plen = plen << 8 | p[off + 2 + i];
			hdr = 10;
		}
		if (plen > FRAME_MAX)
			return -1;
		if (len - off < hdr + plen)
			break;
		if (frame_handle(b, c, p[off] & 0x0f, (const char *)p + off + hdr, plen, now) == -1)
			return -1;
		off += hdr + (size_t)plen;
	}
	return (long)off;
}

/* Reads the upgrade reply. Returns the bytes used (0: not complete yet), or -1 when the
 * server refused or the reply is not HTTP. Any Sec-WebSocket-Accept is accepted. */
static long
handshake_parse(struct bench *b, struct conn *c, const char *p, size_t len)
{
	const char *end = memmem(p, len, "\r\n\r\n", 4);

	if (end == NULL)
		return len > HANDSHAKE_MAX ? -1 : 0;
	if (len < 12 || memcmp(p, "HTTP/1.1 101", 12) != 0) {
		b->refused++;
		return -1;
	}
	c->state = CONN_OPEN;
	b->connecting--;
	b->opened++;
	return end + 4 - p;
}

/* Makes room in the scratch buffer for what the connection kept plus a read. */
static void
scratch_reserve(struct bench *b, size_t kept)
{
	size_t want = kept + 256 * 1024;

	if (b->scratch_cap >= want)
		return;
	free(b->scratch);
	if ((b->scratch = malloc(want)) == NULL)
		die("out of memory");
	b->scratch_cap = want;
}

/* One read() into the scratch buffer behind what the connection kept from last time,
 * then every whole frame; the rest is kept for next time. */
static void
conn_read(struct bench *b, struct conn *c)
{
	size_t kept = c->in.len, total;
	long used = 0;
	ssize_t n;

	scratch_reserve(b, kept);
	memcpy(b->scratch, c->in.data, kept);
	n = read(c->fd, b->scratch + kept, b->scratch_cap - kept);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(b, c);
		return;
	}
	total = kept + (size_t)n;
	if (c->state == CONN_HANDSHAKE)
		used = handshake_parse(b, c, b->scratch, total);
	if (used >= 0 && c->state == CONN_OPEN) {
		long more = frames_parse(b, c, (unsigned char *)b->scratch + used,
					 total - (size_t)used, now_ns());
		used = more < 0 ? -1 : used + more;
	}
	if (used < 0) {
		conn_close(b, c);
		return;
	}
	c->in.len = 0;
	if ((size_t)used < total)
		bytes_append(&c->in, b->scratch + used, total - (size_t)used);
	else
		bytes_free(&c->in); /* idle connections keep no buffer */
	conn_flush(b, c);
}

/* Starts a TCP connect; the upgrade request goes out once it completes. */
static void
conn_start(struct bench *b, struct conn *c, int i)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct epoll_event ev;
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		die("socket: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (b->opt.per_source) {
		sa.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(i / b->opt.per_source));
		if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
			die("bind %s: %s", inet_ntoa(sa.sin_addr), strerror(errno));
	}
	sa.sin_addr = b->opt.host;
	sa.sin_port = htons((uint16_t)b->opt.port);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 && errno != EINPROGRESS)
		die("connect to port %d: %s", b->opt.port, strerror(errno));
	c->state = CONN_CONNECTING;
	c->rng = 2463534242u ^ ((uint32_t)i * 2654435761u);
	if ((c->sent = calloc((size_t)b->opt.inflight, sizeof(*c->sent))) == NULL)
		die("out of memory");
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.u32 = (uint32_t)i;
	c->pollout = 1;
	if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	b->connecting++;
}

/* The TCP connect completed (or failed): send the HTTP upgrade. A fixed key is as good
 * as a random one here, and every accept value is taken. */
static void
conn_connected(struct bench *b, struct conn *c)
{
	char req[512];
	socklen_t len = sizeof(int);
	int err = 0, n;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0) {
		conn_close(b, c);
		return;
	}
	n = snprintf(req, sizeof(req),
		     "GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		     "Sec-WebSocket-Version: 13\r\n%s%s%s\r\n",
		     inet_ntoa(b->opt.host), b->opt.port,
		     b->opt.protocol ? "Sec-WebSocket-Protocol: " : "",
		     b->opt.protocol ? b->opt.protocol : "", b->opt.protocol ? "\r\n" : "");
	c->state = CONN_HANDSHAKE;
	bytes_append(&c->out, req, (size_t)n);
	conn_flush(b, c);
}

static void
conn_event(struct bench *b, struct conn *c, uint32_t events)
{
	if (c->state == CONN_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			conn_connected(b, c);
		return;
	}
	if (c->state != CONN_CLOSED && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		conn_read(b, c);
	if (c->state != CONN_CLOSED && (events & EPOLLOUT))
		conn_flush(b, c);
}

/* Starts the measured window: the server's CPU and ours now, figures reset. */
static void
measure_begin(struct bench *b)
{
	memset(&b->st, 0, sizeof(b->st));
	b->st.start_ns = now_ns();
	b->st.cpu_ticks = b->opt.pid ? tree_cpu_ticks(b->opt.pid) : -1;
	b->st.self_us = self_cpu_us();
	b->measuring = 1;
}

/* Ends the window and prints its figures as one line of key=value. */
static void
measure_end(struct bench *b)
{
	double secs = (double)(now_ns() - b->st.start_ns) / 1e9;
	long long ticks = b->opt.pid ? tree_cpu_ticks(b->opt.pid) : -1;
	double self_us = (double)(self_cpu_us() - b->st.self_us);
	double cpu_us = -1, per_msg = -1;
	uint64_t answers = b->st.replies - b->st.errors;

	b->measuring = 0;
	if (ticks >= 0 && b->st.cpu_ticks >= 0)
		cpu_us = (double)(ticks - b->st.cpu_ticks) * 1e6 / (double)sysconf(_SC_CLK_TCK);
	if (cpu_us >= 0 && b->st.replies > 0)
		per_msg = cpu_us / (double)b->st.replies;
	printf("answers=%llu seconds=%.3f rate=%.1f cpu_us_per_msg=%.3f p50_us=%.1f "
	       "p90_us=%.1f p99_us=%.1f max_us=%.1f rss_kib=%ld rss_before_kib=%ld "
	       "no_answer=%llu errors=%llu conns=%d open=%d failed=%d refused=%d closed=%d "
	       "unexpected=%llu server_cpu_pct=%.1f client_cpu_pct=%.1f\n",
	       (unsigned long long)answers, secs, (double)answers / secs, per_msg,
	       hist_percentile(&b->st, 0.50), hist_percentile(&b->st, 0.90),
	       hist_percentile(&b->st, 0.99), b->st.replies ? (double)b->st.max_ns / 1000 : -1,
	       b->opt.pid ? proc_rss_kib(b->opt.pid) : -1L, b->rss_before,
	       (unsigned long long)b->st.no_answer, (unsigned long long)b->st.errors, b->nconns,
	       b->opened - b->closed, b->failed, b->refused, b->closed,
	       (unsigned long long)b->unexpected, cpu_us >= 0 ? cpu_us / secs / 1e4 : -1,
	       self_us / secs / 1e4);
	fflush(stdout);
}

/* Opens connections up to CONNECTING_MAX at a time. Returns 1 once every connection has
 * opened or failed. */
static int
connect_more(struct bench *b)
{
	while (b->next_conn < b->nconns && b->connecting < CONNECTING_MAX) {
		conn_start(b, &b->conns[b->next_conn], b->next_conn);
		b->next_conn++;
	}
	return b->next_conn == b->nconns && b->connecting == 0;
}

/* Every connection is open: K requests on each, unless holding them idle. */
static void
load_start(struct bench *b)
{
	uint64_t now = now_ns();
	struct conn *c;
	int i, k;

	if (b->opened == 0)
		die("no connection opened (%d failed, %d refused)", b->failed, b->refused);
	if (b->opt.idle)
		return;
	b->sending = 1;
	for (i = 0; i < b->nconns; i++) {
		c = &b->conns[i];
		if (c->state != CONN_OPEN)
			continue;
		for (k = 0; k < b->opt.inflight; k++)
			request_send(b, c, now);
		conn_flush(b, c);
	}
}

/* Waits for events for at most ms milliseconds and handles them. */
static void
events_run(struct bench *b, int ms)
{
	struct epoll_event evs[EVENTS_MAX];
	int n, i;

	n = epoll_wait(b->epfd, evs, EVENTS_MAX, ms);
	if (n == -1 && errno != EINTR)
		die("epoll_wait: %s", strerror(errno));
	for (i = 0; i < n; i++)
		conn_event(b, &b->conns[evs[i].data.u32], evs[i].events);
}

/* Milliseconds from now until t (ns), at least 1 so that the loop cannot spin, at most
 * 100. */
static int
ms_until(uint64_t now, uint64_t t)
{
	uint64_t ms = t > now ? (t - now + 999999) / 1000000 : 1;

	return ms > 100 ? 100 : (int)ms;
}

/* Sends a close frame (1000, normal closure) on every open connection, so that servers
 * log a client leaving rather than a broken connection. */
static void
goodbye(struct bench *b)
{
	static const char normal[2] = { 0x03, (char)0xe8 };
	int i;

	b->sending = 0;
	for (i = 0; i < b->nconns; i++) {
		if (b->conns[i].state != CONN_OPEN)
			continue;
		frame_put(&b->conns[i], 0x8, normal, sizeof(normal));
		conn_flush(b, &b->conns[i]);
	}
}

static void
bench_run(struct bench *b)
{
	uint64_t deadline = now_ns() + CONNECT_TIMEOUT_S * 1000000000ULL, t_measure, t_end;

	while (!connect_more(b)) {
		if (now_ns() > deadline)
			die("connections still opening after %d s (%d open, %d failed)",
			    CONNECT_TIMEOUT_S, b->opened, b->failed);
		events_run(b, 100);
	}
	load_start(b);
	t_measure = now_ns() + (uint64_t)(b->opt.warmup * 1e9);
	while (now_ns() < t_measure)
		events_run(b, ms_until(now_ns(), t_measure));
	measure_begin(b);
	t_end = b->st.start_ns + (uint64_t)(b->opt.seconds * 1e9);
	while (now_ns() < t_end)
		events_run(b, ms_until(now_ns(), t_end));
	measure_end(b);
	goodbye(b);
}

int
main(int argc, char **argv)
{
	struct bench b;

	memset(&b, 0, sizeof(b));
	parse_options(argc, argv, &b.opt);
	if (b.opt.qfile)
		questions_load(&b);
	b.nconns = b.opt.conns;
	raise_nofile(b.nconns);
	if ((b.conns = calloc((size_t)b.nconns, sizeof(*b.conns))) == NULL)
		die("out of memory");
	if ((b.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));
	b.rss_before = b.opt.pid ? proc_rss_kib(b.opt.pid) : -1;
	if (b.opt.pid && b.rss_before == -1)
		die("no process %ld", b.opt.pid);
	bench_run(&b);
	/* The process ends here: the kernel closes the sockets faster than a loop would. */
	return 0;
}
