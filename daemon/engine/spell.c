/* SPDX-License-Identifier: MIT */
/*
 * spell.c -- hunspell dictionaries, loaded once per process. Loading one takes about 50 ms
 * and 8 MB (a second under valgrind), which a process that never corrects a word should not
 * pay; so a dictionary is loaded when first asked, kept until the process exits, and shared:
 * every question of every knowledge base asks the same one. libhunspell does not promise
 * that one dictionary may be asked from two threads at once, so one lock guards them all:
 * a question asks at most a few words, and only those it is about to correct.
 */
#include "spell.h"

#include <hunspell.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define SPELL_DICTIONARIES 8	/* different paths one process may ask (a language each) */
#define SPELL_WORD_MAX	   256	/* bytes of the longest word asked, NUL included */
#define SPELL_PATH_MAX	   4096 /* bytes of a dictionary's path with its suffix */

/* A dictionary asked for, loaded or found missing. */
struct dictionary {
	char *path;	/* as given, without .aff or .dic */
	Hunhandle *hun; /* NULL when it could not be read */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct dictionary loaded[SPELL_DICTIONARIES];
static int nloaded;

/* Loads the dictionary at path. hunspell itself would load missing files as an empty
 * dictionary, which knows no word: that is what is checked first. Returns NULL (logged)
 * when it cannot be read. */
static Hunhandle *
load(const char *path)
{
	char aff[SPELL_PATH_MAX], dic[SPELL_PATH_MAX];
	Hunhandle *hun;

	if ((size_t)snprintf(aff, sizeof(aff), "%s.aff", path) >= sizeof(aff) ||
	    (size_t)snprintf(dic, sizeof(dic), "%s.dic", path) >= sizeof(dic) ||
	    access(aff, R_OK) != 0 || access(dic, R_OK) != 0) {
		log_warnx("no spelling dictionary %s.aff and .dic: words are corrected by edit "
			  "distance alone",
			  path);
		return NULL;
	}
	if ((hun = Hunspell_create(aff, dic)) == NULL)
		log_warnx("cannot load the spelling dictionary %s: words are corrected by edit "
			  "distance alone",
			  path);
	return hun;
}

/* Returns the dictionary at path, loaded (or found missing) the first time. Called with
 * the lock held. */
static Hunhandle *
dictionary(const char *path)
{
	struct dictionary *d;
	int i;

	for (i = 0; i < nloaded; i++)
		if (strcmp(loaded[i].path, path) == 0)
			return loaded[i].hun;
	if (nloaded == SPELL_DICTIONARIES) /* a test's paths, many more than languages */
		return NULL;
	d = &loaded[nloaded];
	if ((d->path = strdup(path)) == NULL)
		return NULL; /* out of memory: asked again next time */
	d->hun = load(path);
	nloaded++;
	return d->hun;
}

/* Returns 1 when hun knows word, or word with its first letter a capital. */
static int
knows(Hunhandle *hun, const char *word)
{
	char capital[SPELL_WORD_MAX];

	if (Hunspell_spell(hun, word))
		return 1;
	if (word[0] < 'a' || word[0] > 'z')
		return 0;
	str_copy(capital, sizeof(capital), word); /* it fits: spell_check() measured it */
	capital[0] = (char)(word[0] - 'a' + 'A');
	return Hunspell_spell(hun, capital) != 0;
}

enum spell_verdict
spell_check(const char *path, const char *word)
{
	enum spell_verdict v = SPELL_NO_DICTIONARY;
	Hunhandle *hun;

	if (path == NULL || word == NULL || strlen(word) >= SPELL_WORD_MAX)
		return SPELL_NO_DICTIONARY;
	pthread_mutex_lock(&lock);
	if ((hun = dictionary(path)) != NULL)
		v = knows(hun, word) ? SPELL_REAL : SPELL_UNKNOWN;
	pthread_mutex_unlock(&lock);
	return v;
}

/* Frees the dictionaries when the process exits, so that leak checkers see none. */
__attribute__((destructor)) static void
free_dictionaries(void)
{
	int i;

	for (i = 0; i < nloaded; i++) {
		if (loaded[i].hun != NULL)
			Hunspell_destroy(loaded[i].hun);
		free(loaded[i].path);
	}
	nloaded = 0;
}
