/* SPDX-License-Identifier: MIT */
/*
 * model.h -- the knowledge base as the compiler holds it: every source, fact, synonym,
 * entity, starter and fixed reply read from the kb/ folder, with the file and line each came
 * from. Strings are borrowed from the parsed JSON trees, which live as long as the struct
 * kbset.
 */
#ifndef RULINGKB_MODEL_H
#define RULINGKB_MODEL_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

#define FACT_ANSWER_MAX	  480 /* characters in an answer */
#define FACT_QUESTION_MAX 200 /* characters in a question */
#define FACT_SOURCES_MAX  8   /* sources one fact may cite */

/* Where in a file an item lies. */
struct json_span {
	size_t start; /* offset of its first byte */
	size_t end;   /* offset just past it */
	int line;     /* line of its first byte, from 1 */
};

/* A file of the KB, kept in memory with its parsed tree. */
struct kb_file {
	char *path;		 /* as printed in messages, e.g. "kb/facts/case.json" */
	struct buf text;	 /* its bytes */
	struct cJSON *root;	 /* its parsed JSON, or NULL when malformed */
	struct json_span *items; /* spans of the top-level array's items */
	int nitems;		 /* entries in items */
	struct json_span whole;	 /* the whole file, for items the scan did not place */
	char *topic;		 /* for fact files: the file name without .json */
};

/* An entry of sources.json. */
struct src {
	const char *id, *title, *publisher, *date, *url, *citation, *kind, *text;
	struct kb_file *file;  /* where it was read */
	struct json_span span; /* its object in the file */
};

/* One source as a fact cites it. */
struct cite {
	const char *id;	      /* source id */
	const char *pinpoint; /* where in the source, or NULL */
	const char *quote;    /* exact words, or NULL */
};

/* A fact. */
struct fact {
	const char *id, *lang, *answer, *as_of, *status, *superseded_by, *translation_of;
	const char *reviewed;
	const char *topic;	/* the file's name without .json */
	const char **questions; /* at least two */
	int nquestions;		/* entries in questions */
	const char **keywords;	/* may be empty */
	int nkeywords;		/* entries in keywords */
	struct cite *cites;	/* at least one */
	int ncites;		/* entries in cites */
	const char **related;	/* fact ids */
	int nrelated;		/* entries in related */
	struct kb_file *file;	/* where it was read */
	struct json_span span;	/* its object in the file */
};

/* A synonym group of synonyms.json. */
struct syn_group {
	const char **words; /* words or phrases meaning the same */
	int nwords;	    /* entries in words */
	int line;	    /* line of the group */
};

/* A misspelling of synonyms.json. */
struct misspelling {
	const char *word; /* as people type it */
	const char *fix;  /* as the facts write it */
	int line;	  /* its line */
};

/* An entity of entities.json: a name the knowledge base knows, as people type it. */
struct entity {
	const char *id;	       /* e.g. "leinenweber" */
	const char *kind;      /* "judge", "city", ... (kb/README.md lists them) */
	const char **forms;    /* names and abbreviations, in English and Spanish */
	int nforms;	       /* entries in forms */
	struct json_span span; /* its object in the file */
};

/* An entry of replies.json: what the bot says without a fact, in each language. */
struct fixed_reply {
	const char *id;	       /* a reply id of the engine's (kb_reply_id()) */
	const char *text[2];   /* by enum lang; NULL when missing or empty (reported) */
	struct kb_file *file;  /* where it was read */
	struct json_span span; /* its object in the file */
};

/* Everything read from a kb/ folder. */
struct kbset {
	struct kb_file **files;	       /* every file read, in hashing order */
	int nfiles;		       /* entries in files */
	struct src *sources;	       /* sources.json */
	int nsources;		       /* entries in sources */
	struct fact *facts;	       /* facts/<topic>.json, file by file */
	int nfacts;		       /* entries in facts */
	struct syn_group *groups;      /* synonym groups */
	int ngroups;		       /* entries in groups */
	struct misspelling *fixes;     /* misspellings */
	int nfixes;		       /* entries in fixes */
	struct entity *entities;       /* entities.json */
	int nentities;		       /* entries in entities */
	struct kb_file *entities_file; /* entities.json, or NULL: a KB may name none */
	const char **starters[2];      /* starter fact ids, by enum lang */
	int nstarters[2];	       /* entries in starters */
	struct kb_file *starters_file; /* starters.json, or NULL */
	struct fixed_reply *replies;   /* replies.json */
	int nreplies;		       /* entries in replies */
	struct kb_file *replies_file;  /* replies.json, or NULL when missing (reported) */
	char version[17];	       /* hash of every file, 16 hex digits */
	int problems;		       /* problems reported so far */
	int warnings;		       /* warnings reported so far (not problems) */
	FILE *report;		       /* where problems are printed */
};

/* Prints "file:line: what: message" to set->report and counts a problem. what may be
 * NULL ("fact 'judge'" or "source 'pi-opinion'" otherwise). This function can't fail. */
void kb_problem(struct kbset *set, const char *file, int line, const char *what, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));

/* Prints "file:line: what: warning: message" to set->report and counts a warning: a gap
 * to fill, which does not stop a build. This function can't fail. */
void kb_warning(struct kbset *set, const char *file, int line, const char *what, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));

/* Frees everything set holds; accepts an empty set. This function can't fail. */
void kbset_free(struct kbset *set);

#endif
