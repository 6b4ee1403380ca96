/* SPDX-License-Identifier: MIT */
/*
 * postings.h -- a term's postings, compact: one entry per fact that uses the term, in
 * fact order, each the gap from the previous fact and the term's count in each column,
 * as varints; a skip entry at the start of every block of POSTINGS_BLOCK entries but the
 * first lets a cursor jump ahead without decoding what it passes (a list of one block
 * has none). The lists of every term live end to end in one byte array; nothing is
 * allocated per entry.
 */
#ifndef RULINGBOT_POSTINGS_H
#define RULINGBOT_POSTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define POSTINGS_COLUMNS 3	    /* questions, keywords, answer */
#define POSTINGS_BLOCK	 64	    /* entries between skip entries */
#define POSTINGS_END	 UINT32_MAX /* a cursor's doc past its last entry */

/* Where a block of entries starts, and the last fact before it. */
struct postings_skip {
	uint32_t base; /* the previous block's last fact: the block holds later ones */
	uint32_t off;  /* its first entry's byte offset in the list */
};

/* One list inside the shared arrays. */
struct postings_list {
	uint32_t off;	/* first byte in the byte array */
	uint32_t len;	/* its bytes */
	uint32_t df;	/* entries: facts in it */
	uint32_t skip;	/* first skip entry in the skip array */
	uint32_t nskip; /* its skip entries, one per block after the first */
};

/* Every term's postings. */
struct postings {
	struct buf bytes;	     /* the entries of every list, end to end */
	struct postings_skip *skips; /* the skip entries of every list, end to end */
	size_t nskips;		     /* entries in skips */
	size_t capskips;	     /* entries allocated */
};

/* A list being written: what postings_add() has appended since postings_begin(). */
struct postings_writer {
	struct postings_list list; /* what is written so far */
	uint32_t prev;		   /* the last fact written */
};

/* A cursor over one list. */
struct postings_cursor {
	const unsigned char *p, *end;	  /* the next entry; the end of the list */
	const unsigned char *start;	  /* the list's first byte */
	const struct postings_skip *skip; /* the list's skip entries */
	uint32_t nskip;			  /* how many */
	uint32_t next_skip;		  /* the first skip entry no seek has passed */
	uint32_t doc;			  /* the current fact, or POSTINGS_END */
	uint32_t tf[POSTINGS_COLUMNS];	  /* the term's count in each column of doc */
	uint8_t columns;		  /* bit c: tf[c] is not 0 */
};

/* Writes v as a varint at p (room for 5 bytes). Returns the bytes written. */
int varint_put(unsigned char *p, uint32_t v);

/* Reads a varint at *p (before end) into *v and advances *p. Returns 0, or -1 for a
 * varint cut short or longer than 32 bits. */
int varint_get(const unsigned char **p, const unsigned char *end, uint32_t *v);

/* Writes the entry for a fact gap after the previous one with counts tf at out (room for
 * 5 * (POSTINGS_COLUMNS + 1) bytes). Returns the bytes written. */
int postings_entry(unsigned char *out, uint32_t gap, const uint32_t tf[POSTINGS_COLUMNS]);

/* Sets p empty. This function can't fail. */
void postings_init(struct postings *p);

/* Frees what p holds. This function can't fail. */
void postings_free(struct postings *p);

/* Makes p hold bytes bytes of entries and nskips skip entries, all zero, for a caller
 * that writes its lists itself, each where it chose (postings_entry() writes an entry).
 * Returns 0, or -1 when out of memory or past 4 GiB. */
int postings_presize(struct postings *p, size_t bytes, size_t nskips);

/* Starts a new list at the end of p. This function can't fail. */
void postings_begin(struct postings *p, struct postings_writer *w);

/* Appends an entry: fact doc (greater than the last one written) and the term's count in
 * each column (not all zero). Returns 0, or -1 when out of memory or past 4 GiB. */
int postings_add(struct postings *p, struct postings_writer *w, uint32_t doc,
		 const uint32_t tf[POSTINGS_COLUMNS]);

/* Sets a cursor on list l of p, before its first entry (doc 0). This function can't
 * fail. */
void postings_open(const struct postings *p, const struct postings_list *l,
		   struct postings_cursor *c);

/* Moves c to its first entry for a fact >= target (POSTINGS_END when none). This
 * function can't fail: the lists are written by postings_add(). */
void postings_seek(struct postings_cursor *c, uint32_t target);

/* Reads the entry at c->p, which follows fact prev. Varints of one and two bytes, by far
 * the commonest, are read inline: this is the inner loop of every search. */
static inline void
postings_decode(struct postings_cursor *c, uint32_t prev)
{
	uint32_t v = 0;
	int col;

	if (c->p >= c->end) {
		c->doc = POSTINGS_END;
		return;
	}
	if (*c->p < 0x80) {
		v = *c->p++;
	} else if (c->end - c->p >= 2 && c->p[1] < 0x80) { /* a gap of 16 facts or more */
		v = (uint32_t)(c->p[0] & 0x7f) | (uint32_t)c->p[1] << 7;
		c->p += 2;
	} else if (varint_get(&c->p, c->end, &v) == -1) {
		c->doc = POSTINGS_END;
		return;
	}
	c->doc = prev + (v >> 3);
	c->columns = v & 7;
	c->tf[0] = c->tf[1] = c->tf[2] = 0;
	for (v &= 7; v != 0; v &= v - 1) { /* a count for each column used */
		col = __builtin_ctz(v);
		if (c->p < c->end && *c->p < 0x80)
			c->tf[col] = *c->p++;
		else
			varint_get(&c->p, c->end, &c->tf[col]);
	}
}

/* Moves c to its next entry (c is on one). This function can't fail. */
static inline void
postings_next(struct postings_cursor *c)
{
	postings_decode(c, c->doc);
}

#endif
