/* SPDX-License-Identifier: MIT */
/*
 * postings.c -- postings lists: written once while the index is built, read by cursors.
 *
 * An entry is varint((gap << 3) | columns), then one varint count for each column whose
 * bit is set: the gap from the previous fact in the list, and which of the three columns
 * use the term. A term in one column of a fact costs two or three bytes. A skip entry
 * holds the fact before its block, so a cursor that jumps there decodes the block's
 * first gap from it.
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

int
postings_presize(struct postings *p, size_t bytes, size_t nskips)
{
	postings_free(p);
	if (bytes >= UINT32_MAX || (p->bytes.data = calloc(bytes + 1, 1)) == NULL ||
	    (nskips > 0 && (p->skips = calloc(nskips, sizeof(*p->skips))) == NULL)) {
		postings_free(p);
		return -1;
	}
	p->bytes.len = bytes;
	p->bytes.cap = bytes + 1;
	p->nskips = p->capskips = nskips;
	return 0;
}

void
postings_begin(struct postings *p, struct postings_writer *w)
{
	memset(w, 0, sizeof(*w));
	w->list.off = (uint32_t)p->bytes.len;
	w->list.skip = (uint32_t)p->nskips;
}

/* Starts a new block after the one that ends with fact w->prev. */
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
	p->skips[p->nskips].base = w->prev;
	p->skips[p->nskips].off = w->list.len;
	p->nskips++;
	w->list.nskip++;
	return 0;
}

int
postings_entry(unsigned char *out, uint32_t gap, const uint32_t tf[POSTINGS_COLUMNS])
{
	uint32_t columns = 0;
	int n, c;

	for (c = 0; c < POSTINGS_COLUMNS; c++)
		columns |= (uint32_t)(tf[c] != 0) << c;
	n = varint_put(out, (gap << 3) | columns);
	for (c = 0; c < POSTINGS_COLUMNS; c++)
		if (tf[c] != 0)
			n += varint_put(out + n, tf[c]);
	return n;
}

int
postings_add(struct postings *p, struct postings_writer *w, uint32_t doc,
	     const uint32_t tf[POSTINGS_COLUMNS])
{
	unsigned char entry[5 * (POSTINGS_COLUMNS + 1)];
	int n;

	if (w->list.df > 0 && w->list.df % POSTINGS_BLOCK == 0 && add_block(p, w) == -1)
		return -1;
	n = postings_entry(entry, doc - w->prev, tf);
	if (p->bytes.len + (size_t)n >= UINT32_MAX || buf_append(&p->bytes, entry, (size_t)n) == -1)
		return -1;
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
	c->skip = l->nskip ? p->skips + l->skip : NULL; /* no offset on a null pointer */
	c->nskip = l->nskip;
}

void
postings_seek(struct postings_cursor *c, uint32_t target)
{
	uint32_t k = c->next_skip;

	if ((c->doc >= target && c->doc != 0) || c->doc == POSTINGS_END)
		return;
	/* The last block that starts after a fact before target: target is in it or later.
	 * Jump there unless the cursor is there already: past the current entry (which ends
	 * at c->p) means after it, as a block starts on an entry. */
	while (k < c->nskip && c->skip[k].base < target)
		k++;
	c->next_skip = k;
	if (k > 0 && (c->doc == 0 || c->skip[k - 1].off >= (uint32_t)(c->p - c->start))) {
		c->p = c->start + c->skip[k - 1].off;
		postings_decode(c, c->skip[k - 1].base);
	} else if (c->doc == 0) {
		postings_decode(c, 0);
	} else {
		postings_decode(c, c->doc);
	}
	while (c->doc < target)
		postings_decode(c, c->doc);
}
