/* SPDX-License-Identifier: MIT */
/*
 * cache.h -- answers to repeated questions, kept as the bytes sent: the JSON object
 * (without the request's id) and the text lines. Real traffic asks the same things over
 * and over ("who was the judge"); the engine need not answer them twice. Emptied whenever
 * the knowledge base is reloaded.
 */
#ifndef RULINGBOT_CACHE_H
#define RULINGBOT_CACHE_H

#include <stddef.h>

/* A cached answer. */
struct cache_entry {
	char *key;			 /* language wanted, '\x1f', question */
	size_t keylen;			 /* bytes of key */
	unsigned long long hash;	 /* hash of key */
	char *json;			 /* the JSON object, no id */
	size_t jsonlen;			 /* bytes of json */
	char *lines;			 /* the text lines, separated by \n */
	size_t lineslen;		 /* bytes of lines */
	int outcome;			 /* enum outcome of the answer */
	struct cache_entry *hnext;	 /* next in its hash chain */
	struct cache_entry *prev, *next; /* neighbours in use order, newest first */
};

/* The cache. */
struct cache {
	struct cache_entry **slots; /* hash chains */
	size_t nslots;		    /* chains */
	struct cache_entry *newest; /* most recently used */
	struct cache_entry *oldest; /* least recently used, evicted first */
	size_t count;		    /* entries */
	size_t max;		    /* entries kept at most; 0 disables the cache */
};

/* Sets c empty, to hold at most max entries. Returns 0, or -1 when out of memory. */
int cache_init(struct cache *c, size_t max);

/* Frees every entry. This function can't fail. */
void cache_free(struct cache *c);

/* Drops every entry. This function can't fail. */
void cache_clear(struct cache *c);

/* Returns the entry for key and marks it used, or NULL. */
const struct cache_entry *cache_get(struct cache *c, const char *key, size_t keylen);

/* Stores copies of an answer under key, evicting the least recently used entry when
 * full. Returns 0, or -1 when out of memory (nothing is stored). */
int cache_put(struct cache *c, const char *key, size_t keylen, const char *json, size_t jsonlen,
	      const char *lines, size_t lineslen, int outcome);

#endif
