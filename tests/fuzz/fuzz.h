/* Common parts of the fuzz targets: libFuzzer's entry point, quiet warnings, and the
 * properties every target checks beyond "no crash" (an accepted input gives sane values).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUZZ_H
#define TRIAD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "triad/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Warnings of accepted-but-odd inputs would flood the fuzzer's output. */
static void fuzz_quiet_log(void *user, const char *line)
{
    (void)user;
    (void)line;
}

static inline void fuzz_init(void)
{
    static int done;
    if (!done) {
        triad_set_log(fuzz_quiet_log, NULL);
        done = 1;
    }
}

/* A property of accepted input that does not hold: a bug, reported like a crash. */
#define FUZZ_CHECK(cond)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);        \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* A refusal must say why (FUZZ_VERBOSE=1 prints it: to see what a corpus input reaches). */
#define FUZZ_CHECK_REFUSAL(err)                                                                \
    do {                                                                                       \
        FUZZ_CHECK((err) >= 0 || triad_errmsg()[0] != '\0');                                  \
        if ((err) < 0 && getenv("FUZZ_VERBOSE"))                                               \
            fprintf(stderr, "refused: %s\n", triad_errmsg());                                  \
    } while (0)

#endif
