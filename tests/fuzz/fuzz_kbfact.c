/* SPDX-License-Identifier: MIT */
/*
 * fuzz_kbfact.c -- fuzzes the KB compiler's reading of a fact file (kb/compiler/load.c
 * read_facts(), with jsonpos.c placing each item) and the checks run on what it read
 * (check.c). The reader is static and only reachable through load_kb(), which reads a
 * folder, so the input is written as facts/fuzz.json of a scratch folder made once, next
 * to a copy of the bundled kb/sources.json (so real citations resolve).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fuzz.h"
#include "load.h"
#include "model.h"
#include "util.h"

static char dir[] = "/tmp/rulingbot-fuzz-kbfact-XXXXXX"; /* the scratch KB folder */
static char facts_dir[sizeof(dir) + 8];			  /* dir/facts */
static char fact_path[sizeof(dir) + 20];		  /* dir/facts/fuzz.json */
static char sources_path[sizeof(dir) + 16];		  /* dir/sources.json */
static FILE *devnull; /* the compiler's problem reports, unread */

/* Writes n bytes to path. Returns 0, or -1. */
static int
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int rc;

	if (f == NULL)
		return -1;
	rc = fwrite(p, 1, n, f) == n ? 0 : -1;
	return fclose(f) == 0 ? rc : -1;
}

/* Removes the scratch folder when the fuzzer or the replay program exits. */
static void
cleanup(void)
{
	unlink(fact_path);
	unlink(sources_path);
	rmdir(facts_dir);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct buf sources;
	char err[256];

	(void)argc;
	(void)argv;
	buf_init(&sources);
	/* Without the real sources every citation would be reported unknown, and check.c
	 * would stop short of the rules that compare facts with their sources. */
	if (read_file("kb/sources.json", &sources, err, sizeof(err)) == -1)
		buf_puts(&sources, "[]");
	if (mkdtemp(dir) == NULL || (devnull = fopen("/dev/null", "w")) == NULL) {
		perror("fuzz_kbfact: scratch folder");
		exit(1);
	}
	snprintf(facts_dir, sizeof(facts_dir), "%s/facts", dir);
	snprintf(fact_path, sizeof(fact_path), "%s/fuzz.json", facts_dir);
	snprintf(sources_path, sizeof(sources_path), "%s/sources.json", dir);
	atexit(cleanup);
	if (mkdir(facts_dir, 0700) == -1 ||
	    write_file(sources_path, sources.data ? sources.data : "", sources.len) == -1) {
		perror("fuzz_kbfact: scratch folder");
		exit(1);
	}
	buf_free(&sources);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbset set;

	if (write_file(fact_path, data, size) == -1) {
		perror(fact_path);
		abort();
	}
	/* A fixed "today" keeps runs repeatable: check.c refuses dates after it. */
	if (load_kb(dir, &set, devnull) == 0)
		check_kb(&set, NULL, 20991231);
	kbset_free(&set);
	return 0;
}
