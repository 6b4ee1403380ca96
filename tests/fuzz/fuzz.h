/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h -- the entry points every fuzz driver under tests/fuzz/ defines, declared once so
 * the drivers build warning-free (-Wmissing-prototypes) with both clang's libFuzzer and
 * gcc's replay program (replay.c), which calls them the way libFuzzer does.
 */
#ifndef RULINGBOT_FUZZ_H
#define RULINGBOT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Runs one input. Must not keep anything between calls but what Initialize set up, and
 * must free all it allocates: LeakSanitizer checks every run. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional set-up, called once before any input; drivers that need none leave it out. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A copy of the input with a NUL after it, for APIs that take C strings. The allocation is
 * exactly size + 1 bytes so that AddressSanitizer catches a read past the end. Returns NULL
 * when out of memory. */
char *fuzz_cstring(const uint8_t *data, size_t size);

#endif
