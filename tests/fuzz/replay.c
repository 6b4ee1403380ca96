/* SPDX-License-Identifier: MIT */
/*
 * replay.c -- a main() for a fuzz driver built without libFuzzer (gcc, or under
 * `make asan`'s sanitizers): it runs LLVMFuzzerTestOneInput() once on every file of the
 * directories (or on the files) named on the command line, after LLVMFuzzerInitialize()
 * when the driver defines one. This is how the corpora in tests/fuzz/corpus/ serve as
 * regression tests: a bug shows as a crash or a sanitizer report, naming the input.
 *
 *     build/fuzz-replay/fuzz_proto tests/fuzz/corpus/fuzz_proto
 *
 * Prints "NAME: N inputs, 0 failed" and exits 0; an input that cannot be read counts as
 * failed and makes it exit 1 (a corpus that silently vanished tests nothing).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Defined by the drivers that need set-up; NULL in the others. */
extern int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Present only when built with a sanitizer: called before it ends the process. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static const char *current = "(none)"; /* the input being run, for crash reports */

/* Names the input that killed the process: a sanitizer report or a bare crash alone
 * would not say which file to look at. Only async-signal-safe calls. */
static void
name_input(void)
{
	static const char msg[] = "\nreplay: the failing input is ";

	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0)
		return;
}

static void
on_signal(int sig)
{
	name_input();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads the file at path into a malloc'd block of exactly its size, so that reading past
 * the input is caught as it would be under libFuzzer. Returns 0, or -1. */
static int
slurp(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long n;
	int rc = -1;

	*data = NULL;
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (*data = malloc(n > 0 ? (size_t)n : 1)) != NULL &&
	    fread(*data, 1, (size_t)n, f) == (size_t)n) {
		*size = (size_t)n;
		rc = 0;
	}
	fclose(f);
	if (rc == -1) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

/* Runs one file. Returns 0, or -1 when it cannot be read. */
static int
run_file(const char *path)
{
	uint8_t *data;
	size_t size;

	if (slurp(path, &data, &size) == -1) {
		perror(path);
		return -1;
	}
	current = path;
	LLVMFuzzerTestOneInput(data, size);
	current = "(none)";
	free(data);
	return 0;
}

/* Skips dot files (editor droppings, .gitkeep): they are not inputs. */
static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Runs every file of dir, in name order so runs repeat. Counts into *runs, *failed. */
static void
run_dir(const char *dir, int *runs, int *failed)
{
	struct dirent **names;
	char path[4096];
	struct stat st;
	int i, n;

	if ((n = scandir(dir, &names, visible, alphasort)) < 0) {
		perror(dir);
		(*failed)++;
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			(*runs)++;
			*failed += run_file(path) == -1;
		}
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct stat st;
	int i, runs = 0, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", name);
		return 2;
	}
	/* A sanitizer has its own crash handlers, whose reports are worth keeping. */
	if (__sanitizer_set_death_callback) {
		__sanitizer_set_death_callback(name_input);
	} else {
		signal(SIGSEGV, on_signal);
		signal(SIGBUS, on_signal);
		signal(SIGFPE, on_signal);
		signal(SIGABRT, on_signal);
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			run_dir(argv[i], &runs, &failed);
		} else {
			runs++;
			failed += run_file(argv[i]) == -1;
		}
	}
	printf("%s: %d inputs, %d failed\n", name, runs, failed);
	return failed ? 1 : 0;
}
