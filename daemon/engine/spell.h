/* SPDX-License-Identifier: MIT */
/*
 * spell.h -- is a word a real word? Asks a hunspell dictionary (Debian's hunspell-en-us,
 * hunspell-es, through libhunspell), so that a real word the knowledge base does not use is
 * not "corrected" into one it does ("feather" is no typo of "father"). match.c asks only
 * when it is about to correct a word, which is rare: the dictionaries are loaded the first
 * time one is asked, once per process, and shared by every thread.
 */
#ifndef RULINGBOT_SPELL_H
#define RULINGBOT_SPELL_H

/* What a dictionary says of a word. */
enum spell_verdict {
	SPELL_NO_DICTIONARY = -1, /* the dictionary cannot be read: nothing is known */
	SPELL_UNKNOWN = 0,	  /* it does not know the word: a typo, or a name it lacks */
	SPELL_REAL = 1,		  /* a real word */
};

/* Asks the dictionary at path (its files are path.aff and path.dic) about word, UTF-8 as
 * typed, accents and capitals included: "decision" is no Spanish word, "decisión" is. A
 * word in lowercase is also tried capitalised, since names are typed in lowercase
 * ("boston"). The first call for a path loads its dictionary; one that cannot be read is
 * said so once in the log and not tried again. Safe from any thread. This function can't
 * fail. */
enum spell_verdict spell_check(const char *path, const char *word);

#endif
