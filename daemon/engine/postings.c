/* SPDX-License-Identifier: MIT */
/*
 * postings.c -- postings lists: written once while the index is built, read by cursors.
 *
 * An entry is varint((gap << 3) | columns), then one varint count for each column whose
 * bit is set: the gap from the previous fact in the list (from the last fact of the
 * previous block at a block's start, so each block decodes on its own), and which of the
 * three columns use the term. A term in one column of a fact costs two or three bytes.
 */
#include "postings.h"

#include <stdlib.h>
#include <string.h>

int
varint_put(unsigned char *p, uint32_t v)
{
	int n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

int
varint_get(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
	const unsigned char *q = *p;
	uint32_t x = 0;
	int shift;

	for (shift = 0; shift < 35 && q < end; shift += 7) {
		if (shift == 28 && (*q & 0xf0) != 0)
			return -1; /* more than 32 bits */
		x |= (uint32_t)(*q & 0x7f) << shift;
		if ((*q++ & 0x80) == 0) {
			*v = x;
			*p = q;
			return 0;
		}
	}
	return -1;
}

void
postings_init(struct postings *p)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->bytes);
}

void
postings_free(struct postings *p)
{
	buf_free(&p->bytes);
	free(p->skips);
	memset(p, 0, sizeof(*p));
}

void
postings_begin(struct postings *p, struct postings_writer *w)
{
	memset(w, 0, sizeof(*w));
	w->list.off = p->bytes.len;
	w->list.skip = (uint32_t)p->nskips;
}

/* Starts a new block: a skip entry whose last fact is filled in as entries arrive. */
static int
add_block(struct postings *p, struct postings_writer *w)
{
	struct postings_skip *s;
	size_t cap;

	if (p->nskips == p->capskips) {
		cap = p->capskips ? p->capskips * 2 : 256;
		if ((s = realloc(p->skips, cap * sizeof(*s))) == NULL)
			return -1;
		p->skips = s;
		p->capskips = cap;
	}
	p->skips[p->nskips].off = w->list.len;
	p->skips[p->nskips].last = 0;
	p->nskips++;
	w->list.nskip++;
	return 0;
}

int
postings_add(struct postings *p, struct postings_writer *w, uint32_t doc,
	     const uint32_t tf[POSTINGS_COLUMNS])
{
	unsigned char entry[5 * (POSTINGS_COLUMNS + 1)];
	uint32_t columns = 0;
	int n, c;

	if (w->list.df % POSTINGS_BLOCK == 0 && add_block(p, w) == -1)
		return -1;
	for (c = 0; c < POSTINGS_COLUMNS; c++)
		columns |= (tf[c] != 0) << c;
	n = varint_put(entry, ((doc - w->prev) << 3) | columns);
	for (c = 0; c < POSTINGS_COLUMNS; c++)
		if (tf[c] != 0)
			n += varint_put(entry + n, tf[c]);
	if (buf_append(&p->bytes, entry, (size_t)n) == -1)
		return -1;
	p->skips[p->nskips - 1].last = doc;
	w->list.len += (uint32_t)n;
	w->list.df++;
	w->prev = doc;
	return 0;
}

void
postings_open(const struct postings *p, const struct postings_list *l, struct postings_cursor *c)
{
	memset(c, 0, sizeof(*c));
	c->start = (const unsigned char *)p->bytes.data + l->off;
	c->p = c->start;
	c->end = c->start + l->len;
	c->skip = p->skips + l->skip;
	c->nskip = l->nskip;
	c->doc = 0;
}

/* Reads the entry at c->p after fact prev. */
static void
decode(struct postings_cursor *c, uint32_t prev)
{
	uint32_t v = 0;
	int col;

	if (c->p >= c->end || varint_get(&c->p, c->end, &v) == -1) {
		c->doc = POSTINGS_END;
		return;
	}
	c->doc = prev + (v >> 3);
	for (col = 0; col < POSTINGS_COLUMNS; col++) {
		c->tf[col] = 0;
		if ((v >> col) & 1)
			varint_get(&c->p, c->end, &c->tf[col]);
	}
}

void
postings_seek(struct postings_cursor *c, uint32_t target)
{
	uint32_t block = c->block;

	if ((c->doc >= target && c->doc != 0) || c->doc == POSTINGS_END)
		return;
	/* Skip whole blocks that end before target; decode from the block holding it. */
	while (block < c->nskip && c->skip[block].last < target)
		block++;
	if (block == c->nskip) {
		c->doc = POSTINGS_END;
		return;
	}
	if (block != c->block || c->doc == 0) {
		c->block = block;
		c->p = c->start + c->skip[block].off;
		decode(c, block > 0 ? c->skip[block - 1].last : 0);
	}
	/* The block's last fact is >= target, so this ends inside it. */
	while (c->doc < target)
		decode(c, c->doc);
}
