/* SPDX-License-Identifier: MIT */
/*
 * harness.h -- the smallest test harness that does the job: TEST() functions, CHECK()
 * assertions that print where they failed, and a main() that runs the tests and ends with
 * "N passed, N failed" (exit 1 on any failure), after redis's testhelp.h.
 */
#ifndef RULINGBOT_HARNESS_H
#define RULINGBOT_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_failed_checks; /* checks failed in the running test */
static int harness_passed;	  /* tests passed */
static int harness_failed;	  /* tests failed */

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			harness_failed_checks++;                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		if (check_a_ == NULL || check_b_ == NULL || strcmp(check_a_, check_b_) != 0) {     \
			fprintf(stderr,                                                            \
				"%s:%d: check failed: %s == %s\n  got \"%s\"\n"                    \
				"  want \"%s\"\n",                                                 \
				__FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",        \
				check_b_ ? check_b_ : "(null)");                                   \
			harness_failed_checks++;                                                   \
		}                                                                                  \
	} while (0)

#define RUN(test)                                                                                  \
	do {                                                                                       \
		harness_failed_checks = 0;                                                         \
		test();                                                                            \
		if (harness_failed_checks == 0) {                                                  \
			harness_passed++;                                                          \
		} else {                                                                           \
			harness_failed++;                                                          \
			fprintf(stderr, "FAIL %s\n", #test);                                       \
		}                                                                                  \
	} while (0)

#define HARNESS_END()                                                                              \
	do {                                                                                       \
		printf("%d passed, %d failed\n", harness_passed, harness_failed);                  \
		return harness_failed ? 1 : 0;                                                     \
	} while (0)

#endif
