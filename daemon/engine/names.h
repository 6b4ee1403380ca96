/* SPDX-License-Identifier: MIT */
/*
 * names.h -- the entities a run of words names: courts, judges and other people, cities,
 * states, agencies, cases and laws, by the forms the knowledge base lists for each
 * (kb/entities.json, the entities table). A question that names an entity a fact does not
 * concern is not that fact's question: "what did Judge Orrick rule" is not answered with
 * what Judge Leinenweber ruled.
 */
#ifndef RULINGBOT_NAMES_H
#define RULINGBOT_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* A set of entities, by number: bit i of the set is entity i. */
struct name_set {
	uint64_t bits[KB_ENTITIES_MAX / 64];
};

/* One form of an entity: its words folded (norm_text()), joined by single spaces. */
struct name_form {
	const char *text; /* the form */
	uint16_t entity;  /* the entity it names */
	uint8_t words;	  /* how many words it has */
};

/* Every form the knowledge base lists, sorted by text (strcmp), and the entities. */
struct name_table {
	struct name_form *forms;	    /* sorted by text */
	size_t nforms;			    /* entries in forms */
	const char *ids[KB_ENTITIES_MAX];   /* entity i's id */
	const char *kinds[KB_ENTITIES_MAX]; /* entity i's kind ("judge", "city", ...) */
	int n;				    /* entities */
	uint64_t first[64];		    /* the forms' first words, a bit each by hash */
};

/* Makes the filter of t's forms' first words, once its forms are all in. */
void names_index(struct name_table *t);

/* Adds to out the entities that words[0..n) name, the longest form at each place ("new
 * york city" before "new york"). */
void names_find(const struct name_table *t, const char *const *words, int n, struct name_set *out);

/* Adds to out the entities the text names, however long it is. */
void names_in_text(const struct name_table *t, const char *text, size_t len, struct name_set *out);

/* Returns how many entities a holds. */
int names_count(const struct name_set *a);

/* Returns how many entities of a are not in b. */
int names_missing(const struct name_set *a, const struct name_set *b);

#endif
